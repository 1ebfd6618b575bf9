"""Task lifecycles in simulated time.

A task's whole timeline (waiting, each step's window, each node's sub-task end) is fixed when it is
created; its state at any moment is computed on demand from the simulated clock, so a thousand live
tasks cost nothing between polls. The renderers write each moment as ``stamp(moment)``: the simulator
passes ``SimClock.stamp``, so answers carry real time (see :mod:`clock`).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

WAITING = "waiting_to_run"
RUNNING = "running"
SUCCESS = "execution_success"
FAIL = "execution_fail"
STEP_FAILED = "execution_failed"
OUTCOMES = ("success", "fail", "partial")


@dataclass(frozen=True)
class StepSpec:
    name: str
    step_type: str  # "normal" | "dispersive"
    stage_tag: str
    weight: float


def _s(name: str, step_type: str, stage_tag: str, weight: float) -> StepSpec:
    return StepSpec(name, step_type, stage_tag, weight)


STEPS: Dict[str, Tuple[StepSpec, ...]] = {
    "initialize": (
        _s("create_vpd", "normal", "网络初始化", 1),
        _s("create_subnets", "normal", "网络初始化", 1),
        _s("init_nodes", "dispersive", "节点并发初始化", 6),
        _s("sync_cluster_state", "normal", "节点并发初始化", 1),
    ),
    "initialize_ack_edge": (
        _s("create_vpd", "normal", "网络初始化", 1),
        _s("create_subnets", "normal", "网络初始化", 1),
        _s("create_k8s_cluster", "normal", "创建K8s集群", 2),
        _s("init_nodes", "dispersive", "节点并发初始化", 6),
        _s("sync_cluster_state", "normal", "节点并发初始化", 1),
    ),
    "extend": (
        _s("check_extend_quota", "normal", "集群扩容", 1),
        _s("allocate_machines", "normal", "集群扩容", 1),
        _s("init_nodes", "dispersive", "节点并发初始化", 6),
        _s("update_cluster", "normal", "集群扩容", 1),
    ),
    "cut": (
        _s("check_cut_nodes", "normal", "节点缩容", 1),
        _s("cut_nodes", "dispersive", "节点缩容", 4),
        _s("cleanup_machines", "normal", "物理机清理", 2),
        _s("release_machines", "normal", "机器释放", 1),
    ),
    "reclone": (
        _s("check_node_state", "normal", "节点清理", 1),
        _s("reclone_nodes", "dispersive", "机器替换", 6),
        _s("init_nodes", "normal", "节点并发初始化", 2),
    ),
    "reboot": (
        _s("reboot_nodes", "dispersive", "节点重启", 4),
        _s("check_node_health", "normal", "节点重启", 1),
    ),
    "stop": (
        _s("stop_nodes", "dispersive", "节点清理", 4),
        _s("update_node_state", "normal", "节点清理", 1),
    ),
    "generic": (
        _s("prepare", "normal", "节点并发初始化", 1),
        _s("run_node_tasks", "dispersive", "节点并发初始化", 4),
        _s("finish", "normal", "节点并发初始化", 1),
    ),
}
SUB_TASK_TYPES = {
    "initialize": "init_node_sub_task",
    "extend": "extend_node_sub_task",
    "cut": "cut_node_sub_task",
    "reclone": "reclone_node_sub_task",
    "reboot": "reboot_node_sub_task",
    "stop": "stop_node_sub_task",
}
FAIL_TEXT = {
    "initialize": "Node %s failed to initialize: the node did not report ready within 1800s.",
    "extend": "Node %s failed to join the cluster: the node did not report ready within 1800s.",
    "cut": "Node %s could not be released: the machine cleanup did not finish.",
    "reclone": "Reimage node %s failed: the node did not report ready within 1800s.",
    "reboot": "Reboot node %s failed: the node did not come back within 600s.",
    "stop": "Stop node %s failed: the node did not power off within 600s.",
}
# simulated seconds: realistic defaults (an initialize takes most of an hour; use --speed to compress)
DEFAULT_DURATIONS = {"initialize": 2400.0, "extend": 1200.0, "cut": 600.0, "reclone": 900.0, "reboot": 300.0, "stop": 180.0, "generic": 600.0}
DEFAULT_WAITING_S = 5.0


def kind_of(task_type: str) -> str:
    for prefix, kind in (
        ("initialize", "initialize"),
        ("extend", "extend"),
        ("cut", "cut"),
        ("reclone", "reclone"),
        ("reboot", "reboot"),
        ("stop", "stop"),
    ):
        if task_type.startswith(prefix):
            return kind
    return "generic"


def steps_for(task_type: str) -> Tuple[StepSpec, ...]:
    kind = kind_of(task_type)
    if task_type == "initialize_ack_edge_cluster":
        return STEPS["initialize_ack_edge"]
    return STEPS[kind]


def sub_task_type(task_type: str) -> str:
    kind = kind_of(task_type)
    if kind == "generic":
        return task_type + "_sub_task"
    return SUB_TASK_TYPES[kind]


@functools.lru_cache(maxsize=65536)
def fmt_time(epoch: float, one_digit_hour: bool = False) -> str:
    """``2022-11-30T02:00:00.852Z`` (or the documented ``2022-11-30T2:00:00.852Z`` quirk)."""
    seconds, millis = divmod(int(round(epoch * 1000)), 1000)
    tm = time.gmtime(seconds)
    hour = ("%d" if one_digit_hour else "%02d") % tm.tm_hour
    return "%04d-%02d-%02dT%s:%02d:%02d.%03dZ" % (tm.tm_year, tm.tm_mon, tm.tm_mday, hour, tm.tm_min, tm.tm_sec, millis)


@dataclass(frozen=True)
class Quirks:
    one_digit_hour: bool = False
    node_ids_repr: bool = False
    null_steps: bool = False


NO_QUIRKS = Quirks()
Stamp = Callable[[float], float]


def same_time(moment: float) -> float:
    return moment


@dataclass
class Task:
    task_id: str
    task_type: str
    cluster_id: str
    cluster_name: str
    node_ids: List[str]
    created: float
    waiting_s: float
    duration_s: float
    outcome: str
    sub_ids: Dict[str, str]
    fail_step: Optional[int] = None
    failed_nodes: FrozenSet[str] = frozenset()
    not_found_until: float = 0.0
    origin: str = "api"
    steps: Tuple[StepSpec, ...] = ()
    windows: List[Tuple[float, float]] = field(default_factory=list)
    node_step: Optional[int] = None
    node_times: Dict[str, float] = field(default_factory=dict)
    end: float = 0.0
    final_state: str = SUCCESS
    message: str = ""

    def state_at(self, now: float) -> str:
        if now < self.created + self.waiting_s:
            return WAITING
        if now >= self.end:
            return self.final_state
        return RUNNING

    def finished_at(self, now: float) -> bool:
        return now >= self.end


def build_task(
    *,
    task_id: str,
    task_type: str,
    cluster_id: str,
    cluster_name: str,
    node_ids: Sequence[str],
    sub_ids: Dict[str, str],
    created: float,
    duration_s: float,
    waiting_s: float = DEFAULT_WAITING_S,
    outcome: str = "success",
    fail_at_step: Any = None,
    failed_nodes: Sequence[str] = (),
    not_found_for_s: float = 0.0,
    origin: str = "api",
) -> Task:
    """A task with its whole timeline fixed; ``outcome`` is success, fail or partial."""
    if outcome not in OUTCOMES:
        raise ValueError("outcome must be one of %s" % ", ".join(OUTCOMES))
    steps = steps_for(task_type)
    node_step = next((i for i, step in enumerate(steps) if step.step_type == "dispersive"), None)
    task = Task(
        task_id=task_id,
        task_type=task_type,
        cluster_id=cluster_id,
        cluster_name=cluster_name,
        node_ids=list(node_ids),
        created=created,
        waiting_s=max(0.0, waiting_s),
        duration_s=max(0.001, duration_s),
        outcome=outcome,
        sub_ids=dict(sub_ids),
        not_found_until=created + max(0.0, not_found_for_s),
        origin=origin,
        steps=steps,
        node_step=node_step,
    )
    _plan_failures(task, fail_at_step, failed_nodes)
    _plan_timeline(task)
    return task


def _step_index(steps: Sequence[StepSpec], fail_at_step: Any, default: Optional[int]) -> int:
    if fail_at_step is None:
        return default if default is not None else len(steps) - 1
    if isinstance(fail_at_step, int) and not isinstance(fail_at_step, bool):
        if not 0 <= fail_at_step < len(steps):
            raise ValueError("fail_at_step must be between 0 and %d" % (len(steps) - 1))
        return fail_at_step
    for index, step in enumerate(steps):
        if step.name == fail_at_step:
            return index
    raise ValueError("fail_at_step %r is not a step of this task (%s)" % (fail_at_step, ", ".join(s.name for s in steps)))


def _plan_failures(task: Task, fail_at_step: Any, failed_nodes: Sequence[str]) -> None:
    wanted = [node for node in failed_nodes if node in task.node_ids]
    if task.outcome == "success":
        task.failed_nodes = frozenset()
        return
    if task.outcome == "fail":
        task.fail_step = _step_index(task.steps, fail_at_step, task.node_step)
    if not wanted and task.node_ids and (task.outcome == "partial" or task.fail_step == task.node_step):
        wanted = [task.node_ids[0]]
    task.failed_nodes = frozenset(wanted)


def _plan_timeline(task: Task) -> None:
    start = task.created + task.waiting_s
    total = sum(step.weight for step in task.steps)
    cursor = start
    for step in task.steps:
        length = task.duration_s * step.weight / total
        task.windows.append((cursor, cursor + length))
        cursor += length
    task.end = cursor
    if task.node_step is not None:
        s, e = task.windows[task.node_step]
        count = len(task.node_ids)
        for index, node in enumerate(task.node_ids):
            if node in task.failed_nodes:
                task.node_times[node] = s + (e - s) * 0.5 * (index + 1) / max(count, 1)
            else:
                task.node_times[node] = s + (e - s) * (0.6 + 0.4 * (index + 1) / max(count, 1))
    kind = kind_of(task.task_type)
    if task.outcome == "fail" and task.fail_step is not None:
        task.end = task.windows[task.fail_step][1]
        task.final_state = FAIL
        failed_step = task.steps[task.fail_step]
        if task.failed_nodes and task.fail_step == task.node_step:
            first = sorted(task.failed_nodes, key=task.node_ids.index)[0]
            task.message = "Task failed at step %s: %s" % (failed_step.name, FAIL_TEXT.get(kind, "Node %s failed.") % first)
        else:
            task.message = "Task failed at step %s: the step did not complete." % failed_step.name
    else:
        task.final_state = SUCCESS


def _node_message(task: Task, node: str) -> str:
    return FAIL_TEXT.get(kind_of(task.task_type), "Node %s failed.") % node


def _sub_tasks(task: Task, now: float, sub_type: str, quirks: Quirks, stamp: Stamp) -> List[Dict[str, Any]]:
    s = task.windows[task.node_step][0]  # type: ignore[index]
    created = fmt_time(stamp(s), quirks.one_digit_hour)
    out = []
    for node in task.node_ids:
        done = task.node_times[node]
        failed = node in task.failed_nodes
        if now >= done:
            state, updated, message = (FAIL, done, _node_message(task, node)) if failed else (SUCCESS, done, "")
        else:
            state, updated, message = RUNNING, now, ""
        out.append(
            {
                "TaskId": task.sub_ids[node],
                "TaskType": sub_type,
                "TaskState": state,
                "CreateTime": created,
                "UpdateTime": fmt_time(stamp(updated)),
                "Message": message,
            }
        )
    return out


def _steps(task: Task, now: float, quirks: Quirks, stamp: Stamp) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    sub_type = sub_task_type(task.task_type)
    last = task.fail_step if task.fail_step is not None else len(task.steps) - 1
    for index, (step, (s, e)) in enumerate(zip(task.steps, task.windows)):
        if now < s or index > last:
            break
        message = ""
        if now < e:
            state, updated = RUNNING, now
        elif index == task.fail_step:
            state, updated = STEP_FAILED, e
            message = task.message
        else:
            state, updated = SUCCESS, e
            if index == task.node_step and task.failed_nodes:
                message = "%d node task(s) failed and were skipped because IgnoreFailedNodeTasks is true." % len(task.failed_nodes)
        out.append(
            {
                "StepName": step.name,
                "StepType": step.step_type,
                "StepState": state,
                "StageTag": step.stage_tag,
                "StartTime": fmt_time(stamp(s), quirks.one_digit_hour),
                "UpdateTime": fmt_time(stamp(updated)),
                "Message": message,
                "SubTasks": _sub_tasks(task, now, sub_type, quirks, stamp) if index == task.node_step else [],
            }
        )
    return out


def render_task(task: Task, now: float, request_id: str, quirks: Quirks = NO_QUIRKS, stamp: Stamp = same_time) -> Dict[str, Any]:
    """The DescribeTask answer for ``task`` at simulated time ``now``."""
    state = task.state_at(now)
    steps: Optional[List[Dict[str, Any]]] = [] if state == WAITING else _steps(task, now, quirks, stamp)
    if not steps and quirks.null_steps:
        steps = None
    updated = task.created if state == WAITING else min(now, task.end)
    node_ids: Any = list(task.node_ids)
    if quirks.node_ids_repr:
        node_ids = repr(node_ids)
    return {
        "RequestId": request_id,
        "ClusterId": task.cluster_id,
        "ClusterName": task.cluster_name,
        "TaskType": task.task_type,
        "TaskState": state,
        "Message": task.message if state == FAIL else "",
        "NodeIds": node_ids,
        "CreateTime": fmt_time(stamp(task.created), quirks.one_digit_hour),
        "UpdateTime": fmt_time(stamp(updated)),
        "Steps": steps,
    }


def render_sub_task(task: Task, node: str, now: float, request_id: str, quirks: Quirks = NO_QUIRKS, stamp: Stamp = same_time) -> Dict[str, Any]:
    """DescribeTask of a sub-task id: the one node's part of its parent task."""
    sub_type = sub_task_type(task.task_type)
    index = task.node_step
    started = index is not None and (task.fail_step is None or index <= task.fail_step) and now >= task.windows[index][0]
    failed = node in task.failed_nodes
    if not started:
        never = task.finished_at(now)
        state = FAIL if never else WAITING
        created, updated, message = task.created, (task.end if never else task.created), ("The parent task failed before this node started." if never else "")
    else:
        created = task.windows[index][0]  # type: ignore[index]
        done = task.node_times[node]
        if now >= done:
            state, updated, message = (FAIL, done, _node_message(task, node)) if failed else (SUCCESS, done, "")
        else:
            state, updated, message = RUNNING, now, ""
    node_ids: Any = [node]
    if quirks.node_ids_repr:
        node_ids = repr(node_ids)
    return {
        "RequestId": request_id,
        "ClusterId": task.cluster_id,
        "ClusterName": task.cluster_name,
        "TaskType": sub_type,
        "TaskState": state,
        "Message": message,
        "NodeIds": node_ids,
        "CreateTime": fmt_time(stamp(created), quirks.one_digit_hour),
        "UpdateTime": fmt_time(stamp(updated)),
        "Steps": [] if not quirks.null_steps else None,
    }
