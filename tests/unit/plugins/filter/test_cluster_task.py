# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the filters of the role cluster_task (settings and ids, post-check plan, outcome)."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

import pytest

from ansible_collections.alibabacloud.eflo.plugins.filter.cluster_task import (
    FilterModule,
    outcome,
    post_check_plan,
    role_input,
)

T1 = "i156331731670384438138"
T2 = "i156331731670384438139"
T3 = "i156331731670384438140"
RECLONE_DEFAULTS = [4500, 20, 90, 120]
UNSET = (None, None, None, None)
OMIT = object()
NODE_FAILED = "Reimage node e01-cn-n9 failed: the node did not report ready within 1800s."


def read(sources: Dict[str, Any], given: Sequence[Any] = UNSET, **kwargs: Any) -> Dict[str, Any]:
    return role_input("reclone", list(given), RECLONE_DEFAULTS, [], sources, omit=OMIT, **kwargs)


def task(task_id: str, state: str = "execution_success", **extra: Any) -> Dict[str, Any]:
    data = {"task_id": task_id, "task_type": "reclone_node", "task_state": state, "cluster_id": "i119", "cluster_name": "c1",
            "node_ids": ["e01-cn-n8", "e01-cn-n9"], "message": "", "steps": [{"step_name": "reclone_nodes"}]}
    data.update(extra)
    return data


def wait(tasks: List[Dict[str, Any]], **ids: Any) -> Dict[str, Any]:
    data = {"tasks": tasks, "succeeded_task_ids": [], "failed_task_ids": [], "timed_out_task_ids": [], "pending_task_ids": [],
            "elapsed": 75.4, "polls": 6, "retries": 0, "warnings": [], "msg": "eflo_task_wait: ...", "failed": True}
    data.update(ids)
    return data


def outcome_of(result: Dict[str, Any], ids: List[str], **kwargs: Any) -> Dict[str, Any]:
    given = read({"cluster_task_ids": ids})
    return outcome(result, "reclone", given=given, plan=post_check_plan(result, {}, ids, False), post_checks=False, **kwargs)


def test_the_filters_are_registered() -> None:
    assert sorted(FilterModule().filters()) == ["cluster_task_input", "cluster_task_outcome", "cluster_task_plan"]


# ------------------------------------------------------------------------------------------------------ input


def test_settings_take_the_generic_variables_over_the_operation_s_own() -> None:
    settings = read({"cluster_task_id": T1}, [None, "5", "", None])["settings"]
    assert settings == {"operation": "reclone", "timeout": 4500, "delay": 5, "max_delay": 90, "heartbeat_interval": 120,
                        "expected_task_types": ["reclone_*"]}
    assert read({}, [2.5, 30, 10, None])["settings"]["max_delay"] == 30  # never below the delay


@pytest.mark.parametrize("given, problem", [
    ([0, None, None, None], "cluster_task_timeout: timeout must be > 0, got 0.0."),
    (["-1", None, None, None], "cluster_task_timeout: timeout must be > 0, got -1.0."),
    (["soon", None, None, None], "cluster_task_timeout is 'soon', not a number of seconds."),
    ([True, None, None, None], "cluster_task_timeout is True, not a number of seconds."),
    ([OMIT, None, None, None], "cluster_task_timeout is Ansible's omit placeholder (default(omit)), which works for module options "
                               "only: use default(none) to keep cluster_task_reclone_timeout."),
    ([None, None, None, -1], "cluster_task_heartbeat_interval: heartbeat_interval must be >= 0, got -1.0."),
    ([None, 0, None, None], "cluster_task_delay: delay must be > 0, got 0.0."),
])
def test_bad_settings_are_named_and_nothing_is_waited_for(given: List[Any], problem: str) -> None:
    assert read({"cluster_task_id": T1}, given) == {"settings": {}, "ids": [], "hosts": {}, "problem": problem}


def test_bad_operation_default_is_named_too() -> None:
    got = role_input("extend", list(UNSET), [0, 30, 120, 180], [], {"cluster_task_id": T1})
    assert got["problem"] == "cluster_task_extend_timeout: timeout must be > 0, got 0.0."


def test_ids_come_from_every_source_once() -> None:
    loop = {"results": [{"task_id": T2}, {"skipped": True}, {"task_id": T1}]}
    got = read({"cluster_task_id": " %s " % T1, "cluster_task_ids": [T3, ""], "cluster_task_result": loop})
    assert got["ids"] == [T1, T3, T2] and got["hosts"] == {} and got["problem"] == ""
    assert read({"cluster_task_result": [{"task_id": T1}, {"changed": False}]})["ids"] == [T1]
    assert read({"cluster_task_id": "", "cluster_task_ids": [], "cluster_task_result": None})["ids"] == []
    clusters = [{"cluster_id": "i1", "task_id": T3}, {"cluster_id": "i2", "task_id": ""}, {"cluster_id": "i3", "task_id": T1}]
    assert read({"cluster_task_id": T1, "cluster_task_cluster_ids": clusters})["ids"] == [T1, T3]  # each cluster's TaskId


def test_an_id_outside_the_alphabet_is_named_with_the_fix() -> None:
    assert read({"cluster_task_result": {"task_id": "extend.task_id"}})["problem"] == (
        "cluster_task_result 'extend.task_id' is not a task id (task ids are letters, digits and '-', such as "
        "i156331731670384438138): it is a variable name written without braces: write \"{{ extend.task_id }}\".")


def test_batch_mode_reads_every_host() -> None:
    hostvars = {"a": {"cluster_task_id": T1}, "b": {"started": {"task_id": T2}, "other": {"task_id": T3}}, "c": {}}
    got = read({"cluster_task_id": T1}, hosts=["a", "b", "c"], hostvars=hostvars, batch_var="started", this_host="a")
    assert got["ids"] == [T1, T2]
    assert got["hosts"] == {"a": [T1], "b": [T2], "c": []}
    bad = read({}, hosts=["b"], hostvars={"b": {"started": {"task_id": "x y"}}}, batch_var="started", this_host="b")
    assert bad["problem"].startswith("started of host b 'x y' is not a task id")


# ------------------------------------------------------------------------------------------------------- plan


def test_plan_leaves_out_the_nodes_of_failed_sub_tasks() -> None:
    result = wait([task(T1), task(T2, cluster_id="i120", node_ids=["e01-cn-m1"])], succeeded_task_ids=[T1, T2])
    plan = post_check_plan(result, {"tasks": [{"task_id": "s9", "node_ids": ["e01-cn-n9"]}]}, [T1, T2], True)
    assert plan == {"run": True, "clusters": ["i119", "i120"], "affected": {"i119": ["e01-cn-n8"], "i120": ["e01-cn-m1"]},
                    "failed_nodes": ["e01-cn-n9"], "sub_task_nodes": {"s9": ["e01-cn-n9"]}}
    assert post_check_plan(wait([task(T1)], succeeded_task_ids=[]), {}, [T1], True)["run"] is False
    assert post_check_plan({"skipped": True}, {}, [], True)["run"] is False


# ---------------------------------------------------------------------------------------------------- outcome


def test_success_with_post_checks() -> None:
    result = wait([task(T1)], succeeded_task_ids=[T1], failed=False)
    plan = post_check_plan(result, {}, [T1], True)
    clusters = {"results": [{"cluster_task__cluster_id": "i119", "response": {"operating_state": "running", "cluster_name": "c1"}}]}
    got = outcome(result, "reclone", given=read({"cluster_task_id": T1}), plan=plan, post_clusters=clusters,
                  node_lists={"results": []}, node_states={"e01-cn-n8": "Using", "e01-cn-n9": "using"})
    assert got["status"] == "success" and got["failed"] is False and got["cluster_ids"] == ["i119"]
    assert got["summary_lines"] == ["cluster_task: reclone succeeded: 1 task on 1 cluster in 1m 15s",
                                    "- cluster c1 (i119): task %s (reclone_node) execution_success, 2 nodes" % T1,
                                    "post-checks passed: 1 cluster running, 2 nodes Using"]
    assert got["post_checks"]["ok"] and got["settings"]["timeout"] == 4500


def test_failed_post_checks_name_clusters_and_nodes() -> None:
    result = wait([task(T1)], succeeded_task_ids=[T1], failed=False)
    clusters = {"results": [{"cluster_task__cluster_id": "i119", "response": {"operating_state": "expanding", "cluster_name": "c1"}}]}
    pages = {"results": [{"cluster_task__cluster_id": "i119", "msg": "HTTP 503"}]}
    got = outcome(result, "reclone", given=read({"cluster_task_id": T1}), plan=post_check_plan(result, {}, [T1], True),
                  post_clusters=clusters, node_lists=pages, node_states={"e01-cn-n8": "Operating"})
    assert got["status"] == "post_check_failed" and got["failed"] is True
    assert got["post_checks"]["problems"] == ["cluster c1 (i119) is expanding, expected running",
                                              "1 node of cluster i119 not Using: e01-cn-n8 is Operating",
                                              "1 node not found in cluster i119: e01-cn-n9",
                                              "ListClusterNodes of i119 failed: HTTP 503"]


def test_failure_says_each_fact_once() -> None:
    failed = task(T1, "execution_fail", message="Task failed at step reclone_nodes: " + NODE_FAILED, update_time="2026-01-01T00:00:00Z",
                  failed_steps=[{"step_name": "reclone_nodes", "stage_tag": "机器替换", "step_state": "execution_failed",
                                 "message": NODE_FAILED}],
                  failed_sub_tasks=[{"task_id": "s9", "task_type": "reclone_node_sub_task", "task_state": "execution_fail",
                                     "step_name": "reclone_nodes", "message": NODE_FAILED}])
    result = wait([failed, task(T2)], failed_task_ids=[T1], succeeded_task_ids=[T2])
    plan = post_check_plan(result, {"tasks": [{"task_id": "s9", "node_ids": ["e01-cn-n9"]}]}, [T1, T2], True)
    got = outcome(result, "reclone", given=read({"cluster_task_ids": [T1, T2]}), plan=plan)
    assert got["status"] == "failure" and got["failed_nodes"] == ["e01-cn-n9"]
    assert got["summary_lines"] == [
        "cluster_task: reclone FAILED: 1 of 2 tasks failed after 1m 15s",
        "- cluster c1 (i119): task %s (reclone_node) execution_fail at step reclone_nodes, updated 2026-01-01T00:00:00Z" % T1,
        "    message: Task failed at step reclone_nodes: " + NODE_FAILED,
        "    failed step reclone_nodes (机器替换): execution_failed",
        "    failed sub-task s9 (reclone_node_sub_task) at step reclone_nodes on node e01-cn-n9: execution_fail",
        "    nodes: e01-cn-n8, e01-cn-n9 (failed: e01-cn-n9)",
        "1 other task succeeded: " + T2,
    ]


def test_timeout_lists_what_is_unfinished() -> None:
    result = wait([task(T1, "running")], timed_out_task_ids=[T1, T2])
    got = outcome_of(result, [T1, T2])
    assert got["status"] == "timeout"
    assert got["summary_lines"] == ["cluster_task: reclone FAILED: timed out after 1m 15s (timeout 1h 15m) with 2 of 2 tasks unfinished",
                                    "- cluster c1 (i119): task %s (reclone_node) still running at step reclone_nodes" % T1,
                                    "    nodes: e01-cn-n8, e01-cn-n9",
                                    "- task %s: no answer" % T2]


def test_the_wait_s_error_is_the_first_line_with_status_error() -> None:
    msg = ("eflo_task_wait: polling task %s failed, the wait stopped after 0s with 0 of 1 task finished: eflo-controller DescribeTask "
           "failed: SignatureDoesNotMatch: Specified signature is not matched with our calculation (HTTP 400, request id R1). "
           "Check access_key_secret: it must be the secret of the same AccessKey pair. (1 poll, 0 retries)" % T1)
    got = outcome_of(wait([{"task_id": T1, "task_state": None}], pending_task_ids=[T1], msg=msg), [T1])
    assert got["status"] == "error" and got["failed"] is True
    assert got["summary_lines"] == ["cluster_task: reclone could not be waited for: " + msg]
    refused = outcome_of({"failed": True, "msg": "max_rate must be > 0, got 0.0."}, [T1])
    assert refused["summary"] == "cluster_task: reclone could not be waited for: max_rate must be > 0, got 0.0."


def test_a_task_of_another_type_is_not_a_failure() -> None:
    result = wait([task(T1, "running", task_type="initialize_cluster")], failed_task_ids=[T1])
    got = outcome_of(result, [T1])
    assert got["status"] == "error"
    assert got["summary_lines"] == ["cluster_task: reclone not waited for: a task is of another type, not a reclone task "
                                    "(expected reclone_*): %s is an initialize_cluster task" % T1]


def test_no_ids_check_mode_and_rescued_errors() -> None:
    assert outcome({"skipped": True}, "extend", given=read({}), check_mode=True)["status"] == "skipped"
    none = outcome({}, "extend", given=read({}), batch_hosts=True)
    assert none["status"] == "error" and none["summary"].startswith("cluster_task: extend: no task id to wait for;")
    assert none["summary"].endswith("or set them on the hosts of the play (cluster_task_batch_hosts)")
    broken = outcome({}, "extend", given={"ids": []}, error="Look up the nodes: boom\n  (details)")
    assert broken["summary"] == "cluster_task: extend could not be waited for: Look up the nodes: boom (details)"
    refused = outcome({}, "extend", given=read({"cluster_task_id": T1}, [0, None, None, None]))
    assert refused["summary"] == "cluster_task: extend could not be waited for: cluster_task_timeout: timeout must be > 0, got 0.0."


def test_batch_mode_gives_each_host_its_status() -> None:
    result = wait([task(T1), task(T2, "execution_fail")], succeeded_task_ids=[T1], failed_task_ids=[T2])
    given = read({}, hosts=["a", "b", "c"], hostvars={"a": {"cluster_task_id": T1}, "b": {"cluster_task_id": T2}, "c": {}},
                 this_host="a")
    got = outcome(result, "reclone", given=given, plan=post_check_plan(result, {}, given["ids"], True), batch_hosts=True)
    assert got["hosts"] == {"a": {"task_ids": [T1], "status": "success"}, "b": {"task_ids": [T2], "status": "failure"},
                            "c": {"task_ids": [], "status": "skipped"}}
