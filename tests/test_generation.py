"""Generation backends against the real model: in-process llama.cpp, and the same model over HTTP.

The model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M) is loaded once for the whole session; every request
is greedy (temperature 0) so answers are repeatable.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import build_backend
from bot.generation.base import GenerationError
from bot.generation.embedded import EmbeddedBackend
from bot.generation.model_file import ModelError
from bot.generation.openai_compatible import OpenAIBackend
from bot.settings import GenerationSettings

CAPITAL = [{"role": "user", "content": "What is the capital of France? Reply with one word only."}]
COUNT = [{"role": "user", "content": "Count from 1 to 4, separated by commas. Reply with the numbers only."}]


@pytest.fixture(scope="module")
def served(embedded: EmbeddedBackend) -> EmbeddedBackend:
    """A second load of the model that also serves HTTP: the real OpenAI-compatible server of these tests."""
    return EmbeddedBackend(embedded.model_path, serve_http=True)


@pytest.fixture(scope="module")
def over_http(served: EmbeddedBackend) -> Iterator[OpenAIBackend]:
    assert served.http_base_url is not None
    backend = OpenAIBackend(served.http_base_url, "qwen2.5-coder-1.5b-instruct", served.http_api_key)
    yield backend
    backend.close()


def listening_sockets() -> dict[str, list[str]]:
    """This process's listening sockets, by kind: `tcp` / `tcp6` local addresses (hex, as the kernel
    shows them) and `unix` paths (the name it was bound to, even once deleted; empty for none)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the descriptor listdir itself used is gone already
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found: dict[str, list[str]] = {"tcp": [], "tcp6": [], "unix": []}
    for kind in ("tcp", "tcp6"):
        for line in Path(f"/proc/self/net/{kind}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found[kind].append(fields[1])
    for line in Path("/proc/self/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[5] == "01" and fields[3] == "00010000" and fields[6] in inodes:  # listening
            found["unix"].append(fields[7] if len(fields) > 7 else "")
    return found


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_embedded_model_answers_a_short_chat(embedded: EmbeddedBackend) -> None:
    reply = embedded.generate(CAPITAL, max_tokens=8, temperature=0.0)

    assert reply.strip().strip(".").lower() == "paris"


def test_embedded_stream_pieces_join_to_the_generated_text(embedded: EmbeddedBackend) -> None:
    whole = embedded.generate(COUNT, max_tokens=16, temperature=0.0)
    pieces = list(embedded.stream(COUNT, max_tokens=16, temperature=0.0))

    assert len(pieces) > 3
    assert "".join(pieces) == whole
    assert "1" in whole and "4" in whole


def test_embedded_generation_ends_at_a_stop_sequence(embedded: EmbeddedBackend) -> None:
    reply = embedded.generate(COUNT, max_tokens=16, temperature=0.0, stop=[","])

    assert reply.strip() == "1"


def test_embedded_model_serves_two_threads_at_once(embedded: EmbeddedBackend) -> None:
    replies: list[str] = []

    def ask() -> None:
        replies.append(embedded.generate(CAPITAL, max_tokens=8, temperature=0.0))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r.strip().strip(".").lower() for r in replies] == ["paris", "paris"]


def test_prompt_longer_than_the_context_is_a_generation_error(embedded: EmbeddedBackend) -> None:
    too_long = [{"role": "user", "content": "kata " * 8000}]

    with pytest.raises(GenerationError, match="context"):
        embedded.generate(too_long, max_tokens=8, temperature=0.0)
    with pytest.raises(GenerationError, match="context"):
        list(embedded.stream(too_long, max_tokens=8, temperature=0.0))


def test_missing_model_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        EmbeddedBackend(tmp_path / "absent.gguf")


def test_llama_cpp_explains_a_failed_load_on_stderr_only_when_kabar_logs_progress(
    embedded: EmbeddedBackend,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # stdout carries `kabar ask --json`; llama.cpp writes from C, so check the file descriptors.
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF" + bytes(1000))
    with pytest.raises(ModelError):
        EmbeddedBackend(fake)
    quiet_out, quiet_err = capfd.readouterr()

    caplog.set_level(logging.INFO, logger="bot.generation.embedded")  # what `kabar -v` does
    with pytest.raises(ModelError):
        EmbeddedBackend(fake)
    embedded.generate(CAPITAL, max_tokens=8, temperature=0.0)
    out, err = capfd.readouterr()

    assert quiet_out == quiet_err == ""
    assert out == ""
    assert "failed to load model" in err


def test_a_file_that_is_not_gguf_is_refused_before_llama_cpp_reads_it(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "model.gguf"
    text.write_text("<html>404 Not Found</html>")

    with pytest.raises(ModelError, match=r"model\.gguf is not a GGUF model file"):
        EmbeddedBackend(text)
    with pytest.raises(ModelError, match="cannot read the model file"):
        EmbeddedBackend(tmp_path)
    assert capfd.readouterr() == ("", "")


def test_openai_backend_answers_from_a_local_server(over_http: OpenAIBackend) -> None:
    reply = over_http.generate(CAPITAL, max_tokens=8, temperature=0.0)

    assert reply.strip().strip(".").lower() == "paris"


def test_openai_stream_pieces_join_to_the_generated_text(over_http: OpenAIBackend) -> None:
    whole = over_http.generate(COUNT, max_tokens=16, temperature=0.0)
    pieces = list(over_http.stream(COUNT, max_tokens=16, temperature=0.0))

    assert len(pieces) > 3
    assert "".join(pieces) == whole


def test_loopback_server_is_reached_despite_proxy_settings(
    served: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert served.http_base_url is not None
    backend = OpenAIBackend(served.http_base_url, "any", served.http_api_key)

    assert backend.generate(CAPITAL, max_tokens=8, temperature=0.0).strip()


def test_wrong_api_key_is_a_clear_error_without_the_key(served: EmbeddedBackend) -> None:
    assert served.http_base_url is not None
    backend = OpenAIBackend(served.http_base_url, "any", SecretStr("sk-wrong-secret-1234"))

    with pytest.raises(GenerationError) as excinfo:
        backend.generate(CAPITAL, max_tokens=8, temperature=0.0)
    with pytest.raises(GenerationError) as streamed:
        list(backend.stream(CAPITAL, max_tokens=8, temperature=0.0))

    for error in (excinfo.value, streamed.value):
        assert "401" in str(error) and "Invalid API Key" in str(error)
        assert "sk-wrong-secret-1234" not in str(error)


def test_server_rejection_carries_the_status_and_server_message(
    served: EmbeddedBackend, over_http: OpenAIBackend
) -> None:
    too_long = [{"role": "user", "content": "kata " * 8000}]

    with pytest.raises(GenerationError) as excinfo:
        over_http.generate(too_long, max_tokens=8, temperature=0.0)

    message = str(excinfo.value)
    assert "HTTP 400" in message and "exceeds the available context size" in message
    assert served.http_api_key.get_secret_value() not in message


def test_unreachable_server_is_a_clear_error_without_the_key() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    backend = OpenAIBackend(url, "any", SecretStr("sk-never-shown-5678"), timeout_s=5)

    with pytest.raises(GenerationError) as excinfo:
        backend.generate(CAPITAL, max_tokens=8, temperature=0.0)
    with pytest.raises(GenerationError) as streamed:
        list(backend.stream(CAPITAL, max_tokens=8, temperature=0.0))

    for error in (excinfo.value, streamed.value):
        assert f"cannot reach {url}/chat/completions" in str(error)
        assert "sk-never-shown-5678" not in str(error)


def test_factory_has_no_model_backend_for_extractive() -> None:
    assert build_backend(GenerationSettings(backend="extractive")) is None


def test_factory_builds_an_openai_backend_from_settings() -> None:
    settings = GenerationSettings(
        backend="openai",
        openai_base_url="http://127.0.0.1:9999/v1/",
        openai_model="qwen",
        openai_api_key=SecretStr("sk-from-settings"),
    )

    backend = build_backend(settings)

    assert isinstance(backend, OpenAIBackend)
    assert backend.name == "openai"
    assert backend.base_url == "http://127.0.0.1:9999/v1"


def test_factory_loads_the_model_file_named_in_settings(tmp_path: Path) -> None:
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF" + bytes(1000))

    with pytest.raises(ModelError, match=r"could not load .*fake\.gguf"):
        build_backend(GenerationSettings(backend="embedded", model_path=fake))


def test_embedded_model_answers_without_listening_on_any_port(embedded: EmbeddedBackend) -> None:
    # A fresh process, so that no other test's server is among its sockets.
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from bot.app import build_backend\n"
        "from bot.settings import GenerationSettings\n"
        "from test_generation import CAPITAL, listening_sockets\n"
        "backend = build_backend(GenerationSettings(model_path=Path(sys.argv[1])))\n"
        "reply = backend.generate(CAPITAL, max_tokens=8, temperature=0.0)\n"
        "print(json.dumps({'reply': reply, 'sockets': listening_sockets()}))\n"
    )
    tests = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tests.parent), str(tests)])}
    done = subprocess.run(
        [sys.executable, "-c", script, str(embedded.model_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)

    assert result["reply"].strip().strip(".").lower() == "paris"
    assert result["sockets"]["tcp"] == [] and result["sockets"]["tcp6"] == []
    # llama.cpp's listener is a Unix socket whose path was deleted once bound: nothing can connect to it.
    assert len(result["sockets"]["unix"]) == 1
    assert not any(Path(path).exists() for path in result["sockets"]["unix"] if path)


def test_served_http_listens_on_loopback_only(served: EmbeddedBackend) -> None:
    assert served.http_base_url is not None
    port = int(served.http_base_url.rsplit(":", 1)[1].split("/")[0])
    sockets = listening_sockets()

    addresses = sockets["tcp"] + sockets["tcp6"]
    on_port = [address for address in addresses if address.endswith(f":{port:04X}")]
    assert on_port == [f"0100007F:{port:04X}"]  # 127.0.0.1, and no wildcard or IPv6 address
