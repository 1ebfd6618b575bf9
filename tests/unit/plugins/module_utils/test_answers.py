# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""answers: the plain DescribeTask reader. Its agreement with the pydantic model over any body is a property
test in test_models_properties.py; here: the reference answers and key spellings. That a module run reading its
answers this way never imports pydantic is checked in test_wire_stdlib.py (with the rest of its import path)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils.answers import object_list, read_task, task_fields
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ResponseParseError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import task_from_body, task_to_dict

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "responses"


def describe_task_fixtures():
    return sorted(path for path in FIXTURES.glob("describe_task*.json"))


@pytest.mark.parametrize("path", describe_task_fixtures(), ids=lambda path: path.name)
def test_reference_answers_read_as_the_model_reads_them(path: Path) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    assert read_task(body, "i-1") == task_to_dict(task_from_body(body, "i-1"))


def test_there_are_reference_answers() -> None:
    assert len(describe_task_fixtures()) >= 3


def test_lower_camel_and_snake_keys_are_read_and_the_first_spelling_wins() -> None:
    body = {"taskState": "running", "task_type": "reclone_node", "TaskType": "extend_cluster",
            "steps": [{"stepName": "s1", "sub_tasks": [{"taskState": "execution_fail"}]}]}
    task = read_task(body, "i-2")
    assert task["task_state"] == "running"
    assert task["task_type"] == "extend_cluster"
    assert task["steps"][0]["step_name"] == "s1"
    assert task["failed_sub_tasks"] == [dict(task["steps"][0]["sub_tasks"][0], step_name="s1")]


def test_the_requested_task_id_wins_and_node_ids_default_to_an_empty_list() -> None:
    fields = task_fields({"TaskState": "running", "TaskId": "other"}, "i-3")
    assert fields["task_id"] == "i-3" and fields["node_ids"] == [] and fields["steps"] == []


@pytest.mark.parametrize("body", [None, [], "x", {"Code": "Throttling", "Message": "slow down"}, {"TaskState": "  "}])
def test_a_body_that_is_not_a_task_is_a_parse_error(body) -> None:
    with pytest.raises(ResponseParseError) as caught:
        read_task(body, "i-4")
    assert caught.value.action == "DescribeTask" and "i-4" in caught.value.msg


@pytest.mark.parametrize("value, expected", [
    (None, []),
    ('[{"a": 1}, 2]', [{"a": 1}]),
    ({"Step": [{"a": 1}]}, [{"a": 1}]),
    ({"a": 1, "b": 2}, [{"a": 1, "b": 2}]),
    ("not json", []),
    (({"a": 1}, "x"), [{"a": 1}]),
])
def test_object_list_shapes(value, expected) -> None:
    assert object_list(value) == expected
