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

DescribeTask is read by :mod:`answers` (plain functions, no pydantic); :func:`task_from_body` validates the
:class:`Task` from that reading, so the model and ``eflo_task_info``'s plain dict always agree.

Timestamps are stored already normalised to ISO 8601 UTC text (see :func:`lenient.parse_timestamp`);
:func:`lenient.parse_datetime` turns them back into datetimes for elapsed-time arithmetic.

pydantic is imported under a guard so ``ansible-test sanity --test import`` passes without it; the
functions raise :class:`~errors.ConfigurationError` with an install hint when it is missing.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any, Dict, List, Mapping, Optional

from ansible_collections.alibabacloud.eflo.plugins.module_utils.answers import (
    STEP_FIELDS,
    SUB_TASK_FIELDS,
    TASK_FIELDS,
    answer_error,
    api_names,
    json_type,
    object_list,
    scalar_text,
    task_dict,
    task_fields,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
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
    """:func:`answers.object_list`, keeping models that are already built."""
    return object_list(value, (dict, BaseModel))


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
    choices = AliasChoices(*api_names(name))
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
        raise answer_error(action, body, "answer could not be read (%s)." % type(exc).__name__) from None


# ------------------------------------------------------------------------------------------- public API


def task_from_body(body: Any, task_id: str) -> Task:
    """The :class:`Task` of a DescribeTask answer for ``task_id``: validated from :func:`answers.task_fields`.

    Raises :class:`~errors.ResponseParseError` when ``body`` is not a JSON object or has no usable
    ``TaskState`` (an error envelope such as ``{"ErrorCodeInfo": {"Success": false, ...}}`` in a 200 answer);
    the message quotes a trimmed excerpt of the body. ``task_id`` wins over a ``TaskId`` in the body.
    """
    _require_pydantic()
    return _validated(Task, task_fields(body, task_id), "DescribeTask")


def sub_task_to_dict(sub_task: SubTask) -> Dict[str, Any]:
    """The snake_case dict of a sub-task."""
    return {field: getattr(sub_task, field) for field, _keys, _read in SUB_TASK_FIELDS}


def step_to_dict(step: Step) -> Dict[str, Any]:
    """The snake_case dict of a step, with its sub-tasks."""
    result = {field: getattr(step, field) for field, _keys, _read in STEP_FIELDS}
    result["sub_tasks"] = [sub_task_to_dict(sub_task) for sub_task in step.sub_tasks]
    return result


def task_to_dict(task: Task) -> Dict[str, Any]:
    """The snake_case dict documented in ``eflo_task_info`` RETURN, with the derived flags (:func:`answers.task_dict`)."""
    fields = {field: getattr(task, field) for field, _keys, _read in TASK_FIELDS}
    fields["steps"] = [step_to_dict(step) for step in task.steps]
    fields["request_id"] = task.request_id
    return task_dict(fields)


def cluster_from_body(body: Any) -> Cluster:
    """The :class:`Cluster` of a DescribeCluster answer (or a ListClusters item).

    Raises :class:`~errors.ResponseParseError` when ``body`` is not a JSON object or has no ``ClusterId``.
    """
    _require_pydantic()
    action = "DescribeCluster"
    if not isinstance(body, Mapping):
        raise answer_error(action, body, "answer is not a JSON object (got %s)." % json_type(body), envelope=False)
    if scalar_text(body.get("ClusterId", body.get("clusterId"))) is None:
        raise answer_error(action, body, "answer has no ClusterId.")
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
        raise answer_error(action, body, "answer is not a JSON object (got %s)." % json_type(body), envelope=False)
    if "Nodes" not in body and "nodes" not in body and _looks_like_error(body):
        raise answer_error(action, body, "answer has no Nodes.")
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
