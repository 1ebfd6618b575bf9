# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one test double at the wire boundary: answers served to the real :class:`wire_httpx.HttpxWire` through its
httpx ``transport``, and :class:`FakeEflo`, the one fake service (eflo-controller, STS, instance metadata).

Client, credential, option, module and action-plugin tests inject answers only here, so a test runs exactly the
code a module run uses (HttpxWire, httpx, the signer, the reader); only the socket is replaced. A handler is any
``handler(request) -> httpx.Response`` (it may raise an httpx exception); :class:`FakeEflo` is the ready-made one.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import httpx

from ansible_collections.alibabacloud.eflo.plugins.module_utils.signer import v2_signature, v2_string_to_sign
from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire_httpx import HttpxWire

Handler = Callable[[httpx.Request], httpx.Response]


def transport(handler: Handler) -> httpx.MockTransport:
    """The ``transport=`` of HttpxWire / EfloClient / ``options.build_client*`` that serves ``handler``'s answers."""
    return httpx.MockTransport(handler)


def wire(handler: Optional[Handler], *, verify: Any = None, max_body: int = 8 * 1024 * 1024, timeout: float = 5.0) -> HttpxWire:
    """A wire whose every request is answered by ``handler`` (``None``: by real sockets)."""
    return HttpxWire(verify=verify or ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), max_body=max_body, connect_timeout=timeout,
                     read_timeout=timeout, user_agent="alibabacloud.eflo/test", transport=transport(handler) if handler else None)


def reply(status: int, body: Any = None, headers: Optional[Dict[str, str]] = None) -> httpx.Response:
    """An answer: a dict or list as JSON, text as text/html."""
    if isinstance(body, (dict, list)):
        return httpx.Response(status, json=body, headers=headers)
    return httpx.Response(status, text=body or "", headers={"content-type": "text/html", **(headers or {})})


def params_of(request: httpx.Request) -> Dict[str, str]:
    """The request's query and form body parameters, merged."""
    params = dict(parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True))
    params.update(parse_qsl(request.read().decode("utf-8"), keep_blank_values=True))
    return params


class Call(tuple):
    """One request the fake answered: ``(action, params, request)``, with ``time`` (of the fake's ``clock``, None
    without one), ``thread`` and ``task_id``."""

    action = property(lambda self: self[0])
    params = property(lambda self: self[1])
    request = property(lambda self: self[2])
    task_id = property(lambda self: self[1].get("TaskId", ""))

    def __new__(cls, action: str, params: Dict[str, str], request: httpx.Request, time: Optional[float]) -> "Call":
        call = super().__new__(cls, (action, params, request))
        call.time = time
        call.thread = threading.get_ident()
        return call


class FakeEflo:
    """The one fake Alibaba Cloud: eflo-controller, STS and the ECS instance metadata service.

    eflo-controller: DescribeTask answers from ``timelines`` (task id -> ``[(seconds since start, body)]``, read at
    ``clock()``; not found before ``not_found_until[id]``) or ``tasks``; other actions from ``answers`` (a body, or a
    function of the request's parameters that returns one). Queued
    ``faults[id]`` answers, and ``errors`` (a task id or an action -> ``(status, body)`` or an httpx exception to
    raise), come first. STS (``AssumeRole*``): ``sts_error`` / ``sts_queue`` first, then ``answers``, then, with a
    ``wall_clock``, credentials issued for the asked duration (``AssumeRole``'s V2 signature checked against
    ``secrets``). Instance metadata (``/latest/...``): an IMDSv2 token, ``imds_roles`` and their credentials.
    Every request is recorded in ``requests`` as a :class:`Call`; ``before_answer(task_id)`` runs before each answer.
    """

    def __init__(self, clock: Optional[Callable[[], float]] = None, start: float = 0.0,
                 wall_clock: Optional[Callable[[], datetime]] = None, secrets: Optional[Dict[str, str]] = None) -> None:
        self.clock, self.start, self.wall_clock = clock, start, wall_clock
        self.tasks: Dict[str, Dict[str, Any]] = {}
        self.timelines: Dict[str, List[Tuple[float, Dict[str, Any]]]] = {}
        self.not_found_until: Dict[str, float] = {}
        self.faults: Dict[str, List[httpx.Response]] = {}
        self.answers: Dict[str, Dict[str, Any]] = {}
        self.errors: Dict[str, Any] = {}
        self.requests: List[Call] = []
        self.before_answer: Optional[Callable[[str], None]] = None
        self.lock = threading.Lock()
        self.secrets = dict(secrets or {})
        self.issued = 0
        self.sts_queue: List[Tuple[int, Any]] = []
        self.sts_error: Optional[Exception] = None
        self.imds_token_status = 200
        self.imds_token_error: Optional[Exception] = None
        self.imds_roles = "EcsEfloRole"
        self.imds_code = "Success"
        self.imds_lifetime = timedelta(hours=6)

    def add(self, task_id: str, timeline: List[Tuple[float, Dict[str, Any]]]) -> str:
        self.timelines[task_id] = timeline
        return task_id

    def fault(self, task_id: str, *responses: httpx.Response) -> None:
        self.faults.setdefault(task_id, []).extend(responses)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = params_of(request)
        action = request.headers.get("x-acs-action") or params.get("Action", "")
        key = params.get("TaskId") if action == "DescribeTask" else action
        with self.lock:
            self.requests.append(Call(action, params, request, self.clock() if self.clock else None))
            queued = self.faults.get(key or "")
            fault = queued.pop(0) if queued else None
        if self.before_answer is not None:
            self.before_answer(key or "")
        if fault is not None:
            return fault
        if key in self.errors:
            if isinstance(self.errors[key], Exception):
                raise self.errors[key]
            return reply(*self.errors[key])
        if request.url.path.startswith("/latest/"):
            return self.imds(request)
        if action == "DescribeTask":
            return self.describe_task(params.get("TaskId", ""))
        if action.startswith("AssumeRole"):
            return self.sts(action, params, request)
        if action in self.answers:
            answer = self.answers[action]
            return reply(200, answer(params) if callable(answer) else answer)
        return reply(404, {"RequestId": "R-404", "Code": "InvalidApi.NotFound",
                           "Message": "Specified api is not found, please check your url and method."})

    def describe_task(self, task_id: str) -> httpx.Response:
        task = self.tasks.get(task_id)
        timeline = self.timelines.get(task_id)
        elapsed = self.clock() - self.start if self.clock else 0.0
        if timeline is not None and elapsed >= self.not_found_until.get(task_id, 0.0):
            task = [body for at, body in timeline if at <= elapsed][-1]
        if task is None:
            return reply(404, {"RequestId": "NF-REQUEST-1", "Code": "InvalidTaskId.NotFound",
                               "Message": "The specified task %s does not exist." % task_id})
        return reply(200, task)

    def _issue(self, duration: int, prefix: str) -> Dict[str, Any]:
        assert self.wall_clock is not None
        self.issued += 1
        key_id = "STS.%s%d" % (prefix, self.issued)
        self.secrets[key_id] = secret = "issued-secret-%d" % self.issued
        expiration = (self.wall_clock() + timedelta(seconds=duration)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"AccessKeyId": key_id, "AccessKeySecret": secret, "SecurityToken": "issued-token-%d" % self.issued,
                "Expiration": expiration}

    def sts(self, action: str, params: Dict[str, str], request: httpx.Request) -> httpx.Response:
        if self.sts_error is not None:
            raise self.sts_error
        if self.sts_queue:
            status, body = self.sts_queue.pop(0)
            return httpx.Response(status, text=body if isinstance(body, str) else json.dumps(body))
        if action in self.answers or self.wall_clock is None:
            return reply(200, self.answers[action]) if action in self.answers else reply(400, {"Code": "InvalidAction"})
        assert request.method == "GET"
        if action == "AssumeRole":
            signed = {key: value for key, value in params.items() if key != "Signature"}
            secret = self.secrets.get(params["AccessKeyId"])
            if secret is None or v2_signature(secret, v2_string_to_sign("GET", signed)) != params.get("Signature"):
                return reply(400, {"Code": "SignatureDoesNotMatch", "Message": "no match"})
            return reply(200, {"RequestId": "R", "Credentials": self._issue(int(params["DurationSeconds"]), "role")})
        assert "Signature" not in params and "AccessKeyId" not in params
        return reply(200, {"RequestId": "R", "Credentials": self._issue(int(params["DurationSeconds"]), "oidc")})

    def imds(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/latest/api/token":
            assert request.method == "PUT"
            if self.imds_token_error is not None:
                raise self.imds_token_error
            if self.imds_token_status != 200:
                return httpx.Response(self.imds_token_status, text="forbidden")
            assert request.headers["X-aliyun-ecs-metadata-token-ttl-seconds"] == "21600"
            return httpx.Response(200, text="imds-token")
        if self.imds_token_status == 200 and self.imds_token_error is None:
            assert request.headers.get("X-aliyun-ecs-metadata-token") == "imds-token"
        else:
            assert "X-aliyun-ecs-metadata-token" not in request.headers
        prefix = "/latest/meta-data/ram/security-credentials/"
        if path == prefix:
            return httpx.Response(200, text=self.imds_roles)
        if self.imds_code != "Success":
            return reply(200, {"Code": self.imds_code})
        if path[len(prefix):] not in self.imds_roles.split():
            return httpx.Response(404, text="not found")
        creds = self._issue(int(self.imds_lifetime.total_seconds()), "ecs")
        assert self.wall_clock is not None
        return reply(200, dict(creds, Code="Success", LastUpdated=self.wall_clock().strftime("%Y-%m-%dT%H:%M:%SZ")))

    def access_key_ids(self) -> List[Optional[str]]:
        """The AccessKey ID each request was signed with (V3 Authorization header or V2 AccessKeyId)."""
        ids: List[Optional[str]] = []
        for _action, params, request in self.requests:
            match = re.search(r"Credential=([^,]+)", request.headers.get("Authorization", ""))
            ids.append(match.group(1) if match else params.get("AccessKeyId"))
        return ids

    def actions(self) -> List[str]:
        return [call.action for call in self.requests]

    def hosts(self) -> List[str]:
        return [call.request.url.host for call in self.requests]

    def polls_of(self, task_id: str) -> int:
        return sum(1 for call in self.requests if call.task_id == task_id)

    def sts_calls(self) -> List[Dict[str, str]]:
        return [call.params for call in self.requests if call.action.startswith("AssumeRole")]

    def imds_calls(self) -> List[httpx.Request]:
        return [call.request for call in self.requests if call.request.url.path.startswith("/latest/")]
