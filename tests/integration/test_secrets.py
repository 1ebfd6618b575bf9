# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets never show: the playbooks and the demo at -vvvv with distinctive secrets, successes and failures.

Every secret below starts with ``LeakCanary`` (access key ids do not: they are not secret). The simulator accepts
them. They are put in module options, in the environment of ansible-playbook, in aliyun CLI profiles and
credentials.ini files, and in an OIDC token file, and the runs include the authentication-failure paths: wrong
secrets, expired tokens, an STS endpoint that refuses or echoes the request, an API gateway that echoes the whole
request (signature and token included) in its error message. The bad-input playbooks (wrong secrets, expired
tokens, broken profiles) run at -vvvv with these secrets too, in test_bad_input.py. For every run the test asserts that no secret (raw
or URL-encoded), no ``Signature=`` value and no STS token issued by the simulator (``CAIS...``) appears in stdout,
stderr, any registered result, warning or deprecation. It also checks that each run really took the path it is
meant to take (the expected successes and failures), so that a run that stops early cannot pass by saying nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from reliability_support import CANARY, OIDC, RogueServer, check_nothing_leaks, register_canaries, write_vars_file

pytestmark = pytest.mark.simulator


def canary_homes(root: Path) -> Dict[str, str]:
    """HOME directories: an aliyun CLI config.json (AK, StsToken and a wrong-secret profile), a credentials.ini."""
    profile, ini, empty = root / "profile", root / "ini", root / "empty"
    (profile / ".aliyun").mkdir(parents=True)
    (ini / ".alibabacloud").mkdir(parents=True)
    empty.mkdir(parents=True)
    config = {"current": "canary-ak", "profiles": [
        {"name": "canary-ak", "mode": "AK", "access_key_id": CANARY["profile_id"], "access_key_secret": CANARY["profile_secret"],
         "region_id": "cn-wulanchabu"},
        {"name": "canary-sts", "mode": "StsToken", "access_key_id": CANARY["profile_sts_id"],
         "access_key_secret": CANARY["profile_sts_secret"], "sts_token": CANARY["profile_sts_token"], "region_id": "cn-wulanchabu"},
        {"name": "canary-wrong", "mode": "AK", "access_key_id": CANARY["profile_id"], "access_key_secret": CANARY["wrong_secret"],
         "region_id": "cn-wulanchabu"},
    ]}
    (profile / ".aliyun" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (ini / ".alibabacloud" / "credentials.ini").write_text(
        "[default]\ntype = access_key\naccess_key_id = %s\naccess_key_secret = %s\n" % (CANARY["ini_id"], CANARY["ini_secret"]),
        encoding="utf-8")
    return {"profile": str(profile), "ini": str(ini), "empty": str(empty)}


def oidc_token_file(root: Path) -> str:
    path = root / "oidc-token"
    path.write_text(CANARY["oidc_token"], encoding="utf-8")
    return str(path)


def statuses(run: Any, prefix: str) -> List[str]:
    return [record["status"] for record in run.results if record["kind"] == "task" and (record["task"] or "").startswith(prefix)]


# ------------------------------------------------------------------------------------------------ the runs
def test_modules_with_secrets_in_options_profiles_and_oidc_against_echoing_endpoints(simulator, run_playbook, tmp_path):
    register_canaries(simulator)
    [task_id] = simulator.add_tasks({"task_type": "reclone_node", "duration_s": 1, "waiting_s": 0})["task_ids"]
    with RogueServer() as rogue:
        extra = dict(simulator.extra_vars, rogue_url=rogue.url, task_id=task_id,
                     canary_file=write_vars_file(tmp_path / "canary.json", {"canary": CANARY}),
                     homes=canary_homes(tmp_path / "homes"), oidc=dict(OIDC, token_file=oidc_token_file(tmp_path)))
        run = run_playbook("tests/integration/playbooks/reliability/secrets.yml", extra, verbosity=4)

    assert run.rc == 0, run.explain()
    # the paths were taken: echoes and refusals failed, the real calls worked
    assert set(statuses(run, "Echo ")) == {"ignored"} and len(statuses(run, "Echo ")) == 12
    assert statuses(run, "Refused ") == ["ignored"] * 5
    assert statuses(run, "Works ") == ["ok"] * 8, [(r["task"], r["result"].get("msg")) for r in run.results]
    echoed = [r["result"]["msg"] for r in run.results if (r["task"] or "").startswith("Echo ")]
    assert all("Bad request" in msg or "InvalidParameter" in msg for msg in echoed), echoed  # the echo was read
    sources = {r["task"]: r["result"].get("credentials_source") for r in run.results if (r["task"] or "").startswith("Works ")}
    assert sources == {
        "Works 1 eflo_task_info V2 with an STS token": "options",
        "Works 2 eflo_api with an AccessKey and a password parameter": "options",
        "Works 3 eflo_task_info with assume_role": "assume_role(options)",
        "Works 4 eflo_task_wait with assume_role (STS base credentials)": "assume_role(options)",
        "Works 5 eflo_task_info with OIDC": "oidc",
        "Works 6 eflo_task_wait with OIDC": "oidc",
        "Works 7 eflo_task_info with a profile AccessKey": "cli_profile:canary-ak (AK)",
        "Works 8 eflo_task_wait with a credentials.ini AccessKey": "ini:default",
    }
    by_action = simulator.requests()["by_action"]
    assert by_action["AssumeRole"]["success"] >= 2 and by_action["AssumeRoleWithOIDC"]["success"] >= 2, by_action
    check_nothing_leaks(run)


def run_with_env_credentials(simulator: Any, run_playbook: Any, playbook: str, extra: Dict[str, Any], env: Dict[str, str]) -> Any:
    register_canaries(simulator)
    return run_playbook(playbook, dict(simulator.extra_vars, **extra), verbosity=4, env=env)


ENV_KEY = {"ALIBABA_CLOUD_ACCESS_KEY_ID": CANARY["key_id"], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": CANARY["key_secret"],
           "ALIBABA_CLOUD_REGION_ID": "cn-wulanchabu"}
ENV_STS = {"ALIBABACLOUD_ACCESS_KEY_ID": CANARY["sts_id"], "ALIBABACLOUD_ACCESS_KEY_SECRET": CANARY["sts_secret"],
           "ALIBABACLOUD_SECURITY_TOKEN": CANARY["sts_token"], "ALIBABA_CLOUD_REGION_ID": "cn-wulanchabu"}
FAST = {"cluster_task_delay": 0.5, "cluster_task_max_delay": 1, "cluster_task_post_check_delay": 1}


def test_the_demo_with_a_secret_in_the_environment(run_playbook, tmp_path):
    """The demo resets its simulator, so this one is started knowing the canary key (and the demo key)."""
    testing = pytest.importorskip("eflo_simulator.testing")
    keys = [{"access_key_id": CANARY["key_id"], "access_key_secret": CANARY["key_secret"]},
            {"access_key_id": testing.DEMO_ACCESS_KEY_ID, "access_key_secret": testing.DEMO_ACCESS_KEY_SECRET}]
    sim = testing.start_simulator(tmp_path, "--seed", "1", credentials=keys)
    try:
        run = run_playbook("playbooks/demo.yml", {"eflo_endpoint": sim.url, "eflo_region": "cn-wulanchabu",
                                                  "cluster_task_heartbeat_interval": 3},
                           verbosity=4, env=dict(ENV_KEY, EFLO_DEMO_SPEED="240"))
        by_action = sim.control("GET", "/_sim/requests")["by_action"]
    finally:
        testing.stop_simulator(sim)

    assert run.rc == 0, run.explain()
    assert "Demo finished: the failure above was scripted, so this run is a success." in run.stdout
    assert by_action["ReimageNodes"] == {"success": 1}, by_action
    assert "credentials_source" in run.stdout and '"credentials_source": "env"' in run.stdout
    check_nothing_leaks(run)


def test_example_pipelines_with_an_sts_token_and_a_profile(simulator, run_playbook, tmp_path):
    simulator.control("PUT", "/_sim/scenario", {"waiting_s": 0, "durations": {"initialize": 2, "reclone": 2}})
    first = run_with_env_credentials(simulator, run_playbook, "playbooks/initialize_cluster.yml",
                                     dict(FAST, eflo_cluster_name="canary"), ENV_STS)
    assert first.rc == 0, first.explain()
    assert first.task("Create the cluster")["result"]["credentials_source"] == "env"

    homes = canary_homes(tmp_path / "homes")
    second = run_with_env_credentials(simulator, run_playbook, "playbooks/reclone_nodes.yml", FAST,
                                      {"HOME": homes["profile"], "ALIBABA_CLOUD_PROFILE": "canary-ak"})
    assert second.rc == 0, second.explain()
    assert second.task("Reclone the nodes")["result"]["credentials_source"] == "cli_profile:canary-ak (AK)"
    for run in (first, second):
        check_nothing_leaks(run)


def test_waits_with_environment_and_ini_secrets_including_refusals(simulator, run_playbook, tmp_path):
    ids = simulator.add_tasks({"task_type": "reclone_node", "count": 2, "duration_s": 1, "waiting_s": 0})["task_ids"]
    homes = canary_homes(tmp_path / "homes")
    wait = "tests/integration/playbooks/task_wait/wait.yml"
    ok_env = run_with_env_credentials(simulator, run_playbook, wait, {"task_ids": ids}, ENV_STS)
    ok_ini = run_with_env_credentials(simulator, run_playbook, wait, {"task_ids": ids}, {"HOME": homes["ini"]})
    wrong = run_with_env_credentials(simulator, run_playbook, wait, {"task_ids": ids},
                                     dict(ENV_KEY, ALIBABA_CLOUD_ACCESS_KEY_SECRET=CANARY["wrong_secret"]))
    expired = run_with_env_credentials(
        simulator, run_playbook, "tests/integration/playbooks/reliability/wait.yml", {"task_ids": ids, "wait_timeout": 10},
        {"ALICLOUD_ACCESS_KEY": CANARY["expired_id"], "ALICLOUD_SECRET_KEY": CANARY["expired_secret"],
         "ALICLOUD_SECURITY_TOKEN": CANARY["expired_token"]})

    assert ok_env.rc == 0 and ok_ini.rc == 0, ok_env.explain() + ok_ini.explain()
    assert ok_ini.task("Wait for the tasks")["result"]["credentials_source"] == "ini:default"
    assert wrong.rc != 0 and "SignatureDoesNotMatch" in wrong.task("Wait for the tasks")["result"]["msg"]
    assert expired.rc != 0 and "InvalidSecurityToken.Expired" in expired.task("Wait for the tasks")["result"]["msg"]
    for run in (ok_env, ok_ini, wrong, expired):
        check_nothing_leaks(run)


def test_the_checks_find_a_leak(run_playbook, tmp_path):
    """The detector itself: a playbook that prints a canary secret and a signature is caught."""
    playbook = tmp_path / "leak.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: Leak\n      ansible.builtin.debug:\n        msg: 'Authorization: ACS3-HMAC-SHA256 Credential=x,"
        "SignedHeaders=host,Signature=0123456789abcdef0123456789abcdef {{ secret }} CAISAAAAAAAAAAAAAAAAAAAAAAAA'\n",
        encoding="utf-8")
    run = run_playbook(playbook, {"secret": CANARY["key_secret"]})
    with pytest.raises(AssertionError) as caught:
        check_nothing_leaks(run)
    message = str(caught.value)
    assert "LeakCanary" in message and "Signature=" in message and "issued token" in message
