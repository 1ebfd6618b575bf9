# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nodes of the ``eflo_nodes`` inventory (pure: no Ansible; the plugin ``plugins/inventory/eflo_nodes.py`` adds
the hosts and groups).

:func:`fetch_nodes` lists the clusters (``ListClusters``), keeps the selected ones and lists their nodes
(``ListClusterNodes``, filtered by state on the service side), every page through :func:`listing.list_all`; each node
becomes the dict of its host variables (:func:`host_vars`). :func:`default_groups` names the groups of a node.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import tag_dict
from ansible_collections.alibabacloud.eflo.plugins.module_utils.listing import Call, list_all
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import Cluster, Node, node_to_dict
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.progress import listed

CLUSTER_GROUP = "eflo_cluster_%s"
NODE_GROUP_GROUP = "eflo_node_group_%s"


def host_vars(node: Node, cluster: Cluster) -> Dict[str, Any]:
    """The node's snake_case fields (:func:`models.node_to_dict`: ISO 8601 UTC times, ``networks`` with ``ip``), its
    cluster's id and name, and its tags as a ``{key: value}`` dict named ``node_tags`` (``tags`` is a name Ansible
    reserves: a host variable ``tags`` makes every play warn)."""
    values = node_to_dict(node)
    values["cluster_id"] = values["cluster_id"] or cluster.cluster_id
    values["cluster_name"] = values["cluster_name"] or cluster.cluster_name
    del values["tags"]
    values["node_tags"] = tag_dict(node.tags)
    return values


def default_groups(values: Dict[str, Any]) -> List[str]:
    """The groups of a node, unsanitised, outermost first: ``eflo_cluster_<cluster_id>``, then
    ``eflo_node_group_<node_group_id>`` (a child of the first) when the node has one. The host goes in the last."""
    groups = [CLUSTER_GROUP % values["cluster_id"]]
    if values.get("node_group_id"):
        groups.append(NODE_GROUP_GROUP % values["node_group_id"])
    return groups


def _missing(option: str, wanted: Sequence[str], found: Sequence[str], clusters: Sequence[Cluster]) -> Optional[str]:
    unknown = [item for item in wanted if item not in found]
    if not unknown:
        return None
    known = ["%s (%s)" % (c.cluster_id, c.cluster_name) for c in clusters]
    return "%s: no cluster %s in this account and region (it has %s)" % (
        option, ", ".join(unknown), listed(known, ", ", most=10) if known else "no cluster")


def select_clusters(clusters: List[Cluster], cluster_ids: Sequence[str], cluster_names: Sequence[str]) -> List[Cluster]:
    """The clusters named by id or by name (all of them when neither is given); ConfigurationError naming each id or
    name that no cluster has."""
    if not cluster_ids and not cluster_names:
        return clusters
    problems = [
        _missing("cluster_ids", cluster_ids, [c.cluster_id for c in clusters], clusters),
        _missing("cluster_names", cluster_names, [c.cluster_name for c in clusters], clusters),
    ]
    if any(problems):
        raise ConfigurationError("%s. Fix the ids or names in the inventory file, or check region_id and endpoint." % (
            "; ".join(p for p in problems if p)))
    return [c for c in clusters if c.cluster_id in cluster_ids or c.cluster_name in cluster_names]


def fetch_nodes(call: Call, cluster_ids: Sequence[str] = (), cluster_names: Sequence[str] = (),
                operating_states: Sequence[str] = ()) -> List[Dict[str, Any]]:
    """The host variables of the nodes of the selected clusters in the given states (every state when none):
    one ``ListClusters`` listing, then one ``ListClusterNodes`` listing per cluster (100 nodes a page)."""
    clusters = select_clusters(list_all(call, "ListClusters"), cluster_ids, cluster_names)
    params: Dict[str, Any] = {"OperatingStates": list(operating_states)} if operating_states else {}
    return [
        host_vars(node, cluster)
        for cluster in clusters
        for node in list_all(call, "ListClusterNodes", dict(params, ClusterId=cluster.cluster_id))
    ]
