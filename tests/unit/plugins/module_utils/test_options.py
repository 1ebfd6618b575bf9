# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""options.py: option dict + environment + home -> Connection / client; precedence and validation."""

from __future__ import annotations

import json
import pathlib
import ssl
from typing import Any, Dict, List, Tuple

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils import client as client_mod
from ansible_collections.alibabacloud.eflo.plugins.module_utils import options
from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import common_argument_spec
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ApiError, ConfigurationError, CredentialsError
from ansible_collections.alibabacloud.eflo.tests.unit.plugins.fake_service import FakeEflo, transport  # pylint: disable=import-error

KEY_ID = "LTAI5tOptionsTestKey"
SECRET = "OptionsTestSecret0123456789abcdef"
NO_ECS = {"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}


def defaults(**extra: Any) -> Dict[str, Any]:
    """What AnsibleModule hands over: every common option, defaults applied, unset ones None."""
    params: Dict[str, Any] = {name: spec.get("default") for name, spec in common_argument_spec().items()}
    params.update(extra)
    return params


def write_cli_config(home: pathlib.Path, profiles: List[Dict[str, Any]], current: str = "default") -> None:
    (home / ".aliyun").mkdir(exist_ok=True)
    (home / ".aliyun" / "config.json").write_text(json.dumps({"current": current, "profiles": profiles}), encoding="utf-8")


@pytest.fixture
def home(tmp_path: pathlib.Path) -> str:
    return str(tmp_path)


# ------------------------------------------------------------------------------------ region / endpoint
def test_region_option_builds_the_regional_endpoint(home: str) -> None:
    conn = options.connection_from_params(defaults(region_id="cn-wulanchabu"), env={}, home=home)
    assert conn.region_id == "cn-wulanchabu"
    assert conn.endpoint_url == "https://eflo-controller.cn-wulanchabu.aliyuncs.com"
    assert conn.client_config.endpoint_url == conn.endpoint_url


def test_vpc_network_builds_the_vpc_endpoint(home: str) -> None:
    conn = options.connection_from_params(defaults(region_id="cn-hangzhou", network="vpc"), env={}, home=home)
    assert conn.endpoint_url == "https://eflo-controller-vpc.cn-hangzhou.aliyuncs.com"


def test_explicit_endpoint_needs_no_region_and_wins(home: str) -> None:
    conn = options.connection_from_params(defaults(endpoint="http://127.0.0.1:8080/", network="vpc"), env={}, home=home)
    assert conn.endpoint_url == "http://127.0.0.1:8080"
    assert conn.region_id is None
    conn = options.connection_from_params(defaults(endpoint="eflo.example.internal", region_id="cn-beijing"), env={}, home=home)
    assert conn.endpoint_url == "https://eflo.example.internal"


def test_explicit_endpoint_does_not_read_the_profile_file(tmp_path: pathlib.Path) -> None:
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text("{broken", encoding="utf-8")
    conn = options.connection_from_params(defaults(endpoint="http://127.0.0.1:1"), env={}, home=str(tmp_path))
    assert conn.endpoint_url == "http://127.0.0.1:1"


def test_region_precedence_option_then_env_then_profile(tmp_path: pathlib.Path) -> None:
    write_cli_config(tmp_path, [{"name": "default", "mode": "AK", "access_key_id": "a", "access_key_secret": "b",
                                 "region_id": "cn-shanghai"}])
    home = str(tmp_path)
    env = {"ALIBABA_CLOUD_REGION_ID": "cn-beijing", "ALICLOUD_REGION": "cn-shenzhen"}
    assert options.connection_from_params(defaults(region_id="ap-southeast-1"), env=env, home=home).region_id == "ap-southeast-1"
    assert options.connection_from_params(defaults(), env=env, home=home).region_id == "cn-beijing"
    assert options.connection_from_params(defaults(), env={"ALICLOUD_REGION": "cn-shenzhen"}, home=home).region_id == "cn-shenzhen"
    assert options.connection_from_params(defaults(), env={}, home=home).region_id == "cn-shanghai"
    # an empty option (a templated, unset variable) counts as not set
    assert options.connection_from_params(defaults(region_id="  "), env=env, home=home).region_id == "cn-beijing"


def test_named_profile_region(tmp_path: pathlib.Path) -> None:
    write_cli_config(tmp_path, [
        {"name": "default", "mode": "AK", "access_key_id": "a", "access_key_secret": "b", "region_id": "cn-shanghai"},
        {"name": "prod", "mode": "AK", "access_key_id": "c", "access_key_secret": "d", "region_id": "cn-wulanchabu"},
    ])
    conn = options.connection_from_params(defaults(profile="prod"), env={}, home=str(tmp_path))
    assert conn.region_id == "cn-wulanchabu"
    assert conn.credential_options.profile == "prod"


@pytest.mark.parametrize("region", ["CN-HANGZHOU", "hangzhou", "cn_hangzhou", "cn-", "cn hangzhou"])
def test_bad_region_format_is_refused(home: str, region: str) -> None:
    with pytest.raises(ConfigurationError, match="not a valid region id"):
        options.connection_from_params(defaults(region_id=region), env={}, home=home)


@pytest.mark.parametrize("endpoint", ["ftp://host", "http://", "https://host/path", "http://host:99999", "ht tp://x"])
def test_bad_endpoint_is_refused(home: str, endpoint: str) -> None:
    with pytest.raises(ConfigurationError, match="endpoint"):
        options.connection_from_params(defaults(endpoint=endpoint), env={}, home=home)


def test_no_region_and_no_endpoint_says_how_to_fix(home: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        options.connection_from_params(defaults(), env={}, home=home)
    assert "region" in info.value.msg and "endpoint" in info.value.msg


# --------------------------------------------------------------------------------- client configuration
def test_client_config_takes_the_options(tmp_path: pathlib.Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    params = defaults(region_id="cn-wulanchabu", signature_version="V2", connect_timeout="2.5", read_timeout=30,
                      retries="0", validate_certs=False, ca_bundle=str(bundle))
    config = options.connection_from_params(params, env={}, home=str(tmp_path), user_agent="ansible-core/2.19.0").client_config
    assert config.signature_version == "v2"
    assert config.connect_timeout == 2.5 and config.read_timeout == 30.0
    assert config.retries == 0
    assert config.validate_certs is False
    assert config.ca_bundle == str(bundle)
    assert config.user_agent == "ansible-core/2.19.0"


def test_missing_keys_take_the_documented_defaults(home: str) -> None:
    config = options.connection_from_params({"region_id": "cn-wulanchabu"}, env={}, home=home).client_config
    spec = common_argument_spec()
    assert config.signature_version == spec["signature_version"]["default"]
    assert config.connect_timeout == spec["connect_timeout"]["default"]
    assert config.read_timeout == spec["read_timeout"]["default"]
    assert config.retries == spec["retries"]["default"]
    assert config.validate_certs is True
    assert config.ca_bundle is None


@pytest.mark.parametrize(
    "name, value, fragment",
    [("connect_timeout", 0, "greater than 0"), ("read_timeout", -1, "greater than 0"),
     ("retries", -1, "0 or more"), ("retries", "many", "whole number"), ("connect_timeout", True, "a number")],
)
def test_bad_numbers_are_refused(home: str, name: str, value: Any, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment) as info:
        options.connection_from_params(defaults(region_id="cn-wulanchabu", **{name: value}), env={}, home=home)
    assert info.value.msg.startswith(name)


def test_unreadable_ca_bundle_is_refused(home: str) -> None:
    with pytest.raises(ConfigurationError, match="ca_bundle .* is not a readable file"):
        options.connection_from_params(defaults(region_id="cn-wulanchabu", ca_bundle="/nonexistent/ca.pem"), env={}, home=home)


def test_bad_choice_is_refused(home: str) -> None:
    with pytest.raises(ConfigurationError, match="signature_version must be one of v3, v2"):
        options.connection_from_params(defaults(region_id="cn-wulanchabu", signature_version="v4"), env={}, home=home)


# ----------------------------------------------------------------------------------- credential options
def test_credential_options_strip_and_treat_empty_as_unset() -> None:
    creds = options.credential_options(defaults(access_key_id=" %s " % KEY_ID, access_key_secret=SECRET,
                                                security_token="", profile="", sts_endpoint="http://127.0.0.1:1"))
    assert creds.access_key_id == KEY_ID
    assert creds.access_key_secret == SECRET
    assert creds.security_token is None and creds.profile is None
    assert creds.sts_endpoint == "http://127.0.0.1:1"
    assert SECRET not in repr(creds)


def test_assume_role_keeps_only_what_is_set() -> None:
    creds = options.credential_options(defaults(assume_role={
        "role_arn": " acs:ram::1:role/x ", "role_session_name": None, "duration_seconds": 900, "policy": "", "external_id": None,
    }))
    assert creds.assume_role == {"role_arn": "acs:ram::1:role/x", "duration_seconds": 900}
    with pytest.raises(ConfigurationError, match="assume_role must be a dictionary"):
        options.credential_options(defaults(assume_role="acs:ram::1:role/x"))


@pytest.mark.parametrize("role_arn", ["", "   ", None])
def test_assume_role_with_an_empty_role_arn_is_refused_not_skipped(role_arn: Any) -> None:
    with pytest.raises(ConfigurationError, match="assume_role.role_arn is empty"):
        options.credential_options(defaults(assume_role={"role_arn": role_arn, "role_session_name": "x"}))


def test_connection_repr_has_no_secret(home: str) -> None:
    conn = options.connection_from_params(defaults(region_id="cn-wulanchabu", access_key_id=KEY_ID, access_key_secret=SECRET,
                                                   security_token="TokenValue0123456789"), env={}, home=home)
    assert SECRET not in repr(conn) and "TokenValue0123456789" not in repr(conn)


def test_secrets_of() -> None:
    assert options.secrets_of(defaults(access_key_secret=SECRET, security_token="")) == [SECRET]
    assert options.secrets_of(defaults()) == []


# ------------------------------------------------------------------------------------------ build_client
STS_ANSWER = {"RequestId": "S1", "Credentials": {"AccessKeyId": "STS.AssumedKey", "AccessKeySecret": "AssumedSecret0123456789",
                                                 "SecurityToken": "AssumedToken0123456789", "Expiration": "2099-01-01T00:00:00Z"}}
ASSUME_ROLE = {"role_arn": "acs:ram::123:role/eflo", "role_session_name": "unit-test"}
TASK = {"RequestId": "R1", "TaskState": "running", "TaskType": "extend_cluster"}


@pytest.fixture
def fake() -> FakeEflo:
    service = FakeEflo()
    service.tasks.update(i1=TASK, i2=TASK)
    service.answers["AssumeRole"] = STS_ANSWER
    return service


def test_build_client_resolves_option_credentials_and_calls(home: str, fake: FakeEflo) -> None:
    client, credentials = options.build_client_with_credentials(
        defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET), {}, home, transport=transport(fake),
    )
    with client:
        assert client.describe_task("i1")["TaskState"] == "running"
    assert credentials.source == "options"
    assert fake.access_key_ids() == [KEY_ID] and fake.actions() == ["DescribeTask"] and fake.hosts() == ["127.0.0.1"]


def test_options_win_over_environment(home: str, fake: FakeEflo) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tEnvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "EnvSecret0123456789"}
    client, credentials = options.build_client_with_credentials(
        defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET), env, home, transport=transport(fake),
    )
    with client:
        client.describe_task("i1")
    assert credentials.source == "options" and fake.access_key_ids() == [KEY_ID]


def test_environment_is_used_when_no_option_is_set(home: str, fake: FakeEflo) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tEnvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "EnvSecret0123456789",
           "ALIBABA_CLOUD_REGION_ID": "cn-beijing", **NO_ECS}
    client, credentials = options.build_client_with_credentials(defaults(access_key_id=""), env, home, transport=transport(fake))
    with client:
        client.describe_task("i1")
    assert credentials.source == "env"
    assert fake.hosts() == ["eflo-controller.cn-beijing.aliyuncs.com"] and fake.access_key_ids() == ["LTAI5tEnvKey"]


def test_assume_role_is_resolved_once_up_front(home: str, fake: FakeEflo) -> None:
    client, credentials = options.build_client_with_credentials(
        defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET, sts_endpoint="http://sts.local",
                 assume_role=ASSUME_ROLE),
        {}, home, transport=transport(fake),
    )
    assert fake.hosts() == ["sts.local"]  # before any API call
    with client:
        client.describe_task("i1")
        client.describe_task("i2")
    assert credentials.access_key_id == "STS.AssumedKey"
    assert "options" in credentials.source and credentials.source != "options"
    assert "AssumedSecret0123456789" not in repr(credentials) + credentials.source
    assert fake.hosts() == ["sts.local", "127.0.0.1", "127.0.0.1"]
    assert fake.requests[1][2].headers["x-acs-security-token"] == "AssumedToken0123456789"


def test_no_credentials_lists_the_places_searched(home: str, fake: FakeEflo) -> None:
    with pytest.raises(CredentialsError) as info:
        options.build_client_with_credentials(defaults(endpoint="http://127.0.0.1:9"), dict(NO_ECS), home, transport=transport(fake))
    assert info.value.searched
    assert "environment" in info.value.msg


def spy_wires(monkeypatch: pytest.MonkeyPatch) -> Tuple[List[Any], List[Any]]:
    """(every wire build_client makes, each with the ``verify`` it was given as ``verify_given``; every CA store loaded)."""
    wires: List[Any] = []
    loaded: List[Any] = []
    real_wire, real_tls = options.http_wire, options.tls_verify

    def wire_spy(config: Any, verify: Any, transport_: Any = None) -> Any:
        wires.append(real_wire(config, verify, transport_))
        wires[-1].verify_given = verify
        return wires[-1]

    monkeypatch.setattr(options, "http_wire", wire_spy)
    for module in (options, client_mod):
        monkeypatch.setattr(module, "tls_verify", lambda config: loaded.append(config) or real_tls(config))
    return wires, loaded


def ssl_context(wire: Any) -> ssl.SSLContext:
    assert isinstance(wire.verify_given, ssl.SSLContext)
    return wire.verify_given


def test_the_credential_providers_and_the_client_share_one_wire_and_closing_the_client_closes_it(
        home: str, fake: FakeEflo, monkeypatch: pytest.MonkeyPatch) -> None:
    wires, loaded = spy_wires(monkeypatch)
    client, credentials = options.build_client_with_credentials(
        defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET, sts_endpoint="http://sts.local",
                 assume_role=ASSUME_ROLE), {}, home, transport=transport(fake),
    )
    assert credentials.access_key_id == "STS.AssumedKey"
    assert len(wires) == 1 and client._wire is wires[0] and len(loaded) == 1  # pylint: disable=protected-access
    assert ssl_context(wires[0]).cert_store_stats()["x509_ca"] > 0  # STS may be https: a real CA store
    client.close()
    assert wires[0]._http.is_closed  # pylint: disable=protected-access


def test_failed_resolution_closes_the_wire(home: str, fake: FakeEflo, monkeypatch: pytest.MonkeyPatch) -> None:
    wires, _loaded = spy_wires(monkeypatch)
    fake.answers["AssumeRole"] = {"RequestId": "S2", "Code": "NoPermission", "Message": "You are not authorized to assume this role."}
    with pytest.raises(ApiError, match="NoPermission"):
        options.build_client_with_credentials(
            defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET, sts_endpoint="http://sts.local",
                     assume_role=ASSUME_ROLE), {}, home, transport=transport(fake),
        )
    assert len(wires) == 1 and wires[0]._http.is_closed  # pylint: disable=protected-access


def test_static_credentials_and_an_http_endpoint_load_no_ca_store(home: str, fake: FakeEflo, monkeypatch: pytest.MonkeyPatch) -> None:
    wires, loaded = spy_wires(monkeypatch)
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tEnvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "EnvSecret0123456789", **NO_ECS}
    for params, environment in ((defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET), {}),
                                (defaults(endpoint="http://127.0.0.1:9"), env)):
        with options.build_client_with_credentials(params, environment, home, transport=transport(fake))[0] as client:
            client.describe_task("i1")
    assert loaded == [] and len(wires) == 2 and len(fake.requests) == 2
    context = ssl_context(wires[0])
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode == ssl.CERT_REQUIRED  # trusts no peer: a TLS connection through it would fail


def test_https_endpoint_with_static_credentials_loads_one_ca_bundle(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    wires, loaded = spy_wires(monkeypatch)
    params = defaults(region_id="cn-wulanchabu", access_key_id=KEY_ID, access_key_secret=SECRET)
    with options.build_client_with_credentials(params, {}, home)[0]:
        pass
    assert len(loaded) == 1 and len(wires) == 1
    context = ssl_context(wires[0])
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0


def test_configuration_errors_come_before_any_network_call(home: str, fake: FakeEflo) -> None:
    with pytest.raises(ConfigurationError):
        options.build_client_with_credentials(defaults(region_id="Bad Region", access_key_id=KEY_ID, access_key_secret=SECRET), {}, home,
                                              transport=transport(fake))
    assert fake.requests == []


# --------------------------------------------------------------------------------------------- libraries
def test_library_problem_is_none_when_everything_is_installed() -> None:
    assert options.library_problem() is None


def test_library_problem_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    # jmespath is looked for without importing it (only a query needs it): make it unfindable
    real_find_spec = options.importlib.util.find_spec
    monkeypatch.setattr(options.importlib.util, "find_spec", lambda name, *a: None if name == "jmespath" else real_find_spec(name, *a))
    monkeypatch.delitem(options.sys.modules, "jmespath", raising=False)
    problem = options.library_problem()
    assert problem is not None
    assert "jmespath" in problem and "httpx," not in problem.split(".", maxsplit=1)[0]
    assert "pip install" in problem
    with pytest.raises(ConfigurationError, match="jmespath"):
        options.build_client_with_credentials(defaults(endpoint="http://127.0.0.1:9"), {}, "/nonexistent")


def test_a_missing_httpx_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = options.importlib.import_module

    def fake_import(name: str, *args: Any) -> Any:
        if name == "httpx":
            raise ImportError("No module named 'httpx'")
        return real_import(name, *args)

    monkeypatch.setattr(options.importlib, "import_module", fake_import)
    problem = options.library_problem()
    assert problem is not None and problem.startswith("Missing Python libraries: httpx.")


def test_library_problem_does_not_import_jmespath(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(options.sys.modules, "jmespath", raising=False)
    assert options.library_problem() is None
    assert "jmespath" not in options.sys.modules


def test_a_module_that_does_not_use_pydantic_only_looks_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = options.importlib.import_module
    real_find_spec = options.importlib.util.find_spec
    imported: List[str] = []

    def recording_import(name: str, *args: Any) -> Any:
        imported.append(name)
        return real_import(name, *args)

    monkeypatch.setattr(options.importlib, "import_module", recording_import)
    assert options.library_problem(uses_pydantic=False) is None
    assert "pydantic" not in imported and "httpx" in imported
    monkeypatch.delitem(options.sys.modules, "pydantic", raising=False)
    monkeypatch.setattr(options.importlib.util, "find_spec", lambda name, *a: None if name == "pydantic" else real_find_spec(name, *a))
    problem = options.library_problem(uses_pydantic=False)
    assert problem is not None and problem.startswith("Missing Python libraries: pydantic>=2.")


def test_old_pydantic_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = options.importlib.import_module

    class OldPydantic:  # pylint: disable=too-few-public-methods
        VERSION = "1.10.13"

    monkeypatch.setattr(options.importlib, "import_module", lambda name, *a: OldPydantic if name == "pydantic" else real_import(name, *a))
    problem = options.library_problem()
    assert problem is not None and "pydantic>=2 (found pydantic 1.10.13)" in problem
