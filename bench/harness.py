# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measurement plumbing of ``make bench``: the simulator, ansible-playbook runs, CPU / memory samplers.

Nothing here knows about the figures (see ``figures.py``). Every ``ansible-playbook`` run is a child of this
process; its CPU time is the ``rusage`` that ``os.wait4`` returns for it, which covers the whole process tree
(workers and module processes are waited for by their parents, so their time is folded in). Memory is
sampled from ``/proc`` every ``interval`` seconds over the whole tree (sum of RSS and of PSS; PSS counts a
page shared by the forked workers once, RSS once per process). The request rate is the simulator's own count
(``GET /_sim/requests``: requests per second, the exact peak over any sliding second, the first and last request
times), not a sample.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
PLAYBOOKS = BENCH / "playbooks"
CALLBACKS = BENCH / "callback_plugins"
PYTHON = sys.executable

DEMO_ACCESS_KEY_ID = "LTAI5tEfloSimulatorDemo"
DEMO_ACCESS_KEY_SECRET = "EfloSimulatorDemoSecret0000000000000"  # the simulator's public demo key, not a secret
DEMO_REGION = "cn-wulanchabu"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

_CREDENTIAL_ENV_PREFIXES = ("ALIBABA_CLOUD_", "ALIBABACLOUD_", "ALICLOUD_")


# ----------------------------------------------------------------------------------------------------------------
# the simulator
# ----------------------------------------------------------------------------------------------------------------


class Simulator:
    """A simulator process started on 127.0.0.1 with a free port, in its own process group."""

    def __init__(self, workdir: Path, speed: float = 1.0, seed: int = 1, quirk_rate: float = 0.2) -> None:
        self.workdir = workdir
        self.speed = speed
        workdir.mkdir(parents=True, exist_ok=True)
        ready = workdir / "ready"
        self.log_path = workdir / "simulator.log"
        command = [PYTHON, "-m", "eflo_simulator", "--host", "127.0.0.1", "--port", "0", "--ready-file", str(ready),
                   "--speed", str(speed), "--seed", str(seed), "--quirk-rate", str(quirk_rate)]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            cwd=workdir, start_new_session=True)
        deadline = time.monotonic() + 30
        while not (ready.exists() and ready.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the simulator did not start: " + self.log_path.read_text(errors="replace")[-2000:])
            time.sleep(0.02)
        self.url = ready.read_text().strip()
        self.host = self.url.split("//", 1)[1]
        self._local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(self.host, timeout=60)
        return conn

    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            conn = self._conn()
            try:
                conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
                resp = conn.getresponse()
                payload = resp.read()
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        if resp.status != 200:
            raise RuntimeError("%s %s -> HTTP %s: %s" % (method, path, resp.status, payload[:300]))
        return json.loads(payload)

    def reset(self) -> None:
        self.control("POST", "/_sim/reset", {})

    def create_tasks(self, **spec: Any) -> List[str]:
        return list(self.control("POST", "/_sim/tasks", spec)["task_ids"])

    def tasks(self) -> List[Dict[str, Any]]:
        return list(self.control("GET", "/_sim/tasks")["tasks"])

    def requests(self) -> Dict[str, Any]:
        return dict(self.control("GET", "/_sim/requests"))

    def describe_task_calls(self) -> int:
        per = self.requests()["by_action"].get("DescribeTask", {})
        return int(sum(per.values()))

    def clock_offset(self) -> float:
        """simulated - local wall clock, in seconds (at speed 1 this is the drift between the two clocks)."""
        before = time.time()
        simulated = float(self.control("GET", "/_sim/clock")["simulated"])
        after = time.time()
        return simulated - (before + after) / 2

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=10)
                return
            except subprocess.TimeoutExpired:
                continue


@contextlib.contextmanager
def simulator(workdir: Path, **kwargs: Any) -> Iterator[Simulator]:
    sim = Simulator(workdir, **kwargs)
    try:
        yield sim
    finally:
        sim.stop()


# ----------------------------------------------------------------------------------------------------------------
# /proc samplers
# ----------------------------------------------------------------------------------------------------------------


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of one live process (not its children)."""
    try:
        fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _children_map() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry.name, "rb") as handle:
                text = handle.read()
        except OSError:
            continue
        ppid = int(text.rsplit(b")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree_pids(root: int) -> List[int]:
    children = _children_map()
    pids, stack = [], [root]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        stack.extend(children.get(pid, ()))
    return pids


def _memory_kb(pid: int) -> Tuple[int, int]:
    """(RSS, PSS) of one process in KiB; (0, 0) when it is gone."""
    rss = pss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid, "rb") as handle:
            for line in handle:
                if line.startswith(b"Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        try:
            rss = int(Path("/proc/%d/statm" % pid).read_text().split()[1]) * PAGE_KB
            pss = rss
        except OSError:
            return 0, 0
    return rss, pss


class TreeMemorySampler(threading.Thread):
    """Peak of the summed RSS and PSS of a process tree, sampled every ``interval`` seconds."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.peak_rss_kb = 0
        self.peak_pss_kb = 0
        self.peak_processes = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pids = tree_pids(self.root)
            rss = pss = 0
            for pid in pids:
                one_rss, one_pss = _memory_kb(pid)
                rss += one_rss
                pss += one_pss
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


@dataclass(frozen=True)
class RequestRate:
    """What the simulator counted since its counters were cleared (``GET /_sim/requests``)."""

    total: int
    peak_1s: int  # most requests in any sliding 1 s window (exact)
    per_second: Tuple[Tuple[int, int], ...]  # (unix second, requests), seconds without requests left out
    first_at: Optional[float]  # time.time() of the first request
    last_at: Optional[float]

    @classmethod
    def of(cls, sim: "Simulator") -> "RequestRate":
        data = sim.requests()
        return cls(total=int(data["total"]), peak_1s=int(data["peak_1s"]),
                   per_second=tuple((int(s), int(c)) for s, c in data["per_second"]),
                   first_at=data.get("first_at"), last_at=data.get("last_at"))

    def sustained(self, seconds: int = 10) -> float:
        """The highest mean rate over ``seconds`` consecutive whole seconds (a busy stretch, not a burst)."""
        counts = dict(self.per_second)
        if not counts:
            return 0.0
        first, last = min(counts), max(counts)
        if last - first + 1 < seconds:
            return 0.0
        return max(sum(counts.get(s, 0) for s in range(start, start + seconds)) / seconds
                   for start in range(first, last - seconds + 2))


# ----------------------------------------------------------------------------------------------------------------
# ansible-playbook runs
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One measured ansible-playbook run."""

    rc: int
    wall: float
    user: float
    sys: float
    max_rss_kb: int  # largest single process of the tree (ru_maxrss from wait4)
    peak_tree_rss_kb: int
    peak_tree_pss_kb: int
    peak_processes: int
    started: float  # time.time() at the start
    events: List[Dict[str, Any]] = field(default_factory=list)
    output_tail: str = ""

    @property
    def cpu(self) -> float:
        return self.user + self.sys

    def results(self, task: str) -> List[Dict[str, Any]]:
        return [e for e in self.events if e["event"] == "result" and e["task"] == task]

    def task_seconds(self, task: str) -> float:
        """From the task's start to its last host result (callback wall clock)."""
        starts = [e["t"] for e in self.events if e["event"] == "task_start" and e["task"] == task]
        ends = [e["t"] for e in self.results(task)]
        if not starts or not ends:
            raise RuntimeError("task %r did not run:\n%s" % (task, self.output_tail))
        return max(ends) - starts[0]

    def last_result_time(self, task: str) -> float:
        ends = [e["t"] for e in self.results(task)]
        if not ends:
            raise RuntimeError("task %r has no result:\n%s" % (task, self.output_tail))
        return max(ends)


class Ansible:
    """ansible-playbook against this checkout (a collections tree linking to it), credentials of the simulator."""

    def __init__(self, workdir: Path, repo: Path = REPO) -> None:
        """``repo``: the collection checkout to run (another tree than this one: compare_cold_start.py)."""
        self.workdir = workdir
        self.repo = repo
        self.tree = workdir / "collections"
        namespace = self.tree / "ansible_collections" / "alibabacloud"
        namespace.mkdir(parents=True, exist_ok=True)
        link = namespace / "eflo"
        if not link.is_symlink():
            link.symlink_to(repo, target_is_directory=True)
        self.home = workdir / "home"
        self.home.mkdir(exist_ok=True)
        self.counter = 0
        candidate = Path(PYTHON).parent / "ansible-playbook"
        self.playbook_bin = str(candidate) if candidate.exists() else (shutil.which("ansible-playbook") or "ansible-playbook")

    def env(self, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_CREDENTIAL_ENV_PREFIXES) and not k.startswith("ANSIBLE_")}
        env.update({
            "HOME": str(self.home),
            "LC_ALL": "C.UTF-8",
            "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_ACCESS_KEY_SECRET,
            "ALIBABA_CLOUD_REGION_ID": DEMO_REGION,
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "ANSIBLE_COLLECTIONS_PATH": str(self.tree),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_timing",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_LOCAL_TEMP": str(self.home / ".ansible" / "tmp"),
            "ANSIBLE_REMOTE_TMP": str(self.home / ".ansible" / "remote_tmp"),
            "ANSIBLE_HOME": str(self.home / ".ansible"),
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_HOST_KEY_CHECKING": "false",
        })
        env.update(extra or {})
        return env

    def inventory(self, hosts: Sequence[Tuple[str, Mapping[str, Any]]]) -> Path:
        """An inventory of local-connection hosts using this Python, each with its host vars."""
        self.counter += 1
        path = self.workdir / ("inventory%d.yml" % self.counter)
        data = {"all": {"hosts": {name: dict(hostvars) for name, hostvars in hosts},
                        "vars": {"ansible_connection": "local", "ansible_python_interpreter": PYTHON}}}
        path.write_text(json.dumps(data))
        return path

    def localhost(self) -> Path:
        return self.inventory([("localhost", {})])

    def run(self, playbook: str, inventory: Path, extra_vars: Optional[Mapping[str, Any]] = None, forks: int = 5,
            env: Optional[Mapping[str, str]] = None, sample_memory: bool = True, timeout: float = 900) -> Run:
        self.counter += 1
        run_dir = self.workdir / ("run%d" % self.counter)
        run_dir.mkdir()
        timing = run_dir / "timing.jsonl"
        command = [self.playbook_bin, "-i", str(inventory), "-f", str(forks), str(PLAYBOOKS / playbook)]
        if extra_vars:
            vars_file = run_dir / "vars.json"
            vars_file.write_text(json.dumps(dict(extra_vars)))
            command += ["-e", "@" + str(vars_file)]
        full_env = self.env(env)
        full_env["EFLO_BENCH_TIMING_FILE"] = str(timing)
        out_path = run_dir / "output.txt"
        started = time.time()
        t0 = time.monotonic()
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(command, cwd=self.repo, env=full_env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeMemorySampler(proc.pid) if sample_memory else None
        if sampler:
            sampler.start()
        timer = threading.Timer(timeout, lambda: _kill(proc.pid))
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.stop()
        events = [json.loads(line) for line in timing.read_text().splitlines()] if timing.exists() else []
        output = out_path.read_text(errors="replace")
        return Run(
            rc=proc.returncode, wall=wall, user=usage.ru_utime, sys=usage.ru_stime, max_rss_kb=usage.ru_maxrss,
            peak_tree_rss_kb=sampler.peak_rss_kb if sampler else 0, peak_tree_pss_kb=sampler.peak_pss_kb if sampler else 0,
            peak_processes=sampler.peak_processes if sampler else 0, started=started, events=events, output_tail=output[-3000:],
        )


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def workdir(prefix: str = "eflo-bench-") -> tempfile.TemporaryDirectory:  # type: ignore[type-arg]
    return tempfile.TemporaryDirectory(prefix=prefix)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
