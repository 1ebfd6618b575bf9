# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the wait engine with a fake clock (nothing sleeps for real)."""

from __future__ import annotations

import bisect
import json
import random
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import progress
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    CredentialsError,
    DeadlineExceeded,
    EfloError,
    ResponseParseError,
    TransportError,
)
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.waiter import (
    Acceptor,
    HeartbeatEvent,
    PollErrorsEvent,
    RateWindow,
    StartEvent,
    TimedAnswers,
    TransitionsEvent,
    WaitConfig,
    acceptors_from_params,
    backoff_cap,
    current_step,
    evaluate_acceptors,
    next_wait,
    task_type_matches,
    validate_config,
    wait_for_tasks,
)

from ansible_collections.alibabacloud.eflo.tests.unit.plugins.plugin_utils.engine_doubles import FakeClock, FixedRandom

START = 1000.0
Answer = Union[Dict[str, Any], EfloError]


def task(task_id: str, state: Optional[str] = "running", step: Optional[str] = None, task_type: Optional[str] = "extend_cluster",
         **extra: Any) -> Dict[str, Any]:
    steps = []
    if step is not None:
        steps = [{"step_name": "prepare", "step_state": "execution_success", "sub_tasks": []},
                 {"step_name": step, "step_state": "running" if "success" not in (state or "") else "execution_success",
                  "sub_tasks": []}]
    data = {"task_id": task_id, "task_type": task_type, "task_state": state, "cluster_id": "i-cluster",
            "update_time": "2022-11-30T03:40:14.852Z", "message": "", "steps": steps}
    data.update(extra)
    return data


Script = Callable[[float], Answer]


def timeline(task_id: str, points: Sequence[Tuple[float, Optional[str], Optional[str]]], **extra: Any) -> Script:
    """A task that is in ``points[i]`` (state, step) from elapsed time ``points[i][0]`` on."""
    times = [p[0] for p in points]

    def script(elapsed: float) -> Answer:
        index = max(0, bisect.bisect_right(times, elapsed) - 1)
        _when, state, step = points[index]
        return task(task_id, state, step, **extra)

    return script


def constant(answer: Answer) -> Script:
    return lambda elapsed: answer


class FakeService:
    """``fetch`` over scripted tasks; records every call as (time, ids)."""

    def __init__(self, clock: FakeClock, scripts: Dict[str, Script]) -> None:
        self.clock = clock
        self.scripts = scripts
        self.calls: List[Tuple[float, List[str]]] = []
        self.raise_on_call: Dict[int, EfloError] = {}

    def __call__(self, ids: List[str]) -> Dict[str, Answer]:
        self.calls.append((self.clock.now, list(ids)))
        error = self.raise_on_call.get(len(self.calls))
        if error is not None:
            raise error
        elapsed = self.clock.now - START
        return {task_id: self.scripts[task_id](elapsed) for task_id in ids if task_id in self.scripts}

    def call_times(self, task_id: str) -> List[float]:
        return [when for when, ids in self.calls for i in ids if i == task_id]

    @property
    def api_calls(self) -> int:
        return sum(len(ids) for _when, ids in self.calls)


def run(scripts: Dict[str, Script], config: WaitConfig, *, ids: Optional[Sequence[str]] = None, rng: Any = None,
        events: Optional[List[Any]] = None) -> Tuple[Any, FakeService, FakeClock]:
    clock = FakeClock(START)
    service = FakeService(clock, scripts)
    outcome = wait_for_tasks(list(ids if ids is not None else scripts), service, config, clock=clock, sleep=clock.sleep,
                             rng=rng if rng is not None else random.Random(7),
                             on_event=events.append if events is not None else None)
    return outcome, service, clock


def wait(scripts: Dict[str, Script], config: WaitConfig, **kwargs: Any) -> Any:
    return run(scripts, config, **kwargs)[0]


def served(scripts: Dict[str, Script], config: WaitConfig, **kwargs: Any) -> FakeService:
    return run(scripts, config, **kwargs)[1]


def max_calls_in_window(service: FakeService, window: float = 1.0) -> int:
    times = sorted(when for when, ids in service.calls for _id in ids)
    best = 0
    for i, start in enumerate(times):
        j = bisect.bisect_left(times, start + window)
        best = max(best, j - i)
    return best


FAST = dict(delay=5.0, max_delay=30.0, growth=2.0, heartbeat_interval=0, max_rate=50.0)


# --------------------------------------------------------------------------------------------------------------
# Deadline
# --------------------------------------------------------------------------------------------------------------


def test_timeout_ends_exactly_at_the_deadline_with_a_last_check() -> None:
    outcome, service, clock = run({"i1": constant(task("i1", "running", "add_nodes"))}, WaitConfig(timeout=100, **FAST))
    assert outcome.status == "timeout"
    assert clock.now == START + 100, "the engine sleeps up to the deadline, never past it"
    assert all(when <= START + 100 for when, _ids in service.calls)
    assert service.calls[-1][0] == START + 100, "one last check at the deadline"
    assert outcome.timed_out_task_ids == ["i1"] and outcome.pending_task_ids == []
    assert outcome.failed_task_ids == [] and outcome.succeeded_task_ids == []
    msg = outcome.msg
    assert "timed out after 1m 40s (timeout 100s)" in msg
    assert "i1 (extend_cluster) running at step add_nodes, updated 2022-11-30T03:40:14.852Z" in msg
    result = outcome.to_result()
    assert result["failed"] is True and result["timed_out_task_ids"] == ["i1"]


def test_task_finishing_at_the_deadline_is_caught_by_the_last_check() -> None:
    script = timeline("i1", [(0, "running", "a"), (100, "execution_success", "a")])
    outcome, service, clock = run({"i1": script}, WaitConfig(timeout=100, delay=40, max_delay=40, heartbeat_interval=0))
    assert outcome.status == "success", outcome.msg
    assert clock.now == START + 100
    assert [t - START for t in service.call_times("i1")] == [0, 40, 80, 100]


@pytest.mark.parametrize("timeout", [0, -5])
def test_a_timeout_that_is_not_positive_is_refused(timeout: float) -> None:
    with pytest.raises(ConfigurationError, match=r"^timeout must be > 0, got %s\.$" % timeout):
        validate_config(WaitConfig(timeout=timeout))


def test_already_finished_tasks_need_one_poll_and_no_sleep() -> None:
    scripts = {"i%d" % n: constant(task("i%d" % n, "execution_success")) for n in range(5)}
    outcome, service, clock = run(scripts, WaitConfig(**FAST))
    assert outcome.status == "success" and outcome.polls == 5 and service.api_calls == 5
    assert clock.sleeps == []
    assert outcome.msg == "eflo_task_wait: all 5 tasks succeeded in 0s (5 polls, 0 retries)"


# --------------------------------------------------------------------------------------------------------------
# Schedule, growth, jitter
# --------------------------------------------------------------------------------------------------------------


def intervals(service: FakeService, task_id: str) -> List[float]:
    times = service.call_times(task_id)
    return [round(b - a, 6) for a, b in zip(times, times[1:])]


def test_schedule_grows_to_max_delay_at_the_top_of_the_jitter() -> None:
    config = WaitConfig(timeout=400, delay=10, max_delay=60, growth=2.0, heartbeat_interval=0)
    service = served({"i1": constant(task("i1"))}, config, rng=FixedRandom(1.0))
    got = intervals(service, "i1")
    assert got[:5] == [20, 40, 60, 60, 60]


def test_schedule_without_jitter_is_the_delay() -> None:
    config = WaitConfig(timeout=100, delay=10, max_delay=60, growth=2.0, heartbeat_interval=0)
    service = served({"i1": constant(task("i1"))}, config, rng=FixedRandom(0.0))
    assert set(intervals(service, "i1")) == {10}


def test_intervals_stay_within_jitter_bounds() -> None:
    config = WaitConfig(timeout=5000, delay=7, max_delay=45, growth=1.7, heartbeat_interval=0)
    service = served({"i1": constant(task("i1"))}, config, rng=random.Random(3))
    got = intervals(service, "i1")[:-1]  # the last one is clipped by the deadline
    assert len(got) > 50
    assert all(7 <= g <= 45 for g in got)
    assert len(set(got)) > 10, "jitter varies the waits"


def test_a_state_change_resets_the_backoff() -> None:
    script = timeline("i1", [(0, "running", "a"), (150, "running", "b")])
    config = WaitConfig(timeout=300, delay=10, max_delay=60, growth=2.0, heartbeat_interval=0)
    service = served({"i1": script}, config, rng=FixedRandom(1.0))
    times = [t - START for t in service.call_times("i1")]
    # 0, 20, 60, 120, 180 (sees step b) then 180 + 20 = 200
    assert times[:6] == [0, 20, 60, 120, 180, 200]


@settings(max_examples=200, deadline=None)
@given(attempt=st.integers(min_value=0, max_value=5000), delay=st.floats(min_value=0.1, max_value=100),
       factor=st.floats(min_value=1, max_value=50), growth=st.floats(min_value=1, max_value=10),
       u=st.floats(min_value=0, max_value=0.9999999))
def test_next_wait_bounds(attempt: int, delay: float, factor: float, growth: float, u: float) -> None:
    config = WaitConfig(delay=delay, max_delay=delay * factor, growth=growth)
    cap = backoff_cap(attempt, config)
    assert delay <= cap <= delay * factor * (1 + 1e-12)
    wait = next_wait(attempt, config, FixedRandom(u))
    assert delay - 1e-9 <= wait <= cap + 1e-9


def test_backoff_cap_does_not_overflow() -> None:
    config = WaitConfig(delay=1, max_delay=60, growth=10)
    assert backoff_cap(10 ** 6, config) == 60
    assert backoff_cap(1, config) == 10
    assert backoff_cap(0, config) == 1


# --------------------------------------------------------------------------------------------------------------
# Acceptors
# --------------------------------------------------------------------------------------------------------------


def compiled(acceptors: Sequence[Acceptor] = ()) -> Any:
    return validate_config(WaitConfig(acceptors=tuple(acceptors)))


@pytest.mark.parametrize("state, verdict", [
    ("execution_success", "success"),
    ("EXECUTION_SUCCESS", "success"),
    ("Execution_Success", "success"),
    ("execution_fail", "failure"),
    ("Execution_Fail", "failure"),
    ("execution_failed", "failure"),
    ("FAILED", "failure"),
    ("running", "retry"),
    ("waiting_to_run", "retry"),
    ("init", "retry"),
    ("", "retry"),
    (None, "retry"),
    ("succeeded", "success"),
    ("not_success", "retry"),
    ("unsuccessful", "retry"),
])
def test_default_acceptors(state: Optional[str], verdict: str) -> None:
    assert evaluate_acceptors(compiled(), {"task_state": state})[0] == verdict


def test_default_acceptors_without_task_state() -> None:
    assert evaluate_acceptors(compiled(), {})[0] == "retry"
    assert evaluate_acceptors(compiled(), {"task_state": 42})[0] == "retry"


def test_first_matching_acceptor_wins() -> None:
    data = {"task_state": "running", "steps": [{"step_name": "a"}]}
    fail_first = [Acceptor("failure", "task_state", "running"), Acceptor("success", "steps[0].step_name", "a")]
    success_first = list(reversed(fail_first))
    assert evaluate_acceptors(compiled(fail_first), data)[0] == "failure"
    assert evaluate_acceptors(compiled(success_first), data)[0] == "success"


def test_user_retry_acceptor_overrides_the_defaults() -> None:
    keep = [Acceptor("retry", "task_state", "execution_success")]
    assert evaluate_acceptors(compiled(keep), {"task_state": "execution_success"})[0] == "retry"
    catch_all = [Acceptor("success", "cluster_id", "c1"), Acceptor("retry", "`true`", True)]
    assert evaluate_acceptors(compiled(catch_all), {"task_state": "execution_fail"})[0] == "retry"
    assert evaluate_acceptors(compiled(catch_all), {"task_state": "running", "cluster_id": "C1"})[0] == "success"


def test_case_insensitive_strings_only() -> None:
    assert evaluate_acceptors(compiled([Acceptor("success", "task_state", "RUNNING")]), {"task_state": "running"})[0] == "success"
    one = compiled([Acceptor("success", "is_finished", 1)])
    assert evaluate_acceptors(one, {"is_finished": True})[0] == "retry", "True is not 1"
    flag = compiled([Acceptor("success", "is_finished", True)])
    assert evaluate_acceptors(flag, {"is_finished": True})[0] == "success"
    assert evaluate_acceptors(compiled([Acceptor("success", "n", 3)]), {"n": 3})[0] == "success"
    assert evaluate_acceptors(compiled([Acceptor("success", "n", "3")]), {"n": 3})[0] == "retry"


def test_path_all_path_any_and_contains() -> None:
    data = {"steps": [{"step_state": "execution_success"}, {"step_state": "Execution_Failed"}]}
    all_ok = compiled([Acceptor("success", "steps[].step_state", "execution_success", "pathAll")])
    any_bad = compiled([Acceptor("failure", "steps[].step_state", "execution_failed", "pathAny")])
    assert evaluate_acceptors(all_ok, data)[0] == "retry"
    assert evaluate_acceptors(all_ok, {"steps": [{"step_state": "EXECUTION_SUCCESS"}]})[0] == "success"
    assert evaluate_acceptors(all_ok, {"steps": []})[0] == "retry", "pathAll needs a non-empty list"
    assert evaluate_acceptors(any_bad, data)[0] == "failure"
    has = compiled([Acceptor("failure", "message", "quota", "contains")])
    assert evaluate_acceptors(has, {"message": "Exceeded QUOTA for gpus"})[0] == "failure"
    assert evaluate_acceptors(has, {"message": None})[0] == "retry"


def test_acceptor_that_errors_at_evaluation_is_no_match_with_one_warning() -> None:
    scripts = {"i1": timeline("i1", [(0, "running", "a"), (30, "execution_success", "a")], steps=None)}
    config = WaitConfig(acceptors=(Acceptor("failure", "length(steps) > `5`", True),), **FAST)
    outcome = wait(scripts, config)
    assert outcome.status == "success"
    assert len(outcome.warnings) == 1 and "acceptors[0]" in outcome.warnings[0] and "no match" in outcome.warnings[0]


@pytest.mark.parametrize("acceptor, fragment", [
    (Acceptor("success", "task_state ==", "x"), "invalid JMESPath"),
    (Acceptor("success", "", "x"), "non-empty"),
    (Acceptor("done", "task_state", "x"), "state must be one of"),
    (Acceptor("success", "task_state", "x", "regex"), "matcher must be one of"),
    (Acceptor("success", "task_state", 3, "contains"), "needs a string"),
])
def test_bad_acceptors_are_configuration_errors_before_any_poll(acceptor: Acceptor, fragment: str) -> None:
    clock = FakeClock(START)
    service = FakeService(clock, {"i1": constant(task("i1"))})
    with pytest.raises(ConfigurationError, match=fragment):
        wait_for_tasks(["i1"], service, WaitConfig(acceptors=(acceptor,)), clock=clock, sleep=clock.sleep, rng=random.Random())
    assert service.calls == []


def test_acceptors_from_params() -> None:
    got = acceptors_from_params([
        {"state": "success", "expression": "task_state", "expected": "done"},
        {"state": "failure", "argument": "message", "expected": "boom", "matcher": "contains"},
    ])
    assert got == (Acceptor("success", "task_state", "done"), Acceptor("failure", "message", "boom", "contains"))
    assert acceptors_from_params(None) == ()
    with pytest.raises(ConfigurationError, match="unknown keys: colour"):
        acceptors_from_params([{"state": "success", "expression": "a", "expected": 1, "colour": "red"}])
    with pytest.raises(ConfigurationError, match="needs 'expected'"):
        acceptors_from_params([{"state": "success", "expression": "a"}])
    with pytest.raises(ConfigurationError, match="list of dictionaries"):
        acceptors_from_params({"state": "success"})  # type: ignore[arg-type]


def test_custom_failure_acceptor_reason_in_msg() -> None:
    config = WaitConfig(acceptors=(Acceptor("failure", "steps[1].step_name", "rollback"),), **FAST)
    outcome = wait({"i1": constant(task("i1", "running", "rollback"))}, config)
    assert outcome.status == "failure"
    assert "matched acceptors[0] (steps[1].step_name path 'rollback' -> failure)" in outcome.msg


# --------------------------------------------------------------------------------------------------------------
# Config validation and inputs
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, fragment", [
    ({"timeout": -1}, "timeout"),
    ({"delay": 0}, "delay"),
    ({"delay": 10, "max_delay": 5}, "max_delay"),
    ({"growth": 0.5}, "growth"),
    ({"max_rate": 0}, "max_rate"),
    ({"heartbeat_interval": -1}, "heartbeat_interval"),
    ({"not_found_grace": float("nan")}, "not_found_grace"),
    ({"unreachable_grace": -1}, "unreachable_grace"),
    ({"unreachable_attempts": 0}, "unreachable_attempts"),
    ({"unreachable_attempts": 2.5}, "unreachable_attempts"),
    ({"timeout": True}, "timeout"),
    ({"expected_task_types": "extend_cluster"}, "not a string"),
    ({"expected_task_types": ("",)}, "non-empty"),
    ({"max_transitions_per_task": 0}, "max_transitions_per_task"),
])
def test_bad_config(kwargs: Dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        validate_config(WaitConfig(**kwargs))


def test_task_id_validation_and_dedup() -> None:
    clock = FakeClock(START)
    service = FakeService(clock, {"i1": constant(task("i1", "execution_success"))})
    kwargs = dict(clock=clock, sleep=clock.sleep, rng=random.Random())
    with pytest.raises(ConfigurationError):
        wait_for_tasks("i1", service, WaitConfig(), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        wait_for_tasks(["i1", ""], service, WaitConfig(), **kwargs)
    with pytest.raises(ConfigurationError):
        wait_for_tasks(["i1", None], service, WaitConfig(), **kwargs)  # type: ignore[list-item]
    outcome = wait_for_tasks(["i1", " i1 ", "i1"], service, WaitConfig(), **kwargs)
    assert outcome.succeeded_task_ids == ["i1"] and service.api_calls == 1


def test_no_tasks() -> None:
    clock = FakeClock(START)
    outcome = wait_for_tasks([], FakeService(clock, {}), WaitConfig(), clock=clock, sleep=clock.sleep, rng=random.Random())
    assert outcome.status == "success" and outcome.msg == "eflo_task_wait: no tasks to wait for."
    assert outcome.to_result()["tasks"] == [] and outcome.to_result()["failed"] is False


# --------------------------------------------------------------------------------------------------------------
# Bookkeeping and results
# --------------------------------------------------------------------------------------------------------------


def test_batch_bookkeeping_with_success_failure_and_timeout() -> None:
    scripts = {
        "ok": timeline("ok", [(0, "waiting_to_run", None), (20, "running", "add_nodes"), (50, "execution_success", "add_nodes")]),
        "bad": timeline("bad", [(0, "running", "add_nodes"), (40, "execution_fail", "add_nodes")],
                        message="3 nodes failed to start"),
        "slow": constant(task("slow", "running", "init_network")),
    }
    outcome, service, _clock = run(scripts, WaitConfig(timeout=200, fail_fast=False, **FAST))
    assert outcome.status == "failure"
    assert outcome.succeeded_task_ids == ["ok"]
    assert outcome.failed_task_ids == ["bad"]
    assert outcome.timed_out_task_ids == ["slow"]
    assert outcome.pending_task_ids == []
    assert outcome.polls == service.api_calls == sum(r.polls for r in outcome.records)
    result = outcome.to_result()
    json.dumps(result)
    assert set(result) == {"tasks", "succeeded_task_ids", "failed_task_ids", "timed_out_task_ids", "pending_task_ids",
                           "elapsed", "polls", "retries", "failed", "msg", "warnings"}
    by_id = {t["task_id"]: t for t in result["tasks"]}
    assert [t["task_id"] for t in result["tasks"]] == ["ok", "bad", "slow"], "input order"
    ok = by_id["ok"]
    assert ok["task_state"] == "execution_success" and ok["cluster_id"] == "i-cluster"
    assert [(t["task_state"], t["step"]) for t in ok["transitions"]] == [
        ("waiting_to_run", None), ("running", "add_nodes"), ("execution_success", "add_nodes")]
    assert 50 <= ok["elapsed"] < 200 and ok["polls"] >= 3
    assert by_id["slow"]["elapsed"] == 200
    assert "1 of 3 tasks failed (1 succeeded)" in result["msg"]
    assert "[bad (extend_cluster) execution_fail at step add_nodes: 3 nodes failed to start]" in result["msg"]
    assert "timed out after 3m 20s (timeout 200s) with 1 of 3 tasks unfinished: slow (extend_cluster) running at step init_network" \
        in result["msg"]


def test_transitions_are_capped_per_task() -> None:
    points = [(float(n), "running", "step%d" % n) for n in range(120)]
    config = WaitConfig(timeout=130, delay=1, max_delay=1, max_rate=50, heartbeat_interval=0, max_transitions_per_task=50)
    outcome = wait({"i1": timeline("i1", points)}, config)
    record = outcome.records[0]
    assert len(record.transitions) == 50
    assert record.transition_dicts()[-1]["step"] == "step119"


def test_fetch_missing_an_id_is_a_retry() -> None:
    clock = FakeClock(START)
    state = {"calls": 0}

    def fetch(ids: List[str]) -> Dict[str, Answer]:
        state["calls"] += 1
        return {} if state["calls"] == 1 else {i: task(i, "execution_success") for i in ids}

    outcome = wait_for_tasks(["i1"], fetch, WaitConfig(**FAST), clock=clock, sleep=clock.sleep, rng=random.Random(1))
    assert outcome.status == "success" and outcome.retries == 1 and outcome.polls == 2


def test_fetch_returning_garbage_is_a_bug() -> None:
    clock = FakeClock(START)
    with pytest.raises(TypeError):
        wait_for_tasks(["i1"], lambda ids: {"i1": ["not", "a", "dict"]}, WaitConfig(**FAST),  # type: ignore[arg-type,return-value]
                       clock=clock, sleep=clock.sleep, rng=random.Random(1))


def test_current_step() -> None:
    assert current_step({}) is None
    assert current_step({"steps": None}) is None
    steps = [{"step_name": "a", "step_state": "execution_success"}, {"step_name": "b", "step_state": "running"},
             {"step_name": "c", "step_state": ""}]
    assert current_step({"steps": steps}) == "b"
    assert current_step({"steps": steps[:1]}) == "a"
    assert current_step({"steps": [{"step_name": "x", "step_state": "execution_failed"}]}) == "x"


# --------------------------------------------------------------------------------------------------------------
# Rate
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("max_rate", [1.0, 2.5, 5.0, 20.0])
def test_never_more_than_max_rate_calls_in_any_second(max_rate: float) -> None:
    scripts = {"i%03d" % n: constant(task("i%03d" % n)) for n in range(120)}
    config = WaitConfig(timeout=120, delay=2, max_delay=4, growth=2, max_rate=max_rate, heartbeat_interval=0)
    service = served(scripts, config)
    assert max_calls_in_window(service) <= max_rate
    assert max_calls_in_window(service) == int(max_rate), "the budget is used"
    assert all(len(ids) <= max_rate for _when, ids in service.calls)


class SlowService(FakeService):
    """A ``fetch`` whose calls take time: one after another, ``per_call`` seconds each (the clock moves).

    ``seen`` holds the time the service handled each call: somewhere between the call's start and its answer
    (seeded). With ``report`` the answers say when each answer arrived (:class:`TimedAnswers`), as the action
    plugin's Poller does.
    """

    def __init__(self, clock: FakeClock, scripts: Dict[str, Script], per_call: float, report: bool) -> None:
        super().__init__(clock, scripts)
        self.per_call = per_call
        self.report = report
        self.seen: List[float] = []
        self.rng = random.Random(11)

    def __call__(self, ids: List[str]) -> Dict[str, Answer]:
        self.calls.append((self.clock.now, list(ids)))
        answers: Dict[str, Answer] = {}
        answered_at: Dict[str, float] = {}
        for task_id in ids:
            self.seen.append(self.clock.now + self.rng.choice((0.0, 0.5, 1.0)) * self.per_call)
            answers[task_id] = self.scripts[task_id](self.clock.now - START)
            self.clock.now += self.per_call
            answered_at[task_id] = self.clock.now
        return TimedAnswers(answers, answered_at) if self.report else answers


def peak_in_window(times: Sequence[float], window: float = 1.0) -> int:
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, start + window) - i for i, start in enumerate(ordered)), default=0)


def slow_wait(max_rate: float, per_call: float, report: bool) -> SlowService:
    scripts = {"i%03d" % n: constant(task("i%03d" % n)) for n in range(200)}
    config = WaitConfig(timeout=40, delay=0.5, max_delay=0.5, max_rate=max_rate, heartbeat_interval=0)
    clock = FakeClock(START)
    service = SlowService(clock, scripts, per_call, report=report)
    wait_for_tasks(list(scripts), service, config, clock=clock, sleep=clock.sleep, rng=random.Random(7))
    return service


@pytest.mark.parametrize("max_rate, per_call", [(20.0, 0.01), (50.0, 0.015), (5.0, 0.1)])
def test_slow_calls_use_the_whole_rate_and_the_service_never_sees_more(max_rate: float, per_call: float) -> None:
    # Each call is booked when its answer arrives: the service, which handles it somewhere between its start and
    # its answer, never sees more than max_rate calls in a second, and the rate is short of the cap only by the
    # latency of one call (max_rate / (1 + per_call)), not by the duration of a whole batch.
    service = slow_wait(max_rate, per_call, report=True)
    assert peak_in_window(service.seen) <= max_rate
    steady = [when for when in service.seen if START + 5 <= when < START + 35]
    assert len(steady) >= 0.98 * 30 * max_rate / (1 + per_call), "%d calls in 30 s" % len(steady)


def test_without_reported_times_a_batch_is_booked_when_it_ends() -> None:
    service = slow_wait(20.0, 0.01, report=False)
    assert peak_in_window(service.seen) <= 20
    steady = [when for when in service.seen if START + 5 <= when < START + 35]
    assert len(steady) >= 0.98 * 30 * 20 / (1 + 20 * 0.01)  # a batch of 20 calls takes 0.2 s


def test_rate_window_books_calls_at_their_own_times() -> None:
    window = RateWindow(4)
    window.record(9.0, 1)
    window.record_times([10.3, 10.0, 8.0])  # a time before the last booking counts as that booking: 9.0
    assert window.available(9.99) == 0
    assert window.available(10.1) == 2  # both calls booked at 9.0 left the window at 10.0
    window.record(10.4, 2)
    assert window.available(10.5) == 0 and window.next_free(10.5) == 11.0
    assert window.available(11.0) == 1 and window.available(11.35) == 2


def test_fractional_rate_below_one() -> None:
    scripts = {"i%d" % n: constant(task("i%d" % n)) for n in range(4)}
    config = WaitConfig(timeout=30, delay=1, max_delay=1, max_rate=0.5, heartbeat_interval=0)
    service = served(scripts, config)
    assert max_calls_in_window(service, 2.0) == 1
    assert 14 <= service.api_calls <= 16


def test_rate_window() -> None:
    window = RateWindow(3)
    assert window.available(0) == 3
    window.record(0, 2)
    window.record(0.5, 1)
    assert window.available(0.9) == 0 and window.next_free(0.9) == 1.0
    assert window.available(1.0) == 2
    window.hold(5)
    assert window.available(2) == 0 and window.next_free(2) == 5
    assert window.available(5) == 3
    slow = RateWindow(0.25)
    assert (slow.window, slow.capacity) == (4.0, 1)


@pytest.mark.parametrize("code, status", [("Throttling.User", 400), ("Rejected.Throttling", 400),
                                          ("InternalDependencyError.RequestLimitExceeded", 400), (None, 429)])
def test_retry_after_on_throttling_pauses_every_call(code: Optional[str], status: int) -> None:
    throttled = ApiError("Throttled.", code=code, status=status, retry_after=30)
    answers = {"i1": [throttled, task("i1", "execution_success")], "i2": [task("i2", "running"), task("i2", "execution_success")]}

    def fetch(ids: List[str]) -> Dict[str, Answer]:
        calls.append((clock.now, list(ids)))
        return {i: answers[i].pop(0) if len(answers[i]) > 1 else answers[i][0] for i in ids}

    clock = FakeClock(START)
    calls: List[Tuple[float, List[str]]] = []
    outcome = wait_for_tasks(["i1", "i2"], fetch, WaitConfig(**FAST), clock=clock, sleep=clock.sleep, rng=FixedRandom(0))
    assert outcome.status == "success" and outcome.retries == 1
    assert [(t - START, ids) for t, ids in calls] == [(0, ["i1", "i2"]), (30, ["i2", "i1"])], "i2 (due at 5) waits for the hold"


# --------------------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("error", [
    TransportError("Connection reset.", kind="network"),
    ApiError("Service unavailable.", code="ServiceUnavailable", status=503),
    ApiError("Throttled.", code="Throttling.Api", status=400),
    ApiError("Bad gateway.", status=502, body_excerpt="<html>"),
    DeadlineExceeded("The call ran out of time.", last_error=TransportError("timeout", kind="timeout")),
])
def test_retryable_errors_are_counted_and_retried(error: EfloError) -> None:
    answers: List[Answer] = [error, error, task("i1", "running"), error, task("i1", "execution_success")]
    script_state = {"n": 0}

    def script(elapsed: float) -> Answer:
        script_state["n"] += 1
        return answers[min(script_state["n"], len(answers)) - 1]

    events: List[Any] = []
    outcome, service, _clock = run({"i1": script}, WaitConfig(**FAST), events=events)
    assert outcome.status == "success", outcome.msg
    assert outcome.retries == 3 and outcome.polls == 5 == service.api_calls
    assert outcome.records[0].poll_failures == 3
    errors = [e for e in events if isinstance(e, PollErrorsEvent)]
    assert sum(len(e.errors) for e in errors) == 3
    assert all(error.msg == pe.message for e in errors for pe in e.errors)


def test_retryable_errors_that_outlast_the_deadline_time_out_with_the_last_error() -> None:
    error = TransportError("Connection reset by 127.0.0.1.", kind="network")
    outcome = wait({"i1": constant(error)}, WaitConfig(timeout=60, **FAST))
    assert outcome.status == "timeout"
    assert "i1 not seen yet, last poll error: Connection reset by 127.0.0.1." in outcome.msg
    assert outcome.retries == outcome.polls


REFUSED = TransportError("eflo-controller DescribeTask to http://127.0.0.1:9 failed: could not connect (ConnectError: "
                         "[Errno 111] Connection refused). Check the endpoint, the network and any proxy settings.", kind="connect")
TLS = TransportError("eflo-controller DescribeTask to https://127.0.0.1:8443 failed: the TLS certificate could not be "
                     "verified (self-signed). Set ca_bundle to the CA that signed the endpoint's certificate.", kind="tls")


def test_an_endpoint_that_never_answered_ends_the_wait_after_unreachable_attempts() -> None:
    outcome, service, clock = run({"i1": constant(REFUSED), "i2": constant(REFUSED)}, WaitConfig())  # the defaults
    assert outcome.status == "error" and outcome.error.kind == "connect"
    polls = sorted(len(service.call_times(task_id)) for task_id in ("i1", "i2"))
    assert polls[-1] == 3 and polls[0] >= 2, "3 polls of one task in a row, not 3 polls in all"
    assert clock.now - START <= 30
    assert outcome.msg == ("eflo_task_wait: the endpoint never answered: " + REFUSED.msg + " 3 polls of task i1 in a row could not "
                           "connect over 27s (unreachable_attempts 3, unreachable_grace 30s). The wait stopped after 27s with 0 of "
                           "2 tasks finished (5 polls, 4 retries)")
    assert outcome.to_result()["error"] == {"kind": "connect"}


def test_an_endpoint_that_never_answered_ends_the_wait_at_unreachable_grace() -> None:
    outcome, service, clock = run({"i1": constant(REFUSED)}, WaitConfig(unreachable_attempts=100, unreachable_grace=45))
    assert outcome.status == "error"
    assert clock.now - START == 45, "the last poll is due when the grace ends"
    assert "unreachable_grace 45s" in outcome.msg and "over 45s" in outcome.msg


def test_once_the_endpoint_answered_an_outage_is_ridden_out_until_the_deadline() -> None:
    answers: List[Answer] = [task("i1", "running")]

    def script(elapsed: float) -> Answer:
        return answers.pop(0) if answers else REFUSED

    outcome = wait({"i1": script}, WaitConfig(timeout=300, **FAST))
    assert outcome.status == "timeout" and outcome.retries == outcome.polls - 1 > 3


@pytest.mark.parametrize("answered_first", [False, True])
def test_a_tls_certificate_that_does_not_verify_ends_the_wait_at_once(answered_first: bool) -> None:
    answers: List[Answer] = [task("i1", "running")] if answered_first else []

    def script(elapsed: float) -> Answer:
        return answers.pop(0) if answers else TLS

    outcome, service, _clock = run({"i1": script}, WaitConfig(**FAST))
    assert outcome.status == "error" and outcome.error is TLS and outcome.retries == 0
    assert service.api_calls == 1 + answered_first
    assert outcome.msg.startswith("eflo_task_wait: " + TLS.msg + " The wait stopped after ")


@pytest.mark.parametrize("error", [
    ApiError("The AccessKey does not exist.", code="InvalidAccessKeyId.NotFound", status=404, request_id="R1"),
    ApiError("Signature mismatch.", code="SignatureDoesNotMatch", status=400),
    ApiError("Forbidden.", code="Forbidden.RAM", status=403),
    CredentialsError("No credentials.", searched=["options", "env"]),
    ConfigurationError("Bad endpoint."),
])
def test_fatal_errors_end_the_wait_at_once(error: EfloError) -> None:
    scripts = {"i1": constant(task("i1", "running")), "i2": constant(error), "i3": constant(task("i3", "execution_success"))}
    outcome, service, clock = run(scripts, WaitConfig(**FAST))
    assert outcome.status == "error" and outcome.error is error
    assert len(service.calls) == 1 and clock.sleeps == []
    assert outcome.succeeded_task_ids == ["i3"] and outcome.pending_task_ids == ["i1", "i2"]
    assert outcome.timed_out_task_ids == []
    assert "polling task i2 failed" in outcome.msg and error.msg in outcome.msg
    result = outcome.to_result()
    assert result["failed"] is True
    for key, value in error.to_result().items():
        assert result[key] == value


def test_unusable_answers_are_polled_again_until_too_many_in_a_row() -> None:
    bad = ResponseParseError("DescribeTask answer is not a task.", body_excerpt="<html>", status=200)
    answers: List[Answer] = [bad, bad, task("i1", "running")] + [bad] * 4 + [task("i1", "execution_success")]
    state = {"n": 0}

    def script(elapsed: float) -> Answer:
        state["n"] += 1
        return answers[min(state["n"], len(answers)) - 1]

    outcome = wait({"i1": script}, WaitConfig(max_bad_answers=5, **FAST))
    assert outcome.status == "success", outcome.msg  # a good answer in between resets the count
    assert outcome.retries == 6

    outcome, service, _clock = run({"i1": constant(bad)}, WaitConfig(max_bad_answers=3, timeout=36000, **FAST))
    assert outcome.status == "error" and outcome.error is bad
    assert service.api_calls == 3 and outcome.retries == 2
    assert "polling task i1 failed" in outcome.msg


def test_fetch_raising_counts_for_the_whole_batch() -> None:
    clock = FakeClock(START)
    service = FakeService(clock, {"i1": constant(task("i1", "execution_success")), "i2": constant(task("i2", "execution_success"))})
    service.raise_on_call[1] = TransportError("Network is unreachable.")
    outcome = wait_for_tasks(["i1", "i2"], service, WaitConfig(**FAST), clock=clock, sleep=clock.sleep, rng=random.Random(1))
    assert outcome.status == "success" and outcome.retries == 2 and outcome.polls == 4

    clock = FakeClock(START)
    service = FakeService(clock, {"i1": constant(task("i1"))})
    service.raise_on_call[2] = CredentialsError("Expired.")
    outcome = wait_for_tasks(["i1"], service, WaitConfig(**FAST), clock=clock, sleep=clock.sleep, rng=random.Random(1))
    assert outcome.status == "error" and isinstance(outcome.error, CredentialsError)


# --------------------------------------------------------------------------------------------------------------
# Not found grace
# --------------------------------------------------------------------------------------------------------------


NOT_FOUND = ApiError("The task does not exist.", code="RESOURCE_NOT_FOUND", status=404)


def test_not_found_within_grace_is_pending() -> None:
    def script(elapsed: float) -> Answer:
        return NOT_FOUND if elapsed < 40 else task("i1", "execution_success")

    outcome, service, _clock = run({"i1": script}, WaitConfig(not_found_grace=60, **FAST))
    assert outcome.status == "success" and outcome.retries == 0
    assert service.api_calls >= 3


def test_not_found_after_grace_fails_the_task() -> None:
    events: List[Any] = []
    outcome, service, clock = run({"i1": constant(NOT_FOUND), "i2": constant(task("i2"))},
                                  WaitConfig(not_found_grace=30, fail_fast=False, timeout=300, **FAST), events=events)
    assert outcome.failed_task_ids == ["i1"] and outcome.timed_out_task_ids == ["i2"]
    record = outcome.records[0]
    assert record.finished_at is not None and record.finished_at - START >= 30
    assert all(t - START < 30 for t in service.call_times("i1")[:-1])
    assert "i1 was not found for" in outcome.msg and "(not_found_grace 30s)" in outcome.msg
    assert "Check the task id and the region" in outcome.msg
    beats = [e for e in events if isinstance(e, HeartbeatEvent)]
    assert beats == [], "heartbeat_interval 0 disables heartbeats"


@pytest.mark.parametrize("grace", [60.0, 47.5, 200.0])
def test_not_found_ends_at_the_grace_with_the_default_schedule(grace: float) -> None:
    outcome, service, clock = run({"i1": constant(NOT_FOUND)}, WaitConfig(not_found_grace=grace))
    assert outcome.status == "failure"
    assert outcome.records[0].finished_at - START == grace, "polled again exactly when the grace ends"
    assert service.call_times("i1")[-1] - START == grace


def test_not_found_with_zero_grace_fails_on_the_first_poll() -> None:
    outcome, service, _clock = run({"i1": constant(NOT_FOUND)}, WaitConfig(not_found_grace=0, **FAST))
    assert outcome.status == "failure" and service.api_calls == 1


# --------------------------------------------------------------------------------------------------------------
# Expected task types
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task_type, expected, ok", [
    ("extend_cluster", ["extend_cluster"], True),
    ("EXTEND_CLUSTER", ["extend_cluster"], True),
    ("extend_bare_cluster", ["extend_"], True),
    ("extend_bare_cluster", ["extend_*"], True),
    ("extend_bare_cluster", ["extend_cluster"], False),
    ("cut_cluster", ["extend_", "initialize_"], False),
    ("initialize_cluster", ["extend_", "initialize_"], True),
    ("reclone_node_sub_task", ["reclone_node"], False),
    ("extend", ["extend_"], False),
])
def test_task_type_matches(task_type: str, expected: List[str], ok: bool) -> None:
    assert task_type_matches(task_type, expected) is ok


def test_wrong_type_fails_at_once_before_waiting() -> None:
    scripts = {"i1": constant(task("i1", "running", task_type="extend_cluster")),
               "i2": constant(task("i2", "execution_success", task_type="cut_cluster")),
               "i3": constant(task("i3", "running", task_type="extend_bare_cluster"))}
    outcome, service, clock = run(scripts, WaitConfig(expected_task_types=("extend_",), fail_fast=False, **FAST))
    assert outcome.status == "failure"
    assert clock.sleeps == [] and len(service.calls) == 1
    assert outcome.failed_task_ids == ["i2"] and outcome.pending_task_ids == ["i1", "i3"]
    assert "i2 (cut_cluster) execution_success: is a cut_cluster task, expected extend_" in outcome.msg
    assert "not of the expected_task_types" in outcome.msg


def test_missing_task_type_warns_and_waits() -> None:
    outcome = wait({"i1": constant(task("i1", "execution_success", task_type=None))},
                   WaitConfig(expected_task_types=("extend_cluster",), **FAST))
    assert outcome.status == "success"
    assert outcome.warnings == ["Task i1 has no task_type; expected_task_types could not be checked."]


# --------------------------------------------------------------------------------------------------------------
# fail_fast and sub-task failures
# --------------------------------------------------------------------------------------------------------------


def three_tasks() -> Dict[str, Script]:
    return {
        "a": timeline("a", [(0, "running", "s1"), (30, "execution_fail", "s1")], message="quota exceeded"),
        "b": timeline("b", [(0, "running", "s1"), (100, "execution_success", "s1")]),
        "c": timeline("c", [(0, "running", "s1"), (150, "execution_success", "s1")]),
    }


def test_fail_fast_stops_at_the_first_failure() -> None:
    outcome, _service, clock = run(three_tasks(), WaitConfig(timeout=1000, fail_fast=True, **FAST))
    assert outcome.status == "failure"
    assert outcome.failed_task_ids == ["a"] and outcome.pending_task_ids == ["b", "c"]
    assert outcome.timed_out_task_ids == [] and clock.now - START < 100
    assert "stopped at the first failure (fail_fast); 2 unfinished tasks not waited for: b, c" in outcome.msg
    assert "quota exceeded" in outcome.msg


def test_without_fail_fast_every_task_is_waited_for() -> None:
    outcome, _service, clock = run(three_tasks(), WaitConfig(timeout=1000, fail_fast=False, **FAST))
    assert outcome.status == "failure"
    assert outcome.failed_task_ids == ["a"] and outcome.succeeded_task_ids == ["b", "c"]
    assert outcome.pending_task_ids == [] and clock.now - START >= 150
    assert "1 of 3 tasks failed (2 succeeded)" in outcome.msg


def partial_success(use_precomputed: bool) -> Dict[str, Any]:
    sub_ok = {"task_id": "s1", "task_type": "extend_node_sub_task", "task_state": "execution_success", "message": ""}
    sub_bad = {"task_id": "s2", "task_type": "extend_node_sub_task", "task_state": "execution_fail",
               "message": "node e01-cn-abc failed health check"}
    data = task("i1", "execution_success", task_type="extend_cluster")
    data["steps"] = [{"step_name": "add_nodes", "step_state": "execution_success", "sub_tasks": [sub_ok, sub_bad]}]
    if use_precomputed:
        data["failed_steps"] = []
        data["failed_sub_tasks"] = [dict(sub_bad, step_name="add_nodes")]
    return data


@pytest.mark.parametrize("use_precomputed", [True, False])
def test_sub_task_failure_fails_when_asked(use_precomputed: bool) -> None:
    outcome = wait({"i1": constant(partial_success(use_precomputed))}, WaitConfig(fail_on_sub_task_failure=True, **FAST))
    assert outcome.status == "failure" and outcome.failed_task_ids == ["i1"]
    assert "succeeded but 1 sub-task failed (fail_on_sub_task_failure)" in outcome.msg
    assert "failed sub-tasks: s2 (extend_node_sub_task) execution_fail at step add_nodes: node e01-cn-abc failed health check" \
        in outcome.msg


@pytest.mark.parametrize("use_precomputed", [True, False])
def test_sub_task_failure_warns_by_default(use_precomputed: bool) -> None:
    outcome = wait({"i1": constant(partial_success(use_precomputed))}, WaitConfig(**FAST))
    assert outcome.status == "success" and outcome.succeeded_task_ids == ["i1"]
    assert len(outcome.warnings) == 1
    assert outcome.warnings[0].startswith("i1 (extend_cluster) succeeded but failed sub-tasks: s2 (extend_node_sub_task)")
    assert outcome.to_result()["warnings"] == outcome.warnings


def test_sub_task_warnings_are_capped() -> None:
    scripts = {}
    for n in range(60):
        data = partial_success(True)
        data["task_id"] = "i%d" % n
        scripts["i%d" % n] = constant(data)
    outcome = wait(scripts, WaitConfig(**FAST))
    assert outcome.status == "success" and len(outcome.warnings) == 21
    assert outcome.warnings[-1] == "and 40 more tasks succeeded with failed sub-tasks or steps."


# --------------------------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------------------------


def test_events_transitions_and_start() -> None:
    events: List[Any] = []
    script = timeline("i1", [(0, "waiting_to_run", None), (10, "running", "a"), (30, "running", "b"), (60, "execution_success", "b")])
    outcome = wait({"i1": script}, WaitConfig(delay=5, max_delay=5, heartbeat_interval=0), events=events)
    assert outcome.status == "success"
    assert isinstance(events[0], StartEvent) and events[0].total == 1
    changes = [t for e in events if isinstance(e, TransitionsEvent) for t in e.transitions]
    assert [(t.old_state, t.new_state, t.old_step, t.new_step, t.first) for t in changes] == [
        (None, "waiting_to_run", None, None, True),
        ("waiting_to_run", "running", None, "a", False),
        ("running", "running", "a", "b", False),
        ("running", "execution_success", "b", "b", False),
    ]
    assert [t.elapsed for t in changes] == [0, 10, 30, 60]
    lines = [line for e in events for line in progress.format_event(e)]
    assert "eflo_task_wait: i1 (extend_cluster) running -> execution_success at step b" in lines
    assert "eflo_task_wait: i1 (extend_cluster) running: step a -> b" in lines


def test_heartbeat_throttling_and_content() -> None:
    events: List[Any] = []
    scripts = {
        "i1": timeline("i1", [(0, "running", "a"), (100, "execution_success", "a")]),
        "i2": timeline("i2", [(0, "running", "a"), (50, "execution_fail", "a")]),
        "i3": timeline("i3", [(0, "running", "add_nodes")]),
        "i4": timeline("i4", [(0, "waiting_to_run", None), (200, "running", "a")]),
    }
    config = WaitConfig(timeout=900, delay=5, max_delay=20, heartbeat_interval=60, fail_fast=False)
    run(scripts, config, events=events)
    beats = [e for e in events if isinstance(e, HeartbeatEvent)]
    times = [b.elapsed for b in beats]
    assert len(beats) >= 10
    assert times[0] >= 60
    assert all(b - a >= 60 for a, b in zip(times, times[1:])), "at most one heartbeat per interval"
    late = beats[-1]
    assert (late.total, late.succeeded, late.failed) == (4, 1, 1)
    assert dict(late.pending_by_state) == {"running": 2}
    assert late.slowest is not None and late.slowest.task_id == "i3"
    assert late.slowest.unchanged_for == pytest.approx(late.elapsed)
    line = progress.format_heartbeat(late)
    assert line.startswith("eflo_task_wait: 2/4 finished (1 failed), 2 running; slowest i3 extend_cluster at step add_nodes for ")


def test_heartbeats_keep_coming_while_every_task_sleeps() -> None:
    events: List[Any] = []
    config = WaitConfig(timeout=600, delay=300, max_delay=300, heartbeat_interval=30)
    run({"i1": constant(task("i1"))}, config, events=events)
    beats = [e.elapsed for e in events if isinstance(e, HeartbeatEvent)]
    assert beats == [30.0 * n for n in range(1, 20)]


def test_thousand_tasks() -> None:
    rng = random.Random(11)
    scripts: Dict[str, Script] = {}
    for n in range(1000):
        task_id = "i%04d" % n
        start_at = rng.uniform(0, 200)
        done_at = start_at + rng.uniform(100, 900)
        state = "execution_fail" if n % 97 == 0 else "execution_success"
        scripts[task_id] = timeline(task_id, [(0, "waiting_to_run", None), (start_at, "running", "add_nodes"),
                                              (done_at, state, "add_nodes")])
    events: List[Any] = []
    config = WaitConfig(timeout=4 * 3600, delay=15, max_delay=60, max_rate=20, heartbeat_interval=60, fail_fast=False)
    outcome, service, clock = run(scripts, config, events=events)
    assert outcome.status == "failure"
    failed = ["i%04d" % n for n in range(0, 1000, 97)]
    assert outcome.failed_task_ids == failed
    assert len(outcome.succeeded_task_ids) == 1000 - len(failed)
    assert max_calls_in_window(service) <= 20
    assert outcome.polls == service.api_calls
    assert clock.now - START < 3000
    # no flood: one summary line per buffered batch of changes, never a line per task per poll
    for event in events:
        assert len(progress.format_event(event)) <= 10
    transition_events = [e for e in events if isinstance(e, TransitionsEvent)]
    assert sum(len(e.transitions) for e in transition_events) == sum(len(r.transitions) for r in outcome.records)
    lines = [line for e in events for line in progress.format_event(e)]
    assert len(lines) < 1000
    assert len(outcome.msg) <= progress.SECTION_LIMIT + 300
    assert "11 of 1000 tasks failed (989 succeeded)" in outcome.msg and "and 1 more" in outcome.msg
    assert all(len(r.transitions) in (2, 3) for r in outcome.records)
    assert sum(1 for r in outcome.records if len(r.transitions) == 3) > 500


def test_memory_stays_small_per_task() -> None:
    """The record keeps the last task dict only, not a history of dicts."""
    script = timeline("i1", [(float(n * 10), "running", "s%d" % n) for n in range(30)])
    outcome = wait({"i1": script}, WaitConfig(timeout=300, delay=5, max_delay=5, heartbeat_interval=0))
    record = outcome.records[0]
    assert isinstance(record.task, dict) and record.task["steps"][1]["step_name"] == "s29"
    assert all(isinstance(t, tuple) and len(t) == 3 for t in record.transitions), "transitions are kept as small tuples"
    assert all(set(t) == {"time", "task_state", "step"} for t in record.transition_dicts())
    assert not hasattr(record, "__dict__"), "records use __slots__"


def test_without_jmespath_simple_paths_work_and_complex_ones_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import waiter

    monkeypatch.setattr(waiter, "jmespath", None)
    simple = compiled([Acceptor("failure", "steps_info.phase", "broken")])
    assert evaluate_acceptors(simple, {"task_state": "execution_success"})[0] == "success"
    assert evaluate_acceptors(simple, {"task_state": "running", "steps_info": {"phase": "BROKEN"}})[0] == "failure"
    assert evaluate_acceptors(simple, {"task_state": "running", "steps_info": "flat"})[0] == "retry"
    with pytest.raises(ConfigurationError, match="needs the jmespath library"):
        compiled([Acceptor("success", "steps[0].step_state", "x")])


def test_fetch_returning_a_non_mapping_is_a_bug() -> None:
    clock = FakeClock(START)
    with pytest.raises(TypeError, match="must return a dict"):
        wait_for_tasks(["i1"], lambda ids: [task("i1")], WaitConfig(**FAST),  # type: ignore[arg-type,return-value]
                       clock=clock, sleep=clock.sleep, rng=random.Random(1))


def test_keyboard_interrupt_propagates() -> None:
    clock = FakeClock(START)

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    service = FakeService(clock, {"i1": constant(task("i1"))})
    with pytest.raises(KeyboardInterrupt):
        wait_for_tasks(["i1"], service, WaitConfig(**FAST), clock=clock, sleep=interrupted, rng=random.Random(1))
    assert service.api_calls == 1


def test_thirty_percent_faults_every_outcome_still_right() -> None:
    rng = random.Random(5)
    faults = [TransportError("Connection reset.", kind="network"),
              ApiError("Throttled.", code="Throttling.User", status=400),
              ApiError("Internal error.", code="InternalError", status=500),
              DeadlineExceeded("Out of time.")]
    expected: Dict[str, str] = {}
    scripts: Dict[str, Script] = {}
    for n in range(200):
        task_id = "i%03d" % n
        final = "execution_fail" if n % 7 == 0 else "execution_success"
        expected[task_id] = "failed" if final == "execution_fail" else "succeeded"
        clean = timeline(task_id, [(0, "running", "a"), (rng.uniform(50, 500), final, "b")])

        def script(elapsed: float, clean: Script = clean) -> Answer:
            return rng.choice(faults) if rng.random() < 0.3 else clean(elapsed)

        scripts[task_id] = script
    outcome = wait(scripts, WaitConfig(timeout=3600, delay=10, max_delay=40, max_rate=10, fail_fast=False, heartbeat_interval=0))
    assert outcome.status == "failure"
    assert outcome.succeeded_task_ids == [t for t, r in expected.items() if r == "succeeded"]
    assert outcome.failed_task_ids == [t for t, r in expected.items() if r == "failed"]
    assert outcome.timed_out_task_ids == [] and outcome.pending_task_ids == []
    assert 0.2 < outcome.retries / outcome.polls < 0.4


# --------------------------------------------------------------------------------------------------------------
# Batch size
# --------------------------------------------------------------------------------------------------------------


def test_one_fetch_polls_at_most_max_batch_tasks_and_the_rest_follow_at_once() -> None:
    scripts = {"i%03d" % n: constant(task("i%03d" % n, "execution_success")) for n in range(250)}
    outcome, service, clock = run(scripts, WaitConfig(max_batch=100, max_rate=1000.0, heartbeat_interval=0))
    assert outcome.status == "success" and len(outcome.succeeded_task_ids) == 250
    assert [len(ids) for _when, ids in service.calls] == [100, 100, 50]
    assert clock.now == START, "the next chunk is fetched without waiting"


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10"])
def test_max_batch_must_be_a_positive_integer(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_batch must be an integer of at least 1"):
        wait({"i1": constant(task("i1", "execution_success"))}, WaitConfig(max_batch=value))
