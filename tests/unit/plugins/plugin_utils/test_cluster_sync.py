# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run of eflo_cluster against a scripted ``call`` and ``wait_tasks``: what is called, waited for and returned."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ApiError, ConfigurationError, DeadlineExceeded, TransportError
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.cluster_sync import ClusterRun

CID = "i119982311660892626523"
GA = "i127582271665027208350"
READS = ("ListClusters", "DescribeCluster", "ListNodeGroups", "ListClusterNodes", "ListTagResources")


class FakeService:
    """``call`` for one cluster (or none); mutating calls answer from ``answers`` (a value or an error to raise)."""

    def __init__(self, cluster: Optional[Dict[str, Any]] = None, nodes: List[str] = (), tags: Dict[str, str] = None) -> None:
        self.cluster = cluster
        self.nodes = list(nodes)
        self.tags = tags or {}
        self.calls: List[tuple] = []
        self.answers: Dict[str, Any] = {}
        self.describe: List[Any] = []  # scripted DescribeCluster answers (then self.cluster)

    def __call__(self, action: str, params: Dict[str, Any], idempotent: bool = True) -> Dict[str, Any]:
        self.calls.append((action, params, idempotent))
        if action == "ListClusters":
            return {"Clusters": [self.cluster] if self.cluster else []}
        if action == "DescribeCluster":
            answer = self.describe.pop(0) if self.describe else self.cluster
            if isinstance(answer, Exception):
                raise answer
            if answer is None:
                raise ApiError("not found", code="InvalidClusterId.NotFound", status=404)
            return answer
        if action == "ListNodeGroups":
            return {"Groups": [{"GroupId": GA, "GroupName": "ng-a"}]}
        if action == "ListClusterNodes":
            return {"Nodes": [{"NodeId": n, "NodeGroupId": GA} for n in self.nodes]}
        if action == "ListTagResources":
            return {"TagResources": {"TagResource": [{"ResourceId": CID, "TagKey": k, "TagValue": v} for k, v in self.tags.items()]}}
        answer = self.answers.get(action, {"TaskId": "t-" + action})
        if isinstance(answer, Exception):
            raise answer
        return answer

    def mutating(self) -> List[str]:
        return [action for action, _params, _idem in self.calls if action not in READS]


def cluster(state: str = "running", task_id: str = "") -> Dict[str, Any]:
    return {"ClusterId": CID, "ClusterName": "c", "OperatingState": state, "TaskId": task_id}


def make_run(service: FakeService, waits: List[List[str]], failed: bool = False, timeout: float = 10.0,
             lines: Optional[List[str]] = None, heartbeat_interval: float = 0.0) -> ClusterRun:
    clock = {"now": 0.0}

    def wait_tasks(ids: List[str]) -> Dict[str, Any]:
        waits.append(list(ids))
        return {"failed": failed, "msg": "task failed" if failed else "ok", "tasks": [{"task_id": i} for i in ids]}

    def sleep(seconds: float) -> None:
        clock["now"] += seconds

    return ClusterRun(service, wait_tasks, clock=lambda: clock["now"], sleep=sleep, timeout=timeout, delay=1.0,
                      notify=(lines.append if lines is not None else lambda line: None), heartbeat_interval=heartbeat_interval)


def wanted(**options: Any) -> Dict[str, Any]:
    return dict({"name": "c", "state": "present", "purge_tags": True, "purge_nodes": False, "wait": True}, **options)


def group(*node_ids: str) -> List[Dict[str, Any]]:
    return [{"name": "ng-a", "nodes": [{"node_id": n} for n in node_ids]}]


def test_create_then_wait_and_describe():
    service, waits = FakeService(), []
    service.answers["CreateCluster"] = {"ClusterId": CID, "TaskId": "t1"}
    run = make_run(service, waits)
    original = service.__call__

    def call(action, params, idempotent=True):  # the cluster exists once created
        if action == "CreateCluster":
            service.cluster = cluster()
        return original(action, params, idempotent)

    run.call = call
    outcome = run.run(wanted(node_groups=group("n1")), check_mode=False)
    result = outcome.to_result(check_mode=False)
    assert result["changed"] and result["task_ids"] == ["t1"] and waits == [["t1"]]
    assert result["cluster"]["cluster_id"] == CID and result["cluster"]["node_groups"][0]["node_group_name"] == "ng-a"
    assert [c[2] for c in service.calls if c[0] == "CreateCluster"] == [False]  # never retried once sent


def test_check_mode_and_second_run_make_no_mutating_call():
    service, waits = FakeService(cluster(), ["n1"], {"a": "1"}), []
    checked = make_run(service, waits).run(wanted(node_groups=group("n1", "n2"), tags={"a": "2"}), check_mode=True)
    result = checked.to_result(check_mode=True)
    assert result["changed"] and [s["action"] for s in result["plan"]] == ["ExtendCluster", "TagResources"]
    assert "Check mode: 2 call(s) would be made" in result["msg"]
    same = make_run(service, waits).run(wanted(node_groups=group("n1"), tags={"a": "1"}), check_mode=False)
    assert not same.to_result(False)["changed"]
    assert service.mutating() == [] and waits == []
    assert sorted(c[0] for c in service.calls[-5:]) == sorted(READS)


def test_two_clusters_with_the_name_fail_with_their_ids():
    service = FakeService(cluster())
    service.cluster = None
    run = make_run(service, [])
    run.call = lambda action, params, idempotent=True: {"Clusters": [cluster(), dict(cluster(), ClusterId="i2")]}
    with pytest.raises(ConfigurationError, match=r"2 clusters are named c \(%s, i2\)" % CID):
        run.run(wanted(), check_mode=False)


def test_a_busy_cluster_is_waited_for_then_planned():
    service, waits = FakeService(cluster(), ["n1"]), []
    service.describe = [cluster("expanding", "t0")]
    outcome = make_run(service, waits).run(wanted(node_groups=group("n1")), check_mode=False)
    assert waits == [["t0"]] and outcome.resumed_task_id == "t0" and not outcome.plan.changed
    assert outcome.to_result(False)["resumed_task_id"] == "t0" and outcome.tasks == [{"task_id": "t0"}]


def test_check_mode_does_not_wait_for_a_busy_cluster_and_says_so():
    service, waits = FakeService(cluster("expanding", "t0"), ["n1"]), []
    result = make_run(service, waits).run(wanted(node_groups=group("n1")), check_mode=True).to_result(True)
    assert waits == [] and "task t0" in result["warnings"][0] and not result["changed"]


def test_shrink_is_waited_for_before_extend_even_without_wait():
    service, waits = FakeService(cluster(), ["n1", "n2"]), []
    outcome = make_run(service, waits).run(wanted(node_groups=group("n1", "n3"), purge_nodes=True, wait=False), check_mode=False)
    assert service.mutating() == ["ShrinkCluster", "ExtendCluster"]
    assert waits == [["t-ShrinkCluster"]] and outcome.task_ids == ["t-ShrinkCluster", "t-ExtendCluster"]


def test_a_failed_wait_stops_the_run():
    service, waits = FakeService(cluster(), ["n1", "n2"]), []
    outcome = make_run(service, waits, failed=True).run(wanted(node_groups=group("n1", "n3"), purge_nodes=True), check_mode=False)
    result = outcome.to_result(False)
    assert service.mutating() == ["ShrinkCluster"] and result["failed"] and result["changed"] and result["msg"] == "task failed"


def test_a_call_failing_after_a_change_reports_changed_and_what_failed():
    service = FakeService(cluster(), ["n1"])
    service.answers["TagResources"] = ApiError("refused", code="Forbidden", status=403)
    result = make_run(service, []).run(wanted(node_groups=group("n1", "n2"), tags={"a": "1"}), check_mode=False).to_result(False)
    assert result["failed"] and result["changed"] and result["msg"].startswith("TagResources failed after 1 call(s)")
    first = FakeService(cluster(), ["n1"])
    first.answers["ExtendCluster"] = ApiError("refused", code="Forbidden", status=403)
    with pytest.raises(ApiError):
        make_run(first, []).run(wanted(node_groups=group("n1", "n2")), check_mode=False)


def test_an_answer_without_task_id_is_an_error():
    service = FakeService(cluster(), ["n1"])
    service.answers["ExtendCluster"] = {"RequestId": "r"}
    with pytest.raises(ApiError, match="without a TaskId"):
        make_run(service, []).run(wanted(node_groups=group("n1", "n2")), check_mode=False)


def test_absent_waits_until_not_found_riding_out_retryable_errors():
    service = FakeService(cluster())
    service.describe = [cluster(), cluster("deleting"), TransportError("reset", kind="network"), cluster("deleting"), None]
    outcome = make_run(service, []).run(wanted(state="absent"), check_mode=False)
    assert service.mutating() == ["DeleteCluster"] and outcome.to_result(False)["cluster"] == {}
    assert [c[2] for c in service.calls if c[0] == "DeleteCluster"] == [False]


def test_absent_times_out_naming_the_state_and_a_fatal_error_ends_at_once():
    service = FakeService(cluster())
    with pytest.raises(DeadlineExceeded, match="still exists 3 s after DeleteCluster"):
        make_run(service, [], timeout=3).run(wanted(state="absent"), check_mode=False)
    forbidden = FakeService(cluster())
    forbidden.describe = [cluster(), ApiError("no", code="Forbidden.RAM", status=403)]
    with pytest.raises(ApiError, match="no"):
        make_run(forbidden, []).run(wanted(state="absent"), check_mode=False)


def test_absent_while_deleting_only_waits():
    service = FakeService(cluster("deleting"))
    service.describe = [cluster("deleting"), cluster("deleting"), None]
    outcome = make_run(service, []).run(wanted(state="absent"), check_mode=False)
    assert service.mutating() == [] and not outcome.plan.changed and outcome.cluster == {}
    assert [c[0] for c in service.calls].count("DescribeCluster") == 3


def test_the_deletion_wait_shows_its_start_heartbeats_and_end():
    service, lines = FakeService(cluster()), []
    service.describe = [cluster()] + [cluster("deleting")] * 5 + [None]
    make_run(service, [], lines=lines, heartbeat_interval=2.0).run(wanted(state="absent"), check_mode=False)
    assert lines == [
        "eflo_cluster: waiting until cluster %s is gone (timeout 10s)" % CID,
        "eflo_cluster: cluster %s still deleting after 2s" % CID,
        "eflo_cluster: cluster %s still deleting after 4s" % CID,
        "eflo_cluster: cluster %s is gone after 5s" % CID,
    ]


def test_a_failed_resumed_task_fails_the_run_before_any_plan():
    service, waits = FakeService(cluster("initializing", "t0")), []
    result = make_run(service, waits, failed=True).run(wanted(node_groups=group("n1")), check_mode=False).to_result(False)
    assert result["failed"] and not result["changed"] and result["resumed_task_id"] == "t0" and service.mutating() == []


def test_absent_twice_and_a_missing_cluster_id():
    service = FakeService(None)
    assert not make_run(service, []).run(wanted(state="absent"), check_mode=False).plan.changed
    assert not make_run(service, []).run({"cluster_id": "i404", "state": "absent"}, check_mode=False).plan.changed
    assert service.mutating() == []
