# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Endpoint URL resolution and validation (pure, stdlib only): ``eflo-controller[-vpc].<region>.aliyuncs.com``
as the SDK builds it, or an explicit ``endpoint`` (``https://host[:port]``, ``http://127.0.0.1:PORT``, or a bare
``host[:port]``, HTTPS assumed) that needs no region. Errors say what was wrong and how to fix it.
"""

from __future__ import annotations

import re
from typing import Optional
from urllib.parse import urlsplit

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError

PRODUCT = "eflo-controller"
DOMAIN = "aliyuncs.com"
NETWORKS = ("public", "vpc")
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")
_HOST_LABEL_RE = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?$")
_ENDPOINT_HINT = "use https://host[:port] or http://127.0.0.1:PORT"


def validate_region(region_id: str) -> str:
    """Return ``region_id`` stripped, or raise ConfigurationError when its format is wrong.

    Only the format is checked (no allow-list): new regions work without a collection update.
    """
    region = region_id.strip()
    if not REGION_RE.match(region):
        raise ConfigurationError(
            "region %r is not a valid region id: use a lowercase id such as cn-wulanchabu or ap-southeast-1 "
            "(two letters, then dash-separated lowercase letters and digits)" % (region_id,)
        )
    return region


def _normalise_network(network: Optional[str]) -> str:
    value = (network or "public").strip().lower()
    if value not in NETWORKS:
        raise ConfigurationError(
            "network %r is not valid: use 'public' (default) or 'vpc'" % (network,)
        )
    return value


def regional_endpoint(region_id: str, network: Optional[str] = "public") -> str:
    """The SDK's regional endpoint URL for ``region_id`` (always HTTPS)."""
    region = validate_region(region_id)
    suffix = "-vpc" if _normalise_network(network) == "vpc" else ""
    return "https://%s%s.%s.%s" % (PRODUCT, suffix, region, DOMAIN)


def _valid_hostname(host: str) -> bool:
    if host.startswith("[") and host.endswith("]"):
        inner = host[1:-1]
        return bool(inner) and all(c in "0123456789abcdefABCDEF:." for c in inner) and ":" in inner
    if not host or len(host) > 253:
        return False
    labels = host.rstrip(".").split(".")
    return all(label and len(label) <= 63 and _HOST_LABEL_RE.match(label) for label in labels)


def normalise_endpoint(endpoint: str, name: str = "endpoint", default_scheme: str = "https") -> str:
    """Validate the option ``name`` (``endpoint``, ``sts_endpoint``, ``metadata_endpoint``) and return
    ``scheme://host[:port]`` (lowercase scheme and host); a bare ``host[:port]`` gets ``default_scheme``."""
    raw = endpoint

    def bad(why: str) -> ConfigurationError:
        return ConfigurationError("%s %r is not valid (%s): %s" % (name, raw, why, _ENDPOINT_HINT))

    value = endpoint.strip()
    if not value:
        raise bad("it is empty")
    if any(c.isspace() for c in value):
        raise bad("it contains whitespace")
    scheme, rest = default_scheme, value
    if "://" in value:
        scheme, rest = value.split("://", 1)
        scheme = scheme.lower()
        if scheme not in ("http", "https"):
            raise bad("scheme %r is not supported, only http and https" % scheme)
    elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:(?![0-9])", value):  # "ftp:host", "mailto:x": not a host:port
        raise bad("it looks like a URL without '//' after the scheme")
    if rest.endswith("/") and "/" not in rest[:-1]:
        rest = rest[:-1]
    if "@" in rest:
        raise bad("user information before '@' is not allowed")
    for char, what in (("?", "a query string"), ("#", "a fragment"), ("/", "a path")):
        if char in rest:
            raise bad("%s is not allowed, the API is served at '/'" % what)
    try:
        parts = urlsplit("%s://%s" % (scheme, rest))
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise bad("bad port or host: %s" % exc) from None
    if parts.netloc.endswith(":"):
        raise bad("the port after ':' is empty")
    if not host or not _valid_hostname(parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc):
        raise bad("the host name is missing or malformed")
    if port is not None and not 1 <= port <= 65535:
        raise bad("port %d is out of range 1-65535" % port)
    netloc = parts.netloc.lower()
    return "%s://%s" % (scheme, netloc)


def resolve_endpoint(region_id: Optional[str], network: Optional[str] = "public", endpoint: Optional[str] = None) -> str:
    """Base URL (scheme, host, optional port, no trailing slash) for the eflo-controller API.

    ``endpoint`` wins when set (a region, if also given, must still be well-formed); otherwise the
    regional endpoint for ``region_id`` and ``network`` is built. An empty ``endpoint`` counts as unset.
    """
    region = region_id.strip() if isinstance(region_id, str) else region_id
    network_value = _normalise_network(network)
    if endpoint is not None and endpoint.strip():
        if region:
            validate_region(region)
        return normalise_endpoint(endpoint)
    if not region:
        raise ConfigurationError(
            "no region is set: set the region_id option (for example region_id: cn-wulanchabu), the "
            "ALIBABA_CLOUD_REGION_ID environment variable, or an explicit endpoint"
        )
    return regional_endpoint(region, network_value)
