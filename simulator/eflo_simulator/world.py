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
DEFAULT_DELETE_S = 30.0  # simulated seconds a cluster stays ``deleting`` (scenario durations key ``delete``)
DEFAULT_MACHINE_TYPE = "efg1.nvga8n"
DEFAULT_IMAGE_ID = "i190297961737537046489"
DEFAULT_ZONE_ID = "cn-wulanchabu-b"
DEFAULT_RESOURCE_GROUP = "rg-aek2ajbjoloa23q"
# The seeded free pool: (machine type, zone, HPN zone, count). The machine types besides the default are invented.
FREE_POOL = ((DEFAULT_MACHINE_TYPE, DEFAULT_ZONE_ID, "B1", 8), (DEFAULT_MACHINE_TYPE, "cn-wulanchabu-c", "B2", 4), ("efg1.nvgh8n", DEFAULT_ZONE_ID, "B1", 4))
MAX_CONTROL_NODES = 10000
MAX_TAGS = 20
TAG_RESOURCE_TYPES = ("Cluster", "Node")
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


def tag_list(tags: Dict[str, str]) -> List[Dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def has_tags(tags: Dict[str, str], wanted: Dict[str, str]) -> bool:
    """Every wanted key is there, with the wanted value unless that is empty."""
    return all(key in tags and value in ("", tags[key]) for key, value in wanted.items())


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
    tags: Dict[str, str] = field(default_factory=dict)


@dataclass
class NodeGroup:
    node_group_id: str
    name: str
    machine_type: str
    image_id: str
    zone_id: str
    create_time: float
    description: str = ""


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
    tags: Dict[str, str] = field(default_factory=dict)
    gone_at: Optional[float] = None  # while deleting: when the cluster is gone (simulated time)


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
        self.deleted: Set[str] = set()  # ids of clusters that were deleted
        self._pending: List[Tuple[float, int, str]] = []
        self._seq = 0
        if demo_cluster:
            self._seed_demo()
        self._seed_free_pool()

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

    def new_node_id(self, rng: Optional[random.Random] = None) -> str:
        while True:
            ident = "e01-cn-" + "".join((rng or self.rng).choice(_LOWER_ALNUM) for _unused in range(11))
            if ident not in self.nodes:
                return ident

    # demo data ------------------------------------------------------------------------------
    def _seed_demo(self) -> None:
        created = self.clock.now() - 30 * 86400
        cluster = self._new_cluster(DEMO_CLUSTER_NAME, "Lite", "Demo cluster of the eflo simulator", created, cluster_id=DEMO_CLUSTER_ID)
        group = NodeGroup(DEMO_NODE_GROUP_ID, "ng-standard", DEFAULT_MACHINE_TYPE, DEFAULT_IMAGE_ID, DEFAULT_ZONE_ID, created)
        cluster.node_groups[group.node_group_id] = group
        for node_id in DEMO_NODES:
            node = self._new_node(node_id, group, created)
            node.state = "Using"
            node.cluster_id = cluster.cluster_id
            node.node_group_id = group.node_group_id
            cluster.node_ids.append(node_id)
        for node_id in DEMO_FREE_NODES:
            self._new_node(node_id, None, created)

    def _seed_free_pool(self) -> None:
        """Free machines of a few types and zones, the same for the same seed (their own random sequence)."""
        rng = random.Random("free-pool:%d" % self.seed)
        created = self.clock.now() - 7 * 86400
        for machine_type, zone_id, hpn_zone, count in FREE_POOL:
            self.add_free_nodes({"count": count, "machine_type": machine_type, "zone_id": zone_id, "hpn_zone": hpn_zone}, rng, created)

    def add_free_nodes(self, spec: Dict[str, Any], rng: Optional[random.Random] = None, created: Optional[float] = None) -> List[str]:
        """``POST /_sim/free-nodes``: machines that are in no cluster (``Unused``)."""
        named = spec.get("node_ids") or []
        if not isinstance(named, list) or not all(isinstance(n, str) and n for n in named):
            raise ValueError("node_ids must be a list of node ids")
        taken = [n for n in named if n in self.nodes]
        if taken:
            raise ValueError("these nodes exist already: %s" % ", ".join(taken))
        count = int(spec.get("count", 0 if named else 1))
        if count < 0 or not 1 <= count + len(named) <= MAX_CONTROL_NODES:
            raise ValueError("give node_ids or a count, 1 to %d nodes in all" % MAX_CONTROL_NODES)
        group = NodeGroup("", "", str(spec.get("machine_type") or DEFAULT_MACHINE_TYPE), DEFAULT_IMAGE_ID, str(spec.get("zone_id") or DEFAULT_ZONE_ID), 0.0)
        hpn_zone = str(spec.get("hpn_zone") or "B1")
        ids = list(named) + [self.new_node_id(rng) for _unused in range(count)]
        for node_id in ids:
            self._new_node(node_id, group, self.clock.now() if created is None else created, rng=rng).hpn_zone = hpn_zone
        return ids

    def _new_cluster(self, name: str, cluster_type: str, description: str, created: float, cluster_id: Optional[str] = None) -> Cluster:
        cluster = Cluster(
            cluster_id=cluster_id or self._digits("i11"),
            name=name,
            cluster_type=cluster_type,
            description=description,
            hpn_zone="B1",
            create_time=created,
            update_time=created,
            resource_group_id=DEFAULT_RESOURCE_GROUP,
            vpc_id="vpc-0jl" + "".join(self.rng.choice(_LOWER_ALNUM) for _unused in range(17)),
            vswitch_id="vsw-0jl" + "".join(self.rng.choice(_LOWER_ALNUM) for _unused in range(17)),
            security_group_id="sg-0jl" + "".join(self.rng.choice(_LOWER_ALNUM) for _unused in range(17)),
            vpd_id="vpd-" + "".join(self.rng.choice(_LOWER_ALNUM) for _unused in range(8)),
        )
        self.clusters[cluster.cluster_id] = cluster
        return cluster

    def _new_node(self, node_id: str, group: Optional[NodeGroup], created: float, hostname: str = "", rng: Optional[random.Random] = None) -> Node:
        number = len(self.nodes) + 1
        node = Node(
            node_id=node_id,
            hostname=hostname or "lingjun-node-%03d" % number,
            machine_type=group.machine_type if group else DEFAULT_MACHINE_TYPE,
            image_id=group.image_id if group else DEFAULT_IMAGE_ID,
            zone_id=group.zone_id if group else DEFAULT_ZONE_ID,
            sn="sn_%s" % "".join((rng or self.rng).choice(string.ascii_uppercase + string.digits) for _unused in range(8)),
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
        """Apply the effects of every task that has finished by now, and remove the clusters deleted by now."""
        now = self.clock.now()
        pending = self._pending
        while pending and pending[0][0] <= now:
            task_id = heapq.heappop(pending)[2]
            effect = self.effects.pop(task_id, None)
            task = self.tasks.get(task_id)
            if effect is not None and task is not None:
                self._finish(task, effect)
        for cluster in [c for c in self.clusters.values() if c.gone_at is not None and c.gone_at <= now]:
            for node_id in list(cluster.node_ids):
                self._release(self.nodes[node_id], cluster)
            del self.clusters[cluster.cluster_id]
            self.deleted.add(cluster.cluster_id)

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
        return self._cluster_by_id(params.require("ClusterId"))

    def _cluster_by_id(self, cluster_id: str) -> Cluster:
        cluster = self.clusters.get(cluster_id)
        if cluster is not None:
            return cluster
        if cluster_id in self.deleted:
            raise ApiError(404, "RESOURCE_NOT_FOUND", "The cluster %s does not exist: it was deleted." % cluster_id)
        raise not_found("Cluster", cluster_id)

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
        if cluster.gone_at is not None:
            raise conflict("The cluster %s is being deleted." % cluster.cluster_id)
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

    def _check_free(self, specs: Sequence[Any], machine_type: str) -> None:
        """Every node named must be a free machine of the node group's machine type."""
        for spec in specs:
            node_id = spec.get("NodeId") if isinstance(spec, dict) else None
            if not isinstance(node_id, str) or not node_id:
                raise invalid_parameter("NodeGroups", "Every node needs a NodeId.")
            node = self.nodes.get(node_id)
            if node is None:
                raise not_found("Node", node_id)
            if node.cluster_id:
                raise ApiError(400, "NodeInCluster", "The node %s is already in cluster %s." % (node_id, node.cluster_id))
            if node.machine_type != machine_type:
                raise invalid_parameter("NodeGroups", "The node %s is a %s, the node group needs %s." % (node_id, node.machine_type, machine_type))

    def _join_nodes(self, cluster: Cluster, group: NodeGroup, specs: Sequence[Dict[str, Any]], amount: int) -> List[str]:
        """Free nodes named in ``specs`` plus ``amount`` newly bought ones."""
        joined: List[str] = []
        now = self.clock.now()
        for spec in specs:
            node_id = str(spec["NodeId"])
            node = self.nodes[node_id]
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
        name = str(spec.get("NodeGroupName") or "ng-%d" % (len(cluster.node_groups) + 1))
        return self._add_group(cluster, name, str(spec.get("MachineType") or DEFAULT_MACHINE_TYPE), str(spec.get("ImageId") or DEFAULT_IMAGE_ID),
                               str(spec.get("ZoneId") or DEFAULT_ZONE_ID))

    def _add_group(self, cluster: Cluster, name: str, machine_type: str, image_id: str, zone_id: str, description: str = "") -> NodeGroup:
        if any(g.name == name for g in cluster.node_groups.values()):
            raise ApiError(417, "IntegrityError", "The node group name %s already exists in cluster %s." % (name, cluster.cluster_id))
        group = NodeGroup(self._digits("i12"), name, machine_type, image_id, zone_id, self.clock.now(), description)
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
        tags = self._tags(params, "Tag")
        names = [str(spec.get("NodeGroupName") or "") for spec in groups]
        duplicate = next((n for n in names if n and names.count(n) > 1), None)
        if duplicate:
            raise ApiError(417, "IntegrityError", "The node group name %s is given twice." % duplicate)
        for spec in groups:
            self._check_free(spec.get("Nodes") or [], str(spec.get("MachineType") or DEFAULT_MACHINE_TYPE))
        cluster = self._new_cluster(name, cluster_type, params.get("ClusterDescription", "") or "", self.clock.now())
        cluster.hpn_zone = params.get("HpnZone", "B1") or "B1"
        cluster.resource_group_id = params.get("ResourceGroupId", DEFAULT_RESOURCE_GROUP) or DEFAULT_RESOURCE_GROUP
        cluster.tags = tags
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
            self._check_free(spec.get("Nodes") or [], group.machine_type)
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
        """The cluster is ``deleting`` for a while (scenario durations key ``delete``), then gone, its nodes free."""
        self.settle()
        cluster = self._cluster(params)
        self._check_cluster_idle(cluster, "delete")
        self._check_nodes_idle(cluster.node_ids)
        now = self.clock.now()
        cluster.state, cluster.update_time = "deleting", now
        cluster.gone_at = now + float(self.scenario.durations.get("delete", DEFAULT_DELETE_S))
        self.settle()
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
            "Tags": tag_list(cluster.tags),
            "CreateTime": iso_seconds(self.clock.stamp(cluster.create_time)),
            "UpdateTime": lifecycle.fmt_time(self.clock.stamp(cluster.update_time)),
        }

    @staticmethod
    def _page(params: Params, items: List[Any], default_size: int = 20, clamp: bool = False) -> Tuple[List[Any], str]:
        """One page and the token of the next ("" on the last). ``clamp``: MaxResults below 20 or above 100 become 20 / 100."""
        if clamp:
            size = min(100, max(20, params.integer("MaxResults", 20, -(2**31), 2**31)))
        else:
            size = params.integer("MaxResults", default_size, 1, 100)
        token = params.get("NextToken")
        start = 0
        if token is not None:
            if not token.startswith("nt-") or not token[3:].isdigit():
                raise invalid_parameter("NextToken")
            start = int(token[3:])
        page = items[start:start + size]
        following = start + size
        return page, ("nt-%d" % following if following < len(items) else "")

    @staticmethod
    def _tags(params: Params, name: str) -> Dict[str, str]:
        """``Name.N.Key`` / ``Name.N.Value`` as a dict (empty when absent)."""
        tags: Dict[str, str] = {}
        for item in params.object_list(name) or []:
            key = str(item.get("Key") or "")
            if not key:
                raise invalid_parameter(name, "Every tag needs a Key.")
            tags[key] = str(item.get("Value") or "")
        return tags

    def list_clusters(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        group = params.get("ResourceGroupId")
        tags = self._tags(params, "Tags")
        clusters = [c for c in self.clusters.values() if group in (None, c.resource_group_id) and has_tags(c.tags, tags)]
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
                    "Tags": tag_list(c.tags),
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
            "Tags": tag_list(node.tags),
        }

    def list_cluster_nodes(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        cluster = self._cluster(params)
        group = params.get("NodeGroupId")
        states = params.string_list("OperatingStates")
        tags = self._tags(params, "Tags")
        nodes = [self.nodes[n] for n in cluster.node_ids]
        nodes = [n for n in nodes if group in (None, n.node_group_id) and (not states or n.state in states) and has_tags(n.tags, tags)]
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

    def list_free_nodes(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        wanted = {"machine_type": params.get("MachineType"), "hpn_zone": params.get("HpnZone")}
        group = params.get("ResourceGroupId")
        states = params.string_list("OperatingStates")
        tags = self._tags(params, "Tags")
        nodes = [
            n for n in self.nodes.values()
            if not n.cluster_id and all(v in (None, getattr(n, k)) for k, v in wanted.items()) and group in (None, DEFAULT_RESOURCE_GROUP)
            and (not states or n.state in states) and has_tags(n.tags, tags)
        ]
        page, token = self._page(params, nodes)
        items = [
            {
                "NodeId": n.node_id,
                "MachineType": n.machine_type,
                "HpnZone": n.hpn_zone,
                "ZoneId": n.zone_id,
                "Sn": n.sn,
                "OperatingState": n.state,
                "HyperNodeId": "",
                "CommodityCode": "bccluster_eflocomputing_public_cn",
                "ResourceGroupId": DEFAULT_RESOURCE_GROUP,
                "Tags": tag_list(n.tags),
                "CreateTime": iso_seconds(self.clock.stamp(n.create_time)),
                "ExpiredTime": iso_seconds(self.clock.stamp(n.create_time) + NODE_LIFETIME_S),
            }
            for n in page
        ]
        return {"RequestId": request_id, "NextToken": token, "Nodes": items}

    def list_node_groups(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        clusters = [self._cluster(params)] if params.get("ClusterId") else list(self.clusters.values())
        group_id = params.get("NodeGroupId")
        groups = [(c, g) for c in clusters for g in c.node_groups.values() if group_id in (None, g.node_group_id)]
        page, token = self._page(params, groups, clamp=True)
        items = []
        for cluster, group in page:
            items.append(
                {
                    "ClusterId": cluster.cluster_id,
                    "ClusterName": cluster.name,
                    "GroupId": group.node_group_id,
                    "GroupName": group.name,
                    "Description": group.description,
                    "MachineType": group.machine_type,
                    "ImageId": group.image_id,
                    "ImageName": "Alibaba Cloud Linux 3 (%s)" % group.image_id,
                    "ZoneId": group.zone_id,
                    "NodeCount": sum(1 for n in cluster.node_ids if self.nodes[n].node_group_id == group.node_group_id),
                    "FileSystemMountEnabled": False,
                    "VirtualGpuEnabled": False,
                    "CreateTime": iso_seconds(self.clock.stamp(group.create_time)),
                    "UpdateTime": iso_seconds(self.clock.stamp(group.create_time)),
                }
            )
        return {"RequestId": request_id, "NextToken": token, "Groups": items}

    def create_node_group(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        cluster = self._cluster(params)
        spec = params.structured("NodeGroup")
        if spec is None:
            raise missing_parameter("NodeGroup")
        if not isinstance(spec, dict):
            raise invalid_parameter("NodeGroup", "Expected an object.")
        for key in ("NodeGroupName", "MachineType", "Az", "ImageId"):
            if not spec.get(key):
                raise missing_parameter("NodeGroup." + key)
        self._check_cluster_idle(cluster, "create a node group")
        group = self._add_group(cluster, str(spec["NodeGroupName"]), str(spec["MachineType"]), str(spec["ImageId"]), str(spec["Az"]),
                                str(spec.get("NodeGroupDescription") or ""))
        return {"RequestId": request_id, "NodeGroupId": group.node_group_id, "NodeGroupName": group.name}

    def delete_node_group(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        cluster = self._cluster(params)
        group_id = params.require("NodeGroupId")
        if group_id not in cluster.node_groups:
            raise not_found("NodeGroup", group_id)
        self._check_cluster_idle(cluster, "delete a node group")
        count = sum(1 for n in cluster.node_ids if self.nodes[n].node_group_id == group_id)
        if count:
            raise ApiError(400, "NodeGroupNotEmpty", "The node group %s still has %d nodes; shrink them first." % (group_id, count))
        del cluster.node_groups[group_id]
        return {"RequestId": request_id}

    # API: tags ------------------------------------------------------------------------------
    def _tagged(self, params: Params, required: bool) -> Tuple[str, List[Tuple[str, Dict[str, str]]]]:
        """The resource type and (id, tags) of the resources named by ``ResourceId.N`` (all of that type when not required and absent)."""
        kind = params.require("ResourceType")
        if kind not in TAG_RESOURCE_TYPES:
            raise invalid_parameter("ResourceType", "Valid values: %s." % ", ".join(TAG_RESOURCE_TYPES))
        ids = params.string_list("ResourceId") or []
        if not ids:
            if required:
                raise missing_parameter("ResourceId")
            if kind == "Cluster":
                return kind, [(c.cluster_id, c.tags) for c in self.clusters.values()]
            return kind, [(n.node_id, n.tags) for n in self.nodes.values()]
        found: List[Tuple[str, Dict[str, str]]] = []
        for ident in dict.fromkeys(ids):
            if kind == "Cluster":
                found.append((ident, self._cluster_by_id(ident).tags))
                continue
            node = self.nodes.get(ident)
            if node is None:
                raise not_found("Node", ident)
            found.append((ident, node.tags))
        return kind, found

    def tag_resources(self, params: Params, request_id: str) -> Dict[str, Any]:
        self.settle()
        _kind, resources = self._tagged(params, required=True)
        tags = self._tags(params, "Tag")
        if not tags:
            raise missing_parameter("Tag")
        for ident, current in resources:
            if len(set(current) | set(tags)) > MAX_TAGS:
                raise invalid_parameter("Tag", "The resource %s would have more than %d tags." % (ident, MAX_TAGS))
        for _ident, current in resources:
            current.update(tags)
        return {"RequestId": request_id}

    def untag_resources(self, params: Params, request_id: str) -> Dict[str, Any]:
        """``TagKey.N`` removes those keys; without keys, ``All=true`` removes every tag."""
        self.settle()
        _kind, resources = self._tagged(params, required=True)
        keys = params.string_list("TagKey") or []
        remove_all = params.boolean("All")
        for _ident, current in resources:
            for key in keys or (list(current) if remove_all else []):
                current.pop(key, None)
        return {"RequestId": request_id}

    def list_tag_resources(self, params: Params, request_id: str) -> Dict[str, Any]:
        """One entry per resource and tag, for the resources that carry every ``Tag.N`` asked for; 50 a page."""
        self.settle()
        kind, resources = self._tagged(params, required=False)
        wanted = self._tags(params, "Tag")
        entries = [(ident, key, value) for ident, tags in resources if has_tags(tags, wanted) for key, value in tags.items()]
        page, token = self._page(params, entries, default_size=50)
        items = [{"ResourceId": ident, "ResourceType": kind, "TagKey": key, "TagValue": value} for ident, key, value in page]
        return {"RequestId": request_id, "NextToken": token, "TagResources": {"TagResource": items}}

    # control: a ready cluster ---------------------------------------------------------------
    def create_control_cluster(self, spec: Dict[str, Any]) -> Dict[str, Any]:
        """``POST /_sim/clusters``: a ``running`` cluster with node groups of new ``Using`` nodes, at once (no task)."""
        cluster_type = str(spec.get("cluster_type") or "Lite")
        if cluster_type not in TASK_TYPES:
            raise ValueError("cluster_type must be one of %s" % ", ".join(sorted(TASK_TYPES)))
        groups = spec.get("node_groups") or []
        tags = spec.get("tags") or {}
        if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups) or not isinstance(tags, dict):
            raise ValueError("node_groups must be a list of objects and tags an object")
        counts = [int(g.get("node_count", 0)) for g in groups]
        if any(c < 0 for c in counts) or sum(counts) > MAX_CONTROL_NODES:
            raise ValueError("node_count must be 0 or more, %d nodes in all at most" % MAX_CONTROL_NODES)
        names = [str(g.get("name") or "ng-%d" % (index + 1)) for index, g in enumerate(groups)]
        if len(set(names)) < len(names):
            raise ValueError("node group names must differ")
        now = self.clock.now()
        cluster = self._new_cluster(str(spec.get("name") or "sim-cluster"), cluster_type, str(spec.get("description") or ""), now)
        cluster.hpn_zone = str(spec.get("hpn_zone") or "B1")
        cluster.tags = {str(k): str(v) for k, v in tags.items()}
        answer: Dict[str, Any] = {"cluster_id": cluster.cluster_id, "node_groups": []}
        for group_spec, count, name in zip(groups, counts, names):
            group = self._add_group(cluster, name, str(group_spec.get("machine_type") or DEFAULT_MACHINE_TYPE),
                                    str(group_spec.get("image_id") or DEFAULT_IMAGE_ID), str(group_spec.get("zone_id") or DEFAULT_ZONE_ID))
            node_ids = self._join_nodes(cluster, group, [], count)
            for node_id in node_ids:
                self.nodes[node_id].state = "Using"
                self.nodes[node_id].hpn_zone = cluster.hpn_zone
            answer["node_groups"].append({"node_group_id": group.node_group_id, "name": name, "node_ids": node_ids})
        return answer

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
            "ListFreeNodes": self.list_free_nodes,
            "ListNodeGroups": self.list_node_groups,
            "CreateNodeGroup": self.create_node_group,
            "DeleteNodeGroup": self.delete_node_group,
            "TagResources": self.tag_resources,
            "UntagResources": self.untag_resources,
            "ListTagResources": self.list_tag_resources,
        }
