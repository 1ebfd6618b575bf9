#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The eflo_api module: one signed call of any eflo-controller (PAI Lingjun) API action."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: eflo_api
short_description: Call any Alibaba Cloud PAI Lingjun (eflo-controller) API action
version_added: 0.1.0
description:
  - Sends one signed call of an eflo-controller API action (API version C(2022-12-15)), such as
    C(CreateCluster), C(ExtendCluster), C(ReimageNodes), C(DescribeCluster) or C(ListClusterNodes),
    and returns the answer with snake_case keys.
  - Actions whose name starts with C(Describe), C(List) or C(Get) only read; they never report a change and
    run normally in check mode. Any other action is taken to change something; it reports a change, and in
    check mode it is not sent.
  - Read-only actions are retried after network errors, HTTP 5xx and 429 answers and throttling (see O(retries)).
    Other actions are retried only when the request certainly did not reach the service (a connection that
    could not be opened, or a throttling answer), so an operation is never started twice; when such an action
    failed after it may have reached the service, the message says so.
  - Operations that start a long-running task return its RV(task_id); wait for it with
    M(alibabacloud.eflo.eflo_task_wait). Read-only actions never return a top-level RV(task_id), even when
    their answer has a C(TaskId) (C(DescribeCluster) names the cluster's last task there, which this call did not
    start); it stays in RV(response).
options:
  action:
    description:
      - The API action name, in CamelCase, exactly as in the eflo-controller API reference, for example V(ExtendCluster).
    type: str
    required: true
  params:
    description:
      - The parameters of the action, with the API's CamelCase names.
      - Nested lists and dictionaries are sent the way the official SDK sends them. Lists are flattened with
        1-based indexes (C(OperatingStates.1=Using)). The parameters that the API takes as JSON documents (such as
        C(NodeGroups) of C(CreateCluster) and C(ExtendCluster), or C(Nodes) of C(ReimageNodes) and C(RebootNodes))
        and any other dictionary-valued parameter are sent as compact JSON; a string given for such a parameter is
        sent unchanged.
      - Booleans are sent as C(true)/C(false). Null values are left out.
      - The parameters the API expects in the query string (such as C(Tags) of C(ListClusterNodes)) are put there.
      - Values under password-like names (such as C(LoginPassword)) are masked in the output.
    type: dict
    default: {}
extends_documentation_fragment:
  - alibabacloud.eflo.eflo
  - alibabacloud.eflo.eflo.modules
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - C(Describe*), C(List*) and C(Get*) actions are sent in check mode.
      - Other actions are not sent in check mode; the module reports RV(changed=true) and says so in RV(msg).
seealso:
  - module: alibabacloud.eflo.eflo_task_wait
  - module: alibabacloud.eflo.eflo_task_info
"""

EXAMPLES = r"""
- name: Describe a cluster (read-only, also runs in check mode)
  alibabacloud.eflo.eflo_api:
    region_id: cn-wulanchabu
    action: DescribeCluster
    params:
      ClusterId: i119982311660892626523
  register: cluster

- name: Show its state
  ansible.builtin.debug:
    msg: "{{ cluster.response.cluster_name }} is {{ cluster.response.operating_state }}"

- name: Start an extension and wait until it has finished
  module_defaults:
    group/alibabacloud.eflo.eflo:
      region_id: cn-wulanchabu
      profile: lingjun-operator
  block:
    - name: Extend the cluster by one node
      alibabacloud.eflo.eflo_api:
        action: ExtendCluster
        params:
          ClusterId: i119982311660892626523
          IgnoreFailedNodeTasks: false
          NodeGroups:
            - NodeGroupId: i1274f8e8d9a0f2
              Nodes:
                - NodeId: e01-cn-zvp2tgykr08
                  Hostname: gpu-node-08
                  LoginPassword: "{{ vault_node_password }}"
      register: extend

    - name: Wait for the extension task
      alibabacloud.eflo.eflo_task_wait:
        task_id: "{{ extend.task_id }}"
        expected_task_types: [extend_cluster]
      when: not ansible_check_mode

- name: Reimage (reclone) two nodes
  alibabacloud.eflo.eflo_api:
    region_id: cn-wulanchabu
    action: ReimageNodes
    params:
      ClusterId: i119982311660892626523
      Nodes:
        - NodeId: e01-cn-zvp2tgykr08
          ImageId: i190297201634099844192
        - NodeId: e01-cn-zvp2tgykr09
          ImageId: i190297201634099844192
  register: reclone

- name: List the nodes of a cluster that are in use, with a tag filter (sent in the query string)
  alibabacloud.eflo.eflo_api:
    region_id: cn-wulanchabu
    action: ListClusterNodes
    params:
      ClusterId: i119982311660892626523
      OperatingStates: [Using]
      MaxResults: 100
      Tags:
        - Key: team
          Value: training
  register: nodes

- name: Print the node IDs
  ansible.builtin.debug:
    msg: "{{ nodes.response.nodes | map(attribute='node_id') | list }}"
"""

RETURN = r"""
response:
  description:
    - The answer of the service with every key converted from CamelCase to snake_case
      (C(RequestId) becomes C(request_id), C(NodeGroups) becomes C(node_groups)); values are unchanged.
  returned: when the action was sent
  type: dict
  sample:
    request_id: 2BE8A4F5-7F4A-5D7C-9C5E-2B0D3C9B5E11
    task_id: i159136551662516768776
task_id:
  description:
    - The C(TaskId) of the answer, for actions that start a task (C(CreateCluster), C(ExtendCluster),
      C(ShrinkCluster), C(ReimageNodes), C(RebootNodes)...). Pass it to M(alibabacloud.eflo.eflo_task_wait).
    - Never set for C(Describe*), C(List*) and C(Get*) actions, which start nothing (the C(TaskId) of
      C(DescribeCluster), the cluster's last task, stays in RV(response) as C(task_id)).
    - In check mode an action that changes resources is not sent, so this is an empty string;
      M(alibabacloud.eflo.eflo_task_wait) skips an empty id in check mode with a clear message.
  returned: when the answer of an action that changes resources has a TaskId, and in check mode for such actions
  type: str
  sample: i159136551662516768776
request_id:
  description: The request ID of the call, for support cases.
  returned: when the action was sent
  type: str
  sample: 2BE8A4F5-7F4A-5D7C-9C5E-2B0D3C9B5E11
action:
  description: The action that was called (or, in check mode, that would have been called).
  returned: always
  type: str
  sample: ExtendCluster
changed:
  description: V(false) for C(Describe*), C(List*) and C(Get*) actions, V(true) for any other action.
  returned: always
  type: bool
  sample: true
msg:
  description: In check mode, says that a changing action was not sent.
  returned: when a changing action was skipped in check mode
  type: str
  sample: "Check mode: ExtendCluster changes resources, so it was not sent."
credentials_source:
  description:
    - Where the credentials came from, one of V(options), V(env), V(cli_profile:<profile> (<mode>\)) (such as
      V(cli_profile:default (AK\))), V(ini:<section>), V(oidc) or V(ecs_ram_role).
    - With O(assume_role), V(assume_role(<source>\)) (such as V(assume_role(env\))), naming where the
      credentials that assumed the role came from.
    - Never contains a secret.
  returned: when the action was sent
  type: str
  sample: env
"""

from typing import Any, Dict, Mapping

from ansible_collections.alibabacloud.eflo.plugins.module_utils.ansible_module import EfloAnsibleModule
from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import api_spec
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import snake_case_keys  # not models: no pydantic needed
from ansible_collections.alibabacloud.eflo.plugins.module_utils.params import split_params, validate_action

READ_ONLY_PREFIXES = ("Describe", "List", "Get")


def is_read_only(action: str) -> bool:
    """True for actions that only read (``Describe*``, ``List*``, ``Get*``)."""
    return action.startswith(READ_ONLY_PREFIXES)


def task_id_of(body: Mapping[str, Any]) -> Any:
    """The ``TaskId`` of an answer, or None when it has none (or an empty one)."""
    value = body.get("TaskId")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value)


def run_module(module: EfloAnsibleModule) -> Dict[str, Any]:
    params = module.params["params"] or {}
    action = validate_action(str(module.params["action"]).strip())
    split_params(action, params)  # a parameter that cannot be sent fails before any call, also in check mode
    read_only = is_read_only(action)
    result: Dict[str, Any] = {"changed": not read_only, "action": action}
    if module.check_mode and not read_only:
        result["msg"] = "Check mode: %s changes resources, so it was not sent." % action
        result["task_id"] = ""
        return result
    with module.build_client() as client:
        body = client.call(action, params, idempotent=read_only)
    result["response"] = snake_case_keys(body)
    result["request_id"] = body.get("RequestId")
    task_id = None if read_only else task_id_of(body)  # a read's TaskId (DescribeCluster: its last task) started nothing
    if task_id is not None:
        result["task_id"] = task_id
    return result


def main() -> None:
    module = EfloAnsibleModule(module_name="eflo_api", free_form_options=("params",), supports_check_mode=True, **api_spec())
    module.run(lambda: run_module(module))


if __name__ == "__main__":
    main()
