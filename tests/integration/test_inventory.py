# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``alibabacloud.eflo.eflo_nodes`` inventory plugin through ``ansible-inventory --list`` / ``--graph`` against the
simulator: a 200-node cluster of three node groups (two pages of ListClusterNodes), filters, host names, keyed groups,
compose, the cache (no API call on the second run), bad configurations, and no secret in any output or the cache."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping

import pytest
import yaml

from conftest import Simulator

pytestmark = pytest.mark.simulator

DEMO_CLUSTER = "i119982311660892626523"
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
GROUP_SIZES = {"gpu-a": 90, "gpu b": 70, "cpu": 40}  # 200 nodes: two pages of ListClusterNodes


def plain(value: Any) -> Any:
    """``--list`` JSON without the ``__ansible_unsafe`` wrappers ansible-core 2.19 puts around API strings."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class Inventory:
    """Runs ``ansible-inventory`` on an ``*.eflo_nodes.yml`` file in a clean environment (empty HOME, no credential
    variables), with the simulator's endpoint and demo keys unless the config says otherwise."""

    def __init__(self, simulator: Simulator, tree: Path, tmp_path: Path) -> None:
        self.simulator = simulator
        self.tmp_path = tmp_path
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "ALIBABA_CLOUD_", "ALIBABACLOUD_", "ALICLOUD_"))}
        self.env.update(HOME=str(tmp_path / "home"), ANSIBLE_COLLECTIONS_PATH=str(tree), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                        ANSIBLE_HOME=str(tmp_path / "home" / ".ansible"), ANSIBLE_NOCOLOR="1", ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
                        ANSIBLE_INVENTORY_UNPARSED_FAILED="true", PYTHONDONTWRITEBYTECODE="1", LC_ALL="C.UTF-8")
        (tmp_path / "home").mkdir(exist_ok=True)

    def config(self, **options: Any) -> Dict[str, Any]:
        base = {"plugin": "alibabacloud.eflo.eflo_nodes", "endpoint": self.simulator.url,
                "access_key_id": self.simulator.access_key_id, "access_key_secret": self.simulator.access_key_secret}
        return {k: v for k, v in dict(base, **options).items() if v is not None}

    def run(self, config: Mapping[str, Any], *args: str, name: str = "test.eflo_nodes.yml") -> subprocess.CompletedProcess:
        path = self.tmp_path / name
        path.write_text(yaml.safe_dump(dict(config)), encoding="utf-8")
        command = [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(path), *args]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=300, check=False,
                              stdin=subprocess.DEVNULL)

    def list(self, config: Mapping[str, Any], *args: str) -> Dict[str, Any]:
        proc = self.run(config, "--list", *args)
        assert proc.returncode == 0, proc.stderr
        assert self.simulator.access_key_secret not in proc.stdout + proc.stderr
        return plain(json.loads(proc.stdout))


@pytest.fixture
def inventory(simulator: Simulator, collections_tree: Path, tmp_path: Path) -> Inventory:
    return Inventory(simulator, collections_tree, tmp_path)


@pytest.fixture
def big_cluster(simulator: Simulator, collections_tree: Path) -> Dict[str, Any]:
    """A running cluster of 200 nodes in three node groups, two nodes of gpu-a tagged ``team: nlp`` (TagResources sent
    with the collection's own client)."""
    spec = {"name": "big", "node_groups": [{"name": name, "node_count": count} for name, count in GROUP_SIZES.items()]}
    cluster = simulator.control("POST", "/_sim/clusters", spec)
    tagged = cluster["node_groups"][0]["node_ids"][:2]
    if str(collections_tree) not in sys.path:
        sys.path.insert(0, str(collections_tree))
    from ansible_collections.alibabacloud.eflo.plugins.module_utils.options import build_client_with_credentials  # pylint: disable=import-outside-toplevel

    keys = {"endpoint": simulator.url, "access_key_id": simulator.access_key_id, "access_key_secret": simulator.access_key_secret}
    client, _credentials = build_client_with_credentials(keys, {}, "/nonexistent")
    with client:
        client.call("TagResources", {"ResourceType": "Node", "ResourceId": tagged, "Tag": [{"Key": "team", "Value": "nlp"}]},
                    idempotent=False)
    simulator.control("DELETE", "/_sim/requests")
    return dict(cluster, tagged=tagged)


def hosts_of(listing: Dict[str, Any], group: str) -> List[str]:
    """The hosts of ``group`` and of its children, recursively."""
    entry = listing.get(group, {})
    found = list(entry.get("hosts", []))
    for child in entry.get("children", []):
        found += hosts_of(listing, child)
    return found


def test_a_200_node_cluster_with_three_node_groups_in_three_calls(
        inventory: Inventory, simulator: Simulator, big_cluster: Dict[str, Any]) -> None:
    cid = big_cluster["cluster_id"]
    listing = inventory.list(inventory.config(
        cluster_ids=[cid], hostnames=["hostname", "node_id"], keyed_groups=[{"key": "node_group_name", "prefix": "ng"}],
        compose={"ansible_host": "networks[0].ip", "eflo_team": "node_tags.team | default('none')"}))
    assert simulator.requests()["by_action"] == {"ListClusters": {"success": 1}, "ListClusterNodes": {"success": 2}}
    hostvars = listing["_meta"]["hostvars"]
    assert len(hostvars) == 200
    assert sorted(set(hosts_of(listing, "eflo_cluster_" + cid))) == sorted(hostvars)
    assert "hosts" not in listing["eflo_cluster_" + cid]  # each host is in its node group's group
    assert listing["eflo_cluster_" + cid]["children"] == ["eflo_node_group_" + g["node_group_id"] for g in big_cluster["node_groups"]]
    for group in big_cluster["node_groups"]:
        members = listing["eflo_node_group_" + group["node_group_id"]]["hosts"]
        assert sorted(hostvars[h]["node_id"] for h in members) == sorted(group["node_ids"])
        keyed = listing["ng_" + re.sub(r"[^A-Za-z0-9_]", "_", group["name"])]["hosts"]
        assert sorted(keyed) == sorted(members) and len(members) == GROUP_SIZES[group["name"]]
    for host, values in hostvars.items():
        assert host == values["hostname"]
        assert values["cluster_id"] == cid and values["cluster_name"] == "big"
        assert values["operating_state"] == "Using" and values["node_group_name"] in GROUP_SIZES
        assert values["ansible_host"] == values["networks"][0]["ip"] and re.match(r"^\d+\.\d+\.\d+\.\d+$", values["ansible_host"])
        assert ISO_UTC.match(values["create_time"]) and ISO_UTC.match(values["expired_time"])
        assert {"machine_type", "zone_id", "hpn_zone", "image_id", "node_group_id"} <= set(values)
        assert values["eflo_team"] == ("nlp" if values["node_id"] in big_cluster["tagged"] else "none")
        assert values["node_tags"] == ({"team": "nlp"} if values["node_id"] in big_cluster["tagged"] else {})


def test_graph_shows_clusters_and_node_groups(inventory: Inventory, big_cluster: Dict[str, Any]) -> None:
    proc = inventory.run(inventory.config(), "--graph")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    for cid, groups in ((big_cluster["cluster_id"], [g["node_group_id"] for g in big_cluster["node_groups"]]), (DEMO_CLUSTER, None)):
        start = lines.index("  |--@eflo_cluster_%s:" % cid)
        assert lines[start + 1].startswith("  |  |--@eflo_node_group_")
        assert all("  |  |--@eflo_node_group_%s:" % g in lines for g in groups or [])
    assert "Traceback" not in proc.stdout + proc.stderr


def test_filters_and_host_names(inventory: Inventory, big_cluster: Dict[str, Any]) -> None:
    demo = inventory.list(inventory.config(cluster_names=["Standard_Cluster"], operating_states=["Using"],
                                           hostnames=["node_tags.Name", "networks[0].ip"]))["_meta"]["hostvars"]
    assert len(demo) == 4 and {v["cluster_id"] for v in demo.values()} == {DEMO_CLUSTER}
    assert all(host == values["networks"][0]["ip"] for host, values in demo.items())
    assert inventory.list(inventory.config(operating_states=["Unused"]))["_meta"]["hostvars"] == {}
    both = inventory.list(inventory.config(cluster_ids=[big_cluster["cluster_id"]], cluster_names=["Standard_Cluster"]))
    assert len(both["_meta"]["hostvars"]) == 204
    assert all(host == values["node_id"] for host, values in both["_meta"]["hostvars"].items())  # the default


def test_a_taken_host_name_falls_back_to_the_node_id(inventory: Inventory, simulator: Simulator) -> None:
    proc = inventory.run(inventory.config(hostnames=["cluster_name"]), "--list")
    assert proc.returncode == 0, proc.stderr
    hosts = sorted(plain(json.loads(proc.stdout))["_meta"]["hostvars"])
    assert hosts[0] == "Standard_Cluster" and len(hosts) == 4
    assert "is taken by another node" in proc.stderr


def test_cache_hit_makes_no_api_call_and_holds_no_secret(inventory: Inventory, simulator: Simulator, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    config = inventory.config(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir), cache_timeout=600)
    first = inventory.list(config)
    assert simulator.requests()["total"] == 2
    simulator.control("DELETE", "/_sim/requests")
    assert inventory.list(config) == first
    assert simulator.requests()["total"] == 0
    assert inventory.list(config, "--flush-cache") == first
    assert simulator.requests()["total"] == 2
    cached = "".join(path.read_text(encoding="utf-8") for path in cache_dir.iterdir())
    assert "e01-cn-zvp2tgykr08" in cached and simulator.access_key_secret not in cached


def test_no_secret_at_vvvv(inventory: Inventory, simulator: Simulator) -> None:
    for secret in (simulator.access_key_secret, "WrongSecret0000000000000000000"):
        proc = inventory.run(inventory.config(access_key_secret=secret), "--list", "-vvvv")
        assert secret not in proc.stdout + proc.stderr
    assert "SignatureDoesNotMatch" in proc.stderr and proc.returncode != 0


@pytest.mark.parametrize("options, expected", [
    ({"cluster_id": ["x"]}, "unknown option cluster_id (did you mean cluster_ids or cluster_names?)"),
    ({"access_key_id": None, "access_key_secret": None}, "ALIBABA_CLOUD_ACCESS_KEY_ID"),
    ({"cluster_ids": ["i000000000000000000001"]}, "cluster_ids: no cluster i000000000000000000001 in this account"),
    ({"cluster_names": ["nope"]}, "cluster_names: no cluster nope in this account and region (it has %s (Standard_Cluster))" % DEMO_CLUSTER),
    ({"endpoint": "http://127.0.0.1:1"}, "127.0.0.1:1"),
])
def test_bad_configurations_name_the_problem(inventory: Inventory, options: Dict[str, Any], expected: str) -> None:
    proc = inventory.run(inventory.config(retries=0, **options), "--list")
    assert proc.returncode != 0
    assert expected in proc.stderr
    assert "eflo_nodes: " in proc.stderr and "Traceback" not in proc.stdout + proc.stderr


def test_ansible_doc(inventory: Inventory) -> None:
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "-t", "inventory", "alibabacloud.eflo.eflo_nodes"],
                          env=inventory.env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "cluster_ids" in proc.stdout and "keyed_groups" in proc.stdout and "cache_plugin" in proc.stdout
