# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EfloClient: signed eflo-controller RPC calls over one reused connection pool (a :mod:`wire`).

Every attempt is signed again (fresh date and nonce, the provider's current credentials). What is retried is
:func:`retry.classify`'s verdict, within ``ClientConfig.retries`` and the caller's ``deadline`` (a value of the
injected ``clock``; a delay past it raises :class:`DeadlineExceeded`). Every failure is a typed error whose
message names the action, code, message, request id and HTTP status, with a hint for common codes, secrets masked.
"""

from __future__ import annotations

import json
import random
import os
import ssl
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any, Callable, Dict, Mapping, Optional, Tuple
from urllib.parse import unquote, urlsplit

from ansible_collections.alibabacloud.eflo.plugins.module_utils.credentials import CredentialProvider, Credentials, utcnow
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    DeadlineExceeded,
    EfloError,
    ResponseParseError,
    excerpt,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import error_fields, json_object
from ansible_collections.alibabacloud.eflo.plugins.module_utils.params import flatten_params, split_params, validate_action
from ansible_collections.alibabacloud.eflo.plugins.module_utils.redact import Redactor
from ansible_collections.alibabacloud.eflo.plugins.module_utils.retry import (
    REFRESH,
    Verdict,
    classify,
    is_throttling,
    parse_retry_after,
    retry_delay,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.signer import SignedRequest, new_nonce, sign_rpc_request
from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire import BodyTooLarge, Wire, WireError, transport_error

API_VERSION = "2022-12-15"
COLLECTION_VERSION = "0.1.0"
PRODUCT_TOKEN = "alibabacloud.eflo"
MAX_BODY_BYTES = 8 * 1024 * 1024
SIGNATURE_VERSIONS = ("v3", "v2")
SERVICE = "eflo-controller"
_MIN_TIMEOUT = 0.001


def default_user_agent() -> str:
    """``alibabacloud.eflo/<collection version> (python/<x.y>)``."""
    return "%s/%s (python/%d.%d)" % (PRODUCT_TOKEN, COLLECTION_VERSION, sys.version_info[0], sys.version_info[1])


def build_user_agent(extra: Optional[str] = None) -> str:
    """The User-Agent sent: the default one, followed by ``extra`` (``ansible-core/2.19.4``) when given.

    An ``extra`` that already starts with ``alibabacloud.eflo/`` is taken as the complete product part and
    only gets the Python token appended, so the product is never named twice.
    """
    base = default_user_agent()
    if not extra or not extra.strip():
        return base
    extra = " ".join(extra.split())
    if extra.startswith(PRODUCT_TOKEN + "/"):
        return "%s (python/%d.%d)" % (extra, sys.version_info[0], sys.version_info[1])
    return "%s %s" % (base, extra)


@dataclass(frozen=True)
class ClientConfig:
    """How to reach the API. Timeouts are seconds; ``retries`` counts retries after the first attempt."""

    endpoint_url: str
    signature_version: str = "v3"
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    retries: int = 5
    validate_certs: bool = True
    ca_bundle: Optional[str] = None
    user_agent: Optional[str] = None
    backoff_base: float = 0.5
    backoff_cap: float = 20.0


# ------------------------------------------------------------------------------------------------- messages
def hint_for(code: Optional[str], action: str, status: Optional[int] = None) -> Optional[str]:
    """A one-sentence fix for common error codes, or None."""
    value = code or ""
    if value in ("SignatureDoesNotMatch", "IncompleteSignature"):
        return (
            "Check access_key_secret: it must be the secret of the same AccessKey pair as the access key id "
            "(no missing characters, no extra spaces); a proxy that rewrites requests also causes this."
        )
    if value == "InvalidAccessKeyId.NotFound":
        return "The AccessKey id does not exist: check access_key_id (or the credential source in use) and the account."
    if value == "InvalidAccessKeyId.Inactive":
        return "The AccessKey is disabled: enable it in the RAM console or use another AccessKey."
    if value.startswith("InvalidTimeStamp") or value == "IllegalTimestamp":
        return (
            "The clock of the host that runs the module differs from real time by more than 15 minutes: "
            "synchronise it (NTP) and try again."
        )
    if value.startswith("InvalidSecurityToken"):
        return (
            "The STS security token is expired, malformed or not issued for this AccessKey id: use a fresh "
            "token, or let the collection get one (assume_role, instance RAM role)."
        )
    if value.startswith(("Forbidden", "NoPermission")) or (status == 403 and not value):
        return "Attach a RAM policy that allows the action eflo:%s to the RAM user or role in use." % action
    if value == "InvalidRegionId":
        return "The region and the endpoint must name the same region: check region_id and endpoint."
    if value == "InvalidApi.NotFound":
        return "Check the action name (%s) and that the endpoint is an eflo-controller endpoint." % action
    if value == "InvalidProduct.NotFound":
        return "The endpoint does not serve eflo-controller: check endpoint and region_id."
    if is_throttling(code, status):
        return "The API rate limit was hit: poll less often or run fewer calls at the same time."
    return None


def _describe(action: str, code: Optional[str], message: Optional[str], status: Optional[int], request_id: Optional[str]) -> str:
    what = ": ".join(part for part in (code, message) if part) or "no error code in the answer"
    details = ["HTTP %s" % status if status is not None else None, "request id %s" % request_id if request_id else None]
    detail = ", ".join(part for part in details if part)
    text = "%s %s failed: %s" % (SERVICE, action, what.rstrip("."))
    if detail:
        text += " (%s)" % detail
    hint = hint_for(code, action, status)
    return "%s. %s" % (text, hint) if hint else text + "."


def _signature_of(signed: SignedRequest) -> Optional[str]:
    auth = signed.headers.get("Authorization", "")
    if "Signature=" in auth:
        return auth.rsplit("Signature=", 1)[1]
    query = urlsplit(signed.url).query
    for pair in query.split("&"):
        if pair.startswith("Signature="):
            return unquote(pair[len("Signature="):])  # the redactor adds the encoded forms
    return None


# ------------------------------------------------------------------------------------------------ responses
def _envelope_code(data: Mapping[str, Any]) -> Optional[str]:
    """The code to report when a 2xx body is an error envelope (``ErrorCodeInfo`` / ``Success`` false), else None."""
    info = data.get("ErrorCodeInfo")
    if isinstance(info, Mapping) and str(info.get("Success")).strip().lower() == "false":
        return "ErrorCodeInfo"
    if str(data.get("Success")).strip().lower() == "false" and ("Code" in data or "Message" in data):
        return "Success=false"
    return None


def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _default_ca_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """The CA store for ``validate_certs`` without ``ca_bundle``: ``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else
    certifi's bundle (installed with httpx), else the system store. The same store httpx loads by default."""
    if (env.get("SSL_CERT_FILE") or "").strip():
        return ssl.create_default_context(cafile=env["SSL_CERT_FILE"])
    if (env.get("SSL_CERT_DIR") or "").strip():
        return ssl.create_default_context(capath=env["SSL_CERT_DIR"])
    try:
        import certifi  # pylint: disable=import-outside-toplevel
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def tls_verify(config: ClientConfig, env: Optional[Mapping[str, str]] = None) -> ssl.SSLContext:
    """The ``ssl.SSLContext`` for HTTPS calls made with ``config``, built once so that clients can share it.

    Without ``validate_certs``: a context that checks nothing. Else the ``ca_bundle``, or the default store
    (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` of ``env``, default ``os.environ``, else certifi's bundle).
    Loading a CA bundle takes tens of milliseconds, so a module run should do it at most once.
    """
    if not config.validate_certs:
        return _unverified_context()
    try:
        if config.ca_bundle:
            return ssl.create_default_context(cafile=config.ca_bundle)
        return _default_ca_context(os.environ if env is None else env)
    except (OSError, ssl.SSLError) as exc:
        where = "ca_bundle %r" % (config.ca_bundle,) if config.ca_bundle else "The CA store (SSL_CERT_FILE, SSL_CERT_DIR or certifi)"
        raise ConfigurationError(
            "%s could not be loaded (%s): point it at a PEM file of CA certificates" % (where, exc)
        ) from None


def endpoint_verify(config: ClientConfig) -> ssl.SSLContext:
    """The ``verify`` of a wire whose only host is the endpoint: :func:`tls_verify`, or for an ``http://`` endpoint
    a context that loads no CA at all (free to build; it refuses every TLS peer, so it never weakens a connection
    that unexpectedly uses TLS)."""
    if urlsplit(config.endpoint_url).scheme == "http":
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return tls_verify(config)


def _check_config(config: ClientConfig) -> None:
    if config.signature_version not in SIGNATURE_VERSIONS:
        raise ConfigurationError("signature_version must be one of v3, v2, got %r" % (config.signature_version,))
    parts = urlsplit(config.endpoint_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            "endpoint_url %r is not valid: use https://host[:port] or http://127.0.0.1:PORT" % (config.endpoint_url,)
        )
    for name in ("connect_timeout", "read_timeout"):
        if not getattr(config, name) > 0:
            raise ConfigurationError("%s must be greater than 0, got %r" % (name, getattr(config, name)))
    if config.retries < 0:
        raise ConfigurationError("retries must be 0 or more, got %r" % (config.retries,))


def _answered_error(action: str, status: int, data: Mapping[str, Any], header_request_id: Optional[str], redact: Redactor, *,
                    default_code: Optional[str] = None, **extra: Any) -> ApiError:
    """The :class:`ApiError` of an answer whose body is an error (``lenient.error_fields``), secrets masked."""
    fields = error_fields(data)
    code = redact.secrets(fields["code"] or default_code or "") or None
    message = redact(fields["message"])
    request_id = redact.secrets(fields["request_id"] or header_request_id or "") or None
    return ApiError(redact.secrets(_describe(action, code, message, status, request_id)), code=code, message=message,
                    request_id=request_id, status=status, recommend=redact(fields["recommend"]),  # a gateway may echo the request here
                    host_id=redact(fields["host_id"]), action=action, **extra)


def _with_note(error: EfloError, note: str) -> EfloError:
    error.msg = "%s %s" % (error.msg, note)
    error.args = (error.msg,)
    return error


# --------------------------------------------------------------------------------------------------- client
class EfloClient:
    """Signed calls to eflo-controller (see the module docstring). Use as a context manager or call close()."""

    def __init__(
        self,
        config: ClientConfig,
        credentials: "CredentialProvider",
        *,
        transport: Any = None,
        wire: Optional[Wire] = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Optional[random.Random] = None,
        wall_clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """``wire``: what moves the bytes (:mod:`wire`, shared with the credential providers by
        :func:`options.build_client_with_credentials`); ``None`` makes one with :func:`http_wire` and
        ``transport`` (an httpx transport: the tests' fake service)."""
        _check_config(config)
        self.config = config
        self.base_url = config.endpoint_url.rstrip("/")
        self.user_agent = build_user_agent(config.user_agent)
        self.requests = 0
        self.retries = 0
        self._credentials = credentials
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._wall_clock = wall_clock
        self._wire = wire if wire is not None else http_wire(config, endpoint_verify(config), transport)

    # --------------------------------------------------------------------------------------- public API
    def call(
        self,
        action: str,
        params: Optional[Mapping[str, Any]] = None,
        *,
        query: Optional[Mapping[str, Any]] = None,
        deadline: Optional[float] = None,
        idempotent: bool = True,
    ) -> Dict[str, Any]:
        """Call ``action`` and return the parsed JSON object of the answer.

        ``params`` is an ``eflo_api``-style dict, flattened and routed (body / query) as the SDK does;
        ``query`` adds parameters to the query string. ``deadline`` is a value of ``clock()``.
        """
        validate_action(action)
        body, wire_query = split_params(action, params)
        wire_query.update(flatten_params(action, query))
        return self._call(action, body, wire_query, deadline, idempotent)

    def describe_task(self, task_id: str, *, deadline: Optional[float] = None) -> Dict[str, Any]:
        """The raw DescribeTask body for ``task_id``; whether it is a task is for ``models.read_task`` to say."""
        if not isinstance(task_id, str) or not task_id.strip():
            raise ConfigurationError("task_id must be a non-empty string such as i156331731670384438138, got %r" % (task_id,))
        return self.call("DescribeTask", {"TaskId": task_id.strip()}, deadline=deadline, idempotent=True)

    def close(self) -> None:
        """Close the wire (its connections)."""
        self._wire.close()

    def __enter__(self) -> "EfloClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "EfloClient(endpoint=%r, signature_version=%r, requests=%d, retries=%d)" % (
            self.base_url,
            self.config.signature_version,
            self.requests,
            self.retries,
        )

    # ---------------------------------------------------------------------------------------- the loop
    def _call(
        self,
        action: str,
        body: Dict[str, str],
        query: Dict[str, str],
        deadline: Optional[float],
        idempotent: bool,
    ) -> Dict[str, Any]:
        retries_done = 0
        attempts = 0
        refreshed = False
        last_error: Optional[EfloError] = None
        while True:
            if deadline is not None and self._clock() >= deadline:
                raise self._deadline_error(action, attempts, last_error)
            attempts += 1
            try:
                return self._attempt(action, body, query, deadline)
            except EfloError as error:
                last_error = error
            verdict = classify(last_error, idempotent=idempotent)
            if verdict.action == REFRESH and not refreshed:  # the gateway refused the token: fetch it again, once
                refreshed = True
                self._credentials.invalidate()
                self.retries += 1
                continue
            if not verdict.retry or retries_done >= self.config.retries:
                raise self._final(action, last_error, verdict, retries_done, idempotent)
            delay = retry_delay(verdict, retries_done, self.config.backoff_base, self.config.backoff_cap, self._rng)
            if deadline is not None and self._clock() + delay >= deadline:
                raise self._deadline_error(action, attempts, last_error)
            self._sleep(delay)
            retries_done += 1
            self.retries += 1

    @staticmethod
    def _final(action: str, error: EfloError, verdict: Verdict, retries_done: int, idempotent: bool) -> EfloError:
        """``error`` with what the retry loop did: gave up after retries, a token still expired, or a changing call
        not retried because the request may have reached the service."""
        if verdict.action == REFRESH:
            return _with_note(error, "The token was still expired after the credentials were fetched again.")
        if retries_done:
            error = _with_note(error, "Gave up after %d %s." % (retries_done, "retry" if retries_done == 1 else "retries"))
        if not idempotent and not verdict.retry and classify(error, idempotent=True).retry:
            error = _with_note(error, (
                "%s changes resources and the request may have reached the service, so it was not retried%s: check "
                "with a Describe or List action whether it took effect before running it again."
            ) % (action, " again" if retries_done else ""))
        return error

    def _deadline_error(self, action: str, attempts: int, last_error: Optional[EfloError]) -> DeadlineExceeded:
        if last_error is None:
            msg = "%s %s was not called: the deadline had already passed." % (SERVICE, action)
        else:
            msg = "%s %s did not succeed before the deadline (%d attempt%s); last error: %s" % (
                SERVICE,
                action,
                attempts,
                "" if attempts == 1 else "s",
                last_error.msg,
            )
        return DeadlineExceeded(msg, last_error)

    # ------------------------------------------------------------------------------------- one attempt
    def _timeouts(self, deadline: Optional[float]) -> Tuple[float, float]:
        """(connect, read) timeouts of one attempt: the configured ones, cut to what is left before ``deadline``."""
        connect, read = self.config.connect_timeout, self.config.read_timeout
        if deadline is not None:
            remaining = max(deadline - self._clock(), _MIN_TIMEOUT)
            connect, read = min(connect, remaining), min(read, remaining)
        return connect, read

    def _sign(self, action: str, body: Dict[str, str], query: Dict[str, str], creds: "Credentials") -> SignedRequest:
        return sign_rpc_request(
            base_url=self.base_url,
            action=action,
            version=API_VERSION,
            params=body,
            query=query or None,
            credentials=creds,
            signature_version=self.config.signature_version,
            now=self._wall_clock(),
            nonce=new_nonce(),
            user_agent=self.user_agent,
        )

    def _attempt(self, action: str, body: Dict[str, str], query: Dict[str, str], deadline: Optional[float]) -> Dict[str, Any]:
        creds = self._credentials.get()
        signed = self._sign(action, body, query, creds)
        redact = Redactor([creds.access_key_secret, creds.security_token, _signature_of(signed)])
        connect, read = self._timeouts(deadline)
        self.requests += 1
        status, headers, raw = self._exchange(action, signed, connect, read, redact)
        if 200 <= status < 300:
            return self._success(action, status, headers, raw, redact)
        raise self._api_error(action, status, headers, raw, redact)

    def _exchange(self, action: str, signed: SignedRequest, connect: float, read: float, redact: Redactor) -> Tuple[int, Any, bytes]:
        """Send ``signed`` over the wire and read the body (capped): (status, headers, bytes)."""
        try:
            answer = self._wire.exchange(signed.method, signed.url, signed.headers, signed.body, connect_timeout=connect, read_timeout=read)
        except WireError as exc:
            raise transport_error(exc, "%s %s" % (SERVICE, action), self.base_url, redact, read_timeout=self.config.read_timeout,
                                  check="region_id (eflo-controller is not offered in every region) or endpoint") from None
        except BodyTooLarge as too_large:
            raise ResponseParseError(
                "%s %s answered HTTP %d with a body larger than %d MiB (at least %d bytes); it was not read. "
                "Check that the endpoint is an eflo-controller endpoint." % (
                    SERVICE, action, too_large.status, MAX_BODY_BYTES // (1024 * 1024), too_large.size),
                status=too_large.status,
                request_id=too_large.headers.get("x-acs-request-id"),
                action=action,
            ) from None
        return answer.status, answer.headers, answer.body

    def _success(self, action: str, status: int, headers: Any, raw: bytes, redact: Redactor) -> Dict[str, Any]:
        data, problem = json_object(raw)
        request_id = headers.get("x-acs-request-id")
        if data is None:
            text = raw.decode("utf-8", errors="replace")
            raise ResponseParseError(
                "%s %s answered HTTP %d but %s: %s" % (SERVICE, action, status, problem, excerpt(redact(text) or "") or "(empty)"),
                status=status,
                request_id=request_id,
                body_excerpt=excerpt(redact(text) or "") or None,
                action=action,
            )
        default_code = _envelope_code(data)
        if default_code is not None:
            raise _answered_error(action, status, data, request_id, redact, default_code=default_code,
                                  body_excerpt=excerpt(redact(json.dumps(data, ensure_ascii=False)) or ""))
        return data

    def _api_error(self, action: str, status: int, headers: Any, raw: bytes, redact: Redactor) -> ApiError:
        data = json_object(raw)[0]
        retry_after = parse_retry_after(headers, now=self._wall_clock())
        header_request_id = headers.get("x-acs-request-id")
        if data is not None and any(key in data for key in ("Code", "code", "Message", "message")):
            return _answered_error(action, status, data, header_request_id, redact, retry_after=retry_after)
        text = raw.decode("utf-8", errors="replace")
        body_excerpt = excerpt(redact(text) or "") or None
        content_type = headers.get("content-type", "unknown content type").split(";")[0].strip()
        reason = _reason(status)
        msg = "%s %s failed: HTTP %d%s with a non-JSON body (%s)%s: %s" % (
            SERVICE,
            action,
            status,
            " " + reason if reason else "",
            content_type or "unknown content type",
            ", request id %s" % header_request_id if header_request_id else "",
            body_excerpt or "(empty)",
        )
        hint = hint_for(None, action, status)
        if status in (502, 503, 504):
            hint = "A proxy or load balancer in front of the service answered; this is usually temporary."
        return ApiError(
            msg + (" " + hint if hint else ""),
            status=status,
            request_id=header_request_id,
            body_excerpt=body_excerpt,
            retry_after=retry_after,
            action=action,
        )


def http_wire(config: ClientConfig, verify: Any, transport: Any = None) -> Wire:
    """The wire of a run (:class:`wire_httpx.HttpxWire`) with ``config``'s timeouts and User-Agent, ``verify``
    (see :func:`tls_verify`) and ``transport`` (an httpx transport: the tests' fake service)."""
    from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire_httpx import (  # pylint: disable=import-outside-toplevel
        HAS_HTTPX,
        HttpxWire,
    )

    if not HAS_HTTPX:
        raise ConfigurationError(
            "Missing Python library httpx: install httpx, pydantic>=2 and jmespath on the host that runs the module."
        )
    return HttpxWire(verify=verify, max_body=MAX_BODY_BYTES, connect_timeout=config.connect_timeout, read_timeout=config.read_timeout,
                     user_agent=build_user_agent(config.user_agent), transport=transport)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


__all__ = [
    "API_VERSION",
    "COLLECTION_VERSION",
    "MAX_BODY_BYTES",
    "ClientConfig",
    "EfloClient",
    "build_user_agent",
    "default_user_agent",
    "endpoint_verify",
    "hint_for",
    "http_wire",
    "tls_verify",
    "utcnow",
]
