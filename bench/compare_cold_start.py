# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cold start of two or more checkouts, side by side: CPU of one ``eflo_task_info`` and one ``ping`` module process.

    .venv/bin/python bench/compare_cold_start.py /tmp/before-tree . --runs 25

For each checkout it runs one playbook with ``ANSIBLE_KEEP_REMOTE_FILES=1`` to get the AnsiballZ files, then runs
those files ``--runs`` times each, interleaved, so that other load on the machine hits every checkout alike.
It prints the median and lowest CPU (user + sys) per file. Figure 4 of ``make bench`` runs each file only 3
times, too few to see a change of a few tens of milliseconds under load. A checkout to compare can be made with
``git worktree add /tmp/before-tree <commit>``, or ``git archive <commit> | tar -x -C /tmp/before-tree``.
"""

from __future__ import annotations

import argparse
import glob
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402  # pylint: disable=wrong-import-position

PLAYBOOKS = (("eflo_task_info", "info_once.yml"), ("ping", "ping.yml"))


def kept_files(sim: harness.Simulator, work: Path, trees: List[Path]) -> Dict[Tuple[str, str], Tuple[str, Dict[str, str]]]:
    """(tree, module) -> (AnsiballZ file, environment to run it with)."""
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=7200)[0]
    files: Dict[Tuple[str, str], Tuple[str, Dict[str, str]]] = {}
    for index, tree in enumerate(trees):
        ansible = harness.Ansible(work / ("tree%d" % index), repo=tree)
        remote = ansible.home / ".ansible" / "remote_tmp"
        for name, playbook in PLAYBOOKS:
            before = set(glob.glob(str(remote / "*" / "AnsiballZ_*.py")))
            extra = {"eflo_endpoint": sim.url, "bench_task_id": task_id} if name == "eflo_task_info" else {}
            run = ansible.run(playbook, ansible.localhost(), extra, env={"ANSIBLE_KEEP_REMOTE_FILES": "1"}, sample_memory=False)
            new = sorted(set(glob.glob(str(remote / "*" / "AnsiballZ_*.py"))) - before)
            if run.rc != 0 or not new:
                raise RuntimeError("%s in %s did not run: %s" % (playbook, tree, run.output_tail[-800:]))
            files[(str(tree), name)] = (new[-1], ansible.env())
    return files


def cpu_of(path: str, env: Dict[str, str]) -> float:
    """CPU seconds (user + sys) of one run of an AnsiballZ file."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([harness.PYTHON, path], capture_output=True, env=env, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError("%s failed: %s" % (path, proc.stdout[-800:]))
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="+", type=Path, help="collection checkouts to compare")
    parser.add_argument("--runs", type=int, default=25, help="runs of each AnsiballZ file (default 25)")
    args = parser.parse_args()
    trees = [tree.resolve() for tree in args.trees]
    with tempfile.TemporaryDirectory(prefix="eflo-cold-start-") as tmp:
        work = Path(tmp)
        sim = harness.Simulator(work / "simulator")
        try:
            files = kept_files(sim, work, trees)
            cpus: Dict[Tuple[str, str], List[float]] = {key: [] for key in files}
            for _run in range(max(1, args.runs)):
                for key, (path, env) in files.items():
                    cpus[key].append(cpu_of(path, env))
        finally:
            sim.stop()
    print("%-60s %-15s %10s %10s" % ("checkout", "module", "median s", "lowest s"))
    for (tree, name), values in cpus.items():
        print("%-60s %-15s %10.3f %10.3f" % (tree, name, statistics.median(values), min(values)))
    for tree in trees:
        info, ping = statistics.median(cpus[(str(tree), "eflo_task_info")]), statistics.median(cpus[(str(tree), "ping")])
        print("%s: eflo_task_info / ping CPU = %.2fx" % (tree, info / ping))
    return 0


if __name__ == "__main__":
    sys.exit(main())
