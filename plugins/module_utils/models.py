# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pydantic v2 models of the eflo-controller answers the collection reads, and their snake_case dicts.

* ``DescribeTask``     -> :class:`Task` (with :class:`Step` and :class:`SubTask`): :func:`task_from_body`,
  :func:`task_to_dict`.
* ``DescribeCluster``  -> :class:`Cluster` (also fits ``ListClusters`` items): :func:`cluster_from_body`,
  :func:`cluster_to_dict`.
* ``ListClusterNodes`` -> :class:`NodePage` of :class:`Node`: :func:`node_page_from_body`,
  :func:`nodes_from_body`, :func:`node_to_dict`.

The models accept every shape documented in the reference notes (section 10): one-digit hours, epoch seconds
and milliseconds as strings, ``NodeIds`` as a list, a JSON string or a Python-list repr, ``null`` or missing
``Steps``/``SubTasks``, unknown fields (ignored), unknown enum values (kept as strings) and scalars of the
wrong JSON type (coerced to text). Every field is optional and every field validator is one of the
never-raising parsers of :mod:`lenient`, so validating a JSON object cannot fail; the only error is
:class:`~errors.ResponseParseError` for a body that is not the answer that was due (not an object, or an
error envelope without ``TaskState``).

Timestamps are stored already normalised to ISO 8601 UTC text (see :func:`lenient.parse_timestamp`);
:func:`lenient.parse_datetime` turns them back into datetimes for elapsed-time arithmetic.

pydantic is imported under a guard so ``ansible-test sanity --test import`` passes without it; the
functions raise :class:`~errors.ConfigurationError` with an install hint when it is missing.
"""

from __future__ import annotations

import json
import threading
from typing import Annotated, Any, Dict, List, Mapping, Optional

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (
    ConfigurationError,
    ResponseParseError,
    excerpt,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import (  # pylint: disable=unused-import
    STATE_FAILURE,
    STATE_PENDING,
    STATE_SUCCESS,
    camel_to_snake,
    classify_state,
    is_failure_state,
    is_success_state,
    is_terminal_state,
    parse_node_ids,
    parse_timestamp,
    snake_case_keys,
    to_bool,
    to_int,
    to_text,
)

try:
    from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
except ImportError:  # pragma: no cover - exercised by ansible-test sanity --test import
    HAS_PYDANTIC = False

    class BaseModel:  # type: ignore[no-redef]
        """Stand-in so the module imports without pydantic; the models are unusable then."""

    class ValidationError(ValueError):  # type: ignore[no-redef]
        """Stand-in; never raised."""

    def AliasChoices(*choices: str) -> Any:  # type: ignore[no-redef]  # pylint: disable=invalid-name
        return choices

    def BeforeValidator(func: Any) -> Any:  # type: ignore[no-redef]  # pylint: disable=invalid-name
        return func

    def ConfigDict(**kwargs: Any) -> Any:  # type: ignore[no-redef]  # pylint: disable=invalid-name
        return kwargs

    def Field(default: Any = None, **kwargs: Any) -> Any:  # type: ignore[no-redef]  # pylint: disable=invalid-name
        return default

else:
    HAS_PYDANTIC = True

__all__ = [
    "Cluster",
    "HAS_PYDANTIC",
    "MISSING_PYDANTIC_MSG",
    "Node",
    "NodePage",
    "STATE_FAILURE",
    "STATE_PENDING",
    "STATE_SUCCESS",
    "Step",
    "SubTask",
    "Task",
    "camel_to_snake",
    "classify_state",
    "cluster_from_body",
    "cluster_to_dict",
    "is_failure_state",
    "is_success_state",
    "is_terminal_state",
    "node_page_from_body",
    "node_to_dict",
    "nodes_from_body",
    "snake_case_keys",
    "step_to_dict",
    "sub_task_to_dict",
    "task_from_body",
    "task_to_dict",
]

_BUILD_LOCK = threading.Lock()  # serialises the one-time build of each model (see _built); holds no data

MISSING_PYDANTIC_MSG = (
    "The alibabacloud.eflo collection needs pydantic>=2: install httpx, pydantic>=2 and jmespath on the host that runs the module."
)


# ------------------------------------------------------------------------------------ lenient field types


def _object_list(value: Any) -> List[Any]:
    """A list of JSON objects from ``null``, a list (non-objects dropped), one object, an object wrapping the
    list (``{"Step": [...]}``) or a JSON string of any of these. Returns ``value`` itself when it is already fine."""
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
                return _object_list(only)
        return [value]
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, (dict, BaseModel)):
                return [item for item in value if isinstance(item, (dict, BaseModel))]
        return value
    if isinstance(value, tuple):
        return [item for item in value if isinstance(item, (dict, BaseModel))]
    return []


def _json_value(value: Any) -> Any:
    """Keep a JSON object or list as it came; anything else (a scalar, ``null``) becomes ``None``."""
    if isinstance(value, (dict, list)):
        return value
    return None


Text = Annotated[Optional[str], BeforeValidator(to_text)]
Timestamp = Annotated[Optional[str], BeforeValidator(parse_timestamp)]
NodeIdList = Annotated[List[str], BeforeValidator(parse_node_ids)]
Count = Annotated[Optional[int], BeforeValidator(to_int)]
Flag = Annotated[Optional[bool], BeforeValidator(to_bool)]
RawJson = Annotated[Any, BeforeValidator(_json_value)]


def _api(name: str, default: Any = None) -> Any:
    """A field read from ``Name``, ``name`` (lower camel, as some gateways write) or ``snake_name``."""
    lower = name[0].lower() + name[1:]
    choices = AliasChoices(name, lower, camel_to_snake(name))
    if isinstance(default, list):
        return Field(default_factory=list, validation_alias=choices)
    return Field(default=default, validation_alias=choices)


class _Lenient(BaseModel):
    # Unknown fields are ignored; values are not re-validated on assignment; models stay mutable and cheap.
    # defer_build: a model's validator is built when it is first used, not at import, so a module run pays only
    # for the models it parses (eflo_task_info: Task, Step, SubTask; never Cluster, Node, NodePage).
    model_config = ConfigDict(extra="ignore", populate_by_name=True, arbitrary_types_allowed=False, defer_build=True)


# ------------------------------------------------------------------------------------------ DescribeTask


class SubTask(_Lenient):
    """``Steps[].SubTasks[]`` of a DescribeTask answer (a per-node sub-task, itself a task id)."""

    task_id: Text = _api("TaskId")
    task_type: Text = _api("TaskType")
    task_state: Text = _api("TaskState")
    create_time: Timestamp = _api("CreateTime")
    update_time: Timestamp = _api("UpdateTime")
    message: Text = _api("Message")


class Step(_Lenient):
    """``Steps[]`` of a DescribeTask answer."""

    step_name: Text = _api("StepName")
    step_type: Text = _api("StepType")
    step_state: Text = _api("StepState")
    stage_tag: Text = _api("StageTag")
    start_time: Timestamp = _api("StartTime")
    update_time: Timestamp = _api("UpdateTime")
    message: Text = _api("Message")
    sub_tasks: Annotated[List[SubTask], BeforeValidator(_object_list)] = _api("SubTasks", [])


class Task(_Lenient):
    """A DescribeTask answer. ``task_id`` is not in the answer: :func:`task_from_body` sets it."""

    task_id: Text = _api("TaskId")
    task_type: Text = _api("TaskType")
    task_state: Text = _api("TaskState")
    cluster_id: Text = _api("ClusterId")
    cluster_name: Text = _api("ClusterName")
    message: Text = _api("Message")
    node_ids: NodeIdList = _api("NodeIds", [])
    create_time: Timestamp = _api("CreateTime")
    update_time: Timestamp = _api("UpdateTime")
    steps: Annotated[List[Step], BeforeValidator(_object_list)] = _api("Steps", [])
    request_id: Text = _api("RequestId")

    @property
    def state_class(self) -> str:
        """``"success"``, ``"failure"`` or ``"pending"`` (see :func:`lenient.classify_state`)."""
        return classify_state(self.task_state)

    @property
    def is_finished(self) -> bool:
        return self.state_class != STATE_PENDING

    @property
    def is_succeeded(self) -> bool:
        return self.state_class == STATE_SUCCESS


# --------------------------------------------------------------------------- DescribeCluster / ListClusters


class Cluster(_Lenient):
    """A DescribeCluster answer or a ListClusters item (whose times are epoch-seconds strings)."""

    cluster_id: Text = _api("ClusterId")
    cluster_name: Text = _api("ClusterName")
    cluster_type: Text = _api("ClusterType")
    cluster_description: Text = _api("ClusterDescription")
    operating_state: Text = _api("OperatingState")
    task_id: Text = _api("TaskId")
    node_count: Count = _api("NodeCount")
    node_group_count: Count = _api("NodeGroupCount")
    hpn_zone: Text = _api("HpnZone")
    computing_ip_version: Text = _api("ComputingIpVersion")
    open_eni_jumbo_frame: Flag = _api("OpenEniJumboFrame")
    components: RawJson = _api("Components")
    networks: RawJson = _api("Networks")
    vpc_id: Text = _api("VpcId")
    vswitch_id: Text = Field(default=None, validation_alias=AliasChoices("VSwitchId", "vSwitchId", "VswitchId", "vswitch_id"))
    security_group_id: Text = _api("SecurityGroupId")
    resource_group_id: Text = _api("ResourceGroupId")
    tags: RawJson = _api("Tags")
    create_time: Timestamp = _api("CreateTime")
    update_time: Timestamp = _api("UpdateTime")
    request_id: Text = _api("RequestId")


# ------------------------------------------------------------------------------------------ ListClusterNodes


class Node(_Lenient):
    """A ListClusterNodes item (times are epoch-milliseconds strings there) or a DescribeNode answer."""

    node_id: Text = _api("NodeId")
    hostname: Text = _api("Hostname")
    operating_state: Text = _api("OperatingState")
    node_group_id: Text = _api("NodeGroupId")
    node_group_name: Text = _api("NodeGroupName")
    machine_type: Text = _api("MachineType")
    image_id: Text = _api("ImageId")
    image_name: Text = _api("ImageName")
    hpn_zone: Text = _api("HpnZone")
    zone_id: Text = _api("ZoneId")
    sn: Text = _api("Sn")
    node_type: Text = _api("NodeType")
    hyper_node_id: Text = _api("HyperNodeId")
    task_id: Text = _api("TaskId")
    commodity_code: Text = _api("CommodityCode")
    file_system_mount_enabled: Flag = _api("FileSystemMountEnabled")
    vpc_id: Text = _api("VpcId")
    vswitch_id: Text = Field(default=None, validation_alias=AliasChoices("VSwitchId", "vSwitchId", "VswitchId", "vswitch_id"))
    networks: RawJson = _api("Networks")
    tags: RawJson = _api("Tags")
    cluster_id: Text = _api("ClusterId")
    cluster_name: Text = _api("ClusterName")
    create_time: Timestamp = _api("CreateTime")
    expired_time: Timestamp = _api("ExpiredTime")


class NodePage(_Lenient):
    """One ListClusterNodes answer: ``nodes`` and the ``next_token`` of the next page (``None`` on the last)."""

    nodes: Annotated[List[Node], BeforeValidator(_object_list)] = _api("Nodes", [])
    next_token: Text = _api("NextToken")
    request_id: Text = _api("RequestId")


# ------------------------------------------------------------------------------------------------ helpers


def _require_pydantic() -> None:
    if not HAS_PYDANTIC:
        raise ConfigurationError(MISSING_PYDANTIC_MSG)


def _body_excerpt(body: Any) -> str:
    try:
        text = json.dumps(body, ensure_ascii=False, sort_keys=False, default=str)
    except (ValueError, TypeError, RecursionError):
        try:
            text = repr(body)
        except (ValueError, RecursionError):
            text = "<%s>" % type(body).__name__
    return excerpt(text)


def _first_text(body: Mapping[str, Any], *keys: str) -> Optional[str]:
    for key in keys:
        text = to_text(body.get(key))
        if text is not None and text.strip():
            return text
    return None


def _scalar_text(value: Any) -> Optional[str]:
    """Non-blank text of a scalar (a string, number or boolean); ``None`` for objects, lists and blanks."""
    if isinstance(value, (dict, list, tuple)):
        return None
    text = to_text(value)
    if text is None or not text.strip():
        return None
    return text


def _envelope_error(action: str, body: Any, problem: str, envelope: bool = True) -> ResponseParseError:
    """The error for an answer that is not the one due: names the problem, says whether the body is an error
    envelope (with its code and message when it has them) and quotes a trimmed excerpt."""
    code = message = request_id = None
    if isinstance(body, Mapping):
        info = body.get("ErrorCodeInfo") or body.get("errorCodeInfo")
        detail: Mapping[str, Any] = info if isinstance(info, Mapping) else {}
        code = _first_text(body, "Code", "code") or _first_text(detail, "ErrorCode", "errorCode", "Code")
        message = _first_text(body, "Message", "message") or _first_text(detail, "ErrorMessage", "errorMessage", "Message")
        request_id = _first_text(body, "RequestId", "requestId")
    quoted = _body_excerpt(body)
    msg = "%s %s" % (action, problem)
    if code or message:
        msg += " It is an error envelope (code %s: %s), not a %s answer." % (code or "-", message or "-", action)
    elif envelope:
        msg += " It looks like an error envelope, not a %s answer." % action
    msg += " Body: %s" % quoted
    return ResponseParseError(msg, code=code, message=message, request_id=request_id, body_excerpt=quoted, action=action)


def _built(model: Any) -> Any:
    """``model`` with its validator built (once). The models defer their build to their first use, and pydantic's
    own deferred build is not safe when several threads (the wait's poll threads) use a model for the first time
    together: one of them could validate with the base class's validator while another rebuilds."""
    if not model.__pydantic_complete__:
        with _BUILD_LOCK:
            if not model.__pydantic_complete__:
                model.model_rebuild()
    return model


def _validated(model: Any, body: Mapping[str, Any], action: str) -> Any:
    model = _built(model)
    try:
        return model.model_validate(body if isinstance(body, dict) else dict(body))
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:  # pragma: no cover - fields never fail
        raise _envelope_error(action, body, "answer could not be read (%s)." % type(exc).__name__) from None


# ------------------------------------------------------------------------------------------- public API


def task_from_body(body: Any, task_id: str) -> Task:
    """The :class:`Task` of a DescribeTask answer for ``task_id``.

    Raises :class:`~errors.ResponseParseError` when ``body`` is not a JSON object or has no usable
    ``TaskState`` (an error envelope such as ``{"ErrorCodeInfo": {"Success": false, ...}}`` in a 200 answer);
    the message quotes a trimmed excerpt of the body. ``task_id`` wins over a ``TaskId`` in the body.
    """
    _require_pydantic()
    action = "DescribeTask"
    label = "answer for task %s" % (task_id,)
    if not isinstance(body, Mapping):
        raise _envelope_error(action, body, "%s is not a JSON object (got %s)." % (label, _json_type(body)), envelope=False)
    state = body.get("TaskState", body.get("taskState"))
    if _scalar_text(state) is None:
        problem = "has no TaskState." if state is None else "has no usable TaskState (%s)." % _json_type(state)
        raise _envelope_error(action, body, "%s %s" % (label, problem))
    task = _validated(Task, body, action)
    if task_id:
        task.task_id = str(task_id)
    return task


def sub_task_to_dict(sub_task: SubTask) -> Dict[str, Any]:
    return {
        "task_id": sub_task.task_id,
        "task_type": sub_task.task_type,
        "task_state": sub_task.task_state,
        "create_time": sub_task.create_time,
        "update_time": sub_task.update_time,
        "message": sub_task.message,
    }


def step_to_dict(step: Step) -> Dict[str, Any]:
    return {
        "step_name": step.step_name,
        "step_type": step.step_type,
        "step_state": step.step_state,
        "stage_tag": step.stage_tag,
        "start_time": step.start_time,
        "update_time": step.update_time,
        "message": step.message,
        "sub_tasks": [sub_task_to_dict(sub_task) for sub_task in step.sub_tasks],
    }


def _copy_step_dict(step: Dict[str, Any]) -> Dict[str, Any]:
    # failed_steps repeat steps[] entries: copies, so YAML output never shows anchors/aliases
    copied = dict(step)
    copied["sub_tasks"] = [dict(sub_task) for sub_task in step["sub_tasks"]]
    return copied


def task_to_dict(task: Task) -> Dict[str, Any]:
    """The snake_case dict documented in ``eflo_task_info`` RETURN, with the derived flags.

    ``is_finished``/``is_succeeded`` come from :func:`classify_state` of ``task_state``; ``failed_steps`` are
    the steps whose ``step_state`` is a failure; ``failed_sub_tasks`` the sub-tasks whose ``task_state`` is a
    failure, each with the ``step_name`` it belongs to (a task can succeed with failed sub-tasks).
    """
    steps = [step_to_dict(step) for step in task.steps]
    failed_steps: List[Dict[str, Any]] = []
    failed_sub_tasks: List[Dict[str, Any]] = []
    for step in steps:
        if classify_state(step["step_state"]) == STATE_FAILURE:
            failed_steps.append(_copy_step_dict(step))
        for sub_task in step["sub_tasks"]:
            if classify_state(sub_task["task_state"]) == STATE_FAILURE:
                failed = dict(sub_task)
                failed["step_name"] = step["step_name"]
                failed_sub_tasks.append(failed)
    state_class = classify_state(task.task_state)
    return {
        "task_id": task.task_id,
        "task_type": task.task_type,
        "task_state": task.task_state,
        "cluster_id": task.cluster_id,
        "cluster_name": task.cluster_name,
        "message": task.message,
        "node_ids": list(task.node_ids),
        "create_time": task.create_time,
        "update_time": task.update_time,
        "steps": steps,
        "request_id": task.request_id,
        "is_finished": state_class != STATE_PENDING,
        "is_succeeded": state_class == STATE_SUCCESS,
        "failed_steps": failed_steps,
        "failed_sub_tasks": failed_sub_tasks,
    }


def cluster_from_body(body: Any) -> Cluster:
    """The :class:`Cluster` of a DescribeCluster answer (or a ListClusters item).

    Raises :class:`~errors.ResponseParseError` when ``body`` is not a JSON object or has no ``ClusterId``.
    """
    _require_pydantic()
    action = "DescribeCluster"
    if not isinstance(body, Mapping):
        raise _envelope_error(action, body, "answer is not a JSON object (got %s)." % _json_type(body), envelope=False)
    if _scalar_text(body.get("ClusterId", body.get("clusterId"))) is None:
        raise _envelope_error(action, body, "answer has no ClusterId.")
    return _validated(Cluster, body, action)


def cluster_to_dict(cluster: Cluster) -> Dict[str, Any]:
    """snake_case dict of a cluster; ``components``, ``networks`` and ``tags`` are snake-cased JSON."""
    return {
        "cluster_id": cluster.cluster_id,
        "cluster_name": cluster.cluster_name,
        "cluster_type": cluster.cluster_type,
        "cluster_description": cluster.cluster_description,
        "operating_state": cluster.operating_state,
        "task_id": cluster.task_id,
        "node_count": cluster.node_count,
        "node_group_count": cluster.node_group_count,
        "hpn_zone": cluster.hpn_zone,
        "computing_ip_version": cluster.computing_ip_version,
        "open_eni_jumbo_frame": cluster.open_eni_jumbo_frame,
        "components": snake_case_keys(cluster.components),
        "networks": snake_case_keys(cluster.networks),
        "vpc_id": cluster.vpc_id,
        "vswitch_id": cluster.vswitch_id,
        "security_group_id": cluster.security_group_id,
        "resource_group_id": cluster.resource_group_id,
        "tags": snake_case_keys(cluster.tags),
        "create_time": cluster.create_time,
        "update_time": cluster.update_time,
        "request_id": cluster.request_id,
    }


def _looks_like_error(body: Mapping[str, Any]) -> bool:
    if any(key in body for key in ("Code", "code", "ErrorCodeInfo", "errorCodeInfo")):
        return True
    return to_bool(body.get("Success", body.get("success"))) is False


def node_page_from_body(body: Any) -> NodePage:
    """One ListClusterNodes answer. A missing or ``null`` ``Nodes`` is an empty page, unless the body is an
    error envelope (``Code``, ``ErrorCodeInfo`` or ``Success: false``): that raises
    :class:`~errors.ResponseParseError`, as does a body that is not a JSON object."""
    _require_pydantic()
    action = "ListClusterNodes"
    if not isinstance(body, Mapping):
        raise _envelope_error(action, body, "answer is not a JSON object (got %s)." % _json_type(body), envelope=False)
    if "Nodes" not in body and "nodes" not in body and _looks_like_error(body):
        raise _envelope_error(action, body, "answer has no Nodes.")
    return _validated(NodePage, body, action)


def nodes_from_body(body: Any) -> List[Node]:
    """The nodes of one ListClusterNodes answer (see :func:`node_page_from_body` for errors)."""
    return node_page_from_body(body).nodes


def node_to_dict(node: Node) -> Dict[str, Any]:
    """snake_case dict of a node; ``networks`` and ``tags`` are snake-cased JSON."""
    return {
        "node_id": node.node_id,
        "hostname": node.hostname,
        "operating_state": node.operating_state,
        "node_group_id": node.node_group_id,
        "node_group_name": node.node_group_name,
        "machine_type": node.machine_type,
        "image_id": node.image_id,
        "image_name": node.image_name,
        "hpn_zone": node.hpn_zone,
        "zone_id": node.zone_id,
        "sn": node.sn,
        "node_type": node.node_type,
        "hyper_node_id": node.hyper_node_id,
        "task_id": node.task_id,
        "commodity_code": node.commodity_code,
        "file_system_mount_enabled": node.file_system_mount_enabled,
        "vpc_id": node.vpc_id,
        "vswitch_id": node.vswitch_id,
        "networks": snake_case_keys(node.networks),
        "tags": snake_case_keys(node.tags),
        "cluster_id": node.cluster_id,
        "cluster_name": node.cluster_name,
        "create_time": node.create_time,
        "expired_time": node.expired_time,
    }


def _json_type(value: Any) -> str:
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
