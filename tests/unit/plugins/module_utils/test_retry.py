# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    ResponseParseError,
    TransportError,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.retry import (
    MAX_RETRY_AFTER,
    backoff_delay,
    is_retryable,
    is_throttling,
    parse_retry_after,
    plan_retry,
)


def api(code=None, status=400, retry_after=None):
    return ApiError("x", code=code, status=status, retry_after=retry_after)


class FixedRandom(random.Random):
    """uniform() returns the top of the range: the largest delay full jitter could pick."""

    def uniform(self, a, b):
        return b


# ------------------------------------------------------------------------------------------------ backoff
def test_backoff_ceiling_doubles_and_is_capped():
    rng = FixedRandom()
    assert [backoff_delay(n, 0.5, 20.0, rng) for n in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0, 20.0]
    assert backoff_delay(10_000, 0.5, 20.0, rng) == 20.0


@given(st.integers(min_value=0, max_value=200), st.floats(min_value=0.01, max_value=5), st.floats(min_value=0.1, max_value=60), st.integers())
def test_backoff_full_jitter_within_bounds(attempt, base, cap, seed):
    delay = backoff_delay(attempt, base, cap, random.Random(seed))
    assert 0.0 <= delay <= min(cap, base * 2 ** min(attempt, 62))


def test_backoff_is_jittered_not_constant():
    rng = random.Random(7)
    delays = {round(backoff_delay(4, 1.0, 20.0, rng), 6) for dummy in range(20)}
    assert len(delays) > 10
    assert all(0 <= d <= 16.0 for d in delays)


def test_backoff_rejects_negative_attempt():
    with pytest.raises(ValueError):
        backoff_delay(-1, 1.0, 2.0, random.Random(0))


# ------------------------------------------------------------------------------------------ classification
@pytest.mark.parametrize(
    "error",
    [
        TransportError("refused", kind="connect"),
        TransportError("reset", kind="network"),
        TransportError("slow", kind="timeout"),
        api(status=500),
        api(status=502),
        api(status=503, code="ServiceUnavailable"),
        api(status=504),
        api(status=429),
        api(code="Throttling"),
        api(code="Throttling.User"),
        api(code="Throttling.Api"),
        api(code="Rejected.Throttling", status=400),
        api(code="ServiceUnavailable", status=400),
        api(code="InternalError", status=500),
        api(code="UnknownError", status=500),
        api(code="SignatureNonceUsed"),
    ],
)
def test_retryable_for_idempotent_calls(error):
    assert is_retryable(error, idempotent=True)


@pytest.mark.parametrize(
    "code, status",
    [
        ("InvalidParameter", 400),
        ("MissingParameter", 400),
        ("SignatureDoesNotMatch", 400),
        ("SignatureDoesNotMatch", 403),
        ("InvalidAccessKeyId.NotFound", 404),
        ("InvalidTimeStamp.Expired", 400),
        ("Forbidden.RAM", 403),
        ("NoPermission", 403),
        ("InvalidApi.NotFound", 404),
        ("OperationConflict", 409),
        ("IntegrityError", 417),
        (None, 400),
        (None, 404),
    ],
)
def test_other_4xx_are_never_retried(code, status):
    assert not is_retryable(api(code=code, status=status), idempotent=True)
    assert not is_retryable(api(code=code, status=status), idempotent=False)


def test_tls_failures_and_unusable_2xx_bodies_are_not_retried():
    assert not is_retryable(TransportError("cert", kind="tls"))
    assert not is_retryable(ResponseParseError("truncated", status=200))
    assert not is_retryable(ConfigurationError("bad"))


@pytest.mark.parametrize(
    "error, expected",
    [
        (TransportError("refused", kind="connect"), True),
        (TransportError("reset after send", kind="network"), False),
        (TransportError("read timeout", kind="timeout"), False),
        (api(status=500), False),
        (api(status=502), False),
        (api(code="ServiceUnavailable", status=503), False),
        (api(code="InternalError", status=500), False),
        (api(code="SignatureNonceUsed"), False),
        (api(status=429), True),
        (api(code="Throttling.User"), True),
        (api(code="Rejected.Throttling"), True),
    ],
)
def test_non_idempotent_calls_retry_only_when_the_request_did_not_land(error, expected):
    assert is_retryable(error, idempotent=False) is expected


def test_is_throttling():
    assert is_throttling(api(code="Throttling"))
    assert is_throttling(api(code="Rejected.Throttling"))
    assert is_throttling(api(status=429))
    assert not is_throttling(api(code="ServiceUnavailable", status=503))
    assert not is_throttling(TransportError("x"))


# --------------------------------------------------------------------------------------------- retry-after
NOW = datetime(2024, 5, 20, 8, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"x-acs-retry-after": "300"}, 0.3),
        ({"X-Acs-Retry-After": "2500"}, 2.5),
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": "Mon, 20 May 2024 08:00:30 GMT"}, 30.0),
        ({"x-acs-retry-after": "1500", "Retry-After": "9"}, 1.5),
        ({"x-acs-retry-after": "junk", "Retry-After": "4"}, 4.0),
        ({"x-acs-retry-after": "0"}, None),
        ({"x-acs-retry-after": "-5"}, None),
        ({"x-acs-retry-after": "nan"}, None),
        ({"Retry-After": "-1"}, None),
        ({"Retry-After": "0"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "Mon, 20 May 2024 07:59:00 GMT"}, None),
        ({"Retry-After": "999999"}, MAX_RETRY_AFTER),
        ({"x-acs-retry-after": "99999999"}, MAX_RETRY_AFTER),
        ({}, None),
    ],
)
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(headers, now=NOW) == expected


def test_retry_after_date_needs_a_clock():
    assert parse_retry_after({"Retry-After": "Mon, 20 May 2024 08:00:30 GMT"}) is None


# -------------------------------------------------------------------------------------------- plan_retry
def plan(error, **kw):
    args = dict(retries_done=0, max_retries=5, idempotent=True, base=0.5, cap=20.0, rng=FixedRandom(), now=100.0, deadline=None)
    args.update(kw)
    return plan_retry(error, **args)


def test_plan_retries_with_backoff():
    decision = plan(api(status=503), retries_done=2)
    assert decision.retry and decision.delay == 2.0


def test_plan_stops_after_max_retries():
    decision = plan(api(status=503), retries_done=5, max_retries=5)
    assert not decision.retry and not decision.deadline_exceeded
    assert "5 retries" in decision.reason
    assert not plan(api(status=503), max_retries=0).retry


def test_plan_does_not_retry_non_retryable():
    decision = plan(api(code="InvalidParameter", status=400))
    assert not decision.retry and decision.reason == "not retryable"
    decision = plan(api(status=500), idempotent=False)
    assert not decision.retry and "not idempotent" in decision.reason


def test_retry_after_is_a_floor():
    decision = plan(api(code="Throttling", retry_after=7.0))
    assert decision.retry and decision.delay == 7.0
    # a backoff longer than the hint wins
    decision = plan(api(code="Throttling", retry_after=0.1), retries_done=3)
    assert decision.delay == 4.0


def test_retry_after_past_the_deadline_stops_instead_of_sleeping():
    decision = plan(api(code="Throttling", retry_after=30.0), now=100.0, deadline=120.0)
    assert not decision.retry and decision.deadline_exceeded
    assert decision.delay == 30.0


def test_backoff_past_the_deadline_stops():
    decision = plan(api(status=503), retries_done=4, now=100.0, deadline=107.9)   # would sleep 8.0
    assert not decision.retry and decision.deadline_exceeded
    decision = plan(api(status=503), retries_done=4, now=100.0, deadline=108.1)
    assert decision.retry and decision.delay == 8.0
