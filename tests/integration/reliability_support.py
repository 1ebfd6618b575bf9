# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the reliability tests (test_bad_input.py, test_secrets.py, test_faults.py, test_long_wait.py).

* :class:`RogueServer`: an HTTP server on 127.0.0.1 that answers every call with a canned bad answer chosen by the
  ``TaskId`` (or ``ClusterId``) of the request: 10 MB bodies, non-UTF-8 bytes, HTML, a silent server...
* :func:`offline_dns`: a ``sitecustomize`` directory that makes every ``*.aliyuncs.com`` name unresolvable in the
  module processes (put it on ``PYTHONPATH``), so no test ever asks a real DNS server about Alibaba Cloud hosts and an
  unknown region fails the way it fails for a user: the host name does not resolve.
* :func:`forbidden_in` / :func:`leaks`: find secrets in text.
* :func:`check_no_crash`: no traceback and no ``MODULE FAILURE`` in a playbook run.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl

TEN_MB = 10 * 1024 * 1024
CRASH_MARKERS = ("Traceback (most recent call last)", "MODULE FAILURE", "module_stderr", "MODULE_FAILURE")

SITECUSTOMIZE = '''\
# Test-only (written by tests/integration/reliability_support.py): *.aliyuncs.com does not resolve.
import socket as _socket

_real_getaddrinfo = _socket.getaddrinfo


def _offline_getaddrinfo(host, *args, **kwargs):
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host or "")
    if name.rstrip(".").lower().endswith("aliyuncs.com"):
        raise _socket.gaierror(_socket.EAI_NONAME, "Name or service not known")
    return _real_getaddrinfo(host, *args, **kwargs)


_socket.getaddrinfo = _offline_getaddrinfo
'''


def offline_dns(directory: Path) -> Path:
    """Write the ``sitecustomize.py`` described above into ``directory``; return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return directory


# ---------------------------------------------------------------------------------------------- rogue server
Answer = Tuple[int, Dict[str, str], bytes]


def _json(data: Any) -> bytes:
    return json.dumps(data).encode("utf-8")


def canned_answers() -> Dict[str, Answer]:
    """Bad answers by request id (``TaskId`` / ``ClusterId``): what a broken service or proxy can send."""
    big = b'{"RequestId": "big", "TaskState": "running", "Padding": "' + b"x" * TEN_MB + b'"}'
    deep = b"[" * 100000 + b"]" * 100000
    return {
        "big-declared": (200, {"Content-Type": "application/json"}, big),
        "big-chunked": (200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, big),
        "latin1": (200, {"Content-Type": "application/json"}, b'{"RequestId": "R-1", "TaskState": "r\xe9ussi"}'),
        "html200": (200, {"Content-Type": "text/html"}, b"<html><body><h1>Welcome to nginx!</h1></body></html>"),
        "empty200": (200, {"Content-Type": "application/json"}, b""),
        "array200": (200, {"Content-Type": "application/json"}, b'[{"TaskState": "running"}]'),
        "no-state": (200, {"Content-Type": "application/json"}, _json({"RequestId": "R-2", "TaskId": "no-state"})),
        "deep": (200, {"Content-Type": "application/json"}, deep),
        "html403": (403, {"Content-Type": "text/html"}, b"<html><body>Access denied by WAF</body></html>"),
    }


class RogueServer:
    """A threaded HTTP server on 127.0.0.1:0 serving :func:`canned_answers` (``silent``: never answers)."""

    def __init__(self) -> None:
        answers = canned_answers()
        stop = threading.Event()
        self.stop_event = stop

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                pairs = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
                query = dict(parse_qsl(self.path.partition("?")[2], keep_blank_values=True))
                key = pairs.get("TaskId") or pairs.get("ClusterId") or query.get("TaskId") or ""
                if key == "silent":
                    stop.wait(600)  # hold the connection open without a byte of answer
                    return
                status, headers, body = answers.get(key, (404, {"Content-Type": "application/json"},
                                                          _json({"Code": "NotFound", "Message": "no canned answer %s" % key})))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                chunked = headers.get("Transfer-Encoding") == "chunked"
                if not chunked:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if chunked:
                        for start in range(0, len(body), 65536):
                            piece = body[start:start + 65536]
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.write(b"0\r\n\r\n")
                    else:
                        self.wfile.write(body)
                except OSError:
                    pass  # the client stopped reading (a capped body): expected

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def __enter__(self) -> "RogueServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop_event.set()
        self.server.shutdown()
        self.server.server_close()


class SilentListener:
    """A TCP listener on 127.0.0.1 that accepts connections and never sends a byte (a hung service)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.accepted: List[socket.socket] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.sock.getsockname()[1]

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(conn)

    def __enter__(self) -> "SilentListener":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self.thread.join(timeout=5)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


# -------------------------------------------------------------------------------------------------- checks
def check_no_crash(run: Any) -> List[str]:
    """Problems that mean a crash: a traceback or MODULE FAILURE anywhere, or an ``exception`` in a result."""
    problems = []
    texts = {"stdout": run.stdout, "stderr": run.stderr, "results": json.dumps(run.results)}
    for where, text in texts.items():
        for marker in CRASH_MARKERS:
            if marker in text:
                problems.append("%r in %s" % (marker, where))
    for record in run.results:
        exception = str(record.get("exception") or "")
        # ansible-core 2.19 gives every failed result an exception summary ("Task failed."); a crash has a traceback
        if "Traceback" in exception or 'File "' in exception:
            problems.append("task %r has a traceback: %s" % (record["task"], exception[:300]))
    return problems


def leaks(secrets: Iterable[str], texts: Dict[str, str]) -> List[str]:
    """``where: secret`` for every secret (raw or URL-encoded) found in one of ``texts``."""
    from urllib.parse import quote, quote_plus

    found = []
    for secret in secrets:
        forms = {secret, quote(secret, safe=""), quote_plus(secret), quote(secret, safe="~")}
        for where, text in texts.items():
            if any(form in text for form in forms):
                found.append("%s: %s..." % (where, secret[:6]))
    return found


SIGNATURE_VALUE = re.compile(r"Signature=(?!<|\*|\$|\{)[A-Za-z0-9%+/=]{8,}")


def signature_values(text: str) -> List[str]:
    """``Signature=<value>`` occurrences that carry a real value (a hex or Base64 signature)."""
    return SIGNATURE_VALUE.findall(text)


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds passed (setup only, never an assertion)."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def iter_doc_rows(path: Path) -> Iterator[Dict[str, str]]:
    """Rows of the first markdown table in ``path`` whose first cell is a number: {number, module, input, message}."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) < 4 or not cells[0].isdigit():
            continue
        yield {"number": cells[0], "module": cells[1].strip("`"), "input": cells[2], "message": _unquote(cells[3])}


def _unquote(cell: str) -> str:
    """The text of a markdown code span (``` ``x`` ``` or `` `x` ``), else the cell as is."""
    if len(cell) >= 4 and cell.startswith("``") and cell.endswith("``"):
        return cell[2:-2].strip()
    if len(cell) >= 2 and cell.startswith("`") and cell.endswith("`"):
        return cell[1:-1]
    return cell


def message_pattern(documented: str) -> "re.Pattern[str]":
    """The documented message as a regex: ``…`` stands for any text, everything else is literal."""
    return re.compile(".*?".join(re.escape(part) for part in documented.split("…")), re.DOTALL)


def matches(documented: str, actual: Optional[str]) -> bool:
    return actual is not None and message_pattern(documented).fullmatch(actual) is not None
