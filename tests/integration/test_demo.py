# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/demo.yml (the job of `make demo`) against the simulator: it ends green, shows progress while it
waits, and shows the role's failure summary of the scripted reclone failure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.simulator

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO = "playbooks/demo.yml"
FAILING_NODE = "e01-cn-dem0n0de0004"


def check_demo_output(stdout: str) -> None:
    """What a user of `make demo` must see."""
    # progress while waiting: one start line per wait, a line per state or step change, heartbeats
    # (eflo_cluster's waits for the initialize and the extend, the role's eflo_task_wait for the reclone)
    assert stdout.count("eflo_cluster: waiting for 1 task") == 2 and stdout.count("eflo_task_wait: waiting for 1 task") == 1, stdout
    for name, task_type, final in (("eflo_cluster", "initialize_cluster", "execution_success"),
                                   ("eflo_cluster", "extend_cluster", "execution_success"),
                                   ("eflo_task_wait", "reclone_node", "execution_fail")):
        assert re.search(r"%s: i\d+ \(%s\) (waiting_to_run|running)\b" % (name, task_type), stdout), stdout
        assert re.search(r"%s: i\d+ \(%s\) running -> %s at step \w+" % (name, task_type, final), stdout), stdout
    assert re.search(r"eflo_(cluster|task_wait): 0/1 finished, 1 running; slowest i\d+ \w+ at step \w+ for \d+", stdout), stdout
    # the declared steps: created, grown, then nothing to do
    assert re.search(r"demo-training \(i\d+\) has 6 nodes; the third run changed nothing\.", stdout), stdout
    assert re.search(r"TASK \[Declare it the same again\] \*+\nok: \[localhost\]\n", stdout), stdout
    # the role's summary of the reclone
    assert "cluster_task: reclone FAILED: the task failed after " in stdout
    assert re.search(r"- cluster demo-training \(i\d+\): task i\d+ \(reclone_node\) execution_fail at step reclone_nodes", stdout)
    assert "message: Task failed at step reclone_nodes: Reimage node %s failed" % FAILING_NODE in stdout
    assert re.search(r"failed sub-task i\d+ \(reclone_node_sub_task\) at step reclone_nodes on node %s: " % FAILING_NODE, stdout)
    assert "nodes: e01-cn-dem0n0de0003, %s (failed: %s)" % (FAILING_NODE, FAILING_NODE) in stdout
    # and it ends green on purpose
    assert "The reclone failed on %s only, as scripted." % FAILING_NODE in stdout
    assert "Demo finished: the failure above was scripted, so this run is a success." in stdout
    assert re.search(r"TASK \[Declare it absent\] \*+\neflo_cluster: waiting until cluster i\d+ is gone \(timeout 16200s\)\n"
                     r"eflo_cluster: cluster i\d+ is gone after \d+s\nchanged: \[localhost\]\n", stdout), stdout
    assert re.search(r"localhost\s+: ok=\d+\s+changed=4\s+unreachable=0\s+failed=0", stdout), stdout


def test_demo_playbook(simulator, run_playbook):
    # twice the default speed of simulated time and more frequent heartbeats: the same demo, in less time
    env = dict(simulator.env, EFLO_DEMO_SPEED="240")
    run = run_playbook(DEMO, dict(simulator.extra_vars, cluster_task_heartbeat_interval=3), env=env)

    assert run.rc == 0, run.explain()
    assert not run.failed
    assert "simulated time x240.0" in run.stdout
    check_demo_output(run.stdout)
    outcomes = [r["result"]["ansible_facts"]["cluster_task_outcome"]
                for r in run.tasks("alibabacloud.eflo.cluster_task : Set the outcome fact cluster_task_outcome")]
    assert [(o["operation"], o["status"]) for o in outcomes] == [("reclone", "failure")]
    assert outcomes[0]["failed_nodes"] == [FAILING_NODE]
    created, grown, again = (run.tasks(name)[0]["result"] for name in (
        "Declare the cluster with four nodes", "Declare it with six nodes", "Declare it the same again"))
    assert [t["task_type"] for t in created["tasks"] + grown["tasks"]] == ["initialize_cluster", "extend_cluster"]
    assert (again["changed"], again["task_ids"], again["plan"]) == (False, [], [])
    by_action = simulator.requests()["by_action"]
    for action in ("CreateCluster", "ExtendCluster", "ReimageNodes", "DeleteCluster"):
        assert by_action[action] == {"success": 1}, by_action


def test_demo_needs_a_simulator(run_playbook):
    run = run_playbook(DEMO)

    assert run.rc == 2, run.explain()
    assert [r["task"] for r in run.failed] == ["Check that the demo has a simulator to talk to"]
    assert "run `make demo`" in run.failed[0]["result"]["msg"]


@pytest.mark.long
def test_make_demo_end_to_end(request):
    """`tools/dev.sh demo` (what `make demo` runs): its own simulator on a free port, the demo, the simulator stopped."""
    if "long" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("end-to-end `make demo`: run by `make test-long` (pytest -m long)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "ALIBABA_CLOUD_", "EFLO_TEST_"))}
    env["EFLO_VENV"] = str(Path(sys.executable).parents[1])  # this venv (not resolved: it is a symlink)
    proc = subprocess.run(["bash", "tools/dev.sh", "demo"], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=600, check=False)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_demo_output(proc.stdout)
    url = re.search(r"demo: simulator listening on (http://127\.0\.0\.1:\d+)", proc.stderr)
    assert url, proc.stderr
