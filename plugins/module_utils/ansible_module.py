# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Ansible-aware piece of module_utils: :class:`EfloAnsibleModule`, an ``AnsibleModule`` with the shared
options that runs the module body (:meth:`run`: libraries checked first, any error a clear ``fail_json``),
builds the client (:meth:`build_client`: resolved secrets registered for masking) and masks password-like values
in free-form dicts.
"""

from __future__ import annotations

import os
import re
import traceback
from typing import Any, Callable, Dict, Iterable, Mapping, NoReturn, Optional, Sequence

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import with_common
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import EfloError, failure_result
from ansible_collections.alibabacloud.eflo.plugins.module_utils.options import (
    build_client_with_credentials,
    library_problem,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.redact import Redactor

try:
    from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION
except ImportError:  # pragma: no cover - every supported ansible-core has it
    ANSIBLE_VERSION = "unknown"

SECRET_KEY_PATTERN = re.compile(r"passw(or)?d|secret|security_?token|private_?key|access_?key_?secret", re.IGNORECASE)


def fail_action_only(name: str, spec: Mapping[str, Any]) -> NoReturn:
    """The ``main()`` of a module file that only documents an action plugin (``eflo_task_wait``, ``eflo_cluster``):
    reached only when the module is run without its action plugin (on a managed host, or by a module-only path)."""
    module = AnsibleModule(supports_check_mode=True, **spec)
    module.fail_json(msg=(
        "alibabacloud.eflo.%s runs as an action plugin on the Ansible controller; this module file only documents it. "
        "Call it as alibabacloud.eflo.%s from a playbook with the collection installed on the controller (it cannot "
        "run on a managed host or through a module-only path)." % (name, name)))
    raise AssertionError("fail_json returned")  # pragma: no cover - fail_json exits


def unexpected_error_message(module_name: str, err: BaseException) -> str:
    """The ``msg`` for an exception that is not one of the collection's typed errors (a bug)."""
    return (
        "%s failed unexpectedly: %s: %s. This is a bug in the alibabacloud.eflo collection: please report it "
        "with the output of the task run with -vvv (secrets are masked)." % (module_name, type(err).__name__, err)
    )


def nested_secret_values(value: Any) -> Iterable[str]:
    """String values found under password/secret/token-like keys, at any depth of dicts and lists."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and SECRET_KEY_PATTERN.search(key) and isinstance(item, (str, int)) and not isinstance(item, bool):
                text = str(item)
                if text:
                    yield text
            else:
                yield from nested_secret_values(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from nested_secret_values(item)


class EfloAnsibleModule(AnsibleModule):
    """``AnsibleModule`` with the collection's common options and error handling."""

    def __init__(
        self,
        argument_spec: Optional[Dict[str, Any]] = None,
        *,
        module_name: str = "module",
        free_form_options: Sequence[str] = (),
        **kwargs: Any
    ) -> None:
        """``free_form_options``: dict options (such as eflo_api's ``params``) whose password/secret/token-like
        nested values are masked from the start, even in a failure of the argument validation itself."""
        self.module_name = module_name
        self.credentials_source: Optional[str] = None
        self._free_form_options = tuple(free_form_options)
        super().__init__(argument_spec=with_common(argument_spec or {}), **kwargs)

    def _load_params(self) -> None:
        super()._load_params()
        for name in self._free_form_options:
            self.mask_secrets_in((self.params or {}).get(name))

    def mask(self, *values: Optional[str]) -> None:
        """Never show these strings, nor their encoded forms (:mod:`redact`), in any output of this module: Ansible's
        ``no_log`` masks them with ``********``."""
        self.no_log_values.update(Redactor(values).forms)

    def mask_secrets_in(self, value: Any) -> None:
        """Mask every password/secret/token-like value nested in ``value`` (free-form API parameters)."""
        self.mask(*nested_secret_values(value))

    def check_libraries(self) -> None:
        """Fail with a clear message when httpx, pydantic or jmespath are missing. Only looked for, not imported:
        the client imports what it uses (see :func:`options.build_client_with_credentials`)."""
        problem = library_problem(uses_httpx=False, uses_pydantic=False)
        if problem:
            self.fail_json(msg=problem)

    def build_client(self, **kwargs: Any) -> Any:
        """A ready ``EfloClient`` (credentials resolved once, ``self.credentials_source`` set).

        ``kwargs`` go to ``options.build_client_with_credentials`` (tests pass ``transport``).
        """
        client, credentials = build_client_with_credentials(
            self.params,
            dict(os.environ),
            os.path.expanduser("~"),
            user_agent="ansible-core/%s" % ANSIBLE_VERSION,
            **kwargs
        )
        self.mask(credentials.access_key_secret, credentials.security_token)
        self.credentials_source = credentials.source
        return client

    def fail_from_error(self, err: EfloError, **extra: Any) -> NoReturn:
        """``fail_json`` for a typed error: its ``msg`` and structured detail (never a secret)."""
        result = failure_result(err)
        if self.credentials_source:
            result.setdefault("credentials_source", self.credentials_source)
        result.update(extra)
        self.fail_json(**result)

    def run(self, body: Callable[[], Dict[str, Any]]) -> NoReturn:
        """Run ``body`` (which returns the result dict) and exit; every failure becomes a clear fail_json."""
        self.check_libraries()
        try:
            result = body()
        except EfloError as err:
            self.fail_from_error(err)
        except Exception as err:  # pylint: disable=broad-exception-caught
            self.fail_json(msg=unexpected_error_message(self.module_name, err), exception=traceback.format_exc())
        if self.credentials_source:
            result.setdefault("credentials_source", self.credentials_source)
        self.exit_json(**result)
