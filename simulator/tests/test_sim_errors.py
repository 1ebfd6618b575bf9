"""Every gateway error path, answered with the JSON error shape."""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest

from eflo_simulator import DEMO_ACCESS_KEY_ID, DEMO_STS_ACCESS_KEY_ID, DEMO_STS_ACCESS_KEY_SECRET, DEMO_STS_SECURITY_TOKEN
from eflo_simulator.signing import format_acs_date, sign_v3
from eflo_simulator.testing import Answer, Sim


def _error(answer: Answer, status: int, code: str) -> dict:
    body = answer.json
    assert (answer.status, body.get("Code")) == (status, code), answer.raw
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert answer.headers["x-acs-request-id"] == body["RequestId"]
    assert code in body["Recommend"] and body["RequestId"] in body["Recommend"]
    assert body["Message"]
    return body


def _signed_headers(sim: Sim, **overrides: str) -> dict:
    signed = sign_v3(
        host=sim.host,
        action="DescribeTask",
        params={"TaskId": "i1"},
        access_key_id=DEMO_ACCESS_KEY_ID,
        access_key_secret="EfloSimulatorDemoSecret0000000000000",
        date=format_acs_date(time.time()),
        nonce=uuid.uuid4().hex,
    )
    headers = dict(signed.headers)
    headers.update(overrides)
    return {"body": signed.body, "headers": headers}


def test_unknown_access_key(sim: Sim) -> None:
    body = _error(sim.call("DescribeTask", {"TaskId": "i1"}, access_key_id="LTAI5tNobody"), 404, "InvalidAccessKeyId.NotFound")
    assert body["HostId"] == sim.host


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_wrong_secret(sim: Sim, version: str) -> None:
    _error(sim.call("DescribeTask", {"TaskId": "i1"}, secret="not-the-secret", version=version), 400, "SignatureDoesNotMatch")


def test_no_signature_at_all(sim: Sim) -> None:
    headers = {"x-acs-action": "DescribeTask", "x-acs-version": "2022-12-15", "content-type": "application/x-www-form-urlencoded"}
    answer = sim.http("POST", "/", b"TaskId=i1", headers)
    _error(answer, 400, "IncompleteSignature")


@pytest.mark.parametrize("part", ["Credential", "SignedHeaders", "Signature"])
def test_authorization_missing_a_part(sim: Sim, part: str) -> None:
    req = _signed_headers(sim)
    auth = req["headers"]["Authorization"]
    algorithm, rest = auth.split(" ", 1)
    kept = ",".join(p for p in rest.split(",") if not p.startswith(part + "="))
    req["headers"]["Authorization"] = algorithm + " " + kept
    _error(sim.http("POST", "/", req["body"], req["headers"]), 400, "IncompleteSignature")


def test_required_header_not_signed(sim: Sim) -> None:
    req = _signed_headers(sim)
    auth = req["headers"]["Authorization"]
    req["headers"]["Authorization"] = auth.replace("x-acs-signature-nonce;", "")
    _error(sim.http("POST", "/", req["body"], req["headers"]), 400, "IncompleteSignature")


def test_other_algorithm(sim: Sim) -> None:
    req = _signed_headers(sim)
    req["headers"]["Authorization"] = req["headers"]["Authorization"].replace("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3")
    _error(sim.http("POST", "/", req["body"], req["headers"]), 400, "InvalidSignatureMethod")


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_skewed_date(sim: Sim, version: str) -> None:
    skewed = format_acs_date(time.time() - 16 * 60)
    _error(sim.call("DescribeTask", {"TaskId": "i1"}, date=skewed, version=version), 400, "InvalidTimeStamp.Expired")


def test_badly_formatted_date(sim: Sim) -> None:
    _error(sim.call("DescribeTask", {"TaskId": "i1"}, date="20 May 2024 08:00"), 400, "InvalidTimeStamp.Format")


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_reused_nonce(sim: Sim, version: str) -> None:
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    nonce = uuid.uuid4().hex
    assert sim.call("DescribeTask", {"TaskId": task_id}, nonce=nonce, version=version).status == 200
    _error(sim.call("DescribeTask", {"TaskId": task_id}, nonce=nonce, version=version), 400, "SignatureNonceUsed")


def test_refused_request_does_not_burn_its_nonce(sim: Sim) -> None:
    task_id = sim.create_tasks(task_type="reboot_node")[0]
    nonce = uuid.uuid4().hex
    _error(sim.call("DescribeTask", {"TaskId": task_id}, nonce=nonce, secret="wrong"), 400, "SignatureDoesNotMatch")
    assert sim.call("DescribeTask", {"TaskId": task_id}, nonce=nonce).status == 200


def test_body_hash_mismatch(sim: Sim) -> None:
    req = _signed_headers(sim, **{"x-acs-content-sha256": hashlib.sha256(b"something else").hexdigest()})
    body = _error(sim.http("POST", "/", req["body"], req["headers"]), 400, "SignatureDoesNotMatch")
    assert "x-acs-content-sha256" in body["Message"]


def test_unknown_action(sim: Sim) -> None:
    _error(sim.call("DescribeTaskPlease", {"TaskId": "i1"}), 404, "InvalidApi.NotFound")


def test_no_action(sim: Sim) -> None:
    _error(sim.http("POST", "/", b"", {}), 400, "MissingParameter")


def test_wrong_api_version(sim: Sim) -> None:
    _error(sim.call("DescribeTask", {"TaskId": "i1"}, api_version="2014-05-26"), 400, "InvalidVersion")


@pytest.mark.parametrize("action", ["DescribeTask", "DescribeCluster", "DescribeNode", "ReimageNodes", "CreateCluster", "ListClusterNodes"])
def test_missing_parameter(sim: Sim, action: str) -> None:
    body = _error(sim.call(action, {}), 400, "MissingParameter")
    assert "mandatory" in body["Message"]


def test_unknown_task(sim: Sim) -> None:
    body = _error(sim.call("DescribeTask", {"TaskId": "i156000000000000000000"}), 404, "InvalidTaskId.NotFound")
    assert "i156000000000000000000" in body["Message"]


def test_unknown_cluster_and_node(sim: Sim) -> None:
    _error(sim.call("DescribeCluster", {"ClusterId": "i110000000000000000000"}), 404, "InvalidClusterId.NotFound")
    _error(sim.call("DescribeNode", {"NodeId": "e01-cn-nothere"}), 404, "InvalidNodeId.NotFound")


def test_sts_token_problems(sim: Sim) -> None:
    sts = dict(access_key_id=DEMO_STS_ACCESS_KEY_ID, secret=DEMO_STS_ACCESS_KEY_SECRET)
    _error(sim.call("ListClusters", **sts), 400, "MissingSecurityToken")
    _error(sim.call("ListClusters", token="SomeOtherToken", **sts), 400, "InvalidSecurityToken.MismatchWithAccessKey")
    _error(sim.call("ListClusters", token="AnyToken"), 400, "InvalidSecurityToken.Malformed")
    assert sim.call("ListClusters", token=DEMO_STS_SECURITY_TOKEN, **sts).status == 200


def test_expired_sts_token(sim: Sim) -> None:
    sim.control("POST", "/_sim/credentials", {"access_key_id": "STS.Short", "access_key_secret": "s3cret", "security_token": "tok", "expires_in_s": -1})
    _error(sim.call("ListClusters", access_key_id="STS.Short", secret="s3cret", token="tok"), 400, "InvalidSecurityToken.Expired")


def test_bad_parameter_values(sim: Sim) -> None:
    _error(sim.call("ListClusters", {"MaxResults": "1000"}), 400, "InvalidParameter")
    reboot = {"ClusterId": "i119982311660892626523", "Nodes": '["e01-cn-zvp2tgykr08"]', "IgnoreFailedNodeTasks": "maybe"}
    _error(sim.call("RebootNodes", reboot), 400, "InvalidParameter")
    _error(sim.call("ReimageNodes", {"ClusterId": "i119982311660892626523", "Nodes": "[{not json"}), 400, "InvalidParameter")
    _error(sim.call("CreateCluster", {"ClusterName": "x", "ClusterType": "Huge"}), 400, "InvalidParameter")


def test_errors_are_counted_by_code(sim: Sim) -> None:
    sim.call("DescribeTask", {"TaskId": "i1"}, secret="wrong")
    sim.call("DescribeTask", {"TaskId": "i1"})
    counts = sim.control("GET", "/_sim/requests")
    assert counts["by_action"]["DescribeTask"] == {"SignatureDoesNotMatch": 1, "InvalidTaskId.NotFound": 1}
    assert counts["total"] == 2
