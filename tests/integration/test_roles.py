# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook tests of the role alibabacloud.eflo.cluster_task against the simulator.

Every entry point (initialize, extend, reclone, main): success with post-checks, the failure summary, failed
post-checks, inputs (task id, list of ids, a registered result, a list of results, a loop result), timeout, wrong
task type, partial success, check mode, argument validation, and run_once over several inventory hosts.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

pytestmark = pytest.mark.simulator

ROLE_PLAYBOOK = "tests/integration/playbooks/cluster_task_role.yml"
BATCH_PLAYBOOK = "tests/integration/playbooks/cluster_task_batch.yml"
ROLE = "alibabacloud.eflo.cluster_task : "
SET_OUTCOME = ROLE + "Set the outcome fact cluster_task_outcome"
FAIL_TASK = ROLE + "Fail with the summary"
REPORT_TASK = ROLE + "Report the outcome"

DEMO_CLUSTER = "i119982311660892626523"
DEMO_NODE_GROUP = "i127582271665027208350"
DEMO_NODES = ["e01-cn-zvp2tgykr08", "e01-cn-zvp2tgykr09", "e01-cn-zvp2tgykr0a", "e01-cn-zvp2tgykr0b"]
FREE_NODE = "e01-cn-zvp2tgykr0c"
IMAGE = "i190297201634099844192"

# Fast waits: the simulator runs short tasks; these keep each run to a few seconds.
FAST = {
    "cluster_task_delay": 0.5,
    "cluster_task_max_delay": 1,
    "cluster_task_heartbeat_interval": 2,
    "cluster_task_post_check_retries": 2,
    "cluster_task_post_check_delay": 1,
}


def role_vars(simulator: Any, **extra: Any) -> Dict[str, Any]:
    """Extra vars for the role playbook: the simulator's endpoint and region, fast waits, then ``extra``."""
    data: Dict[str, Any] = dict(simulator.extra_vars)
    data.update(FAST)
    data.update(extra)
    return data


def run_role(run_playbook: Any, simulator: Any, check: bool = False, **extra: Any) -> Any:
    """Run the role playbook against the simulator (its credentials in the environment)."""
    return run_playbook(ROLE_PLAYBOOK, role_vars(simulator, **extra), env=simulator.env, check=check)


def scenario(simulator: Any, **spec: Any) -> None:
    """Script the tasks the simulator starts for API calls (durations in simulated seconds, no waiting)."""
    body = {"waiting_s": 0}
    body.update(spec)
    simulator.control("PUT", "/_sim/scenario", body)


def control_tasks(simulator: Any, **spec: Any) -> List[str]:
    """Tasks created through the control API (no effect on clusters or nodes)."""
    return simulator.add_tasks(spec)["task_ids"]


def outcome_of(run: Any) -> Dict[str, Any]:
    """cluster_task_outcome as the role's set_fact set it (present even when the role failed afterwards)."""
    return run.task(SET_OUTCOME)["result"]["ansible_facts"]["cluster_task_outcome"]


def started_ids(run: Any) -> List[str]:
    """The task ids that the playbook's eflo_api loop started."""
    return [item["result"]["task_id"] for item in run.results
            if item["kind"] == "item" and item["task"] == "Start the operations"]


def extend_call(node: str = FREE_NODE) -> Dict[str, Any]:
    return {"action": "ExtendCluster", "params": {
        "ClusterId": DEMO_CLUSTER,
        "NodeGroups": [{"NodeGroupId": DEMO_NODE_GROUP, "Nodes": [{"NodeId": node, "Hostname": "gpu-" + node[-3:]}]}],
    }}


def reimage_call(nodes: List[str]) -> Dict[str, Any]:
    return {"action": "ReimageNodes", "params": {
        "ClusterId": DEMO_CLUSTER, "Nodes": [{"NodeId": node, "ImageId": IMAGE} for node in nodes],
    }}


def create_call(name: str, nodes: List[str]) -> Dict[str, Any]:
    return {"action": "CreateCluster", "params": {
        "ClusterName": name,
        "ClusterType": "Lite",
        "NodeGroups": [{
            "NodeGroupName": name + "-ng",
            "MachineType": "efg1.nvga8n",
            "ImageId": IMAGE,
            "ZoneId": "cn-wulanchabu-b",
            "Nodes": [{"NodeId": node, "Hostname": node[-6:]} for node in nodes],
        }],
    }}


# ------------------------------------------------------------------------------------------------------ success


def test_extend_waits_for_a_registered_result_and_post_checks(simulator, run_playbook):
    scenario(simulator, durations={"extend": 3})
    run = run_role(run_playbook, simulator, test_entry="extend", test_start=[extend_call()], test_input="single")

    assert run.rc == 0, run.explain()
    outcome = outcome_of(run)
    assert outcome["status"] == "success"
    assert outcome["failed"] is False
    assert outcome["operation"] == "extend"
    assert outcome["task_ids"] == started_ids(run) and len(outcome["task_ids"]) == 1
    assert outcome["succeeded_task_ids"] == outcome["task_ids"]
    assert outcome["cluster_ids"] == [DEMO_CLUSTER]
    assert outcome["tasks"][0]["task_type"] == "extend_cluster"
    assert outcome["settings"]["expected_task_types"] == ["extend_*"]
    checks = outcome["post_checks"]
    assert checks["ran"] and checks["ok"] and checks["problems"] == []
    assert checks["clusters"] == [{"cluster_id": DEMO_CLUSTER, "cluster_name": "Standard_Cluster",
                                   "operating_state": "running", "ok": True}]
    assert {"node_id": FREE_NODE, "cluster_id": DEMO_CLUSTER, "operating_state": "Using", "ok": True} in checks["nodes"]
    assert outcome["summary_lines"][0].startswith("cluster_task: extend succeeded: 1 task on 1 cluster")
    assert outcome["summary_lines"][-1] == "post-checks passed: 1 cluster running, 1 node Using"
    assert run.task(REPORT_TASK)["result"]["msg"] == outcome["summary_lines"]
    assert run.task("Record the outcome")["result"]["cluster_task_outcome"]["status"] == "success"
    assert "eflo_task_wait: waiting for 1 task" in run.stdout  # progress of the wait reaches the output
    assert run.task(FAIL_TASK)["status"] == "skipped"


def test_initialize_accepts_a_loop_result_and_checks_every_cluster(simulator, run_playbook):
    scenario(simulator, durations={"initialize": 3})
    simulator.control("POST", "/_sim/free-nodes", {"node_ids": ["e01-cn-itesta00001", "e01-cn-itesta00002", "e01-cn-itestb00001"]})
    calls = [create_call("itest-a", ["e01-cn-itesta00001", "e01-cn-itesta00002"]),
             create_call("itest-b", ["e01-cn-itestb00001"])]
    run = run_role(run_playbook, simulator, test_entry="initialize", test_start=calls, test_input="loop")

    assert run.rc == 0, run.explain()
    outcome = outcome_of(run)
    assert outcome["status"] == "success"
    assert sorted(outcome["task_ids"]) == sorted(started_ids(run)) and len(outcome["task_ids"]) == 2
    assert {t["task_type"] for t in outcome["tasks"]} == {"initialize_cluster"}
    assert len(outcome["cluster_ids"]) == 2
    checks = outcome["post_checks"]
    assert sorted(c["cluster_name"] for c in checks["clusters"]) == ["itest-a", "itest-b"]
    assert all(c["operating_state"] == "running" for c in checks["clusters"])
    assert sorted(n["node_id"] for n in checks["nodes"]) == ["e01-cn-itesta00001", "e01-cn-itesta00002", "e01-cn-itestb00001"]
    assert all(n["operating_state"] == "Using" and n["ok"] for n in checks["nodes"])
    assert outcome["settings"]["timeout"] == 16200  # the initialize default (reference section 9)


def test_main_entry_point_takes_the_operation_and_a_list_of_results(simulator, run_playbook):
    scenario(simulator, durations={"reclone": 2})
    run = run_role(run_playbook, simulator, test_entry="main", cluster_task_operation="reclone",
                   test_start=[reimage_call(["e01-cn-zvp2tgykr0b"])], test_input="list")

    assert run.rc == 0, run.explain()
    outcome = outcome_of(run)
    assert outcome["operation"] == "reclone"
    assert outcome["status"] == "success"
    assert outcome["task_ids"] == started_ids(run)
    assert outcome["settings"]["expected_task_types"] == ["reclone_*"]
    assert outcome["settings"]["timeout"] == 4500
    assert [n["node_id"] for n in outcome["post_checks"]["nodes"]] == ["e01-cn-zvp2tgykr0b"]


# ------------------------------------------------------------------------------------------------------ failures


def test_reclone_failure_ends_with_a_readable_summary(simulator, run_playbook):
    scenario(simulator, durations={"reclone": 3}, fail_nodes=["e01-cn-zvp2tgykr09"])
    run = run_role(run_playbook, simulator, test_entry="reclone", test_input="list",
                   test_start=[reimage_call(["e01-cn-zvp2tgykr08", "e01-cn-zvp2tgykr09"])])

    assert run.rc == 2, run.explain()
    assert [r["task"] for r in run.failed] == [FAIL_TASK]
    task_id = started_ids(run)[0]
    msg = run.task(FAIL_TASK)["result"]["msg"]
    lines = msg.splitlines()
    assert lines[0].startswith("cluster_task: reclone FAILED: the task failed after ")
    assert lines[1] == ("- cluster Standard_Cluster (%s): task %s (reclone_node) execution_fail at step reclone_nodes, updated "
                        % (DEMO_CLUSTER, task_id)) + lines[1].rsplit("updated ", 1)[1]
    assert "    message: Task failed at step reclone_nodes: Reimage node e01-cn-zvp2tgykr09 failed" in msg
    assert "    failed step reclone_nodes (机器替换): execution_failed" in lines
    sub = [line for line in lines if line.startswith("    failed sub-task ")]
    assert len(sub) == 1
    assert sub[0].endswith("(reclone_node_sub_task) at step reclone_nodes on node e01-cn-zvp2tgykr09: execution_fail")
    assert msg.count("Reimage node e01-cn-zvp2tgykr09 failed") == 1  # the task, its step and its sub-task say it: once
    assert lines[-1] == "    nodes: e01-cn-zvp2tgykr08, e01-cn-zvp2tgykr09 (failed: e01-cn-zvp2tgykr09)"
    assert "cluster_task: reclone FAILED" in run.stderr + run.stdout  # shown to the user, not only recorded

    outcome = outcome_of(run)  # set before failing
    assert outcome["status"] == "failure" and outcome["failed"] is True
    assert outcome["failed_task_ids"] == [task_id]
    assert outcome["failed_nodes"] == ["e01-cn-zvp2tgykr09"]
    assert outcome["summary"] == msg
    assert outcome["post_checks"]["ran"] is False
    with pytest.raises(KeyError):
        run.task("Record the outcome")


def test_wrong_task_type_is_an_error_said_at_once(simulator, run_playbook):
    task_id = control_tasks(simulator, task_type="reclone_node", duration_s=600, cluster_id=DEMO_CLUSTER,
                            node_ids=DEMO_NODES[:1])[0]
    run = run_role(run_playbook, simulator, test_entry="main", cluster_task_operation="extend", cluster_task_id=task_id,
                   cluster_task_fail_on_error=False)

    assert run.rc == 0, run.explain()
    outcome = outcome_of(run)
    assert outcome["status"] == "error"  # not "failure": the task did not fail, it is of another type
    assert outcome["failed_task_ids"] == [task_id]
    assert outcome["polls"] == 1  # the type was checked at the first poll, not after waiting
    assert outcome["summary_lines"] == [
        "cluster_task: extend not waited for: a task is of another type, not an extend task (expected extend_*): "
        "%s is a reclone_node task" % task_id]
    assert run.task(REPORT_TASK)["result"]["msg"] == outcome["summary_lines"]
    assert run.task("Record the outcome")["result"]["cluster_task_outcome"]["status"] == "error"


def test_timeout_over_a_list_of_ids_with_the_connection_variable(simulator, run_playbook):
    ids = control_tasks(simulator, task_type="extend_cluster", duration_s=3600, count=2, cluster_id=DEMO_CLUSTER,
                        node_ids=DEMO_NODES[:2])
    run = run_role(run_playbook, simulator, test_entry="extend", cluster_task_ids=ids, cluster_task_timeout=2,
                   cluster_task_fail_on_error=False, test_connection=True)

    assert run.rc == 0, run.explain()
    outcome = outcome_of(run)
    assert outcome["status"] == "timeout"
    assert sorted(outcome["timed_out_task_ids"]) == sorted(ids)
    assert outcome["settings"]["timeout"] == 2
    lines = outcome["summary_lines"]
    assert lines[0] == "cluster_task: extend FAILED: timed out after %s (timeout 2s) with 2 of 2 tasks unfinished" % (
        lines[0].split("timed out after ")[1].split(" (")[0])
    still = [line for line in lines if "still running at step" in line]
    assert len(still) == 2 and all("(extend_cluster)" in line for line in still)


@pytest.mark.parametrize("strict", [True, False])
def test_partial_success_counts_as_failure_unless_allowed(simulator, run_playbook, strict):
    task_id = control_tasks(simulator, task_type="extend_cluster", duration_s=2, outcome="partial", cluster_id=DEMO_CLUSTER,
                            node_ids=DEMO_NODES[:2], fail_nodes=[DEMO_NODES[1]])[0]
    run = run_role(run_playbook, simulator, test_entry="extend", cluster_task_id=task_id,
                   cluster_task_fail_on_sub_task_failure=strict, cluster_task_fail_on_error=False)

    assert run.rc == 0, run.explain()
    outcome = outcome_of(run)
    assert outcome["failed_nodes"] == [DEMO_NODES[1]]
    assert outcome["tasks"][0]["task_state"] == "execution_success"
    if strict:
        assert outcome["status"] == "failure"
        assert any(line.startswith("    failed sub-task ") and "on node %s" % DEMO_NODES[1] in line
                   for line in outcome["summary_lines"])
        assert outcome["post_checks"]["ran"] is False
    else:
        assert outcome["status"] == "success"
        assert any("failed" in w and DEMO_NODES[1] in w for w in outcome["warnings"]), outcome["warnings"]
        assert any(line.startswith("warning: ") for line in outcome["summary_lines"])
        # the node whose sub-task failed is left out of the node post-check
        assert [n["node_id"] for n in outcome["post_checks"]["nodes"]] == [DEMO_NODES[0]]


def test_failed_post_checks_name_the_node(simulator, run_playbook):
    scenario(simulator, durations={"reclone": 3600})  # keeps e01-cn-zvp2tgykr0a Operating
    task_id = control_tasks(simulator, task_type="reclone_node", duration_s=1, cluster_id=DEMO_CLUSTER,
                            node_ids=["e01-cn-zvp2tgykr0a"])[0]
    run = run_role(run_playbook, simulator, test_entry="reclone", test_start=[reimage_call(["e01-cn-zvp2tgykr0a"])],
                   test_input="none", cluster_task_id=task_id, cluster_task_fail_on_error=False)

    assert run.rc == 0, run.explain()
    outcome = outcome_of(run)
    assert outcome["task_ids"] == [task_id]
    assert outcome["status"] == "post_check_failed"
    assert outcome["failed"] is True
    checks = outcome["post_checks"]
    assert checks["ran"] and not checks["ok"]
    assert checks["nodes"] == [{"node_id": "e01-cn-zvp2tgykr0a", "cluster_id": DEMO_CLUSTER, "operating_state": "Operating", "ok": False}]
    assert checks["problems"] == ["1 node of cluster %s not Using: e01-cn-zvp2tgykr0a is Operating" % DEMO_CLUSTER]
    assert outcome["summary_lines"][0].startswith("cluster_task: reclone tasks succeeded (1 task in ")
    assert outcome["summary_lines"][1] == "- " + checks["problems"][0]


def test_failed_post_checks_fail_the_play_by_default(simulator, run_playbook):
    scenario(simulator, durations={"extend": 3600})  # the cluster stays "expanding"
    task_id = control_tasks(simulator, task_type="extend_cluster", duration_s=1, cluster_id=DEMO_CLUSTER, node_count=0)[0]
    run = run_role(run_playbook, simulator, test_entry="extend", test_start=[extend_call()], test_input="none",
                   cluster_task_id=task_id, cluster_task_post_check_retries=1)

    assert run.rc == 2, run.explain()
    msg = run.task(FAIL_TASK)["result"]["msg"]
    assert "post-checks FAILED" in msg
    assert "- cluster Standard_Cluster (%s) is expanding, expected running" % DEMO_CLUSTER in msg.splitlines()
    check = run.task(ROLE + "Check the OperatingState of each cluster")
    assert check["status"] == "ok"  # retried until the attempts ran out, then judged by the outcome
    assert outcome_of(run)["status"] == "post_check_failed"


# -------------------------------------------------------------------------------------- inputs and validation


def test_check_mode_without_task_id_is_skipped(simulator, run_playbook):
    run = run_role(run_playbook, simulator, test_entry="extend", test_start=[extend_call()], test_input="single",
                   check=True)

    assert run.rc == 0, run.explain()
    outcome = outcome_of(run)
    assert outcome["status"] == "skipped" and outcome["failed"] is False
    assert outcome["task_ids"] == []
    assert "check mode" in outcome["summary"]
    by_action = simulator.requests()["by_action"]
    assert "ExtendCluster" not in by_action and "DescribeTask" not in by_action


def test_no_task_id_is_an_error_with_a_hint(simulator, run_playbook):
    run = run_role(run_playbook, simulator, test_entry="reclone")

    assert run.rc == 2, run.explain()
    msg = run.task(FAIL_TASK)["result"]["msg"]
    assert msg.startswith("cluster_task: reclone: no task id to wait for; give cluster_task_id, cluster_task_ids or cluster_task_result")
    assert outcome_of(run)["status"] == "error"


def test_argument_specs_reject_bad_values(simulator, run_playbook):
    run = run_role(run_playbook, simulator, test_entry="initialize", cluster_task_id="i1", cluster_task_timeout="soon")

    assert run.rc == 2, run.explain()
    failed = run.failed[0]
    assert "Validating arguments against arg spec 'initialize'" in failed["task"]
    assert "cluster_task_timeout" in failed["result"]["msg"]

    run = run_role(run_playbook, simulator, test_entry="main", cluster_task_id="i1", cluster_task_operation="cut")
    assert run.rc == 2, run.explain()
    assert "cluster_task_operation" in run.failed[0]["result"]["msg"]


# --------------------------------------------------------------------------------------------------- batch


def test_run_once_waits_for_every_host_in_one_batch(simulator, run_playbook):
    clusters = {
        "cluster-a": {"task_type": "extend_cluster", "duration_s": 2, "cluster_id": DEMO_CLUSTER, "node_ids": DEMO_NODES[:1]},
        "cluster-b": {"task_type": "extend_cluster", "duration_s": 3, "cluster_id": DEMO_CLUSTER, "node_ids": DEMO_NODES[1:2],
                      "via": "var"},
        "cluster-c": {"task_type": "extend_bare_cluster", "duration_s": 2, "outcome": "fail", "node_count": 2},
    }
    run = run_playbook(BATCH_PLAYBOOK, role_vars(simulator, test_clusters=clusters, cluster_task_fail_on_error=False),
                       env=simulator.env)

    assert run.rc == 0, run.explain()
    waits = run.tasks(ROLE + "Wait for the tasks with eflo_task_wait")
    assert [w["host"] for w in waits] == ["cluster-a"]  # one wait, on the first host
    assert run.stdout.count("eflo_task_wait: waiting for 3 tasks") == 1
    started = {r["host"]: r["result"]["json"]["task_ids"][0] for r in run.tasks("Start the task of this cluster")}

    recorded = {r["host"]: r["result"]["cluster_task_outcome"] for r in run.tasks("Record the outcome")}
    assert sorted(recorded) == sorted(clusters)  # the fact reached every host
    outcome = recorded["cluster-b"]
    assert sorted(outcome["task_ids"]) == sorted(started.values())
    assert outcome["status"] == "failure"
    assert outcome["failed_task_ids"] == [started["cluster-c"]]
    assert outcome["hosts"] == {
        "cluster-a": {"task_ids": [started["cluster-a"]], "status": "success"},
        "cluster-b": {"task_ids": [started["cluster-b"]], "status": "success"},
        "cluster-c": {"task_ids": [started["cluster-c"]], "status": "failure"},
    }
    assert outcome["summary_lines"][0].startswith("cluster_task: extend FAILED: 1 of 3 tasks failed after ")
    assert "2 other tasks succeeded: " in outcome["summary_lines"][-1]


# --------------------------------------------------------------------------------------------------- errors


def test_an_error_of_the_wait_is_reported_as_status_error(simulator, run_playbook):
    run = run_role(run_playbook, simulator, test_entry="extend", cluster_task_id="i150000000000000000001",
                   cluster_task_max_rate=0, cluster_task_fail_on_error=False)

    assert run.rc == 0, run.explain()
    outcome = outcome_of(run)
    assert outcome["status"] == "error" and outcome["failed"] is True
    assert outcome["summary_lines"] == ["cluster_task: extend could not be waited for: max_rate must be > 0, got 0.0."]
    assert simulator.requests()["total"] == 0


def test_the_wait_s_error_reaches_the_outcome_and_the_failure(simulator, run_playbook):
    task_id = control_tasks(simulator, task_type="reclone_node", duration_s=600, cluster_id=DEMO_CLUSTER)[0]
    wrong = {"endpoint": simulator.extra_vars["eflo_endpoint"], "region_id": simulator.extra_vars["eflo_region"],
             "access_key_id": simulator.access_key_id, "access_key_secret": "WrongSecretForTheRoleTest000000000"}
    run = run_role(run_playbook, simulator, test_entry="reclone", cluster_task_id=task_id, cluster_task_connection=wrong)

    assert run.rc == 2, run.explain()
    outcome = outcome_of(run)
    assert outcome["status"] == "error" and outcome["failed"] is True  # not "failure": no task failed
    first = run.task(FAIL_TASK)["result"]["msg"].splitlines()[0]
    assert first == outcome["summary_lines"][0]
    assert first.startswith("cluster_task: reclone could not be waited for: eflo_task_wait: polling task %s failed" % task_id)
    assert "SignatureDoesNotMatch" in first and "Check access_key_secret" in first  # the wait's headline and fix
    assert "WrongSecretForTheRoleTest" not in run.stdout + run.stderr


@pytest.mark.parametrize("given, expected", [
    ({"cluster_task_timeout": 0}, "cluster_task_timeout: timeout must be > 0, got 0.0."),
    ({"cluster_task_reclone_timeout": -5}, "cluster_task_reclone_timeout: timeout must be > 0, got -5.0."),
    ({"test_omit_timeout": True}, "cluster_task_timeout is Ansible's omit placeholder (default(omit)), which works for "
                                  "module options only: use default(none) to keep cluster_task_reclone_timeout."),
    ({"cluster_task_id": "extend.task_id"}, "cluster_task_id 'extend.task_id' is not a task id (task ids are letters, digits "
                                           "and '-', such as i156331731670384438138): it is a variable name written without "
                                           "braces: write \"{{ extend.task_id }}\"."),
])
def test_bad_settings_and_ids_are_refused_by_name_before_any_call(simulator, run_playbook, given, expected):
    extra = {"cluster_task_id": "i150000000000000000001"}
    extra.update(given)
    run = run_role(run_playbook, simulator, test_entry="reclone", **extra)

    assert run.rc == 2, run.explain()
    msg = run.task(FAIL_TASK)["result"]["msg"]
    assert msg == "cluster_task: reclone could not be waited for: " + expected
    assert outcome_of(run)["status"] == "error"
    assert simulator.requests()["total"] == 0


def test_a_broken_input_is_rescued_into_the_outcome(simulator, run_playbook):
    run = run_role(run_playbook, simulator, test_entry="extend", cluster_task_batch_hosts=True,
                   cluster_task_batch_var="test_broken", test_broken="{{ no_such_variable }}")

    assert run.rc == 2, run.explain()
    outcome = outcome_of(run)
    assert outcome["status"] == "error"
    assert outcome["task_ids"] == []
    msg = run.task(FAIL_TASK)["result"]["msg"]
    assert msg.startswith("cluster_task: extend could not be waited for: test_broken of host localhost cannot be read: ")
    assert "no_such_variable" in msg
