# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test builds its sanity and --venv environments with ``python -m venv --without-pip`` and then runs
``~/.ansible/test/cache/get_pip_<version>.py <pip install arguments>`` if that file exists, or downloads it
from a host this project cannot reach.  tools/dev.sh copies this file to that path.  It bootstraps pip from
the standard library (ensurepip) and then installs the pins ansible-test asked for from the package index
that pip is configured to use.
"""

from __future__ import annotations

import subprocess
import sys

MARKER = "alibabacloud.eflo get-pip shim"
DROPPED = frozenset({"--no-setuptools", "--no-wheel"})


def main(argv: list[str]) -> int:
    """Bootstrap pip, then install the requested pins; return the exit code."""
    pins = [arg for arg in argv if arg not in DROPPED]
    subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"],
                   check=True, stdout=subprocess.DEVNULL)
    if not any(not arg.startswith("-") for arg in pins):
        return 0
    return subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--upgrade", *pins], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
