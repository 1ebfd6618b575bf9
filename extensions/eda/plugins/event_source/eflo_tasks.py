# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible source ``alibabacloud.eflo.eflo_tasks``: events when PAI Lingjun (eflo) tasks start, change and finish.

A thin adapter: the events come from ``plugin_utils/task_events.py`` (pure), the poll times from the wait engine's
schedule (``waiter.planned_wait``) and rate cap (``waiter.RateWindow``), the errors' fate from ``retry.classify``.
The blocking client runs in a thread (``asyncio.to_thread``), one call at a time, so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

try:
    from ansible_collections.alibabacloud.eflo.plugins.module_utils import argspec
except ImportError:  # ansible-rulebook runs this file by path: put the collections root on sys.path
    _HERE = Path(os.path.abspath(__file__))  # not resolve(): the collections tree may be a symlink
    if _HERE.parents[6].name != "ansible_collections":
        raise
    sys.path.append(str(_HERE.parents[7]))
    from ansible_collections.alibabacloud.eflo.plugins.module_utils import argspec

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError, EfloError, failure_result
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import read_cluster, read_task, task_to_dict
from ansible_collections.alibabacloud.eflo.plugins.module_utils.options import build_client_with_credentials, library_problem, secrets_of
from ansible_collections.alibabacloud.eflo.plugins.module_utils.params import validate_task_id
from ansible_collections.alibabacloud.eflo.plugins.module_utils.redact import Redactor
from ansible_collections.alibabacloud.eflo.plugins.module_utils.retry import GIVE_UP, RETRY_LATER, classify
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import schedule, waiter
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.task_events import Seen, task_events

DOCUMENTATION = r"""
---
short_description: Events when Alibaba Cloud PAI Lingjun (eflo) tasks start, change and finish.
description:
  - Polls C(DescribeCluster) for each watched cluster and C(DescribeTask) for each task it follows, and puts one event
    on the queue per change, each once (a poll error or an unchanged answer repeats nothing).
  - C(task_started) the first time a task is seen (a given task id, a task running on a watched cluster when the source
    starts, a new task on a watched cluster, that is a new C(TaskId) in C(DescribeCluster)); C(task_changed) when its
    state or current step changes; C(task_finished) when its state is final (also right after C(task_started) for a
    task first seen finished; a task already finished on a watched cluster at the start gives no event).
  - "Each event is C({eflo_event: task_started|task_changed|task_finished, eflo_task: {task_id, task_type, task_state,
    step, previous_state, previous_step, cluster_id, cluster_name, message, node_ids, create_time, update_time,
    is_finished, is_succeeded, failed_steps, failed_sub_tasks}})."
  - Tasks are polled on the adaptive schedule of C(alibabacloud.eflo.eflo_task_wait), from O(delay) up to five times
    O(delay), and all calls share the O(max_rate) cap. Transient errors (throttling, 5xx, network) are retried by the
    client and then logged, and the item is polled again later; any other error (credentials, a cluster or task that
    does not exist) stops the source with its message. Credentials are refreshed by their provider in a long run.
  - With only O(task_ids), the source ends once every task finished.
  - Takes every connection and credential option of the modules (doc fragment C(alibabacloud.eflo.eflo)), with the
    same names, defaults and environment variables, read from the environment of C(ansible-rulebook).
options:
  cluster_ids:
    description: Clusters whose tasks to follow, as they start and change.
    type: list
    elements: str
  task_ids:
    description: Tasks to follow. At least one of O(cluster_ids) and O(task_ids) is needed.
    type: list
    elements: str
  delay:
    description: Seconds between two polls of a cluster, and the shortest usual wait between two polls of a task.
    type: float
    default: 12
  max_rate:
    description: Most API calls per second, over every cluster and task.
    type: float
    default: 5
"""

EXAMPLES = r"""
- name: React to failed extends
  hosts: all
  sources:
    - alibabacloud.eflo.eflo_tasks:
        region_id: cn-wulanchabu
        cluster_ids: [i119982311660892626523]
        delay: 15
  rules:
    - name: An extend failed
      condition: event.eflo_event == "task_finished" and event.eflo_task.task_type is match("extend_.*")
        and event.eflo_task.is_succeeded == false
      action:
        debug:
"""

NAME = "eflo_tasks"
MAX_DELAY_FACTOR = 5.0  # a task is polled at least every 5 x delay (eflo_task_wait: 12 s and 60 s)
SOURCE_OPTIONS = ("cluster_ids", "task_ids", "delay", "max_rate")
RULEBOOK_ARGS = ("eda_feedback_queue",)  # added by ansible-rulebook itself
CLUSTER, TASK = "cluster", "task"
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """The validated source arguments."""

    connection: Dict[str, Any]  # the shared connection / credential options, by their canonical names
    cluster_ids: Tuple[str, ...]
    task_ids: Tuple[str, ...]
    config: waiter.WaitConfig


def _ids(args: Mapping[str, Any], name: str) -> List[str]:
    value = args.get(name)
    items = [] if value is None else [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ConfigurationError("%s must be a list of ids, got %s." % (name, type(value).__name__))
    return [str(item).strip() for item in items if str(item or "").strip()]


def _number(args: Mapping[str, Any], name: str, default: float) -> float:
    value = args.get(name)
    try:
        return default if value is None else float(value)
    except (TypeError, ValueError):
        raise ConfigurationError("%s must be a number of seconds, got %r." % (name, value)) from None


def read_args(args: Mapping[str, Any]) -> Settings:
    """The settings of ``args`` (the source's arguments in the rulebook); ConfigurationError naming what to fix."""
    common = argspec.common_argument_spec()
    names = {alias: name for name, spec in common.items() for alias in [name] + spec.get("aliases", [])}
    unknown = sorted(set(args) - set(names) - set(SOURCE_OPTIONS) - set(RULEBOOK_ARGS))
    if unknown:
        raise ConfigurationError("unknown option %s. Valid options: %s and the connection options %s." % (
            ", ".join(unknown), ", ".join(SOURCE_OPTIONS), ", ".join(sorted(common))))
    connection = {names[key]: value for key, value in args.items() if key in names}
    cluster_ids = _ids(args, "cluster_ids")
    task_ids = [validate_task_id("task_ids[%d]" % index, task_id) for index, task_id in enumerate(_ids(args, "task_ids"))]
    if not cluster_ids and not task_ids:
        raise ConfigurationError("set cluster_ids (the clusters whose tasks to follow) or task_ids, or both.")
    delay = _number(args, "delay", argspec.DEFAULT_WAIT_DELAY)
    config = waiter.WaitConfig(delay=delay, max_delay=delay * MAX_DELAY_FACTOR,
                               max_rate=_number(args, "max_rate", argspec.DEFAULT_WAIT_MAX_RATE))
    waiter.validate_config(config)
    return Settings(connection, tuple(dict.fromkeys(cluster_ids)), tuple(dict.fromkeys(task_ids)), config)


@dataclass
class Followed:
    """A task the source follows: what it told last (None: not answered yet), and how many answers were unchanged."""

    baseline: bool
    seen: Optional[Seen] = None
    attempt: int = 0


class TaskWatch:
    """Which clusters and tasks are watched, when each is due, and what the source told (no I/O here)."""

    def __init__(self, settings: Settings, rng: random.Random, now: float) -> None:
        self.config = settings.config
        self.rng = rng
        self.rate = waiter.RateWindow(self.config.max_rate)
        self.clusters: Dict[str, Optional[str]] = dict.fromkeys(settings.cluster_ids)  # the TaskId seen last
        self.tasks: Dict[str, Followed] = {}
        self.finished: Set[str] = set()
        self.due: Dict[Tuple[str, str], float] = {(CLUSTER, cluster_id): now for cluster_id in settings.cluster_ids}
        for task_id in settings.task_ids:
            self.follow(task_id, False, now)

    def follow(self, task_id: str, baseline: bool, now: float) -> None:
        if task_id not in self.tasks and task_id not in self.finished:
            self.tasks[task_id] = Followed(baseline)
            self.due[(TASK, task_id)] = now

    def next_poll(self, now: float) -> Tuple[Tuple[str, str], float]:
        """The item polled next and when: the earliest due, when the rate cap allows it."""
        key, when = min(self.due.items(), key=lambda item: item[1])
        return key, max(when, self.rate.next_free(now))

    def cluster_answer(self, cluster_id: str, task_id: Optional[str], now: float) -> None:
        previous = self.clusters[cluster_id]
        self.clusters[cluster_id] = task_id or ""
        if task_id and task_id != previous:
            self.follow(task_id, previous is None, now)  # the cluster's task when the source starts is a baseline
        self.due[(CLUSTER, cluster_id)] = now + self.config.delay

    def task_answer(self, task_id: str, task: Dict[str, Any], now: float) -> List[Dict[str, Any]]:
        followed = self.tasks[task_id]
        first = followed.seen is None
        followed.seen, events = task_events(followed.seen, task, baseline=followed.baseline)
        followed.attempt = 1 if events else followed.attempt + 1
        if followed.seen.finished:
            del self.tasks[task_id], self.due[(TASK, task_id)]
            self.finished.add(task_id)
        else:
            wait = waiter.planned_wait(followed.attempt, self.config, self.rng, schedule.read_progress(task), first=first)
            self.due[(TASK, task_id)] = now + wait
        return events

    def poll_failed(self, key: Tuple[str, str], err: EfloError, now: float) -> float:
        """When ``key`` is polled again after ``err`` (raised again when it is not worth another poll)."""
        verdict = classify(err, idempotent=True)
        if verdict.action == GIVE_UP:
            raise err
        wait = max(self.config.delay, verdict.retry_after or 0.0)
        if verdict.action == RETRY_LATER and verdict.retry_after:
            self.rate.hold(now + verdict.retry_after)
        self.due[key] = now + wait
        return wait


async def watch(queue: Any, settings: Settings, client: Any, redact: Redactor) -> None:
    """Poll until every followed item finished (never, with clusters), putting the events on ``queue``."""
    loop = asyncio.get_running_loop()
    state = TaskWatch(settings, random.Random(), loop.time())
    while state.due:
        key, when = state.next_poll(loop.time())
        if when > loop.time():
            await asyncio.sleep(when - loop.time())
            continue
        kind, ident = key
        state.rate.record(loop.time(), 1)
        try:
            if kind == CLUSTER:
                body = await asyncio.to_thread(client.call, "DescribeCluster", {"ClusterId": ident})
                state.cluster_answer(ident, read_cluster(body).task_id, loop.time())
                continue
            task = task_to_dict(read_task(await asyncio.to_thread(client.describe_task, ident), ident))
        except EfloError as err:
            wait = state.poll_failed(key, err, loop.time())
            LOG.warning("%s: poll of %s %s failed, polling it again in %.0f s: %s", NAME, kind, ident, wait, redact(str(err)))
            continue
        for event in state.task_answer(ident, task, loop.time()):
            await queue.put(event)


async def main(queue: Any, args: Dict[str, Any]) -> None:
    """The entry point ``ansible-rulebook`` calls; raises an ``EfloError`` with a clear message for a problem."""
    secrets = secrets_of(args)
    try:
        problem = library_problem()
        if problem:
            raise ConfigurationError(problem + " (on the host that runs ansible-rulebook)")
        settings = read_args(args)
        client, credentials = await asyncio.to_thread(
            build_client_with_credentials, settings.connection, dict(os.environ), os.path.expanduser("~"), user_agent=NAME)
        secrets += [value for value in (credentials.access_key_secret, credentials.security_token) if value]
        try:
            await watch(queue, settings, client, Redactor(secrets))
        finally:
            client.close()
    except EfloError as err:
        raise EfloError("%s: %s" % (NAME, Redactor(secrets)(failure_result(err)["msg"]))) from None
