# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wire under :class:`client.EfloClient`: send one signed request, read its answer, or say why not.

:class:`client.EfloClient` signs, retries, reads answers and words errors; a *wire* only moves bytes. Two wires
keep to the contract below:

* :class:`wire_httpx.HttpxWire` (the default): one pooled ``httpx.Client``, safe to share between threads; the
  wait's poll threads, ``eflo_api`` and the tests (``httpx.MockTransport``) use it.
* :class:`wire_stdlib.StdlibWire`: the standard library's ``http.client``, one connection reused by sequential
  calls. A one-shot module run (``eflo_task_info``) uses it when no proxy is configured: importing httpx and
  building its transport costs a module run about as much CPU as all of Ansible's own module start-up above a
  bare interpreter (docs/performance.md, figure 4), for a run that makes one or a few calls.

The contract: ``exchange(method, url, headers, body, connect_timeout, read_timeout)`` returns an
:class:`Answer` with the body read up to ``max_body`` bytes, or raises :class:`WireError` (with a ``kind``
the client words the same way whatever the wire) or :class:`BodyTooLarge`. ``close()`` releases connections.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional, Protocol

#: What went wrong, as the client words it: the endpoint's scheme, the TLS certificate, the host name, the
#: connection, a timeout waiting for the answer, or anything else on the network.
WIRE_ERROR_KINDS = ("unsupported", "tls", "dns", "connect", "timeout", "network")

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


class WireError(Exception):
    """A request that got no usable answer. ``kind`` is one of :data:`WIRE_ERROR_KINDS`; ``name`` the type name
    of the underlying exception and ``detail`` its text (both shown to the user after redaction)."""

    def __init__(self, kind: str, name: str, detail: str) -> None:
        super().__init__("%s: %s" % (name, detail))
        self.kind = kind
        self.name = name
        self.detail = detail


class BodyTooLarge(Exception):
    """The answer's body is larger than the cap (``size`` is the declared length or the bytes read so far)."""

    def __init__(self, size: int, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(size)
        self.size = size
        self.status = status
        self.headers = headers


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, headers (case-insensitive ``get``) and the body's bytes."""

    status: int
    headers: Any
    body: bytes


class Wire(Protocol):
    """See the module docstring."""

    def exchange(self, method: str, url: str, headers: Mapping[str, str], body: Optional[bytes], *,
                 connect_timeout: float, read_timeout: float) -> Answer:
        """Send one request and read its answer."""

    def close(self) -> None:
        """Release the connections."""


def read_capped(chunks: Iterable[bytes], declared: Optional[str], max_body: int, status: int, headers: Mapping[str, str]) -> bytes:
    """Join ``chunks`` into the body, raising :class:`BodyTooLarge` as soon as it (or its declared length) is
    larger than ``max_body``."""
    declared = (declared or "").strip()
    if declared.isdigit() and int(declared) > max_body:
        raise BodyTooLarge(int(declared), status, headers)
    parts: List[bytes] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_body:
            raise BodyTooLarge(total, status, headers)
        parts.append(chunk)
    return b"".join(parts)


def causes(exc: BaseException) -> List[BaseException]:
    """``exc`` and the exceptions it was raised from (at most 10)."""
    chain: List[BaseException] = []
    current: Optional[BaseException] = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def is_certificate_error(exc: BaseException) -> bool:
    """True when the peer's TLS certificate could not be verified."""
    return any(isinstance(item, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(item) for item in causes(exc))


def is_name_resolution_error(exc: BaseException) -> bool:
    """True when the host name of the endpoint did not resolve (an unknown region, a typo in the endpoint)."""
    return any(isinstance(item, socket.gaierror) for item in causes(exc))


def connect_error_kind(exc: BaseException) -> str:
    """The kind of an error raised while connecting: ``tls``, ``dns`` or ``connect``."""
    if is_certificate_error(exc):
        return "tls"
    if is_name_resolution_error(exc):
        return "dns"
    return "connect"


def proxy_configured(env: Mapping[str, str]) -> bool:
    """True when the environment names an HTTP(S) proxy (only the httpx wire implements proxies)."""
    return any((env.get(name) or "").strip() for name in PROXY_VARIABLES)


__all__ = [
    "Answer",
    "BodyTooLarge",
    "PROXY_VARIABLES",
    "WIRE_ERROR_KINDS",
    "Wire",
    "WireError",
    "causes",
    "connect_error_kind",
    "is_certificate_error",
    "is_name_resolution_error",
    "proxy_configured",
    "read_capped",
]
