"""The ASGI application: the eflo-controller API at ``/``, STS and ECS metadata, and ``/_sim/`` control.

A plain ASGI callable (no framework): one dict lookup per route, lazily computed task state, so the hot
path of a signed ``DescribeTask`` is: read body, verify the signature, render one task, send.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import socket
import string
import struct
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qsl

from . import __version__
from .clock import SimClock
from .credentials import DEMO_CREDENTIALS, CredentialStore, NonceCache
from .errors import ApiError, api_not_found, invalid_parameter, missing_parameter
from .faults import HTML_502, RUN_ANYWAY, FaultConfig, FaultInjector, Throttle, throttle_message
from .params import Params
from .rate import RequestRate
from .signing import V2_SYSTEM_PARAMS, AuthRequest, Identity, format_acs_date, parse_acs_date, verify_v2, verify_v3
from .world import QUIRK_KINDS, Scenario, World

Scope = Dict[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]

API_VERSION = "2022-12-15"
STS_VERSION = "2015-04-01"
STS_ACTIONS = frozenset({"AssumeRole", "AssumeRoleWithOIDC", "GetCallerIdentity"})
MAX_BODY = 4 * 1024 * 1024
JSON_TYPE = b"application/json;charset=utf-8"
_ROLE_ARN = re.compile(r"^acs:ram::(\d+):role/([A-Za-z0-9.@_+=,-]+)$")
_ALNUM = string.ascii_letters + string.digits
DEMO_ACCOUNT_ID = "1234567890123456"


@dataclass
class Settings:
    credentials: Sequence[Mapping[str, Any]] = DEMO_CREDENTIALS
    speed: float = 1.0
    seed: Optional[int] = None
    quirk_rate: float = 0.2
    demo_cluster: bool = True


@dataclass
class StsSettings:
    ttl_s: Optional[float] = None  # cap on the lifetime of issued temporary credentials (wall seconds)
    require_imds_token: bool = False
    role_name: str = "EfloSimulatorRole"
    imds_tokens: Dict[str, float] = field(default_factory=dict)
    imds_credentials: Optional[Tuple[str, str, str, float, float]] = None  # id, secret, token, issued, expires

    def to_dict(self) -> Dict[str, Any]:
        return {"ttl_s": self.ttl_s, "require_imds_token": self.require_imds_token, "role_name": self.role_name}


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _decode_header(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _form_pairs(raw: bytes) -> List[Tuple[str, str]]:
    if not raw:
        return []
    return parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")


class SimulatorApp:
    """ASGI application holding the whole simulated state (one process, one event loop)."""

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings()
        seed = self.settings.seed
        self.seed = seed if seed is not None else int.from_bytes(os.urandom(4), "big")
        self.base_url = ""
        self.reset()

    # state ----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the state right after start (tasks, clusters, keys, counters, knobs, clocks)."""
        settings = self.settings
        self.clock = SimClock(settings.speed)
        self.world = World(self.clock, self.seed, settings.quirk_rate, settings.demo_cluster)
        self.credentials = CredentialStore(settings.credentials)
        self.nonces = NonceCache()
        self.request_rng = random.Random(self.seed + 1)
        self.secret_rng = random.SystemRandom()
        self.faults = FaultInjector(random.Random(self.seed + 2))
        self.throttle = Throttle()
        self.sts = StsSettings()
        self.counts: Dict[str, Dict[str, int]] = {}
        self.total = 0
        self.rate = RequestRate()
        self.handlers = self.world.handlers()

    def request_id(self) -> str:
        bits = self.request_rng.getrandbits(128)
        text = "%032X" % bits
        return "%s-%s-%s-%s-%s" % (text[:8], text[8:12], text[12:16], text[16:20], text[20:])

    def count(self, action: str, outcome: str) -> None:
        self.total += 1
        self.rate.add()
        per = self.counts.get(action)
        if per is None:
            per = self.counts[action] = {}
        per[outcome] = per.get(outcome, 0) + 1

    # ASGI -------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await self._send(send, 413, _json({"error": "request body too large"}))
                return
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        if path.startswith("/_sim/") or path == "/_sim":
            await self._control(scope, body, send)
        elif path.startswith("/latest/"):
            await self._imds(scope, send)
        else:
            await self._api(scope, body, receive, send)

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    @staticmethod
    async def _send(send: Send, status: int, body: bytes, content_type: bytes = JSON_TYPE, headers: Sequence[Tuple[bytes, bytes]] = ()) -> None:
        raw_headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode("ascii"))]
        raw_headers.extend(headers)
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})

    # the API -----------------------------------------------------------------------------------
    async def _api(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        headers: Dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            value = _decode_header(raw_value)
            if name in headers:
                headers[name] = ",".join(sorted([*headers[name].split(","), value]))
            else:
                headers[name] = value
        query = _form_pairs(scope.get("query_string", b""))
        content_type = headers.get("content-type", "")
        body_pairs = _form_pairs(body) if body and (not content_type or content_type.startswith("application/x-www-form-urlencoded")) else []
        qdict = dict(query)
        action = headers.get("x-acs-action") or qdict.get("Action") or ""
        version = headers.get("x-acs-version") or qdict.get("Version") or ""
        request_id = self.request_id()
        host_id = headers.get("host", "")
        req = AuthRequest(scope.get("method", "POST"), scope.get("path") or "/", query, body_pairs, headers, body)
        label = action or "(none)"
        fault: Optional[str] = None
        try:
            if not action:
                raise missing_parameter("Action")
            if action in STS_ACTIONS:
                result = self._sts(action, req, qdict)
                result["RequestId"] = request_id
                self.count(action, "success")
                await self._send(send, 200, _json(result), headers=[(b"x-acs-request-id", request_id.encode("ascii"))])
                return
            fault = self.faults.draw(action)
            if fault is not None and fault not in RUN_ANYWAY:
                self.count(label, "fault." + fault)
                await self._fault(fault, request_id, host_id, receive, send)
                return
            identity = self._authenticate(req, qdict)
            if version != API_VERSION:
                raise ApiError(400, "InvalidVersion", "Specified parameter Version is not valid.")
            handler = self.handlers.get(action)
            if handler is None:
                raise api_not_found()
            if not self.throttle.allow(identity.access_key_id, action):
                extra = {}
                if self.throttle.retry_after_ms is not None:
                    extra["x-acs-retry-after"] = str(self.throttle.retry_after_ms)
                code = self.throttle.code
                raise ApiError(400, code, throttle_message(code), extra)
            pairs = [p for p in query if p[0] not in V2_SYSTEM_PARAMS] if identity.signature_version == "v2" else list(query)
            result = handler(Params(pairs + body_pairs), request_id)
        except ApiError as err:
            self.count(label, err.code)
            extra_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in err.headers.items()]
            extra_headers.append((b"x-acs-request-id", request_id.encode("ascii")))
            await self._send(send, err.status, _json(err.body(request_id, host_id)), headers=extra_headers)
            return
        payload = _json(result)
        if fault == "slow":
            await asyncio.sleep(self.faults.config.delay_s)
        elif fault == "truncated_json":
            payload = payload[: max(1, len(payload) // 2)]
        self.count(label, "fault." + fault if fault else "success")
        await self._send(send, 200, payload, headers=[(b"x-acs-request-id", request_id.encode("ascii"))])

    def _authenticate(self, req: AuthRequest, qdict: Mapping[str, str]) -> Identity:
        wall = self.clock.wall()

        def lookup(access_key_id: str, token: Optional[str]) -> str:
            return self.credentials.lookup(access_key_id, token, wall)

        if "authorization" in req.headers:
            identity = verify_v3(req, lookup, wall, self.nonces.seen)
        elif "Signature" in qdict or "SignatureMethod" in qdict or "AccessKeyId" in qdict:
            identity = verify_v2(req, lookup, wall, self.nonces.seen)
        else:
            raise ApiError(
                400,
                "IncompleteSignature",
                "The request signature does not conform to Aliyun standards. The request carries neither an Authorization header nor a Signature parameter.",
            )
        self.nonces.remember(identity.access_key_id, identity.nonce, wall)
        return identity

    async def _fault(self, kind: str, request_id: str, host_id: str, receive: Receive, send: Send) -> None:
        rid = [(b"x-acs-request-id", request_id.encode("ascii"))]
        if kind == "http_500":
            err = ApiError(500, "InternalError", "The request processing has failed due to some unknown error.")
            await self._send(send, 500, _json(err.body(request_id, host_id)), headers=rid)
        elif kind == "http_503":
            err = ApiError(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
            await self._send(send, 503, _json(err.body(request_id, host_id)), headers=rid)
        elif kind in ("throttling", "throttling_retry_after"):
            err = ApiError(400, "Throttling.User", throttle_message("Throttling.User"))
            extra = list(rid)
            if kind == "throttling_retry_after":
                extra.append((b"x-acs-retry-after", str(self.faults.config.retry_after_ms).encode("ascii")))
            await self._send(send, 400, _json(err.body(request_id, host_id)), headers=extra)
        elif kind == "html_502":
            await self._send(send, 502, HTML_502.encode("ascii"), content_type=b"text/html")
        elif kind == "error_code_info":
            body = {
                "RequestId": request_id,
                "ErrorCodeInfo": {
                    "Success": False,
                    "ErrorCode": "InternalError",
                    "ErrorMessage": "The request processing has failed due to some unknown error.",
                },
            }
            await self._send(send, 200, _json(body), headers=rid)
        else:  # connection_reset
            await self._reset_connection(receive)

    @staticmethod
    async def _reset_connection(receive: Receive) -> None:
        """Abort the TCP connection with a RST (SO_LINGER 0) before any byte of an answer."""
        transport = getattr(getattr(receive, "__self__", None), "transport", None)
        if transport is None:
            raise ConnectionAbortedError("simulated connection reset")
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        transport.abort()
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    # STS -----------------------------------------------------------------------------------------
    def _sts(self, action: str, req: AuthRequest, qdict: Mapping[str, str]) -> Dict[str, Any]:
        identity = None
        if action != "AssumeRoleWithOIDC":
            identity = self._authenticate(req, qdict)
        pairs = [p for p in req.query if p[0] not in V2_SYSTEM_PARAMS] + list(req.body_params)
        params = Params(pairs)
        if action == "GetCallerIdentity":
            assert identity is not None
            return {
                "AccountId": DEMO_ACCOUNT_ID,
                "Arn": "acs:ram::%s:user/eflo-simulator" % DEMO_ACCOUNT_ID,
                "IdentityType": "RAMUser" if not identity.security_token else "AssumedRoleUser",
                "PrincipalId": "2050" + DEMO_ACCOUNT_ID[:12],
                "UserId": "2050" + DEMO_ACCOUNT_ID[:12],
            }
        role_arn = params.require("RoleArn")
        match = _ROLE_ARN.match(role_arn)
        if not match:
            raise invalid_parameter("RoleArn", "The role ARN must look like acs:ram::<account id>:role/<role name>.")
        if action == "AssumeRoleWithOIDC":
            params.require("OIDCProviderArn")
            params.require("OIDCToken")
            session = params.get("RoleSessionName") or "oidc-session"
        else:
            session = params.require("RoleSessionName")
        if not re.match(r"^[A-Za-z0-9.@_-]{2,64}$", session):
            raise invalid_parameter("RoleSessionName", "2-64 characters of letters, digits and . @ - _ are allowed.")
        duration = params.integer("DurationSeconds", 3600, 900, 43200)
        lifetime = float(duration) if self.sts.ttl_s is None else min(float(duration), self.sts.ttl_s)
        expires = self.clock.wall() + lifetime
        key_id, secret, token = self.credentials.issue_temporary(self.secret_rng, expires)
        account, role = match.groups()
        role_id = "3" + "".join(self.secret_rng.choice(string.digits) for _unused in range(17))
        return {
            "AssumedRoleUser": {"Arn": "acs:ram::%s:role/%s/%s" % (account, role.lower(), session), "AssumedRoleId": "%s:%s" % (role_id, session)},
            "Credentials": {"AccessKeyId": key_id, "AccessKeySecret": secret, "SecurityToken": token, "Expiration": format_acs_date(expires)},
        }

    # ECS instance metadata -------------------------------------------------------------------------
    async def _imds(self, scope: Scope, send: Send) -> None:
        path: str = scope["path"]
        method = scope.get("method", "GET")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        text = b"text/plain"
        wall = self.clock.wall()
        if path == "/latest/api/token":
            if method != "PUT":
                self.count("ImdsToken", "error")
                await self._send(send, 405, b"Method Not Allowed", text)
                return
            try:
                ttl = int(headers.get("x-aliyun-ecs-metadata-token-ttl-seconds", ""))
            except ValueError:
                ttl = 0
            if not 1 <= ttl <= 21600:
                self.count("ImdsToken", "error")
                await self._send(send, 400, b"Bad Request: X-aliyun-ecs-metadata-token-ttl-seconds must be 1-21600", text)
                return
            token = "".join(self.secret_rng.choice(_ALNUM) for _unused in range(48))
            self.sts.imds_tokens[token] = wall + ttl
            self.count("ImdsToken", "success")
            await self._send(send, 200, token.encode("ascii"), text)
            return
        prefix = "/latest/meta-data/ram/security-credentials/"
        label = "ImdsRoleName" if path == prefix else "ImdsCredentials"
        if not path.startswith(prefix):
            self.count("Imds", "not_found")
            await self._send(send, 404, b"Not Found", text)
            return
        token = headers.get("x-aliyun-ecs-metadata-token")
        if token is not None or self.sts.require_imds_token:
            expiry = self.sts.imds_tokens.get(token or "")
            if expiry is None or wall >= expiry:
                self.count(label, "unauthorized")
                await self._send(send, 401, b"Unauthorized", text)
                return
        role = path[len(prefix):].strip("/")
        if not role:
            self.count(label, "success")
            await self._send(send, 200, self.sts.role_name.encode("utf-8"), text)
            return
        if role != self.sts.role_name:
            self.count(label, "not_found")
            await self._send(send, 404, b"Not Found", text)
            return
        current = self.sts.imds_credentials
        if current is None or wall >= current[3] + (current[4] - current[3]) / 2:
            lifetime = 21600.0 if self.sts.ttl_s is None else self.sts.ttl_s
            key_id, secret, sts_token = self.credentials.issue_temporary(self.secret_rng, wall + lifetime)
            current = self.sts.imds_credentials = (key_id, secret, sts_token, wall, wall + lifetime)
        body = {
            "AccessKeyId": current[0],
            "AccessKeySecret": current[1],
            "SecurityToken": current[2],
            "Expiration": format_acs_date(current[4]),
            "LastUpdated": format_acs_date(current[3]),
            "Code": "Success",
        }
        self.count(label, "success")
        await self._send(send, 200, _json(body))

    # control API -------------------------------------------------------------------------------------
    async def _control(self, scope: Scope, body: bytes, send: Send) -> None:
        method = scope.get("method", "GET")
        path = scope["path"].rstrip("/")
        try:
            data = json.loads(body) if body.strip() else {}
            if not isinstance(data, dict):
                raise ValueError("the request body must be a JSON object")
            status, result = self._control_route(method, path, data)
        except (ValueError, TypeError, KeyError) as err:
            status, result = 400, {"error": str(err)}
        await self._send(send, status, _json(result))

    def _control_route(self, method: str, path: str, data: Dict[str, Any]) -> Tuple[int, Any]:
        route = (method, path)
        if route == ("GET", "/_sim/health"):
            return 200, {"ok": True, "version": __version__, "url": self.base_url, "seed": self.seed, "tasks": len(self.world.tasks)}
        if route == ("POST", "/_sim/reset"):
            base_url = self.base_url
            self.reset()
            self.base_url = base_url
            return 200, {"ok": True}
        if path == "/_sim/tasks" or path.startswith("/_sim/tasks/"):
            return self._control_tasks(method, path, data)
        if path == "/_sim/requests":
            if method == "DELETE":
                self.counts, self.total, self.rate = {}, 0, RequestRate()
            return 200, dict({"total": self.total, "by_action": {a: dict(o) for a, o in self.counts.items()}}, **self.rate.snapshot())
        if path == "/_sim/faults":
            if method == "PUT":
                self.faults.config = FaultConfig.parse(data)
            elif method == "DELETE":
                self.faults.config = FaultConfig()
            return 200, dict(self.faults.config.to_dict(), injected=dict(self.faults.injected))
        if path == "/_sim/throttle":
            if method == "PUT":
                self.throttle.configure(data)
            elif method == "DELETE":
                self.throttle.configure({})
            return 200, self.throttle.to_dict()
        if path == "/_sim/scenario":
            return self._control_scenario(method, data)
        if path == "/_sim/clock":
            return self._control_clock(method, data)
        if path == "/_sim/quirks":
            if method == "PUT":
                self._set_quirks(data)
            return 200, {"rate": self.world.quirk_rate, "kinds": list(self.world.quirk_kinds)}
        if path == "/_sim/sts":
            if method == "PUT":
                self._set_sts(data)
            return 200, self.sts.to_dict()
        if route == ("POST", "/_sim/sts/expire"):
            count = self.credentials.expire_temporary(self.clock.wall(), data.get("access_key_id"))
            self.sts.imds_credentials = None
            return 200, {"expired": count}
        if path == "/_sim/credentials":
            if method == "POST":
                self._add_credentials(data)
            return 200, {"credentials": self.credentials.summary()}
        if route == ("POST", "/_sim/free-nodes"):
            return 200, {"node_ids": self.world.add_free_nodes(data)}
        if route == ("POST", "/_sim/clusters"):
            return 200, self.world.create_control_cluster(data)
        return 404, {"error": "no control route %s %s" % (method, path)}

    def _control_tasks(self, method: str, path: str, data: Dict[str, Any]) -> Tuple[int, Any]:
        if path == "/_sim/tasks":
            if method == "POST":
                return 200, {"task_ids": self.world.create_control_tasks(data)}
            return 200, {"tasks": [self.world.task_summary(t) for t in self.world.tasks.values()]}
        task_id = path[len("/_sim/tasks/"):]
        task = self.world.tasks.get(task_id)
        if task is None:
            return 404, {"error": "no task %s" % task_id}
        return 200, self.world.task_detail(task)

    def _control_scenario(self, method: str, data: Dict[str, Any]) -> Tuple[int, Any]:
        if method == "DELETE":
            self.world.scenario = Scenario()
        elif method == "PUT":
            current = self.world.scenario
            mode = data.get("fail_mode", current.fail_mode)
            if mode not in ("auto", "fail", "partial"):
                raise ValueError("fail_mode must be auto, fail or partial")
            fail_actions = dict(data.get("fail_actions", current.fail_actions))
            for action, outcome in fail_actions.items():
                if outcome not in ("success", "fail", "partial"):
                    raise ValueError("fail_actions[%s] must be success, fail or partial" % action)
            self.world.scenario = Scenario(
                fail_nodes=set(data.get("fail_nodes", current.fail_nodes)),
                fail_mode=mode,
                fail_actions=fail_actions,
                durations={str(k): float(v) for k, v in dict(data.get("durations", current.durations)).items()},
                waiting_s=float(data.get("waiting_s", current.waiting_s)),
                not_found_for_s=float(data.get("not_found_for_s", current.not_found_for_s)),
            )
        return 200, self.world.scenario.to_dict()

    def _control_clock(self, method: str, data: Dict[str, Any]) -> Tuple[int, Any]:
        if method == "PUT":
            if "now" in data:
                if data["now"] is None:
                    self.clock.reset_wall()
                else:
                    epoch = parse_acs_date(str(data["now"]))
                    if epoch is None:
                        raise ValueError("now must look like 2024-05-20T08:00:00Z")
                    self.clock.set_wall(epoch)
            if "timestamps" in data:
                self.clock.set_timestamps(str(data["timestamps"]))
            if "speed" in data:
                self.clock.set_speed(float(data["speed"]))
            if "advance_s" in data:
                self.clock.advance(float(data["advance_s"]))
        return 200, self.clock.describe()

    def _set_quirks(self, data: Dict[str, Any]) -> None:
        rate = float(data.get("rate", self.world.quirk_rate))
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        kinds = tuple(data.get("kinds", self.world.quirk_kinds))
        unknown = [k for k in kinds if k not in QUIRK_KINDS]
        if unknown:
            raise ValueError("unknown quirk kinds %s; known: %s" % (", ".join(unknown), ", ".join(QUIRK_KINDS)))
        self.world.quirk_rate = rate
        self.world.quirk_kinds = kinds

    def _set_sts(self, data: Dict[str, Any]) -> None:
        if "ttl_s" in data:
            ttl = data["ttl_s"]
            self.sts.ttl_s = float(ttl) if ttl is not None else None
            self.sts.imds_credentials = None
        if "require_imds_token" in data:
            self.sts.require_imds_token = bool(data["require_imds_token"])
        if "role_name" in data:
            self.sts.role_name = str(data["role_name"])
            self.sts.imds_credentials = None

    def _add_credentials(self, data: Dict[str, Any]) -> None:
        key_id, secret = data.get("access_key_id"), data.get("access_key_secret")
        if not key_id or not secret:
            raise ValueError("access_key_id and access_key_secret are required")
        expires_in = data.get("expires_in_s")
        expires = self.clock.wall() + float(expires_in) if expires_in is not None else None
        self.credentials.add(str(key_id), str(secret), data.get("security_token"), expires, temporary=bool(data.get("security_token")))
