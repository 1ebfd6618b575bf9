"""Helpers to run the simulator from tests (yours too): start it on a free port, sign calls, use the control API.

    sim = start_simulator(tmp_path, "--seed", "1")
    task_id = sim.create_tasks(task_type="reclone_node", duration_s=60)[0]
    sim.advance(120)
    assert sim.describe(task_id)["TaskState"] == "execution_success"
    stop_simulator(sim)
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from .credentials import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from .signing import format_acs_date, sign_v2, sign_v3


@dataclass
class Answer:
    status: int
    headers: Dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw.decode("utf-8"))


@dataclass
class Sim:
    url: str
    process: subprocess.Popen
    ready_file: Path

    @property
    def host(self) -> str:
        return self.url.split("//", 1)[1]

    @property
    def port(self) -> int:
        return int(self.host.rsplit(":", 1)[1])

    def http(self, method: str, target: str, body: bytes = b"", headers: Optional[Mapping[str, str]] = None) -> Answer:
        conn = http.client.HTTPConnection(self.host, timeout=30)
        try:
            conn.request(method, target, body=body, headers=dict(headers or {}))
            resp = conn.getresponse()
            return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def control(self, method: str, path: str, data: Optional[Mapping[str, Any]] = None) -> Any:
        answer = self.http(method, path, json.dumps(data).encode() if data is not None else b"")
        assert answer.status == 200, answer.raw
        return answer.json

    def create_tasks(self, **spec: Any) -> list:
        return self.control("POST", "/_sim/tasks", spec)["task_ids"]

    def advance(self, seconds: float) -> None:
        self.control("PUT", "/_sim/clock", {"advance_s": seconds})

    def call(
        self,
        action: str,
        params: Optional[Mapping[str, str]] = None,
        *,
        version: str = "v3",
        access_key_id: str = DEMO_ACCESS_KEY_ID,
        secret: str = DEMO_ACCESS_KEY_SECRET,
        token: Optional[str] = None,
        date: Optional[str] = None,
        nonce: Optional[str] = None,
        api_version: str = "2022-12-15",
        query: Optional[Mapping[str, str]] = None,
        method: str = "POST",
    ) -> Answer:
        kwargs = dict(
            host=self.host,
            action=action,
            params=dict(params or {}),
            access_key_id=access_key_id,
            access_key_secret=secret,
            date=date or format_acs_date(time.time()),
            nonce=nonce or uuid.uuid4().hex,
            security_token=token,
            version=api_version,
        )
        if version == "v3":
            signed = sign_v3(query=query, **kwargs)
        else:
            signed = sign_v2(method=method, **kwargs)
        return self.http(signed.method, signed.target, signed.body, dict(signed.headers))

    def describe(self, task_id: str) -> Dict[str, Any]:
        answer = self.call("DescribeTask", {"TaskId": task_id})
        assert answer.status == 200, answer.raw
        return answer.json

    def send_raw(self, raw: bytes) -> Tuple[int, bytes]:
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(raw)
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
                head, sep, rest = data.partition(b"\r\n\r\n")
                if sep:
                    length = [int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
                    if length and len(rest) >= length[0]:
                        break
        head, _sep, rest = data.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), rest


def start_simulator(directory: Path, *extra: str, credentials: Any = None, timeout: float = 30.0) -> Sim:
    """Run ``python -m eflo_simulator --port 0`` in ``directory`` and wait for its ready file.

    Its stdout and stderr go to ``directory/simulator.out`` and ``directory/simulator.err``.
    """
    directory = Path(directory)
    ready = directory / "ready.url"
    args = [sys.executable, "-m", "eflo_simulator", "--host", "127.0.0.1", "--port", "0", "--ready-file", str(ready), *extra]
    if credentials is not None:
        creds = directory / "credentials.json"
        creds.write_text(json.dumps(credentials))
        args += ["--credentials", str(creds)]
    with open(directory / "simulator.out", "wb") as out, open(directory / "simulator.err", "wb") as err:
        process = subprocess.Popen(args, stdout=out, stderr=err)
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError("simulator did not start: %s" % (directory / "simulator.err").read_text(errors="replace"))
        time.sleep(0.02)
    return Sim(ready.read_text().strip(), process, ready)


def stop_simulator(sim: Sim) -> int:
    """SIGTERM, then wait; returns the exit status (0 for a clean stop)."""
    sim.process.terminate()
    try:
        return sim.process.wait(timeout=15)
    finally:
        if sim.process.poll() is None:
            sim.process.kill()
            sim.process.wait()
