# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests (hypothesis): the parsers never raise, and a DescribeTask answer with any JSON value in any
field gives a Task or the collection's own ResponseParseError, never another exception, and only TaskState
decides which."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ResponseParseError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import (
    camel_to_snake,
    classify_state,
    format_timestamp,
    parse_datetime,
    parse_node_ids,
    parse_timestamp,
    snake_case_keys,
    to_bool,
    to_int,
    to_text,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import (
    PAGES,
    Cluster,
    Task,
    cluster_to_dict,
    node_to_dict,
    read_cluster,
    read_page,
    read_task,
    task_to_dict,
)

# No deadline (no timing-based assertions) and no example database written into the checkout.
PROPERTY = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
UTC = timezone.utc
CANONICAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z\Z")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.sampled_from(["", " ", "null", "[]", "{}", "['x']", '["x"]', "2022-11-30T2:00:00.852Z", "1642472468000", "execution_fail"]),
)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=20)

TASK_FIELDS = ["RequestId", "ClusterId", "ClusterName", "TaskType", "TaskState", "Message", "NodeIds", "CreateTime", "UpdateTime", "Steps", "TaskId"]
STEP_FIELDS = ["StepName", "StepType", "StepState", "StageTag", "StartTime", "UpdateTime", "Message", "SubTasks"]
SUB_TASK_FIELDS = ["TaskId", "TaskType", "TaskState", "CreateTime", "UpdateTime", "Message"]
TASK_KEYS = [
    "task_id", "task_type", "task_state", "cluster_id", "cluster_name", "message", "node_ids", "create_time", "update_time",
    "steps", "request_id", "is_finished", "is_succeeded", "failed_steps", "failed_sub_tasks",
]


def base_body():
    return {
        "RequestId": "A7FD7411-9395-52E8-AF42-EB3A4A55446D",
        "ClusterId": "i119982311660892626523",
        "ClusterName": "Standard_Cluster",
        "TaskType": "cut_cluster",
        "TaskState": "running",
        "Message": "",
        "NodeIds": ["e01-cn-zvp2tgykr08"],
        "CreateTime": "2022-11-30T02:00:00.852Z",
        "UpdateTime": "2022-11-30T03:40:14.852Z",
        "Steps": [
            {
                "StepName": "create_vpd",
                "StepType": "normal",
                "StepState": "execution_success",
                "StageTag": "节点缩容",
                "StartTime": "2022-11-30T2:00:00.852Z",
                "UpdateTime": "2022-11-30T02:20:14.852Z",
                "Message": "",
                "SubTasks": [
                    {
                        "TaskId": "i158805051661047928377",
                        "TaskType": "cut_node_sub_task",
                        "TaskState": "running",
                        "CreateTime": "2022-11-30T2:00:00.852Z",
                        "UpdateTime": "2022-11-30T02:20:14.852Z",
                        "Message": "",
                    }
                ],
            }
        ],
    }


def is_optional_text(value):
    return value is None or isinstance(value, str)


def check_task_dict(result):
    """The contract holds for whatever the body was."""
    assert list(result) == TASK_KEYS
    assert isinstance(result["node_ids"], list) and all(isinstance(i, str) and i for i in result["node_ids"])
    for key in ("task_id", "task_type", "task_state", "cluster_id", "cluster_name", "message", "create_time", "update_time", "request_id"):
        assert is_optional_text(result[key]), key
    assert isinstance(result["is_finished"], bool) and isinstance(result["is_succeeded"], bool)
    assert not result["is_succeeded"] or result["is_finished"]
    for step in result["steps"]:
        assert all(is_optional_text(step[key]) for key in step if key != "sub_tasks")
        assert all(all(is_optional_text(v) for v in sub.values()) for sub in step["sub_tasks"])
    assert len(result["failed_steps"]) <= len(result["steps"])
    assert all(classify_state(s["step_state"]) == "failure" for s in result["failed_steps"])
    assert all(classify_state(s["task_state"]) == "failure" for s in result["failed_sub_tasks"])
    json.dumps(result)  # an Ansible result must be JSON-serialisable


def task_or_parse_error(body):
    try:
        task = read_task(body, "i-prop")
    except ResponseParseError as err:
        assert err.msg.startswith("eflo-controller DescribeTask for task i-prop answered HTTP 200 ") and err.action == "DescribeTask"
        return None
    assert isinstance(task, Task) and task.task_id == "i-prop"
    check_task_dict(task_to_dict(task))
    return task


# --------------------------------------------------------------------------------------- DescribeTask


@PROPERTY
@given(field=st.sampled_from(TASK_FIELDS), value=json_values)
def test_any_json_value_in_any_task_field(field, value):
    body = base_body()
    body[field] = value
    task = task_or_parse_error(body)
    if field != "TaskState":
        assert task is not None  # only TaskState decides whether the body is a task
        assert task.cluster_id is not None or field == "ClusterId"


@PROPERTY
@given(field=st.sampled_from(STEP_FIELDS), value=json_values)
def test_any_json_value_in_any_step_field(field, value):
    body = base_body()
    body["Steps"][0][field] = value
    assert task_or_parse_error(body) is not None


@PROPERTY
@given(field=st.sampled_from(SUB_TASK_FIELDS), value=json_values)
def test_any_json_value_in_any_sub_task_field(field, value):
    body = base_body()
    body["Steps"][0]["SubTasks"][0][field] = value
    assert task_or_parse_error(body) is not None


@PROPERTY
@given(
    values=st.fixed_dictionaries({}, optional={field: json_values for field in TASK_FIELDS}),
    extra=st.dictionaries(st.text(max_size=10), json_values, max_size=3),
)
def test_any_combination_of_task_fields(values, extra):
    body = dict(extra)
    body.update(values)
    task_or_parse_error(body)


@PROPERTY
@given(body=json_values)
def test_any_json_document_as_body(body):
    task_or_parse_error(body)


@PROPERTY
@given(state=st.text(min_size=1).filter(lambda s: s.strip()))
def test_any_non_blank_task_state_gives_a_task(state):
    body = base_body()
    body["TaskState"] = state
    task = task_or_parse_error(body)
    assert task is not None and task.task_state == state


@PROPERTY
@given(body=json_values)
def test_cluster_and_pages_any_body(body):
    pages = [lambda b, action=action: read_page(action, b) for action in PAGES]
    for parse, model, to_dict in [(read_cluster, Cluster, cluster_to_dict)] + [(page, None, None) for page in pages]:
        try:
            parsed = parse(body)
        except ResponseParseError:
            continue
        if model is not None:
            assert isinstance(parsed, model)
            json.dumps(to_dict(parsed))
        else:
            json.dumps([item.model_dump() for item in parsed.items])


@PROPERTY
@given(item=st.dictionaries(st.sampled_from(["NodeId", "CreateTime", "ExpiredTime", "Networks", "Tags", "FileSystemMountEnabled", "VSwitchId"]), json_values))
def test_any_node_item(item):
    page = read_page("ListClusterNodes", {"Nodes": [item], "NextToken": None})
    json.dumps(node_to_dict(page.items[0]))


# --------------------------------------------------------------------------------------- timestamps


@PROPERTY
@given(text=st.text())
def test_parse_timestamp_never_raises_on_text(text):
    result = parse_timestamp(text)
    if result is None:
        assert not text.strip()
    else:
        assert CANONICAL.match(result) or result == text.strip()
    moment = parse_datetime(text)
    assert moment is None or moment.utcoffset() == timedelta(0)


@PROPERTY
@given(value=json_values)
def test_parse_timestamp_never_raises_on_json(value):
    assert is_optional_text(parse_timestamp(value))
    assert parse_datetime(value) is None or isinstance(parse_datetime(value), datetime)


@PROPERTY
@given(moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_format_parse_round_trip(moment):
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    text = format_timestamp(moment)
    assert CANONICAL.match(text)
    assert parse_datetime(text) == moment
    assert parse_timestamp(text) == text


@PROPERTY
@given(
    moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    offset_minutes=st.integers(min_value=-23 * 60, max_value=23 * 60),
    pad=st.booleans(),
    colon=st.booleans(),
    fraction=st.booleans(),
)
def test_iso_variants_with_offsets_and_short_parts(moment, offset_minutes, pad, colon, fraction):
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000 if fraction else 0)
    tz = timezone(timedelta(minutes=offset_minutes))
    local = moment.replace(tzinfo=UTC).astimezone(tz)
    fmt = "%04d-%02d-%02dT%02d:%02d:%02d" if pad else "%d-%d-%dT%d:%d:%d"
    text = fmt % (local.year, local.month, local.day, local.hour, local.minute, local.second)
    if fraction:
        text += ".%03d" % (local.microsecond // 1000)
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text += "%s%02d%s%02d" % (sign, hours, ":" if colon else "", minutes)
    assert parse_datetime(text) == moment.replace(tzinfo=UTC)
    assert parse_timestamp(text) == format_timestamp(moment)


@PROPERTY
@given(moment=st.datetimes(min_value=datetime(1973, 3, 4), max_value=datetime(5000, 1, 1)), as_text=st.booleans())
def test_epoch_seconds_and_milliseconds(moment, as_text):
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    millis = delta.days * 86400000 + delta.seconds * 1000 + delta.microseconds // 1000
    seconds = delta.days * 86400 + delta.seconds
    ms_value = str(millis) if as_text else millis
    s_value = str(seconds) if as_text else seconds
    assert parse_datetime(ms_value) == moment
    assert parse_datetime(s_value) == moment.replace(microsecond=0)


# ---------------------------------------------------------------------------------------- node ids

node_id = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,24}", fullmatch=True).filter(lambda s: s not in ("null", "nil"))


@PROPERTY
@given(text=st.text())
def test_parse_node_ids_never_raises_on_text(text):
    ids = parse_node_ids(text)
    assert isinstance(ids, list)
    assert all(isinstance(i, str) and i and i == i.strip() for i in ids)


@PROPERTY
@given(value=json_values)
def test_parse_node_ids_never_raises_on_json(value):
    ids = parse_node_ids(value)
    assert all(isinstance(i, str) and i for i in ids)


@PROPERTY
@given(ids=st.lists(node_id, max_size=8))
def test_node_ids_round_trip_through_every_shape(ids):
    assert parse_node_ids(ids) == ids
    assert parse_node_ids(json.dumps(ids)) == ids
    assert parse_node_ids(repr(ids)) == ids
    assert parse_node_ids(", ".join(ids)) == ids
    assert parse_node_ids([repr(ids)]) == ids
    assert parse_node_ids(json.dumps(json.dumps(ids))) == ids
    if len(ids) == 1:
        assert parse_node_ids(ids[0]) == ids


# ------------------------------------------------------------------------------------- other helpers


@PROPERTY
@given(value=json_values)
def test_coercions_and_states_never_raise(value):
    assert is_optional_text(to_text(value))
    assert to_int(value) is None or isinstance(to_int(value), int)
    assert to_bool(value) in (None, True, False)
    assert classify_state(value) in ("success", "failure", "running", "unknown")


@PROPERTY
@given(value=json_values)
def test_snake_case_keys_is_idempotent_and_keeps_leaves(value):
    converted = snake_case_keys(value)
    assert snake_case_keys(converted) == converted

    def leaves(item):
        if isinstance(item, dict):
            return sorted((repr(leaf) for v in item.values() for leaf in leaves(v)))
        if isinstance(item, list):
            return sorted((repr(leaf) for v in item for leaf in leaves(v)))
        return [item]

    if not isinstance(value, dict) or len({camel_to_snake(k) for k in value}) == len(value):
        assert len(leaves(converted)) <= len(leaves(value))


@PROPERTY
@given(words=st.lists(st.from_regex(r"[A-Z][a-z]{1,6}", fullmatch=True), min_size=1, max_size=4))
def test_camel_to_snake_of_pascal_words(words):
    assert camel_to_snake("".join(words)) == "_".join(w.lower() for w in words)
