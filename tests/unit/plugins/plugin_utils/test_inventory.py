# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure parts of the eflo_nodes inventory: host variables, group names, cluster selection, the listing."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import tag_dict
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import read_cluster, read_page
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.inventory import (
    default_groups,
    fetch_nodes,
    host_vars,
    select_clusters,
)

CLUSTER = {"ClusterId": "i111", "ClusterName": "train", "CreateTime": "1716192000"}
NODE = {  # a ListClusterNodes item as the service (and the simulator) gives it: no ClusterId, epoch-ms times
    "NodeId": "e01-cn-aaa", "Hostname": "node-1", "OperatingState": "Using", "NodeGroupId": "i222",
    "NodeGroupName": "gpu", "MachineType": "efg1.nvga8n", "ImageId": "i333", "HpnZone": "B1", "ZoneId": "cn-wulanchabu-b",
    "Networks": [{"BondName": "bond0", "Ip": "192.168.0.7", "SubnetId": "subnet-1"}],
    "Tags": [{"Key": "team", "Value": "nlp"}, {"Key": "Name", "Value": "n1"}],
    "CreateTime": "1716192000000", "ExpiredTime": "1747728000000",
}


def node(**changes: Any) -> Any:
    return read_page("ListClusterNodes", {"Nodes": [dict(NODE, **changes)]}).items[0]


def test_host_vars_are_the_nodes_snake_case_fields_with_its_cluster_and_tags_as_a_dict() -> None:
    values = host_vars(node(), read_cluster(CLUSTER))
    assert values["node_id"] == "e01-cn-aaa" and values["hostname"] == "node-1"
    assert (values["cluster_id"], values["cluster_name"]) == ("i111", "train")
    assert (values["node_group_id"], values["node_group_name"]) == ("i222", "gpu")
    assert values["networks"] == [{"bond_name": "bond0", "ip": "192.168.0.7", "subnet_id": "subnet-1"}]
    assert values["node_tags"] == {"team": "nlp", "Name": "n1"}
    assert "tags" not in values  # a name Ansible reserves
    assert (values["create_time"], values["expired_time"]) == ("2024-05-20T08:00:00Z", "2025-05-20T08:00:00Z")
    assert {"machine_type", "operating_state", "zone_id", "hpn_zone", "image_id"} <= set(values)


def test_a_cluster_id_in_the_node_wins_over_the_listed_cluster() -> None:
    values = host_vars(node(ClusterId="i999", ClusterName="other"), read_cluster(CLUSTER))
    assert (values["cluster_id"], values["cluster_name"]) == ("i999", "other")


@pytest.mark.parametrize("raw, expected", [
    ([{"Key": "a", "Value": "1"}, {"TagKey": "b", "TagValue": 2}, {"Value": "no key"}], {"a": "1", "b": "2"}),
    ({"Tag": [{"key": "a", "value": None}]}, {"a": ""}),
    ('[{"Key": "a", "Value": "x"}]', {"a": "x"}),
    ({"env": "prod", "n": 1}, {"env": "prod", "n": "1"}),
    (None, {}),
    ("garbage", {}),
    ([1, "x"], {}),
])
def test_tag_dict_reads_every_shape(raw: Any, expected: Dict[str, str]) -> None:
    assert tag_dict(raw) == expected


def test_default_groups_are_the_cluster_and_its_node_group() -> None:
    values = host_vars(node(), read_cluster(CLUSTER))
    assert default_groups(values) == ["eflo_cluster_i111", "eflo_node_group_i222"]
    assert default_groups(dict(values, node_group_id=None)) == ["eflo_cluster_i111"]


CLUSTERS = [read_cluster({"ClusterId": "i1", "ClusterName": "a"}), read_cluster({"ClusterId": "i2", "ClusterName": "b"}),
            read_cluster({"ClusterId": "i3", "ClusterName": "b"})]


@pytest.mark.parametrize("ids, names, expected", [
    ((), (), ["i1", "i2", "i3"]),
    (["i2"], (), ["i2"]),
    ((), ["b"], ["i2", "i3"]),
    (["i1"], ["b"], ["i1", "i2", "i3"]),
])
def test_select_clusters_by_id_or_name(ids: List[str], names: List[str], expected: List[str]) -> None:
    assert [c.cluster_id for c in select_clusters(CLUSTERS, ids, names)] == expected


def test_select_clusters_names_every_unknown_id_and_name() -> None:
    with pytest.raises(ConfigurationError) as info:
        select_clusters(CLUSTERS, ["i1", "i404"], ["nope"])
    msg = str(info.value)
    assert "cluster_ids: no cluster i404 " in msg and "cluster_names: no cluster nope " in msg
    assert "i1 (a), i2 (b), i3 (b)" in msg and "region_id" in msg


def test_fetch_nodes_pages_every_listing_and_filters_states_on_the_service() -> None:
    calls: List[Tuple[str, Dict[str, Any]]] = []

    def call(action: str, params: Dict[str, Any]) -> Dict[str, Any]:
        calls.append((action, params))
        if action == "ListClusters":
            return {"Clusters": [CLUSTER, {"ClusterId": "i444", "ClusterName": "skip"}]}
        first = "NextToken" not in params
        return {"Nodes": [dict(NODE, NodeId="e01-cn-%s" % ("p1" if first else "p2"))], "NextToken": "t2" if first else ""}

    nodes = fetch_nodes(call, ["i111"], (), ["Using"])
    assert [n["node_id"] for n in nodes] == ["e01-cn-p1", "e01-cn-p2"]
    assert [call_[0] for call_ in calls] == ["ListClusters", "ListClusterNodes", "ListClusterNodes"]
    assert calls[1][1] == {"ClusterId": "i111", "OperatingStates": ["Using"], "MaxResults": 100}
