"""Pure pieces: parameter parsing, timelines, clocks, credentials, throttle (no server)."""

from __future__ import annotations

import pytest

from eflo_simulator import lifecycle
from eflo_simulator.clock import SimClock
from eflo_simulator.credentials import CredentialStore, NonceCache
from eflo_simulator.errors import ApiError
from eflo_simulator.faults import FaultConfig, Throttle
from eflo_simulator.params import Params, unflatten
from eflo_simulator.rate import RequestRate
from eflo_simulator.signing import form_encode, parse_acs_date, percent_encode


def test_unflatten_lists_and_objects() -> None:
    flat = {
        "NodeGroups.1.NodeGroupId": "g1",
        "NodeGroups.1.Nodes.2.NodeId": "n2",
        "NodeGroups.1.Nodes.1.NodeId": "n1",
        "NodeGroups.10.NodeGroupId": "g10",
        "NodeGroups.2.NodeGroupId": "g2",
        "Other": "x",
    }
    assert unflatten(flat, "NodeGroups") == [
        {"NodeGroupId": "g1", "Nodes": [{"NodeId": "n1"}, {"NodeId": "n2"}]},
        {"NodeGroupId": "g2"},
        {"NodeGroupId": "g10"},
    ]
    assert unflatten(flat, "Missing") is None


@pytest.mark.parametrize(
    "pairs,expected",
    [
        ([("Nodes", '["a","b"]')], ["a", "b"]),
        ([("Nodes", "a, b")], ["a", "b"]),
        ([("Nodes.1", "a"), ("Nodes.2", "b")], ["a", "b"]),
        ([("Nodes", '[{"NodeId":"a"}]')], ["a"]),
    ],
)
def test_string_lists_in_every_shape(pairs: list, expected: list) -> None:
    assert Params(pairs).string_list("Nodes") == expected


@pytest.mark.parametrize("value,expected", [("True", True), ("true", True), ("False", False), ("false", False), ("1", True)])
def test_booleans_either_case(value: str, expected: bool) -> None:
    assert Params([("IgnoreFailedNodeTasks", value)]).boolean("IgnoreFailedNodeTasks") is expected


def test_params_errors() -> None:
    with pytest.raises(ApiError) as info:
        Params([]).require("TaskId")
    assert info.value.code == "MissingParameter"
    with pytest.raises(ApiError):
        Params([("MaxResults", "abc")]).integer("MaxResults", 20, 1, 100)
    with pytest.raises(ApiError):
        Params([("Nodes", '"just a string"')]).object_list("Nodes")


def test_encoders() -> None:
    assert percent_encode("i156 *~/节点+=") == "i156%20%2A~%2F%E8%8A%82%E7%82%B9%2B%3D"
    assert form_encode([("TaskId", "i156 *~/节点")]) == "TaskId=i156+%2A~%2F%E8%8A%82%E7%82%B9"
    assert parse_acs_date("2024-05-20T08:00:00Z") == 1716192000.0
    assert parse_acs_date("2024-05-20 08:00:00") is None


def _task(outcome: str = "success", fail_at_step: object = None, failed_nodes: tuple = ()) -> lifecycle.Task:
    return lifecycle.build_task(
        task_id="i1",
        task_type="reclone_node",
        cluster_id="c",
        cluster_name="n",
        node_ids=["a", "b"],
        sub_ids={"a": "s1", "b": "s2"},
        created=1000.0,
        duration_s=90.0,
        waiting_s=10.0,
        outcome=outcome,
        fail_at_step=fail_at_step,
        failed_nodes=failed_nodes,
    )


def test_timeline_is_contiguous_and_states_follow_time() -> None:
    task = _task()
    assert task.windows[0][0] == 1010.0 and task.end == pytest.approx(1100.0)
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(task.windows, task.windows[1:]))
    assert [task.state_at(t) for t in (1005, 1050, 1100)] == ["waiting_to_run", "running", "execution_success"]


def test_failed_task_ends_at_the_failed_step() -> None:
    task = _task(outcome="fail", failed_nodes=("b",))
    assert task.failed_nodes == frozenset({"b"})
    assert task.end == pytest.approx(task.windows[task.node_step][1])
    body = lifecycle.render_task(task, 5000.0, "rid")
    assert body["TaskState"] == "execution_fail" and "b failed" in body["Message"]


def test_build_task_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        _task(outcome="sometimes")
    with pytest.raises(ValueError):
        _task(outcome="fail", fail_at_step=9)


def test_fmt_time_quirk() -> None:
    assert lifecycle.fmt_time(1669773600.852) == "2022-11-30T02:00:00.852Z"
    assert lifecycle.fmt_time(1669773600.852, True) == "2022-11-30T2:00:00.852Z"


def test_clock_speed_and_advance() -> None:
    now = [100.0]
    clock = SimClock(speed=10, wall=lambda: 5000.0, mono=lambda: now[0])
    start = clock.now()
    now[0] += 2
    assert clock.now() - start == pytest.approx(20)
    clock.advance(30)
    assert clock.now() - start == pytest.approx(50)
    clock.set_speed(1)
    now[0] += 1
    assert clock.now() - start == pytest.approx(51)
    clock.set_wall(1716192000.0)
    assert clock.wall() == 1716192000.0
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_clock_stamps_simulated_moments_with_real_time() -> None:
    now = [100.0]
    clock = SimClock(speed=10, wall=lambda: 5000.0, mono=lambda: now[0])
    assert clock.stamp(5000.0) == 5000.0 and clock.stamp(4000.0) == 4000.0  # the start, and before it
    now[0] += 2  # real 5002, simulated 5020
    assert clock.stamp(clock.now()) == pytest.approx(5002) and clock.stamp(5010.0) == pytest.approx(5001)
    clock.advance(30)  # simulated 5020 .. 5050 passes at real 5002
    assert clock.stamp(5035.0) == pytest.approx(5002) and clock.stamp(5050.0) == pytest.approx(5002)
    assert clock.stamp(5060.0) == pytest.approx(5003)  # a future moment, at the current speed
    clock.set_speed(1)
    now[0] += 1  # real 5003, simulated 5051
    assert clock.stamp(clock.now()) == pytest.approx(5003) and clock.stamp(5010.0) == pytest.approx(5001)
    clock.set_timestamps("simulated")
    assert clock.stamp(5051.0) == 5051.0 and clock.describe()["timestamps"] == "simulated"
    with pytest.raises(ValueError):
        clock.set_timestamps("wall")


def test_credential_store_rules() -> None:
    store = CredentialStore([{"access_key_id": "AK", "access_key_secret": "S"}, {"access_key_id": "AK", "access_key_secret": "S", "security_token": "T"}])
    assert store.lookup("AK", None, 0) == "S" and store.lookup("AK", "T", 0) == "S"
    with pytest.raises(ValueError):
        store.add("AK", "other secret")
    assert "S" not in repr(store._keys["AK"])  # pylint: disable=protected-access
    codes = []
    for key, token in (("NOPE", None), ("AK", "X")):
        with pytest.raises(ApiError) as info:
            store.lookup(key, token, 0)
        codes.append(info.value.code)
    assert codes == ["InvalidAccessKeyId.NotFound", "InvalidSecurityToken.MismatchWithAccessKey"]


def test_nonce_cache_forgets_after_ttl() -> None:
    cache = NonceCache(ttl_s=10)
    cache.remember("AK", "n1", 100.0)
    assert cache.seen("AK", "n1") and not cache.seen("AK2", "n1")
    cache.remember("AK", "n2", 111.0)
    assert not cache.seen("AK", "n1") and len(cache) == 1


def test_throttle_bucket_refills() -> None:
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    throttle.configure({"qps": 2, "burst": 1})
    assert throttle.allow("AK", "DescribeTask") and not throttle.allow("AK", "DescribeTask")
    assert throttle.allow("AK", "ListClusters")
    now[0] += 0.5
    assert throttle.allow("AK", "DescribeTask")
    with pytest.raises(ValueError):
        throttle.configure({"qps": 1, "code": "Busy"})


def test_fault_config_validation() -> None:
    assert FaultConfig.parse({"rate": 0.5}).kinds  # every kind by default
    for bad in ({"rate": 2}, {"rate": 0.5, "kinds": ["nope"]}):
        with pytest.raises(ValueError):
            FaultConfig.parse(bad)


class ManualTime:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_request_rate_counts_per_second_and_keeps_a_bounded_ring() -> None:
    now = ManualTime(1000.2)
    rate = RequestRate(seconds=600, now=now)
    assert rate.snapshot() == {"per_second": [], "peak_1s": 0, "peak_1s_at": None, "first_at": None, "last_at": None}
    for when in (1000.2, 1000.5, 1000.9, 1002.0, 1002.1):
        now.now = when
        rate.add()
    snap = rate.snapshot()
    assert snap["per_second"] == [[1000, 3], [1002, 2]]
    assert snap["first_at"] == 1000.2 and snap["last_at"] == 1002.1
    now.now = 1600.5  # 600 s later: second 1000 left the ring, 1002 is still in it
    assert rate.snapshot()["per_second"] == [[1002, 2]]
    for second in range(2000, 2700):
        now.now = second + 0.5
        rate.add()
    snap = rate.snapshot()
    assert len(snap["per_second"]) == 600 and snap["per_second"][0] == [2100, 1]


def test_request_rate_peak_is_the_exact_sliding_one_second_maximum() -> None:
    now = ManualTime(0.0)
    rate = RequestRate(now=now)
    # 3 requests late in second 10 and 3 early in second 11: no aligned second holds more than 3,
    # but the window (10.3, 11.3] holds all 6; 11.7 is exactly 1 s after 10.7, so it never shares a window with it
    for when in (10.7, 10.8, 10.9, 11.1, 11.2, 11.3, 11.7, 12.4):
        now.now = when
        rate.add()
    snap = rate.snapshot()
    assert snap["per_second"] == [[10, 3], [11, 4], [12, 1]]
    assert snap["peak_1s"] == 6 and snap["peak_1s_at"] == 11.3
