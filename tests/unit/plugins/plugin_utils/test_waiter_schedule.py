# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wait engine with the progress-aware schedule (``schedule: adaptive``), under a fake clock.

The tasks here answer with realistic timestamps: steps with start/update times and sub-tasks, as DescribeTask
shows them. Their service clock is deliberately unrelated to the engine's monotonic clock.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Sequence, Tuple

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ApiError
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.waiter import WaitConfig, near_delay, planned_wait, wait_for_tasks
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import schedule

from ansible_collections.alibabacloud.eflo.tests.unit.plugins.plugin_utils.engine_doubles import FakeClock, FixedRandom

START = 5000.0  # the engine's monotonic clock at the start (unrelated to the service's timestamps)
SERVICE_EPOCH = datetime(2025, 3, 1, 8, 0, 0, tzinfo=timezone.utc)


def stamp(seconds: float, base: datetime) -> str:
    moment = base + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


class Timeline:
    """A task created at service time 0 (``base``): normal step [0, a], fan-out [a, b] with sub-tasks ending at
    ``sub_ends``, normal step [b, end]; then success. ``lag``: the task was created this long before the wait."""

    def __init__(self, a: float, b: float, end: float, sub_ends: Sequence[float], base: datetime = SERVICE_EPOCH,
                 lag: float = 1.0) -> None:
        self.windows = [("prepare", 0.0, a, ()), ("nodes", a, b, tuple(sub_ends)), ("finish", b, end, ())]
        self.end, self.base, self.lag = end, base, lag

    def answer(self, t: float) -> Dict[str, Any]:
        steps = []
        for name, start, stop, subs in self.windows:
            if t < start:
                break
            subs_out = [{"task_id": "s%d" % i, "task_state": "execution_success" if t >= e else "running",
                         "create_time": stamp(start, self.base), "update_time": stamp(min(t, e), self.base)}
                        for i, e in enumerate(subs)]
            steps.append({"step_name": name, "step_state": "execution_success" if t >= stop else "running",
                          "start_time": stamp(start, self.base), "update_time": stamp(min(t, stop), self.base),
                          "sub_tasks": subs_out})
        done = t >= self.end
        return {"task_id": "i1", "task_type": "reclone_node", "task_state": "execution_success" if done else "running",
                "create_time": stamp(0, self.base), "update_time": stamp(min(t, self.end), self.base), "steps": steps}


class Service:
    def __init__(self, clock: FakeClock, timelines: Dict[str, Timeline]) -> None:
        self.clock = clock
        self.timelines = timelines
        self.calls: List[Tuple[float, str]] = []

    def __call__(self, ids: List[str]) -> Dict[str, Any]:
        out = {}
        for task_id in ids:
            self.calls.append((self.clock.now, task_id))
            line = self.timelines[task_id]
            out[task_id] = line.answer(self.clock.now - START + line.lag)
        return out

    def times(self, task_id: str) -> List[float]:
        return [when - START + self.timelines[task_id].lag for when, i in self.calls if i == task_id]


def run(timelines: Dict[str, Timeline], config: WaitConfig, rng: Any = None) -> Tuple[Any, Service, FakeClock]:
    clock = FakeClock(START)
    service = Service(clock, timelines)
    outcome = wait_for_tasks(list(timelines), service, config, clock=clock, sleep=clock.sleep,
                             rng=rng if rng is not None else random.Random(11))
    return outcome, service, clock


def gaps(times: Sequence[float]) -> List[float]:
    return [b - a for a, b in zip(times, times[1:])]


RECLONE_600 = dict(a=66.7, b=466.7, end=600.0, sub_ends=(386.7, 466.7))
DEFAULTS = WaitConfig(heartbeat_interval=0)


def test_defaults_poll_rarely_while_sub_tasks_run_and_often_near_the_end() -> None:
    outcome, service, _clock = run({"i1": Timeline(**RECLONE_600)}, DEFAULTS)
    assert outcome.status == "success"
    times = service.times("i1")
    in_fan_out = [t for t in times if 66.7 <= t < 466.7]
    in_last_step = [t for t in times if t >= 466.7]
    assert len(in_fan_out) <= 12, in_fan_out  # 400 s of running sub-tasks: the task cannot end there (every 7 s: 57 polls)
    assert all(g <= 7.0 * schedule.NEAR_CAP * (1 + schedule.NEAR_JITTER) + 1e-9 for g in gaps(in_last_step))
    assert times[-1] - 600.0 <= 7.0 * schedule.NEAR_CAP * (1 + schedule.NEAR_JITTER)  # the end is seen soon
    assert outcome.polls < 55, "fewer calls than an until loop every 10 s (55 for this task)"
    assert times[1] == pytest.approx(12.0, abs=12.0 * schedule.FIRST_JITTER + 1e-6), "second poll at the age of delay"


def test_backoff_schedule_ignores_progress() -> None:
    config = WaitConfig(delay=10, max_delay=60, growth=2.0, heartbeat_interval=0, schedule="backoff", timeout=400)
    _outcome, service, _clock = run({"i1": Timeline(**RECLONE_600)}, config, rng=FixedRandom(1.0))
    got = gaps(service.times("i1"))
    # polls at 1, 21, 61 (prepare), 121 (nodes: the step change resets the growth), 141: exactly as before
    assert got[:4] == pytest.approx([20, 40, 60, 20])


@pytest.mark.parametrize("config", [
    WaitConfig(heartbeat_interval=0),
    WaitConfig(delay=20, max_delay=25, near_delay=20, heartbeat_interval=0),
    WaitConfig(delay=3, max_delay=9, heartbeat_interval=0),
])
def test_every_wait_between_the_shortest_wait_and_max_delay(config: WaitConfig) -> None:
    timelines = {"i%d" % n: Timeline(a=5 + 13 * n, b=200 + 37 * n, end=260 + 41 * n, sub_ends=(100 + 30 * n, 200 + 37 * n),
                                     lag=float(n)) for n in range(6)}
    outcome, service, _clock = run(timelines, replace(config, max_rate=1000.0))  # the schedule alone: no poll held back by the rate cap
    assert outcome.status == "success"
    shortest = near_delay(config)
    for task_id in timelines:
        for gap in gaps(service.times(task_id)):
            assert shortest - 1e-9 <= gap <= config.max_delay + 1e-9, (task_id, gap)


def test_a_delay_set_by_the_user_stays_the_shortest_wait() -> None:
    config = WaitConfig(delay=20, max_delay=60, near_delay=20, heartbeat_interval=0)
    assert near_delay(config) == 20
    _outcome, service, _clock = run({"i1": Timeline(**RECLONE_600)}, config)
    assert min(gaps(service.times("i1"))) >= 20 - 1e-9
    assert near_delay(WaitConfig(delay=5, max_delay=60)) == 5, "the near wait is never longer than delay"


@pytest.mark.parametrize("base", [SERVICE_EPOCH - timedelta(days=20000), SERVICE_EPOCH + timedelta(hours=8),
                                  SERVICE_EPOCH + timedelta(days=4000)])
def test_a_skewed_service_clock_changes_nothing(base: datetime) -> None:
    _o, reference, _c = run({"i1": Timeline(**RECLONE_600)}, DEFAULTS, rng=random.Random(3))
    _o, skewed, _c = run({"i1": Timeline(base=base, **RECLONE_600)}, DEFAULTS, rng=random.Random(3))
    assert skewed.times("i1") == pytest.approx(reference.times("i1"))


def test_the_timeout_is_unchanged() -> None:
    config = WaitConfig(timeout=300, heartbeat_interval=0)
    outcome, service, clock = run({"i1": Timeline(**RECLONE_600)}, config)
    assert outcome.status == "timeout" and outcome.timed_out_task_ids == ["i1"]
    assert clock.now == START + 300
    assert service.calls[-1][0] == START + 300, "one last check at the deadline"


def test_max_rate_holds_with_many_tasks_near_their_end_together() -> None:
    timelines = {"i%03d" % n: Timeline(a=1, b=2, end=400, sub_ends=(2,)) for n in range(150)}
    config = WaitConfig(timeout=600, max_rate=10, heartbeat_interval=0)
    outcome, service, _clock = run(timelines, config)
    assert outcome.status == "success"
    times = sorted(when for when, _i in service.calls)
    peak = max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
    assert peak <= 10


def test_jitter_spreads_tasks_that_started_together() -> None:
    timelines = {"i%02d" % n: Timeline(**RECLONE_600) for n in range(40)}
    outcome, service, _clock = run(timelines, WaitConfig(max_rate=1000, heartbeat_interval=0))
    assert outcome.status == "success"
    third_polls = {round(service.times(task_id)[2], 3) for task_id in timelines}
    last_polls = {round(service.times(task_id)[-1], 3) for task_id in timelines}
    assert len(third_polls) > 30 and len(last_polls) > 30


def test_retried_errors_use_the_growth_schedule() -> None:
    line = Timeline(**RECLONE_600)
    errors = iter([ApiError("busy", code="Throttling.User", status=400)] * 3)

    class Flaky(Service):
        def __call__(self, ids: List[str]) -> Dict[str, Any]:
            answers = super().__call__(ids)
            return {task_id: next(errors, answer) for task_id, answer in answers.items()}

    clock = FakeClock(START)
    service = Flaky(clock, {"i1": line})
    config = WaitConfig(delay=10, max_delay=60, growth=2.0, heartbeat_interval=0)
    outcome = wait_for_tasks(["i1"], service, config, clock=clock, sleep=clock.sleep, rng=FixedRandom(1.0))
    assert outcome.status == "success" and outcome.retries == 3
    assert gaps(service.times("i1"))[:3] == pytest.approx([20, 40, 60])


def test_planned_wait_falls_back_without_progress() -> None:
    config = WaitConfig(delay=10, max_delay=60, growth=2.0)
    assert planned_wait(1, config, FixedRandom(1.0)) == 20
    assert planned_wait(1, config, FixedRandom(1.0), schedule.Progress()) == 20
    may_end = schedule.Progress(schedule.PHASE_MAY_END, age=100.0, step_age=5.0)
    assert planned_wait(1, config, FixedRandom(0.0), may_end) == 7.0
    backoff = WaitConfig(delay=10, max_delay=60, growth=2.0, schedule="backoff")
    assert planned_wait(1, backoff, FixedRandom(1.0), may_end) == 20


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(schedule="smart"), "schedule must be one of adaptive, backoff"),
    (dict(near_delay=0), "near_delay must be > 0"),
])
def test_bad_schedule_options(kwargs: Dict[str, Any], fragment: str) -> None:
    from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
    from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.waiter import validate_config
    with pytest.raises(ConfigurationError, match=fragment):
        validate_config(WaitConfig(**kwargs))


def test_the_first_answer_of_an_old_task_polls_again_soon() -> None:
    """A wait started long after the task (it is in its last step): no 12 s first wait, the near wait."""
    line = Timeline(lag=500.0, **RECLONE_600)
    outcome, service, _clock = run({"i1": line}, DEFAULTS, rng=FixedRandom(0.0))
    assert outcome.status == "success"
    assert gaps(service.times("i1"))[0] == pytest.approx(7.0)
