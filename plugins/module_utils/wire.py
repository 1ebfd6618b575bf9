# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wire under :class:`client.EfloClient` and the credential providers: it only moves bytes.

``exchange(method, url, headers, body, connect_timeout=None, read_timeout=None)`` returns an :class:`Answer` with
the body read up to ``max_body`` bytes, or raises :class:`WireError` (with a ``kind``) or :class:`BodyTooLarge`;
``close()`` releases connections. The one implementation is :class:`wire_httpx.HttpxWire`, shared by the API
client and the credential providers of a run. :func:`transport_error` words a :class:`WireError` for every caller.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Mapping, Optional, Protocol
from urllib.parse import urlsplit

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError, EfloError, TransportError

#: What went wrong, as the client words it: the endpoint's scheme, the TLS certificate, the host name, the
#: connection, a timeout waiting for the answer, or anything else on the network.
WIRE_ERROR_KINDS = ("unsupported", "tls", "dns", "connect", "timeout", "network")


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
                 connect_timeout: Optional[float] = None, read_timeout: Optional[float] = None) -> Answer:
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


def transport_error(exc: WireError, what: str, url: str, redact: Callable[[Optional[str]], Optional[str]], *,
                    check: str = "the endpoint", read_timeout: Optional[float] = None) -> EfloError:
    """The error to raise for ``exc``, met while ``what`` (``eflo-controller DescribeTask``, ``STS AssumeRole``) was
    sent to ``url``: a message that names the host, the cause and the fix. ``check`` names the settings that
    give the host name (said when it does not resolve); ``redact`` masks the request's secrets in the exception's text."""
    detail = redact(exc.detail) or exc.name
    where = "%s to %s" % (what, url)
    if exc.kind == "unsupported":
        return ConfigurationError("%s: %s. Use an http:// or https:// endpoint." % (where, detail))
    if exc.kind == "tls":
        return TransportError(
            "%s failed: the TLS certificate could not be verified (%s). Set ca_bundle to the CA that signed "
            "the endpoint's certificate, or validate_certs: false for a test endpoint only." % (where, detail),
            kind="tls",
        )
    if exc.kind == "dns":
        return TransportError(
            "%s failed: the host name %s could not be resolved (%s: %s). Check %s, and the DNS and proxy settings."
            % (where, urlsplit(url).hostname, exc.name, detail, check),
            kind="connect",
        )
    if exc.kind == "connect":
        return TransportError(
            "%s failed: could not connect (%s: %s). Check the endpoint, the network and any proxy settings." % (where, exc.name, detail),
            kind="connect",
        )
    if exc.kind == "timeout":
        limit = "; read_timeout is %gs" % read_timeout if read_timeout else ""
        return TransportError("%s failed: timed out waiting for the answer (%s: %s)%s." % (where, exc.name, detail, limit), kind="timeout")
    return TransportError("%s failed: %s: %s." % (where, exc.name, detail), kind="network")


__all__ = [
    "Answer",
    "BodyTooLarge",
    "WIRE_ERROR_KINDS",
    "Wire",
    "WireError",
    "causes",
    "connect_error_kind",
    "is_certificate_error",
    "is_name_resolution_error",
    "read_capped",
    "transport_error",
]
