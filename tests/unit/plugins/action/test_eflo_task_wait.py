# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The eflo_task_wait action plugin, in the style of ansible-core's test_reboot.py.

The ActionModule is built with a mocked task, connection, play context and templar; its HTTP calls go to a
fake eflo-controller (a fake_service handler at the wire boundary) whose task timelines follow a fake clock that the
plugin's ``sleep`` advances, so a wait of hours runs in milliseconds and nothing depends on real time.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import pathlib
import random
import re
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import httpx
import pytest
import yaml

from ansible.playbook.task import Task

from ansible_collections.alibabacloud.eflo.plugins.action import eflo_task_wait as plugin
from ansible_collections.alibabacloud.eflo.plugins.action.eflo_task_wait import ActionModule
from ansible_collections.alibabacloud.eflo.plugins.doc_fragments.eflo import ModuleDocFragment
from ansible_collections.alibabacloud.eflo.plugins.module_utils import argspec
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import waiter
from ansible_collections.alibabacloud.eflo.plugins.module_utils.client import EfloClient
from ansible_collections.alibabacloud.eflo.tests.unit.plugins.fake_service import FakeEflo, transport  # pylint: disable=import-error

ROOT = pathlib.Path(__file__).resolve().parents[4]
ACCESS_KEY_ID = "LTAI5tWaitUnitTestKey"
ACCESS_KEY_SECRET = "WaitUnitTestSecretValue0123456789"
SECURITY_TOKEN = "CAIS.wait-unit-test-security-token-0123456789"
ENV_PREFIXES = ("ALIBABA_CLOUD_", "ALIBABACLOUD_", "ALICLOUD_")
START = 1000.0
STEPS = ("allocate_machines", "init_nodes", "update_cluster")

# --------------------------------------------------------------------------------------------------------------
# A fake clock and a fake eflo-controller
# --------------------------------------------------------------------------------------------------------------


class FakeClock:
    """Monotonic time that moves only when the plugin sleeps."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: List[float] = []
        self.on_sleep: Optional[Callable[[int], None]] = None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))
        self.now += seconds


def task_body(task_id: str, state: str, step: Optional[str] = None, *, task_type: str = "extend_cluster",
              message: str = "", failed_sub_tasks: Sequence[Tuple[str, str]] = (), update: str = "2024-05-20T08:00:00Z") -> Dict[str, Any]:
    """A DescribeTask body: steps before ``step`` succeeded, ``step`` has ``state`` (running or failed)."""
    steps: List[Dict[str, Any]] = []
    for name in STEPS:
        if step is None:
            break
        if name == step:
            step_state = {"execution_fail": "execution_failed"}.get(state, state if state != "waiting_to_run" else "running")
        else:
            step_state = "execution_success"
        subs = []
        if name == "init_nodes":
            for sub_id, sub_message in failed_sub_tasks:
                subs.append({"TaskId": sub_id, "TaskType": "extend_node_sub_task", "TaskState": "execution_fail",
                             "CreateTime": update, "UpdateTime": update, "Message": sub_message})
        steps.append({"StepName": name, "StepType": "normal", "StepState": step_state, "StageTag": "stage",
                      "StartTime": update, "UpdateTime": update, "Message": "", "SubTasks": subs})
        if name == step:
            break
    return {
        "RequestId": "REQ-%s" % task_id, "ClusterId": "i119982311660892626523", "ClusterName": "Standard_Cluster",
        "TaskType": task_type, "TaskState": state, "Message": message, "NodeIds": ["e01-cn-zvp2tgykr08"],
        "CreateTime": "2024-05-20T07:00:00Z", "UpdateTime": update, "Steps": steps,
    }


def lifecycle(task_id: str, *, step_every: float = 100.0, final: str = "execution_success", **kwargs: Any) -> List[Tuple[float, Dict[str, Any]]]:
    """waiting, then running through STEPS (``step_every`` seconds each), then ``final`` (relative times)."""
    timeline = [(0.0, task_body(task_id, "waiting_to_run", **kwargs))]
    for index, step in enumerate(STEPS):
        timeline.append((step_every * (index + 0.5), task_body(task_id, "running", step, **kwargs)))
    last_step = STEPS[1] if final == "execution_fail" else STEPS[-1]
    timeline.append((step_every * len(STEPS), task_body(task_id, final, last_step, **kwargs)))
    return timeline


def throttled(retry_after_ms: Optional[int] = None) -> httpx.Response:
    headers = {"x-acs-retry-after": str(retry_after_ms)} if retry_after_ms is not None else {}
    return httpx.Response(400, headers=headers, json={"RequestId": "TH-1", "Code": "Throttling.User",
                                                      "Message": "Request was denied due to user flow control."})


def unavailable() -> httpx.Response:
    return httpx.Response(503, json={"RequestId": "SU-1", "Code": "ServiceUnavailable", "Message": "The service is unavailable."})


# --------------------------------------------------------------------------------------------------------------
# Fixtures (test_reboot.py style)
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    """No credentials, region or proxy from the developer's machine; an empty HOME."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES) or name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")


@pytest.fixture
def task_args(request: pytest.FixtureRequest) -> Dict[str, Any]:
    """Playbook task args (parametrize indirectly to change them)."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
def module_task(mocker: Any, task_args: Dict[str, Any]) -> Any:
    """A mocked Task object."""
    task = mocker.MagicMock(Task)
    task.action = "alibabacloud.eflo.eflo_task_wait"
    task.args = task_args
    task.async_val = 0
    task.check_mode = False
    task.environment = None
    return task


@pytest.fixture
def play_context(mocker: Any) -> Any:
    ctx = mocker.MagicMock()
    ctx.check_mode = False
    return ctx


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeEflo:
    return FakeEflo(clock, start=START)


@pytest.fixture
def display(mocker: Any) -> Any:
    shown = mocker.MagicMock()
    shown.verbosity = 0
    return shown


@pytest.fixture
def action_plugin(module_task: Any, play_context: Any, mocker: Any, clock: FakeClock, fake: FakeEflo, display: Any) -> ActionModule:
    """The plugin with a mocked connection and templar, the fake clock and the fake service."""
    connection = mocker.MagicMock()
    templar = mocker.MagicMock()
    templar.template.side_effect = lambda value, **_kwargs: value
    action = ActionModule(module_task, connection, play_context, None, templar, None)
    action._load_name = "alibabacloud.eflo.eflo_task_wait"  # pylint: disable=protected-access  # set by the plugin loader in real runs
    action.clock = clock
    action.sleep = clock.sleep
    action.client_kwargs = lambda: {"transport": transport(fake), "sleep": clock.sleep}  # type: ignore[method-assign]
    action.rng = lambda: random.Random(7)  # type: ignore[method-assign]
    action._display = display  # pylint: disable=protected-access
    return action


def args(**extra: Any) -> Dict[str, Any]:
    """Task args with explicit credentials, the fake endpoint and a fast schedule."""
    base: Dict[str, Any] = {
        "access_key_id": ACCESS_KEY_ID,
        "access_key_secret": ACCESS_KEY_SECRET,
        "endpoint": "http://127.0.0.1:9",
        "delay": 10,
        "max_delay": 30,
        "timeout": 3600,
    }
    base.update(extra)
    return base


def lines(display: Any) -> List[str]:
    """Every line shown at default verbosity."""
    return [c.args[0] for c in display.display.call_args_list]


def verbose_lines(display: Any) -> List[Tuple[str, int]]:
    return [(c.args[0], c.kwargs.get("caplevel", 2)) for c in display.verbose.call_args_list]


def run(action: ActionModule, **task_args: Any) -> Dict[str, Any]:
    action._task.args = args(**task_args)  # pylint: disable=protected-access
    result = action.run(task_vars={})
    json.dumps(result)  # the result must be serialisable as Ansible sends it
    return result


# --------------------------------------------------------------------------------------------------------------
# Outcomes
# --------------------------------------------------------------------------------------------------------------


def test_one_task_succeeds_with_transitions_progress_and_counts(action_plugin, fake, clock, display) -> None:
    fake.add("i1", lifecycle("i1"))
    result = run(action_plugin, task_id="i1")

    assert result["failed"] is False and result["changed"] is False, result
    assert result["succeeded_task_ids"] == ["i1"]
    assert result["failed_task_ids"] == result["timed_out_task_ids"] == result["pending_task_ids"] == []
    assert result["credentials_source"] == "options"
    assert result["polls"] == len(fake.requests) and result["retries"] == 0
    assert result["msg"].startswith("eflo_task_wait: task i1 (extend_cluster) succeeded in")
    [task] = result["tasks"]
    assert task["task_state"] == "execution_success" and task["is_succeeded"] is True
    assert task["polls"] == fake.polls_of("i1")
    states = [(t["task_state"], t["step"]) for t in task["transitions"]]
    assert states == [("waiting_to_run", None), ("running", "allocate_machines"), ("running", "init_nodes"),
                      ("running", "update_cluster"), ("execution_success", "update_cluster")]
    assert task["elapsed"] >= 300 and result["elapsed"] >= task["elapsed"]
    shown = lines(display)
    assert shown[0] == "eflo_task_wait: waiting for 1 task (timeout 3600s, at most 5 API calls per second)"
    assert "eflo_task_wait: i1 (extend_cluster) waiting_to_run" in shown
    assert "eflo_task_wait: i1 (extend_cluster) running: step init_nodes -> update_cluster" in shown
    assert "eflo_task_wait: i1 (extend_cluster) running -> execution_success at step update_cluster" in shown
    assert all(r.action == "DescribeTask" for r in fake.requests)
    assert "warnings" not in result


def test_the_schedule_uses_delay_and_max_delay(action_plugin, fake, clock) -> None:
    fake.add("i1", [(0.0, task_body("i1", "running", "init_nodes"))])
    result = run(action_plugin, task_id="i1", delay=10, max_delay=30, timeout=600)

    assert result["timed_out_task_ids"] == ["i1"]
    times = [r.time for r in fake.requests]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert times[0] == START
    assert all(10 <= gap <= 30 + 1e-6 for gap in gaps[:-1]), gaps  # the last poll is the final check at the deadline
    assert times[-1] == pytest.approx(START + 600)
    assert max(clock.sleeps) <= 30 + 1e-6


def test_failure_names_the_failed_step_and_sub_tasks(action_plugin, fake) -> None:
    fake.add("i1", lifecycle("i1", final="execution_fail", message="Task failed at step init_nodes: node did not join",
                             failed_sub_tasks=[("i158000000000000000001", "Node e01-cn-a failed to join the cluster")]))
    result = run(action_plugin, task_id="i1")

    assert result["failed"] is True
    assert result["failed_task_ids"] == ["i1"] and result["succeeded_task_ids"] == []
    msg = result["msg"]
    assert "i1 (extend_cluster) execution_fail at step init_nodes" in msg
    assert "node did not join" in msg
    assert "i158000000000000000001" in msg and "Node e01-cn-a failed to join the cluster" in msg
    assert result["tasks"][0]["failed_sub_tasks"][0]["task_id"] == "i158000000000000000001"


def test_partial_failure_fail_fast_stops_and_lists_the_others(action_plugin, fake) -> None:
    fake.add("ok", lifecycle("ok", step_every=1000))
    fake.add("bad", lifecycle("bad", final="execution_fail", step_every=50, message="boom"))
    result = run(action_plugin, task_ids=["ok", "bad"])

    assert result["failed"] is True
    assert result["failed_task_ids"] == ["bad"]
    assert result["pending_task_ids"] == ["ok"] and result["timed_out_task_ids"] == []
    assert "stopped at the first failure (fail_fast)" in result["msg"]


def test_partial_failure_without_fail_fast_waits_for_every_task(action_plugin, fake) -> None:
    fake.add("ok", lifecycle("ok", step_every=200))
    fake.add("bad", lifecycle("bad", final="execution_fail", step_every=50, message="boom"))
    result = run(action_plugin, task_ids=["ok", "bad"], fail_fast=False)

    assert result["failed"] is True
    assert result["succeeded_task_ids"] == ["ok"] and result["failed_task_ids"] == ["bad"]
    assert result["pending_task_ids"] == []
    assert "1 of 2 tasks failed (1 succeeded)" in result["msg"] and "boom" in result["msg"]


@pytest.mark.parametrize("fail_on_sub_task_failure", [False, True])
def test_success_with_failed_sub_tasks(action_plugin, fake, fail_on_sub_task_failure) -> None:
    fake.add("i1", lifecycle("i1", failed_sub_tasks=[("i158000000000000000009", "node e01-cn-b did not join")]))
    result = run(action_plugin, task_id="i1", fail_on_sub_task_failure=fail_on_sub_task_failure)

    if fail_on_sub_task_failure:
        assert result["failed"] is True and result["failed_task_ids"] == ["i1"]
        assert "fail_on_sub_task_failure" in result["msg"] and "i158000000000000000009" in result["msg"]
    else:
        assert result["failed"] is False and result["succeeded_task_ids"] == ["i1"]
        assert any("i158000000000000000009" in w and "did not join" in w for w in result["warnings"]), result["warnings"]


def test_timeout_names_task_state_step_update_time_elapsed_and_timeout(action_plugin, fake) -> None:
    fake.add("i1", [(0.0, task_body("i1", "running", "init_nodes", update="2024-05-20T08:15:00Z"))])
    result = run(action_plugin, task_id="i1", timeout=120)

    assert result["failed"] is True
    assert result["timed_out_task_ids"] == ["i1"] and result["pending_task_ids"] == []
    msg = result["msg"]
    assert "timed out after 2m (timeout 120s)" in msg
    assert "i1 (extend_cluster) running at step init_nodes, updated 2024-05-20T08:15:00Z" in msg


def test_wrong_task_type_fails_after_the_first_poll(action_plugin, fake) -> None:
    fake.add("i1", lifecycle("i1", task_type="reclone_node"))
    result = run(action_plugin, task_id="i1", expected_task_types=["extend_"])

    assert result["failed"] is True and result["failed_task_ids"] == ["i1"]
    assert "is a reclone_node task, expected extend_" in result["msg"]
    assert len(fake.requests) == 1


def test_not_found_within_the_grace_period_keeps_waiting(action_plugin, fake) -> None:
    fake.add("i1", lifecycle("i1"))
    fake.not_found_until["i1"] = 40.0
    result = run(action_plugin, task_id="i1", not_found_grace=60)

    assert result["failed"] is False and result["succeeded_task_ids"] == ["i1"]
    assert result["retries"] == 0  # a not-found answer is no retry


def test_not_found_after_the_grace_period_fails(action_plugin, fake) -> None:
    result = run(action_plugin, task_id="i404", not_found_grace=30)

    assert result["failed"] is True and result["failed_task_ids"] == ["i404"]
    assert "i404 was not found for" in result["msg"] and "not_found_grace 30s" in result["msg"]
    assert result["tasks"] == [{"task_id": "i404", "task_state": None, "step": None, "elapsed": pytest.approx(result["tasks"][0]["elapsed"]),
                                "polls": fake.polls_of("i404"), "transitions": []}]


def test_throttling_and_5xx_are_retried_counted_and_not_retried_by_the_client(action_plugin, fake, display) -> None:
    fake.add("i1", lifecycle("i1"))
    fake.fault("i1", throttled(2000), unavailable(), unavailable())
    result = run(action_plugin, task_id="i1")

    assert result["failed"] is False and result["succeeded_task_ids"] == ["i1"]
    assert result["retries"] == 3
    assert result["polls"] == len(fake.requests)  # the client made no retries of its own
    throttled_at, next_poll = fake.requests[0].time, fake.requests[1].time
    assert next_poll - throttled_at >= 2.0  # x-acs-retry-after honoured
    assert any("failed and will be retried" in line for line in lines(display))


def test_an_unusable_answer_is_polled_again(action_plugin, fake) -> None:
    fake.add("i1", lifecycle("i1"))
    fake.fault("i1", httpx.Response(200, text='{"RequestId": "T-1", "TaskSt'), httpx.Response(200, json={"RequestId": "T-2"}))
    result = run(action_plugin, task_id="i1")

    assert result["failed"] is False, result["msg"]
    assert result["retries"] == 2 and result["polls"] == len(fake.requests)


def test_the_wait_reads_key_spellings_and_states_as_eflo_task_info_does(action_plugin, fake) -> None:
    """Only ``taskState`` (lower camel) and a state in odd casing: a task, and a final one (models.read_task)."""
    fake.add("i1", [(0.0, {"RequestId": "R", "taskState": "running"}), (30.0, {"RequestId": "R", "taskState": "Succeeded"})])
    result = run(action_plugin, task_id="i1")

    assert result["failed"] is False and result["retries"] == 0, result["msg"]
    assert [t["task_state"] for t in result["tasks"][0]["transitions"]] == ["running", "Succeeded"]


def test_an_endpoint_that_never_answers_a_task_fails_after_a_few_polls(action_plugin, fake) -> None:
    page = httpx.Response(200, text="<html><body>Welcome</body></html>", headers={"content-type": "text/html"})
    fake.fault("i1", *[page] * 20)
    result = run(action_plugin, task_id="i1", timeout=36000)

    assert result["failed"] is True
    limit = waiter.WaitConfig().max_bad_answers
    assert len(fake.requests) == limit
    assert result["retries"] == limit - 1
    assert "polling task i1 failed" in result["msg"] and "Welcome" in result["msg"]
    assert result["elapsed"] < 3600


def test_a_permission_error_stops_the_wait_with_the_error_detail(action_plugin, fake) -> None:
    fake.add("i1", lifecycle("i1"))
    fake.fault("i1", httpx.Response(403, json={"RequestId": "FB-1", "Code": "Forbidden.RAM", "Message": "User not authorized."}))
    result = run(action_plugin, task_id="i1")

    assert result["failed"] is True
    assert result["error"]["code"] == "Forbidden.RAM" and result["error"]["request_id"] == "FB-1"
    assert "eflo:DescribeTask" in result["msg"]  # the client's hint
    assert result["pending_task_ids"] == ["i1"]
    assert len(fake.requests) == 1


def test_acceptors_decide_before_the_defaults(action_plugin, fake) -> None:
    fake.add("i1", lifecycle("i1"))
    result = run(action_plugin, task_id="i1", acceptors=[
        {"state": "success", "expression": "steps[?step_name=='init_nodes'].step_state", "expected": "running", "matcher": "pathAny"},
    ])

    assert result["failed"] is False
    assert result["tasks"][0]["task_state"] == "running"
    assert result["tasks"][0]["transitions"][-1]["step"] == "init_nodes"


def test_many_tasks_respect_max_rate_and_print_summaries(action_plugin, fake, display) -> None:
    ids = ["i%03d" % n for n in range(40)]
    for n, task_id in enumerate(ids):
        fake.add(task_id, lifecycle(task_id, step_every=30 + n))
    result = run(action_plugin, task_ids=ids + ids[:5], max_rate=3, heartbeat_interval=60)

    assert result["failed"] is False and result["succeeded_task_ids"] == ids  # repeated ids once, in order
    times = sorted(r.time for r in fake.requests)
    for index, when in enumerate(times):
        in_window = [t for t in times[index:index + 10] if t < when + 1.0]
        assert len(in_window) <= 3, (when, in_window)
    shown = lines(display)
    summaries = [line for line in shown if " tasks seen: " in line or " tasks changed state: " in line]
    assert summaries and summaries[0].startswith("eflo_task_wait: 4"), shown  # 40 first sightings (+ early changes) in one line
    assert any(line.startswith("eflo_task_wait: ") and " finished" in line and "slowest" in line for line in shown)
    assert len(shown) < 10 * len(ids)  # no flood


def test_polls_of_a_batch_run_in_parallel(action_plugin, fake) -> None:
    ids = ["i%d" % n for n in range(4)]
    for task_id in ids:
        fake.add(task_id, lifecycle(task_id, step_every=10))
    barrier = threading.Barrier(4, timeout=10)
    first_round = set()

    def meet(task_id: str) -> None:
        if task_id not in first_round:
            first_round.add(task_id)
            barrier.wait()  # breaks (and the test fails) unless the 4 first polls are in flight together

    fake.before_answer = meet
    result = run(action_plugin, task_ids=ids, max_rate=4)

    assert result["failed"] is False, result["msg"]
    assert len({r.thread for r in fake.requests[:4]}) == 4


def test_the_poller_reports_when_each_answer_arrived() -> None:
    class Stub:
        def describe_task(self, task_id: str) -> Dict[str, Any]:
            return {"RequestId": "R", "TaskState": "running", "TaskType": "extend_cluster"}

    ticks = iter(range(100, 200))
    lock = threading.Lock()

    def clock() -> float:
        with lock:
            return float(next(ticks))

    ids = ["i%d" % n for n in range(6)]
    for workers in (1, 3):
        poller = plugin.Poller(Stub(), workers, clock=clock)
        try:
            answers = poller(ids)
        finally:
            poller.close()
        assert isinstance(answers, waiter.TimedAnswers) and list(answers) == ids
        assert all(answers[task_id]["task_state"] == "running" for task_id in ids)
        assert sorted(answers.answered_at) == sorted(ids) and len(set(answers.answered_at.values())) == len(ids)
    untimed = plugin.Poller(Stub(), 1)(ids[:2])
    assert list(untimed) == ids[:2] and not getattr(untimed, "answered_at", None)


def test_poll_workers_never_exceed_max_rate() -> None:
    assert plugin.poll_workers(0.2) == 1
    assert plugin.poll_workers(1) == 1
    assert plugin.poll_workers(3.9) == 3
    assert plugin.poll_workers(100) == plugin.POLL_WORKERS


# --------------------------------------------------------------------------------------------------------------
# Check mode, async, validation
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ids", [{"task_id": ""}, {"task_id": None}, {}, {"task_ids": ["", None]}])
def test_check_mode_skips_empty_ids_without_any_call(action_plugin, module_task, fake, display, ids) -> None:
    module_task.check_mode = True
    result = run(action_plugin, **ids)

    assert result["skipped"] is True and result.get("failed") is not True
    assert "Check mode" in result["msg"] and "nothing was polled" in result["msg"]
    assert result["tasks"] == [] and result["polls"] == 0
    assert fake.requests == []
    assert any("nothing was polled" in line for line in lines(display))


def test_check_mode_polls_real_ids_and_skips_empty_ones(action_plugin, module_task, fake) -> None:
    module_task.check_mode = True
    fake.add("i1", lifecycle("i1"))
    result = run(action_plugin, task_ids=["", "i1"])

    assert result["failed"] is False and result["succeeded_task_ids"] == ["i1"]
    assert "1 empty task id skipped" in result["msg"]
    assert any("empty task id" in w for w in result["warnings"])
    assert {r.task_id for r in fake.requests} == {"i1"}


@pytest.mark.parametrize("ids, expected", [
    ({"task_id": ""}, "task_id is empty"),
    ({"task_id": None}, "task_id is empty"),
    ({"task_ids": ["i1", "", "i2"]}, "task_ids has 1 empty item (position 2)"),
])
def test_empty_ids_fail_outside_check_mode(action_plugin, fake, ids, expected) -> None:
    result = run(action_plugin, **ids)

    assert result["failed"] is True
    assert result["msg"].startswith(expected) and "check mode" in result["msg"]
    assert fake.requests == []


def test_async_is_refused_with_a_clear_message(action_plugin, module_task, fake) -> None:
    module_task.async_val = 300
    fake.add("i1", lifecycle("i1"))
    result = run(action_plugin, task_id="i1")

    assert result["failed"] is True
    assert "does not support async" in result["msg"] and "timeout" in result["msg"]
    assert fake.requests == []


@pytest.mark.parametrize("extra, expected", [
    ({"task_id": "i1", "delay": "soon"}, "argument 'delay' is of type str and we were unable to convert to float: the value cannot"),
    ({"task_id": "i1", "task_ids": ["i2"]}, "parameters are mutually exclusive: task_id|task_ids"),
    ({"task_id": "i1", "pollinterval": 5}, "pollinterval"),
    ({}, "one of the following is required: task_id, task_ids"),
    ({"task_id": "i1", "acceptors": [{"state": "done", "expression": "a", "expected": 1}]}, "acceptors"),
])
def test_invalid_arguments_fail_before_any_call(action_plugin, fake, extra, expected) -> None:
    result = run(action_plugin, **extra)

    assert result["failed"] is True
    assert result["msg"].startswith("eflo_task_wait: ") and expected in result["msg"], result["msg"]
    assert "<class" not in result["msg"]
    assert fake.requests == []


@pytest.mark.parametrize("extra, expected", [
    ({"delay": 40, "max_delay": 30}, "max_delay (30.0) must not be smaller than delay (40.0)"),
    ({"max_rate": 0}, "max_rate must be > 0"),
    ({"acceptors": [{"state": "success", "expression": "task_state ==", "expected": 1}]}, "invalid JMESPath expression"),
    ({"endpoint": None, "region_id": "Not A Region"}, "region"),
])
def test_bad_wait_options_fail_before_any_call(action_plugin, fake, extra, expected) -> None:
    result = run(action_plugin, task_id="i1", **extra)

    assert result["failed"] is True
    assert expected in result["msg"], result["msg"]
    assert fake.requests == []


def test_a_long_delay_alone_raises_max_delay_with_it(action_plugin, fake, clock) -> None:
    fake.add("i1", lifecycle("i1", step_every=1000))
    task_args = args(task_id="i1", delay=120)
    del task_args["max_delay"]
    action_plugin._task.args = task_args  # pylint: disable=protected-access
    result = action_plugin.run(task_vars={})

    assert result["failed"] is False, result["msg"]
    assert min(clock.sleeps) >= 0.0 and max(clock.sleeps) <= 120 + 1e-6


def test_missing_libraries_fail_with_a_controller_hint(action_plugin, fake, monkeypatch) -> None:
    monkeypatch.setattr(plugin, "library_problem", lambda: "Missing Python libraries: jmespath.")
    result = run(action_plugin, task_id="i1")

    assert result["failed"] is True
    assert "Missing Python libraries: jmespath." in result["msg"] and "controller" in result["msg"]
    assert fake.requests == []


# --------------------------------------------------------------------------------------------------------------
# Credentials, environment, secrets, verbosity, Ctrl-C
# --------------------------------------------------------------------------------------------------------------


def test_credentials_come_from_the_task_environment_and_are_resolved_once(action_plugin, module_task, fake, monkeypatch) -> None:
    calls = []
    original = plugin.build_client_with_credentials

    def spy(*a: Any, **kw: Any) -> Any:
        calls.append(a)
        return original(*a, **kw)

    monkeypatch.setattr(plugin, "build_client_with_credentials", spy)
    module_task.environment = [{"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tFromTaskEnvironment",
                                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "SecretFromTaskEnvironment0123"}, None]
    fake.add("i1", lifecycle("i1"))
    fake.add("i2", lifecycle("i2"))
    task_args = args(task_ids=["i1", "i2"])
    del task_args["access_key_id"], task_args["access_key_secret"]
    action_plugin._task.args = task_args  # pylint: disable=protected-access
    result = action_plugin.run(task_vars={})

    assert result["failed"] is False, result["msg"]
    assert result["credentials_source"] == "env"
    assert len(calls) == 1
    params = calls[0][0]
    assert params["retries"] == 0
    assert all("LTAI5tFromTaskEnvironment" in r.request.headers.get("authorization", "") for r in fake.requests)
    assert "SecretFromTaskEnvironment0123" not in json.dumps(result)


def test_secrets_never_reach_results_or_display(action_plugin, fake, display, monkeypatch) -> None:
    display.verbosity = 3

    def explode(*_a: Any, **_kw: Any) -> Any:
        raise RuntimeError("unexpected state with %s and %s inside" % (ACCESS_KEY_SECRET, SECURITY_TOKEN))

    monkeypatch.setattr(waiter, "wait_for_tasks", explode)
    result = run(action_plugin, task_id="i1", security_token=SECURITY_TOKEN)

    assert result["failed"] is True
    assert "failed unexpectedly: RuntimeError" in result["msg"] and "bug" in result["msg"]
    assert "Traceback" not in result["msg"]
    text = json.dumps(result) + repr(display.mock_calls)
    assert ACCESS_KEY_SECRET not in text and SECURITY_TOKEN not in text
    assert "********" in result["msg"]
    assert any("Traceback" in c.args[0] for c in display.vvv.call_args_list)


def test_secret_echoed_by_the_service_is_masked(action_plugin, fake, display) -> None:
    fake.add("i1", lifecycle("i1"))
    fake.fault("i1", httpx.Response(400, json={"RequestId": "E-1", "Code": "InvalidParameter",
                                               "Message": "bad request signed with %s" % ACCESS_KEY_SECRET}))
    result = run(action_plugin, task_id="i1")

    assert result["failed"] is True and result["error"]["code"] == "InvalidParameter"
    text = json.dumps(result) + repr(display.mock_calls)
    assert ACCESS_KEY_SECRET not in text


def test_verbose_output_shows_setup_every_change_and_counters(action_plugin, fake, display) -> None:
    display.verbosity = 2
    ids = ["i%02d" % n for n in range(15)]
    for task_id in ids:
        fake.add(task_id, lifecycle(task_id, step_every=50))
    fake.fault("i00", unavailable())
    result = run(action_plugin, task_ids=ids, heartbeat_interval=30)

    assert result["failed"] is False
    shown = lines(display)
    assert sum(1 for line in shown if line.endswith("waiting_to_run")) == 15  # one line per change at -v
    verbose = verbose_lines(display)
    setup = [text for text, level in verbose if "polling http://127.0.0.1:9 with credentials from options" in text]
    assert setup and "delay 10s growing to 30s" in setup[0]
    assert any(text.startswith("eflo_task_wait: poll of i00 failed (ServiceUnavailable)") and level == 1 for text, level in verbose)
    assert any("so far" in text for text, _level in verbose)


def test_default_output_summarises_many_changes(action_plugin, fake, display) -> None:
    ids = ["i%02d" % n for n in range(15)]
    for task_id in ids:
        fake.add(task_id, lifecycle(task_id, step_every=50))
    run(action_plugin, task_ids=ids)

    shown = lines(display)
    assert "eflo_task_wait: 15 tasks seen: 15 waiting_to_run" in shown
    assert not any(line.endswith("waiting_to_run") and "(extend_cluster)" in line for line in shown)
    assert display.verbose.call_count >= 1 and not any(level == 0 and "poll of" in text for text, level in verbose_lines(display))


def test_ctrl_c_propagates_and_closes_the_client(action_plugin, fake, clock, monkeypatch) -> None:
    closed = []
    original_close = EfloClient.close

    def close(self: EfloClient) -> None:
        closed.append(True)
        original_close(self)

    monkeypatch.setattr(EfloClient, "close", close)
    fake.add("i1", lifecycle("i1"))

    def interrupt(count: int) -> None:
        if count == 2:
            raise KeyboardInterrupt

    clock.on_sleep = interrupt
    with pytest.raises(KeyboardInterrupt):
        run(action_plugin, task_id="i1")
    assert closed == [True]
    assert len(fake.requests) >= 1


def test_ansible_errors_are_left_to_the_executor(action_plugin, fake, monkeypatch) -> None:
    from ansible.errors import AnsibleError

    def timeout(*_a: Any, **_kw: Any) -> Any:
        raise AnsibleError("The task timed out.")

    monkeypatch.setattr(waiter, "wait_for_tasks", timeout)
    with pytest.raises(AnsibleError):
        run(action_plugin, task_id="i1")


# --------------------------------------------------------------------------------------------------------------
# The doc-only module
# --------------------------------------------------------------------------------------------------------------


def _docs() -> Dict[str, Any]:
    tree = ast.parse((ROOT / "plugins" / "modules" / "eflo_task_wait.py").read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
            found[node.targets[0].id] = yaml.safe_load(node.value.value)
    return found


def _assert_matches(spec: Dict[str, Any], docs: Dict[str, Any], where: str) -> None:
    assert sorted(spec) == sorted(docs), where
    for name, option in spec.items():
        doc, label = docs[name], "%s.%s" % (where, name)
        assert doc.get("description"), label
        assert doc.get("type", "str") == option.get("type", "str"), label
        assert doc.get("default") == option.get("default"), label
        assert doc.get("choices") == option.get("choices"), label
        assert bool(doc.get("required")) == bool(option.get("required")), label
        assert doc.get("elements") == option.get("elements"), label
        assert sorted(doc.get("aliases") or []) == sorted(option.get("aliases") or []), label
        if "options" in option:
            _assert_matches(option["options"], doc.get("suboptions") or {}, label)


def test_documentation_matches_the_argspec_and_the_examples_use_real_options() -> None:
    docs = _docs()
    options = dict(docs["DOCUMENTATION"]["options"])
    assert "alibabacloud.eflo.eflo" in docs["DOCUMENTATION"]["extends_documentation_fragment"]
    options.update(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"])
    spec = argspec.task_wait_spec()["argument_spec"]
    _assert_matches(spec, options, "eflo_task_wait")
    assert docs["DOCUMENTATION"]["attributes"]["async"]["support"] == "none"
    assert docs["DOCUMENTATION"]["attributes"]["check_mode"]["support"] == "full"
    for example in docs["EXAMPLES"]:
        for block in [example] + list(example.get("block") or []):
            task_args = block.get("alibabacloud.eflo.eflo_task_wait")
            if task_args:
                assert set(task_args) <= set(spec), set(task_args) - set(spec)
    returned = set(docs["RETURN"])
    assert {"tasks", "succeeded_task_ids", "failed_task_ids", "timed_out_task_ids", "pending_task_ids", "elapsed",
            "polls", "retries", "msg"} <= returned


def test_the_result_keys_are_documented(action_plugin, fake) -> None:
    fake.add("i1", lifecycle("i1"))
    result = run(action_plugin, task_id="i1")
    returned = set(_docs()["RETURN"]) | {"changed", "failed", "warnings"}
    assert set(result) <= returned, set(result) - returned
    documented_task_keys = set(_docs()["RETURN"]["tasks"]["contains"])
    assert {"elapsed", "polls", "transitions"} <= documented_task_keys <= set(result["tasks"][0])


@pytest.mark.parametrize("name, args", [("eflo_task_wait", {"task_id": "i1"}), ("eflo_cluster", {"name": "training-a"})])
def test_the_doc_only_modules_fail_with_a_pointer_to_the_action(capsys, name: str, args: Dict[str, Any]) -> None:
    doc_module = importlib.import_module("ansible_collections.alibabacloud.eflo.plugins.modules." + name)
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # pragma: no cover - ansible-core < 2.19
        pytest.skip("needs ansible.module_utils.testing.patch_module_args")
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc_info:
            doc_module.main()
    assert exc_info.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["failed"] is True
    assert out["msg"].startswith("alibabacloud.eflo.%s runs as an action plugin on the Ansible controller" % name)


# --------------------------------------------------------------------------------------------------------------
# task_details and the cost of the result
# --------------------------------------------------------------------------------------------------------------


def test_task_details_summary_returns_compact_tasks_and_full_failed_ones(action_plugin, fake) -> None:
    fake.add("ok", lifecycle("ok", step_every=50))
    fake.add("bad", lifecycle("bad", final="execution_fail", step_every=50, message="boom",
                              failed_sub_tasks=[("i158000000000000000001", "node did not join")]))
    result = run(action_plugin, task_ids=["ok", "bad"], fail_fast=False, task_details="summary")

    ok, bad = result["tasks"]
    assert result["succeeded_task_ids"] == ["ok"] and result["failed_task_ids"] == ["bad"]
    assert "steps" not in ok and "transitions" not in ok and "request_id" not in ok
    assert ok["task_state"] == "execution_success" and ok["step"] == "update_cluster" and ok["node_ids"] == ["e01-cn-zvp2tgykr08"]
    assert bad["steps"] and bad["transitions"] and bad["failed_sub_tasks"][0]["message"] == "node did not join"
    tasks_doc = _docs()["RETURN"]["tasks"]
    summary_doc = next(line for line in tasks_doc["description"] if line.startswith("With O(task_details=summary)"))
    documented = set(tasks_doc["contains"]) | set(re.findall(r"C\((\w+)\)", summary_doc))
    assert set(ok) <= documented, set(ok) - documented  # every key of a summary is documented
    assert "node did not join" in result["msg"]


def test_task_details_defaults_to_full(action_plugin, fake) -> None:
    fake.add("ok", lifecycle("ok", step_every=50))
    [task] = run(action_plugin, task_id="ok")["tasks"]

    assert task["steps"] and task["transitions"] and task["request_id"] == "REQ-ok" and task["step"] == "update_cluster"


def test_an_unknown_task_details_fails_before_any_call(action_plugin, fake) -> None:
    result = run(action_plugin, task_id="i1", task_details="compact")

    assert result["failed"] is True and "task_details" in result["msg"] and "full, summary" in result["msg"]
    assert fake.requests == []


def test_a_result_without_secrets_is_returned_as_is_and_one_with_a_secret_is_masked() -> None:
    clean = {"tasks": [{"task_id": "i1", "node_ids": ["e01"], "elapsed": 1.5, "polls": 3, "ok": True, "x": None}], "msg": "fine"}
    assert ActionModule.scrub(clean, [ACCESS_KEY_SECRET]) is clean  # no copy of a big result

    for leaky in ({"msg": "echo %s here" % ACCESS_KEY_SECRET}, {"tasks": [{"steps": [{"message": [ACCESS_KEY_SECRET]}]}]},
                  {"t": ("a", {"b": ACCESS_KEY_SECRET})}):
        masked = ActionModule.scrub(leaky, [ACCESS_KEY_SECRET])
        assert ACCESS_KEY_SECRET not in json.dumps(masked), masked
    number = ActionModule.scrub({"n": 123456789}, ["345"])
    assert number["n"] != 123456789  # numbers that print with a secret in them are masked too
