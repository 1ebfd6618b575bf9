# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest harness for playbook-level integration tests.

Fixtures (see tests/integration/README.md):

* ``simulator``: the eflo simulator (one process per pytest worker, started on 127.0.0.1 with a free port,
  stopped at the end of the session whatever happens), reset before every test that uses it.
* ``run_playbook``: ``run_playbook(path, extra_vars=None, verbosity=0, env=None, check=False) -> PlaybookRun``
  runs ``ansible-playbook`` in a subprocess against a collections tree that links to this checkout.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
HARNESS_DIR = Path(__file__).resolve().parent
CALLBACK_DIR = HARNESS_DIR / "callback_plugins"
RESULTS_FILE_ENV = "EFLO_TEST_RESULTS_FILE"

DEMO_ACCESS_KEY_ID = "LTAI5tEfloSimulatorDemo"
DEMO_ACCESS_KEY_SECRET = "EfloSimulatorDemoSecret0000000000000"  # the simulator's public demo key, not a secret
DEMO_REGION = "cn-wulanchabu"

SIMULATOR_START_TIMEOUT = 30.0
SIMULATOR_STOP_TIMEOUT = 10.0
PLAYBOOK_TIMEOUT = float(os.environ.get("EFLO_PLAYBOOK_TIMEOUT", "600"))

# Variables of the Alibaba Cloud credential chain: never inherited by playbooks under test.
_CREDENTIAL_ENV_PREFIXES = ("ALIBABA_CLOUD_", "ALIBABACLOUD_", "ALICLOUD_")


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers used by integration tests."""
    config.addinivalue_line("markers", "long: slow end-to-end scenarios, run by `make test-long` only")
    config.addinivalue_line("markers", "simulator: needs the eflo simulator (skipped when it is not installed)")


# --------------------------------------------------------------------------------------------------------------
# simulator
# --------------------------------------------------------------------------------------------------------------


class SimulatorError(RuntimeError):
    """The simulator did not start, or its control API answered with an error."""


@dataclass(frozen=True)
class Simulator:
    """A running simulator: its base URL, the demo credentials it accepts and its control API."""

    url: str
    log_path: Path
    access_key_id: str = DEMO_ACCESS_KEY_ID
    access_key_secret: str = DEMO_ACCESS_KEY_SECRET
    region: str = DEMO_REGION

    @property
    def env(self) -> Dict[str, str]:
        """Environment variables that point the credential chain at the simulator's demo key."""
        return {
            "ALIBABA_CLOUD_ACCESS_KEY_ID": self.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": self.access_key_secret,
            "ALIBABA_CLOUD_REGION_ID": self.region,
        }

    @property
    def extra_vars(self) -> Dict[str, str]:
        """Extra vars that playbooks of this repository use to reach the simulator."""
        return {"eflo_endpoint": self.url, "eflo_region": self.region}

    def control(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
        """Call the control API (``/_sim/...``) and return the decoded JSON answer (None for an empty body)."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec - loopback only
                payload = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise SimulatorError(f"{method} {path} answered HTTP {exc.code}: {detail}") from exc
        return json.loads(payload) if payload.strip() else None

    def reset(self) -> Any:
        """Forget all clusters, tasks, faults, throttles and recorded requests."""
        return self.control("POST", "/_sim/reset", {})

    def add_tasks(self, spec: Any) -> Any:
        """Create simulated tasks (``POST /_sim/tasks``); see simulator/README.md for the body."""
        return self.control("POST", "/_sim/tasks", spec)

    def requests(self) -> Any:
        """The API requests the simulator received since the last reset (``GET /_sim/requests``)."""
        return self.control("GET", "/_sim/requests")

    def set_faults(self, spec: Any) -> Any:
        """Inject faults (``PUT /_sim/faults``)."""
        return self.control("PUT", "/_sim/faults", spec)

    def set_throttle(self, spec: Any) -> Any:
        """Configure throttling (``PUT /_sim/throttle``)."""
        return self.control("PUT", "/_sim/throttle", spec)


def simulator_available() -> bool:
    """True when the ``eflo_simulator`` package is importable in this Python."""
    return importlib.util.find_spec("eflo_simulator") is not None


def _stop_process(process: "subprocess.Popen[bytes]") -> None:
    """Stop the simulator's process group: SIGTERM, then SIGKILL after SIMULATOR_STOP_TIMEOUT seconds."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, SIMULATOR_STOP_TIMEOUT), (signal.SIGKILL, SIMULATOR_STOP_TIMEOUT)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_ready(process: "subprocess.Popen[bytes]", ready_file: Path, log_path: Path) -> str:
    """Wait until the simulator wrote its URL into the ready file; return the URL."""
    deadline = time.monotonic() + SIMULATOR_START_TIMEOUT
    while time.monotonic() < deadline:
        if ready_file.exists():
            url = ready_file.read_text(encoding="utf-8").strip()
            if url:
                return url
        if process.poll() is not None:
            break
        time.sleep(0.05)
    log = log_path.read_text(encoding="utf-8", errors="replace")[-4000:] if log_path.exists() else ""
    state = f"exited with {process.returncode}" if process.poll() is not None else "did not become ready"
    raise SimulatorError(f"simulator {state} within {SIMULATOR_START_TIMEOUT:.0f}s; log:\n{log}")


@contextlib.contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while the simulator runs: pytest then stops the session and runs
    the session fixtures' teardown, which stops the simulator."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def start_simulator(workdir: Path, *, seed: int = 1, speed: Optional[float] = None,
                    extra_args: Optional[List[str]] = None) -> Iterator[Simulator]:
    """Start ``python -m eflo_simulator`` on 127.0.0.1 with a free port; always stop it on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    ready_file = workdir / "ready"
    log_path = workdir / "simulator.log"
    command = [sys.executable, "-m", "eflo_simulator", "--host", "127.0.0.1", "--port", "0",
               "--ready-file", str(ready_file), "--seed", str(seed)]
    if speed is not None:
        command += ["--speed", str(speed)]
    command += extra_args or []
    with open(log_path, "wb") as log, _terminate_on_sigterm():
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=workdir, start_new_session=True)
        try:
            yield Simulator(url=_wait_ready(process, ready_file, log_path), log_path=log_path)
        finally:
            _stop_process(process)


@pytest.fixture(scope="session")
def simulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """One simulator per pytest process (xdist workers each get their own), stopped at session end."""
    if not simulator_available():
        pytest.skip("eflo_simulator is not installed (run `make venv`)")
    speed = os.environ.get("EFLO_SIMULATOR_SPEED")
    with start_simulator(tmp_path_factory.mktemp("simulator"), seed=int(os.environ.get("EFLO_SIMULATOR_SEED", "1")),
                         speed=float(speed) if speed else None) as sim:
        yield sim


@pytest.fixture
def simulator(simulator_process: Simulator) -> Simulator:
    """The session's simulator, reset to a clean state for this test."""
    simulator_process.reset()
    return simulator_process


# --------------------------------------------------------------------------------------------------------------
# ansible-playbook
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaybookRun:
    """Outcome of one ``ansible-playbook`` run."""

    rc: int
    stdout: str
    stderr: str
    results: List[Dict[str, Any]]  # every task result (kind "task") and loop item (kind "item"), in order
    command: List[str]

    def tasks(self, name: str) -> List[Dict[str, Any]]:
        """All task-level records of the task with this name."""
        return [r for r in self.results if r["kind"] == "task" and r["task"] == name]

    def task(self, name: str) -> Dict[str, Any]:
        """The last task-level record of the task with this name; raises KeyError when it did not run."""
        found = self.tasks(name)
        if not found:
            raise KeyError(f"task {name!r} has no result; ran: {sorted({r['task'] for r in self.results})}")
        return found[-1]

    @property
    def failed(self) -> List[Dict[str, Any]]:
        """Task records that failed (ignored failures excluded)."""
        return [r for r in self.results if r["kind"] == "task" and r["status"] in ("failed", "unreachable")]

    def explain(self) -> str:
        """Text to show in an assertion message."""
        return f"rc={self.rc}\n--- command\n{' '.join(self.command)}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def make_collections_tree(root: Path) -> Path:
    """Create ``root/ansible_collections/alibabacloud/eflo`` as a symlink to this checkout; return root."""
    namespace = root / "ansible_collections" / "alibabacloud"
    namespace.mkdir(parents=True, exist_ok=True)
    link = namespace / "eflo"
    if not link.is_symlink():
        link.symlink_to(REPO_ROOT, target_is_directory=True)
    return root


def _ansible_playbook() -> str:
    """ansible-playbook next to this Python (the venv), else the first one on PATH."""
    candidate = Path(sys.executable).parent / "ansible-playbook"
    return str(candidate) if candidate.exists() else "ansible-playbook"


def _base_env(tree: Path, home: Path, results_file: Path) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_CREDENTIAL_ENV_PREFIXES) and not k.startswith("ANSIBLE_")}
    env.update({
        "HOME": str(home),  # no ~/.aliyun or ~/.alibabacloud credentials of the developer
        "LC_ALL": "C.UTF-8",
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
        "ANSIBLE_COLLECTIONS_PATH": str(tree),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_DIR),
        "ANSIBLE_CALLBACKS_ENABLED": "eflo_jsonl",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_LOCAL_TEMP": str(home / ".ansible" / "tmp"),
        "ANSIBLE_HOME": str(home / ".ansible"),
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "PYTHONDONTWRITEBYTECODE": "1",
        RESULTS_FILE_ENV: str(results_file),
    })
    return env


def _read_results(path: Path) -> List[Dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


RunPlaybook = Callable[..., PlaybookRun]


@pytest.fixture(scope="session")
def collections_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory usable as ANSIBLE_COLLECTIONS_PATH that resolves alibabacloud.eflo to this checkout."""
    return make_collections_tree(tmp_path_factory.mktemp("collections"))


@pytest.fixture
def run_playbook(collections_tree: Path, tmp_path: Path) -> RunPlaybook:
    """Return ``run_playbook(path, extra_vars=None, verbosity=0, env=None, check=False) -> PlaybookRun``.

    ``path`` is absolute or relative to the repository root (the subprocess runs there). The inventory holds
    only ``localhost`` (connection local, this venv's Python). The environment is the test process's minus
    ``ANSIBLE_*`` and Alibaba Cloud credential variables, with an empty HOME; ``env`` adds or overrides
    variables (e.g. ``simulator.env``).
    """
    counter = iter(range(1_000_000))
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n",
                         encoding="utf-8")

    def run(path: os.PathLike[str] | str, extra_vars: Optional[Mapping[str, Any]] = None, verbosity: int = 0,
            env: Optional[Mapping[str, str]] = None, check: bool = False) -> PlaybookRun:
        run_dir = tmp_path / f"run{next(counter)}"
        home = run_dir / "home"
        home.mkdir(parents=True)
        results_file = run_dir / "results.jsonl"
        command = [_ansible_playbook(), "-i", str(inventory), str(REPO_ROOT / path)]
        if extra_vars:
            command += ["--extra-vars", json.dumps(dict(extra_vars))]
        if verbosity:
            command.append("-" + "v" * verbosity)
        if check:
            command.append("--check")
        full_env = _base_env(collections_tree, home, results_file)
        full_env.update(env or {})
        proc = subprocess.run(command, cwd=REPO_ROOT, env=full_env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
        return PlaybookRun(rc=proc.returncode, stdout=proc.stdout, stderr=proc.stderr,
                           results=_read_results(results_file), command=command)

    return run
