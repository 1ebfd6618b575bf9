#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The eflo_cluster_info module: clusters with their node groups and, on request, their nodes."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: eflo_cluster_info
short_description: List Alibaba Cloud PAI Lingjun (eflo-controller) clusters with their node groups and nodes
version_added: 0.1.0
description:
  - Lists the clusters of the region (C(ListClusters), every page) and returns those that match every filter given,
    as dictionaries with snake_case keys and ISO 8601 UTC times.
  - Each cluster comes with its node groups (C(ListNodeGroups)) and, with O(nodes=true), each node group with its
    nodes (C(ListClusterNodes), every page).
  - This module never changes anything.
options:
  name:
    description:
      - Only the clusters of this name (C(ClusterName), exact match). Names are not unique.
    type: str
  cluster_ids:
    description:
      - Only these clusters, in this order (each one once). A cluster ID that is not found fails, naming it.
    type: list
    elements: str
  resource_group_id:
    description:
      - Only the clusters of this resource group.
    type: str
  tags:
    description:
      - Only the clusters that carry all these tags (key and value).
    type: dict
  nodes:
    description:
      - Also list the nodes of each cluster, under RV(clusters[].node_groups[].nodes). One more paged call per cluster.
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
  - module: alibabacloud.eflo.eflo_node_info
"""

EXAMPLES = r"""
- name: A cluster by name, with its node groups and nodes
  alibabacloud.eflo.eflo_cluster_info:
    region_id: cn-wulanchabu
    name: training-a
    nodes: true
  register: found

- name: The node IDs of its node group ng-gpu
  ansible.builtin.debug:
    msg: >-
      {{ found.clusters[0].node_groups | selectattr('node_group_name', 'equalto', 'ng-gpu')
         | map(attribute='nodes') | flatten | map(attribute='node_id') | list }}

- name: The clusters of a team
  alibabacloud.eflo.eflo_cluster_info:
    region_id: cn-wulanchabu
    resource_group_id: rg-acfmxazb4ph6aiy
    tags:
      team: ml
  register: team

- name: The task each of two clusters runs (or ran last)
  alibabacloud.eflo.eflo_cluster_info:
    region_id: cn-wulanchabu
    cluster_ids: [i119982311660892626523, i119982311660892626524]
  register: two
"""

RETURN = r"""
clusters:
  description:
    - One dictionary per cluster, in the order of O(cluster_ids), else in the order the service listed them.
    - Times are ISO 8601 UTC strings (C(2024-05-20T08:00:00Z)); the service sends epoch seconds here.
    - C(ListClusters) does not give C(networks), C(vswitch_id), C(security_group_id) and C(open_eni_jumbo_frame);
      they are null.
  returned: success
  type: list
  elements: dict
  contains:
    cluster_id:
      description: The cluster ID.
      type: str
      returned: always
      sample: i119982311660892626523
    cluster_name:
      description: The cluster name.
      type: str
      returned: always
      sample: training-a
    cluster_type:
      description: The cluster type, such as C(Lite), C(ExclusiveBareCluster) or C(AckEdgePro).
      type: str
      returned: always
      sample: Lite
    cluster_description:
      description: The cluster description.
      type: str
      returned: always
      sample: ""
    operating_state:
      description: The cluster state, such as C(initializing), C(running), C(expanding), C(shrinking) or C(deleting).
      type: str
      returned: always
      sample: running
    task_id:
      description: The ID of the task the cluster runs, or of its last task.
      type: str
      returned: always
      sample: i156331731670384438138
    node_count:
      description: The number of nodes.
      type: int
      returned: always
      sample: 4
    node_group_count:
      description: The number of node groups.
      type: int
      returned: always
      sample: 1
    hpn_zone:
      description: The HPN zone of the cluster.
      type: str
      returned: always
      sample: B1
    resource_group_id:
      description: The resource group of the cluster.
      type: str
      returned: always
      sample: rg-acfmxazb4ph6aiy
    vpc_id:
      description: The VPC of the cluster.
      type: str
      returned: always
      sample: vpc-0jl4f0y9
    components:
      description: The cluster's components as the service gives them, with snake_case keys.
      type: raw
      returned: always
      sample: {component_type: ACKEdge}
    tags:
      description: The cluster's tags as the service gives them, with snake_case keys.
      type: raw
      returned: always
      sample: [{key: team, value: ml}]
    create_time:
      description: When the cluster was created.
      type: str
      returned: always
      sample: "2024-05-20T08:00:00Z"
    update_time:
      description: When the cluster last changed.
      type: str
      returned: always
      sample: "2024-05-20T09:40:00Z"
    node_groups:
      description: The node groups of the cluster (C(ListNodeGroups)).
      type: list
      elements: dict
      returned: always
      contains:
        node_group_id:
          description: The node group ID.
          type: str
          sample: i127582271665027208350
        node_group_name:
          description: The node group name.
          type: str
          sample: ng-gpu
        machine_type:
          description: The machine type of its nodes.
          type: str
          sample: efg1.nvga8n
        image_id:
          description: The ID of its nodes' operating system image.
          type: str
          sample: i190297961737537046489
        zone_id:
          description: The zone of the node group.
          type: str
          sample: cn-wulanchabu-b
        node_count:
          description: The number of nodes in the node group.
          type: int
          sample: 4
        create_time:
          description: When the node group was created.
          type: str
          sample: "2024-05-20T08:00:00Z"
        nodes:
          description:
            - With O(nodes=true), the nodes of the node group (C(ListClusterNodes)), the dictionaries
              RV(alibabacloud.eflo.eflo_node_info#module:nodes) returns.
          type: list
          elements: dict
          returned: when O(nodes=true)
credentials_source:
  description: Where the credentials came from (see M(alibabacloud.eflo.eflo_task_info)); never a secret.
  returned: always
  type: str
  sample: env
"""

from typing import Any, Dict, List

from ansible_collections.alibabacloud.eflo.plugins.module_utils.ansible_module import EfloAnsibleModule
from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import cluster_info_spec
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.listing import list_all, node_groups_of
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import cluster_to_dict
from ansible_collections.alibabacloud.eflo.plugins.module_utils.params import unique_ids


def find_clusters(call: Any, params: Dict[str, Any]) -> List[Any]:
    """The clusters (models) that match ``params`` (``call``: :meth:`EfloClient.call`); ListClusters filters by resource
    group and tags, the name and ids are matched here."""
    ids = unique_ids("cluster_ids", params["cluster_ids"], "i119982311660892626523") if params.get("cluster_ids") is not None else None
    query: Dict[str, Any] = {"ResourceGroupId": params.get("resource_group_id") or None}
    if params.get("tags"):
        query["Tags"] = [{"Key": str(key), "Value": "" if value is None else str(value)} for key, value in params["tags"].items()]
    clusters = [cluster for cluster in list_all(call, "ListClusters", query) if params.get("name") in (None, cluster.cluster_name)]
    if ids is None:
        return clusters
    by_id = {cluster.cluster_id: cluster for cluster in clusters}
    missing = [cluster_id for cluster_id in ids if cluster_id not in by_id]
    if missing:
        filters = " and ".join(name for name in ("name", "resource_group_id", "tags") if params.get(name))
        raise ConfigurationError("cluster_ids: %s not found among the %d cluster%s ListClusters returned%s: check the ids, and that "
                                 "region_id or endpoint name the region of the clusters."
                                 % (", ".join(missing), len(clusters), "" if len(clusters) == 1 else "s", " with " + filters if filters else ""))
    return [by_id[cluster_id] for cluster_id in ids]


def main() -> None:
    module = EfloAnsibleModule(module_name="eflo_cluster_info", supports_check_mode=True, **cluster_info_spec())

    def body() -> Dict[str, Any]:
        with module.build_client() as client:
            clusters = [dict(cluster_to_dict(cluster), node_groups=node_groups_of(client.call, cluster.cluster_id, nodes=module.params["nodes"]))
                        for cluster in find_clusters(client.call, module.params)]
        return {"changed": False, "clusters": clusters}

    module.run(body)


if __name__ == "__main__":
    main()
