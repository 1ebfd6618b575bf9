# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""eflo_cluster in real ansible-playbook runs against the eflo simulator (task lifecycles of a few seconds).

Which calls a run made is read from the simulator's request counts (``/_sim/requests``): a check-mode run and a
second run with the same options must not make a single call that changes anything.
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

PLAYBOOK = "tests/integration/playbooks/cluster/cluster.yml"
TASK = "Cluster"
MUTATING = {"CreateCluster", "CreateNodeGroup", "ExtendCluster", "ShrinkCluster", "TagResources", "UntagResources", "DeleteCluster"}
FREE = ("e01-cn-zvp2tgykr0c", "e01-cn-zvp2tgykr0d")  # the simulator's demo free nodes
GROUP = {"name": "ng-a", "machine_type": "efg1.nvga8n", "zone_id": "cn-wulanchabu-b", "image_id": "i190297961737537046489"}

pytestmark = pytest.mark.simulator


@pytest.fixture
def sim(simulator: Any) -> Any:
    """The simulator with cluster tasks of about a second."""
    simulator.control("PUT", "/_sim/scenario", {"waiting_s": 0.2, "durations": {"initialize": 1.5, "extend": 1.5, "cut": 1.5, "delete": 1}})
    return simulator


def run(sim: Any, run_playbook: Any, check: bool = False, verbosity: int = 0, **options: Any) -> Any:
    """One eflo_cluster run (``c_<option>`` extra vars); clears the request counts first."""
    sim.control("DELETE", "/_sim/requests")
    extra = dict(sim.extra_vars, **{"c_%s" % key: value for key, value in options.items()})
    return run_playbook(PLAYBOOK, extra, env=sim.env, check=check, verbosity=verbosity)


def calls(sim: Any) -> Dict[str, int]:
    return {action: sum(outcomes.values()) for action, outcomes in sim.requests()["by_action"].items()}


def mutating(sim: Any) -> Dict[str, int]:
    return {action: count for action, count in calls(sim).items() if action in MUTATING}


def result(outcome: Any) -> Dict[str, Any]:
    return outcome.task(TASK)["result"]


def group(*node_ids: str, **extra: Any) -> Dict[str, Any]:
    return dict(GROUP, nodes=[{"node_id": node_id, "hostname": "h-" + node_id[-3:], "login_password": "NodePassw0rd!x"} for node_id in node_ids], **extra)


def test_create_check_mode_create_and_second_run(sim, run_playbook):
    wanted = {"name": "c1", "cluster_type": "Lite", "tags": {"team": "ml"}, "node_groups": [group(FREE[0])]}
    checked = run(sim, run_playbook, check=True, verbosity=4, **wanted)
    assert checked.rc == 0, checked.explain()
    planned = result(checked)
    assert planned["changed"] is True and [step["action"] for step in planned["plan"]] == ["CreateCluster"]
    assert planned["plan"][0]["params"]["NodeGroups"][0]["Nodes"][0]["LoginPassword"] == "********"
    played = checked.stdout[checked.stdout.index("PLAY ["):]  # -vvvv first echoes the command line, extra vars included
    assert "NodePassw0rd!x" not in played + checked.stderr and '"LoginPassword": "********"' in played
    assert planned["diff"]["after"] == {"node_groups": {"ng-a": [FREE[0]]}, "tags": {"team": "ml"}}
    assert mutating(sim) == {}

    created = run(sim, run_playbook, **wanted)
    assert created.rc == 0, created.explain()
    done = result(created)
    assert done["changed"] is True and len(done["task_ids"]) == 1 and done["tasks"][0]["task_state"] == "execution_success"
    assert done["cluster"]["operating_state"] == "running" and done["cluster"]["tags"] == {"team": "ml"}
    assert [n["node_id"] for n in done["cluster"]["node_groups"][0]["nodes"]] == [FREE[0]]
    assert mutating(sim) == {"CreateCluster": 1}
    assert "eflo_cluster: waiting for 1 task" in created.stdout and "eflo_task_wait:" not in created.stdout

    again = run(sim, run_playbook, **wanted)
    assert again.rc == 0, again.explain()
    assert result(again)["changed"] is False and result(again)["plan"] == [] and result(again)["task_ids"] == []
    assert mutating(sim) == {}
    assert sum(calls(sim).values()) == 5  # ListClusters, DescribeCluster, ListNodeGroups, ListClusterNodes, ListTagResources


def test_grow_then_shrink_with_purge_nodes(sim, run_playbook):
    assert run(sim, run_playbook, name="c2", node_groups=[group(FREE[0])]).rc == 0

    grown = run(sim, run_playbook, name="c2", node_groups=[group(*FREE), dict(GROUP, name="ng-b", nodes=[])])
    assert grown.rc == 0, grown.explain()
    assert mutating(sim) == {"CreateNodeGroup": 1, "ExtendCluster": 1}
    assert result(grown)["diff"]["after"]["node_groups"] == {"ng-a": sorted(FREE), "ng-b": []}

    kept = run(sim, run_playbook, name="c2", node_groups=[group(FREE[0])])
    assert kept.rc == 0 and result(kept)["changed"] is False and mutating(sim) == {}
    assert FREE[1] in " ".join(result(kept)["warnings"])

    shrunk = run(sim, run_playbook, name="c2", node_groups=[group(FREE[0])], purge_nodes=True)
    assert shrunk.rc == 0, shrunk.explain()
    assert mutating(sim) == {"ShrinkCluster": 1}
    assert [n["node_id"] for g in result(shrunk)["cluster"]["node_groups"] for n in g["nodes"]] == [FREE[0]]


def test_tags_are_set_and_purged(sim, run_playbook):
    assert run(sim, run_playbook, name="c3", tags={"a": "1", "b": "2"}).rc == 0
    changed = run(sim, run_playbook, name="c3", tags={"a": "9"})
    assert changed.rc == 0, changed.explain()
    assert mutating(sim) == {"UntagResources": 1, "TagResources": 1}
    assert result(changed)["diff"] == {"before": {"node_groups": {}, "tags": {"a": "1", "b": "2"}}, "after": {"node_groups": {}, "tags": {"a": "9"}}}
    kept = run(sim, run_playbook, name="c3", tags={"c": "3"}, purge_tags=False)
    assert result(kept)["cluster"]["tags"] == {"a": "9", "c": "3"} and mutating(sim) == {"TagResources": 1}


def test_relaunch_resumes_the_running_task(sim, run_playbook):
    sim.control("PUT", "/_sim/scenario", {"durations": {"initialize": 4}})
    started = run(sim, run_playbook, name="c4", node_groups=[group(FREE[0])], wait=False)
    assert started.rc == 0, started.explain()
    task_id = result(started)["task_ids"][0]
    assert result(started)["tasks"] == []

    resumed = run(sim, run_playbook, name="c4", node_groups=[group(FREE[0])])
    assert resumed.rc == 0, resumed.explain()
    assert result(resumed)["resumed_task_id"] == task_id and result(resumed)["changed"] is False
    assert mutating(sim) == {} and result(resumed)["cluster"]["operating_state"] == "running"


def test_relaunch_after_the_job_was_stopped_mid_wait(sim, run_playbook):
    sim.control("PUT", "/_sim/scenario", {"durations": {"initialize": 8}})
    stopped = run(sim, run_playbook, name="c7", node_groups=[group(FREE[0])], task_timeout=3)
    assert stopped.rc != 0 and "timed out" in stopped.stdout.lower() + stopped.stderr.lower(), stopped.explain()
    assert mutating(sim) == {"CreateCluster": 1} and calls(sim).get("DescribeTask")
    task_id = sim.control("GET", "/_sim/tasks")["tasks"][0]["task_id"]

    relaunched = run(sim, run_playbook, name="c7", node_groups=[group(FREE[0])])
    assert relaunched.rc == 0, relaunched.explain()
    assert result(relaunched)["resumed_task_id"] == task_id and mutating(sim) == {}
    assert [(t["task_id"], t["task_state"]) for t in result(relaunched)["tasks"]] == [(task_id, "execution_success")]
    assert [n["node_id"] for n in result(relaunched)["cluster"]["node_groups"][0]["nodes"]] == [FREE[0]]


def test_absent_twice(sim, run_playbook):
    assert run(sim, run_playbook, name="c5").rc == 0
    deleted = run(sim, run_playbook, name="c5", state="absent")
    assert deleted.rc == 0, deleted.explain()
    assert result(deleted)["changed"] is True and result(deleted)["cluster"] == {} and mutating(sim) == {"DeleteCluster": 1}
    again = run(sim, run_playbook, name="c5", state="absent")
    assert again.rc == 0 and result(again)["changed"] is False and mutating(sim) == {}


def test_refusals(sim, run_playbook):
    assert run(sim, run_playbook, name="c6", cluster_type="Lite", node_groups=[group(FREE[0])]).rc == 0
    typed = run(sim, run_playbook, name="c6", cluster_type="AckEdgePro")
    assert typed.rc != 0 and "cluster_type cannot be changed" in result(typed)["msg"] and mutating(sim) == {}
    moved = run(sim, run_playbook, name="c6", node_groups=[dict(GROUP, name="ng-b", nodes=[{"node_id": FREE[0]}])])
    assert moved.rc != 0 and "is in node group ng-a" in result(moved)["msg"] and mutating(sim) == {}

    sim.control("POST", "/_sim/clusters", {"name": "twin"})
    sim.control("POST", "/_sim/clusters", {"name": "twin"})
    twins = run(sim, run_playbook, name="twin")
    assert twins.rc != 0 and "2 clusters are named twin" in result(twins)["msg"]
    by_id = run(sim, run_playbook, cluster_id="i000000000000000000404")
    assert by_id.rc != 0 and "give its name" in result(by_id)["msg"]
    nameless = run(sim, run_playbook, node_groups=[{"nodes": []}])
    assert nameless.rc != 0 and result(nameless)["msg"].startswith("eflo_cluster: ") and "name" in result(nameless)["msg"]
    assert "Traceback" not in nameless.stdout + nameless.stderr


def test_lifecycle_playbook(sim, run_playbook):
    nodes = {"eflo_nodes": [{"node_id": FREE[0], "hostname": "gpu-0c"}], "eflo_extra_nodes": [{"node_id": FREE[1], "hostname": "gpu-0d"}]}
    sim.control("DELETE", "/_sim/requests")
    done = run_playbook("playbooks/cluster_lifecycle.yml", dict(sim.extra_vars, **nodes), env=sim.env)
    assert done.rc == 0, done.explain()
    steps = ("Create the cluster with its first nodes", "Grow it by the extra nodes", "Shrink it back to the first nodes",
             "Delete it and wait until it is gone")
    assert [done.task(name)["result"]["changed"] for name in steps] == [True] * 4
    assert mutating(sim) == {"CreateCluster": 1, "ExtendCluster": 1, "ShrinkCluster": 1, "DeleteCluster": 1}
    assert done.task(steps[2])["result"]["diff"]["after"]["node_groups"] == {"ng-gpu": [FREE[0]]}
    assert "tasks started 3" in done.stdout
