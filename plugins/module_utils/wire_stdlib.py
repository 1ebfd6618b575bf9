# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The light wire (see :mod:`wire`): the standard library's ``http.client``, for one-shot module runs.

One connection, reused by the sequential calls of a run (a closed keep-alive connection is noticed before
it is used and replaced; a request is never sent twice). Failures carry the names the httpx wire gives them
(``ConnectError``, ``ConnectTimeout``, ``ReadTimeout``, ``RemoteProtocolError``, ``ReadError``), so that a message
reads the same whichever wire sent the request. Calls from several threads take turns. No proxy
support: :func:`options.build_client_with_credentials` picks this wire only when the environment names no
proxy. TLS uses the same ``ssl.SSLContext`` the httpx wire would get (:func:`client.tls_verify`).
"""

from __future__ import annotations

import http.client
import select
import ssl
import threading
from typing import Iterator, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire import Answer, WireError, connect_error_kind, read_capped

_CHUNK = 64 * 1024
Origin = Tuple[str, str, int]


def _origin(url: str) -> Tuple[Origin, str]:
    """((scheme, host, port), path with query) of ``url``; :class:`WireError` ``unsupported`` for another scheme."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise WireError("unsupported", "UnsupportedProtocol", "Request URL has an unsupported protocol '%s://'" % scheme)
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise WireError("unsupported", "InvalidURL", str(exc)) from None
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    return (scheme, parts.hostname, port), target


def _closed_by_peer(conn: http.client.HTTPConnection) -> bool:
    """True when an idle keep-alive connection was closed by the server (its socket reads as ready: EOF)."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _w, _x = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _chunks(response: http.client.HTTPResponse) -> Iterator[bytes]:
    while True:
        chunk = response.read(_CHUNK)
        if not chunk:
            return
        yield chunk


class StdlibWire:
    """:class:`wire.Wire` over ``http.client``: one reused connection, no proxy."""

    def __init__(self, *, verify: ssl.SSLContext, max_body: int) -> None:
        self.max_body = max_body
        self._context = verify
        self._lock = threading.Lock()
        self._conn: Optional[http.client.HTTPConnection] = None
        self._origin: Optional[Origin] = None

    def exchange(self, method: str, url: str, headers: Mapping[str, str], body: Optional[bytes], *,
                 connect_timeout: float, read_timeout: float) -> Answer:
        origin, target = _origin(url)
        with self._lock:
            conn = self._connection(origin, connect_timeout)
            try:
                conn.sock.settimeout(read_timeout)  # type: ignore[union-attr]
                conn.request(method, target, body=body, headers=dict(headers))
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                raise _exchange_error(exc) from None
            try:
                raw = read_capped(_chunks(response), response.getheader("content-length"), self.max_body, response.status, response.headers)
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                raise _exchange_error(exc) from None
            except BaseException:
                self._drop()
                raise
            if response.will_close:
                self._drop()
            return Answer(response.status, response.headers, raw)

    def _connection(self, origin: Origin, connect_timeout: float) -> http.client.HTTPConnection:
        if self._conn is not None and (self._origin != origin or _closed_by_peer(self._conn)):
            self._drop()
        if self._conn is None:
            self._conn = self._connect(origin, connect_timeout)
            self._origin = origin
        return self._conn

    def _connect(self, origin: Origin, connect_timeout: float) -> http.client.HTTPConnection:
        scheme, host, port = origin
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=connect_timeout, context=self._context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        try:
            conn.connect()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            name = "ConnectTimeout" if isinstance(exc, TimeoutError) else "ConnectError"
            raise WireError(connect_error_kind(exc), name, _detail(exc)) from None
        return conn

    def _drop(self) -> None:
        conn, self._conn, self._origin = self._conn, None, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._drop()


def _detail(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _exchange_error(exc: BaseException) -> WireError:
    """A failure after connecting, named as the httpx wire names it, so that messages read the same."""
    if isinstance(exc, TimeoutError):
        return WireError("timeout", "ReadTimeout", _detail(exc))
    if isinstance(exc, http.client.HTTPException):
        return WireError("network", "RemoteProtocolError", _detail(exc))
    return WireError("network", "ReadError" if isinstance(exc, ConnectionError) else type(exc).__name__, _detail(exc))


__all__ = ["StdlibWire"]
