# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The events of the ``alibabacloud.eflo.eflo_tasks`` event source: previous view + new task dict -> events (pure).

``task_started``
    the first answer for a task: a given task id, a task running on a watched cluster when the source starts, or a
    new task on a watched cluster;
``task_changed``
    its state or current step changed (``waiter.changed``, the wait engine's transition rule) and it is not finished;
``task_finished``
    its state became final (``lenient.classify_state``), also right after ``task_started`` for a task first seen
    finished. A task that was already finished on a watched cluster when the source started (``baseline``) is old
    news: no event.

Every event is ``{"eflo_event": kind, "eflo_task": {...}}``; ``eflo_task`` is the task's summary
(``waiter.summarise_task``: ``task_id``, ``task_type``, ``task_state``, ``cluster_id``, ``cluster_name``, ``message``,
``node_ids``, times, ``is_finished``, ``is_succeeded``, ``failed_steps``, ``failed_sub_tasks``) plus ``step`` (the
current step), ``previous_state`` and ``previous_step``. The caller keeps the returned :class:`Seen` only once the
answer was read, so a poll error never causes a repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.waiter import changed, current_step, summarise_task

TASK_STARTED = "task_started"
TASK_CHANGED = "task_changed"
TASK_FINISHED = "task_finished"


@dataclass(frozen=True)
class Seen:
    """What the source last told about a task."""

    task_state: Optional[str]
    step: Optional[str]
    finished: bool


def task_events(previous: Optional[Seen], task: Mapping[str, Any], *, baseline: bool = False) -> Tuple[Seen, List[Dict[str, Any]]]:
    """The new view of ``task`` (a ``models.task_to_dict`` dict) and the events since ``previous`` (None: first answer)."""
    step = current_step(task)
    seen = Seen(task.get("task_state"), step, bool(task.get("is_finished")))
    if previous is None:
        kinds = [] if baseline and seen.finished else [TASK_STARTED] + ([TASK_FINISHED] if seen.finished else [])
    elif previous.finished or not changed(previous.task_state, previous.step, seen.task_state, step):
        kinds = []
    else:
        kinds = [TASK_FINISHED if seen.finished else TASK_CHANGED]
    summary = dict(summarise_task(task), step=step, previous_state=previous and previous.task_state,
                   previous_step=previous and previous.step)
    return seen, [{"eflo_event": kind, "eflo_task": dict(summary)} for kind in kinds]
