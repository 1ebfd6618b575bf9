# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait engine of ``eflo_task_wait``: schedule, one deadline, rate window, acceptors, batch bookkeeping.

Pure Python: no Ansible, no HTTP; the clock, ``sleep`` and the random source are injected. What the options
mean for a user is the DOCUMENTATION of ``plugins/modules/eflo_task_wait.py``; this engine implements it::

    outcome = wait_for_tasks(task_ids, fetch, WaitConfig(...), clock=time.monotonic, sleep=time.sleep,
                             rng=random.Random(), on_event=handler)   # ConfigurationError before any poll
    result = outcome.to_result()                                    # the documented return dict

``fetch(ids) -> {id: task dict (models.task_to_dict) | EfloError}`` polls the given ids; it may raise an
:class:`EfloError` (then it counts for every id of the batch) and may return :class:`TimedAnswers` to say when
each answer arrived. The engine is the one place that retries a poll: the client under ``fetch`` is built with
``retries=CLIENT_RETRIES`` (0), and ``retry.classify(error, idempotent=True)`` decides what a poll error means.

* Schedule: every task is polled at the start, then on its own next-poll time (:func:`planned_wait`: the
  adaptive wait of ``schedule.py`` when the answer shows progress, else growth with full jitter); no next-poll
  time passes the deadline, a not-found task is polled again when ``not_found_grace`` ends and an unreached
  endpoint when ``unreachable_grace`` ends. At the deadline the pending tasks are polled once more.
* Rate: at most ``max_rate`` calls in any sliding second (:class:`RateWindow`), each booked when its answer
  arrived; a throttling ``retry_after`` holds the whole window.
* Verdict per answer: the user's acceptors in order, else :func:`lenient.classify_state` of ``task_state``.
* Errors: ``RETRY``/``RETRY_LATER`` re-poll until the deadline; ``max_bad_answers`` unusable answers in a row
  end the wait; while no poll has got an HTTP answer, ``unreachable_attempts`` unreached polls of a task in a
  row (or ``unreachable_grace``) end it; anything else ends it at once with status ``error``.
* Events (``on_event``; ``progress.format_event`` words them): start, buffered transitions and poll errors
  (flushed when idle or after ``summary_window``), heartbeats.
"""

from __future__ import annotations

import fnmatch
import heapq
import math
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Deque, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    EfloError,
    ResponseParseError,
    TransportError,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import STATE_FAILURE, STATE_SUCCESS, classify_state, clean, object_list
from ansible_collections.alibabacloud.eflo.plugins.module_utils.retry import RETRY_LATER, Verdict, classify
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import progress, schedule
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.progress import failed_steps, failed_sub_tasks
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.schedule import RandomSource

try:
    import jmespath
    from jmespath.exceptions import JMESPathError
except ImportError:  # pragma: no cover - exercised by ansible-test sanity --test import
    jmespath = None

    class JMESPathError(Exception):  # type: ignore[no-redef]
        """Stand-in so ``except JMESPathError`` stays valid without jmespath."""


SUCCESS = "success"
FAILURE = "failure"
RETRY = "retry"
ACCEPTOR_STATES = (SUCCESS, FAILURE, RETRY)
MATCHERS = ("path", "pathAll", "pathAny", "contains")

STATUS_SUCCESS = "success"
STATUS_FAILURE = "failure"
STATUS_TIMEOUT = "timeout"
STATUS_ERROR = "error"

RESULT_PENDING = "pending"
RESULT_SUCCEEDED = "succeeded"
RESULT_FAILED = "failed"

DETAILS_FULL = "full"
DETAILS_SUMMARY = "summary"
TASK_DETAILS = (DETAILS_FULL, DETAILS_SUMMARY)
# what a task keeps with task_details: summary (plus step, elapsed, polls; transitions unless it succeeded)
SUMMARY_KEYS = ("task_id", "task_type", "task_state", "cluster_id", "cluster_name", "message", "node_ids", "create_time",
                "update_time", "is_finished", "is_succeeded")

SCHEDULE_ADAPTIVE = "adaptive"
SCHEDULE_BACKOFF = "backoff"
SCHEDULES = (SCHEDULE_ADAPTIVE, SCHEDULE_BACKOFF)

MIN_SLEEP = 0.01
CLIENT_RETRIES = 0  # the client under fetch never retries: the engine re-polls (see "fetch" above)
MAX_WARNINGS = 30
_SIMPLE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")

FetchResult = Mapping[str, Union[Mapping[str, Any], EfloError]]
Fetch = Callable[[List[str]], FetchResult]


class TimedAnswers(Dict[str, Any]):
    """What ``fetch`` may return instead of a plain dict: the answers, plus ``answered_at[id]``, the time (of the
    engine's clock) at which the answer for that id arrived. The rate window then books each call at that time
    instead of at the end of the whole batch, so a batch that takes long does not leave the rate below the cap."""

    def __init__(self, answers: Optional[Mapping[str, Any]] = None, answered_at: Optional[Mapping[str, float]] = None) -> None:
        super().__init__(answers or {})
        self.answered_at: Dict[str, float] = dict(answered_at or {})


# --------------------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Acceptor:
    """One acceptor: when ``matcher`` applied to ``expression``'s result and ``expected`` matches, ``state``."""

    state: str
    expression: str
    expected: Any
    matcher: str = "path"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], index: int = 0) -> "Acceptor":
        """Build from the user option ``{state, expression, expected, matcher?}`` (``argument`` = ``expression``)."""
        if not isinstance(data, Mapping):
            raise ConfigurationError("acceptors[%d] must be a dictionary with state, expression and expected." % index)
        unknown = sorted(set(data) - {"state", "expression", "argument", "expected", "matcher"})
        if unknown:
            raise ConfigurationError("acceptors[%d] has unknown keys: %s." % (index, ", ".join(map(str, unknown))))
        expression = data.get("expression", data.get("argument"))
        if "expected" not in data:
            raise ConfigurationError("acceptors[%d] needs 'expected'." % index)
        return cls(
            state=str(data.get("state") or ""),
            expression=expression if isinstance(expression, str) else "",
            expected=data["expected"],
            matcher=str(data.get("matcher") or "path"),
        )


def acceptors_from_params(value: Optional[Sequence[Mapping[str, Any]]]) -> Tuple[Acceptor, ...]:
    """The ``acceptors`` option (list of dicts or None) as a tuple of :class:`Acceptor` (validated at start)."""
    if not value:
        return ()
    if isinstance(value, (str, bytes, Mapping)):
        raise ConfigurationError("acceptors must be a list of dictionaries.")
    return tuple(Acceptor.from_dict(item, index) for index, item in enumerate(value))


@dataclass(frozen=True)
class WaitConfig:
    """Options of one wait. Times are seconds of the injected clock."""

    timeout: float = 3600.0
    delay: float = 12.0
    max_delay: float = 60.0
    growth: float = 1.5
    schedule: str = SCHEDULE_ADAPTIVE  # adaptive (progress-aware, schedule.py) | backoff (growth with full jitter only)
    near_delay: float = 7.0  # adaptive: the wait while a task may end at any poll (never more than delay)
    max_rate: float = 5.0
    heartbeat_interval: float = 60.0  # 0 disables heartbeats
    expected_task_types: Tuple[str, ...] = ()
    acceptors: Tuple[Acceptor, ...] = ()
    fail_on_sub_task_failure: bool = False
    fail_fast: bool = True
    not_found_grace: float = 60.0
    summary_window: float = 30.0  # longest time a transition waits in the event buffer (big batches)
    max_transitions_per_task: int = 50
    max_bad_answers: int = 5  # unusable answers in a row for one task (truncated JSON, a 200 without a task)
    unreachable_attempts: int = 3  # polls of a task in a row that made no connection, before any answer
    unreachable_grace: float = 30.0  # seconds from the start during which an endpoint that never answered is retried
    max_batch: int = 100  # most tasks polled by one fetch: bounds the answers held at once (memory of big batches)


def _check_number(name: str, value: Any, minimum: float, strict: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        raise ConfigurationError("%s must be a finite number, got %r." % (name, value))
    if value < minimum or (strict and value == minimum):
        raise ConfigurationError("%s must be %s %s, got %r." % (name, ">" if strict else ">=", minimum, value))


def _check_count(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError("%s must be an integer of at least 1, got %r." % (name, value))


def validate_config(config: WaitConfig) -> "List[_CompiledAcceptor]":
    """Check every option and compile the acceptors (user ones, then defaults); raise ConfigurationError."""
    _check_number("timeout", config.timeout, 0, strict=True)
    _check_number("delay", config.delay, 0, strict=True)
    _check_number("max_delay", config.max_delay, 0, strict=True)
    if config.max_delay < config.delay:
        raise ConfigurationError("max_delay (%s) must not be smaller than delay (%s)." % (config.max_delay, config.delay))
    _check_number("growth", config.growth, 1)
    if config.schedule not in SCHEDULES:
        raise ConfigurationError("schedule must be one of %s, got %r." % (", ".join(SCHEDULES), config.schedule))
    _check_number("near_delay", config.near_delay, 0, strict=True)
    _check_number("max_rate", config.max_rate, 0, strict=True)
    _check_number("heartbeat_interval", config.heartbeat_interval, 0)
    _check_count("max_batch", config.max_batch)
    _check_number("not_found_grace", config.not_found_grace, 0)
    _check_number("unreachable_grace", config.unreachable_grace, 0)
    _check_count("unreachable_attempts", config.unreachable_attempts)
    _check_number("summary_window", config.summary_window, 0)
    _check_count("max_transitions_per_task", config.max_transitions_per_task)
    if isinstance(config.expected_task_types, (str, bytes)):
        raise ConfigurationError("expected_task_types must be a list of task types, not a string.")
    for value in config.expected_task_types:
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError("expected_task_types must hold non-empty strings, got %r." % (value,))
    return [_compile_acceptor(a, i) for i, a in enumerate(config.acceptors)]


# --------------------------------------------------------------------------------------------------------------
# Acceptors
# --------------------------------------------------------------------------------------------------------------


class _FieldPath:
    """A dotted field lookup with JMESPath semantics, used only when jmespath is not installed."""

    def __init__(self, expression: str) -> None:
        self._keys = expression.split(".")

    def search(self, data: Any) -> Any:
        for key in self._keys:
            if not isinstance(data, Mapping):
                return None
            data = data.get(key)
        return data


@dataclass(frozen=True)
class _CompiledAcceptor:
    acceptor: Acceptor
    index: int
    program: Any  # has .search(data)

    def describe(self) -> str:
        a = self.acceptor
        return "acceptors[%d] (%s %s %r -> %s)" % (self.index, a.expression, a.matcher, a.expected, a.state)


def _compile_acceptor(acceptor: Acceptor, index: int) -> _CompiledAcceptor:
    where = "acceptors[%d]" % index
    if acceptor.state not in ACCEPTOR_STATES:
        raise ConfigurationError("%s: state must be one of %s, got %r." % (where, ", ".join(ACCEPTOR_STATES), acceptor.state))
    if acceptor.matcher not in MATCHERS:
        raise ConfigurationError("%s: matcher must be one of %s, got %r." % (where, ", ".join(MATCHERS), acceptor.matcher))
    if not isinstance(acceptor.expression, str) or not acceptor.expression.strip():
        raise ConfigurationError("%s: expression must be a non-empty JMESPath expression." % where)
    if acceptor.matcher == "contains" and not isinstance(acceptor.expected, str):
        raise ConfigurationError("%s: the contains matcher needs a string 'expected'." % where)
    if jmespath is None:
        if _SIMPLE_PATH.match(acceptor.expression):
            return _CompiledAcceptor(acceptor, index, _FieldPath(acceptor.expression))
        raise ConfigurationError(
            "%s: evaluating %r needs the jmespath library; install httpx, pydantic>=2 and jmespath on the host that "
            "runs the module." % (where, acceptor.expression)
        )
    try:
        program = jmespath.compile(acceptor.expression)
    except JMESPathError as exc:
        raise ConfigurationError("%s: invalid JMESPath expression %r: %s" % (where, acceptor.expression, exc)) from None
    return _CompiledAcceptor(acceptor, index, program)


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.casefold() == expected.casefold()
    if isinstance(actual, bool) != isinstance(expected, bool):
        return False
    return bool(actual == expected)


def _matches(matcher: str, actual: Any, expected: Any) -> bool:
    if matcher == "path":
        return _equal(actual, expected)
    if matcher == "contains":
        return isinstance(actual, str) and expected.casefold() in actual.casefold()
    if not isinstance(actual, list) or not actual:
        return False
    if matcher == "pathAll":
        return all(_equal(item, expected) for item in actual)
    return any(_equal(item, expected) for item in actual)


def evaluate_acceptors(
    acceptors: Sequence[_CompiledAcceptor], task: Mapping[str, Any], on_error: Optional[Callable[[_CompiledAcceptor, Exception], None]] = None
) -> Tuple[str, Optional[_CompiledAcceptor]]:
    """``(state, acceptor)`` of the first matching acceptor; when none matches, ``(state, None)`` with the state
    :func:`lenient.classify_state` gives ``task_state`` (success, failure, else retry)."""
    for compiled in acceptors:
        try:
            actual = compiled.program.search(task)
        except (JMESPathError, TypeError, ValueError) as exc:
            if on_error is not None:
                on_error(compiled, exc)
            continue
        if _matches(compiled.acceptor.matcher, actual, compiled.acceptor.expected):
            return compiled.acceptor.state, compiled
    verdict = classify_state(task.get("task_state"))
    return (SUCCESS if verdict == STATE_SUCCESS else FAILURE if verdict == STATE_FAILURE else RETRY), None


# --------------------------------------------------------------------------------------------------------------
# Task dict helpers (pure)
# --------------------------------------------------------------------------------------------------------------


def current_step(task: Mapping[str, Any]) -> Optional[str]:
    """The first step that has not succeeded (running, waiting, failed), else the last step; None without steps."""
    steps = object_list(task.get("steps"), (Mapping,))
    for step in steps:
        if classify_state(step.get("step_state")) != STATE_SUCCESS:
            return clean(step.get("step_name"))
    return clean(steps[-1].get("step_name")) if steps else None


def changed(old_state: Optional[str], old_step: Optional[str], state: Optional[str], step: Optional[str]) -> bool:
    """Whether a task's state (case ignored) or current step changed: what makes a transition."""
    return (state or "").casefold() != (old_state or "").casefold() or step != old_step


def task_type_matches(task_type: str, expected: Sequence[str]) -> bool:
    """Exact type, family prefix ending in ``_`` (``extend_``), or glob (``extend_*``); case-insensitive."""
    actual = task_type.casefold()
    for pattern in expected:
        wanted = pattern.strip().casefold()
        if actual == wanted:
            return True
        if wanted.endswith("_") and actual.startswith(wanted):
            return True
        if any(ch in wanted for ch in "*?[") and fnmatch.fnmatchcase(actual, wanted):
            return True
    return False


# --------------------------------------------------------------------------------------------------------------
# Schedule and rate
# --------------------------------------------------------------------------------------------------------------


def backoff_cap(attempt: int, config: WaitConfig) -> float:
    """``min(max_delay, delay * growth ** attempt)`` without overflow."""
    if attempt <= 0 or config.growth == 1:
        return min(config.max_delay, config.delay)
    limit = math.log(config.max_delay / config.delay) if config.max_delay > config.delay else 0.0
    if attempt * math.log(config.growth) >= limit:
        return config.max_delay
    return min(config.max_delay, config.delay * config.growth ** attempt)


def next_wait(attempt: int, config: WaitConfig, rng: RandomSource) -> float:
    """The wait after the ``attempt``-th unchanged poll: full jitter between ``delay`` and the growing cap."""
    cap = backoff_cap(attempt, config)
    return config.delay + rng.random() * (cap - config.delay)


def near_delay(config: WaitConfig) -> float:
    """The adaptive schedule's shortest wait: ``near_delay``, never more than ``delay``."""
    return min(config.near_delay, config.delay)


def planned_wait(attempt: int, config: WaitConfig, rng: RandomSource, standing: Optional[schedule.Progress] = None,
                 first: bool = False) -> float:
    """The wait before the next poll of a task: with ``schedule: adaptive`` and an answer that tells where the task
    stands (``standing``, see ``schedule.py``), the progress-aware wait; otherwise :func:`next_wait`."""
    if config.schedule == SCHEDULE_ADAPTIVE and standing is not None:
        wait = schedule.adaptive_wait(standing, first=first, delay=config.delay, near_delay=near_delay(config),
                                      max_delay=config.max_delay, rng=rng)
        if wait is not None:
            return wait
    return next_wait(attempt, config, rng)


class RateWindow:
    """At most ``capacity`` calls in any ``window`` seconds (sliding log of call times; memory <= capacity)."""

    def __init__(self, max_rate: float) -> None:
        self.window = max(1.0, 1.0 / max_rate)
        self.capacity = max(1, int(math.floor(max_rate * self.window + 1e-9)))
        self._calls: Deque[float] = deque()
        self._hold_until = float("-inf")

    def _purge(self, now: float) -> None:
        while self._calls and self._calls[0] + self.window <= now:
            self._calls.popleft()

    def available(self, now: float) -> int:
        if now < self._hold_until:
            return 0
        self._purge(now)
        return self.capacity - len(self._calls)

    def next_free(self, now: float) -> float:
        """The earliest time at or after ``now`` when a call is allowed."""
        self._purge(now)
        free = now if len(self._calls) < self.capacity else self._calls[0] + self.window
        return max(free, self._hold_until)

    def record(self, when: float, count: int) -> None:
        """Book ``count`` calls started at ``when`` (not before the calls already booked)."""
        self._calls.extend([when] * count)
        while len(self._calls) > self.capacity:  # only when a caller overdraws; keep memory bounded
            self._calls.popleft()

    def record_times(self, times: Sequence[float]) -> None:
        """Book one call at each of ``times`` (none before the calls already booked)."""
        floor = self._calls[-1] if self._calls else float("-inf")
        for when in sorted(times):
            self.record(max(when, floor), 1)

    def hold(self, until: float) -> None:
        self._hold_until = max(self._hold_until, until)


# --------------------------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """A task seen for the first time (``old_state`` None and ``first`` True) or whose state or step changed."""

    task_id: str
    task_type: Optional[str]
    old_state: Optional[str]
    new_state: Optional[str]
    old_step: Optional[str]
    new_step: Optional[str]
    update_time: Optional[str]
    elapsed: float
    first: bool = False


@dataclass(frozen=True)
class PollError:
    task_id: str
    message: str
    code: Optional[str] = None


@dataclass(frozen=True)
class SlowTask:
    task_id: str
    task_type: Optional[str]
    task_state: Optional[str]
    step: Optional[str]
    unchanged_for: float  # seconds since its last transition (or since the start)


@dataclass(frozen=True)
class StartEvent:
    kind: ClassVar[str] = "start"
    total: int
    timeout: float
    max_rate: float


@dataclass(frozen=True)
class TransitionsEvent:
    kind: ClassVar[str] = "transitions"
    elapsed: float
    transitions: Tuple[Transition, ...]


@dataclass(frozen=True)
class PollErrorsEvent:
    kind: ClassVar[str] = "poll_errors"
    elapsed: float
    errors: Tuple[PollError, ...]
    retries: int  # total so far


@dataclass(frozen=True)
class HeartbeatEvent:
    kind: ClassVar[str] = "heartbeat"
    elapsed: float
    total: int
    succeeded: int
    failed: int
    pending_by_state: Tuple[Tuple[str, int], ...]  # most frequent first; "not found yet" / "not seen yet" too
    slowest: Optional[SlowTask]
    polls: int
    retries: int

    @property
    def finished(self) -> int:
        return self.succeeded + self.failed


Event = Union[StartEvent, TransitionsEvent, PollErrorsEvent, HeartbeatEvent]


# --------------------------------------------------------------------------------------------------------------
# Records and outcome
# --------------------------------------------------------------------------------------------------------------


class TaskRecord:
    """What the engine keeps per task: counters, the most recent transitions, and the last task dict as the result
    needs it (:func:`keep_answer`): the whole dict with ``task_details`` ``full``, a compact one
    (:data:`SUMMARY_KEYS`) with ``summary``, except for a task that failed, which keeps its whole last dict.

    ``transitions`` holds ``(time, task_state, step)`` tuples (``time`` in seconds since the start, rounded);
    :meth:`transition_dicts` gives the documented ``{time, task_state, step}`` dicts.
    """

    __slots__ = (
        "task_id", "order", "task", "task_state", "task_type", "step", "update_time", "result", "reason",
        "warning", "polls", "poll_failures", "last_error", "not_found", "finished_at", "last_poll",
        "last_change", "attempt", "next_poll", "transitions", "bad_answers", "unreached",
    )

    def __init__(self, task_id: str, order: int, start: float, max_transitions: int) -> None:
        self.task_id = task_id
        self.order = order
        self.task: Optional[Dict[str, Any]] = None
        self.task_state: Optional[str] = None
        self.task_type: Optional[str] = None
        self.step: Optional[str] = None
        self.update_time: Optional[str] = None
        self.result = RESULT_PENDING
        self.reason: Optional[str] = None  # why it failed (set by the engine) when the task dict does not say it
        self.warning: Optional[str] = None
        self.polls = 0
        self.poll_failures = 0
        self.last_error: Optional[str] = None
        self.not_found = False
        self.finished_at: Optional[float] = None
        self.last_poll: Optional[float] = None
        self.last_change = start
        self.attempt = 0
        self.next_poll = start
        self.transitions: Deque[Tuple[float, Optional[str], Optional[str]]] = deque(maxlen=max_transitions)
        self.bad_answers = 0  # unusable answers in a row
        self.unreached = 0  # polls in a row that made no connection (counted until the endpoint first answered)

    @property
    def seen(self) -> bool:
        return self.task is not None

    def elapsed(self, start: float, end: float) -> float:
        return (self.finished_at if self.finished_at is not None else end) - start

    def transition_dicts(self) -> List[Dict[str, Any]]:
        """The transitions as the result documents them, oldest first."""
        return [{"time": time, "task_state": state, "step": step} for time, state, step in self.transitions]

    def to_dict(self, start: float, end: float, details: str = DETAILS_FULL) -> Dict[str, Any]:
        """The task's entry in ``tasks``: the kept task dict plus ``step``, ``elapsed``, ``polls`` and ``transitions``
        (with ``summary``, a task that succeeded has no ``transitions``)."""
        data: Dict[str, Any] = dict(self.task) if self.task is not None else {"task_id": self.task_id, "task_state": None}
        data["task_id"] = data.get("task_id") or self.task_id
        data["step"] = self.step
        data["elapsed"] = round(self.elapsed(start, end), 3)
        data["polls"] = self.polls
        if details == DETAILS_FULL or self.result != RESULT_SUCCEEDED:
            data["transitions"] = self.transition_dicts()
        return data


def summarise_task(task: Mapping[str, Any]) -> Dict[str, Any]:
    """The compact form of a task dict: the keys of :data:`SUMMARY_KEYS` (None when missing), ``failed_steps`` and
    ``failed_sub_tasks`` as lists (found in ``steps`` when the dict does not have them), without ``steps``."""
    data = {key: task.get(key) for key in SUMMARY_KEYS}
    data["failed_steps"] = failed_steps(task)
    data["failed_sub_tasks"] = failed_sub_tasks(task)
    return data


def keep_answer(record: TaskRecord, details: str) -> None:
    """Trim what ``record`` keeps of its last answer to what the result and the messages need: with ``summary``,
    the compact dict (:func:`summarise_task`) unless the task failed, and no transitions once it succeeded."""
    if details != DETAILS_SUMMARY:
        return
    if record.task is not None and record.result != RESULT_FAILED:
        record.task = summarise_task(record.task)
    if record.result == RESULT_SUCCEEDED:
        record.transitions.clear()


@dataclass
class WaitOutcome:
    """The result of :func:`wait_for_tasks`."""

    records: List[TaskRecord]
    start: float
    end: float
    timeout: float
    polls: int = 0
    retries: int = 0
    status: str = STATUS_SUCCESS
    msg: str = ""
    warnings: List[str] = field(default_factory=list)
    error: Optional[EfloError] = None
    deadline_reached: bool = False
    details: str = DETAILS_FULL  # task_details: what each entry of ``tasks`` holds (full | summary)

    @property
    def elapsed(self) -> float:
        return self.end - self.start

    def _ids(self, result: str) -> List[str]:
        return [r.task_id for r in self.records if r.result == result]

    @property
    def succeeded_task_ids(self) -> List[str]:
        return self._ids(RESULT_SUCCEEDED)

    @property
    def failed_task_ids(self) -> List[str]:
        return self._ids(RESULT_FAILED)

    @property
    def timed_out_task_ids(self) -> List[str]:
        """Tasks still unfinished when the deadline was reached."""
        return self._ids(RESULT_PENDING) if self.deadline_reached else []

    @property
    def pending_task_ids(self) -> List[str]:
        """Tasks still unfinished when the wait stopped early (fail_fast, wrong type, an error)."""
        return [] if self.deadline_reached else self._ids(RESULT_PENDING)

    @property
    def failed(self) -> bool:
        return self.status != STATUS_SUCCESS

    def to_result(self) -> Dict[str, Any]:
        result: Dict[str, Any] = {
            "tasks": [r.to_dict(self.start, self.end, self.details) for r in self.records],
            "succeeded_task_ids": self.succeeded_task_ids,
            "failed_task_ids": self.failed_task_ids,
            "timed_out_task_ids": self.timed_out_task_ids,
            "pending_task_ids": self.pending_task_ids,
            "elapsed": round(self.elapsed, 3),
            "polls": self.polls,
            "retries": self.retries,
            "failed": self.failed,
            "msg": self.msg,
            "warnings": list(self.warnings),
        }
        if self.status == STATUS_ERROR and self.error is not None:
            for key, value in self.error.to_result().items():
                result.setdefault(key, value)
        return result


# --------------------------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------------------------


def _normalise_ids(task_ids: Sequence[str]) -> List[str]:
    if isinstance(task_ids, (str, bytes)):
        raise ConfigurationError("task_ids must be a list of task ids, not a string.")
    seen = set()
    ids: List[str] = []
    for value in task_ids:
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError("Every task id must be a non-empty string, got %r." % (value,))
        task_id = value.strip()
        if task_id not in seen:
            seen.add(task_id)
            ids.append(task_id)
    return ids


class _Waiter:
    """One call of :func:`wait_for_tasks` (state lives here, never in globals)."""

    def __init__(self, ids: List[str], fetch: Fetch, config: WaitConfig, acceptors: List[_CompiledAcceptor], *,
                 clock: Callable[[], float], sleep: Callable[[float], None], rng: RandomSource,
                 on_event: Optional[Callable[[Event], None]], details: str = DETAILS_FULL) -> None:
        self.fetch = fetch
        self.details = details
        self.config = config
        self.acceptors = acceptors
        self.clock = clock
        self.sleep = sleep
        self.rng = rng
        self.on_event = on_event
        self.start = clock()
        self.deadline = self.start + config.timeout
        self.records = [TaskRecord(task_id, i, self.start, config.max_transitions_per_task) for i, task_id in enumerate(ids)]
        self.by_id = {r.task_id: r for r in self.records}
        self.heap: List[Tuple[float, int, str]] = [(self.start, r.order, r.task_id) for r in self.records]
        self.pending = len(self.records)
        self.limiter = RateWindow(config.max_rate)
        self.polls = 0
        self.retries = 0
        self.warnings: List[str] = []
        self.fatal: Optional[EfloError] = None
        self.fatal_task: Optional[str] = None
        self.wrong_type = False
        self.stop_on_failure = False
        self.deadline_reached = False
        self.answered = False  # some poll got an HTTP answer (the never-answered rule no longer applies)
        self.buffered: List[Transition] = []
        self.buffered_errors: List[PollError] = []
        self.buffer_since: Optional[float] = None
        self.next_heartbeat = self.start + config.heartbeat_interval if config.heartbeat_interval > 0 else math.inf
        self.warned_acceptors: set = set()

    # -- events ------------------------------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def flush(self, now: float) -> None:
        if self.buffered:
            self.emit(TransitionsEvent(elapsed=now - self.start, transitions=tuple(self.buffered)))
        if self.buffered_errors:
            self.emit(PollErrorsEvent(elapsed=now - self.start, errors=tuple(self.buffered_errors), retries=self.retries))
        self.buffered = []
        self.buffered_errors = []
        self.buffer_since = None

    def maybe_flush(self, now: float, idle: bool) -> None:
        if self.buffer_since is None:
            return
        if idle or now - self.buffer_since >= self.config.summary_window:
            self.flush(now)

    def _buffer_started(self, now: float) -> None:
        if self.buffer_since is None:
            self.buffer_since = now

    def maybe_heartbeat(self, now: float) -> None:
        if now < self.next_heartbeat or not self.pending:
            return
        self.next_heartbeat = now + self.config.heartbeat_interval
        self.emit(self.heartbeat(now))

    def heartbeat(self, now: float) -> HeartbeatEvent:
        counts: Dict[str, int] = {}
        slowest: Optional[TaskRecord] = None
        succeeded = failed = 0
        for record in self.records:
            if record.result == RESULT_SUCCEEDED:
                succeeded += 1
                continue
            if record.result == RESULT_FAILED:
                failed += 1
                continue
            label = record.task_state or ("not found yet" if record.not_found else "not seen yet")
            counts[label] = counts.get(label, 0) + 1
            if slowest is None or record.last_change < slowest.last_change:
                slowest = record
        by_state = tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        slow = None
        if slowest is not None:
            slow = SlowTask(slowest.task_id, slowest.task_type, slowest.task_state, slowest.step, now - slowest.last_change)
        return HeartbeatEvent(now - self.start, len(self.records), succeeded, failed, by_state, slow, self.polls, self.retries)

    # -- schedule ----------------------------------------------------------------------------------------------

    def reschedule(self, record: TaskRecord, now: float, not_before: Optional[float] = None,
                   standing: Optional[schedule.Progress] = None, not_after: Optional[float] = None) -> None:
        record.attempt += 1
        when = now + planned_wait(record.attempt, self.config, self.rng, standing, first=record.polls == 1)
        if not_after is not None:
            when = min(when, not_after)
        if not_before is not None:
            when = max(when, not_before)
        record.next_poll = min(when, self.deadline)
        heapq.heappush(self.heap, (record.next_poll, record.order, record.task_id))

    def take_due(self, now: float) -> List[TaskRecord]:
        if not self.heap or self.heap[0][0] > now:
            return []
        budget = min(self.limiter.available(now), self.config.max_batch)
        batch: List[TaskRecord] = []
        while self.heap and self.heap[0][0] <= now and len(batch) < budget:
            task_id = heapq.heappop(self.heap)[2]
            record = self.by_id[task_id]
            if record.result == RESULT_PENDING:
                batch.append(record)
        return batch

    def next_wake(self, now: float) -> float:
        wake = min(self.deadline, self.next_heartbeat)
        if self.heap:
            due = self.heap[0][0]
            wake = min(wake, self.limiter.next_free(now) if due <= now else due)
        if self.buffer_since is not None:
            wake = min(wake, self.buffer_since + self.config.summary_window)
        return wake

    # -- polling -----------------------------------------------------------------------------------------------

    def poll(self, batch: List[TaskRecord], reschedule: bool = True) -> None:
        ids = [r.task_id for r in batch]
        start = self.clock()
        try:
            answers: FetchResult = self.fetch(list(ids))
        except EfloError as exc:
            answers = {task_id: exc for task_id in ids}
        if not isinstance(answers, Mapping):
            raise TypeError("fetch() must return a dict of task id -> task dict or EfloError, got %s" % type(answers).__name__)
        now = self.clock()
        self.book(ids, getattr(answers, "answered_at", None) or {}, start, now)
        self.polls += len(ids)
        for record in batch:
            record.polls += 1
            record.last_poll = now
            answer = answers.get(record.task_id)
            if answer is None:
                answer = TransportError("The poll returned no answer for task %s." % record.task_id, kind="no_answer")
            if isinstance(answer, EfloError):
                self.on_error(record, answer, now, reschedule)
            elif isinstance(answer, Mapping):
                self.on_task(record, answer, now, reschedule)
                keep_answer(record, self.details)
            else:
                raise TypeError("fetch() must return a task dict or an EfloError per id, got %s" % type(answer).__name__)

    def book(self, ids: Sequence[str], answered_at: Mapping[str, float], start: float, end: float) -> None:
        """Count the calls of a batch in the rate window, each when its answer arrived (the service saw the call
        by then: booking earlier could let the service see more than ``max_rate`` calls in one second), or at
        the end of the batch when ``fetch`` did not say."""
        self.limiter.record_times([min(max(float(answered_at.get(task_id, end)), start), end) for task_id in ids])

    def finish_task(self, record: TaskRecord, result: str, now: float) -> None:
        record.result = result
        record.finished_at = now
        self.pending -= 1
        if result == RESULT_FAILED and self.config.fail_fast:
            self.stop_on_failure = True

    def on_task(self, record: TaskRecord, task: Mapping[str, Any], now: float, reschedule: bool) -> None:
        data = dict(task)
        record.task = data
        record.not_found = False
        record.last_error = None
        record.bad_answers = 0
        self.answered = True
        record.task_type = clean(data.get("task_type"))
        record.update_time = clean(data.get("update_time"))
        self.track_transition(record, clean(data.get("task_state")), current_step(data), now)
        if self.config.expected_task_types and not self.type_ok(record, now):
            return
        state, acceptor = evaluate_acceptors(self.acceptors, data, self.acceptor_error)
        if state == SUCCESS:
            self.on_success(record, now)
        elif state == FAILURE:
            if acceptor is not None:
                record.reason = "matched %s" % acceptor.describe()
            self.finish_task(record, RESULT_FAILED, now)
        elif reschedule:
            self.reschedule(record, now, standing=schedule.read_progress(data))

    def type_ok(self, record: TaskRecord, now: float) -> bool:
        if record.task_type is None:
            self.warn("Task %s has no task_type; expected_task_types could not be checked." % record.task_id)
            return True
        if task_type_matches(record.task_type, self.config.expected_task_types):
            return True
        record.reason = "is %s task, expected %s" % (progress.with_article(record.task_type), " or ".join(self.config.expected_task_types))
        self.finish_task(record, RESULT_FAILED, now)
        self.wrong_type = True
        return False

    def on_success(self, record: TaskRecord, now: float) -> None:
        task = record.task or {}
        subs = failed_sub_tasks(task)
        steps = failed_steps(task)
        if not subs and not steps:
            self.finish_task(record, RESULT_SUCCEEDED, now)
            return
        what = progress.describe_partial_failure(len(steps), len(subs))
        if self.config.fail_on_sub_task_failure:
            record.reason = "succeeded but %s (fail_on_sub_task_failure)" % what
            self.finish_task(record, RESULT_FAILED, now)
        else:
            record.warning = "%s succeeded but %s" % (progress.task_label(record), progress.failed_parts(task))
            self.finish_task(record, RESULT_SUCCEEDED, now)

    def track_transition(self, record: TaskRecord, state: Optional[str], step: Optional[str], now: float) -> None:
        first = not record.transitions
        if not (first or changed(record.task_state, record.step, state, step)):
            return
        self.buffered.append(Transition(
            task_id=record.task_id, task_type=record.task_type, old_state=record.task_state, new_state=state,
            old_step=record.step, new_step=step, update_time=record.update_time, elapsed=now - self.start, first=first,
        ))
        self._buffer_started(now)
        record.transitions.append((round(now - self.start, 3), state, step))
        record.task_state = state
        record.step = step
        record.last_change = now
        record.attempt = 0

    def acceptor_error(self, acceptor: _CompiledAcceptor, exc: Exception) -> None:
        if acceptor.index not in self.warned_acceptors:
            self.warned_acceptors.add(acceptor.index)
            self.warn("%s raised %s: %s; treated as no match." % (acceptor.describe(), type(exc).__name__, exc))

    def on_error(self, record: TaskRecord, error: EfloError, now: float, reschedule: bool) -> None:
        verdict = classify(error, idempotent=True)
        self.answered = self.answered or isinstance(error, ApiError)
        if isinstance(error, ApiError) and error.is_not_found:
            record.not_found = True
            record.last_error = error.msg
            grace_end = self.start + self.config.not_found_grace
            if now < grace_end:
                if reschedule:
                    self.reschedule(record, now, not_after=grace_end)
                return
            record.reason = "was not found for %s (not_found_grace %s): %s Check the task id and the region." % (
                progress.format_duration(now - self.start), progress.format_seconds(self.config.not_found_grace), error.msg)
            self.finish_task(record, RESULT_FAILED, now)
            return
        if isinstance(error, ResponseParseError):
            record.bad_answers += 1
        never_answered = verdict.unreached and not self.answered
        record.unreached = record.unreached + 1 if never_answered else 0
        if never_answered and verdict.retry and self.unreachable(record, now):
            error = self.never_answered_error(record, error, now)
        elif verdict.retry or 0 < record.bad_answers < self.config.max_bad_answers:
            self.retry_later(record, error, verdict, now, reschedule, never_answered)
            return
        record.last_error = error.msg
        if self.fatal is None:
            self.fatal = error
            self.fatal_task = record.task_id
        if reschedule:
            self.reschedule(record, now)

    def retry_later(self, record: TaskRecord, error: EfloError, verdict: Verdict, now: float, reschedule: bool,
                    never_answered: bool) -> None:
        self.retries += 1
        record.poll_failures += 1
        record.last_error = error.msg
        self.buffered_errors.append(PollError(record.task_id, error.msg, getattr(error, "code", None)))
        self._buffer_started(now)
        not_before = now + verdict.retry_after if verdict.retry_after else None
        if not_before is not None and verdict.action == RETRY_LATER:
            self.limiter.hold(not_before)
        if reschedule:
            self.reschedule(record, now, not_before, not_after=self.start + self.config.unreachable_grace if never_answered else None)

    def unreachable(self, record: TaskRecord, now: float) -> bool:
        """The never-answered rule (see the module docstring): True when the wait must end."""
        return record.unreached >= self.config.unreachable_attempts or now >= self.start + self.config.unreachable_grace

    def never_answered_error(self, record: TaskRecord, error: EfloError, now: float) -> TransportError:
        return TransportError("the endpoint never answered: %s %s of task %s in a row could not connect over %s "
                              "(unreachable_attempts %d, unreachable_grace %s)." % (
                                  error.msg, progress.plural(record.unreached, "poll"), record.task_id,
                                  progress.format_duration(now - self.start), self.config.unreachable_attempts,
                                  progress.format_seconds(self.config.unreachable_grace)),
                              kind=getattr(error, "kind", "connect"))

    def should_stop(self) -> bool:
        return self.fatal is not None or self.wrong_type or self.stop_on_failure

    # -- main loop ---------------------------------------------------------------------------------------------

    def final_check(self, now: float) -> None:
        candidates = [r for r in self.records if r.result == RESULT_PENDING and (r.last_poll is None or r.last_poll < self.deadline)]
        candidates.sort(key=lambda r: (-math.inf if r.last_poll is None else r.last_poll, r.order))
        budget = self.limiter.available(now)
        if candidates and budget > 0:
            self.poll(candidates[:budget], reschedule=False)

    def run(self) -> WaitOutcome:
        self.emit(StartEvent(total=len(self.records), timeout=self.config.timeout, max_rate=self.config.max_rate))
        while self.pending and not self.should_stop():
            now = self.clock()
            if now >= self.deadline:
                self.deadline_reached = True
                self.final_check(now)
                break
            batch = self.take_due(now)
            if batch:
                self.poll(batch)
                now = self.clock()
                self.maybe_flush(now, idle=not self.heap or self.heap[0][0] > now)
                self.maybe_heartbeat(now)
                continue
            idle = not self.heap or self.heap[0][0] > now
            self.maybe_flush(now, idle=idle)
            self.maybe_heartbeat(now)
            self.sleep(max(self.next_wake(now) - now, MIN_SLEEP))
        end = self.clock()
        self.flush(end)
        return self.outcome(end)

    def outcome(self, end: float) -> WaitOutcome:
        outcome = WaitOutcome(records=self.records, start=self.start, end=end, timeout=self.config.timeout,
                              polls=self.polls, retries=self.retries, deadline_reached=self.deadline_reached,
                              details=self.details)
        failed = [r for r in self.records if r.result == RESULT_FAILED]
        pending = [r for r in self.records if r.result == RESULT_PENDING]
        if self.fatal is not None:
            outcome.status = STATUS_ERROR
            outcome.error = self.fatal
        elif failed:
            outcome.status = STATUS_FAILURE
        elif pending:
            outcome.status = STATUS_TIMEOUT
        stop_reason = None
        if self.wrong_type:
            stop_reason = "stopped at once: a task is not of the expected_task_types"
        elif self.stop_on_failure:
            stop_reason = "stopped at the first failure (fail_fast)"
        outcome.msg = progress.outcome_message(
            status=outcome.status, records=self.records, elapsed=outcome.elapsed, timeout=self.config.timeout,
            polls=self.polls, retries=self.retries, deadline_reached=self.deadline_reached, stop_reason=stop_reason,
            error=self.fatal, error_task_id=self.fatal_task,
        )
        outcome.warnings = self.collect_warnings()
        return outcome

    def collect_warnings(self) -> List[str]:
        warnings = list(self.warnings)
        partial = [r.warning for r in self.records if r.warning]
        warnings.extend(partial[:20])
        if len(partial) > 20:
            warnings.append("and %d more tasks succeeded with failed sub-tasks or steps." % (len(partial) - 20))
        if len(warnings) > MAX_WARNINGS:
            extra = len(warnings) - MAX_WARNINGS
            warnings = warnings[:MAX_WARNINGS] + ["and %d more warnings." % extra]
        return warnings


def wait_for_tasks(
    task_ids: Sequence[str],
    fetch: Fetch,
    config: WaitConfig,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    rng: RandomSource,
    on_event: Optional[Callable[[Event], None]] = None,
    task_details: str = DETAILS_FULL,
) -> WaitOutcome:
    """Wait for every task in ``task_ids`` (see the module docstring); raise ConfigurationError before polling.

    ``task_details`` (``full`` | ``summary``) says what each entry of ``to_result()["tasks"]`` holds, and so what
    the engine keeps of each answer (see "Status and to_result()" above)."""
    acceptors = validate_config(config)
    if task_details not in TASK_DETAILS:
        raise ConfigurationError("task_details must be one of %s, got %r." % (", ".join(TASK_DETAILS), task_details))
    ids = _normalise_ids(task_ids)
    waiter = _Waiter(ids, fetch, config, acceptors, clock=clock, sleep=sleep, rng=rng, on_event=on_event, details=task_details)
    if not ids:
        outcome = WaitOutcome(records=[], start=waiter.start, end=waiter.start, timeout=config.timeout, details=task_details)
        outcome.msg = progress.outcome_message(status=STATUS_SUCCESS, records=[], elapsed=0.0, timeout=config.timeout,
                                               polls=0, retries=0, deadline_reached=False)
        return outcome
    return waiter.run()
