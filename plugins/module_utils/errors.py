# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors of the collection (nothing here imports Ansible, httpx or pydantic).

They say what happened, never whether to retry (``retry.classify`` decides). The adapters turn them into an
Ansible failure in one place (:func:`failure_result`): a ``msg`` that says what went wrong and how to fix it.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

NOT_FOUND_CODES = frozenset({"RESOURCE_NOT_FOUND", "NotFound"})
NOT_A_RESOURCE_PREFIXES = ("InvalidApi", "InvalidAccessKeyId", "InvalidProduct")
EXCERPT_LIMIT = 300


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """A single-line excerpt of a body for an error message, cut between words (inside one only when the first
    ``limit`` characters hold no space)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit + 1)
    return flat[:cut if cut > 0 else limit] + "..."


class EfloError(Exception):
    """Base class: ``msg`` is a complete sentence a user can act on."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg

    def to_result(self) -> Dict[str, Any]:
        """Extra keys for the failed Ansible result (never secrets)."""
        return {}


class ConfigurationError(EfloError):
    """Bad or contradictory input: options, endpoint, region, profile files."""


class CredentialsError(ConfigurationError):
    """No usable credentials; ``searched`` lists every place that was looked at."""

    def __init__(self, msg: str, searched: Optional[Iterable[str]] = None) -> None:
        self.searched: List[str] = list(searched or [])
        if self.searched:
            msg = "%s Looked in, in this order: %s." % (msg, "; ".join(self.searched))
        super().__init__(msg)

    def to_result(self) -> Dict[str, Any]:
        return {"credentials_searched": list(self.searched)}


class TransportError(EfloError):
    """The request did not get an HTTP answer: connection refused/reset, DNS, TLS, timeout."""

    def __init__(self, msg: str, kind: str = "network") -> None:
        super().__init__(msg)
        self.kind = kind

    def to_result(self) -> Dict[str, Any]:
        return {"error": {"kind": self.kind}}


class DeadlineExceeded(EfloError):
    """The caller's deadline ran out before a call could complete (retries included)."""

    def __init__(self, msg: str, last_error: Optional[EfloError] = None) -> None:
        super().__init__(msg)
        self.last_error = last_error


class ApiError(EfloError):
    """An answer from the service (or from something in front of it) that is an error.

    ``status`` is the HTTP status (200 for an error envelope inside a 200 answer).
    ``body_excerpt`` is set when the body was not the JSON error shape (an HTML 502 page, truncated JSON).
    """

    def __init__(
        self,
        msg: str,
        *,
        code: Optional[str] = None,
        message: Optional[str] = None,
        request_id: Optional[str] = None,
        status: Optional[int] = None,
        recommend: Optional[str] = None,
        host_id: Optional[str] = None,
        body_excerpt: Optional[str] = None,
        retry_after: Optional[float] = None,
        action: Optional[str] = None,
    ) -> None:
        super().__init__(msg)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status = status
        self.recommend = recommend
        self.host_id = host_id
        self.body_excerpt = body_excerpt
        self.retry_after = retry_after
        self.action = action

    @property
    def is_not_found(self) -> bool:
        """True for "this resource does not exist" answers (not for an unknown API, product or key)."""
        code = self.code or ""
        if code.startswith(NOT_A_RESOURCE_PREFIXES):
            return False
        return self.status == 404 or code.endswith(".NotFound") or code in NOT_FOUND_CODES

    def to_result(self) -> Dict[str, Any]:
        error: Dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "http_status": self.status,
            "recommend": self.recommend,
        }
        if self.host_id:
            error["host_id"] = self.host_id
        if self.body_excerpt:
            error["body_excerpt"] = self.body_excerpt
        if self.action:
            error["action"] = self.action
        return {"error": error}


class ResponseParseError(ApiError):
    """A 2xx answer whose body is not the JSON object that was due (truncated, HTML, wrong shape)."""


def failure_result(error: EfloError) -> Dict[str, Any]:
    """The keys of a failed Ansible result for ``error``: ``msg`` plus structured detail."""
    result: Dict[str, Any] = {"msg": error.msg}
    result.update(error.to_result())
    return result
