# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading eflo-controller answers with plain functions: no pydantic, nothing to build.

* :func:`task_fields` reads a DescribeTask answer into plain snake_case fields (steps and sub-tasks included),
  with the never-raising parsers of :mod:`lenient`; :func:`task_dict` adds the derived flags of the task dict
  that ``eflo_task_info`` and ``eflo_task_wait`` return; :func:`read_task` does both.
* The checks that an answer is the one that was due (:func:`answer_error`) and the lenient list reader
  (:func:`object_list`) that :mod:`models` shares.

This is the one reader of DescribeTask: :func:`models.task_from_body` validates its pydantic ``Task`` from
:func:`task_fields`, so the model and the plain dict cannot disagree. A one-shot module run reads its answer
here and never imports pydantic, which saves about a third of its start-up cost (see docs/performance.md,
figure 4). Each field is read from ``Name``, ``name`` or ``snake_name``, the first that is present.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ResponseParseError, excerpt
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import (
    STATE_FAILURE,
    STATE_PENDING,
    STATE_SUCCESS,
    camel_to_snake,
    classify_state,
    parse_node_ids,
    parse_timestamp,
    to_text,
)

Reader = Callable[[Any], Any]
FieldTable = Tuple[Tuple[str, Tuple[str, ...], Reader], ...]


def api_names(name: str) -> Tuple[str, str, str]:
    """The keys a field ``Name`` may arrive under: ``Name``, ``name`` (lower camel) and ``snake_name``."""
    return name, name[0].lower() + name[1:], camel_to_snake(name)


def _table(*fields: Tuple[str, str, Reader]) -> FieldTable:
    """(snake_case field, the keys it may arrive under, its never-raising reader), the keys worked out once."""
    return tuple((field, api_names(name), read) for field, name, read in fields)


SUB_TASK_FIELDS = _table(
    ("task_id", "TaskId", to_text),
    ("task_type", "TaskType", to_text),
    ("task_state", "TaskState", to_text),
    ("create_time", "CreateTime", parse_timestamp),
    ("update_time", "UpdateTime", parse_timestamp),
    ("message", "Message", to_text),
)
STEP_FIELDS = _table(
    ("step_name", "StepName", to_text),
    ("step_type", "StepType", to_text),
    ("step_state", "StepState", to_text),
    ("stage_tag", "StageTag", to_text),
    ("start_time", "StartTime", parse_timestamp),
    ("update_time", "UpdateTime", parse_timestamp),
    ("message", "Message", to_text),
)
TASK_FIELDS = _table(
    ("task_id", "TaskId", to_text),
    ("task_type", "TaskType", to_text),
    ("task_state", "TaskState", to_text),
    ("cluster_id", "ClusterId", to_text),
    ("cluster_name", "ClusterName", to_text),
    ("message", "Message", to_text),
    ("node_ids", "NodeIds", parse_node_ids),
    ("create_time", "CreateTime", parse_timestamp),
    ("update_time", "UpdateTime", parse_timestamp),
)
_STEPS_KEYS = api_names("Steps")
_SUB_TASKS_KEYS = api_names("SubTasks")
_REQUEST_ID_KEYS = api_names("RequestId")


# ------------------------------------------------------------------------------------------ lenient reads


def _raw(body: Mapping[str, Any], keys: Tuple[str, ...]) -> Any:
    """The value under the first of ``keys`` that is present (``None`` when none is); every reader maps
    ``None`` to its empty value."""
    for key in keys:
        if key in body:
            return body[key]
    return None


def _fields(body: Mapping[str, Any], table: FieldTable) -> Dict[str, Any]:
    return {field: read(_raw(body, keys)) for field, keys, read in table}


def object_list(value: Any, keep: Tuple[type, ...] = (dict,)) -> List[Any]:
    """A list of JSON objects from ``null``, a list (non-objects dropped), one object, an object wrapping the
    list (``{"Step": [...]}``) or a JSON string of any of these. Items of the types in ``keep`` are kept; a
    list whose items all are kept is returned itself."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text or text[0] not in "[{":
            return []
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return []
    if isinstance(value, dict):
        if not value:
            return []
        if len(value) == 1:
            only = next(iter(value.values()))
            if isinstance(only, list):
                return object_list(only, keep)
        return [value]
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, keep):
                return [item for item in value if isinstance(item, keep)]
        return value
    if isinstance(value, tuple):
        return [item for item in value if isinstance(item, keep)]
    return []


def _listed(body: Mapping[str, Any], keys: Tuple[str, ...]) -> List[Any]:
    return object_list(_raw(body, keys))


# ------------------------------------------------------------------------------------ answers that are wrong


def json_type(value: Any) -> str:
    """How a JSON value reads in a message: ``null``, ``a string``, ``an object``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def body_excerpt(body: Any) -> str:
    """A trimmed JSON (or repr) excerpt of ``body`` for an error message."""
    try:
        text = json.dumps(body, ensure_ascii=False, sort_keys=False, default=str)
    except (ValueError, TypeError, RecursionError):
        try:
            text = repr(body)
        except (ValueError, RecursionError):
            text = "<%s>" % type(body).__name__
    return excerpt(text)


def first_text(body: Mapping[str, Any], *keys: str) -> Optional[str]:
    """The first non-blank text among ``body[key]`` for ``keys``."""
    for key in keys:
        text = to_text(body.get(key))
        if text is not None and text.strip():
            return text
    return None


def scalar_text(value: Any) -> Optional[str]:
    """Non-blank text of a scalar (a string, number or boolean); ``None`` for objects, lists and blanks."""
    if isinstance(value, (dict, list, tuple)):
        return None
    text = to_text(value)
    if text is None or not text.strip():
        return None
    return text


def answer_error(action: str, body: Any, problem: str, envelope: bool = True) -> ResponseParseError:
    """The error for an answer that is not the one due: names the problem, says whether the body is an error
    envelope (with its code and message when it has them) and quotes a trimmed excerpt."""
    code = message = request_id = None
    if isinstance(body, Mapping):
        info = body.get("ErrorCodeInfo") or body.get("errorCodeInfo")
        detail: Mapping[str, Any] = info if isinstance(info, Mapping) else {}
        code = first_text(body, "Code", "code") or first_text(detail, "ErrorCode", "errorCode", "Code")
        message = first_text(body, "Message", "message") or first_text(detail, "ErrorMessage", "errorMessage", "Message")
        request_id = first_text(body, "RequestId", "requestId")
    quoted = body_excerpt(body)
    msg = "%s %s" % (action, problem)
    if code or message:
        msg += " It is an error envelope (code %s: %s), not a %s answer." % (code or "-", message or "-", action)
    elif envelope:
        msg += " It looks like an error envelope, not a %s answer." % action
    msg += " Body: %s" % quoted
    return ResponseParseError(msg, code=code, message=message, request_id=request_id, body_excerpt=quoted, action=action)


# ------------------------------------------------------------------------------------------ DescribeTask


def check_task_body(body: Any, task_id: str) -> Mapping[str, Any]:
    """``body`` when it is a DescribeTask answer: a JSON object with a usable ``TaskState``; else
    :class:`~errors.ResponseParseError` (an error envelope such as ``{"ErrorCodeInfo": {...}}`` in a 200 answer)."""
    action = "DescribeTask"
    label = "answer for task %s" % (task_id,)
    if not isinstance(body, Mapping):
        raise answer_error(action, body, "%s is not a JSON object (got %s)." % (label, json_type(body)), envelope=False)
    state = body.get("TaskState", body.get("taskState"))
    if scalar_text(state) is None:
        problem = "has no TaskState." if state is None else "has no usable TaskState (%s)." % json_type(state)
        raise answer_error(action, body, "%s %s" % (label, problem))
    return body


def _step_fields(step: Mapping[str, Any]) -> Dict[str, Any]:
    fields = _fields(step, STEP_FIELDS)
    fields["sub_tasks"] = [_fields(sub_task, SUB_TASK_FIELDS) for sub_task in _listed(step, _SUB_TASKS_KEYS)]
    return fields


def task_fields(body: Any, task_id: str) -> Dict[str, Any]:
    """The fields of a DescribeTask answer for ``task_id``: snake_case, timestamps normalised, steps with their
    sub-tasks as lists of dicts, ``request_id``. ``task_id`` wins over a ``TaskId`` in the body.

    Raises :class:`~errors.ResponseParseError` for a body that is not a DescribeTask answer (see
    :func:`check_task_body`); any field of an answer reads without error."""
    body = check_task_body(body, task_id)
    fields = _fields(body, TASK_FIELDS)
    if task_id:
        fields["task_id"] = str(task_id)
    fields["steps"] = [_step_fields(step) for step in _listed(body, _STEPS_KEYS)]
    fields["request_id"] = to_text(_raw(body, _REQUEST_ID_KEYS))
    return fields


def _copy_step(step: Dict[str, Any]) -> Dict[str, Any]:
    # failed_steps repeat steps[] entries: copies, so YAML output never shows anchors/aliases
    copied = dict(step)
    copied["sub_tasks"] = [dict(sub_task) for sub_task in step["sub_tasks"]]
    return copied


def task_dict(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """The snake_case task dict documented in ``eflo_task_info`` RETURN, from :func:`task_fields` (or the same fields
    of a model, :func:`models.task_to_dict`); the steps are taken as they are, not copied.

    ``is_finished``/``is_succeeded`` come from :func:`lenient.classify_state` of ``task_state``; ``failed_steps``
    are the steps whose ``step_state`` is a failure; ``failed_sub_tasks`` the sub-tasks whose ``task_state`` is a
    failure, each with the ``step_name`` it belongs to (a task can succeed with failed sub-tasks).
    """
    steps = list(fields.get("steps") or ())
    failed_steps: List[Dict[str, Any]] = []
    failed_sub_tasks: List[Dict[str, Any]] = []
    for step in steps:
        if classify_state(step["step_state"]) == STATE_FAILURE:
            failed_steps.append(_copy_step(step))
        for sub_task in step["sub_tasks"]:
            if classify_state(sub_task["task_state"]) == STATE_FAILURE:
                failed = dict(sub_task)
                failed["step_name"] = step["step_name"]
                failed_sub_tasks.append(failed)
    state_class = classify_state(fields.get("task_state"))
    result = {field: fields.get(field) for field, _name, _read in TASK_FIELDS}
    result["node_ids"] = list(fields.get("node_ids") or ())
    result["steps"] = steps
    result["request_id"] = fields.get("request_id")
    result["is_finished"] = state_class != STATE_PENDING
    result["is_succeeded"] = state_class == STATE_SUCCESS
    result["failed_steps"] = failed_steps
    result["failed_sub_tasks"] = failed_sub_tasks
    return result


def read_task(body: Any, task_id: str) -> Dict[str, Any]:
    """The task dict of a DescribeTask answer for ``task_id`` (:func:`task_fields`, then :func:`task_dict`)."""
    return task_dict(task_fields(body, task_id))


__all__ = [
    "answer_error",
    "api_names",
    "body_excerpt",
    "check_task_body",
    "first_text",
    "json_type",
    "object_list",
    "read_task",
    "scalar_text",
    "task_dict",
    "task_fields",
]
