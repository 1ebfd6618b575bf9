# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the wait engine keeps per task and returns, with ``task_details`` ``full`` and ``summary`` (fake clock)."""

from __future__ import annotations

import ast
import json
import pathlib
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
import yaml

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ApiError, ConfigurationError, EfloError
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.waiter import (
    DETAILS_FULL,
    DETAILS_SUMMARY,
    SUMMARY_KEYS,
    WaitConfig,
    WaitOutcome,
    summarise_task,
    wait_for_tasks,
)

from ansible_collections.alibabacloud.eflo.tests.unit.plugins.plugin_utils.engine_doubles import FakeClock, FixedRandom

START = 500.0
STEPS = ("allocate_machines", "init_nodes", "update_cluster")
PER_TASK = set(SUMMARY_KEYS) | {"failed_steps", "failed_sub_tasks", "step", "elapsed", "polls"}


def task(task_id: str, state: str, step: Optional[str], *, failed_subs: Sequence[Tuple[str, str]] = (), message: str = "") -> Dict[str, Any]:
    """A task dict as ``models.task_to_dict`` makes it: steps up to ``step`` (that one in ``state``), sub-tasks."""
    steps: List[Dict[str, Any]] = []
    for name in STEPS:
        if step is None:
            break
        done = name != step
        step_state = "execution_success" if done else ("execution_failed" if state == "execution_fail" else state)
        subs = [{"task_id": "%s-node%d" % (task_id, n), "task_type": "reclone_node_sub_task", "task_state": "execution_success",
                 "create_time": "2024-05-20T07:00:00Z", "update_time": "2024-05-20T08:00:00Z", "message": ""} for n in range(2)]
        if name == "init_nodes":
            subs += [{"task_id": sub_id, "task_type": "reclone_node_sub_task", "task_state": "execution_fail",
                      "create_time": "2024-05-20T07:00:00Z", "update_time": "2024-05-20T08:00:00Z", "message": why}
                     for sub_id, why in failed_subs]
        steps.append({"step_name": name, "step_type": "normal", "step_state": step_state, "stage_tag": "stage",
                      "start_time": "2024-05-20T07:00:00Z", "update_time": "2024-05-20T08:00:00Z", "message": "", "sub_tasks": subs})
        if name == step:
            break
    failed_steps = [dict(s) for s in steps if "fail" in s["step_state"]]
    failed_sub_tasks = [dict(sub, step_name=s["step_name"]) for s in steps for sub in s["sub_tasks"] if "fail" in sub["task_state"]]
    return {
        "task_id": task_id, "task_type": "reclone_node", "task_state": state, "cluster_id": "i119982311660892626523",
        "cluster_name": "training-a", "message": message, "node_ids": ["e01-cn-%s-a" % task_id, "e01-cn-%s-b" % task_id],
        "create_time": "2024-05-20T07:00:00Z", "update_time": "2024-05-20T08:00:00Z", "steps": steps,
        "request_id": "REQ-%s" % task_id, "is_finished": state.startswith("execution_"), "is_succeeded": state == "execution_success",
        "failed_steps": failed_steps, "failed_sub_tasks": failed_sub_tasks,
    }


def script(task_id: str, final: str, at: float, **kwargs: Any) -> List[Tuple[float, Dict[str, Any]]]:
    """running at the first step, at the second from ``at / 2``, then ``final`` at ``at`` (none when ``final`` is running)."""
    points = [(0.0, task(task_id, "running", STEPS[0])), (at / 2, task(task_id, "running", STEPS[1]))]
    if final != "running":
        points.append((at, task(task_id, final, STEPS[1] if final == "execution_fail" else STEPS[2], **kwargs)))
    return points


class Service:
    def __init__(self, scripts: Dict[str, List[Tuple[float, Dict[str, Any]]]], clock: FakeClock, missing: Sequence[str] = ()) -> None:
        self.scripts = scripts
        self.clock = clock
        self.missing = set(missing)

    def __call__(self, ids: List[str]) -> Dict[str, Any]:
        answers: Dict[str, Any] = {}
        for task_id in ids:
            if task_id in self.missing:
                answers[task_id] = ApiError("The task does not exist.", code="InvalidTaskId.NotFound", status=404)
                continue
            elapsed = self.clock() - START
            answers[task_id] = json.loads(json.dumps([b for t, b in self.scripts[task_id] if t <= elapsed][-1]))  # a fresh dict
        return answers


def scenario() -> Dict[str, List[Tuple[float, Dict[str, Any]]]]:
    return {
        "ok1": script("ok1", "execution_success", 40),
        "ok2": script("ok2", "execution_success", 60),
        "partial": script("partial", "execution_success", 50, failed_subs=[("sub-bad", "node e01-cn-x did not join")]),
        "bad": script("bad", "execution_fail", 30, message="Task failed at step init_nodes: quota", failed_subs=[("sub-9", "no quota")]),
        "slow": script("slow", "running", 40),
    }


def run(details: str, scripts: Optional[Dict[str, Any]] = None, missing: Sequence[str] = (), **config: Any) -> WaitOutcome:
    scripts = scenario() if scripts is None else scripts
    clock = FakeClock(START)
    settings: Dict[str, Any] = dict(timeout=300, delay=5, max_delay=10, max_rate=100, heartbeat_interval=0, fail_fast=False,
                                    not_found_grace=20)
    settings.update(config)
    ids = list(scripts) + list(missing)
    return wait_for_tasks(ids, Service(scripts, clock, missing), WaitConfig(**settings), clock=clock, sleep=clock.sleep, rng=FixedRandom(0.5),
                          task_details=details)


def by_id(result: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {t["task_id"]: t for t in result["tasks"]}


def test_summary_gives_compact_entries_and_full_ones_only_for_failed_tasks() -> None:
    result = run(DETAILS_SUMMARY, missing=["ghost"]).to_result()
    tasks = by_id(result)

    assert result["succeeded_task_ids"] == ["ok1", "ok2", "partial"]
    assert result["failed_task_ids"] == ["bad", "ghost"] and result["timed_out_task_ids"] == ["slow"]
    for task_id in ("ok1", "ok2", "partial"):
        assert set(tasks[task_id]) == PER_TASK, task_id  # no steps, request_id or transitions
        assert tasks[task_id]["task_state"] == "execution_success" and tasks[task_id]["step"] == "update_cluster"
    assert tasks["ok1"]["node_ids"] == ["e01-cn-ok1-a", "e01-cn-ok1-b"] and tasks["ok1"]["cluster_id"] == "i119982311660892626523"
    assert [(s["task_id"], s["message"], s["step_name"]) for s in tasks["partial"]["failed_sub_tasks"]] == [
        ("sub-bad", "node e01-cn-x did not join", "init_nodes")]
    # the failed task keeps every key of full, its steps and its transitions
    bad = tasks["bad"]
    assert set(bad) >= PER_TASK | {"steps", "request_id", "transitions"}
    assert [s["step_name"] for s in bad["steps"]] == ["allocate_machines", "init_nodes"]
    assert bad["failed_sub_tasks"][0]["message"] == "no quota" and bad["failed_steps"][0]["step_name"] == "init_nodes"
    assert [t["task_state"] for t in bad["transitions"]] == ["running", "running", "execution_fail"]
    # a task that timed out: the compact keys, where it is, and how it got there
    slow = tasks["slow"]
    assert set(slow) == PER_TASK | {"transitions"}
    assert slow["step"] == "init_nodes" and [t["step"] for t in slow["transitions"]] == ["allocate_machines", "init_nodes"]
    # never seen
    assert tasks["ghost"] == {"task_id": "ghost", "task_state": None, "step": None, "elapsed": tasks["ghost"]["elapsed"],
                              "polls": tasks["ghost"]["polls"], "transitions": []}


def test_full_gives_every_key_and_summary_is_the_same_values_for_fewer_keys() -> None:
    full = run(DETAILS_FULL).to_result()
    summary = run(DETAILS_SUMMARY).to_result()

    for key in ("succeeded_task_ids", "failed_task_ids", "timed_out_task_ids", "pending_task_ids", "msg", "warnings", "polls",
                "retries", "elapsed", "failed"):
        assert full[key] == summary[key], key
    assert [t["task_id"] for t in full["tasks"]] == [t["task_id"] for t in summary["tasks"]]
    for whole, compact in zip(full["tasks"], summary["tasks"]):
        assert set(whole) >= set(compact) | {"steps", "request_id", "transitions"}
        assert {key: whole[key] for key in compact} == compact, whole["task_id"]
    assert "sub-bad" in " ".join(full["warnings"]) and "no quota" in full["msg"] and "slow" in full["msg"]


def test_summary_is_much_smaller_for_a_big_batch_of_successes() -> None:
    scripts = {"t%04d" % n: script("t%04d" % n, "execution_success", 10 + n % 20) for n in range(300)}
    full = len(json.dumps(run(DETAILS_FULL, scripts, max_rate=1000).to_result()))
    summary = len(json.dumps(run(DETAILS_SUMMARY, scripts, max_rate=1000).to_result()))

    assert summary < 0.35 * full, (summary, full)


def test_summary_keeps_compact_answers_and_drops_the_history_of_succeeded_tasks() -> None:
    records = {r.task_id: r for r in run(DETAILS_SUMMARY).records}

    for task_id in ("ok1", "partial", "slow"):
        assert "steps" not in records[task_id].task and "request_id" not in records[task_id].task, task_id
    assert not records["ok1"].transitions and not records["partial"].transitions
    assert len(records["slow"].transitions) == 2
    assert "steps" in records["bad"].task and len(records["bad"].transitions) == 3
    full = {r.task_id: r for r in run(DETAILS_FULL).records}
    assert all("steps" in r.task for r in full.values() if r.task is not None)
    assert len(full["ok1"].transitions) == 3


def test_summary_of_a_running_task_is_what_the_timeout_message_needs() -> None:
    outcome = run(DETAILS_SUMMARY, {"slow": script("slow", "running", 40)}, timeout=60)

    assert outcome.status == "timeout"
    assert "slow (reclone_node) running at step init_nodes, updated 2024-05-20T08:00:00Z" in outcome.msg


def test_summarise_task_finds_failed_parts_in_the_steps_when_the_dict_does_not_list_them() -> None:
    whole = task("i1", "execution_success", "update_cluster", failed_subs=[("s1", "gone")])
    del whole["failed_steps"], whole["failed_sub_tasks"]

    compact = summarise_task(whole)

    assert set(compact) == set(SUMMARY_KEYS) | {"failed_steps", "failed_sub_tasks"}
    assert compact["failed_steps"] == [] and [(s["task_id"], s["step_name"]) for s in compact["failed_sub_tasks"]] == [("s1", "init_nodes")]
    assert summarise_task({"task_id": "i2"})["task_state"] is None


def test_fail_fast_in_summary_lists_the_unfinished_tasks_compactly() -> None:
    result = run(DETAILS_SUMMARY, fail_fast=True).to_result()
    tasks = by_id(result)

    assert result["failed_task_ids"] == ["bad"] and set(result["pending_task_ids"]) == {"ok1", "ok2", "partial", "slow"}
    assert "steps" in tasks["bad"]
    assert all(set(tasks[t]) == PER_TASK | {"transitions"} for t in result["pending_task_ids"])


@pytest.mark.parametrize("value", ["", "compact", None, "FULL"])
def test_an_unknown_task_details_fails_before_polling(value: Any) -> None:
    calls: List[List[str]] = []

    def fetch(ids: List[str]) -> Dict[str, Any]:
        calls.append(ids)
        return {}

    clock = FakeClock(START)
    with pytest.raises(ConfigurationError, match="task_details must be one of full, summary"):
        wait_for_tasks(["i1"], fetch, WaitConfig(), clock=clock, sleep=clock.sleep, rng=FixedRandom(0.5), task_details=value)
    assert calls == []


def test_no_ids_gives_an_empty_result_in_either_mode() -> None:
    clock = FakeClock(START)
    for details in (DETAILS_FULL, DETAILS_SUMMARY):
        outcome = wait_for_tasks([], lambda ids: {}, WaitConfig(), clock=clock, sleep=clock.sleep, rng=FixedRandom(0.5), task_details=details)
        assert outcome.to_result()["tasks"] == [] and outcome.details == details


def test_an_error_answer_keeps_the_last_compact_answer() -> None:
    clock = FakeClock(START)
    answers: List[Any] = [task("i1", "running", "init_nodes"), ApiError("denied", code="Forbidden.RAM", status=403)]

    def fetch(ids: List[str]) -> Dict[str, Any]:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return {ids[0]: answer}

    outcome = wait_for_tasks(["i1"], fetch, WaitConfig(timeout=100, delay=5, max_delay=5, heartbeat_interval=0), clock=clock,
                             sleep=clock.sleep, rng=FixedRandom(0.5), task_details=DETAILS_SUMMARY)
    result = outcome.to_result()

    assert outcome.status == "error" and isinstance(outcome.error, EfloError)
    assert result["pending_task_ids"] == ["i1"]
    assert result["tasks"][0]["step"] == "init_nodes" and "steps" not in result["tasks"][0]


def test_the_documented_summary_keys_are_the_engines() -> None:
    """eflo_task_wait's RETURN lists the keys of ``task_details: summary``: they are SUMMARY_KEYS and the two lists."""
    source = pathlib.Path(__file__).resolve().parents[4] / "plugins" / "modules" / "eflo_task_wait.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    text = next(node.value.value for node in tree.body if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "RETURN")
    line = next(item for item in yaml.safe_load(text)["tasks"]["description"] if item.startswith("With O(task_details=summary)"))
    documented = re.findall(r"C\((\w+)\)", line.split(" of those dictionaries")[0])
    assert documented == list(SUMMARY_KEYS) + ["failed_steps", "failed_sub_tasks"]
