#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The eflo_node_info module: the nodes of a cluster, the free nodes, or nodes by id."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: eflo_node_info
short_description: List Alibaba Cloud PAI Lingjun (eflo-controller) nodes
version_added: 0.1.0
description:
  - Returns nodes as dictionaries with snake_case keys and ISO 8601 UTC times, from one of three sources.
  - O(cluster_id) gives the nodes of a cluster (C(ListClusterNodes), every page), optionally only those of one node
    group (O(node_group_id)) or in some states (O(operating_states)).
  - O(free=true) gives the nodes that are in no cluster (C(ListFreeNodes), every page), optionally only those of a
    machine type (O(machine_type)), an HPN zone (O(hpn_zone)) or in some states (O(operating_states)).
  - O(node_ids) gives those nodes (C(DescribeNode) for each).
  - This module never changes anything.
options:
  cluster_id:
    description:
      - List the nodes of this cluster. An unknown cluster fails with the service's message.
      - Exactly one of O(cluster_id), O(node_ids) and O(free=true) is required.
    type: str
  node_group_id:
    description:
      - With O(cluster_id), only the nodes of this node group.
    type: str
  operating_states:
    description:
      - With O(cluster_id) or O(free=true), only the nodes in one of these states, such as V(Using), V(Unused),
        V(Extending) or V(Operating).
    type: list
    elements: str
  free:
    description:
      - List the nodes that are in no cluster (bought but unused), which can join a cluster.
    type: bool
    default: false
  machine_type:
    description:
      - With O(free=true), only the nodes of this machine type, such as V(efg1.nvga8n).
    type: str
  hpn_zone:
    description:
      - With O(free=true), only the nodes of this HPN zone.
    type: str
  node_ids:
    description:
      - Return these nodes (each one once, in the given order). An unknown node fails with the service's message.
    type: list
    elements: str
extends_documentation_fragment:
  - alibabacloud.eflo.eflo
  - alibabacloud.eflo.eflo.modules
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads; it runs the same way in check mode.
seealso:
  - module: alibabacloud.eflo.eflo_cluster_info
"""

EXAMPLES = r"""
- name: The nodes of one node group of a cluster that are in use
  alibabacloud.eflo.eflo_node_info:
    region_id: cn-wulanchabu
    cluster_id: i119982311660892626523
    node_group_id: i127582271665027208350
    operating_states: [Using]
  register: in_use

- name: Their hostnames
  ansible.builtin.debug:
    msg: "{{ in_use.nodes | map(attribute='hostname') | list }}"

- name: Free nodes of one machine type, to extend a cluster with
  alibabacloud.eflo.eflo_node_info:
    region_id: cn-wulanchabu
    free: true
    machine_type: efg1.nvga8n
  register: free

- name: Two nodes by id
  alibabacloud.eflo.eflo_node_info:
    region_id: cn-wulanchabu
    node_ids: [e01-cn-zvp2tgykr08, e01-cn-zvp2tgykr09]
  register: two
"""

RETURN = r"""
nodes:
  description:
    - One dictionary per node, in the order the service listed them (O(node_ids) - in the given order).
    - Times are ISO 8601 UTC strings (C(2024-05-20T08:00:00Z)); the service sends epoch milliseconds in
      C(ListClusterNodes) and ISO times elsewhere. Fields the source does not give are null (C(ListFreeNodes) gives no
      hostname, node group or image; only C(DescribeNode) gives C(disks), C(cluster_id) and C(cluster_name)).
  returned: success
  type: list
  elements: dict
  contains:
    node_id:
      description: The node ID.
      type: str
      returned: always
      sample: e01-cn-zvp2tgykr08
    hostname:
      description: The hostname of the node.
      type: str
      returned: always
      sample: gpu-node-08
    operating_state:
      description: The node state, such as C(Using), C(Unused), C(Extending), C(Cutting) or C(Operating).
      type: str
      returned: always
      sample: Using
    node_group_id:
      description: The ID of the node group the node belongs to.
      type: str
      returned: always
      sample: i127582271665027208350
    node_group_name:
      description: The name of that node group.
      type: str
      returned: always
      sample: ng-gpu
    machine_type:
      description: The machine type.
      type: str
      returned: always
      sample: efg1.nvga8n
    image_id:
      description: The ID of the node's operating system image.
      type: str
      returned: always
      sample: i190297961737537046489
    zone_id:
      description: The zone of the node.
      type: str
      returned: always
      sample: cn-wulanchabu-b
    hpn_zone:
      description: The HPN zone of the node.
      type: str
      returned: always
      sample: B1
    task_id:
      description: The ID of the node's last task.
      type: str
      returned: always
      sample: i158805051661047928377
    networks:
      description: The node's networks (bond name, IP, subnet, VPD) as the service gives them, with snake_case keys.
      type: raw
      returned: always
      sample: [{bond_name: bond0, ip: 10.0.0.8, subnet_id: subnet-1, vpd_id: vpd-1}]
    disks:
      description: The node's disks as C(DescribeNode) gives them, with snake_case keys.
      type: raw
      returned: always
      sample: [{category: cloud_essd, size: 100, type: system}]
    tags:
      description: The node's tags as the service gives them, with snake_case keys.
      type: raw
      returned: always
      sample: [{key: team, value: ml}]
    cluster_id:
      description: The ID of the node's cluster (C(DescribeNode) only).
      type: str
      returned: always
      sample: i119982311660892626523
    create_time:
      description: When the node was created.
      type: str
      returned: always
      sample: "2024-05-20T08:00:00Z"
    expired_time:
      description: When the node's subscription ends.
      type: str
      returned: always
      sample: "2025-05-20T08:00:00Z"
credentials_source:
  description: Where the credentials came from (see M(alibabacloud.eflo.eflo_task_info)); never a secret.
  returned: always
  type: str
  sample: env
"""

from typing import Any, Dict, List

from ansible_collections.alibabacloud.eflo.plugins.module_utils.ansible_module import EfloAnsibleModule
from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import node_info_spec
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.listing import list_all
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import node_to_dict, read_node
from ansible_collections.alibabacloud.eflo.plugins.module_utils.params import unique_ids

SOURCES = {"cluster_id": "cluster_id", "node_ids": "node_ids", "free": "free: true"}
FILTERS = {"node_group_id": ("cluster_id",), "operating_states": ("cluster_id", "free"), "machine_type": ("free",), "hpn_zone": ("free",)}


def node_source(params: Dict[str, Any]) -> str:
    """Which of :data:`SOURCES` lists the nodes; ConfigurationError when not exactly one is given or a filter does not fit it."""
    given = [name for name in SOURCES if params.get(name)]
    if len(given) != 1:
        raise ConfigurationError("Give exactly one of cluster_id (the nodes of a cluster), node_ids (those nodes) or free: true "
                                 "(the nodes in no cluster)%s." % (", not %s" % " and ".join(SOURCES[name] for name in given) if given else ""))
    for name, fits in FILTERS.items():
        if params.get(name) and given[0] not in fits:
            raise ConfigurationError("%s filters the nodes of %s, not those of %s: remove it, or list with %s." % (
                name, " or ".join(SOURCES[fit] for fit in fits), SOURCES[given[0]], " or ".join(SOURCES[fit] for fit in fits)))
    return given[0]


def find_nodes(call: Any, params: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The node dicts asked for by ``params`` (``call``: :meth:`EfloClient.call`)."""
    source = node_source(params)
    if source == "node_ids":
        return [node_to_dict(read_node(call("DescribeNode", {"NodeId": node_id}), node_id))
                for node_id in unique_ids("node_ids", params["node_ids"], "e01-cn-zvp2tgykr08")]
    if source == "cluster_id":
        action, names = "ListClusterNodes", {"ClusterId": "cluster_id", "NodeGroupId": "node_group_id", "OperatingStates": "operating_states"}
    else:
        action, names = "ListFreeNodes", {"MachineType": "machine_type", "HpnZone": "hpn_zone", "OperatingStates": "operating_states"}
    return [node_to_dict(node) for node in list_all(call, action, {key: params[name] for key, name in names.items() if params.get(name)})]


def main() -> None:
    module = EfloAnsibleModule(module_name="eflo_node_info", supports_check_mode=True, **node_info_spec())

    def body() -> Dict[str, Any]:
        node_source(module.params)
        with module.build_client() as client:
            return {"changed": False, "nodes": find_nodes(client.call, module.params)}

    module.run(body)


if __name__ == "__main__":
    main()
