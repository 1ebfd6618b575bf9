# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the progress / heartbeat / outcome text of eflo_task_wait."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import progress
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ApiError
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.waiter import (
    HeartbeatEvent,
    PollError,
    PollErrorsEvent,
    SlowTask,
    StartEvent,
    TaskRecord,
    Transition,
    TransitionsEvent,
)


def transition(task_id: str = "i123", old: Optional[str] = "running", new: Optional[str] = "execution_success",
               old_step: Optional[str] = "add_nodes", new_step: Optional[str] = "add_nodes", first: bool = False,
               task_type: Optional[str] = "extend_cluster") -> Transition:
    return Transition(task_id=task_id, task_type=task_type, old_state=old, new_state=new, old_step=old_step,
                      new_step=new_step, update_time="2022-11-30T03:40:14.852Z", elapsed=12.0, first=first)


def record(task_id: str, result: str = "pending", state: Optional[str] = "running", step: Optional[str] = "add_nodes",
           task: Optional[Dict[str, Any]] = None, **attrs: Any) -> TaskRecord:
    rec = TaskRecord(task_id, 0, 0.0, 50)
    rec.result = result
    if task is None and state is not None:
        task = {"task_id": task_id, "task_type": "extend_cluster", "task_state": state, "message": ""}
    rec.task = task
    rec.task_type = (task or {}).get("task_type")
    rec.task_state = state
    rec.step = step
    rec.update_time = "2022-11-30T03:40:14.852Z" if task is not None else None
    for key, value in attrs.items():
        setattr(rec, key, value)
    return rec


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (0.9, "0s"), (45, "45s"), (60, "1m"), (185, "3m 5s"), (599, "9m 59s"), (600, "10m"),
    (14 * 60 + 59, "14m"), (3600, "1h 0m"), (3600 + 3 * 60 + 7, "1h 3m"), (26 * 3600, "26h 0m"), (-5, "0s"),
])
def test_format_duration(seconds: float, text: str) -> None:
    assert progress.format_duration(seconds) == text


def test_small_helpers() -> None:
    assert progress.format_seconds(3600) == "3600s" and progress.format_seconds(2.5) == "2.5s"
    assert progress.one_line("a\n  b\tc") == "a b c" and progress.one_line("x" * 5000) == "x" * 5000  # never cut
    assert progress.with_article("reclone") == "a reclone" and progress.with_article("extend") == "an extend"
    assert progress.with_article("initialize_cluster task") == "an initialize_cluster task"


def test_as_caller_renames_only_the_leading_name() -> None:
    line = "eflo_task_wait: i1 (extend_cluster) running; see eflo_task_wait: docs"
    assert progress.as_caller(line, "eflo_cluster") == "eflo_cluster: i1 (extend_cluster) running; see eflo_task_wait: docs"
    assert progress.as_caller(line, "eflo_task_wait") == line
    assert progress.as_caller("eflo_task_waiter: x", "eflo_cluster") == "eflo_task_waiter: x"
    assert progress.as_caller("the task failed", "eflo_cluster") == "the task failed"


def test_listed_drops_whole_items_and_says_how_many() -> None:
    items = ["connection refused by eflo-controller.cn-wulanchabu.aliyuncs.com"] * 5
    assert progress.listed(items, ", ", most=2) == ", ".join(items[:2]) + ", and 3 more"
    assert progress.listed(items, budget=150) == "; ".join(items[:2]) + "; and 3 more"  # 3 would not fit, none is cut
    assert progress.listed(["x" * 500, "y"], budget=10) == "x" * 500 + "; and 1 more"  # the first always, whole
    assert progress.listed(["a", "b"], total=7) == "a; b; and 5 more" and progress.listed([]) == ""


def test_unsaid_keeps_each_message_once() -> None:
    said: List[str] = []
    assert progress.unsaid("Task failed at step s: Reimage node n9 failed", said) == "Task failed at step s: Reimage node n9 failed"
    assert progress.unsaid("Reimage node n9 failed", said) == ""  # part of what was said
    assert progress.unsaid(" Reimage  node n8 failed ", said) == "Reimage node n8 failed"
    assert progress.unsaid(None, said) == "" and said == ["Task failed at step s: Reimage node n9 failed", "Reimage node n8 failed"]
    assert progress.plural(1, "task") == "1 task" and progress.plural(2, "task") == "2 tasks"
    assert progress.plural(2, "retry", "retries") == "2 retries"
    assert progress.task_label(record("i1")) == "i1 (extend_cluster)"
    assert progress.task_label(record("i1", state=None)) == "i1"


def test_transition_lines() -> None:
    assert progress.format_transition(transition()) == \
        "eflo_task_wait: i123 (extend_cluster) running -> execution_success at step add_nodes"
    assert progress.format_transition(transition(old=None, new="running", old_step=None, first=True)) == \
        "eflo_task_wait: i123 (extend_cluster) running at step add_nodes"
    assert progress.format_transition(transition(old="running", new="running", old_step="create_vpd")) == \
        "eflo_task_wait: i123 (extend_cluster) running: step create_vpd -> add_nodes"
    assert progress.format_transition(transition(old="waiting_to_run", new="running", old_step=None, new_step=None)) == \
        "eflo_task_wait: i123 (extend_cluster) waiting_to_run -> running"
    assert progress.format_transition(transition(old="running", new=None, new_step=None, task_type=None)) == \
        "eflo_task_wait: i123 running -> unknown"


def test_few_transitions_one_line_each_many_summarised() -> None:
    few = TransitionsEvent(elapsed=1.0, transitions=tuple(transition("i%d" % n) for n in range(10)))
    lines = progress.format_transitions(few, max_lines=10)
    assert len(lines) == 10 and lines[3] == "eflo_task_wait: i3 (extend_cluster) running -> execution_success at step add_nodes"
    many = TransitionsEvent(elapsed=1.0, transitions=tuple(
        [transition("a%d" % n, old="waiting_to_run", new="running") for n in range(30)]
        + [transition("b%d" % n) for n in range(7)]))
    assert progress.format_transitions(many, max_lines=10) == \
        ["eflo_task_wait: 37 tasks changed state: 30 running, 7 execution_success"]
    seen = TransitionsEvent(elapsed=1.0, transitions=tuple(transition("i%d" % n, old=None, new="running", first=True)
                                                           for n in range(1000)))
    assert progress.format_event(seen) == ["eflo_task_wait: 1000 tasks seen: 1000 running"]
    varied = TransitionsEvent(elapsed=1.0, transitions=tuple(transition("i%d" % n, new="s%d" % (n % 8)) for n in range(40)))
    assert progress.format_transitions(varied, max_lines=5) == \
        ["eflo_task_wait: 40 tasks changed state: 5 s0, 5 s1, 5 s2, 5 s3, 5 s4, 15 other"]
    assert progress.format_transitions(TransitionsEvent(elapsed=0, transitions=()), 10) == []


def test_summary_counts_each_task_once_with_its_latest_state() -> None:
    repeated = TransitionsEvent(elapsed=1.0, transitions=tuple(
        [transition("i%d" % n, old="waiting_to_run", new="running") for n in range(20)]
        + [transition("i%d" % n, old="running", new="execution_success") for n in range(5)]))
    assert progress.format_transitions(repeated, max_lines=10) == \
        ["eflo_task_wait: 20 tasks changed state: 15 running, 5 execution_success"]


def test_heartbeat_line() -> None:
    slow = SlowTask("i1234", "extend_cluster", "running", "add_nodes", 14 * 60 + 20)
    event = HeartbeatEvent(elapsed=1800, total=40, succeeded=11, failed=1, pending_by_state=(("running", 27), ("waiting_to_run", 1)),
                           slowest=slow, polls=100, retries=2)
    assert event.finished == 12
    assert progress.format_heartbeat(event) == \
        "eflo_task_wait: 12/40 finished (1 failed), 27 running, 1 waiting_to_run; slowest i1234 extend_cluster at step add_nodes for 14m"
    quiet = HeartbeatEvent(elapsed=60, total=1, succeeded=0, failed=0, pending_by_state=(("not seen yet", 1),),
                           slowest=SlowTask("i9", None, None, None, 60), polls=3, retries=3)
    assert progress.format_event(quiet) == ["eflo_task_wait: 0/1 finished, 1 not seen yet; slowest i9 for 1m"]
    no_step = HeartbeatEvent(elapsed=60, total=1, succeeded=0, failed=0, pending_by_state=(("running", 1),),
                             slowest=SlowTask("i9", "reboot_node", "running", None, 5), polls=3, retries=0)
    assert progress.format_heartbeat(no_step).endswith("slowest i9 reboot_node running for 5s")


def test_start_and_poll_error_lines() -> None:
    assert progress.format_event(StartEvent(total=40, timeout=3600, max_rate=5)) == \
        ["eflo_task_wait: waiting for 40 tasks (timeout 3600s, at most 5 API calls per second)"]
    errors = tuple([PollError("i%d" % n, "Request was denied due to flow control.", "Throttling.User") for n in range(5)]
                   + [PollError("j1", "Connection reset.")])
    line = progress.format_event(PollErrorsEvent(elapsed=10, errors=errors, retries=12))
    assert line == ["eflo_task_wait: 6 polls failed and will be retried (12 retries so far): "
                    "Request was denied due to flow control. (i0, i1, i2, and 2 more); Connection reset. (j1)"]
    assert progress.format_event(PollErrorsEvent(elapsed=10, errors=(), retries=0)) == []
    assert progress.format_event(object()) == []


def test_failed_steps_and_sub_tasks_fallback() -> None:
    task = {"steps": [
        {"step_name": "a", "step_state": "execution_success", "sub_tasks": [{"task_id": "s1", "task_state": "Execution_Fail"}]},
        {"step_name": "b", "step_state": "execution_failed", "message": "boom", "sub_tasks": None},
        "garbage",
    ]}
    assert [s["step_name"] for s in progress.failed_steps(task)] == ["b"]
    assert progress.failed_sub_tasks(task) == [{"task_id": "s1", "task_state": "Execution_Fail", "step_name": "a"}]
    assert progress.failed_steps({"failed_steps": [], "steps": task["steps"]}) == []
    assert progress.failed_steps({}) == [] and progress.failed_sub_tasks({"steps": None}) == []
    assert progress.describe_partial_failure(1, 2) == "1 step and 2 sub-tasks failed"
    assert progress.describe_partial_failure(0, 1) == "1 sub-task failed"


def test_success_messages() -> None:
    one = [record("i1", "succeeded", "execution_success")]
    assert progress.outcome_message(status="success", records=one, elapsed=843, timeout=3600, polls=12, retries=1,
                                    deadline_reached=False) == \
        "eflo_task_wait: task i1 (extend_cluster) succeeded in 14m (12 polls, 1 retry)"
    two = one + [record("i2", "succeeded", "execution_success")]
    assert progress.outcome_message(status="success", records=two, elapsed=30, timeout=3600, polls=2, retries=0,
                                    deadline_reached=False) == "eflo_task_wait: all 2 tasks succeeded in 30s (2 polls, 0 retries)"


def test_timeout_message_names_each_unfinished_task_capped() -> None:
    records = [record("done", "succeeded", "execution_success")]
    records += [record("i%02d" % n, step="add_nodes") for n in range(25)]
    records.append(record("ghost", state=None, step=None, not_found=True, last_error="The task does not exist."))
    records.append(record("flaky", state=None, step=None, last_error="Connection reset."))
    msg = progress.outcome_message(status="timeout", records=records, elapsed=3601, timeout=3600, polls=500, retries=3,
                                   deadline_reached=True)
    assert msg.startswith("eflo_task_wait: timed out after 1h 0m (timeout 3600s) with 27 of 28 tasks unfinished: "
                          "i00 (extend_cluster) running at step add_nodes, updated 2022-11-30T03:40:14.852Z; i01 ")
    assert "i19 (extend_cluster)" in msg and "i20 " not in msg
    assert msg.endswith("; and 7 more (500 polls, 3 retries)")
    few = progress.outcome_message(status="timeout", records=records[-2:], elapsed=100, timeout=100, polls=5, retries=3,
                                   deadline_reached=True)
    assert "ghost not found yet: The task does not exist.; flaky not seen yet, last poll error: Connection reset." in few


def failed_task(task_id: str, message: str, subs: int = 0) -> TaskRecord:
    sub_tasks = [{"task_id": "s%d" % n, "task_type": "extend_node_sub_task", "task_state": "execution_fail",
                  "message": "node %d: %s" % (n, message), "step_name": "add_nodes"} for n in range(subs)]
    task = {"task_id": task_id, "task_type": "extend_cluster", "task_state": "execution_fail", "message": message,
            "failed_steps": [{"step_name": "add_nodes", "step_state": "execution_failed", "message": "2 nodes failed"}],
            "failed_sub_tasks": sub_tasks}
    return record(task_id, "failed", "execution_fail", "add_nodes", task=task)


def test_failure_message_names_steps_and_sub_tasks_bounded() -> None:
    records = [failed_task("i1", "quota exceeded", subs=5), record("i2", "succeeded", "execution_success")]
    msg = progress.outcome_message(status="failure", records=records, elapsed=125, timeout=3600, polls=9, retries=0,
                                   deadline_reached=False)
    assert msg == (
        "eflo_task_wait: 1 of 2 tasks failed (1 succeeded) after 2m 5s: [i1 (extend_cluster) execution_fail at step add_nodes: "
        "quota exceeded; failed steps: add_nodes: 2 nodes failed; failed sub-tasks: "
        "s0 (extend_node_sub_task) execution_fail at step add_nodes: node 0: quota exceeded, "
        "s1 (extend_node_sub_task) execution_fail at step add_nodes: node 1: quota exceeded, "
        "s2 (extend_node_sub_task) execution_fail at step add_nodes: node 2: quota exceeded, and 2 more] (9 polls, 0 retries)")
    single = progress.outcome_message(status="failure", records=[failed_task("i1", "boom")], elapsed=5, timeout=60, polls=1,
                                      retries=0, deadline_reached=False)
    assert single.startswith("eflo_task_wait: task failed after 5s: [i1 (extend_cluster) execution_fail at step add_nodes: boom;")


def test_failure_message_is_bounded_for_huge_batches_by_dropping_whole_tasks() -> None:
    records = [failed_task("i%04d" % n, "quota exceeded in zone cn-wulanchabu-b", subs=50) for n in range(1000)]
    msg = progress.outcome_message(status="failure", records=records, elapsed=60, timeout=600, polls=1000, retries=0,
                                   deadline_reached=False)
    assert msg.startswith("eflo_task_wait: 1000 of 1000 tasks failed (0 succeeded) after 1m: [i0000 (extend_cluster)")
    shown = msg.count("[i0")
    assert 1 < shown < progress.MAX_LISTED_FAILED and msg.endswith("] and %d more (1000 polls, 0 retries)" % (1000 - shown))
    assert len(msg) < progress.SECTION_LIMIT + 300 and "..." not in msg
    long_error = " ".join(["connection refused"] * 300)  # an error text is never cut, even a long one
    unfinished = [record("u%04d" % n, last_error=long_error) for n in range(1000)]
    timeout_msg = progress.outcome_message(status="failure", records=records + unfinished, elapsed=600, timeout=600, polls=1,
                                           retries=0, deadline_reached=True)
    assert "u0000 (extend_cluster) running at step add_nodes, updated 2022-11-30T03:40:14.852Z, last poll error: %s; and 999 more (1 poll" % (
        long_error) in timeout_msg


def test_a_message_repeated_by_the_step_and_the_sub_task_is_said_once() -> None:
    node = "Reimage node e01-cn-n9 failed: the node did not report ready within 1800s."
    task = {"task_id": "i1", "task_type": "reclone_node", "task_state": "execution_fail",
            "message": "Task failed at step reclone_nodes: " + node,
            "failed_steps": [{"step_name": "reclone_nodes", "step_state": "execution_failed", "message": node}],
            "failed_sub_tasks": [{"task_id": "s1", "task_type": "reclone_node_sub_task", "task_state": "execution_fail",
                                  "message": node, "step_name": "reclone_nodes"}]}
    msg = progress.outcome_message(status="failure", records=[record("i1", "failed", "execution_fail", "reclone_nodes", task=task)],
                                   elapsed=5, timeout=60, polls=1, retries=0, deadline_reached=False)
    assert msg.count(node) == 1
    assert msg == ("eflo_task_wait: task failed after 5s: [i1 (reclone_node) execution_fail at step reclone_nodes: Task failed at "
                   "step reclone_nodes: %s; failed steps: reclone_nodes; failed sub-tasks: s1 (reclone_node_sub_task) execution_fail "
                   "at step reclone_nodes] (1 poll, 0 retries)" % node)


def test_failure_and_timeout_and_not_waited_sections() -> None:
    records = [failed_task("bad", "boom"), record("slow", step="s1")]
    both = progress.outcome_message(status="failure", records=records, elapsed=600, timeout=600, polls=40, retries=0,
                                    deadline_reached=True)
    assert "1 of 2 tasks failed (0 succeeded) after 10m: [bad (extend_cluster)" in both
    assert "; timed out after 10m (timeout 600s) with 1 of 2 tasks unfinished: slow (extend_cluster) running at step s1" in both
    early = progress.outcome_message(status="failure", records=records, elapsed=60, timeout=600, polls=4, retries=0,
                                     deadline_reached=False, stop_reason="stopped at the first failure (fail_fast)")
    assert "; stopped at the first failure (fail_fast); 1 unfinished task not waited for: slow (4 polls, 0 retries)" in early


def test_error_message() -> None:
    error = ApiError("The specified AccessKey ID does not exist (InvalidAccessKeyId.NotFound).", code="InvalidAccessKeyId.NotFound")
    records: List[TaskRecord] = [record("i1", "succeeded", "execution_success"), record("i2", state=None, step=None)]
    msg = progress.outcome_message(status="error", records=records, elapsed=0, timeout=600, polls=2, retries=0,
                                   deadline_reached=False, error=error, error_task_id="i2")
    assert msg == ("eflo_task_wait: polling task i2 failed, the wait stopped after 0s with 1 of 2 tasks finished: "
                   "The specified AccessKey ID does not exist (InvalidAccessKeyId.NotFound). (2 polls, 0 retries)")


def test_no_tasks_message() -> None:
    assert progress.outcome_message(status="success", records=[], elapsed=0, timeout=1, polls=0, retries=0,
                                    deadline_reached=False) == "eflo_task_wait: no tasks to wait for."
