# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make bench``: eflo_task_wait against what users would do instead, measured side by side in one run.

    make bench                                   # every figure (about 8 minutes on 2 cores)
    .venv/bin/python bench/run.py --figures 1,4  # some figures
    .venv/bin/python bench/run.py --quick        # one run per configuration, smaller batches (smoke test)
    .venv/bin/python bench/run.py --full         # also measure the until loop over 1,000 hosts (long)

Prints a table per figure and writes bench/results/bench-<UTC time>.json and bench/results/latest.json.
Figures and method: docs/performance.md. Needs the venv (`make venv`: ansible-core, httpx, pydantic, jmespath,
eflo_simulator); starts its own simulator on 127.0.0.1 and stops it at the end.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import detection  # noqa: E402
import figures  # noqa: E402
import harness  # noqa: E402

RESULTS = harness.BENCH / "results"

BATCH_SETTINGS = {
    # tasks end 4-10 s after they are created (10 groups, interleaved); both variants poll every ~1 s
    "first_end_s": 4.0,
    "last_end_s": 10.0,
    "timeout_s": 300.0,
    "delay_s": 0.5,
    "max_delay_s": 1.0,
    "max_rate": 1000.0,
    "until_delay_s": 1.0,
    "task_details": "summary",  # the documented setting for big batches; one extra run per repeat uses full (full_details_check)
}
CAP_CHECK = {"n": 1000, "max_rate": 100.0}  # one extra wait run whose max_rate binds: the simulator must never see more


def machine() -> Dict[str, Any]:
    def version(module: str) -> str:
        try:
            return str(__import__(module).__version__)
        except (ImportError, AttributeError):
            return "not installed"

    mem_kb = 0
    cpu_model = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from ansible.release import __version__ as ansible_version
    except ImportError:
        ansible_version = "not installed"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=harness.REPO, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "plugins"], capture_output=True, text=True, cwd=harness.REPO,
                           check=False).stdout.strip()
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "ansible_core": ansible_version,
        "httpx": version("httpx"),
        "pydantic": version("pydantic"),
        "git_commit": commit + (" (plugins/ modified)" if dirty else ""),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# ------------------------------------------------------------------------------------------------------- table


def _table(title: str, header: List[str], rows: List[List[Any]]) -> str:
    cells = [[str(c) for c in header]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [title, "  " + "  ".join(h.ljust(w) for h, w in zip(cells[0], widths)), "  " + "  ".join("-" * w for w in widths)]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells[1:]]
    return "\n".join(lines)


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _met(flag: Optional[bool]) -> str:
    return "n/a" if flag is None else ("MET" if flag else "MISSED")


def problems(results: Mapping[str, Any]) -> List[str]:
    """Runs that did not do what they measure (a failed playbook, no API call): their figures are not valid."""
    found: List[str] = []
    f = results.get("figures", {})
    for name, row in f.get("1", {}).items():
        if isinstance(row, dict) and "raw" in row:
            for raw in row["raw"]:
                if raw["rc"] != 0 or (name != "noop" and not raw["calls"]):
                    found.append("figure 1 %s: rc %s, %s API calls" % (name, raw["rc"], raw["calls"]))
    for n, row in f.get("2", {}).get("rows", {}).items():
        for variant in ("wait", "until"):
            v = row.get(variant)
            if v and (v["failed_hosts"] or any(rc != 0 for rc in v["rc"]) or not v["calls"]):
                found.append("figure 2 N=%s %s: rc %s, %s failed hosts, %s API calls; first failure: %s"
                             % (n, variant, v["rc"], v["failed_hosts"], v["calls"], v.get("first_failure") or v.get("output_tail", "")[-300:]))
    for name in ("noop", "ping", "info"):
        rcs = f.get("4", {}).get(name, {}).get("rc", [])
        if any(rc != 0 for rc in rcs):
            found.append("figure 4 %s: rc %s" % (name, rcs))
    if "error" in f.get("5", {}):
        found.append("figure 5: %s" % f["5"]["error"])
    return found


def report(results: Mapping[str, Any]) -> str:
    out: List[str] = []
    f = results.get("figures", {})
    if "1" in f:
        r = f["1"]
        m = r["marginal"]
        keys = [k for k in r if k.startswith("until_") or k.startswith("wait_")]
        out.append(_table("Figure 1: poll cost (one never-finishing task; medians of %d runs)" % r["noop"]["runs"],
                          ["variant", "polls", "wall s", "CPU s", "CPU/poll s", "wall/poll s"],
                          [[k, r[k]["calls"], r[k]["wall_s"], r[k]["cpu_s"], r[k]["cpu_per_poll_gross_s"], r[k]["wall_per_poll_gross_s"]] for k in keys]
                          + [["noop playbook", 0, r["noop"]["wall_s"], r["noop"]["cpu_s"], "", ""]]))
        out.append("  marginal per poll: until %.3f s CPU, %.3f s wall | wait %.5f s CPU, %.4f s wall (one task, delays excluded)"
                   % (m["until_cpu_per_poll_s"], m["until_wall_per_poll_s"], m["wait_cpu_per_poll_s"], m["wait_wall_per_poll_single_s"]))
        out.append("  wall per poll ratio: %sx" % m["wall_ratio_single"])
        out.append("  CPU per poll ratio (marginal): %sx  [target >= 20x: %s]; same %s polls, whole playbook: %sx gross, %sx above noop"
                   % (m["cpu_ratio"], _met(r["target"]["met"]), r["same_polls"]["polls"], r["same_polls"]["cpu_ratio_gross"],
                      r["same_polls"]["cpu_ratio_net_of_noop"]))
    if "2" in f:
        r = f["2"]
        rows = []
        for n, row in r["rows"].items():
            for variant in ("wait", "until"):
                v = row.get(variant)
                if v:
                    rows.append([n, variant, v["wall_s"], v["cpu_s"], v["calls"], v["peak_rate_per_s"], v["peak_tree_pss_mb"],
                                 v["peak_tree_rss_mb"], v["after_last_end_s"], _blank(v.get("engine_return_after_last_end_s")),
                                 _blank(v.get("result_delivery_s")), v["result_kb"], v["runs"]])
            est = row.get("until_estimate")
            if est:
                rows.append([n, "until (est.)", est["wall_s"], est["cpu_s"], est["calls"], "", "", "", "", "", "", "", 0])
        out.append(_table("Figure 2: batch scale (wait: delay %(delay_s)s, max_delay %(max_delay_s)s, max_rate %(max_rate)s, task_details %(task_details)s; "
                          "until: delay %(until_delay_s)s, forks 10; tasks end %(first_end_s)s-%(last_end_s)s s after creation)" % r["settings"],
                          ["N", "variant", "wall s", "CPU s", "API calls", "peak req/s", "peak PSS MB", "peak RSS MB", "return after last end s",
                           "of which engine s", "result delivery s", "result KiB", "runs"],
                          rows))
        t = r["targets"]
        out.append("  wait memory: noop playbook %s MB; KiB per task between sizes: %s; %s"
                   % (r["memory"]["noop_playbook_pss_mb"], r["memory"]["wait_marginal_kb_per_task"],
                      {k: v for k, v in t["memory_sublinear"].items() if k.startswith("kb_")}))
        fc = r.get("full_details_check")
        if fc:
            out.append("  task_details full (N=%s, medians of %s): peak PSS %s MB, peak RSS of one process %s MB, result %s KiB, "
                       "returned %s s after the last end (engine %s + delivery %s), CPU %s s"
                       % (fc["n"], fc["runs"], fc["peak_tree_pss_mb"], fc["max_process_rss_mb"], fc["result_kb"], fc["after_last_end_s"],
                          fc["engine_return_after_last_end_s"], fc["result_delivery_s"], fc["cpu_s"]))
        c = r["cap_check"]
        out.append("  max_rate check: N=%s with max_rate %s: peak %s req/s in any 1 s, %s req/s over the busiest 10 s, %s calls, "
                   "wall %s s, returned %s s after the last end"
                   % (c["n"], c["max_rate"], c["peak_rate_per_s"], c.get("sustained_rate_per_s"), c["calls"], c["wall_s"],
                      c["after_last_end_s"]))
        out.append("  targets: N=%s within 2 s of last end: %s s [%s]; rate <= max_rate %s: peak %s [%s]; memory sub-linear [%s]"
                   % (t["finish_within_2s_of_last_end"]["n"], t["finish_within_2s_of_last_end"]["after_last_end_s"],
                      _met(t["finish_within_2s_of_last_end"]["met"]), t["rate_never_above_max_rate"]["max_rate"],
                      t["rate_never_above_max_rate"]["peak"], _met(t["rate_never_above_max_rate"]["met"]), _met(t["memory_sublinear"]["met"])))
    if "3" in f:
        r = f["3"]
        out.append(_table("Figure 3: detection latency and API calls (%s)" % r["method"],
                          ["timeline", "task s", "schedule", "calls (mean)", "latency median s", "latency p90 s"],
                          [[row.get("timeline", "regular"), row["task_s"], row["schedule"], row["calls_mean"], row["latency_median_s"],
                            row["latency_p90_s"]] for row in r["rows"]]))
        for v in r["verdict"]:
            out.append("  defaults vs until 10 s, %s %gs task: calls %s vs %s (%s), median latency %s vs %s (%s): %s" % (
                v.get("timeline", "regular"), v["task_s"], v["calls"][0], v["calls"][1], v.get("calls_reading", "fewer" if v["fewer_calls"] else "MORE"),
                v["latency"][0], v["latency"][1], "no worse" if v["latency_no_worse"] else "WORSE",
                "met" if v.get("met", v["fewer_calls"] and v["latency_no_worse"]) else "MISSED"))
    if "4" in f:
        r = f["4"]
        out.append(_table("Figure 4: cold start (medians of %d runs)" % len(r["ping"]["rc"]),
                          ["playbook", "playbook wall s", "playbook CPU s", "task wall s", "peak PSS MB"],
                          [[k, r[k]["playbook_wall_s"], r[k]["playbook_cpu_s"], r[k]["task_wall_s"], r[k]["peak_tree_pss_mb"]]
                           for k in ("noop", "ping", "info")]))
        ra = r["ratios"]
        out.append("  eflo_task_info / ping: module CPU above noop %sx [target <= %sx: %s], task wall %sx, playbook wall %sx, playbook CPU %sx"
                   % (ra["module_cpu_above_noop"], figures.COLD_START_TARGET, _met(r["target"]["met"]), ra["task_wall"], ra["playbook_wall"],
                      ra["playbook_cpu"]))
        for name, imp in r.get("imports", {}).items():
            out.append("  python -X importtime %s: best %s ms (runs %s); heaviest: %s" % (
                name, imp["best_ms"], imp["runs_ms"], ", ".join("%s %s" % (n, ms) for n, ms in imp["top_cumulative_ms"][:5])))
        mod = r.get("module_process")
        if mod and "ratio_wall" in mod:
            out.append("  module process alone (kept AnsiballZ): eflo_task_info %s s wall / %s s CPU vs ping %s s / %s s: %sx wall, %sx CPU" % (
                mod["eflo_task_info"]["wall_s"], mod["eflo_task_info"]["cpu_s"], mod["ping"]["wall_s"], mod["ping"]["cpu_s"],
                mod["ratio_wall"], mod["ratio_cpu"]))
    if "5" in f:
        r = f["5"]
        if "error" in r:
            out.append("Figure 5: simulator throughput: " + r["error"])
        else:
            out.append("Figure 5: simulator throughput: %s signed DescribeTask/s with %s live tasks (%s client processes, %s s, %s errors, %s CPUs)"
                       % (r["requests_per_second"], r["live_tasks_at_end"], r["workers"], r["duration_s"], r["errors"], r["cpus"]))
    prof = results.get("profiles", {}).get("wait_loop")
    if prof:
        t, p = prof.get("threads", {}), prof.get("profiled", {})
        out.append("Profile: wait loop in-process over %s tasks: %s polls, %s ms CPU/poll with %s threads; single-threaded under cProfile %s ms CPU/poll"
                   % (prof["tasks"], t.get("polls"), t.get("cpu_per_poll_ms"), t.get("workers"), p.get("cpu_per_poll_ms")))
        out.append("  in-process, the wait returned %s s after the last task ended" % t.get("after_last_end_s"))
        out.append(_table("  cumulative CPU ms per poll (cProfile with a CPU timer, single thread)", ["step", "ms"], p.get("per_poll_cumulative_ms", [])))
    micro = results.get("profiles", {}).get("poll_cost")
    if micro:
        rows = [[k, v] for k, v in micro["us_per_poll"].items()]
        rows += [["  of describe_task: HTTP client (httpx, h11) and checks", micro["http_client_and_checks_us"]],
                 ["sum (one poll, whole)", micro["sum_us"]]]
        out.append(_table("CPU per poll, timed directly (us, %s calls each)" % micro["count"], ["step", "us"], rows))
    probe = results.get("profiles", {}).get("memory_probe")
    for mode, row in (probe or {}).items():
        out.append("Memory probe (tracemalloc, in-process), task_details %s: %s; KiB per task retained %s (records alone %s), "
                   "at peak %s; result JSON %s KiB per task"
                   % (mode, row["rows"], row["kb_per_task_retained"], row["kb_per_task_records"], row["kb_per_task_peak"],
                      row["result_kb_per_task"]))
    for problem in results.get("problems", []):
        out.append("INVALID: " + problem)
    out.append("Total bench time: %s s" % results.get("elapsed_s"))
    return "\n\n".join(out)


# --------------------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figures", default="1,2,3,4,5", help="comma-separated figures to run (default all: 1,2,3,4,5)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per configuration; wall times are medians (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 run per configuration, N up to 100: a smoke test")
    parser.add_argument("--full", action="store_true", help="also run the until variant over 1,000 hosts (adds ~10 minutes)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile runs")
    parser.add_argument("--memory-probe", action="store_true", help="also trace the wait loop's Python heap in-process (slow)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory of the JSON results (default bench/results)")
    parser.add_argument("--poll-costs", default=None, metavar="UNTIL,WAIT",
                        help="figure 3 without figure 1: seconds per until iteration and per wait poll (the report's figure 1 "
                             "measured 0.99,0.001); default: figure 1 of this run, else 1.5,0.005")
    args = parser.parse_args()
    wanted = {x.strip() for x in args.figures.split(",") if x.strip()}
    repeats = 1 if args.quick else max(1, args.repeats)
    sizes = [10, 100] if args.quick else [10, 100, 1000]
    until_sizes = {10: repeats, 100: 1}
    if args.full:
        until_sizes[1000] = 1

    start = time.monotonic()
    results: Dict[str, Any] = {"machine": machine(), "options": vars(args) | {"out": str(args.out)}, "figures": {}, "profiles": {}}
    with harness.workdir() as tmp:
        work = Path(tmp)
        ansible = harness.Ansible(work)
        tree = ansible.tree
        with harness.simulator(work / "simulator", speed=1.0) as sim:
            results["simulator"] = {"url": sim.url, "speed": sim.speed, "quirk_rate": 0.2}
            noop_pss = None
            if "4" in wanted:
                _say("figure 4: cold start")
                fig4 = figures.figure4(sim, ansible, repeats=max(repeats, 3) if not args.quick else 1)
                fig4["imports"] = figures.figure4_imports(tree, repeats=5 if not args.quick else 1)
                if not args.no_profile:
                    fig4["module_process"] = figures.profile_module(sim, ansible, repeats=3 if not args.quick else 1)
                results["figures"]["4"] = fig4
                noop_pss = fig4["noop"]["peak_tree_pss_mb"]
            if "1" in wanted:
                _say("figure 1: poll cost")
                results["figures"]["1"] = figures.figure1(sim, ansible, repeats)
            if "2" in wanted:
                _say("figure 2: batch scale")
                if noop_pss is None:
                    noop_pss = harness.median([ansible.run("noop.yml", ansible.localhost()).peak_tree_pss_kb / 1024 for _repeat in range(repeats)])
                cap = dict(CAP_CHECK, n=max(sizes))
                fig2 = figures.figure2(sim, ansible, repeats, sizes, until_sizes, BATCH_SETTINGS, noop_pss, cap)
                if 1000 in sizes and 1000 not in until_sizes and "100" in fig2["rows"]:
                    fig2["rows"]["1000"]["until_estimate"] = figures.extrapolate_until(fig2["rows"], 100, 1000)
                results["figures"]["2"] = fig2
                if not args.no_profile:
                    _say("profile: wait loop in-process")
                    results["profiles"]["wait_loop"] = figures.profile_wait_loop(sim, tree, max(sizes), BATCH_SETTINGS)
                    results["profiles"]["poll_cost"] = figures.poll_cost_micro(sim, tree)
                if args.memory_probe:
                    _say("memory probe: wait loop heap in-process")
                    results["profiles"]["memory_probe"] = figures.memory_probe(sim, tree, [min(sizes), max(sizes)], BATCH_SETTINGS)
        if "3" in wanted:
            _say("figure 3: detection latency (fake clock)")
            sys.path.insert(0, str(tree))
            from ansible_collections.alibabacloud.eflo.plugins.module_utils import models  # noqa: E402
            from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import waiter  # noqa: E402
            f1 = results["figures"].get("1")
            cost_until = f1["marginal"]["until_wall_per_poll_s"] if f1 else 1.5
            cost_wait = max(f1["marginal"]["wait_wall_per_poll_single_s"], 0.001) if f1 else 0.005
            if args.poll_costs and not f1:
                cost_until, cost_wait = (float(x) for x in args.poll_costs.split(","))
            fig3 = detection.run(waiter, models, cost_until, cost_wait, harness.quantile, trials=401 if not args.quick else 21)
            fig3["verdict"] = detection.verdict(fig3)
            fig3["target"] = {"what": "defaults: fewer calls than the fixed until loop (no more where it makes the minimum, 2) at no "
                                      "worse median latency, on the simulator's timelines; irregular-step timelines reported beside",
                              "met": all(v["met"] for v in fig3["verdict"] if v["timeline"] == detection.REGULAR),
                              "met_irregular": all(v["met"] for v in fig3["verdict"] if v["timeline"] == detection.IRREGULAR)}
            results["figures"]["3"] = fig3
    if "5" in wanted:
        _say("figure 5: simulator throughput")
        results["figures"]["5"] = figures.figure5(duration=5.0 if args.quick else 10.0)
    results["elapsed_s"] = round(time.monotonic() - start, 1)
    results["problems"] = problems(results)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]

    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2, sort_keys=True, default=str)
    (args.out / ("bench-%s.json" % stamp)).write_text(text + "\n")
    (args.out / "latest.json").write_text(text + "\n")
    print(report(results))
    print("\nresults: %s" % (args.out / ("bench-%s.json" % stamp)))
    return 1 if results["problems"] else 0


def _say(text: str) -> None:
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), text), file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
