# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils.endpoint import (
    normalise_endpoint,
    regional_endpoint,
    resolve_endpoint,
    validate_region,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError


@pytest.mark.parametrize(
    "region, network, expected",
    [
        ("cn-wulanchabu", "public", "https://eflo-controller.cn-wulanchabu.aliyuncs.com"),
        ("cn-wulanchabu", None, "https://eflo-controller.cn-wulanchabu.aliyuncs.com"),
        ("cn-hangzhou", "vpc", "https://eflo-controller-vpc.cn-hangzhou.aliyuncs.com"),
        ("cn-hangzhou", "VPC", "https://eflo-controller-vpc.cn-hangzhou.aliyuncs.com"),
        ("ap-southeast-1", "public", "https://eflo-controller.ap-southeast-1.aliyuncs.com"),
        # not in any list we know of: only the format matters
        ("xx-newregion-9", "public", "https://eflo-controller.xx-newregion-9.aliyuncs.com"),
        ("cn-wulanchabu-acdr-ut-1", "public", "https://eflo-controller.cn-wulanchabu-acdr-ut-1.aliyuncs.com"),
        ("  cn-beijing ", "public", "https://eflo-controller.cn-beijing.aliyuncs.com"),
    ],
)
def test_regional_endpoint(region, network, expected):
    assert resolve_endpoint(region, network, None) == expected


@pytest.mark.parametrize(
    "endpoint, expected",
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("127.0.0.1:38517", "https://127.0.0.1:38517"),
        ("eflo-controller.cn-wulanchabu.aliyuncs.com", "https://eflo-controller.cn-wulanchabu.aliyuncs.com"),
        ("HTTPS://Eflo.Example.COM:443", "https://eflo.example.com:443"),
        ("https://[::1]:9000", "https://[::1]:9000"),
        ("localhost", "https://localhost"),
        ("  https://simulator.internal  ", "https://simulator.internal"),
    ],
)
def test_explicit_endpoint_overrides_region_and_network(endpoint, expected):
    assert resolve_endpoint(None, "public", endpoint) == expected
    assert resolve_endpoint("cn-hangzhou", "vpc", endpoint) == expected


@pytest.mark.parametrize(
    "endpoint, fragment",
    [
        ("ftp://x", "scheme 'ftp' is not supported"),
        ("ftp:x", "without '//'"),
        ("https://host/path", "a path is not allowed"),
        ("https://host/?a=b", "a query string is not allowed"),
        ("https://host?a=b", "a query string is not allowed"),
        ("https://host#frag", "a fragment is not allowed"),
        ("https://host:0", "port 0 is out of range"),
        ("https://host:70000", "bad port"),
        ("https://host:abc", "bad port"),
        ("https://host:", "port after ':' is empty"),
        ("https://user:pw@host", "user information"),
        ("https://", "host name is missing"),
        ("https://bad_host!", "host name is missing or malformed"),
        ("https://a..b", "host name is missing or malformed"),
        ("http://host name", "whitespace"),
        ("   ", "it is empty"),
    ],
)
def test_bad_endpoint_says_what_and_how(endpoint, fragment):
    with pytest.raises(ConfigurationError) as info:
        normalise_endpoint(endpoint)
    msg = info.value.msg
    assert fragment in msg
    assert repr(endpoint) in msg
    assert "use https://host[:port] or http://127.0.0.1:PORT" in msg


def test_bad_endpoint_message_example_from_the_issue():
    with pytest.raises(ConfigurationError) as info:
        normalise_endpoint("ftp://x")
    assert info.value.msg.startswith("endpoint 'ftp://x' is not valid")
    assert info.value.msg.endswith("use https://host[:port] or http://127.0.0.1:PORT")
    with pytest.raises(ConfigurationError, match="endpoint 'ftp://x' is not valid"):
        resolve_endpoint("cn-hangzhou", "public", "ftp://x")


@pytest.mark.parametrize(
    "region",
    ["CN-HANGZHOU", "cn_hangzhou", "cn", "c-hangzhou", "cn-", "cn--x", "cn-hangzhou.evil.com", "cn-hangzhou/x", "1n-x", ""],
)
def test_bad_region_format(region):
    with pytest.raises(ConfigurationError) as info:
        validate_region(region)
    assert repr(region) in info.value.msg
    assert "cn-wulanchabu" in info.value.msg


def test_region_is_validated_even_with_endpoint():
    with pytest.raises(ConfigurationError, match="not a valid region id"):
        resolve_endpoint("Bad Region", "public", "http://127.0.0.1:1")


def test_no_region_and_no_endpoint():
    for region in (None, "", "   "):
        with pytest.raises(ConfigurationError) as info:
            resolve_endpoint(region, "public", None)
        assert "no region is set" in info.value.msg
        assert "endpoint" in info.value.msg


def test_bad_network():
    with pytest.raises(ConfigurationError, match="network 'intranet' is not valid: use 'public'"):
        resolve_endpoint("cn-hangzhou", "intranet", None)
    with pytest.raises(ConfigurationError):
        regional_endpoint("cn-hangzhou", "internal")


def test_empty_endpoint_counts_as_unset():
    assert resolve_endpoint("cn-hangzhou", "public", "") == "https://eflo-controller.cn-hangzhou.aliyuncs.com"
    assert resolve_endpoint("cn-hangzhou", "vpc", "  ") == "https://eflo-controller-vpc.cn-hangzhou.aliyuncs.com"
    with pytest.raises(ConfigurationError, match="no region is set"):
        resolve_endpoint(None, "public", "")
