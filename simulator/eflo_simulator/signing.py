"""Signature recipes of the Alibaba Cloud RPC gateway, written from the protocol notes.

Server side: :func:`verify_v3` and :func:`verify_v2` check a received request and raise
:class:`~eflo_simulator.errors.ApiError` with the gateway's code when it does not pass.
Client side: :func:`sign_v3` / :func:`sign_v2` build signed requests for the simulator's own tests and
benchmark (the collection has its own signer; the two only meet over HTTP).

Nothing here imports the collection.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

from .errors import ApiError

ALGORITHM_V3 = "ACS3-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_SKEW_S = 15 * 60
# Headers a V3 request must carry and sign (the documented minimum).
REQUIRED_SIGNED = ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version")
V2_SYSTEM_PARAMS = frozenset(
    {
        "Action",
        "Version",
        "Format",
        "Timestamp",
        "SignatureNonce",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureType",
        "AccessKeyId",
        "SecurityToken",
        "Signature",
        "RegionId",
    }
)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$")

Pairs = Sequence[Tuple[str, str]]


def percent_encode(value: str) -> str:
    """RFC 3986 encoding: UTF-8, uppercase hex, only ``A-Z a-z 0-9 - _ . ~`` kept."""
    return quote(value, safe="~")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_query(pairs: Pairs) -> str:
    """The V3 canonical query string of decoded ``(key, value)`` pairs."""
    items = sorted((percent_encode(k), percent_encode(v)) for k, v in pairs)
    return "&".join("%s=%s" % item for item in items)


def v3_canonical_request(
    method: str, path: str, query: Pairs, headers: Mapping[str, str], signed_headers: Sequence[str], payload_hash: str
) -> str:
    names = sorted(h.lower() for h in signed_headers)
    lines = "".join("%s:%s\n" % (name, headers.get(name, "").strip()) for name in names)
    return "\n".join([method.upper(), path or "/", canonical_query(query), lines, ";".join(names), payload_hash])


def v3_string_to_sign(canonical_request: str) -> str:
    return ALGORITHM_V3 + "\n" + sha256_hex(canonical_request.encode("utf-8"))


def v3_signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def v2_string_to_sign(method: str, params: Pairs) -> str:
    items = sorted((percent_encode(k), percent_encode(v)) for k, v in params if k != "Signature")
    canonical = "&".join("%s=%s" % item for item in items)
    return method.upper() + "&" + percent_encode("/") + "&" + percent_encode(canonical)


def v2_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new((secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def parse_acs_date(value: str) -> Optional[float]:
    """Epoch seconds of an ``x-acs-date`` / ``Timestamp`` value, or None when not well formatted."""
    match = _DATE_RE.match(value.strip())
    if not match:
        return None
    parts = [int(p) for p in match.groups()]
    try:
        return float(calendar.timegm((parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], 0, 0, 0)))
    except (OverflowError, ValueError):
        return None


def format_acs_date(epoch: float) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@dataclass(frozen=True)
class AuthRequest:
    """What a verifier needs from a received request (header names lower case)."""

    method: str
    path: str
    query: Pairs
    body_params: Pairs
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Identity:
    """Who signed a request (never holds the secret)."""

    access_key_id: str
    security_token: Optional[str]
    signature_version: str
    nonce: str


# lookup(access_key_id, security_token) -> secret; raises ApiError for unknown keys / bad tokens
SecretLookup = Callable[[str, Optional[str]], str]


def incomplete(detail: str) -> ApiError:
    return ApiError(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards. " + detail)


def check_date(epoch: Optional[float], now: float) -> None:
    if epoch is None:
        raise ApiError(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
    if abs(now - epoch) > MAX_SKEW_S:
        raise ApiError(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")


def parse_authorization(value: str) -> Tuple[str, Dict[str, str]]:
    algorithm, _sep, rest = value.strip().partition(" ")
    fields: Dict[str, str] = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key.strip()] = val.strip()
    return algorithm, fields


def verify_v3(req: AuthRequest, lookup: SecretLookup, now: float, nonce_seen: Callable[[str, str], bool]) -> Identity:
    """Check an ``ACS3-HMAC-SHA256`` request following the gateway recipe; driven by ``SignedHeaders``."""
    algorithm, fields = parse_authorization(req.headers.get("authorization", ""))
    if algorithm != ALGORITHM_V3:
        if algorithm.startswith("ACS3-"):
            raise ApiError(400, "InvalidSignatureMethod", "Specified signature method is not valid.")
        raise incomplete("The Authorization header does not start with %s." % ALGORITHM_V3)
    for name in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(name):
            raise incomplete("The Authorization header has no %s." % name)
    signed = [h.strip().lower() for h in fields["SignedHeaders"].split(";") if h.strip()]
    signed_set = set(signed)
    for name in REQUIRED_SIGNED:
        if name not in req.headers:
            raise incomplete("The header %s is missing." % name)
        if name not in signed_set:
            raise incomplete("The header %s must be signed." % name)
    if "x-acs-security-token" in req.headers and "x-acs-security-token" not in signed_set:
        raise incomplete("The header x-acs-security-token must be signed.")
    for name in signed:
        if name not in req.headers:
            raise incomplete("The signed header %s is not in the request." % name)
    check_date(parse_acs_date(req.headers["x-acs-date"]), now)
    access_key_id = fields["Credential"]
    token = req.headers.get("x-acs-security-token")
    secret = lookup(access_key_id, token)
    nonce = req.headers["x-acs-signature-nonce"].strip()
    if nonce_seen(access_key_id, nonce):
        raise ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    payload_hash = sha256_hex(req.body)
    if not hmac.compare_digest(payload_hash, req.headers["x-acs-content-sha256"].strip().lower()):
        raise ApiError(
            400,
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation. The x-acs-content-sha256 header does not match the SHA-256 of the request body.",
        )
    canonical = v3_canonical_request(req.method, req.path, req.query, req.headers, signed, payload_hash)
    expected = v3_signature(secret, v3_string_to_sign(canonical))
    if not hmac.compare_digest(expected, fields["Signature"].lower()):
        raise ApiError(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
    return Identity(access_key_id, token, "v3", nonce)


def verify_v2(req: AuthRequest, lookup: SecretLookup, now: float, nonce_seen: Callable[[str, str], bool]) -> Identity:
    """Check an RPC ``HMAC-SHA1`` request: query (minus ``Signature``) plus body parameters."""
    query = dict(req.query)
    for name in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp"):
        if not query.get(name):
            raise incomplete("The parameter %s is missing." % name)
    method = query.get("SignatureMethod", "")
    if method != "HMAC-SHA1":
        raise ApiError(400, "InvalidSignatureMethod", "Specified signature method is not valid.")
    if query.get("SignatureVersion", "1.0") != "1.0":
        raise ApiError(400, "InvalidSignatureVersion", "Specified signature version is not valid.")
    check_date(parse_acs_date(query["Timestamp"]), now)
    access_key_id = query["AccessKeyId"]
    token = query.get("SecurityToken")
    secret = lookup(access_key_id, token)
    nonce = query["SignatureNonce"]
    if nonce_seen(access_key_id, nonce):
        raise ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    params = list(req.query) + list(req.body_params)
    expected = v2_signature(secret, v2_string_to_sign(req.method, params))
    if not hmac.compare_digest(expected.encode("ascii"), query["Signature"].encode("utf-8", "replace")):
        raise ApiError(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
    return Identity(access_key_id, token, "v2", nonce)


# ---------------------------------------------------------------- client side (tests, benchmark) ----


def form_encode(pairs: Iterable[Tuple[str, str]]) -> str:
    """``application/x-www-form-urlencoded`` as the SDK writes it (space -> ``+``), keys sorted."""
    return "&".join(
        "%s=%s" % (quote(k, safe="~").replace("%20", "+"), quote(v, safe="~").replace("%20", "+")) for k, v in sorted(pairs)
    )


@dataclass(frozen=True)
class SignedRequest:
    method: str
    target: str  # path + query as sent on the wire
    headers: List[Tuple[str, str]]
    body: bytes


def sign_v3(
    *,
    host: str,
    action: str,
    params: Mapping[str, str],
    access_key_id: str,
    access_key_secret: str,
    date: str,
    nonce: str,
    security_token: Optional[str] = None,
    query: Optional[Mapping[str, str]] = None,
    version: str = "2022-12-15",
    extra_headers: Optional[Mapping[str, str]] = None,
) -> SignedRequest:
    body = form_encode(params.items()).encode("utf-8") if params else b""
    headers: Dict[str, str] = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date,
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": sha256_hex(body),
    }
    if body:
        headers["content-type"] = "application/x-www-form-urlencoded"
    if security_token:
        headers["x-acs-security-token"] = security_token
        headers["x-acs-accesskey-id"] = access_key_id
    headers.update({k.lower(): v for k, v in (extra_headers or {}).items()})
    signed = sorted(headers)
    qpairs = sorted((query or {}).items())
    canonical = v3_canonical_request("POST", "/", qpairs, headers, signed, headers["x-acs-content-sha256"])
    signature = v3_signature(access_key_secret, v3_string_to_sign(canonical))
    out = list(headers.items())
    out.append(("Authorization", "%s Credential=%s,SignedHeaders=%s,Signature=%s" % (ALGORITHM_V3, access_key_id, ";".join(signed), signature)))
    target = "/" + ("?" + form_encode(qpairs) if qpairs else "")
    return SignedRequest("POST", target, out, body)


def sign_v2(
    *,
    host: str,
    action: str,
    params: Mapping[str, str],
    access_key_id: str,
    access_key_secret: str,
    date: str,
    nonce: str,
    security_token: Optional[str] = None,
    version: str = "2022-12-15",
    method: str = "POST",
) -> SignedRequest:
    query: List[Tuple[str, str]] = [
        ("Action", action),
        ("Format", "json"),
        ("Version", version),
        ("Timestamp", date),
        ("SignatureNonce", nonce),
    ]
    if security_token:
        query.append(("SecurityToken", security_token))
    query += [("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0"), ("AccessKeyId", access_key_id)]
    body_pairs = list(params.items())
    if method.upper() == "GET":
        query += body_pairs
        body_pairs = []
    signature = v2_signature(access_key_secret, v2_string_to_sign(method, query + body_pairs))
    query.append(("Signature", signature))
    body = form_encode(body_pairs).encode("utf-8") if body_pairs else b""
    headers = [("host", host), ("x-acs-action", action), ("x-acs-version", version)]
    if body:
        headers.append(("content-type", "application/x-www-form-urlencoded"))
    target = "/?" + "&".join("%s=%s" % (quote(k, safe="~"), quote(v, safe="~")) for k, v in query)
    return SignedRequest(method.upper(), target, headers, body)
