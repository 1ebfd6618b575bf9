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

import math
import random
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Sequence, Tuple

from eflo_simulator import lifecycle  # the simulator package (installed in the venv by `make venv`)

DURATIONS = (10.0, 60.0, 600.0)
REGULAR = "regular"
IRREGULAR = "irregular"
TIMELINES = (REGULAR, IRREGULAR)
IRREGULAR_TYPES = ("reclone_node", "extend_cluster", "cut_cluster", "reboot_node", "initialize_cluster", "stop_nodes",
                   "change_node_group")
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


def build_task(duration: float, seed: int, timeline: str = REGULAR) -> Any:
    """One task of about ``duration`` seconds: the simulator's own timeline (``regular``) or ``irregular``."""
    if timeline == IRREGULAR:
        return build_irregular_task(duration, seed)
    spread = random.Random(seed * 7919 + 1).uniform(1.0 - DURATION_SPREAD, 1.0 + DURATION_SPREAD)
    return lifecycle.build_task(
        task_id="i15%019d" % seed, task_type=TASK_TYPE, cluster_id="i119982311660892626523", cluster_name="bench",
        node_ids=["e01-cn-bench%04d" % i for i in range(2)], sub_ids={"e01-cn-bench%04d" % i: "i158%018d" % i for i in range(2)},
        created=0.0, duration_s=duration * spread, waiting_s=0.0,
    )


def build_irregular_task(duration: float, seed: int) -> Any:
    """A task whose timeline is not the simulator's: a random task type (so the fan-out step may come first, in
    the middle or not at all before the last step), 1 to 8 nodes, step shares drawn log-uniformly over a 1:50
    range (one step may take almost all the time, the last step may take 1 %), and each node's sub-task ending
    at a random point of the fan-out step (the last one at its end). The total still lasts ``D * U(0.8, 1.2)``.
    The rendering is the simulator's (``lifecycle.render_task``), so the answers have the same shape."""
    rng = random.Random(seed * 104729 + 17)
    task_type = rng.choice(IRREGULAR_TYPES)
    nodes = ["e01-cn-irr%04d" % i for i in range(rng.choice((1, 2, 4, 8)))]
    spread = rng.uniform(1.0 - DURATION_SPREAD, 1.0 + DURATION_SPREAD)
    task = lifecycle.build_task(
        task_id="i16%019d" % seed, task_type=task_type, cluster_id="i119982311660892626523", cluster_name="bench",
        node_ids=nodes, sub_ids={node: "i159%018d" % i for i, node in enumerate(nodes)},
        created=0.0, duration_s=duration * spread, waiting_s=0.0,
    )
    weights = [math.exp(rng.uniform(0.0, math.log(50.0))) for _step in task.steps]
    total = sum(weights)
    cursor = task.created + task.waiting_s
    task.windows = []
    for weight in weights:
        length = task.duration_s * weight / total
        task.windows.append((cursor, cursor + length))
        cursor += length
    task.end = cursor
    if task.node_step is not None:
        start, end = task.windows[task.node_step]
        fractions = sorted(rng.uniform(0.05, 1.0) for _node in nodes)
        fractions[-1] = 1.0
        rng.shuffle(fractions)
        task.node_times = {node: start + (end - start) * f for node, f in zip(nodes, fractions)}
    return task


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
            found = self.cache[key] = self.models.task_to_dict(self.models.read_task(body, self.task.task_id))
        return dict(found)


def engine_trial(waiter: Any, models: Any, config: Any, duration: float, seed: int, cost: float, timeline: str = REGULAR) -> Trial:
    rng = random.Random(seed)
    task = build_task(duration, seed, timeline)
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


def until_trial(delay: float, duration: float, seed: int, cost: float, timeline: str = REGULAR, retries: int = 100000) -> Trial:
    rng = random.Random(seed)
    task = build_task(duration, seed, timeline)
    now = rng.uniform(0.0, START_OFFSET_MAX)
    for attempt in range(1, retries + 2):
        now += cost  # the module runs; its DescribeTask call is at the end of the run
        if task.finished_at(now):
            return Trial(now - task.end, attempt)
        now += delay
    raise RuntimeError("until loop gave up")


def terraform_trial(duration: float, seed: int, cost: float, timeline: str = REGULAR) -> Trial:
    rng = random.Random(seed)
    task = build_task(duration, seed, timeline)
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


def schedules(waiter: Any) -> List[Tuple[str, str, str, Any]]:
    """(role, name, kind, parameter) of every schedule compared; kind engine|until|terraform."""
    return [
        ("default", "eflo_task_wait defaults (adaptive: delay 12 s, near an end 7 s, max 60 s)", "engine",
         waiter.WaitConfig(heartbeat_interval=0)),
        ("until", "until: delay 10 s (fixed)", "until", 10.0),
        ("terraform", "Terraform exact (0.2 s doubling to 10 s, no jitter)", "terraform", None),
        ("terraform_like", "eflo_task_wait Terraform-like (schedule=backoff delay=0.1 max_delay=10 growth=2)", "engine",
         waiter.WaitConfig(delay=0.1, max_delay=10.0, growth=2.0, schedule="backoff", heartbeat_interval=0)),
        ("old_default", "eflo_task_wait old defaults (schedule=backoff delay=15 max_delay=60)", "engine",
         waiter.WaitConfig(delay=15.0, max_delay=60.0, schedule="backoff", heartbeat_interval=0)),
    ]


def cell(waiter: Any, models: Any, kind: str, param: Any, duration: float, timeline: str, trials: int, cost_until: float,
         cost_wait: float) -> List[Trial]:
    """The trials of one schedule on one task length and timeline kind."""
    results: List[Trial] = []
    for seed in range(trials):
        if kind == "engine":
            results.append(engine_trial(waiter, models, param, duration, seed, cost_wait, timeline))
        elif kind == "until":
            results.append(until_trial(param, duration, seed, cost_until, timeline))
        else:
            results.append(terraform_trial(duration, seed, cost_wait, timeline))
    return results


def run(waiter: Any, models: Any, cost_until: float, cost_wait: float, quantile: Callable[[Sequence[float], float], float],
        trials: int = 401, durations: Sequence[float] = DURATIONS, timelines: Sequence[str] = TIMELINES) -> Dict[str, Any]:
    """Every timeline kind x duration x schedule: latency median/p90 and mean calls over ``trials`` trials."""
    rows: List[Dict[str, Any]] = []
    for timeline in timelines:
        for duration in durations:
            for role, name, kind, param in schedules(waiter):
                results = cell(waiter, models, kind, param, duration, timeline, trials, cost_until, cost_wait)
                rows.append(dict({"timeline": timeline, "task_s": duration, "schedule": name, "role": role, "kind": kind},
                                 **_summary(results, quantile)))
    return {
        "method": "pure engine / loop models under a fake clock; task timelines and bodies from eflo_simulator.lifecycle, "
                  "parsed by module_utils.models; %d trials per cell; task length D * U(%g, %g); wait started U(0, %g) s after the task; "
                  "regular = the simulator's reclone_node timeline, irregular = random task type, 1-8 nodes, step shares "
                  "log-uniform over 1:50" % (trials, 1 - DURATION_SPREAD, 1 + DURATION_SPREAD, START_OFFSET_MAX),
        "cost_until_s": round(cost_until, 3),
        "cost_wait_s": round(cost_wait, 4),
        "rows": rows,
    }


MIN_CALLS = 2.0  # a task not finished at the first look needs at least two calls, whatever the schedule


def verdict(result: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Per timeline and duration: defaults vs the fixed until loop. Calls: fewer, or no more where the loop already
    makes the least any loop can (2); latency: median no worse."""
    out = []
    keys = sorted({(r.get("timeline", REGULAR), r["task_s"]) for r in result["rows"]}, key=lambda k: (TIMELINES.index(k[0]), k[1]))
    for timeline, duration in keys:
        rows = {r["role"]: r for r in result["rows"] if r.get("timeline", REGULAR) == timeline and r["task_s"] == duration}
        default, until = rows["default"], rows["until"]
        fewer = default["calls_mean"] < until["calls_mean"]
        at_minimum = until["calls_mean"] <= MIN_CALLS and default["calls_mean"] <= until["calls_mean"]
        out.append({
            "timeline": timeline,
            "task_s": duration,
            "fewer_calls": fewer,
            "calls_ok": fewer or at_minimum,
            "calls_reading": "fewer" if fewer else ("no more (the loop makes the minimum, 2)" if at_minimum else "MORE"),
            "latency_no_worse": default["latency_median_s"] <= until["latency_median_s"],
            "met": (fewer or at_minimum) and default["latency_median_s"] <= until["latency_median_s"],
            "calls": [default["calls_mean"], until["calls_mean"]],
            "latency": [default["latency_median_s"], until["latency_median_s"]],
        })
    return out
