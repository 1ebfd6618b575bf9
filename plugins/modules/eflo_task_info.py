#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The eflo_task_info module: look up PAI Lingjun (eflo-controller) tasks with DescribeTask."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: eflo_task_info
short_description: Look up Alibaba Cloud PAI Lingjun (eflo-controller) tasks
version_added: 0.1.0
description:
  - Calls the eflo-controller C(DescribeTask) API for one task or a list of tasks and returns each task as a
    dictionary with snake_case keys, normalised times, the steps and sub-tasks, and derived flags for
    conditionals (RV(tasks[].is_finished), RV(tasks[].is_succeeded), RV(tasks[].failed_steps), RV(tasks[].failed_sub_tasks)).
  - Tasks are started by operations such as C(CreateCluster), C(ExtendCluster) or C(ReimageNodes)
    (see M(alibabacloud.eflo.eflo_api)). To block until tasks finish, use M(alibabacloud.eflo.eflo_task_wait)
    rather than an C(until) loop around this module.
  - This module never changes anything.
options:
  task_id:
    description:
      - The ID of the task to look up, as returned in C(TaskId) by the operation that started it.
      - Exactly one of O(task_id) and O(task_ids) is required.
      - An empty value fails with a message (in check mode, the operation that would have started the task
        was not sent, so its task ID is empty), and so does a value that is not a task ID (letters, digits and
        C(-) only, such as C(i156331731670384438138); a literal C(extend.task_id) lacks its C({{ }})).
    type: str
  task_ids:
    description:
      - A list of task IDs to look up. Each one is looked up once, in the given order; repeated IDs are queried once.
      - Exactly one of O(task_id) and O(task_ids) is required; empty items fail with a message.
    type: list
    elements: str
  query:
    description:
      - A L(JMESPath,https://jmespath.org/) expression applied to each returned task dictionary (the snake_case
        keys of RV(tasks)). The results are returned in RV(query_result), in the order of RV(tasks).
      - An expression that does not parse fails before any API call.
    type: str
  ignore_missing:
    description:
      - What to do when a task does not exist (the API answers "not found").
      - When V(false), the module fails with a message naming the task.
      - When V(true), the task is returned with RV(tasks[].exists=false), a null RV(tasks[].task_state), and the
        service's message in RV(tasks[].message); its ID is listed in RV(missing_task_ids).
    type: bool
    default: false
extends_documentation_fragment:
  - alibabacloud.eflo.eflo
  - alibabacloud.eflo.eflo.modules
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads; it runs the same way in check mode.
seealso:
  - module: alibabacloud.eflo.eflo_task_wait
  - module: alibabacloud.eflo.eflo_api
"""

EXAMPLES = r"""
- name: Look up one task (credentials from the environment or ~/.aliyun/config.json)
  alibabacloud.eflo.eflo_task_info:
    region_id: cn-wulanchabu
    task_id: i156331731670384438138
  register: task_info

- name: Report the task state
  ansible.builtin.debug:
    msg: "{{ task_info.tasks[0].task_type }} on {{ task_info.tasks[0].cluster_name }} is {{ task_info.tasks[0].task_state }}"

- name: Stop here when the task failed, naming the failed sub-tasks
  ansible.builtin.fail:
    msg: >-
      Task {{ task_info.tasks[0].task_id }} failed: {{ task_info.tasks[0].message }};
      failed sub-tasks: {{ task_info.tasks[0].failed_sub_tasks | map(attribute='task_id') | list }}
  when: task_info.tasks[0].task_state == 'execution_fail'

- name: Set the connection options once for several tasks
  module_defaults:
    group/alibabacloud.eflo.eflo:
      region_id: cn-wulanchabu
      profile: lingjun-operator
  block:
    - name: Start a cluster extension
      alibabacloud.eflo.eflo_api:
        action: ExtendCluster
        params:
          ClusterId: i119982311660892626523
          NodeGroups:
            - NodeGroupId: i1274f8e8d9a0f2
              Nodes:
                - NodeId: e01-cn-zvp2tgykr08
                  Hostname: gpu-node-08
      register: extend

    - name: Look up the extension task
      alibabacloud.eflo.eflo_task_info:
        task_id: "{{ extend.task_id }}"
      register: extend_task
      when: not ansible_check_mode

- name: Look up several tasks and keep only what the next task needs
  alibabacloud.eflo.eflo_task_info:
    region_id: cn-wulanchabu
    task_ids:
      - i156331731670384438138
      - i156331731670384438139
    query: "{id: task_id, state: task_state, failed_nodes: failed_sub_tasks[].task_id}"
  register: states

- name: Tolerate a task ID that is not known (any more)
  alibabacloud.eflo.eflo_task_info:
    region_id: cn-wulanchabu
    task_id: i156331731670384438138
    ignore_missing: true
  register: maybe

- name: Use a temporary role and the VPC endpoint, with explicit keys (from a vault)
  alibabacloud.eflo.eflo_task_info:
    access_key_id: "{{ vault_eflo_access_key_id }}"
    access_key_secret: "{{ vault_eflo_access_key_secret }}"
    region_id: cn-wulanchabu
    network: vpc
    assume_role:
      role_arn: acs:ram::123456789012****:role/eflo-operator
      role_session_name: ansible-eflo
    task_id: i156331731670384438138
"""

RETURN = r"""
tasks:
  description:
    - One dictionary per requested task ID, in the order of O(task_id)/O(task_ids) (repeated IDs once).
    - Times are ISO 8601 UTC strings (C(2022-11-30T02:00:00.852Z)); a time the service sends in an unknown shape
      is returned as it came.
  returned: success
  type: list
  elements: dict
  contains:
    task_id:
      description: The task ID.
      type: str
      returned: always
      sample: i156331731670384438138
    exists:
      description: V(false) when the task was not found and O(ignore_missing=true); V(true) otherwise.
      type: bool
      returned: always
      sample: true
    task_type:
      description:
        - The task type, such as C(initialize_cluster), C(extend_cluster), C(cut_cluster) or C(reclone_node).
        - Unknown types are returned as they come.
      type: str
      returned: always
      sample: extend_cluster
    task_state:
      description:
        - The task state as the service reports it, usually one of C(waiting_to_run), C(running),
          C(execution_success) or C(execution_fail). Null for a missing task.
      type: str
      returned: always
      sample: running
    cluster_id:
      description: The ID of the cluster the task works on.
      type: str
      returned: always
      sample: i119982311660892626523
    cluster_name:
      description: The name of that cluster.
      type: str
      returned: always
      sample: Standard_Cluster
    message:
      description: The task's message (the failure reason when it failed); for a missing task, the service's error message.
      type: str
      returned: always
      sample: ""
    node_ids:
      description: The IDs of the nodes the task works on (always a list, whatever shape the service used).
      type: list
      elements: str
      returned: always
      sample: [e01-cn-zvp2tgykr08]
    create_time:
      description: When the task was created.
      type: str
      returned: always
      sample: "2022-11-30T02:00:00.852Z"
    update_time:
      description: When the task last changed.
      type: str
      returned: always
      sample: "2022-11-30T03:40:14.852Z"
    steps:
      description: The execution steps of the task (an empty list when the service sends none).
      type: list
      elements: dict
      returned: always
      contains:
        step_name:
          description: The step name.
          type: str
          sample: create_vpd
        step_type:
          description: C(normal) (one successor) or C(dispersive) (fans out to several successors).
          type: str
          sample: normal
        step_state:
          description: The step state, such as C(execution_success) or C(execution_failed).
          type: str
          sample: execution_success
        stage_tag:
          description: The stage label of the step (Chinese text from the service).
          type: str
          sample: "集群扩容"
        start_time:
          description: When the step started.
          type: str
          sample: "2022-11-30T02:00:00.852Z"
        update_time:
          description: When the step last changed.
          type: str
          sample: "2022-11-30T02:20:14.852Z"
        message:
          description: The step's message.
          type: str
          sample: ""
        sub_tasks:
          description: The per-node sub-tasks of the step.
          type: list
          elements: dict
          contains:
            task_id:
              description: The sub-task ID (itself a task ID).
              type: str
              sample: i158805051661047928377
            task_type:
              description: The sub-task type, such as C(reclone_node_sub_task).
              type: str
              sample: cut_node_sub_task
            task_state:
              description: The sub-task state.
              type: str
              sample: running
            create_time:
              description: When the sub-task was created.
              type: str
              sample: "2022-11-30T02:00:00.852Z"
            update_time:
              description: When the sub-task last changed.
              type: str
              sample: "2022-11-30T02:20:14.852Z"
            message:
              description: The sub-task's message (the failure reason when it failed).
              type: str
              sample: ""
    request_id:
      description: The request ID of the C(DescribeTask) call, for support cases.
      type: str
      returned: always
      sample: A7FD7411-9395-52E8-AF42-EB3A4A55446D
    is_finished:
      description:
        - Whether the task reached a final state, compared case-insensitively - a success (V(execution_success),
          V(success), V(succeeded)) or a failure (any state containing C(fail)). M(alibabacloud.eflo.eflo_task_wait)
          ends a wait by the same rule.
        - Other states (V(waiting_to_run), V(running), unknown ones) count as not finished.
      type: bool
      returned: always
      sample: false
    is_succeeded:
      description: Whether the task finished successfully.
      type: bool
      returned: always
      sample: false
    failed_steps:
      description: The entries of RV(tasks[].steps) whose state is a failure.
      type: list
      elements: dict
      returned: always
      sample: []
    failed_sub_tasks:
      description:
        - The sub-tasks whose state is a failure, each with the C(step_name) it belongs to.
        - A task can succeed while some sub-tasks failed (for example with C(IgnoreFailedNodeTasks)).
      type: list
      elements: dict
      returned: always
      sample:
        - task_id: i158805051661047928377
          task_type: reclone_node_sub_task
          task_state: execution_fail
          create_time: "2022-11-30T02:00:00.852Z"
          update_time: "2022-11-30T02:20:14.852Z"
          message: "node e01-cn-zvp2tgykr08 did not come back after reimage"
          step_name: reclone_nodes
query_result:
  description: The result of O(query) for each task, in the order of RV(tasks).
  returned: when O(query) is set
  type: list
  elements: raw
  sample:
    - {id: i156331731670384438138, state: running, failed_nodes: []}
missing_task_ids:
  description: The requested task IDs that were not found.
  returned: when O(ignore_missing=true)
  type: list
  elements: str
  sample: []
credentials_source:
  description:
    - Where the credentials came from, one of V(options), V(env), V(cli_profile:<profile> (<mode>\)) (such as
      V(cli_profile:default (AK\))), V(ini:<section>), V(oidc) or V(ecs_ram_role).
    - With O(assume_role), V(assume_role(<source>\)) (such as V(assume_role(env\))), naming where the
      credentials that assumed the role came from.
    - Never contains a secret.
  returned: always
  type: str
  sample: env
"""

from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.alibabacloud.eflo.plugins.module_utils.ansible_module import EfloAnsibleModule
from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import task_info_spec
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ApiError, ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import read_task, task_to_dict
from ansible_collections.alibabacloud.eflo.plugins.module_utils.params import validate_task_id

EMPTY_ID_HINT = (
    "give the TaskId returned by the operation that started the task (for example the task_id of a "
    "registered eflo_api result); in check mode that operation is not sent, so skip this lookup with "
    "'when: not ansible_check_mode'"
)


def requested_task_ids(params: Dict[str, Any]) -> List[str]:
    """The task IDs to look up, stripped and without repeats; empty and malformed ones raise ConfigurationError."""
    if params.get("task_id") is not None:
        raw: List[Any] = [params["task_id"]]
        labels = ["task_id"]
    else:
        raw = list(params.get("task_ids") or [])
        labels = ["task_ids[%d]" % index for index in range(len(raw))]
        if not raw:
            raise ConfigurationError("task_ids is an empty list: %s" % EMPTY_ID_HINT)
    ids: List[str] = []
    for label, value in zip(labels, raw):
        text = "" if value is None else str(value).strip()
        if not text:
            raise ConfigurationError("%s is empty: %s" % (label, EMPTY_ID_HINT))
        if validate_task_id(label, text) not in ids:
            ids.append(text)
    return ids


def _jmespath() -> Tuple[Any, Any]:
    """``(jmespath, JMESPathError)``, imported only when a query is given: a run without one does not pay for it."""
    try:
        import jmespath  # pylint: disable=import-outside-toplevel
        from jmespath.exceptions import JMESPathError  # pylint: disable=import-outside-toplevel
    except ImportError:  # pragma: no cover - reported by EfloAnsibleModule.check_libraries
        raise ConfigurationError(
            "query needs the jmespath Python library: install httpx, pydantic>=2 and jmespath on the host that runs the module"
        ) from None
    return jmespath, JMESPathError


def compile_query(expression: Optional[str]) -> Any:
    """The compiled JMESPath expression, or None; a bad expression raises ConfigurationError."""
    if expression is None or not str(expression).strip():
        return None
    jmespath, JMESPathError = _jmespath()  # pylint: disable=invalid-name
    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise ConfigurationError(
            "query %r is not a valid JMESPath expression (%s): fix the expression, see https://jmespath.org/" % (expression, exc)
        ) from None


def apply_query(compiled: Any, tasks: List[Dict[str, Any]]) -> List[Any]:
    """``compiled`` applied to each task dict; an evaluation error raises ConfigurationError."""
    JMESPathError = _jmespath()[1]  # pylint: disable=invalid-name
    results = []
    for task in tasks:
        try:
            results.append(compiled.search(task))
        except JMESPathError as exc:
            raise ConfigurationError(
                "query %r failed on task %s: %s; fix the expression, see https://jmespath.org/"
                % (compiled.expression, task.get("task_id"), exc)
            ) from None
    return results


def missing_task(task_id: str, error: ApiError) -> Dict[str, Any]:
    """The entry of a task that does not exist (``ignore_missing: true``): every key, ``exists: false``."""
    return {
        "task_id": task_id,
        "exists": False,
        "task_type": None,
        "task_state": None,
        "cluster_id": None,
        "cluster_name": None,
        "message": error.message or error.msg,
        "node_ids": [],
        "create_time": None,
        "update_time": None,
        "steps": [],
        "request_id": error.request_id,
        "is_finished": False,
        "is_succeeded": False,
        "failed_steps": [],
        "failed_sub_tasks": [],
    }


def not_found_error(task_id: str, error: ApiError) -> ApiError:
    """``error`` with a message that names the task and says how to fix the lookup."""
    answer = ", ".join(
        part for part in (
            error.status and "HTTP %s" % error.status,
            error.request_id and "request id %s" % error.request_id,
        ) if part
    )
    error.msg = "Task %s was not found: the service answered %s%s%s. Check the task ID, and that region_id or endpoint " \
        "name the region the task was created in; set ignore_missing: true to return it with exists: false instead " \
        "of failing." % (task_id, error.code or "not found", " (%s)" % answer if answer else "",
                         ": %s" % error.message.rstrip(". ") if error.message else "")
    error.args = (error.msg,)
    error.action = error.action or "DescribeTask"
    return error


def describe_tasks(client: Any, task_ids: List[str], ignore_missing: bool) -> Tuple[List[Dict[str, Any]], List[str]]:
    """(task dicts, missing IDs) for ``task_ids``, in order."""
    tasks: List[Dict[str, Any]] = []
    missing: List[str] = []
    for task_id in task_ids:
        try:
            body = client.describe_task(task_id)
        except ApiError as exc:
            if not exc.is_not_found:
                raise
            if not ignore_missing:
                raise not_found_error(task_id, exc) from None
            tasks.append(missing_task(task_id, exc))
            missing.append(task_id)
            continue
        task = task_to_dict(read_task(body, task_id))
        task["exists"] = True
        tasks.append(task)
    return tasks, missing


def run_module(module: EfloAnsibleModule) -> Dict[str, Any]:
    params = module.params
    task_ids = requested_task_ids(params)
    compiled = compile_query(params.get("query"))
    client = module.build_client()
    with client:
        tasks, missing = describe_tasks(client, task_ids, params["ignore_missing"])
    result: Dict[str, Any] = {"changed": False, "tasks": tasks}
    if compiled is not None:
        result["query_result"] = apply_query(compiled, tasks)
    if params["ignore_missing"]:
        result["missing_task_ids"] = missing
    return result


def main() -> None:
    module = EfloAnsibleModule(module_name="eflo_task_info", supports_check_mode=True, **task_info_spec())
    module.run(lambda: run_module(module))


if __name__ == "__main__":
    main()
