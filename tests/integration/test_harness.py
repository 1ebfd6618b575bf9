# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Smoke tests of the integration harness itself (conftest.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

PLAYBOOK = "tests/integration/playbooks/harness_smoke.yml"


def test_run_playbook_records_task_results(run_playbook):
    run = run_playbook(PLAYBOOK, {"harness_value": "hello from pytest"})

    assert run.rc == 0, run.explain()
    assert run.task("Echo a value")["result"]["msg"] == "hello from pytest"
    assert run.task("Check that the collection resolves to this checkout")["status"] == "ok"
    assert run.task("Fail on request")["status"] == "skipped"
    assert not run.failed
    assert "hello from pytest" in run.stdout  # the default stdout callback still prints


def test_run_playbook_reports_failures(run_playbook):
    run = run_playbook(PLAYBOOK, {"harness_fail": True}, verbosity=1)

    assert run.rc == 2, run.explain()
    failed = run.task("Fail on request")
    assert failed["status"] == "failed"
    assert failed["result"]["msg"] == "failing as asked"
    assert [r["task"] for r in run.failed] == ["Fail on request"]


def test_run_playbook_check_mode_and_env(run_playbook):
    run = run_playbook(PLAYBOOK, {"harness_value": "{{ lookup('ansible.builtin.env', 'HARNESS_PROBE') }}"},
                       env={"HARNESS_PROBE": "probe-value"}, check=True)

    assert run.rc == 0, run.explain()
    assert run.task("Echo a value")["result"]["msg"] == "probe-value"
    with pytest.raises(KeyError):
        run.task("No such task")


def test_run_playbook_hides_developer_credentials(run_playbook, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "developer-key-must-not-leak")
    run = run_playbook(PLAYBOOK, {"harness_value": "{{ lookup('ansible.builtin.env', 'ALIBABA_CLOUD_ACCESS_KEY_ID') }}"})

    assert run.rc == 0, run.explain()
    assert run.task("Echo a value")["result"]["msg"] == ""


@pytest.mark.simulator
def test_simulator_fixture_answers(simulator):
    parts = urlsplit(simulator.url)
    assert parts.scheme == "http"
    assert parts.hostname == "127.0.0.1"
    assert parts.port and parts.port > 0

    recorded = simulator.requests()
    assert isinstance(recorded, (list, dict))
    assert simulator.env["ALIBABA_CLOUD_ACCESS_KEY_ID"] == "LTAI5tEfloSimulatorDemo"
