# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress, heartbeat and outcome text of ``eflo_task_wait`` (pure: no Ansible, no I/O).

:func:`format_event` words the engine's events; :func:`outcome_message` the ``msg`` of a wait. Records and events
are read by attribute, so this module does not import the engine. Text is never cut: a list that must be
shortened loses whole items and says how many (:func:`listed`), and a message is said once (:func:`unsaid`).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import TransportError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import STATE_FAILURE, classify_state, object_list

PREFIX = "eflo_task_wait"
MAX_LISTED_FAILED = 10
MAX_LISTED_SUB_TASKS = 3
MAX_LISTED_UNFINISHED = 20
MAX_LISTED_IDS = 20
MAX_SUMMARY_STATES = 5
SECTION_LIMIT = 3600  # failed tasks / unfinished tasks, each
UNKNOWN = "unknown"


# --------------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """``45s``, ``3m 5s``, ``14m``, ``1h 3m`` (rounded down to the second)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return "%dh %dm" % (hours, minutes)
    if minutes:
        return "%dm" % minutes if secs == 0 or minutes >= 10 else "%dm %ds" % (minutes, secs)
    return "%ds" % secs


def as_caller(text: str, name: str) -> str:
    """A line or message of the wait (``eflo_task_wait: ...``) as the plugin ``name`` that ran the wait says it."""
    return name + text[len(PREFIX):] if name != PREFIX and text.startswith(PREFIX + ":") else text


def format_seconds(value: float) -> str:
    """``3600s`` / ``2.5s`` for an option value."""
    return ("%ds" % value) if float(value).is_integer() else ("%gs" % value)


def one_line(text: Any) -> str:
    """``text`` on one line (runs of white space become one space), never cut."""
    return " ".join(str(text).split())


def unsaid(message: Any, said: List[str]) -> str:
    """``message`` on one line, or ``""`` when it is empty or was said already (equal to or part of a message in
    ``said``); a new message is added to ``said``."""
    text = one_line(message or "")
    if not text or any(text in earlier for earlier in said):
        return ""
    said.append(text)
    return text


def listed(items: Sequence[str], sep: str = "; ", most: Optional[int] = None, budget: Optional[int] = None,
           total: Optional[int] = None) -> str:
    """Whole ``items`` joined by ``sep``: at most ``most`` and, with ``budget``, as many as fit in that many characters
    (the first one always); ``and N more`` counts what was left out of ``total`` (default: ``len(items)``)."""
    shown: List[str] = []
    size = 0
    for item in items[:most]:
        size += len(item) + len(sep)
        if shown and budget is not None and size > budget:
            break
        shown.append(item)
    left = (len(items) if total is None else total) - len(shown)
    return sep.join(shown) + ("%sand %d more" % (sep, left) if left > 0 else "")


def with_article(word: str) -> str:
    """``a reclone``, ``an extend``, ``an initialize_cluster task``."""
    return "%s %s" % ("an" if word[:1].lower() in "aeiou" else "a", word)


def plural(count: int, word: str, many: Optional[str] = None) -> str:
    """``1 task`` / ``2 tasks`` (``many`` for irregular plurals)."""
    return "%d %s" % (count, word if count == 1 else (many or word + "s"))


def task_label(item: Any) -> str:
    """``i123 (extend_cluster)``, or ``i123`` when the type is unknown (``task_id`` / ``task_type`` attributes)."""
    task_type = getattr(item, "task_type", None)
    return "%s (%s)" % (item.task_id, task_type) if task_type else str(item.task_id)


def failed_steps(task: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    """``failed_steps`` of the task dict, or the steps whose ``step_state`` is a failure (``lenient.classify_state``)."""
    given = task.get("failed_steps")
    if isinstance(given, list):
        return [s for s in given if isinstance(s, Mapping)]
    return [s for s in object_list(task.get("steps"), (Mapping,)) if classify_state(s.get("step_state")) == STATE_FAILURE]


def failed_sub_tasks(task: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    """``failed_sub_tasks`` of the task dict, or the sub-tasks whose ``task_state`` is a failure (+ ``step_name``)."""
    given = task.get("failed_sub_tasks")
    if isinstance(given, list):
        return [s for s in given if isinstance(s, Mapping)]
    found: List[Mapping[str, Any]] = []
    for step in object_list(task.get("steps"), (Mapping,)):
        subs = step.get("sub_tasks")
        for sub in subs if isinstance(subs, list) else []:
            if isinstance(sub, Mapping) and classify_state(sub.get("task_state")) == STATE_FAILURE:
                item: Dict[str, Any] = dict(sub)
                item.setdefault("step_name", step.get("step_name"))
                found.append(item)
    return found


def describe_partial_failure(steps: int, sub_tasks: int) -> str:
    """``2 sub-tasks failed`` / ``1 step and 2 sub-tasks failed``."""
    parts = []
    if steps:
        parts.append(plural(steps, "step"))
    if sub_tasks:
        parts.append(plural(sub_tasks, "sub-task"))
    return "%s failed" % " and ".join(parts) if parts else "nothing failed"


def _describe_step(step: Mapping[str, Any], said: List[str]) -> str:
    why = unsaid(step.get("message"), said)
    return str(step.get("step_name") or UNKNOWN) + (": %s" % why if why else "")


def _describe_sub_task(sub: Mapping[str, Any], said: List[str]) -> str:
    text = str(sub.get("task_id") or "?")
    if sub.get("task_type"):
        text += " (%s)" % sub["task_type"]
    text += " %s" % (sub.get("task_state") or UNKNOWN)
    if sub.get("step_name"):
        text += " at step %s" % sub["step_name"]
    why = unsaid(sub.get("message"), said)
    return text + (": %s" % why if why else "")


def failed_parts(task: Mapping[str, Any], said: Optional[List[str]] = None) -> str:
    """``failed steps: a: msg; failed sub-tasks: i9 (t) execution_fail at step a: msg, and 2 more`` (bounded; a
    message in ``said`` is not repeated)."""
    said = [] if said is None else said
    parts = []
    steps = failed_steps(task)
    if steps:
        shown = [_describe_step(s, said) for s in steps[:MAX_LISTED_SUB_TASKS]]
        parts.append("failed steps: " + listed(shown, ", ", total=len(steps)))
    subs = failed_sub_tasks(task)
    if subs:
        shown = [_describe_sub_task(s, said) for s in subs[:MAX_LISTED_SUB_TASKS]]
        parts.append("failed sub-tasks: " + listed(shown, ", ", total=len(subs)))
    return "; ".join(parts)


def _state_and_step(state: Optional[str], step: Optional[str]) -> str:
    text = state or UNKNOWN
    return text + (" at step %s" % step if step else "")


# --------------------------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------------------------


def format_start(event: Any) -> str:
    return "%s: waiting for %s (timeout %s, at most %s API calls per second)" % (
        PREFIX, plural(event.total, "task"), format_seconds(event.timeout), ("%g" % event.max_rate))


def format_transition(transition: Any) -> str:
    """One line for one change (``transition`` has the attributes of ``waiter.Transition``)."""
    label = task_label(transition)
    if transition.first or transition.old_state is None and transition.old_step is None:
        return "%s: %s %s" % (PREFIX, label, _state_and_step(transition.new_state, transition.new_step))
    old, new = transition.old_state or UNKNOWN, transition.new_state or UNKNOWN
    if old.casefold() != new.casefold():
        return "%s: %s %s -> %s" % (PREFIX, label, old, _state_and_step(new, transition.new_step))
    return "%s: %s %s: step %s -> %s" % (PREFIX, label, new, transition.old_step or UNKNOWN, transition.new_step or UNKNOWN)


def _count_by(values: Iterable[str]) -> List[Tuple[str, int]]:
    counts: Dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _counts_text(counts: Sequence[Tuple[str, int]], limit: int = MAX_SUMMARY_STATES) -> str:
    shown = ["%d %s" % (n, state) for state, n in counts[:limit]]
    rest = sum(n for _state, n in counts[limit:])
    if rest:
        shown.append("%d other" % rest)
    return ", ".join(shown)


def summarise_transitions(transitions: Sequence[Any]) -> str:
    """``37 tasks changed state: 30 running, 7 execution_success`` (``seen`` when all are first sightings).

    A task that changed several times in the buffered window counts once, with its latest state.
    """
    latest = {t.task_id: t for t in transitions}
    counts = _count_by((t.new_state or UNKNOWN) for t in latest.values())
    verb = "seen" if all(t.first for t in transitions) else "changed state"
    return "%s: %s %s: %s" % (PREFIX, plural(len(latest), "task"), verb, _counts_text(counts))


def format_transitions(event: Any, max_lines: int = 10) -> List[str]:
    """One line per change while there are at most ``max_lines`` of them, else one summary line."""
    transitions = list(event.transitions)
    if not transitions:
        return []
    if len(transitions) <= max(1, max_lines):
        return [format_transition(t) for t in transitions]
    return [summarise_transitions(transitions)]


def format_poll_errors(event: Any, max_groups: int = 3) -> str:
    """``3 polls failed and will be retried (12 retries so far): <message> (i1, i2); ...`` (grouped, bounded)."""
    groups: Dict[str, List[str]] = {}
    for error in event.errors:
        groups.setdefault(one_line(error.message), []).append(error.task_id)
    ordered = sorted(groups.items(), key=lambda item: -len(item[1]))
    shown = ["%s (%s)" % (message, listed(ids, ", ", most=3)) for message, ids in ordered[:max_groups]]
    return "%s: %s failed and will be retried (%d retries so far): %s" % (
        PREFIX, plural(len(event.errors), "poll"), event.retries, listed(shown, total=len(ordered)))


def format_heartbeat(event: Any) -> str:
    """``12/40 finished (1 failed), 27 running; slowest i1234 extend_cluster at step add_nodes for 14m``."""
    text = "%s: %d/%d finished" % (PREFIX, event.succeeded + event.failed, event.total)
    if event.failed:
        text += " (%d failed)" % event.failed
    if event.pending_by_state:
        text += ", " + _counts_text(list(event.pending_by_state))
    slow = event.slowest
    if slow is not None:
        text += "; slowest %s" % slow.task_id
        if slow.task_type:
            text += " %s" % slow.task_type
        if slow.step:
            text += " at step %s" % slow.step
        elif slow.task_state:
            text += " %s" % slow.task_state
        text += " for %s" % format_duration(slow.unchanged_for)
    return text


def format_event(event: Any, max_lines: int = 10) -> List[str]:
    """The display lines of any engine event (see ``waiter.Event``)."""
    kind = getattr(event, "kind", None)
    if kind == "start":
        return [format_start(event)]
    if kind == "transitions":
        return format_transitions(event, max_lines)
    if kind == "poll_errors":
        return [format_poll_errors(event)] if event.errors else []
    if kind == "heartbeat":
        return [format_heartbeat(event)]
    return []


# --------------------------------------------------------------------------------------------------------------
# Outcome messages (records have the attributes of waiter.TaskRecord)
# --------------------------------------------------------------------------------------------------------------


def describe_failed_task(record: Any) -> str:
    """``i123 (extend_cluster) execution_fail at step add_nodes: <why>; failed steps: ...; failed sub-tasks: ...``."""
    task = record.task or {}
    text = task_label(record)
    if record.task is not None:
        text += " " + _state_and_step(record.task_state, record.step)
    said: List[str] = []
    why = unsaid(record.reason or task.get("message"), said)
    if why:
        text += "%s%s" % (": " if record.task is not None else " ", why)
    parts = failed_parts(task, said)
    if parts:
        text += "; " + parts
    return text


def describe_unfinished_task(record: Any) -> str:
    """``i1 (extend_cluster) running at step add_nodes, updated 2022-11-30T03:40:14.852Z`` (+ last poll error)."""
    text = task_label(record)
    if record.task is not None:
        text += " " + _state_and_step(record.task_state, record.step)
        text += ", updated %s" % (record.update_time or UNKNOWN)
        if record.last_error:
            text += ", last poll error: %s" % one_line(record.last_error)
    elif record.not_found:
        text += " not found yet: %s" % one_line(record.last_error or "")
    else:
        text += " not seen yet"
        if record.last_error:
            text += ", last poll error: %s" % one_line(record.last_error)
    return text


def _finished_counts(records: Sequence[Any]) -> Tuple[int, int]:
    succeeded = sum(1 for r in records if r.result == "succeeded")
    failed = sum(1 for r in records if r.result == "failed")
    return succeeded, failed


def _failure_section(failed: Sequence[Any], total: int, succeeded: int, elapsed: float) -> str:
    head = "%d of %s failed" % (len(failed), plural(total, "task")) if total > 1 else "task failed"
    if total > 1:
        head += " (%d succeeded)" % succeeded
    details = ["[%s]" % describe_failed_task(r) for r in failed[:MAX_LISTED_FAILED]]
    return "%s after %s: %s" % (head, format_duration(elapsed), listed(details, " ", budget=SECTION_LIMIT, total=len(failed)))


def _timeout_section(unfinished: Sequence[Any], total: int, elapsed: float, timeout: float) -> str:
    details = [describe_unfinished_task(r) for r in unfinished[:MAX_LISTED_UNFINISHED]]
    return "timed out after %s (timeout %s) with %d of %s unfinished: %s" % (
        format_duration(elapsed), format_seconds(timeout), len(unfinished), plural(total, "task"),
        listed(details, budget=SECTION_LIMIT, total=len(unfinished)))


def _not_waited_section(pending: Sequence[Any], reason: str) -> str:
    ids = [str(r.task_id) for r in pending[:MAX_LISTED_IDS]]
    return "%s; %s not waited for: %s" % (reason, plural(len(pending), "unfinished task"), listed(ids, ", ", total=len(pending)))


def outcome_message(*, status: str, records: Sequence[Any], elapsed: float, timeout: float, polls: int, retries: int,
                    deadline_reached: bool, stop_reason: Optional[str] = None, error: Any = None,
                    error_task_id: Optional[str] = None) -> str:
    """The ``msg`` of a wait: success, failure (with steps and sub-tasks), timeout, or error (bounded).

    ``stop_reason`` says why unfinished tasks were not waited for when the wait stopped before the deadline.
    """
    total = len(records)
    if total == 0:
        return "%s: no tasks to wait for." % PREFIX
    succeeded, failed_count = _finished_counts(records)
    failed = [r for r in records if r.result == "failed"]
    pending = [r for r in records if r.result == "pending"]
    stats = "(%s, %s)" % (plural(polls, "poll"), plural(retries, "retry", "retries"))
    if status == "success":
        if total == 1:
            return "%s: task %s succeeded in %s %s" % (PREFIX, task_label(records[0]), format_duration(elapsed), stats)
        return "%s: all %d tasks succeeded in %s %s" % (PREFIX, total, format_duration(elapsed), stats)
    sections: List[str] = []
    if status == "error":
        finished = "the wait stopped after %s with %d of %s finished" % (format_duration(elapsed), succeeded + failed_count, plural(total, "task"))
        if isinstance(error, TransportError):  # no answer at all: the cause and its fix come first
            sections.append("%s %s" % (one_line(error.msg), finished[0].upper() + finished[1:]))
        else:
            where = " task %s" % error_task_id if error_task_id else ""
            sections.append("polling%s failed, %s: %s" % (where, finished, one_line(getattr(error, "msg", error))))
    if failed:
        sections.append(_failure_section(failed, total, succeeded, elapsed))
    if pending and deadline_reached:
        sections.append(_timeout_section(pending, total, elapsed, timeout))
    elif pending and stop_reason:
        sections.append(_not_waited_section(pending, stop_reason))
    return "%s: %s %s" % (PREFIX, "; ".join(sections), stats)
