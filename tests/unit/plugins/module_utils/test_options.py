# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""options.py: option dict + environment + home -> Connection / client; precedence and validation."""

from __future__ import annotations

import json
import pathlib
import ssl
from typing import Any, Dict, List

import httpx
import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils import options
from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import common_argument_spec
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ApiError, ConfigurationError, CredentialsError

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
class Recorder:
    def __init__(self, answers: Dict[str, Any]) -> None:
        self.answers = answers
        self.requests: List[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host == "sts.local":
            return httpx.Response(200, json=self.answers["sts"])
        return httpx.Response(200, json=self.answers["api"])


def task_answer() -> Dict[str, Any]:
    return {"RequestId": "R1", "TaskState": "running", "TaskType": "extend_cluster"}


def test_build_client_resolves_option_credentials_and_calls(home: str) -> None:
    recorder = Recorder({"api": task_answer()})
    client, source = options.build_client(
        defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET),
        {}, home, transport=httpx.MockTransport(recorder),
    )
    with client:
        assert client.describe_task("i1")["TaskState"] == "running"
    assert source == "options"
    [request] = recorder.requests
    assert "Credential=%s," % KEY_ID in request.headers["Authorization"]
    assert request.headers["x-acs-action"] == "DescribeTask"
    assert request.url.host == "127.0.0.1"


def test_options_win_over_environment(home: str) -> None:
    recorder = Recorder({"api": task_answer()})
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tEnvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "EnvSecret0123456789"}
    client, source = options.build_client(
        defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET),
        env, home, transport=httpx.MockTransport(recorder),
    )
    with client:
        client.describe_task("i1")
    assert source == "options"
    assert "Credential=%s," % KEY_ID in recorder.requests[0].headers["Authorization"]


def test_environment_is_used_when_no_option_is_set(home: str) -> None:
    recorder = Recorder({"api": task_answer()})
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tEnvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "EnvSecret0123456789",
           "ALIBABA_CLOUD_REGION_ID": "cn-beijing", **NO_ECS}
    client, source = options.build_client(defaults(access_key_id=""), env, home, transport=httpx.MockTransport(recorder))
    with client:
        client.describe_task("i1")
    assert source == "env"
    assert recorder.requests[0].url.host == "eflo-controller.cn-beijing.aliyuncs.com"
    assert "Credential=LTAI5tEnvKey," in recorder.requests[0].headers["Authorization"]


def test_assume_role_is_resolved_once_up_front(home: str) -> None:
    sts = {"RequestId": "S1", "Credentials": {"AccessKeyId": "STS.AssumedKey", "AccessKeySecret": "AssumedSecret0123456789",
                                              "SecurityToken": "AssumedToken0123456789", "Expiration": "2099-01-01T00:00:00Z"}}
    recorder = Recorder({"api": task_answer(), "sts": sts})
    client, credentials = options.build_client_with_credentials(
        defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET, sts_endpoint="http://sts.local",
                 assume_role={"role_arn": "acs:ram::123:role/eflo", "role_session_name": "unit-test"}),
        {}, home, transport=httpx.MockTransport(recorder),
    )
    assert [r.url.host for r in recorder.requests] == ["sts.local"]  # before any API call
    with client:
        client.describe_task("i1")
        client.describe_task("i2")
    assert credentials.access_key_id == "STS.AssumedKey"
    assert "options" in credentials.source and credentials.source != "options"
    assert AssumedSecret_not_in(credentials)
    hosts = [r.url.host for r in recorder.requests]
    assert hosts == ["sts.local", "127.0.0.1", "127.0.0.1"]
    assert recorder.requests[1].headers["x-acs-security-token"] == "AssumedToken0123456789"


def AssumedSecret_not_in(credentials: Any) -> bool:  # pylint: disable=invalid-name
    return "AssumedSecret0123456789" not in repr(credentials) and "AssumedSecret0123456789" not in credentials.source


def test_no_credentials_lists_the_places_searched(home: str) -> None:
    with pytest.raises(CredentialsError) as info:
        options.build_client(defaults(endpoint="http://127.0.0.1:9"), dict(NO_ECS), home,
                             transport=httpx.MockTransport(Recorder({"api": task_answer()})))
    assert info.value.searched
    assert "environment" in info.value.msg


STS_ANSWER = {"RequestId": "S1", "Credentials": {"AccessKeyId": "STS.AssumedKey", "AccessKeySecret": "AssumedSecret0123456789",
                                                 "SecurityToken": "AssumedToken0123456789", "Expiration": "2099-01-01T00:00:00Z"}}
ASSUME_ROLE = {"role_arn": "acs:ram::123:role/eflo", "role_session_name": "unit-test"}


def spy_credentials_http(monkeypatch: pytest.MonkeyPatch) -> List[httpx.Client]:
    """Every credentials HTTP client that build_client creates, with the ``verify`` it was given."""
    created: List[httpx.Client] = []
    original = options._credentials_http  # pylint: disable=protected-access

    def spy(*args: Any, **kwargs: Any) -> httpx.Client:
        http = original(*args, **kwargs)
        http.verify_given = args[2] if len(args) > 2 else kwargs.get("verify")  # type: ignore[attr-defined]
        created.append(http)
        return http

    monkeypatch.setattr(options, "_credentials_http", spy)
    return created


def test_closing_the_client_closes_the_credentials_http_client(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    created = spy_credentials_http(monkeypatch)
    client, _source = options.build_client(
        defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET, sts_endpoint="http://sts.local",
                 assume_role=ASSUME_ROLE), {}, home,
        transport=httpx.MockTransport(Recorder({"api": task_answer(), "sts": STS_ANSWER})),
    )
    assert len(created) == 1 and not created[0].is_closed
    client.close()
    assert created[0].is_closed


def test_failed_resolution_closes_the_credentials_http_client(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    created = spy_credentials_http(monkeypatch)
    refused = {"RequestId": "S2", "Code": "NoPermission", "Message": "You are not authorized to assume this role."}
    with pytest.raises(ApiError, match="NoPermission"):
        options.build_client(
            defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET, sts_endpoint="http://sts.local",
                     assume_role=ASSUME_ROLE), {}, home,
            transport=httpx.MockTransport(Recorder({"api": task_answer(), "sts": refused})),
        )
    assert created and created[0].is_closed


def test_static_credentials_create_no_credentials_http_client(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    created = spy_credentials_http(monkeypatch)
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tEnvKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "EnvSecret0123456789", **NO_ECS}
    for params, environment in ((defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET), {}),
                                (defaults(endpoint="http://127.0.0.1:9"), env)):
        recorder = Recorder({"api": task_answer()})
        client, _source = options.build_client(params, environment, home, transport=httpx.MockTransport(recorder))
        with client:
            client.describe_task("i1")
        assert len(recorder.requests) == 1
    with pytest.raises(CredentialsError):
        options.build_client(defaults(endpoint="http://127.0.0.1:9"), dict(NO_ECS), home)
    assert created == []


def test_http_endpoint_loads_no_ca_bundle(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: List[Any] = []
    original = options.tls_verify
    monkeypatch.setattr(options, "tls_verify", lambda config: loaded.append(config) or original(config))
    with options.build_client(defaults(endpoint="http://127.0.0.1:9", access_key_id=KEY_ID, access_key_secret=SECRET), {}, home)[0] as client:
        context = client._wire._http._transport._pool._ssl_context  # pylint: disable=protected-access
    assert loaded == []
    assert isinstance(context, ssl.SSLContext) and context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode == ssl.CERT_REQUIRED  # trusts no peer: a TLS connection through it would fail


def test_https_endpoint_with_static_credentials_loads_one_ca_bundle(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: List[Any] = []
    original = options.tls_verify
    monkeypatch.setattr(options, "tls_verify", lambda config: loaded.append(config) or original(config))
    created = spy_credentials_http(monkeypatch)
    params = defaults(region_id="cn-wulanchabu", access_key_id=KEY_ID, access_key_secret=SECRET)
    with options.build_client(params, {}, home)[0] as client:
        context = client._wire._http._transport._pool._ssl_context  # pylint: disable=protected-access
    assert len(loaded) == 1 and created == []
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0


def test_credentials_and_api_clients_share_one_ssl_context(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: List[Any] = []
    original = options.tls_verify
    monkeypatch.setattr(options, "tls_verify", lambda config: loaded.append(config) or original(config))
    created = spy_credentials_http(monkeypatch)
    api_verify: List[Any] = []
    real_client = options.EfloClient

    def client_spy(*args: Any, **kwargs: Any) -> Any:
        api_verify.append(kwargs.get("verify"))
        return real_client(*args, **kwargs)

    monkeypatch.setattr(options, "EfloClient", client_spy)
    client, credentials = options.build_client_with_credentials(
        defaults(endpoint="https://eflo.example.internal", access_key_id=KEY_ID, access_key_secret=SECRET,
                 sts_endpoint="http://sts.local", assume_role=ASSUME_ROLE),
        {}, home, transport=httpx.MockTransport(Recorder({"api": task_answer(), "sts": STS_ANSWER})),
    )
    client.close()
    assert credentials.access_key_id == "STS.AssumedKey"
    assert len(loaded) == 1 and len(created) == 1
    assert isinstance(api_verify[0], ssl.SSLContext) and api_verify[0] is created[0].verify_given  # type: ignore[attr-defined]


def test_configuration_errors_come_before_any_network_call(home: str) -> None:
    recorder = Recorder({"api": task_answer()})
    with pytest.raises(ConfigurationError):
        options.build_client(defaults(region_id="Bad Region", access_key_id=KEY_ID, access_key_secret=SECRET), {}, home,
                             transport=httpx.MockTransport(recorder))
    assert recorder.requests == []


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
        options.build_client(defaults(endpoint="http://127.0.0.1:9"), {}, "/nonexistent")


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
