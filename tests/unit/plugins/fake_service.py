# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one test double at the wire boundary: answers served to the real :class:`wire_httpx.HttpxWire` through its
httpx ``transport``.

Client, credential, option, module and action-plugin tests inject answers only here, so a test runs exactly the
code a module run uses (HttpxWire, httpx, the signer, the reader); only the socket is replaced. A handler is any
``handler(request) -> httpx.Response`` (it may raise an httpx exception); :class:`FakeEflo` is the ready-made one.
"""

from __future__ import annotations

import re
import ssl
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import httpx

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


class FakeEflo:
    """A fake eflo-controller (and STS: its actions are answered from ``answers`` too).

    DescribeTask answers from ``tasks``; other actions (``AssumeRole`` included) from ``answers`` (a body, or a function
    of the request's parameters that returns one). Every request is
    recorded as ``(action, params, request)``. ``errors`` maps a task id or an action to ``(status, body)`` (or an
    httpx exception to raise) to answer instead.
    """

    def __init__(self) -> None:
        self.tasks: Dict[str, Dict[str, Any]] = {}
        self.answers: Dict[str, Dict[str, Any]] = {}
        self.errors: Dict[str, Any] = {}
        self.requests: List[Tuple[str, Dict[str, str], httpx.Request]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = params_of(request)
        action = request.headers.get("x-acs-action") or params.get("Action", "")
        self.requests.append((action, params, request))
        key = params.get("TaskId") if action == "DescribeTask" else action
        if key in self.errors:
            if isinstance(self.errors[key], Exception):
                raise self.errors[key]
            return reply(*self.errors[key])
        if action == "DescribeTask":
            task = self.tasks.get(params.get("TaskId", ""))
            if task is None:
                return reply(404, {"RequestId": "NF-REQUEST-1", "Code": "InvalidTaskId.NotFound",
                                   "Message": "The specified task %s does not exist." % params.get("TaskId")})
            return reply(200, task)
        if action in self.answers:
            answer = self.answers[action]
            return reply(200, answer(params) if callable(answer) else answer)
        return reply(404, {"RequestId": "R-404", "Code": "InvalidApi.NotFound",
                           "Message": "Specified api is not found, please check your url and method."})

    def access_key_ids(self) -> List[Optional[str]]:
        """The AccessKey ID each request was signed with (V3 Authorization header or V2 AccessKeyId)."""
        ids: List[Optional[str]] = []
        for _action, params, request in self.requests:
            match = re.search(r"Credential=([^,]+)", request.headers.get("Authorization", ""))
            ids.append(match.group(1) if match else params.get("AccessKeyId"))
        return ids

    def actions(self) -> List[str]:
        return [action for action, _params, _request in self.requests]

    def hosts(self) -> List[str]:
        return [request.url.host for _action, _params, request in self.requests]
