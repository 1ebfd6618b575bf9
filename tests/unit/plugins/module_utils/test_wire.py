# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wire (HttpxWire) against real sockets on 127.0.0.1: answers, connection reuse, every error kind, the body
cap, TLS, and how the client words them."""
from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator, List, Tuple

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils import client as client_mod
from ansible_collections.alibabacloud.eflo.plugins.module_utils.client import ClientConfig, EfloClient
from ansible_collections.alibabacloud.eflo.plugins.module_utils.credentials import Credentials
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ResponseParseError, TransportError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire import BodyTooLarge, WireError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire_httpx import HttpxWire

PLAIN = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
KEY_ID, SECRET = "LTAI5tWireTestKey", "WireTestSecret0123456789abcdef"


def new_wire(verify: Any = PLAIN, max_body: int = 1024) -> HttpxWire:
    return HttpxWire(verify=verify, max_body=max_body, connect_timeout=5.0, read_timeout=5.0, user_agent="wire-test")


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a test that hangs up on purpose makes the handler fail; that is expected


class Server:
    """A threaded HTTP server on 127.0.0.1 whose answer is ``handle(handler)``; counts connections and requests."""

    def __init__(self, handle: Callable[[BaseHTTPRequestHandler], None], context: Any = None) -> None:
        outer = self
        self.requests: List[Tuple[str, str, str]] = []
        self.connections = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                outer.connections += 1
                super().setup()

            def do_POST(self) -> None:  # noqa: N802  # pylint: disable=invalid-name
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                outer.requests.append((self.command, self.path, body))
                handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, scheme: str = "http") -> str:
        return "%s://127.0.0.1:%d/" % (scheme, self.port)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(status: int = 200, body: bytes = b'{"ok": true}', headers: Tuple[Tuple[str, str], ...] = (), close: bool = False):
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            handler.send_header(name, value)
        if close:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.write(body)
    return handle


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: List[Server] = []

    def start(handle: Callable[[BaseHTTPRequestHandler], None], context: Any = None) -> Server:
        servers.append(Server(handle, context))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def exchange(wire: Any, url: str, body: bytes = b"a=1", timeout: float = 5.0) -> Any:
    return wire.exchange("POST", url + "?Action=DescribeTask", {"x-acs-action": "DescribeTask", "content-type": "application/x-www-form-urlencoded"},
                         body, connect_timeout=timeout, read_timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------------------------------- answers
def test_an_answer_with_case_insensitive_headers_and_one_connection_for_sequential_calls(serve) -> None:
    server = serve(reply(headers=(("x-acs-request-id", "RID-1"),)))
    wire = new_wire()
    first = exchange(wire, server.url())
    second = exchange(wire, server.url(), body=b"b=2")
    wire.close()
    assert (first.status, first.body) == (second.status, second.body) == (200, b'{"ok": true}')
    assert first.headers.get("X-Acs-Request-Id") == "RID-1" and first.headers.get("x-acs-request-id") == "RID-1"
    assert server.requests == [("POST", "/?Action=DescribeTask", "a=1"), ("POST", "/?Action=DescribeTask", "b=2")]
    assert server.connections == 1


def test_an_error_status_is_an_answer_not_an_error(serve) -> None:
    server = serve(reply(status=503, body=b"<html>busy</html>"))
    answer = exchange(new_wire(), server.url())
    assert (answer.status, answer.body) == (503, b"<html>busy</html>")


# ------------------------------------------------------------------------------------------------ errors
def test_connection_refused_is_a_connect_error() -> None:
    with pytest.raises(WireError) as caught:
        exchange(new_wire(), "http://127.0.0.1:%d/" % free_port())
    assert caught.value.kind == "connect" and caught.value.name == "ConnectError"
    assert caught.value.detail == "[Errno 111] Connection refused"


def test_an_unknown_host_is_a_dns_error(monkeypatch) -> None:
    def no_such_host(*_args: Any, **_kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(WireError) as caught:
        exchange(new_wire(), "http://eflo-controller.nowhere.invalid/")
    assert caught.value.kind == "dns"


def test_a_server_that_never_answers_is_a_timeout() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with pytest.raises(WireError) as caught:
            exchange(new_wire(), "http://127.0.0.1:%d/" % listener.getsockname()[1], timeout=0.2)
    assert caught.value.kind == "timeout" and caught.value.name == "ReadTimeout"


def test_a_server_that_hangs_up_is_a_network_error(serve) -> None:
    def hang_up(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    server = serve(hang_up)
    with pytest.raises(WireError) as caught:
        exchange(new_wire(), server.url())
    assert caught.value.kind == "network" and caught.value.name == "RemoteProtocolError"


def test_an_unusable_url_is_unsupported() -> None:
    with pytest.raises(WireError) as caught:
        exchange(new_wire(), "ftp://127.0.0.1/")
    assert caught.value.kind == "unsupported"


def test_a_declared_or_streamed_body_over_the_cap_is_not_read(serve) -> None:
    big = serve(reply(body=b"x" * 2048))
    with pytest.raises(BodyTooLarge) as caught:
        exchange(new_wire(), big.url())
    assert caught.value.size == 2048 and caught.value.status == 200

    def streamed(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        handler.wfile.write(b"y" * 3000)

    server = serve(streamed)
    with pytest.raises(BodyTooLarge) as caught:
        exchange(new_wire(), server.url())
    assert caught.value.size > 1024


# ---------------------------------------------------------------------------------------------------- TLS
@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def tls_server(serve, certificate) -> Server:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return serve(reply(), context)


def test_https_with_the_right_ca_bundle(serve, certificate) -> None:
    server = tls_server(serve, certificate)
    verify = client_mod.tls_verify(ClientConfig(endpoint_url=server.url("https"), ca_bundle=str(certificate[0])))
    assert exchange(new_wire(verify), server.url("https")).status == 200


def test_an_untrusted_certificate_is_a_tls_error(serve, certificate) -> None:
    server = tls_server(serve, certificate)
    config = ClientConfig(endpoint_url=server.url("https"), retries=0)
    with EfloClient(config, StaticCreds(), wire=new_wire(client_mod.tls_verify(config, env={}))) as api:
        with pytest.raises(TransportError) as caught:
            api.call("DescribeTask", {"TaskId": "i-1"})
    assert caught.value.kind == "tls" and "TLS certificate could not be verified" in caught.value.msg


# ------------------------------------------------------------------------------------------ the client
class StaticCreds:
    def get(self) -> Credentials:
        return Credentials(access_key_id=KEY_ID, access_key_secret=SECRET, source="test")

    def invalidate(self) -> None:
        pass


def test_the_client_words_wire_failures(serve) -> None:
    refused = ClientConfig(endpoint_url="http://127.0.0.1:%d" % free_port(), retries=0)
    with EfloClient(refused, StaticCreds(), wire=new_wire()) as api:
        with pytest.raises(TransportError) as caught:
            api.call("DescribeTask", {"TaskId": "i-1"})
    assert caught.value.kind == "connect" and "could not connect (ConnectError: [Errno 111] Connection refused)" in caught.value.msg

    big = serve(reply(body=b"{" + b" " * (client_mod.MAX_BODY_BYTES + 10) + b"}"))
    config = ClientConfig(endpoint_url=big.url().rstrip("/"), retries=0)
    with EfloClient(config, StaticCreds(), wire=new_wire(max_body=client_mod.MAX_BODY_BYTES)) as api:
        with pytest.raises(ResponseParseError, match="larger than 8 MiB"):
            api.call("DescribeTask", {"TaskId": "i-1"})


def test_the_client_reads_answers_and_never_shows_the_secret(serve) -> None:
    echo = serve(reply(status=400, body=b'{"Code": "InvalidParameter", "Message": "bad", "RequestId": "R1"}'))
    config = ClientConfig(endpoint_url=echo.url().rstrip("/"), retries=0)
    with EfloClient(config, StaticCreds(), wire=new_wire()) as api:
        with pytest.raises(Exception) as caught:
            api.call("DescribeTask", {"TaskId": "i-1"})
    assert "InvalidParameter" in str(caught.value) and SECRET not in str(caught.value)
    assert echo.requests == [("POST", "/", "TaskId=i-1")]  # V3: the parameters travel in the signed body


def test_a_module_run_with_option_credentials_never_compiles_the_other_credential_sources() -> None:
    code = (
        "import sys\n"
        "from ansible_collections.alibabacloud.eflo.plugins.module_utils import options\n"
        "p = {k: None for k in ('access_key_id','access_key_secret','security_token','region_id','profile','endpoint','ca_bundle',"
        "'sts_endpoint','metadata_endpoint','assume_role')}\n"
        "p.update(endpoint='https://127.0.0.1:9', access_key_id='k', access_key_secret='s', validate_certs=True, connect_timeout=1.0,"
        " read_timeout=1.0, retries=0, signature_version='v3', region_id='cn-hangzhou')\n"
        "client, _ = options.build_client_with_credentials(p, {}, '/nonexistent')\n"
        "print(sorted({name.rsplit('.', 1)[-1] for name in sys.modules} & {'credential_sources', 'configparser', 'models'}))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
