# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example pipelines of playbooks/ (initialize_cluster.yml, extend_cluster.yml, reclone_nodes.yml) against the
simulator, run unchanged with the simulator's endpoint and small scenario durations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

pytestmark = pytest.mark.simulator

ROLE = "alibabacloud.eflo.cluster_task : "
SET_OUTCOME = ROLE + "Set the outcome fact cluster_task_outcome"
DEMO_CLUSTER = "i119982311660892626523"
DEMO_NODE_GROUP = "i127582271665027208350"
FAST = {"cluster_task_delay": 0.5, "cluster_task_max_delay": 1, "cluster_task_post_check_delay": 1}


def extra(simulator: Any, **more: Any) -> Dict[str, Any]:
    data: Dict[str, Any] = dict(simulator.extra_vars)
    data.update(FAST)
    data.update(more)
    return data


def scenario(simulator: Any, **spec: Any) -> None:
    body = {"waiting_s": 0}
    body.update(spec)
    simulator.control("PUT", "/_sim/scenario", body)


def signed_call(simulator: Any, action: str, params: Dict[str, str]) -> Dict[str, Any]:
    """One signed API call from the test itself (the simulator package's own test helper signs it)."""
    from eflo_simulator.testing import Sim  # pylint: disable=import-outside-toplevel

    answer = Sim(simulator.url, None, None).call(action, params)  # type: ignore[arg-type]
    assert answer.status == 200, answer.raw
    return answer.json


def outcome_of(run: Any) -> Dict[str, Any]:
    return run.task(SET_OUTCOME)["result"]["ansible_facts"]["cluster_task_outcome"]


def test_initialize_cluster_example(simulator, run_playbook):
    scenario(simulator, durations={"initialize": 2})
    run = run_playbook("playbooks/initialize_cluster.yml", extra(simulator, eflo_cluster_name="example-init"),
                       env=simulator.env)

    assert run.rc == 0, run.explain()
    created = run.task("Create the cluster")["result"]
    assert created["changed"] is True and created["task_id"]
    outcome = outcome_of(run)
    assert outcome["status"] == "success"
    assert outcome["task_ids"] == [created["task_id"]]
    assert run.task("Show the new cluster")["result"]["msg"] == (
        "Cluster example-init (%s) is initialized: 2 nodes in use." % created["response"]["cluster_id"])


def test_initialize_cluster_example_in_check_mode_sends_nothing(simulator, run_playbook):
    run = run_playbook("playbooks/initialize_cluster.yml", extra(simulator), env=simulator.env, check=True)

    assert run.rc == 0, run.explain()
    assert outcome_of(run)["status"] == "skipped"
    assert run.task("Show the new cluster")["status"] == "skipped"
    assert simulator.requests()["total"] == 0


def test_extend_cluster_example_waits_for_an_inventory_of_clusters_in_one_batch(simulator, run_playbook):
    # a second cluster, created and initialized before the pipeline runs
    simulator.control("POST", "/_sim/free-nodes", {"node_ids": ["e01-cn-examplb0001"]})
    node_groups = [{"NodeGroupName": "ng-b", "MachineType": "efg1.nvga8n", "ImageId": "i190297201634099844192",
                    "ZoneId": "cn-wulanchabu-b", "Nodes": [{"NodeId": "e01-cn-examplb0001", "Hostname": "b1"}]}]
    second = signed_call(simulator, "CreateCluster", {"ClusterName": "example-b", "ClusterType": "Lite",
                                                      "NodeGroups": json.dumps(node_groups)})["ClusterId"]
    simulator.control("PUT", "/_sim/clock", {"advance_s": 7200})
    nodes = signed_call(simulator, "ListClusterNodes", {"ClusterId": second})["Nodes"]
    assert [n["OperatingState"] for n in nodes] == ["Using"]
    scenario(simulator, durations={"extend": 2})
    inventory = {
        "training-a": {"eflo_cluster_id": DEMO_CLUSTER, "eflo_node_group_id": DEMO_NODE_GROUP,
                       "eflo_extend_nodes": [{"NodeId": "e01-cn-zvp2tgykr0c", "Hostname": "gpu-0c"}]},
        "training-b": {"eflo_cluster_id": second, "eflo_node_group_id": nodes[0]["NodeGroupId"], "eflo_extend_amount": 2},
    }
    run = run_playbook("tests/integration/playbooks/extend_inventory.yml", extra(simulator, test_inventory=inventory),
                       env=simulator.env)

    assert run.rc == 0, run.explain()
    started = {r["host"]: r["result"]["task_id"] for r in run.tasks("Extend this cluster")}
    assert sorted(started) == ["training-a", "training-b"]
    assert run.stdout.count("eflo_task_wait: waiting for 2 tasks") == 1
    outcome = outcome_of(run)
    assert outcome["status"] == "success"
    assert sorted(outcome["task_ids"]) == sorted(started.values())
    assert outcome["hosts"] == {host: {"task_ids": [task_id], "status": "success"} for host, task_id in started.items()}
    # the post-checks cover both clusters and the three new nodes
    assert sorted(c["cluster_id"] for c in outcome["post_checks"]["clusters"]) == sorted([DEMO_CLUSTER, second])
    assert len(outcome["post_checks"]["nodes"]) == 3
    shown = sorted(r["result"]["msg"] for r in run.tasks("Show the result of this cluster"))
    assert shown == ["training-a: extend success", "training-b: extend success"]


def test_reclone_nodes_example(simulator, run_playbook):
    scenario(simulator, durations={"reclone": 2})
    run = run_playbook("playbooks/reclone_nodes.yml", extra(simulator), env=simulator.env)

    assert run.rc == 0, run.explain()
    outcome = outcome_of(run)
    assert outcome["status"] == "success"
    assert sorted(n["node_id"] for n in outcome["post_checks"]["nodes"]) == ["e01-cn-zvp2tgykr08", "e01-cn-zvp2tgykr09"]
    assert not run.tasks("Stop the pipeline")  # the rescue did not run


def test_reclone_nodes_example_hands_the_failed_nodes_on(simulator, run_playbook, tmp_path: Path):
    scenario(simulator, durations={"reclone": 2}, fail_nodes=["e01-cn-zvp2tgykr09"])
    failed_file = tmp_path / "failed-nodes.json"
    run = run_playbook("playbooks/reclone_nodes.yml", extra(simulator, eflo_failed_nodes_file=str(failed_file)),
                       env=simulator.env)

    assert run.rc == 2, run.explain()
    assert json.loads(failed_file.read_text(encoding="utf-8")) == ["e01-cn-zvp2tgykr09"]
    assert run.task("Stop the pipeline")["result"]["msg"] == (
        "The reclone did not succeed (failure); failed nodes: e01-cn-zvp2tgykr09. See the summary above.")
    assert "cluster_task: reclone FAILED" in run.task(ROLE + "Fail with the summary")["result"]["msg"]
