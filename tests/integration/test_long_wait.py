# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A 6-hour wait with the default schedule, on compressed time: memory flat, output bounded, result right.

The simulator's tasks run 2, 4 and 6 simulated hours. The wait is the collection's action plugin with its clock
and sleep sped up by the same factor as the simulator
(playbooks/reliability/action_plugins/eflo_task_wait_compressed.py, found next to the playbook), so the
6 hours pass in well under a minute while every poll is a real signed DescribeTask over HTTP, with the default
schedule (adaptive: waits of 7 s to max_delay, 60 s), jitter, max_rate and heartbeat (60 s). The plugin samples
its traced Python memory at every progress event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from reliability_support import check_no_crash

PLAYBOOK = "tests/integration/playbooks/reliability/long_wait.yml"
SPEED = 600.0  # simulated seconds per real second, for the simulator and the wait alike
HOUR = 3600.0
DEFAULT_NEAR_DELAY, DEFAULT_MAX_DELAY, DEFAULT_HEARTBEAT = 7.0, 60.0, 60.0
# at x600 every poll's own real time (a few ms to 0.2 s on a loaded machine) adds 2 to 120 simulated seconds to the
# wait after it; over hundreds of polls the mean is well under POLL_OVERHEAD
POLL_OVERHEAD = 30.0

pytestmark = pytest.mark.simulator  # not `long`: about 40 s, so it runs in `make test` (and CI) too


def memory_samples(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_a_6_hour_wait_keeps_memory_flat_and_output_bounded(simulator, run_playbook, tmp_path):
    six = simulator.add_tasks({"task_type": "extend_cluster", "duration_s": 6 * HOUR, "node_count": 32})["task_ids"]
    four = simulator.add_tasks({"task_type": "extend_cluster", "duration_s": 4 * HOUR, "node_count": 8,
                                "outcome": "partial"})["task_ids"]
    two = simulator.add_tasks({"task_type": "reclone_node", "duration_s": 2 * HOUR, "node_count": 4})["task_ids"]
    ids = six + four + two
    # the wait's clock runs SPEED times faster too, so the answers carry simulated time, not real time
    simulator.control("PUT", "/_sim/clock", {"speed": SPEED, "timestamps": "simulated"})
    memory_log = tmp_path / "memory.jsonl"
    env = dict(simulator.env, EFLO_TIME_SPEED=str(SPEED), EFLO_MEMORY_LOG=str(memory_log))
    run = run_playbook(PLAYBOOK, dict(simulator.extra_vars, task_ids=ids, wait_timeout=8 * HOUR), env=env)

    # the result is right: every task succeeded, each seen finished within max_delay of its real end
    assert run.rc == 0, run.explain()
    record = run.task("Wait for the tasks")
    result = record["result"]
    assert result["succeeded_task_ids"] == ids
    assert result["failed_task_ids"] == result["timed_out_task_ids"] == result["pending_task_ids"] == []
    assert result["retries"] == 0
    tasks = {task["task_id"]: task for task in result["tasks"]}
    ends = {task_id: simulator.control("GET", "/_sim/tasks/%s" % task_id)["ends"] for task_id in ids}
    for task_id in ids:
        task = tasks[task_id]
        assert task["task_state"] == "execution_success"
        assert task["transitions"][-1]["task_state"] == "execution_success"
        assert len(task["transitions"]) <= 50
        # the default schedule: a poll at least every 60 s (plus the poll's own time), never more often than every 7 s
        assert task["elapsed"] / (DEFAULT_MAX_DELAY + POLL_OVERHEAD) - 1 <= task["polls"] <= task["elapsed"] / DEFAULT_NEAR_DELAY + 2, task
    for earlier, later in ((two[0], four[0]), (four[0], six[0]), (two[0], six[0])):
        seen = tasks[later]["elapsed"] - tasks[earlier]["elapsed"]
        real = ends[later] - ends[earlier]
        # each end is seen within max_delay plus one poll's latency (at x600, 0.2 s of a loaded machine is 120 s)
        assert abs(seen - real) <= DEFAULT_MAX_DELAY + 120, (earlier, later, seen, real)
    assert result["elapsed"] == pytest.approx(tasks[six[0]]["elapsed"], abs=DEFAULT_MAX_DELAY)
    assert result["elapsed"] <= 6 * HOUR + DEFAULT_MAX_DELAY + 120
    assert tasks[four[0]]["failed_sub_tasks"], tasks[four[0]]  # the partial success is reported as such
    assert any(four[0] in warning for warning in record["warnings"]), record["warnings"]

    # output bounded: a heartbeat at most every 60 s and a line per change, a result of bounded size
    lines = [line for line in run.stdout.splitlines() if line.startswith("eflo_task_wait: ")]
    changes = sum(len(task["transitions"]) for task in result["tasks"])
    assert len(lines) <= 6 * HOUR / DEFAULT_HEARTBEAT + changes + 5, len(lines)
    assert len(run.stdout) < 200_000, len(run.stdout)
    assert len(json.dumps(result)) < 100_000, len(json.dumps(result))

    # memory flat: after the first hour the traced memory of the wait does not grow with the polls
    samples = [sample for sample in memory_samples(memory_log) if sample["time"] >= HOUR]
    # a heartbeat every 60 s of the wait's clock, each one later by the real time of a poll batch it waited for
    assert len(samples) >= 4 * HOUR / (DEFAULT_HEARTBEAT + POLL_OVERHEAD), len(samples)
    traced = [sample["traced"] for sample in samples]
    assert max(traced) - min(traced) < 512 * 1024, (min(traced), max(traced))
    second_hour = [s["traced"] for s in samples if s["time"] < 2 * HOUR]
    last_hour = [s["traced"] for s in samples if s["time"] >= 5 * HOUR]
    assert sum(last_hour) / len(last_hour) - sum(second_hour) / len(second_hour) < 128 * 1024, (second_hour, last_hour)
    rss = [sample["rss_kib"] for sample in samples]
    assert max(rss) - min(rss) < 8 * 1024, (min(rss), max(rss))  # KiB: the process does not grow either
    assert not check_no_crash(run)
