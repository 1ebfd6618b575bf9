# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only action plugin: ``alibabacloud.eflo.eflo_task_wait`` with compressed time and memory samples.

Used by test_long_wait.py (Ansible loads it from the action_plugins directory next to long_wait.yml). It is the real action plugin with the clock and
``sleep`` it exposes for tests replaced: the wait's clock runs ``EFLO_TIME_SPEED`` times faster than real time
(the simulator's clock is set to the same speed), so a 6-hour wait with the default schedule takes seconds.
Everything else (options, client, HTTP, engine, progress lines, result) is the collection's code.

With ``EFLO_MEMORY_LOG`` set, the traced Python memory (``tracemalloc``) and the resident set size are
appended to that file as JSON lines at every progress event of the wait (heartbeats included).
"""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from typing import Any, Dict, Optional, Sequence

from ansible_collections.alibabacloud.eflo.plugins.action.eflo_task_wait import ActionModule as WaitAction

SPEED = float(os.environ.get("EFLO_TIME_SPEED", "1"))
_ORIGIN = time.monotonic()


def compressed_clock() -> float:
    """Seconds of compressed time: real seconds since import times SPEED."""
    return (time.monotonic() - _ORIGIN) * SPEED


def compressed_sleep(seconds: float) -> None:
    """Sleep ``seconds`` of compressed time."""
    if seconds > 0:
        time.sleep(seconds / SPEED)


def resident_kib() -> int:
    """VmRSS of this process in KiB (0 where /proc is not available)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class ActionModule(WaitAction):
    """eflo_task_wait on compressed time, sampling its memory."""

    clock = staticmethod(compressed_clock)
    sleep = staticmethod(compressed_sleep)

    def run(self, tmp: Optional[str] = None, task_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        if os.environ.get("EFLO_MEMORY_LOG"):
            tracemalloc.start()
        try:
            return super().run(tmp, task_vars)
        finally:
            if tracemalloc.is_tracing():
                tracemalloc.stop()

    def show_event(self, event: Any, secrets: Sequence[str]) -> None:
        super().show_event(event, secrets)
        path = os.environ.get("EFLO_MEMORY_LOG")
        if path and tracemalloc.is_tracing():
            sample = {"kind": getattr(event, "kind", None), "time": compressed_clock(),
                      "traced": tracemalloc.get_traced_memory()[0], "rss_kib": resident_kib()}
            with open(path, "a", encoding="utf-8") as log:
                log.write(json.dumps(sample) + "\n")
