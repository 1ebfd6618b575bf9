"""The command line: --port 0, the ready file, stdout, clean stop on SIGTERM/SIGINT, --credentials, --seed, --speed."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from eflo_simulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from eflo_simulator.testing import start_simulator, stop_simulator


def test_ready_file_stdout_and_sigterm(tmp_path: Path) -> None:
    sim = start_simulator(tmp_path, "--seed", "3")
    assert sim.url.startswith("http://127.0.0.1:") and sim.port > 0
    assert sim.control("GET", "/_sim/health")["url"] == sim.url
    assert stop_simulator(sim) == 0
    assert (tmp_path / "simulator.out").read_text().strip() == sim.url
    assert not sim.ready_file.exists()  # removed on a clean stop


def test_sigint_stops_cleanly(tmp_path: Path) -> None:
    sim = start_simulator(tmp_path)
    sim.process.send_signal(signal.SIGINT)
    assert sim.process.wait(timeout=15) == 0
    assert "Traceback" not in (tmp_path / "simulator.err").read_text()


def test_console_script_is_installed() -> None:
    script = shutil.which("eflo-simulator") or str(Path(sys.executable).parent / "eflo-simulator")
    out = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=30, check=False)
    assert out.returncode == 0 and "eflo-simulator" in out.stdout


def test_credentials_file_replaces_the_demo_keys(tmp_path: Path) -> None:
    sim = start_simulator(tmp_path, credentials=[{"access_key_id": "LTAI5tOwnKey", "access_key_secret": "OwnSecret"}])
    try:
        assert sim.call("ListClusters", access_key_id="LTAI5tOwnKey", secret="OwnSecret").status == 200
        assert sim.call("ListClusters", access_key_id=DEMO_ACCESS_KEY_ID, secret=DEMO_ACCESS_KEY_SECRET).json["Code"] == "InvalidAccessKeyId.NotFound"
    finally:
        assert stop_simulator(sim) == 0


@pytest.mark.parametrize("content", ["{not json", json.dumps({"access_key_id": "x"}), json.dumps([{"access_key_id": "x"}])])
def test_bad_credentials_file_exits_2(tmp_path: Path, content: str) -> None:
    path = tmp_path / "creds.json"
    path.write_text(content)
    out = subprocess.run([sys.executable, "-m", "eflo_simulator", "--credentials", str(path)], capture_output=True, text=True, timeout=30, check=False)
    assert out.returncode == 2 and "credentials" in out.stderr


def test_port_in_use_exits_2(tmp_path: Path) -> None:
    sim = start_simulator(tmp_path)
    try:
        out = subprocess.run([sys.executable, "-m", "eflo_simulator", "--port", str(sim.port)], capture_output=True, text=True, timeout=30, check=False)
        assert out.returncode == 2 and "cannot listen" in out.stderr
    finally:
        stop_simulator(sim)


def test_same_seed_same_ids_and_speed(tmp_path: Path) -> None:
    ids = []
    for name in ("a", "b"):
        directory = tmp_path / name
        directory.mkdir()
        sim = start_simulator(directory, "--seed", "42", "--speed", "10", "--no-demo-cluster")
        try:
            ids.append(sim.create_tasks(task_type="reclone_node", count=3))
            assert sim.control("GET", "/_sim/clock")["speed"] == 10
            assert sim.call("ListClusters").json["Clusters"] == []
        finally:
            stop_simulator(sim)
    assert ids[0] == ids[1]
