# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A wait that cannot succeed ends at once and says why: real ansible-playbook runs of eflo_task_wait with the
DEFAULT timeout (one hour), each of which must end in well under a minute with a ``msg`` that names the cause.

* an endpoint that never answered: a closed port (connection refused), a host name that does not resolve (the
  reserved ``.invalid`` top-level domain): the wait ends after ``unreachable_attempts`` (3) polls or
  ``unreachable_grace`` (30 s), with status ``error``;
* a TLS certificate that does not verify (a local server with a self-signed certificate): the first poll ends it;
* an unknown task id ends at ``not_found_grace``, give or take one poll.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Dict

import pytest

from reliability_support import TlsServer, check_no_crash

FAST_ENOUGH = 45.0  # seconds: the defaults (3 polls, 12 s delay, 30 s grace) end by ~30 s; one hour otherwise
TASK_ID = "i150000000000000000001"
PLAYBOOK = """\
- name: Wait with the default timeout
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait
      alibabacloud.eflo.eflo_task_wait:
        endpoint: "{{ eflo_endpoint }}"
        task_id: "{{ task_id }}"
        not_found_grace: "{{ grace | default(omit) }}"
"""
ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tFailsFastTestKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "FailsFastTestSecret00000000000"}


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_on(run_playbook: Any, tmp_path: Path, endpoint: str, env: Dict[str, str], **extra: Any) -> Dict[str, Any]:
    playbook = tmp_path / "wait_default_timeout.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    run = run_playbook(playbook, dict(eflo_endpoint=endpoint, task_id=TASK_ID, **extra), env=env)
    assert run.rc != 0, run.explain()
    assert not check_no_crash(run)
    record = run.task("Wait")
    assert record["status"] == "failed"
    return record["result"]


def check_never_answered(result: Dict[str, Any], host: str, cause: str, fix: str) -> None:
    msg = result["msg"]
    assert result["elapsed"] < FAST_ENOUGH, msg
    assert msg.startswith("eflo_task_wait: the endpoint never answered: eflo-controller DescribeTask to "), msg
    assert "3 polls of task %s in a row could not connect" % TASK_ID in msg, msg
    assert host in msg and cause in msg and fix in msg, msg
    assert result["error"] == {"kind": "connect"} and result["polls"] == 3 and result["retries"] == 2
    assert result["pending_task_ids"] == [TASK_ID] and result["timed_out_task_ids"] == []


def test_a_closed_port_ends_the_wait_in_seconds(run_playbook, tmp_path):
    port = closed_port()
    result = wait_on(run_playbook, tmp_path, "http://127.0.0.1:%d" % port, ENV)
    check_never_answered(result, "http://127.0.0.1:%d" % port, "Connection refused", "Check the endpoint")


def test_a_host_name_that_does_not_resolve_ends_the_wait_in_seconds(run_playbook, tmp_path):
    host = "eflo-controller.no-such-region.invalid"
    result = wait_on(run_playbook, tmp_path, "https://" + host, ENV)
    check_never_answered(result, host, "could not be resolved", "Check region_id")


def test_a_certificate_that_does_not_verify_ends_the_wait_at_the_first_poll(run_playbook, tmp_path):
    with TlsServer() as server:
        result = wait_on(run_playbook, tmp_path, server.url, ENV)
    msg = result["msg"]
    assert result["elapsed"] < 10, msg
    assert result["polls"] == 1 and result["retries"] == 0 and result["error"] == {"kind": "tls"}
    assert server.url in msg and "TLS certificate could not be verified" in msg and "ca_bundle" in msg, msg


@pytest.mark.simulator
def test_an_unknown_task_id_ends_at_not_found_grace(simulator, run_playbook, tmp_path):
    grace = 20
    result = wait_on(run_playbook, tmp_path, simulator.url, simulator.env, grace=grace)
    msg = result["msg"]
    assert grace <= result["elapsed"] < grace + 5, msg  # polled again when the grace ends, not a whole delay later
    assert result["failed_task_ids"] == [TASK_ID]
    assert "%s was not found for %ds (not_found_grace %ds)" % (TASK_ID, grace, grace) in msg, msg
