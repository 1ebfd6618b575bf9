# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline time is real time: whatever the simulator's ``--speed``, eflo_task_wait's default schedule notices
the end of a task as soon after it as on the real service.

A reclone that lasts 10 real seconds (10 simulated seconds at speed 1, 600 at speed 60) is waited for with the
default schedule. When the wait noticed the end is read from the simulator: the real time of the last
DescribeTask (``/_sim/requests`` ``last_at``) minus the task's real end (``/_sim/tasks/<id>`` ``ends``). The
default schedule notices a finished task within ``NEAR_WAIT_CAP`` seconds of its end (docs/performance.md,
figure 3); the margin covers one poll's own time on a loaded machine.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest

PLAYBOOK = "tests/integration/playbooks/offline_time/wait_default.yml"
REAL_DURATION = 10.0  # seconds of real time the reclone lasts, at every speed
NEAR_WAIT_CAP = 8.4  # the default schedule's longest wait once a task may end (near_delay 7 s x 1.2)
MARGIN = 2.0

pytestmark = pytest.mark.simulator


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@pytest.mark.parametrize("speed", [1.0, 60.0])
def test_the_default_schedule_notices_the_end_in_the_same_real_time_at_any_speed(simulator, run_playbook, speed):
    simulator.control("PUT", "/_sim/clock", {"speed": speed})
    simulator.control("PUT", "/_sim/quirks", {"rate": 0})
    created = time.time()
    task_id = simulator.add_tasks({"task_type": "reclone_node", "duration_s": REAL_DURATION * speed, "node_count": 2})["task_ids"][0]
    run = run_playbook(PLAYBOOK, dict(simulator.extra_vars, task_id=task_id), env=simulator.env)

    assert run.rc == 0, run.explain()
    task = simulator.control("GET", "/_sim/tasks/%s" % task_id)
    answer = task["describe_task"]
    # the answers and the control API speak real time: the task lasted 10 real seconds and says so
    assert task["ends"] - task["created"] == pytest.approx(REAL_DURATION, abs=0.1)
    assert epoch(answer["CreateTime"]) == pytest.approx(created, abs=1.0)
    assert epoch(answer["UpdateTime"]) == pytest.approx(task["ends"], abs=0.01)
    assert abs(epoch(answer["Steps"][-1]["UpdateTime"]) - task["ends"]) < 0.01
    # and the wait noticed the end as soon after it as on the real service
    requests = simulator.requests()
    noticed = requests["last_at"] - task["ends"]
    polls = requests["by_action"]["DescribeTask"]["success"]
    assert 0 <= noticed <= NEAR_WAIT_CAP + MARGIN, (speed, noticed, polls)
    assert polls <= 5, (speed, noticed, polls)
