# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error classifier (:func:`classify`), backoff with full jitter, and the server's retry-after (pure).

Every retry decision asks :func:`classify` (the client's retry loop, the wait engine, ``eflo_api``'s messages);
its table is in docs/architecture.md. ``Verdict.unreached`` says that no connection was made at all; the wait uses
it to end early when an endpoint never answered. :func:`parse_retry_after` reads ``x-acs-retry-after``
(milliseconds) or ``Retry-After`` (seconds or an HTTP date).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Mapping, Optional

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (
    ApiError,
    DeadlineExceeded,
    EfloError,
    ResponseParseError,
    TransportError,
)

RETRY = "retry"
RETRY_LATER = "retry_later"
REFRESH = "refresh"
GIVE_UP = "give_up"

TRANSIENT_CODES = frozenset({"ServiceUnavailable", "InternalError", "UnknownError", "SignatureNonceUsed"})
THROTTLING_CODES = frozenset({"Rejected.Throttling", "InternalDependencyError.RequestLimitExceeded"})  # and Throttling*
EXPIRED_TOKEN_CODES = frozenset({"InvalidSecurityToken.Expired"})
UNREACHED_KINDS = frozenset({"connect", "dns", "tls"})  # TransportError kinds where no connection was made
NEVER_RETRY_KINDS = frozenset({"tls"})                 # a certificate problem does not fix itself
MAX_RETRY_AFTER = 300.0                                 # seconds; a longer server hint is clamped


@dataclass(frozen=True)
class Verdict:
    """What to do after an error: ``action`` (RETRY, RETRY_LATER, REFRESH, GIVE_UP); ``retry_after`` the server's
    floor for the next attempt in seconds (or None); ``unreached`` True when the request made no connection."""

    action: str
    retry_after: Optional[float] = None
    unreached: bool = False

    @property
    def retry(self) -> bool:
        """True for RETRY and RETRY_LATER (another attempt after a pause)."""
        return self.action in (RETRY, RETRY_LATER)


def is_throttling(code: Optional[str], status: Optional[int]) -> bool:
    """True when an answer with this error ``code`` and HTTP ``status`` says the rate limit was hit."""
    return status == 429 or (code or "").startswith("Throttling") or code in THROTTLING_CODES


def classify(error: EfloError, *, idempotent: bool) -> Verdict:
    """The verdict on ``error`` (see the module docstring); ``idempotent`` False for calls that change something."""
    if isinstance(error, DeadlineExceeded):
        return Verdict(RETRY) if error.last_error is None else classify(error.last_error, idempotent=idempotent)
    if isinstance(error, TransportError):
        unreached = error.kind in UNREACHED_KINDS
        retry = error.kind not in NEVER_RETRY_KINDS and (idempotent or unreached)
        return Verdict(RETRY if retry else GIVE_UP, unreached=unreached)
    if not isinstance(error, ApiError):
        return Verdict(GIVE_UP)
    if is_throttling(error.code, error.status):
        return Verdict(RETRY_LATER, retry_after=error.retry_after)
    if (error.code or "") in EXPIRED_TOKEN_CODES:
        return Verdict(REFRESH)
    transient = (error.code or "") in TRANSIENT_CODES or (not isinstance(error, ResponseParseError) and (error.status or 0) >= 500)
    return Verdict(RETRY, retry_after=error.retry_after) if idempotent and transient else Verdict(GIVE_UP)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in ``[0, min(cap, base * 2**attempt)]``.

    ``attempt`` is 0 for the first retry, 1 for the second, and so on.
    """
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    ceiling = min(cap, base * (2 ** min(attempt, 62)))
    return rng.uniform(0.0, max(ceiling, 0.0))


def retry_delay(verdict: Verdict, attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """The pause before retry number ``attempt`` (0 first): the jittered backoff, raised to the verdict's
    ``retry_after`` when that is longer (at most :data:`MAX_RETRY_AFTER`)."""
    delay = backoff_delay(attempt, base, cap, rng)
    if verdict.retry_after is not None and verdict.retry_after > delay:
        delay = min(float(verdict.retry_after), MAX_RETRY_AFTER)
    return delay


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def parse_retry_after(headers: Mapping[str, str], now: Optional[datetime] = None) -> Optional[float]:
    """The pause the server asked for, in seconds, or None.

    ``x-acs-retry-after`` is milliseconds (what the official SDK does); ``Retry-After`` is seconds or an
    HTTP date (needs ``now``, a timezone-aware datetime). Malformed or non-positive values are ignored.
    """
    acs = _header(headers, "x-acs-retry-after")
    if acs is not None:
        try:
            millis = float(acs.strip())
        except ValueError:
            millis = -1.0
        if millis > 0 and not math.isnan(millis):
            return min(millis / 1000.0, MAX_RETRY_AFTER)
    standard = _header(headers, "retry-after")
    if standard is None:
        return None
    text = standard.strip()
    if text.isascii() and text.isdigit():  # str.isdigit() is also true for '¹', which float() refuses
        seconds = float(text)
        return min(seconds, MAX_RETRY_AFTER) if seconds > 0 else None
    if now is None:
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    seconds = (when - now).total_seconds()
    return min(seconds, MAX_RETRY_AFTER) if seconds > 0 else None
