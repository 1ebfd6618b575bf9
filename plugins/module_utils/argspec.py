# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specifications of the collection, as plain dicts (nothing here imports Ansible).

One place for every option: the modules, the ``eflo_task_wait`` action plugin and its doc-only module validate
the same options, and a unit test compares them with the documentation. Every ``*_spec()`` returns a fresh copy
of the keyword arguments shared by ``AnsibleModule(**spec)`` and ``ActionBase.validate_argument_spec(**spec)``.
No environment fallbacks here: the credential chain and the region lookup read the environment at run time.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0
DEFAULT_RETRIES = 5

# eflo_task_wait defaults (reference section 9: tasks run minutes to hours, tooling polls every 30 s).
DEFAULT_WAIT_TIMEOUT = 3600.0
DEFAULT_WAIT_DELAY = 12.0
DEFAULT_WAIT_SCHEDULE = "adaptive"
DEFAULT_WAIT_MAX_DELAY = 60.0
DEFAULT_WAIT_MAX_RATE = 5.0
DEFAULT_NOT_FOUND_GRACE = 60.0
DEFAULT_UNREACHABLE_ATTEMPTS = 3
DEFAULT_UNREACHABLE_GRACE = 30.0
DEFAULT_HEARTBEAT_INTERVAL = 60.0

_ASSUME_ROLE_OPTIONS: Dict[str, Dict[str, Any]] = {
    "role_arn": {"type": "str", "required": True},
    "role_session_name": {"type": "str"},
    "duration_seconds": {"type": "int"},
    "policy": {"type": "raw"},
    "external_id": {"type": "str"},
}

_COMMON: Dict[str, Dict[str, Any]] = {
    "access_key_id": {"type": "str", "no_log": False, "aliases": ["alicloud_access_key"]},
    "access_key_secret": {"type": "str", "no_log": True, "aliases": ["alicloud_secret_key"]},
    "security_token": {"type": "str", "no_log": True, "aliases": ["alicloud_security_token"]},
    "region_id": {"type": "str", "aliases": ["alicloud_region"]},
    "profile": {"type": "str"},
    "assume_role": {"type": "dict", "options": _ASSUME_ROLE_OPTIONS},
    "endpoint": {"type": "str"},
    "network": {"type": "str", "default": "public", "choices": ["public", "vpc"]},
    "signature_version": {"type": "str", "default": "v3", "choices": ["v3", "v2"]},
    "validate_certs": {"type": "bool", "default": True},
    "ca_bundle": {"type": "path"},
    "connect_timeout": {"type": "float", "default": DEFAULT_CONNECT_TIMEOUT},
    "read_timeout": {"type": "float", "default": DEFAULT_READ_TIMEOUT},
    "retries": {"type": "int", "default": DEFAULT_RETRIES},
    "sts_endpoint": {"type": "str"},
    "metadata_endpoint": {"type": "str"},
}

_TASK_IDS: Dict[str, Dict[str, Any]] = {
    "task_id": {"type": "str"},
    "task_ids": {"type": "list", "elements": "str"},
}

_TASK_INFO: Dict[str, Dict[str, Any]] = {
    "query": {"type": "str"},
    "ignore_missing": {"type": "bool", "default": False},
}

_API: Dict[str, Dict[str, Any]] = {
    "action": {"type": "str", "required": True},
    "params": {"type": "dict", "default": {}},
}

_CLUSTER_INFO: Dict[str, Dict[str, Any]] = {
    "name": {"type": "str"},
    "cluster_ids": {"type": "list", "elements": "str"},
    "resource_group_id": {"type": "str"},
    "tags": {"type": "dict"},
    "nodes": {"type": "bool", "default": False},
}

_NODE_INFO: Dict[str, Dict[str, Any]] = {
    "cluster_id": {"type": "str"},
    "node_group_id": {"type": "str"},
    "operating_states": {"type": "list", "elements": "str"},
    "free": {"type": "bool", "default": False},
    "machine_type": {"type": "str"},
    "hpn_zone": {"type": "str"},
    "node_ids": {"type": "list", "elements": "str"},
}

_ACCEPTOR_OPTIONS: Dict[str, Dict[str, Any]] = {
    "state": {"type": "str", "required": True, "choices": ["success", "failure", "retry"]},
    "expression": {"type": "str", "required": True},
    "expected": {"type": "raw", "required": True},
    "matcher": {"type": "str", "default": "path", "choices": ["path", "pathAll", "pathAny", "contains"]},
}

_TASK_WAIT: Dict[str, Dict[str, Any]] = {
    "timeout": {"type": "float", "default": DEFAULT_WAIT_TIMEOUT},
    "delay": {"type": "float", "default": DEFAULT_WAIT_DELAY},
    "max_delay": {"type": "float", "default": DEFAULT_WAIT_MAX_DELAY},
    "schedule": {"type": "str", "default": DEFAULT_WAIT_SCHEDULE, "choices": ["adaptive", "backoff"]},
    "max_rate": {"type": "float", "default": DEFAULT_WAIT_MAX_RATE},
    "expected_task_types": {"type": "list", "elements": "str"},
    "acceptors": {"type": "list", "elements": "dict", "options": _ACCEPTOR_OPTIONS},
    "fail_on_sub_task_failure": {"type": "bool", "default": False},
    "fail_fast": {"type": "bool", "default": True},
    "not_found_grace": {"type": "float", "default": DEFAULT_NOT_FOUND_GRACE},
    "unreachable_attempts": {"type": "int", "default": DEFAULT_UNREACHABLE_ATTEMPTS},
    "unreachable_grace": {"type": "float", "default": DEFAULT_UNREACHABLE_GRACE},
    "heartbeat_interval": {"type": "float", "default": DEFAULT_HEARTBEAT_INTERVAL},
    "task_details": {"type": "str", "default": "full", "choices": ["full", "summary"]},
}

_TASK_ID_EXCLUSIVE: List[List[str]] = [["task_id", "task_ids"]]


def common_argument_spec() -> Dict[str, Dict[str, Any]]:
    """The shared authentication and connection options (doc fragment ``alibabacloud.eflo.eflo``)."""
    return copy.deepcopy(_COMMON)


def with_common(options: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """``options`` merged over the common options (a module option wins on a name clash)."""
    merged = common_argument_spec()
    merged.update(copy.deepcopy(options))
    return merged


def task_info_spec() -> Dict[str, Any]:
    """Keyword arguments for ``eflo_task_info`` (common options included)."""
    options = dict(_TASK_IDS)
    options.update(_TASK_INFO)
    return {
        "argument_spec": with_common(options),
        "mutually_exclusive": copy.deepcopy(_TASK_ID_EXCLUSIVE),
        "required_one_of": copy.deepcopy(_TASK_ID_EXCLUSIVE),
    }


def api_spec() -> Dict[str, Any]:
    """Keyword arguments for ``eflo_api`` (common options included)."""
    return {"argument_spec": with_common(_API)}


def cluster_info_spec() -> Dict[str, Any]:
    """Keyword arguments for ``eflo_cluster_info`` (common options included)."""
    return {"argument_spec": with_common(_CLUSTER_INFO)}


def node_info_spec() -> Dict[str, Any]:
    """Keyword arguments for ``eflo_node_info`` (common options included); which of ``cluster_id``, ``node_ids`` and
    ``free`` is given, and whether the filters fit it, is checked by the module (``free`` is a boolean)."""
    return {"argument_spec": with_common(_NODE_INFO), "mutually_exclusive": [["cluster_id", "node_ids"]]}


def task_wait_spec() -> Dict[str, Any]:
    """Keyword arguments for ``eflo_task_wait`` (action plugin and doc-only module; common options included).

    ``task_id``/``task_ids`` are mutually exclusive and one of them must be given. An empty ``task_id``
    passes validation on purpose: in check mode the id of a task that was itself not sent is empty,
    and the action plugin skips it with a clear message.
    """
    options = dict(_TASK_IDS)
    options.update(_TASK_WAIT)
    return {
        "argument_spec": with_common(options),
        "mutually_exclusive": copy.deepcopy(_TASK_ID_EXCLUSIVE),
        "required_one_of": copy.deepcopy(_TASK_ID_EXCLUSIVE),
    }


DEFAULT_CLUSTER_WAIT_TIMEOUT = 16200.0  # an initialize or extension with local disks runs for hours

_CLUSTER_NODE: Dict[str, Dict[str, Any]] = {
    "node_id": {"type": "str", "required": True},
    "hostname": {"type": "str"},
    "login_password": {"type": "str", "no_log": True},
}

_CLUSTER_NODE_GROUP: Dict[str, Dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "machine_type": {"type": "str"},
    "zone_id": {"type": "str"},
    "image_id": {"type": "str"},
    "description": {"type": "str"},
    "nodes": {"type": "list", "elements": "dict", "options": _CLUSTER_NODE, "default": []},
}

_CLUSTER: Dict[str, Dict[str, Any]] = {
    "name": {"type": "str"},
    "cluster_id": {"type": "str"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "cluster_type": {"type": "str", "choices": ["Lite", "ExclusiveBareCluster", "AckEdgePro"]},
    "description": {"type": "str"},
    "hpn_zone": {"type": "str"},
    "resource_group_id": {"type": "str"},
    "networks": {"type": "dict"},
    "components": {"type": "list", "elements": "dict"},
    "ignore_failed_node_tasks": {"type": "bool", "default": False},
    "tags": {"type": "dict"},
    "purge_tags": {"type": "bool", "default": True},
    "node_groups": {"type": "list", "elements": "dict", "options": _CLUSTER_NODE_GROUP},
    "purge_nodes": {"type": "bool", "default": False},
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "float", "default": DEFAULT_CLUSTER_WAIT_TIMEOUT},
    "delay": _TASK_WAIT["delay"],
    "max_delay": _TASK_WAIT["max_delay"],
    "max_rate": _TASK_WAIT["max_rate"],
    "heartbeat_interval": _TASK_WAIT["heartbeat_interval"],
}


def wait_defaults() -> Dict[str, Any]:
    """The default of every ``eflo_task_wait`` wait option (for a plugin that exposes only some of them)."""
    return {name: copy.deepcopy(option.get("default")) for name, option in _TASK_WAIT.items()}


def cluster_spec() -> Dict[str, Any]:
    """Keyword arguments for ``eflo_cluster`` (action plugin and doc-only module; common options included)."""
    return {
        "argument_spec": with_common(_CLUSTER),
        "mutually_exclusive": [["name", "cluster_id"]],
        "required_one_of": [["name", "cluster_id"]],
    }
