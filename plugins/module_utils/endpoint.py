# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Endpoint URL resolution and validation (pure, stdlib only).

The eflo-controller endpoint follows the SDK's ``regional`` rule:
``eflo-controller.<region>.aliyuncs.com``, or ``eflo-controller-vpc.<region>.aliyuncs.com`` with
``network: vpc``. An explicit ``endpoint`` overrides both and needs no region; it may be a full URL
(``https://host[:port]``, ``http://127.0.0.1:PORT``) or a bare ``host[:port]`` (HTTPS assumed).

:func:`resolve_endpoint` returns a base URL with a scheme and no trailing slash, and raises
:class:`ConfigurationError` with a message that says what was wrong and how to fix it.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple
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


def _bad_endpoint(endpoint: str, why: str) -> ConfigurationError:
    return ConfigurationError("endpoint %r is not valid (%s): %s" % (endpoint, why, _ENDPOINT_HINT))


def _split_endpoint(endpoint: str) -> Tuple[str, str]:
    """(scheme, rest) of ``endpoint``; a bare ``host[:port]`` gets ``https``."""
    if "://" in endpoint:
        scheme, rest = endpoint.split("://", 1)
        scheme = scheme.lower()
        if scheme not in ("http", "https"):
            raise _bad_endpoint(endpoint, "scheme %r is not supported, only http and https" % scheme)
        return scheme, rest
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:(?![0-9])", endpoint):
        # "ftp:host", "mailto:x": a scheme without "//", not a host:port
        raise _bad_endpoint(endpoint, "it looks like a URL without '//' after the scheme")
    return "https", endpoint


def normalise_endpoint(endpoint: str) -> str:
    """Validate an explicit ``endpoint`` and return ``scheme://host[:port]`` (lowercase scheme and host)."""
    raw = endpoint
    value = endpoint.strip()
    if not value:
        raise _bad_endpoint(raw, "it is empty")
    if any(c.isspace() for c in value):
        raise _bad_endpoint(raw, "it contains whitespace")
    scheme, rest = _split_endpoint(value)
    if rest.endswith("/") and "/" not in rest[:-1]:
        rest = rest[:-1]
    if "@" in rest:
        raise _bad_endpoint(raw, "user information before '@' is not allowed")
    for char, what in (("?", "a query string"), ("#", "a fragment"), ("/", "a path")):
        if char in rest:
            raise _bad_endpoint(raw, "%s is not allowed, the API is served at '/'" % what)
    try:
        parts = urlsplit("%s://%s" % (scheme, rest))
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise _bad_endpoint(raw, "bad port or host: %s" % exc) from None
    if parts.netloc.endswith(":"):
        raise _bad_endpoint(raw, "the port after ':' is empty")
    if not host or not _valid_hostname(parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc):
        raise _bad_endpoint(raw, "the host name is missing or malformed")
    if port is not None and not 1 <= port <= 65535:
        raise _bad_endpoint(raw, "port %d is out of range 1-65535" % port)
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
