# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils import models
from ansible_collections.alibabacloud.eflo.plugins.module_utils.retry import classify
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    ResponseParseError,
    failure_result,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import (
    Cluster,
    Node,
    Step,
    SubTask,
    Task,
    cluster_to_dict,
    node_to_dict,
    read_cluster,
    read_page,
    read_task,
    task_to_dict,
)

RESPONSES = Path(__file__).resolve().parents[2] / "fixtures" / "responses"
TASK_KEYS = [
    "task_id",
    "task_type",
    "task_state",
    "cluster_id",
    "cluster_name",
    "message",
    "node_ids",
    "create_time",
    "update_time",
    "steps",
    "request_id",
    "is_finished",
    "is_succeeded",
    "failed_steps",
    "failed_sub_tasks",
]
STEP_KEYS = ["step_name", "step_type", "step_state", "stage_tag", "start_time", "update_time", "message", "sub_tasks"]
SUB_TASK_KEYS = ["task_id", "task_type", "task_state", "create_time", "update_time", "message"]


def load(name):
    with open(RESPONSES / name, encoding="utf-8") as handle:
        return json.load(handle)


def task_dict(body, task_id="i156331731670384438138"):
    return task_to_dict(read_task(body, task_id))


def minimal(**fields):
    body = {"TaskState": "running"}
    body.update(fields)
    return body


def assert_contract_keys(result):
    assert list(result) == TASK_KEYS
    assert isinstance(result["node_ids"], list)
    for step in result["steps"]:
        assert list(step) == STEP_KEYS
        for sub_task in step["sub_tasks"]:
            assert list(sub_task) == SUB_TASK_KEYS
    for step in result["failed_steps"]:
        assert list(step) == STEP_KEYS
    for sub_task in result["failed_sub_tasks"]:
        assert list(sub_task) == SUB_TASK_KEYS + ["step_name"]


# -------------------------------------------------------------------------------- documented examples


def test_seed_page_example():
    result = task_dict(load("describe_task_seed.json"))
    assert_contract_keys(result)
    assert result == {
        "task_id": "i156331731670384438138",
        "task_type": "cut_cluster",
        "task_state": "running",
        "cluster_id": "i119982311660892626523",
        "cluster_name": "Standard_Cluster",
        "message": "Releasing [prod_main_mid_26e234cf] in region [cn-beijing] with weight [0]",
        "node_ids": ["mock-sn-200101"],
        "create_time": "2022-11-30T02:00:00.852Z",
        "update_time": "2022-11-30T03:40:14.852Z",
        "steps": [
            {
                "step_name": "create_vpd",
                "step_type": "normal",
                "step_state": "execution_success",
                "stage_tag": "节点缩容",
                "start_time": "2022-11-30T02:00:00.852Z",
                "update_time": "2022-11-30T02:20:14.852Z",
                "message": "get taskinfo failed",
                "sub_tasks": [
                    {
                        "task_id": "i158805051661047928377",
                        "task_type": "cut_node_sub_task",
                        "task_state": "running",
                        "create_time": "2022-11-30T02:00:00.852Z",
                        "update_time": "2022-11-30T02:20:14.852Z",
                        "message": "Releasing [prod_main_mid_26e234cf] in region [cn-beijing] with weight [0]",
                    }
                ],
            }
        ],
        "request_id": "A7FD7411-9395-52E8-AF42-EB3A4A55446D",
        "is_finished": False,
        "is_succeeded": False,
        "failed_steps": [],
        "failed_sub_tasks": [],
    }


def test_seed_page_node_ids_python_repr_string_variant():
    body = load("describe_task_seed.json")
    body["NodeIds"] = "['mock-sn-200101']"
    body["CreateTime"] = "2022-11-30T2:00:00.852Z"
    result = task_dict(body)
    assert result["node_ids"] == ["mock-sn-200101"]
    assert result["create_time"] == "2022-11-30T02:00:00.852Z"


def test_reference_section_8_5_example():
    result = task_dict(load("describe_task_reference_8_5.json"), "t-85")
    assert_contract_keys(result)
    assert result["task_id"] == "t-85"
    assert result["task_type"] == "cut_cluster"
    assert result["node_ids"] == ["e01-cn-zvp2tgykr08"]
    assert result["message"] == ""
    step = result["steps"][0]
    assert step["stage_tag"] == "节点缩容"
    assert step["start_time"] == "2022-11-30T02:00:00.852Z"
    assert step["sub_tasks"][0]["create_time"] == "2022-11-30T02:00:00.852Z"
    assert step["sub_tasks"][0]["task_id"] == "i158805051661047928377"
    assert (result["is_finished"], result["is_succeeded"]) == (False, False)


def test_failed_task_surfaces_failed_steps_and_sub_tasks():
    result = task_dict(load("describe_task_failed.json"), "i-fail")
    assert_contract_keys(result)
    assert (result["is_finished"], result["is_succeeded"]) == (True, False)
    assert result["node_ids"] == ["e01-cn-ok00000000001", "e01-cn-fail0000002"]
    assert result["update_time"] == "2022-11-30T02:41:09.500Z"
    assert result["steps"][0]["sub_tasks"] == []  # "SubTasks": null
    assert result["steps"][0]["start_time"] == "2022-11-30T02:00:00Z"
    assert [step["step_name"] for step in result["failed_steps"]] == ["init_nodes"]
    assert result["failed_steps"][0] == result["steps"][1]
    assert result["failed_sub_tasks"] == [
        {
            "task_id": "i158805051661047920002",
            "task_type": "extend_node_sub_task",
            "task_state": "execution_fail",
            "create_time": "2022-11-30T02:05:00Z",
            "update_time": "2022-11-30T02:41:09Z",
            "message": "image pull timeout",
            "step_name": "init_nodes",
        }
    ]


def test_failed_entries_are_copies_not_shared_references():
    # shared objects would show up as YAML anchors/aliases in callback output
    result = task_dict(load("describe_task_failed.json"))
    failed = result["failed_steps"][0]
    assert failed is not result["steps"][1]
    assert failed["sub_tasks"] is not result["steps"][1]["sub_tasks"]
    assert failed["sub_tasks"][1] is not result["steps"][1]["sub_tasks"][1]
    assert "step_name" not in result["steps"][1]["sub_tasks"][1]


def test_partial_success_keeps_failed_sub_tasks():
    result = task_dict(load("describe_task_partial_success.json"))
    assert (result["is_finished"], result["is_succeeded"]) == (True, True)
    assert result["failed_steps"] == []
    assert [(sub["task_id"], sub["step_name"], sub["message"]) for sub in result["failed_sub_tasks"]] == [("i3", "reclone", "disk error")]
    # epoch seconds and epoch milliseconds strings
    assert result["create_time"] == "2022-12-27T09:55:38Z"
    assert result["update_time"] == "2022-12-27T10:28:58Z"
    # missing step fields are None, missing SubTask fields too
    assert result["steps"][0]["stage_tag"] is None
    assert result["steps"][0]["sub_tasks"][0]["create_time"] is None


def test_messy_task():
    result = task_dict(load("describe_task_messy.json"), "i-messy")
    assert_contract_keys(result)
    assert result["request_id"] == "12345"  # number coerced to text
    assert result["task_type"] == "stop_nodes"  # unknown enum kept
    assert result["task_state"] == "Waiting_To_Run"  # kept as sent
    assert (result["is_finished"], result["is_succeeded"]) == (False, False)
    assert result["message"] is None
    assert result["node_ids"] == ["mock-sn-200101", "mock-sn-200102"]
    assert result["create_time"] == "2022-01-18T02:21:08Z"  # epoch ms number
    assert result["update_time"] == "2022-11-30T02:00:00Z"  # +08:00 offset
    assert result["steps"] == []  # "Steps": null
    assert "task_progress" not in result and "task_info" not in result


# ----------------------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(
    "state, finished, succeeded",
    [
        ("execution_success", True, True),
        ("EXECUTION_SUCCESS", True, True),
        ("succeeded", True, True),
        ("Success", True, True),
        ("execution_fail", True, False),
        ("execution_failed", True, False),
        ("FAILED", True, False),
        ("running", False, False),
        ("waiting_to_run", False, False),
        ("init", False, False),
        ("cancelled", False, False),
        ("not_success", False, False),
        ("Unsuccessful", False, False),
        (7, False, False),
        (True, False, False),
    ],
)
def test_derived_flags(state, finished, succeeded):
    result = task_dict(minimal(TaskState=state))
    assert (result["is_finished"], result["is_succeeded"]) == (finished, succeeded)
    task = read_task(minimal(TaskState=state), "t")
    assert (task.is_finished, task.is_succeeded) == (finished, succeeded)


@pytest.mark.parametrize("steps", [None, [], "", "not json", 5, True, {}, [None, 1, "x"]])
def test_steps_null_missing_or_junk_give_no_steps(steps):
    assert task_dict(minimal(Steps=steps))["steps"] == []
    assert task_dict(minimal())["steps"] == []


def test_steps_as_single_object_json_string_or_wrapper():
    step = {"StepName": "s1", "StepState": "execution_failed", "SubTasks": {"TaskId": "sub", "TaskState": "execution_fail"}}
    for shape in (step, [step], json.dumps([step]), json.dumps(step), {"Step": [step]}):
        result = task_dict(minimal(Steps=shape))
        assert [s["step_name"] for s in result["steps"]] == ["s1"]
        assert result["steps"][0]["sub_tasks"][0]["task_id"] == "sub"
        assert [s["step_name"] for s in result["failed_steps"]] == ["s1"]
        assert [(s["task_id"], s["step_name"]) for s in result["failed_sub_tasks"]] == [("sub", "s1")]


def test_non_object_items_in_steps_and_sub_tasks_are_dropped():
    body = minimal(Steps=[1, None, {"StepName": "a", "SubTasks": ["x", {"TaskId": "s"}, None]}, "b"])
    result = task_dict(body)
    assert [s["step_name"] for s in result["steps"]] == ["a"]
    assert [s["task_id"] for s in result["steps"][0]["sub_tasks"]] == ["s"]


@pytest.mark.parametrize(
    "node_ids, expected",
    [
        (["a", "b"], ["a", "b"]),
        ('["a", "b"]', ["a", "b"]),
        ("['a', 'b']", ["a", "b"]),
        (["['a']"], ["a"]),
        ("a,b", ["a", "b"]),
        ("a", ["a"]),
        (None, []),
        ({"x": 1, "y": 2}, []),
    ],
)
def test_node_ids_shapes(node_ids, expected):
    assert task_dict(minimal(NodeIds=node_ids))["node_ids"] == expected
    assert task_dict(minimal())["node_ids"] == []


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2022-11-30T2:00:00.852Z", "2022-11-30T02:00:00.852Z"),
        ("1672134938", "2022-12-27T09:55:38Z"),
        ("1642472468000", "2022-01-18T02:21:08Z"),
        (1642472468000, "2022-01-18T02:21:08Z"),
        ("garbage", "garbage"),
        ("", None),
        (None, None),
        ({"a": 1}, None),
        (True, None),
    ],
)
def test_time_shapes_in_every_time_field(raw, expected):
    body = minimal(
        CreateTime=raw,
        UpdateTime=raw,
        Steps=[{"StartTime": raw, "UpdateTime": raw, "SubTasks": [{"CreateTime": raw, "UpdateTime": raw}]}],
    )
    result = task_dict(body)
    step = result["steps"][0]
    sub = step["sub_tasks"][0]
    assert {result["create_time"], result["update_time"], step["start_time"], step["update_time"], sub["create_time"], sub["update_time"]} == {expected}


@pytest.mark.parametrize(
    "raw, expected",
    [(12, "12"), (1.5, "1.5"), (True, "true"), (False, "false"), ({"a": "节"}, '{"a":"节"}'), ([1, 2], "[1,2]"), (None, None)],
)
def test_wrong_scalar_types_are_coerced_to_text(raw, expected):
    steps = [{"StepName": raw, "Message": raw, "SubTasks": [{"TaskId": raw}]}]
    body = minimal(ClusterId=raw, ClusterName=raw, Message=raw, TaskType=raw, RequestId=raw, Steps=steps)
    result = task_dict(body)
    step = result["steps"][0]
    values = {result[key] for key in ("cluster_id", "cluster_name", "message", "task_type", "request_id")}
    values.update({step["step_name"], step["message"], step["sub_tasks"][0]["task_id"]})
    assert values == {expected}


def test_lower_camel_and_snake_keys_are_accepted():
    body = {"taskState": "running", "clusterId": "c1", "nodeIds": ["n"], "steps": [{"step_name": "s"}], "requestId": "r"}
    result = task_dict(body)
    assert (result["task_state"], result["cluster_id"], result["node_ids"], result["request_id"]) == ("running", "c1", ["n"], "r")
    assert result["steps"][0]["step_name"] == "s"
    assert task_dict({"task_state": "execution_fail"})["is_finished"] is True


def test_the_first_key_spelling_present_wins():
    body = {"taskState": "running", "task_type": "reclone_node", "TaskType": "extend_cluster",
            "steps": [{"stepName": "s1", "sub_tasks": [{"taskState": "execution_fail"}]}]}
    result = task_dict(body)
    assert (result["task_state"], result["task_type"]) == ("running", "extend_cluster")
    assert result["failed_sub_tasks"] == [dict(result["steps"][0]["sub_tasks"][0], step_name="s1")]


def test_task_id_argument_wins_and_body_task_id_is_the_fallback():
    assert task_dict(minimal(TaskId="from-body"), "asked")["task_id"] == "asked"
    assert task_dict(minimal(TaskId="from-body"), "")["task_id"] == "from-body"
    assert task_dict(minimal(), "")["task_id"] is None


def test_unicode_and_large_bodies():
    steps = [
        {
            "StepName": "step-%d" % i,
            "StepState": "execution_success",
            "StageTag": "集群扩容",
            "SubTasks": [{"TaskId": "s%d-%d" % (i, j), "TaskState": "running"} for j in range(50)],
        }
        for i in range(20)
    ]
    result = task_dict(minimal(Steps=steps, Message="节点 ✓"))
    assert len(result["steps"]) == 20 and sum(len(s["sub_tasks"]) for s in result["steps"]) == 1000
    assert result["message"] == "节点 ✓"


def test_input_body_is_not_modified():
    body = load("describe_task_failed.json")
    before = copy.deepcopy(body)
    task_dict(body)
    assert body == before


def test_mapping_that_is_not_a_dict():
    body = OrderedDict(minimal(ClusterId="c"))
    assert task_dict(body)["cluster_id"] == "c"


def test_models_are_pydantic_with_snake_case_fields():
    task = read_task(load("describe_task_reference_8_5.json"), "t")
    assert isinstance(task, Task)
    assert isinstance(task.steps[0], Step)
    assert isinstance(task.steps[0].sub_tasks[0], SubTask)
    assert (task.is_finished, task.is_succeeded) == (False, False)
    assert SubTask.model_validate({"TaskState": "x"}).task_state == "x"


# ------------------------------------------------------------------------------------ error envelopes


def test_error_code_info_envelope_in_a_200_answer():
    with pytest.raises(ResponseParseError) as info:
        read_task(load("error_envelope_error_code_info.json"), "i-123")
    err = info.value
    assert isinstance(err, ApiError)
    assert err.msg.startswith("eflo-controller DescribeTask for task i-123 answered HTTP 200 without a TaskState (keys: ErrorCodeInfo, ")
    assert "error InternalError: The request processing has failed" in err.msg
    assert err.code == "InternalError"
    assert err.message == "The request processing has failed due to some unknown error."
    assert err.request_id == "C1B2A3D4-0000-4000-8000-000000000001"
    assert err.action == "DescribeTask" and err.status == 200
    assert classify(err, idempotent=True).retry  # InternalError is worth another poll
    assert failure_result(err)["error"]["code"] == "InternalError"


def test_pop_error_body_envelope():
    with pytest.raises(ResponseParseError) as info:
        read_task(load("error_envelope_code.json"), "i-123")
    err = info.value
    assert err.code == "InvalidParameter"
    assert "The specified parameter TaskId is not valid." in err.msg
    assert err.request_id == "3C85E634-24F4-5242-89B9-4E9453FC6D2B"


@pytest.mark.parametrize("body, kind", [([], "an array"), ("<html>502</html>", "a string"), (None, "null"), (3, "a number"), (True, "a boolean")])
def test_non_object_bodies(body, kind):
    with pytest.raises(ResponseParseError) as info:
        read_task(body, "i-9")
    assert info.value.msg == "eflo-controller DescribeTask for task i-9 answered HTTP 200 with %s, not a JSON object; check that " \
        "the endpoint is an eflo-controller endpoint." % kind


@pytest.mark.parametrize("state", [None, "", "   ", {}, [], ["running"], {"State": "running"}])
def test_missing_or_unusable_task_state(state):
    body = {"RequestId": "r", "ClusterId": "c"}
    if state is not None:
        body["TaskState"] = state
    with pytest.raises(ResponseParseError) as info:
        read_task(body, "i-9")
    assert info.value.msg == "eflo-controller DescribeTask for task i-9 answered HTTP 200 without a TaskState (keys: ClusterId, " \
        "RequestId%s, request id r); the service may have failed internally, try again later." % (", TaskState" if state is not None else "")
    assert info.value.request_id == "r"


def test_the_message_names_the_keys_not_the_values():
    body = {"Code": "X", "Message": "m", "Junk": "secret-ish\n" * 1000}
    with pytest.raises(ResponseParseError) as info:
        read_task(body, "t")
    assert "(keys: Code, Junk, Message, error X: m)" in info.value.msg
    assert "secret-ish" not in info.value.msg and info.value.body_excerpt is None


def test_missing_pydantic_gives_a_configuration_error(monkeypatch):
    monkeypatch.setattr(models, "HAS_PYDANTIC", False)
    with pytest.raises(ConfigurationError) as info:
        read_task(minimal(), "t")
    assert "pydantic" in info.value.msg
    with pytest.raises(ConfigurationError):
        read_page("ListClusterNodes", {"Nodes": []})
    with pytest.raises(ConfigurationError):
        read_cluster({"ClusterId": "c"})


# ---------------------------------------------------------------------------------------- clusters


def test_describe_cluster():
    result = cluster_to_dict(read_cluster(load("describe_cluster.json")))
    assert result == {
        "cluster_id": "i116913051662373010974",
        "cluster_name": "Standard_Cluster",
        "cluster_type": "Lite",
        "cluster_description": "Nvidia cluster",
        "operating_state": "running",
        "task_id": "i159136551662516768776",
        "node_count": 12,
        "node_group_count": 2,
        "hpn_zone": "B1",
        "computing_ip_version": "IPv4",
        "open_eni_jumbo_frame": False,
        "components": [{"component_id": "i149549021660892626529", "component_type": "ACKEdge"}],
        "networks": {"vpd_id": "vpd-iqd7xunc"},
        "vpc_id": "vpc-0jl8cmfba8zx2ztdc7z1m",
        "vswitch_id": "vsw-0jl2vr5twmn1fp3epnyie",
        "security_group_id": "sg-0jl4bd9wwh5auei9opcu",
        "resource_group_id": "rg-aek2k3rqlvv6ytq",
        "tags": None,
        "create_time": "2022-06-08T07:05:11Z",
        "update_time": "2022-08-23T06:36:17Z",
        "request_id": "2FE2B22C-CF9D-59DE-BF63-DC9B9B33A9D1",
    }


def test_list_clusters_item_with_epoch_seconds_and_junk():
    item = {
        "ClusterId": "c", "CreateTime": "1672134938", "UpdateTime": 1672134968, "NodeCount": "many",
        "OperatingState": "Deleting", "Components": "n/a", "Tags": [{"Key": "k", "Value": "v"}],
    }
    cluster = read_cluster(item)
    assert isinstance(cluster, Cluster)
    result = cluster_to_dict(cluster)
    assert result["create_time"] == "2022-12-27T09:55:38Z"
    assert result["update_time"] == "2022-12-27T09:56:08Z"
    assert result["node_count"] is None
    assert result["operating_state"] == "Deleting"
    assert result["components"] is None
    assert result["tags"] == [{"key": "k", "value": "v"}]


@pytest.mark.parametrize("body", [{}, {"RequestId": "r", "Code": "RESOURCE_NOT_FOUND", "Message": "gone"}, {"ClusterId": None}, {"ClusterId": {}}, [], "x"])
def test_cluster_error_bodies(body):
    with pytest.raises(ResponseParseError) as info:
        read_cluster(body)
    assert info.value.action == "DescribeCluster"


# ------------------------------------------------------------------------------------------- nodes


def test_list_cluster_nodes():
    page = read_page("ListClusterNodes", load("list_cluster_nodes.json"))
    assert page.next_token == "563d42ae0b17572449ec8c97f7f66069"
    assert page.request_id == "2CEBFB3C-1C5E-5F8F-A2F3-2A5B8A3C4D5E"
    assert all(isinstance(node, Node) for node in page.items)
    first, second = (node_to_dict(node) for node in page.items)
    assert first["node_id"] == "e01-cn-zvp2tgykr08"
    assert first["operating_state"] == "Using"
    assert first["create_time"] == "2022-01-18T02:21:08Z"
    assert first["expired_time"] == "2025-11-03T16:00:00Z"
    assert first["file_system_mount_enabled"] is True
    assert first["vswitch_id"] == "vsw-bp1mxqhw8o20tgv3xk47h"
    assert first["networks"] == [{"bond_name": "bond0", "ip": "192.168.1.2", "subnet_id": "subnet-3od2fe", "vpd_id": "vpd-iqd7xunc"}]
    assert first["tags"] == [{"key": "env", "value": "prod"}]
    assert second["node_id"] == "e01-cn-second"
    assert second["create_time"] is None and second["networks"] is None and second["hostname"] is None
    assert [n.node_id for n in read_page("ListClusterNodes", load("list_cluster_nodes.json")).items] == ["e01-cn-zvp2tgykr08", "e01-cn-second"]


@pytest.mark.parametrize("nodes", [None, [], "", 3, [None, "x"]])
def test_empty_or_junk_node_lists(nodes):
    assert read_page("ListClusterNodes", {"RequestId": "r", "Nodes": nodes}).items == []


def test_missing_nodes_is_an_empty_last_page():
    page = read_page("ListClusterNodes", {"RequestId": "r"})
    assert page.items == [] and page.next_token is None


@pytest.mark.parametrize("body", [{"Code": "Forbidden.RAM", "Message": "no"}, {"ErrorCodeInfo": {"Success": False}}, {"Success": "false"}, [], None])
def test_node_error_envelopes(body):
    with pytest.raises(ResponseParseError) as info:
        read_page("ListClusterNodes", body)
    assert info.value.action == "ListClusterNodes"


# ------------------------------------------------------------------------------------ deferred model builds
FIRST_USE_SCRIPT = r"""
import json, sys
from concurrent.futures import ThreadPoolExecutor
from ansible_collections.alibabacloud.eflo.plugins.module_utils import models
names = ("Task", "Step", "SubTask", "Cluster", "Node", "NodePage")
built_at_import = [name for name in names if getattr(models, name).__pydantic_complete__]
body = json.loads(sys.argv[1])
with ThreadPoolExecutor(8) as pool:  # the wait's poll threads use the Task model for the first time together
    dicts = list(pool.map(lambda n: models.task_to_dict(models.read_task(body, "i%d" % n)), range(64)))
print(json.dumps({"built_at_import": built_at_import, "dicts": dicts,
                  "built_after": [name for name in names if getattr(models, name).__pydantic_complete__]}))
"""


def test_models_are_built_on_first_use_once_even_from_many_threads():
    body = load("describe_task_failed.json")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, "-c", FIRST_USE_SCRIPT, json.dumps(body)], capture_output=True, text=True,
                          env=env, check=True, timeout=60)
    out = json.loads(proc.stdout)
    assert out["built_at_import"] == []  # a module run pays only for the models it uses
    assert "Task" in out["built_after"] and not {"Cluster", "Node", "NodePage"} & set(out["built_after"])
    expected = task_to_dict(read_task(body, "i0"))
    for number, result in enumerate(out["dicts"]):
        assert result == dict(expected, task_id="i%d" % number)
