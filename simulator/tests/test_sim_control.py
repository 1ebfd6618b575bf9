"""The unsigned control API under /_sim/: tasks, request counts, faults, throttle, scenario, clock, reset."""

from __future__ import annotations

import http.client
import json
import time
import uuid

import pytest

from eflo_simulator import DEMO_STS_ACCESS_KEY_ID, DEMO_STS_ACCESS_KEY_SECRET, DEMO_STS_SECURITY_TOKEN
from eflo_simulator.faults import FAULT_KINDS
from eflo_simulator.testing import Sim


def test_health_reports_url_and_seed(sim: Sim) -> None:
    health = sim.control("GET", "/_sim/health")
    assert health["ok"] is True and health["url"] == sim.url and health["seed"] == 7


def test_create_and_inspect_tasks(sim: Sim) -> None:
    ids = sim.create_tasks(task_type="extend_cluster", count=3, duration_s=50, outcome="partial", node_count=4, cluster_id="i119982311660892626523")
    assert len(set(ids)) == 3
    listed = sim.control("GET", "/_sim/tasks")["tasks"]
    assert {t["task_id"] for t in listed} == set(ids)
    detail = sim.control("GET", "/_sim/tasks/" + ids[0])
    assert detail["task_type"] == "extend_cluster" and detail["outcome"] == "partial" and len(detail["node_ids"]) == 4
    assert detail["cluster_id"] == "i119982311660892626523"
    assert detail["describe_task"]["ClusterName"] == "Standard_Cluster"
    assert [s["step_name"] for s in detail["steps"]][2] == "init_nodes"
    assert sim.http("GET", "/_sim/tasks/i1nothere").status == 404


def test_request_counts_by_action_and_outcome(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    for _unused in range(3):
        sim.describe(task_id)
    sim.call("ListClusters")
    sim.call("ListClusters", secret="wrong")
    counts = sim.control("GET", "/_sim/requests")
    assert counts["by_action"] == {"DescribeTask": {"success": 3}, "ListClusters": {"success": 1, "SignatureDoesNotMatch": 1}}
    assert counts["total"] == 5
    assert sum(count for _second, count in counts["per_second"]) == 5
    assert 1 <= counts["peak_1s"] <= 5 and counts["first_at"] <= counts["peak_1s_at"] <= counts["last_at"]
    assert sim.control("DELETE", "/_sim/requests") == {
        "total": 0, "by_action": {}, "per_second": [], "peak_1s": 0, "peak_1s_at": None, "first_at": None, "last_at": None,
    }


def test_request_rate_per_second_and_peak(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    before = time.time()
    for _unused in range(12):
        sim.describe(task_id)
    after = time.time()
    counts = sim.control("GET", "/_sim/requests")
    seconds = [second for second, _count in counts["per_second"]]
    assert seconds == sorted(seconds) and int(before) <= seconds[0] and seconds[-1] <= int(after)
    assert sum(count for _second, count in counts["per_second"]) == 12
    if after - before < 1.0:  # 12 requests within one second: that second window holds all of them
        assert counts["peak_1s"] == 12
    assert before <= counts["first_at"] <= counts["last_at"] <= after
    assert counts["peak_1s"] >= max(count for _second, count in counts["per_second"])


def test_reset_forgets_everything(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    sim.control("PUT", "/_sim/faults", {"rate": 0.5, "kinds": ["http_500"]})
    sim.control("PUT", "/_sim/throttle", {"qps": 1})
    sim.control("PUT", "/_sim/scenario", {"fail_nodes": ["e01-cn-zvp2tgykr08"]})
    sim.control("POST", "/_sim/reset")
    assert sim.control("GET", "/_sim/tasks")["tasks"] == []
    assert sim.call("DescribeTask", {"TaskId": task_id}).status == 404
    assert sim.control("GET", "/_sim/faults")["rate"] == 0.0
    assert sim.control("GET", "/_sim/throttle")["qps"] is None
    assert sim.control("GET", "/_sim/scenario")["fail_nodes"] == []
    assert sim.control("GET", "/_sim/requests")["total"] == 1


def test_clock_pin_and_advance(sim: Sim) -> None:
    pinned = sim.control("PUT", "/_sim/clock", {"now": "2024-05-20T08:00:00Z"})
    assert abs(pinned["wall"] - 1716192000) < 5
    before = sim.control("GET", "/_sim/clock")["simulated"]
    after = sim.control("PUT", "/_sim/clock", {"advance_s": 3600})["simulated"]
    assert after - before >= 3600
    assert sim.http("PUT", "/_sim/clock", json.dumps({"now": "yesterday"}).encode()).status == 400
    assert sim.http("PUT", "/_sim/clock", json.dumps({"advance_s": -5}).encode()).status == 400


def test_scenario_validation_and_echo(sim: Sim) -> None:
    scenario = sim.control("PUT", "/_sim/scenario", {"fail_nodes": ["a"], "fail_mode": "partial", "durations": {"reclone": 30}, "waiting_s": 0})
    assert scenario == {
        "fail_nodes": ["a"],
        "fail_mode": "partial",
        "fail_actions": {},
        "durations": {"reclone": 30.0},
        "waiting_s": 0.0,
        "not_found_for_s": 0.0,
    }
    assert sim.http("PUT", "/_sim/scenario", json.dumps({"fail_mode": "sometimes"}).encode()).status == 400
    # a PUT merges: keys left out keep their values, a key given replaces its whole value
    merged = sim.control("PUT", "/_sim/scenario", {"durations": {"reboot": 5}})
    assert merged == dict(scenario, durations={"reboot": 5.0})
    assert sim.control("DELETE", "/_sim/scenario")["fail_nodes"] == []


def test_control_errors(sim: Sim) -> None:
    assert sim.http("GET", "/_sim/nothing").status == 404
    assert sim.http("PUT", "/_sim/faults", b"[1, 2]").status == 400
    assert sim.http("PUT", "/_sim/faults", b"{not json").status == 400
    bad = sim.http("PUT", "/_sim/faults", json.dumps({"rate": 1, "kinds": ["meteor"]}).encode())
    assert bad.status == 400 and "meteor" in bad.json["error"]
    assert sim.http("PUT", "/_sim/quirks", json.dumps({"kinds": ["odd"]}).encode()).status == 400


def test_credentials_listing_never_shows_secrets(sim: Sim) -> None:
    listing = sim.control("POST", "/_sim/credentials", {"access_key_id": "LTAI5tExtra", "access_key_secret": "ExtraSecretValue"})
    text = json.dumps(listing)
    assert "LTAI5tExtra" in text and "ExtraSecretValue" not in text and DEMO_STS_SECURITY_TOKEN not in text
    assert sim.call("ListClusters", access_key_id="LTAI5tExtra", secret="ExtraSecretValue").status == 200


# ---- faults ------------------------------------------------------------------------------------------------------


def _one_fault(sim: Sim, kind: str, **extra: object) -> None:
    sim.control("PUT", "/_sim/faults", dict({"rate": 1.0, "kinds": [kind], "count": 1}, **extra))


@pytest.mark.parametrize(
    "kind,status,code",
    [
        ("http_500", 500, "InternalError"),
        ("http_503", 503, "ServiceUnavailable"),
        ("throttling", 400, "Throttling.User"),
        ("throttling_retry_after", 400, "Throttling.User"),
    ],
)
def test_json_error_faults(sim: Sim, kind: str, status: int, code: str) -> None:
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    _one_fault(sim, kind, retry_after_ms=1500)
    answer = sim.call("DescribeTask", {"TaskId": task_id})
    assert (answer.status, answer.json["Code"]) == (status, code)
    assert set(answer.json) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert answer.headers.get("x-acs-retry-after") == ("1500" if kind == "throttling_retry_after" else None)
    assert sim.call("DescribeTask", {"TaskId": task_id}).status == 200  # count was 1
    counts = sim.control("GET", "/_sim/requests")["by_action"]["DescribeTask"]
    assert counts == {"fault." + kind: 1, "success": 1}


def test_fault_before_auth_keeps_the_nonce_usable(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    _one_fault(sim, "http_503")
    nonce = uuid.uuid4().hex
    assert sim.call("DescribeTask", {"TaskId": task_id}, nonce=nonce).status == 503
    assert sim.call("DescribeTask", {"TaskId": task_id}, nonce=nonce).status == 200


def test_html_502(sim: Sim) -> None:
    _one_fault(sim, "html_502")
    answer = sim.call("ListClusters")
    assert answer.status == 502 and answer.headers["content-type"].startswith("text/html")
    assert b"502 Bad Gateway" in answer.raw


def test_truncated_json_still_runs_the_action(sim: Sim) -> None:
    _one_fault(sim, "truncated_json", actions=["RebootNodes"])
    answer = sim.call("RebootNodes", {"ClusterId": "i119982311660892626523", "Nodes": '["e01-cn-zvp2tgykr08"]'})
    assert answer.status == 200
    with pytest.raises(ValueError):
        json.loads(answer.raw)
    assert len(sim.control("GET", "/_sim/tasks")["tasks"]) == 1


def test_error_code_info_envelope(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    _one_fault(sim, "error_code_info")
    body = sim.call("DescribeTask", {"TaskId": task_id}).json
    assert body["ErrorCodeInfo"]["Success"] is False and "TaskState" not in body


def test_slow_answer_is_a_normal_answer(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    _one_fault(sim, "slow", delay_s=0.2)
    assert sim.describe(task_id)["TaskType"] == "reboot_node"
    assert sim.control("GET", "/_sim/requests")["by_action"]["DescribeTask"] == {"fault.slow": 1}


def test_connection_reset(sim: Sim) -> None:
    _one_fault(sim, "connection_reset")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine)):
        sim.call("ListClusters")
    assert sim.call("ListClusters").status == 200
    assert sim.control("GET", "/_sim/faults")["injected"] == {"connection_reset": 1}


def test_faults_limited_to_actions_and_rate_zero(sim: Sim) -> None:
    sim.control("PUT", "/_sim/faults", {"rate": 1.0, "kinds": ["http_500"], "actions": ["DescribeCluster"]})
    assert sim.call("ListClusters").status == 200
    assert sim.call("DescribeCluster", {"ClusterId": "i119982311660892626523"}).status == 500
    sim.control("DELETE", "/_sim/faults")
    assert sim.call("DescribeCluster", {"ClusterId": "i119982311660892626523"}).status == 200


def test_fault_rate_mixes_kinds(sim: Sim) -> None:
    sim.control("PUT", "/_sim/faults", {"rate": 0.5, "kinds": ["http_500", "http_503"]})
    statuses = [sim.call("ListClusters").status for _unused in range(40)]
    assert set(statuses) == {200, 500, 503}


def test_every_documented_fault_kind_is_accepted(sim: Sim) -> None:
    config = sim.control("PUT", "/_sim/faults", {"rate": 0.1, "kinds": list(FAULT_KINDS)})
    assert config["kinds"] == list(FAULT_KINDS)


# ---- throttle ----------------------------------------------------------------------------------------------------


def test_throttle_per_key_and_action(sim: Sim) -> None:
    sim.control("PUT", "/_sim/throttle", {"qps": 0.001, "burst": 2, "retry_after_ms": 2000})
    assert [sim.call("ListClusters").status for _unused in range(2)] == [200, 200]
    throttled = sim.call("ListClusters")
    assert (throttled.status, throttled.json["Code"]) == (400, "Throttling.User")
    assert throttled.headers["x-acs-retry-after"] == "2000"
    assert sim.call("DescribeCluster", {"ClusterId": "i119982311660892626523"}).status == 200  # other action
    sts = dict(access_key_id=DEMO_STS_ACCESS_KEY_ID, secret=DEMO_STS_ACCESS_KEY_SECRET, token=DEMO_STS_SECURITY_TOKEN)
    assert sim.call("ListClusters", **sts).status == 200  # other key
    counts = sim.control("GET", "/_sim/requests")["by_action"]["ListClusters"]
    assert counts == {"success": 3, "Throttling.User": 1}
    sim.control("PUT", "/_sim/throttle", {"qps": None})
    assert sim.call("ListClusters").status == 200


def test_throttle_without_retry_after_and_api_code(sim: Sim) -> None:
    sim.control("PUT", "/_sim/throttle", {"qps": 0.001, "code": "Throttling.Api"})
    sim.call("ListClusters")
    throttled = sim.call("ListClusters")
    assert throttled.json["Code"] == "Throttling.Api" and "x-acs-retry-after" not in throttled.headers
