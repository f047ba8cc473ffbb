"""Webhook URL safety (pure logic: literal addresses need no DNS)."""

import pytest

from pagewash.errors import BadRequest
from worker.webhook import check_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.1.2.3/",
        "http://192.168.0.1:8080/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://0.0.0.0/",
        "ftp://example.com/",
        "javascript:alert(1)",
        "http:///nohost",
    ],
)
def test_private_and_odd_urls_are_refused(url):
    with pytest.raises(BadRequest):
        check_url(url, allow_private=False)


def test_private_urls_allowed_when_configured():
    assert check_url("http://127.0.0.1:9/x", allow_private=True) == "http://127.0.0.1:9/x"


def test_public_literal_address_passes():
    assert check_url("https://93.184.215.14/hook", allow_private=False)


def test_the_post_goes_to_the_address_that_was_checked(monkeypatch):
    """DNS rebinding: the connection is pinned to the vetted address, the Host header kept."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from urllib.parse import urlsplit

    from worker import webhook

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(self.headers["Host"])
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://hooks.example.com:{server.server_port}/hook"
    # The name "resolves" to the vetted address once; httpx must not resolve it again.
    monkeypatch.setattr(webhook, "_resolve", lambda u, allow: (urlsplit(u), "127.0.0.1"))
    try:
        assert webhook.post(url, {"id": "x"}, allow_private=False) == 204
    finally:
        server.shutdown()
    assert seen == [f"hooks.example.com:{server.server_port}"]
