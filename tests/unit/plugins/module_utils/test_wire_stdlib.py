# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The standard-library wire against real sockets on 127.0.0.1: answers, connection reuse, every error kind,
the body cap, TLS; the same client error wording as the httpx wire; and when a module run picks it."""
from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator, List, Tuple

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils import client as client_mod
from ansible_collections.alibabacloud.eflo.plugins.module_utils import options
from ansible_collections.alibabacloud.eflo.plugins.module_utils.client import ClientConfig, EfloClient
from ansible_collections.alibabacloud.eflo.plugins.module_utils.credentials import Credentials
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError, ResponseParseError, TransportError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire import BodyTooLarge, WireError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire_httpx import HttpxWire
from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire_stdlib import StdlibWire

PLAIN = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
KEY_ID, SECRET = "LTAI5tWireTestKey", "WireTestSecret0123456789abcdef"


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
    wire = StdlibWire(verify=PLAIN, max_body=1024)
    first = exchange(wire, server.url())
    second = exchange(wire, server.url(), body=b"b=2")
    wire.close()
    assert (first.status, first.body) == (second.status, second.body) == (200, b'{"ok": true}')
    assert first.headers.get("X-Acs-Request-Id") == "RID-1" and first.headers.get("x-acs-request-id") == "RID-1"
    assert server.requests == [("POST", "/?Action=DescribeTask", "a=1"), ("POST", "/?Action=DescribeTask", "b=2")]
    assert server.connections == 1


def test_a_connection_the_server_closed_is_replaced_and_no_request_is_sent_twice(serve) -> None:
    server = serve(reply(close=True))
    wire = StdlibWire(verify=PLAIN, max_body=1024)
    for _call in range(3):
        assert exchange(wire, server.url()).status == 200
    wire.close()
    assert len(server.requests) == 3 and server.connections == 3


def test_an_error_status_is_an_answer_not_an_error(serve) -> None:
    server = serve(reply(status=503, body=b"<html>busy</html>"))
    answer = exchange(StdlibWire(verify=PLAIN, max_body=1024), server.url())
    assert (answer.status, answer.body) == (503, b"<html>busy</html>")


# ------------------------------------------------------------------------------------------------ errors
def test_connection_refused_is_a_connect_error() -> None:
    with pytest.raises(WireError) as caught:
        exchange(StdlibWire(verify=PLAIN, max_body=1024), "http://127.0.0.1:%d/" % free_port())
    assert caught.value.kind == "connect" and caught.value.name == "ConnectError"
    assert caught.value.detail == "[Errno 111] Connection refused"


def test_an_unknown_host_is_a_dns_error(monkeypatch) -> None:
    def no_such_host(*_args: Any, **_kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(WireError) as caught:
        exchange(StdlibWire(verify=PLAIN, max_body=1024), "http://eflo-controller.nowhere.invalid/")
    assert caught.value.kind == "dns"


def test_a_server_that_never_answers_is_a_timeout() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with pytest.raises(WireError) as caught:
            exchange(StdlibWire(verify=PLAIN, max_body=1024), "http://127.0.0.1:%d/" % listener.getsockname()[1], timeout=0.2)
    assert caught.value.kind == "timeout" and caught.value.name == "ReadTimeout"


def test_a_server_that_hangs_up_is_a_network_error(serve) -> None:
    def hang_up(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    server = serve(hang_up)
    with pytest.raises(WireError) as caught:
        exchange(StdlibWire(verify=PLAIN, max_body=1024), server.url())
    assert caught.value.kind == "network" and caught.value.name == "RemoteProtocolError"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "http:///nohost", "http://127.0.0.1:99999/"])
def test_an_unusable_url_is_unsupported(url: str) -> None:
    with pytest.raises(WireError) as caught:
        exchange(StdlibWire(verify=PLAIN, max_body=1024), url)
    assert caught.value.kind == "unsupported"


def test_a_declared_or_streamed_body_over_the_cap_is_not_read(serve) -> None:
    big = serve(reply(body=b"x" * 2048))
    with pytest.raises(BodyTooLarge) as caught:
        exchange(StdlibWire(verify=PLAIN, max_body=1024), big.url())
    assert caught.value.size == 2048 and caught.value.status == 200

    def streamed(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        handler.wfile.write(b"y" * 3000)

    server = serve(streamed)
    with pytest.raises(BodyTooLarge) as caught:
        exchange(StdlibWire(verify=PLAIN, max_body=1024), server.url())
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
    assert exchange(StdlibWire(verify=verify, max_body=1024), server.url("https")).status == 200


def test_an_untrusted_certificate_is_a_tls_error_on_both_wires(serve, certificate) -> None:
    server = tls_server(serve, certificate)
    config = ClientConfig(endpoint_url=server.url("https"), retries=0)
    verify = client_mod.tls_verify(config, env={})
    messages = []
    for wire in (StdlibWire(verify=verify, max_body=1024), None):
        with EfloClient(config, StaticCreds(), wire=wire, verify=verify) as api:
            with pytest.raises(TransportError) as caught:
                api.call("DescribeTask", {"TaskId": "i-1"})
        assert caught.value.kind == "tls"
        messages.append(caught.value.msg.split("(")[0])
    assert messages[0] == messages[1] and "TLS certificate could not be verified" in messages[0]


# ------------------------------------------------------------------------------- the client over both wires
class StaticCreds:
    def get(self) -> Credentials:
        return Credentials(access_key_id=KEY_ID, access_key_secret=SECRET, source="test")

    def invalidate(self) -> None:
        pass


def both_wires(config: ClientConfig) -> List[Any]:
    return [StdlibWire(verify=PLAIN, max_body=client_mod.MAX_BODY_BYTES),
            HttpxWire(verify=PLAIN, max_body=client_mod.MAX_BODY_BYTES, connect_timeout=config.connect_timeout, read_timeout=config.read_timeout)]


def test_the_client_words_failures_the_same_whatever_the_wire(serve) -> None:
    refused = ClientConfig(endpoint_url="http://127.0.0.1:%d" % free_port(), retries=0)
    words = []
    for wire in both_wires(refused):
        with EfloClient(refused, StaticCreds(), wire=wire) as api:
            with pytest.raises(TransportError) as caught:
                api.call("DescribeTask", {"TaskId": "i-1"})
        assert caught.value.kind == "connect" and "could not connect" in caught.value.msg
        words.append(caught.value.msg)
    assert words[0] == words[1] and "(ConnectError: [Errno 111] Connection refused)" in words[0]

    big = serve(reply(body=b"{" + b" " * (client_mod.MAX_BODY_BYTES + 10) + b"}"))
    config = ClientConfig(endpoint_url=big.url().rstrip("/"), retries=0)
    for wire in both_wires(config):
        with EfloClient(config, StaticCreds(), wire=wire) as api:
            with pytest.raises(ResponseParseError, match="larger than 8 MiB"):
                api.call("DescribeTask", {"TaskId": "i-1"})


def test_the_client_reads_answers_and_never_shows_the_secret_over_the_stdlib_wire(serve) -> None:
    echo = serve(reply(status=400, body=b'{"Code": "InvalidParameter", "Message": "bad", "RequestId": "R1"}'))
    config = ClientConfig(endpoint_url=echo.url().rstrip("/"), retries=0)
    with EfloClient(config, StaticCreds(), wire=StdlibWire(verify=PLAIN, max_body=1024)) as api:
        assert api.wire_name == "StdlibWire"
        with pytest.raises(Exception) as caught:
            api.call("DescribeTask", {"TaskId": "i-1"})
    assert "InvalidParameter" in str(caught.value) and SECRET not in str(caught.value)
    assert echo.requests == [("POST", "/", "TaskId=i-1")]  # V3: the parameters travel in the signed body


# ------------------------------------------------------------------------------------ which wire a run gets
def params(endpoint: str) -> dict:
    values = {name: None for name in ("access_key_id", "access_key_secret", "security_token", "region_id", "profile", "endpoint",
                                      "ca_bundle", "sts_endpoint", "metadata_endpoint", "assume_role")}
    values.update(endpoint=endpoint, access_key_id=KEY_ID, access_key_secret=SECRET, validate_certs=True, connect_timeout=5.0,
                  read_timeout=10.0, retries=0, signature_version="v3", region_id="cn-hangzhou")
    return values


@pytest.mark.parametrize("env, light, expected", [
    ({}, True, "StdlibWire"),
    ({}, False, "HttpxWire"),
    ({"HTTPS_PROXY": "http://127.0.0.1:3128"}, True, "HttpxWire"),
    ({"http_proxy": "http://127.0.0.1:3128"}, True, "HttpxWire"),
    ({"NO_PROXY": "*"}, True, "StdlibWire"),
])
def test_a_one_shot_run_gets_the_stdlib_wire_unless_a_proxy_is_set(env, light, expected) -> None:
    client, _creds = options.build_client_with_credentials(params("http://127.0.0.1:9"), env, "/nonexistent", light=light)
    with client:
        assert client.wire_name == expected


def test_a_test_transport_always_gets_the_httpx_wire() -> None:
    httpx = pytest.importorskip("httpx")
    client, _creds = options.build_client_with_credentials(params("http://127.0.0.1:9"), {}, "/nonexistent", light=True,
                                                           transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    with client:
        assert client.wire_name == "HttpxWire"


def test_an_unsupported_scheme_is_a_configuration_error_over_the_stdlib_wire() -> None:
    config = ClientConfig(endpoint_url="http://127.0.0.1:9", retries=0)
    with EfloClient(config, StaticCreds(), wire=StdlibWire(verify=PLAIN, max_body=1024)) as api:
        api.base_url = "ftp://127.0.0.1:9"
        with pytest.raises(ConfigurationError, match="Use an http:// or https:// endpoint"):
            api.call("DescribeTask", {"TaskId": "i-1"})
