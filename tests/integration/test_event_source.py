# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``alibabacloud.eflo.eflo_tasks`` event source: ``main(queue, args)`` against the simulator, loaded by path from
a collections tree as ``ansible-rulebook`` loads it; and one rulebook run under ``ansible-rulebook`` when installed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import runpy
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

from conftest import Simulator

pytestmark = pytest.mark.simulator

CLUSTER = "i119982311660892626523"  # the simulator's demo cluster
NODE_GROUP = "i127582271665027208350"
FREE_NODES = ("e01-cn-zvp2tgykr0d", "e01-cn-zvp2tgykr0c")
SOURCE = Path("ansible_collections/alibabacloud/eflo/extensions/eda/plugins/event_source/eflo_tasks.py")
RULEBOOK_VENV = Path(os.environ.get("EFLO_RULEBOOK_VENV", Path(__file__).resolve().parents[2] / ".venv-rulebook"))
Events = List[Dict[str, Any]]


@pytest.fixture
def source(collections_tree: Path) -> Dict[str, Any]:
    """The source module's globals, run from its file like ansible-rulebook does."""
    return runpy.run_path(str(collections_tree / SOURCE))


def source_args(simulator: Simulator, **extra: Any) -> Dict[str, Any]:
    return dict(endpoint=simulator.url, access_key_id=simulator.access_key_id, access_key_secret=simulator.access_key_secret,
                delay=0.5, **extra)


def run_source(source: Dict[str, Any], args: Dict[str, Any], until: Callable[[Events], bool] = lambda events: False,
               during: Optional[Callable[[], None]] = None, timeout: float = 60.0) -> Events:
    """Run ``main`` until it returns, ``until(events)`` holds or ``timeout``; ``during`` runs once after the first poll."""
    async def go() -> Events:
        queue: asyncio.Queue = asyncio.Queue()
        task = asyncio.create_task(source["main"](queue, args))
        events: Events = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if during is not None:
            await asyncio.sleep(1.0)
            await asyncio.to_thread(during)
        while not until(events) and loop.time() < deadline:
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait([getter, task], timeout=deadline - loop.time(), return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                events.append(getter.result())
                continue
            getter.cancel()
            if task.done():
                task.result()  # raises the source's error
                while not queue.empty():
                    events.append(queue.get_nowait())
                break
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return events

    return asyncio.run(go())


def by_task(events: Events) -> Dict[str, Events]:
    out: Dict[str, Events] = {}
    for event in events:
        out.setdefault(event["eflo_task"]["task_id"], []).append(event)
    return out


def assert_each_once(events: Events) -> None:
    """One task_started first, one task_finished last, and no (event, state, step) twice for a task."""
    for task_id, told in by_task(events).items():
        kinds = [event["eflo_event"] for event in told]
        assert kinds[0] == "task_started" and kinds[-1] == "task_finished", (task_id, kinds)
        assert Counter(kinds)["task_started"] == 1 and Counter(kinds)["task_finished"] == 1, (task_id, kinds)
        views = [(e["eflo_event"], e["eflo_task"]["task_state"], e["eflo_task"]["step"]) for e in told]
        assert len(views) == len(set(views)), views


@pytest.mark.parametrize("faults", [False, True], ids=["clean", "poll-errors"])
def test_given_tasks_that_succeed_and_fail(simulator: Simulator, source: Dict[str, Any], faults: bool) -> None:
    good = simulator.add_tasks({"task_type": "extend_cluster", "duration_s": 4, "outcome": "success"})["task_ids"][0]
    bad = simulator.add_tasks({"task_type": "extend_cluster", "duration_s": 4, "outcome": "fail"})["task_ids"][0]
    if faults:  # every third call fails; without client retries each failure reaches the source, which polls again
        simulator.set_faults({"rate": 0.35, "kinds": ["http_503", "connection_reset", "throttling"]})
    events = run_source(source, source_args(simulator, task_ids=[good, bad], retries=0))  # ends when both finished
    assert_each_once(events)
    told = by_task(events)
    assert set(told) == {good, bad}
    assert any(e["eflo_event"] == "task_changed" for e in told[good])
    done = told[good][-1]["eflo_task"]
    assert done["task_state"] == "execution_success" and done["is_succeeded"] is True and done["failed_sub_tasks"] == []
    failed = told[bad][-1]["eflo_task"]
    assert failed["task_state"] == "execution_fail" and failed["is_succeeded"] is False
    assert failed["failed_sub_tasks"] and failed["task_type"] == "extend_cluster"
    if faults:
        assert sum(simulator.control("GET", "/_sim/faults")["injected"].values()) > 0


def test_a_new_task_on_a_watched_cluster(simulator: Simulator, source: Dict[str, Any]) -> None:
    simulator.control("PUT", "/_sim/scenario", {"fail_nodes": [FREE_NODES[1]], "durations": {"extend_cluster": 3}, "waiting_s": 0})
    client = source["build_client_with_credentials"](source_args(simulator), {}, "/nonexistent")[0]

    def extend(node: str) -> str:
        return client.call("ExtendCluster", {"ClusterId": CLUSTER, "NodeGroups": [
            {"NodeGroupId": NODE_GROUP, "Nodes": [{"NodeId": node, "Hostname": "extra-" + node[-3:]}]}]}, idempotent=False)["TaskId"]

    with client:
        old = extend(FREE_NODES[0])  # finished before the source starts: old news
        deadline = time.monotonic() + 30
        while client.describe_task(old)["TaskState"] != "execution_success" and time.monotonic() < deadline:
            time.sleep(0.3)
        new: List[str] = []
        events = run_source(source, source_args(simulator, cluster_ids=[CLUSTER]), during=lambda: new.append(extend(FREE_NODES[1])),
                            until=lambda events: any(e["eflo_event"] == "task_finished" for e in events))
    assert_each_once(events)
    assert set(by_task(events)) == set(new)
    first, last = events[0]["eflo_task"], events[-1]["eflo_task"]
    assert first["cluster_id"] == CLUSTER and first["cluster_name"] and first["previous_state"] is None
    assert last["task_state"] == "execution_fail" and last["task_type"].startswith("extend_") and last["failed_sub_tasks"]


@pytest.mark.parametrize("args, message", [
    ({"task_ids": ["i1"], "colour": "blue"}, "unknown option colour"),
    ({}, "set cluster_ids"),
    ({"task_ids": ["{{ x }}"]}, "is not a task id"),
    ({"task_ids": ["i1"], "delay": "soon"}, "delay must be a number"),
    ({"task_ids": ["i1"], "max_rate": 0}, "max_rate"),
])
def test_bad_arguments_are_named(simulator: Simulator, source: Dict[str, Any], args: Dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match="eflo_tasks: .*" + message):
        run_source(source, dict(source_args(simulator), **args))


def test_refused_credentials_stop_the_source_without_the_secret(simulator: Simulator, source: Dict[str, Any]) -> None:
    secret = "WrongSecretForTheEventSource0000000"
    with pytest.raises(Exception) as caught:
        run_source(source, dict(source_args(simulator, cluster_ids=[CLUSTER]), access_key_secret=secret))
    assert "SignatureDoesNotMatch" in str(caught.value) and secret not in str(caught.value)


class ControllerConfig(BaseHTTPRequestHandler):
    """The one call ansible-rulebook makes to a controller at start (its version); the failed extend runs a playbook."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b'{"version": "4.6.0"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        del args


@pytest.fixture
def controller() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ControllerConfig)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield "http://127.0.0.1:%d/" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(not shutil.which("java"), reason="ansible-rulebook needs Java 17 (`make venv` installs it as root with apt-get)")
def test_the_example_rulebook_runs_the_playbook_when_an_extend_fails(
        simulator: Simulator, collections_tree: Path, tmp_path: Path, controller: str) -> None:
    assert (RULEBOOK_VENV / "bin" / "ansible-rulebook").exists(), "ansible-rulebook is not in %s: run `make venv`" % RULEBOOK_VENV
    task = simulator.add_tasks({"task_type": "extend_cluster", "duration_s": 3, "outcome": "fail"})["task_ids"][0]
    marker = tmp_path / "ran"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "ANSIBLE_"))}
    env.update(simulator.env, HOME=str(tmp_path), ANSIBLE_COLLECTIONS_PATH=str(collections_tree),
               PATH=os.pathsep.join([str(RULEBOOK_VENV / "bin"), str(Path(sys.executable).parent), env.get("PATH", "")]),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), EFLO_TEST_MARKER=str(marker))
    rulebook = Path(__file__).resolve().parents[2] / "extensions" / "eda" / "rulebooks" / "extend_failed.yml"
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: %s\n"
                         % sys.executable, encoding="utf-8")
    command = [str(RULEBOOK_VENV / "bin" / "ansible-rulebook"), "--rulebook", str(rulebook), "-i", str(inventory),
               "--vars", str(tmp_path / "vars.yml"), "--shutdown-delay", "15", "-v",  # the playbook runs after the source ended
               "--controller-url", controller, "--controller-token", "unused"]
    (tmp_path / "vars.yml").write_text('eflo_endpoint: "%s"\neflo_task_ids: ["%s"]\neflo_cluster_ids: []\neflo_delay: 0.5\n'
                                       'eflo_playbook: "%s"\n' % (simulator.url, task, Path(__file__).parent / "playbooks" / "eda_extend_failed.yml"),
                                       encoding="utf-8")
    proc = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert marker.exists() and marker.read_text(encoding="utf-8").strip() == task, output
    assert simulator.access_key_secret not in output
