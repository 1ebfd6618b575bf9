"""Signed DescribeTask requests per second served by the simulator with N live tasks.

    python simulator/bench/throughput.py                      # starts its own simulator
    python simulator/bench/throughput.py --url http://127.0.0.1:8080 --workers 4 --duration 20

Each worker process keeps one HTTP/1.1 keep-alive connection and sends V3-signed DescribeTask calls
(fresh date and nonce each, as the official SDK does) for random ids among the live tasks. Every answer
is checked (status 200 and a TaskState). Prints one JSON line with the figure.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eflo_simulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET  # noqa: E402
from eflo_simulator.signing import format_acs_date, sign_v3  # noqa: E402
from eflo_simulator.testing import start_simulator, stop_simulator  # noqa: E402


def _worker(host: str, task_ids: List[str], start_at: float, stop_at: float, seed: int, queue: Any) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(host, timeout=30)
    ok = errors = 0
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < stop_at:
        signed = sign_v3(
            host=host,
            action="DescribeTask",
            params={"TaskId": rng.choice(task_ids)},
            access_key_id=DEMO_ACCESS_KEY_ID,
            access_key_secret=DEMO_ACCESS_KEY_SECRET,
            date=format_acs_date(time.time()),
            nonce=uuid.uuid4().hex,
        )
        try:
            conn.request(signed.method, signed.target, body=signed.body, headers=dict(signed.headers))
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(host, timeout=30)
            continue
        if resp.status == 200 and b'"TaskState"' in body:
            ok += 1
        else:
            errors += 1
    conn.close()
    queue.put((ok, errors))


def _control(host: str, method: str, path: str, data: Optional[Dict[str, Any]] = None) -> Any:
    conn = http.client.HTTPConnection(host, timeout=60)
    conn.request(method, path, body=json.dumps(data) if data is not None else None)
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    return body


def run(url: str, workers: int, duration: float, tasks: int, node_count: int) -> Dict[str, Any]:
    host = url.split("//", 1)[1].rstrip("/")
    _control(host, "POST", "/_sim/reset")
    # long-running tasks so all of them stay live (mixed states: waiting, running through steps)
    spec = {"task_type": "reclone_node", "count": tasks, "duration_s": 7200, "waiting_s": 30, "node_count": node_count}
    task_ids = _control(host, "POST", "/_sim/tasks", spec)["task_ids"]
    _control(host, "PUT", "/_sim/clock", {"advance_s": 1800})
    queue: Any = multiprocessing.Queue()
    start_at = time.time() + 1.0
    stop_at = start_at + duration
    procs = [multiprocessing.Process(target=_worker, args=(host, task_ids, start_at, stop_at, i, queue)) for i in range(workers)]
    for proc in procs:
        proc.start()
    results = [queue.get() for _unused in procs]
    for proc in procs:
        proc.join()
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    served = _control(host, "GET", "/_sim/requests")["by_action"].get("DescribeTask", {})
    live = sum(1 for t in _control(host, "GET", "/_sim/tasks")["tasks"] if t["task_state"] in ("waiting_to_run", "running"))
    return {
        "requests_per_second": round(ok / duration, 1),
        "ok": ok,
        "errors": errors,
        "server_counts": served,
        "workers": workers,
        "duration_s": duration,
        "tasks": tasks,
        "live_tasks_at_end": live,
        "node_count": node_count,
        "cpus": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an already running simulator (default: start one)")
    parser.add_argument("--workers", type=int, default=3, help="client processes (default 3)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load (default 10)")
    parser.add_argument("--tasks", type=int, default=1000, help="live tasks (default 1000)")
    parser.add_argument("--node-count", type=int, default=4, help="nodes (sub-tasks) per task (default 4)")
    parser.add_argument("--http", default="auto", help="uvicorn HTTP implementation of a started simulator")
    args = parser.parse_args()
    if args.url:
        result = run(args.url, args.workers, args.duration, args.tasks, args.node_count)
    else:
        with tempfile.TemporaryDirectory() as directory:
            sim = start_simulator(Path(directory), "--seed", "1", "--quirk-rate", "0", "--http", args.http)
            try:
                result = run(sim.url, args.workers, args.duration, args.tasks, args.node_count)
            finally:
                stop_simulator(sim)
    print(json.dumps(result))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
