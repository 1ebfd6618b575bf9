# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import pathlib
import re
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.params import (
    JSON_PARAMS,
    QUERY_ONLY_ACTIONS,
    QUERY_PARAMS,
    SIMPLE_PARAMS,
    flatten_params,
    in_query,
    scalar_to_str,
    shrink_json,
    split_params,
    validate_action,
    validate_task_id,
)


def test_describe_task_is_all_body():
    assert split_params("DescribeTask", {"TaskId": "i156331731670384438138"}) == ({"TaskId": "i156331731670384438138"}, {})


def test_list_cluster_nodes_matches_the_sdk_capture():
    # reference 1.2: URL /?Tags.1.Key=k+1&Tags.1.Value=v%2A1,
    # body ClusterId=i1169&MaxResults=20&NextToken=tok%2F%2B%3D&OperatingStates.1=Using&OperatingStates.2=Extending
    body, query = split_params(
        "ListClusterNodes",
        {
            "ClusterId": "i1169",
            "MaxResults": 20,
            "NextToken": "tok/+=",
            "OperatingStates": ["Using", "Extending"],
            "Tags": [{"Key": "k 1", "Value": "v*1"}],
            "NodeGroupId": None,
        },
    )
    assert query == {"Tags.1.Key": "k 1", "Tags.1.Value": "v*1"}
    assert body == {
        "ClusterId": "i1169",
        "MaxResults": "20",
        "NextToken": "tok/+=",
        "OperatingStates.1": "Using",
        "OperatingStates.2": "Extending",
    }
    assert urlencode(sorted(query.items())) == "Tags.1.Key=k+1&Tags.1.Value=v%2A1"
    assert (
        urlencode(sorted(body.items()))
        == "ClusterId=i1169&MaxResults=20&NextToken=tok%2F%2B%3D&OperatingStates.1=Using&OperatingStates.2=Extending"
    )


def test_reboot_nodes_shrinks_nodes_and_lowercases_booleans():
    # reference 1.2: body ClusterId=i1169&IgnoreFailedNodeTasks=False&Nodes=%5B%22e01-cn-1%22%2C%22e01-cn-2%22%5D
    # (the Python SDK writes False; this collection sends false, as the other SDKs do)
    body, query = split_params("RebootNodes", {"ClusterId": "i1169", "IgnoreFailedNodeTasks": False, "Nodes": ["e01-cn-1", "e01-cn-2"]})
    assert query == {}
    assert body == {"ClusterId": "i1169", "IgnoreFailedNodeTasks": "false", "Nodes": '["e01-cn-1","e01-cn-2"]'}
    assert urlencode(sorted(body.items())) == "ClusterId=i1169&IgnoreFailedNodeTasks=false&Nodes=%5B%22e01-cn-1%22%2C%22e01-cn-2%22%5D"


def test_extend_cluster_node_groups_are_compact_json_with_non_ascii_kept():
    node_groups = [
        {
            "NodeGroupId": "ng-1",
            "Nodes": [{"NodeId": "e01-cn-1", "Hostname": "节点-1", "LoginPassword": None}],
            "Amount": 1,
        }
    ]
    body, query = split_params("ExtendCluster", {"ClusterId": "i1", "NodeGroups": node_groups, "IgnoreFailedNodeTasks": True})
    assert query == {}
    assert body["NodeGroups"] == '[{"NodeGroupId":"ng-1","Nodes":[{"NodeId":"e01-cn-1","Hostname":"节点-1"}],"Amount":1}]'
    assert " " not in body["NodeGroups"]
    assert body["IgnoreFailedNodeTasks"] == "true"
    assert json.loads(body["NodeGroups"])[0]["Nodes"][0] == {"NodeId": "e01-cn-1", "Hostname": "节点-1"}


def test_change_node_types_node_ids_are_json_but_create_diagnostic_task_node_ids_are_comma_joined():
    assert flatten_params("ChangeNodeTypes", {"NodeIds": ["a", "b"], "NodeType": "x"}) == {"NodeIds": '["a","b"]', "NodeType": "x"}
    assert flatten_params("CreateDiagnosticTask", {"NodeIds": ["a", "b"]}) == {"NodeIds": "a,b"}
    # elsewhere a NodeIds list is flattened with indexes
    assert flatten_params("SomeFutureAction", {"NodeIds": ["a", "b"]}) == {"NodeIds.1": "a", "NodeIds.2": "b"}


def test_change_node_group_routes_query_and_body():
    body, query = split_params(
        "ChangeNodeGroup", {"Nodes": ["n1"], "TargetNodeGroupId": "ng-2", "IgnoreFailedNodeTasks": True}
    )
    assert body == {"Nodes": '["n1"]'}
    assert query == {"TargetNodeGroupId": "ng-2", "IgnoreFailedNodeTasks": "true"}


def test_create_cluster_tag_in_query_and_json_params_in_body():
    body, query = split_params(
        "CreateCluster",
        {
            "ClusterName": "c",
            "Tag": [{"Key": "env", "Value": "prod"}],
            "Networks": {"VpdInfo": {"VpdId": "vpd-1"}},
            "Components": [{"ComponentType": "ACKEdge"}],
        },
    )
    assert query == {"Tag.1.Key": "env", "Tag.1.Value": "prod"}
    assert body == {
        "ClusterName": "c",
        "Networks": '{"VpdInfo":{"VpdId":"vpd-1"}}',
        "Components": '[{"ComponentType":"ACKEdge"}]',
    }


@pytest.mark.parametrize("action", sorted(QUERY_ONLY_ACTIONS))
def test_all_query_actions(action):
    body, query = split_params(action, {"RegionId": "cn-hangzhou", "ResourceId": ["r1", "r2"]})
    assert body == {}
    assert query == {"RegionId": "cn-hangzhou", "ResourceId.1": "r1", "ResourceId.2": "r2"}


def test_list_clusters_tags_in_query():
    assert in_query("ListClusters", "Tags")
    assert in_query("ListClusterNodes", "Tags")
    assert not in_query("ListClusters", "MaxResults")
    assert not in_query("DescribeTask", "TaskId")


def test_unknown_dict_param_is_shrunk_unknown_list_is_flattened():
    out = flatten_params(
        "FutureAction",
        {"Config": {"b": 1, "a": [True, None, "ü"], "n": None}, "Items": [{"K": "v", "Sub": [1, 2]}, None, {"K": "w"}]},
    )
    assert out == {
        "Config": '{"b":1,"a":[true,"ü"]}',
        "Items.1.K": "v",
        "Items.1.Sub.1": "1",
        "Items.1.Sub.2": "2",
        "Items.2.K": "w",
    }


def test_scalars():
    assert scalar_to_str(True) == "true"
    assert scalar_to_str(False) == "false"
    assert scalar_to_str(0) == "0"
    assert scalar_to_str(1.5) == "1.5"
    assert scalar_to_str("x y") == "x y"
    assert flatten_params(None, {"A": None, "B": "", "C": 0}) == {"B": "", "C": "0"}
    assert flatten_params("X", {"L": []}) == {}
    assert flatten_params("X", None) == {}


def test_index_ten_sorts_like_the_sdk():
    out = flatten_params("X", {"L": list(range(12))})
    assert out["L.10"] == "9"
    assert sorted(out)[:3] == ["L.1", "L.10", "L.11"]


def test_string_for_a_json_param_is_sent_as_is():
    assert flatten_params("RebootNodes", {"Nodes": '["a", "b"]'}) == {"Nodes": '["a", "b"]'}
    assert shrink_json("already") == "already"


def test_unserialisable_values_give_configuration_error():
    with pytest.raises(ConfigurationError, match="parameter Nodes of RebootNodes cannot be sent"):
        flatten_params("RebootNodes", {"Nodes": [object()]})
    with pytest.raises(ConfigurationError, match="parameter X of Act cannot be sent"):
        flatten_params("Act", {"X": float("nan")})
    with pytest.raises(ConfigurationError):
        flatten_params("Act", {"X": {"y": float("inf")}})


@pytest.mark.parametrize("action", ["DescribeTask", "ListClusterNodes", "V2Thing"])
def test_valid_actions(action):
    assert validate_action(action) == action


@pytest.mark.parametrize("action", ["", "describeTask", "Describe Task", "DescribeTask\r\nX-Evil: 1", "Describe-Task", None, 5])
def test_invalid_actions(action):
    with pytest.raises(ConfigurationError, match="not a valid eflo-controller API name"):
        validate_action(action)


@pytest.mark.parametrize("task_id", ["i156331731670384438138", "i158805051661047928377", "no-state", "I1"])
def test_valid_task_ids(task_id):
    assert validate_task_id("task_id", task_id) == task_id


@pytest.mark.parametrize("task_id, fix", [
    ("extend.task_id", 'it is a variable name written without braces: write "{{ extend.task_id }}".'),
    ("started.results[0].task_id", 'write "{{ started.results[0].task_id }}".'),
    ("i156 *~/节点", "pass the TaskId returned by the operation that started the task."),
    ("i1" * 40, "pass the TaskId"),  # longer than any id
    ("{{ extend.task_id }}", "pass the TaskId"),
])
def test_task_ids_outside_the_alphabet_are_named_with_the_fix(task_id, fix):
    with pytest.raises(ConfigurationError) as info:
        validate_task_id("task_ids[1]", task_id)
    assert info.value.msg.startswith("task_ids[1] %r is not a task id (task ids are letters, digits and '-'" % task_id)
    assert info.value.msg.endswith(".") and fix in info.value.msg


_scalars = st.one_of(st.text(max_size=8), st.integers(), st.booleans())
_leaf_lists = st.lists(st.one_of(_scalars, st.dictionaries(st.sampled_from(["Key", "Value", "Id"]), _scalars, max_size=3)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(_leaf_lists)
def test_flattening_keeps_every_leaf_once(items):
    out = flatten_params("FutureAction", {"P": items})
    expected = {}
    for index, item in enumerate(items, start=1):
        if isinstance(item, dict):
            for key, value in item.items():
                expected["P.%d.%s" % (index, key)] = scalar_to_str(value)
        else:
            expected["P.%d" % index] = scalar_to_str(item)
    assert out == expected


def _sdk_tables():
    """(json, simple, query) tables read from the installed official SDK's client, or None."""
    try:
        import alibabacloud_eflo_controller20221215 as sdk  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    source = (pathlib.Path(sdk.__file__).parent / "client.py").read_text(encoding="utf-8")
    json_t, simple_t, query_t = {}, {}, {}
    pattern = re.compile(r"\n    def (\w+)_with_options\((.*?)(?=\n    (?:async )?def )", re.S)
    for match in pattern.finditer(source):
        action = "".join(part.capitalize() for part in match.group(1).split("_"))
        body = match.group(2)
        for name, style in re.findall(r"array_to_string_with_specified_style\(tmp_req\.\w+, '(\w+)', '(\w+)'\)", body):
            (json_t if style == "json" else simple_t).setdefault(action, set()).add(name)
        for name in re.findall(r"query\['(\w+)'\]", body):
            query_t.setdefault(action, set()).add(name)
    return json_t, simple_t, query_t


def test_tables_agree_with_the_official_sdk():
    tables = _sdk_tables()
    if tables is None:
        pytest.skip("official SDK not installed")
    json_t, simple_t, query_t = tables
    assert json_t, "could not read the SDK client"
    assert {k: set(v) for k, v in JSON_PARAMS.items()} == json_t
    assert {k: set(v) for k, v in SIMPLE_PARAMS.items()} == simple_t
    ours = {k: set(v) for k, v in QUERY_PARAMS.items()}
    for action in QUERY_ONLY_ACTIONS:
        ours[action] = query_t.get(action, set())
    assert ours == query_t
