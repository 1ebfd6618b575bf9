# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the progress-aware schedule (schedule.py): what an answer says, and the wait it gives."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import schedule
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.schedule import (
    PHASE_BUSY,
    PHASE_MAY_END,
    PHASE_UNKNOWN,
    Progress,
    adaptive_wait,
    near_wait,
    read_progress,
)

BASE = datetime(2022, 11, 30, 2, 0, 0, 852000, tzinfo=timezone.utc)


class FixedRandom:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def at(seconds: float, base: datetime = BASE, fmt: str = "iso") -> str:
    moment = base + timedelta(seconds=seconds)
    if fmt == "epoch_ms":
        return str(int(moment.timestamp() * 1000))
    if fmt == "one_digit_hour":
        return "%04d-%02d-%02dT%d:%02d:%02d.%03dZ" % (
            moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second, moment.microsecond // 1000)
    if fmt == "+08:00":
        local = moment.astimezone(timezone(timedelta(hours=8)))
        return local.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+08:00" % (local.microsecond // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def sub(state: str, created: float, updated: float, **kw: Any) -> Dict[str, Any]:
    fmt = kw.pop("fmt", "iso")
    base = kw.pop("base", BASE)
    return {"task_id": "i158", "task_type": "reclone_node_sub_task", "task_state": state,
            "create_time": at(created, base, fmt), "update_time": at(updated, base, fmt), **kw}


def step(name: str, state: str, start: Optional[float], updated: Optional[float], subs: Optional[List[Dict[str, Any]]] = None,
         fmt: str = "iso", base: datetime = BASE) -> Dict[str, Any]:
    return {"step_name": name, "step_type": "dispersive" if subs else "normal", "step_state": state,
            "start_time": at(start, base, fmt) if start is not None else None,
            "update_time": at(updated, base, fmt) if updated is not None else None, "sub_tasks": subs or []}


def body(steps: Any, now: float, state: str = "running", fmt: str = "iso", base: datetime = BASE) -> Dict[str, Any]:
    return {"task_id": "i1", "task_type": "reclone_node", "task_state": state, "create_time": at(0, base, fmt),
            "update_time": at(now, base, fmt), "steps": steps}


def reclone_at(now: float, fmt: str = "iso", base: datetime = BASE) -> Dict[str, Any]:
    """A reclone in its fan-out step at ``now`` (60 < now < 460): sub-task a ends at 380, b at 460."""
    subs = [sub("execution_success" if now >= 380 else "running", 60, min(now, 380), fmt=fmt, base=base),
            sub("running", 60, now, fmt=fmt, base=base)]
    return body([step("check_node_state", "execution_success", 0, 60, fmt=fmt, base=base),
                 step("reclone_nodes", "running", 60, now, subs, fmt=fmt, base=base)], now, fmt=fmt, base=base)


# --------------------------------------------------------------------------------------------------------------
# read_progress
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", [
    None, "running", [], {},
    body([], 10),                                              # no steps yet
    body(None, 10),                                            # steps: null
    body([step("a", "running", 0, 10)], 10, state="waiting_to_run"),
    body([step("a", "execution_success", 0, 10)], 10, state="execution_success"),
    body([step("a", "execution_failed", 0, 10)], 10, state="execution_fail"),
    {"task_state": "running", "steps": [{"step_name": "a", "step_state": "running"}]},   # no timestamps anywhere
    {"task_state": "running", "create_time": "soon", "update_time": "later",
     "steps": [{"step_name": "a", "step_state": "running", "start_time": "n/a", "sub_tasks": None}]},
])
def test_no_usable_progress_is_unknown(task: Any) -> None:
    assert read_progress(task).phase == PHASE_UNKNOWN


def test_running_sub_tasks_none_finished_mean_busy_for_as_long_again() -> None:
    got = read_progress(reclone_at(160))
    assert got.phase == PHASE_BUSY and got.reason == "sub-tasks running"
    assert got.remaining == pytest.approx(100.0)  # ran 100 s, none finished: as long again
    assert got.age == pytest.approx(160.0) and got.step_age == pytest.approx(100.0)


def test_a_finished_sub_task_predicts_the_others() -> None:
    subs = [sub("execution_success", 60, 360), sub("running", 200, 400)]  # the slowest finished one took 300 s
    got = read_progress(body([step("a", "execution_success", 0, 60), step("b", "running", 60, 400, subs)], 400))
    assert got.phase == PHASE_BUSY and got.remaining == pytest.approx(100.0)  # b ran 200 of about 300
    overdue = read_progress(reclone_at(400))  # a finished at 380 after 320 s, b runs for 340 s: 20 s overdue
    assert overdue.phase == PHASE_BUSY and overdue.remaining == pytest.approx(20.0)


def test_failed_sub_tasks_count_as_finished() -> None:
    subs = [sub("execution_fail", 60, 100, message="node broke"), sub("running", 60, 90)]
    got = read_progress(body([step("a", "execution_success", 0, 60), step("b", "running", 60, 100, subs)], 100))
    assert got.phase == PHASE_BUSY and got.remaining == pytest.approx(0.0)


def test_a_step_whose_sub_tasks_all_finished_may_be_the_last() -> None:
    subs = [sub("execution_success", 60, 380), sub("execution_success", 60, 460)]
    got = read_progress(body([step("a", "execution_success", 0, 60), step("b", "running", 60, 470, subs)], 470))
    assert got.phase == PHASE_MAY_END and got.step_age == pytest.approx(410.0)


def test_a_later_step_with_no_subtasks_may_end() -> None:
    steps = [step("a", "execution_success", 0, 60), step("b", "execution_success", 60, 460), step("c", "running", 460, 500)]
    got = read_progress(body(steps, 500))
    assert got.phase == PHASE_MAY_END and got.step_age == pytest.approx(40.0)


def test_the_first_step_is_not_expected_to_be_the_last() -> None:
    got = read_progress(body([step("a", "running", 5, 35)], 35))
    assert got.phase == PHASE_BUSY and got.reason == "first step" and got.remaining == pytest.approx(30.0)


def test_listed_steps_that_have_not_started_keep_the_task_busy() -> None:
    steps = [step("a", "execution_success", 0, 60), step("b", "running", 60, 100), step("c", "waiting_to_run", None, None)]
    got = read_progress(body(steps, 100))
    assert got.phase == PHASE_BUSY and got.reason == "later steps listed" and got.remaining == pytest.approx(40.0)
    waiting = read_progress(body([step("a", "execution_success", 0, 60), step("b", "waiting", None, None)], 70))
    assert waiting.phase == PHASE_BUSY and waiting.remaining is None  # nothing to estimate from: growth schedule


def test_every_step_done_but_the_task_running_may_end() -> None:
    got = read_progress(body([step("a", "execution_success", 0, 60), step("b", "execution_success", 60, 90)], 95))
    assert got.phase == PHASE_MAY_END and got.step_age == pytest.approx(5.0)


def test_a_failed_step_may_end_the_task() -> None:
    got = read_progress(body([step("a", "execution_success", 0, 60), step("b", "execution_failed", 60, 90)], 90))
    assert got.phase == PHASE_MAY_END and got.reason == "step failed"


@pytest.mark.parametrize("fmt", ["one_digit_hour", "epoch_ms", "+08:00"])
def test_every_timestamp_shape_gives_the_same_estimate(fmt: str) -> None:
    assert read_progress(reclone_at(400, fmt=fmt)) == read_progress(reclone_at(400))
    assert read_progress(reclone_at(160, fmt=fmt)) == read_progress(reclone_at(160))


@pytest.mark.parametrize("shift", [timedelta(0), timedelta(hours=-8), timedelta(days=3650), timedelta(days=-17000)])
def test_only_service_timestamps_relative_to_each_other_count(shift: timedelta) -> None:
    """A service clock that is hours or years off (or the epoch) gives the same estimate: nothing is compared with
    a local clock."""
    assert read_progress(reclone_at(400, base=BASE + shift)) == read_progress(reclone_at(400))


def test_messy_items_are_skipped_not_fatal() -> None:
    steps: List[Any] = ["garbage", None, step("a", "execution_success", 0, 60),
                        dict(step("b", "running", 60, 160), sub_tasks=[None, "x", sub("running", 60, 160)])]
    got = read_progress(body(steps, 160))
    assert got.phase == PHASE_BUSY and got.remaining == pytest.approx(100.0)
    no_create = dict(step("b", "running", 60, 160), sub_tasks=[{"task_state": "running", "update_time": at(160)}])
    got = read_progress(body([step("a", "execution_success", 0, 60), no_create], 160))
    assert got.phase == PHASE_BUSY and got.remaining == pytest.approx(100.0)  # the step's start stands in


def test_service_now_is_the_latest_timestamp_of_the_answer() -> None:
    """The task's update time lags (it moves only on changes); a running sub-task's update time is later."""
    task = reclone_at(160)
    task["update_time"] = at(60)
    assert read_progress(task).remaining == pytest.approx(100.0)


def test_a_start_after_every_update_gives_no_negative_age() -> None:
    task = body([step("a", "execution_success", 0, 60), step("b", "running", 9999, None)], 100)
    got = read_progress(task)
    assert got.phase == PHASE_MAY_END and (got.step_age is None or got.step_age >= 0)


# --------------------------------------------------------------------------------------------------------------
# adaptive_wait
# --------------------------------------------------------------------------------------------------------------

KW = dict(delay=12.0, near_delay=7.0, max_delay=60.0)


def test_unknown_progress_falls_back() -> None:
    assert adaptive_wait(Progress(), first=False, rng=FixedRandom(0.5), **KW) is None
    assert adaptive_wait(Progress(), first=True, rng=FixedRandom(0.5), **KW) is None
    assert adaptive_wait(Progress(PHASE_BUSY, age=5.0), first=False, rng=FixedRandom(0.5), **KW) is None


def test_first_wait_brings_the_second_poll_to_delay_after_creation() -> None:
    young = Progress(PHASE_MAY_END, age=1.5, step_age=1.5)
    assert adaptive_wait(young, first=True, rng=FixedRandom(0.0), **KW) == pytest.approx(10.5)
    assert adaptive_wait(young, first=True, rng=FixedRandom(0.9999), **KW) == pytest.approx(10.5 * (1 + schedule.FIRST_JITTER), rel=1e-4)
    old = Progress(PHASE_MAY_END, age=500.0, step_age=30.0)
    assert adaptive_wait(old, first=True, rng=FixedRandom(0.0), **KW) == pytest.approx(7.0)
    busy = Progress(PHASE_BUSY, age=100.0, remaining=45.0)
    assert adaptive_wait(busy, first=True, rng=FixedRandom(0.0), **KW) == pytest.approx(45.0)


def test_busy_waits_for_the_estimated_end_of_the_work() -> None:
    busy = Progress(PHASE_BUSY, age=100.0, remaining=30.0)
    assert adaptive_wait(busy, first=False, rng=FixedRandom(0.0), **KW) == pytest.approx(30.0)
    assert adaptive_wait(busy, first=False, rng=FixedRandom(0.9999), **KW) == pytest.approx(24.0, rel=1e-4)
    assert adaptive_wait(Progress(PHASE_BUSY, remaining=5000.0), first=False, rng=FixedRandom(0.3), **KW) == 60.0
    floor = schedule.BUSY_FLOOR * 12.0
    assert adaptive_wait(Progress(PHASE_BUSY, remaining=0.0), first=False, rng=FixedRandom(0.3), **KW) == floor
    assert adaptive_wait(Progress(PHASE_BUSY, remaining=0.0), first=False, rng=FixedRandom(0.3), delay=12.0, near_delay=12.0,
                         max_delay=60.0) == 12.0, "never below near_delay"
    assert adaptive_wait(Progress(PHASE_BUSY, remaining=0.0), first=False, rng=FixedRandom(0.3), delay=12.0, near_delay=7.0,
                         max_delay=8.0) == 8.0, "never above max_delay"


def test_may_end_polls_densely_with_a_narrow_jitter() -> None:
    young = Progress(PHASE_MAY_END, age=100.0, step_age=30.0)
    assert adaptive_wait(young, first=False, rng=FixedRandom(0.0), **KW) == pytest.approx(7.0)
    assert adaptive_wait(young, first=False, rng=FixedRandom(0.9999), **KW) == pytest.approx(8.4, rel=1e-4)
    old = Progress(PHASE_MAY_END, age=3000.0, step_age=2000.0)
    assert adaptive_wait(old, first=False, rng=FixedRandom(0.0), **KW) == pytest.approx(7.0 * schedule.NEAR_CAP)


def test_near_wait_grows_with_the_square_root_of_the_step_age() -> None:
    assert near_wait(7.0, None) == near_wait(7.0, 10.0) == near_wait(7.0, schedule.NEAR_SCALE) == 7.0
    assert near_wait(7.0, schedule.NEAR_SCALE * 1.21) == pytest.approx(7.0 * 1.1)
    assert near_wait(7.0, 1e9) == pytest.approx(7.0 * schedule.NEAR_CAP)


@settings(max_examples=300, deadline=None)
@given(phase=st.sampled_from([PHASE_UNKNOWN, PHASE_BUSY, PHASE_MAY_END]), first=st.booleans(),
       age=st.one_of(st.none(), st.floats(min_value=0, max_value=1e7)),
       step_age=st.one_of(st.none(), st.floats(min_value=0, max_value=1e7)),
       remaining=st.one_of(st.none(), st.floats(min_value=0, max_value=1e7)),
       near=st.floats(min_value=0.01, max_value=100), factor=st.floats(min_value=1, max_value=10),
       top=st.floats(min_value=1, max_value=20), u=st.floats(min_value=0, max_value=0.9999999))
def test_every_wait_lies_between_the_near_delay_and_max_delay(
        phase: str, first: bool, age: Optional[float], step_age: Optional[float], remaining: Optional[float],
        near: float, factor: float, top: float, u: float) -> None:
    delay = near * factor
    max_delay = delay * top
    wait = adaptive_wait(Progress(phase, age=age, step_age=step_age, remaining=remaining), first=first, delay=delay,
                         near_delay=near, max_delay=max_delay, rng=FixedRandom(u))
    if wait is not None:
        assert near - 1e-9 <= wait <= max_delay + 1e-9
