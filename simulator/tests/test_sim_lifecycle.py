"""Task lifecycles in simulated time, and what they do to clusters and nodes."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from typing import Any, Dict, List

import pytest

from eflo_simulator.testing import Sim
from eflo_simulator.world import DEMO_CLUSTER_ID, DEMO_FREE_NODES, DEMO_NODE_GROUP_ID, DEMO_NODES

STAGE_TAGS = {"机器释放", "节点并发初始化", "节点释放", "机器替换", "节点缩容", "提前续费", "物理机清理", "节点清理", "创建K8s集群", "网络初始化", "节点重启", "节点退订", "集群扩容", "异常机器释放"}
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _sub_tasks(body: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [sub for step in body["Steps"] for sub in step["SubTasks"]]


def _api(sim: Sim, action: str, params: Dict[str, str]) -> Dict[str, Any]:
    answer = sim.call(action, params)
    assert answer.status == 200, answer.raw
    return answer.json


def _node_states(sim: Sim, cluster_id: str = DEMO_CLUSTER_ID) -> Dict[str, str]:
    nodes = _api(sim, "ListClusterNodes", {"ClusterId": cluster_id, "MaxResults": "100"})["Nodes"]
    return {n["NodeId"]: n["OperatingState"] for n in nodes}


def _cluster_state(sim: Sim, cluster_id: str = DEMO_CLUSTER_ID) -> str:
    return _api(sim, "DescribeCluster", {"ClusterId": cluster_id})["OperatingState"]


def test_success_lifecycle_waiting_running_success(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=90, waiting_s=10, node_count=3)[0]
    body = sim.describe(task_id)
    assert body["TaskState"] == "waiting_to_run"
    assert body["Steps"] == []
    assert body["TaskType"] == "reclone_node"
    assert len(body["NodeIds"]) == 3
    assert "TaskId" not in body
    sim.advance(40)
    body = sim.describe(task_id)
    assert body["TaskState"] == "running"
    assert [s["StepState"] for s in body["Steps"]][-1] == "running"
    sim.advance(100)
    body = sim.describe(task_id)
    assert body["TaskState"] == "execution_success"
    assert [s["StepName"] for s in body["Steps"]] == ["check_node_state", "reclone_nodes", "init_nodes"]
    assert {s["StepState"] for s in body["Steps"]} == {"execution_success"}
    assert {s["StepType"] for s in body["Steps"]} == {"normal", "dispersive"}
    assert {s["StageTag"] for s in body["Steps"]} <= STAGE_TAGS
    subs = _sub_tasks(body)
    assert len(subs) == 3
    assert {s["TaskType"] for s in subs} == {"reclone_node_sub_task"}
    assert {s["TaskState"] for s in subs} == {"execution_success"}
    assert all(ISO_MS.match(t) for t in (body["CreateTime"], body["UpdateTime"]))


def test_fail_outcome_has_a_failed_step_and_sub_task(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=60, outcome="fail", node_count=2)[0]
    sim.advance(61)
    body = sim.describe(task_id)
    assert body["TaskState"] == "execution_fail"
    assert "reclone_nodes" in body["Message"]
    failed_steps = [s for s in body["Steps"] if s["StepState"] == "execution_failed"]
    assert [s["StepName"] for s in failed_steps] == ["reclone_nodes"]
    assert body["Steps"][-1]["StepName"] == "reclone_nodes"  # nothing ran after the failure
    states = sorted(s["TaskState"] for s in _sub_tasks(body))
    assert states == ["execution_fail", "execution_success"]


def test_partial_outcome_succeeds_with_one_failed_sub_task(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reboot_node", duration_s=30, outcome="partial", node_count=3)[0]
    sim.advance(31)
    body = sim.describe(task_id)
    assert body["TaskState"] == "execution_success"
    failed = [s for s in _sub_tasks(body) if s["TaskState"] == "execution_fail"]
    assert len(failed) == 1 and failed[0]["TaskType"] == "reboot_node_sub_task" and failed[0]["Message"]


def test_fail_at_named_normal_step(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="initialize_cluster", duration_s=90, outcome="fail", fail_at_step="create_subnets")[0]
    sim.advance(91)
    body = sim.describe(task_id)
    assert body["TaskState"] == "execution_fail"
    assert [(s["StepName"], s["StepState"]) for s in body["Steps"]] == [("create_vpd", "execution_success"), ("create_subnets", "execution_failed")]
    assert body["Steps"][1]["StageTag"] == "网络初始化"


def test_bad_control_spec_is_a_400(sim: Sim) -> None:
    answer = sim.http("POST", "/_sim/tasks", json.dumps({"task_type": "reclone_node", "outcome": "fail", "fail_at_step": "nope"}).encode())
    assert answer.status == 400 and "nope" in answer.json["error"]
    answer = sim.http("POST", "/_sim/tasks", json.dumps({"outcome": "maybe"}).encode())
    assert answer.status == 400


def test_not_found_for_a_while(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="extend_cluster", not_found_for_s=30)[0]
    assert sim.call("DescribeTask", {"TaskId": task_id}).json["Code"] == "InvalidTaskId.NotFound"
    sim.advance(31)
    assert sim.describe(task_id)["TaskState"] in ("waiting_to_run", "running")


def test_sub_task_ids_are_queryable(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=60, outcome="partial", node_count=2)[0]
    sim.advance(61)
    subs = _sub_tasks(sim.describe(task_id))
    states = {sim.describe(s["TaskId"])["TaskState"] for s in subs}
    assert states == {"execution_fail", "execution_success"}
    assert sim.describe(subs[0]["TaskId"])["TaskType"] == "reclone_node_sub_task"


@pytest.mark.parametrize(
    "task_type,sub_type",
    [
        ("initialize_cluster", "init_node_sub_task"),
        ("extend_cluster", "extend_node_sub_task"),
        ("cut_cluster", "cut_node_sub_task"),
        ("reclone_node", "reclone_node_sub_task"),
        ("reboot_node", "reboot_node_sub_task"),
    ],
)
def test_task_types_and_sub_task_types(sim: Sim, task_type: str, sub_type: str) -> None:
    task_id = sim.create_tasks(task_type=task_type, duration_s=10, node_count=1)[0]
    sim.advance(11)
    body = sim.describe(task_id)
    assert body["TaskType"] == task_type
    assert [s["TaskType"] for s in _sub_tasks(body)] == [sub_type]
    assert {s["StageTag"] for s in body["Steps"]} <= STAGE_TAGS


def test_speed_shortens_lifecycles_and_answers_keep_real_time(sim: Sim) -> None:
    clock = sim.control("PUT", "/_sim/clock", {"speed": 1000})
    assert clock["speed"] == 1000 and clock["timestamps"] == "real"
    started = time.time()
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=600, node_count=2)[0]
    summary = sim.control("GET", "/_sim/tasks/" + task_id)
    assert summary["created"] == pytest.approx(started, abs=1) and summary["ends"] - summary["created"] == pytest.approx(0.6)
    time.sleep(0.7)
    body = sim.describe(task_id)
    assert body["TaskState"] == "execution_success"
    times = [_epoch(body["CreateTime"]), _epoch(body["UpdateTime"])]
    times += [_epoch(s[key]) for s in body["Steps"] for key in ("StartTime", "UpdateTime")]
    times += [_epoch(s[key]) for s in _sub_tasks(body) for key in ("CreateTime", "UpdateTime")]
    assert started - 1 < min(times) <= max(times) < started + 2  # 600 simulated seconds, in 0.6 real ones
    assert _epoch(body["UpdateTime"]) - _epoch(body["CreateTime"]) == pytest.approx(0.6, abs=0.002)


def test_advance_takes_no_real_time(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=600, node_count=1)[0]
    jump = time.time()
    sim.advance(300)  # half of it happens at once: those steps start and end at the real time of the jump
    body = sim.describe(task_id)
    assert body["TaskState"] == "running"
    done = [s for s in body["Steps"] if s["StepState"] == "execution_success"]
    assert done and all(_epoch(s["UpdateTime"]) == pytest.approx(jump, abs=1) for s in done)
    assert _epoch(body["UpdateTime"]) == pytest.approx(time.time(), abs=1)
    remaining = sim.control("GET", "/_sim/tasks/" + task_id)["remaining_s"]
    assert 298 < remaining <= 300


# ---- tasks started through the API change clusters and nodes ------------------------------------------------


def test_reimage_changes_node_state_until_done(sim: Sim) -> None:
    node = DEMO_NODES[0]
    nodes = json.dumps([{"NodeId": node, "ImageId": "i-new"}], separators=(",", ":"))
    task_id = _api(sim, "ReimageNodes", {"ClusterId": DEMO_CLUSTER_ID, "Nodes": nodes})["TaskId"]
    assert _node_states(sim)[node] == "Operating"
    conflict = sim.call("RebootNodes", {"ClusterId": DEMO_CLUSTER_ID, "Nodes": json.dumps([node])})
    assert conflict.json["Code"] == "OperationConflict"
    sim.advance(2000)
    assert _node_states(sim)[node] == "Using"
    body = sim.describe(task_id)
    assert body["TaskState"] == "execution_success" and body["TaskType"] == "reclone_node"
    assert _api(sim, "DescribeNode", {"NodeId": node})["ImageId"] == "i-new"


@pytest.mark.parametrize("ignore,state,failed_subs", [("False", "execution_fail", 1), ("True", "execution_success", 1)])
def test_scripted_node_failure_in_reclone(sim: Sim, ignore: str, state: str, failed_subs: int) -> None:
    bad = DEMO_NODES[1]
    sim.control("PUT", "/_sim/scenario", {"fail_nodes": [bad]})
    nodes = json.dumps([{"NodeId": n} for n in DEMO_NODES[:3]], separators=(",", ":"))
    task_id = _api(sim, "ReimageNodes", {"ClusterId": DEMO_CLUSTER_ID, "Nodes": nodes, "IgnoreFailedNodeTasks": ignore})["TaskId"]
    sim.advance(2000)
    body = sim.describe(task_id)
    assert body["TaskState"] == state
    failed = [s for s in _sub_tasks(body) if s["TaskState"] == "execution_fail"]
    assert len(failed) == failed_subs and bad in failed[0]["Message"]
    detail = sim.control("GET", "/_sim/tasks/" + task_id)
    assert detail["failed_nodes"] == [bad] and detail["origin"] == "ReimageNodes"


def test_fail_actions_fail_a_whole_action(sim: Sim) -> None:
    sim.control("PUT", "/_sim/scenario", {"fail_actions": {"RebootNodes": "fail"}, "durations": {"reboot_node": 20}})
    task_id = _api(sim, "RebootNodes", {"ClusterId": DEMO_CLUSTER_ID, "Nodes": json.dumps(list(DEMO_NODES[:2]))})["TaskId"]
    sim.advance(30)
    assert sim.describe(task_id)["TaskState"] == "execution_fail"
    assert set(_node_states(sim).values()) == {"Using"}


@pytest.mark.parametrize(
    "cluster_type,task_type",
    [("Lite", "initialize_cluster"), ("ExclusiveBareCluster", "initialize_bare_cluster"), ("AckEdgePro", "initialize_ack_edge_cluster")],
)
def test_create_cluster_initializes(sim: Sim, cluster_type: str, task_type: str) -> None:
    node = {"NodeId": DEMO_FREE_NODES[0], "Hostname": "h1"}
    groups = [{"NodeGroupName": "ng1", "MachineType": "efg1.nvga8n", "ImageId": "i1", "ZoneId": "z", "Nodes": [node]}]
    answer = _api(sim, "CreateCluster", {"ClusterName": "new", "ClusterType": cluster_type, "NodeGroups": json.dumps(groups), "IgnoreFailedNodeTasks": "true"})
    cluster_id, task_id = answer["ClusterId"], answer["TaskId"]
    assert _cluster_state(sim, cluster_id) == "initializing"
    assert _node_states(sim, cluster_id) == {DEMO_FREE_NODES[0]: "Extending"}
    body = sim.describe(task_id)
    assert body["TaskType"] == task_type and body["ClusterId"] == cluster_id and body["ClusterName"] == "new"
    sim.advance(3000)
    assert sim.describe(task_id)["TaskState"] == "execution_success"
    assert _cluster_state(sim, cluster_id) == "running"
    assert _node_states(sim, cluster_id) == {DEMO_FREE_NODES[0]: "Using"}
    if cluster_type == "AckEdgePro":
        assert "create_k8s_cluster" in [s["StepName"] for s in sim.describe(task_id)["Steps"]]


def test_extend_with_flattened_parameters(sim: Sim) -> None:
    params = {
        "ClusterId": DEMO_CLUSTER_ID,
        "NodeGroups.1.NodeGroupId": DEMO_NODE_GROUP_ID,
        "NodeGroups.1.Nodes.1.NodeId": DEMO_FREE_NODES[0],
        "NodeGroups.1.Nodes.1.Hostname": "new-host",
        "NodeGroups.1.Amount": "1",
    }
    task_id = _api(sim, "ExtendCluster", params)["TaskId"]
    assert _cluster_state(sim) == "expanding"
    states = _node_states(sim)
    assert states[DEMO_FREE_NODES[0]] == "Extending" and list(states.values()).count("Extending") == 2
    assert sim.call("ExtendCluster", params).json["Code"] == "OperationConflict"
    sim.advance(2000)
    assert _cluster_state(sim) == "running"
    assert list(_node_states(sim).values()).count("Using") == 6
    body = sim.describe(task_id)
    assert body["TaskType"] == "extend_cluster" and len(_sub_tasks(body)) == 2


def test_failed_extend_node_leaves_the_cluster(sim: Sim) -> None:
    sim.control("PUT", "/_sim/scenario", {"fail_nodes": [DEMO_FREE_NODES[1]]})
    groups = [{"NodeGroupId": DEMO_NODE_GROUP_ID, "Nodes": [{"NodeId": n} for n in DEMO_FREE_NODES]}]
    task_id = _api(sim, "ExtendCluster", {"ClusterId": DEMO_CLUSTER_ID, "NodeGroups": json.dumps(groups), "IgnoreFailedNodeTasks": "True"})["TaskId"]
    sim.advance(2000)
    assert sim.describe(task_id)["TaskState"] == "execution_success"
    states = _node_states(sim)
    assert DEMO_FREE_NODES[0] in states and DEMO_FREE_NODES[1] not in states
    assert _api(sim, "DescribeNode", {"NodeId": DEMO_FREE_NODES[1]})["OperatingState"] == "Unused"


def test_shrink_releases_nodes(sim: Sim) -> None:
    groups = [{"NodeGroupId": DEMO_NODE_GROUP_ID, "Nodes": [{"NodeId": DEMO_NODES[3]}]}]
    task_id = _api(sim, "ShrinkCluster", {"ClusterId": DEMO_CLUSTER_ID, "NodeGroups": json.dumps(groups)})["TaskId"]
    assert _cluster_state(sim) == "shrinking" and _node_states(sim)[DEMO_NODES[3]] == "Cutting"
    sim.advance(1000)
    assert sim.describe(task_id)["TaskType"] == "cut_cluster"
    assert _cluster_state(sim) == "running" and DEMO_NODES[3] not in _node_states(sim)


def test_reboot_and_stop(sim: Sim) -> None:
    reboot = _api(sim, "RebootNodes", {"ClusterId": DEMO_CLUSTER_ID, "Nodes.1": DEMO_NODES[0]})["TaskId"]
    stop = _api(sim, "StopNodes", {"Nodes": json.dumps([DEMO_NODES[1]]), "IgnoreFailedNodeTasks": "False"})["TaskId"]
    states = _node_states(sim)
    assert (states[DEMO_NODES[0]], states[DEMO_NODES[1]]) == ("Operating", "ClusterNodeStopping")
    sim.advance(1000)
    states = _node_states(sim)
    assert (states[DEMO_NODES[0]], states[DEMO_NODES[1]]) == ("Using", "ClusterNodeStopped")
    assert sim.describe(reboot)["TaskType"] == "reboot_node"
    assert sim.describe(stop)["TaskState"] == "execution_success"


def test_delete_cluster_takes_a_while_then_the_cluster_is_gone(sim: Sim) -> None:
    sim.control("PUT", "/_sim/scenario", {"durations": {"delete": 40}})
    assert set(_api(sim, "DeleteCluster", {"ClusterId": DEMO_CLUSTER_ID})) == {"RequestId"}
    assert _cluster_state(sim) == "deleting"
    assert [c["OperatingState"] for c in _api(sim, "ListClusters", {})["Clusters"]] == ["deleting"]
    for action, params in (("DeleteCluster", {}), ("RebootNodes", {"Nodes": json.dumps([DEMO_NODES[0]])})):
        assert sim.call(action, dict(params, ClusterId=DEMO_CLUSTER_ID)).json["Code"] == "OperationConflict"
    sim.advance(39)
    assert _cluster_state(sim) == "deleting"
    sim.advance(2)
    answer = sim.call("DescribeCluster", {"ClusterId": DEMO_CLUSTER_ID})
    assert (answer.status, answer.json["Code"]) == (404, "RESOURCE_NOT_FOUND")
    assert sim.call("DescribeCluster", {"ClusterId": "i110000000000000000000"}).json["Code"] == "InvalidClusterId.NotFound"
    assert _api(sim, "ListClusters", {})["Clusters"] == []
    assert _api(sim, "DescribeNode", {"NodeId": DEMO_NODES[0]})["OperatingState"] == "Unused"
    free = _api(sim, "ListFreeNodes", {"MaxResults": "100"})["Nodes"]
    assert set(DEMO_NODES) <= {n["NodeId"] for n in free}


def test_list_shapes_and_paging(sim: Sim) -> None:
    clusters = _api(sim, "ListClusters", {"MaxResults": "10"})
    item = clusters["Clusters"][0]
    assert item["ClusterId"] == DEMO_CLUSTER_ID and item["CreateTime"].isdigit() and len(item["CreateTime"]) == 10
    first = _api(sim, "ListClusterNodes", {"ClusterId": DEMO_CLUSTER_ID, "MaxResults": "3"})
    assert len(first["Nodes"]) == 3 and first["NextToken"]
    assert first["Nodes"][0]["CreateTime"].isdigit() and len(first["Nodes"][0]["CreateTime"]) == 13
    rest = _api(sim, "ListClusterNodes", {"ClusterId": DEMO_CLUSTER_ID, "MaxResults": "3", "NextToken": first["NextToken"]})
    assert len(rest["Nodes"]) == 1 and rest["NextToken"] == ""
    _api(sim, "RebootNodes", {"ClusterId": DEMO_CLUSTER_ID, "Nodes": json.dumps([DEMO_NODES[2]])})
    filtered = _api(sim, "ListClusterNodes", {"ClusterId": DEMO_CLUSTER_ID, "OperatingStates.1": "Operating", "OperatingStates.2": "Extending"})
    assert [n["NodeId"] for n in filtered["Nodes"]] == [DEMO_NODES[2]]
    node = _api(sim, "DescribeNode", {"NodeId": DEMO_NODES[2]})
    assert node["ClusterId"] == DEMO_CLUSTER_ID and node["CreateTime"].endswith("Z") and node["TaskId"]


def test_parameters_in_the_query_string(sim: Sim) -> None:
    answer = sim.call("ListClusters", {}, query={"Tags.1.Key": "k 1", "Tags.1.Value": "v*1"})
    assert answer.status == 200
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    assert sim.call("DescribeTask", {}, query={"TaskId": task_id}).json["TaskType"] == "reboot_node"


# ---- quirks ---------------------------------------------------------------------------------------------------


def _advance_to_early_hour(sim: Sim) -> None:
    """Answers stamped with simulated time (real time cannot be moved), then that time moved to 03:00."""
    now = sim.control("PUT", "/_sim/clock", {"timestamps": "simulated"})["simulated"]
    seconds_today = now % 86400
    sim.advance(86400 - seconds_today + 3 * 3600)


def test_quirks_one_digit_hour_and_node_ids_repr(sim: Sim) -> None:
    sim.control("PUT", "/_sim/quirks", {"rate": 1.0, "kinds": ["one_digit_hour", "node_ids_repr"]})
    _advance_to_early_hour(sim)
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=60, node_count=2)[0]
    sim.advance(61)
    body = sim.describe(task_id)
    assert re.match(r"^\d{4}-\d{2}-\d{2}T3:\d{2}:\d{2}\.\d{3}Z$", body["CreateTime"])
    assert re.match(r"^\d{4}-\d{2}-\d{2}T3:", body["Steps"][0]["StartTime"])
    assert isinstance(body["NodeIds"], str) and body["NodeIds"].startswith("['e01-cn-")


def test_quirk_null_steps(sim: Sim) -> None:
    sim.control("PUT", "/_sim/quirks", {"rate": 1.0, "kinds": ["null_steps"]})
    task_id = sim.create_tasks(task_type="reclone_node", waiting_s=100)[0]
    assert sim.describe(task_id)["Steps"] is None


def test_quirks_are_deterministic_for_a_seed(sim: Sim) -> None:
    sim.control("PUT", "/_sim/quirks", {"rate": 0.5})
    ids = sim.create_tasks(task_type="reboot_node", count=40, waiting_s=0, duration_s=100)
    first = [isinstance(sim.describe(t)["NodeIds"], str) for t in ids]
    assert 0 < sum(first) < 40
    sim.control("POST", "/_sim/reset")
    sim.control("PUT", "/_sim/quirks", {"rate": 0.5})
    again = sim.create_tasks(task_type="reboot_node", count=40, waiting_s=0, duration_s=100)
    assert again == ids
    assert [isinstance(sim.describe(t)["NodeIds"], str) for t in again] == first
