# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for module tests: a clean environment, the fake eflo-controller of fake_service.py at the wire boundary,
and a runner that executes a module's ``main()`` the way Ansible does and returns its JSON result."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Callable, Dict, Tuple

import pytest

from ansible_collections.alibabacloud.eflo.plugins.module_utils.ansible_module import EfloAnsibleModule
from ansible_collections.alibabacloud.eflo.tests.unit.plugins.modules.eflo_module_helpers import (  # pylint: disable=import-error
    ENV_NAMES,
    ENV_PREFIXES,
    module_args,
)
from ansible_collections.alibabacloud.eflo.tests.unit.plugins.fake_service import FakeEflo, transport  # pylint: disable=import-error


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> pathlib.Path:
    """No credential, region or proxy variables from the developer's machine; HOME is an empty directory."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES) or name in ENV_NAMES:
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    # the instance-metadata source must never reach out of the test
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    return home


@pytest.fixture
def fake_eflo(monkeypatch: pytest.MonkeyPatch) -> FakeEflo:
    """Route every HTTP call of the modules to a :class:`FakeEflo`; retries never sleep."""
    fake = FakeEflo()
    original = EfloAnsibleModule.build_client

    def build_client(self: EfloAnsibleModule, **kwargs: Any) -> Any:
        kwargs.setdefault("transport", transport(fake))
        kwargs.setdefault("sleep", lambda seconds: None)
        return original(self, **kwargs)

    monkeypatch.setattr(EfloAnsibleModule, "build_client", build_client)
    return fake


@pytest.fixture
def run_module(capsys: pytest.CaptureFixture[str]) -> Callable[..., Tuple[int, Dict[str, Any], str]]:
    """``run_module(main, args) -> (exit code, result dict, raw stdout)`` with the real exit_json/fail_json."""

    def run(main: Callable[[], None], args: Dict[str, Any]) -> Tuple[int, Dict[str, Any], str]:
        with module_args(args):
            with pytest.raises(SystemExit) as exc_info:
                main()
        out = capsys.readouterr().out
        return int(exc_info.value.code or 0), json.loads(out), out

    return run
