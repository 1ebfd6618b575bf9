# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""eflo_cluster_info and eflo_node_info, run through main() against the fake eflo-controller of fake_service.py."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from ansible_collections.alibabacloud.eflo.plugins.modules import eflo_cluster_info, eflo_node_info
from ansible_collections.alibabacloud.eflo.tests.unit.plugins.modules.eflo_module_helpers import (  # pylint: disable=import-error
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
)


def args(**extra: Any) -> Dict[str, Any]:
    return dict({"access_key_id": ACCESS_KEY_ID, "access_key_secret": ACCESS_KEY_SECRET, "endpoint": "http://127.0.0.1:9"}, **extra)


def pages(key: str, items: List[Dict[str, Any]], size: int = 2) -> Any:
    """An answer function serving ``items`` ``size`` at a time, with NextToken ``t<offset>``."""

    def answer(params: Dict[str, str]) -> Dict[str, Any]:
        start = int(params.get("NextToken", "t0")[1:])
        following = start + size
        return {key: items[start:following], "NextToken": "t%d" % following if following < len(items) else "", "RequestId": "R"}

    return answer


def sent(fake: Any, action: str) -> List[Dict[str, str]]:
    return [params for name, params, _request in fake.requests if name == action]


CLUSTERS = [
    {"ClusterId": "i1", "ClusterName": "a", "OperatingState": "running", "CreateTime": "1716192000", "TaskId": "t-1"},
    {"ClusterId": "i2", "ClusterName": "b", "OperatingState": "expanding", "TaskId": "t-2"},
    {"ClusterId": "i3", "ClusterName": "a", "OperatingState": "running"},
]


def test_clusters_by_name_and_tags_come_with_node_groups_and_their_nodes(fake_eflo, run_module) -> None:
    fake_eflo.answers["ListClusters"] = pages("Clusters", CLUSTERS)
    fake_eflo.answers["ListNodeGroups"] = lambda params: {"Groups": [
        {"GroupId": params["ClusterId"] + "-g1", "GroupName": "gpu"}, {"GroupId": params["ClusterId"] + "-g2", "GroupName": "cpu"}]}
    fake_eflo.answers["ListClusterNodes"] = pages("Nodes", [
        {"NodeId": "e-%d" % n, "NodeGroupId": "i1-g%d" % (1 + n % 2), "CreateTime": "1716192000123"} for n in range(5)])
    rc, result, _out = run_module(eflo_cluster_info.main, args(name="a", tags={"team": "ml"}, nodes=True))
    assert rc == 0, result
    assert [c["cluster_id"] for c in result["clusters"]] == ["i1", "i3"]
    first = result["clusters"][0]
    assert first["create_time"] == "2024-05-20T08:00:00Z" and first["task_id"] == "t-1"
    assert [g["node_group_name"] for g in first["node_groups"]] == ["gpu", "cpu"]
    assert [[n["node_id"] for n in g["nodes"]] for g in first["node_groups"]] == [["e-0", "e-2", "e-4"], ["e-1", "e-3"]]
    assert first["node_groups"][0]["nodes"][0]["create_time"] == "2024-05-20T08:00:00.123Z"
    assert [p.get("NextToken") for p in sent(fake_eflo, "ListClusters")] == [None, "t2"]
    assert sent(fake_eflo, "ListClusters")[0]["Tags.1.Key"] == "team" and sent(fake_eflo, "ListClusters")[0]["Tags.1.Value"] == "ml"
    assert [p["ClusterId"] for p in sent(fake_eflo, "ListNodeGroups")] == ["i1", "i3"]


def test_cluster_ids_keep_their_order_and_an_unknown_one_fails_naming_it(fake_eflo, run_module) -> None:
    fake_eflo.answers["ListClusters"] = {"Clusters": CLUSTERS}
    fake_eflo.answers["ListNodeGroups"] = {"Groups": []}
    rc, result, _out = run_module(eflo_cluster_info.main, args(cluster_ids=["i3", "i1", "i3"], resource_group_id="rg-1"))
    assert rc == 0, result
    assert [c["cluster_id"] for c in result["clusters"]] == ["i3", "i1"] and result["clusters"][0]["node_groups"] == []
    assert "ListClusterNodes" not in fake_eflo.actions()
    assert sent(fake_eflo, "ListClusters")[0]["ResourceGroupId"] == "rg-1"

    fake_eflo.requests.clear()
    rc, result, _out = run_module(eflo_cluster_info.main, args(cluster_ids=["i1", "i9"], name="a"))
    assert rc == 1
    assert result["msg"] == ("cluster_ids: i9 not found among the 2 clusters ListClusters returned with name: check the ids, "
                             "and that region_id or endpoint name the region of the clusters.")
    assert fake_eflo.actions() == ["ListClusters"]


def test_an_empty_cluster_id_fails_before_any_call(fake_eflo, run_module) -> None:
    rc, result, _out = run_module(eflo_cluster_info.main, args(cluster_ids=["i1", " "]))
    assert rc == 1 and result["msg"] == "cluster_ids[1] is empty: give an id such as i119982311660892626523."
    assert fake_eflo.requests == []


def test_nodes_of_a_cluster_every_page_with_the_filters_sent(fake_eflo, run_module) -> None:
    fake_eflo.answers["ListClusterNodes"] = pages("Nodes", [{"NodeId": "e-%d" % n, "Networks": [{"BondName": "bond0"}]} for n in range(3)])
    rc, result, _out = run_module(eflo_node_info.main, args(cluster_id="i1", node_group_id="g1", operating_states=["Using", "Extending"]))
    assert rc == 0, result
    assert [n["node_id"] for n in result["nodes"]] == ["e-0", "e-1", "e-2"] and result["changed"] is False
    assert result["nodes"][0]["networks"] == [{"bond_name": "bond0"}]
    first = sent(fake_eflo, "ListClusterNodes")[0]
    assert (first["ClusterId"], first["NodeGroupId"], first["OperatingStates.1"], first["OperatingStates.2"]) == ("i1", "g1", "Using", "Extending")
    assert len(sent(fake_eflo, "ListClusterNodes")) == 2


def test_free_nodes_with_machine_type_and_hpn_zone(fake_eflo, run_module) -> None:
    fake_eflo.answers["ListFreeNodes"] = {"Nodes": [{"NodeId": "e-9", "MachineType": "efg1.nvga8n", "CreateTime": "2024-05-20T08:00:00Z"}]}
    rc, result, _out = run_module(eflo_node_info.main, args(free=True, machine_type="efg1.nvga8n", hpn_zone="B1"))
    assert rc == 0, result
    assert result["nodes"][0]["node_id"] == "e-9" and result["nodes"][0]["hostname"] is None
    params = sent(fake_eflo, "ListFreeNodes")[0]
    assert (params["MachineType"], params["HpnZone"], params["MaxResults"]) == ("efg1.nvga8n", "B1", "100")


def test_nodes_by_id_are_described_once_each(fake_eflo, run_module) -> None:
    fake_eflo.answers["DescribeNode"] = lambda params: {"NodeId": params["NodeId"], "ClusterId": "i1", "Disks": [{"DiskId": "d-1"}]}
    rc, result, _out = run_module(eflo_node_info.main, args(node_ids=["e-2", "e-1", "e-2"]))
    assert rc == 0, result
    assert [(n["node_id"], n["cluster_id"], n["disks"]) for n in result["nodes"]] == [("e-2", "i1", [{"disk_id": "d-1"}]),
                                                                                      ("e-1", "i1", [{"disk_id": "d-1"}])]
    assert [p["NodeId"] for p in sent(fake_eflo, "DescribeNode")] == ["e-2", "e-1"]


def test_an_unknown_node_and_an_answer_without_node_fail_clearly(fake_eflo, run_module) -> None:
    fake_eflo.errors["DescribeNode"] = (404, {"Code": "InvalidNodeId.NotFound", "Message": "The node e-0 does not exist.", "RequestId": "R1"})
    rc, result, _out = run_module(eflo_node_info.main, args(node_ids=["e-0"]))
    assert rc == 1
    assert result["msg"] == ("eflo-controller DescribeNode failed: InvalidNodeId.NotFound: The node e-0 does not exist (HTTP 404, "
                             "request id R1).")
    del fake_eflo.errors["DescribeNode"]
    fake_eflo.answers["DescribeNode"] = {"RequestId": "R2"}
    rc, result, _out = run_module(eflo_node_info.main, args(node_ids=["e-0"]))
    assert rc == 1 and result["msg"].startswith("eflo-controller DescribeNode for node e-0 answered HTTP 200 without a NodeId")


@pytest.mark.parametrize("extra, msg", [
    ({}, "Give exactly one of cluster_id (the nodes of a cluster), node_ids (those nodes) or free: true (the nodes in no cluster)."),
    ({"free": True, "cluster_id": "i1"}, "Give exactly one of cluster_id (the nodes of a cluster), node_ids (those nodes) or free: true "
                                         "(the nodes in no cluster), not cluster_id and free: true."),
    ({"free": True, "node_group_id": "g1"}, "node_group_id filters the nodes of cluster_id, not those of free: true: remove it, or list "
                                            "with cluster_id."),
    ({"node_ids": ["e-1"], "operating_states": ["Using"]}, "operating_states filters the nodes of cluster_id or free: true, not those of "
                                                           "node_ids: remove it, or list with cluster_id or free: true."),
    ({"node_ids": ["e-1", ""]}, "node_ids[1] is empty: give an id such as e01-cn-zvp2tgykr08."),
])
def test_bad_node_input_fails_before_any_call(fake_eflo, run_module, extra: Dict[str, Any], msg: str) -> None:
    rc, result, _out = run_module(eflo_node_info.main, args(**extra))
    assert rc == 1 and result["msg"] == msg
    assert fake_eflo.requests == []
