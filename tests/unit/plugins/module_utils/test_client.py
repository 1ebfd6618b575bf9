# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EfloClient over the real wire with answers from fake_service.py (and two real sockets on 127.0.0.1).

Signatures are checked by an independent verifier written here from the reference recipe (section 2.6
for V3, section 4.2 for V2), not by calling the signer. Time never passes for real: clock, sleep and the
wall clock are injected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import pathlib
import random
import re
import socket
import ssl
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qsl, quote

import httpx
import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils import client as client_mod
from ansible_collections.alibabacloud.eflo.plugins.module_utils.client import (
    API_VERSION,
    COLLECTION_VERSION,
    MAX_BODY_BYTES,
    ClientConfig,
    EfloClient,
    build_user_agent,
    default_user_agent,
    hint_for,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    CredentialsError,
    DeadlineExceeded,
    EfloError,
    ResponseParseError,
    TransportError,
    failure_result,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import read_task
from ansible_collections.alibabacloud.eflo.plugins.module_utils.retry import classify
from ansible_collections.alibabacloud.eflo.tests.unit.plugins.fake_service import transport  # pylint: disable=import-error

AK = "LTAI5tTestAccessKeyId"
SECRET = "TestSecret/+=0123456789abcdefghij"
TOKEN = "CAIS+Test/Token==with/special+chars"
AK2 = "STS.NewAccessKeyId"
SECRET2 = "SecondSecret0123456789abcdefghijk"
TOKEN2 = "SecondToken/+==xyz"
BASE = "https://eflo-controller.cn-wulanchabu.aliyuncs.com"
TASK_ID = "i156331731670384438138"
TASK_BODY = {
    "RequestId": "A7FD7411-9395-52E8-AF42-EB3A4A55446D",
    "ClusterId": "i119982311660892626523",
    "TaskType": "cut_cluster",
    "TaskState": "running",
    "Steps": [{"StepName": "create_vpd", "StageTag": "节点缩容"}],
}


# ---------------------------------------------------------------------------------------------- fakes
@dataclass(frozen=True)
class FakeCredentials:
    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: Optional[str] = field(default=None, repr=False)
    expiration: Optional[datetime] = None
    source: str = "options"


class FakeProvider:
    """A CredentialProvider: ``get()`` returns the current entry, ``invalidate()`` moves to the next one."""

    source = "options"

    def __init__(self, *creds: FakeCredentials) -> None:
        self.creds = list(creds) or [FakeCredentials(AK, SECRET)]
        self.index = 0
        self.gets = 0
        self.invalidations = 0

    def get(self) -> FakeCredentials:
        self.gets += 1
        return self.creds[min(self.index, len(self.creds) - 1)]

    def invalidate(self) -> None:
        self.invalidations += 1
        self.index += 1


class FakeTime:
    """Monotonic clock + sleep that only advances when slept; records the sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: List[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class WallClock:
    """A wall clock that moves one second per call (so every attempt signs a different date)."""

    def __init__(self) -> None:
        self.current = datetime(2024, 5, 20, 8, 0, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


class LowRandom(random.Random):
    """Full jitter picks the bottom of the range: backoff delays are 0 unless retry-after asks for more."""

    def uniform(self, a, b):
        return a


class Server:
    """A scripted handler for fake_service.transport: answers from a list (the last one repeats); records the requests."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: List[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.answers[min(len(self.requests) - 1, len(self.answers) - 1)]
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=TASK_BODY if body is None else body, headers=headers)


def err(status: int, code: str, message: str = "msg", request_id: str = "REQ-1", headers: Optional[Dict[str, str]] = None, **extra: Any) -> httpx.Response:
    body = {"RequestId": request_id, "Code": code, "Message": message}
    body.update(extra)
    return httpx.Response(status, json=body, headers=headers or {})


def make(
    server: Server,
    *,
    provider: Optional[FakeProvider] = None,
    fake_time: Optional[FakeTime] = None,
    wall: Optional[Callable[[], datetime]] = None,
    rng: Optional[random.Random] = None,
    **config: Any,
) -> EfloClient:
    config.setdefault("endpoint_url", BASE)
    fake_time = fake_time or FakeTime()
    return EfloClient(
        ClientConfig(**config),
        provider or FakeProvider(),
        transport=transport(server),
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        rng=rng or LowRandom(),
        wall_clock=wall or WallClock(),
    )


# ------------------------------------------------------------------------------- independent verifier
def rfc3986(value: str) -> str:
    return quote(value, safe="-_.~")


def verify_v3(request: httpx.Request, secret: str) -> Dict[str, str]:
    """Re-derive the V3 signature from the request as received; return the parsed Authorization fields."""
    auth = request.headers["authorization"]
    algorithm, dummy, rest = auth.partition(" ")
    assert algorithm == "ACS3-HMAC-SHA256"
    fields = dict(part.split("=", 1) for part in rest.split(","))
    signed = fields["SignedHeaders"].split(";")
    assert signed == sorted(signed)
    for required in ("host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"):
        assert required in signed, required
    if "x-acs-security-token" in request.headers:
        assert "x-acs-security-token" in signed
    body = request.content
    payload_hash = hashlib.sha256(body).hexdigest()
    assert request.headers["x-acs-content-sha256"] == payload_hash
    query = parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)
    canonical_query = "&".join("%s=%s" % (k, rfc3986(v)) for k, v in sorted(query))
    canonical_headers = "".join("%s:%s\n" % (name, request.headers[name].strip()) for name in signed)
    canonical = "\n".join(["POST", "/", canonical_query, canonical_headers, ";".join(signed), payload_hash])
    string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    expected = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(fields["Signature"], expected), "V3 signature does not verify"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", request.headers["x-acs-date"])
    assert re.match(r"^[0-9a-f]{32}$", request.headers["x-acs-signature-nonce"])
    return fields


def verify_v2(request: httpx.Request, secret: str) -> Dict[str, str]:
    query = dict(parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True))
    signature = query.pop("Signature")
    params = dict(query)
    params.update(parse_qsl(request.content.decode("utf-8"), keep_blank_values=True))
    canonical = "&".join("%s=%s" % (rfc3986(k), rfc3986(v)) for k, v in sorted(params.items()))
    string_to_sign = "POST&%2F&" + rfc3986(canonical)
    digest = hmac.new((secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    assert hmac.compare_digest(signature, base64.b64encode(digest).decode("ascii")), "V2 signature does not verify"
    return query


# ------------------------------------------------------------------------------------------ signing
def test_describe_task_v3_is_signed_and_verifiable():
    server = Server(ok())
    with make(server) as client:
        body = client.describe_task(TASK_ID)
    assert body == TASK_BODY
    assert client.requests == 1 and client.retries == 0
    (request,) = server.requests
    assert request.method == "POST"
    assert str(request.url) == BASE + "/"
    assert request.content == ("TaskId=%s" % TASK_ID).encode()
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["x-acs-action"] == "DescribeTask"
    assert request.headers["x-acs-version"] == API_VERSION == "2022-12-15"
    assert request.headers["host"] == "eflo-controller.cn-wulanchabu.aliyuncs.com"
    assert request.headers["user-agent"] == default_user_agent()
    fields = verify_v3(request, SECRET)
    assert fields["Credential"] == AK
    assert "user-agent" in fields["SignedHeaders"].split(";")
    assert "x-acs-security-token" not in request.headers


def test_sts_credentials_send_and_sign_the_token():
    server = Server(ok())
    provider = FakeProvider(FakeCredentials(AK2, SECRET2, TOKEN))
    with make(server, provider=provider) as client:
        client.describe_task(TASK_ID)
    (request,) = server.requests
    assert request.headers["x-acs-security-token"] == TOKEN
    fields = verify_v3(request, SECRET2)
    assert fields["Credential"] == AK2
    assert "x-acs-security-token" in fields["SignedHeaders"].split(";")


def test_v2_mode_puts_the_signature_in_the_query():
    server = Server(ok())
    provider = FakeProvider(FakeCredentials(AK2, SECRET2, TOKEN))
    with make(server, provider=provider, signature_version="v2") as client:
        client.describe_task("i156 *~/节点")
    (request,) = server.requests
    assert "authorization" not in request.headers
    query = verify_v2(request, SECRET2)
    assert query["Action"] == "DescribeTask"
    assert query["Version"] == API_VERSION
    assert query["AccessKeyId"] == AK2
    assert query["SecurityToken"] == TOKEN
    assert query["SignatureMethod"] == "HMAC-SHA1"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", query["Timestamp"])
    assert dict(parse_qsl(request.content.decode())) == {"TaskId": "i156 *~/节点"}


def test_query_parameters_are_routed_and_signed():
    server = Server(ok({"Nodes": [], "RequestId": "r"}))
    with make(server) as client:
        client.call(
            "ListClusterNodes",
            {"ClusterId": "i1169", "Tags": [{"Key": "k 1", "Value": "v*1"}], "OperatingStates": ["Using"], "MaxResults": 20},
            query={"Extra": True},
        )
    (request,) = server.requests
    assert dict(parse_qsl(request.url.query.decode())) == {"Tags.1.Key": "k 1", "Tags.1.Value": "v*1", "Extra": "true"}
    assert dict(parse_qsl(request.content.decode())) == {"ClusterId": "i1169", "OperatingStates.1": "Using", "MaxResults": "20"}
    verify_v3(request, SECRET)


def test_v2_with_query_parameters_verifies():
    server = Server(ok({"RequestId": "r"}))
    with make(server, signature_version="v2") as client:
        client.call("ChangeNodeGroup", {"Nodes": ["n 1"], "TargetNodeGroupId": "ng/2", "IgnoreFailedNodeTasks": False}, idempotent=False)
    (request,) = server.requests
    query = verify_v2(request, SECRET)
    assert query["TargetNodeGroupId"] == "ng/2" and query["IgnoreFailedNodeTasks"] == "false"
    assert dict(parse_qsl(request.content.decode())) == {"Nodes": '["n 1"]'}


def test_every_retry_is_signed_again_with_fresh_date_nonce_and_current_credentials():
    server = Server(err(503, "ServiceUnavailable"), err(500, "InternalError"), ok())
    provider = FakeProvider(FakeCredentials(AK, SECRET), FakeCredentials(AK2, SECRET2, TOKEN2))

    def rotating_get() -> FakeCredentials:
        # the provider refreshes between the 1st and 2nd attempt (e.g. STS credentials near expiry)
        creds = provider.creds[0] if provider.gets == 0 else provider.creds[1]
        provider.gets += 1
        return creds

    provider.get = rotating_get  # type: ignore[method-assign]
    with make(server, provider=provider) as client:
        client.describe_task(TASK_ID)
    assert client.requests == 3 and client.retries == 2 and provider.gets == 3
    nonces = [r.headers["x-acs-signature-nonce"] for r in server.requests]
    dates = [r.headers["x-acs-date"] for r in server.requests]
    assert len(set(nonces)) == 3
    assert len(set(dates)) == 3
    assert verify_v3(server.requests[0], SECRET)["Credential"] == AK
    assert verify_v3(server.requests[1], SECRET2)["Credential"] == AK2
    assert server.requests[1].headers["x-acs-security-token"] == TOKEN2
    verify_v3(server.requests[2], SECRET2)


def test_v2_retry_gets_a_fresh_nonce():
    server = Server(err(503, "ServiceUnavailable"), ok())
    with make(server, signature_version="v2") as client:
        client.describe_task(TASK_ID)
    nonces = [dict(parse_qsl(r.url.query.decode()))["SignatureNonce"] for r in server.requests]
    assert len(set(nonces)) == 2
    for request in server.requests:
        verify_v2(request, SECRET)


# ------------------------------------------------------------------------------------------- retries
def html_502(request: httpx.Request) -> httpx.Response:
    return httpx.Response(502, text="<html><body><h1>502 Bad Gateway</h1></body></html>", headers={"content-type": "text/html"})


@pytest.mark.parametrize(
    "first",
    [
        err(503, "ServiceUnavailable"),
        err(500, "InternalError"),
        err(500, "UnknownError"),
        err(504, "GatewayTimeout"),
        httpx.Response(429, text="slow down"),
        err(400, "Throttling"),
        err(400, "Throttling.User"),
        err(400, "Throttling.Api"),
        err(400, "Rejected.Throttling"),
        err(400, "SignatureNonceUsed"),
        html_502,
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectTimeout("timed out"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("[Errno 104] Connection reset by peer"),
    ],
    ids=lambda value: getattr(value, "status_code", None) or getattr(value, "__name__", None) or type(value).__name__,
)
def test_retryable_failures_are_retried_for_reads(first):
    server = Server(first, ok())
    fake_time = FakeTime()
    with make(server, fake_time=fake_time) as client:
        assert client.describe_task(TASK_ID)["TaskState"] == "running"
    assert client.requests == 2 and client.retries == 1
    assert len(fake_time.sleeps) == 1


@pytest.mark.parametrize(
    "answer, code",
    [
        (err(400, "InvalidParameter"), "InvalidParameter"),
        (err(400, "MissingTaskId"), "MissingTaskId"),
        (err(400, "SignatureDoesNotMatch"), "SignatureDoesNotMatch"),
        (err(403, "Forbidden.RAM"), "Forbidden.RAM"),
        (err(404, "InvalidAccessKeyId.NotFound"), "InvalidAccessKeyId.NotFound"),
        (err(404, "InvalidApi.NotFound"), "InvalidApi.NotFound"),
        (err(400, "InvalidTimeStamp.Expired"), "InvalidTimeStamp.Expired"),
        (err(409, "OperationConflict"), "OperationConflict"),
        (httpx.Response(404, text="not here"), None),
    ],
)
def test_other_4xx_are_not_retried(answer, code):
    server = Server(answer, ok())
    fake_time = FakeTime()
    with make(server, fake_time=fake_time) as client, pytest.raises(ApiError) as info:
        client.describe_task(TASK_ID)
    assert info.value.code == code
    assert client.requests == 1 and client.retries == 0 and fake_time.sleeps == []


def test_retries_are_bounded_by_the_retries_setting():
    server = Server(err(503, "ServiceUnavailable"))
    fake_time = FakeTime()
    with make(server, fake_time=fake_time, retries=3) as client, pytest.raises(ApiError) as info:
        client.describe_task(TASK_ID)
    assert client.requests == 4 and client.retries == 3 and len(fake_time.sleeps) == 3
    assert info.value.status == 503
    assert "Gave up after 3 retries" in info.value.msg


def test_zero_retries_means_one_attempt():
    server = Server(err(503, "ServiceUnavailable"))
    with make(server, retries=0) as client, pytest.raises(ApiError):
        client.describe_task(TASK_ID)
    assert client.requests == 1


def test_backoff_uses_full_jitter_with_base_and_cap():
    class TopRandom(random.Random):
        def uniform(self, a, b):
            return b

    server = Server(err(503, "ServiceUnavailable"))
    fake_time = FakeTime()
    with make(server, fake_time=fake_time, rng=TopRandom(), retries=6, backoff_base=1.0, backoff_cap=10.0) as client:
        with pytest.raises(ApiError):
            client.describe_task(TASK_ID)
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def fixed_wall_clock() -> datetime:
    return datetime(2024, 5, 20, 8, 0, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"x-acs-retry-after": "3000"}, 3.0),
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "Mon, 20 May 2024 08:00:31 GMT"}, 30.0),
    ],
)
def test_retry_after_is_honoured_as_a_floor(headers, expected):
    server = Server(err(400, "Throttling.User", headers=headers), ok())
    fake_time = FakeTime()
    with make(server, fake_time=fake_time, wall=fixed_wall_clock) as client:
        client.describe_task(TASK_ID)
    assert fake_time.sleeps == [expected]


def test_retry_after_longer_than_the_deadline_is_not_slept():
    server = Server(err(429, "Throttling", headers={"x-acs-retry-after": "60000"}), ok())
    fake_time = FakeTime(start=0.0)
    with make(server, fake_time=fake_time) as client, pytest.raises(DeadlineExceeded) as info:
        client.describe_task(TASK_ID, deadline=30.0)
    assert fake_time.sleeps == []
    assert client.requests == 1
    assert isinstance(info.value.last_error, ApiError) and info.value.last_error.code == "Throttling"
    assert "Throttling" in info.value.msg and "deadline" in info.value.msg and "DescribeTask" in info.value.msg


def test_deadline_bounds_the_retries_and_is_never_slept_past():
    server = Server(err(503, "ServiceUnavailable", headers={"Retry-After": "4"}))
    fake_time = FakeTime(start=0.0)
    with make(server, fake_time=fake_time, retries=100) as client, pytest.raises(DeadlineExceeded) as info:
        client.describe_task(TASK_ID, deadline=10.0)
    assert fake_time.sleeps == [4.0, 4.0]          # a third sleep would end at 12 > 10
    assert fake_time.now <= 10.0
    assert client.requests == 3
    assert info.value.last_error.status == 503
    assert "3 attempts" in info.value.msg and "ServiceUnavailable" in info.value.msg


def test_deadline_already_passed_makes_no_request():
    server = Server(ok())
    fake_time = FakeTime(start=50.0)
    with make(server, fake_time=fake_time) as client, pytest.raises(DeadlineExceeded) as info:
        client.describe_task(TASK_ID, deadline=50.0)
    assert server.requests == [] and info.value.last_error is None
    assert "deadline had already passed" in info.value.msg


def test_per_attempt_timeouts_are_clamped_to_the_time_left():
    server = Server(ok())
    fake_time = FakeTime(start=100.0)
    with make(server, fake_time=fake_time, connect_timeout=5.0, read_timeout=10.0) as client:
        client.describe_task(TASK_ID, deadline=102.5)
        client.describe_task(TASK_ID)
    clamped, default = (r.extensions["timeout"] for r in server.requests)
    assert clamped["read"] == 2.5 and clamped["connect"] == 2.5
    assert default["read"] == 10.0 and default["connect"] == 5.0


# ------------------------------------------------------------------------------- non-idempotent calls
@pytest.mark.parametrize(
    "first",
    [
        err(503, "ServiceUnavailable"),
        err(500, "InternalError"),
        html_502,
        err(400, "SignatureNonceUsed"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
)
def test_mutating_calls_are_not_retried_once_the_request_may_have_landed(first):
    server = Server(first, ok({"TaskId": "i1", "RequestId": "r"}))
    with make(server) as client, pytest.raises(EfloError) as info:
        client.call("ExtendCluster", {"ClusterId": "i1", "NodeGroups": [{"NodeGroupId": "ng"}]}, idempotent=False)
    assert client.requests == 1 and client.retries == 0
    assert "ExtendCluster" in info.value.msg
    if isinstance(info.value, TransportError):
        assert "may have reached the service" in info.value.msg


@pytest.mark.parametrize(
    "first",
    [httpx.ConnectError("[Errno 111] Connection refused"), err(400, "Throttling.User"), httpx.Response(429, text="")],
)
def test_mutating_calls_are_retried_on_connect_errors_and_throttling(first):
    server = Server(first, ok({"TaskId": "i1", "RequestId": "r"}))
    with make(server) as client:
        assert client.call("ExtendCluster", {"ClusterId": "i1"}, idempotent=False)["TaskId"] == "i1"
    assert client.requests == 2 and client.retries == 1


# -------------------------------------------------------------------------------------- expired token
def test_expired_token_invalidates_the_credentials_and_retries_once():
    server = Server(err(400, "InvalidSecurityToken.Expired", "token expired"), ok())
    provider = FakeProvider(FakeCredentials(AK, SECRET, TOKEN), FakeCredentials(AK2, SECRET2, TOKEN2))
    fake_time = FakeTime()
    with make(server, provider=provider, fake_time=fake_time, retries=0) as client:
        client.describe_task(TASK_ID)
    assert provider.invalidations == 1
    assert [r.headers["x-acs-security-token"] for r in server.requests] == [TOKEN, TOKEN2]
    verify_v3(server.requests[1], SECRET2)
    assert fake_time.sleeps == [] and client.retries == 1


def test_expired_token_twice_fails_with_a_clear_message():
    server = Server(err(403, "InvalidSecurityToken.Expired", "token expired"))
    provider = FakeProvider(FakeCredentials(AK, SECRET, TOKEN), FakeCredentials(AK2, SECRET2, TOKEN2))
    with make(server, provider=provider) as client, pytest.raises(ApiError) as info:
        client.describe_task(TASK_ID)
    assert client.requests == 2 and provider.invalidations == 1
    assert info.value.code == "InvalidSecurityToken.Expired"
    assert "still expired after the credentials were fetched again" in info.value.msg
    assert TOKEN not in info.value.msg and TOKEN2 not in info.value.msg


def test_expired_token_refresh_also_applies_to_mutating_calls():
    server = Server(err(400, "InvalidSecurityToken.Expired"), ok({"TaskId": "i1"}))
    provider = FakeProvider(FakeCredentials(AK, SECRET, TOKEN), FakeCredentials(AK2, SECRET2, TOKEN2))
    with make(server, provider=provider) as client:
        client.call("RebootNodes", {"ClusterId": "c", "Nodes": ["n"]}, idempotent=False)
    assert provider.invalidations == 1 and client.requests == 2


def test_credential_errors_propagate_unchanged():
    class Broken(FakeProvider):
        def get(self):
            raise CredentialsError("No credentials found.", searched=["options", "env"])

    server = Server(ok())
    with make(server, provider=Broken()) as client, pytest.raises(CredentialsError):
        client.describe_task(TASK_ID)
    assert server.requests == []


# -------------------------------------------------------------------------------------- error shapes
def test_json_error_carries_every_field_and_a_complete_message():
    recommend = "https://api.aliyun.com/troubleshoot?q=InvalidParameter&product=eflo-controller"
    server = Server(
        err(
            400,
            "InvalidParameter",
            "The specified TaskId is not valid.",
            "3C85E634-24F4",
            Recommend=recommend,
            HostId="eflo-controller.cn-wulanchabu.aliyuncs.com",
        )
    )
    with make(server) as client, pytest.raises(ApiError) as info:
        client.describe_task(TASK_ID)
    error = info.value
    assert (error.code, error.message, error.request_id, error.status) == ("InvalidParameter", "The specified TaskId is not valid.", "3C85E634-24F4", 400)
    assert error.recommend == recommend
    assert error.host_id == "eflo-controller.cn-wulanchabu.aliyuncs.com"
    assert error.action == "DescribeTask"
    assert error.msg == (
        "eflo-controller DescribeTask failed: InvalidParameter: The specified TaskId is not valid "
        "(HTTP 400, request id 3C85E634-24F4)."
    )
    result = failure_result(error)
    assert result["error"]["code"] == "InvalidParameter" and result["error"]["http_status"] == 400


def test_lower_camel_error_keys_and_request_id_header():
    server = Server(httpx.Response(404, json={"code": "Cluster.NotFound", "message": "gone"}, headers={"x-acs-request-id": "HDR-9"}))
    with make(server) as client, pytest.raises(ApiError) as info:
        client.call("DescribeCluster", {"ClusterId": "i1"})
    assert info.value.code == "Cluster.NotFound" and info.value.request_id == "HDR-9"
    assert info.value.is_not_found


def test_html_502_keeps_status_and_a_trimmed_excerpt():
    page = "<html><head><title>502 Bad Gateway</title></head><body>" + "<p>upstream error</p>" * 200 + "</body></html>"
    server = Server(httpx.Response(502, text=page, headers={"content-type": "text/html; charset=utf-8"}))
    with make(server, retries=0) as client, pytest.raises(ApiError) as info:
        client.describe_task(TASK_ID)
    error = info.value
    assert error.status == 502 and error.code is None
    assert error.body_excerpt.startswith("<html><head><title>502 Bad Gateway")
    assert len(error.body_excerpt) <= 303 and error.body_excerpt.endswith("...")
    assert "HTTP 502 Bad Gateway with a non-JSON body (text/html)" in error.msg
    assert "DescribeTask" in error.msg
    assert classify(error, idempotent=True).retry


@pytest.mark.parametrize(
    "raw, fragment",
    [
        (b'{"RequestId": "x", "TaskState": "runn', "not valid JSON, it may be truncated"),
        (b"", "the body is empty"),
        (b"<html>captive portal</html>", "not valid JSON"),
        (b'["a list"]', "a JSON list, not an object"),
        (b'{"TaskState": "\xff\xfe running"}', "not valid UTF-8 (byte 0xff at offset 15)"),
        (b"[" * 100000 + b"]" * 100000, "JSON"),
    ],
    ids=["truncated", "empty", "html", "list", "non-utf8", "deeply-nested"],
)
def test_unusable_2xx_bodies_give_response_parse_error(raw, fragment):
    server = Server(httpx.Response(200, content=raw, headers={"x-acs-request-id": "R-200"}))
    with make(server) as client, pytest.raises(ResponseParseError) as info:
        client.describe_task(TASK_ID)
    assert fragment in info.value.msg
    assert info.value.status == 200 and info.value.request_id == "R-200"
    assert "DescribeTask" in info.value.msg
    assert client.requests == 1         # not retried


def test_utf8_bom_is_tolerated():
    server = Server(httpx.Response(200, content=b"\xef\xbb\xbf" + json.dumps(TASK_BODY).encode()))
    with make(server) as client:
        assert client.describe_task(TASK_ID)["TaskState"] == "running"


def test_200_error_envelope_is_an_api_error():
    body = {"RequestId": "ENV-1", "ErrorCodeInfo": {"Success": False, "ErrorCode": "InternalError.Task", "ErrorMessage": "task service down"}}
    server = Server(ok(body))
    with make(server) as client, pytest.raises(ApiError) as info:
        client.describe_task(TASK_ID)
    error = info.value
    assert not isinstance(error, ResponseParseError)
    assert (error.code, error.message, error.request_id, error.status) == ("InternalError.Task", "task service down", "ENV-1", 200)
    assert "DescribeTask failed: InternalError.Task: task service down (HTTP 200, request id ENV-1)" in error.msg


def test_200_envelope_with_success_true_is_fine():
    body = dict(TASK_BODY, ErrorCodeInfo={"Success": True})
    with make(Server(ok(body))) as client:
        assert client.describe_task(TASK_ID)["TaskState"] == "running"


@pytest.mark.parametrize(
    "body",
    [{"RequestId": "NO-STATE", "ClusterId": "i1"}, {"RequestId": "NO-STATE", "TaskState": None}, {"RequestId": "NO-STATE", "TaskState": " "}],
)
def test_describe_task_returns_the_body_and_the_model_says_it_is_no_task(body):
    with make(Server(ok(body))) as client:
        answer = client.describe_task(TASK_ID)
    assert answer == body
    with pytest.raises(ResponseParseError) as info:
        read_task(answer, TASK_ID)
    assert "without a TaskState" in info.value.msg and TASK_ID in info.value.msg
    assert info.value.request_id == "NO-STATE" and info.value.status == 200


def test_other_calls_do_not_need_task_state():
    with make(Server(ok({"RequestId": "r", "Clusters": []}))) as client:
        assert client.call("ListClusters") == {"RequestId": "r", "Clusters": []}


def test_huge_body_with_content_length_is_refused_without_reading():
    server = Server(httpx.Response(200, content=b"x" * (10 * 1024 * 1024)))
    with make(server) as client, pytest.raises(ResponseParseError) as info:
        client.describe_task(TASK_ID)
    assert "larger than 8 MiB" in info.value.msg


def test_huge_streamed_body_is_cut_at_the_limit():
    pulled = []

    def chunks():
        for index in range(10 * 1024):            # 10 MiB in 1 KiB chunks, no content-length
            pulled.append(index)
            yield b"{" if index == 0 else b" " * 1024

    server = Server(lambda request: httpx.Response(200, content=chunks()))
    with make(server) as client, pytest.raises(ResponseParseError) as info:
        client.describe_task(TASK_ID)
    assert "larger than 8 MiB" in info.value.msg
    assert len(pulled) < 10 * 1024                  # stopped reading early
    assert len(pulled) * 1024 <= MAX_BODY_BYTES + 2048


def test_redirects_are_not_followed():
    server = Server(httpx.Response(301, headers={"location": "https://elsewhere.example/"}, text=""))
    with make(server) as client, pytest.raises(ApiError) as info:
        client.describe_task(TASK_ID)
    assert info.value.status == 301 and len(server.requests) == 1


def test_transport_error_message_and_kind():
    server = Server(httpx.ConnectError("[Errno 111] Connection refused"))
    with make(server, retries=1) as client, pytest.raises(TransportError) as info:
        client.describe_task(TASK_ID)
    assert info.value.kind == "connect"
    assert "DescribeTask" in info.value.msg and BASE in info.value.msg and "Connection refused" in info.value.msg
    assert "Gave up after 1 retry" in info.value.msg


def test_certificate_failures_are_not_retried():
    def refuse(request):
        try:
            raise ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
        except ssl.SSLError as exc:
            raise httpx.ConnectError(str(exc)) from exc

    server = Server(refuse)
    with make(server) as client, pytest.raises(TransportError) as info:
        client.describe_task(TASK_ID)
    assert info.value.kind == "tls" and client.requests == 1
    assert "ca_bundle" in info.value.msg


# -------------------------------------------------------------------------------------------- hints
@pytest.mark.parametrize(
    "code, status, fragment",
    [
        ("SignatureDoesNotMatch", 400, "Check access_key_secret"),
        ("IncompleteSignature", 400, "Check access_key_secret"),
        ("InvalidAccessKeyId.NotFound", 404, "check access_key_id"),
        ("InvalidAccessKeyId.Inactive", 400, "disabled"),
        ("InvalidTimeStamp.Expired", 400, "clock"),
        ("Forbidden.RAM", 403, "eflo:DescribeTask"),
        ("Forbidden", 403, "eflo:DescribeTask"),
        ("NoPermission", 403, "eflo:DescribeTask"),
        ("InvalidSecurityToken.Malformed", 400, "STS security token"),
        ("InvalidRegionId", 400, "same region"),
        ("InvalidApi.NotFound", 404, "action name"),
    ],
)
def test_hints_for_common_codes(code, status, fragment):
    with make(Server(err(status, code, "some message", "RID-7"))) as client, pytest.raises(ApiError) as info:
        client.describe_task(TASK_ID)
    msg = info.value.msg
    assert fragment in msg
    assert code in msg and "some message" in msg and "RID-7" in msg and "HTTP %d" % status in msg and "DescribeTask" in msg


def test_hint_for_unknown_code_is_none():
    assert hint_for("SomethingElse", "DescribeTask", 400) is None
    assert "eflo:ListClusters" in hint_for(None, "ListClusters", 403)


# ------------------------------------------------------------------------------------------ secrets
def test_no_secret_token_or_signature_in_any_error():
    """A V2 SignatureDoesNotMatch echoes the server's string to sign, which holds the encoded token."""
    captured: List[str] = []

    def echo(request: httpx.Request) -> httpx.Response:
        query = dict(parse_qsl(request.url.query.decode()))
        captured.append(query["Signature"])
        string_to_sign = "POST&%2F&" + quote("AccessKeyId=%s&SecurityToken=%s&Signature=%s" % (AK2, quote(TOKEN, safe=""), query["Signature"]), safe="")
        message = "Specified signature is not matched with our calculation. server string to sign is:" + string_to_sign
        return httpx.Response(
            400,
            json={"Code": "SignatureDoesNotMatch", "Message": message, "RequestId": "R", "Echo": SECRET2},
            headers={"x-acs-request-id": "R"},
        )

    provider = FakeProvider(FakeCredentials(AK2, SECRET2, TOKEN))
    with make(Server(echo), provider=provider, signature_version="v2") as client, pytest.raises(ApiError) as info:
        client.describe_task(TASK_ID)
    error = info.value
    texts = [error.msg, str(error), repr(error), error.message or "", json.dumps(failure_result(error))]
    forbidden = [SECRET2, TOKEN, quote(TOKEN, safe=""), quote(quote(TOKEN, safe=""), safe=""), captured[0], quote(captured[0], safe="")]
    for text in texts:
        for secret in forbidden:
            assert secret not in text
    assert "string to sign is: <omitted>" in error.msg
    assert "Check access_key_secret" in error.msg


def test_secrets_are_redacted_from_transport_and_body_excerpts():
    def leaky(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("peer said %s and %s" % (SECRET, TOKEN))

    provider = FakeProvider(FakeCredentials(AK, SECRET, TOKEN))
    with make(Server(leaky), provider=provider, retries=0) as client, pytest.raises(TransportError) as info:
        client.describe_task(TASK_ID)
    assert SECRET not in info.value.msg and TOKEN not in info.value.msg and "********" in info.value.msg

    page = "<html>%s %s</html>" % (SECRET, quote(TOKEN, safe=""))
    with make(Server(httpx.Response(502, text=page)), provider=provider, retries=0) as client, pytest.raises(ApiError) as info:
        client.describe_task(TASK_ID)
    assert SECRET not in info.value.body_excerpt and quote(TOKEN, safe="") not in info.value.body_excerpt
    assert SECRET not in info.value.msg


def test_repr_of_client_and_config_hold_no_secret():
    provider = FakeProvider(FakeCredentials(AK, SECRET, TOKEN))
    with make(Server(ok()), provider=provider) as client:
        assert SECRET not in repr(client) and TOKEN not in repr(client)
        assert "eflo-controller.cn-wulanchabu" in repr(client)


# ------------------------------------------------------------------------------- configuration / misc
def test_user_agent():
    version = "%d.%d" % sys.version_info[:2]
    assert default_user_agent() == "alibabacloud.eflo/%s (python/%s)" % (COLLECTION_VERSION, version)
    assert build_user_agent("ansible-core/2.19.4") == "alibabacloud.eflo/%s (python/%s) ansible-core/2.19.4" % (COLLECTION_VERSION, version)
    assert build_user_agent("alibabacloud.eflo/0.1.0 ansible-core/2.19.4") == "alibabacloud.eflo/0.1.0 ansible-core/2.19.4 (python/%s)" % version
    assert build_user_agent("  ") == default_user_agent()


def test_collection_version_matches_galaxy_yml():
    galaxy = pathlib.Path(__file__).resolve().parents[4] / "galaxy.yml"
    match = re.search(r"^version:\s*(\S+)\s*$", galaxy.read_text(encoding="utf-8"), re.M)
    assert match and match.group(1) == COLLECTION_VERSION


def test_user_agent_extra_is_sent_and_signed():
    server = Server(ok())
    with make(server, user_agent="ansible-core/2.19.4") as client:
        client.describe_task(TASK_ID)
    assert server.requests[0].headers["user-agent"].endswith(" ansible-core/2.19.4")
    verify_v3(server.requests[0], SECRET)


@pytest.mark.parametrize(
    "config, fragment",
    [
        ({"signature_version": "v4"}, "signature_version must be one of v3, v2"),
        ({"endpoint_url": "ftp://x"}, "use https://host[:port] or http://127.0.0.1:PORT"),
        ({"endpoint_url": "eflo.example.com"}, "is not valid"),
        ({"read_timeout": 0}, "read_timeout must be greater than 0"),
        ({"connect_timeout": -1}, "connect_timeout must be greater than 0"),
        ({"retries": -1}, "retries must be 0 or more"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "ca_bundle '/nonexistent/ca.pem' could not be loaded"),
    ],
)
def test_bad_configuration(config, fragment):
    with pytest.raises(ConfigurationError) as info:
        make(Server(ok()), **config)
    assert fragment in info.value.msg


def test_bad_action_and_task_id_fail_before_any_request():
    server = Server(ok())
    with make(server) as client:
        with pytest.raises(ConfigurationError, match="not a valid eflo-controller API name"):
            client.call("Describe Task\r\nX: y")
        with pytest.raises(ConfigurationError, match="task_id must be a non-empty string"):
            client.describe_task("  ")
    assert server.requests == []


def test_tls_verify_without_validate_certs_checks_nothing():
    for config in (ClientConfig(endpoint_url=BASE, validate_certs=False), ClientConfig(endpoint_url=BASE, validate_certs=False, ca_bundle="/nonexistent")):
        context = client_mod.tls_verify(config)
        assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_NONE and not context.check_hostname


def test_tls_verify_loads_the_ca_bundle_or_the_default_store(tmp_path):
    certifi = pytest.importorskip("certifi")
    context = client_mod.tls_verify(ClientConfig(endpoint_url=BASE, ca_bundle=certifi.where()))
    assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0
    default = client_mod.tls_verify(ClientConfig(endpoint_url=BASE), env={})
    assert default.cert_store_stats()["x509_ca"] == context.cert_store_stats()["x509_ca"]  # certifi's bundle, as httpx loads
    with pytest.raises(ConfigurationError, match="could not be loaded"):
        client_mod.tls_verify(ClientConfig(endpoint_url=BASE, ca_bundle="/nonexistent/ca.pem"))
    empty = tmp_path / "empty.pem"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="SSL_CERT_FILE"):
        client_mod.tls_verify(ClientConfig(endpoint_url=BASE), env={"SSL_CERT_FILE": str(empty)})
    by_dir = client_mod.tls_verify(ClientConfig(endpoint_url=BASE), env={"SSL_CERT_DIR": str(tmp_path)})
    assert by_dir.cert_store_stats()["x509_ca"] == 0  # a hashed directory is read lazily; nothing from certifi


def test_http_endpoint_gets_a_context_that_trusts_nothing():
    plain = client_mod.endpoint_verify(ClientConfig(endpoint_url="http://127.0.0.1:9"))
    assert isinstance(plain, ssl.SSLContext) and plain.cert_store_stats()["x509_ca"] == 0
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    assert client_mod.endpoint_verify(ClientConfig(endpoint_url=BASE)).cert_store_stats()["x509_ca"] > 0
    with EfloClient(ClientConfig(endpoint_url="http://127.0.0.1:9"), FakeProvider()) as client:
        assert client._wire._http._transport._pool._ssl_context.cert_store_stats()["x509_ca"] == 0  # pylint: disable=protected-access


def test_proxies_come_from_the_environment(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    with EfloClient(ClientConfig(endpoint_url=BASE), FakeProvider()) as client:
        http = client._wire._http  # pylint: disable=protected-access
        assert http.trust_env
        mounts = {pattern.pattern: transport for pattern, transport in http._mounts.items()}  # pylint: disable=protected-access
        assert mounts.get("https://") is not None


def test_close_and_context_manager():
    client = make(Server(ok()))
    with client as same:
        assert same is client
    assert client._wire._http.is_closed  # pylint: disable=protected-access


# ------------------------------------------------------------------------ real sockets on 127.0.0.1
@pytest.fixture
def no_proxy_env(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def local_server():
    seen: List[Dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 - http.server API
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            seen.append({"client": self.client_address, "headers": dict(self.headers), "body": body, "path": self.path})
            payload = json.dumps(TASK_BODY).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_one_http_client_and_connection_reused_across_calls(no_proxy_env, local_server):
    url, seen = local_server
    with EfloClient(ClientConfig(endpoint_url=url), FakeProvider()) as client:
        http = client._wire._http  # pylint: disable=protected-access
        client.describe_task(TASK_ID)
        client.describe_task(TASK_ID)
        client.call("ListClusters")
        assert client._wire._http is http  # pylint: disable=protected-access
    assert len(seen) == 3
    assert len({entry["client"] for entry in seen}) == 1       # same TCP connection: keep-alive through one client
    assert seen[0]["headers"]["host"] == url.split("//")[1]
    assert seen[0]["body"] == ("TaskId=%s" % TASK_ID).encode()


def test_connection_refused_on_a_real_socket_is_a_connect_error(no_proxy_env):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fake_time = FakeTime()
    with EfloClient(
        ClientConfig(endpoint_url="http://127.0.0.1:%d" % port, retries=2),
        FakeProvider(),
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        rng=LowRandom(),
    ) as client, pytest.raises(TransportError) as info:
        client.call("DeleteCluster", {"ClusterId": "i1"}, idempotent=False)
    assert info.value.kind == "connect"
    assert client.requests == 3 and len(fake_time.sleeps) == 2     # connect errors are safe to retry


def test_with_the_real_static_provider():
    credentials = pytest.importorskip("ansible_collections.alibabacloud.eflo.plugins.module_utils.credentials")
    provider = credentials.StaticProvider(credentials.Credentials(AK2, SECRET2, TOKEN, source="env"))
    server = Server(ok())
    with EfloClient(ClientConfig(endpoint_url=BASE), provider, transport=transport(server)) as client:
        assert client.describe_task(TASK_ID)["TaskState"] == "running"
    assert verify_v3(server.requests[0], SECRET2)["Credential"] == AK2
    assert server.requests[0].headers["x-acs-security-token"] == TOKEN
