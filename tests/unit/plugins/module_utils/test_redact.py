# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""redact.py: every encoded form of a secret becomes the one placeholder, in text and in nested results."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

from ansible_collections.alibabacloud.eflo.plugins.module_utils.redact import PLACEHOLDER, Redactor

SECRET = "Se cret/+=~0123"


def test_every_encoded_form_is_masked_with_the_one_placeholder() -> None:
    once = quote(SECRET, safe="")
    forms = [SECRET, once, quote(SECRET, safe="~"), quote(once, safe=""), quote(quote(SECRET, safe="~"), safe="~"), quote_plus(SECRET)]
    redact = Redactor([SECRET, None, ""])
    assert redact.forms == frozenset(forms)
    for form in forms:
        assert redact.secrets("a %s b" % form) == "a %s b" % PLACEHOLDER
    assert PLACEHOLDER == "********"


def test_an_echoed_string_to_sign_is_cut_from_server_text_only() -> None:
    redact = Redactor([SECRET])
    assert redact("bad signature, server string to sign is: POST&%2F&x" + SECRET) == "bad signature, server string to sign is: <omitted>"
    assert redact.secrets("the string to sign is: x") == "the string to sign is: x"
    assert redact(None) is None


def test_scrub_masks_nested_values_and_returns_a_clean_value_itself() -> None:
    redact = Redactor([SECRET])
    clean = {"tasks": [{"id": "i1", "n": 3, "ok": True, "x": None}], "t": ("a",)}
    assert redact.scrub(clean) is clean
    leaky = {"msg": [("x", {quote_plus(SECRET): "k"})], "n": 1}
    assert SECRET not in json.dumps(redact.scrub(leaky)) and quote_plus(SECRET) not in json.dumps(redact.scrub(leaky))
    assert Redactor([]).scrub(leaky) is leaky
