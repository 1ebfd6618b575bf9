# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""eflo_task_wait in real ansible-playbook runs against the eflo simulator.

Tasks are created through the simulator's control API with durations of a few seconds (instead of the
realistic minutes to hours), and the playbooks poll every 0.2-0.5 s, so the whole file runs in well under
two minutes. Where a test needs the wait to see a task in a given state first (running, not found yet), the
task lasts minutes and the test moves the simulator's clock forward once the simulator has answered the
polls it needs (``run_while``), so a slow machine changes nothing. Assertions are on outcomes, messages and
counters, never on timing.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List

import pytest

PLAYBOOKS = "tests/integration/playbooks/task_wait/"
WAIT = PLAYBOOKS + "wait.yml"
WAIT_TASK = "Wait for the tasks"
CONDITION_LIMIT = 120.0  # seconds to wait for a playbook to reach a state the test reacts to

pytestmark = pytest.mark.simulator


def create(simulator: Any, **spec: Any) -> List[str]:
    """Create simulated tasks (``POST /_sim/tasks``); their ids."""
    spec.setdefault("waiting_s", 0.3)
    return simulator.add_tasks(spec)["task_ids"]


def describe_task_counts(simulator: Any) -> Dict[str, int]:
    """The simulator's DescribeTask requests by outcome (``success``, an error code or ``fault.<kind>``)."""
    return dict(simulator.requests()["by_action"].get("DescribeTask", {}))


def wait_lines(stdout: str) -> List[str]:
    return [line for line in stdout.splitlines() if line.startswith("eflo_task_wait: ")]


def run_while(runner: Callable[..., Any], simulator: Any, *args: Any, when: Callable[[Dict[str, int]], bool],
              then: Dict[str, Any], **kwargs: Any) -> Any:
    """Run ``runner(simulator, *args, **kwargs)`` in a thread; when ``when(DescribeTask counts)`` holds, apply
    ``then`` to the simulator clock (``PUT /_sim/clock``), once. Returns the runner's result."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(runner, simulator, *args, **kwargs)
        deadline = time.monotonic() + CONDITION_LIMIT
        while not future.done() and time.monotonic() < deadline:
            if when(describe_task_counts(simulator)):
                simulator.control("PUT", "/_sim/clock", then)
                break
            time.sleep(0.05)
        return future.result()


def run_wait(simulator: Any, run_playbook: Any, task_ids: List[str], verbosity: int = 0, **options: Any) -> Any:
    extra = dict(simulator.extra_vars, task_ids=task_ids)
    extra.update({"wait_%s" % name: value for name, value in options.items()})
    return run_playbook(WAIT, extra, verbosity=verbosity, env=simulator.env)


def test_success_shows_progress_while_waiting(simulator, run_playbook):
    ids = create(simulator, task_type="extend_cluster", count=3, duration_s=600)
    # once every task was polled several times (some 0.6 s of waiting at delay 0.2), jump to their end
    run = run_while(run_wait, simulator, run_playbook, ids, heartbeat_interval=0.5,
                    when=lambda counts: counts.get("success", 0) >= 12, then={"advance_s": 700})

    assert run.rc == 0, run.explain()
    result = run.task(WAIT_TASK)["result"]
    assert result["succeeded_task_ids"] == ids
    assert result["failed_task_ids"] == result["timed_out_task_ids"] == result["pending_task_ids"] == []
    assert result["changed"] is False and result["credentials_source"] == "env"
    assert result["msg"].startswith("eflo_task_wait: all 3 tasks succeeded in")
    assert result["polls"] == sum(describe_task_counts(simulator).values()) and result["retries"] == 0
    for task in result["tasks"]:
        assert task["task_type"] == "extend_cluster" and task["task_state"] == "execution_success"
        assert [t["task_state"] for t in task["transitions"]][-2:] == ["running", "execution_success"]
        assert task["polls"] >= 2
        assert task["steps"] and task["node_ids"]

    lines = run.stdout.splitlines()
    start = lines.index("eflo_task_wait: waiting for 3 tasks (timeout 60s, at most 20 API calls per second)")
    task_header = next(i for i, line in enumerate(lines) if line.startswith("TASK [Wait for the tasks]"))
    done = next(i for i, line in enumerate(lines) if i > task_header and line.startswith("ok: [localhost]"))
    assert task_header < start < done  # printed by the running task, before its result
    during = lines[start:done]
    for task_id in ids:
        assert any(line.startswith("eflo_task_wait: %s (extend_cluster)" % task_id) and "-> execution_success" in line
                   for line in during), during
    assert any(" finished" in line and "slowest" in line for line in during), during  # a heartbeat


def test_failure_names_the_failed_step_and_sub_task(simulator, run_playbook):
    [task_id] = create(simulator, task_type="extend_cluster", duration_s=2, outcome="fail", fail_at_step="init_nodes")
    detail = simulator.control("GET", "/_sim/tasks/%s" % task_id)
    failed_node = detail["failed_nodes"][0]
    sub_task_id = detail["sub_task_ids"][failed_node]
    run = run_wait(simulator, run_playbook, [task_id])

    assert run.rc != 0, run.explain()
    record = run.task(WAIT_TASK)
    assert record["status"] == "failed"
    result = record["result"]
    assert result["failed_task_ids"] == [task_id]
    msg = result["msg"]
    assert "%s (extend_cluster) execution_fail at step init_nodes" % task_id in msg
    assert sub_task_id in msg and "Node %s failed to join the cluster" % failed_node in msg
    assert result["tasks"][0]["failed_sub_tasks"][0]["task_id"] == sub_task_id
    assert "Traceback" not in run.stdout + run.stderr


def test_partial_failure_is_reported_after_waiting_for_every_task(simulator, run_playbook):
    [good] = create(simulator, task_type="reclone_node", duration_s=3)
    [bad] = create(simulator, task_type="reclone_node", duration_s=1, outcome="fail")
    [partial] = create(simulator, task_type="extend_cluster", duration_s=2, outcome="partial")
    run = run_playbook(PLAYBOOKS + "report_failures.yml", dict(simulator.extra_vars, task_ids=[good, bad, partial]),
                       env=simulator.env)

    assert run.rc == 0, run.explain()
    record = run.task("Wait for every task")
    assert record["status"] == "ignored"
    result = record["result"]
    assert result["failed_task_ids"] == [bad]
    assert result["succeeded_task_ids"] == [good, partial]
    assert result["pending_task_ids"] == [] and result["timed_out_task_ids"] == []
    assert "1 of 3 tasks failed (2 succeeded)" in result["msg"]
    assert any(partial in warning and "failed sub-tasks" in warning for warning in record["warnings"]), record["warnings"]
    assert run.task("Report the failed tasks")["result"]["msg"] == "failed: %s; succeeded: %s,%s" % (bad, good, partial)


def test_fail_on_sub_task_failure_fails_a_partial_success(simulator, run_playbook):
    [partial] = create(simulator, task_type="extend_cluster", duration_s=1.5, outcome="partial")
    run = run_wait(simulator, run_playbook, [partial], fail_on_sub_task_failure=True)

    assert run.rc != 0, run.explain()
    result = run.task(WAIT_TASK)["result"]
    assert result["failed_task_ids"] == [partial]
    assert "fail_on_sub_task_failure" in result["msg"] and "failed sub-tasks" in result["msg"]


def test_timeout_names_the_task_its_state_step_and_the_times(simulator, run_playbook):
    [task_id] = create(simulator, task_type="extend_cluster", duration_s=600)
    run = run_wait(simulator, run_playbook, [task_id], timeout=2)

    assert run.rc != 0, run.explain()
    result = run.task(WAIT_TASK)["result"]
    assert result["timed_out_task_ids"] == [task_id]
    msg = result["msg"]
    assert "timed out after" in msg and "(timeout 2s)" in msg
    assert "%s (extend_cluster) running at step " % task_id in msg
    assert ", updated 20" in msg  # the last update_time the service reported
    assert result["elapsed"] >= 2


def test_a_task_of_another_type_fails_at_once(simulator, run_playbook):
    [task_id] = create(simulator, task_type="reclone_node", duration_s=30)
    run = run_wait(simulator, run_playbook, [task_id], expected_task_types=["extend_cluster", "extend_bare_cluster"])

    assert run.rc != 0, run.explain()
    result = run.task(WAIT_TASK)["result"]
    assert result["failed_task_ids"] == [task_id]
    assert "is a reclone_node task, expected extend_cluster or extend_bare_cluster" in result["msg"]
    assert result["polls"] == 1


def test_a_task_not_visible_yet_is_waited_for_within_the_grace(simulator, run_playbook):
    [task_id] = create(simulator, task_type="reclone_node", duration_s=1, not_found_for_s=600)
    # the service does not know the task yet; once the wait saw that twice, the task becomes visible (and done)
    run = run_while(run_wait, simulator, run_playbook, [task_id], not_found_grace=60,
                    when=lambda counts: counts.get("InvalidTaskId.NotFound", 0) >= 2, then={"advance_s": 700})

    assert run.rc == 0, run.explain()
    result = run.task(WAIT_TASK)["result"]
    assert result["succeeded_task_ids"] == [task_id]
    assert result["retries"] == 0  # not found within the grace is no retry
    assert result["tasks"][0]["polls"] >= 3


def test_an_unknown_task_fails_after_the_grace(simulator, run_playbook):
    run = run_wait(simulator, run_playbook, ["i150000000000000000404"], not_found_grace=1)

    assert run.rc != 0, run.explain()
    result = run.task(WAIT_TASK)["result"]
    assert result["failed_task_ids"] == ["i150000000000000000404"]
    assert "i150000000000000000404 was not found for" in result["msg"] and "Check the task id and the region" in result["msg"]


def test_check_mode_skips_the_missing_id_and_polls_real_ones(simulator, run_playbook):
    [existing] = create(simulator, task_type="reclone_node", duration_s=1)
    run = run_playbook(PLAYBOOKS + "check_mode.yml", dict(simulator.extra_vars, existing_task_id=existing),
                       env=simulator.env, check=True)

    assert run.rc == 0, run.explain()
    skipped = run.task("Wait for the reimage task")
    assert skipped["status"] == "skipped"
    assert "Check mode: no task to wait for" in skipped["result"]["msg"]
    assert "eflo_task_wait: Check mode: no task to wait for." in run.stdout.split("TASK [Wait for the reimage task]")[1]
    mixed = run.task("Wait for an empty id and a real one")["result"]
    assert mixed["succeeded_task_ids"] == [existing]
    assert "1 empty task id skipped" in mixed["msg"]
    assert "ReimageNodes" not in simulator.requests()["by_action"]


def test_module_defaults_of_the_action_group_apply(simulator, run_playbook):
    [task_id] = create(simulator, task_type="reclone_node", duration_s=1)
    extra = dict(simulator.extra_vars, task_id=task_id, sim_access_key_id=simulator.access_key_id,
                 sim_access_key_secret=simulator.access_key_secret)
    run = run_playbook(PLAYBOOKS + "module_defaults.yml", extra, verbosity=1)  # no credentials in the environment

    assert run.rc == 0, run.explain()
    assert run.task("Check the outcome")["status"] == "ok"
    assert any(line.startswith("eflo_task_wait: polling %s with credentials from options" % simulator.url)
               for line in run.stdout.splitlines()), run.stdout
    assert simulator.access_key_secret not in run.stdout + run.stderr


def test_async_is_refused(simulator, run_playbook, tmp_path):
    playbook = tmp_path / "async.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: Wait in the background\n      alibabacloud.eflo.eflo_task_wait:\n"
        "        endpoint: '{{ eflo_endpoint }}'\n        task_id: i150000000000000000001\n"
        "      async: 60\n      poll: 1\n", encoding="utf-8")
    run = run_playbook(playbook, simulator.extra_vars, env=simulator.env)

    assert run.rc != 0, run.explain()
    assert "does not support async" in run.task("Wait in the background")["result"]["msg"]
    assert "DescribeTask" not in simulator.requests()["by_action"]


def test_500_tasks_in_one_call_within_max_rate(simulator, run_playbook):
    ids = create(simulator, task_type="reclone_node", count=500, duration_s=3, node_count=1)
    # the simulator throttles above 120 calls/s: a wait capped at 100/s must never be throttled
    simulator.set_throttle({"qps": 120, "burst": 120})
    run = run_wait(simulator, run_playbook, ids, max_rate=100, delay=0.5, max_delay=1, timeout=120, heartbeat_interval=2)

    assert run.rc == 0, run.explain()
    result = run.task(WAIT_TASK)["result"]
    assert result["succeeded_task_ids"] == ids
    assert len(result["tasks"]) == 500
    counts = describe_task_counts(simulator)
    assert counts.get("Throttling.User", 0) == 0 and result["retries"] == 0, counts
    assert result["polls"] == sum(counts.values()) >= 500  # every task polled, each poll one API call
    lines = wait_lines(run.stdout)
    assert any(" tasks seen: " in line or " tasks changed state: " in line for line in lines), lines  # summary lines
    assert len(lines) < 60, lines  # summaries, not a line per task per poll


def test_30_percent_faults_every_outcome_right_and_retries_counted(simulator, run_playbook):
    good = create(simulator, task_type="reclone_node", count=20, duration_s=2.5)
    bad = create(simulator, task_type="reclone_node", count=5, duration_s=2, outcome="fail")
    partial = create(simulator, task_type="extend_cluster", count=5, duration_s=2, outcome="partial")
    simulator.set_faults({"rate": 0.3, "delay_s": 0.2, "retry_after_ms": 200, "actions": ["DescribeTask"]})
    run = run_wait(simulator, run_playbook, good + bad + partial, fail_fast=False, timeout=90, max_rate=30)

    assert run.rc != 0, run.explain()
    result = run.task(WAIT_TASK)["result"]
    assert sorted(result["failed_task_ids"]) == sorted(bad), result["msg"]
    assert sorted(result["succeeded_task_ids"]) == sorted(good + partial), result["msg"]
    assert result["timed_out_task_ids"] == [] and result["pending_task_ids"] == []
    injected = simulator.control("GET", "/_sim/faults")["injected"]
    retried_faults = sum(n for kind, n in injected.items() if kind != "slow")  # a slow answer is still an answer
    assert retried_faults > 0, injected
    assert result["retries"] == retried_faults, (result["retries"], injected)
    assert result["polls"] == sum(describe_task_counts(simulator).values())
    assert "5 of 30 tasks failed (25 succeeded)" in result["msg"]
    assert "Traceback" not in run.stdout + run.stderr
