# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as AWX / AAP runs it.

* The custom credential type ``awx/credential_type.yml`` (see docs/awx.md) is rendered the way AWX renders
  injectors, and a playbook runs with exactly the environment it injects, against a simulator that accepts
  only freshly generated keys (an AccessKey pair and an STS triple).
* ``playbooks/demo.yml`` runs through ``ansible-runner`` (what AWX uses to run jobs), and the event stream is
  checked: the progress lines of each wait arrive as events while the wait is still waiting (the simulated
  clock is held still until the test has received one, so the wait cannot finish before), the final result
  of each wait carries the documented return values, and no secret appears in any event or artifact.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import secrets
import socket
import sys
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import pytest
import yaml
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from conftest import REPO_ROOT, Simulator, make_collections_tree, simulator_available, start_simulator

pytestmark = pytest.mark.simulator

CREDENTIAL_TYPE = REPO_ROOT / "awx" / "credential_type.yml"
DEMO = REPO_ROOT / "playbooks" / "demo.yml"
CREDENTIAL_PLAYBOOK = "tests/integration/playbooks/awx/credential_env.yml"
REGION_PLAYBOOK = "tests/integration/playbooks/awx/region_env.yml"
MASK = "**********"  # what AWX stores instead of a secret field in the job's environment
INJECTED_VARS = {"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
                 "ALIBABA_CLOUD_REGION_ID"}
FINISHED_STATES = {"execution_success", "execution_fail", "execution_cancelled", "execution_canceled"}
PROGRESS = re.compile(r"eflo_(?:task_wait|cluster): (i\d+) \(")
PROGRESS_LINE = re.compile(r"eflo_(?:task_wait|cluster): ")
WAIT_ACTIONS = ("alibabacloud.eflo.eflo_task_wait", "alibabacloud.eflo.eflo_cluster")  # the tasks that wait
RELEASE_AFTER_S = 120.0  # failure path only: release a wait whose progress never arrived, so the run ends


# --------------------------------------------------------------------------------------------------------------
# the credential type, rendered as AWX renders it
# --------------------------------------------------------------------------------------------------------------


def load_credential_type() -> Dict[str, Any]:
    return yaml.safe_load(CREDENTIAL_TYPE.read_text(encoding="utf-8"))


def awx_inject(credential_type: Mapping[str, Any], inputs: Mapping[str, str]) -> Tuple[Dict[str, str], Dict[str, str]]:
    """The ``env`` injectors rendered as AWX does (``CredentialType.inject_credential``): a sandboxed Jinja
    environment; only inputs with a value are in the namespace (a missing optional field renders as an empty
    string); secret fields are masked in the copy AWX stores with the job. Returns (env, stored env)."""
    secret_fields = {f["id"] for f in credential_type["inputs"]["fields"] if f.get("secret")}
    namespace = {k: v for k, v in inputs.items() if len(v)}
    safe_namespace = {k: (MASK if k in secret_fields else v) for k, v in namespace.items()}
    sandbox = ImmutableSandboxedEnvironment()
    env: Dict[str, str] = {}
    stored: Dict[str, str] = {}
    for name, template in credential_type["injectors"]["env"].items():
        env[name] = sandbox.from_string(template).render(**namespace)
        stored[name] = sandbox.from_string(template).render(**safe_namespace)
    return env, stored


def new_key_pair() -> Dict[str, str]:
    return {"access_key_id": "LTAI5tAwx" + secrets.token_hex(8), "access_key_secret": "AwxSecret" + secrets.token_hex(16)}


def new_sts_triple() -> Dict[str, str]:
    return {"access_key_id": "STS.Awx" + secrets.token_hex(8), "access_key_secret": "AwxStsSecret" + secrets.token_hex(16),
            "security_token": "AwxToken" + secrets.token_hex(24)}


@pytest.fixture(scope="module")
def awx_keys() -> Dict[str, Dict[str, str]]:
    """Keys generated for this module: nothing else knows them, so finding one in output is a leak."""
    return {"pair": new_key_pair(), "sts": new_sts_triple()}


@pytest.fixture(scope="module")
def awx_simulator(tmp_path_factory: pytest.TempPathFactory, awx_keys: Dict[str, Dict[str, str]]) -> Iterator[Simulator]:
    """A simulator of its own that accepts only the generated keys (``--credentials``; kept across resets)."""
    if not simulator_available():
        pytest.skip("eflo_simulator is not installed (run `make venv`)")
    workdir = tmp_path_factory.mktemp("awx-simulator")
    credentials = workdir / "credentials.json"
    credentials.write_text(json.dumps(list(awx_keys.values())), encoding="utf-8")
    # (pylint of ansible-core 2.16 resolves conftest to another module)
    with start_simulator(workdir, seed=8, extra_args=["--credentials", str(credentials)]) as sim:  # pylint: disable=not-context-manager
        yield sim


def secret_values(keys: Mapping[str, Mapping[str, str]]) -> List[str]:
    return [v for k in keys.values() for name, v in k.items() if name in ("access_key_secret", "security_token")]


def assert_no_secret(text: str, keys: Mapping[str, Mapping[str, str]], where: str) -> None:
    for value in secret_values(keys):
        assert value not in text, "a secret appears in %s" % where


# --------------------------------------------------------------------------------------------------------------
# the credential type itself
# --------------------------------------------------------------------------------------------------------------


def test_credential_type_is_well_formed():
    ctype = load_credential_type()
    fields = ctype["inputs"]["fields"]
    ids = [f["id"] for f in fields]

    assert ctype["kind"] == "cloud" and ctype["name"]
    assert len(ids) == len(set(ids)) == 4
    assert all(f["type"] == "string" and f["label"] for f in fields)
    assert {f["id"] for f in fields if f.get("secret")} == {"access_key_secret", "security_token"}
    assert ctype["inputs"]["required"] == ["access_key_id", "access_key_secret"]
    assert set(ctype["injectors"]) == {"env"}  # no extra_vars: secrets stay out of the job's variables
    assert set(ctype["injectors"]["env"]) == INJECTED_VARS
    sandbox = ImmutableSandboxedEnvironment()
    for template in ctype["injectors"]["env"].values():
        assert meta.find_undeclared_variables(sandbox.parse(template)) <= set(ids), template
    # every injected variable is one the collection documents and reads
    documented = (REPO_ROOT / "plugins" / "doc_fragments" / "eflo.py").read_text(encoding="utf-8")
    chain = (REPO_ROOT / "plugins" / "module_utils" / "credentials.py").read_text(encoding="utf-8")
    for name in INJECTED_VARS:
        assert name in chain, name
    assert "ALIBABA_CLOUD_REGION_ID" in documented


def test_injection_masks_secrets_in_the_stored_environment():
    keys = new_sts_triple()
    env, stored = awx_inject(load_credential_type(), dict(keys, region_id="cn-wulanchabu"))

    assert env == {"ALIBABA_CLOUD_ACCESS_KEY_ID": keys["access_key_id"],
                   "ALIBABA_CLOUD_ACCESS_KEY_SECRET": keys["access_key_secret"],
                   "ALIBABA_CLOUD_SECURITY_TOKEN": keys["security_token"], "ALIBABA_CLOUD_REGION_ID": "cn-wulanchabu"}
    assert stored == dict(env, ALIBABA_CLOUD_ACCESS_KEY_SECRET=MASK, ALIBABA_CLOUD_SECURITY_TOKEN=MASK)
    # optional fields left empty are injected as empty strings
    env = awx_inject(load_credential_type(), {"access_key_id": "a", "access_key_secret": "b"})[0]
    assert env["ALIBABA_CLOUD_SECURITY_TOKEN"] == env["ALIBABA_CLOUD_REGION_ID"] == ""


# --------------------------------------------------------------------------------------------------------------
# a playbook with exactly the injected environment
# --------------------------------------------------------------------------------------------------------------


def new_task(simulator: Simulator) -> str:
    return simulator.add_tasks({"task_type": "extend_cluster", "duration_s": 1, "waiting_s": 0})["task_ids"][0]


@pytest.mark.parametrize("kind", ["pair", "sts"])
def test_playbook_uses_the_injected_environment(awx_simulator, awx_keys, run_playbook, kind):
    awx_simulator.reset()
    task_id = new_task(awx_simulator)
    env = awx_inject(load_credential_type(), dict(awx_keys[kind], region_id="cn-wulanchabu"))[0]

    run = run_playbook(CREDENTIAL_PLAYBOOK, {"eflo_endpoint": awx_simulator.url, "task_id": task_id}, verbosity=3, env=env)

    assert run.rc == 0, run.explain()
    assert run.task("Look at the task")["result"]["tasks"][0]["task_id"] == task_id
    assert run.task("Wait for the task")["result"]["credentials_source"] == "env"
    counts = awx_simulator.requests()["by_action"]["DescribeTask"]
    assert counts.get("success", 0) >= 2 and set(counts) == {"success"}, counts
    assert_no_secret(run.stdout + run.stderr + json.dumps(run.results), awx_keys, "the playbook output")


def test_sts_token_is_needed_and_passed(awx_simulator, awx_keys, run_playbook):
    """Without the token field the temporary key is refused: so the passing STS run above did send the token."""
    awx_simulator.reset()
    task_id = new_task(awx_simulator)
    inputs = {k: v for k, v in awx_keys["sts"].items() if k != "security_token"}
    env = awx_inject(load_credential_type(), dict(inputs, region_id="cn-wulanchabu"))[0]

    run = run_playbook(CREDENTIAL_PLAYBOOK, {"eflo_endpoint": awx_simulator.url, "task_id": task_id}, env=env)

    assert run.rc == 2, run.explain()
    assert "MissingSecurityToken" in run.task("Look at the task")["result"]["msg"]
    assert_no_secret(run.stdout + run.stderr + json.dumps(run.results), awx_keys, "the playbook output")


class ConnectRecorder:
    """A proxy on 127.0.0.1 that records each request line (``CONNECT host:443 HTTP/1.1``) and refuses it."""

    def __init__(self) -> None:
        self.lines: List[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self._server.getsockname()[1]

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn = self._server.accept()[0]
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    head = conn.recv(4096).decode("latin-1")
                    self.lines.append(head.split("\r\n", 1)[0])
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def __enter__(self) -> "ConnectRecorder":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()


def test_injected_region_builds_the_endpoint(awx_keys, run_playbook):
    env = awx_inject(load_credential_type(), dict(awx_keys["pair"], region_id="cn-wulanchabu"))[0]
    with ConnectRecorder() as proxy:
        proxies = {name: proxy.url for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")}
        run = run_playbook(REGION_PLAYBOOK, env=dict(env, NO_PROXY="", no_proxy="", **proxies))

    assert run.rc == 2, run.explain()
    expected = "CONNECT eflo-controller.cn-wulanchabu.aliyuncs.com:443 HTTP/1.1"
    assert proxy.lines and all(line == expected for line in proxy.lines), proxy.lines
    assert_no_secret(run.stdout + run.stderr + json.dumps(run.results), awx_keys, "the playbook output")


# --------------------------------------------------------------------------------------------------------------
# the demo through ansible-runner
# --------------------------------------------------------------------------------------------------------------


def documented_returns(module: str) -> Dict[str, Any]:
    """The RETURN documentation of a module file, parsed."""
    source = (REPO_ROOT / "plugins" / "modules" / ("%s.py" % module)).read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "RETURN":
            return yaml.safe_load(node.value.value)  # type: ignore[attr-defined]
    raise AssertionError("no RETURN in %s" % module)


class WaitWatcher:
    """ansible-runner event handler: keeps every event in arrival order; on the first progress line of each
    wait that names a task, records the task's state on the simulator and only then lets simulated time run
    past the task's end. Until then the simulated clock stands still, so the wait cannot finish first."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.events: List[Dict[str, Any]] = []
        self.released: Dict[str, Dict[str, Any]] = {}  # task uuid of the wait -> what the test saw on release
        self._lock = threading.Lock()
        self._watchdog: Optional[threading.Timer] = None

    def __call__(self, event: Dict[str, Any]) -> bool:
        with self._lock:
            self.events.append(event)
            data = event.get("event_data") or {}
            if data.get("task_action") not in WAIT_ACTIONS:
                return True
            uuid = data.get("task_uuid", "")
            if event["event"] == "runner_on_start":
                self._arm_watchdog(uuid)
            elif event["event"] in ("runner_on_ok", "runner_on_failed", "runner_on_skipped"):
                self._cancel_watchdog()  # a task that ended without waiting (eflo_cluster with nothing to do)
            match = PROGRESS.search(event.get("stdout") or "")
            if event["event"] == "verbose" and match and uuid not in self.released:
                self._release(uuid, match.group(1), event["counter"], by_watchdog=False)
        return True

    def _arm_watchdog(self, uuid: str) -> None:
        self._cancel_watchdog()
        self._watchdog = threading.Timer(RELEASE_AFTER_S, self._on_watchdog, args=(uuid,))
        self._watchdog.daemon = True
        self._watchdog.start()

    def _cancel_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _on_watchdog(self, uuid: str) -> None:
        with self._lock:
            if uuid not in self.released:
                self._release(uuid, None, None, by_watchdog=True)

    def _release(self, uuid: str, task_id: Optional[str], counter: Optional[int], by_watchdog: bool) -> None:
        state = self.simulator.control("GET", "/_sim/tasks/%s" % task_id)["task_state"] if task_id else None
        self.released[uuid] = {"task_id": task_id, "state": state, "counter": counter, "by_watchdog": by_watchdog,
                               "arrived_before": len(self.events)}
        self._cancel_watchdog()
        self.simulator.control("PUT", "/_sim/clock", {"advance_s": 6 * 3600})

    def close(self) -> None:
        self._cancel_watchdog()


def runner_env(tree: Path, home: Path, injected: Mapping[str, str]) -> Dict[str, str]:
    """The job's environment: the developer's minus Ansible and cloud variables, plus what AWX injects."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANSIBLE_", "ALIBABA_CLOUD_", "ALIBABACLOUD_", "ALICLOUD_", "EFLO_"))}
    env.update({
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        "HOME": str(home),
        "ANSIBLE_COLLECTIONS_PATH": str(tree),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_HOME": str(home / ".ansible"),
        "ANSIBLE_LOCAL_TEMP": str(home / ".ansible" / "tmp"),
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
    })
    env.update(injected)
    return env


def test_demo_through_ansible_runner(awx_simulator, awx_keys, tmp_path):
    ansible_runner = pytest.importorskip("ansible_runner")
    injected, stored = awx_inject(load_credential_type(), dict(awx_keys["pair"], region_id="cn-wulanchabu"))
    private_data_dir = tmp_path / "job"
    private_data_dir.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    watcher = WaitWatcher(awx_simulator)
    try:
        run = ansible_runner.run(
            private_data_dir=str(private_data_dir), playbook=str(DEMO), ident="job",
            inventory="localhost ansible_connection=local ansible_python_interpreter=%s" % sys.executable,
            # a job template's extra vars; simulated time stands still until the test lets it run (a deletion, which
            # has no task and no progress line, is over in 2 s)
            extravars={"eflo_endpoint": awx_simulator.url, "eflo_demo_speed": 1,
                       "eflo_demo_durations": {"initialize": 2400, "extend": 1200, "reclone": 1800, "delete": 2}},
            envvars=runner_env(make_collections_tree(tmp_path / "collections"), home, injected),
            event_handler=watcher, quiet=True, verbosity=2,
            suppress_env_files=True,  # as AWX runs jobs: no env/ files with the variables
        )
    finally:
        watcher.close()
    events = watcher.events
    stdout = "".join(e.get("stdout") or "" for e in events)

    assert (run.status, run.rc) == ("successful", 0), stdout[-6000:]
    assert "Demo finished: the failure above was scripted, so this run is a success." in stdout

    # --- progress arrives as events while each wait waits (eflo_cluster's waits, then the role's eflo_task_wait)
    starts = [e for e in events if e["event"] == "playbook_on_task_start" and e["event_data"].get("task_action") in WAIT_ACTIONS]
    waits = [e for e in starts if e["event_data"]["task_uuid"] in watcher.released]
    assert [e["event_data"]["task_action"].rsplit(".", 1)[1] for e in waits] == ["eflo_cluster", "eflo_cluster", "eflo_task_wait"], \
        [e["event_data"].get("task") for e in starts]
    finals: Dict[str, Tuple[str, Dict[str, Any]]] = {}
    for wait in waits:
        uuid = wait["event_data"]["task_uuid"]
        released = watcher.released[uuid]
        assert not released["by_watchdog"], "no progress event arrived while the wait waited: %s" % released
        assert released["state"] not in FINISHED_STATES, released
        own = [e for e in events if (e.get("event_data") or {}).get("task_uuid") == uuid]
        results = [e for e in own if e["event"] in ("runner_on_ok", "runner_on_failed")]
        assert len(results) == 1, [e["event"] for e in own]
        final = results[0]
        progress = [e for e in own if e["event"] == "verbose" and PROGRESS_LINE.search(e.get("stdout") or "")]
        # several progress lines, each an event of the wait task, each before the result (counter and arrival)
        assert len(progress) >= 3, [e.get("stdout") for e in own]
        assert all(e["counter"] < final["counter"] for e in progress)
        assert released["counter"] < final["counter"] and released["arrived_before"] <= events.index(final)
        finals[released["task_id"]] = (wait["event_data"]["task_action"].rsplit(".", 1)[1], final)

    # --- the final results carry the documented return values
    task_keys = set(documented_returns("eflo_task_wait")["tasks"]["contains"])
    task_states = []
    for task_id, (module, final) in finals.items():
        res = final["event_data"]["res"]
        returns = documented_returns(module)
        always = {name for name, doc in returns.items() if doc.get("returned") == "always"}
        assert always <= set(res), sorted(always - set(res))
        assert res["credentials_source"] == "env"
        assert [t["task_id"] for t in res["tasks"]] == [task_id]
        assert task_keys <= set(res["tasks"][0]), sorted(task_keys - set(res["tasks"][0]))
        task_states.append((res["tasks"][0]["task_type"], res["tasks"][0]["task_state"]))
        if module == "eflo_cluster":
            assert res["task_ids"] == [task_id] and res["changed"] is True
            continue
        assert isinstance(res["elapsed"], float) and isinstance(res["polls"], int) and res["polls"] >= 2
        if res["failed_task_ids"]:
            assert res["failed_task_ids"] == [task_id] and res["tasks"][0]["failed_sub_tasks"]
        else:
            assert res["succeeded_task_ids"] == [task_id]
    assert task_states == [("initialize_cluster", "execution_success"), ("extend_cluster", "execution_success"),
                           ("reclone_node", "execution_fail")]

    # --- no secret in any event or artifact
    assert_no_secret(json.dumps(events), awx_keys, "an event")
    assert not (private_data_dir / "env").exists()
    artifacts = private_data_dir / "artifacts" / "job"
    assert (artifacts / "job_events").is_dir() and (artifacts / "stdout").is_file()
    for path in sorted(private_data_dir.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path == artifacts / "command":
            # ansible-runner records the environment it started ansible-playbook with; the credential's
            # variables are there as given (AWX stores the masked copy instead), and nowhere else in the file
            command = json.loads(text)
            assert {k: command["env"][k] for k in INJECTED_VARS} == injected
            text = json.dumps(dict(command, env={k: v for k, v in command["env"].items() if k not in INJECTED_VARS}))
            assert stored["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] == MASK
        assert_no_secret(text, awx_keys, str(path.relative_to(private_data_dir)))


def test_docs_show_the_credential_type_as_defined():
    """docs/awx.md shows the inputs and injectors to paste into AWX: they are awx/credential_type.yml's."""
    text = (REPO_ROOT / "docs" / "awx.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)]
    ctype = load_credential_type()

    assert ctype["inputs"] in blocks
    assert ctype["injectors"] in blocks
    assert ctype["name"] in text
