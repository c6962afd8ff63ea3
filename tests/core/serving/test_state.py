"""Reading a running service's /health: the answer, or one OSError naming the URL."""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from console.core.base.workspace import Workspace
from console.core.serving import state
from tests.core.serving_models import running, with_models


@contextmanager
def answering(status: int, body: bytes) -> Iterator[state.ServiceInfo]:
    """A stand-in service whose /health answers ``status`` with ``body``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield state.ServiceInfo(
            url=f"http://127.0.0.1:{port}", host="127.0.0.1", port=port, pid=0,
            started_at="", tls=False,
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()


def test_health_of_the_running_service(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = with_models(workspace)
    with running(ws) as service:
        # plain HTTP builds no TLS context (loading the certificate bundle costs ~26 ms)
        monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: pytest.fail("TLS"))
        health = state.fetch_health(service.info, 2.0)
        assert health["model_version"] == "1.0.0"
        assert state.wait_for_version(ws, "1.0.0", timeout=2)
        assert not state.wait_for_version(ws, "9.9.9", timeout=0.2)


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (500, b'{"error": "boom"}', "HTTP 500"),
        (200, b"not json", "Expecting value"),
        (200, b"[1, 2]", "not a JSON object"),
    ],
)
def test_a_bad_answer_is_one_oserror_naming_the_url(status: int, body: bytes, problem: str) -> None:
    with answering(status, body) as info, pytest.raises(OSError, match=problem) as caught:
        state.fetch_health(info, 2.0)
    assert str(caught.value).startswith(f"{info.url}/health: ")


def test_no_service_at_the_address_is_an_oserror_naming_the_url() -> None:
    with answering(200, b"{}") as info:
        pass  # stopped: nothing listens on its port any more
    with pytest.raises(OSError, match=rf"^{info.url}/health: "):
        state.fetch_health(info, 1.0)
