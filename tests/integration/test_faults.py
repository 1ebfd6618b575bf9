# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""eflo_task_wait survives faults: real ansible-playbook runs against a simulator that misbehaves.

* 100 tasks, 30 % of the DescribeTask answers faulted with every fault kind of the simulator (500, 503,
  throttling with and without retry-after, connection reset, slow answers past the read timeout, HTML 502,
  truncated JSON, HTTP 200 error envelope): every task ends with its true outcome (the simulator's own record),
  no false failure, every fault counted as a retry.
* The simulator is killed (SIGKILL) in the middle of a wait and started again on the same port: the wait
  rides through the outage and succeeds within its deadline.
* A service that accepts connections and never answers (a silent socket from the start; a simulator frozen with
  SIGSTOP in the middle): the wait fails at its deadline plus at most one read timeout, with a message that
  names the timeout and the unfinished task.
* Credentials that expire in the middle of a wait (STS credentials of ``assume_role``, ECS instance RAM role
  credentials) are fetched again, also when the service rejects them as expired before their time.

Assertions are on outcomes, counters and messages; the only time bound is the deadline contract itself
(``elapsed`` as measured by the wait, with slack for a loaded machine).
"""

from __future__ import annotations

import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

from reliability_support import SilentListener, check_no_crash, wait_until

WAIT = "tests/integration/playbooks/reliability/wait.yml"
WAIT_TASK = "Wait for the tasks"
FAULT_KINDS = ("http_500", "http_503", "throttling", "throttling_retry_after", "connection_reset", "slow", "html_502",
               "truncated_json", "error_code_info")
SETUP_LIMIT = 120.0  # seconds the test waits for the playbook to reach the state it reacts to
ROLE_ARN = "acs:ram::1234567890123456:role/eflo-operator"

pytestmark = pytest.mark.simulator
testing = pytest.importorskip("eflo_simulator.testing")


def describe_counts(control: Callable[..., Any]) -> Dict[str, int]:
    """DescribeTask requests the simulator received, by outcome."""
    return dict(control("GET", "/_sim/requests")["by_action"].get("DescribeTask", {}))


def truth(control: Callable[..., Any]) -> Dict[str, str]:
    """The simulator's own state of every task (what the wait must report)."""
    return {task["task_id"]: task["task_state"] for task in control("GET", "/_sim/tasks")["tasks"]}


def wait_vars(url: str, task_ids: List[str], **options: Any) -> Dict[str, Any]:
    extra: Dict[str, Any] = {"eflo_endpoint": url, "eflo_region": "cn-wulanchabu", "task_ids": task_ids}
    extra.update({"wait_%s" % name: value for name, value in options.items()})
    return extra


def in_background(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(function, *args, **kwargs)
    pool.shutdown(wait=False)
    return future


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def own_simulator(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``start(name, port, seed)``: simulators of this test only (they get killed); all stopped at the end."""
    started: List[Any] = []

    def start(name: str, port: int, seed: int = 5) -> Any:
        directory = tmp_path / name
        directory.mkdir()
        sim = testing.start_simulator(directory, "--port", str(port), "--seed", str(seed), "--quirk-rate", "0")
        started.append(sim)
        return sim

    yield start
    for sim in started:
        if sim.process.poll() is None:
            with_continue(sim)
            testing.stop_simulator(sim)


def with_continue(sim: Any) -> None:
    """Resume a simulator frozen with SIGSTOP (so that it can be stopped)."""
    try:
        os.kill(sim.process.pid, signal.SIGCONT)
    except ProcessLookupError:
        pass


def sim_env() -> Dict[str, str]:
    """The demo key of the simulator, for the credential chain (environment)."""
    return {"ALIBABA_CLOUD_ACCESS_KEY_ID": testing.DEMO_ACCESS_KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": testing.DEMO_ACCESS_KEY_SECRET}


# ---------------------------------------------------------------------------------------------- 30 % faults
def test_100_tasks_through_30_percent_faults_of_every_kind_end_with_their_true_outcome(simulator, run_playbook):
    succeed = simulator.add_tasks({"task_type": "reclone_node", "count": 60, "duration_s": 4, "waiting_s": 0.5})["task_ids"]
    fail = simulator.add_tasks({"task_type": "extend_cluster", "count": 20, "duration_s": 3, "outcome": "fail"})["task_ids"]
    partial = simulator.add_tasks({"task_type": "extend_cluster", "count": 20, "duration_s": 5, "outcome": "partial"})["task_ids"]
    ids = succeed + fail + partial
    # every kind; slow answers come after 1.5 s, past the 1 s read timeout of the wait
    faults = simulator.set_faults({"rate": 0.3, "delay_s": 1.5, "retry_after_ms": 300, "actions": ["DescribeTask"]})
    assert sorted(faults["kinds"]) == sorted(FAULT_KINDS)
    run = run_playbook(WAIT, wait_vars(simulator.url, ids, read_timeout=1, timeout=300, max_delay=1), env=simulator.env)

    record = run.task(WAIT_TASK)
    result = record["result"]
    real = truth(simulator.control)
    assert {real[task_id] for task_id in succeed + partial} == {"execution_success"}
    assert {real[task_id] for task_id in fail} == {"execution_fail"}
    # the true outcome of every task, no false failure, nothing timed out
    assert sorted(result["failed_task_ids"]) == sorted(fail), result["msg"]
    assert sorted(result["succeeded_task_ids"]) == sorted(succeed + partial), result["msg"]
    assert result["timed_out_task_ids"] == [] and result["pending_task_ids"] == []
    assert {task["task_id"]: task["task_state"] for task in result["tasks"]} == {task_id: real[task_id] for task_id in ids}
    assert "20 of 100 tasks failed (80 succeeded)" in result["msg"]
    # every fault kind happened, and each faulted answer was one retry
    injected = simulator.control("GET", "/_sim/faults")["injected"]
    assert set(injected) == set(FAULT_KINDS), injected
    assert result["retries"] == sum(injected.values()), (result["retries"], injected)
    assert result["polls"] == sum(describe_counts(simulator.control).values())
    assert record["status"] == "failed" and run.rc != 0
    assert not check_no_crash(run)


# ------------------------------------------------------------------------------------- killed and restarted
def test_a_simulator_killed_and_restarted_in_the_middle_of_a_wait_is_survived(own_simulator, run_playbook):
    port = free_port()
    first = own_simulator("first", port)
    spec = {"task_type": "reclone_node", "count": 10, "node_count": 1}
    ids = first.control("POST", "/_sim/tasks", dict(spec, duration_s=3600))["task_ids"]
    future = in_background(run_playbook, WAIT, wait_vars(first.url, ids, timeout=120, delay=0.3, max_delay=0.6,
                                                         connect_timeout=1, read_timeout=2), env=sim_env())
    assert wait_until(lambda: describe_counts(first.control).get("success", 0) >= 20 or future.done(), SETUP_LIMIT)
    assert not future.done(), future.result().explain()
    first.process.kill()  # SIGKILL: no goodbye, connections dropped
    first.process.wait()
    time.sleep(2)  # the wait polls a dead port for a while (connection refused)
    second = own_simulator("second", port)
    # same seed, same order: the restarted service knows the same task ids; now they end soon
    assert second.control("POST", "/_sim/tasks", dict(spec, duration_s=3))["task_ids"] == ids
    run = future.result(timeout=300)

    assert run.rc == 0, run.explain()
    result = run.task(WAIT_TASK)["result"]
    assert result["succeeded_task_ids"] == ids
    assert result["failed_task_ids"] == result["timed_out_task_ids"] == []
    assert result["retries"] >= 1  # the polls during the outage
    assert result["elapsed"] < 120
    assert set(truth(second.control).values()) == {"execution_success"}
    assert not check_no_crash(run)


# ------------------------------------------------------------------------------------------- never answers
TIMEOUT = 4.0
READ_TIMEOUT = 2.0
SLACK = 1.5  # scheduling on a loaded machine; far below one more read timeout


def check_deadline_failure(run: Any, task_id: str) -> Dict[str, Any]:
    assert run.rc != 0, run.explain()
    record = run.task(WAIT_TASK)
    result = record["result"]
    assert record["status"] == "failed"
    assert result["timed_out_task_ids"] == [task_id], result["msg"]
    assert TIMEOUT <= result["elapsed"] <= TIMEOUT + READ_TIMEOUT + SLACK, result
    msg = result["msg"]
    assert "timed out after" in msg and "(timeout %gs)" % TIMEOUT in msg, msg
    assert task_id in msg
    assert not check_no_crash(run)
    return result


def test_a_service_that_never_answers_fails_the_wait_at_its_deadline(run_playbook):
    with SilentListener() as silent:
        run = run_playbook(WAIT, wait_vars(silent.url, ["i150000000000000000001"], timeout=TIMEOUT, delay=0.5,
                                           max_delay=1, connect_timeout=1, read_timeout=READ_TIMEOUT), env=sim_env())
    result = check_deadline_failure(run, "i150000000000000000001")
    assert "timed out waiting for the answer" in result["msg"], result["msg"]
    assert result["retries"] >= 1


def test_a_service_that_freezes_in_the_middle_fails_the_wait_at_its_deadline(own_simulator, run_playbook):
    sim = own_simulator("frozen", free_port())
    [task_id] = sim.control("POST", "/_sim/tasks", {"task_type": "extend_cluster", "duration_s": 3600})["task_ids"]
    future = in_background(run_playbook, WAIT, wait_vars(sim.url, [task_id], timeout=TIMEOUT, delay=0.3, max_delay=0.5,
                                                         connect_timeout=1, read_timeout=READ_TIMEOUT), env=sim_env())
    assert wait_until(lambda: describe_counts(sim.control).get("success", 0) >= 2 or future.done(), SETUP_LIMIT)
    os.kill(sim.process.pid, signal.SIGSTOP)  # the port still accepts connections, nothing answers
    try:
        run = future.result(timeout=120)
    finally:
        with_continue(sim)
    result = check_deadline_failure(run, task_id)
    assert "running" in result["msg"]  # the last state it saw


# ----------------------------------------------------------------------------------- expiring credentials
def refreshes(simulator: Any, label: str) -> int:
    """Successful credential fetches (``AssumeRole`` or ``ImdsCredentials``) the simulator answered."""
    return simulator.requests()["by_action"].get(label, {}).get("success", 0)


def wait_through_expiring_credentials(simulator: Any, run_playbook: Any, label: str, env: Dict[str, str], **options: Any) -> Any:
    """A wait during which the credentials expire, first by their time, then before it.

    1. Issued credentials live 4 s: the wait must fetch new ones before they expire (twice at least).
    2. Issued credentials live an hour again; once the wait holds such credentials, the simulator expires them all
       early (``POST /_sim/sts/expire``): the next call is rejected with InvalidSecurityToken.Expired and the wait
       must fetch new ones and go on.
    3. The tasks are moved to their end; the wait must succeed.
    """
    simulator.control("PUT", "/_sim/sts", {"ttl_s": 4})
    ids = simulator.add_tasks({"task_type": "reclone_node", "count": 3, "duration_s": 3600})["task_ids"]
    future = in_background(run_playbook, WAIT, wait_vars(simulator.url, ids, delay=0.3, max_delay=0.5, timeout=240,
                                                         **options), env=env)
    assert wait_until(lambda: refreshes(simulator, label) >= 3 or future.done(), SETUP_LIMIT)
    assert not future.done(), future.result().explain()
    simulator.control("PUT", "/_sim/sts", {"ttl_s": None})
    before = refreshes(simulator, label)
    assert wait_until(lambda: refreshes(simulator, label) > before or future.done(), SETUP_LIMIT)
    assert not future.done(), future.result().explain()
    expired_before = describe_counts(simulator.control).get("InvalidSecurityToken.Expired", 0)  # before: a poll may hit it at once
    assert simulator.control("POST", "/_sim/sts/expire", {})["expired"] >= 1
    assert wait_until(lambda: refreshes(simulator, label) > before + 1 or future.done(), SETUP_LIMIT)
    simulator.control("PUT", "/_sim/clock", {"advance_s": 7200})
    run = future.result(timeout=300)

    assert run.rc == 0, run.explain()
    result = run.task(WAIT_TASK)["result"]
    assert result["succeeded_task_ids"] == ids
    assert result["failed_task_ids"] == result["timed_out_task_ids"] == []
    counts = describe_counts(simulator.control)
    assert counts.get("InvalidSecurityToken.Expired", 0) > expired_before, counts  # rejected as expired once at least
    assert set(counts) <= {"success", "InvalidSecurityToken.Expired"}, counts
    assert not check_no_crash(run)
    return result


def test_sts_credentials_of_assume_role_expiring_mid_wait_are_fetched_again(simulator, run_playbook):
    result = wait_through_expiring_credentials(
        simulator, run_playbook, "AssumeRole", simulator.env,
        assume_role={"role_arn": ROLE_ARN, "role_session_name": "reliability"}, sts_endpoint=simulator.url)
    assert result["credentials_source"] == "assume_role(env)"


def test_ecs_role_credentials_expiring_mid_wait_are_fetched_again(simulator, run_playbook):
    env = {"ALIBABA_CLOUD_ECS_METADATA": "EfloSimulatorRole", "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "false"}
    result = wait_through_expiring_credentials(simulator, run_playbook, "ImdsCredentials", env,
                                               metadata_endpoint=simulator.url)
    assert result["credentials_source"] == "ecs_ram_role"
