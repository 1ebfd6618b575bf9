# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From validated option values to a ready client (pure: no Ansible import), for the modules (through
``ansible_module.py``) and the ``eflo_task_wait`` action plugin: :func:`library_problem` (a missing library),
:func:`connection_from_params` (options + environment + home -> :class:`Connection`, validated before any network
call), :func:`build_client_with_credentials` (one wire, credentials resolved once) and :func:`secrets_of`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_RETRIES,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.client import (
    ClientConfig,
    EfloClient,
    endpoint_verify,
    http_wire,
    tls_verify,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.credentials import (
    CredentialOptions,
    Credentials,
    cli_config_path,
    cli_profile_names,
    load_cli_config,
    resolve_credentials,
    resolve_region,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.endpoint import resolve_endpoint
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import clean
from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire import Answer, Wire

REQUIRED_LIBRARIES = (("httpx", "httpx"), ("pydantic", "pydantic>=2"), ("jmespath", "jmespath"))
LIBRARY_HINT = "install httpx, pydantic>=2 and jmespath on the host that runs the module"

_ASSUME_ROLE_KEYS = ("role_arn", "role_session_name", "duration_seconds", "policy", "external_id")
_SECRET_OPTIONS = ("access_key_secret", "security_token")


@dataclass(frozen=True)
class Connection:
    """Everything needed to build a client, resolved from the options (no secret in the repr)."""

    client_config: ClientConfig
    credential_options: CredentialOptions = field(repr=False)
    region_id: Optional[str]
    endpoint_url: str


def _major(version: Any) -> int:
    """The major number of a version string such as ``2.12.5`` (0 when unreadable)."""
    head = str(version).split(".", 1)[0].strip()
    return int(head) if head.isdigit() else 0


def _findable(module_name: str) -> bool:
    """True when ``module_name`` is installed, found without importing it."""
    if module_name in sys.modules:
        return True
    try:
        return importlib.util.find_spec(module_name) is not None
    except (ImportError, ValueError):
        return False


def library_problem(uses_httpx: bool = True, uses_pydantic: bool = True) -> Optional[str]:
    """``None`` when httpx, pydantic v2 and jmespath are installed, else a message naming what is missing.

    A library a caller uses is imported (and pydantic's version checked); the others are only looked for, which
    costs nothing. jmespath is always only looked for, since only a ``query`` or an acceptor imports it.
    """
    imported = {"httpx": uses_httpx, "pydantic": uses_pydantic}
    missing: List[str] = []
    for module_name, requirement in REQUIRED_LIBRARIES:
        if not imported.get(module_name, False):
            if not _findable(module_name):
                missing.append(requirement)
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            missing.append(requirement)
            continue
        if module_name == "pydantic" and _major(getattr(module, "VERSION", "0")) < 2:
            missing.append("%s (found pydantic %s)" % (requirement, getattr(module, "VERSION", "?")))
    if not missing:
        return None
    return "Missing Python libraries: %s. To fix it, %s (for example: python3 -m pip install httpx 'pydantic>=2' jmespath)." % (
        ", ".join(missing),
        LIBRARY_HINT,
    )


def _number(params: Mapping[str, Any], name: str, default: Any, *, allow_zero: bool, integer: bool = False) -> Any:
    """A numeric option: ``default`` when unset, else a positive (or, with ``allow_zero``, non-negative) number."""
    value = params.get(name)
    if value is None:
        return default
    kind = "a whole number" if integer else "a number"
    if isinstance(value, bool):
        raise ConfigurationError("%s must be %s, got %r" % (name, kind, value))
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ConfigurationError("%s must be %s, got %r" % (name, kind, value)) from None
    if number < 0 or (number == 0 and not allow_zero):
        raise ConfigurationError(
            "%s must be %s, got %r" % (name, "0 or more" if allow_zero else "greater than 0", value)
        )
    return number


def _assume_role(params: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The ``assume_role`` sub-options that are set (validated by ``credentials.role_spec``), or None."""
    raw = params.get("assume_role")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigurationError(
            "assume_role must be a dictionary with at least role_arn, got %s" % type(raw).__name__
        )
    role: Dict[str, Any] = {}
    for key in _ASSUME_ROLE_KEYS:
        value = raw.get(key)
        if isinstance(value, str):
            value = value.strip() or None
        if value is not None:
            role[key] = value
    if not role.get("role_arn"):
        raise ConfigurationError(
            "assume_role.role_arn is empty: set it to the ARN of the RAM role to assume, such as "
            "acs:ram::<account id>:role/<role name>, or remove assume_role"
        )
    return role


def credential_options(params: Mapping[str, Any]) -> CredentialOptions:
    """The credential part of the options; the chain (``credentials.resolve_credentials``) validates them."""
    return CredentialOptions(
        access_key_id=clean(params.get("access_key_id")),
        access_key_secret=clean(params.get("access_key_secret")),
        security_token=clean(params.get("security_token")),
        profile=clean(params.get("profile")),
        assume_role=_assume_role(params),
        sts_endpoint=clean(params.get("sts_endpoint")),
        metadata_endpoint=clean(params.get("metadata_endpoint")),
    )


def _ca_bundle(params: Mapping[str, Any]) -> Optional[str]:
    path = clean(params.get("ca_bundle"))
    if path is None:
        return None
    path = os.path.expanduser(path)
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        raise ConfigurationError(
            "ca_bundle %r is not a readable file: point it at a PEM file of CA certificates, or remove it "
            "to use the system's CA store" % (path,)
        )
    return path


def _choice(params: Mapping[str, Any], name: str, default: str, choices: Tuple[str, ...]) -> str:
    value = (clean(params.get(name)) or default).lower()
    if value not in choices:
        raise ConfigurationError("%s must be one of %s, got %r" % (name, ", ".join(choices), params.get(name)))
    return value


def _no_region_error(profile: Optional[str], env: Mapping[str, str], home: str) -> ConfigurationError:
    """What to do when neither a region nor an endpoint is known (naming a profile that does not exist)."""
    msg = (
        "No region is set: set the region_id option (for example region_id: cn-wulanchabu), the "
        "ALIBABA_CLOUD_REGION_ID environment variable, a region_id in the aliyun CLI profile, or the endpoint option."
    )
    if profile:
        path = cli_config_path(env, home)
        data = load_cli_config(path)
        names = cli_profile_names(data or {})
        if profile not in names:
            msg += " Note: the profile %r was not found in %s (%s)." % (
                profile, path, "profiles: %s" % (", ".join(names) or "none") if data is not None else "no such file"
            )
    return ConfigurationError(msg)


def connection_from_params(
    params: Mapping[str, Any],
    *,
    env: Mapping[str, str],
    home: str,
    user_agent: Optional[str] = None,
) -> Connection:
    """Resolve the options into a :class:`Connection` without any network call.

    ``params`` uses the canonical option names (aliases already resolved); missing keys take the
    documented defaults, empty strings count as not set. The region comes from ``region_id``, then the
    environment, then the profile (``credentials.resolve_region``); with ``endpoint`` set no region is needed
    (only ``region_id`` is then used, and only its format is checked).
    """
    creds = credential_options(params)
    network = _choice(params, "network", "public", ("public", "vpc"))
    signature_version = _choice(params, "signature_version", "v3", ("v3", "v2"))
    endpoint = clean(params.get("endpoint"))
    region = clean(params.get("region_id"))
    if endpoint is None:
        region = resolve_region(region, env=env, home=home, profile=creds.profile)
    if endpoint is None and region is None:
        raise _no_region_error(creds.profile, env, home)
    endpoint_url = resolve_endpoint(region, network, endpoint)
    validate_certs = params.get("validate_certs")
    config = ClientConfig(
        endpoint_url=endpoint_url,
        signature_version=signature_version,
        connect_timeout=_number(params, "connect_timeout", DEFAULT_CONNECT_TIMEOUT, allow_zero=False),
        read_timeout=_number(params, "read_timeout", DEFAULT_READ_TIMEOUT, allow_zero=False),
        retries=_number(params, "retries", DEFAULT_RETRIES, allow_zero=True, integer=True),
        validate_certs=True if validate_certs is None else bool(validate_certs),
        ca_bundle=_ca_bundle(params),
        user_agent=user_agent,
    )
    return Connection(client_config=config, credential_options=creds, region_id=region, endpoint_url=endpoint_url)


class _RunWire:
    """The one wire of a run, shared by the credential providers and the API client, built on its first use.

    A credential provider that sends a request (STS, OIDC, instance metadata) builds it with
    :func:`client.tls_verify`; else the client builds it with :func:`client.endpoint_verify`, so static or
    environment credentials and an ``http://`` endpoint load no CA store at all.
    """

    def __init__(self, config: ClientConfig, transport: Any) -> None:
        self._config = config
        self._transport = transport
        self._wire: Optional[Wire] = None
        self._lock = threading.Lock()

    def get(self, verify: Optional[Callable[[ClientConfig], Any]] = None) -> Wire:
        """The wire, built with ``verify(config)`` (default :func:`client.tls_verify`) if it does not exist yet."""
        with self._lock:
            if self._wire is None:
                self._wire = http_wire(self._config, (verify or tls_verify)(self._config), self._transport)
            return self._wire

    def exchange(self, *args: Any, **kwargs: Any) -> Answer:
        return self.get().exchange(*args, **kwargs)

    def close(self) -> None:
        with self._lock:
            wire, self._wire = self._wire, None
        if wire is not None:
            wire.close()


def build_client_with_credentials(
    params: Mapping[str, Any],
    env: Mapping[str, str],
    home: str,
    *,
    user_agent: Optional[str] = None,
    transport: Any = None,
    **client_kwargs: Any,
) -> Tuple[EfloClient, Credentials]:
    """A ready client and the credentials resolved for it (to mask their secrets in the caller's output).

    The credentials are resolved here, once (a network call for STS or instance-metadata sources), so a
    credential problem fails before the first API call and the source is known. The client and the credential
    providers share one wire (:class:`_RunWire`); ``transport`` (an httpx transport: the tests' fake service)
    serves both. ``client_kwargs`` go to :class:`EfloClient` (``clock``, ``sleep``, ``rng``...); closing the
    client closes the wire.
    """
    problem = library_problem(uses_pydantic=False)  # a client does not need the models
    if problem:
        raise ConfigurationError(problem)
    connection = connection_from_params(params, env=env, home=home, user_agent=user_agent)
    wire = _RunWire(connection.client_config, transport)
    try:
        provider = resolve_credentials(connection.credential_options, env=env, home=home, wire=wire)
        credentials = provider.get()
        client = EfloClient(connection.client_config, provider, wire=wire.get(endpoint_verify), **client_kwargs)
    except BaseException:
        wire.close()
        raise
    return client, credentials


def secrets_of(params: Mapping[str, Any]) -> List[str]:
    """The secret option values (to mask in any output); never empty strings."""
    return [str(params[name]) for name in _SECRET_OPTIONS if params.get(name)]
