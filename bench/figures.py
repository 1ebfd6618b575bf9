# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The figures of ``make bench`` (issue 6). Each function returns a JSON-able dict; ``run.py`` prints and saves them.

1. poll cost          eflo_task_wait vs an ``until:`` loop over eflo_task_info, same task
2. batch scale        one eflo_task_wait over N tasks vs N hosts each running the until loop (forks 10)
3. detection latency  see detection.py (fake clock)
4. cold start         one eflo_task_info run vs one ansible.builtin.ping; import time of module_utils
5. simulator          simulator/bench/throughput.py with 1,000 live tasks
+  profiles           cProfile of the wait loop in-process and of one eflo_task_info module process
"""

from __future__ import annotations

import cProfile
import glob
import json
import os
import pstats
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import harness
from harness import Ansible, RequestRate, Run, Simulator, median

UNTIL_FORKS = 10
LONG_TASK_S = 7200.0


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def _calls_during(sim: Simulator, action: Callable[[], Run]) -> Tuple[Run, int]:
    before = sim.describe_task_calls()
    run = action()
    return run, sim.describe_task_calls() - before


def _summ(runs: Sequence[Run], calls: Sequence[int]) -> Dict[str, Any]:
    """Medians of several runs of one configuration (and every run's raw numbers)."""
    return {
        "runs": len(runs),
        "wall_s": _r(median([r.wall for r in runs])),
        "cpu_s": _r(median([r.cpu for r in runs])),
        "user_s": _r(median([r.user for r in runs])),
        "sys_s": _r(median([r.sys for r in runs])),
        "calls": median(list(calls)),
        "raw": [{"wall_s": _r(r.wall), "cpu_s": _r(r.cpu), "calls": c, "rc": r.rc} for r, c in zip(runs, calls)],
    }


# ----------------------------------------------------------------------------------------------------------------
# figure 1: poll cost
# ----------------------------------------------------------------------------------------------------------------


def figure1(sim: Simulator, ansible: Ansible, repeats: int, until_polls: Tuple[int, int] = (1, 4),
            wait_polls: int = 4, wait_many_tasks: int = 10, wait_many_timeout: float = 3.0) -> Dict[str, Any]:
    """CPU and wall per poll of never-finishing tasks; marginal cost from two poll counts of each variant.

    until: retries = P - 1, delay 0, a condition that never holds (P module runs). wait: one task, delay =
    max_delay = 0.1 s and a timeout of (P - 1) * 0.1 s (about P polls: the same task and about the same
    number of polls as the larger until run), and a second wait over ``wait_many_tasks`` never-finishing
    tasks with a 10 ms delay for ``wait_many_timeout`` s (a thousand or more polls: a per-poll cost of a
    millisecond or two only stands out of the run-to-run noise of ansible-playbook over that many polls).
    """
    sim.reset()
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=LONG_TASK_S)[0]
    many_ids = sim.create_tasks(task_type="reclone_node", duration_s=LONG_TASK_S, count=wait_many_tasks)
    until_inv = ansible.inventory([("h1", {"bench_task_id": task_id})])
    wait_inv = ansible.localhost()
    base = {"eflo_endpoint": sim.url}
    configs: Dict[str, Callable[[], Run]] = {}
    for polls in until_polls:
        configs["until_%d" % polls] = lambda p=polls: ansible.run(  # type: ignore[misc]
            "until.yml", until_inv, dict(base, bench_retries=p - 1, bench_delay=0, bench_until_never=True))
    wait_args = dict(base, bench_task_ids=[task_id], bench_max_rate=1000, bench_ignore_errors=True)
    configs["wait_%d" % wait_polls] = lambda: ansible.run(
        "wait.yml", wait_inv, dict(wait_args, bench_timeout=_r((wait_polls - 1) * 0.1), bench_delay=0.1, bench_max_delay=0.1))
    configs["wait_many"] = lambda: ansible.run(
        "wait.yml", wait_inv, dict(wait_args, bench_task_ids=many_ids, bench_timeout=wait_many_timeout, bench_delay=0.01,
                                   bench_max_delay=0.01))
    configs["noop"] = lambda: ansible.run("noop.yml", wait_inv)
    measured: Dict[str, Dict[str, Any]] = {}
    for name in configs:
        measured[name] = {"runs": [], "calls": []}
    for _repeat in range(repeats):  # interleaved, so that a busy moment of the machine hits every variant alike
        for name, action in configs.items():
            run, calls = _calls_during(sim, action)
            measured[name]["runs"].append(run)
            measured[name]["calls"].append(calls)
    out: Dict[str, Any] = {name: _summ(m["runs"], m["calls"]) for name, m in measured.items()}
    u_small, u_large = out["until_%d" % until_polls[0]], out["until_%d" % until_polls[1]]
    w_same, w_many = out["wait_%d" % wait_polls], out["wait_many"]
    for key in ("until_%d" % until_polls[0], "until_%d" % until_polls[1], "wait_%d" % wait_polls, "wait_many"):
        row = out[key]
        row["cpu_per_poll_gross_s"] = _r(row["cpu_s"] / max(row["calls"], 1), 4)
        row["wall_per_poll_gross_s"] = _r(row["wall_s"] / max(row["calls"], 1), 4)
    until_cpu = (u_large["cpu_s"] - u_small["cpu_s"]) / max(u_large["calls"] - u_small["calls"], 1)
    until_wall = (u_large["wall_s"] - u_small["wall_s"]) / max(u_large["calls"] - u_small["calls"], 1)
    wait_cpu = (w_many["cpu_s"] - w_same["cpu_s"]) / max(w_many["calls"] - w_same["calls"], 1)
    wait_wall = (w_many["wall_s"] - w_same["wall_s"]) / max(w_many["calls"] - w_same["calls"], 1)
    # wall per poll of the wait: one task polled every 0.1 s; from the result's own elapsed and polls, minus the delays
    singles = []
    for run in measured["wait_%d" % wait_polls]["runs"]:
        for result in run.results("Wait"):
            if result.get("polls"):
                singles.append(max(float(result["elapsed"]) - (int(result["polls"]) - 1) * 0.1, 0.0) / int(result["polls"]))
    wait_poll_wall = median(singles) if singles else 0.0
    out["marginal"] = {
        "until_cpu_per_poll_s": _r(until_cpu, 4),
        "until_wall_per_poll_s": _r(until_wall, 4),
        "wait_cpu_per_poll_s": _r(wait_cpu, 5),
        "wait_wall_per_poll_batch_s": _r(wait_wall, 5),
        "wait_wall_per_poll_single_s": _r(wait_poll_wall, 4),
        "cpu_ratio": _r(until_cpu / wait_cpu, 1) if wait_cpu > 0 else None,
        "wall_ratio_single": _r(until_wall / wait_poll_wall, 1) if wait_poll_wall > 0 else None,
        "note": "until: (CPU, wall) difference between %d and %d module runs; wait CPU: difference between %d polls of one task "
                "and about a thousand polls of %d tasks (8 threads); wait wall (single): one task polled every 0.1 s, "
                "the result's elapsed minus the delays, per poll" % (until_polls[0], until_polls[1], wait_polls, wait_many_tasks),
    }
    out["same_polls"] = {
        "polls": [u_large["calls"], w_same["calls"]],
        "cpu_s": [u_large["cpu_s"], w_same["cpu_s"]],
        "cpu_ratio_gross": _r(u_large["cpu_s"] / w_same["cpu_s"], 2),
        "cpu_ratio_net_of_noop": _r((u_large["cpu_s"] - out["noop"]["cpu_s"]) / max(w_same["cpu_s"] - out["noop"]["cpu_s"], 1e-3), 1),
    }
    ratio = out["marginal"]["cpu_ratio"]
    out["target"] = {"what": "at least 20x less CPU per poll (marginal)", "met": None if ratio is None else ratio >= 20}
    return out


# ----------------------------------------------------------------------------------------------------------------
# figure 2: batch scale
# ----------------------------------------------------------------------------------------------------------------


def _batch_tasks(sim: Simulator, count: int, first_end: float, last_end: float, groups: int = 10) -> List[str]:
    """``count`` tasks whose ends are spread over [first_end, last_end] s from now in ``groups`` groups, interleaved."""
    per_group: List[List[str]] = []
    groups = min(groups, count)
    for g in range(groups):
        size = count // groups + (1 if g < count % groups else 0)
        duration = first_end + (last_end - first_end) * g / max(groups - 1, 1)
        per_group.append(sim.create_tasks(task_type="reclone_node", count=size, duration_s=duration, node_count=2))
    ids: List[str] = []
    for i in range(max(len(g) for g in per_group)):
        ids.extend(g[i] for g in per_group if i < len(g))
    return ids


def _last_end_local(sim: Simulator, ids: Sequence[str]) -> float:
    wanted = set(ids)
    ends = [t["ends"] for t in sim.tasks() if t["task_id"] in wanted]
    return max(ends) - sim.clock_offset()


def batch_run(sim: Simulator, ansible: Ansible, variant: str, count: int, settings: Mapping[str, Any]) -> Dict[str, Any]:
    sim.reset()
    ids = _batch_tasks(sim, count, settings["first_end_s"], settings["last_end_s"])
    last_end = _last_end_local(sim, ids)
    base = {"eflo_endpoint": sim.url}
    sim_cpu = sim.cpu_seconds()
    sim.control("DELETE", "/_sim/requests")  # the simulator's request counts and rates now cover this run only
    if variant == "wait":
        extra = dict(base, bench_task_ids=ids, bench_timeout=settings["timeout_s"], bench_delay=settings["delay_s"],
                     bench_max_delay=settings["max_delay_s"], bench_max_rate=settings["max_rate"],
                     bench_task_details=settings.get("task_details", "full"))
        run, calls = _calls_during(sim, lambda: ansible.run("wait.yml", ansible.localhost(), extra))
        task = "Wait"
    else:
        inventory = ansible.inventory([("h%04d" % i, {"bench_task_id": task_id}) for i, task_id in enumerate(ids)])
        extra = dict(base, bench_retries=int(settings["timeout_s"] / settings["until_delay_s"]), bench_delay=settings["until_delay_s"])
        run, calls = _calls_during(sim, lambda: ansible.run("until.yml", inventory, extra, forks=UNTIL_FORKS))
        task = "Until"
    rate = RequestRate.of(sim)
    failed = [e for e in run.results(task) if e["status"] != "ok"]
    engine = [float(e["elapsed"]) for e in run.results(task) if variant == "wait" and isinstance(e.get("elapsed"), (int, float))]
    out: Dict[str, Any] = {
        "rc": run.rc,
        "failed_hosts": len(failed),
        "wall_s": _r(run.wall),
        "cpu_s": _r(run.cpu),
        "calls": calls,
        "calls_per_task": _r(calls / count, 2),
        "peak_rate_per_s": rate.peak_1s,  # the simulator's exact count over any sliding second
        "sustained_rate_per_s": _r(rate.sustained(10), 1),  # busiest 10 whole seconds
        "peak_tree_pss_mb": _r(run.peak_tree_pss_kb / 1024, 1),
        "peak_tree_rss_mb": _r(run.peak_tree_rss_kb / 1024, 1),
        "max_process_rss_mb": _r(run.max_rss_kb / 1024, 1),
        "peak_processes": run.peak_processes,
        "after_last_end_s": _r(run.last_result_time(task) - last_end, 2),
        "simulator_cpu_s": _r(sim.cpu_seconds() - sim_cpu, 2),
        "result_kb": _r(sum(e.get("result_bytes", 0) for e in run.results(task)) / 1024, 1),
        "task_wall_s": _r(run.task_seconds(task), 2),
        "output_tail": run.output_tail[-600:] if run.rc != 0 or failed else "",
        "first_failure": str(failed[0].get("msg", ""))[:300] if failed else "",
        # the wait task's wall minus the engine's own elapsed: argument handling, client set-up, result transfer/callbacks
        "ansible_overhead_s": _r(run.task_seconds(task) - engine[0], 2) if engine else None,
    }
    first_call = rate.first_at
    if engine and first_call is not None:
        # the engine's end = its first call (the simulator's time of it) + its own elapsed
        engine_end = first_call + engine[0]
        out["engine_return_after_last_end_s"] = _r(engine_end - last_end, 2)
        out["result_delivery_s"] = _r(run.last_result_time(task) - engine_end, 2)
    return out


def _median_rows(rows: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    keys = ("wall_s", "cpu_s", "calls", "calls_per_task", "peak_rate_per_s", "sustained_rate_per_s", "peak_tree_pss_mb",
            "peak_tree_rss_mb", "max_process_rss_mb", "after_last_end_s", "simulator_cpu_s", "result_kb", "task_wall_s")
    out: Dict[str, Any] = {k: _r(median([float(r[k]) for r in rows]), 3) for k in keys}
    out["peak_rate_per_s"] = max(float(r["peak_rate_per_s"]) for r in rows)  # the highest any run saw
    out["runs"] = len(rows)
    out["rc"] = [r["rc"] for r in rows]
    out["failed_hosts"] = max(r["failed_hosts"] for r in rows)
    for key in ("ansible_overhead_s", "engine_return_after_last_end_s", "result_delivery_s"):
        values = [float(r[key]) for r in rows if r.get(key) is not None]
        out[key] = _r(median(values), 2) if values else None
    out["raw"] = [{k: v for k, v in r.items() if k != "output_tail"} for r in rows]
    tails = [r["output_tail"] for r in rows if r["output_tail"]]
    if tails:
        out["output_tail"] = tails[0]
    failures = [r["first_failure"] for r in rows if r.get("first_failure")]
    if failures:
        out["first_failure"] = failures[0]
    return out


def figure2(sim: Simulator, ansible: Ansible, repeats: int, sizes: Sequence[int], until_sizes: Mapping[int, int],
            settings: Mapping[str, Any], noop_pss_mb: float, cap: Mapping[str, Any]) -> Dict[str, Any]:
    """``until_sizes``: N -> runs of the until variant (0: not run). ``cap``: one more wait run (``n``
    tasks) with a ``max_rate`` low enough to bind, to check the simulator never sees more."""
    out: Dict[str, Any] = {"settings": dict(settings), "until_forks": UNTIL_FORKS, "rows": {}}
    cap_row = batch_run(sim, ansible, "wait", int(cap["n"]), dict(settings, max_rate=cap["max_rate"]))
    out["cap_check"] = dict({k: v for k, v in cap_row.items() if k != "output_tail"}, n=cap["n"], max_rate=cap["max_rate"])
    if settings.get("task_details", "full") != "full":
        # the same wait with the default task_details: full, for the before/after of the result's size and memory
        full_rows = [batch_run(sim, ansible, "wait", int(cap["n"]), dict(settings, task_details="full")) for _repeat in range(repeats)]
        out["full_details_check"] = dict(_median_rows(full_rows), n=cap["n"])
    for count in sizes:
        wait_rows = [batch_run(sim, ansible, "wait", count, settings) for _repeat in range(repeats)]
        row: Dict[str, Any] = {"wait": _median_rows(wait_rows)}
        runs = until_sizes.get(count, 0)
        if runs:
            row["until"] = _median_rows([batch_run(sim, ansible, "until", count, settings) for _repeat in range(runs)])
        out["rows"][str(count)] = row
    waits = {int(n): r["wait"] for n, r in out["rows"].items()}
    counts = sorted(waits)
    per_task = {n: _r((waits[n]["peak_tree_pss_mb"] - noop_pss_mb) * 1024 / n, 1) for n in counts}
    out["memory"] = {
        "noop_playbook_pss_mb": noop_pss_mb,
        "wait_pss_above_noop_kb_per_task": per_task,
        "wait_marginal_kb_per_task": {
            "%d->%d" % (a, b): _r((waits[b]["peak_tree_pss_mb"] - waits[a]["peak_tree_pss_mb"]) * 1024 / (b - a), 1)
            for a, b in zip(counts, counts[1:])
        },
    }
    biggest = counts[-1]
    out["targets"] = {
        "finish_within_2s_of_last_end": {
            "n": biggest, "after_last_end_s": waits[biggest]["after_last_end_s"], "met": waits[biggest]["after_last_end_s"] <= 2.0},
        "rate_never_above_max_rate": {
            "max_rate": cap["max_rate"], "peak": cap_row["peak_rate_per_s"],
            "met": cap_row["peak_rate_per_s"] <= cap["max_rate"] and all(w["peak_rate_per_s"] <= settings["max_rate"] for w in waits.values())},
        "memory_sublinear": _memory_verdict({n: waits[n]["peak_tree_pss_mb"] for n in counts},
                                            {n: [float(r["peak_tree_pss_mb"]) for r in waits[n]["raw"]] for n in counts}),
    }
    return out


def _memory_verdict(pss_mb: Mapping[int, float], runs_mb: Optional[Mapping[int, Sequence[float]]] = None) -> Dict[str, Any]:
    """Sub-linear beyond the base: the memory each extra task adds falls as N grows.

    Judged over the widest spans (the 10 -> 100 step alone is within the noise of the samples): KiB per task
    from the middle size to the largest must be at most 0.8 x the average from the smallest to the largest
    (linear growth gives 1.0; logarithmic about 0.55). With ``runs_mb`` (each run's peak PSS per size), the rule
    must also hold against the run-to-run spread: the steepest tail the runs allow (largest size's highest run
    minus the middle size's lowest) against the flattest average (largest size's lowest run minus the smallest
    size's highest). Otherwise a difference smaller than the noise could pass or fail by chance.
    """
    counts = sorted(pss_mb)
    if len(counts) < 3:
        return {"met": None, "rule": "needs three sizes"}
    small, middle, large = counts[0], counts[-2], counts[-1]
    whole = (pss_mb[large] - pss_mb[small]) * 1024 / (large - small)
    tail = (pss_mb[large] - pss_mb[middle]) * 1024 / (large - middle)
    out: Dict[str, Any] = {"kb_per_task_%d_to_%d" % (small, large): _r(whole, 1), "kb_per_task_%d_to_%d" % (middle, large): _r(tail, 1),
                           "met_on_medians": tail <= 0.8 * whole,
                           "rule": "KiB/task (middle -> largest) <= 0.8 x KiB/task (smallest -> largest), on the medians and against the runs' spread"}
    met = out["met_on_medians"]
    if runs_mb and all(runs_mb.get(n) for n in (small, middle, large)):
        steep = (max(runs_mb[large]) - min(runs_mb[middle])) * 1024 / (large - middle)
        flat = (min(runs_mb[large]) - max(runs_mb[small])) * 1024 / (large - small)
        out.update({"kb_per_task_tail_steepest": _r(steep, 1), "kb_per_task_whole_flattest": _r(flat, 1),
                    "met_against_spread": steep <= 0.8 * flat})
        met = met and out["met_against_spread"]
    out["met"] = met
    return out


def extrapolate_until(rows: Mapping[str, Any], small: int, large: int) -> Dict[str, Any]:
    """The until variant at ``large`` hosts estimated from the measured ``small`` run (linear in hosts beyond the first wave).

    With forks 10, the first UNTIL_FORKS hosts poll until their tasks end and every later host finds its task
    finished (the tasks all started together): it costs one module run. So cost(large) ~= cost(small) +
    (large - small) * cost of one extra host, the latter taken as (cost(small) - cost(first wave)) / (small - forks).
    """
    measured = rows[str(small)]["until"]
    first = rows.get(str(UNTIL_FORKS), {}).get("until")
    if first is None:
        return {}
    scale = (large - small) / max(small - UNTIL_FORKS, 1)
    est = {}
    for key in ("wall_s", "cpu_s", "calls"):
        per_host_block = measured[key] - first[key]
        est[key] = _r(measured[key] + per_host_block * scale, 1)
    est["note"] = ("estimated, not measured: %d hosts x (one module run each beyond the first %d) from the measured "
                   "N=%d and N=%d runs; run `.venv/bin/python bench/run.py --full` to measure it" % (large, UNTIL_FORKS, UNTIL_FORKS, small))
    return est


# ----------------------------------------------------------------------------------------------------------------
# figure 4: cold start
# ----------------------------------------------------------------------------------------------------------------

IMPORT_INFO = "import ansible_collections.alibabacloud.eflo.plugins.modules.eflo_task_info"
IMPORT_BASIC = "import ansible.module_utils.basic"
IMPORT_UTILS = ("import ansible_collections.alibabacloud.eflo.plugins.module_utils.options, "
                "ansible_collections.alibabacloud.eflo.plugins.module_utils.models")


def importtime(code: str, tree: Path, repeats: int) -> Dict[str, Any]:
    """``python -X importtime -c CODE``: median total (ms) and the heaviest imports (cumulative and self).

    With a warm bytecode cache (``PYTHONPYCACHEPREFIX`` in the bench's temp dir, one untimed run first), so this
    is the cost of executing the imports; AnsiballZ also compiles the collection's sources on every run (it
    imports them from a zip without bytecode), which ``profile_module`` measures.
    """
    totals: List[int] = []
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONPYCACHEPREFIX=str(tree.parent / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True)
    best: List[Tuple[int, int, str]] = []
    for _repeat in range(repeats):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env, check=True)
        rows = []
        for line in proc.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
            if match:
                rows.append((int(match.group(1)), int(match.group(2)), len(match.group(3)), match.group(4)))
        top_level = [r for r in rows if r[2] == 1]
        totals.append(sum(r[1] for r in top_level))
        if totals[-1] == min(totals):
            best = [(r[0], r[1], r[3]) for r in rows]
    heavy_cum = sorted(best, key=lambda r: -r[1])[:12]  # from the fastest run: the least disturbed by other load
    heavy_self = sorted(best, key=lambda r: -r[0])[:12]
    return {
        "best_ms": _r(min(totals) / 1000, 1),
        "median_ms": _r(median(totals) / 1000, 1),
        "runs_ms": [_r(t / 1000, 1) for t in totals],
        "top_cumulative_ms": [[name, _r(cum / 1000, 1)] for _s, cum, name in heavy_cum],
        "top_self_ms": [[name, _r(own / 1000, 1)] for own, _c, name in heavy_self],
    }


def _task_seconds(runs: Sequence[Run], task: str) -> float:
    return median([r.task_seconds(task) for r in runs])


COLD_START_TARGET = 2.2  # module runs import httpx and pydantic: the one transport and the one reader


def figure4(sim: Simulator, ansible: Ansible, repeats: int) -> Dict[str, Any]:
    sim.reset()
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=LONG_TASK_S)[0]
    inv = ansible.localhost()
    runs: Dict[str, List[Run]] = {"noop": [], "ping": [], "info": []}
    for _repeat in range(repeats):
        runs["noop"].append(ansible.run("noop.yml", inv))
        runs["ping"].append(ansible.run("ping.yml", inv))
        runs["info"].append(ansible.run("info_once.yml", inv, {"eflo_endpoint": sim.url, "bench_task_id": task_id}))
    out: Dict[str, Any] = {}
    for name, task in (("noop", "Noop"), ("ping", "Ping"), ("info", "Info")):
        rs = runs[name]
        out[name] = {"playbook_wall_s": _r(median([r.wall for r in rs])), "playbook_cpu_s": _r(median([r.cpu for r in rs])),
                     "task_wall_s": _r(_task_seconds(rs, task)), "peak_tree_pss_mb": _r(median([r.peak_tree_pss_kb for r in rs]) / 1024, 1),
                     "rc": [r.rc for r in rs]}
    noop, ping, info = out["noop"], out["ping"], out["info"]
    out["ratios"] = {
        "playbook_wall": _r(info["playbook_wall_s"] / ping["playbook_wall_s"], 2),
        "playbook_cpu": _r(info["playbook_cpu_s"] / ping["playbook_cpu_s"], 2),
        "task_wall": _r(info["task_wall_s"] / ping["task_wall_s"], 2),
        "module_cpu_above_noop": _r((info["playbook_cpu_s"] - noop["playbook_cpu_s"]) / max(ping["playbook_cpu_s"] - noop["playbook_cpu_s"], 1e-3), 2),
    }
    out["target"] = {"what": "eflo_task_info's module CPU (above the noop playbook) at most %.1fx ansible.builtin.ping's" % COLD_START_TARGET,
                     "met": out["ratios"]["module_cpu_above_noop"] <= COLD_START_TARGET}
    return out


def figure4_imports(tree: Path, repeats: int) -> Dict[str, Any]:
    return {
        "eflo_task_info_module": importtime(IMPORT_INFO, tree, repeats),
        "module_utils_options_models": importtime(IMPORT_UTILS, tree, repeats),
        "ansible_module_utils_basic (ping's import)": importtime(IMPORT_BASIC, tree, repeats),
    }


# ----------------------------------------------------------------------------------------------------------------
# figure 5: simulator throughput
# ----------------------------------------------------------------------------------------------------------------


def figure5(duration: float) -> Dict[str, Any]:
    script = harness.REPO / "simulator" / "bench" / "throughput.py"
    if not script.exists():
        return {"error": "simulator/bench/throughput.py is missing"}
    proc = subprocess.run([sys.executable, str(script), "--tasks", "1000", "--duration", str(duration)],
                          capture_output=True, text=True, cwd=harness.REPO, timeout=300, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"error": "throughput.py exited %s: %s" % (proc.returncode, (proc.stderr or proc.stdout)[-500:])}
    return dict(json.loads(lines[-1]), rc=proc.returncode)


# ----------------------------------------------------------------------------------------------------------------
# profiles
# ----------------------------------------------------------------------------------------------------------------

BUCKETS = (
    ("signing (signer.py, hmac, hashlib)", ("module_utils/signer.py", "hmac.py", "_hashlib", "{built-in method _hashlib", "uuid.py")),
    ("credentials/options", ("module_utils/credentials.py", "module_utils/options.py")),
    ("HTTP client (httpx, httpcore, h11)", ("httpx/", "httpcore/", "h11/", "anyio/", "sniffio")),
    ("sockets and waiting (socket, selectors, ssl)", ("socket.py", "selectors.py", "ssl.py", "{method 'recv", "{method 'send",
                                                      "{method 'poll' of 'select", "{method 'connect", "_socket")),
    ("parsing (models.py, lenient.py, pydantic, json)", ("module_utils/models.py", "module_utils/lenient.py", "pydantic", "json/", "_json")),
    ("client.py (request building, errors)", ("module_utils/client.py", "module_utils/retry.py", "module_utils/errors.py")),
    ("wait engine and progress (waiter.py, progress.py)", ("plugin_utils/waiter.py", "plugin_utils/progress.py", "heapq")),
    ("imports and compile", ("<frozen importlib", "zipimport", "{built-in method builtins.compile", "{built-in method marshal",
                             "{built-in method _imp", "{built-in method builtins.exec", "{built-in method _io.open_code")),
    ("Ansible (module_utils.basic, argspec validation)", ("ansible/module_utils", "ansible/")),
    ("sleep / lock wait", ("{built-in method time.sleep", "{method 'acquire'", "threading.py")),
)


def bucket_profile(stats: pstats.Stats) -> Tuple[Dict[str, float], List[List[Any]]]:
    """Own time per bucket (ms) and the 15 functions with the most own time."""
    totals: Dict[str, float] = {}
    top: List[Tuple[float, str, int]] = []
    for (filename, line, name), (_cc, ncalls, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        label = "%s:%d(%s)" % (filename, line, name)
        bucket = "other"
        for title, needles in BUCKETS:
            if any(n in label for n in needles):
                bucket = title
                break
        totals[bucket] = totals.get(bucket, 0.0) + tottime
        top.append((tottime, label, ncalls))
    top.sort(reverse=True)
    short = [[_r(t * 1000, 1), re.sub(r"^.*/(site-packages|lib/python3\.\d+|eflo)/", "", label), n] for t, label, n in top[:15]]
    return {k: _r(v * 1000, 1) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}, short


def profile_wait_loop(sim: Simulator, tree: Path, count: int, settings: Mapping[str, Any]) -> Dict[str, Any]:
    """The action plugin's poll loop in this process (no Ansible executor): engine + Poller + real client.

    Run twice: with the plugin's thread pool (CPU per poll, wall) and single-threaded under cProfile (where
    the CPU time goes; cProfile sees only the calling thread, and its timer here is that thread's CPU time).
    """
    sys.path.insert(0, str(tree))
    from ansible_collections.alibabacloud.eflo.plugins.action import eflo_task_wait as plugin  # noqa: E402
    from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import waiter  # noqa: E402
    from ansible_collections.alibabacloud.eflo.plugins.module_utils.options import build_client_with_credentials  # noqa: E402

    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": harness.DEMO_ACCESS_KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": harness.DEMO_ACCESS_KEY_SECRET,
           "ALIBABA_CLOUD_REGION_ID": harness.DEMO_REGION, "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}
    params = {"endpoint": sim.url, "region_id": harness.DEMO_REGION, "retries": 0, "network": "public", "signature_version": "v3",
              "validate_certs": True, "connect_timeout": 5.0, "read_timeout": 10.0}
    config = waiter.WaitConfig(timeout=settings["timeout_s"], delay=settings["delay_s"], max_delay=settings["max_delay_s"],
                               max_rate=settings["max_rate"], heartbeat_interval=0)
    out: Dict[str, Any] = {"tasks": count, "settings": dict(settings)}
    for mode in ("threads", "profiled"):
        sim.reset()
        ids = _batch_tasks(sim, count, settings["first_end_s"], settings["last_end_s"])
        last_end = _last_end_local(sim, ids)
        client, _creds = build_client_with_credentials(dict(params), env, str(Path.home()), user_agent="bench")
        workers = plugin.poll_workers(config.max_rate) if mode == "threads" else 1
        poller = plugin.Poller(client, workers)
        # timer = this thread's CPU time: the profile shows where the CPU goes, not the waits for the server
        profiler = cProfile.Profile(time.thread_time) if mode == "profiled" else None
        cpu0, wall0 = time.process_time(), time.monotonic()
        try:
            if profiler:
                profiler.enable()
            outcome = waiter.wait_for_tasks(ids, poller, config, clock=time.monotonic, sleep=time.sleep, rng=random.Random(1))
        finally:
            if profiler:
                profiler.disable()
            poller.close()
            client.close()
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        row = {"status": outcome.status, "polls": outcome.polls, "wall_s": _r(wall, 2), "cpu_s": _r(cpu, 2),
               "after_last_end_s": _r(time.time() - last_end, 2),
               "cpu_per_poll_ms": _r(cpu * 1000 / max(outcome.polls, 1), 3), "workers": workers}
        if profiler:
            stats = pstats.Stats(profiler)
            buckets, top = bucket_profile(stats)
            row["own_time_ms_by_bucket"] = buckets
            row["top_own_time"] = top
            row["per_poll_cumulative_ms"] = per_poll_breakdown(stats, outcome.polls)
        out[mode] = row
    return out


PROFILE_RUNNER = """
import cProfile, runpy, sys
profiler = cProfile.Profile()
profiler.enable()
try:
    runpy.run_path(sys.argv[1], run_name="__main__")
except SystemExit:
    pass
finally:
    profiler.disable()
    profiler.dump_stats(sys.argv[2])
"""


POLL_STEPS = (
    ("whole poll (Poller.poll_one)", "action/eflo_task_wait.py", "poll_one"),
    ("EfloClient.describe_task", "module_utils/client.py", "describe_task"),
    ("  signing (EfloClient._sign)", "module_utils/client.py", "_sign"),
    ("  request building (httpx Client.build_request)", "httpx/_client.py", "build_request"),
    ("  HTTP exchange (EfloClient._exchange: httpx send + read)", "module_utils/client.py", "_exchange"),
    ("  JSON + error checks (EfloClient._success)", "module_utils/client.py", "_success"),
    ("models.read_task (pydantic validation)", "module_utils/models.py", "read_task"),
    ("models.task_to_dict", "module_utils/models.py", "task_to_dict"),
    ("engine bookkeeping per answer (_Waiter.on_task)", "plugin_utils/waiter.py", "on_task"),
)


def per_poll_breakdown(stats: pstats.Stats, polls: int) -> List[List[Any]]:
    """Cumulative CPU ms per poll of the steps of one poll (single thread, cProfile with a CPU-time timer: its own
    overhead inflates the absolute numbers about 2x; the proportions hold)."""
    rows = []
    for title, path, func in POLL_STEPS:
        total = sum(ct for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()  # type: ignore[attr-defined]
                    if name == func and filename.endswith(path))
        rows.append([title, _r(total * 1000 / max(polls, 1), 3)])
    return rows


def profile_module(sim: Simulator, ansible: Ansible, repeats: int) -> Dict[str, Any]:
    """One eflo_task_info and one ping module process (their kept AnsiballZ files), timed and profiled."""
    sim.reset()
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=LONG_TASK_S)[0]
    inv = ansible.localhost()
    keep = {"ANSIBLE_KEEP_REMOTE_FILES": "1"}
    remote = ansible.home / ".ansible" / "remote_tmp"
    found: Dict[str, str] = {}
    for name, playbook, extra in (("eflo_task_info", "info_once.yml", {"eflo_endpoint": sim.url, "bench_task_id": task_id}),
                                  ("ping", "ping.yml", {})):
        before = set(glob.glob(str(remote / "*" / "AnsiballZ_*.py")))
        ansible.run(playbook, inv, extra, env=keep, sample_memory=False)
        new = sorted(set(glob.glob(str(remote / "*" / "AnsiballZ_*.py"))) - before)
        if new:
            found[name] = new[-1]
    env = ansible.env()
    out: Dict[str, Any] = {}
    for name, path in found.items():
        walls, cpus = [], []
        for _repeat in range(repeats):
            before = os.times()
            t0 = time.monotonic()
            subprocess.run([harness.PYTHON, path], capture_output=True, env=env, check=False)
            walls.append(time.monotonic() - t0)
            after = os.times()
            cpus.append((after.children_user - before.children_user) + (after.children_system - before.children_system))
        prof = Path(path + ".prof")
        runner = Path(path).with_name("bench_profile_runner.py")  # next to the AnsiballZ file: it drops its own dir from sys.path
        runner.write_text(PROFILE_RUNNER)
        subprocess.run([harness.PYTHON, str(runner), path, str(prof)], capture_output=True, env=env, check=False)
        imp = subprocess.run([harness.PYTHON, "-X", "importtime", path], capture_output=True, text=True, env=env, check=False)
        total_import_us = sum(int(m.group(1)) for m in re.finditer(r"import time:\s+\d+ \|\s+(\d+) \| \S", imp.stderr))
        row: Dict[str, Any] = {"wall_s": _r(median(walls)), "cpu_s": _r(median(cpus)), "imports_ms": _r(total_import_us / 1000, 1)}
        if prof.exists():
            stats = pstats.Stats(str(prof))
            buckets, top = bucket_profile(stats)
            row["own_time_ms_by_bucket"] = buckets
            row["top_own_time"] = top
            row["top_cumulative"] = _top_cumulative(stats)
        out[name] = row
    if "eflo_task_info" in out and "ping" in out:
        out["ratio_wall"] = _r(out["eflo_task_info"]["wall_s"] / out["ping"]["wall_s"], 2)
        out["ratio_cpu"] = _r(out["eflo_task_info"]["cpu_s"] / max(out["ping"]["cpu_s"], 1e-3), 2)
    return out


def _top_cumulative(stats: pstats.Stats, wanted: Sequence[str] = (
        "eflo/plugins/module_utils/", "eflo/plugins/modules/", "module_utils/basic.py", "httpx/_client.py", "httpx/_config.py", "ssl.py")) -> List[List[Any]]:
    rows = []
    for (filename, line, name), (_cc, ncalls, _tt, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if any(w in filename for w in wanted) and name != "<module>":
            short = re.sub(r"^.*/(site-packages|lib/python3\.\d+)/", "", filename.split("ansible_collections/")[-1])
            rows.append((cumtime, "%s:%d(%s)" % (short, line, name), ncalls))
    rows.sort(reverse=True)
    return [[_r(c * 1000, 1), label, n] for c, label, n in rows[:15]]


def memory_probe(sim: Simulator, tree: Path, sizes: Sequence[int], settings: Mapping[str, Any],
                 details: Sequence[str] = ("full", "summary")) -> Dict[str, Any]:
    """Python heap of the wait loop in-process (tracemalloc): what the engine itself keeps per task, for each
    ``task_details``.

    ``heap_after_kb`` is measured after ``to_result()`` with the outcome and the result alive, as in the action
    plugin; ``records_kb`` is what the outcome alone keeps (measured after dropping the result). Compared with
    figure 2's PSS of the ansible-playbook tree, the difference is what Ansible's handling of the returned
    result costs. Slow (tracemalloc); only with ``--memory-probe``.
    """
    import gc  # pylint: disable=import-outside-toplevel
    import tracemalloc  # pylint: disable=import-outside-toplevel

    sys.path.insert(0, str(tree))
    from ansible_collections.alibabacloud.eflo.plugins.action import eflo_task_wait as plugin  # noqa: E402
    from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import waiter  # noqa: E402
    from ansible_collections.alibabacloud.eflo.plugins.module_utils.options import build_client_with_credentials  # noqa: E402

    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": harness.DEMO_ACCESS_KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": harness.DEMO_ACCESS_KEY_SECRET}
    params = {"endpoint": sim.url, "region_id": harness.DEMO_REGION, "retries": 0}
    config = waiter.WaitConfig(timeout=settings["timeout_s"], delay=settings["delay_s"], max_delay=settings["max_delay_s"],
                               max_rate=settings["max_rate"], heartbeat_interval=0)
    out: Dict[str, Any] = {}
    for mode in details:
        rows = {}
        for count in sizes:
            sim.reset()
            ids = _batch_tasks(sim, count, settings["first_end_s"], settings["last_end_s"])
            client, _creds = build_client_with_credentials(dict(params), env, str(Path.home()), user_agent="bench")
            poller = plugin.Poller(client, plugin.poll_workers(config.max_rate))
            gc.collect()
            tracemalloc.start()
            try:
                outcome = waiter.wait_for_tasks(ids, poller, config, clock=time.monotonic, sleep=time.sleep, rng=random.Random(1),
                                                task_details=mode)
                result = outcome.to_result()
                current, peak = tracemalloc.get_traced_memory()
                result_bytes = len(json.dumps(result))
                del result
                gc.collect()
                records, _peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
                poller.close()
                client.close()
            del outcome
            rows[count] = {"heap_after_kb": current // 1024, "heap_peak_kb": peak // 1024, "records_kb": records // 1024,
                           "result_json_kb": _r(result_bytes / 1024, 1)}
        counts = sorted(rows)
        small, large = counts[0], counts[-1]

        def per_task(key: str, rows: Mapping[int, Mapping[str, Any]]) -> float:
            return _r((rows[large][key] - rows[small][key]) / (large - small), 2)

        out[mode] = {"rows": rows, "kb_per_task_retained": per_task("heap_after_kb", rows), "kb_per_task_peak": per_task("heap_peak_kb", rows),
                     "kb_per_task_records": per_task("records_kb", rows), "result_kb_per_task": per_task("result_json_kb", rows)}
    return out


def _stdlib_poll(sim: Simulator, creds: Any, task_id: str, signer: Any, datetime_module: Any) -> Callable[[], Any]:
    """One signed DescribeTask over a keep-alive ``http.client`` connection (a reference for the HTTP cost)."""
    import http.client  # pylint: disable=import-outside-toplevel
    from urllib.parse import urlsplit  # pylint: disable=import-outside-toplevel

    conn = http.client.HTTPConnection(sim.host, timeout=30)

    def poll() -> Any:
        signed = signer.sign_rpc_request(
            base_url=sim.url, action="DescribeTask", version="2022-12-15", params={"TaskId": task_id}, query=None,
            credentials=creds, signature_version="v3", now=datetime_module.datetime.now(datetime_module.timezone.utc),
            nonce=signer.new_nonce(), user_agent="bench")
        parts = urlsplit(signed.url)
        conn.request(signed.method, (parts.path or "/") + ("?" + parts.query if parts.query else ""), body=signed.body,
                     headers=dict(signed.headers))
        response = conn.getresponse()
        data = json.loads(response.read())
        if response.status != 200 or "TaskState" not in data:
            raise RuntimeError("unexpected answer %s" % response.status)
        return data

    return poll


def poll_cost_micro(sim: Simulator, tree: Path, count: int = 400) -> Dict[str, Any]:
    """CPU microseconds per poll of each step, timed directly (no profiler): what one eflo_task_wait poll costs.

    Each step runs ``count`` times on this thread (``time.thread_time``): a whole ``describe_task`` against the
    simulator (signing, httpx, JSON, checks), signing alone, pydantic parsing and ``task_to_dict`` of a real
    body, and the engine's bookkeeping per poll (the real engine under a fake clock with a canned ``fetch``).
    """
    sys.path.insert(0, str(tree))
    import datetime  # pylint: disable=import-outside-toplevel
    from ansible_collections.alibabacloud.eflo.plugins.module_utils import models, signer  # noqa: E402
    from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import waiter  # noqa: E402
    from ansible_collections.alibabacloud.eflo.plugins.module_utils.options import build_client_with_credentials  # noqa: E402
    from detection import FakeClock  # noqa: E402  # pylint: disable=import-outside-toplevel

    sim.reset()
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=LONG_TASK_S, node_count=2)[0]
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": harness.DEMO_ACCESS_KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": harness.DEMO_ACCESS_KEY_SECRET}
    client, creds = build_client_with_credentials({"endpoint": sim.url, "region_id": harness.DEMO_REGION, "retries": 0}, env,
                                                  str(Path.home()), user_agent="bench")

    def per_call_us(func: Callable[[], Any]) -> float:
        func()
        start = time.thread_time()
        for _i in range(count):
            func()
        return (time.thread_time() - start) * 1e6 / count

    try:
        body = client.describe_task(task_id)
        task = models.read_task(body, task_id)
        running = models.task_to_dict(task)
        steps = {
            "describe_task (sign + httpx + JSON + checks)": per_call_us(lambda: client.describe_task(task_id)),
            "signing (signer.sign_rpc_request)": per_call_us(lambda: signer.sign_rpc_request(
                base_url=sim.url, action="DescribeTask", version="2022-12-15", params={"TaskId": task_id}, query=None,
                credentials=creds, signature_version="v3", now=datetime.datetime.now(datetime.timezone.utc),
                nonce=signer.new_nonce(), user_agent="bench")),
            "parsing (models.read_task, pydantic)": per_call_us(lambda: models.read_task(body, task_id)),
            "models.task_to_dict": per_call_us(lambda: models.task_to_dict(task)),
        }
        steps["reference: stdlib http.client, same signed request (sign + exchange + json.loads)"] = per_call_us(
            _stdlib_poll(sim, creds, task_id, signer, datetime))
    finally:
        client.close()
    done = dict(running, task_state="execution_success", is_finished=True, is_succeeded=True)
    ids = ["i15%019d" % i for i in range(1000)]
    polls_seen: Dict[str, int] = {}

    def fetch(batch: List[str]) -> Dict[str, Any]:
        out = {}
        for task in batch:
            polls_seen[task] = polls_seen.get(task, 0) + 1
            out[task] = dict(done if polls_seen[task] > 3 else running)  # the Poller hands the engine fresh dicts too
        return out

    clock = FakeClock()
    config = waiter.WaitConfig(delay=1, max_delay=2, max_rate=1000, heartbeat_interval=0)
    start = time.thread_time()
    outcome = waiter.wait_for_tasks(ids, fetch, config, clock=clock, sleep=clock.sleep, rng=random.Random(1))
    engine_us = (time.thread_time() - start) * 1e6 / max(outcome.polls, 1)
    steps["engine per poll (wait_for_tasks, fake clock, canned answers)"] = engine_us
    rest = steps["describe_task (sign + httpx + JSON + checks)"] - steps["signing (signer.sign_rpc_request)"]
    total = steps["describe_task (sign + httpx + JSON + checks)"] + steps["parsing (models.read_task, pydantic)"] \
        + steps["models.task_to_dict"] + engine_us
    return {
        "us_per_poll": {k: _r(v, 1) for k, v in steps.items()},
        "http_client_and_checks_us": _r(rest, 1),
        "sum_us": _r(total, 1),
        "count": count,
        "note": "describe_task includes the JSON decoding and error checks of client.py; 'http client' = describe_task - signing",
    }
