"""The official Python SDK (test-only dependency) against the simulator over real HTTP."""

from __future__ import annotations

import datetime
import json
from typing import Any, Dict, List, Optional

import pytest

from eflo_simulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_STS_ACCESS_KEY_ID, DEMO_STS_ACCESS_KEY_SECRET, DEMO_STS_SECURITY_TOKEN
from eflo_simulator.testing import Sim
from eflo_simulator.world import DEMO_CLUSTER_ID, DEMO_FREE_NODES, DEMO_NODE_GROUP_ID, DEMO_NODES

sdk = pytest.importorskip("alibabacloud_eflo_controller20221215.client")
models = pytest.importorskip("alibabacloud_eflo_controller20221215.models")
open_api = pytest.importorskip("alibabacloud_tea_openapi.models")
from alibabacloud_tea_openapi.utils import Utils  # noqa: E402


def _client(sim: Sim, *, v2: bool = False, sts: bool = False, secret: Optional[str] = None) -> Any:
    if sts:
        config = open_api.Config(access_key_id=DEMO_STS_ACCESS_KEY_ID, access_key_secret=DEMO_STS_ACCESS_KEY_SECRET, security_token=DEMO_STS_SECURITY_TOKEN)
    else:
        config = open_api.Config(access_key_id=DEMO_ACCESS_KEY_ID, access_key_secret=secret or DEMO_ACCESS_KEY_SECRET)
    config.endpoint = sim.host
    config.protocol = "http"
    config.region_id = "cn-wulanchabu"
    if v2:
        config.signature_algorithm = "v2"
    return sdk.Client(config)


def test_create_cluster_returns_a_task(sim: Sim) -> None:
    client = _client(sim)
    request = models.CreateClusterRequest(
        cluster_name="sdk-cluster",
        cluster_type="Lite",
        ignore_failed_node_tasks=True,
        node_groups=[
            models.CreateClusterRequestNodeGroups(
                node_group_name="ng-a",
                machine_type="efg1.nvga8n",
                image_id="i190297961737537046489",
                zone_id="cn-wulanchabu-b",
                nodes=[models.CreateClusterRequestNodeGroupsNodes(node_id=DEMO_FREE_NODES[0], hostname="sdk-host-1")],
            )
        ],
        tag=[models.CreateClusterRequestTag(key="team", value="ml ops")],
    )
    body = client.create_cluster(request).body
    assert body.task_id.startswith("i15") and body.cluster_id
    detail = sim.control("GET", "/_sim/tasks/" + body.task_id)
    assert detail["task_type"] == "initialize_cluster" and detail["node_ids"] == [DEMO_FREE_NODES[0]]
    cluster = client.describe_cluster(models.DescribeClusterRequest(cluster_id=body.cluster_id)).body
    assert (cluster.cluster_name, cluster.operating_state, cluster.task_id) == ("sdk-cluster", "initializing", body.task_id)


def test_extend_cluster_returns_a_task(sim: Sim) -> None:
    client = _client(sim)
    request = models.ExtendClusterRequest(
        cluster_id=DEMO_CLUSTER_ID,
        ignore_failed_node_tasks=False,
        node_groups=[
            models.ExtendClusterRequestNodeGroups(
                node_group_id=DEMO_NODE_GROUP_ID,
                nodes=[models.ExtendClusterRequestNodeGroupsNodes(node_id=n, hostname="h-%d" % i) for i, n in enumerate(DEMO_FREE_NODES)],
            )
        ],
    )
    task_id = client.extend_cluster(request).body.task_id
    detail = sim.control("GET", "/_sim/tasks/" + task_id)
    assert detail["task_type"] == "extend_cluster" and detail["node_ids"] == list(DEMO_FREE_NODES)


def test_reimage_nodes_returns_a_task(sim: Sim) -> None:
    client = _client(sim)
    request = models.ReimageNodesRequest(
        cluster_id=DEMO_CLUSTER_ID,
        ignore_failed_node_tasks=True,
        nodes=[models.ReimageNodesRequestNodes(node_id=n, image_id="i-new-image") for n in DEMO_NODES[:2]],
    )
    task_id = client.reimage_nodes(request).body.task_id
    assert sim.control("GET", "/_sim/tasks/" + task_id)["task_type"] == "reclone_node"
    tag = models.TagResourcesRequestTag(key="k 1", value="v*1")
    client.tag_resources(models.TagResourcesRequest(region_id="cn-wulanchabu", resource_type="Node", resource_id=list(DEMO_NODES[:3]), tag=[tag]))
    tags = [models.ListClusterNodesRequestTags(key="k 1", value="v*1")]
    nodes = client.list_cluster_nodes(models.ListClusterNodesRequest(cluster_id=DEMO_CLUSTER_ID, operating_states=["Operating"], tags=tags)).body.nodes
    assert sorted(n.node_id for n in nodes) == sorted(DEMO_NODES[:2])


def test_reboot_and_stop_nodes_with_python_booleans(sim: Sim) -> None:
    client = _client(sim)
    reboot = client.reboot_nodes(models.RebootNodesRequest(cluster_id=DEMO_CLUSTER_ID, nodes=[DEMO_NODES[0]], ignore_failed_node_tasks=False)).body
    stop = client.stop_nodes(models.StopNodesRequest(nodes=[DEMO_NODES[1]], ignore_failed_node_tasks=True)).body
    assert sim.control("GET", "/_sim/tasks/" + reboot.task_id)["task_type"] == "reboot_node"
    assert sim.control("GET", "/_sim/tasks/" + stop.task_id)["task_type"] == "stop_node"


@pytest.mark.parametrize("v2", [False, True], ids=["v3", "v2"])
@pytest.mark.parametrize("sts", [False, True], ids=["plain", "sts"])
def test_describe_task_follows_a_task_to_success(sim: Sim, v2: bool, sts: bool) -> None:
    sim.control("PUT", "/_sim/scenario", {"durations": {"reclone_node": 120}, "waiting_s": 10})
    client = _client(sim, v2=v2, sts=sts)
    task_id = client.reimage_nodes(
        models.ReimageNodesRequest(cluster_id=DEMO_CLUSTER_ID, nodes=[models.ReimageNodesRequestNodes(node_id=n) for n in DEMO_NODES])
    ).body.task_id
    seen = []
    for _unused in range(20):
        body = client.describe_task(models.DescribeTaskRequest(task_id=task_id)).body
        if not seen or seen[-1] != body.task_state:
            seen.append(body.task_state)
        if body.task_state == "execution_success":
            break
        sim.advance(15)
    assert seen == ["waiting_to_run", "running", "execution_success"]
    assert body.task_type == "reclone_node" and body.cluster_id == DEMO_CLUSTER_ID
    assert [s.step_name for s in body.steps] == ["check_node_state", "reclone_nodes", "init_nodes"]
    assert len(body.steps[1].sub_tasks) == len(DEMO_NODES)
    counts = sim.control("GET", "/_sim/requests")["by_action"]["DescribeTask"]
    assert set(counts) == {"success"} and counts["success"] >= 3


def _client_error(call: Any) -> Any:
    with pytest.raises(Exception) as info:
        call()
    return info.value


@pytest.mark.parametrize("v2", [False, True], ids=["v3", "v2"])
def test_wrong_secret_is_signature_does_not_match(sim: Sim, v2: bool) -> None:
    client = _client(sim, v2=v2, secret="NotTheSecret")
    err = _client_error(lambda: client.describe_task(models.DescribeTaskRequest(task_id="i1")))
    assert err.code == "SignatureDoesNotMatch"
    assert err.data["statusCode"] == 400


def test_replayed_nonce_is_refused(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    monkeypatch.setattr(Utils, "get_nonce", staticmethod(lambda: "0123456789abcdef0123456789abcdef"))
    client = _client(sim)
    assert client.describe_task(models.DescribeTaskRequest(task_id=task_id)).body.task_type == "reboot_node"
    err = _client_error(lambda: client.describe_task(models.DescribeTaskRequest(task_id=task_id)))
    assert err.code == "SignatureNonceUsed"


@pytest.mark.parametrize("v2", [False, True], ids=["v3", "v2"])
def test_skewed_date_is_refused(sim: Sim, monkeypatch: pytest.MonkeyPatch, v2: bool) -> None:
    skewed = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    monkeypatch.setattr(Utils, "get_timestamp", staticmethod(lambda: skewed))
    client = _client(sim, v2=v2)
    err = _client_error(lambda: client.describe_task(models.DescribeTaskRequest(task_id="i1")))
    assert err.code == "InvalidTimeStamp.Expired"


def test_unknown_task_error_reaches_the_sdk(sim: Sim) -> None:
    err = _client_error(lambda: _client(sim).describe_task(models.DescribeTaskRequest(task_id="i156000000000000000000")))
    assert err.code == "InvalidTaskId.NotFound" and err.data["statusCode"] == 404


def test_throttling_with_retry_after_is_a_throttling_exception(sim: Sim) -> None:
    from darabonba.exceptions import ResponseException

    sim.control("PUT", "/_sim/faults", {"rate": 1.0, "kinds": ["throttling_retry_after"], "count": 1, "retry_after_ms": 300})
    err = _client_error(lambda: _client(sim).list_clusters(models.ListClustersRequest()))
    assert isinstance(err, ResponseException)
    assert type(err).__name__ == "ThrottlingException" and err.code == "Throttling.User"


# ------------------------------------------------------------------------------------ declarative clusters


def _free(client: Any, **filters: Any) -> List[Any]:
    """Every free node (all pages of ListFreeNodes)."""
    nodes: List[Any] = []
    token = None
    while True:
        body = client.list_free_nodes(models.ListFreeNodesRequest(max_results=5, next_token=token, **filters)).body
        nodes += body.nodes
        token = body.next_token
        if not token:
            return nodes


def test_list_free_nodes_is_a_seeded_pool_with_filters_and_pages(sim: Sim) -> None:
    client = _client(sim)
    pool = _free(client)
    assert len(pool) == 18 and set(DEMO_FREE_NODES) <= {n.node_id for n in pool}
    assert {(n.machine_type, n.zone_id, n.hpn_zone) for n in pool} == {
        ("efg1.nvga8n", "cn-wulanchabu-b", "B1"), ("efg1.nvga8n", "cn-wulanchabu-c", "B2"), ("efg1.nvgh8n", "cn-wulanchabu-b", "B1")}
    first = pool[0]
    assert first.operating_state == "Unused" and first.sn and first.create_time.endswith("Z") and first.expired_time.endswith("Z")
    assert [n.node_id for n in _free(client, machine_type="efg1.nvgh8n")] == [n.node_id for n in pool if n.machine_type == "efg1.nvgh8n"]
    assert len(_free(client, machine_type="efg1.nvga8n", hpn_zone="B2")) == 4
    sim.control("POST", "/_sim/reset")
    assert [n.node_id for n in _free(client)] == [n.node_id for n in pool]  # the same seed, the same pool
    added = sim.control("POST", "/_sim/free-nodes", {"count": 3, "machine_type": "efg9.test", "hpn_zone": "B9"})["node_ids"]
    named = sim.control("POST", "/_sim/free-nodes", {"node_ids": ["e01-cn-mine0000001"], "machine_type": "efg9.test"})["node_ids"]
    assert [n.node_id for n in _free(client, machine_type="efg9.test")] == added + named == added + ["e01-cn-mine0000001"]
    answer = sim.http("POST", "/_sim/free-nodes", json.dumps({"node_ids": [DEMO_NODES[0]]}).encode())
    assert answer.status == 400 and DEMO_NODES[0] in answer.json["error"]


def _extend(cluster_id: str, group_id: str, node_ids: List[str]) -> Any:
    nodes = [models.ExtendClusterRequestNodeGroupsNodes(node_id=n, hostname="h-" + n[-3:]) for n in node_ids]
    return models.ExtendClusterRequest(cluster_id=cluster_id, node_groups=[models.ExtendClusterRequestNodeGroups(node_group_id=group_id, nodes=nodes)])


def test_nodes_come_from_the_free_pool_and_go_back_to_it(sim: Sim) -> None:
    client = _client(sim)
    free = [n.node_id for n in _free(client, machine_type="efg1.nvga8n", hpn_zone="B1")][:2]
    client.extend_cluster(_extend(DEMO_CLUSTER_ID, DEMO_NODE_GROUP_ID, free))
    assert not set(free) & {n.node_id for n in _free(client)}
    sim.advance(2000)
    shrink = models.ShrinkClusterRequest(cluster_id=DEMO_CLUSTER_ID, node_groups=[
        models.ShrinkClusterRequestNodeGroups(node_group_id=DEMO_NODE_GROUP_ID, nodes=[models.ShrinkClusterRequestNodeGroupsNodes(node_id=free[0])])])
    client.shrink_cluster(shrink)
    sim.advance(1000)
    assert free[0] in {n.node_id for n in _free(client)} and free[1] not in {n.node_id for n in _free(client)}


def _create(client: Any, name: str, nodes: List[str], group: str = "ng-a", machine_type: str = "efg1.nvga8n") -> Any:
    request = models.CreateClusterRequest(
        cluster_name=name,
        cluster_type="Lite",
        node_groups=[models.CreateClusterRequestNodeGroups(
            node_group_name=group, machine_type=machine_type, image_id="i190297961737537046489", zone_id="cn-wulanchabu-b",
            nodes=[models.CreateClusterRequestNodeGroupsNodes(node_id=n, hostname="h-" + n[-3:]) for n in nodes])],
        tag=[models.CreateClusterRequestTag(key="team", value="ml"), models.CreateClusterRequestTag(key="env", value="dev")],
    )
    return client.create_cluster(request).body


def test_refusals_of_the_service(sim: Sim) -> None:
    client = _client(sim)
    other = _create(client, "other", [DEMO_FREE_NODES[0]])
    # a node in another cluster, an unknown node, a node of another machine type
    err = _client_error(lambda: client.extend_cluster(_extend(DEMO_CLUSTER_ID, DEMO_NODE_GROUP_ID, [DEMO_FREE_NODES[0]])))
    assert (err.code, err.data["statusCode"]) == ("NodeInCluster", 400) and other.cluster_id in err.message
    err = _client_error(lambda: client.extend_cluster(_extend(DEMO_CLUSTER_ID, DEMO_NODE_GROUP_ID, ["e01-cn-nosuchnode0"])))
    assert (err.code, err.data["statusCode"]) == ("InvalidNodeId.NotFound", 404)
    h8 = [n.node_id for n in _free(client, machine_type="efg1.nvgh8n")][0]
    assert _client_error(lambda: _create(client, "wrong-type", [h8])).code == "InvalidParameter"
    assert _create(client, "right-type", [h8], machine_type="efg1.nvgh8n").task_id
    # a busy cluster (initializing) refuses extend, shrink, delete and a new node group
    busy = other.cluster_id
    free = [n.node_id for n in _free(client, machine_type="efg1.nvga8n")][0]
    ng_id = client.list_node_groups(models.ListNodeGroupsRequest(cluster_id=busy)).body.groups[0].group_id
    calls = [
        lambda: client.extend_cluster(_extend(busy, ng_id, [free])),
        lambda: client.delete_cluster(models.DeleteClusterRequest(cluster_id=busy)),
        lambda: client.create_node_group(models.CreateNodeGroupRequest(cluster_id=busy, node_group=models.CreateNodeGroupRequestNodeGroup(
            node_group_name="ng-b", machine_type="efg1.nvga8n", az="cn-wulanchabu-b", image_id="i1"))),
    ]
    for call in calls:
        err = _client_error(call)
        assert (err.code, err.data["statusCode"]) == ("OperationConflict", 400) and "not in Running state" in err.message


def test_node_groups_create_list_delete(sim: Sim) -> None:
    client = _client(sim)
    body = client.list_node_groups(models.ListNodeGroupsRequest(cluster_id=DEMO_CLUSTER_ID)).body
    assert body.next_token == "" and len(body.groups) == 1
    demo = body.groups[0]
    assert (demo.group_id, demo.group_name, demo.cluster_id, demo.cluster_name, demo.node_count) == (
        DEMO_NODE_GROUP_ID, "ng-standard", DEMO_CLUSTER_ID, "Standard_Cluster", len(DEMO_NODES))
    assert (demo.machine_type, demo.zone_id, demo.image_id) == ("efg1.nvga8n", "cn-wulanchabu-b", "i190297961737537046489")
    assert demo.create_time.endswith("Z") and demo.update_time.endswith("Z") and demo.image_name

    spec = models.CreateNodeGroupRequestNodeGroup(node_group_name="ng-h8", machine_type="efg1.nvgh8n", az="cn-wulanchabu-b",
                                                  image_id="i190297961737537046489", node_group_description="H nodes", login_password="x")
    created = client.create_node_group(models.CreateNodeGroupRequest(cluster_id=DEMO_CLUSTER_ID, node_group=spec)).body
    assert created.node_group_name == "ng-h8" and created.node_group_id.startswith("i12") and created.request_id
    again = _client_error(lambda: client.create_node_group(models.CreateNodeGroupRequest(cluster_id=DEMO_CLUSTER_ID, node_group=spec)))
    assert (again.code, again.data["statusCode"]) == ("IntegrityError", 417)
    one = client.list_node_groups(models.ListNodeGroupsRequest(cluster_id=DEMO_CLUSTER_ID, node_group_id=created.node_group_id)).body.groups
    assert [(g.group_name, g.description, g.machine_type, g.node_count) for g in one] == [("ng-h8", "H nodes", "efg1.nvgh8n", 0)]

    err = _client_error(lambda: client.delete_node_group(models.DeleteNodeGroupRequest(cluster_id=DEMO_CLUSTER_ID, node_group_id=DEMO_NODE_GROUP_ID)))
    assert (err.code, err.data["statusCode"]) == ("NodeGroupNotEmpty", 400)
    assert client.delete_node_group(models.DeleteNodeGroupRequest(cluster_id=DEMO_CLUSTER_ID, node_group_id=created.node_group_id)).body.request_id
    assert [g.group_id for g in client.list_node_groups(models.ListNodeGroupsRequest()).body.groups] == [DEMO_NODE_GROUP_ID]
    err = _client_error(lambda: client.delete_node_group(models.DeleteNodeGroupRequest(cluster_id=DEMO_CLUSTER_ID, node_group_id=created.node_group_id)))
    assert (err.code, err.data["statusCode"]) == ("InvalidNodeGroupId.NotFound", 404)


def test_tags_of_clusters_and_nodes(sim: Sim) -> None:
    client = _client(sim)
    cluster_id = _create(client, "tagged", [DEMO_FREE_NODES[0]]).cluster_id
    wanted = {"team": "ml", "env": "dev"}
    described = sim.call("DescribeCluster", {"ClusterId": cluster_id}).json["Tags"]  # not in the SDK 3.2.0 model
    assert {t["Key"]: t["Value"] for t in described} == wanted
    listed = client.list_clusters(models.ListClustersRequest(tags=[models.ListClustersRequestTags(key="team", value="ml")])).body.clusters
    assert [(c.cluster_id, {t.key: t.value for t in c.tags}) for c in listed] == [(cluster_id, wanted)]

    def tag_map(resource_type: str, ids: Optional[List[str]] = None) -> Dict[str, Dict[str, str]]:
        found: Dict[str, Dict[str, str]] = {}
        token = None
        while True:
            body = client.list_tag_resources(models.ListTagResourcesRequest(region_id="cn-wulanchabu", resource_type=resource_type,
                                                                            resource_id=ids, next_token=token)).body
            for item in body.tag_resources.tag_resource:
                assert item.resource_type == resource_type
                found.setdefault(item.resource_id, {})[item.tag_key] = item.tag_value
            token = body.next_token
            if not token:
                return found

    assert tag_map("Cluster") == {cluster_id: wanted}
    tag = models.TagResourcesRequestTag
    client.tag_resources(models.TagResourcesRequest(region_id="cn-wulanchabu", resource_type="Cluster", resource_id=[cluster_id, DEMO_CLUSTER_ID],
                                                    tag=[tag(key="team", value="infra"), tag(key="cost", value="42")]))
    assert tag_map("Cluster") == {cluster_id: {"team": "infra", "env": "dev", "cost": "42"}, DEMO_CLUSTER_ID: {"team": "infra", "cost": "42"}}
    client.untag_resources(models.UntagResourcesRequest(region_id="cn-wulanchabu", resource_type="Cluster", resource_id=[cluster_id], tag_key=["team", "nope"]))
    client.untag_resources(models.UntagResourcesRequest(region_id="cn-wulanchabu", resource_type="Cluster", resource_id=[DEMO_CLUSTER_ID], all=True))
    assert tag_map("Cluster") == {cluster_id: {"env": "dev", "cost": "42"}}
    assert tag_map("Cluster", [DEMO_CLUSTER_ID]) == {}

    # nodes: more tag entries than one page (50)
    many = [tag(key="k%02d" % i, value="v%d" % i) for i in range(15)]
    client.tag_resources(models.TagResourcesRequest(region_id="cn-wulanchabu", resource_type="Node", resource_id=list(DEMO_NODES), tag=many))
    first = client.list_tag_resources(models.ListTagResourcesRequest(region_id="cn-wulanchabu", resource_type="Node")).body
    assert len(first.tag_resources.tag_resource) == 50 and first.next_token
    assert tag_map("Node") == {n: {t.key: t.value for t in many} for n in DEMO_NODES}
    nodes = client.list_cluster_nodes(models.ListClusterNodesRequest(cluster_id=DEMO_CLUSTER_ID)).body.nodes
    assert {t.key for t in nodes[0].tags} == {t.key for t in many}

    too_many = [tag(key="x%02d" % i, value="") for i in range(6)]
    err = _client_error(lambda: client.tag_resources(models.TagResourcesRequest(
        region_id="cn-wulanchabu", resource_type="Node", resource_id=[DEMO_NODES[0]], tag=too_many)))
    assert err.code == "InvalidParameter"
    err = _client_error(lambda: client.tag_resources(models.TagResourcesRequest(
        region_id="cn-wulanchabu", resource_type="Vpd", resource_id=[DEMO_NODES[0]], tag=many[:1])))
    assert err.code == "InvalidParameter"
    err = _client_error(lambda: client.tag_resources(models.TagResourcesRequest(
        region_id="cn-wulanchabu", resource_type="Cluster", resource_id=["i110000000000000000000"], tag=many[:1])))
    assert err.code == "InvalidClusterId.NotFound"


def test_delete_cluster_is_deleting_then_gone(sim: Sim) -> None:
    sim.control("PUT", "/_sim/scenario", {"durations": {"delete": 20}})
    client = _client(sim)
    assert client.delete_cluster(models.DeleteClusterRequest(cluster_id=DEMO_CLUSTER_ID)).body.request_id
    assert client.describe_cluster(models.DescribeClusterRequest(cluster_id=DEMO_CLUSTER_ID)).body.operating_state == "deleting"
    sim.advance(21)
    err = _client_error(lambda: client.describe_cluster(models.DescribeClusterRequest(cluster_id=DEMO_CLUSTER_ID)))
    assert (err.code, err.data["statusCode"]) == ("RESOURCE_NOT_FOUND", 404)
    assert set(DEMO_NODES) <= {n.node_id for n in _free(client)}


def test_a_big_ready_cluster_from_the_control_api(sim: Sim) -> None:
    spec = {"name": "big", "tags": {"team": "ml"}, "node_groups": [
        {"name": "ng-a", "node_count": 70}, {"name": "ng-b", "node_count": 50, "machine_type": "efg1.nvgh8n"}, {"name": "ng-empty"}]}
    made = sim.control("POST", "/_sim/clusters", spec)
    assert [(g["name"], len(g["node_ids"])) for g in made["node_groups"]] == [("ng-a", 70), ("ng-b", 50), ("ng-empty", 0)]
    client = _client(sim)
    cluster = client.describe_cluster(models.DescribeClusterRequest(cluster_id=made["cluster_id"])).body
    assert (cluster.cluster_name, cluster.operating_state, cluster.node_count, cluster.node_group_count) == ("big", "running", 120, 3)
    seen: List[Any] = []
    token = None
    pages = 0
    while True:
        body = client.list_cluster_nodes(models.ListClusterNodesRequest(cluster_id=made["cluster_id"], max_results=100, next_token=token)).body
        seen += body.nodes
        pages += 1
        token = body.next_token
        if not token:
            break
    assert pages == 2 and len({n.node_id for n in seen}) == 120 and {n.operating_state for n in seen} == {"Using"}
    assert {n.machine_type for n in seen if n.node_group_name == "ng-b"} == {"efg1.nvgh8n"}
    groups = client.list_node_groups(models.ListNodeGroupsRequest(cluster_id=made["cluster_id"], max_results=5)).body
    assert [(g.group_name, g.node_count) for g in groups.groups] == [("ng-a", 70), ("ng-b", 50), ("ng-empty", 0)]  # MaxResults below 20 means 20
    answer = sim.http("POST", "/_sim/clusters", json.dumps({"node_groups": [{"name": "a"}, {"name": "a"}]}).encode())
    assert answer.status == 400
