#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of eflo_cluster. The work is done by the action plugin plugins/action/eflo_cluster.py."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: eflo_cluster
short_description: Create, grow, shrink, tag or delete an Alibaba Cloud PAI Lingjun (eflo-controller) cluster
version_added: 0.1.0
description:
  - Makes a Lingjun cluster what the task says - its node groups, the nodes of each group and its tags - and waits
    for the tasks it starts. Run it as often as you like; a second run with the same options changes nothing and
    makes no call that changes anything.
  - The cluster is found by O(cluster_id), or by O(name) (C(ListClusters), every page).
  - A missing cluster is created (C(CreateCluster)) with everything given. For an existing cluster, missing node groups
    are created (C(CreateNodeGroup)), nodes that are not in the cluster join with one C(ExtendCluster), nodes of the
    cluster that are not listed leave with one C(ShrinkCluster) only with O(purge_nodes=true), and the tags are set
    with C(UntagResources) and C(TagResources). O(state=absent) deletes the cluster (C(DeleteCluster)).
  - When the cluster is initializing, expanding or shrinking, the task it runs (its C(TaskId)) is waited for first,
    so a relaunched playbook resumes instead of starting a conflicting operation.
  - The waits are those of M(alibabacloud.eflo.eflo_task_wait) - the same engine, progress lines and failure messages,
    named C(eflo_cluster:) - and run on the controller (this is an action plugin).
  - Calls that change something are never retried once they may have reached the service; a throttled call is.
options:
  name:
    description:
      - The cluster name (C(ClusterName)). The cluster is looked up by it; two clusters with the name fail with their IDs.
      - Required to create a cluster. Exactly one of O(name) and O(cluster_id) is required.
    type: str
  cluster_id:
    description:
      - The cluster ID. A cluster given by ID is never created.
    type: str
  state:
    description:
      - V(present) creates or updates the cluster; V(absent) deletes it and waits until it is gone.
    type: str
    default: present
    choices: [present, absent]
  cluster_type:
    description:
      - The cluster type (C(ClusterType)). Set at creation only; a different value for an existing cluster fails.
    type: str
    choices: [Lite, ExclusiveBareCluster, AckEdgePro]
  description:
    description:
      - The cluster description (C(ClusterDescription)), set at creation.
    type: str
  hpn_zone:
    description:
      - The HPN zone (C(HpnZone)). Set at creation only; a different value for an existing cluster fails.
    type: str
  resource_group_id:
    description:
      - The resource group (C(ResourceGroupId)), set at creation.
    type: str
  networks:
    description:
      - C(CreateCluster)'s C(Networks), passed as given (CamelCase keys). Set at creation only; for an existing cluster,
        each key the service describes (such as C(VpcId), C(VSwitchId), C(SecurityGroupId), C(VpdId)) must match.
    type: dict
  components:
    description:
      - C(CreateCluster)'s C(Components), passed as given. Set at creation only; for an existing cluster, the
        C(ComponentType) of each must match the cluster's.
    type: list
    elements: dict
  ignore_failed_node_tasks:
    description:
      - C(IgnoreFailedNodeTasks) of C(CreateCluster), C(ExtendCluster) and C(ShrinkCluster) - a node that fails does
        not fail the whole task.
    type: bool
    default: false
  tags:
    description:
      - The tags of the cluster. Not given - the tags are not managed.
    type: dict
  purge_tags:
    description:
      - Remove the tags that are not in O(tags) (tags starting with C(acs:) or C(aliyun) are kept). Only when O(tags) is given.
    type: bool
    default: true
  node_groups:
    description:
      - The node groups and the nodes each should have, matched by name inside the cluster. Not given - the nodes are
        not managed.
      - A node listed here that is in another group of the cluster fails (a node does not move between groups here).
    type: list
    elements: dict
    suboptions:
      name:
        description: The node group name (C(NodeGroupName)).
        type: str
        required: true
      machine_type:
        description: The machine type of the group. Set when the group is created; a different value fails.
        type: str
      zone_id:
        description: The zone of the group. Set when the group is created; a different value fails.
        type: str
      image_id:
        description: The image of the group. Set when the group is created; a different value fails.
        type: str
      description:
        description: The node group description, set when the group is created.
        type: str
      nodes:
        description: The nodes the group should have.
        type: list
        elements: dict
        default: []
        suboptions:
          node_id:
            description: The node ID (a free node joins the cluster).
            type: str
            required: true
          hostname:
            description: The host name to give the node when it joins.
            type: str
          login_password:
            description: The login password to set when the node joins. Never shown in results or the plan.
            type: str
  purge_nodes:
    description:
      - Remove the nodes of the cluster that are not listed in O(node_groups) (also those of groups not listed).
        Without it, they stay and a warning names them.
    type: bool
    default: false
  wait:
    description:
      - Wait for the tasks started (and, with O(state=absent), until the cluster is gone).
      - V(false) returns right after the calls with RV(task_ids). A task that must end before the next call (a shrink
        before an extension) is waited for anyway.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for each task, and for the deletion.
    type: float
    default: 16200.0
  delay:
    description:
      - The shortest time between two polls of a task, as O(alibabacloud.eflo.eflo_task_wait#module:delay).
      - With O(state=absent), the time between two C(DescribeCluster) calls while the cluster is being deleted.
    type: float
    default: 12.0
  max_delay:
    description: The longest time between two polls of a task, as O(alibabacloud.eflo.eflo_task_wait#module:max_delay).
    type: float
    default: 60.0
  max_rate:
    description: The most C(DescribeTask) calls per second of a wait, as O(alibabacloud.eflo.eflo_task_wait#module:max_rate).
    type: float
    default: 5.0
  heartbeat_interval:
    description:
      - Seconds between two heartbeat lines of a wait, as O(alibabacloud.eflo.eflo_task_wait#module:heartbeat_interval).
      - >-
        With O(state=absent), the wait for the deletion shows a line when it starts (C(eflo_cluster: waiting until
        cluster ... is gone)), one every O(heartbeat_interval) with the cluster's state, and one when the cluster is
        gone. V(0) turns the heartbeat lines off.
    type: float
    default: 60.0
extends_documentation_fragment:
  - alibabacloud.eflo.eflo
  - alibabacloud.eflo.eflo.modules
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: Runs on the controller; nothing is copied to the managed host.
  async:
    support: none
    details: The task waits by itself, with O(wait_timeout); C(async) is refused with a message.
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: No call that changes anything is made; RV(plan) lists the calls that would be made.
  diff_mode:
    support: full
    details: The node IDs of each node group and the tags, before and after.
notes:
  - A second run reads the cluster with C(ListClusters) (by name), C(DescribeCluster), C(ListNodeGroups),
    C(ListClusterNodes) and C(ListTagResources) - five calls for a cluster of up to 100 nodes - and changes nothing.
  - O(retries) applies to the calls; the polls of a wait are retried by the wait itself.
seealso:
  - module: alibabacloud.eflo.eflo_task_wait
  - module: alibabacloud.eflo.eflo_api
"""

EXAMPLES = r"""
- name: A cluster with one GPU node group of two nodes
  alibabacloud.eflo.eflo_cluster:
    region_id: cn-wulanchabu
    name: training-a
    cluster_type: Lite
    tags:
      team: ml
    node_groups:
      - name: ng-gpu
        machine_type: efg1.nvga8n
        zone_id: cn-wulanchabu-b
        image_id: i190297961737537046489
        nodes:
          - node_id: e01-cn-zvp2tgykr08
            hostname: gpu-08
            login_password: "{{ vault_node_password }}"
          - node_id: e01-cn-zvp2tgykr09
            hostname: gpu-09
    wait_timeout: 16200
  register: cluster

- name: Keep only the listed nodes (the others leave the cluster)
  alibabacloud.eflo.eflo_cluster:
    region_id: cn-wulanchabu
    name: training-a
    node_groups:
      - name: ng-gpu
        nodes:
          - node_id: e01-cn-zvp2tgykr08
    purge_nodes: true

- name: Delete the cluster and wait until it is gone
  alibabacloud.eflo.eflo_cluster:
    region_id: cn-wulanchabu
    name: training-a
    state: absent
"""

RETURN = r"""
cluster:
  description:
    - The cluster after the run (before it, in check mode), as C(DescribeCluster) in snake_case (see
      RV(alibabacloud.eflo.eflo_api#module:response)), with its tags as a dictionary and RV(cluster.node_groups).
    - Empty when there is no cluster (or it was deleted).
  returned: always
  type: dict
  contains:
    cluster_id:
      description: The cluster ID.
      type: str
      returned: when there is a cluster
      sample: i119982311660892626523
    operating_state:
      description: The cluster state, such as C(running).
      type: str
      returned: when there is a cluster
      sample: running
    tags:
      description: The cluster tags.
      type: dict
      returned: when there is a cluster
      sample: {team: ml}
    node_groups:
      description: The node groups (C(ListNodeGroups) in snake_case), each with its C(nodes) (C(ListClusterNodes) in snake_case).
      type: list
      elements: dict
      returned: when there is a cluster
  sample:
    cluster_id: i119982311660892626523
    cluster_name: training-a
    operating_state: running
    tags: {team: ml}
    node_groups:
      - node_group_id: i127582271665027208350
        node_group_name: ng-gpu
        nodes: [{node_id: e01-cn-zvp2tgykr08, hostname: gpu-08, operating_state: Using}]
task_ids:
  description: The IDs of the tasks this run started, in order (empty in check mode).
  returned: always
  type: list
  elements: str
  sample: [i156331731670384438138]
tasks:
  description:
    - The waited outcome of each task (also of the task a busy cluster was running), as
      RV(alibabacloud.eflo.eflo_task_wait#module:tasks). Empty with O(wait=false).
  returned: always
  type: list
  elements: dict
plan:
  description:
    - The calls made (in check mode - that would be made), each with its parameters; login passwords are masked.
    - An C(ExtendCluster) item of a group created in the same run names it with C(NodeGroupName) instead of its ID.
  returned: always
  type: list
  elements: dict
  sample:
    - action: ExtendCluster
      params:
        ClusterId: i119982311660892626523
        IgnoreFailedNodeTasks: false
        NodeGroups: [{NodeGroupId: i127582271665027208350, Nodes: [{NodeId: e01-cn-zvp2tgykr0c, Hostname: gpu-0c}]}]
diff:
  description: The node IDs of each node group and the tags, before and after (C(after) is empty after a deletion).
  returned: always
  type: dict
  sample:
    before: {node_groups: {ng-gpu: [e01-cn-zvp2tgykr08]}, tags: {team: ml}}
    after: {node_groups: {ng-gpu: [e01-cn-zvp2tgykr08, e01-cn-zvp2tgykr0c]}, tags: {team: ml}}
resumed_task_id:
  description: The task the cluster was running when the run started, which was waited for before the plan.
  returned: when the cluster was busy
  type: str
  sample: i156331731670384438138
credentials_source:
  description: Where the credentials came from, as in RV(alibabacloud.eflo.eflo_task_wait#module:credentials_source).
  returned: always
  type: str
  sample: environment
"""

from ansible_collections.alibabacloud.eflo.plugins.module_utils.ansible_module import fail_action_only
from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import cluster_spec


def main() -> None:
    fail_action_only("eflo_cluster", cluster_spec())


if __name__ == "__main__":
    main()
