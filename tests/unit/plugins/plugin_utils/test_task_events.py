# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""task_events: previous view + new task dict -> the event source's events."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import read_task, task_to_dict
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.task_events import (
    TASK_CHANGED,
    TASK_FINISHED,
    TASK_STARTED,
    Seen,
    task_events,
)


def task(state: str, steps: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    body = {"TaskId": "i-task", "TaskType": "extend_cluster", "TaskState": state, "ClusterId": "i-c", "ClusterName": "c1",
            "Steps": steps or []}
    return task_to_dict(read_task(body, "i-task"))


def step(name: str, state: str, subs: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    return {"StepName": name, "StepState": state, "SubTasks": subs or []}


def kinds(events: List[Dict[str, Any]]) -> List[str]:
    return [event["eflo_event"] for event in events]


def replay(answers: List[Dict[str, Any]], baseline: bool = False) -> List[Dict[str, Any]]:
    seen: Optional[Seen] = None
    out: List[Dict[str, Any]] = []
    for answer in answers:
        seen, events = task_events(seen, answer, baseline=baseline)
        out.extend(events)
    return out


def test_a_task_that_succeeds_starts_changes_per_step_and_finishes_once() -> None:
    answers = [
        task("waiting_to_run"),
        task("running", [step("check", "running")]),
        task("running", [step("check", "running")]),  # unchanged: nothing
        task("RUNNING", [step("check", "running")]),  # the state's case is not a change
        task("running", [step("check", "execution_success"), step("nodes", "running")]),
        task("execution_success", [step("check", "execution_success"), step("nodes", "execution_success")]),
        task("execution_success", [step("check", "execution_success"), step("nodes", "execution_success")]),
    ]
    events = replay(answers)
    assert kinds(events) == [TASK_STARTED, TASK_CHANGED, TASK_CHANGED, TASK_FINISHED]
    assert [e["eflo_task"]["step"] for e in events] == [None, "check", "nodes", "nodes"]
    finished = events[-1]["eflo_task"]
    assert finished["previous_state"] == "running" and finished["previous_step"] == "nodes"
    assert finished["task_state"] == "execution_success" and finished["is_succeeded"] is True
    assert finished["cluster_id"] == "i-c" and finished["cluster_name"] == "c1" and finished["task_type"] == "extend_cluster"
    assert "steps" not in finished


def test_a_failed_task_names_its_failed_sub_tasks() -> None:
    failed = step("nodes", "execution_failed", [{"TaskId": "sub-1", "TaskState": "execution_fail", "Message": "disk"}])
    events = replay([task("running", [step("nodes", "running")]), task("execution_fail", [failed])])
    assert kinds(events) == [TASK_STARTED, TASK_FINISHED]
    info = events[-1]["eflo_task"]
    assert info["is_finished"] is True and info["is_succeeded"] is False
    assert [(s["task_id"], s["step_name"], s["message"]) for s in info["failed_sub_tasks"]] == [("sub-1", "nodes", "disk")]


@pytest.mark.parametrize("baseline, expected", [(False, [TASK_STARTED, TASK_FINISHED]), (True, [])])
def test_a_task_first_seen_finished(baseline: bool, expected: List[str]) -> None:
    assert kinds(replay([task("execution_fail")], baseline=baseline)) == expected


def test_a_running_baseline_task_is_followed() -> None:
    events = replay([task("running"), task("execution_success")], baseline=True)
    assert kinds(events) == [TASK_STARTED, TASK_FINISHED]


def test_nothing_after_the_end_and_events_do_not_share_dicts() -> None:
    seen, events = task_events(None, task("running"))
    seen, events = task_events(seen, task("execution_success"))
    assert kinds(events) == [TASK_FINISHED]
    assert task_events(seen, task("execution_fail"))[1] == []
    events = task_events(None, task("execution_success"))[1]
    events[0]["eflo_task"]["task_state"] = "changed by a rule"
    assert events[1]["eflo_task"]["task_state"] == "execution_success"
