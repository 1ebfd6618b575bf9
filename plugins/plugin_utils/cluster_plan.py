# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of ``eflo_cluster``: from the wanted state (the validated options) and the current state (read through
the models), the API calls that make the cluster what is wanted, the diff, and the refusal of create-only changes.

Pure: no I/O, no Ansible. :func:`plan` is the only entry point; ``cluster_sync`` reads the current state and runs
the steps. The calls are, in this order: ``CreateCluster`` (a missing cluster, with everything given), or for an
existing cluster ``CreateNodeGroup`` (missing groups), ``ShrinkCluster`` (nodes not listed, only with
``purge_nodes``), ``ExtendCluster`` (missing nodes, one call for all groups), ``UntagResources``/``TagResources``;
or ``DeleteCluster`` (``state: absent``). An ``ExtendCluster`` item of a group that ``CreateNodeGroup`` creates in
the same run names the group (``NodeGroupName``) instead of its id; :func:`resolve_group_ids` fills the id in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import camel_to_snake

STARTS_TASK = frozenset({"CreateCluster", "ExtendCluster", "ShrinkCluster"})  # the calls that answer a TaskId
BUSY_STATES = frozenset({"initializing", "expanding", "shrinking"})  # OperatingState while a cluster task runs
GONE_STATES = frozenset({"deleting", "deleted"})
SYSTEM_TAG_PREFIXES = ("acs:", "aliyun")  # tags the service sets: never purged
NETWORK_FIELDS = ("vpc_id", "vswitch_id", "security_group_id")  # cluster fields a wanted network key is checked against


@dataclass
class Current:
    """The cluster as the service describes it (models), or ``cluster=None`` when there is none."""

    cluster: Any = None  # models.Cluster
    groups: Sequence[Any] = ()  # models.NodeGroup
    nodes: Sequence[Any] = ()  # models.Node
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Step:
    """One API call of the plan."""

    action: str
    params: Dict[str, Any]

    @property
    def starts_task(self) -> bool:
        return self.action in STARTS_TASK

    def to_dict(self) -> Dict[str, Any]:
        return {"action": self.action, "params": self.params}


@dataclass
class Plan:
    steps: List[Step]
    diff: Dict[str, Any]
    warnings: List[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.steps)


def is_busy(cluster: Any) -> bool:
    """True while a cluster task runs (initialize, extend, shrink): wait for its ``task_id`` before planning."""
    return (cluster.operating_state or "").lower() in BUSY_STATES and bool(cluster.task_id)


def is_gone(cluster: Any) -> bool:
    """True for a cluster that is being deleted (it is not the cluster a ``present`` run manages)."""
    return (cluster.operating_state or "").lower() in GONE_STATES


def tags_of(items: Any) -> Dict[str, str]:
    """A tag dict from ListTagResources items (models.TagResource) or ``[{key|tag_key, value|tag_value}]`` dicts."""
    tags: Dict[str, str] = {}
    for item in items or []:
        get = item.get if isinstance(item, Mapping) else lambda name, _item=item: getattr(_item, name, None)
        key = get("tag_key") or get("key") or get("Key")
        if key:
            tags[str(key)] = str(get("tag_value") or get("value") or get("Value") or "")
    return tags


def refusal(what: str, have: Any, want: Any) -> ConfigurationError:
    """The error for a change the service cannot make to an existing cluster."""
    return ConfigurationError(
        "%s cannot be changed on an existing cluster (it is %r, the task asks for %r): it is set when the cluster is "
        "created. Remove %s from the task (or set it to the current value), or delete and create the cluster again."
        % (what, have, want, what.split("[")[0].split(".")[0]))


# ------------------------------------------------------------------------------------------------ the plan


def plan(wanted: Mapping[str, Any], current: Current) -> Plan:
    """The steps, diff and warnings that make ``current`` what ``wanted`` (validated ``eflo_cluster`` options) says.

    Raises ConfigurationError for a create-only change (naming the field) or a node listed in two groups."""
    before = state_view(current)
    if wanted.get("state") == "absent":
        if current.cluster is None or is_gone(current.cluster):  # a deletion under way is only waited for
            return Plan([], {"before": before, "after": {}})
        return Plan([Step("DeleteCluster", {"ClusterId": current.cluster.cluster_id})], {"before": before, "after": {}})
    check_nodes_listed_once(wanted.get("node_groups") or [])
    if current.cluster is None:
        step = create_step(wanted)
        after = {"node_groups": {g["name"]: node_ids(g) for g in wanted.get("node_groups") or []}, "tags": dict(wanted.get("tags") or {})}
        return Plan([step], {"before": before, "after": after})
    check_create_only(wanted, current.cluster)
    steps, warnings = group_steps(wanted, current)
    steps += tag_steps(wanted, current)
    after = state_view(current)
    for step in steps:
        apply(after, step, current)
    return Plan(steps, {"before": before, "after": after}, warnings)


def node_ids(group: Mapping[str, Any]) -> List[str]:
    return [node["node_id"] for node in group.get("nodes") or []]


def check_nodes_listed_once(groups: Sequence[Mapping[str, Any]]) -> None:
    seen: Dict[str, str] = {}
    names = [group["name"] for group in groups]
    for name in names:
        if names.count(name) > 1:
            raise ConfigurationError("node_groups names the group %s twice: give each group once, with all its nodes." % name)
    for group in groups:
        for node_id in node_ids(group):
            if node_id in seen:
                raise ConfigurationError("node %s is listed in node group %s and in %s: a node belongs to one group." % (
                    node_id, seen[node_id], group["name"]))
            seen[node_id] = group["name"]


def state_view(current: Current) -> Dict[str, Any]:
    """What the diff shows: node ids per node group name, and the tags."""
    if current.cluster is None:
        return {}
    names = {group.node_group_id: group.node_group_name for group in current.groups}
    view: Dict[str, List[str]] = {name: [] for name in names.values()}
    for node in current.nodes:
        view.setdefault(names.get(node.node_group_id) or node.node_group_name or node.node_group_id or "", []).append(node.node_id)
    return {"node_groups": {name: sorted(ids) for name, ids in view.items()}, "tags": dict(current.tags)}


def compact(params: Mapping[str, Any]) -> Dict[str, Any]:
    """``params`` without the ``None`` values (options not given)."""
    return {key: value for key, value in params.items() if value is not None}


def api_node(node: Mapping[str, Any]) -> Dict[str, Any]:
    """A node of ``CreateCluster``/``ExtendCluster``."""
    return compact({"NodeId": node["node_id"], "Hostname": node.get("hostname"), "LoginPassword": node.get("login_password")})


def create_step(wanted: Mapping[str, Any]) -> Step:
    """``CreateCluster`` with everything given."""
    if not wanted.get("name"):
        raise ConfigurationError("the cluster %s does not exist: to create a cluster, give its name instead of cluster_id."
                                 % wanted.get("cluster_id"))
    groups = [compact({
        "NodeGroupName": group["name"], "NodeGroupDescription": group.get("description"), "MachineType": group.get("machine_type"),
        "ZoneId": group.get("zone_id"), "ImageId": group.get("image_id"), "Nodes": [api_node(n) for n in group.get("nodes") or []],
    }) for group in wanted.get("node_groups") or []]
    params = {
        "ClusterName": wanted["name"], "ClusterType": wanted.get("cluster_type"), "ClusterDescription": wanted.get("description"),
        "HpnZone": wanted.get("hpn_zone"), "ResourceGroupId": wanted.get("resource_group_id"),
        "IgnoreFailedNodeTasks": bool(wanted.get("ignore_failed_node_tasks")), "Networks": wanted.get("networks"),
        "Components": wanted.get("components"), "NodeGroups": groups or None,
        "Tag": [{"Key": k, "Value": v} for k, v in (wanted.get("tags") or {}).items()] or None,
    }
    return Step("CreateCluster", compact(params))


def _leaves(value: Any, path: str) -> List[tuple]:
    """``(path, snake_case last key, value)`` of every scalar in a JSON value."""
    if isinstance(value, Mapping):
        return [leaf for key, item in value.items() for leaf in _leaves(item, "%s.%s" % (path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, "%s[%d]" % (path, index))]
    return [(path, camel_to_snake(path.rsplit(".", 1)[-1].split("[")[0]), value)]


def check_create_only(wanted: Mapping[str, Any], cluster: Any) -> None:
    """ConfigurationError naming the first create-only field whose wanted value differs from the cluster's.

    ``networks`` is compared key by key with what DescribeCluster shows (``VpcId``, ``VSwitchId``,
    ``SecurityGroupId`` and ``Networks``); keys the service does not describe cannot be compared. ``components``
    are compared by their ``ComponentType``."""
    for option, have in (("cluster_type", cluster.cluster_type), ("hpn_zone", cluster.hpn_zone)):
        want = wanted.get(option)
        if want and have and str(want).lower() != str(have).lower():
            raise refusal(option, have, want)
    if wanted.get("networks"):
        known = {name: getattr(cluster, name) for name in NETWORK_FIELDS}
        known.update({key: value for _path, key, value in _leaves(cluster.networks or {}, "") if value not in (None, "")})
        for path, key, value in _leaves(wanted["networks"], "networks"):
            have = known.get(key)
            if have not in (None, "") and value not in (None, "") and str(have) != str(value):
                raise refusal(path, have, value)
    if wanted.get("components") is not None:
        want_types = sorted(str(c.get("ComponentType") or c.get("component_type") or "") for c in wanted["components"])
        have_types = sorted(str(c.get("component_type") or c.get("ComponentType") or "") for c in cluster.components or [] if isinstance(c, Mapping))
        if want_types != have_types:
            raise refusal("components", have_types, want_types)


def group_steps(wanted: Mapping[str, Any], current: Current) -> tuple:
    """``CreateNodeGroup`` / ``ShrinkCluster`` / ``ExtendCluster`` steps and warnings for an existing cluster."""
    cluster_id = current.cluster.cluster_id
    if wanted.get("node_groups") is None:
        return [], []
    by_name = {group.node_group_name: group for group in current.groups}
    node_group = {node.node_id: node.node_group_id for node in current.nodes}
    names = {group.node_group_id: group.node_group_name for group in current.groups}
    creates: List[Step] = []
    extend: List[Dict[str, Any]] = []
    listed = set()
    for group in wanted["node_groups"]:
        have = by_name.get(group["name"])
        if have is None:
            creates.append(Step("CreateNodeGroup", {"ClusterId": cluster_id, "NodeGroup": compact({
                "NodeGroupName": group["name"], "NodeGroupDescription": group.get("description"), "MachineType": group.get("machine_type"),
                "Az": group.get("zone_id"), "ImageId": group.get("image_id")})}))
        else:
            for option, value in (("machine_type", have.machine_type), ("zone_id", have.zone_id), ("image_id", have.image_id)):
                if group.get(option) and value and group[option] != value:
                    raise refusal("node_groups[%s].%s" % (group["name"], option), value, group[option])
        missing = []
        for node in group.get("nodes") or []:
            where = node_group.get(node["node_id"])
            if where is None:
                missing.append(node)
            elif have is None or where != have.node_group_id:
                raise ConfigurationError(
                    "node %s is in node group %s of the cluster, not in %s: a node cannot move between groups here; list it "
                    "under %s, or remove it (purge_nodes) and add it again in a later run." % (
                        node["node_id"], names.get(where, where), group["name"], names.get(where, where)))
        listed.update(node_ids(group))
        if missing:
            item = {"NodeGroupId": have.node_group_id} if have is not None else {"NodeGroupName": group["name"]}
            extend.append(dict(item, Nodes=[api_node(n) for n in missing]))
    shrink: Dict[str, List[Dict[str, str]]] = {}
    extra = [node for node in current.nodes if node.node_id not in listed]
    for node in extra:
        shrink.setdefault(node.node_group_id or "", []).append({"NodeId": node.node_id})
    warnings = []
    if extra and not wanted.get("purge_nodes"):
        warnings.append("%d node(s) of the cluster are not listed in node_groups and stay in it (%s); set purge_nodes: true to "
                        "remove them." % (len(extra), ", ".join(sorted(n.node_id for n in extra)[:10])))
        shrink = {}
    steps = list(creates)
    ignore = bool(wanted.get("ignore_failed_node_tasks"))
    if shrink:
        steps.append(Step("ShrinkCluster", {"ClusterId": cluster_id, "IgnoreFailedNodeTasks": ignore,
                                            "NodeGroups": [{"NodeGroupId": gid, "Nodes": nodes} for gid, nodes in shrink.items()]}))
    if extend:
        steps.append(Step("ExtendCluster", {"ClusterId": cluster_id, "IgnoreFailedNodeTasks": ignore, "NodeGroups": extend}))
    return steps, warnings


def tag_steps(wanted: Mapping[str, Any], current: Current) -> List[Step]:
    """``UntagResources`` (keys not wanted, with ``purge_tags``) and ``TagResources`` (missing or different values)."""
    tags = wanted.get("tags")
    if tags is None:
        return []
    want = {str(k): "" if v is None else str(v) for k, v in tags.items()}
    target = {"ResourceType": "Cluster", "ResourceId": [current.cluster.cluster_id]}
    steps = []
    drop = sorted(k for k in current.tags if k not in want and not k.startswith(SYSTEM_TAG_PREFIXES)) if wanted.get("purge_tags") else []
    if drop:
        steps.append(Step("UntagResources", dict(target, TagKey=drop)))
    add = [{"Key": k, "Value": v} for k, v in want.items() if current.tags.get(k) != v]
    if add:
        steps.append(Step("TagResources", dict(target, Tag=add)))
    return steps


def apply(view: Dict[str, Any], step: Step, current: Current) -> None:
    """``view`` (see :func:`state_view`) as it is after ``step``."""
    groups, params = view["node_groups"], step.params
    names = {group.node_group_id: group.node_group_name for group in current.groups}
    if step.action == "CreateNodeGroup":
        groups.setdefault(params["NodeGroup"]["NodeGroupName"], [])
    for item in params.get("NodeGroups") or []:
        name = item.get("NodeGroupName") or names.get(item.get("NodeGroupId"), item.get("NodeGroupId"))
        ids = [node["NodeId"] for node in item["Nodes"]]
        before = groups.get(name, [])
        groups[name] = sorted(set(before) | set(ids)) if step.action == "ExtendCluster" else [i for i in before if i not in ids]
    if step.action == "UntagResources":
        view["tags"] = {k: v for k, v in view["tags"].items() if k not in params["TagKey"]}
    if step.action == "TagResources":
        view["tags"] = dict(view["tags"], **{tag["Key"]: tag["Value"] for tag in params["Tag"]})


def resolve_group_ids(params: Dict[str, Any], created: Mapping[str, str]) -> Dict[str, Any]:
    """``ExtendCluster`` params with the ``NodeGroupName`` of each group created in this run replaced by its id."""
    items = []
    for item in params.get("NodeGroups") or []:
        if "NodeGroupName" in item and "NodeGroupId" not in item:
            item = dict(item)
            item["NodeGroupId"] = created[item.pop("NodeGroupName")]
        items.append(item)
    return dict(params, NodeGroups=items) if items else params


def created_group_name(step: Step) -> Optional[str]:
    return step.params["NodeGroup"]["NodeGroupName"] if step.action == "CreateNodeGroup" else None
