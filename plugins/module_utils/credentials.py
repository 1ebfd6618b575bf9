# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alibaba Cloud credentials: the chain of sources, the options and environment sources, and what the profile
files share (the other sources are in :mod:`credential_sources`).

:func:`resolve_credentials` tries, in order (the doc fragment ``alibabacloud.eflo.eflo`` lists the variables): the
options (source ``options``), the environment by prefix (``env``), the aliyun CLI profile file
(``cli_profile:<name> (<mode>)``), the ini credentials file (``ini:<section>``), an OIDC role (``oidc``), the ECS
instance RAM role (``ecs_ram_role``); ``assume_role`` chains STS ``AssumeRole`` on top (``assume_role(<source>)``).
Expiring credentials are cached and fetched again within :data:`REFRESH_MARGIN` of their expiration or after
``invalidate()``. The environment is the mapping passed in; secrets never appear in a ``repr``, a ``source`` or
an error; STS and instance-metadata requests go through the run's wire.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Tuple

from ansible_collections.alibabacloud.eflo.plugins.module_utils.endpoint import normalise_endpoint
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError, CredentialsError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import clean


REFRESH_MARGIN = timedelta(minutes=15)
DEFAULT_STS_ENDPOINT = "https://sts.aliyuncs.com"
DEFAULT_METADATA_ENDPOINT = "http://100.100.100.200"
STS_VERSION = "2015-04-01"
DEFAULT_DURATION_SECONDS = 3600
MIN_DURATION_SECONDS = 900
MAX_DURATION_SECONDS = 43200
IMDS_TOKEN_TTL_SECONDS = 21600
METADATA_TIMEOUT = 1.0
SESSION_NAME_RE = re.compile(r"^[A-Za-z0-9.@_-]{2,64}$")

CLI_CONFIG_RELATIVE = os.path.join(".aliyun", "config.json")
INI_RELATIVE = os.path.join(".alibabacloud", "credentials.ini")
CLI_MODES = ("AK", "StsToken", "RamRoleArn", "ChainableRamRoleArn", "EcsRamRole", "OIDC")
INI_TYPES = ("access_key", "ram_role_arn", "oidc_role_arn", "ecs_ram_role")
PROFILE_ENV = ("ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE")
REGION_ENV = ("ALIBABA_CLOUD_REGION_ID", "ALIBABACLOUD_REGION_ID", "ALICLOUD_REGION_ID", "ALICLOUD_REGION")
ECS_ROLE_ENV = ("ALIBABA_CLOUD_ECS_METADATA", "ALICLOUD_ECS_ROLE_NAME")
OIDC_ENV = ("ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE")
CLI_FILE_ENV = "ALICLOUD_SHARED_CREDENTIALS_FILE"
INI_FILE_ENV = "ALIBABA_CLOUD_CREDENTIALS_FILE"


@dataclass(frozen=True)
class _EnvGroup:
    label: str
    key_ids: Tuple[str, ...]
    secrets: Tuple[str, ...]
    tokens: Tuple[str, ...]


ENV_GROUPS = (
    _EnvGroup("ALIBABA_CLOUD_", ("ALIBABA_CLOUD_ACCESS_KEY_ID",), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET",), ("ALIBABA_CLOUD_SECURITY_TOKEN",)),
    _EnvGroup("ALIBABACLOUD_", ("ALIBABACLOUD_ACCESS_KEY_ID",), ("ALIBABACLOUD_ACCESS_KEY_SECRET",), ("ALIBABACLOUD_SECURITY_TOKEN",)),
    _EnvGroup(
        "ALICLOUD_",
        ("ALICLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"),
        ("ALICLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECRET_ACCESS_KEY"),
        ("ALICLOUD_SECURITY_TOKEN",),
    ),
)

#: The environment variables that give credentials or say where to find them, in the order the chain reads them.
#: The no-credentials error names them; README.md and the doc fragment must too (a unit test compares the three).
CREDENTIAL_ENV = tuple(name for group in ENV_GROUPS for name in group.key_ids + group.secrets + group.tokens) + (
    PROFILE_ENV + (CLI_FILE_ENV, INI_FILE_ENV) + OIDC_ENV + ECS_ROLE_ENV
)

WallClock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the default ``wall_clock``)."""
    return datetime.now(timezone.utc)


# ------------------------------------------------------------------------------------------- data types
@dataclass(frozen=True)
class Credentials:
    """An AccessKey pair (+ STS token). ``source`` names where it came from and is safe to report."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: Optional[str] = field(default=None, repr=False)
    expiration: Optional[datetime] = None
    source: str = "options"

    def __post_init__(self) -> None:
        if self.expiration is not None and self.expiration.tzinfo is None:
            object.__setattr__(self, "expiration", self.expiration.replace(tzinfo=timezone.utc))


class CredentialProvider(Protocol):
    """A source of credentials: ``get()`` is cached and refreshes expiring ones; ``invalidate()`` forgets."""

    source: str

    def get(self) -> Credentials:
        ...  # pragma: no cover

    def invalidate(self) -> None:
        ...  # pragma: no cover


@dataclass(frozen=True)
class CredentialOptions:
    """The credential-related module options (``None`` = not set)."""

    access_key_id: Optional[str] = None
    access_key_secret: Optional[str] = field(default=None, repr=False)
    security_token: Optional[str] = field(default=None, repr=False)
    profile: Optional[str] = None
    assume_role: Optional[Mapping[str, Any]] = None
    sts_endpoint: Optional[str] = None
    metadata_endpoint: Optional[str] = None


@dataclass(frozen=True)
class RoleSpec:
    """What to ask STS for: a validated role ARN, session name, duration, policy and external id."""

    role_arn: str
    session_name: str
    duration_seconds: int = DEFAULT_DURATION_SECONDS
    policy: Optional[str] = None
    external_id: Optional[str] = None


# ------------------------------------------------------------------------------------------ small helpers
def first_env(env: Mapping[str, str], names: Sequence[str]) -> Tuple[Optional[str], Optional[str]]:
    """``(name, value)`` of the first variable of ``names`` that is set to something non-blank."""
    for name in names:
        value = clean(env.get(name))
        if value is not None:
            return name, value
    return None, None


def env_true(env: Mapping[str, str], name: str) -> bool:
    """True when the variable ``name`` is set to ``true`` (any case)."""
    return (clean(env.get(name)) or "").lower() == "true"


def expand_home(path: str, home: str) -> str:
    """``path`` with a leading ``~`` replaced by ``home``."""
    if path == "~" or path.startswith("~/"):
        return os.path.join(home, path[2:])
    return path


def truthy(value: Any) -> bool:
    """True for ``True`` and the text ``true`` (any case)."""
    return value is True or str(value).strip().lower() == "true"


class StaticProvider:
    """Credentials that never expire (options, environment, AK / StsToken profiles)."""

    def __init__(self, credentials: Credentials) -> None:
        self.source = credentials.source
        self._credentials = credentials

    def get(self) -> Credentials:
        return self._credentials

    def invalidate(self) -> None:
        """Nothing to forget: static credentials cannot be fetched again."""

    def __repr__(self) -> str:
        return "StaticProvider(source=%r)" % self.source


@dataclass
class Chain:
    """Everything the sources need (``wire``: for STS and instance metadata), plus the list of places looked at."""

    options: CredentialOptions
    env: Mapping[str, str]
    home: str
    wire: Any
    wall_clock: WallClock
    searched: List[str] = field(default_factory=list)

    def profile_name(self) -> Optional[str]:
        """The profile asked for: the ``profile`` option, then ALIBABA_CLOUD_PROFILE / ALICLOUD_PROFILE."""
        return clean(self.options.profile) or first_env(self.env, PROFILE_ENV)[1]

    def sts_endpoint(self, region: Optional[str] = None, vpc: bool = False) -> str:
        if clean(self.options.sts_endpoint):
            return normalise_endpoint(self.options.sts_endpoint or "", "sts_endpoint")
        if region is None:
            region = clean(self.env.get("ALIBABA_CLOUD_STS_REGION"))
            vpc = env_true(self.env, "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED")
        if region:
            return "https://sts%s.%s.aliyuncs.com" % ("-vpc" if vpc else "", region)
        return DEFAULT_STS_ENDPOINT

    def metadata_endpoint(self) -> str:
        return normalise_endpoint(self.options.metadata_endpoint or DEFAULT_METADATA_ENDPOINT, "metadata_endpoint", default_scheme="http")


def cli_config_path(env: Mapping[str, str], home: str) -> str:
    """The aliyun CLI configuration file: ``ALICLOUD_SHARED_CREDENTIALS_FILE`` or ``~/.aliyun/config.json``."""
    override = clean(env.get(CLI_FILE_ENV))
    return expand_home(override, home) if override else os.path.join(home, CLI_CONFIG_RELATIVE)


def ini_path(env: Mapping[str, str], home: str) -> Tuple[str, bool]:
    """The ini credentials file and whether it was named explicitly (``ALIBABA_CLOUD_CREDENTIALS_FILE``)."""
    override = clean(env.get(INI_FILE_ENV))
    if override:
        return expand_home(override, home), True
    return os.path.join(home, INI_RELATIVE), False


def read_text(path: str, kind: str, fix: str) -> Optional[str]:
    """The file's text, ``None`` when it does not exist; ConfigurationError when it cannot be read."""
    if not os.path.lexists(path):
        return None
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or "not UTF-8 text"
        raise ConfigurationError("The %s %s cannot be read (%s: %s): %s." % (kind, path, type(err).__name__, reason, fix)) from None


def load_cli_config(path: str) -> Optional[Dict[str, Any]]:
    """The parsed aliyun CLI configuration, ``None`` when the file does not exist."""
    fix = "fix it with `aliyun configure` or remove it"
    text = read_text(path, "aliyun CLI configuration file", fix)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ConfigurationError(
            "The aliyun CLI configuration file %s is not valid JSON (line %s, column %s: %s): %s."
            % (path, getattr(err, "lineno", "?"), getattr(err, "colno", "?"), getattr(err, "msg", "parse error"), fix)
        ) from None
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, list) or not all(isinstance(p, dict) and clean(p.get("name")) for p in profiles):
        raise ConfigurationError(
            "The aliyun CLI configuration file %s has no valid \"profiles\" list (each profile needs a \"name\"): %s." % (path, fix)
        )
    return data


def cli_profile(data: Mapping[str, Any], name: str) -> Optional[Dict[str, Any]]:
    """The profile ``name`` of a parsed aliyun CLI file, ``None`` when it has none."""
    for profile in data.get("profiles", []):
        if clean(profile.get("name")) == name:
            return profile
    return None


def cli_profile_names(data: Mapping[str, Any]) -> List[str]:
    """The profile names of a parsed aliyun CLI file."""
    return [str(clean(p.get("name"))) for p in data.get("profiles", [])]


def _from_options(chain: Chain) -> Optional[CredentialProvider]:
    options = chain.options
    key_id, secret, token = clean(options.access_key_id), clean(options.access_key_secret), clean(options.security_token)
    if key_id and secret:
        return StaticProvider(Credentials(key_id, secret, token, source="options"))
    if key_id or secret or token:
        present = [name for name, value in (("access_key_id", key_id), ("access_key_secret", secret), ("security_token", token)) if value]
        raise ConfigurationError(
            "Only %s of the credential options %s set: set access_key_id and access_key_secret together (plus "
            "security_token for STS credentials), or none of them to use the credential chain." % (" and ".join(present), "is" if len(present) == 1 else "are")
        )
    chain.searched.append("module options access_key_id/access_key_secret (not set)")
    return None


def _from_env(chain: Chain) -> Optional[CredentialProvider]:
    for group in ENV_GROUPS:
        id_name, key_id = first_env(chain.env, group.key_ids)
        secret_name, secret = first_env(chain.env, group.secrets)
        if key_id and secret:
            token = first_env(chain.env, group.tokens)[1]
            return StaticProvider(Credentials(key_id, secret, token, source="env"))
        if key_id or secret:
            missing = group.secrets if key_id else group.key_ids
            raise ConfigurationError(
                "%s is set but %s is not: set both (and %s for STS credentials), or unset it."
                % (id_name or secret_name, " or ".join(missing), group.tokens[0])
            )
        chain.searched.append("environment %s/%s (not set)" % (" or ".join(group.key_ids), " or ".join(group.secrets)))
    return None


def resolve_credentials(
    options: CredentialOptions,
    *,
    env: Mapping[str, str],
    home: str,
    wire: Any,
    wall_clock: WallClock = utcnow,
) -> CredentialProvider:
    """The provider of the first source that has credentials (see the module docstring for the order).

    Raises :class:`CredentialsError` (listing every place looked at, never a value) when nothing is found and
    :class:`ConfigurationError` for broken files, unknown profiles/modes and incomplete settings. Only the
    ``metadata_endpoint`` probe makes a network call here; other providers fetch on their first ``get()``.
    """
    chain = Chain(options=options, env=env, home=home, wire=wire, wall_clock=wall_clock)
    provider = _from_options(chain) or _from_env(chain)
    if provider is None:
        provider = _sources().from_files_and_roles(chain)
    if provider is None:
        raise CredentialsError(
            "No Alibaba Cloud credentials were found. Set the access_key_id and access_key_secret options, or the "
            "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET environment variables, or create a profile "
            "with `aliyun configure`. The environment variables read: %s." % ", ".join(CREDENTIAL_ENV),
            searched=chain.searched,
        )
    if options.assume_role:
        provider = _sources().with_assumed_role(provider, options.assume_role, chain)
    return provider


def resolve_region(option: Optional[str], *, env: Mapping[str, str], home: str, profile: Optional[str]) -> Optional[str]:
    """The region: ``option``, then ALIBABA_CLOUD_REGION_ID / ALIBABACLOUD_REGION_ID / ALICLOUD_REGION_ID /
    ALICLOUD_REGION, then the ``region_id`` of the aliyun CLI profile (``profile``, else ALIBABA_CLOUD_PROFILE /
    ALICLOUD_PROFILE, else the file's ``current``); ``None`` when none has one.
    """
    if clean(option):
        return clean(option)
    region = first_env(env, REGION_ENV)[1]
    if region:
        return region
    data = load_cli_config(cli_config_path(env, home))
    if data is None:
        return None
    name = clean(profile) or first_env(env, PROFILE_ENV)[1] or clean(data.get("current")) or "default"
    return clean((cli_profile(data, name) or {}).get("region_id"))


# ------------------------------------------------------------------------------------ the other sources
def _sources() -> Any:
    """:mod:`credential_sources`, imported when a run gets past the options and the environment: a module run
    with credentials in either never compiles the profile files, STS, OIDC and instance-metadata code."""
    from ansible_collections.alibabacloud.eflo.plugins.module_utils import credential_sources  # pylint: disable=import-outside-toplevel

    return credential_sources
