# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests (hypothesis) of signing: whatever the client signs, the simulator accepts and the SDK agrees.

For any action name, any ``eflo_api``-style parameters (any Unicode text, numbers, booleans, nested lists and
dicts), any extra query parameters, plain or STS credentials with any secret, and both signature versions:

* ``EfloClient.call`` sends one request, and the simulator's own gateway code (``eflo_simulator``: request parsing
  and ``verify_v3`` / ``verify_v2``, which never import the collection) accepts it: the request reaches the
  action handler;
* the parameters the simulator decoded are exactly the flat parameters the client meant to send;
* the official SDK's helpers compute the same signature from the request as it was sent:
  ``Utils.get_authorization`` gives our ``Authorization`` header (V3), ``Utils.get_rpcsignature`` our
  ``Signature`` (V2).

The simulator runs in this process (its ASGI app driven directly, no socket) for the many-example properties, and
once behind uvicorn on 127.0.0.1 for a smaller run over real HTTP. The simulator and the SDK are test-only peers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl

import pytest

httpx = pytest.importorskip("httpx")
hypothesis = pytest.importorskip("hypothesis")
sim_app = pytest.importorskip("eflo_simulator.app")
sim_signing = pytest.importorskip("eflo_simulator.signing")
openapi_utils = pytest.importorskip("alibabacloud_tea_openapi.utils")
dara_request = pytest.importorskip("darabonba.request")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.alibabacloud.eflo.plugins.module_utils.client import ClientConfig, EfloClient  # noqa: E402
from ansible_collections.alibabacloud.eflo.plugins.module_utils.credentials import Credentials, StaticProvider  # noqa: E402
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ApiError  # noqa: E402
from ansible_collections.alibabacloud.eflo.plugins.module_utils.params import flatten_params, split_params  # noqa: E402

PROPERTY = settings(deadline=None, database=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
OVER_HTTP = settings(deadline=None, database=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
AUTH_RE = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$")
V2_SYSTEM = frozenset(sim_signing.V2_SYSTEM_PARAMS)

# ------------------------------------------------------------------------------------------------ strategies
NAMES = st.from_regex(r"\A[A-Z][A-Za-z0-9]{0,15}\Z", fullmatch=True).filter(lambda n: n not in V2_SYSTEM)
ACTIONS = st.one_of(
    st.from_regex(r"\A[A-Z][A-Za-z0-9]{1,40}\Z", fullmatch=True),
    st.sampled_from(["DescribeTask", "CreateCluster", "ExtendCluster", "ReimageNodes", "ListClusterNodes", "ListHyperNodes",
                     "TagResources", "ChangeResourceGroup", "ListClusters"]),
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "a b", "a+b", "a&b=c", "100%", "~*'()!", "节点/+=", "e01-cn-zvp2tgykr08", "\r\n\t", "%20", "é\u0301"]),
)
SCALARS = st.one_of(
    TEXT,
    st.integers(min_value=-(2**63), max_value=2**63),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=12,
)
PARAMS = st.dictionaries(NAMES, VALUES, max_size=6)
QUERY = st.dictionaries(NAMES, TEXT, max_size=3)
KEY_IDS = st.from_regex(r"\A(LTAI|STS\.)[A-Za-z0-9]{4,24}\Z", fullmatch=True)
SECRETS = st.text(min_size=1, max_size=48)
TOKENS = st.one_of(st.none(), st.from_regex(r"\A[A-Za-z0-9+/=_.-]{1,200}\Z", fullmatch=True))
VERSIONS = st.sampled_from(["v3", "v2"])


@dataclass
class Exchange:
    """One request as the client sent it and the simulator's verdict on it."""

    request: httpx.Request
    body: bytes
    status: int = 0
    answer: Dict[str, Any] = field(default_factory=dict)


class EchoHandlers(dict):
    """Every action exists: the handler answers with the parameters the simulator decoded."""

    def get(self, action: str, default: Any = None) -> Callable[[Any, str], Dict[str, Any]]:  # type: ignore[override]
        def echo(params: Any, request_id: str) -> Dict[str, Any]:
            return {"RequestId": request_id, "Action": action, "Decoded": dict(params.flat)}

        return echo


def simulator_for(access_key_id: str, secret: str, token: Optional[str]) -> Any:
    """A fresh in-process simulator that knows one key (and token) and answers every action."""
    entry: Dict[str, Any] = {"access_key_id": access_key_id, "access_key_secret": secret}
    if token:
        entry["security_token"] = token
    app = sim_app.SimulatorApp(sim_app.Settings(credentials=[entry], seed=7, quirk_rate=0.0, demo_cluster=False))
    app.handlers = EchoHandlers()
    return app


def asgi_scope(request: httpx.Request) -> Dict[str, Any]:
    """The ASGI scope uvicorn would build for ``request``."""
    url = request.url
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": url.path,
        "raw_path": url.raw_path.split(b"?", 1)[0],
        "query_string": url.query,
        "root_path": "",
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
        "server": (url.host, url.port or 80),
        "client": ("127.0.0.1", 50000),
    }


class InProcessSimulator(httpx.BaseTransport):
    """An httpx transport that hands each request to the simulator's ASGI app and records the exchange."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.exchanges: List[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        exchange = Exchange(request, body)
        self.exchanges.append(exchange)
        sent: List[Dict[str, Any]] = []

        async def receive() -> Dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Dict[str, Any]) -> None:
            sent.append(message)

        asyncio.run(self.app(asgi_scope(request), receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        exchange.status = start["status"]
        exchange.answer = json.loads(content)
        return httpx.Response(start["status"], headers=start["headers"], content=content)


class Recording(httpx.BaseTransport):
    """Real HTTP, recording each request and the decoded answer."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.exchanges: List[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        exchange = Exchange(request, request.read())
        self.exchanges.append(exchange)
        response = self.inner.handle_request(request)
        content = response.read()
        exchange.status = response.status_code
        exchange.answer = json.loads(content)
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def close(self) -> None:
        self.inner.close()


def make_client(endpoint: str, transport: httpx.BaseTransport, version: str, access_key_id: str, secret: str,
                token: Optional[str]) -> EfloClient:
    creds = Credentials(access_key_id=access_key_id, access_key_secret=secret, security_token=token, source="options")
    config = ClientConfig(endpoint_url=endpoint, signature_version=version, retries=0)
    return EfloClient(config, StaticProvider(creds), transport=transport)


# ------------------------------------------------------------------------------------------- SDK cross-checks
def header(request: httpx.Request, name: str) -> Optional[str]:
    values = request.headers.get_list(name)
    return ",".join(values) if values else None


def sdk_v3_authorization(exchange: Exchange, access_key_id: str, secret: str) -> str:
    """The official SDK helper's Authorization for the request as sent (same signed header names)."""
    match = AUTH_RE.match(header(exchange.request, "Authorization") or "")
    assert match, header(exchange.request, "Authorization")
    names = match.group(2).split(";")
    request = dara_request.DaraRequest()
    request.method = exchange.request.method
    request.pathname = exchange.request.url.path
    request.query = dict(parse_qsl(exchange.request.url.query.decode("ascii"), keep_blank_values=True))
    request.headers = {name: header(exchange.request, name) for name in names}
    payload = hashlib.sha256(exchange.body).hexdigest()
    return openapi_utils.Utils.get_authorization(request, "ACS3-HMAC-SHA256", payload, access_key_id, secret)


def sdk_v2_signature(exchange: Exchange, secret: str) -> Tuple[str, str]:
    """(the SDK helper's signature of the request's parameters, the Signature that was sent)."""
    params = dict(parse_qsl(exchange.request.url.query.decode("ascii"), keep_blank_values=True))
    sent = params.pop("Signature")
    params.update(parse_qsl(exchange.body.decode("utf-8"), keep_blank_values=True))
    return openapi_utils.Utils.get_rpcsignature(params, "POST", secret), sent


def check_sdk_agrees(exchange: Exchange, version: str, access_key_id: str, secret: str) -> None:
    if version == "v3":
        assert sdk_v3_authorization(exchange, access_key_id, secret) == header(exchange.request, "Authorization")
    else:
        computed, sent = sdk_v2_signature(exchange, secret)
        assert computed == sent


def expected_wire(action: str, params: Mapping[str, Any], query: Mapping[str, str]) -> Dict[str, str]:
    body, wire_query = split_params(action, params)
    wire_query.update(flatten_params(action, query))
    return {**body, **wire_query}


def call(client: EfloClient, action: str, params: Mapping[str, Any], query: Mapping[str, str]) -> Optional[ApiError]:
    try:
        client.call(action, params, query=query or None)
    except ApiError as err:
        return err
    return None


# ---------------------------------------------------------------------------------------------- properties
@PROPERTY
@given(action=ACTIONS, params=PARAMS, query=QUERY, version=VERSIONS, access_key_id=KEY_IDS, secret=SECRETS, token=TOKENS)
def test_anything_the_client_signs_is_accepted_by_the_simulator_and_the_sdk_agrees(
    action: str, params: Dict[str, Any], query: Dict[str, str], version: str, access_key_id: str, secret: str, token: Optional[str]
) -> None:
    query = {name: value for name, value in query.items() if name not in params}
    transport = InProcessSimulator(simulator_for(access_key_id, secret, token))
    with make_client("http://eflo-controller.cn-wulanchabu.aliyuncs.com", transport, version, access_key_id, secret, token) as client:
        error = call(client, action, params, query)

    assert len(transport.exchanges) == 1
    exchange = transport.exchanges[0]
    assert error is None, (exchange.status, exchange.answer)
    assert exchange.status == 200
    assert exchange.answer["Action"] == action
    wanted = expected_wire(action, params, query)
    decoded = exchange.answer["Decoded"]
    if version == "v2":  # the gateway takes V2's system parameters (Action, Signature, ...) out of the query
        wanted = {k: v for k, v in wanted.items() if k not in V2_SYSTEM}
    assert decoded == wanted
    check_sdk_agrees(exchange, version, access_key_id, secret)


@PROPERTY
@given(task_id=st.one_of(TEXT, st.from_regex(r"\Ai1[0-9]{20}\Z", fullmatch=True)).filter(lambda t: t.strip() != ""),
       version=VERSIONS, token=TOKENS, secret=SECRETS)
def test_describe_task_with_any_task_id_is_accepted(task_id: str, version: str, token: Optional[str], secret: str) -> None:
    access_key_id = "STS.Fuzz" if token else "LTAI5tFuzz"
    transport = InProcessSimulator(simulator_for(access_key_id, secret, token))
    with make_client("https://eflo-controller.cn-wulanchabu.aliyuncs.com", transport, version, access_key_id, secret, token) as client:
        error = call(client, "DescribeTask", {"TaskId": task_id.strip()}, {})
    exchange = transport.exchanges[0]
    assert error is None, (exchange.status, exchange.answer)
    assert exchange.answer["Decoded"] == {"TaskId": task_id.strip()}
    check_sdk_agrees(exchange, version, access_key_id, secret)


@PROPERTY
@given(params=PARAMS, version=VERSIONS, wrong=st.text(min_size=8, max_size=40).map(lambda s: "Wrong" + s))
def test_a_wrong_secret_is_always_refused_with_signature_does_not_match(params: Dict[str, Any], version: str, wrong: str) -> None:
    """The verifier is not a rubber stamp: the same requests signed with another secret are refused."""
    secret = "TheRightSecret0123456789"
    hypothesis.assume(wrong != secret)
    transport = InProcessSimulator(simulator_for("LTAI5tFuzz", secret, None))
    with make_client("http://127.0.0.1:9", transport, version, "LTAI5tFuzz", wrong, None) as client:
        error = call(client, "ListClusters", params, {})
    assert error is not None
    assert error.code == "SignatureDoesNotMatch"
    assert wrong not in error.msg and secret not in error.msg


# ---------------------------------------------------------------------------------- the same over real HTTP
@contextlib.contextmanager
def serve_over_http(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    uvicorn = pytest.importorskip("uvicorn")

    class Server(uvicorn.Server):  # type: ignore[misc]
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:  # no signal handlers outside the main thread
            yield

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", access_log=False, log_level="warning", ws="none", server_header=False)
    server = Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        for _attempt in range(500):
            if server.started:
                break
            time.sleep(0.01)
        assert server.started, "uvicorn did not start"
        app.base_url = "http://127.0.0.1:%d" % port
        yield app.base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class Keys:
    """Credentials of the HTTP simulator: a plain key and an STS key, secrets with awkward characters."""

    plain = ("LTAI5tFuzzHttp", "sécret/+= &%~*\u8282\u70b9")
    sts = ("STS.FuzzHttp", "sts-secret+/=", "CAIS+token/with=chars")


@pytest.fixture(scope="module")
def http_simulator() -> Iterator[str]:
    app = sim_app.SimulatorApp(sim_app.Settings(
        credentials=[
            {"access_key_id": Keys.plain[0], "access_key_secret": Keys.plain[1]},
            {"access_key_id": Keys.sts[0], "access_key_secret": Keys.sts[1], "security_token": Keys.sts[2]},
        ],
        seed=11, quirk_rate=0.0, demo_cluster=False,
    ))
    app.handlers = EchoHandlers()
    with serve_over_http(app) as url:
        yield url


@OVER_HTTP
@given(action=ACTIONS, params=PARAMS, query=QUERY, version=VERSIONS, sts=st.booleans())
def test_over_real_http_the_simulator_accepts_and_the_sdk_agrees(
    http_simulator: str, action: str, params: Dict[str, Any], query: Dict[str, str], version: str, sts: bool
) -> None:
    query = {name: value for name, value in query.items() if name not in params}
    access_key_id, secret, token = (Keys.sts if sts else (*Keys.plain, None))
    transport = Recording()
    with make_client(http_simulator, transport, version, access_key_id, secret, token) as client:
        error = call(client, action, params, query)
    exchange = transport.exchanges[0]
    assert error is None, (exchange.status, exchange.answer)
    wanted = expected_wire(action, params, query)
    if version == "v2":
        wanted = {k: v for k, v in wanted.items() if k not in V2_SYSTEM}
    assert exchange.answer["Decoded"] == wanted
    check_sdk_agrees(exchange, version, access_key_id, secret)
