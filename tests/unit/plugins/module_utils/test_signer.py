# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signer tests: every vector of the reference (V0, A, B, C1, C2, M1/M2, V2-A, V2-B, DescribeRegions, W1-W4)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alibabacloud.eflo.plugins.module_utils import signer
from ansible_collections.alibabacloud.eflo.plugins.module_utils.signer import (
    ALGORITHM_V3,
    SignedRequest,
    canonical_query,
    form_encode,
    format_timestamp,
    new_nonce,
    percent_encode,
    sha256_hex,
    sign_rpc_request,
    sign_v2_get,
    v2_canonicalized_query,
    v2_signature,
    v2_string_to_sign,
    v3_authorization,
    v3_canonical_request,
    v3_signature,
    v3_string_to_sign,
)

VECTORS = Path(__file__).resolve().parents[3] / "unit" / "fixtures" / "vectors"
AK = "YourAccessKeyId"
SECRET = "YourAccessKeySecret"
TOKEN = "YourSecurityToken/+=abc"
HOST = "eflo-controller.cn-wulanchabu.aliyuncs.com"
BASE_URL = "https://" + HOST
DATE = datetime(2024, 5, 20, 8, 0, 0, tzinfo=timezone.utc)
V3_NONCE = "3156853299f313e23d1673dc12e1703d"
V2_NONCE = "2f1c0a6e-0d8e-4b7a-9a53-5e0b5d3c1e11"
TASK_ID = "i156331731670384438138"
SPECIAL_TASK_ID = "i156 *~/节点"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@dataclass(frozen=True)
class Creds:
    access_key_id: str = AK
    access_key_secret: str = SECRET
    security_token: Optional[str] = None


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def full_vectors() -> Dict[str, Dict[str, Any]]:
    return {vector["name"]: vector for vector in load("signature-vectors.json")}


def signed_names(authorization: str) -> List[str]:
    match = re.search(r"SignedHeaders=([^,]+)", authorization)
    assert match, authorization
    return match.group(1).split(";")


def v3_parts(vector: Dict[str, Any]) -> Tuple[Dict[str, str], str, List[str], bytes]:
    headers = dict(vector["headers"])
    authorization = headers.pop("Authorization")
    body = (vector["body"] or "").encode("utf-8")
    return headers, authorization, signed_names(authorization), body


# ------------------------------------------------------------------------------------------------- encoders
@pytest.mark.parametrize(
    "raw, encoded",
    [
        ("abc-_.~XYZ019", "abc-_.~XYZ019"),
        (" ", "%20"),
        ("*", "%2A"),
        ("/", "%2F"),
        ("+", "%2B"),
        (":", "%3A"),
        ("=", "%3D"),
        ("&", "%26"),
        ("%", "%25"),
        ("节点", "%E8%8A%82%E7%82%B9"),
        ("", ""),
    ],
)
def test_percent_encode_is_rfc3986_with_uppercase_hex(raw: str, encoded: str) -> None:
    assert percent_encode(raw) == encoded


def test_form_encode_sorts_keys_and_uses_percent20_for_space() -> None:
    assert form_encode({"b": "x y", "a": "1", "B": "*"}) == "B=%2A&a=1&b=x%20y"


def test_form_encode_sorts_by_code_point_so_x10_before_x2() -> None:
    assert form_encode({"X.2": "b", "X.10": "a"}) == "X.10=a&X.2=b"


def test_form_encode_drops_none_and_keeps_empty_values() -> None:
    assert form_encode({"a": None, "b": ""}) == "b="  # type: ignore[dict-item]


def test_canonical_query_empty() -> None:
    assert canonical_query({}) == ""


def test_canonical_query_of_c2_value() -> None:
    assert canonical_query({"TaskId": SPECIAL_TASK_ID}) == "TaskId=i156%20%2A~%2F%E8%8A%82%E7%82%B9"


def test_sha256_hex_of_empty_body() -> None:
    assert sha256_hex(b"") == EMPTY_SHA256


def test_format_timestamp_converts_to_utc_and_drops_fraction() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2024, 5, 20, 10, 0, 0, 987654, tzinfo=plus_two)) == "2024-05-20T08:00:00Z"
    assert format_timestamp(datetime(2024, 5, 20, 8, 0, 0)) == "2024-05-20T08:00:00Z"


def test_new_nonce_is_32_lowercase_hex_and_fresh() -> None:
    nonces = {new_nonce() for dummy in range(50)}
    assert len(nonces) == 50
    assert all(re.fullmatch(r"[0-9a-f]{32}", nonce) for nonce in nonces)


@given(st.text())
def test_percent_encode_round_trips_and_only_leaves_unreserved(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates cannot be sent at all
    encoded = percent_encode(value)
    assert unquote(encoded, encoding="utf-8") == value
    assert re.fullmatch(r"(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*", encoded)


@given(st.dictionaries(st.text(alphabet=st.characters(codec="utf-8"), min_size=1), st.text(alphabet=st.characters(codec="utf-8"))))
def test_form_encode_decodes_back_with_form_rules(params: Dict[str, str]) -> None:
    assert dict(parse_qsl(form_encode(params), keep_blank_values=True)) == params


# ------------------------------------------------------------------------------------------- V0 (the docs)
V0_HEADERS = {
    "host": "ecs.cn-shanghai.aliyuncs.com",
    "x-acs-action": "RunInstances",
    "x-acs-version": "2014-05-26",
    "x-acs-date": "2023-10-26T10:22:32Z",
    "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
    "x-acs-content-sha256": EMPTY_SHA256,
}
V0_QUERY = {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"}
V0_CANONICAL = (
    "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
    "host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\n"
    "x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    "x-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2014-05-26\n\n"
    "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)
V0_STRING_TO_SIGN = "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
V0_AUTHORIZATION = (
    "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,"
    "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
    "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
)


def test_vector_v0_documentation_example() -> None:
    canonical = v3_canonical_request("POST", "/", V0_QUERY, V0_HEADERS, list(V0_HEADERS), EMPTY_SHA256)
    assert canonical == V0_CANONICAL
    assert v3_string_to_sign(canonical) == V0_STRING_TO_SIGN
    assert v3_authorization(AK, SECRET, canonical, list(V0_HEADERS)) == V0_AUTHORIZATION


def test_v0_signature_depends_on_the_secret() -> None:
    assert v3_authorization(AK, SECRET + "x", V0_CANONICAL, list(V0_HEADERS)) != V0_AUTHORIZATION


# ----------------------------------------------------------------------------------- A, B, C1, C2 (SDK set)
@pytest.mark.parametrize("name", ["a_plain", "b_sts", "c1_special_in_body", "c2_special_in_query"])
def test_v3_vectors_with_the_sdk_header_set(name: str) -> None:
    vector = full_vectors()[name]
    headers, authorization, names, body = v3_parts(vector)
    payload_hash = sha256_hex(body)
    assert payload_hash == headers["x-acs-content-sha256"]
    canonical = v3_canonical_request(vector["method"], vector["pathname"], vector["query"], headers, names, payload_hash)
    assert canonical == vector["canonical_request"]
    assert v3_string_to_sign(canonical) == vector["string_to_sign"]
    assert v3_authorization(AK, SECRET, canonical, names) == authorization


def test_vector_hashes_match_the_reference_text() -> None:
    vectors = full_vectors()
    assert v3_string_to_sign(vectors["a_plain"]["canonical_request"]).endswith("b347f38b478c121206302cda7ae180c89b96a9e6dbc96932101f32043aeeda93")
    assert v3_string_to_sign(vectors["b_sts"]["canonical_request"]).endswith("f2420a18da568d3a78db0ffc545f381dbaecde3019130522f9986df84d160ba2")
    assert sha256_hex(b"TaskId=i156+%2A~%2F%E8%8A%82%E7%82%B9") == "c3eafb006b9c51a1c2834a5801659fef7866781b89f500afac1194a698a3cb6c"


def test_vector_a_signature_value() -> None:
    headers, dummy, names, body = v3_parts(full_vectors()["a_plain"])
    canonical = v3_canonical_request("POST", "/", {}, headers, names, sha256_hex(body))
    assert v3_signature(SECRET, v3_string_to_sign(canonical)) == "40a75200306f9ec1063fc464af37aaf1a0bc91cd303a118ff4c939c0d689071e"


def test_canonical_request_signs_only_the_listed_headers() -> None:
    vector = full_vectors()["a_plain"]
    headers, authorization, names, body = v3_parts(vector)
    headers["accept-encoding"] = "gzip"
    headers["connection"] = "keep-alive"
    canonical = v3_canonical_request("POST", "/", {}, headers, names, sha256_hex(body))
    assert canonical == vector["canonical_request"]
    assert v3_authorization(AK, SECRET, canonical, names) == authorization


def test_canonical_request_is_case_insensitive_trims_and_sorts_names() -> None:
    vector = full_vectors()["a_plain"]
    headers, authorization, names, body = v3_parts(vector)
    shouting = {name.upper(): "  %s  " % value for name, value in headers.items()}
    canonical = v3_canonical_request("post", "", {}, shouting, [name.upper() for name in reversed(names)], sha256_hex(body))
    assert canonical == vector["canonical_request"]
    assert v3_authorization(AK, SECRET, canonical, list(reversed(names))) == authorization


def test_canonical_request_merges_repeated_header_values_sorted() -> None:
    canonical = v3_canonical_request("POST", "/", {}, {"X-Multi": "b", "x-multi": " a "}, ["x-multi"], EMPTY_SHA256)
    assert canonical == "POST\n/\n\nx-multi:a,b\n\nx-multi\n" + EMPTY_SHA256


def test_canonical_request_keeps_inner_spaces_of_values() -> None:
    canonical = v3_canonical_request("POST", "/", {}, {"user-agent": " A  B (c; d) "}, ["user-agent"], EMPTY_SHA256)
    assert "\nuser-agent:A  B (c; d)\n" in canonical


def test_canonical_request_refuses_a_signed_header_that_is_missing() -> None:
    with pytest.raises(ValueError, match="x-acs-date"):
        v3_canonical_request("POST", "/", {}, {"host": "h"}, ["host", "x-acs-date"], EMPTY_SHA256)


def test_canonical_query_drops_none_values() -> None:
    canonical = v3_canonical_request("POST", "/", {"b": None, "a": ""}, {"host": "h"}, ["host"], EMPTY_SHA256)  # type: ignore[dict-item]
    assert canonical.split("\n")[2] == "a="


def test_authorization_has_no_spaces_after_commas() -> None:
    value = v3_authorization(AK, SECRET, V0_CANONICAL, list(V0_HEADERS))
    assert value.startswith(ALGORITHM_V3 + " Credential=")
    assert ", " not in value
    assert value.count(" ") == 1


# --------------------------------------------------------------------------- M1/M2: our own sign_rpc_request
def sign_describe_task(**overrides: Any) -> SignedRequest:
    kwargs: Dict[str, Any] = {
        "base_url": BASE_URL,
        "action": "DescribeTask",
        "version": "2022-12-15",
        "params": {"TaskId": TASK_ID},
        "query": None,
        "credentials": Creds(),
        "signature_version": "v3",
        "now": DATE,
        "nonce": V3_NONCE,
        "user_agent": None,
    }
    kwargs.update(overrides)
    return sign_rpc_request(**kwargs)


@pytest.mark.parametrize("index, token", [(0, None), (1, TOKEN)])
def test_vectors_m1_m2_minimal_header_set(index: int, token: Optional[str]) -> None:
    vector = load("signature-vectors-minimal.json")[index]
    request = sign_describe_task(credentials=Creds(security_token=token))
    assert request.method == "POST"
    assert request.url == BASE_URL + "/"
    assert request.body == vector["body"].encode("utf-8")
    assert request.headers["x-acs-content-sha256"] == vector["payload_hash"]
    assert request.headers["Authorization"] == vector["authorization"]
    names = signed_names(vector["authorization"])
    assert sorted(name for name in request.headers if name != "Authorization") == names
    canonical = v3_canonical_request("POST", "/", {}, request.headers, names, vector["payload_hash"])
    assert canonical == vector["canonical_request"]
    assert v3_string_to_sign(canonical) == vector["string_to_sign"]


def test_m2_headers_carry_the_token_but_m1_does_not() -> None:
    assert "x-acs-security-token" not in sign_describe_task().headers
    sts = sign_describe_task(credentials=Creds(security_token=TOKEN))
    assert sts.headers["x-acs-security-token"] == TOKEN
    assert "x-acs-accesskey-id" not in sts.headers


def test_v3_request_headers_exactly() -> None:
    request = sign_describe_task()
    assert request.headers == {
        "host": HOST,
        "x-acs-action": "DescribeTask",
        "x-acs-version": "2022-12-15",
        "x-acs-date": "2024-05-20T08:00:00Z",
        "x-acs-signature-nonce": V3_NONCE,
        "x-acs-content-sha256": "c1a54414609469ab882a49da1269126fb31fa63062b364a86ec376f883607b0c",
        "content-type": "application/x-www-form-urlencoded",
        "Authorization": load("signature-vectors-minimal.json")[0]["authorization"],
    }


def test_v3_empty_body_has_no_content_type_and_hashes_empty_string() -> None:
    request = sign_describe_task(params={})
    assert request.body == b""
    assert "content-type" not in request.headers
    assert request.headers["x-acs-content-sha256"] == EMPTY_SHA256
    assert "content-type" not in signed_names(request.headers["Authorization"])


def test_v3_host_keeps_the_port_and_base_url_trailing_slash_is_ignored() -> None:
    request = sign_describe_task(base_url="http://127.0.0.1:38517/")
    assert request.headers["host"] == "127.0.0.1:38517"
    assert request.url == "http://127.0.0.1:38517/"


def test_v3_user_agent_is_signed_only_when_given() -> None:
    assert "user-agent" not in signed_names(sign_describe_task().headers["Authorization"])
    request = sign_describe_task(user_agent="ansible-eflo/1.0 (test)")
    assert request.headers["user-agent"] == "ansible-eflo/1.0 (test)"
    assert "user-agent" in signed_names(request.headers["Authorization"])


def test_v3_query_goes_in_url_and_canonical_query() -> None:
    request = sign_describe_task(params={}, query={"TaskId": SPECIAL_TASK_ID, "A": "1"})
    assert request.url == BASE_URL + "/?A=1&TaskId=i156%20%2A~%2F%E8%8A%82%E7%82%B9"
    names = signed_names(request.headers["Authorization"])
    canonical = v3_canonical_request("POST", "/", {"TaskId": SPECIAL_TASK_ID, "A": "1"}, request.headers, names, EMPTY_SHA256)
    assert v3_authorization(AK, SECRET, canonical, names) == request.headers["Authorization"]


def test_v3_special_characters_in_the_body_use_percent20() -> None:
    request = sign_describe_task(params={"TaskId": SPECIAL_TASK_ID})
    assert request.body == b"TaskId=i156%20%2A~%2F%E8%8A%82%E7%82%B9"
    assert request.headers["x-acs-content-sha256"] == sha256_hex(request.body)


def test_v3_none_params_are_dropped() -> None:
    request = sign_describe_task(params={"TaskId": TASK_ID, "Other": None}, query={"Q": None})
    assert request.body == ("TaskId=" + TASK_ID).encode()
    assert request.url == BASE_URL + "/"


def test_v3_fresh_nonce_and_date_change_the_signature() -> None:
    first = sign_describe_task()
    assert sign_describe_task(nonce=new_nonce()).headers["Authorization"] != first.headers["Authorization"]
    assert sign_describe_task(now=DATE + timedelta(seconds=1)).headers["Authorization"] != first.headers["Authorization"]


def test_unknown_signature_version_is_refused() -> None:
    with pytest.raises(ValueError, match="signature_version"):
        sign_describe_task(signature_version="v4")


def test_base_url_without_host_is_refused() -> None:
    with pytest.raises(ValueError, match="base_url"):
        sign_describe_task(base_url="eflo-controller")


def test_signed_request_repr_shows_no_secrets() -> None:
    request = sign_describe_task(credentials=Creds(security_token=TOKEN))
    text = repr(request)
    assert TOKEN not in text
    assert request.headers["Authorization"].split("Signature=")[1] not in text
    assert SECRET not in text
    v2_text = repr(sign_describe_task(signature_version="v2", credentials=Creds(security_token=TOKEN)))
    assert percent_encode(TOKEN) not in v2_text and "Signature" not in v2_text


# -------------------------------------------------------------------------------------------- V2 vectors
@pytest.mark.parametrize("name", ["d_v2_plain", "e_v2_sts_special"])
def test_v2_vectors_string_to_sign_and_signature(name: str) -> None:
    vector = full_vectors()[name]
    params = vector["v2_signed_params"]
    assert v2_canonicalized_query(params) == vector["v2_canonicalized_query"]
    string_to_sign = v2_string_to_sign("POST", params)
    assert string_to_sign == vector["v2_string_to_sign"]
    assert v2_signature(SECRET, string_to_sign) == vector["query"]["Signature"]


def test_v2_canonicalized_query_ignores_signature_param() -> None:
    vector = full_vectors()["d_v2_plain"]
    with_signature = dict(vector["v2_signed_params"], Signature="whatever")
    assert v2_string_to_sign("POST", with_signature) == vector["v2_string_to_sign"]


@pytest.mark.parametrize("name, token", [("d_v2_plain", None), ("e_v2_sts_special", TOKEN)])
def test_v2_sign_rpc_request_reproduces_the_sdk_url(name: str, token: Optional[str]) -> None:
    vector = full_vectors()[name]
    task_id = vector["v2_signed_params"]["TaskId"]
    request = sign_describe_task(
        params={"TaskId": task_id}, credentials=Creds(security_token=token), signature_version="v2", nonce=V2_NONCE
    )
    assert request.url == vector["url"]
    assert list(parse_qsl(urlsplit(request.url).query)) == list(vector["query"].items())
    assert dict(parse_qsl(request.body.decode("ascii"), keep_blank_values=True)) == {"TaskId": task_id}
    assert request.headers == {
        "x-acs-action": "DescribeTask",
        "x-acs-version": "2022-12-15",
        "content-type": "application/x-www-form-urlencoded",
    }


def test_v2_plain_body_is_byte_identical_to_the_sdk() -> None:
    request = sign_describe_task(signature_version="v2", nonce=V2_NONCE)
    assert request.body == full_vectors()["d_v2_plain"]["body"].encode("ascii")
    assert "Authorization" not in request.headers


def test_v2_query_params_are_placed_after_the_nonce_and_signed() -> None:
    request = sign_describe_task(signature_version="v2", nonce=V2_NONCE, query={"Tags.1.Key": "k 1"}, user_agent="ua/1")
    pairs = parse_qsl(urlsplit(request.url).query)
    keys = [pair[0] for pair in pairs]
    assert keys == [
        "Action", "Format", "Version", "Timestamp", "SignatureNonce", "Tags.1.Key",
        "SignatureMethod", "SignatureVersion", "AccessKeyId", "Signature",
    ]
    assert "Tags.1.Key=k%201" in request.url
    assert request.headers["user-agent"] == "ua/1"
    signed = dict(pairs)
    signature = signed.pop("Signature")
    signed["TaskId"] = TASK_ID
    assert v2_signature(SECRET, v2_string_to_sign("POST", signed)) == signature


def test_v2_body_params_are_covered_by_the_signature() -> None:
    first = sign_describe_task(signature_version="v2", nonce=V2_NONCE)
    other = sign_describe_task(signature_version="v2", nonce=V2_NONCE, params={"TaskId": "i2"})
    assert dict(parse_qsl(urlsplit(first.url).query))["Signature"] != dict(parse_qsl(urlsplit(other.url).query))["Signature"]


def test_v2_empty_body_has_no_content_type() -> None:
    request = sign_describe_task(signature_version="v2", params={})
    assert request.body == b""
    assert "content-type" not in request.headers


def test_v2_documented_describe_regions_vector() -> None:
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    string_to_sign = v2_string_to_sign("GET", params)
    assert string_to_sign == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
        "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
    )
    assert v2_signature("testsecret", string_to_sign) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert v2_string_to_sign("POST", params) != string_to_sign


def test_sign_v2_get_reproduces_the_describe_regions_vector() -> None:
    url = sign_v2_get(
        base_url="https://ecs.example.test/",
        params={"Action": "DescribeRegions", "Format": "XML", "Version": "2014-05-26"},
        credentials=Creds(access_key_id="testid", access_key_secret="testsecret"),
        now=datetime(2016, 2, 23, 12, 46, 24, tzinfo=timezone.utc),
        nonce="3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    )
    assert url.startswith("https://ecs.example.test/?Action=DescribeRegions&Format=XML&Version=2014-05-26&Timestamp=2016-02-23T12%3A46%3A24Z&")
    assert url.endswith("&AccessKeyId=testid&Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D")


def test_sign_v2_get_with_sts_token_signs_the_token() -> None:
    url = sign_v2_get(
        base_url="http://127.0.0.1:9",
        params={"Action": "AssumeRole", "RoleArn": "acs:ram::1:role/r", "Policy": None},  # type: ignore[dict-item]
        credentials=Creds(security_token=TOKEN),
        now=DATE,
        nonce="n",
    )
    pairs = dict(parse_qsl(urlsplit(url).query))
    assert pairs["SecurityToken"] == TOKEN
    assert "Policy" not in pairs
    signature = pairs.pop("Signature")
    assert v2_signature(SECRET, v2_string_to_sign("GET", pairs)) == signature


# ------------------------------------------------------------------------------- W1-W4: SDK wire captures
def parse_raw(raw: str) -> Tuple[str, str, Dict[str, str], bytes]:
    head, dummy, body = raw.partition("\r\n\r\n")
    lines = head.split("\r\n")
    method, target = lines[0].split(" ")[:2]
    headers = {}
    for line in lines[1:]:
        name, dummy, value = line.partition(":")
        headers[name] = value.strip()
    return method, target, headers, body.encode("utf-8")


@pytest.mark.parametrize("capture", load("sdk-wire-captures.json"), ids=lambda capture: capture["label"][:2])
def test_wire_captures_reverify(capture: Dict[str, Any]) -> None:
    method, target, headers, body = parse_raw(capture["raw"])
    split = urlsplit(target)
    query = dict(parse_qsl(split.query, keep_blank_values=True))
    if "Authorization" in headers:
        names = signed_names(headers["Authorization"])
        assert sha256_hex(body) == headers["x-acs-content-sha256"]
        canonical = v3_canonical_request(method, split.path, query, headers, names, sha256_hex(body))
        assert canonical == capture["canonical_request"]
        assert v3_string_to_sign(canonical) == capture["string_to_sign"]
        assert v3_authorization(AK, SECRET, canonical, names) == headers["Authorization"]
    else:
        signature = query.pop("Signature")
        query.update(parse_qsl(body.decode("ascii"), keep_blank_values=True))
        assert v2_canonicalized_query(query) == capture["v2_canonicalized"]
        assert v2_string_to_sign(method, query) == capture["v2_string_to_sign"]
        assert v2_signature(SECRET, v2_string_to_sign(method, query)) == signature


def test_module_is_stdlib_only() -> None:
    source = Path(signer.__file__).read_text(encoding="utf-8")
    imported = set(re.findall(r"^(?:from|import) ([a-zA-Z_][\w.]*)", source, flags=re.MULTILINE))
    allowed = {"__future__", "base64", "binascii", "hashlib", "hmac", "os", "dataclasses", "datetime", "typing", "urllib.parse"}
    assert imported <= allowed
