"""Webhooks: the POST to a job's ``callback_url`` when it finishes, and the check that keeps
that URL from reaching into our own network (server-side request forgery)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

import httpx

from pagewash.errors import BadRequest


class Retryable(Exception):
    """The receiver could not take it now (connection error, timeout, 5xx, 429): try later."""


def _resolve(url: str, allow_private: bool) -> tuple[SplitResult, str | None]:
    """The parsed URL and one vetted address to connect to (None when private targets are
    allowed and the name is left to the HTTP client)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:  # a bad port or bracketed host
        raise BadRequest(f"callback_url is not a valid URL: {e}") from e
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("callback_url must be an http:// or https:// URL with a host")
    if allow_private:
        return parts, None
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        raise BadRequest(f"callback_url host {parts.hostname!r} does not resolve") from e
    for info in infos:
        addr = ipaddress.ip_address(info[4][0].split("%")[0])
        if not addr.is_global:
            raise BadRequest(
                f"callback_url resolves to a non-public address ({addr}); "
                "set PAGEWASH_ALLOW_PRIVATE_CALLBACKS=true to allow it"
            )
    return parts, infos[0][4][0]


def check_url(url: str, allow_private: bool) -> str:
    """Refuse non-HTTP URLs, and hosts that resolve to loopback, private, link-local or other
    non-public addresses unless the operator allowed them."""
    _resolve(url, allow_private)
    return url


def post(url: str, payload: dict[str, Any], allow_private: bool, timeout: float = 10.0) -> int:
    """POST the job JSON once; raise ``Retryable`` for what a retry may fix, ``BadRequest`` for
    what it cannot (the URL became unsafe, or the receiver answered 4xx).

    The connection goes to the very address that was checked (Host header and TLS name kept),
    so a name that resolves differently a moment later (DNS rebinding) cannot steer it inside."""
    parts, ip = _resolve(url, allow_private)
    target, headers, extensions = url, {}, {}
    if ip is not None:
        host = f"[{ip}]" if ":" in ip else ip
        netloc = host + (f":{parts.port}" if parts.port else "")
        target = urlunsplit(parts._replace(netloc=netloc))
        headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
        if parts.scheme == "https":
            extensions["sni_hostname"] = parts.hostname
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(target, json=payload, headers=headers, extensions=extensions)
    except httpx.HTTPError as e:
        raise Retryable(f"{type(e).__name__}: {e}") from e
    if response.status_code == 429 or response.status_code >= 500:
        raise Retryable(f"receiver answered {response.status_code}")
    if response.status_code >= 400:
        raise BadRequest(f"receiver answered {response.status_code}")
    return response.status_code
