"""STS AssumeRole / AssumeRoleWithOIDC and the ECS metadata paths hand out temporary keys the API accepts."""

from __future__ import annotations

from typing import Any, Dict
from urllib.parse import urlencode

import pytest

from eflo_simulator.testing import Sim

ROLE_ARN = "acs:ram::1234567890123456:role/eflo-ops"


def _assume(sim: Sim, method: str = "GET", **params: str) -> Any:
    base = {"RoleArn": ROLE_ARN, "RoleSessionName": "pipeline-1"}
    base.update(params)
    return sim.call("AssumeRole", base, version="v2", method=method, api_version="2015-04-01")


def _use(sim: Sim, creds: Dict[str, str], version: str = "v3") -> Any:
    return sim.call("ListClusters", access_key_id=creds["AccessKeyId"], secret=creds["AccessKeySecret"], token=creds["SecurityToken"], version=version)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_assume_role_credentials_work(sim: Sim, method: str) -> None:
    answer = _assume(sim, method, DurationSeconds="900")
    assert answer.status == 200, answer.raw
    body = answer.json
    creds = body["Credentials"]
    assert creds["AccessKeyId"].startswith("STS.") and creds["Expiration"].endswith("Z")
    assert body["AssumedRoleUser"]["Arn"] == "acs:ram::1234567890123456:role/eflo-ops/pipeline-1"
    assert _use(sim, creds).status == 200
    assert _use(sim, creds, "v2").status == 200
    assert sim.control("GET", "/_sim/requests")["by_action"]["AssumeRole"] == {"success": 1}


def test_assume_role_needs_a_valid_signature_and_parameters(sim: Sim) -> None:
    wrong = sim.call("AssumeRole", {"RoleArn": ROLE_ARN, "RoleSessionName": "s1"}, version="v2", api_version="2015-04-01", secret="wrong")
    assert wrong.json["Code"] == "SignatureDoesNotMatch"
    assert _assume(sim, RoleArn="not-an-arn").json["Code"] == "InvalidParameter"
    assert _assume(sim, DurationSeconds="60").json["Code"] == "InvalidParameter"
    missing = sim.call("AssumeRole", {"RoleSessionName": "s1"}, version="v2", api_version="2015-04-01")
    assert missing.json["Code"] == "MissingParameter"


def test_temporary_credentials_expire(sim: Sim) -> None:
    creds = _assume(sim).json["Credentials"]
    assert _use(sim, creds).status == 200
    assert sim.control("POST", "/_sim/sts/expire", {})["expired"] >= 1
    expired = _use(sim, creds)
    assert (expired.status, expired.json["Code"]) == (400, "InvalidSecurityToken.Expired")
    fresh = _assume(sim).json["Credentials"]
    assert _use(sim, fresh).status == 200


def test_ttl_knob_caps_the_lifetime(sim: Sim) -> None:
    sim.control("PUT", "/_sim/sts", {"ttl_s": 0})
    creds = _assume(sim, DurationSeconds="3600").json["Credentials"]
    assert _use(sim, creds).json["Code"] == "InvalidSecurityToken.Expired"
    sim.control("PUT", "/_sim/sts", {"ttl_s": None})
    assert _use(sim, _assume(sim).json["Credentials"]).status == 200


def test_assume_role_with_oidc_is_unsigned(sim: Sim) -> None:
    query = urlencode(
        {
            "Action": "AssumeRoleWithOIDC",
            "Format": "JSON",
            "Version": "2015-04-01",
            "RoleArn": ROLE_ARN,
            "OIDCProviderArn": "acs:ram::1234567890123456:oidc-provider/ack",
            "OIDCToken": "eyJhbGciOiJSUzI1NiJ9.e30.sig",
            "RoleSessionName": "oidc-1",
            "Timestamp": "2024-05-20T08:00:00Z",
        }
    )
    answer = sim.http("GET", "/?" + query)
    assert answer.status == 200, answer.raw
    assert _use(sim, answer.json["Credentials"]).status == 200
    missing = sim.http("GET", "/?" + urlencode({"Action": "AssumeRoleWithOIDC", "Version": "2015-04-01", "RoleArn": ROLE_ARN}))
    assert missing.json["Code"] == "MissingParameter"


def test_get_caller_identity(sim: Sim) -> None:
    answer = sim.call("GetCallerIdentity", {}, version="v2", api_version="2015-04-01")
    assert answer.status == 200 and answer.json["AccountId"] == "1234567890123456"


def test_ecs_metadata_imdsv2_flow(sim: Sim) -> None:
    token = sim.http("PUT", "/latest/api/token", headers={"X-aliyun-ecs-metadata-token-ttl-seconds": "21600"})
    assert token.status == 200 and token.raw
    headers = {"X-aliyun-ecs-metadata-token": token.raw.decode()}
    role = sim.http("GET", "/latest/meta-data/ram/security-credentials/", headers=headers)
    assert role.status == 200 and role.raw == b"EfloSimulatorRole"
    creds = sim.http("GET", "/latest/meta-data/ram/security-credentials/EfloSimulatorRole", headers=headers)
    body = creds.json
    assert body["Code"] == "Success" and set(body) >= {"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}
    assert _use(sim, body).status == 200
    again = sim.http("GET", "/latest/meta-data/ram/security-credentials/EfloSimulatorRole", headers=headers).json
    assert again["AccessKeyId"] == body["AccessKeyId"]  # cached until half its life is gone
    counts = sim.control("GET", "/_sim/requests")["by_action"]
    assert counts["ImdsToken"] == {"success": 1} and counts["ImdsCredentials"] == {"success": 2}


def test_ecs_metadata_refusals(sim: Sim) -> None:
    assert sim.http("PUT", "/latest/api/token").status == 400
    assert sim.http("GET", "/latest/api/token").status == 405
    bad_token = {"X-aliyun-ecs-metadata-token": "forged"}
    assert sim.http("GET", "/latest/meta-data/ram/security-credentials/", headers=bad_token).status == 401
    assert sim.http("GET", "/latest/meta-data/ram/security-credentials/OtherRole").status == 404
    sim.control("PUT", "/_sim/sts", {"require_imds_token": True})
    assert sim.http("GET", "/latest/meta-data/ram/security-credentials/").status == 401


def test_ecs_metadata_credentials_rotate_after_expiry(sim: Sim) -> None:
    sim.control("PUT", "/_sim/sts", {"ttl_s": 0})
    path = "/latest/meta-data/ram/security-credentials/EfloSimulatorRole"
    first = sim.http("GET", path).json
    assert _use(sim, first).json["Code"] == "InvalidSecurityToken.Expired"
    sim.control("PUT", "/_sim/sts", {"ttl_s": 3600})
    second = sim.http("GET", path).json
    assert second["AccessKeyId"] != first["AccessKeyId"]
    assert _use(sim, second).status == 200
