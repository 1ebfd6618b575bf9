# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: append every task result as one JSON line to the file named by EFLO_TEST_RESULTS_FILE."""

from __future__ import annotations

DOCUMENTATION = r"""
name: eflo_jsonl
type: aggregate
short_description: Write task results as JSON lines (tests only)
description:
  - Used by the integration test harness in C(tests/integration/conftest.py).
  - Appends one JSON object per task result (and per loop item) to the file named by E(EFLO_TEST_RESULTS_FILE).
  - Does nothing when that variable is unset.
  - Results are the censored view callbacks receive, so C(no_log) values never reach the file.
requirements:
  - enable in configuration
"""

import json
import os
from typing import Any

from ansible.plugins.callback import CallbackBase
from ansible.vars.clean import module_response_deepcopy, strip_internal_keys

RESULTS_FILE_ENV = "EFLO_TEST_RESULTS_FILE"


def _messages(result: Any, data: dict[str, Any], name: str) -> list[str]:
    """Warnings or deprecations of a result as plain strings (2.19 keeps them off the result dict)."""
    summaries = getattr(result, name, None)
    if summaries:
        return [str(getattr(getattr(item, "event", None), "msg", None) or item) for item in summaries]
    return [str(item.get("msg", item)) if isinstance(item, dict) else str(item) for item in data.get(name) or []]


def _exception(result: Any, data: dict[str, Any]) -> str | None:
    """The exception text of a failed result, if any."""
    summary = getattr(result, "exception", None)
    if summary is not None:
        event = getattr(summary, "event", None)
        return str(getattr(event, "formatted_traceback", None) or getattr(event, "msg", None) or summary)
    value = data.get("exception")
    return None if value is None else str(value)


class CallbackModule(CallbackBase):
    """Record task results for the integration test harness."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "eflo_jsonl"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, kind: str, status: str, result: Any) -> None:
        path = os.environ.get(RESULTS_FILE_ENV)
        if not path:
            return
        raw = getattr(result, "result", None)
        if raw is None:
            raw = result._result  # ansible-core < 2.19
        data = dict(raw)
        task = result._task
        record = {
            "kind": kind,
            "status": status,
            "host": result._host.get_name(),
            "task": task.get_name(),
            "action": task.action,
            "result": strip_internal_keys(module_response_deepcopy(data)),
            "warnings": _messages(result, data, "warnings"),
            "deprecations": _messages(result, data, "deprecations"),
            "exception": _exception(result, data) if status in ("failed", "unreachable") else None,
        }
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record, default=str, sort_keys=True) + "\n")

    def v2_runner_on_ok(self, result: Any) -> None:
        self._record("task", "ok", result)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._record("task", "ignored" if ignore_errors else "failed", result)

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._record("task", "skipped", result)

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._record("task", "unreachable", result)

    def v2_runner_item_on_ok(self, result: Any) -> None:
        self._record("item", "ok", result)

    def v2_runner_item_on_failed(self, result: Any) -> None:
        self._record("item", "failed", result)

    def v2_runner_item_on_skipped(self, result: Any) -> None:
        self._record("item", "skipped", result)
