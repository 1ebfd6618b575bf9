# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a secret is masked: every form of it a service or a gateway may echo becomes :data:`PLACEHOLDER`.

A :class:`Redactor` works out the forms of its secrets once: the raw value, percent-encoded (with and without
``~`` kept, as query strings and form bodies carry it), encoded twice (a URL inside a parameter) and
form-encoded (``quote_plus``). The API client, the credential sources, the module adapter and the action
plugin all mask with it. Pure: nothing here imports Ansible.
"""

from __future__ import annotations

import re
from typing import Any, FrozenSet, Iterable, Optional, Set
from urllib.parse import quote, quote_plus

#: What a secret becomes (Ansible's own ``no_log`` placeholder).
PLACEHOLDER = "********"

_STRING_TO_SIGN_RE = re.compile(r"(string to sign is:?)\s*\S.*", re.IGNORECASE | re.DOTALL)


def encoded_forms(secret: str) -> Set[str]:
    """``secret`` and the encoded forms of it that an echoed request may show."""
    once, once_tilde = quote(secret, safe=""), quote(secret, safe="~")
    return {secret, once, once_tilde, quote(once, safe=""), quote(once_tilde, safe="~"), quote_plus(secret)}


class Redactor:
    """Masks ``secrets`` (empty and ``None`` ones are skipped) in text and in nested results."""

    def __init__(self, secrets: Iterable[Optional[str]]) -> None:
        forms: Set[str] = set()
        for secret in secrets:
            if secret:
                forms.update(encoded_forms(str(secret)))
        self.forms: FrozenSet[str] = frozenset(forms)
        self._longest_first = sorted(forms, key=len, reverse=True)

    def secrets(self, text: str) -> str:
        """``text`` with every form of every secret replaced by :data:`PLACEHOLDER`."""
        for form in self._longest_first:
            if form in text:
                text = text.replace(form, PLACEHOLDER)
        return text

    def __call__(self, text: Optional[str]) -> Optional[str]:
        """Text a server sent: an echoed string to sign is cut (it holds the signed request), then secrets masked."""
        if not text:
            return text
        return self.secrets(_STRING_TO_SIGN_RE.sub(r"\1 <omitted>", text))

    def scrub(self, value: Any) -> Any:
        """``value`` with every string in it masked (dict keys and values, lists, tuples, at any depth).

        ``value`` itself, not a copy, when no secret occurs in it (the result of a wait over 1,000 tasks)."""
        if not self._longest_first:
            return value
        if isinstance(value, str):
            return self.secrets(value)
        if isinstance(value, dict):
            items = [(self.scrub(key), self.scrub(item)) for key, item in value.items()]
            changed = any(new_key is not key or new is not item for (new_key, new), (key, item) in zip(items, value.items()))
            return type(value)(items) if changed else value
        if isinstance(value, (list, tuple)):
            scrubbed = [self.scrub(item) for item in value]
            return type(value)(scrubbed) if any(new is not old for new, old in zip(scrubbed, value)) else value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            masked = self.secrets(str(value))
            return value if masked == str(value) else masked
        return value


__all__ = ["PLACEHOLDER", "Redactor", "encoded_forms"]
