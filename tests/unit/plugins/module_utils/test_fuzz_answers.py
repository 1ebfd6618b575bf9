# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests (hypothesis) of the answer path: any HTTP answer gives a task or a typed error, never a secret.

Whatever the server sends back to ``DescribeTask`` (any status, any bytes, any JSON document, error envelopes,
DescribeTask bodies with any JSON value in any field, retry-after and request-id headers of any shape), the client
and the models give either a task dict or one of the collection's own errors (``EfloError``), never another
exception. And when the answer repeats the request's secrets (an echoing gateway: the access key secret, the STS
token, the request's signature, raw or percent-encoded, in any field), neither the client's error message nor the
structured detail of its failed result contains them.

The models' own properties (any JSON value in any field of a DescribeTask body; the timestamp and NodeIds parsers
never raise on arbitrary strings) are in test_models_properties.py; this file drives the same through HTTP.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote, quote_plus

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.alibabacloud.eflo.plugins.module_utils.client import ClientConfig, EfloClient  # noqa: E402
from ansible_collections.alibabacloud.eflo.plugins.module_utils.credentials import Credentials, StaticProvider  # noqa: E402
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import EfloError, failure_result  # noqa: E402
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import read_task, task_to_dict  # noqa: E402

PROPERTY = settings(deadline=None, database=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
SECRET = "FuzzSecret/+=&%7eSecretValue01"
TOKEN = "FuzzToken+/=&TokenValue02"
TASK_ID = "i156331731670384438138"
MARKERS = ("{SECRET}", "{TOKEN}", "{SIG}", "{QSECRET}", "{QTOKEN}", "{QSIG}", "{PSECRET}", "{PTOKEN}")
TASK_FIELDS = ["RequestId", "ClusterId", "ClusterName", "TaskType", "TaskState", "Message", "NodeIds", "CreateTime", "UpdateTime",
               "Steps", "TaskId", "Code", "Message", "Recommend", "HostId", "ErrorCodeInfo", "Success"]

echo_text = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(MARKERS)), max_size=5).map("".join)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), echo_text)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(echo_text, inner, max_size=4),
                           max_leaves=15)
task_bodies = st.fixed_dictionaries({}, optional={name: json_values for name in TASK_FIELDS})
error_bodies = st.fixed_dictionaries(
    {"Code": echo_text}, optional={"Message": echo_text, "Recommend": echo_text, "HostId": echo_text, "RequestId": echo_text})


def envelope(code: str, message: str) -> Dict[str, Any]:
    """An HTTP 200 answer that is an error (``ErrorCodeInfo.Success`` false)."""
    return {"RequestId": "R", "ErrorCodeInfo": {"Success": False, "ErrorCode": code, "ErrorMessage": message}}


envelopes = st.builds(envelope, echo_text, echo_text)
documents = st.one_of(task_bodies, error_bodies, envelopes, json_values)
bodies = st.one_of(documents.map(lambda doc: ("json", doc)), st.binary(max_size=600).map(lambda raw: ("raw", raw)),
                   echo_text.map(lambda text: ("text", text)))
statuses = st.sampled_from([200, 200, 200, 204, 400, 403, 404, 429, 500, 502, 503])
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=16)  # latin-1, as on the wire
headers = st.fixed_dictionaries({}, optional={
    "x-acs-retry-after": st.one_of(header_text, st.integers().map(str)),
    "retry-after": st.one_of(header_text, st.integers().map(str), st.just("Wed, 21 Oct 2015 07:28:00 GMT")),
    "x-acs-request-id": header_text,
    "content-type": st.sampled_from(["application/json", "text/html", "text/plain; charset=latin-1", ""]),
})


class Echo:
    """A transport answering with the drawn answer, its markers replaced by this request's secrets."""

    def __init__(self, status: int, headers: Dict[str, str], body: Any) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.signatures: List[str] = []

    def substitutions(self, request: httpx.Request) -> Dict[str, str]:
        auth = request.headers.get("authorization", "")
        signature = auth.rsplit("Signature=", 1)[1] if "Signature=" in auth else ""
        self.signatures.append(signature)
        return {"{SECRET}": SECRET, "{TOKEN}": TOKEN, "{SIG}": signature, "{QSECRET}": quote(SECRET, safe=""),
                "{QTOKEN}": quote(TOKEN, safe=""), "{QSIG}": quote(signature, safe=""), "{PSECRET}": quote_plus(SECRET),
                "{PTOKEN}": quote_plus(TOKEN)}

    def fill(self, value: Any, marks: Dict[str, str]) -> Any:
        if isinstance(value, str):
            for marker, real in marks.items():
                value = value.replace(marker, real)
            return value
        if isinstance(value, list):
            return [self.fill(item, marks) for item in value]
        if isinstance(value, dict):
            return {self.fill(key, marks): self.fill(item, marks) for key, item in value.items()}
        return value

    def __call__(self, request: httpx.Request) -> httpx.Response:
        marks = self.substitutions(request)
        kind, body = self.body
        if kind == "json":
            content = json.dumps(self.fill(body, marks), ensure_ascii=False, allow_nan=True).encode("utf-8")
        elif kind == "text":
            content = self.fill(body, marks).encode("utf-8")
        else:
            content = body
        raw_headers = [(name.encode("ascii"), value.encode("latin-1")) for name, value in self.headers.items()]
        return httpx.Response(self.status, headers=raw_headers, content=content)


def describe(transport: Echo) -> Tuple[Optional[EfloError], Optional[EfloError]]:
    """DescribeTask through the client, then the models: (the client's error, the models' error)."""
    creds = Credentials(access_key_id="LTAI5tFuzzKey", access_key_secret=SECRET, security_token=TOKEN, source="options")
    client = EfloClient(ClientConfig(endpoint_url="https://eflo.example.test", retries=0), StaticProvider(creds),
                        transport=httpx.MockTransport(transport))
    with client:
        try:
            body = client.describe_task(TASK_ID)
        except EfloError as err:
            return err, None
    try:
        task = task_to_dict(read_task(body, TASK_ID))
    except EfloError as err:
        return None, err
    assert task["task_id"] and "task_state" in task
    return None, None


def forbidden(transport: Echo) -> List[str]:
    values = {SECRET, TOKEN, quote(SECRET, safe=""), quote(TOKEN, safe=""), quote_plus(SECRET), quote_plus(TOKEN)}
    for signature in transport.signatures:
        if signature:
            values.update({signature, quote(signature, safe="")})
    return sorted(values)


@PROPERTY
@given(status=statuses, headers=headers, body=bodies)
def test_any_answer_gives_a_task_or_a_typed_error_without_secrets(status: int, headers: Dict[str, str], body: Any) -> None:
    transport = Echo(status, headers, body)
    client_error, model_error = describe(transport)  # anything but an EfloError propagates and fails the test
    if client_error is None:
        assert 200 <= status < 300
    else:
        # the client knows the secrets of the request: none of them in its errors. (The models do not know them;
        # the modules and eflo_task_wait mask the resolved secrets in everything they return.)
        shown = json.dumps(failure_result(client_error), ensure_ascii=False) + repr(client_error) + str(client_error)
        for value in forbidden(transport):
            assert value not in shown, (value, shown)
    assert client_error is None or model_error is None


@PROPERTY
@given(body=st.fixed_dictionaries(
    {"TaskState": st.text(min_size=1, max_size=20).filter(str.strip)},
    optional={name: json_values for name in TASK_FIELDS if name not in ("TaskState", "ErrorCodeInfo", "Success")}))
def test_a_200_answer_with_a_task_state_gives_a_task(body: Dict[str, Any]) -> None:
    """Bodies with a non-blank TaskState and no error envelope are tasks, whatever the other fields hold."""
    assert describe(Echo(200, {"content-type": "application/json"}, ("json", body))) == (None, None)
