# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry policy: exponential backoff with full jitter and retry classification (pure, stdlib only).

What is retried (``idempotent=True``, the default for reads such as DescribeTask):

* transport errors (connection refused/reset, DNS, timeouts) - but not TLS certificate failures;
* HTTP 5xx and 429;
* the codes ``Throttling*``, ``Rejected.Throttling``, ``ServiceUnavailable``, ``InternalError``,
  ``UnknownError`` and ``SignatureNonceUsed`` whatever the status;
* never any other 4xx, and never a 2xx answer whose body could not be used.

Mutating calls (``idempotent=False``) are retried only when the request certainly did not reach the
service: a connect error (nothing was sent) or a throttling answer (the gateway refused it).

The server may ask for a pause: ``x-acs-retry-after`` (milliseconds) or ``Retry-After`` (seconds or an
HTTP date). That pause is a floor for the next delay. A delay that would end after the caller's deadline
is never slept: :func:`plan_retry` says "stop" instead.
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
    EfloError,
    ResponseParseError,
    TransportError,
)

RETRYABLE_API_CODES = frozenset({"ServiceUnavailable", "InternalError", "UnknownError", "SignatureNonceUsed"})
THROTTLING_CODES = frozenset({"Rejected.Throttling"})
SAFE_TRANSPORT_KINDS = frozenset({"connect"})        # nothing reached the server
NEVER_RETRY_TRANSPORT_KINDS = frozenset({"tls"})     # a certificate problem does not fix itself
MAX_RETRY_AFTER = 300.0                               # seconds; a longer server hint is clamped


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in ``[0, min(cap, base * 2**attempt)]``.

    ``attempt`` is 0 for the first retry, 1 for the second, and so on.
    """
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    ceiling = min(cap, base * (2 ** min(attempt, 62)))
    return rng.uniform(0.0, max(ceiling, 0.0))


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


def is_throttling(error: EfloError) -> bool:
    """True when the service refused the request because of a rate limit."""
    if not isinstance(error, ApiError):
        return False
    return error.is_throttling or (error.code or "") in THROTTLING_CODES


def is_retryable(error: EfloError, idempotent: bool = True) -> bool:
    """Whether another attempt may succeed and is safe to make (see the module docstring)."""
    if isinstance(error, TransportError):
        if error.kind in NEVER_RETRY_TRANSPORT_KINDS:
            return False
        return idempotent or error.kind in SAFE_TRANSPORT_KINDS
    if not isinstance(error, ApiError):
        return False
    if is_throttling(error):
        return True
    if not idempotent or isinstance(error, ResponseParseError):
        return False
    if (error.code or "") in RETRYABLE_API_CODES:
        return True
    return error.status is not None and error.status >= 500


@dataclass(frozen=True)
class RetryDecision:
    """``retry``: make another attempt after ``delay`` seconds. Otherwise ``reason`` says why not."""

    retry: bool
    delay: float = 0.0
    reason: str = ""
    deadline_exceeded: bool = False


def plan_retry(
    error: EfloError,
    *,
    retries_done: int,
    max_retries: int,
    idempotent: bool,
    base: float,
    cap: float,
    rng: random.Random,
    now: float,
    deadline: Optional[float],
) -> RetryDecision:
    """Decide whether to retry after ``error``, and how long to wait first.

    ``retries_done`` retries were made already (0 after the first attempt). ``now`` and ``deadline`` are
    values of the same monotonic clock; ``deadline`` None means no deadline. The delay is the jittered
    backoff, raised to the server's ``retry_after`` when that is longer; when it would end at or after the
    deadline the answer is ``RetryDecision(retry=False, deadline_exceeded=True)``.
    """
    if not is_retryable(error, idempotent):
        why = "not retryable" if idempotent else "not retried: the call is not idempotent and the request may have reached the service"
        return RetryDecision(False, reason=why)
    if retries_done >= max_retries:
        return RetryDecision(False, reason="gave up after %d retries" % retries_done)
    delay = backoff_delay(retries_done, base, cap, rng)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None and retry_after > delay:
        delay = min(float(retry_after), MAX_RETRY_AFTER)
    if deadline is not None and now + delay >= deadline:
        return RetryDecision(False, delay=delay, reason="the deadline leaves no time for another attempt", deadline_exceeded=True)
    return RetryDecision(True, delay=delay, reason="retrying in %.1fs" % delay)
