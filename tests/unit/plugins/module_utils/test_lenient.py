# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import (
    STATE_FAILURE,
    STATE_RUNNING,
    STATE_SUCCESS,
    STATE_UNKNOWN,
    camel_to_snake,
    classify_state,
    format_timestamp,
    object_list,
    parse_datetime,
    parse_node_ids,
    parse_timestamp,
    snake_case_keys,
    to_bool,
    to_int,
    to_text,
)

UTC = timezone.utc


# ------------------------------------------------------------------------------------------ timestamps


@pytest.mark.parametrize(
    "raw, expected",
    [
        # the five documented shapes (reference section 10.1)
        ("2022-11-30T02:00:00.852Z", "2022-11-30T02:00:00.852Z"),
        ("2022-11-30T2:00:00.852Z", "2022-11-30T02:00:00.852Z"),
        ("2022-06-08T07:05:11Z", "2022-06-08T07:05:11Z"),
        ("1672134938", "2022-12-27T09:55:38Z"),
        ("1642472468000", "2022-01-18T02:21:08Z"),
        # the same as numbers
        (1672134938, "2022-12-27T09:55:38Z"),
        (1642472468000, "2022-01-18T02:21:08Z"),
        (1672134938.25, "2022-12-27T09:55:38.250Z"),
        (1642472468123, "2022-01-18T02:21:08.123Z"),
        ("1642472468123", "2022-01-18T02:21:08.123Z"),
        ("1672134938.5", "2022-12-27T09:55:38.500Z"),
        (0, "1970-01-01T00:00:00Z"),
        # the ms threshold: 10**11 - 1 is seconds (year 5138), 10**11 is milliseconds (1973)
        (10**11, "1973-03-03T09:46:40Z"),
        ("99999999999", "5138-11-16T09:46:39Z"),
        # offsets, all normalised to UTC
        ("2022-11-30T10:00:00+08:00", "2022-11-30T02:00:00Z"),
        ("2022-11-30T10:00:00+0800", "2022-11-30T02:00:00Z"),
        ("2022-11-30T10:00:00+08", "2022-11-30T02:00:00Z"),
        ("2022-11-29T21:30:00.5-04:30", "2022-11-30T02:00:00.500Z"),
        ("2022-11-30T02:00:00.852+00:00", "2022-11-30T02:00:00.852Z"),
        # no zone means UTC; spaces, lower-case t/z, one-digit parts, missing seconds
        ("2022-11-30T02:00:00", "2022-11-30T02:00:00Z"),
        ("2022-11-30 02:00:00", "2022-11-30T02:00:00Z"),
        ("2022-11-30t02:00:00z", "2022-11-30T02:00:00Z"),
        ("2022-1-3T2:3:4Z", "2022-01-03T02:03:04Z"),
        ("2022-11-30T02:00Z", "2022-11-30T02:00:00Z"),
        ("2022-11-30 10:00:00 +08:00", "2022-11-30T02:00:00Z"),
        ("2022-11-30T02:00:00 UTC", "2022-11-30T02:00:00Z"),
        # fractions: milliseconds kept, zero milliseconds dropped, finer digits truncated
        ("2022-08-23T06:36:17.000Z", "2022-08-23T06:36:17Z"),
        ("2022-11-30T02:00:00.8Z", "2022-11-30T02:00:00.800Z"),
        ("2022-11-30T02:00:00.123456789Z", "2022-11-30T02:00:00.123Z"),
        ("2022-11-30T02:00:00,852Z", "2022-11-30T02:00:00.852Z"),
        ("2022-11-30T02:00:00.0004Z", "2022-11-30T02:00:00Z"),
        # surrounding whitespace
        ("  2022-11-30T02:00:00Z\n", "2022-11-30T02:00:00Z"),
        (" 1672134938 ", "2022-12-27T09:55:38Z"),
    ],
)
def test_parse_timestamp_shapes(raw, expected):
    assert parse_timestamp(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("not a time", "not a time"),
        ("  yesterday  ", "yesterday"),
        ("2022-02-30T00:00:00Z", "2022-02-30T00:00:00Z"),  # impossible date: kept, not shifted
        ("2022-11-30T25:00:00Z", "2022-11-30T25:00:00Z"),
        ("2022-11-30T02:00:60Z", "2022-11-30T02:00:60Z"),
        ("2022-11-30T02:00:00+24:00", "2022-11-30T02:00:00+24:00"),
        ("2022-11-30T02:00:00+08:75", "2022-11-30T02:00:00+08:75"),
        ("0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"),
        ("0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00+01:00"),  # before year 1 in UTC
        ("9" * 41, "9" * 41),  # too long to be an epoch
        ("9" * 5000, "9" * 5000),  # int() of > 4300 digits would raise
        ("99999999999999999999", "99999999999999999999"),  # beyond year 9999
        ("2022-11-30", "2022-11-30"),
        ("１６７２１３４９３８", "１６７２１３４９３８"),  # full-width digits are not an epoch
        ("-1672134938", "-1672134938"),
    ],
)
def test_parse_timestamp_keeps_unparsable_text(raw, expected):
    assert parse_timestamp(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\n\t", True, False, [], [1672134938], {}, {"a": 1}, object()])
def test_parse_timestamp_none_for_empty_and_non_scalars(raw):
    assert parse_timestamp(raw) is None


@pytest.mark.parametrize("raw, expected", [(1e300, "1e+300"), (float("nan"), "nan"), (float("inf"), "inf"), (-(10**20), "-100000000000000000000")])
def test_parse_timestamp_unusable_numbers_give_their_text(raw, expected):
    assert parse_timestamp(raw) == expected


def test_parse_timestamp_datetime_objects():
    assert parse_timestamp(datetime(2022, 11, 30, 2, 0, 0, 852000)) == "2022-11-30T02:00:00.852Z"
    tz8 = timezone(timedelta(hours=8))
    assert parse_timestamp(datetime(2022, 11, 30, 10, 0, tzinfo=tz8)) == "2022-11-30T02:00:00Z"


def test_parse_datetime_is_aware_utc():
    moment = parse_datetime("2022-11-30T2:00:00.852Z")
    assert moment == datetime(2022, 11, 30, 2, 0, 0, 852000, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(0)
    assert parse_datetime("2022-11-30T10:00:00+08:00") == datetime(2022, 11, 30, 2, tzinfo=UTC)
    assert parse_datetime("1642472468000") == datetime(2022, 1, 18, 2, 21, 8, tzinfo=UTC)
    assert parse_datetime(1672134938) == datetime(2022, 12, 27, 9, 55, 38, tzinfo=UTC)


def test_parse_datetime_elapsed_between_mixed_shapes():
    start = parse_datetime("2022-11-30T2:00:00.852Z")
    end = parse_datetime("2022-11-30T03:40:14.852Z")
    assert (end - start).total_seconds() == 6014.0
    # epoch ms string and ISO of the same instant
    assert parse_datetime("1669773600852") == start


@pytest.mark.parametrize("raw", [None, "", "garbage", True, [], {}, "2022-02-30T00:00:00Z", float("nan"), 1e300, "9" * 5000])
def test_parse_datetime_none_when_unparsable(raw):
    assert parse_datetime(raw) is None


def test_parse_datetime_naive_datetime_is_utc():
    assert parse_datetime(datetime(2022, 1, 1)) == datetime(2022, 1, 1, tzinfo=UTC)


def test_format_timestamp():
    assert format_timestamp(datetime(2022, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2022-01-02T03:04:05Z"
    assert format_timestamp(datetime(2022, 1, 2, 3, 4, 5, 7000, tzinfo=UTC)) == "2022-01-02T03:04:05.007Z"
    assert format_timestamp(datetime(2022, 1, 2, 3, 4, 5, 999)) == "2022-01-02T03:04:05Z"
    assert format_timestamp(datetime(12, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0012-01-02T03:04:05Z"


def test_canonical_input_round_trips_unchanged():
    for text in ("2022-11-30T02:00:00.852Z", "2022-06-08T07:05:11Z", "1999-12-31T23:59:59.001Z"):
        assert parse_timestamp(text) == text
        assert format_timestamp(parse_datetime(text)) == text


# -------------------------------------------------------------------------------------------- node ids


@pytest.mark.parametrize(
    "raw, expected",
    [
        (["e01-cn-zvp2tgykr08"], ["e01-cn-zvp2tgykr08"]),
        (["a", "b", "c"], ["a", "b", "c"]),
        (("a", "b"), ["a", "b"]),
        ('["a", "b"]', ["a", "b"]),
        ("['mock-sn-200101']", ["mock-sn-200101"]),
        ("['mock-sn-200101', 'mock-sn-200102']", ["mock-sn-200101", "mock-sn-200102"]),
        ('[u"a", u\'b\']', ["a", "b"]),
        ("('a', 'b')", ["a", "b"]),
        ("[a, b]", ["a", "b"]),
        # the seed documentation's example: a list whose item is a Python-list repr
        (["['mock-sn-200101']"], ["mock-sn-200101"]),
        (['["a", "b"]', "c"], ["a", "b", "c"]),
        ("a,b, c", ["a", "b", "c"]),
        ("a; b  c", ["a", "b", "c"]),
        ("e01-cn-zvp2tgykr08", ["e01-cn-zvp2tgykr08"]),
        ("  e01-cn-zvp2tgykr08  ", ["e01-cn-zvp2tgykr08"]),
        ('"e01-cn-zvp2tgykr08"', ["e01-cn-zvp2tgykr08"]),
        ('"[\\"a\\", \\"b\\"]"', ["a", "b"]),  # a JSON string holding a JSON array
        (None, []),
        ("", []),
        ("   ", []),
        ("[]", []),
        ("null", []),
        ("None", []),
        ("['a', None]", ["a"]),
        ('["a", null, "", " "]', ["a"]),
        ([None, "", "a", " b "], ["a", "b"]),
        ([1, 2], ["1", "2"]),
        (12345, ["12345"]),
        ([True, False, {}, "x"], ["x"]),
        (True, []),
        ({"NodeId": ["x", "y"]}, ["x", "y"]),
        ({"NodeIds": "['x']"}, ["x"]),
        ({"whatever": ["x"]}, ["x"]),
        ({"a": 1, "b": 2}, []),
        ([["a"], ["b", ["c"]]], ["a", "b", "c"]),
        ("['a',", ["a"]),  # truncated repr: what can be read is kept
        ("[[[[", []),
    ],
)
def test_parse_node_ids_shapes(raw, expected):
    assert parse_node_ids(raw) == expected


def test_parse_node_ids_list_items_are_not_split():
    # a list is authoritative about separators: an item with a comma stays one item
    assert parse_node_ids(["a,b", "c d"]) == ["a,b", "c d"]


def test_parse_node_ids_does_not_evaluate_code():
    hostile = "[__import__('os').system('exit 3')]"
    assert parse_node_ids(hostile) == ["__import__", "os", ".system", "exit 3"]


def test_parse_node_ids_deep_nesting_is_bounded():
    deep = "x"
    for _level in range(5000):
        deep = [deep]
    assert parse_node_ids(deep) == []
    assert parse_node_ids("[" * 100000 + "]" * 100000) == []
    assert parse_node_ids({"NodeId": {"NodeId": {"NodeId": {"NodeId": {"NodeId": {"NodeId": {"NodeId": "x"}}}}}}}) == []


# ----------------------------------------------------------------------------------------- coercions


@pytest.mark.parametrize(
    "raw, expected",
    [
        (None, None),
        ("x", "x"),
        (" x ", " x "),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        (1.5, "1.5"),
        ({"a": 1}, '{"a":1}'),
        ([1, "节点"], '[1,"节点"]'),
    ],
)
def test_to_text(raw, expected):
    assert to_text(raw) == expected


def test_to_text_int_too_large_to_print():
    # Python 3.11 refuses str() of ints with more than 4300 digits (built here, not in parametrize ids)
    assert to_text(10**5000) is None
    assert parse_timestamp(10**5000) is None
    assert parse_node_ids([10**5000, "a"]) == ["a"]


def test_to_text_circular_structure():
    loop: list = []
    loop.append(loop)
    assert to_text(loop) is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        (3, 3), ("12", 12), (" -4 ", -4), (2.0, 2), (2.5, None), ("2.5", None), ("x", None),
        (True, None), (None, None), ("9" * 5000, None), (float("inf"), None), ([], None),
    ],
)
def test_to_int(raw, expected):
    assert to_int(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        (True, True), (False, False), ("True", True), ("false", False), (" yes ", True), ("off", False),
        (1, True), (0, False), (2, None), ("maybe", None), (None, None), ([], None),
    ],
)
def test_to_bool(raw, expected):
    assert to_bool(raw) is expected


# -------------------------------------------------------------------------------------------- states


@pytest.mark.parametrize(
    "state, expected",
    [
        ("execution_success", STATE_SUCCESS),
        ("EXECUTION_SUCCESS", STATE_SUCCESS),
        ("Execution-Success", STATE_SUCCESS),
        ("success", STATE_SUCCESS),
        ("Succeeded", STATE_SUCCESS),
        (" succeeded ", STATE_SUCCESS),
        ("execution_fail", STATE_FAILURE),
        ("execution_failed", STATE_FAILURE),
        ("Failed", STATE_FAILURE),
        ("FAILURE", STATE_FAILURE),
        ("partially_failed", STATE_FAILURE),
        ("running", STATE_RUNNING),
        ("Waiting-To-Run", STATE_RUNNING),
        ("waiting_to_run", STATE_RUNNING),
        ("init", STATE_UNKNOWN),
        ("pending", STATE_UNKNOWN),
        ("successful_soon", STATE_UNKNOWN),  # only the exact success words count
        ("not_success", STATE_UNKNOWN),
        ("unsuccessful", STATE_UNKNOWN),
        ("", STATE_UNKNOWN),
        ("  ", STATE_UNKNOWN),
        (None, STATE_UNKNOWN),
        (42, STATE_UNKNOWN),
        ({"state": "failed"}, STATE_UNKNOWN),  # an object is not a state
        (["execution_success"], STATE_UNKNOWN),
    ],
)
def test_classify_state(state, expected):
    assert classify_state(state) == expected


DISAGREEING_STATES = ["not_success", "unsuccessful", "Succeeded", "SUCCESS", "Execution-Success", "execution_failed",
                      "partially_failed", "Waiting_To_Run", "RUNNING", "init", "cancelled", "", None]


@pytest.mark.parametrize("state", DISAGREEING_STATES)
def test_every_reader_of_a_state_follows_classify_state(state):
    """The models (task dict), the wait engine (its verdict and current step), its progress text and its schedule."""
    waiter = pytest.importorskip("ansible_collections.alibabacloud.eflo.plugins.plugin_utils.waiter")
    from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import read_task, task_to_dict
    from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import progress, schedule

    verdict = classify_state(state)
    sub = {"TaskId": "s1", "TaskState": state, "CreateTime": "2022-11-30T02:00:00Z"}
    body = {"TaskState": state or "running", "CreateTime": "2022-11-30T02:00:00Z",
            "Steps": [{"StepName": "a", "StepState": state, "StartTime": "2022-11-30T02:00:00Z", "SubTasks": [sub]},
                      {"StepName": "b", "StepState": "running", "StartTime": "2022-11-30T02:10:00Z"}]}
    task = task_to_dict(read_task(body, "i1"))
    assert task["is_finished"] is (classify_state(state or "running") in (STATE_SUCCESS, STATE_FAILURE))
    assert task["is_succeeded"] is (classify_state(state or "running") == STATE_SUCCESS)
    assert bool(task["failed_steps"]) is bool(task["failed_sub_tasks"]) is (verdict == STATE_FAILURE)
    bare = {key: value for key, value in task.items() if key not in ("failed_steps", "failed_sub_tasks")}
    assert bool(progress.failed_steps(bare)) is bool(progress.failed_sub_tasks(bare)) is (verdict == STATE_FAILURE)
    assert waiter.current_step(task) == ("b" if verdict == STATE_SUCCESS else "a")
    engine = waiter.evaluate_acceptors(waiter.validate_config(waiter.WaitConfig()), {"task_state": state})[0]
    assert engine == {STATE_SUCCESS: "success", STATE_FAILURE: "failure"}.get(verdict, "retry")
    standing = schedule.read_progress(dict(task, task_state="running"))  # busy: step a, or its sub-task, is not over
    assert (standing.phase == schedule.PHASE_BUSY) is (verdict not in (STATE_SUCCESS, STATE_FAILURE))


@pytest.mark.parametrize("value, expected", [
    (None, []),
    ('[{"a": 1}, 2]', [{"a": 1}]),
    ({"Step": [{"a": 1}]}, [{"a": 1}]),
    ({"a": 1, "b": 2}, [{"a": 1, "b": 2}]),
    ({}, []),
    ("not json", []),
    (({"a": 1}, "x"), [{"a": 1}]),
    (5, []),
])
def test_object_list_shapes(value, expected):
    assert object_list(value) == expected


# ---------------------------------------------------------------------------------------- snake_case


@pytest.mark.parametrize(
    "name, expected",
    [
        ("RequestId", "request_id"),
        ("NodeIds", "node_ids"),
        ("VSwitchId", "vswitch_id"),
        ("VSwitchZoneId", "vswitch_zone_id"),
        ("HpnZone", "hpn_zone"),
        ("TaskState", "task_state"),
        ("OpenEniJumboFrame", "open_eni_jumbo_frame"),
        ("IPAddress", "ip_address"),
        ("ClusterID", "cluster_id"),
        ("Ipv6Address", "ipv6_address"),
        ("requestId", "request_id"),
        ("request_id", "request_id"),
        ("Sn", "sn"),
        ("", ""),
    ],
)
def test_camel_to_snake(name, expected):
    assert camel_to_snake(name) == expected


def test_snake_case_keys_nested():
    body = {
        "RequestId": "r",
        "NextToken": None,
        "Nodes": [
            {"NodeId": "n1", "VSwitchId": "vsw", "Networks": [{"BondName": "bond0", "Ip": "1.2.3.4"}], "Tags": [{"Key": "Env", "Value": "Prod"}]},
        ],
        "Count": 3,
    }
    assert snake_case_keys(body) == {
        "request_id": "r",
        "next_token": None,
        "nodes": [
            {"node_id": "n1", "vswitch_id": "vsw", "networks": [{"bond_name": "bond0", "ip": "1.2.3.4"}], "tags": [{"key": "Env", "value": "Prod"}]},
        ],
        "count": 3,
    }
    # the input is not modified
    assert "RequestId" in body and "NodeId" in body["Nodes"][0]


def test_snake_case_keys_keeps_order_scalars_and_non_string_keys():
    assert list(snake_case_keys({"B": 1, "A": 2, "CcDd": 3})) == ["b", "a", "cc_dd"]
    assert snake_case_keys("TaskState") == "TaskState"
    assert snake_case_keys(None) is None
    assert snake_case_keys([{"AbC": (1, {"DeF": 2})}]) == [{"ab_c": [1, {"de_f": 2}]}]
    assert snake_case_keys({1: {"FooBar": 1}}) == {1: {"foo_bar": 1}}


def test_snake_case_keys_ignore_keeps_user_keys():
    body = {"Tags": {"MyTag": "V"}, "ResourceTags": {"KeepMe": 1}, "Other": {"ConvertMe": 1}}
    assert snake_case_keys(body, ignore=["Tags", "resource_tags"]) == {
        "tags": {"MyTag": "V"},
        "resource_tags": {"KeepMe": 1},
        "other": {"convert_me": 1},
    }


def test_snake_case_keys_deep_nesting_does_not_overflow():
    deep: dict = {"LeafValue": 1}
    for _level in range(20000):
        deep = {"ChildNode": deep}
    converted = snake_case_keys(deep)
    depth = 0
    while "child_node" in converted:
        converted = converted["child_node"]
        depth += 1
    assert depth == 20000 and converted == {"leaf_value": 1}
