# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory plugin ``alibabacloud.eflo.eflo_nodes``: the nodes of PAI Lingjun clusters as hosts (a thin adapter
around ``plugin_utils/inventory.py``)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
name: eflo_nodes
short_description: Alibaba Cloud PAI Lingjun (eflo) cluster nodes as an inventory
version_added: 0.1.0
description:
  - Lists the clusters of the account with C(ListClusters) and the nodes of the selected ones with
    C(ListClusterNodes), every page, and adds one host per node.
  - The host variables are the node's fields in snake_case, which are C(node_id), C(hostname), C(cluster_id), C(cluster_name), C(node_group_id),
    C(node_group_name), C(machine_type), C(operating_state), C(zone_id), C(hpn_zone), C(image_id), C(image_name),
    C(sn), C(node_type), C(vpc_id), C(vswitch_id), C(networks) (a list of dictionaries with C(ip), C(bond_name),
    C(subnet_id)), C(node_tags) (the node's tags, a dictionary of tag keys and values; not C(tags), a name
    Ansible reserves), and the times C(create_time) and C(expired_time)
    in ISO 8601 UTC (such as C(2024-05-20T08:00:00Z)).
  - Groups, besides the ones made with O(groups) and O(keyed_groups), are C(eflo_cluster_<cluster id>) for each
    cluster and C(eflo_node_group_<node group id>) for each node group (a child of its cluster's group), such as
    C(eflo_cluster_i119982311660892626523) and C(eflo_node_group_i127582271665027208350). A host is in the group of
    its node group (so also in its cluster's), or in its cluster's group when it has no node group. Make groups named
    after clusters or node groups with O(keyed_groups) (see the examples).
  - The inventory file's name must end with C(eflo_nodes.yml), C(eflo_nodes.yaml), C(eflo.yml) or C(eflo.yaml).
  - A configuration problem (an option this plugin does not have, no credentials, an unknown cluster) makes the
    source fail with a message that names it; C(ansible-inventory) shows it as a warning unless
    C(ANSIBLE_INVENTORY_UNPARSED_FAILED) is set.
options:
  plugin:
    description:
      - The name of this plugin; it marks the file as an C(eflo_nodes) inventory source.
    required: true
    type: str
    choices: [alibabacloud.eflo.eflo_nodes]
  cluster_ids:
    description:
      - The IDs of the clusters whose nodes are listed, such as V(i119982311660892626523).
      - With neither O(cluster_ids) nor O(cluster_names), the nodes of every cluster of the account in the region.
      - An ID that no cluster has is an error.
    type: list
    elements: str
    default: []
  cluster_names:
    description:
      - The names of the clusters whose nodes are listed, in addition to O(cluster_ids).
      - A name that no cluster has is an error.
    type: list
    elements: str
    default: []
  operating_states:
    description:
      - Only nodes in one of these states, such as V(Using) (the service filters them).
      - Every state when empty.
    type: list
    elements: str
    default: []
  hostnames:
    description:
      - How a host is named. The first entry that gives a non-empty value for the node wins.
      - Each entry is the name of a host variable (V(hostname), V(node_id)) or a Jinja2 expression over the
        host variables, as in O(compose), such as V(networks[0].ip) or V(node_tags.Name).
      - When no entry gives a value, or the name was taken by another node already, the host is named after its
        C(node_id) (with a warning for a taken name).
    type: list
    elements: str
    default: [node_id]
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - alibabacloud.eflo.eflo
notes:
  - >-
    The credentials and the region are looked up on the controller, in the environment of C(ansible-inventory) or
    C(ansible-playbook); C(module_defaults) does not apply to an inventory source.
seealso:
  - module: alibabacloud.eflo.eflo_api
"""

EXAMPLES = r"""
# inventory/eflo.eflo_nodes.yml: every node in use of one cluster, named by host name
plugin: alibabacloud.eflo.eflo_nodes
region_id: cn-wulanchabu
cluster_ids: [i119982311660892626523]
operating_states: [Using]
hostnames: [hostname, node_id]
keyed_groups:
  - key: node_group_name   # groups such as ng_gpu_workers
    prefix: ng
  - key: node_tags.team | default('none')
    prefix: team
compose:
  ansible_host: networks[0].ip
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-eflo
cache_timeout: 600

# A second inventory file (examples are one YAML document, so it is shown commented out):
# inventory/staging.eflo.yml: two clusters by name, credentials of an aliyun CLI profile
# plugin: alibabacloud.eflo.eflo_nodes
# profile: staging
# region_id: cn-wulanchabu
# cluster_names: [train-a, train-b]
# groups:
#   gpu: machine_type.startswith('efg')
"""

import os
from difflib import get_close_matches
from typing import Any, Dict, List, Sequence, Set

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import common_argument_spec
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError, EfloError, failure_result
from ansible_collections.alibabacloud.eflo.plugins.module_utils.options import build_client_with_credentials, library_problem, secrets_of
from ansible_collections.alibabacloud.eflo.plugins.module_utils.redact import Redactor
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.inventory import default_groups, fetch_nodes

NAME = "eflo_nodes"
FILE_SUFFIXES = ("eflo_nodes.yml", "eflo_nodes.yaml", "eflo.yml", "eflo.yaml")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """The nodes of the selected clusters as hosts (see DOCUMENTATION)."""

    NAME = "alibabacloud.eflo.eflo_nodes"

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith(FILE_SUFFIXES)

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self.check_keys(self._read_config_data(path), path)
        key = self.get_cache_key(path)
        use_cache = bool(self.get_option("cache"))
        nodes = None
        if use_cache and cache:
            nodes = self._cache.get(key)
        if nodes is None:
            nodes = self.fetch()
            if use_cache:
                self._cache[key] = nodes
        self.populate(nodes)

    def check_keys(self, config: Dict[str, Any], path: str) -> None:
        """Refuse an option this plugin does not have (Ansible would ignore it), suggesting the closest ones."""
        known = set(self._options)
        known.update(alias for spec in common_argument_spec().values() for alias in spec.get("aliases", ()))
        unknown = sorted(str(name) for name in config if name not in known)
        if unknown:
            hints = ["%s (did you mean %s?)" % (name, " or ".join(close)) if close else name
                     for name, close in ((name, get_close_matches(name, sorted(known), 2)) for name in unknown)]
            raise AnsibleParserError("%s: unknown option %s in %s. Remove it or fix its spelling (see ansible-doc -t inventory %s)."
                                     % (NAME, ", ".join(hints), path, self.NAME))

    def fetch(self) -> List[Dict[str, Any]]:
        """The host variables of the selected nodes; every problem raised as an AnsibleParserError (secrets masked)."""
        params = {name: self.get_option(name) for name in common_argument_spec()}
        secrets = secrets_of(params)
        try:
            problem = library_problem()
            if problem:
                raise ConfigurationError(problem + " The inventory plugin runs on the Ansible controller.")
            client, credentials = build_client_with_credentials(params, dict(os.environ), os.path.expanduser("~"),
                                                                user_agent="ansible-core/%s" % ANSIBLE_VERSION)
            secrets.extend(s for s in (credentials.access_key_secret, credentials.security_token) if s)
            with client:
                return fetch_nodes(client.call, self.get_option("cluster_ids"), self.get_option("cluster_names"),
                                   self.get_option("operating_states"))
        except EfloError as err:
            raise AnsibleParserError("%s: %s" % (NAME, Redactor(secrets)(failure_result(err)["msg"]))) from None

    def populate(self, nodes: List[Dict[str, Any]]) -> None:
        """Hosts, host variables, default groups, then ``compose``, ``groups`` and ``keyed_groups``."""
        strict = self.get_option("strict")
        taken: Set[str] = set()
        for values in nodes:
            host = self.host_name(values, self.get_option("hostnames"), taken)
            self.inventory.add_host(host)
            for name, value in values.items():
                self.inventory.set_variable(host, name, value)
            parent = None
            for group_name in default_groups(values):  # cluster, then node group: the host goes in the innermost
                group = self.inventory.add_group(self._sanitize_group_name(group_name))
                if parent:
                    self.inventory.add_child(parent, group)
                parent = group
            self.inventory.add_child(parent, host)
            self._set_composite_vars(self.get_option("compose"), values, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), values, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), values, host, strict=strict)

    def host_name(self, values: Dict[str, Any], hostnames: Sequence[str], taken: Set[str]) -> str:
        """The first non-empty value of ``hostnames`` (names of host variables or expressions), else the node id."""
        node_id = str(values["node_id"])
        for entry in hostnames:
            try:
                name = values[entry] if entry in values else self._compose(entry, values)
            except AnsibleError:
                name = None
            if name in (None, "") or isinstance(name, (dict, list)):
                continue
            name = str(name)
            if name in taken and name != node_id:
                self.display.warning("%s: host name %s of node %s is taken by another node; the host is named %s"
                                     % (NAME, name, node_id, node_id))
                break
            taken.add(name)
            return name
        taken.add(node_id)
        return node_id
