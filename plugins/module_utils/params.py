# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request parameters as the official SDK puts them on the wire (pure, stdlib only).

An ``eflo_api`` params dict becomes a flat ``{name: string}`` mapping: lists with 1-based indexes and dicts
inside them with dots (``Tags.1.Key=k``); the parameters of :data:`JSON_PARAMS` and every other dict-valued
top-level parameter as compact JSON (a string given is sent unchanged), those of :data:`SIMPLE_PARAMS`
comma-joined; booleans ``true``/``false``; ``None`` dropped. :func:`split_params` routes the parameters of
:data:`QUERY_PARAMS` and :data:`QUERY_ONLY_ACTIONS` to the query string.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError

ACTION_RE = re.compile(r"^[A-Z][A-Za-z0-9]{1,127}$")
TASK_ID_RE = re.compile(r"^[A-Za-z0-9-]{1,64}$")  # i156331731670384438138; letters, digits and '-' at most
VARIABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])+$")  # extend.task_id

# Parameters the SDK serialises to compact JSON, per action (eflo-controller 2022-12-15).
JSON_PARAMS: Dict[str, FrozenSet[str]] = {
    "ChangeNodeGroup": frozenset({"Nodes"}),
    "ChangeNodeTypes": frozenset({"NodeIds"}),
    "CreateCluster": frozenset({"Components", "Networks", "NimizVSwitches", "NodeGroups"}),
    "CreateDiagnosticTask": frozenset({"AiJobLogInfo"}),
    "CreateNetTestTask": frozenset({"CommTest", "DelayTest", "TrafficTest"}),
    "CreateNodeGroup": frozenset({"NodeGroup", "NodeUnit"}),
    "DescribeNodeGroupRefreshTask": frozenset({"NodeStatuses"}),
    "ExtendCluster": frozenset({"IpAllocationPolicy", "NodeGroups", "VpdSubnets"}),
    "ListFaultReports": frozenset({"Nodes"}),
    "ListHyperNodes": frozenset({"HyperNodeIds", "OperatingStates"}),
    "ListMachineNetworkInfo": frozenset({"MachineHpnInfo"}),
    "ListNodeGroupDriftedNodes": frozenset({"NodeIds"}),
    "ListNodeGroupRefreshTasks": frozenset({"Statuses"}),
    "ListVscs": frozenset({"NodeIds"}),
    "RebootNodes": frozenset({"Nodes"}),
    "RefreshNodeGroupNodes": frozenset({"NodeIds"}),
    "ReimageNodes": frozenset({"Nodes"}),
    "ReportNodesStatus": frozenset({"Nodes"}),
    "RunCommand": frozenset({"NodeIdList", "Parameters"}),
    "SendFile": frozenset({"NodeIdList"}),
    "ShrinkCluster": frozenset({"NodeGroups"}),
    "StopInvocation": frozenset({"NodeIdList"}),
    "StopNodes": frozenset({"Nodes"}),
    "UpdateNodeGroup": frozenset({"SystemDisk"}),
}

# Parameters the SDK joins with commas ("simple" style), per action.
SIMPLE_PARAMS: Dict[str, FrozenSet[str]] = {
    "CreateDiagnosticTask": frozenset({"NodeIds"}),
}

# Parameters that travel in the query string; everything else goes in the form body.
QUERY_PARAMS: Dict[str, FrozenSet[str]] = {
    "ChangeNodeGroup": frozenset({"IgnoreFailedNodeTasks", "TargetNodeGroupId"}),
    "CreateCluster": frozenset({"Tag"}),
    "CreateVsc": frozenset({"ClientToken"}),
    "DeleteVsc": frozenset({"ClientToken"}),
    "ListClusterHyperNodes": frozenset({"Tags"}),
    "ListClusterNodes": frozenset({"Tags"}),
    "ListClusters": frozenset({"Tags"}),
    "ListFreeNodes": frozenset({"Tags"}),
    "ListHyperNodes": frozenset({"CommodityCode", "HyperNodeIds", "OperatingStates"}),
    "ListVscs": frozenset({"Tag"}),
}

# Actions whose parameters all travel in the query string.
QUERY_ONLY_ACTIONS: FrozenSet[str] = frozenset({"ChangeResourceGroup", "ListTagResources", "TagResources", "UntagResources"})


def validate_action(action: str) -> str:
    """Return ``action`` or raise ConfigurationError: an API action name is CamelCase letters and digits."""
    if not isinstance(action, str) or not ACTION_RE.match(action):
        raise ConfigurationError(
            "action %r is not a valid eflo-controller API name: use the CamelCase operation name, "
            "for example DescribeTask or ListClusterNodes" % (action,)
        )
    return action


def validate_task_id(label: str, task_id: str) -> str:
    """Return ``task_id`` or raise ConfigurationError naming ``label`` (``task_id``, ``task_ids[2]``): a task id is
    letters, digits and ``-`` (``i156331731670384438138``), so that a mistake is refused before any call."""
    if TASK_ID_RE.match(task_id):
        return task_id
    if VARIABLE_RE.match(task_id):
        fix = "it is a variable name written without braces: write \"{{ %s }}\"" % task_id
    else:
        fix = "pass the TaskId returned by the operation that started the task"
    raise ConfigurationError(
        "%s %r is not a task id (task ids are letters, digits and '-', such as i156331731670384438138): %s."
        % (label, task_id, fix)
    )


def unique_ids(label: str, values: Sequence[Any], example: str) -> List[str]:
    """The ids of the option ``label`` (``cluster_ids``), stripped and without repeats; an empty one raises
    ConfigurationError naming it and an ``example`` id."""
    ids = [str(value or "").strip() for value in values]
    if not all(ids):
        raise ConfigurationError("%s[%d] is empty: give an id such as %s." % (label, ids.index(""), example))
    return list(dict.fromkeys(ids))


def scalar_to_str(value: Any) -> str:
    """Wire form of a scalar: booleans ``true``/``false``, numbers and strings as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError("%r is not a finite number" % value)
    return str(value)


def _drop_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_drop_none(v) for v in value if v is not None]
    return value


def shrink_json(value: Any) -> str:
    """Compact JSON the way the SDK shrinks complex parameters: no spaces, non-ASCII kept, ``None`` dropped.

    A string is returned unchanged (taken to be JSON already).
    """
    if isinstance(value, str):
        return value
    return json.dumps(_drop_none(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def simple_join(value: Any) -> str:
    """Comma-joined list ("simple" style); a string is returned unchanged."""
    if isinstance(value, (list, tuple)):
        return ",".join(scalar_to_str(item) for item in value if item is not None)
    return scalar_to_str(value)


def _flatten_into(out: Dict[str, str], prefix: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten_into(out, "%s.%s" % (prefix, key), item)
    elif isinstance(value, (list, tuple)):
        present = [item for item in value if item is not None]
        for index, item in enumerate(present, start=1):
            _flatten_into(out, "%s.%d" % (prefix, index), item)
    else:
        out[prefix] = scalar_to_str(value)


def encode_param(action: Optional[str], name: str, value: Any) -> Dict[str, str]:
    """The flat wire entries of one top-level parameter (empty when ``value`` is None)."""
    out: Dict[str, str] = {}
    if value is None:
        return out
    try:
        if name in JSON_PARAMS.get(action or "", ()):
            out[name] = shrink_json(value)
        elif name in SIMPLE_PARAMS.get(action or "", ()):
            out[name] = simple_join(value)
        elif isinstance(value, Mapping):
            out[name] = shrink_json(value)
        else:
            _flatten_into(out, name, value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            "parameter %s of %s cannot be sent: %s; use strings, numbers, booleans, lists and dicts only"
            % (name, action or "the request", exc)
        ) from None
    return out


def flatten_params(action: Optional[str], params: Optional[Mapping[str, Any]]) -> Dict[str, str]:
    """All of ``params`` as one flat ``{name: string}`` mapping (no body/query routing)."""
    out: Dict[str, str] = {}
    for name, value in (params or {}).items():
        out.update(encode_param(action, str(name), value))
    return out


def in_query(action: str, name: str) -> bool:
    """True when the SDK sends top-level parameter ``name`` of ``action`` in the query string."""
    return action in QUERY_ONLY_ACTIONS or name in QUERY_PARAMS.get(action, ())


def split_params(action: str, params: Optional[Mapping[str, Any]]) -> Tuple[Dict[str, str], Dict[str, str]]:
    """``(body, query)``: the flat wire parameters of ``action``, routed as the SDK routes them."""
    body: Dict[str, str] = {}
    query: Dict[str, str] = {}
    for name, value in (params or {}).items():
        key = str(name)
        target = query if in_query(action, key) else body
        target.update(encode_param(action, key, value))
    return body, query
