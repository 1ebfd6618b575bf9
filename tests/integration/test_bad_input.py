# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input is refused with the message documented in docs/bad-input.md, never with a traceback.

docs/bad-input.md is the single source of the expected messages: every numbered row of its table names a module,
a bad input and the exact message (``…`` stands for run-dependent text such as ports, request ids or paths). The
playbooks under playbooks/reliability/ have one task per row, named ``Bad input NN: ...``. The tests run them
against the simulator (and a rogue server for broken answers, a TLS server nobody trusts) and check, for every row:

* the task failed (and only that: the playbook goes on, ``ignore_errors``);
* its ``msg`` matches the documented message;
* nothing anywhere in the run (stdout, stderr, any result) contains a traceback or ``MODULE FAILURE``;
* the run is at -vvvv with the distinctive secrets of test_secrets.py (a good key, a wrong secret, an expired STS
  token): none of them, and no request signature, shows anywhere (see reliability_support.check_nothing_leaks).

Set EFLO_BAD_INPUT_DUMP=1 to print every actual message (to update the document after a deliberate change).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

from reliability_support import BAD_INPUT_PLAYBOOKS as PLAYBOOKS
from reliability_support import CANARY, RogueServer, bad_input_vars, check_no_crash, check_nothing_leaks, iter_doc_rows, matches
from reliability_support import TlsServer, register_canaries

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = REPO_ROOT / "docs" / "bad-input.md"


def documented_rows(modules: tuple) -> List[Dict[str, str]]:
    return [row for row in iter_doc_rows(DOC) if row["module"] in modules]


def row_records(run: Any) -> Dict[str, List[Dict[str, Any]]]:
    """Task records of the ``Bad input NN: ...`` tasks by number NN (as written, e.g. "07")."""
    found: Dict[str, List[Dict[str, Any]]] = {}
    for record in run.results:
        name = record["task"] or ""
        if record["kind"] == "task" and name.startswith("Bad input "):
            found.setdefault(name.split(":", 1)[0].split()[-1], []).append(record)
    return found


def check_rows(run: Any, rows: List[Dict[str, str]]) -> List[str]:
    """Every documented row: one failed task whose msg matches. Returns the problems."""
    problems = []
    records = row_records(run)
    for row in rows:
        number = row["number"]
        got = records.pop(number.zfill(2), None)
        if not got:
            problems.append("row %s (%s): no task 'Bad input %s: ...' ran" % (number, row["input"], number.zfill(2)))
            continue
        record = got[-1]
        msg = (record["result"] or {}).get("msg")
        if record["status"] != "ignored":
            problems.append("row %s: task status %s, not a failure: %s" % (number, record["status"], msg))
        if not matches(row["message"], msg):
            problems.append("row %s (%s):\n  documented: %s\n  actual:     %s" % (number, row["input"], row["message"], msg))
    for number in sorted(records):
        problems.append("task Bad input %s has no row in %s" % (number, DOC.name))
    return problems


def dump(run: Any) -> None:
    if os.environ.get("EFLO_BAD_INPUT_DUMP"):
        for number, records in sorted(row_records(run).items()):
            print("%s\t%s\t%s" % (number, records[-1]["status"], (records[-1]["result"] or {}).get("msg")))


def test_the_document_has_at_least_30_rows_each_with_a_message():
    rows = list(iter_doc_rows(DOC))
    numbers = [int(row["number"]) for row in rows]
    assert len(rows) >= 30
    assert numbers == sorted(set(numbers)), "row numbers must be unique and increasing"
    assert all(row["message"] and row["message"] != "…" for row in rows)
    known = {module for playbook in PLAYBOOKS.values() for module in playbook[1]}
    assert {row["module"] for row in rows} <= known


@pytest.mark.simulator
@pytest.mark.parametrize("group", sorted(PLAYBOOKS))
def test_bad_inputs_get_the_documented_message_and_no_traceback(group, simulator, run_playbook, tmp_path):
    playbook, modules = PLAYBOOKS[group]
    register_canaries(simulator)
    keys = {"good_key_id": CANARY["key_id"], "good_key_secret": CANARY["key_secret"], "wrong_secret": CANARY["wrong_secret"],
            "expired_key_id": CANARY["expired_id"], "expired_key_secret": CANARY["expired_secret"],
            "expired_token": CANARY["expired_token"]}
    with RogueServer() as rogue, TlsServer() as tls:
        run = run_playbook(playbook, dict(bad_input_vars(simulator, tmp_path, rogue.url, keys), tls_url=tls.url), verbosity=4)
    dump(run)
    rows = documented_rows(modules)
    assert rows, "no rows for %s in %s" % (", ".join(modules), DOC)

    assert run.rc == 0, run.explain()
    problems = check_no_crash(run) + check_rows(run, rows)
    assert not problems, "\n".join(problems)
    check_nothing_leaks(run)  # the wrong secret, the expired token and the good secret: nowhere, even at -vvvv
