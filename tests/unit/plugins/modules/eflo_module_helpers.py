# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for module tests: credentials, fixtures, module argument patching (the fake service is fake_service.py)."""

from __future__ import annotations

import contextlib
import json
import pathlib
from typing import Any, Dict, Iterator

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "responses"
ENV_PREFIXES = ("ALIBABA_CLOUD_", "ALIBABACLOUD_", "ALICLOUD_")
ENV_NAMES = ("REGION", "REGION_ID", "ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SECURITY_TOKEN", "HTTPS_PROXY", "HTTP_PROXY",
             "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")

ACCESS_KEY_ID = "LTAI5tUnitTestKeyId01"
ACCESS_KEY_SECRET = "UnitTestSecretValue0123456789abcd"
SECURITY_TOKEN = "CAIS.unit-test-security-token-value-0123456789"


def fixture_body(name: str) -> Dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@contextlib.contextmanager
def module_args(args: Dict[str, Any]) -> Iterator[None]:
    """Expose ``args`` to AnsibleModule: ``patch_module_args`` on ansible-core 2.19+, ``_ANSIBLE_ARGS`` before."""
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes

        saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))  # pylint: disable=protected-access
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved  # pylint: disable=protected-access
        return
    with patch_module_args(args):
        yield
