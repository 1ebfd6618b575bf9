# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress-aware poll schedule of ``eflo_task_wait`` (``schedule: adaptive``): pure, no clock, no I/O.

:func:`read_progress` says from one task dict where the task stands; :func:`adaptive_wait` turns that into the wait
before the next poll (the user-facing rule is the ``schedule`` option of the module's DOCUMENTATION):

* ``busy``: the task cannot end yet (a sub-task of the current step still runs, or a listed step has not
  started); ``remaining`` estimates for how long: about when the slowest finished sibling sub-task did, else as
  long again as the work has run (the median of a scale-free prior).
* ``may_end``: nothing known outlasts the current step, so the task may end at any poll (``near_delay``).
* ``unknown``: no steps or timestamps, waiting to run, or finished: the engine uses the growth schedule.

Durations come only from the service's timestamps, relative to each other ("now" is the latest timestamp in the
answer), never from the local clock: a skewed service clock changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, List, Mapping, Optional, Protocol, Sequence

from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import FINAL_STATES, STATE_SUCCESS, classify_state, object_list, parse_datetime

PHASE_UNKNOWN = "unknown"
PHASE_BUSY = "busy"
PHASE_MAY_END = "may_end"

FIRST_JITTER = 0.01  # first wait: up to 1 % longer (the rate cap, not jitter, spreads tasks created together)
NEAR_JITTER = 0.2  # may_end: near_delay .. near_delay * 1.2
BUSY_JITTER = 0.2  # busy: remaining * 0.8 .. remaining
NEAR_SCALE = 120.0  # may_end: steps older than this are polled less often (square root of the age)
NEAR_CAP = 1.2  # ... up to 1.2 x near_delay
BUSY_FLOOR = 0.75  # busy: waits of at least BUSY_FLOOR x delay (9 s by default): it cannot end sooner
LINDY = 1.0  # work of unknown length that has run t seconds is expected to run about LINDY * t more
_WAITING_WORDS = ("wait", "pending", "init", "queue", "created")


class RandomSource(Protocol):
    def random(self) -> float:
        """A float in [0, 1)."""


@dataclass(frozen=True)
class Progress:
    """Where a task stands, from one answer (seconds of the service's own clock)."""

    phase: str = PHASE_UNKNOWN
    age: Optional[float] = None  # since the task was created
    step_age: Optional[float] = None  # since the current step started
    remaining: Optional[float] = None  # busy: estimated time until the running work ends
    reason: str = ""


UNKNOWN = Progress()


def _seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


def _moment(value: Any) -> Optional[datetime]:
    """``lenient.parse_datetime``, with a fast path for the canonical ``YYYY-MM-DDTHH:MM:SS(.fff)Z`` that the models
    give (a poll of a task with 32 nodes reads about 70 timestamps)."""
    if isinstance(value, str) and len(value) in (20, 24) and value[-1] == "Z" and value[10] == "T":
        try:
            return datetime.fromisoformat(value[:-1] + "+00:00")
        except ValueError:
            pass
    return parse_datetime(value)


def _times(item: Mapping[str, Any], *keys: str) -> List[datetime]:
    out = []
    for key in keys:
        moment = _moment(item.get(key))
        if moment is not None:
            out.append(moment)
    return out


def _service_now(task: Mapping[str, Any], steps: Sequence[Mapping[str, Any]]) -> Optional[datetime]:
    """The latest timestamp in the answer: the service's "now" as far as this answer tells."""
    moments = _times(task, "create_time", "update_time")
    for step in steps:
        moments.extend(_times(step, "start_time", "update_time"))
        for sub in object_list(step.get("sub_tasks"), (Mapping,)):
            moments.extend(_times(sub, "create_time", "update_time"))
    return max(moments) if moments else None


def _not_started(step: Mapping[str, Any]) -> bool:
    """A listed step that has not started: no start time, or a waiting-like state."""
    state = str(step.get("step_state") or "").casefold()
    if classify_state(state) in FINAL_STATES:
        return False
    return _moment(step.get("start_time")) is None or any(word in state for word in _WAITING_WORDS)


def _sub_tasks_remaining(subs: Sequence[Mapping[str, Any]], step_start: Optional[datetime], now: datetime) -> Optional[float]:
    """Estimated time until the running sub-tasks end, or None when none is running."""
    running = [s for s in subs if classify_state(s.get("task_state")) not in FINAL_STATES]
    if not running:
        return None
    starts = [m for s in running for m in _times(s, "create_time")] or ([step_start] if step_start else [])
    if not starts:
        return None
    ran = max(0.0, _seconds(now, min(starts)))
    done = []
    for sub in subs:
        if classify_state(sub.get("task_state")) not in FINAL_STATES:
            continue
        created, updated = _moment(sub.get("create_time")) or step_start, _moment(sub.get("update_time"))
        if created is not None and updated is not None and updated >= created:
            done.append(_seconds(updated, created))
    if not done:
        return LINDY * ran
    slowest = max(done)
    if ran < slowest:
        return slowest - ran
    return LINDY * (ran - slowest)


def read_progress(task: Mapping[str, Any]) -> Progress:
    """Where ``task`` (a snake_case task dict) stands; :data:`UNKNOWN` when the answer does not tell. Never raises."""
    if not isinstance(task, Mapping):
        return UNKNOWN
    state = task.get("task_state")
    if classify_state(state) in FINAL_STATES or any(w in str(state or "").casefold() for w in _WAITING_WORDS):
        return Progress(reason="task state %s" % (state or "missing"))
    steps = object_list(task.get("steps"), (Mapping,))
    now = _service_now(task, steps)
    if not steps or now is None:
        return Progress(reason="no steps" if not steps else "no timestamps")
    created = _moment(task.get("create_time"))
    age = _seconds(now, created) if created is not None and created <= now else None
    index = next((i for i, s in enumerate(steps) if classify_state(s.get("step_state")) != STATE_SUCCESS), None)
    if index is None:  # every listed step succeeded, the task is not finished: it may end at any poll
        last = _times(steps[-1], "update_time", "start_time")
        return Progress(PHASE_MAY_END, age=age, step_age=_seconds(now, last[0]) if last else None, reason="steps done")
    step = steps[index]
    if _not_started(step):
        return Progress(PHASE_BUSY, age=age, remaining=None, reason="step %s not started" % step.get("step_name"))
    started = _moment(step.get("start_time"))
    step_age = max(0.0, _seconds(now, started)) if started is not None and started <= now else None
    remaining = _sub_tasks_remaining(object_list(step.get("sub_tasks"), (Mapping,)), started, now)
    if remaining is not None:
        return Progress(PHASE_BUSY, age=age, step_age=step_age, remaining=remaining, reason="sub-tasks running")
    if any(_not_started(s) for s in steps[index + 1:]):
        guess = LINDY * step_age if step_age is not None else None
        return Progress(PHASE_BUSY, age=age, step_age=step_age, remaining=guess, reason="later steps listed")
    if classify_state(step.get("step_state")) in FINAL_STATES:  # a failed step: the task state follows soon
        return Progress(PHASE_MAY_END, age=age, step_age=step_age, reason="step failed")
    if index == 0 and step_age is not None:  # tasks have several steps: the first one is rarely the last
        return Progress(PHASE_BUSY, age=age, step_age=step_age, remaining=LINDY * step_age, reason="first step")
    return Progress(PHASE_MAY_END, age=age, step_age=step_age, reason="current step may be the last")


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def adaptive_wait(progress: Progress, *, first: bool, delay: float, near_delay: float, max_delay: float,
                  rng: RandomSource) -> Optional[float]:
    """The wait before the next poll, between ``near_delay`` and ``max_delay``; None: use the growth schedule.

    ``first``: this was the task's first answer in this wait."""
    low = min(near_delay, max_delay)
    if first and progress.phase != PHASE_UNKNOWN and progress.age is not None:
        target = delay - progress.age
        if progress.phase == PHASE_BUSY and progress.remaining is not None:
            target = max(target, progress.remaining)
        return _clamp(max(target, low) * (1.0 + FIRST_JITTER * rng.random()), low, max_delay)
    if progress.phase == PHASE_BUSY:
        if progress.remaining is None:
            return None
        floor = min(max(low, BUSY_FLOOR * delay), max_delay)
        return _clamp(progress.remaining * (1.0 - BUSY_JITTER * rng.random()), floor, max_delay)
    if progress.phase == PHASE_MAY_END:
        return _clamp(near_wait(low, progress.step_age) * (1.0 + NEAR_JITTER * rng.random()), low, max_delay)
    return None


def near_wait(near_delay: float, step_age: Optional[float]) -> float:
    """The wait while the task may end at any poll: ``near_delay`` for a step younger than ``NEAR_SCALE`` s, then
    growing with the square root of the step's age (a step that ran long is less likely to end in the next
    seconds), up to ``NEAR_CAP`` x ``near_delay``."""
    if step_age is None or step_age <= NEAR_SCALE:
        return near_delay
    return near_delay * min(NEAR_CAP, math.sqrt(step_age / NEAR_SCALE))
