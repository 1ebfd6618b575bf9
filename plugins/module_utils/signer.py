# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request signing for Alibaba Cloud RPC-style APIs (pure, standard library only).

* V3, ``ACS3-HMAC-SHA256`` (the default): HMAC-SHA256 over the SHA-256 of the canonical request (method, ``/``,
  canonical query, signed headers, payload hash), sent in ``Authorization``.
* V2, RPC ``HMAC-SHA1``: over ``METHOD&%2F&<encoded sorted parameters>`` keyed with ``secret + "&"``; the Base64
  signature travels in the query as ``Signature``.

Dates and nonces are inputs, fresh for every attempt. V3 signs only headers whose wire values the collection
sets (see docs/architecture.md), never those the HTTP library adds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Dict, List, Mapping, Optional, Protocol, Sequence, Tuple
from urllib.parse import quote, urlsplit

ALGORITHM_V3 = "ACS3-HMAC-SHA256"
V2_SIGNATURE_METHOD = "HMAC-SHA1"
V2_SIGNATURE_VERSION = "1.0"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
SIGNATURE_VERSIONS = ("v3", "v2")


class SigningCredentials(Protocol):
    """What a signer needs from a credentials object (``credentials.Credentials`` fits)."""

    access_key_id: str
    access_key_secret: str
    security_token: Optional[str]


@dataclass(frozen=True)
class SignedRequest:
    """A request ready to send: ``url`` is the base URL + ``/`` (+ ``?query``)."""

    method: str
    url: str
    headers: Dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        # headers carry the Authorization / security token and the V2 URL carries the signature.
        return "SignedRequest(method=%r, url=<%d chars>, headers=%r, body=<%d bytes>)" % (
            self.method,
            len(self.url),
            sorted(self.headers),
            len(self.body),
        )


# --------------------------------------------------------------------------------------------------- encoders
def percent_encode(value: str) -> str:
    """RFC 3986 encoding of UTF-8 ``value``: only ``A-Z a-z 0-9 - _ . ~`` stay, hex is upper case."""
    return quote(value, safe="~", encoding="utf-8")


def query_string(pairs: Sequence[Tuple[str, Optional[str]]]) -> str:
    """``name=value`` pairs in the given order, both RFC 3986 encoded, joined with ``&`` (null values dropped)."""
    return "&".join("%s=%s" % (percent_encode(key), percent_encode(value)) for key, value in pairs if value is not None)


def form_encode(params: Mapping[str, Optional[str]]) -> str:
    """A form body (``application/x-www-form-urlencoded``), and the V3 canonical query: keys sorted, RFC 3986
    encoding (space is ``%20``), null values dropped."""
    return query_string(sorted(params.items()))


canonical_query = form_encode


def sha256_hex(data: bytes) -> str:
    """Lowercase hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def format_timestamp(now: datetime) -> str:
    """``now`` as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (a naive datetime is taken as UTC)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)


def new_nonce() -> str:
    """32 lowercase hex characters from ``os.urandom``: a fresh signature nonce."""
    return binascii.hexlify(os.urandom(16)).decode("ascii")


# --------------------------------------------------------------------------------------------------------- V3
def _canonical_headers(headers: Mapping[str, str], signed_headers: Sequence[str]) -> Tuple[str, List[str]]:
    names = sorted({name.lower() for name in signed_headers})
    values: Dict[str, List[str]] = {name: [] for name in names}
    for key, value in headers.items():
        lowered = key.lower()
        if lowered in values and value is not None:
            values[lowered].append(str(value).strip())
    lines = []
    for name in names:
        if not values[name]:
            raise ValueError("signed header %r is not present in the request headers" % name)
        lines.append("%s:%s\n" % (name, ",".join(sorted(values[name]))))
    return "".join(lines), names


def v3_canonical_request(
    method: str,
    pathname: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """The V3 canonical request: method, path, canonical query, canonical headers, signed names, payload hash."""
    canonical_headers, names = _canonical_headers(headers, signed_headers)
    return "\n".join(
        [
            method.upper(),
            pathname or "/",
            canonical_query(query),
            canonical_headers,
            ";".join(names),
            payload_hash,
        ]
    )


def v3_string_to_sign(canonical_request: str) -> str:
    """``ACS3-HMAC-SHA256`` + LF + hex SHA-256 of the canonical request."""
    return "%s\n%s" % (ALGORITHM_V3, sha256_hex(canonical_request.encode("utf-8")))


def v3_signature(access_key_secret: str, string_to_sign: str) -> str:
    """Hex HMAC-SHA256 of ``string_to_sign`` keyed with the raw secret."""
    return hmac.new(access_key_secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def v3_authorization(
    access_key_id: str,
    access_key_secret: str,
    canonical_request: str,
    signed_headers: Sequence[str],
) -> str:
    """The ``Authorization`` header value for ``canonical_request``."""
    signature = v3_signature(access_key_secret, v3_string_to_sign(canonical_request))
    names = ";".join(sorted({name.lower() for name in signed_headers}))
    return "%s Credential=%s,SignedHeaders=%s,Signature=%s" % (ALGORITHM_V3, access_key_id, names, signature)


# --------------------------------------------------------------------------------------------------------- V2
def v2_canonicalized_query(params: Mapping[str, str]) -> str:
    """Sorted ``name=value`` pairs, both RFC 3986 encoded, joined with ``&`` (``Signature`` excluded)."""
    return form_encode({key: value for key, value in params.items() if key != "Signature"})


def v2_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """``METHOD&%2F&`` + the percent-encoded canonicalized query of ``params`` (query + body parameters)."""
    return "%s&%s&%s" % (method.upper(), percent_encode("/"), percent_encode(v2_canonicalized_query(params)))


def v2_signature(access_key_secret: str, string_to_sign: str) -> str:
    """Base64 HMAC-SHA1 of ``string_to_sign`` keyed with ``secret + "&"``."""
    digest = hmac.new((access_key_secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _v2_query(
    method: str,
    head: Sequence[Tuple[str, str]],
    query: Optional[Mapping[str, str]],
    body: Optional[Mapping[str, str]],
    credentials: SigningCredentials,
    now: datetime,
    nonce: str,
) -> List[Tuple[str, str]]:
    """The signed V2 query as ordered pairs: head, Timestamp, SignatureNonce, query, token, method, version, key, Signature."""
    pairs: List[Tuple[str, str]] = list(head)
    pairs.append(("Timestamp", format_timestamp(now)))
    pairs.append(("SignatureNonce", nonce))
    pairs.extend((key, value) for key, value in (query or {}).items() if value is not None)
    if credentials.security_token:
        pairs.append(("SecurityToken", credentials.security_token))
    pairs.append(("SignatureMethod", V2_SIGNATURE_METHOD))
    pairs.append(("SignatureVersion", V2_SIGNATURE_VERSION))
    pairs.append(("AccessKeyId", credentials.access_key_id))
    signed: Dict[str, str] = dict(pairs)
    for key, value in (body or {}).items():
        if value is not None:
            signed[key] = value
    pairs.append(("Signature", v2_signature(credentials.access_key_secret, v2_string_to_sign(method, signed))))
    return pairs


def sign_v2_get(
    *,
    base_url: str,
    params: Mapping[str, str],
    credentials: SigningCredentials,
    now: datetime,
    nonce: str,
) -> str:
    """A V2-signed ``GET`` URL (for STS ``AssumeRole``): ``params`` (Action, Format, Version, ...) come first."""
    pairs = _v2_query("GET", [(k, v) for k, v in params.items() if v is not None], None, None, credentials, now, nonce)
    return "%s/?%s" % (base_url.rstrip("/"), query_string(pairs))


# ------------------------------------------------------------------------------------------------ RPC requests
def _host_of(base_url: str) -> str:
    netloc = urlsplit(base_url).netloc
    if not netloc:
        raise ValueError("base_url must be an absolute URL with a host, got %r" % base_url)
    return netloc.rsplit("@", 1)[-1]


def sign_rpc_request(
    *,
    base_url: str,
    action: str,
    version: str,
    params: Mapping[str, str],
    query: Optional[Mapping[str, str]],
    credentials: SigningCredentials,
    signature_version: str,
    now: datetime,
    nonce: str,
    user_agent: Optional[str],
) -> SignedRequest:
    """Sign an RPC ``POST /`` call: ``params`` (already flattened strings) go in the form body, ``query`` in the URL.

    ``now`` and ``nonce`` must be fresh for every attempt. ``signature_version`` is ``"v3"`` or ``"v2"``.
    """
    if signature_version not in SIGNATURE_VERSIONS:
        raise ValueError("signature_version must be one of %s, got %r" % (", ".join(SIGNATURE_VERSIONS), signature_version))
    body_params = {key: value for key, value in params.items() if value is not None}
    query_params = {key: value for key, value in (query or {}).items() if value is not None}
    body = form_encode(body_params).encode("utf-8")
    url = base_url.rstrip("/") + "/"
    headers: Dict[str, str] = {"x-acs-action": action, "x-acs-version": version}
    if body:
        headers["content-type"] = FORM_CONTENT_TYPE
    if user_agent:
        headers["user-agent"] = user_agent
    if signature_version == "v2":
        pairs = _v2_query("POST", [("Action", action), ("Format", "json"), ("Version", version)], query_params, body_params,
                          credentials, now, nonce)
        return SignedRequest(method="POST", url=url + "?" + query_string(pairs), headers=headers, body=body)
    payload_hash = sha256_hex(body)
    headers.update({"host": _host_of(base_url), "x-acs-date": format_timestamp(now), "x-acs-signature-nonce": nonce,
                    "x-acs-content-sha256": payload_hash})
    if credentials.security_token:
        headers["x-acs-security-token"] = credentials.security_token
    signed_names = sorted(headers)
    canonical = v3_canonical_request("POST", "/", query_params, headers, signed_names, payload_hash)
    headers["Authorization"] = v3_authorization(credentials.access_key_id, credentials.access_key_secret, canonical, signed_names)
    return SignedRequest(method="POST", url=url + ("?" + canonical_query(query_params) if query_params else ""), headers=headers, body=body)
