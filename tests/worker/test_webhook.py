"""Webhook URL safety (pure logic: literal addresses need no DNS)."""

import pytest

from pagewash.exceptions import BadRequest
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
