# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credential chain tests: every source and mode, the precedence, the refresh and every error path.

STS and the instance metadata service are faked at the wire boundary (fake_service.wire; the fake STS checks the V2
signature of ``AssumeRole``); one test runs a tiny real server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

httpx = pytest.importorskip("httpx")

from ansible_collections.alibabacloud.eflo.plugins.module_utils.credential_sources import AssumeRoleProvider, EcsRamRoleProvider  # noqa: E402
from ansible_collections.alibabacloud.eflo.plugins.doc_fragments.eflo import ModuleDocFragment  # noqa: E402
from ansible_collections.alibabacloud.eflo.plugins.module_utils.credentials import (  # noqa: E402
    CREDENTIAL_ENV,
    DEFAULT_METADATA_ENDPOINT,
    REFRESH_MARGIN,
    REGION_ENV,
    CredentialOptions,
    Credentials,
    RoleSpec,
    StaticProvider,
    resolve_credentials,
    resolve_region,
    utcnow,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.retry import classify  # noqa: E402
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (  # noqa: E402
    ApiError,
    ConfigurationError,
    CredentialsError,
    ResponseParseError,
    TransportError,
    failure_result,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.signer import v2_signature, v2_string_to_sign  # noqa: E402
from ansible_collections.alibabacloud.eflo.tests.unit.plugins import fake_service  # noqa: E402  # pylint: disable=import-error
from ansible_collections.alibabacloud.eflo.tests.unit.plugins.fake_service import FakeEflo as FakeCloud  # noqa: E402  # pylint: disable=import-error

FIXTURES = Path(__file__).resolve().parents[3] / "unit" / "fixtures" / "credentials"
T0 = datetime(2024, 5, 20, 8, 0, 0, tzinfo=timezone.utc)
AK = "LTAIoptionsKey"
SECRET = "options-secret-value"
TOKEN = "options-token-value"
ROLE_ARN = "acs:ram::1234567890:role/eflo-operator"
KNOWN_SECRETS = {
    AK: SECRET,
    "LTAIenvKey": "env-secret",
    "LTAIcliDefault": "cli-default-secret",
    "STS.cliStsKey": "cli-sts-secret",
    "LTAIcliRoleBase": "cli-role-secret",
    "LTAIiniDefault": "ini-default-secret",
    "LTAIiniRoleBase": "ini-role-secret",
}
ALL_SECRET_VALUES = list(KNOWN_SECRETS.values()) + [TOKEN, "cli-sts-token", "env-token"]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cloud(clock: Clock) -> FakeCloud:
    return FakeCloud(wall_clock=clock, secrets=KNOWN_SECRETS)


@pytest.fixture
def wire(cloud: FakeCloud) -> Iterator[Any]:
    shared = fake_service.wire(cloud)
    yield shared
    shared.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def install_cli(home: Path, data: Any = None) -> Path:
    target = home / ".aliyun" / "config.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    if data is None:
        shutil.copy(FIXTURES / "config.json", target)
    else:
        target.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return target


def install_ini(home: Path, text: Optional[str] = None) -> Path:
    target = home / ".alibabacloud" / "credentials.ini"
    target.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        shutil.copy(FIXTURES / "credentials.ini", target)
    else:
        target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def resolve(home: Path, wire: Any, clock: Clock) -> Any:
    def _resolve(env: Optional[Dict[str, str]] = None, **options: Any) -> Any:
        return resolve_credentials(CredentialOptions(**options), env=env or {}, home=str(home), wire=wire, wall_clock=clock)

    return _resolve


def assert_no_secret(text: str) -> None:
    for value in ALL_SECRET_VALUES:
        assert value not in text


# ------------------------------------------------------------------------------------------ data types
def test_credentials_repr_hides_secret_and_token() -> None:
    creds = Credentials("LTAIid", "the-secret", "the-token", source="env")
    text = repr(creds)
    assert "LTAIid" in text and "env" in text
    assert "the-secret" not in text and "the-token" not in text


def test_credentials_naive_expiration_is_utc() -> None:
    creds = Credentials("id", "s", expiration=datetime(2024, 5, 20, 8, 0, 0))
    assert creds.expiration == T0


def test_credential_options_repr_hides_secrets() -> None:
    text = repr(CredentialOptions(access_key_id="id", access_key_secret="the-secret", security_token="the-token"))
    assert "the-secret" not in text and "the-token" not in text


def test_utcnow_is_aware() -> None:
    assert utcnow().tzinfo is not None


def test_provider_reprs_show_the_source_only(resolve: Any) -> None:
    provider = resolve(access_key_id=AK, access_key_secret=SECRET, assume_role={"role_arn": ROLE_ARN})
    assert repr(provider) == "AssumeRoleProvider(source='assume_role(options)')"
    assert SECRET not in repr(provider.get())


# ----------------------------------------------------------------------------------------------- options
def test_options_win(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    install_cli(home)
    install_ini(home)
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"}
    provider = resolve(env, access_key_id=AK, access_key_secret=SECRET, security_token=TOKEN)
    creds = provider.get()
    assert (creds.access_key_id, creds.access_key_secret, creds.security_token) == (AK, SECRET, TOKEN)
    assert creds.source == provider.source == "options"
    assert creds.expiration is None
    assert cloud.requests == []


def test_options_whitespace_counts_as_unset(resolve: Any) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"}
    assert resolve(env, access_key_id="  ", access_key_secret="").source == "env"


@pytest.mark.parametrize(
    "options, named",
    [
        ({"access_key_id": AK}, "access_key_id"),
        ({"access_key_secret": SECRET}, "access_key_secret"),
        ({"security_token": TOKEN}, "security_token"),
        ({"access_key_id": AK, "security_token": TOKEN}, "access_key_id and security_token"),
    ],
)
def test_incomplete_options_are_a_configuration_error(resolve: Any, options: Dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match="Only %s of the credential options" % named) as info:
        resolve(**options)
    assert_no_secret(info.value.msg)


# ------------------------------------------------------------------------------------------- environment
@pytest.mark.parametrize(
    "env",
    [
        {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret", "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token"},
        {"ALIBABACLOUD_ACCESS_KEY_ID": "LTAIenvKey", "ALIBABACLOUD_ACCESS_KEY_SECRET": "env-secret", "ALIBABACLOUD_SECURITY_TOKEN": "env-token"},
        {"ALICLOUD_ACCESS_KEY_ID": "LTAIenvKey", "ALICLOUD_ACCESS_KEY_SECRET": "env-secret", "ALICLOUD_SECURITY_TOKEN": "env-token"},
        {"ALICLOUD_ACCESS_KEY": "LTAIenvKey", "ALICLOUD_SECRET_KEY": "env-secret", "ALICLOUD_SECURITY_TOKEN": "env-token"},
        {"ALICLOUD_ACCESS_KEY": "LTAIenvKey", "ALICLOUD_SECRET_ACCESS_KEY": "env-secret", "ALICLOUD_SECURITY_TOKEN": "env-token"},
    ],
    ids=["ALIBABA_CLOUD", "ALIBABACLOUD", "ALICLOUD", "ALICLOUD-legacy", "ALICLOUD-secret-access-key"],
)
def test_environment_sources(resolve: Any, env: Dict[str, str]) -> None:
    creds = resolve(env).get()
    assert (creds.access_key_id, creds.access_key_secret, creds.security_token) == ("LTAIenvKey", "env-secret", "env-token")
    assert creds.source == "env"


def test_environment_prefix_precedence(resolve: Any) -> None:
    env = {
        "ALICLOUD_ACCESS_KEY": "LTAIalicloud",
        "ALICLOUD_SECRET_KEY": "s3",
        "ALIBABACLOUD_ACCESS_KEY_ID": "LTAIalibabacloud",
        "ALIBABACLOUD_ACCESS_KEY_SECRET": "s2",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIalibaba_cloud",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s1",
    }
    assert resolve(env).get().access_key_id == "LTAIalibaba_cloud"
    del env["ALIBABA_CLOUD_ACCESS_KEY_ID"], env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
    assert resolve(env).get().access_key_id == "LTAIalibabacloud"
    del env["ALIBABACLOUD_ACCESS_KEY_ID"], env["ALIBABACLOUD_ACCESS_KEY_SECRET"]
    assert resolve(env).get().access_key_id == "LTAIalicloud"


def test_alicloud_new_name_beats_legacy_name(resolve: Any) -> None:
    env = {"ALICLOUD_ACCESS_KEY_ID": "LTAInew", "ALICLOUD_ACCESS_KEY": "LTAIold", "ALICLOUD_SECRET_KEY": "s"}
    assert resolve(env).get().access_key_id == "LTAInew"


def test_token_comes_from_the_same_prefix(resolve: Any) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret", "ALICLOUD_SECURITY_TOKEN": "other"}
    assert resolve(env).get().security_token is None


def test_environment_beats_profile_files(resolve: Any, home: Path) -> None:
    install_cli(home)
    install_ini(home)
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"}
    assert resolve(env).source == "env"


@pytest.mark.parametrize(
    "env, named, missing",
    [
        ({"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey"}, "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
        ({"ALIBABACLOUD_ACCESS_KEY_SECRET": "env-secret"}, "ALIBABACLOUD_ACCESS_KEY_SECRET", "ALIBABACLOUD_ACCESS_KEY_ID"),
        ({"ALICLOUD_ACCESS_KEY": "LTAIenvKey"}, "ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY"),
    ],
)
def test_half_set_environment_is_a_configuration_error(resolve: Any, env: Dict[str, str], named: str, missing: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve(env)
    assert info.value.msg.startswith(named + " is set but ")
    assert missing in info.value.msg
    assert "LTAIenvKey" not in info.value.msg and "env-secret" not in info.value.msg


def test_blank_environment_values_are_ignored(resolve: Any) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": " ", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "", "ALICLOUD_ACCESS_KEY": "LTAIx", "ALICLOUD_SECRET_KEY": "s"}
    assert resolve(env).get().access_key_id == "LTAIx"


def test_environment_is_the_mapping_passed_in_not_os_environ(resolve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIfromProcess")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "process-secret")
    with pytest.raises(CredentialsError):
        resolve({})
    assert resolve({"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIpassed", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s"}).get().access_key_id == "LTAIpassed"


# ---------------------------------------------------------------------------------------- CLI config.json
def test_cli_current_profile_ak(resolve: Any, home: Path) -> None:
    install_cli(home)
    install_ini(home)
    provider = resolve()
    creds = provider.get()
    assert (creds.access_key_id, creds.access_key_secret, creds.security_token) == ("LTAIcliDefault", "cli-default-secret", None)
    assert provider.source == creds.source == "cli_profile:default (AK)"


def test_cli_sts_token_profile_by_option(resolve: Any, home: Path) -> None:
    install_cli(home)
    creds = resolve(profile="sts").get()
    assert (creds.access_key_id, creds.security_token, creds.source) == ("STS.cliStsKey", "cli-sts-token", "cli_profile:sts (StsToken)")


@pytest.mark.parametrize("variable", ["ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE"])
def test_cli_profile_from_environment(resolve: Any, home: Path, variable: str) -> None:
    install_cli(home)
    assert resolve({variable: "sts"}).source == "cli_profile:sts (StsToken)"


def test_cli_profile_option_beats_environment(resolve: Any, home: Path) -> None:
    install_cli(home)
    assert resolve({"ALIBABA_CLOUD_PROFILE": "sts"}, profile="default").source == "cli_profile:default (AK)"


def test_cli_without_current_uses_default_profile(resolve: Any, home: Path) -> None:
    data = json.loads((FIXTURES / "config.json").read_text())
    del data["current"]
    install_cli(home, data)
    assert resolve().source == "cli_profile:default (AK)"


def test_cli_missing_mode_means_ak(resolve: Any, home: Path) -> None:
    install_cli(home, {"current": "p", "profiles": [{"name": "p", "access_key_id": "LTAIp", "access_key_secret": "s"}]})
    assert resolve().source == "cli_profile:p (AK)"


def test_cli_without_current_or_default_falls_through_to_ini(resolve: Any, home: Path) -> None:
    install_cli(home, {"profiles": [{"name": "other", "mode": "AK", "access_key_id": "a", "access_key_secret": "b"}]})
    install_ini(home)
    assert resolve().source == "ini:default"


def test_cli_beats_ini(resolve: Any, home: Path) -> None:
    install_cli(home)
    install_ini(home)
    assert resolve().source.startswith("cli_profile:")


def test_cli_ram_role_arn_assumes_the_role_with_default_duration(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    install_cli(home)
    provider = resolve(profile="role")
    assert cloud.requests == []  # lazy: nothing fetched before get()
    creds = provider.get()
    assert creds.source == "cli_profile:role (RamRoleArn)"
    assert creds.access_key_id == "STS.role1" and creds.security_token == "issued-token-1"
    assert creds.expiration == T0 + timedelta(seconds=3600)
    (call,) = cloud.sts_calls()
    assert call["Action"] == "AssumeRole" and call["Version"] == "2015-04-01" and call["Format"] == "JSON"
    assert call["AccessKeyId"] == "LTAIcliRoleBase"
    assert call["DurationSeconds"] == "3600"  # expired_seconds: 0 means the default, not an error
    assert call["RoleArn"] == "acs:ram::1234567890:role/eflo-operator"
    assert call["RoleSessionName"] == "cli-session"
    assert "SecurityToken" not in call
    assert cloud.requests[0].request.url.host == "sts.aliyuncs.com"


@pytest.mark.parametrize("seconds, expected", [(7200, "7200"), ("900", "900"), (None, "3600")])
def test_cli_ram_role_arn_expired_seconds(resolve: Any, home: Path, cloud: FakeCloud, seconds: Any, expected: str) -> None:
    data = json.loads((FIXTURES / "config.json").read_text())
    data["profiles"][2]["expired_seconds"] = seconds
    install_cli(home, data)
    resolve(profile="role").get()
    assert cloud.sts_calls()[0]["DurationSeconds"] == expected


@pytest.mark.parametrize("seconds", [100, 50000, "soon", True])
def test_cli_ram_role_arn_bad_expired_seconds(resolve: Any, home: Path, seconds: Any) -> None:
    data = json.loads((FIXTURES / "config.json").read_text())
    data["profiles"][2]["expired_seconds"] = seconds
    install_cli(home, data)
    with pytest.raises(ConfigurationError, match="session duration"):
        resolve(profile="role")


def test_cli_ram_role_arn_policy_external_id_and_sts_region(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    data = json.loads((FIXTURES / "config.json").read_text())
    data["profiles"][2].update(policy='{"Version":"1"}', external_id="ext-1", sts_region="cn-shanghai", enable_vpc="true")
    install_cli(home, data)
    resolve(profile="role").get()
    call = cloud.sts_calls()[0]
    assert call["Policy"] == '{"Version":"1"}' and call["ExternalId"] == "ext-1"
    assert cloud.requests[0].request.url.host == "sts-vpc.cn-shanghai.aliyuncs.com"


def test_sts_endpoint_option_beats_profile_region(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    data = json.loads((FIXTURES / "config.json").read_text())
    data["profiles"][2]["sts_region"] = "cn-shanghai"
    install_cli(home, data)
    resolve(profile="role", sts_endpoint="sts.example.test:8443/").get()
    assert str(cloud.requests[0].request.url).startswith("https://sts.example.test:8443/?Action=AssumeRole&")


def test_cli_chainable_ram_role_arn_uses_the_source_profile(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    install_cli(home)
    creds = resolve(profile="chained").get()
    assert creds.source == "cli_profile:chained (ChainableRamRoleArn)"
    call = cloud.sts_calls()[0]
    assert call["AccessKeyId"] == "STS.cliStsKey" and call["SecurityToken"] == "cli-sts-token"
    assert call["RoleArn"] == "acs:ram::1234567890:role/eflo-admin" and call["DurationSeconds"] == "1800"
    assert call["RoleSessionName"] == "ansible-eflo-%d" % int(T0.timestamp())


def test_cli_chainable_over_a_role_profile_assumes_twice(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    data = json.loads((FIXTURES / "config.json").read_text())
    data["profiles"][3]["source_profile"] = "role"
    install_cli(home, data)
    creds = resolve(profile="chained").get()
    first, second = cloud.sts_calls()
    assert first["AccessKeyId"] == "LTAIcliRoleBase"
    assert second["AccessKeyId"] == "STS.role1" and second["SecurityToken"] == "issued-token-1"
    assert creds.access_key_id == "STS.role2"


@pytest.mark.parametrize(
    "source_profile, message",
    [("chained", "makes a loop"), ("nope", "'nope' is not a profile"), ("", "source_profile is missing")],
)
def test_cli_chainable_errors(resolve: Any, home: Path, source_profile: str, message: str) -> None:
    data = json.loads((FIXTURES / "config.json").read_text())
    data["profiles"][3]["source_profile"] = source_profile
    install_cli(home, data)
    with pytest.raises(ConfigurationError, match=message):
        resolve(profile="chained")


def test_cli_chainable_loop_over_two_profiles(resolve: Any, home: Path) -> None:
    profiles = [
        {"name": "a", "mode": "ChainableRamRoleArn", "source_profile": "b", "ram_role_arn": ROLE_ARN},
        {"name": "b", "mode": "ChainableRamRoleArn", "source_profile": "a", "ram_role_arn": ROLE_ARN},
    ]
    install_cli(home, {"current": "a", "profiles": profiles})
    with pytest.raises(ConfigurationError, match="loop"):
        resolve()


def test_cli_ecs_ram_role_profile(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    install_cli(home)
    creds = resolve(profile="ecs").get()
    assert creds.source == "cli_profile:ecs (EcsRamRole)"
    paths = [r.url.path for r in cloud.imds_calls()]
    assert paths == ["/latest/api/token", "/latest/meta-data/ram/security-credentials/EcsEfloRole"]
    assert str(cloud.requests[0].request.url).startswith(DEFAULT_METADATA_ENDPOINT + "/")


def test_cli_ecs_ram_role_profile_discovers_the_role(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    install_cli(home)
    resolve(profile="ecs-discover").get()
    assert [r.url.path for r in cloud.imds_calls()][1:] == [
        "/latest/meta-data/ram/security-credentials/",
        "/latest/meta-data/ram/security-credentials/EcsEfloRole",
    ]


def test_cli_oidc_profile(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    install_cli(home)
    (home / "oidc-token").write_text("jwt-from-cli\n")
    creds = resolve(profile="oidc").get()
    assert creds.source == "cli_profile:oidc (OIDC)" and creds.access_key_id == "STS.oidc1"
    call = cloud.sts_calls()[0]
    assert call["Action"] == "AssumeRoleWithOIDC" and call["OIDCToken"] == "jwt-from-cli"
    assert call["RoleSessionName"] == "oidc-session" and call["DurationSeconds"] == "3600"


def test_cli_oidc_profile_with_policy(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    data = json.loads((FIXTURES / "config.json").read_text())
    data["profiles"][6].update(policy='{"Version":"1"}', expired_seconds=1200)
    install_cli(home, data)
    (home / "oidc-token").write_text("jwt")
    resolve(profile="oidc").get()
    call = cloud.sts_calls()[0]
    assert call["Policy"] == '{"Version":"1"}' and call["DurationSeconds"] == "1200"


def test_cli_unknown_mode_is_a_clear_error(resolve: Any, home: Path) -> None:
    install_cli(home)
    with pytest.raises(ConfigurationError) as info:
        resolve(profile="sso")
    assert "mode 'CloudSSO' is not supported" in info.value.msg
    assert str(home / ".aliyun" / "config.json") in info.value.msg
    assert "AK, StsToken, RamRoleArn" in info.value.msg


@pytest.mark.parametrize(
    "profile, missing",
    [
        ({"mode": "AK", "access_key_id": "LTAIx"}, "access_key_secret"),
        ({"mode": "StsToken", "access_key_id": "x", "access_key_secret": "s", "sts_token": ""}, "sts_token"),
        ({"mode": "RamRoleArn", "access_key_id": "x", "access_key_secret": "s"}, "ram_role_arn"),
        ({"mode": "OIDC", "ram_role_arn": ROLE_ARN}, "oidc_provider_arn, oidc_token_file are missing"),
    ],
)
def test_cli_missing_fields(resolve: Any, home: Path, profile: Dict[str, Any], missing: str) -> None:
    install_cli(home, {"current": "p", "profiles": [dict(profile, name="p")]})
    with pytest.raises(ConfigurationError) as info:
        resolve()
    assert missing in info.value.msg and "profile 'p'" in info.value.msg and "config.json" in info.value.msg
    assert "aliyun configure --profile p" in info.value.msg
    assert "LTAIx" not in info.value.msg


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"current": "default", "profiles": [', "is not valid JSON (line 1"),
        ('{"current": "default"}', 'has no valid "profiles" list'),
        ('[1, 2]', 'has no valid "profiles" list'),
        ('{"profiles": [{"mode": "AK"}]}', 'has no valid "profiles" list'),
        ('\udcff', "cannot be read"),
    ],
)
def test_broken_cli_file_is_a_configuration_error(resolve: Any, home: Path, content: str, message: str) -> None:
    path = home / ".aliyun" / "config.json"
    path.parent.mkdir()
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(ConfigurationError) as info:
        resolve()
    assert message in info.value.msg and str(path) in info.value.msg
    assert "aliyun configure" in info.value.msg


def test_unreadable_cli_file_is_a_configuration_error(resolve: Any, home: Path) -> None:
    (home / ".aliyun" / "config.json").mkdir(parents=True)  # a directory cannot be read as a file
    with pytest.raises(ConfigurationError, match="cannot be read"):
        resolve()


def test_cli_current_naming_a_missing_profile(resolve: Any, home: Path) -> None:
    install_cli(home, {"current": "gone", "profiles": [{"name": "default", "mode": "AK", "access_key_id": "a", "access_key_secret": "b"}]})
    with pytest.raises(ConfigurationError) as info:
        resolve()
    assert "'gone'" in info.value.msg and "profiles: default" in info.value.msg and "aliyun configure switch" in info.value.msg


def test_wrong_profile_option_names_both_files(resolve: Any, home: Path) -> None:
    install_cli(home)
    install_ini(home)
    with pytest.raises(ConfigurationError) as info:
        resolve(profile="prod")
    msg = info.value.msg
    assert "'prod'" in msg and "profiles: default, sts, role" in msg and "sections: default, role" in msg
    assert "aliyun configure --profile prod" in msg


def test_wrong_profile_option_without_any_file(resolve: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"'prod' given in the profile option was not found in .*\(not found\) nor in .*\(not found\)"):
        resolve(profile="prod")


def test_profile_named_by_environment_but_missing_is_not_fatal(resolve: Any, home: Path) -> None:
    install_cli(home)
    with pytest.raises(CredentialsError) as info:
        resolve({"ALIBABA_CLOUD_PROFILE": "elsewhere"})
    assert any("no profile 'elsewhere'" in place for place in info.value.searched)


def test_cli_profile_disabled(resolve: Any, home: Path) -> None:
    install_cli(home)
    install_ini(home)
    assert resolve({"ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"}).source == "ini:default"


def test_cli_file_override(resolve: Any, home: Path, tmp_path: Path) -> None:
    other = tmp_path / "shared.json"
    shutil.copy(FIXTURES / "config.json", other)
    assert resolve({"ALICLOUD_SHARED_CREDENTIALS_FILE": str(other)}).source == "cli_profile:default (AK)"


# ------------------------------------------------------------------------------------ credentials.ini
def test_ini_default_section_with_inline_comments(resolve: Any, home: Path) -> None:
    install_ini(home)
    provider = resolve()
    creds = provider.get()
    assert (creds.access_key_id, creds.access_key_secret) == ("LTAIiniDefault", "ini-default-secret")
    assert creds.source == provider.source == "ini:default"


def test_ini_section_from_profile_option_when_cli_lacks_it(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    install_cli(home)
    install_ini(home)
    (home / "oidc-token").write_text("jwt-ini")
    assert resolve(profile="oidc").source == "cli_profile:oidc (OIDC)"  # both have it: the CLI file comes first
    creds = resolve(profile="ecs").get()
    assert creds.source == "cli_profile:ecs (EcsRamRole)"
    data = json.loads((FIXTURES / "config.json").read_text())
    data["profiles"] = [p for p in data["profiles"] if p["name"] not in ("role", "ecs")]
    install_cli(home, data)
    assert resolve(profile="role").source == "ini:role (ram_role_arn)"


def test_ini_file_from_environment_with_tilde(resolve: Any, home: Path) -> None:
    (home / "creds.ini").write_text("[default]\ntype = access_key\naccess_key_id = LTAIother\naccess_key_secret = s\n")
    assert resolve({"ALIBABA_CLOUD_CREDENTIALS_FILE": "~/creds.ini"}).get().access_key_id == "LTAIother"


def test_ini_file_named_by_environment_must_exist(resolve: Any, home: Path) -> None:
    with pytest.raises(ConfigurationError, match="ALIBABA_CLOUD_CREDENTIALS_FILE points to .*missing.ini, which does not exist"):
        resolve({"ALIBABA_CLOUD_CREDENTIALS_FILE": str(home / "missing.ini")})


def test_ini_ram_role_arn(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    install_ini(home)
    creds = resolve({"ALIBABA_CLOUD_PROFILE": "role"}).get()
    assert creds.source == "ini:role (ram_role_arn)"
    call = cloud.sts_calls()[0]
    assert call["AccessKeyId"] == "LTAIiniRoleBase" and call["RoleArn"] == "acs:ram::1234567890:role/ini-role"
    assert call["RoleSessionName"] == "ini-session" and call["DurationSeconds"] == "3600"
    assert json.loads(call["Policy"])["Statement"][0]["Action"] == "eflo:Describe*"


def test_ini_oidc_role_arn(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    install_ini(home)
    (home / "oidc-token").write_text("jwt-ini")
    creds = resolve(profile="oidc").get()
    assert creds.source == "ini:oidc (oidc_role_arn)"
    call = cloud.sts_calls()[0]
    assert call["OIDCToken"] == "jwt-ini" and call["OIDCProviderArn"] == "acs:ram::1234567890:oidc-provider/ini"


def test_ini_ecs_ram_role(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    install_ini(home)
    cloud.imds_roles = "IniEcsRole"
    creds = resolve(profile="ecs").get()
    assert creds.source == "ini:ecs (ecs_ram_role)"
    assert cloud.imds_calls()[-1].url.path.endswith("/IniEcsRole")


@pytest.mark.parametrize(
    "text, message",
    [
        ("type = access_key\n", "cannot be parsed (File contains no section headers."),
        ("[default]\ntype = access_key\ntype = access_key\n", "cannot be parsed (While reading from"),
        ("[default]\n[default]\n", "cannot be parsed"),
        ("[default]\nthis line has no delimiter\n", "cannot be parsed"),
    ],
)
def test_broken_ini_is_a_configuration_error(resolve: Any, home: Path, text: str, message: str) -> None:
    path = install_ini(home, text)
    with pytest.raises(ConfigurationError) as info:
        resolve()
    assert message in info.value.msg and str(path) in info.value.msg and "fix the file" in info.value.msg


@pytest.mark.parametrize(
    "section, message",
    [
        ("[default]\ntype = rsa_key_pair\n", "type 'rsa_key_pair' is not supported: use one of access_key, ram_role_arn"),
        ("[default]\naccess_key_id = a\n", "the type key is missing"),
        ("[default]\ntype = access_key\naccess_key_id = LTAIx\n", "access_key_secret is missing"),
        ("[default]\ntype = ram_role_arn\naccess_key_id = a\naccess_key_secret = ini-role-secret\n", "role_arn is missing"),
        ("[default]\ntype = oidc_role_arn\nrole_arn = r\n", "oidc_provider_arn, oidc_token_file_path are missing"),
    ],
)
def test_invalid_ini_section(resolve: Any, home: Path, section: str, message: str) -> None:
    install_ini(home, section)
    with pytest.raises(ConfigurationError) as info:
        resolve()
    assert message in info.value.msg and "[default]" in info.value.msg
    assert_no_secret(info.value.msg)


def test_ini_without_the_section_falls_through(resolve: Any, home: Path) -> None:
    install_ini(home, "[other]\ntype = access_key\naccess_key_id = a\naccess_key_secret = b\n")
    with pytest.raises(CredentialsError) as info:
        resolve()
    assert any("(no section [default])" in place for place in info.value.searched)


# ------------------------------------------------------------------------------------------- OIDC (env)
def oidc_env(home: Path, **extra: str) -> Dict[str, str]:
    env = {
        "ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1234567890:role/oidc",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1234567890:oidc-provider/ack",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(home / "token"),
    }
    env.update(extra)
    return env


def test_oidc_from_environment(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    (home / "token").write_text("jwt-1\n")
    provider = resolve(oidc_env(home, ALIBABA_CLOUD_ROLE_SESSION_NAME="pod-session"))
    creds = provider.get()
    assert creds.source == provider.source == "oidc"
    assert creds.security_token == "issued-token-1"
    call = cloud.sts_calls()[0]
    assert call == {
        "Action": "AssumeRoleWithOIDC",
        "Format": "JSON",
        "Version": "2015-04-01",
        "DurationSeconds": "3600",
        "RoleArn": "acs:ram::1234567890:role/oidc",
        "OIDCProviderArn": "acs:ram::1234567890:oidc-provider/ack",
        "OIDCToken": "jwt-1",
        "RoleSessionName": "pod-session",
        "Timestamp": "2024-05-20T08:00:00Z",
    }


def test_oidc_token_file_is_read_again_at_each_refresh(resolve: Any, home: Path, cloud: FakeCloud, clock: Clock) -> None:
    (home / "token").write_text("jwt-1")
    provider = resolve(oidc_env(home))
    provider.get()
    (home / "token").write_text("jwt-2")
    clock.advance(minutes=50)
    assert provider.get().access_key_id == "STS.oidc2"
    assert [call["OIDCToken"] for call in cloud.sts_calls()] == ["jwt-1", "jwt-2"]


def test_oidc_comes_after_the_profile_files(resolve: Any, home: Path) -> None:
    install_ini(home)
    (home / "token").write_text("jwt")
    assert resolve(oidc_env(home)).source == "ini:default"


@pytest.mark.parametrize("content, message", [(None, "cannot be read"), ("  \n", "is empty")])
def test_oidc_token_file_problems(resolve: Any, home: Path, content: Optional[str], message: str) -> None:
    if content is not None:
        (home / "token").write_text(content)
    provider = resolve(oidc_env(home))
    with pytest.raises(CredentialsError, match=message):
        provider.get()


def test_oidc_incomplete_environment_is_reported(resolve: Any, home: Path) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve({"ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1:role/secret-looking"})
    place = [p for p in info.value.searched if p.startswith("OIDC")][0]
    assert "incomplete: only ALIBABA_CLOUD_ROLE_ARN set" in place
    assert "secret-looking" not in info.value.msg


def test_oidc_sts_error(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    (home / "token").write_text("jwt-secret-token")
    cloud.sts_queue.append((400, {"Code": "InvalidParameter.OIDCToken", "Message": "token jwt-secret-token expired", "RequestId": "R9"}))
    with pytest.raises(ApiError) as info:
        resolve(oidc_env(home)).get()
    assert info.value.code == "InvalidParameter.OIDCToken" and info.value.action == "AssumeRoleWithOIDC"
    assert info.value.request_id == "R9"
    assert "jwt-secret-token" not in info.value.msg and "jwt-secret-token" not in str(info.value.message)


def test_sts_region_environment(resolve: Any, home: Path, cloud: FakeCloud) -> None:
    (home / "token").write_text("jwt")
    resolve(oidc_env(home, ALIBABA_CLOUD_STS_REGION="cn-hangzhou")).get()
    assert cloud.requests[0].request.url.host == "sts.cn-hangzhou.aliyuncs.com"


# --------------------------------------------------------------------------------------- ECS RAM role
@pytest.mark.parametrize("variable", ["ALIBABA_CLOUD_ECS_METADATA", "ALICLOUD_ECS_ROLE_NAME"])
def test_ecs_role_from_environment_imdsv2(resolve: Any, cloud: FakeCloud, variable: str) -> None:
    provider = resolve({variable: "EcsEfloRole"})
    assert provider.source == "ecs_ram_role"
    assert cloud.requests == []
    creds = provider.get()
    assert creds.source == "ecs_ram_role"
    assert creds.access_key_id == "STS.ecs1" and creds.security_token == "issued-token-1"
    assert creds.expiration == T0 + timedelta(hours=6)
    token_call, creds_call = cloud.imds_calls()
    assert token_call.method == "PUT" and token_call.headers["X-aliyun-ecs-metadata-token-ttl-seconds"] == "21600"
    assert creds_call.headers["X-aliyun-ecs-metadata-token"] == "imds-token"
    for call in (token_call, creds_call):
        assert call.extensions["timeout"]["connect"] == 1.0


def test_ecs_falls_back_to_imdsv1_when_the_token_call_fails(resolve: Any, cloud: FakeCloud) -> None:
    cloud.imds_token_status = 403
    creds = resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole"}).get()
    assert creds.access_key_id == "STS.ecs1"
    assert "X-aliyun-ecs-metadata-token" not in cloud.imds_calls()[1].headers


def test_ecs_falls_back_to_imdsv1_after_a_token_read_timeout(resolve: Any, cloud: FakeCloud) -> None:
    cloud.imds_token_error = httpx.ReadTimeout("slow")
    assert resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole"}).get().access_key_id == "STS.ecs1"


def test_ecs_imdsv1_disabled(resolve: Any, cloud: FakeCloud) -> None:
    cloud.imds_token_status = 403
    with pytest.raises(CredentialsError, match="ALIBABA_CLOUD_IMDSV1_DISABLED=true"):
        resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole", "ALIBABA_CLOUD_IMDSV1_DISABLED": "true"}).get()


def test_ecs_imdsv1_disabled_and_token_timeout(resolve: Any, cloud: FakeCloud) -> None:
    cloud.imds_token_error = httpx.ReadTimeout("slow")
    with pytest.raises(TransportError) as info:
        resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole", "ALIBABA_CLOUD_IMDSV1_DISABLED": "TRUE"}).get()
    assert info.value.kind == "timeout"


def test_ecs_unreachable_metadata_fails_fast_without_v1_retry(resolve: Any, cloud: FakeCloud) -> None:
    cloud.imds_token_error = httpx.ConnectError("refused")
    with pytest.raises(TransportError) as info:
        resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole"}).get()
    assert info.value.kind == "connect" and "100.100.100.200" in info.value.msg
    assert len(cloud.requests) == 1


def test_ecs_role_discovered_once(resolve: Any, cloud: FakeCloud, clock: Clock) -> None:
    provider = resolve(metadata_endpoint="http://127.0.0.1:9")  # nothing else found: probe it
    assert provider.source == "ecs_ram_role"
    clock.advance(hours=6)
    provider.get()
    listing = [r for r in cloud.imds_calls() if r.url.path == "/latest/meta-data/ram/security-credentials/"]
    assert len(listing) == 1
    assert cloud.requests[0].request.url.host == "127.0.0.1" and cloud.requests[0].request.url.port == 9


def test_metadata_endpoint_without_scheme_is_http(resolve: Any, cloud: FakeCloud) -> None:
    resolve(metadata_endpoint="127.0.0.1:9")
    assert str(cloud.requests[0].request.url) == "http://127.0.0.1:9/latest/api/token"


@pytest.mark.parametrize("roles", ["", "   \n"])
def test_ecs_no_role_attached(resolve: Any, cloud: FakeCloud, roles: str) -> None:
    cloud.imds_roles = roles
    with pytest.raises(CredentialsError, match="lists no RAM role"):
        resolve({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "false", "ALICLOUD_ECS_ROLE_NAME": ""}, metadata_endpoint="http://127.0.0.1:9").get()


def test_ecs_probe_failure_is_reported_in_searched(resolve: Any, cloud: FakeCloud) -> None:
    cloud.imds_roles = ""
    with pytest.raises(CredentialsError) as info:
        resolve(metadata_endpoint="http://127.0.0.1:9")
    last = info.value.searched[-1]
    assert last.startswith("ECS instance RAM role at http://127.0.0.1:9 (failed: ")
    assert "lists no RAM role" in last


def test_ecs_code_not_success(resolve: Any, cloud: FakeCloud) -> None:
    cloud.imds_code = "Failed"
    with pytest.raises(CredentialsError, match="gave no credentials \\(HTTP 200, Code Failed\\)"):
        resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole"}).get()


def test_ecs_unknown_role(resolve: Any, cloud: FakeCloud) -> None:
    with pytest.raises(CredentialsError, match="RAM role Missing .*HTTP 404"):
        resolve({"ALIBABA_CLOUD_ECS_METADATA": "Missing"}).get()


def test_ecs_is_not_tried_without_a_hint(resolve: Any, cloud: FakeCloud) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve()
    assert cloud.requests == []
    assert info.value.searched[-1].startswith("ECS instance RAM role (not tried: set ALIBABA_CLOUD_ECS_METADATA or ALICLOUD_ECS_ROLE_NAME")


def test_ecs_disabled(resolve: Any, cloud: FakeCloud) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole", "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}, metadata_endpoint="http://127.0.0.1:9")
    assert cloud.requests == []
    assert "skipped: ALIBABA_CLOUD_ECS_METADATA_DISABLED=true" in info.value.searched[-1]


def test_ecs_probe_only_when_nothing_else_found(resolve: Any, cloud: FakeCloud) -> None:
    provider = resolve({"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s"}, metadata_endpoint="http://127.0.0.1:9")
    assert provider.source == "env" and cloud.requests == []


def test_bad_metadata_endpoint(resolve: Any) -> None:
    with pytest.raises(ConfigurationError, match="metadata_endpoint 'ftp://x' is not valid .scheme 'ftp' is not supported"):
        resolve(metadata_endpoint="ftp://x")


# ------------------------------------------------------------------------------------------- assume_role
def test_assume_role_on_top_of_options(resolve: Any, cloud: FakeCloud) -> None:
    provider = resolve(
        access_key_id=AK,
        access_key_secret=SECRET,
        assume_role={"role_arn": ROLE_ARN, "role_session_name": "s-1", "duration_seconds": 1800, "policy": {"Version": "1"}, "external_id": "abc"},
    )
    assert provider.source == "assume_role(options)"
    creds = provider.get()
    assert creds.source == "assume_role(options)" and creds.access_key_id == "STS.role1"
    assert creds.expiration == T0 + timedelta(seconds=1800)
    call = cloud.sts_calls()[0]
    assert call["RoleSessionName"] == "s-1" and call["DurationSeconds"] == "1800"
    assert call["Policy"] == '{"Version":"1"}' and call["ExternalId"] == "abc"
    assert call["SignatureMethod"] == "HMAC-SHA1" and call["SignatureVersion"] == "1.0" and call["Timestamp"] == "2024-05-20T08:00:00Z"
    assert len(call["SignatureNonce"]) == 32
    url = str(cloud.requests[0].request.url)
    assert url.startswith("https://sts.aliyuncs.com/?Action=AssumeRole&Format=JSON&Version=2015-04-01&")


def test_assume_role_defaults(resolve: Any, cloud: FakeCloud) -> None:
    resolve(access_key_id=AK, access_key_secret=SECRET, assume_role={"role_arn": ROLE_ARN}).get()
    call = cloud.sts_calls()[0]
    assert call["DurationSeconds"] == "3600" and call["RoleSessionName"] == "ansible-eflo-1716192000"
    assert "Policy" not in call and "ExternalId" not in call


def test_assume_role_with_sts_source_signs_the_token(resolve: Any, cloud: FakeCloud) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET, "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN}
    provider = resolve(env, assume_role={"role_arn": ROLE_ARN})
    assert provider.source == "assume_role(env)"
    provider.get()
    assert cloud.sts_calls()[0]["SecurityToken"] == TOKEN


def test_assume_role_on_top_of_a_cli_profile(resolve: Any, home: Path) -> None:
    install_cli(home)
    assert resolve(profile="role", assume_role={"role_arn": ROLE_ARN}).source == "assume_role(cli_profile:role (RamRoleArn))"


def test_assume_role_on_top_of_ecs(resolve: Any, cloud: FakeCloud) -> None:
    provider = resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole"}, assume_role={"role_arn": ROLE_ARN})
    assert provider.source == "assume_role(ecs_ram_role)"
    provider.get()
    assert cloud.sts_calls()[0]["AccessKeyId"] == "STS.ecs1"


@pytest.mark.parametrize(
    "role, message",
    [
        ({"role_arn": " "}, "assume_role: role_arn is missing"),
        ({"role_arn": ROLE_ARN, "role_session_name": "a b"}, "role_session_name 'a b' is not valid"),
        ({"role_arn": ROLE_ARN, "role_session_name": "x"}, "is not valid"),
        ({"role_arn": ROLE_ARN, "duration_seconds": 899}, "899 s is out of range"),
        ({"role_arn": ROLE_ARN, "duration_seconds": 43201}, "out of range"),
    ],
)
def test_assume_role_validation(resolve: Any, role: Dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        resolve(access_key_id=AK, access_key_secret=SECRET, assume_role=role)


def test_bad_sts_endpoint(resolve: Any) -> None:
    with pytest.raises(ConfigurationError, match="sts_endpoint 'https://sts.example.test/path' is not valid .a path is not allowed"):
        resolve(access_key_id=AK, access_key_secret=SECRET, assume_role={"role_arn": ROLE_ARN}, sts_endpoint="https://sts.example.test/path")


def test_assume_role_api_error(resolve: Any, cloud: FakeCloud) -> None:
    cloud.sts_queue.append((403, {"Code": "NoPermission", "Message": "You are not authorized", "RequestId": "R-403", "Recommend": "https://r"}))
    with pytest.raises(ApiError) as info:
        resolve(access_key_id=AK, access_key_secret=SECRET, assume_role={"role_arn": ROLE_ARN}).get()
    err = info.value
    assert (err.code, err.status, err.request_id, err.action, err.recommend) == ("NoPermission", 403, "R-403", "AssumeRole", "https://r")
    assert ROLE_ARN in err.msg and "trust policy" in err.msg
    assert not classify(err, idempotent=True).retry


def test_assume_role_signature_mismatch_message_is_scrubbed(resolve: Any, cloud: FakeCloud) -> None:
    echoed = "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3D" + AK + "%26SecurityToken%3D" + TOKEN
    cloud.sts_queue.append((400, {"Code": "SignatureDoesNotMatch", "Message": echoed + " " + SECRET}))
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET, "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN}
    with pytest.raises(ApiError) as info:
        resolve(env, assume_role={"role_arn": ROLE_ARN}).get()
    text = json.dumps(failure_result(info.value))
    assert "SignatureDoesNotMatch" in text and "string to sign is: <omitted>" in text
    assert TOKEN not in text and SECRET not in text


def test_assume_role_html_error_page(resolve: Any, cloud: FakeCloud) -> None:
    cloud.sts_queue.append((502, "<html><body>502 Bad Gateway</body></html>"))
    with pytest.raises(ApiError) as info:
        resolve(access_key_id=AK, access_key_secret=SECRET, assume_role={"role_arn": ROLE_ARN}).get()
    assert info.value.status == 502 and "502 Bad Gateway" in (info.value.body_excerpt or "")
    assert classify(info.value, idempotent=True).retry


@pytest.mark.parametrize(
    "body, message",
    [
        ({"RequestId": "R"}, "without a Credentials object"),
        ("not json", "without a Credentials object"),
        ({"Credentials": {"AccessKeyId": "STS.x", "AccessKeySecret": "s", "SecurityToken": "t"}}, "without an Expiration"),
        ({"Credentials": {"AccessKeyId": "STS.x", "AccessKeySecret": "s", "Expiration": "tomorrow"}}, "not a timestamp"),
        ({"Credentials": {"AccessKeyId": "STS.x", "Expiration": "2024-05-20T09:00:00Z"}}, "without AccessKeyId or AccessKeySecret"),
    ],
)
def test_assume_role_unusable_answer(resolve: Any, cloud: FakeCloud, body: Any, message: str) -> None:
    cloud.sts_queue.append((200, body))
    with pytest.raises(ResponseParseError, match=message):
        resolve(access_key_id=AK, access_key_secret=SECRET, assume_role={"role_arn": ROLE_ARN}).get()


def test_assume_role_expiration_without_zone_is_utc(resolve: Any, cloud: FakeCloud) -> None:
    creds = {"AccessKeyId": "STS.x", "AccessKeySecret": "s", "SecurityToken": "t", "Expiration": "2024-05-20T09:00:00"}
    cloud.sts_queue.append((200, {"Credentials": creds}))
    result = resolve(access_key_id=AK, access_key_secret=SECRET, assume_role={"role_arn": ROLE_ARN}).get()
    assert result.expiration == T0 + timedelta(hours=1)


def test_assume_role_expiration_with_offset_and_fraction(resolve: Any, cloud: FakeCloud) -> None:
    creds = {"AccessKeyId": "STS.x", "AccessKeySecret": "s", "SecurityToken": "t", "Expiration": "2024-05-20T11:00:00.500+02:00"}
    cloud.sts_queue.append((200, {"Credentials": creds}))
    result = resolve(access_key_id=AK, access_key_secret=SECRET, assume_role={"role_arn": ROLE_ARN}).get()
    assert result.expiration == datetime(2024, 5, 20, 9, 0, 0, 500000, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "error, kind",
    [(httpx.ConnectError("refused"), "connect"), (httpx.ReadTimeout("slow"), "timeout"), (httpx.RemoteProtocolError("bad"), "network")],
)
def test_assume_role_transport_errors(resolve: Any, cloud: FakeCloud, error: Exception, kind: str) -> None:
    cloud.sts_error = error
    with pytest.raises(TransportError) as info:
        resolve(access_key_id=AK, access_key_secret=SECRET, assume_role={"role_arn": ROLE_ARN}).get()
    assert info.value.kind == kind
    assert "https://sts.aliyuncs.com" in info.value.msg and "Signature" not in info.value.msg


def test_transport_error_text_never_carries_the_signed_query(resolve: Any, cloud: FakeCloud) -> None:
    class LeakyError(httpx.ConnectError):
        def __str__(self) -> str:
            return "failed to reach " + str(cloud.requests[-1].request.url)

    cloud.sts_error = LeakyError("x")
    with pytest.raises(TransportError) as info:
        resolve(access_key_id=AK, access_key_secret=SECRET, security_token=TOKEN, assume_role={"role_arn": ROLE_ARN}).get()
    assert "Signature" not in info.value.msg and "SecurityToken" not in info.value.msg and "********" in info.value.msg


def test_assume_role_refreshes_an_expired_source_token_once(resolve: Any, cloud: FakeCloud) -> None:
    provider = resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole"}, assume_role={"role_arn": ROLE_ARN})
    cloud.sts_queue.append((400, {"Code": "InvalidSecurityToken.Expired", "Message": "expired"}))
    creds = provider.get()
    assert [call["AccessKeyId"] for call in cloud.sts_calls()] == ["STS.ecs1", "STS.ecs2"]
    assert creds.access_key_id == "STS.role3"


def test_assume_role_gives_up_after_one_source_refresh(resolve: Any, cloud: FakeCloud) -> None:
    provider = resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole"}, assume_role={"role_arn": ROLE_ARN})
    cloud.sts_queue.extend([(400, {"Code": "InvalidSecurityToken.Expired"})] * 2)
    with pytest.raises(ApiError) as info:
        provider.get()
    assert info.value.code == "InvalidSecurityToken.Expired" and len(cloud.sts_calls()) == 2


# --------------------------------------------------------------------------------------------- refresh
def role_provider(resolve: Any, duration: int = 3600) -> Any:
    return resolve(access_key_id=AK, access_key_secret=SECRET, assume_role={"role_arn": ROLE_ARN, "duration_seconds": duration})


def test_cached_until_within_the_refresh_margin(resolve: Any, cloud: FakeCloud, clock: Clock) -> None:
    provider = role_provider(resolve)
    first = provider.get()
    clock.now = first.expiration - REFRESH_MARGIN - timedelta(seconds=1)  # type: ignore[operator]
    assert provider.get() is first
    clock.advance(seconds=1)
    second = provider.get()
    assert second.access_key_id == "STS.role2" and len(cloud.sts_calls()) == 2
    assert provider.get() is second


def test_invalidate_forces_a_fetch(resolve: Any, cloud: FakeCloud) -> None:
    provider = role_provider(resolve)
    first = provider.get()
    assert provider.get() is first
    provider.invalidate()
    assert provider.get().access_key_id == "STS.role2"


def test_short_lived_credentials_are_not_fetched_on_every_call(resolve: Any, cloud: FakeCloud, clock: Clock) -> None:
    provider = role_provider(resolve, duration=900)
    provider.get()
    clock.advance(seconds=449)
    provider.get()
    assert len(cloud.sts_calls()) == 1
    clock.advance(seconds=1)
    provider.get()
    assert len(cloud.sts_calls()) == 2


def test_failed_refresh_keeps_still_valid_credentials(resolve: Any, cloud: FakeCloud, clock: Clock) -> None:
    provider = role_provider(resolve)
    first = provider.get()
    clock.advance(minutes=50)
    cloud.sts_error = httpx.ConnectError("refused")
    assert provider.get() is first
    clock.advance(minutes=10)  # now past the expiration
    with pytest.raises(TransportError):
        provider.get()
    cloud.sts_error = None
    assert provider.get().access_key_id == "STS.role2"


def test_failed_refresh_after_invalidate_raises(resolve: Any, cloud: FakeCloud) -> None:
    provider = role_provider(resolve)
    provider.get()
    provider.invalidate()
    cloud.sts_error = httpx.ConnectError("refused")
    with pytest.raises(TransportError):
        provider.get()


def test_ecs_credentials_refresh(resolve: Any, cloud: FakeCloud, clock: Clock) -> None:
    provider = resolve({"ALIBABA_CLOUD_ECS_METADATA": "EcsEfloRole"})
    provider.get()
    clock.advance(hours=5, minutes=44)
    assert provider.get().access_key_id == "STS.ecs1"
    clock.advance(minutes=1)
    assert provider.get().access_key_id == "STS.ecs2"
    token_calls = [r for r in cloud.imds_calls() if r.url.path == "/latest/api/token"]
    assert len(token_calls) == 2  # a fresh IMDS token for every refresh


def test_static_provider_never_refreshes() -> None:
    creds = Credentials("id", "the-secret", source="options")
    provider = StaticProvider(creds)
    provider.invalidate()
    assert provider.get() is creds and provider.source == "options"
    assert repr(provider) == "StaticProvider(source='options')"


def test_refresh_is_thread_safe(resolve: Any, cloud: FakeCloud) -> None:
    provider = role_provider(resolve)
    results: List[Credentials] = []
    threads = [threading.Thread(target=lambda: results.append(provider.get())) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cloud.sts_calls()) == 1 and len({id(c) for c in results}) == 1


def test_providers_can_be_built_directly(wire: Any, cloud: FakeCloud, clock: Clock) -> None:
    inner = EcsRamRoleProvider("EcsEfloRole", metadata_endpoint="http://169.254.0.1", wire=wire, wall_clock=clock)
    provider = AssumeRoleProvider(inner, RoleSpec(ROLE_ARN, "direct"), sts_endpoint="https://sts.example.test", wire=wire, wall_clock=clock)
    assert provider.source == "assume_role(ecs_ram_role)"
    assert provider.get().access_key_id == "STS.role2"


# ---------------------------------------------------------------------------------------------- nothing
def test_nothing_found_lists_every_place(resolve: Any, home: Path) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve({"ALIBABA_CLOUD_PROFILE": "x", "UNRELATED": "secret-value"})
    err = info.value
    cli = str(home / ".aliyun" / "config.json")
    ini = str(home / ".alibabacloud" / "credentials.ini")
    assert err.searched == [
        "module options access_key_id/access_key_secret (not set)",
        "environment ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET (not set)",
        "environment ALIBABACLOUD_ACCESS_KEY_ID/ALIBABACLOUD_ACCESS_KEY_SECRET (not set)",
        "environment ALICLOUD_ACCESS_KEY_ID or ALICLOUD_ACCESS_KEY/ALICLOUD_ACCESS_KEY_SECRET or ALICLOUD_SECRET_KEY or "
        "ALICLOUD_SECRET_ACCESS_KEY (not set)",
        "aliyun CLI file %s (not found)" % cli,
        "credentials file %s (not found)" % ini,
        "OIDC role environment ALIBABA_CLOUD_ROLE_ARN/ALIBABA_CLOUD_OIDC_PROVIDER_ARN/ALIBABA_CLOUD_OIDC_TOKEN_FILE (not set)",
        "ECS instance RAM role (not tried: set ALIBABA_CLOUD_ECS_METADATA or ALICLOUD_ECS_ROLE_NAME to the role name, "
        "or the metadata_endpoint option)",
    ]
    assert err.msg.startswith("No Alibaba Cloud credentials were found. Set the access_key_id and access_key_secret options")
    assert "Looked in, in this order: module options" in err.msg and cli in err.msg
    assert "secret-value" not in err.msg
    assert failure_result(err)["credentials_searched"] == err.searched


def test_nothing_found_with_files_that_do_not_match(resolve: Any, home: Path) -> None:
    install_cli(home, {"profiles": [{"name": "other", "mode": "AK", "access_key_id": "LTAIx", "access_key_secret": "cli-default-secret"}]})
    install_ini(home, "[other]\ntype = access_key\n")
    with pytest.raises(CredentialsError) as info:
        resolve()
    assert "(no profile 'default' and no current profile)" in info.value.searched[4]
    assert "(no section [default])" in info.value.searched[5]
    assert_no_secret(info.value.msg)


# ------------------------------------------------------------------------------------------------ region
def test_region_option_first(home: Path) -> None:
    install_cli(home)
    assert resolve_region(" cn-beijing ", env={"ALIBABA_CLOUD_REGION_ID": "cn-hangzhou"}, home=str(home), profile=None) == "cn-beijing"


@pytest.mark.parametrize("variable", ["ALIBABA_CLOUD_REGION_ID", "ALIBABACLOUD_REGION_ID", "ALICLOUD_REGION_ID", "ALICLOUD_REGION"])
def test_region_from_environment(home: Path, variable: str) -> None:
    install_cli(home)
    assert resolve_region(None, env={variable: "cn-shenzhen"}, home=str(home), profile=None) == "cn-shenzhen"


def test_region_environment_order(home: Path) -> None:
    env = {"ALICLOUD_REGION": "d", "ALICLOUD_REGION_ID": "c", "ALIBABACLOUD_REGION_ID": "b", "ALIBABA_CLOUD_REGION_ID": "a"}
    order = ["ALIBABA_CLOUD_REGION_ID", "ALIBABACLOUD_REGION_ID", "ALICLOUD_REGION_ID", "ALICLOUD_REGION"]
    for expected, variable in zip("abcd", order):
        assert resolve_region("", env=env, home=str(home), profile=None) == expected
        del env[variable]


def test_region_from_cli_profile(home: Path) -> None:
    install_cli(home)
    assert resolve_region(None, env={}, home=str(home), profile=None) == "cn-wulanchabu"
    assert resolve_region(None, env={}, home=str(home), profile="sts") == "cn-hangzhou"
    assert resolve_region(None, env={"ALIBABA_CLOUD_PROFILE": "role"}, home=str(home), profile=None) == "cn-shanghai"
    assert resolve_region(None, env={"ALICLOUD_PROFILE": "ecs"}, home=str(home), profile=None) == "cn-beijing"
    assert resolve_region(None, env={"ALIBABA_CLOUD_PROFILE": "role"}, home=str(home), profile="ecs") == "cn-beijing"


def test_region_none(home: Path) -> None:
    assert resolve_region(None, env={}, home=str(home), profile=None) is None
    install_cli(home)
    assert resolve_region(None, env={}, home=str(home), profile="chained") is None
    assert resolve_region(None, env={}, home=str(home), profile="no-such-profile") is None


def test_region_with_broken_cli_file(home: Path) -> None:
    install_cli(home, "{broken")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        resolve_region(None, env={}, home=str(home), profile=None)
    assert resolve_region("cn-beijing", env={}, home=str(home), profile=None) == "cn-beijing"


# --------------------------------------------------------------------------------- real 127.0.0.1 server
class MetadataAndStsServer:
    """A real HTTP server on 127.0.0.1 that plays both the instance metadata service and STS."""

    def __init__(self) -> None:
        self.paths: List[str] = []
        paths = self.paths

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: str) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self) -> None:  # noqa: N802 - http.server API
                paths.append("PUT " + self.path)
                ok = self.path == "/latest/api/token" and self.headers.get("X-aliyun-ecs-metadata-token-ttl-seconds") == "21600"
                self._answer(200 if ok else 400, "real-token")

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                paths.append("GET " + urlsplit(self.path).path)
                if self.path.startswith("/latest/"):
                    if self.headers.get("X-aliyun-ecs-metadata-token") != "real-token":
                        self._answer(401, "no token")
                    elif self.path.endswith("/security-credentials/"):
                        self._answer(200, "RealRole")
                    else:
                        creds = {"Code": "Success", "AccessKeyId": "STS.real-ecs", "AccessKeySecret": "real-ecs-secret",
                                 "SecurityToken": "real-ecs-token", "Expiration": "2099-01-01T00:00:00Z"}
                        self._answer(200, json.dumps(creds))
                    return
                params = dict(parse_qsl(urlsplit(self.path).query))
                signature = params.pop("Signature", "")
                if params.get("AccessKeyId") != "STS.real-ecs" or params.get("SecurityToken") != "real-ecs-token" or \
                        v2_signature("real-ecs-secret", v2_string_to_sign("GET", params)) != signature:
                    self._answer(400, json.dumps({"Code": "SignatureDoesNotMatch"}))
                    return
                creds = {"AccessKeyId": "STS.real-role", "AccessKeySecret": "real-role-secret", "SecurityToken": "real-role-token",
                         "Expiration": "2099-01-01T01:00:00Z"}
                self._answer(200, json.dumps({"RequestId": "real", "Credentials": creds}))

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)


@pytest.fixture
def real_server() -> Iterator[MetadataAndStsServer]:
    server = MetadataAndStsServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def test_real_server_ecs_probe_then_assume_role(real_server: MetadataAndStsServer, home: Path) -> None:
    with contextlib.closing(fake_service.wire(None)) as real_wire:
        provider = resolve_credentials(
            CredentialOptions(metadata_endpoint=real_server.url, sts_endpoint=real_server.url, assume_role={"role_arn": ROLE_ARN}),
            env={},
            home=str(home),
            wire=real_wire,
        )
        creds = provider.get()
    assert provider.source == "assume_role(ecs_ram_role)"
    assert (creds.access_key_id, creds.security_token) == ("STS.real-role", "real-role-token")
    assert real_server.paths == [
        "PUT /latest/api/token",
        "GET /latest/meta-data/ram/security-credentials/",
        "GET /latest/meta-data/ram/security-credentials/RealRole",
        "GET /",
    ]


def test_real_closed_port_probe_is_reported_quickly(home: Path, real_server: MetadataAndStsServer) -> None:
    url = real_server.url
    real_server.httpd.shutdown()
    real_server.httpd.server_close()  # nothing listens there any more: connection refused
    with contextlib.closing(fake_service.wire(None)) as real_wire:
        with pytest.raises(CredentialsError) as info:
            resolve_credentials(CredentialOptions(metadata_endpoint=url), env={}, home=str(home), wire=real_wire)
    assert info.value.searched[-1].startswith("ECS instance RAM role at %s (failed: " % url)
    assert "could not connect" in info.value.searched[-1]


def test_fixture_files_are_the_documented_formats() -> None:
    data = json.loads((FIXTURES / "config.json").read_text())
    assert {p["mode"] for p in data["profiles"]} >= {"AK", "StsToken", "RamRoleArn", "ChainableRamRoleArn", "EcsRamRole", "OIDC"}
    assert os.path.getsize(FIXTURES / "credentials.ini") > 0


def test_readme_the_doc_fragment_and_the_no_credentials_error_name_the_same_environment_variables(resolve: Any) -> None:
    """One list (credentials.CREDENTIAL_ENV): what a user reads in README.md, in ansible-doc and in the error."""
    names = re.compile(r"\b(?:ALIBABA_CLOUD|ALIBABACLOUD|ALICLOUD)_[A-Z_]+\b")
    root = Path(__file__).resolve().parents[4]
    readme = (root / "README.md").read_text(encoding="utf-8")
    sources = readme[readme.index("Credentials come from the first of these sources"):readme.index("`assume_role: {role_arn")]
    fragment = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
    with pytest.raises(CredentialsError) as info:
        resolve({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
    error = info.value.msg.split(" Looked in, in this order:")[0]
    expected = set(CREDENTIAL_ENV)
    assert len(expected) == len(CREDENTIAL_ENV) > 20
    assert set(names.findall(sources)) == expected, "README.md"
    assert set(names.findall(fragment["notes"][0])) == expected, "doc fragment"
    assert set(names.findall(error)) == expected, "the no-credentials error"
    region = readme[readme.index("The region comes from"):]
    for name in REGION_ENV:
        assert name in region.split("\n\n")[0] and name in " ".join(fragment["options"]["region_id"]["description"]), name
