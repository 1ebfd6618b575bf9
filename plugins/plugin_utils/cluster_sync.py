# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run of ``eflo_cluster``: find the cluster, wait for its running task, read its state, plan, call, wait.

No Ansible: the action plugin gives ``call`` (:meth:`EfloClient.call`), ``wait_tasks(ids) -> result dict`` (the wait
engine, as ``eflo_task_wait`` runs it), ``clock``, ``sleep`` and ``notify`` (shows a progress line of the deletion
wait, which has no task). Answers are read by the models, lists by
:func:`listing.list_all`, errors classified by :func:`retry.classify`; the plan is :func:`cluster_plan.plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ApiError, ConfigurationError, DeadlineExceeded, EfloError, failure_result
from ansible_collections.alibabacloud.eflo.plugins.module_utils.listing import list_all
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import (
    cluster_to_dict,
    node_group_to_dict,
    node_to_dict,
    read_cluster,
    read_started,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.retry import classify
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import cluster_plan
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.progress import format_duration, format_seconds
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.cluster_plan import Current, Plan

Call = Callable[..., Dict[str, Any]]
WaitTasks = Callable[[List[str]], Dict[str, Any]]


@dataclass
class Outcome:
    """What the run did: the plan, the started task ids, the waits' results, and the failure message if any."""

    plan: Plan
    cluster: Optional[Dict[str, Any]] = None
    task_ids: List[str] = field(default_factory=list)
    tasks: List[Dict[str, Any]] = field(default_factory=list)
    failure: Optional[Dict[str, Any]] = None  # the failed wait's result (msg ...)
    resumed_task_id: Optional[str] = None
    calls: int = 0  # mutating calls made

    def to_result(self, check_mode: bool) -> Dict[str, Any]:
        result: Dict[str, Any] = {
            "changed": self.plan.changed if check_mode or not self.failure else self.calls > 0,
            "cluster": self.cluster or {}, "task_ids": self.task_ids, "tasks": self.tasks,
            "plan": [step.to_dict() for step in self.plan.steps], "diff": self.plan.diff,
        }
        if self.plan.warnings:
            result["warnings"] = list(self.plan.warnings)
        if self.resumed_task_id:
            result["resumed_task_id"] = self.resumed_task_id
        if self.failure:
            result.update(failed=True, msg=self.failure.get("msg") or "a cluster task failed")
        elif check_mode and self.plan.changed:
            result["msg"] = "Check mode: %d call(s) would be made: %s." % (
                len(self.plan.steps), ", ".join(step.action for step in self.plan.steps))
        return result


def find_cluster(call: Call, wanted: Mapping[str, Any]) -> Any:
    """The cluster (models.Cluster, DescribeCluster) named by ``cluster_id`` or ``name``; None when there is none.

    By name: ListClusters (all pages); a cluster being deleted counts only for ``state: absent``. Two clusters with the
    name fail with their ids."""
    cluster_id = wanted.get("cluster_id")
    if not cluster_id:
        present = wanted.get("state") != "absent"
        found = [c for c in list_all(call, "ListClusters", {}) if c.cluster_name == wanted["name"] and not (present and cluster_plan.is_gone(c))]
        if len(found) > 1:
            raise ConfigurationError("%d clusters are named %s (%s): give the one to manage with cluster_id." % (
                len(found), wanted["name"], ", ".join(sorted(str(c.cluster_id) for c in found))))
        if not found:
            return None
        cluster_id = found[0].cluster_id
    try:
        return read_cluster(call("DescribeCluster", {"ClusterId": cluster_id}))
    except ApiError as err:
        if err.is_not_found:
            return None
        raise


def read_current(call: Call, cluster: Any) -> Current:
    """The node groups, nodes and tags of ``cluster`` (every page of each list)."""
    if cluster is None:
        return Current()
    cluster_id = cluster.cluster_id
    tags = list_all(call, "ListTagResources", {"ResourceType": "Cluster", "ResourceId": [cluster_id]})
    return Current(
        cluster=cluster,
        groups=list_all(call, "ListNodeGroups", {"ClusterId": cluster_id}),
        nodes=list_all(call, "ListClusterNodes", {"ClusterId": cluster_id}),
        tags=cluster_plan.tags_of(t for t in tags if t.resource_id in (None, cluster_id)),
    )


def cluster_view(current: Current) -> Dict[str, Any]:
    """The ``cluster`` result: DescribeCluster as snake_case with ``node_groups`` and their ``nodes``."""
    if current.cluster is None:
        return {}
    result = cluster_to_dict(current.cluster)
    result["tags"] = dict(current.tags)
    groups = []
    for group in current.groups:
        item = node_group_to_dict(group)
        item["nodes"] = [node_to_dict(node) for node in current.nodes if node.node_group_id == group.node_group_id]
        groups.append(item)
    result["node_groups"] = groups
    return result


class ClusterRun:
    """One run of ``eflo_cluster`` (see the module docstring)."""

    def __init__(self, call: Call, wait_tasks: WaitTasks, *, clock: Callable[[], float], sleep: Callable[[float], None],
                 timeout: float, delay: float, notify: Callable[[str], None] = lambda line: None,
                 heartbeat_interval: float = 0.0, name: str = "eflo_cluster") -> None:
        self.call = call
        self.wait_tasks = wait_tasks
        self.clock = clock
        self.sleep = sleep
        self.timeout = timeout
        self.delay = delay
        self.notify = notify
        self.heartbeat_interval = heartbeat_interval  # 0: no heartbeat lines
        self.name = name

    def run(self, wanted: Mapping[str, Any], check_mode: bool) -> Outcome:
        """Find, resume, plan, and (outside check mode) call and wait."""
        cluster = find_cluster(self.call, wanted)
        resumed, tasks = None, []
        if cluster is not None and cluster_plan.is_busy(cluster) and not check_mode:
            resumed = cluster.task_id
            waited = self.wait_tasks([resumed])
            tasks = list(waited.get("tasks") or [])
            if waited.get("failed"):
                return Outcome(Plan([], {}), cluster=cluster_to_dict(cluster), tasks=tasks, failure=waited, resumed_task_id=resumed)
            cluster = find_cluster(self.call, dict(wanted, cluster_id=cluster.cluster_id))
        current = read_current(self.call, cluster)
        plan = cluster_plan.plan(wanted, current)
        outcome = Outcome(plan, cluster=cluster_view(current), tasks=tasks, resumed_task_id=resumed)
        if check_mode and cluster is not None and cluster_plan.is_busy(cluster):
            plan.warnings.append("The cluster is %s (task %s): a run outside check mode waits for that task first, then plans "
                                 "from the state it leaves." % (cluster.operating_state, cluster.task_id))
        if check_mode or not plan.changed:
            if not check_mode and wanted.get("state") == "absent" and cluster is not None and wanted.get("wait", True):
                self.wait_gone(cluster.cluster_id)  # a deletion that was already going on
                outcome.cluster = {}
            return outcome
        cluster_id = self.execute(plan, wanted, outcome, current)
        if outcome.failure:
            return outcome
        if wanted.get("state") == "absent":
            if wanted.get("wait", True):
                self.wait_gone(cluster_id)
            outcome.cluster = {}
        elif wanted.get("wait", True):
            outcome.cluster = cluster_view(read_current(self.call, find_cluster(self.call, dict(wanted, cluster_id=cluster_id))))
        return outcome

    def execute(self, plan: Plan, wanted: Mapping[str, Any], outcome: Outcome, current: Current) -> Optional[str]:
        """Make the plan's calls (never retried once sent); wait for each task the next call needs finished, and for
        the last one when ``wait``. Returns the cluster id."""
        cluster_id = current.cluster.cluster_id if current.cluster is not None else None
        created: Dict[str, str] = {}
        steps = plan.steps
        for index, step in enumerate(steps):
            params = cluster_plan.resolve_group_ids(step.params, created) if step.action == "ExtendCluster" else step.params
            due = ("task_id",) if step.starts_task else ()
            due += ("cluster_id",) if step.action == "CreateCluster" else ("node_group_id",) if step.action == "CreateNodeGroup" else ()
            try:
                started = read_started(step.action, self.call(step.action, params, idempotent=False), due)
            except EfloError as err:
                if not outcome.calls:
                    raise
                outcome.failure = dict(failure_result(err), msg="%s failed after %d call(s) that changed the cluster: %s" % (
                    step.action, outcome.calls, failure_result(err)["msg"]))
                return cluster_id
            outcome.calls += 1
            cluster_id = started.cluster_id or cluster_id
            name = cluster_plan.created_group_name(step)
            if name:
                created[name] = started.node_group_id
            if not step.starts_task:
                continue
            outcome.task_ids.append(started.task_id)
            if wanted.get("wait", True) or any(later.starts_task for later in steps[index + 1:]):
                waited = self.wait_tasks([started.task_id])
                outcome.tasks.extend(waited.get("tasks") or [])
                if waited.get("failed"):
                    outcome.failure = waited
                    return cluster_id
        return cluster_id

    def wait_gone(self, cluster_id: str) -> None:
        """Poll DescribeCluster every ``delay`` seconds until it says not found (errors judged by retry.classify).
        Progress: a line when the wait starts, one every ``heartbeat_interval`` and one when the cluster is gone."""
        start = self.clock()
        deadline = start + self.timeout
        next_heartbeat = start + self.heartbeat_interval if self.heartbeat_interval > 0 else None
        state = "unknown"
        last_error: Optional[EfloError] = None
        self.notify("%s: waiting until cluster %s is gone (timeout %s)" % (self.name, cluster_id, format_seconds(self.timeout)))
        while True:
            try:
                state = read_cluster(self.call("DescribeCluster", {"ClusterId": cluster_id})).operating_state or state
            except EfloError as err:
                if isinstance(err, ApiError) and err.is_not_found:
                    self.notify("%s: cluster %s is gone after %s" % (self.name, cluster_id, format_duration(self.clock() - start)))
                    return
                if not classify(err, idempotent=True).retry:
                    raise
                last_error = err
            if self.clock() + self.delay > deadline:
                raise DeadlineExceeded(
                    "the cluster %s still exists %.0f s after DeleteCluster (state %s): raise wait_timeout, or run the task "
                    "again later (it does not delete twice)." % (cluster_id, self.timeout, state), last_error)
            if next_heartbeat is not None and self.clock() >= next_heartbeat:
                self.notify("%s: cluster %s still %s after %s" % (self.name, cluster_id, state, format_duration(self.clock() - start)))
                next_heartbeat = self.clock() + self.heartbeat_interval
            self.sleep(self.delay)
