# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Figure 3: detection latency and API calls per poll schedule, under a fake clock.

No HTTP and no waiting: each trial builds one task timeline with the simulator's own lifecycle code
(``eflo_simulator.lifecycle``: the same steps, step windows and sub-tasks the simulator serves), and a poll
renders the DescribeTask body the simulator would answer at that simulated instant and parses it with the
collection's ``models`` (the same dict ``eflo_task_wait`` sees). A poll costs the measured wall time of one
poll (figure 1): ``cost_until`` for an ``until:`` iteration (a whole module run; the state is read at its
end, which is where the HTTP call happens), ``cost_wait`` for one in-process call.

Schedules:

* ``eflo_task_wait`` schedules run the real engine (``waiter.wait_for_tasks``) with the fake clock and
  sleep: the defaults, a Terraform-like emulation (``delay=0.1, max_delay=10, growth=2``: full jitter
  between 0.1 s and the doubling cap) and candidate schedules;
* ``until`` is Ansible's loop: attempt, and while not finished sleep ``delay`` then attempt again;
* ``terraform`` is the exact ``StateChangeConf`` loop of the Terraform plugin SDK: refresh, then wait
  0.2 s, 0.4 s, ... doubling, capped at 10 s, no jitter.

Latency = the time the wait (or loop) returns minus the time the task ended. A "task of D seconds" lasts
``D * U(0.8, 1.2)`` in each trial (so that the end falls at a random phase of a fixed-interval loop rather
than at one lucky or unlucky instant), and the wait starts a uniformly random 0-2 s after the task was
created (the playbook's own latency); every trial has its own jitter seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Sequence, Tuple

from eflo_simulator import lifecycle  # the simulator package (installed in the venv by `make venv`)

DURATIONS = (10.0, 60.0, 600.0)
TASK_TYPE = "reclone_node"
START_OFFSET_MAX = 2.0
DURATION_SPREAD = 0.2


class FakeClock:
    """time.monotonic / time.sleep stand-ins; ``sleep`` advances time at once."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


@dataclass(frozen=True)
class Trial:
    latency: float
    calls: int


def build_task(duration: float, seed: int) -> Any:
    spread = random.Random(seed * 7919 + 1).uniform(1.0 - DURATION_SPREAD, 1.0 + DURATION_SPREAD)
    return lifecycle.build_task(
        task_id="i15%019d" % seed, task_type=TASK_TYPE, cluster_id="i119982311660892626523", cluster_name="bench",
        node_ids=["e01-cn-bench%04d" % i for i in range(2)], sub_ids={"e01-cn-bench%04d" % i: "i158%018d" % i for i in range(2)},
        created=0.0, duration_s=duration * spread, waiting_s=0.0,
    )


class TaskView:
    """The task dict a poll at time ``now`` returns (renders + parses; cached per distinct body)."""

    def __init__(self, task: Any, models: Any) -> None:
        self.task = task
        self.models = models
        self.cache: Dict[str, Dict[str, Any]] = {}

    def at(self, now: float) -> Dict[str, Any]:
        body = lifecycle.render_task(self.task, now, "BENCH-REQUEST")
        key = repr(body)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self.models.task_to_dict(self.models.task_from_body(body, self.task.task_id))
        return dict(found)


def engine_trial(waiter: Any, models: Any, config: Any, duration: float, seed: int, cost: float) -> Trial:
    rng = random.Random(seed)
    task = build_task(duration, seed)
    view = TaskView(task, models)
    clock = FakeClock(rng.uniform(0.0, START_OFFSET_MAX))

    def fetch(ids: List[str]) -> Dict[str, Any]:
        answer = view.at(clock.now)
        clock.now += cost
        return {ids[0]: answer}

    outcome = waiter.wait_for_tasks([task.task_id], fetch, config, clock=clock, sleep=clock.sleep, rng=rng)
    if outcome.status != "success":
        raise RuntimeError("the wait did not succeed: %s" % outcome.msg)
    return Trial(clock.now - task.end, outcome.polls)


def until_trial(delay: float, duration: float, seed: int, cost: float, retries: int = 100000) -> Trial:
    rng = random.Random(seed)
    task = build_task(duration, seed)
    now = rng.uniform(0.0, START_OFFSET_MAX)
    for attempt in range(1, retries + 2):
        now += cost  # the module runs; its DescribeTask call is at the end of the run
        if task.finished_at(now):
            return Trial(now - task.end, attempt)
        now += delay
    raise RuntimeError("until loop gave up")


def terraform_trial(duration: float, seed: int, cost: float) -> Trial:
    rng = random.Random(seed)
    task = build_task(duration, seed)
    now = rng.uniform(0.0, START_OFFSET_MAX)
    wait = 0.1
    calls = 0
    while True:
        now += cost
        calls += 1
        if task.finished_at(now):
            return Trial(now - task.end, calls)
        wait = min(wait * 2, 10.0)
        now += wait


def _summary(trials: Sequence[Trial], quantile: Callable[[Sequence[float], float], float]) -> Dict[str, float]:
    latencies = [t.latency for t in trials]
    calls = [float(t.calls) for t in trials]
    return {
        "latency_median_s": round(quantile(latencies, 0.5), 2),
        "latency_p90_s": round(quantile(latencies, 0.9), 2),
        "calls_mean": round(sum(calls) / len(calls), 1),
        "calls_max": int(max(calls)),
    }


def schedules(waiter: Any) -> List[Tuple[str, str, Any]]:
    """(name, kind, parameter) of every schedule compared; kind engine|until|terraform."""
    default = waiter.WaitConfig(heartbeat_interval=0)
    return [
        ("eflo_task_wait defaults (15 s -> 60 s, x1.5, jitter)", "engine", default),
        ("until: delay 10 s (fixed)", "until", 10.0),
        ("Terraform exact (0.2 s doubling to 10 s, no jitter)", "terraform", None),
        ("eflo_task_wait delay=0.1 max_delay=10 growth=2 (Terraform-like)", "engine",
         waiter.WaitConfig(delay=0.1, max_delay=10.0, growth=2.0, heartbeat_interval=0)),
        ("candidate: eflo_task_wait delay=10 max_delay=15", "engine", waiter.WaitConfig(delay=10.0, max_delay=15.0, heartbeat_interval=0)),
        ("candidate: eflo_task_wait delay=11 max_delay=12.5 (narrow jitter)", "engine",
         waiter.WaitConfig(delay=11.0, max_delay=12.5, heartbeat_interval=0)),
    ]


def run(waiter: Any, models: Any, cost_until: float, cost_wait: float, quantile: Callable[[Sequence[float], float], float],
        trials: int = 101, durations: Sequence[float] = DURATIONS) -> Dict[str, Any]:
    """Every schedule x duration: latency median/p90 and mean calls over ``trials`` trials."""
    rows: List[Dict[str, Any]] = []
    for duration in durations:
        for name, kind, param in schedules(waiter):
            results: List[Trial] = []
            for seed in range(trials):
                if kind == "engine":
                    results.append(engine_trial(waiter, models, param, duration, seed, cost_wait))
                elif kind == "until":
                    results.append(until_trial(param, duration, seed, cost_until))
                else:
                    results.append(terraform_trial(duration, seed, cost_wait))
            rows.append(dict({"task_s": duration, "schedule": name, "kind": kind}, **_summary(results, quantile)))
    return {
        "method": "pure engine / loop models under a fake clock; task timelines and bodies from eflo_simulator.lifecycle, "
                  "parsed by module_utils.models; %d trials per cell; task length D * U(%g, %g); wait started U(0, %g) s after the task"
                  % (trials, 1 - DURATION_SPREAD, 1 + DURATION_SPREAD, START_OFFSET_MAX),
        "cost_until_s": round(cost_until, 3),
        "cost_wait_s": round(cost_wait, 4),
        "rows": rows,
    }


def verdict(result: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Per duration: defaults vs the fixed until loop (fewer calls at no worse median latency?)."""
    out = []
    for duration in sorted({r["task_s"] for r in result["rows"]}):
        rows = {r["kind"] + ":" + r["schedule"]: r for r in result["rows"] if r["task_s"] == duration}
        default = next(r for k, r in rows.items() if "defaults" in k)
        until = next(r for k, r in rows.items() if k.startswith("until:"))
        out.append({
            "task_s": duration,
            "fewer_calls": default["calls_mean"] < until["calls_mean"],
            "latency_no_worse": default["latency_median_s"] <= until["latency_median_s"],
            "calls": [default["calls_mean"], until["calls_mean"]],
            "latency": [default["latency_median_s"], until["latency_median_s"]],
        })
    return out
