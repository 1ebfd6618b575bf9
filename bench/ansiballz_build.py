# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's share of figure 4: CPU to build the AnsiballZ payload of a module, as ansible-playbook does
once per run and module (it scans every module_utils file the module imports, as an AST, and zips them).

    .venv/bin/python bench/ansiballz_build.py --runs 9

Each run is a fresh interpreter that builds ``ansible.builtin.ping`` and ``alibabacloud.eflo.eflo_task_info``
in turn (alternating which goes first); it prints the median and lowest CPU per module and the payload sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

REPO = Path(__file__).resolve().parent.parent
MODULES = ("ansible.builtin.ping", "alibabacloud.eflo.eflo_task_info")

CHILD = r"""
import json, sys, time
from ansible.executor import module_common
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, module_loader
from ansible.template import Templar
init_plugin_loader([sys.argv[1]])
templar = Templar(loader=DataLoader())
out = {}
for name in sys.argv[2:]:
    path = module_loader.find_plugin_with_context(name).plugin_resolved_path
    start = time.process_time()
    built = module_common.modify_module(module_name=name, module_path=path, module_args={}, templar=templar,
                                        task_vars={"ansible_python_interpreter": sys.executable}, module_compression="ZIP_DEFLATED")
    out[name] = [time.process_time() - start, len(built.b_module_data)]
print(json.dumps(out))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    cpu: Dict[str, List[float]] = {name: [] for name in MODULES}
    size: Dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="eflo-ansiballz-") as tmp:
        tree = Path(tmp) / "ansible_collections" / "alibabacloud"
        tree.mkdir(parents=True)
        (tree / "eflo").symlink_to(REPO)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=tmp, ANSIBLE_HOME=str(Path(tmp) / ".ansible"))
        for run in range(max(1, args.runs)):
            order = MODULES if run % 2 == 0 else tuple(reversed(MODULES))
            done = subprocess.run([sys.executable, "-c", CHILD, tmp, *order], capture_output=True, text=True, env=env, check=True)
            for name, (seconds, length) in json.loads(done.stdout.strip().splitlines()[-1]).items():
                cpu[name].append(seconds)
                size[name] = length
    print("%-36s %10s %10s %12s" % ("module", "median ms", "lowest ms", "payload KB"))
    for name in MODULES:
        print("%-36s %10.1f %10.1f %12.1f" % (name, statistics.median(cpu[name]) * 1000, min(cpu[name]) * 1000, size[name] / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
