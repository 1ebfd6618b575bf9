# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""listing.list_all: every page, the parameters of each call, a token answered twice, an error envelope."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ResponseParseError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.listing import list_all


class Pages:
    """``call`` for list_all: answers the given bodies in turn and records what was asked."""

    def __init__(self, *bodies: Dict[str, Any]) -> None:
        self.bodies = list(bodies)
        self.calls: List[Tuple[str, Dict[str, Any], Dict[str, Any]]] = []

    def __call__(self, action: str, params: Dict[str, Any], **options: Any) -> Dict[str, Any]:
        self.calls.append((action, params, options))
        return self.bodies.pop(0)


def test_every_page_is_read_in_order() -> None:
    pages = Pages({"Nodes": [{"NodeId": "e-1"}, {"NodeId": "e-2"}], "NextToken": "t1"},
                  {"Nodes": [{"NodeId": "e-3"}], "NextToken": ""})
    nodes = list_all(pages, "ListClusterNodes", {"ClusterId": "i1"}, page_size=2, deadline=9.0)
    assert [node.node_id for node in nodes] == ["e-1", "e-2", "e-3"]
    assert pages.calls == [
        ("ListClusterNodes", {"ClusterId": "i1", "MaxResults": 2}, {"deadline": 9.0}),
        ("ListClusterNodes", {"ClusterId": "i1", "MaxResults": 2, "NextToken": "t1"}, {"deadline": 9.0}),
    ]


@pytest.mark.parametrize("action, body, field, value", [
    ("ListClusters", {"Clusters": [{"ClusterId": "i1", "ClusterName": "a"}]}, "cluster_name", "a"),
    ("ListNodeGroups", {"Groups": [{"GroupId": "ng-1", "GroupName": "gpu"}]}, "node_group_name", "gpu"),
    ("ListFreeNodes", {"Nodes": [{"NodeId": "e-9", "MachineType": "efg1.nvga8n"}]}, "machine_type", "efg1.nvga8n"),
])
def test_each_list_action_reads_its_items(action: str, body: Dict[str, Any], field: str, value: str) -> None:
    (item,) = list_all(Pages(body), action)
    assert getattr(item, field) == value


def test_an_empty_page_with_a_token_ends_the_listing() -> None:
    pages = Pages({"Clusters": [], "NextToken": "t1"})
    assert list_all(pages, "ListClusters") == [] and len(pages.calls) == 1


def test_a_token_answered_twice_stops_with_a_clear_error() -> None:
    page = {"Nodes": [{"NodeId": "e-1"}], "NextToken": "same"}
    with pytest.raises(ResponseParseError, match="answered the page token same twice"):
        list_all(Pages(page, page, page), "ListClusterNodes")


def test_an_error_envelope_is_not_an_empty_page() -> None:
    with pytest.raises(ResponseParseError, match="with an error and no Groups"):
        list_all(Pages({"Code": "InternalError", "Message": "boom"}), "ListNodeGroups")
