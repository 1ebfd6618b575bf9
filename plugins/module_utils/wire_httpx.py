# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wire (see :mod:`wire`): one pooled ``httpx.Client``, safe to share between threads.

It honours the proxy environment (``HTTPS_PROXY``, ``NO_PROXY``...), never follows redirects, sends the
collection's User-Agent, and takes an ``httpx`` transport (the tests' fake service). It is the only place
that maps an httpx exception to a :class:`wire.WireError` kind.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire import Answer, WireError, connect_error_kind, read_capped

try:
    import httpx

    HAS_HTTPX = True
except ImportError:  # pragma: no cover - exercised by the sanity import test
    httpx = None  # type: ignore[assignment]
    HAS_HTTPX = False


def _kind(exc: Exception, before_answer: bool) -> str:
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported"
    if before_answer and isinstance(exc, httpx.ConnectError):
        return connect_error_kind(exc)
    if before_answer and isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)):
        return "connect"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    return "network"


def _wire_error(exc: Exception, before_answer: bool) -> WireError:
    return WireError(_kind(exc, before_answer), type(exc).__name__, str(exc) or type(exc).__name__)


class HttpxWire:
    """:class:`wire.Wire` over one ``httpx.Client`` (connection pool, proxies from the environment)."""

    def __init__(self, *, verify: Any, max_body: int, connect_timeout: float, read_timeout: float, user_agent: str,
                 transport: Any = None) -> None:
        self.max_body = max_body
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._http = httpx.Client(
            transport=transport,
            verify=verify,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"User-Agent": user_agent},
            trust_env=True,
            follow_redirects=False,
        )

    def exchange(self, method: str, url: str, headers: Mapping[str, str], body: Optional[bytes], *,
                 connect_timeout: Optional[float] = None, read_timeout: Optional[float] = None) -> Answer:
        connect = self.connect_timeout if connect_timeout is None else connect_timeout
        timeout = httpx.Timeout(self.read_timeout if read_timeout is None else read_timeout, connect=connect, pool=connect)
        try:
            request = self._http.build_request(method, url, headers=headers, content=body, timeout=timeout)
            response = self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise _wire_error(exc, before_answer=True) from None
        try:
            raw = read_capped(response.iter_bytes(), response.headers.get("content-length"), self.max_body,
                              response.status_code, response.headers)
        except httpx.HTTPError as exc:
            raise _wire_error(exc, before_answer=False) from None
        finally:
            response.close()
        return Answer(response.status_code, response.headers, raw)

    def close(self) -> None:
        self._http.close()


__all__ = ["HAS_HTTPX", "HttpxWire"]
