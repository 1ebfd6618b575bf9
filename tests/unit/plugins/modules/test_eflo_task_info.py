# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""eflo_task_info, run through main() against the fake eflo-controller of fake_service.py (real HttpxWire, fake transport)."""

from __future__ import annotations

import json
import pathlib
from typing import Any, Dict

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils import ansible_module
from ansible_collections.alibabacloud.eflo.plugins.modules import eflo_task_info
from ansible_collections.alibabacloud.eflo.tests.unit.plugins.modules.eflo_module_helpers import (  # pylint: disable=import-error
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    SECURITY_TOKEN,
    fixture_body,
)

MAIN = eflo_task_info.main
TASK_KEYS = {
    "task_id", "exists", "task_type", "task_state", "cluster_id", "cluster_name", "message", "node_ids", "create_time",
    "update_time", "steps", "request_id", "is_finished", "is_succeeded", "failed_steps", "failed_sub_tasks",
}


def args(**extra: Any) -> Dict[str, Any]:
    base: Dict[str, Any] = {
        "access_key_id": ACCESS_KEY_ID,
        "access_key_secret": ACCESS_KEY_SECRET,
        "endpoint": "http://127.0.0.1:9",
    }
    base.update(extra)
    return base


def test_one_task_is_returned_as_the_documented_snake_case_dict(fake_eflo, run_module) -> None:
    fake_eflo.tasks["i156331731670384438138"] = fixture_body("describe_task_reference_8_5.json")
    rc, result, _out = run_module(MAIN, args(task_id="i156331731670384438138"))
    assert rc == 0, result
    assert result["changed"] is False
    assert result["credentials_source"]
    [task] = result["tasks"]
    assert set(task) == TASK_KEYS
    assert task["task_id"] == "i156331731670384438138"
    assert task["exists"] is True
    assert task["task_type"] == "cut_cluster"
    assert task["task_state"] == "running"
    assert task["is_finished"] is False and task["is_succeeded"] is False
    assert task["node_ids"] == ["e01-cn-zvp2tgykr08"]
    assert task["create_time"] == "2022-11-30T02:00:00.852Z"
    assert task["steps"][0]["start_time"] == "2022-11-30T02:00:00.852Z"  # one-digit hour normalised
    assert task["steps"][0]["sub_tasks"][0]["task_id"] == "i158805051661047928377"
    assert task["request_id"] == "A7FD7411-9395-52E8-AF42-EB3A4A55446D"
    assert "query_result" not in result and "missing_task_ids" not in result
    assert fake_eflo.actions() == ["DescribeTask"]
    assert fake_eflo.requests[0][1]["TaskId"] == "i156331731670384438138"
    assert fake_eflo.access_key_ids() == [ACCESS_KEY_ID]


def test_task_ids_keep_order_and_repeats_are_queried_once(fake_eflo, run_module) -> None:
    fake_eflo.tasks["i2"] = fixture_body("describe_task_partial_success.json")
    fake_eflo.tasks["i1"] = fixture_body("describe_task_seed.json")
    rc, result, _out = run_module(MAIN, args(task_ids=["i2", " i1 ", "i2"]))
    assert rc == 0, result
    assert [task["task_id"] for task in result["tasks"]] == ["i2", "i1"]
    assert [p["TaskId"] for _a, p, _r in fake_eflo.requests] == ["i2", "i1"]
    partial = result["tasks"][0]
    assert partial["is_succeeded"] is True
    assert [sub["task_id"] for sub in partial["failed_sub_tasks"]] == ["i3"]
    assert partial["failed_sub_tasks"][0]["step_name"] == "reclone"


def test_query_is_applied_to_each_task(fake_eflo, run_module) -> None:
    fake_eflo.tasks["i2"] = fixture_body("describe_task_partial_success.json")
    fake_eflo.tasks["i1"] = fixture_body("describe_task_reference_8_5.json")
    query = "{id: task_id, state: task_state, failed: failed_sub_tasks[].task_id}"
    rc, result, _out = run_module(MAIN, args(task_ids=["i1", "i2"], query=query))
    assert rc == 0, result
    assert result["query_result"] == [
        {"id": "i1", "state": "running", "failed": []},
        {"id": "i2", "state": "execution_success", "failed": ["i3"]},
    ]


def test_an_answer_with_only_a_lower_camel_task_state_is_a_task(fake_eflo, run_module) -> None:
    fake_eflo.tasks["i1"] = {"RequestId": "R-1", "taskState": "Execution_Success", "nodeIds": "['n1']"}
    rc, result, _out = run_module(MAIN, args(task_id="i1"))
    assert rc == 0, result
    [task] = result["tasks"]
    assert (task["task_state"], task["node_ids"], task["is_finished"], task["is_succeeded"]) == ("Execution_Success", ["n1"], True, True)


def test_an_answer_without_a_task_state_names_its_keys(fake_eflo, run_module) -> None:
    fake_eflo.tasks["i1"] = {"RequestId": "R-2", "TaskId": "i1", "Secretish": "value"}
    rc, result, _out = run_module(MAIN, args(task_id="i1"))
    assert rc == 1
    assert result["msg"] == "eflo-controller DescribeTask for task i1 answered HTTP 200 without a TaskState (keys: RequestId, " \
        "Secretish, TaskId, request id R-2); the service may have failed internally, try again later."
    assert "value" not in json.dumps(result)


def test_bad_jmespath_fails_before_any_call(fake_eflo, run_module) -> None:
    rc, result, _out = run_module(MAIN, args(task_id="i1", query="tasks[?state=="))
    assert rc == 1
    assert result["failed"] is True
    assert "not a valid JMESPath expression" in result["msg"]
    assert fake_eflo.requests == []


@pytest.mark.parametrize(
    "extra, label",
    [({"task_id": ""}, "task_id is empty"), ({"task_id": "   "}, "task_id is empty"),
     ({"task_ids": ["i1", ""]}, "task_ids[1] is empty"), ({"task_ids": []}, "task_ids is an empty list")],
)
def test_empty_task_ids_are_refused_with_a_hint(fake_eflo, run_module, extra, label) -> None:
    rc, result, _out = run_module(MAIN, args(**extra))
    assert rc == 1
    assert label in result["msg"]
    assert "check mode" in result["msg"]
    assert fake_eflo.requests == []


def test_task_id_and_task_ids_together_are_refused(fake_eflo, run_module) -> None:
    rc, result, _out = run_module(MAIN, args(task_id="i1", task_ids=["i2"]))
    assert rc == 1
    assert "mutually exclusive" in result["msg"]
    rc, result, _out = run_module(MAIN, args())
    assert rc == 1
    assert "one of the following is required" in result["msg"]


def test_unknown_task_fails_clearly(fake_eflo, run_module) -> None:
    rc, result, _out = run_module(MAIN, args(task_id="i404"))
    assert rc == 1
    assert result["msg"].startswith("Task i404 was not found: the service answered InvalidTaskId.NotFound (HTTP 404, "
                                    "request id NF-REQUEST-1): The specified task i404 does not exist. Check the task ID")
    assert "region" in result["msg"]
    assert "ignore_missing" in result["msg"]
    assert result["error"]["code"] == "InvalidTaskId.NotFound"
    assert result["error"]["request_id"] == "NF-REQUEST-1"
    assert result["credentials_source"]


def test_unknown_task_with_ignore_missing_is_returned_with_exists_false(fake_eflo, run_module) -> None:
    fake_eflo.tasks["i1"] = fixture_body("describe_task_seed.json")
    rc, result, _out = run_module(MAIN, args(task_ids=["i404", "i1"], ignore_missing=True, query="task_state"))
    assert rc == 0, result
    missing, found = result["tasks"]
    assert set(missing) == TASK_KEYS
    assert missing["exists"] is False and missing["task_state"] is None
    assert missing["node_ids"] == [] and missing["steps"] == [] and missing["is_finished"] is False
    assert "does not exist" in missing["message"]
    assert missing["request_id"] == "NF-REQUEST-1"
    assert found["exists"] is True
    assert result["missing_task_ids"] == ["i404"]
    assert result["query_result"] == [None, found["task_state"]]


def test_other_api_errors_are_not_hidden_by_ignore_missing(fake_eflo, run_module) -> None:
    fake_eflo.errors["i1"] = (403, {"RequestId": "R-403", "Code": "Forbidden.RAM",
                                    "Message": "User not authorized to operate on the specified resource."})
    rc, result, _out = run_module(MAIN, args(task_id="i1", ignore_missing=True))
    assert rc == 1
    assert "Forbidden.RAM" in result["msg"]
    assert result["error"]["http_status"] == 403


def test_html_answer_fails_with_status_and_excerpt(fake_eflo, run_module) -> None:
    fake_eflo.errors["i1"] = (502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
    rc, result, _out = run_module(MAIN, args(task_id="i1", retries=1))
    assert rc == 1
    assert "502" in result["msg"]
    assert "Traceback" not in json.dumps(result)
    assert "Bad Gateway" in json.dumps(result["error"])


def test_error_envelope_in_a_200_answer_fails(fake_eflo, run_module) -> None:
    fake_eflo.errors["i1"] = (200, fixture_body("error_envelope_error_code_info.json"))
    rc, result, _out = run_module(MAIN, args(task_id="i1", retries=0))
    assert rc == 1
    assert result["failed"] is True
    assert "i1" in result["msg"] or "InternalError" in result["msg"]


def test_truncated_json_answer_fails_clearly(fake_eflo, run_module) -> None:
    fake_eflo.errors["i1"] = (200, '{"RequestId": "X", "TaskState": "runn')
    rc, result, _out = run_module(MAIN, args(task_id="i1", retries=0))
    assert rc == 1
    assert "Traceback" not in result["msg"]
    assert result["error"]["body_excerpt"]


def test_auth_error_fails_with_the_code_and_no_secret(fake_eflo, run_module) -> None:
    fake_eflo.errors["i1"] = (400, {"RequestId": "R-SIG", "Code": "SignatureDoesNotMatch",
                                    "Message": "Specified signature is not matched with our calculation."})
    rc, result, out = run_module(MAIN, args(task_id="i1", security_token=SECURITY_TOKEN))
    assert rc == 1
    assert "SignatureDoesNotMatch" in result["msg"]
    assert ACCESS_KEY_SECRET not in out
    assert SECURITY_TOKEN not in out
    assert len(fake_eflo.requests) == 1  # never retried


def test_check_mode_still_reads(fake_eflo, run_module) -> None:
    fake_eflo.tasks["i1"] = fixture_body("describe_task_seed.json")
    rc, result, _out = run_module(MAIN, args(task_id="i1", _ansible_check_mode=True))
    assert rc == 0, result
    assert result["changed"] is False
    assert result["tasks"][0]["task_id"] == "i1"


def test_no_secret_anywhere_in_a_successful_result(fake_eflo, run_module) -> None:
    fake_eflo.tasks["i1"] = fixture_body("describe_task_seed.json")
    rc, _result, out = run_module(MAIN, args(task_id="i1", security_token=SECURITY_TOKEN, _ansible_verbosity=4))
    assert rc == 0
    assert ACCESS_KEY_SECRET not in out
    assert SECURITY_TOKEN not in out


def test_aliases_from_alibaba_alicloud_are_accepted(fake_eflo, run_module) -> None:
    fake_eflo.tasks["i1"] = fixture_body("describe_task_seed.json")
    rc, result, _out = run_module(MAIN, {
        "alicloud_access_key": ACCESS_KEY_ID,
        "alicloud_secret_key": ACCESS_KEY_SECRET,
        "alicloud_region": "cn-wulanchabu",
        "task_id": "i1",
    })
    assert rc == 0, result
    assert fake_eflo.requests[0][2].url.host == "eflo-controller.cn-wulanchabu.aliyuncs.com"
    assert fake_eflo.access_key_ids() == [ACCESS_KEY_ID]


def test_environment_credentials_are_used_when_no_option_is_set(fake_eflo, run_module, monkeypatch) -> None:
    fake_eflo.tasks["i1"] = fixture_body("describe_task_seed.json")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tFromEnvironment")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "EnvironmentSecret0123456789")
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou")
    rc, result, out = run_module(MAIN, {"task_id": "i1"})
    assert rc == 0, result
    assert fake_eflo.access_key_ids() == ["LTAI5tFromEnvironment"]
    assert fake_eflo.requests[0][2].url.host == "eflo-controller.cn-hangzhou.aliyuncs.com"
    assert "env" in result["credentials_source"].lower()
    assert "EnvironmentSecret0123456789" not in out


def test_missing_credentials_fail_with_the_places_searched(fake_eflo, run_module) -> None:
    rc, result, _out = run_module(MAIN, {"task_id": "i1", "endpoint": "http://127.0.0.1:9"})
    assert rc == 1
    assert "credentials" in result["msg"].lower()
    assert result["credentials_searched"]
    assert fake_eflo.actions().count("DescribeTask") == 0


def test_bad_region_fails_with_a_hint(fake_eflo, run_module) -> None:
    rc, result, _out = run_module(MAIN, {"task_id": "i1", "region_id": "Wulanchabu 1",
                                         "access_key_id": ACCESS_KEY_ID, "access_key_secret": ACCESS_KEY_SECRET})
    assert rc == 1
    assert "not a valid region id" in result["msg"]
    assert fake_eflo.requests == []


def test_bad_endpoint_fails_with_a_hint(fake_eflo, run_module) -> None:
    rc, result, _out = run_module(MAIN, args(task_id="i1", endpoint="ftp://example.invalid/path"))
    assert rc == 1
    assert "endpoint" in result["msg"] and "not valid" in result["msg"]
    assert fake_eflo.requests == []


def test_unreadable_profile_file_fails_clearly(fake_eflo, run_module, clean_env: pathlib.Path) -> None:
    (clean_env / ".aliyun").mkdir()
    (clean_env / ".aliyun" / "config.json").write_text("{not json", encoding="utf-8")
    rc, result, _out = run_module(MAIN, {"task_id": "i1", "endpoint": "http://127.0.0.1:9", "profile": "default"})
    assert rc == 1
    assert "config.json" in result["msg"]
    assert "Traceback" not in result["msg"]


def test_wrong_profile_name_fails_clearly(fake_eflo, run_module, clean_env: pathlib.Path) -> None:
    (clean_env / ".aliyun").mkdir()
    (clean_env / ".aliyun" / "config.json").write_text(json.dumps({
        "current": "default",
        "profiles": [{"name": "default", "mode": "AK", "access_key_id": "LTAI5tProfileKey",
                      "access_key_secret": "ProfileSecret0123456789", "region_id": "cn-wulanchabu"}],
    }), encoding="utf-8")
    rc, result, out = run_module(MAIN, {"task_id": "i1", "profile": "prod"})
    assert rc == 1
    assert "prod" in result["msg"]
    assert "ProfileSecret0123456789" not in out


def test_profile_gives_credentials_and_region(fake_eflo, run_module, clean_env: pathlib.Path) -> None:
    fake_eflo.tasks["i1"] = fixture_body("describe_task_seed.json")
    (clean_env / ".aliyun").mkdir()
    (clean_env / ".aliyun" / "config.json").write_text(json.dumps({
        "current": "default",
        "profiles": [{"name": "default", "mode": "AK", "access_key_id": "LTAI5tProfileKey",
                      "access_key_secret": "ProfileSecret0123456789", "region_id": "cn-shanghai"}],
    }), encoding="utf-8")
    rc, result, out = run_module(MAIN, {"task_id": "i1"})
    assert rc == 0, result
    assert fake_eflo.access_key_ids() == ["LTAI5tProfileKey"]
    assert fake_eflo.requests[0][2].url.host == "eflo-controller.cn-shanghai.aliyuncs.com"
    assert "ProfileSecret0123456789" not in out


def test_unexpected_exception_becomes_a_clear_failure(fake_eflo, run_module, monkeypatch) -> None:
    def boom(body: Any, task_id: str) -> Any:
        raise KeyError("surprise")

    fake_eflo.tasks["i1"] = fixture_body("describe_task_seed.json")
    monkeypatch.setattr(eflo_task_info, "read_task", boom)
    rc, result, out = run_module(MAIN, args(task_id="i1"))
    assert rc == 1
    assert result["msg"].startswith("eflo_task_info failed unexpectedly: KeyError")
    assert "bug" in result["msg"]
    assert ACCESS_KEY_SECRET not in out


def test_missing_libraries_fail_before_anything(fake_eflo, run_module, monkeypatch) -> None:
    monkeypatch.setattr(ansible_module, "library_problem", lambda **_kw: "Missing Python libraries: jmespath. To fix it, install it.")
    rc, result, _out = run_module(MAIN, args(task_id="i1"))
    assert rc == 1
    assert result["msg"].startswith("Missing Python libraries: jmespath")
    assert fake_eflo.requests == []


def test_v2_signature_is_selectable(fake_eflo, run_module) -> None:
    fake_eflo.tasks["i1"] = fixture_body("describe_task_seed.json")
    rc, result, _out = run_module(MAIN, args(task_id="i1", signature_version="v2"))
    assert rc == 0, result
    _action, params, request = fake_eflo.requests[0]
    assert params["SignatureMethod"] == "HMAC-SHA1"
    assert "Authorization" not in request.headers
