# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the reliability tests (test_bad_input.py, test_secrets.py, test_faults.py, test_long_wait.py).

* :class:`RogueServer`: an HTTP server on 127.0.0.1 that answers every call with a canned bad answer chosen by the
  ``TaskId`` (or ``ClusterId``) of the request: 10 MB bodies, non-UTF-8 bytes, HTML, a silent server...; any
  other call (STS ``GET`` calls too) gets a 400 error whose message echoes the whole request (headers, query,
  body: signatures, tokens), as some gateways do.
* :func:`offline_dns`: a ``sitecustomize`` directory that makes every ``*.aliyuncs.com`` name unresolvable in the
  module processes (put it on ``PYTHONPATH``), so no test ever asks a real DNS server about Alibaba Cloud hosts and an
  unknown region fails the way it fails for a user: the host name does not resolve.
* :data:`CANARY`, :func:`register_canaries`, :func:`check_nothing_leaks`: distinctive secrets (all start with
  ``LeakCanary``) and the check that none of them, no ``Signature=`` value and no issued STS token shows in a run.
* :func:`check_no_crash`: no traceback and no ``MODULE FAILURE`` in a playbook run.
* :class:`TlsServer`: a TLS listener on 127.0.0.1 with a self-signed certificate that no CA store trusts.
"""

from __future__ import annotations

import datetime
import json
import re
import socket
import ssl
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl

TEN_MB = 10 * 1024 * 1024
BAD_INPUT_PLAYBOOKS = {  # group -> (playbook, modules whose rows of docs/bad-input.md it runs)
    "modules": ("tests/integration/playbooks/reliability/bad_input.yml", ("eflo_task_info", "eflo_api")),
    "wait": ("tests/integration/playbooks/reliability/bad_input_wait.yml", ("eflo_task_wait",)),
}
WRONG_SECRET = "WrongSecretForBadInputTests0000000"
EXPIRED = {"id": "STS.BadInputExpiredKey", "secret": "BadInputExpiredSecret000000", "token": "BadInputExpiredToken"}
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

            def echo(self, raw: bytes) -> Answer:
                """A 400 whose message repeats the whole request, as some gateways and proxies do."""
                request = "%s %s\n%s\n%s" % (self.command, self.path, self.headers, raw.decode("utf-8", "replace"))
                return 400, {"Content-Type": "application/json"}, _json({
                    "RequestId": "ECHO-1", "Code": "InvalidParameter", "Message": "Bad request: " + request,
                    "Recommend": "https://example.invalid/troubleshoot?request=" + request})

            def do_GET(self) -> None:  # noqa: N802 - http.server API (STS calls are GET)
                self.answer(self.echo(b""))

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                pairs = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
                query = dict(parse_qsl(self.path.partition("?")[2], keep_blank_values=True))
                key = pairs.get("TaskId") or pairs.get("ClusterId") or query.get("TaskId") or ""
                if key == "silent":
                    stop.wait(600)  # hold the connection open without a byte of answer
                    return
                self.answer(answers.get(key) or self.echo(raw))

            def answer(self, answer: Answer) -> None:
                status, headers, body = answer
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
                conn = self.sock.accept()[0]
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


class TlsServer:
    """A TLS listener on 127.0.0.1 whose certificate is self-signed (made here, with ``cryptography`` when it is
    installed, else the ``openssl`` command): every client that verifies certificates refuses it."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="eflo-tls-")
        cert, key = self_signed_certificate(Path(self._dir.name))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.server.handle_error = lambda *args: None  # type: ignore[method-assign] - refused handshakes are expected
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return "https://127.0.0.1:%d" % self.server.server_address[1]

    def __enter__(self) -> "TlsServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._dir.cleanup()


def self_signed_certificate(directory: Path) -> Tuple[str, str]:
    """(certificate, key) PEM files of a self-signed certificate for 127.0.0.1 written into ``directory``."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        from cryptography import x509  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
        from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel
    except ImportError:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "1", "-subj", "/CN=eflo-test-self-signed", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
        return str(cert), str(key)
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eflo-test-self-signed")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(private, hashes.SHA256()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return str(cert), str(key)


# ------------------------------------------------------------------------------------------- bad input vars
def prepare_homes(root: Path) -> Dict[str, str]:
    """HOME directories with missing, broken or unreadable credential files; plus a file that is not PEM."""
    homes = {name: root / name for name in ("empty", "profiles", "broken_json", "unreadable", "broken_ini", "odd_ini")}
    for path in homes.values():
        path.mkdir(parents=True)
    profiles = {
        "current": "default",
        "profiles": [
            {"name": "default", "mode": "AK", "access_key_id": "LTAI5tProfileKey", "access_key_secret": "ProfileSecret0000000000000",
             "region_id": "cn-wulanchabu"},
            {"name": "odd", "mode": "Magic", "region_id": "cn-wulanchabu"},
        ],
    }
    (homes["profiles"] / ".aliyun").mkdir()
    (homes["profiles"] / ".aliyun" / "config.json").write_text(json.dumps(profiles), encoding="utf-8")
    (homes["broken_json"] / ".aliyun").mkdir()
    (homes["broken_json"] / ".aliyun" / "config.json").write_text('{"current": "default", "profiles": [', encoding="utf-8")
    (homes["unreadable"] / ".aliyun" / "config.json").mkdir(parents=True)  # a directory: cannot be read as a file
    (homes["broken_ini"] / ".alibabacloud").mkdir()
    (homes["broken_ini"] / ".alibabacloud" / "credentials.ini").write_text("[default\ntype = access_key\n", encoding="utf-8")
    (homes["odd_ini"] / ".alibabacloud").mkdir()
    (homes["odd_ini"] / ".alibabacloud" / "credentials.ini").write_text("[default]\ntype = magic\n", encoding="utf-8")
    not_pem = root / "not-a-certificate.pem"
    not_pem.write_text("this is not a certificate\n", encoding="utf-8")
    result = {name: str(path) for name, path in homes.items()}
    result["not_pem"] = str(not_pem)
    return result


def write_vars_file(path: Path, data: Dict[str, Any]) -> str:
    """A vars file for ``vars_files`` (JSON is YAML): how tests hand secrets to a playbook without putting them on
    the command line, where ``ansible-playbook -vvvv`` prints every extra var."""
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def bad_input_vars(simulator: Any, tmp_path: Path, rogue_url: str, keys: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Extra vars of the bad-input playbooks: the simulator, the rogue server, homes, and a file with the keys.

    ``keys`` (good_key_id, good_key_secret, wrong_secret, expired_key_id, expired_key_secret, expired_token) replace
    the default ones; the caller then registers them with the simulator itself.
    """
    if keys is None:
        simulator.control("POST", "/_sim/credentials", {
            "access_key_id": EXPIRED["id"], "access_key_secret": EXPIRED["secret"], "security_token": EXPIRED["token"],
            "expires_in_s": 0,
        })
        keys = {"good_key_id": simulator.access_key_id, "good_key_secret": simulator.access_key_secret,
                "wrong_secret": WRONG_SECRET, "expired_key_id": EXPIRED["id"], "expired_key_secret": EXPIRED["secret"],
                "expired_token": EXPIRED["token"]}
    existing = simulator.add_tasks({"task_type": "reclone_node", "count": 1, "duration_s": 3600})["task_ids"]
    return {
        **simulator.extra_vars,
        "rogue_url": rogue_url,
        "offline_dns": str(offline_dns(tmp_path / "offline-dns")),
        "homes": prepare_homes(tmp_path / "homes"),
        "keys_file": write_vars_file(tmp_path / "keys.json", keys),
        "existing_task_ids": existing,
        "reclone_task_id": existing[0],
    }


# ------------------------------------------------------------------------------------------------ canaries
CANARY = {
    "key_id": "LTAI5tCanaryKeyId",
    "key_secret": "LeakCanaryKeySecret-7f3a/9c2e+1b5d=",
    "sts_id": "STS.CanaryStsKeyId",
    "sts_secret": "LeakCanaryStsSecret-4d8e2a6c9f01",
    "sts_token": "LeakCanaryStsToken/9a1b+c3d=e5f7&x",
    "profile_id": "LTAI5tCanaryProfileKeyId",
    "profile_secret": "LeakCanaryProfileSecret-0b7c 5e3a",
    "profile_sts_id": "STS.CanaryProfileStsKeyId",
    "profile_sts_secret": "LeakCanaryProfileStsSecret-55aa",
    "profile_sts_token": "LeakCanaryProfileStsToken-66bb",
    "ini_id": "LTAI5tCanaryIniKeyId",
    "ini_secret": "LeakCanaryIniSecret-2e4f6a8c",
    "oidc_token": "LeakCanaryOidcToken.eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl",
    "wrong_secret": "LeakCanaryWrongSecret-13579bdf",
    "expired_id": "STS.CanaryExpiredKeyId",
    "expired_secret": "LeakCanaryExpiredSecret-8642",
    "expired_token": "LeakCanaryExpiredToken-2468ace0",
    "password": "LeakCanaryPassword-Zx9!",
}
SECRETS = [value for name, value in CANARY.items() if not name.endswith("_id")]
ISSUED_TOKEN = re.compile(r"CAIS[A-Za-z0-9+/]{16,}")  # tokens the simulator's STS and metadata service issue
OIDC = {"role_arn": "acs:ram::1234567890123456:role/eflo-oidc", "provider_arn": "acs:ram::1234567890123456:oidc-provider/ack-rrsa"}


def register_canaries(simulator: Any) -> None:
    """Teach the simulator the canary keys (the expired STS key expires at once)."""
    keys = [
        ("key_id", "key_secret", None, None), ("sts_id", "sts_secret", "sts_token", None),
        ("profile_id", "profile_secret", None, None), ("profile_sts_id", "profile_sts_secret", "profile_sts_token", None),
        ("ini_id", "ini_secret", None, None), ("expired_id", "expired_secret", "expired_token", 0),
    ]
    for key_id, secret, token, expires in keys:
        body: Dict[str, Any] = {"access_key_id": CANARY[key_id], "access_key_secret": CANARY[secret]}
        if token:
            body["security_token"] = CANARY[token]
        if expires is not None:
            body["expires_in_s"] = expires
        simulator.control("POST", "/_sim/credentials", body)


def check_nothing_leaks(run: Any) -> None:
    """No canary secret, Signature value or issued STS token anywhere in the run's output and results."""
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    for index, record in enumerate(run.results):
        texts["result %d (%s)" % (index, record["task"])] = json.dumps(record)
    problems = leaks(SECRETS, texts)
    problems += ["LeakCanary in %s" % where for where, text in texts.items() if "LeakCanary" in text]
    for where, text in texts.items():
        problems += ["%s: %s" % (where, value[:24]) for value in signature_values(text)]
        problems += ["%s: issued token %s..." % (where, token[:12]) for token in ISSUED_TOKEN.findall(text)]
    problems += check_no_crash(run)
    contexts = ["%s: ...%s..." % (where, text[max(0, m.start() - 160):m.end() + 60].replace("\n", " | "))
                for where, text in texts.items() for m in re.finditer(r"LeakCanary|Signature=[A-Za-z0-9%]{8}", text)][:12]
    assert not problems, "\n".join(sorted(set(problems)) + ["--- where:"] + contexts)


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
