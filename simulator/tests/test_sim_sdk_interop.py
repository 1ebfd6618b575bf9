"""The official Python SDK (test-only dependency) against the simulator over real HTTP."""

from __future__ import annotations

import datetime
from typing import Any, Optional

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
