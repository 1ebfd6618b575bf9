# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""eflo_api, run through main() against the fake eflo-controller of fake_service.py (real HttpxWire, fake transport)."""

from __future__ import annotations

import json
from typing import Any, Dict
from urllib.parse import parse_qsl

import pytest

from ansible_collections.alibabacloud.eflo.plugins.modules import eflo_api
from ansible_collections.alibabacloud.eflo.tests.unit.plugins.modules.eflo_module_helpers import (  # pylint: disable=import-error
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    fixture_body,
)

MAIN = eflo_api.main


def args(**extra: Any) -> Dict[str, Any]:
    base: Dict[str, Any] = {
        "access_key_id": ACCESS_KEY_ID,
        "access_key_secret": ACCESS_KEY_SECRET,
        "endpoint": "http://127.0.0.1:9",
    }
    base.update(extra)
    return base


def test_read_only_action_returns_snake_case_response(fake_eflo, run_module) -> None:
    fake_eflo.answers["DescribeCluster"] = fixture_body("describe_cluster.json")
    rc, result, _out = run_module(MAIN, args(action="DescribeCluster", params={"ClusterId": "i119982311660892626523"}))
    assert rc == 0, result
    assert result["changed"] is False
    assert result["action"] == "DescribeCluster"
    body = fixture_body("describe_cluster.json")
    assert result["request_id"] == body["RequestId"]
    assert result["response"]["request_id"] == body["RequestId"]
    assert result["response"]["cluster_id"] == body["ClusterId"]
    assert all(key == key.lower() for key in result["response"])
    assert fake_eflo.requests[0][1]["ClusterId"] == "i119982311660892626523"
    assert result["credentials_source"]


def test_mutating_action_reports_changed_and_returns_the_task_id(fake_eflo, run_module) -> None:
    fake_eflo.answers["ExtendCluster"] = {"RequestId": "R-EXT", "TaskId": "i159136551662516768776"}
    params = {
        "ClusterId": "i1",
        "IgnoreFailedNodeTasks": True,
        "NodeGroups": [{"NodeGroupId": "ng-1", "Nodes": [{"NodeId": "e01-cn-1", "Hostname": "gpu-1"}]}],
    }
    rc, result, _out = run_module(MAIN, args(action="ExtendCluster", params=params))
    assert rc == 0, result
    assert result["changed"] is True
    assert result["task_id"] == "i159136551662516768776"
    assert result["response"] == {"request_id": "R-EXT", "task_id": "i159136551662516768776"}
    sent = fake_eflo.requests[0][1]
    assert json.loads(sent["NodeGroups"]) == params["NodeGroups"]  # shrunk to compact JSON
    assert sent["NodeGroups"] == '[{"NodeGroupId":"ng-1","Nodes":[{"NodeId":"e01-cn-1","Hostname":"gpu-1"}]}]'
    assert sent["IgnoreFailedNodeTasks"].lower() == "true"


def test_list_parameters_are_flattened_and_routed_to_the_query(fake_eflo, run_module) -> None:
    fake_eflo.answers["ListClusterNodes"] = fixture_body("list_cluster_nodes.json")
    params = {"ClusterId": "i1", "OperatingStates": ["Using", "Extending"], "Tags": [{"Key": "k 1", "Value": "v*1"}]}
    rc, result, _out = run_module(MAIN, args(action="ListClusterNodes", params=params))
    assert rc == 0, result
    assert result["changed"] is False
    _action, sent, request = fake_eflo.requests[0]
    assert sent["OperatingStates.1"] == "Using" and sent["OperatingStates.2"] == "Extending"
    assert dict(parse_qsl(request.url.query.decode())) == {"Tags.1.Key": "k 1", "Tags.1.Value": "v*1"}
    assert "ClusterId" in request.content.decode()


def test_mutating_action_is_not_sent_in_check_mode(fake_eflo, run_module) -> None:
    rc, result, _out = run_module(MAIN, args(action="ReimageNodes", params={"ClusterId": "i1"}, _ansible_check_mode=True))
    assert rc == 0, result
    assert result["changed"] is True
    assert "not sent" in result["msg"] and "ReimageNodes" in result["msg"]
    assert result["task_id"] == "" and "response" not in result
    assert fake_eflo.requests == []


def test_read_only_action_runs_in_check_mode(fake_eflo, run_module) -> None:
    fake_eflo.answers["ListClusters"] = {"RequestId": "R-L", "Clusters": [], "NextToken": ""}
    rc, result, _out = run_module(MAIN, args(action="ListClusters", _ansible_check_mode=True))
    assert rc == 0, result
    assert result["changed"] is False
    assert result["response"] == {"request_id": "R-L", "clusters": [], "next_token": ""}
    assert fake_eflo.actions() == ["ListClusters"]


@pytest.mark.parametrize("action", ["describeTask", "Describe-Task", "Describe Task", "", "D", "DescribeTask;rm"])
def test_invalid_action_names_are_refused(fake_eflo, run_module, action) -> None:
    rc, result, _out = run_module(MAIN, args(action=action))
    assert rc == 1
    assert "not a valid eflo-controller API name" in result["msg"]
    assert fake_eflo.requests == []


def test_mutating_action_is_never_retried_after_a_server_error(fake_eflo, run_module) -> None:
    fake_eflo.errors["ExtendCluster"] = (503, {"RequestId": "R-503", "Code": "ServiceUnavailable",
                                               "Message": "The request has failed due to a temporary failure of the server."})
    rc, result, _out = run_module(MAIN, args(action="ExtendCluster", params={"ClusterId": "i1"}, retries=3))
    assert rc == 1
    assert "ServiceUnavailable" in result["msg"]
    assert "so it was not retried" in result["msg"]
    assert fake_eflo.actions() == ["ExtendCluster"]


@pytest.mark.parametrize("code", ["Rejected.Throttling", "Throttling.User", "InternalDependencyError.RequestLimitExceeded"])
def test_throttled_mutating_action_is_retried_and_says_so(fake_eflo, run_module, code) -> None:
    fake_eflo.errors["ShrinkCluster"] = (400, {"RequestId": "R-T", "Code": code, "Message": "Request was denied due to flow control."})
    rc, result, _out = run_module(MAIN, args(action="ShrinkCluster", params={"ClusterId": "i1"}, retries=2))
    assert rc == 1
    assert fake_eflo.actions() == ["ShrinkCluster"] * 3
    assert "Gave up after 2 retries." in result["msg"] and "not retried" not in result["msg"]
    assert "The API rate limit was hit" in result["msg"]


def test_read_only_action_returns_no_top_level_task_id(fake_eflo, run_module) -> None:
    fake_eflo.answers["DescribeCluster"] = dict(fixture_body("describe_cluster.json"), TaskId="i159136551662516768776")
    rc, result, _out = run_module(MAIN, args(action="DescribeCluster", params={"ClusterId": "i1"}))
    assert rc == 0, result
    assert "task_id" not in result  # the cluster's last task, not one this call started
    assert result["response"]["task_id"] == "i159136551662516768776"


def test_read_only_action_is_retried_after_a_server_error(fake_eflo, run_module) -> None:
    fake_eflo.errors["DescribeCluster"] = (503, {"RequestId": "R-503", "Code": "ServiceUnavailable", "Message": "busy"})
    rc, result, _out = run_module(MAIN, args(action="DescribeCluster", params={"ClusterId": "i1"}, retries=2))
    assert rc == 1
    assert fake_eflo.actions() == ["DescribeCluster"] * 3
    assert result["error"]["code"] == "ServiceUnavailable"


def test_password_like_params_are_masked_everywhere(fake_eflo, run_module) -> None:
    fake_eflo.answers["ReimageNodes"] = {"RequestId": "R-RI", "TaskId": "i7"}
    password = "NodeLoginPassw0rd!xyz"
    params = {"ClusterId": "i1", "Nodes": [{"NodeId": "e01-cn-1", "LoginPassword": password}]}
    rc, result, out = run_module(MAIN, args(action="ReimageNodes", params=params))
    assert rc == 0, result
    assert password not in out
    assert ACCESS_KEY_SECRET not in out
    assert password in fake_eflo.requests[0][1]["Nodes"]  # it was sent, only hidden from the output
    assert result["task_id"] == "i7"


def test_unsendable_parameter_fails_before_any_call_also_in_check_mode(fake_eflo, run_module) -> None:
    rc, result, _out = run_module(MAIN, args(action="ExtendCluster", params={"Amount": float("nan")}, _ansible_check_mode=True))
    assert rc == 1
    assert "Amount" in result["msg"]
    assert fake_eflo.requests == []


def test_unknown_action_gives_the_server_error(fake_eflo, run_module) -> None:
    rc, result, _out = run_module(MAIN, args(action="DescribeNothing"))
    assert rc == 1
    assert "InvalidApi.NotFound" in result["msg"]
    assert result["error"]["http_status"] == 404


def test_empty_task_id_in_answer_is_not_returned(fake_eflo, run_module) -> None:
    fake_eflo.answers["UpdateNodeGroup"] = {"RequestId": "R-U", "TaskId": ""}
    rc, result, _out = run_module(MAIN, args(action="UpdateNodeGroup", params={"NodeGroupId": "ng"}))
    assert rc == 0, result
    assert "task_id" not in result
    assert result["changed"] is True


def test_read_only_prefixes() -> None:
    assert eflo_api.is_read_only("DescribeTask")
    assert eflo_api.is_read_only("ListClusterNodes")
    assert eflo_api.is_read_only("GetNodeInfo")
    assert not eflo_api.is_read_only("CreateCluster")
    assert not eflo_api.is_read_only("RebootNodes")


def test_password_is_masked_even_when_argument_validation_fails(fake_eflo, run_module) -> None:
    password = "AnotherPassw0rd!value"
    rc, result, out = run_module(MAIN, args(action="ReimageNodes", bogus_option=1,
                                            params={"Nodes": [{"NodeId": "n", "LoginPassword": password}]}))
    assert rc == 1
    assert "bogus_option" in result["msg"]
    assert password not in out
    assert fake_eflo.requests == []
