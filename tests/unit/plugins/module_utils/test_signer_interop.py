# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interop of our signer with the official Python SDK (test-only peer).

The official eflo-controller client sends ``DescribeTask`` to a tiny HTTP server on 127.0.0.1 with its date and
nonce helpers pinned. Then:

* the SDK's exact request is re-signed with our low-level functions and must give the SDK's own signature;
* our ``sign_rpc_request`` builds the same call (same date/nonce), it is sent with httpx to the same server, and the
  captured request is checked by a verifier written here from the recipe (independent of ``signer.py``) and by the
  SDK's own signing helpers.

Cases: V3 plain, V3 STS, V2 plain, V2 STS, each also with special characters in the TaskId.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

httpx = pytest.importorskip("httpx")
eflo_client = pytest.importorskip("alibabacloud_eflo_controller20221215.client")
eflo_models = pytest.importorskip("alibabacloud_eflo_controller20221215.models")
openapi_models = pytest.importorskip("alibabacloud_tea_openapi.utils_models")
openapi_utils = pytest.importorskip("alibabacloud_tea_openapi.utils")
dara_request = pytest.importorskip("darabonba.request")

from ansible_collections.alibabacloud.eflo.plugins.module_utils.signer import (  # noqa: E402
    sha256_hex,
    sign_rpc_request,
    sign_v2_get,
    v2_signature,
    v2_string_to_sign,
    v3_authorization,
    v3_canonical_request,
)

AK = "YourAccessKeyId"
SECRET = "YourAccessKeySecret"
TOKEN = "YourSecurityToken/+=abc"
DATE = datetime(2024, 5, 20, 8, 0, 0, tzinfo=timezone.utc)
TIMESTAMP = "2024-05-20T08:00:00Z"
NONCE = "3156853299f313e23d1673dc12e1703d"
PLAIN_TASK = "i156331731670384438138"
SPECIAL_TASK = "i156 *~/节点+&=%"
SECRETS = {AK: SECRET}
ANSWER = {"RequestId": "R-1", "TaskId": PLAIN_TASK, "TaskState": "running", "Steps": []}


@dataclass(frozen=True)
class Creds:
    access_key_id: str = AK
    access_key_secret: str = field(default=SECRET, repr=False)
    security_token: Optional[str] = field(default=None, repr=False)


@dataclass
class Captured:
    method: str
    target: str
    headers: List[Tuple[str, str]]
    body: bytes

    def header(self, name: str) -> Optional[str]:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return ",".join(values) if values else None


class Server:
    """A one-route HTTP server on 127.0.0.1 that records every request and answers a DescribeTask body."""

    def __init__(self) -> None:
        self.captured: List[Captured] = []
        captured = self.captured

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                captured.append(Captured(self.command, self.path, list(self.headers.items()), body))
                payload = json.dumps(ANSWER).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def last(self) -> Captured:
        assert self.captured, "the server saw no request"
        return self.captured[-1]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def sdk_describe_task(
    server: Server, monkeypatch: pytest.MonkeyPatch, *, task_id: str, token: Optional[str], v2: bool, nonce: str = NONCE
) -> Captured:
    utils = openapi_utils.Utils
    monkeypatch.setattr(utils, "get_timestamp", staticmethod(lambda: TIMESTAMP))
    monkeypatch.setattr(utils, "get_nonce", staticmethod(lambda: nonce))
    config = openapi_models.Config(
        access_key_id=AK,
        access_key_secret=SECRET,
        security_token=token,
        endpoint="127.0.0.1:%d" % server.port,
        protocol="http",
        region_id="cn-wulanchabu",
        signature_algorithm="v2" if v2 else None,
    )
    response = eflo_client.Client(config).describe_task(eflo_models.DescribeTaskRequest(task_id=task_id))
    assert response.body.task_state == "running"
    return server.last()


def our_describe_task(server: Server, *, task_id: str, token: Optional[str], v2: bool, nonce: str = NONCE) -> Tuple[Any, Captured]:
    request = sign_rpc_request(
        base_url=server.base_url,
        action="DescribeTask",
        version="2022-12-15",
        params={"TaskId": task_id},
        query=None,
        credentials=Creds(security_token=token),
        signature_version="v2" if v2 else "v3",
        now=DATE,
        nonce=nonce,
        user_agent="ansible-eflo-test/1.0",
    )
    with httpx.Client(trust_env=False) as client:
        answer = client.request(request.method, request.url, headers=request.headers, content=request.body)
    assert answer.status_code == 200
    return request, server.last()


# ------------------------------------------------------------------------------ independent verifiers
AUTH_RE = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$")
REQUIRED_SIGNED = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}


def rfc3986(value: str) -> str:
    return quote(value, safe="~", encoding="utf-8")


def verify_v3(captured: Captured, secrets: Dict[str, str]) -> str:
    """Server-side V3 check (reference section 2.6), written from the recipe; returns the verdict code."""
    match = AUTH_RE.match(captured.header("Authorization") or "")
    if not match:
        return "IncompleteSignature"
    access_key_id, signed, signature = match.groups()
    if access_key_id not in secrets:
        return "InvalidAccessKeyId.NotFound"
    names = signed.split(";")
    if not REQUIRED_SIGNED <= set(names) or names != sorted(names):
        return "IncompleteSignature"
    if captured.header("x-acs-security-token") is not None and "x-acs-security-token" not in names:
        return "IncompleteSignature"
    if hashlib.sha256(captured.body).hexdigest() != captured.header("x-acs-content-sha256"):
        return "ContentSHA256Mismatch"
    split = urlsplit(captured.target)
    query = sorted(parse_qsl(split.query, keep_blank_values=True))
    lines = []
    for name in names:
        value = captured.header(name)
        if value is None:
            return "IncompleteSignature"
        lines.append("%s:%s\n" % (name, value.strip()))
    canonical = "\n".join(
        [
            captured.method,
            split.path or "/",
            "&".join("%s=%s" % (rfc3986(key), rfc3986(value)) for key, value in query),
            "".join(lines),
            signed,
            captured.header("x-acs-content-sha256") or "",
        ]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    expected = hmac.new(secrets[access_key_id].encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return "OK" if hmac.compare_digest(expected, signature) else "SignatureDoesNotMatch"


def sdk_v3_authorization(captured: Captured) -> str:
    """The SDK helper's Authorization for the captured request, restricted to the headers it claims to sign."""
    names = AUTH_RE.match(captured.header("Authorization") or "").group(2).split(";")  # type: ignore[union-attr]
    request = dara_request.DaraRequest()
    request.method = captured.method
    split = urlsplit(captured.target)
    request.pathname = split.path
    request.query = dict(parse_qsl(split.query, keep_blank_values=True))
    request.headers = {name: captured.header(name) for name in names}
    payload = hashlib.sha256(captured.body).hexdigest()
    return openapi_utils.Utils.get_authorization(request, "ACS3-HMAC-SHA256", payload, AK, SECRET)


def v2_params(captured: Captured) -> Tuple[Dict[str, str], str]:
    params = dict(parse_qsl(urlsplit(captured.target).query, keep_blank_values=True))
    signature = params.pop("Signature")
    params.update(parse_qsl(captured.body.decode("utf-8"), keep_blank_values=True))
    return params, signature


def our_resign_v3(captured: Captured) -> str:
    names = AUTH_RE.match(captured.header("Authorization") or "").group(2).split(";")  # type: ignore[union-attr]
    split = urlsplit(captured.target)
    query = dict(parse_qsl(split.query, keep_blank_values=True))
    headers = dict(captured.headers)
    canonical = v3_canonical_request(captured.method, split.path, query, headers, names, sha256_hex(captured.body))
    return v3_authorization(AK, SECRET, canonical, names)


CASES = [
    pytest.param(PLAIN_TASK, None, id="plain"),
    pytest.param(PLAIN_TASK, TOKEN, id="sts"),
    pytest.param(SPECIAL_TASK, None, id="plain-special"),
    pytest.param(SPECIAL_TASK, TOKEN, id="sts-special"),
]


# --------------------------------------------------------------------------------------------------- V3
@pytest.mark.parametrize("task_id, token", CASES)
def test_v3_sdk_request_resigned_by_our_functions(server: Server, monkeypatch: pytest.MonkeyPatch, task_id: str, token: Optional[str]) -> None:
    sdk = sdk_describe_task(server, monkeypatch, task_id=task_id, token=token, v2=False)
    assert sdk.header("x-acs-date") == TIMESTAMP and sdk.header("x-acs-signature-nonce") == NONCE
    assert our_resign_v3(sdk) == sdk.header("Authorization")
    assert verify_v3(sdk, SECRETS) == "OK"


@pytest.mark.parametrize("task_id, token", CASES)
def test_v3_our_request_is_accepted_by_both_verifiers(server: Server, monkeypatch: pytest.MonkeyPatch, task_id: str, token: Optional[str]) -> None:
    sdk = sdk_describe_task(server, monkeypatch, task_id=task_id, token=token, v2=False)
    request, ours = our_describe_task(server, task_id=task_id, token=token, v2=False)
    assert ours.header("Authorization") == request.headers["Authorization"]
    assert verify_v3(ours, SECRETS) == "OK"
    assert sdk_v3_authorization(ours) == request.headers["Authorization"]
    # same call: same target, same decoded body, same action/version/date/nonce/token as the SDK sent
    assert ours.target == sdk.target == "/"
    assert parse_qsl(ours.body.decode()) == parse_qsl(sdk.body.decode()) == [("TaskId", task_id)]
    for name in ("host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "content-type", "x-acs-security-token"):
        assert ours.header(name) == sdk.header(name), name
    if task_id == PLAIN_TASK:
        assert ours.body == sdk.body
        assert ours.header("x-acs-content-sha256") == sdk.header("x-acs-content-sha256")


def test_v3_verifier_rejects_tampering(server: Server) -> None:
    ours = our_describe_task(server, task_id=PLAIN_TASK, token=TOKEN, v2=False)[1]
    assert verify_v3(ours, SECRETS) == "OK"
    assert verify_v3(ours, {AK: "wrong"}) == "SignatureDoesNotMatch"
    assert verify_v3(ours, {}) == "InvalidAccessKeyId.NotFound"
    other_body = Captured(ours.method, ours.target, ours.headers, b"TaskId=i2")
    assert verify_v3(other_body, SECRETS) == "ContentSHA256Mismatch"
    swapped = [(k, "2024-05-20T08:00:01Z" if k.lower() == "x-acs-date" else v) for k, v in ours.headers]
    assert verify_v3(Captured(ours.method, ours.target, swapped, ours.body), SECRETS) == "SignatureDoesNotMatch"
    with_query = Captured(ours.method, "/?Extra=1", ours.headers, ours.body)
    assert verify_v3(with_query, SECRETS) == "SignatureDoesNotMatch"


# --------------------------------------------------------------------------------------------------- V2
@pytest.mark.parametrize("task_id, token", CASES)
def test_v2_our_request_matches_the_sdk(server: Server, monkeypatch: pytest.MonkeyPatch, task_id: str, token: Optional[str]) -> None:
    nonce = "2f1c0a6e-0d8e-4b7a-9a53-5e0b5d3c1e11"
    sdk = sdk_describe_task(server, monkeypatch, task_id=task_id, token=token, v2=True, nonce=nonce)
    request, ours = our_describe_task(server, task_id=task_id, token=token, v2=True, nonce=nonce)
    # The V2 signature covers decoded parameters only, so the URL (with the Signature) is byte-identical.
    assert ours.target == sdk.target
    assert request.url == server.base_url + sdk.target
    sdk_params, sdk_signature = v2_params(sdk)
    our_params, our_signature = v2_params(ours)
    assert our_params == sdk_params
    assert our_signature == sdk_signature
    assert openapi_utils.Utils.get_rpcsignature(our_params, "POST", SECRET) == our_signature
    assert v2_signature(SECRET, v2_string_to_sign("POST", sdk_params)) == sdk_signature
    if task_id == PLAIN_TASK:
        assert ours.body == sdk.body


def test_v2_sdk_signature_detects_a_changed_body(server: Server) -> None:
    ours = our_describe_task(server, task_id=PLAIN_TASK, token=None, v2=True)[1]
    params, signature = v2_params(ours)
    params["TaskId"] = "i2"
    assert openapi_utils.Utils.get_rpcsignature(params, "POST", SECRET) != signature


@pytest.mark.parametrize("token", [None, TOKEN])
def test_v2_get_signer_agrees_with_the_sdk_helper(token: Optional[str]) -> None:
    url = sign_v2_get(
        base_url="https://sts.example.test",
        params={
            "Action": "AssumeRole",
            "Format": "JSON",
            "Version": "2015-04-01",
            "DurationSeconds": "3600",
            "RoleArn": "acs:ram::123456789:role/eflo-operator",
            "RoleSessionName": "ansible-eflo",
            "Policy": '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "eflo:*", "Resource": "*"}]}',
        },
        credentials=Creds(security_token=token),
        now=DATE,
        nonce=NONCE,
    )
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    signature = params.pop("Signature")
    assert openapi_utils.Utils.get_rpcsignature(params, "GET", SECRET) == signature
    assert params.get("SecurityToken") == token
