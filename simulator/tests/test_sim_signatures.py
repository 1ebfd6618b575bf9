"""The verifier against the SDK's own vectors (in-process) and the captured SDK wire requests (over HTTP)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qsl

import pytest

from eflo_simulator.errors import ApiError
from eflo_simulator.signing import AuthRequest, parse_acs_date, v2_string_to_sign, v3_canonical_request, verify_v2, verify_v3

from eflo_simulator.testing import Sim

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "unit" / "fixtures" / "vectors"
VECTOR_KEY_ID = "YourAccessKeyId"
VECTOR_SECRET = "YourAccessKeySecret"
VECTOR_TOKEN = "YourSecurityToken/+=abc"

FIXED_NOW = parse_acs_date("2024-05-20T08:00:00Z")
VECTOR_DATE = "2024-05-20T08:00:00Z"


def _load(name: str) -> List[Dict[str, Any]]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _lookup(access_key_id: str, token: Any) -> str:
    if access_key_id != VECTOR_KEY_ID:
        raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if token not in (None, VECTOR_TOKEN):
        raise ApiError(400, "InvalidSecurityToken.Malformed", "bad token")
    return VECTOR_SECRET


def _never_seen(_key: str, _nonce: str) -> bool:
    return False


def _request(vector: Dict[str, Any]) -> AuthRequest:
    headers = {k.lower(): v for k, v in vector["headers"].items()}
    text = vector["body"] or ""
    query: List[Tuple[str, str]] = list(vector["query"].items())
    return AuthRequest(vector["method"], vector["pathname"], query, parse_qsl(text, keep_blank_values=True), headers, text.encode("utf-8"))


def _minimal(index: int, item: Dict[str, Any]) -> Dict[str, Any]:
    """The minimal vectors carry only the canonical request: rebuild the headers from it."""
    lines = item["canonical_request"].split("\n")
    headers = {}
    for line in lines[3:]:
        if not line:
            break
        name, _sep, value = line.partition(":")
        headers[name] = value
    headers["Authorization"] = item["authorization"]
    return {
        "name": "M%d" % (index + 1),
        "method": "POST",
        "pathname": "/",
        "query": {},
        "headers": headers,
        "body": item["body"],
        "canonical_request": item["canonical_request"],
    }


V3_VECTORS = [v for v in _load("signature-vectors.json") if "Authorization" in v["headers"]] + [
    _minimal(i, item) for i, item in enumerate(_load("signature-vectors-minimal.json"))
]
V2_VECTORS = [v for v in _load("signature-vectors.json") if "Signature" in v["query"]]


def test_vector_files_hold_both_signature_versions() -> None:
    assert len(V3_VECTORS) >= 6
    assert len(V2_VECTORS) == 2


@pytest.mark.parametrize("vector", V3_VECTORS, ids=lambda v: v["name"])
def test_v3_vectors_verify(vector: Dict[str, Any]) -> None:
    req = _request(vector)
    identity = verify_v3(req, _lookup, FIXED_NOW, _never_seen)
    assert identity.access_key_id == VECTOR_KEY_ID
    assert identity.signature_version == "v3"
    assert identity.security_token == req.headers.get("x-acs-security-token")


@pytest.mark.parametrize("vector", V3_VECTORS, ids=lambda v: v["name"])
def test_v3_canonical_request_matches_vector(vector: Dict[str, Any]) -> None:
    req = _request(vector)
    auth = req.headers["authorization"]
    signed = auth.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
    canonical = v3_canonical_request(req.method, req.path, req.query, req.headers, signed, req.headers["x-acs-content-sha256"])
    assert canonical == vector["canonical_request"]


@pytest.mark.parametrize("vector", V3_VECTORS, ids=lambda v: v["name"])
def test_v3_vectors_reject_a_changed_signed_header(vector: Dict[str, Any]) -> None:
    req = _request(vector)
    headers = dict(req.headers)
    headers["x-acs-action"] = "DescribeCluster"
    changed = AuthRequest(req.method, req.path, req.query, req.body_params, headers, req.body)
    with pytest.raises(ApiError) as info:
        verify_v3(changed, _lookup, FIXED_NOW, _never_seen)
    assert info.value.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("vector", V2_VECTORS, ids=lambda v: v["name"])
def test_v2_vectors_verify(vector: Dict[str, Any]) -> None:
    req = _request(vector)
    identity = verify_v2(req, _lookup, FIXED_NOW, _never_seen)
    assert identity.signature_version == "v2"
    assert v2_string_to_sign("POST", list(req.query) + list(req.body_params)) == vector["v2_string_to_sign"]


@pytest.mark.parametrize("vector", V2_VECTORS, ids=lambda v: v["name"])
def test_v2_vectors_reject_a_changed_body(vector: Dict[str, Any]) -> None:
    req = _request(vector)
    changed = AuthRequest(req.method, req.path, req.query, [("TaskId", "i-other")], req.headers, b"TaskId=i-other")
    with pytest.raises(ApiError) as info:
        verify_v2(changed, _lookup, FIXED_NOW, _never_seen)
    assert info.value.code == "SignatureDoesNotMatch"


def test_documented_v2_reference_vector() -> None:
    params = [
        ("AccessKeyId", "testid"),
        ("Action", "DescribeRegions"),
        ("Format", "XML"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2016-02-23T12:46:24Z"),
        ("Version", "2014-05-26"),
    ]
    req = AuthRequest("GET", "/", params + [("Signature", "OLeaidS1JvxuMvnyHOwuJ+uX5qY=")], [], {}, b"")
    identity = verify_v2(req, lambda _k, _t: "testsecret", parse_acs_date("2016-02-23T12:46:24Z"), _never_seen)
    assert identity.access_key_id == "testid"


# ---- captured SDK wire requests, replayed byte for byte over real HTTP -----------------------------------

CAPTURES = _load("sdk-wire-captures.json")


def _pin_clock(sim: Sim) -> None:
    sim.control("PUT", "/_sim/clock", {"now": VECTOR_DATE})


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda c: c["label"].split()[0])
def test_wire_capture_is_accepted(sim: Sim, capture: Dict[str, Any]) -> None:
    _pin_clock(sim)
    status, body = sim.send_raw(capture["raw"].encode("utf-8"))
    answer = json.loads(body)
    # the signature passed; the captured TaskId simply does not exist in this simulator
    assert (status, answer["Code"]) == (404, "InvalidTaskId.NotFound"), answer
    counts = sim.control("GET", "/_sim/requests")["by_action"]["DescribeTask"]
    assert counts == {"InvalidTaskId.NotFound": 1}


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda c: c["label"].split()[0])
def test_wire_capture_replayed_is_refused(sim: Sim, capture: Dict[str, Any]) -> None:
    _pin_clock(sim)
    raw = capture["raw"].encode("utf-8")
    sim.send_raw(raw)
    status, body = sim.send_raw(raw)
    assert (status, json.loads(body)["Code"]) == (400, "SignatureNonceUsed")


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda c: c["label"].split()[0])
def test_wire_capture_without_pinned_clock_is_expired(sim: Sim, capture: Dict[str, Any]) -> None:
    status, body = sim.send_raw(capture["raw"].encode("utf-8"))
    assert (status, json.loads(body)["Code"]) == (400, "InvalidTimeStamp.Expired")


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda c: c["label"].split()[0])
def test_wire_capture_with_tampered_body_is_refused(sim: Sim, capture: Dict[str, Any]) -> None:
    _pin_clock(sim)
    raw = capture["raw"].encode("utf-8")
    head, _sep, body = raw.partition(b"\r\n\r\n")
    tampered = body.replace(b"TaskId=i156", b"TaskId=i157")
    assert tampered != body
    status, answer = sim.send_raw(head + b"\r\n\r\n" + tampered)
    assert (status, json.loads(answer)["Code"]) == (400, "SignatureDoesNotMatch")


def test_wire_capture_with_other_secret_is_refused(sim: Sim) -> None:
    _pin_clock(sim)
    sim.control("POST", "/_sim/reset")
    raw = CAPTURES[0]["raw"].replace("Credential=YourAccessKeyId", "Credential=LTAI5tEfloSimulatorDemo").encode()
    _pin_clock(sim)
    status, answer = sim.send_raw(raw)
    assert (status, json.loads(answer)["Code"]) == (400, "SignatureDoesNotMatch")
