# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: one JSON line per task start and per host result, with wall-clock times.

Enabled by bench/run.py (ANSIBLE_CALLBACKS_ENABLED=bench_timing); writes to the file named by
EFLO_BENCH_TIMING_FILE and does nothing when it is unset. Records only times, names, status, the
size of the result as JSON and the few result keys the benchmark reads (``elapsed``, ``polls``, ``attempts``),
never module arguments.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_timing
type: aggregate
short_description: Write task start/result times as JSON lines (benchmarks only)
description:
  - Used by bench/run.py. Appends one JSON object per task start and per host result to E(EFLO_BENCH_TIMING_FILE).
requirements:
  - enable in configuration
"""

import json
import os
import time
from typing import Any, Dict

from ansible.plugins.callback import CallbackBase

TIMING_FILE_ENV = "EFLO_BENCH_TIMING_FILE"
KEPT_KEYS = ("elapsed", "polls", "retries", "attempts", "failed", "msg")


class CallbackModule(CallbackBase):
    """Record when each task starts and when each host's result arrives."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._path = os.environ.get(TIMING_FILE_ENV)

    def _write(self, record: Dict[str, Any]) -> None:
        if not self._path:
            return
        record.setdefault("t", time.time())
        with open(self._path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record, default=str) + "\n")

    def _result(self, status: str, result: Any) -> None:
        now = time.time()  # before the size computation below
        raw = getattr(result, "result", None)
        if raw is None:
            raw = result._result  # ansible-core < 2.19
        data: Dict[str, Any] = {key: raw.get(key) for key in KEPT_KEYS if key in raw}
        try:
            data["result_bytes"] = len(json.dumps(raw, default=str))
        except (TypeError, ValueError):
            data["result_bytes"] = -1
        if isinstance(data.get("msg"), str):
            data["msg"] = data["msg"][:300]
        self._write({"event": "result", "status": status, "host": result._host.get_name(), "task": result._task.get_name(), "t": now, **data})

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        self._write({"event": "task_start", "task": task.get_name()})

    def v2_runner_on_ok(self, result: Any) -> None:
        self._result("ok", result)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._result("ignored" if ignore_errors else "failed", result)

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._result("unreachable", result)

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._result("skipped", result)
