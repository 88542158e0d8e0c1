"""Assembling the embedded model's GGUF from its part packages: verified, atomic, done once."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path

import pytest

from bot.generation.model_file import QWEN_CODER_1_5B, ModelError, ModelSpec, ensure_model

PIECES = [b"GGUF first piece ", b"second piece ", b"and the last one"]


def make_parts(site: Path, pieces: list[bytes], prefix: str) -> tuple[str, ...]:
    """Write one importable module per piece, each with `get_part_path()` like the real packages."""
    names = []
    for i, data in enumerate(pieces, start=1):
        name = f"{prefix}_part{i}"
        (site / f"{name}.bin").write_bytes(data)
        (site / f"{name}.py").write_text(f"def get_part_path():\n    return {str(site / f'{name}.bin')!r}\n")
        names.append(name)
    return tuple(names)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def spec_for(parts: tuple[str, ...], content: bytes, sha256: str | None = None) -> ModelSpec:
    return ModelSpec(
        filename="tiny.gguf",
        size=len(content),
        sha256=sha256 or hashlib.sha256(content).hexdigest(),
        parts=parts,
        version="0.2.0",
    )


def test_parts_are_concatenated_in_order_into_the_cache(site: Path, tmp_path: Path) -> None:
    parts = make_parts(site, PIECES, "kabar_fake_order")
    cache = tmp_path / "cache"

    path = ensure_model(cache, spec_for(parts, b"".join(PIECES)))

    assert path == cache / "tiny.gguf"
    assert path.read_bytes() == b"".join(PIECES)
    assert sorted(p.name for p in cache.iterdir()) == ["tiny.gguf", "tiny.gguf.sha256"]


def test_second_call_reuses_the_file_without_the_parts(site: Path, tmp_path: Path) -> None:
    parts = make_parts(site, PIECES, "kabar_fake_reuse")
    spec = spec_for(parts, b"".join(PIECES))
    first = ensure_model(tmp_path / "cache", spec)
    for piece in site.glob("*.bin"):
        piece.unlink()

    assert ensure_model(tmp_path / "cache", spec) == first
    assert first.read_bytes() == b"".join(PIECES)


def test_file_of_wrong_size_is_assembled_again(site: Path, tmp_path: Path) -> None:
    parts = make_parts(site, PIECES, "kabar_fake_truncated")
    spec = spec_for(parts, b"".join(PIECES))
    path = ensure_model(tmp_path / "cache", spec)
    path.write_bytes(b"GGUF trunc")

    assert ensure_model(tmp_path / "cache", spec).read_bytes() == b"".join(PIECES)


def test_file_copied_in_without_marker_is_verified_and_kept(site: Path, tmp_path: Path) -> None:
    parts = make_parts(site, PIECES, "kabar_fake_copied")
    spec = spec_for(parts, b"".join(PIECES))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "tiny.gguf").write_bytes(b"".join(PIECES))
    for piece in site.glob("*.bin"):
        piece.unlink()

    assert ensure_model(cache, spec).read_bytes() == b"".join(PIECES)
    assert (cache / "tiny.gguf.sha256").read_text().strip() == spec.sha256


def test_hash_mismatch_raises_and_leaves_no_file(site: Path, tmp_path: Path) -> None:
    parts = make_parts(site, PIECES, "kabar_fake_tampered")
    spec = spec_for(parts, b"".join(PIECES), sha256="0" * 64)
    cache = tmp_path / "cache"

    with pytest.raises(ModelError) as excinfo:
        ensure_model(cache, spec)

    message = str(excinfo.value)
    assert "sha256" in message and "0" * 64 in message
    assert "pip install --force-reinstall kabar-fake-tampered-part1==0.2.0" in message
    assert list(cache.iterdir()) == []


def test_missing_part_names_the_package_and_the_pip_command(site: Path, tmp_path: Path) -> None:
    parts = make_parts(site, PIECES, "kabar_fake_missing")
    spec = spec_for((*parts, "kabar_fake_missing_part4"), b"".join(PIECES))

    with pytest.raises(ModelError) as excinfo:
        ensure_model(tmp_path / "cache", spec)

    message = str(excinfo.value)
    assert "kabar-fake-missing-part4" in message
    assert "pip install kabar-fake-missing-part4==0.2.0" in message
    assert "part1" not in message
    assert not (tmp_path / "cache" / "tiny.gguf").exists()


def test_installed_parts_are_the_pinned_version_and_add_up_to_the_official_size() -> None:
    sizes = []
    for module in QWEN_CODER_1_5B.parts:
        assert importlib.metadata.version(module.replace("_", "-")) == QWEN_CODER_1_5B.version
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None
        sizes.append(sum(p.stat().st_size for p in (Path(spec.origin).parent / "data").glob("*.bin")))

    assert len(sizes) == 22
    assert sum(sizes) == QWEN_CODER_1_5B.size == 1_117_320_768
