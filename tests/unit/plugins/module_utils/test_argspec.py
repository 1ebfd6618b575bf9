# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument specs agree with the documentation (what validate-modules checks, runnable in a unit test)."""

from __future__ import annotations

import ast
import pathlib
import re
from typing import Any, Dict

import pytest
import yaml

from ansible_collections.alibabacloud.eflo.plugins.doc_fragments.eflo import ModuleDocFragment
from ansible_collections.alibabacloud.eflo.plugins.module_utils import argspec

ROOT = pathlib.Path(__file__).resolve().parents[4]
FRAGMENT_PREFIX = "alibabacloud.eflo.eflo"


def _module_docs(name: str) -> Dict[str, Any]:
    tree = ast.parse((ROOT / "plugins" / "modules" / ("%s.py" % name)).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError("no DOCUMENTATION in %s" % name)


def _merged_options(name: str) -> Dict[str, Any]:
    docs = _module_docs(name)
    options = dict(docs.get("options") or {})
    for fragment in docs.get("extends_documentation_fragment") or []:
        if fragment == FRAGMENT_PREFIX:
            options.update(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"])
    return options


def _assert_matches(spec: Dict[str, Any], docs: Dict[str, Any], where: str) -> None:
    assert sorted(spec) == sorted(docs), "%s: argspec options %s, documented %s" % (where, sorted(spec), sorted(docs))
    for name, option in spec.items():
        doc = docs[name]
        label = "%s.%s" % (where, name)
        assert doc.get("description"), label
        assert doc.get("type", "str") == option.get("type", "str"), label
        assert doc.get("default") == option.get("default"), label
        assert doc.get("choices") == option.get("choices"), label
        assert sorted(doc.get("aliases") or []) == sorted(option.get("aliases") or []), label
        assert bool(doc.get("required")) == bool(option.get("required")), label
        assert doc.get("elements") == option.get("elements"), label
        if "options" in option:
            _assert_matches(option["options"], doc.get("suboptions") or {}, label)
        else:
            assert "suboptions" not in doc, label


def test_fragment_documents_exactly_the_common_options() -> None:
    fragment = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
    _assert_matches(argspec.common_argument_spec(), fragment["options"], "fragment")


@pytest.mark.parametrize(
    "module, spec",
    [("eflo_task_info", argspec.task_info_spec()), ("eflo_api", argspec.api_spec()), ("eflo_task_wait", argspec.task_wait_spec()),
     ("eflo_cluster_info", argspec.cluster_info_spec()), ("eflo_node_info", argspec.node_info_spec()),
     ("eflo_cluster", argspec.cluster_spec())],
)
def test_module_documents_exactly_its_argspec(module: str, spec: Dict[str, Any]) -> None:
    _assert_matches(spec["argument_spec"], _merged_options(module), module)


def test_secrets_are_no_log_and_aliases_are_the_alicloud_ones() -> None:
    spec = argspec.common_argument_spec()
    assert spec["access_key_secret"]["no_log"] is True
    assert spec["security_token"]["no_log"] is True
    assert spec["access_key_secret"]["aliases"] == ["alicloud_secret_key"]
    assert spec["security_token"]["aliases"] == ["alicloud_security_token"]
    assert spec["access_key_id"]["aliases"] == ["alicloud_access_key"]
    assert spec["region_id"]["aliases"] == ["alicloud_region"]
    # validate-modules wants an explicit no_log on every key/secret/token-like name (aliases included)
    pattern = re.compile(r"pass(?!ive)|secret|token|key", re.IGNORECASE)
    for name, option in spec.items():
        if any(pattern.search(n) for n in [name] + option.get("aliases", [])):
            assert "no_log" in option, name


def test_no_environment_fallbacks_in_any_spec() -> None:
    for spec in (argspec.task_info_spec(), argspec.api_spec(), argspec.task_wait_spec()):
        for name, option in spec["argument_spec"].items():
            assert "fallback" not in option, name


def test_specs_are_fresh_copies() -> None:
    first = argspec.task_info_spec()
    first["argument_spec"]["task_id"]["type"] = "int"
    first["argument_spec"]["assume_role"]["options"]["role_arn"]["required"] = False
    second = argspec.task_info_spec()
    assert second["argument_spec"]["task_id"]["type"] == "str"
    assert second["argument_spec"]["assume_role"]["options"]["role_arn"]["required"] is True


def test_task_id_options_are_exclusive_and_one_is_required() -> None:
    for spec in (argspec.task_info_spec(), argspec.task_wait_spec()):
        assert spec["mutually_exclusive"] == [["task_id", "task_ids"]]
        assert spec["required_one_of"] == [["task_id", "task_ids"]]


def test_task_wait_spec_has_the_issue_4_options() -> None:
    options = argspec.task_wait_spec()["argument_spec"]
    for name in (
        "task_id", "task_ids", "timeout", "delay", "max_delay", "max_rate", "expected_task_types", "acceptors",
        "fail_on_sub_task_failure", "fail_fast", "not_found_grace", "heartbeat_interval",
    ):
        assert name in options, name
    assert set(argspec.common_argument_spec()) <= set(options)
    acceptor = options["acceptors"]["options"]
    assert acceptor["state"]["choices"] == ["success", "failure", "retry"]
    assert options["acceptors"]["elements"] == "dict"


def test_specs_validate_with_ansible() -> None:
    """The plain dicts are accepted by ansible-core's own validator (types, aliases, sub-options)."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    spec = argspec.task_wait_spec()
    validator = ArgumentSpecValidator(
        spec["argument_spec"], mutually_exclusive=spec["mutually_exclusive"], required_one_of=spec["required_one_of"]
    )
    result = validator.validate(
        {
            "task_ids": ["i1", "i2"],
            "alicloud_region": "cn-wulanchabu",
            "alicloud_secret_key": "s3cr3t-value",
            "alicloud_access_key": "LTAIexample",
            "assume_role": {"role_arn": "acs:ram::1:role/x", "policy": {"Version": "1"}},
            "acceptors": [{"state": "success", "expression": "task_state", "expected": "done"}],
        }
    )
    assert not result.error_messages, result.error_messages
    params = result.validated_parameters
    assert params["region_id"] == "cn-wulanchabu"
    assert params["access_key_secret"] == "s3cr3t-value"
    assert "s3cr3t-value" in result._no_log_values  # pylint: disable=protected-access
    assert params["assume_role"]["policy"] == {"Version": "1"}  # raw: credential_sources.role_spec writes a mapping as JSON
    assert params["timeout"] == argspec.DEFAULT_WAIT_TIMEOUT
    assert params["network"] == "public" and params["validate_certs"] is True

    both = validator.validate({"task_id": "i1", "task_ids": ["i2"]})
    assert any("mutually exclusive" in m for m in both.error_messages), both.error_messages
    neither = validator.validate({})
    assert any("one of the following is required" in m for m in neither.error_messages), neither.error_messages


def test_task_wait_defaults_are_the_engine_defaults() -> None:
    """The documented defaults of eflo_task_wait are what the wait engine uses when given nothing."""
    from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.waiter import Acceptor, WaitConfig

    options = argspec.task_wait_spec()["argument_spec"]
    engine = WaitConfig()
    for name in ("timeout", "delay", "max_delay", "max_rate", "heartbeat_interval", "not_found_grace",
                 "fail_on_sub_task_failure", "fail_fast"):
        assert options[name]["default"] == getattr(engine, name), name
    acceptor = options["acceptors"]["options"]
    assert acceptor["matcher"]["default"] == Acceptor("success", "task_state", "x").matcher
