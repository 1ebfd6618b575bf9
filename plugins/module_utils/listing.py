# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every page of a list action (ListClusters, ListClusterNodes, ListFreeNodes, ListNodeGroups): the one paging loop.

Each answer is read by :func:`models.read_page`; the loop follows ``NextToken`` until the service returns none, and
refuses a token it has already sent (a service that answers the same page forever would otherwise never end).
:func:`node_groups_of` reads a cluster's node groups and their nodes with it.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ResponseParseError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import node_group_to_dict, node_to_dict, read_page

PAGE_SIZE = 100  # the largest MaxResults the list actions accept

Call = Callable[..., Dict[str, Any]]  # EfloClient.call


def list_all(call: Call, action: str, params: Optional[Mapping[str, Any]] = None, *, page_size: int = PAGE_SIZE,
             **call_options: Any) -> List[Any]:
    """The items of every page of ``action`` (models), in the order the service gave them.

    ``call`` is :meth:`EfloClient.call` (``call_options`` such as ``deadline`` and ``query`` go to it as they are);
    ``params`` are the action's own parameters, without ``MaxResults`` and ``NextToken``, which this sets."""
    items: List[Any] = []
    sent = set()
    token: Optional[str] = None
    while True:
        body = dict(params or {}, MaxResults=page_size)
        if token:
            body["NextToken"] = token
        page = read_page(action, call(action, body, **call_options))
        items.extend(page.items)
        token = page.next_token
        if not token or not page.items:
            return items
        if token in sent:
            raise ResponseParseError(
                "eflo-controller %s answered the page token %s twice; the listing was stopped after %d items. Try "
                "again later." % (action, token, len(items)), status=200, action=action)
        sent.add(token)


def node_groups_of(call: Call, cluster_id: str, *, nodes: bool = False, **call_options: Any) -> List[Dict[str, Any]]:
    """The node groups of ``cluster_id`` (ListNodeGroups) as snake_case dicts, each with its ``nodes`` (ListClusterNodes,
    node dicts) when ``nodes``."""
    groups = [node_group_to_dict(group) for group in list_all(call, "ListNodeGroups", {"ClusterId": cluster_id}, **call_options)]
    if nodes:
        members = [node_to_dict(node) for node in list_all(call, "ListClusterNodes", {"ClusterId": cluster_id}, **call_options)]
        for group in groups:
            group["nodes"] = [node for node in members if node["node_group_id"] == group["node_group_id"]]
    return groups
