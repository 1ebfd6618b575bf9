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
    CredentialsError,
    DeadlineExceeded,
    ResponseParseError,
    TransportError,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.retry import (
    GIVE_UP,
    MAX_RETRY_AFTER,
    REFRESH,
    RETRY,
    RETRY_LATER,
    Verdict,
    backoff_delay,
    classify,
    is_throttling,
    parse_retry_after,
    retry_delay,
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
def verdict(error, idempotent=True):
    return classify(error, idempotent=idempotent).action


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
        api(code="ServiceUnavailable", status=400),
        api(code="InternalError", status=500),
        api(code="UnknownError", status=500),
        api(code="SignatureNonceUsed"),
        ResponseParseError("error envelope", code="InternalError", status=200),
        DeadlineExceeded("late", last_error=TransportError("slow", kind="timeout")),
        DeadlineExceeded("late"),
    ],
)
def test_transient_errors_are_retried_now_for_idempotent_calls(error):
    assert verdict(error) == RETRY


@pytest.mark.parametrize(
    "error",
    [
        api(status=429),
        api(code="Throttling"),
        api(code="Throttling.User"),
        api(code="Throttling.Api"),
        api(code="Rejected.Throttling", status=400),
        api(code="InternalDependencyError.RequestLimitExceeded", status=400),
    ],
)
def test_throttling_is_retried_later_for_every_call_with_the_server_delay(error):
    assert verdict(error) == verdict(error, idempotent=False) == RETRY_LATER
    assert is_throttling(error.code, error.status)
    assert classify(api(code=error.code, status=error.status, retry_after=7.0), idempotent=False).retry_after == 7.0


def test_an_expired_token_asks_for_fresh_credentials_for_every_call():
    expired = api(code="InvalidSecurityToken.Expired")
    assert verdict(expired) == verdict(expired, idempotent=False) == REFRESH
    assert not classify(expired, idempotent=True).retry


@pytest.mark.parametrize(
    "code, status",
    [
        ("InvalidParameter", 400),
        ("MissingParameter", 400),
        ("SignatureDoesNotMatch", 400),
        ("SignatureDoesNotMatch", 403),
        ("InvalidAccessKeyId.NotFound", 404),
        ("InvalidTimeStamp.Expired", 400),
        ("InvalidSecurityToken.Malformed", 400),
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
    assert verdict(api(code=code, status=status)) == GIVE_UP
    assert verdict(api(code=code, status=status), idempotent=False) == GIVE_UP
    assert not is_throttling(code, status)


def test_tls_failures_unusable_2xx_bodies_and_configuration_errors_are_given_up():
    tls = classify(TransportError("cert", kind="tls"), idempotent=True)
    assert tls.action == GIVE_UP and tls.unreached
    assert verdict(ResponseParseError("truncated", status=200)) == GIVE_UP
    assert verdict(ResponseParseError("too big", status=502)) == GIVE_UP
    assert verdict(ConfigurationError("bad")) == GIVE_UP
    assert verdict(CredentialsError("none")) == GIVE_UP


@pytest.mark.parametrize("kind, unreached", [("connect", True), ("dns", True), ("tls", True), ("network", False),
                                             ("timeout", False), ("no_answer", False)])
def test_unreached_means_no_connection_was_made(kind, unreached):
    assert classify(TransportError("x", kind=kind), idempotent=True).unreached is unreached
    assert classify(DeadlineExceeded("late", last_error=TransportError("x", kind=kind)), idempotent=True).unreached is unreached
    assert not classify(api(status=503), idempotent=True).unreached


@pytest.mark.parametrize(
    "error, expected",
    [
        (TransportError("refused", kind="connect"), RETRY),
        (TransportError("no such host", kind="dns"), RETRY),
        (TransportError("reset after send", kind="network"), GIVE_UP),
        (TransportError("read timeout", kind="timeout"), GIVE_UP),
        (api(status=500), GIVE_UP),
        (api(status=502), GIVE_UP),
        (api(code="ServiceUnavailable", status=503), GIVE_UP),
        (api(code="InternalError", status=500), GIVE_UP),
        (api(code="SignatureNonceUsed"), GIVE_UP),
        (api(status=429), RETRY_LATER),
        (api(code="Throttling.User"), RETRY_LATER),
        (api(code="Rejected.Throttling"), RETRY_LATER),
    ],
)
def test_non_idempotent_calls_retry_only_when_the_request_did_not_land(error, expected):
    assert verdict(error, idempotent=False) == expected


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


# ------------------------------------------------------------------------------------------- retry_delay
def test_retry_delay_is_the_backoff_raised_to_the_server_delay():
    assert retry_delay(Verdict(RETRY), 2, 0.5, 20.0, FixedRandom()) == 2.0
    assert retry_delay(Verdict(RETRY_LATER, retry_after=7.0), 0, 0.5, 20.0, FixedRandom()) == 7.0
    assert retry_delay(Verdict(RETRY_LATER, retry_after=0.1), 3, 0.5, 20.0, FixedRandom()) == 4.0  # a longer backoff wins
    assert retry_delay(Verdict(RETRY_LATER, retry_after=10_000.0), 0, 0.5, 20.0, FixedRandom()) == MAX_RETRY_AFTER
