# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential sources past the options and the environment (see :mod:`credentials` for the order): the
aliyun CLI and ini profile files, OIDC, the ECS instance RAM role, and STS ``AssumeRole`` on top of any source.

:func:`credentials.resolve_credentials` imports this module only when it needs it, so a module run whose
credentials come from its options or the environment never compiles it. Nothing here imports Ansible.
"""

from __future__ import annotations

import configparser
import json
import threading
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple
from urllib.parse import parse_qsl, urlsplit

from ansible_collections.alibabacloud.eflo.plugins.module_utils.credentials import (
    CLI_MODES,
    DEFAULT_DURATION_SECONDS,
    IMDS_TOKEN_TTL_SECONDS,
    INI_TYPES,
    MAX_DURATION_SECONDS,
    METADATA_TIMEOUT,
    MIN_DURATION_SECONDS,
    OIDC_ENV,
    ECS_ROLE_ENV,
    INI_FILE_ENV,
    REFRESH_MARGIN,
    SESSION_NAME_RE,
    STS_VERSION,
    Chain,
    CredentialProvider,
    Credentials,
    RoleSpec,
    StaticProvider,
    WallClock,
    cli_config_path,
    cli_profile,
    cli_profile_names,
    env_true,
    expand_home,
    first_env,
    ini_path,
    load_cli_config,
    read_text,
    truthy,
    utcnow,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    CredentialsError,
    EfloError,
    ResponseParseError,
    TransportError,
    excerpt,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.lenient import clean, error_fields, json_object
from ansible_collections.alibabacloud.eflo.plugins.module_utils.retry import REFRESH, classify
from ansible_collections.alibabacloud.eflo.plugins.module_utils.redact import Redactor
from ansible_collections.alibabacloud.eflo.plugins.module_utils.signer import (
    format_timestamp,
    new_nonce,
    query_string,
    sign_v2_get,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.wire import Answer, BodyTooLarge, Wire, WireError, transport_error


def _parse_expiration(value: Any, what: str) -> datetime:
    text = clean(value)
    if text is None:
        raise ResponseParseError("%s answered credentials without an Expiration." % what)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ResponseParseError("%s answered an Expiration that is not a timestamp: %r." % (what, excerpt(text, 40))) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def duration_seconds(value: Any, where: str) -> int:
    """A session duration: missing or 0 means the default 3600; otherwise 900..43200 seconds."""
    if value is None or value == "" or value == 0 or value == "0":
        return DEFAULT_DURATION_SECONDS
    if isinstance(value, bool):
        raise ConfigurationError("%s: the session duration must be a whole number of seconds, got %r" % (where, value))
    try:
        seconds = int(str(value).strip())
    except ValueError:
        raise ConfigurationError("%s: the session duration must be a whole number of seconds, got %r" % (where, value)) from None
    if not MIN_DURATION_SECONDS <= seconds <= MAX_DURATION_SECONDS:
        raise ConfigurationError(
            "%s: the session duration %d s is out of range: use %d to %d seconds (and at most the role's "
            "MaxSessionDuration)" % (where, seconds, MIN_DURATION_SECONDS, MAX_DURATION_SECONDS)
        )
    return seconds


def role_spec(raw: Mapping[str, Any], where: str, now: datetime) -> RoleSpec:
    """Validate an ``assume_role``-like mapping (role_arn, role_session_name, duration_seconds, policy, external_id)."""
    role_arn = clean(raw.get("role_arn"))
    if role_arn is None:
        raise ConfigurationError(
            "%s: role_arn is missing: set it to the ARN of the RAM role to assume, such as "
            "acs:ram::<account id>:role/<role name>" % where
        )
    session_name = clean(raw.get("role_session_name")) or "ansible-eflo-%d" % int(now.timestamp())
    if not SESSION_NAME_RE.match(session_name):
        raise ConfigurationError(
            "%s: role_session_name %r is not valid: use 2 to 64 characters from A-Z a-z 0-9 . @ _ -" % (where, session_name)
        )
    policy = raw.get("policy")
    if isinstance(policy, Mapping):
        policy = json.dumps(policy, separators=(",", ":"))
    return RoleSpec(
        role_arn=role_arn,
        session_name=session_name,
        duration_seconds=duration_seconds(raw.get("duration_seconds"), where),
        policy=clean(policy),
        external_id=clean(raw.get("external_id")),
    )


# ------------------------------------------------------------------------------------------------- HTTP
def _send(wire: Wire, method: str, url: str, *, what: str, endpoint: str, check: str,
          headers: Optional[Mapping[str, str]] = None, timeout: Optional[float] = None) -> Answer:
    """``wire.exchange(...)`` (``timeout``: connect and read, else the wire's); a failure becomes the error
    :func:`wire.transport_error` words, naming ``endpoint`` only (the query holds a signature or a token)."""
    try:
        return wire.exchange(method, url, headers or {}, None, connect_timeout=timeout, read_timeout=timeout)
    except WireError as exc:
        raise transport_error(exc, what, endpoint, Redactor([url, urlsplit(url).query]), check=check, read_timeout=timeout) from None
    except BodyTooLarge as exc:
        raise ResponseParseError("%s at %s answered HTTP %d with a body too large to read (%d bytes)." % (what, endpoint, exc.status, exc.size)) from None


def _text(answer: Answer) -> str:
    return answer.body.decode("utf-8", errors="replace")


def _sts_credentials(answer: Answer, *, action: str, role_arn: str, source: str, secrets: Sequence[Optional[str]]) -> Credentials:
    """Credentials from an STS answer, or the typed error of an STS failure (secrets masked)."""
    what = "STS %s for role %s" % (action, role_arn)
    data = json_object(answer.body)[0]
    if answer.status >= 400 or (data is not None and data.get("Code") and not data.get("Credentials")):
        redact = Redactor(secrets)
        fields = {key: clean(redact(value)) for key, value in error_fields(data).items()}  # a gateway may echo the request
        message = fields.pop("message")
        raise ApiError(
            "%s failed: %s (HTTP %d)%s. Check the role ARN, the session settings and that the role's trust policy "
            "allows the caller." % (what, fields["code"] or "error", answer.status, (": " + message.rstrip(". ")) if message else ""),
            message=message, status=answer.status, body_excerpt=None if data else redact(excerpt(_text(answer))), action=action, **fields)
    creds = (data or {}).get("Credentials")
    if not isinstance(creds, Mapping):
        raise ResponseParseError("%s answered HTTP %d without a Credentials object." % (what, answer.status), status=answer.status, action=action)
    return _credentials_from(creds, what=what, source=source)


def _credentials_from(data: Mapping[str, Any], *, what: str, source: str) -> Credentials:
    key_id = clean(data.get("AccessKeyId"))
    secret = clean(data.get("AccessKeySecret"))
    if key_id is None or secret is None:
        raise ResponseParseError("%s answered credentials without AccessKeyId or AccessKeySecret." % what)
    return Credentials(
        access_key_id=key_id,
        access_key_secret=secret,
        security_token=clean(data.get("SecurityToken")),
        expiration=_parse_expiration(data.get("Expiration"), what),
        source=source,
    )


_STS_SETTINGS = "sts_endpoint (or ALIBABA_CLOUD_STS_REGION)"


# -------------------------------------------------------------------------------------------- providers
class _RefreshingProvider:
    """Caches expiring credentials; fetches again near the expiration or after :meth:`invalidate`.

    If a refresh fails while the cached credentials have not expired yet, the cached ones are returned.
    """

    def __init__(self, source: str, wall_clock: WallClock) -> None:
        self.source = source
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._cached: Optional[Credentials] = None
        self._fetched_at: Optional[datetime] = None

    def _fetch(self, now: datetime) -> Credentials:
        raise NotImplementedError

    def _stale(self, now: datetime) -> bool:
        cached = self._cached
        if cached is None or self._fetched_at is None:
            return True
        if cached.expiration is None:
            return False
        margin = min(REFRESH_MARGIN, (cached.expiration - self._fetched_at) / 2)
        return now >= cached.expiration - margin

    def get(self) -> Credentials:
        with self._lock:
            now = self._wall_clock()
            if not self._stale(now):
                return self._cached  # type: ignore[return-value]
            previous = self._cached
            try:
                fresh = self._fetch(now)
            except EfloError:
                if previous is not None and previous.expiration is not None and now < previous.expiration:
                    return previous
                raise
            self._cached = fresh
            self._fetched_at = now
            return fresh

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None
            self._fetched_at = None

    def __repr__(self) -> str:
        return "%s(source=%r)" % (type(self).__name__, self.source)


class AssumeRoleProvider(_RefreshingProvider):
    """STS ``AssumeRole`` (V2-signed ``GET``) with the credentials of ``inner``."""

    def __init__(
        self,
        inner: CredentialProvider,
        role: RoleSpec,
        *,
        sts_endpoint: str,
        wire: Wire,
        wall_clock: WallClock = utcnow,
        source: Optional[str] = None,
    ) -> None:
        super().__init__(source or "assume_role(%s)" % inner.source, wall_clock)
        self._inner = inner
        self._role = role
        self._sts_endpoint = sts_endpoint
        self._wire = wire

    def _params(self) -> Dict[str, str]:
        params = {
            "Action": "AssumeRole",
            "Format": "JSON",
            "Version": STS_VERSION,
            "DurationSeconds": str(self._role.duration_seconds),
            "RoleArn": self._role.role_arn,
            "RoleSessionName": self._role.session_name,
        }
        if self._role.policy:
            params["Policy"] = self._role.policy
        if self._role.external_id:
            params["ExternalId"] = self._role.external_id
        return params

    def _assume(self, now: datetime) -> Credentials:
        base = self._inner.get()
        url = sign_v2_get(base_url=self._sts_endpoint, params=self._params(), credentials=base, now=now, nonce=new_nonce())
        answer = _send(self._wire, "GET", url, what="STS AssumeRole", endpoint=self._sts_endpoint, check=_STS_SETTINGS)
        return _sts_credentials(
            answer,
            action="AssumeRole",
            role_arn=self._role.role_arn,
            source=self.source,
            secrets=[base.access_key_secret, base.security_token, dict(parse_qsl(urlsplit(url).query)).get("Signature")],
        )

    def _fetch(self, now: datetime) -> Credentials:
        try:
            return self._assume(now)
        except ApiError as err:
            if classify(err, idempotent=True).action != REFRESH:
                raise
        self._inner.invalidate()  # the source credentials' token expired: fetch them again, once
        return self._assume(now)


class OidcRoleProvider(_RefreshingProvider):
    """STS ``AssumeRoleWithOIDC`` (unsigned); the token file is read again at every refresh."""

    def __init__(
        self,
        role: RoleSpec,
        *,
        oidc_provider_arn: str,
        token_file: str,
        sts_endpoint: str,
        wire: Wire,
        wall_clock: WallClock = utcnow,
        source: str = "oidc",
    ) -> None:
        super().__init__(source, wall_clock)
        self._role = role
        self._provider_arn = oidc_provider_arn
        self._token_file = token_file
        self._sts_endpoint = sts_endpoint
        self._wire = wire

    def _token(self) -> str:
        try:
            with open(self._token_file, "r", encoding="utf-8") as handle:
                token = handle.read().strip()
        except (OSError, UnicodeDecodeError) as err:
            raise CredentialsError(
                "The OIDC token file %s cannot be read (%s): check the path in ALIBABA_CLOUD_OIDC_TOKEN_FILE "
                "(or the profile's oidc_token_file) and that the file is mounted and readable." % (self._token_file, type(err).__name__)
            ) from None
        if not token:
            raise CredentialsError("The OIDC token file %s is empty: it must hold the OIDC token (a JWT)." % self._token_file)
        return token

    def _fetch(self, now: datetime) -> Credentials:
        token = self._token()
        pairs = [
            ("Action", "AssumeRoleWithOIDC"),
            ("Format", "JSON"),
            ("Version", STS_VERSION),
            ("DurationSeconds", str(self._role.duration_seconds)),
            ("RoleArn", self._role.role_arn),
            ("OIDCProviderArn", self._provider_arn),
            ("OIDCToken", token),
            ("RoleSessionName", self._role.session_name),
            ("Timestamp", format_timestamp(now)),
        ]
        if self._role.policy:
            pairs.append(("Policy", self._role.policy))
        url = "%s/?%s" % (self._sts_endpoint, query_string(pairs))
        answer = _send(self._wire, "GET", url, what="STS AssumeRoleWithOIDC", endpoint=self._sts_endpoint, check=_STS_SETTINGS)
        return _sts_credentials(answer, action="AssumeRoleWithOIDC", role_arn=self._role.role_arn, source=self.source, secrets=[token])


class EcsRamRoleProvider(_RefreshingProvider):
    """The ECS instance RAM role from the instance metadata service (IMDSv2 token, v1 fallback)."""

    def __init__(
        self,
        role_name: Optional[str],
        *,
        metadata_endpoint: str,
        wire: Wire,
        wall_clock: WallClock = utcnow,
        imdsv1_disabled: bool = False,
        source: str = "ecs_ram_role",
    ) -> None:
        super().__init__(source, wall_clock)
        self._role_name = role_name
        self._endpoint = metadata_endpoint
        self._wire = wire
        self._imdsv1_disabled = imdsv1_disabled

    def _send(self, method: str, path: str, what: str, headers: Mapping[str, str]) -> Answer:
        return _send(self._wire, method, self._endpoint + path, what=what, endpoint=self._endpoint, headers=headers,
                     timeout=METADATA_TIMEOUT, check="metadata_endpoint (this must run on an ECS instance)")

    def _imds_token(self) -> Optional[str]:
        headers = {"X-aliyun-ecs-metadata-token-ttl-seconds": str(IMDS_TOKEN_TTL_SECONDS)}
        try:
            response = self._send("PUT", "/latest/api/token", "the ECS metadata token request", headers)
        except TransportError as err:
            if self._imdsv1_disabled or err.kind in ("connect", "tls"):
                raise  # an unreachable service will not answer v1 either
            return None
        token = _text(response).strip() if response.status == 200 else ""
        if token:
            return token
        if self._imdsv1_disabled:
            raise CredentialsError(
                "The ECS metadata service at %s gave no IMDSv2 token (HTTP %d) and ALIBABA_CLOUD_IMDSV1_DISABLED=true "
                "forbids the v1 fallback: enable IMDSv2 access on the instance or unset that variable." % (self._endpoint, response.status)
            )
        return None

    def _discover_role(self, headers: Mapping[str, str]) -> str:
        response = self._send("GET", "/latest/meta-data/ram/security-credentials/", "the ECS RAM role lookup", headers)
        names = _text(response).split() if response.status == 200 else []
        if not names:
            raise CredentialsError(
                "The ECS metadata service at %s lists no RAM role (HTTP %d): attach a RAM role to the instance, or set "
                "ALIBABA_CLOUD_ECS_METADATA to the role name." % (self._endpoint, response.status)
            )
        return names[0]

    def _fetch(self, now: datetime) -> Credentials:
        token = self._imds_token()
        headers = {"X-aliyun-ecs-metadata-token": token} if token else {}
        if self._role_name is None:
            self._role_name = self._discover_role(headers)
        what = "the ECS metadata service for RAM role %s" % self._role_name
        response = self._send("GET", "/latest/meta-data/ram/security-credentials/" + self._role_name, what, headers)
        data = json_object(response.body)[0] if response.status == 200 else None
        if data is None or data.get("Code") != "Success":
            code = (data or {}).get("Code")
            raise CredentialsError(
                "%s at %s gave no credentials (HTTP %d%s): check that the role is attached to this instance."
                % (what[0].upper() + what[1:], self._endpoint, response.status, ", Code %s" % code if code else "")
            )
        return _credentials_from(data, what=what, source=self.source)


# ------------------------------------------------------------------------------------------ profile files
def _ecs_provider(chain: Chain, role_name: Optional[str], source: str) -> EcsRamRoleProvider:
    return EcsRamRoleProvider(
        role_name,
        metadata_endpoint=chain.metadata_endpoint(),
        wire=chain.wire,
        wall_clock=chain.wall_clock,
        imdsv1_disabled=env_true(chain.env, "ALIBABA_CLOUD_IMDSV1_DISABLED"),
        source=source,
    )


def _assumed(chain: Chain, inner: CredentialProvider, raw: Mapping[str, Any], where: str, source: Optional[str] = None,
             sts_endpoint: Optional[str] = None) -> AssumeRoleProvider:
    return AssumeRoleProvider(inner, role_spec(raw, where, chain.wall_clock()), sts_endpoint=sts_endpoint or chain.sts_endpoint(),
                              wire=chain.wire, wall_clock=chain.wall_clock, source=source)


def _oidc(chain: Chain, raw: Mapping[str, Any], where: str, provider_arn: str, token_file: str, source: str = "oidc",
          sts_endpoint: Optional[str] = None) -> OidcRoleProvider:
    return OidcRoleProvider(role_spec(raw, where, chain.wall_clock()), oidc_provider_arn=provider_arn,
                            token_file=expand_home(token_file, chain.home), sts_endpoint=sts_endpoint or chain.sts_endpoint(),
                            wire=chain.wire, wall_clock=chain.wall_clock, source=source)


def _profile_sts(chain: Chain, profile: Mapping[str, Any]) -> str:
    return chain.sts_endpoint(clean(profile.get("sts_region")), truthy(profile.get("enable_vpc")))


def _require(profile: Mapping[str, Any], keys: Sequence[str], where: str, fix: str) -> List[str]:
    values = [clean(profile.get(key)) for key in keys]
    missing = [key for key, value in zip(keys, values) if value is None]
    if missing:
        raise ConfigurationError("%s: %s %s missing or empty: %s." % (where, ", ".join(missing), "is" if len(missing) == 1 else "are", fix))
    return [str(value) for value in values]


def _cli_provider(chain: Chain, data: Mapping[str, Any], name: str, path: str, seen: Set[str]) -> CredentialProvider:
    """The provider for CLI profile ``name`` (which must exist in ``data``)."""
    profile = cli_profile(data, name) or {}
    mode = clean(profile.get("mode")) or "AK"
    where = "profile %r (mode %s) in %s" % (name, mode, path)
    fix = "run `aliyun configure --profile %s --mode %s` or edit the file" % (name, mode)
    source = "cli_profile:%s (%s)" % (name, mode)
    if mode in ("AK", "StsToken", "RamRoleArn"):
        key_id, secret = _require(profile, ("access_key_id", "access_key_secret"), where, fix)
        token = _require(profile, ("sts_token",), where, fix)[0] if mode == "StsToken" else None
        static = StaticProvider(Credentials(key_id, secret, token, source=source))
        if mode != "RamRoleArn":
            return static
        return _cli_role(chain, static, profile, where, fix, source)
    if mode == "ChainableRamRoleArn":
        parent = _require(profile, ("source_profile",), where, fix)[0]
        if parent in seen or parent == name:
            raise ConfigurationError(
                "%s: source_profile %r makes a loop (profiles involved: %s): point the chain at an AK or StsToken profile."
                % (where, parent, ", ".join(sorted(seen | {name})))
            )
        if cli_profile(data, parent) is None:
            raise ConfigurationError(
                "%s: source_profile %r is not a profile of the file (profiles: %s)." % (where, parent, ", ".join(cli_profile_names(data)))
            )
        inner = _cli_provider(chain, data, parent, path, seen | {name})
        return _cli_role(chain, inner, profile, where, fix, source)
    if mode == "EcsRamRole":
        return _ecs_provider(chain, clean(profile.get("ram_role_name")), source)
    if mode == "OIDC":
        role_arn, provider_arn, token_file = _require(profile, ("ram_role_arn", "oidc_provider_arn", "oidc_token_file"), where, fix)
        raw = {"role_arn": role_arn, "role_session_name": profile.get("role_session_name"),
               "duration_seconds": profile.get("expired_seconds"), "policy": profile.get("policy")}
        return _oidc(chain, raw, where, provider_arn, token_file, source, _profile_sts(chain, profile))
    raise ConfigurationError(
        "%s: mode %r is not supported by this collection: use one of %s (for example `aliyun configure --profile %s --mode AK`), "
        "or give the credentials another way (options or environment)." % (where, mode, ", ".join(CLI_MODES), name)
    )


def _cli_role(chain: Chain, inner: CredentialProvider, profile: Mapping[str, Any], where: str, fix: str, source: str) -> CredentialProvider:
    role_arn = _require(profile, ("ram_role_arn",), where, fix)[0]
    raw = {"role_arn": role_arn, "role_session_name": profile.get("ram_session_name"), "duration_seconds": profile.get("expired_seconds"),
           "policy": profile.get("policy"), "external_id": profile.get("external_id")}
    return _assumed(chain, inner, raw, where, source, _profile_sts(chain, profile))


def _ini_value(value: Optional[str]) -> Optional[str]:
    """An ini value without its inline ``#`` comment, stripped."""
    if value is None:
        return None
    return clean(value.split("#", 1)[0])


def load_ini(path: str, explicit: bool) -> Optional[configparser.ConfigParser]:
    """The parsed ini file, ``None`` when it does not exist (an explicitly named file must exist)."""
    fix = "fix the file (sections like [default] with key = value lines) or remove it"
    text = read_text(path, "credentials file", fix)
    if text is None:
        if explicit:
            raise ConfigurationError(
                "%s points to %s, which does not exist: create it or unset the variable." % (INI_FILE_ENV, path)
            )
        return None
    parser = configparser.ConfigParser(interpolation=None, default_section="\x00no-defaults")
    try:
        parser.read_string(text, source=path)
    except configparser.Error as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigurationError("The credentials file %s cannot be parsed (%s): %s." % (path, first_line, fix)) from None
    return parser


def _ini_provider(chain: Chain, section: Mapping[str, str], name: str, path: str) -> CredentialProvider:
    values = {key: _ini_value(value) for key, value in section.items()}
    kind = values.get("type")
    where = "section [%s] (type %s) of %s" % (name, kind, path)
    fix = "see the credentials.ini format: type = access_key, access_key_id = ..., access_key_secret = ..."
    source = "ini:%s" % name if kind == "access_key" else "ini:%s (%s)" % (name, kind)
    if kind in ("access_key", "ram_role_arn"):
        key_id, secret = _require(values, ("access_key_id", "access_key_secret"), where, fix)
        static = StaticProvider(Credentials(key_id, secret, source=source))
        if kind == "access_key":
            return static
        role_arn = _require(values, ("role_arn",), where, fix)[0]
        return _assumed(chain, static, dict(values, role_arn=role_arn), where, source)
    if kind == "oidc_role_arn":
        role_arn, provider_arn, token_file = _require(values, ("role_arn", "oidc_provider_arn", "oidc_token_file_path"), where, fix)
        return _oidc(chain, dict(values, role_arn=role_arn), where, provider_arn, token_file, source)
    if kind == "ecs_ram_role":
        return _ecs_provider(chain, values.get("role_name"), source)
    raise ConfigurationError(
        "%s: type %r is not supported: use one of %s." % (where, kind, ", ".join(INI_TYPES))
        if kind
        else "%s: the type key is missing: add `type = access_key` (or one of %s)." % (where, ", ".join(INI_TYPES))
    )


# ------------------------------------------------------------------------------------------------ sources
def _from_cli(chain: Chain) -> Tuple[Optional[CredentialProvider], Optional[Dict[str, Any]]]:
    path = cli_config_path(chain.env, chain.home)
    if env_true(chain.env, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED"):
        chain.searched.append("aliyun CLI file %s (skipped: ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true)" % path)
        return None, None
    data = load_cli_config(path)
    if data is None:
        chain.searched.append("aliyun CLI file %s (not found)" % path)
        return None, None
    wanted = chain.profile_name()
    if wanted is None:
        current = clean(data.get("current"))
        if current and cli_profile(data, current) is None:
            raise ConfigurationError(
                "The aliyun CLI configuration file %s names %r as its current profile, but has no such profile (profiles: %s): "
                "run `aliyun configure switch --profile <name>` or fix \"current\"." % (path, current, ", ".join(cli_profile_names(data)) or "none")
            )
        wanted = current or ("default" if cli_profile(data, "default") else None)
    if wanted is None or cli_profile(data, wanted) is None:
        chain.searched.append("aliyun CLI file %s (no profile %s)" % (path, repr(wanted) if wanted else "'default' and no current profile"))
        return None, data
    return _cli_provider(chain, data, wanted, path, set()), data


def _from_ini(chain: Chain) -> Tuple[Optional[CredentialProvider], Optional[configparser.ConfigParser]]:
    path, explicit = ini_path(chain.env, chain.home)
    parser = load_ini(path, explicit)
    if parser is None:
        chain.searched.append("credentials file %s (not found)" % path)
        return None, None
    section = chain.profile_name() or "default"
    if not parser.has_section(section):
        chain.searched.append("credentials file %s (no section [%s])" % (path, section))
        return None, parser
    return _ini_provider(chain, parser[section], section, path), parser


def _check_named_profile(chain: Chain, cli: Optional[Dict[str, Any]], ini: Optional[configparser.ConfigParser]) -> None:
    """A profile named by the ``profile`` option that neither file has is an error, not a silent fallback."""
    if not clean(chain.options.profile):
        return
    name = str(clean(chain.options.profile))
    cli_path, ini_file = cli_config_path(chain.env, chain.home), ini_path(chain.env, chain.home)[0]
    cli_text = "%s (profiles: %s)" % (cli_path, ", ".join(cli_profile_names(cli)) or "none") if cli is not None else "%s (not found)" % cli_path
    ini_text = "%s (sections: %s)" % (ini_file, ", ".join(ini.sections()) or "none") if ini is not None else "%s (not found)" % ini_file
    raise ConfigurationError(
        "The profile %r given in the profile option was not found in %s nor in %s: fix the name, or create it with "
        "`aliyun configure --profile %s`." % (name, cli_text, ini_text, name)
    )


def _from_oidc_env(chain: Chain) -> Optional[CredentialProvider]:
    values = [clean(chain.env.get(name)) for name in OIDC_ENV]
    if not all(values):
        set_names = [name for name, value in zip(OIDC_ENV, values) if value]
        state = "incomplete: only %s set" % ", ".join(set_names) if set_names else "not set"
        chain.searched.append("OIDC role environment %s (%s)" % ("/".join(OIDC_ENV), state))
        return None
    role_arn, provider_arn, token_file = (str(value) for value in values)
    raw = {"role_arn": role_arn, "role_session_name": chain.env.get("ALIBABA_CLOUD_ROLE_SESSION_NAME"),
           "duration_seconds": chain.env.get("ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION")}
    return _oidc(chain, raw, "the OIDC role environment (ALIBABA_CLOUD_ROLE_ARN...)", provider_arn, token_file)


def _from_ecs(chain: Chain) -> Optional[CredentialProvider]:
    if env_true(chain.env, "ALIBABA_CLOUD_ECS_METADATA_DISABLED"):
        chain.searched.append("ECS instance RAM role (skipped: ALIBABA_CLOUD_ECS_METADATA_DISABLED=true)")
        return None
    role_name = first_env(chain.env, ECS_ROLE_ENV)[1]
    if role_name:
        return _ecs_provider(chain, role_name, "ecs_ram_role")
    if not clean(chain.options.metadata_endpoint):
        chain.searched.append(
            "ECS instance RAM role (not tried: set %s to the role name, or the metadata_endpoint option)" % " or ".join(ECS_ROLE_ENV)
        )
        return None
    provider = _ecs_provider(chain, None, "ecs_ram_role")
    try:
        provider.get()
    except EfloError as err:
        chain.searched.append("ECS instance RAM role at %s (failed: %s)" % (chain.metadata_endpoint(), err.msg))
        return None
    return provider


def from_files_and_roles(chain: Chain) -> Optional[CredentialProvider]:
    """Sources 3 to 6 of :func:`credentials.resolve_credentials`: the CLI file, the ini file, OIDC, the ECS role."""
    provider, cli = _from_cli(chain)
    if provider is None:
        provider, ini = _from_ini(chain)
        if provider is None:
            _check_named_profile(chain, cli, ini)
    return provider or _from_oidc_env(chain) or _from_ecs(chain)


def with_assumed_role(provider: CredentialProvider, raw: Mapping[str, Any], chain: Chain) -> CredentialProvider:
    """``provider`` with the ``assume_role`` option's STS ``AssumeRole`` on top."""
    return _assumed(chain, provider, raw, "assume_role")
