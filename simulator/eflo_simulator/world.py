"""Clusters, nodes and tasks of the simulated account, and the eflo-controller actions on them.

Task state is computed lazily from simulated time (see :mod:`lifecycle`); the effect a finished task has
on its cluster and nodes (``expanding`` -> ``running``, ``Extending`` -> ``Using`` ...) is applied the
next time anything looks at clusters or nodes (:meth:`World.settle`). Times are kept in simulated time
and written into answers (and the control API's task summaries) as ``clock.stamp(time)``: real time.
"""

from __future__ import annotations

import heapq
import random
import string
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from . import lifecycle
from .clock import SimClock
from .errors import ApiError, conflict, invalid_parameter, missing_parameter, not_found
from .lifecycle import Quirks, Task
from .params import Params

DEMO_CLUSTER_ID = "i119982311660892626523"
DEMO_CLUSTER_NAME = "Standard_Cluster"
DEMO_NODE_GROUP_ID = "i127582271665027208350"
DEMO_NODES = ("e01-cn-zvp2tgykr08", "e01-cn-zvp2tgykr09", "e01-cn-zvp2tgykr0a", "e01-cn-zvp2tgykr0b")
DEMO_FREE_NODES = ("e01-cn-zvp2tgykr0c", "e01-cn-zvp2tgykr0d")
QUIRK_KINDS = ("one_digit_hour", "node_ids_repr", "null_steps")
MAX_CONTROL_TASKS = 20000
NODE_LIFETIME_S = 365 * 86400.0  # ExpiredTime - CreateTime of every node, in real time
_LOWER_ALNUM = string.ascii_lowercase + string.digits

TASK_TYPES = {
    # cluster type -> {operation kind -> task type}
    "Lite": {"initialize": "initialize_cluster", "extend": "extend_cluster", "cut": "cut_cluster", "reclone": "reclone_node"},
    "ExclusiveBareCluster": {
        "initialize": "initialize_bare_cluster",
        "extend": "extend_bare_cluster",
        "cut": "cut_bare_cluster",
        "reclone": "reclone_bare_node",
    },
    "AckEdgePro": {
        "initialize": "initialize_ack_edge_cluster",
        "extend": "extend_ack_edge_cluster",
        "cut": "cut_cluster",
        "reclone": "reclone_ack_edge_node",
    },
}
TRANSIENT_NODE_STATE = {
    "initialize": "Extending",
    "extend": "Extending",
    "cut": "Cutting",
    "reclone": "Operating",
    "reboot": "Operating",
    "stop": "ClusterNodeStopping",
}
TRANSIENT_CLUSTER_STATE = {"initialize": "initializing", "extend": "expanding", "cut": "shrinking"}


def iso_seconds(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@dataclass
class Node:
    node_id: str
    hostname: str
    machine_type: str
    image_id: str
    zone_id: str
    sn: str
    hpn_zone: str
    ip: str
    create_time: float
    cluster_id: str = ""
    node_group_id: str = ""
    state: str = "Unused"
    task_id: str = ""


@dataclass
class NodeGroup:
    node_group_id: str
    name: str
    machine_type: str
    image_id: str
    zone_id: str


@dataclass
class Cluster:
    cluster_id: str
    name: str
    cluster_type: str
    description: str
    hpn_zone: str
    create_time: float
    update_time: float
    resource_group_id: str
    vpc_id: str
    vswitch_id: str
    security_group_id: str
    vpd_id: str
    state: str = "running"
    task_id: str = ""
    node_groups: Dict[str, NodeGroup] = field(default_factory=dict)
    node_ids: List[str] = field(default_factory=list)
    components: List[Dict[str, str]] = field(default_factory=list)
    tags: List[Dict[str, str]] = field(default_factory=list)


@dataclass
class Effect:
    kind: str
    cluster_id: str
    node_ids: List[str]
    image_id: str = ""


@dataclass
class Scenario:
    """Scripted behaviour of API-started tasks (``PUT /_sim/scenario``)."""

    fail_nodes: Set[str] = field(default_factory=set)
    fail_mode: str = "auto"  # auto: IgnoreFailedNodeTasks=true -> partial, else fail
    fail_actions: Dict[str, str] = field(default_factory=dict)  # action -> outcome
    durations: Dict[str, float] = field(default_factory=dict)  # task type or kind -> simulated seconds
    waiting_s: float = lifecycle.DEFAULT_WAITING_S
    not_found_for_s: float = 0.0

    def to_dict(self) -> Dict[str, Any]:
        return {
            "fail_nodes": sorted(self.fail_nodes),
            "fail_mode": self.fail_mode,
            "fail_actions": dict(self.fail_actions),
            "durations": dict(self.durations),
            "waiting_s": self.waiting_s,
            "not_found_for_s": self.not_found_for_s,
        }


class World:
    """The simulated account. Single-threaded: the event loop calls it between awaits."""

    def __init__(self, clock: SimClock, seed: int, quirk_rate: float = 0.2, demo_cluster: bool = True) -> None:
        self.clock = clock
        self.seed = seed
        self.rng = random.Random(seed)
        self.quirk_rate = quirk_rate
        self.quirk_kinds: Tuple[str, ...] = QUIRK_KINDS
        self.scenario = Scenario()
        self.tasks: Dict[str, Task] = {}
        self.sub_tasks: Dict[str, Tuple[Task, str]] = {}
        self.effects: Dict[str, Effect] = {}
        self.clusters: Dict[str, Cluster] = {}
        self.nodes: Dict[str, Node] = {}
        self._pending: List[Tuple[float, int, str]] = []
        self._seq = 0
        if demo_cluster:
            self._seed_demo()

    # ids ------------------------------------------------------------------------------------
    def _digits(self, prefix: str, total: int = 22) -> str:
        return prefix + "".join(str(self.rng.randrange(10)) for _unused in range(total - len(prefix)))

    def new_task_id(self) -> str:
        while True:
            ident = self._digits("i15")
            if ident not in self.tasks and ident not in self.sub_tasks:
                return ident

    def new_sub_task_id(self) -> str:
        while True:
            ident = self._digits("i158")
            if ident not in self.tasks and ident not in self.sub_tasks:
                return ident

    def new_node_id(self) -> str:
        while True:
            ident = "e01-cn-" + "".join(self.rng.choice(_LOWER_ALNUM) for _unused in range(11))
            if ident not in self.nodes:
                return ident

    # demo data ------------------------------------------------------------------------------
    def _seed_demo(self) -> None:
        created = self.clock.now() - 30 * 86400
        cluster = self._new_cluster(DEMO_CLUSTER_NAME, "Lite", "Demo cluster of the eflo simulator", created, cluster_id=DEMO_CLUSTER_ID)
        group = NodeGroup(DEMO_NODE_GROUP_ID, "ng-standard", "efg1.nvga8n", "i190297961737537046489", "cn-wulanchabu-b")
        cluster.node_groups[group.node_group_id] = group
        for node_id in DEMO_NODES:
            node = self._new_node(node_id, group, created)
            node.state = "Using"
            node.cluster_id = cluster.cluster_id
            node.node_group_id = group.node_group_id
            cluster.node_ids.append(node_id)
        for node_id in DEMO_FREE_NODES:
            self._new_node(node_id, None, created)

    def _new_cluster(self, name: str, cluster_type: str, description: str, created: float, cluster_id: Optional[str] = None) -> Cluster:
        cluster = Cluster(
            cluster_id=cluster_id or self._digits("i11"),
            name=name,
            cluster_type=cluster_type,
            description=description,
            hpn_zone="B1",
            create_time=created,
            update_time=created,
            resource_group_id="rg-aek2ajbjoloa23q",
            vpc_id="vpc-0jl" + "".join(self.rng.choice(_LOWER_ALNUM) for _unused in range(17)),
            vswitch_id="vsw-0jl" + "".join(self.rng.choice(_LOWER_ALNUM) for _unused in range(17)),
            security_group_id="sg-0jl" + "".join(self.rng.choice(_LOWER_ALNUM) for _unused in range(17)),
            vpd_id="vpd-" + "".join(self.rng.choice(_LOWER_ALNUM) for _unused in range(8)),
        )
        self.clusters[cluster.cluster_id] = cluster
        return cluster

    def _new_node(self, node_id: str, group: Optional[NodeGroup], created: float, hostname: str = "") -> Node:
        number = len(self.nodes) + 1
        node = Node(
            node_id=node_id,
            hostname=hostname or "lingjun-node-%03d" % number,
            machine_type=group.machine_type if group else "efg1.nvga8n",
            image_id=group.image_id if group else "i190297961737537046489",
            zone_id=group.zone_id if group else "cn-wulanchabu-b",
            sn="sn_%s" % "".join(self.rng.choice(string.ascii_uppercase + string.digits) for _unused in range(8)),
            hpn_zone="B1",
            ip="192.168.%d.%d" % (number // 250, number % 250 + 2),
            create_time=created,
        )
        self.nodes[node_id] = node
        return node

    # quirks ---------------------------------------------------------------------------------
    def quirks_for(self, task_id: str) -> Quirks:
        if self.quirk_rate <= 0:
            return lifecycle.NO_QUIRKS
        flags = {}
        for kind in QUIRK_KINDS:
            draw = zlib.crc32(("%d:%s:%s" % (self.seed, task_id, kind)).encode("ascii", "replace")) / 4294967296.0
            flags[kind] = kind in self.quirk_kinds and draw < self.quirk_rate
        return Quirks(**flags)

    # lifecycle bookkeeping -----------------------------------------------------------------
    def _register(self, task: Task, effect: Optional[Effect]) -> None:
        self.tasks[task.task_id] = task
        for node, sub_id in task.sub_ids.items():
            self.sub_tasks[sub_id] = (task, node)
        if effect is not None:
            self.effects[task.task_id] = effect
            self._seq += 1
            heapq.heappush(self._pending, (task.end, self._seq, task.task_id))

    def settle(self) -> None:
        """Apply the effects of every task that has finished by now."""
        now = self.clock.now()
        pending = self._pending
        while pending and pending[0][0] <= now:
            task_id = heapq.heappop(pending)[2]
            effect = self.effects.pop(task_id, None)
            task = self.tasks.get(task_id)
            if effect is not None and task is not None:
                self._finish(task, effect)

    def _succeeded_nodes(self, task: Task) -> Set[str]:
        if task.node_step is None:
            return set(task.node_ids) if task.final_state == lifecycle.SUCCESS else set()
        if task.fail_step is not None and task.fail_step < task.node_step:
            return set()
        return set(task.node_ids) - set(task.failed_nodes)

    def _finish(self, task: Task, effect: Effect) -> None:
        ok = self._succeeded_nodes(task)
        cluster = self.clusters.get(effect.cluster_id)
        for node_id in effect.node_ids:
            node = self.nodes.get(node_id)
            if node is None or node.task_id != task.task_id:
                continue
            good = node_id in ok
            if effect.kind in ("initialize", "extend"):
                if good:
                    node.state = "Using"
                else:
                    self._release(node, cluster)
            elif effect.kind == "cut":
                if good:
                    self._release(node, cluster)
                else:
                    node.state = "Using"
            elif effect.kind == "stop":
                node.state = "ClusterNodeStopped" if good else "Using"
            else:
                node.state = "Using"
                if good and effect.image_id:
                    node.image_id = effect.image_id
        if cluster is not None and cluster.task_id == task.task_id:
            cluster.state = "running"
            cluster.update_time = task.end

    def _release(self, node: Node, cluster: Optional[Cluster]) -> None:
        node.state = "Unused"
        node.node_group_id = ""
        if cluster is not None and node.node_id in cluster.node_ids:
            cluster.node_ids.remove(node.node_id)
        node.cluster_id = ""

    def task_is_active(self, task_id: str) -> bool:
        task = self.tasks.get(task_id)
        return task is not None and not task.finished_at(self.clock.now())

    # control API ---------------------------------------------------------------------------
    def create_control_tasks(self, spec: Dict[str, Any]) -> List[str]:
        """``POST /_sim/tasks``: tasks with no effect on clusters or nodes."""
        task_type = spec.get("task_type") or "reclone_node"
        if not isinstance(task_type, str):
            raise ValueError("task_type must be a string")
        count = int(spec.get("count", 1))
        if not 1 <= count <= MAX_CONTROL_TASKS:
            raise ValueError("count must be between 1 and %d" % MAX_CONTROL_TASKS)
        kind = lifecycle.kind_of(task_type)
        duration = float(spec.get("duration_s", lifecycle.DEFAULT_DURATIONS[kind]))
        waiting = float(spec.get("waiting_s", 0.0))
        outcome = spec.get("outcome", "success")
        node_count = int(spec.get("node_count", 2))
        if not 0 <= node_count <= 1000:
            raise ValueError("node_count must be between 0 and 1000")
        if count * max(node_count, len(spec.get("node_ids") or [])) > 200000:
            raise ValueError("count x node_count must stay below 200000 sub-tasks per call")
        cluster_id = spec.get("cluster_id")
        cluster = self.clusters.get(cluster_id) if cluster_id else None
        cluster_name = cluster.name if cluster else str(spec.get("cluster_name", DEMO_CLUSTER_NAME))
        scripted_nodes = spec.get("node_ids")
        fail_nodes = spec.get("fail_nodes") or []
        now = self.clock.now()
        ids = []
        for _unused in range(count):
            node_ids = list(scripted_nodes) if scripted_nodes else [self.new_node_id() for _unused in range(node_count)]
            task = lifecycle.build_task(
                task_id=self.new_task_id(),
                task_type=task_type,
                cluster_id=cluster_id or self._digits("i11"),
                cluster_name=cluster_name,
                node_ids=node_ids,
                sub_ids={node: self.new_sub_task_id() for node in node_ids},
                created=now,
                duration_s=duration,
                waiting_s=waiting,
                outcome=outcome,
                fail_at_step=spec.get("fail_at_step"),
                failed_nodes=fail_nodes,
                not_found_for_s=float(spec.get("not_found_for_s", 0.0)),
                origin="control",
            )
            self._register(task, None)
            ids.append(task.task_id)
        return ids

    def task_summary(self, task: Task) -> Dict[str, Any]:
        now, stamp = self.clock.now(), self.clock.stamp
        return {
            "task_id": task.task_id,
            "task_type": task.task_type,
            "task_state": task.state_at(now),
            "cluster_id": task.cluster_id,
            "node_ids": list(task.node_ids),
            "origin": task.origin,
            "outcome": task.outcome,
            "failed_nodes": sorted(task.failed_nodes),
            "created": stamp(task.created),
            "ends": stamp(task.end),
            "remaining_s": max(0.0, stamp(task.end) - stamp(now)),
        }

    def task_detail(self, task: Task) -> Dict[str, Any]:
        detail = self.task_summary(task)
        detail["sub_task_ids"] = dict(task.sub_ids)
        detail["steps"] = [
            {"step_name": step.name, "step_type": step.step_type, "stage_tag": step.stage_tag, "start": self.clock.stamp(window[0]),
             "end": self.clock.stamp(window[1])}
            for step, window in zip(task.steps, task.windows)
        ]
        detail["fail_step"] = task.fail_step
        detail["quirks"] = self.quirks_for(task.task_id).__dict__
        detail["describe_task"] = lifecycle.render_task(task, self.clock.now(), "", lifecycle.NO_QUIRKS, self.clock.stamp)
        return detail

    # API: tasks ----------------------------------------------------------------------------
    def describe_task(self, params: Params, request_id: str) -> Dict[str, Any]:
        task_id = params.require("TaskId")
        now = self.clock.now()
        task = self.tasks.get(task_id)
        if task is not None and now >= task.not_found_until:
            return lifecycle.render_task(task, now, request_id, self.quirks_for(task_id), self.clock.stamp)
        sub = self.sub_tasks.get(task_id)
        if sub is not None and now >= sub[0].not_found_until:
            return lifecycle.render_sub_task(sub[0], sub[1], now, request_id, self.quirks_for(task_id), self.clock.stamp)
        raise not_found("Task", task_id)

    def _start(self, action: str, kind: str, task_type: str, cluster: Cluster, node_ids: List[str], ignore_failed: bool, image_id: str = "") -> Task:
        scenario = self.scenario
        failed = [node for node in node_ids if node in scenario.fail_nodes]
        outcome = "success"
        if action in scenario.fail_actions:
            outcome = scenario.fail_actions[action]
        elif failed:
            mode = scenario.fail_mode
            outcome = "partial" if mode == "partial" or (mode == "auto" and ignore_failed) else "fail"
        duration = scenario.durations.get(task_type, scenario.durations.get(kind, lifecycle.DEFAULT_DURATIONS[kind]))
        now = self.clock.now()
        task = lifecycle.build_task(
            task_id=self.new_task_id(),
            task_type=task_type,
            cluster_id=cluster.cluster_id,
            cluster_name=cluster.name,
            node_ids=node_ids,
            sub_ids={node: self.new_sub_task_id() for node in node_ids},
            created=now,
            duration_s=float(duration),
            waiting_s=scenario.waiting_s,
            outcome=outcome,
            failed_nodes=failed,
            not_found_for_s=scenario.not_found_for_s,
            origin=action,
        )
        self._register(task, Effect(kind, cluster.cluster_id, list(node_ids), image_id))
        for node_id in node_ids:
            node = self.nodes[node_id]
            node.state = TRANSIENT_NODE_STATE[kind]
            node.task_id = task.task_id
        if kind in TRANSIENT_CLUSTER_STATE:
            cluster.state = TRANSIENT_CLUSTER_STATE[kind]
            cluster.task_id = task.task_id
        cluster.update_time = now
        return task

    def _cluster(self, params: Params) -> Cluster:
        cluster_id = params.require("ClusterId")
        cluster = self.clusters.get(cluster_id)
        if cluster is None:
            raise not_found("Cluster", cluster_id)
        return cluster

    def _check_cluster_idle(self, cluster: Cluster, verb: str) -> None:
        if cluster.task_id and self.task_is_active(cluster.task_id) or cluster.state != "running":
            raise conflict("The cluster is not in Running state, not allowed to %s." % verb)

    def _check_nodes_idle(self, node_ids: Sequence[str]) -> None:
        for node_id in node_ids:
            node = self.nodes[node_id]
            if node.task_id and self.task_is_active(node.task_id):
                raise conflict("The node %s is being operated by task %s." % (node_id, node.task_id))

    def _cluster_nodes(self, cluster: Cluster, node_ids: Sequence[str], name: str) -> List[str]:
        if not node_ids:
            raise missing_parameter(name)
        seen: List[str] = []
        for node_id in node_ids:
            node = self.nodes.get(node_id)
            if node is None:
                raise not_found("Node", node_id)
            if node.cluster_id != cluster.cluster_id:
                raise invalid_parameter(name, "The node %s does not belong to cluster %s." % (node_id, cluster.cluster_id))
            if node_id not in seen:
                seen.append(node_id)
        return seen

    def _check_free(self, specs: Sequence[Any]) -> None:
        for spec in specs:
            node_id = spec.get("NodeId") if isinstance(spec, dict) else None
            if not isinstance(node_id, str) or not node_id:
                raise invalid_parameter("NodeGroups", "Every node needs a NodeId.")
            node = self.nodes.get(node_id)
            if node is not None and node.cluster_id:
                raise ApiError(400, "NodeInCluster", "The node %s is already in cluster %s." % (node_id, node.cluster_id))

    def _join_nodes(self, cluster: Cluster, group: NodeGroup, specs: Sequence[Dict[str, Any]], amount: int) -> List[str]:
        """Free nodes named in ``specs`` (unknown ids are taken from the free pool) plus ``amount`` new ones."""
        joined: List[str] = []
        now = self.clock.now()
        for spec in specs:
            node_id = str(spec["NodeId"])
            node = self.nodes.get(node_id) or self._new_node(node_id, group, now, str(spec.get("Hostname") or ""))
            if spec.get("Hostname"):
                node.hostname = str(spec["Hostname"])
            joined.append(node_id)
        for _unused in range(amount):
            joined.append(self._new_node(self.new_node_id(), group, now).node_id)
        for node_id in joined:
            node = self.nodes[node_id]
            node.cluster_id = cluster.cluster_id
            node.node_group_id = group.node_group_id
            node.machine_type, node.image_id, node.zone_id = group.machine_type, group.image_id, group.zone_id
            cluster.node_ids.append(node_id)
        return joined

    def _group(self, cluster: Cluster, spec: Dict[str, Any], create: bool) -> NodeGroup:
        group_id = spec.get("NodeGroupId")
        if group_id:
            group = cluster.node_groups.get(str(group_id))
            if group is None:
                raise not_found("NodeGroup", str(group_id))
            return group
        if not create:
            raise invalid_parameter("NodeGroups", "Every node group needs a NodeGroupId.")
        group = NodeGroup(
            node_group_id=self._digits("i12"),
            name=str(spec.get("NodeGroupName") or "ng-%d" % (len(cluster.node_groups) + 1)),
            machine_type=str(spec.get("MachineType") or "efg1.nvga8n"),
            image_id=str(spec.get("ImageId") or "i190297961737537046489"),
            zone_id=str(spec.get("ZoneId") or "cn-wulanchabu-b"),
        )
        cluster.node_groups[group.node_group_id] = group
        return group

    def create_cluster(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        name = params.require("ClusterName")
        cluster_type = params.get("ClusterType", "Lite") or "Lite"
        if cluster_type not in TASK_TYPES:
            raise invalid_parameter("ClusterType", "Valid values: %s." % ", ".join(sorted(TASK_TYPES)))
        groups = params.object_list("NodeGroups") or []
        ignore_failed = params.boolean("IgnoreFailedNodeTasks")
        tags = params.object_list("Tag") or []
        for spec in groups:
            self._check_free(spec.get("Nodes") or [])
        cluster = self._new_cluster(name, cluster_type, params.get("ClusterDescription", "") or "", self.clock.now())
        cluster.hpn_zone = params.get("HpnZone", "B1") or "B1"
        cluster.tags = [{"Key": str(t.get("Key", "")), "Value": str(t.get("Value", ""))} for t in tags]
        if cluster_type == "AckEdgePro":
            cluster.components = [{"ComponentId": "ack-" + cluster.cluster_id[-8:], "ComponentType": "ACKEdge"}]
        node_ids: List[str] = []
        for spec in groups:
            group = self._group(cluster, spec, create=True)
            node_ids += self._join_nodes(cluster, group, spec.get("Nodes") or [], 0)
        task_type = TASK_TYPES[cluster_type]["initialize"]
        task = self._start("CreateCluster", "initialize", task_type, cluster, node_ids, ignore_failed)
        return {"RequestId": request_id, "ClusterId": cluster.cluster_id, "TaskId": task.task_id}

    def extend_cluster(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        cluster = self._cluster(params)
        groups = params.object_list("NodeGroups")
        if not groups:
            raise missing_parameter("NodeGroups")
        ignore_failed = params.boolean("IgnoreFailedNodeTasks")
        self._check_cluster_idle(cluster, "extend")
        node_ids: List[str] = []
        plan = []
        for spec in groups:
            group = self._group(cluster, spec, create=False)
            try:
                amount = int(spec.get("Amount") or 0)
            except (TypeError, ValueError):
                raise invalid_parameter("NodeGroups", "Amount must be an integer.") from None
            if not spec.get("Nodes") and amount <= 0:
                raise invalid_parameter("NodeGroups", "Give Nodes or a positive Amount for node group %s." % group.node_group_id)
            self._check_free(spec.get("Nodes") or [])
            plan.append((group, spec.get("Nodes") or [], amount))
        for group, specs, amount in plan:
            node_ids += self._join_nodes(cluster, group, specs, amount)
        task = self._start("ExtendCluster", "extend", TASK_TYPES[cluster.cluster_type]["extend"], cluster, node_ids, ignore_failed)
        return {"RequestId": request_id, "TaskId": task.task_id}

    def shrink_cluster(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        cluster = self._cluster(params)
        groups = params.object_list("NodeGroups")
        if not groups:
            raise missing_parameter("NodeGroups")
        ignore_failed = params.boolean("IgnoreFailedNodeTasks")
        self._check_cluster_idle(cluster, "shrink")
        wanted: List[str] = []
        for spec in groups:
            self._group(cluster, spec, create=False)
            wanted += [str(n.get("NodeId", "")) for n in spec.get("Nodes") or [] if isinstance(n, dict)]
        node_ids = self._cluster_nodes(cluster, wanted, "NodeGroups")
        self._check_nodes_idle(node_ids)
        task = self._start("ShrinkCluster", "cut", TASK_TYPES[cluster.cluster_type]["cut"], cluster, node_ids, ignore_failed)
        return {"RequestId": request_id, "TaskId": task.task_id}

    def reimage_nodes(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        cluster = self._cluster(params)
        specs = params.object_list("Nodes")
        if not specs:
            raise missing_parameter("Nodes")
        ignore_failed = params.boolean("IgnoreFailedNodeTasks")
        node_ids = self._cluster_nodes(cluster, [str(s.get("NodeId", "")) for s in specs], "Nodes")
        self._check_nodes_idle(node_ids)
        image_id = str(specs[0].get("ImageId") or "")
        task = self._start("ReimageNodes", "reclone", TASK_TYPES[cluster.cluster_type]["reclone"], cluster, node_ids, ignore_failed, image_id)
        return {"RequestId": request_id, "TaskId": task.task_id}

    def reboot_nodes(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        cluster = self._cluster(params)
        node_ids = self._cluster_nodes(cluster, params.string_list("Nodes") or [], "Nodes")
        ignore_failed = params.boolean("IgnoreFailedNodeTasks")
        self._check_nodes_idle(node_ids)
        task = self._start("RebootNodes", "reboot", "reboot_node", cluster, node_ids, ignore_failed)
        return {"RequestId": request_id, "TaskId": task.task_id}

    def stop_nodes(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        wanted = params.string_list("Nodes") or []
        if not wanted:
            raise missing_parameter("Nodes")
        ignore_failed = params.boolean("IgnoreFailedNodeTasks")
        first = self.nodes.get(wanted[0])
        if first is None:
            raise not_found("Node", wanted[0])
        cluster = self.clusters.get(first.cluster_id)
        if cluster is None:
            raise invalid_parameter("Nodes", "The node %s is not in a cluster." % first.node_id)
        node_ids = self._cluster_nodes(cluster, wanted, "Nodes")
        self._check_nodes_idle(node_ids)
        task = self._start("StopNodes", "stop", "stop_node", cluster, node_ids, ignore_failed)
        return {"RequestId": request_id, "TaskId": task.task_id}

    def delete_cluster(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        cluster = self._cluster(params)
        self._check_cluster_idle(cluster, "delete")
        self._check_nodes_idle(cluster.node_ids)
        for node_id in list(cluster.node_ids):
            self._release(self.nodes[node_id], cluster)
        del self.clusters[cluster.cluster_id]
        return {"RequestId": request_id}

    # API: reads ----------------------------------------------------------------------------
    def describe_cluster(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        cluster = self._cluster(params)
        return {
            "RequestId": request_id,
            "ClusterId": cluster.cluster_id,
            "ClusterName": cluster.name,
            "ClusterType": cluster.cluster_type,
            "ClusterDescription": cluster.description,
            "OperatingState": cluster.state,
            "TaskId": cluster.task_id,
            "NodeCount": len(cluster.node_ids),
            "NodeGroupCount": len(cluster.node_groups),
            "HpnZone": cluster.hpn_zone,
            "ComputingIpVersion": "IPv4",
            "OpenEniJumboFrame": "false",
            "Components": list(cluster.components),
            "Networks": {"VpdId": cluster.vpd_id},
            "VpcId": cluster.vpc_id,
            "VSwitchId": cluster.vswitch_id,
            "SecurityGroupId": cluster.security_group_id,
            "ResourceGroupId": cluster.resource_group_id,
            "CreateTime": iso_seconds(self.clock.stamp(cluster.create_time)),
            "UpdateTime": lifecycle.fmt_time(self.clock.stamp(cluster.update_time)),
        }

    @staticmethod
    def _page(params: Params, items: List[Any]) -> Tuple[List[Any], str]:
        size = params.integer("MaxResults", 20, 1, 100)
        token = params.get("NextToken")
        start = 0
        if token is not None:
            if not token.startswith("nt-") or not token[3:].isdigit():
                raise invalid_parameter("NextToken")
            start = int(token[3:])
        page = items[start:start + size]
        following = start + size
        return page, ("nt-%d" % following if following < len(items) else "")

    def list_clusters(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        group = params.get("ResourceGroupId")
        clusters = [c for c in self.clusters.values() if group is None or c.resource_group_id == group]
        page, token = self._page(params, clusters)
        return {
            "RequestId": request_id,
            "NextToken": token,
            "Clusters": [
                {
                    "ClusterId": c.cluster_id,
                    "ClusterName": c.name,
                    "ClusterType": c.cluster_type,
                    "OperatingState": c.state,
                    "TaskId": c.task_id,
                    "NodeCount": len(c.node_ids),
                    "NodeGroupCount": len(c.node_groups),
                    "HpnZone": c.hpn_zone,
                    "ResourceGroupId": c.resource_group_id,
                    "VpcId": c.vpc_id,
                    "Components": {"ComponentType": c.components[0]["ComponentType"]} if c.components else {},
                    "Tags": list(c.tags),
                    "CreateTime": str(int(self.clock.stamp(c.create_time))),
                    "UpdateTime": str(int(self.clock.stamp(c.update_time))),
                }
                for c in page
            ],
        }

    def _node_item(self, node: Node, cluster: Optional[Cluster]) -> Dict[str, Any]:
        group = cluster.node_groups.get(node.node_group_id) if cluster else None
        return {
            "NodeId": node.node_id,
            "Hostname": node.hostname,
            "OperatingState": node.state,
            "NodeGroupId": node.node_group_id,
            "NodeGroupName": group.name if group else "",
            "MachineType": node.machine_type,
            "ImageId": node.image_id,
            "ImageName": "Alibaba Cloud Linux 3 (%s)" % node.image_id,
            "HpnZone": node.hpn_zone,
            "ZoneId": node.zone_id,
            "Sn": node.sn,
            "NodeType": "Standard",
            "HyperNodeId": "",
            "TaskId": node.task_id,
            "CommodityCode": "bccluster_eflocomputing_public_cn",
            "FileSystemMountEnabled": False,
            "VpcId": cluster.vpc_id if cluster else "",
            "VSwitchId": cluster.vswitch_id if cluster else "",
            "Networks": [{"BondName": "bond0", "Ip": node.ip, "SubnetId": "subnet-" + node.node_id[-8:], "VpdId": cluster.vpd_id if cluster else ""}],
            "Tags": [],
        }

    def list_cluster_nodes(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        cluster = self._cluster(params)
        group = params.get("NodeGroupId")
        states = params.string_list("OperatingStates")
        nodes = [self.nodes[n] for n in cluster.node_ids]
        nodes = [n for n in nodes if (group is None or n.node_group_id == group) and (not states or n.state in states)]
        page, token = self._page(params, nodes)
        items = []
        for node in page:
            item = self._node_item(node, cluster)
            created = self.clock.stamp(node.create_time)
            item["CreateTime"] = str(int(created * 1000))
            item["ExpiredTime"] = str(int((created + NODE_LIFETIME_S) * 1000))
            items.append(item)
        return {"RequestId": request_id, "NextToken": token, "Nodes": items}

    def describe_node(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        node_id = params.require("NodeId")
        node = self.nodes.get(node_id)
        if node is None:
            raise not_found("Node", node_id)
        cluster = self.clusters.get(node.cluster_id)
        item = self._node_item(node, cluster)
        item.update(
            {
                "RequestId": request_id,
                "ClusterId": node.cluster_id,
                "ClusterName": cluster.name if cluster else "",
                "Disks": [{"Category": "cloud_essd", "Size": 100, "Type": "system", "DiskId": "d-" + node.node_id[-10:], "PerformanceLevel": "PL1"}],
                "UserData": "",
                "ResourceGroupId": cluster.resource_group_id if cluster else "",
                "CreateTime": iso_seconds(self.clock.stamp(node.create_time)),
                "ExpiredTime": iso_seconds(self.clock.stamp(node.create_time) + NODE_LIFETIME_S),
            }
        )
        return item

    def handlers(self) -> Dict[str, Callable[[Params, str], Dict[str, Any]]]:
        return {
            "DescribeTask": self.describe_task,
            "CreateCluster": self.create_cluster,
            "ExtendCluster": self.extend_cluster,
            "ShrinkCluster": self.shrink_cluster,
            "ReimageNodes": self.reimage_nodes,
            "RebootNodes": self.reboot_nodes,
            "StopNodes": self.stop_nodes,
            "DescribeCluster": self.describe_cluster,
            "ListClusters": self.list_clusters,
            "ListClusterNodes": self.list_cluster_nodes,
            "DescribeNode": self.describe_node,
            "DeleteCluster": self.delete_cluster,
        }
