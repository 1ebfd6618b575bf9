# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for module tests: a fake eflo-controller for httpx.MockTransport, module argument patching."""

from __future__ import annotations

import contextlib
import json
import pathlib
import re
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import httpx

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "responses"
ENV_PREFIXES = ("ALIBABA_CLOUD_", "ALIBABACLOUD_", "ALICLOUD_")
ENV_NAMES = ("REGION", "REGION_ID", "ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SECURITY_TOKEN", "HTTPS_PROXY", "HTTP_PROXY",
             "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")

ACCESS_KEY_ID = "LTAI5tUnitTestKeyId01"
ACCESS_KEY_SECRET = "UnitTestSecretValue0123456789abcd"
SECURITY_TOKEN = "CAIS.unit-test-security-token-value-0123456789"


def fixture_body(name: str) -> Dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@contextlib.contextmanager
def module_args(args: Dict[str, Any]) -> Iterator[None]:
    """Expose ``args`` to AnsibleModule: ``patch_module_args`` on ansible-core 2.19+, ``_ANSIBLE_ARGS`` before."""
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes

        saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))  # pylint: disable=protected-access
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved  # pylint: disable=protected-access
        return
    with patch_module_args(args):
        yield


class FakeEflo:
    """A fake eflo-controller: DescribeTask answers from ``tasks``; other actions from ``answers``.

    Every request is recorded as ``(action, params, request)``; ``params`` merges the query and form body.
    ``errors`` maps a task id or an action to ``(status, body)`` to answer instead (body dict or raw text).
    """

    def __init__(self) -> None:
        self.tasks: Dict[str, Dict[str, Any]] = {}
        self.answers: Dict[str, Dict[str, Any]] = {}
        self.errors: Dict[str, Tuple[int, Any]] = {}
        self.requests: List[Tuple[str, Dict[str, str], httpx.Request]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True))
        params.update(parse_qsl(request.content.decode("utf-8"), keep_blank_values=True))
        action = request.headers.get("x-acs-action") or params.get("Action", "")
        self.requests.append((action, params, request))
        key = params.get("TaskId") if action == "DescribeTask" else action
        if key in self.errors:
            status, body = self.errors[key]
            if isinstance(body, (dict, list)):
                return httpx.Response(status, json=body)
            return httpx.Response(status, text=body, headers={"content-type": "text/html"})
        if action == "DescribeTask":
            task = self.tasks.get(params.get("TaskId", ""))
            if task is None:
                return httpx.Response(404, json={
                    "RequestId": "NF-REQUEST-1", "Code": "InvalidTaskId.NotFound",
                    "Message": "The specified task %s does not exist." % params.get("TaskId"),
                })
            return httpx.Response(200, json=task)
        if action in self.answers:
            return httpx.Response(200, json=self.answers[action])
        return httpx.Response(404, json={
            "RequestId": "R-404", "Code": "InvalidApi.NotFound",
            "Message": "Specified api is not found, please check your url and method.",
        })

    def access_key_ids(self) -> List[Optional[str]]:
        """The AccessKey ID each request was signed with (V3 Authorization header or V2 AccessKeyId)."""
        ids: List[Optional[str]] = []
        for _action, params, request in self.requests:
            match = re.search(r"Credential=([^,]+)", request.headers.get("Authorization", ""))
            ids.append(match.group(1) if match else params.get("AccessKeyId"))
        return ids

    def actions(self) -> List[str]:
        return [action for action, _params, _request in self.requests]
