# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook test of eflo_cluster_info and eflo_node_info against the simulator: a cluster with two node groups and
more nodes than one page, every filter, free nodes beyond one page, nodes by id, check mode and bad input."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.simulator

PLAYBOOK = "tests/integration/playbooks/info_modules.yml"
DEMO_CLUSTER = "i119982311660892626523"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_clusters_and_nodes_are_read_with_every_filter(simulator, run_playbook):
    big = simulator.control("POST", "/_sim/clusters", {
        "name": "info-big", "tags": {"team": "ml"},
        "node_groups": [{"name": "ng-a", "node_count": 70}, {"name": "ng-b", "node_count": 60, "machine_type": "efg1.nvgh8n"}],
    })
    cluster_id, (group_a, group_b) = big["cluster_id"], big["node_groups"]
    simulator.control("POST", "/_sim/free-nodes", {"count": 110, "machine_type": "efg1.test"})
    simulator.control("DELETE", "/_sim/requests")
    run = run_playbook(PLAYBOOK, dict(simulator.extra_vars, test_cluster_id=cluster_id, test_group_id=group_b["node_group_id"]),
                       env=simulator.env)
    assert run.rc == 0, run.explain()

    def result(name):
        return run.task(name)["result"]

    (by_name,) = result("Clusters by name")["clusters"]
    assert by_name["cluster_id"] == cluster_id
    assert [g["node_group_name"] for g in by_name["node_groups"]] == ["ng-a", "ng-b"]
    assert [g["node_count"] for g in by_name["node_groups"]] == [70, 60]
    assert "nodes" not in by_name["node_groups"][0]
    assert ISO.match(by_name["create_time"]) and by_name["node_count"] == 130 and by_name["operating_state"] == "running"
    assert result("Clusters by name")["changed"] is False

    by_ids = result("Clusters by ids with nodes")  # in check mode, in the given order, repeats once
    assert [c["cluster_id"] for c in by_ids["clusters"]] == [cluster_id, DEMO_CLUSTER]
    groups = by_ids["clusters"][0]["node_groups"]
    assert [len(g["nodes"]) for g in groups] == [70, 60]
    assert {n["node_id"] for n in groups[1]["nodes"]} == set(group_b["node_ids"])
    assert all(n["node_group_id"] == group_a["node_group_id"] and ISO.match(n["create_time"]) for n in groups[0]["nodes"])
    assert [n["node_id"] for n in by_ids["clusters"][1]["node_groups"][0]["nodes"]] == [
        "e01-cn-zvp2tgykr08", "e01-cn-zvp2tgykr09", "e01-cn-zvp2tgykr0a", "e01-cn-zvp2tgykr0b"]

    assert [c["cluster_id"] for c in result("Clusters by tags")["clusters"]] == [cluster_id]
    assert result("Clusters of another resource group")["clusters"] == []

    nodes = result("Nodes of a cluster")["nodes"]
    assert len(nodes) == 130 and len({n["node_id"] for n in nodes}) == 130
    assert {n["node_id"] for n in result("Nodes of a node group in use")["nodes"]} == set(group_b["node_ids"])

    free = result("Free nodes")["nodes"]
    assert len(free) >= 110 + 16 and all(n["operating_state"] == "Unused" for n in free)
    assert not {n["node_id"] for n in free} & {n["node_id"] for n in nodes}
    filtered = result("Free nodes of a machine type and an HPN zone")["nodes"]
    assert filtered and all(n["machine_type"] == "efg1.nvgh8n" and n["hpn_zone"] == "B1" for n in filtered)

    described = result("Nodes by ids")["nodes"]
    assert [n["node_id"] for n in described] == ["e01-cn-zvp2tgykr09", "e01-cn-zvp2tgykr08"]
    assert described[0]["cluster_id"] == DEMO_CLUSTER and described[0]["disks"][0]["category"] == "cloud_essd"

    requests = simulator.requests()["by_action"]
    assert set(requests) == {"ListClusters", "ListNodeGroups", "ListClusterNodes", "ListFreeNodes", "DescribeNode"}, requests
    assert {outcome for counts in requests.values() for outcome in counts} == {"success", "InvalidClusterId.NotFound", "InvalidNodeId.NotFound"}

    bad = ("Bad unknown cluster id", "Bad unknown cluster ids", "Bad unknown node id", "Bad filter of free nodes without free", "Bad no source")
    msg = {name: result(name)["msg"] for name in bad}
    assert all(run.task(name)["status"] == "ignored" for name in msg), run.explain()
    assert msg["Bad unknown cluster id"].startswith("eflo-controller ListClusterNodes failed: InvalidClusterId.NotFound: The specified "
                                                    "cluster i100000000000000000000 does not exist (HTTP 404, request id ")
    assert msg["Bad unknown cluster ids"].startswith("cluster_ids: i100000000000000000000 not found among the ")
    assert "InvalidNodeId.NotFound" in msg["Bad unknown node id"]
    assert msg["Bad filter of free nodes without free"] == (
        "machine_type filters the nodes of free: true, not those of cluster_id: remove it, or list with free: true.")
    assert msg["Bad no source"].startswith("Give exactly one of cluster_id (the nodes of a cluster), node_ids")
    assert "Traceback" not in run.stdout + run.stderr
