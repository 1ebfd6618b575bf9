# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of eflo_cluster: steps, diff and refusals from wanted and current state (models built from answers)."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import read_cluster, read_page
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import cluster_plan
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.cluster_plan import Current, plan

CID = "i119982311660892626523"
GA, GB = "i127582271665027208350", "i127582271665027208351"


def current(nodes: Dict[str, List[str]] = None, tags: Dict[str, str] = None, **cluster: Any) -> Current:
    """A cluster with groups ng-a (GA) and ng-b (GB); ``nodes``: group name -> node ids."""
    nodes = {"ng-a": ["n1", "n2"]} if nodes is None else nodes
    ids = {"ng-a": GA, "ng-b": GB}
    body = dict({"ClusterId": CID, "ClusterName": "c", "ClusterType": "Lite", "OperatingState": "running", "HpnZone": "B1",
                 "VpcId": "vpc-1", "Networks": {"VpdId": "vpd-1"}, "Components": []}, **cluster)
    groups = read_page("ListNodeGroups", {"Groups": [
        {"GroupId": GA, "GroupName": "ng-a", "MachineType": "efg1", "ZoneId": "z-b", "ImageId": "img"},
        {"GroupId": GB, "GroupName": "ng-b", "MachineType": "efg2", "ZoneId": "z-b", "ImageId": "img"}]}).items
    listed = read_page("ListClusterNodes", {"Nodes": [{"NodeId": n, "NodeGroupId": ids[g], "NodeGroupName": g}
                                                      for g, members in nodes.items() for n in members]}).items
    return Current(read_cluster(body), groups, listed, {"team": "ml"} if tags is None else tags)


def wanted(**options: Any) -> Dict[str, Any]:
    base = {"name": "c", "state": "present", "purge_tags": True, "purge_nodes": False, "ignore_failed_node_tasks": False}
    base.update(options)
    return base


def group(name: str, *node_ids: str, **extra: Any) -> Dict[str, Any]:
    return dict({"name": name, "nodes": [{"node_id": n} for n in node_ids]}, **extra)


def actions(result: Any) -> List[str]:
    return [step.action for step in result.steps]


def test_create_with_everything_given_and_nothing_else():
    result = plan(wanted(cluster_type="Lite", networks={"VpdInfo": {"VpdId": "vpd-1"}}, tags={"team": "ml"}, node_groups=[
        group("ng-a", machine_type="efg1", zone_id="z-b", image_id="img", nodes=[{"node_id": "n1", "hostname": "h1", "login_password": "pw"}])]),
        Current())
    assert actions(result) == ["CreateCluster"] and result.steps[0].starts_task
    assert result.steps[0].params == {
        "ClusterName": "c", "ClusterType": "Lite", "IgnoreFailedNodeTasks": False, "Networks": {"VpdInfo": {"VpdId": "vpd-1"}},
        "NodeGroups": [{"NodeGroupName": "ng-a", "MachineType": "efg1", "ZoneId": "z-b", "ImageId": "img",
                        "Nodes": [{"NodeId": "n1", "Hostname": "h1", "LoginPassword": "pw"}]}],
        "Tag": [{"Key": "team", "Value": "ml"}]}
    assert result.diff == {"before": {}, "after": {"node_groups": {"ng-a": ["n1"]}, "tags": {"team": "ml"}}}


def test_a_cluster_given_by_id_is_never_created():
    with pytest.raises(ConfigurationError, match="give its name"):
        plan({"cluster_id": "i404", "state": "present"}, Current())


def test_absent():
    assert plan(wanted(state="absent"), Current()).steps == []
    assert plan(wanted(state="absent"), current(OperatingState="deleting")).steps == []
    result = plan(wanted(state="absent"), current())
    assert [s.to_dict() for s in result.steps] == [{"action": "DeleteCluster", "params": {"ClusterId": CID}}]
    assert result.diff == {"before": {"node_groups": {"ng-a": ["n1", "n2"], "ng-b": []}, "tags": {"team": "ml"}}, "after": {}}


def test_same_state_plans_nothing():
    result = plan(wanted(tags={"team": "ml"}, node_groups=[group("ng-a", "n2", "n1", machine_type="efg1"), group("ng-b")]), current())
    assert result.steps == [] and not result.changed and result.warnings == []
    assert result.diff["before"] == result.diff["after"]


def test_missing_nodes_join_with_one_extend_cluster():
    result = plan(wanted(ignore_failed_node_tasks=True, node_groups=[
        group("ng-a", "n1", "n2", nodes=[{"node_id": "n1"}, {"node_id": "n2"}, {"node_id": "n3", "hostname": "h3"}]), group("ng-b", "n4")]),
        current())
    assert actions(result) == ["ExtendCluster"]
    assert result.steps[0].params == {"ClusterId": CID, "IgnoreFailedNodeTasks": True, "NodeGroups": [
        {"NodeGroupId": GA, "Nodes": [{"NodeId": "n3", "Hostname": "h3"}]}, {"NodeGroupId": GB, "Nodes": [{"NodeId": "n4"}]}]}
    assert result.diff["after"]["node_groups"] == {"ng-a": ["n1", "n2", "n3"], "ng-b": ["n4"]}


def test_a_missing_group_is_created_and_its_nodes_named_by_group_name():
    result = plan(wanted(node_groups=[group("ng-a", "n1", "n2"), group("ng-c", "n9", machine_type="m", zone_id="z", image_id="i")]), current())
    assert actions(result) == ["CreateNodeGroup", "ExtendCluster"]
    assert result.steps[0].params == {"ClusterId": CID, "NodeGroup": {"NodeGroupName": "ng-c", "MachineType": "m", "Az": "z", "ImageId": "i"}}
    assert cluster_plan.created_group_name(result.steps[0]) == "ng-c"
    extend = result.steps[1].params
    assert extend["NodeGroups"] == [{"NodeGroupName": "ng-c", "Nodes": [{"NodeId": "n9"}]}]
    assert cluster_plan.resolve_group_ids(extend, {"ng-c": "i12new"})["NodeGroups"] == [{"NodeGroupId": "i12new", "Nodes": [{"NodeId": "n9"}]}]
    assert extend["NodeGroups"][0] == {"NodeGroupName": "ng-c", "Nodes": [{"NodeId": "n9"}]}  # not changed in place
    assert result.diff["after"]["node_groups"]["ng-c"] == ["n9"]


def test_unlisted_nodes_stay_with_a_warning_unless_purge_nodes():
    kept = plan(wanted(node_groups=[group("ng-a", "n1")]), current({"ng-a": ["n1", "n2"], "ng-b": ["n5"]}))
    assert kept.steps == [] and "n2, n5" in kept.warnings[0] and "purge_nodes" in kept.warnings[0]
    purged = plan(wanted(purge_nodes=True, node_groups=[group("ng-a", "n1", "n3")]), current({"ng-a": ["n1", "n2"], "ng-b": ["n5"]}))
    assert actions(purged) == ["ShrinkCluster", "ExtendCluster"]  # shrink first: the cluster must be idle for each
    assert purged.steps[0].params["NodeGroups"] == [{"NodeGroupId": GA, "Nodes": [{"NodeId": "n2"}]}, {"NodeGroupId": GB, "Nodes": [{"NodeId": "n5"}]}]
    assert purged.diff["after"]["node_groups"] == {"ng-a": ["n1", "n3"], "ng-b": []}


def test_nodes_are_not_managed_without_node_groups():
    assert plan(wanted(purge_nodes=True), current()).steps == []


def test_tags_set_purged_and_kept():
    now = {"team": "ml", "old": "x", "acs:system": "y"}
    result = plan(wanted(tags={"team": "ai", "new": 1}), current(tags=now))
    assert [s.to_dict() for s in result.steps] == [
        {"action": "UntagResources", "params": {"ResourceType": "Cluster", "ResourceId": [CID], "TagKey": ["old"]}},
        {"action": "TagResources", "params": {"ResourceType": "Cluster", "ResourceId": [CID],
                                              "Tag": [{"Key": "team", "Value": "ai"}, {"Key": "new", "Value": "1"}]}}]
    assert result.diff["after"]["tags"] == {"team": "ai", "new": "1", "acs:system": "y"}
    assert actions(plan(wanted(tags={"team": "ml"}, purge_tags=False), current(tags=now))) == []
    assert actions(plan(wanted(), current(tags=now))) == []


@pytest.mark.parametrize("options, field", [
    ({"cluster_type": "AckEdgePro"}, "cluster_type"),
    ({"hpn_zone": "B2"}, "hpn_zone"),
    ({"networks": {"VpcId": "vpc-2"}}, "networks.VpcId"),
    ({"networks": {"VpdInfo": {"VpdId": "vpd-9"}}}, "networks.VpdInfo.VpdId"),
    ({"components": [{"ComponentType": "ACKEdge"}]}, "components"),
    ({"node_groups": [group("ng-a", "n1", "n2", machine_type="other")]}, "node_groups[ng-a].machine_type"),
])
def test_create_only_changes_are_refused_naming_the_field(options, field):
    with pytest.raises(ConfigurationError) as err:
        plan(wanted(**options), current())
    assert str(err.value).startswith(field + " cannot be changed on an existing cluster")


def test_create_only_values_that_match_or_cannot_be_read_back_pass():
    same = wanted(cluster_type="lite", hpn_zone="B1", networks={"VpcId": "vpc-1", "IpAllocationPolicy": [{"X": 1}]}, components=[])
    assert plan(same, current()).steps == []


@pytest.mark.parametrize("groups, message", [
    ([group("ng-b", "n1")], "node n1 is in node group ng-a of the cluster, not in ng-b"),
    ([group("ng-new", "n1")], "node n1 is in node group ng-a of the cluster, not in ng-new"),
    ([group("ng-a", "n7"), group("ng-b", "n7")], "node n7 is listed in node group ng-a and in ng-b"),
    ([group("ng-a"), group("ng-a")], "names the group ng-a twice"),
])
def test_node_listing_mistakes_are_refused(groups, message):
    with pytest.raises(ConfigurationError, match=message):
        plan(wanted(node_groups=groups), current())


def test_busy_gone_and_tags_of():
    busy = read_cluster({"ClusterId": CID, "OperatingState": "Expanding", "TaskId": "i1"})
    assert cluster_plan.is_busy(busy) and not cluster_plan.is_gone(busy)
    assert not cluster_plan.is_busy(read_cluster({"ClusterId": CID, "OperatingState": "expanding"}))  # no task to wait for
    assert cluster_plan.is_gone(read_cluster({"ClusterId": CID, "OperatingState": "deleting"}))
    page = read_page("ListTagResources", {"TagResources": {"TagResource": [{"ResourceId": CID, "TagKey": "a", "TagValue": "1"}]}})
    assert cluster_plan.tags_of(page.items) == {"a": "1"}
    assert cluster_plan.tags_of([{"key": "b", "value": None}, {"Key": ""}]) == {"b": ""}
