# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pydantic v2 models of the eflo-controller answers: the one reader of every answer the collection reads.

One ``read_*`` function per answer validates it into its model (:func:`read_task`, :func:`read_cluster`, :func:`read_node`, :func:`read_started`,
:func:`read_page` for the list actions of :data:`PAGES`; :func:`listing.list_all` reads every page), and one
``*_to_dict`` turns a model into the snake_case dict a module returns. Each field is read from ``Name``, ``name``
or ``snake_name``; its validator is a never-raising parser of :mod:`lenient`, so validation cannot fail. Whether a
body is the answer that was due is decided from its model; any other body raises
:class:`~errors.ResponseParseError` naming the body's keys. pydantic is imported under a guard (sanity import test).
"""

from __future__ import annotations

import threading
from typing import Annotated, Any, Dict, List, Mapping, Optional, Tuple

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError, ResponseParseError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import (
    FINAL_STATES,
    STATE_FAILURE,
    STATE_SUCCESS,
    camel_to_snake,
    classify_state,
    error_fields,
    object_list,
    parse_node_ids,
    parse_timestamp,
    scalar_text,
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
    "ClusterPage",
    "Started",
    "NodeGroup",
    "NodeGroupPage",
    "NodePage",
    "PAGES",
    "Step",
    "SubTask",
    "TagPage",
    "TagResource",
    "Task",
    "cluster_to_dict",
    "node_group_to_dict",
    "node_to_dict",
    "read_cluster",
    "read_node",
    "read_page",
    "read_started",
    "read_task",
    "task_to_dict",
]

_BUILD_LOCK = threading.Lock()  # serialises the one-time build of each model (see _built); holds no data

MISSING_PYDANTIC_MSG = (
    "The alibabacloud.eflo collection needs pydantic>=2: install httpx, pydantic>=2 and jmespath on the host that runs the module."
)


# ------------------------------------------------------------------------------------ lenient field types


def _object_list(value: Any) -> List[Any]:
    """:func:`lenient.object_list`, keeping models that are already built."""
    return object_list(value, (dict, BaseModel))


def _json_value(value: Any) -> Any:
    """Keep a JSON object or list as it came; anything else (a scalar, ``null``) becomes ``None``."""
    if isinstance(value, (dict, list)):
        return value
    return None


Text = Annotated[Optional[str], BeforeValidator(to_text)]
Scalar = Annotated[Optional[str], BeforeValidator(scalar_text)]  # states and ids: None unless non-blank scalar text
Timestamp = Annotated[Optional[str], BeforeValidator(parse_timestamp)]
NodeIdList = Annotated[List[str], BeforeValidator(parse_node_ids)]
Count = Annotated[Optional[int], BeforeValidator(to_int)]
Flag = Annotated[Optional[bool], BeforeValidator(to_bool)]
RawJson = Annotated[Any, BeforeValidator(_json_value)]


def _keys(name: str) -> Tuple[str, str, str]:
    """The keys a field ``Name`` may arrive under: ``Name``, ``name`` (lower camel) and ``snake_name``."""
    return name, name[0].lower() + name[1:], camel_to_snake(name)


def _api(name: str, default: Any = None) -> Any:
    """A field read from the first of :func:`_keys` that is present."""
    choices = AliasChoices(*_keys(name))
    if isinstance(default, list):
        return Field(default_factory=list, validation_alias=choices)
    return Field(default=default, validation_alias=choices)


_VSWITCH = AliasChoices("VSwitchId", "vSwitchId", "VswitchId", "vswitch_id")


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
    task_state: Scalar = _api("TaskState")
    create_time: Timestamp = _api("CreateTime")
    update_time: Timestamp = _api("UpdateTime")
    message: Text = _api("Message")


class Step(_Lenient):
    """``Steps[]`` of a DescribeTask answer."""

    step_name: Text = _api("StepName")
    step_type: Text = _api("StepType")
    step_state: Scalar = _api("StepState")
    stage_tag: Text = _api("StageTag")
    start_time: Timestamp = _api("StartTime")
    update_time: Timestamp = _api("UpdateTime")
    message: Text = _api("Message")
    sub_tasks: Annotated[List[SubTask], BeforeValidator(_object_list)] = _api("SubTasks", [])


class Task(_Lenient):
    """A DescribeTask answer. :func:`read_task` sets ``task_id`` to the id that was asked for."""

    task_id: Text = _api("TaskId")
    task_type: Text = _api("TaskType")
    task_state: Scalar = _api("TaskState")
    cluster_id: Text = _api("ClusterId")
    cluster_name: Text = _api("ClusterName")
    message: Text = _api("Message")
    node_ids: NodeIdList = _api("NodeIds", [])
    create_time: Timestamp = _api("CreateTime")
    update_time: Timestamp = _api("UpdateTime")
    steps: Annotated[List[Step], BeforeValidator(_object_list)] = _api("Steps", [])
    request_id: Text = _api("RequestId")

    @property
    def is_finished(self) -> bool:
        return classify_state(self.task_state) in FINAL_STATES

    @property
    def is_succeeded(self) -> bool:
        return classify_state(self.task_state) == STATE_SUCCESS


# --------------------------------------------------------------------------- DescribeCluster / ListClusters


class Cluster(_Lenient):
    """A DescribeCluster answer or a ListClusters item (whose times are epoch-seconds strings)."""

    cluster_id: Scalar = _api("ClusterId")
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
    vswitch_id: Text = Field(default=None, validation_alias=_VSWITCH)
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
    vswitch_id: Text = Field(default=None, validation_alias=_VSWITCH)
    networks: RawJson = _api("Networks")
    disks: RawJson = _api("Disks")
    tags: RawJson = _api("Tags")
    security_group_id: Text = _api("SecurityGroupId")
    resource_group_id: Text = _api("ResourceGroupId")
    cluster_id: Text = _api("ClusterId")
    cluster_name: Text = _api("ClusterName")
    create_time: Timestamp = _api("CreateTime")
    expired_time: Timestamp = _api("ExpiredTime")


class NodeGroup(_Lenient):
    """A ListNodeGroups item (``GroupId``/``GroupName`` there, ``NodeGroupId``/``NodeGroupName`` elsewhere)."""

    node_group_id: Text = Field(default=None, validation_alias=AliasChoices(*_keys("GroupId"), *_keys("NodeGroupId")))
    node_group_name: Text = Field(default=None, validation_alias=AliasChoices(*_keys("GroupName"), *_keys("NodeGroupName")))
    cluster_id: Text = _api("ClusterId")
    cluster_name: Text = _api("ClusterName")
    description: Text = _api("Description")
    machine_type: Text = _api("MachineType")
    image_id: Text = _api("ImageId")
    image_name: Text = _api("ImageName")
    zone_id: Text = _api("ZoneId")
    node_count: Count = _api("NodeCount")
    file_system_mount_enabled: Flag = _api("FileSystemMountEnabled")
    virtual_gpu_enabled: Flag = _api("VirtualGpuEnabled")
    create_time: Timestamp = _api("CreateTime")
    update_time: Timestamp = _api("UpdateTime")


class NodePage(_Lenient):
    """One ListClusterNodes or ListFreeNodes answer: ``items`` (its ``Nodes``) and the ``next_token`` of the next
    page (``None`` on the last)."""

    items: Annotated[List[Node], BeforeValidator(_object_list)] = _api("Nodes", [])
    next_token: Text = _api("NextToken")
    request_id: Text = _api("RequestId")


class ClusterPage(_Lenient):
    """One ListClusters answer: ``items`` (its ``Clusters``) and the ``next_token`` of the next page."""

    items: Annotated[List[Cluster], BeforeValidator(_object_list)] = _api("Clusters", [])
    next_token: Text = _api("NextToken")
    request_id: Text = _api("RequestId")


class NodeGroupPage(_Lenient):
    """One ListNodeGroups answer: ``items`` (its ``Groups``) and the ``next_token`` of the next page."""

    items: Annotated[List[NodeGroup], BeforeValidator(_object_list)] = _api("Groups", [])
    next_token: Text = _api("NextToken")
    request_id: Text = _api("RequestId")


class TagResource(_Lenient):
    """A ListTagResources item: one tag of one resource."""

    resource_id: Text = _api("ResourceId")
    resource_type: Text = _api("ResourceType")
    tag_key: Text = _api("TagKey")
    tag_value: Text = _api("TagValue")


def _tag_resources(value: Any) -> List[Any]:
    """``TagResources``: ``{"TagResource": [...]}`` (or the list itself) -> the list of items."""
    if isinstance(value, Mapping):
        value = next((value[key] for key in _keys("TagResource") if key in value), None)
    return _object_list(value)


class TagPage(_Lenient):
    """One ListTagResources answer: ``items`` (its ``TagResources.TagResource``) and the ``next_token``."""

    items: Annotated[List[TagResource], BeforeValidator(_tag_resources)] = _api("TagResources", [])
    next_token: Text = _api("NextToken")
    request_id: Text = _api("RequestId")


class Started(_Lenient):
    """The answer of a call that creates or starts something (CreateCluster, CreateNodeGroup, ExtendCluster...)."""

    task_id: Scalar = _api("TaskId")
    cluster_id: Scalar = _api("ClusterId")
    node_group_id: Scalar = _api("NodeGroupId")
    request_id: Text = _api("RequestId")


# ------------------------------------------------------------------------------------ answers that are wrong


def _json_type(value: Any) -> str:
    """How a JSON value reads in a message: ``null``, ``a string``, ``an array``..."""
    for kinds, name in ((type(None), "null"), (bool, "a boolean"), ((int, float), "a number"), (str, "a string"), ((list, tuple), "an array")):
        if isinstance(value, kinds):
            return name
    return type(value).__name__


def answer_error(subject: str, body: Any, problem: str) -> ResponseParseError:
    """The error for a body that is not the answer ``subject`` (``DescribeTask for task i1``) was due to give:
    ``problem``, the body's keys, and the code, message and request id of an error envelope when it has them."""
    code, message, request_id = (error_fields(body)[key] for key in ("code", "message", "request_id"))
    notes = ["keys: %s" % (", ".join(sorted(str(key) for key in body)[:12]) or "none")] if isinstance(body, Mapping) else []
    if code or message:
        notes.append("error %s: %s" % (code or "-", message or "-"))
    if request_id:
        notes.append("request id %s" % request_id)
    hint = "the service may have failed internally, try again later" if isinstance(body, Mapping) \
        else "check that the endpoint is an eflo-controller endpoint"
    msg = "eflo-controller %s answered HTTP 200 %s%s; %s." % (subject, problem, " (%s)" % ", ".join(notes) if notes else "", hint)
    return ResponseParseError(msg, code=code, message=message, request_id=request_id, status=200, action=subject.split()[0])


# ------------------------------------------------------------------------------------------------ reading


def _built(model: Any) -> Any:
    """``model`` with its validator built (once). The models defer their build to their first use, and pydantic's
    own deferred build is not safe when several threads (the wait's poll threads) use a model for the first time
    together: one of them could validate with the base class's validator while another rebuilds."""
    if not model.__pydantic_complete__:
        with _BUILD_LOCK:
            if not model.__pydantic_complete__:
                model.model_rebuild()
    return model


def _read(model: Any, body: Any, subject: str) -> Any:
    """``body`` validated as ``model``; ResponseParseError when it is not a JSON object (or pydantic is missing)."""
    if not HAS_PYDANTIC:
        raise ConfigurationError(MISSING_PYDANTIC_MSG)
    if not isinstance(body, Mapping):
        raise answer_error(subject, body, "with %s, not a JSON object" % _json_type(body))
    try:
        return _built(model).model_validate(body if isinstance(body, dict) else dict(body))
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:  # pragma: no cover - fields never fail
        raise answer_error(subject, body, "with a body that could not be read (%s)" % type(exc).__name__) from None


def read_task(body: Any, task_id: str) -> Task:
    """The :class:`Task` of a DescribeTask answer for ``task_id`` (which wins over a ``TaskId`` in the body).

    Raises :class:`~errors.ResponseParseError` when ``body`` is not a JSON object or has no usable ``TaskState``
    (an error envelope such as ``{"ErrorCodeInfo": {"Success": false, ...}}`` in a 200 answer)."""
    subject = "DescribeTask for task %s" % (task_id,)
    task = _read(Task, body, subject)
    if task.task_state is None:
        raise answer_error(subject, body, "without a TaskState")
    if task_id:
        task.task_id = str(task_id)
    return task


def read_cluster(body: Any) -> Cluster:
    """The :class:`Cluster` of a DescribeCluster answer (or a ListClusters item); ResponseParseError when
    ``body`` is not a JSON object or has no ``ClusterId``."""
    cluster = _read(Cluster, body, "DescribeCluster")
    if cluster.cluster_id is None:
        raise answer_error("DescribeCluster", body, "without a ClusterId")
    return cluster


def read_node(body: Any, node_id: str) -> Node:
    """The :class:`Node` of a DescribeNode answer for ``node_id``; ResponseParseError when ``body`` is not a JSON
    object or has no ``NodeId``."""
    subject = "DescribeNode for node %s" % (node_id,)
    node = _read(Node, body, subject)
    if not node.node_id:
        raise answer_error(subject, body, "without a NodeId")
    return node


def read_started(action: str, body: Any, due: Tuple[str, ...] = ()) -> Started:
    """The :class:`Started` of an answer of ``action``; ResponseParseError when a field named in ``due``
    (``task_id``, ``cluster_id``, ``node_group_id``) is missing."""
    started = _read(Started, body, action)
    missing = [name for name in due if getattr(started, name) is None]
    if missing:
        raise answer_error(action, body, "without a %s" % "".join(part.title() for part in missing[0].split("_")))
    return started


PAGES = {  # list action -> (its page model, the key of its items)
    "ListClusterNodes": (NodePage, "Nodes"),
    "ListFreeNodes": (NodePage, "Nodes"),
    "ListClusters": (ClusterPage, "Clusters"),
    "ListNodeGroups": (NodeGroupPage, "Groups"),
    "ListTagResources": (TagPage, "TagResources"),
}


def read_page(action: str, body: Any) -> Any:
    """One answer of the list ``action`` (a key of :data:`PAGES`): its page model, with ``items`` and
    ``next_token``. A missing or ``null`` item list is an empty last page, unless the body is an error envelope
    (``Code``, ``ErrorCodeInfo`` or ``Success: false``): that raises ResponseParseError, as does a body that is not
    a JSON object."""
    model, key = PAGES[action]
    page = _read(model, body, action)
    if not any(name in body for name in _keys(key)) and (
        any(name in body for name in ("Code", "code", "ErrorCodeInfo", "errorCodeInfo"))
        or to_bool(body.get("Success", body.get("success"))) is False
    ):
        raise answer_error(action, body, "with an error and no %s" % key)
    return page


# ---------------------------------------------------------------------------------------- snake_case dicts


def task_to_dict(task: Task) -> Dict[str, Any]:
    """The snake_case task dict documented in ``eflo_task_info`` RETURN: the task's fields (steps and sub-tasks
    as dicts), ``is_finished``/``is_succeeded``, ``failed_steps`` (the steps whose state is a failure) and
    ``failed_sub_tasks`` (the sub-tasks whose state is a failure, each with its ``step_name``; a task can
    succeed with failed sub-tasks). Failed entries are dicts of their own, never the ones in ``steps`` (YAML
    output would show anchors and aliases)."""
    result = task.model_dump()
    result["is_finished"] = task.is_finished
    result["is_succeeded"] = task.is_succeeded
    result["failed_steps"] = [step.model_dump() for step in task.steps if classify_state(step.step_state) == STATE_FAILURE]
    result["failed_sub_tasks"] = [
        dict(sub_task.model_dump(), step_name=step.step_name)
        for step in task.steps
        for sub_task in step.sub_tasks
        if classify_state(sub_task.task_state) == STATE_FAILURE
    ]
    return result


def _dump(model: Any, json_fields: Tuple[str, ...]) -> Dict[str, Any]:
    result = model.model_dump()
    for name in json_fields:
        result[name] = snake_case_keys(result[name])
    return result


def cluster_to_dict(cluster: Cluster) -> Dict[str, Any]:
    """snake_case dict of a cluster; ``components``, ``networks`` and ``tags`` are snake-cased JSON."""
    return _dump(cluster, ("components", "networks", "tags"))


def node_to_dict(node: Node) -> Dict[str, Any]:
    """snake_case dict of a node; ``networks``, ``disks`` and ``tags`` are snake-cased JSON."""
    return _dump(node, ("networks", "disks", "tags"))


def node_group_to_dict(group: NodeGroup) -> Dict[str, Any]:
    """snake_case dict of a node group."""
    return group.model_dump()
