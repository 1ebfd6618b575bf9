# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of ``alibabacloud.eflo.eflo_task_wait``: wait on the controller until eflo tasks finish.

It validates the arguments with the shared spec, builds one client per task run (credentials resolved once, the
controller's environment plus the task's ``environment:``), polls ``DescribeTask`` through a small thread pool
for the wait engine (``plugin_utils/waiter.py``), shows its progress lines, and turns every problem into a failed
result with a clear ``msg``, secrets masked. ``async`` is refused; Ctrl-C stops at once.
"""

from __future__ import annotations

import math
import os
import random
import re
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase
from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import progress, waiter
from ansible_collections.alibabacloud.eflo.plugins.module_utils.ansible_module import unexpected_error_message
from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import DEFAULT_WAIT_MAX_DELAY, task_wait_spec
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import (
    ConfigurationError,
    EfloError,
    failure_result,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.models import read_task, task_to_dict
from ansible_collections.alibabacloud.eflo.plugins.module_utils.options import (
    build_client_with_credentials,
    library_problem,
    secrets_of,
)
from ansible_collections.alibabacloud.eflo.plugins.module_utils.params import validate_task_id
from ansible_collections.alibabacloud.eflo.plugins.module_utils.redact import Redactor

NAME = "eflo_task_wait"
POLL_WORKERS = 8  # threads polling DescribeTask in parallel (also capped by max_rate)
TRANSITION_LINES = 10  # one line per change up to this many changes per flush, else one summary line
VERBOSE_TRANSITION_LINES = 100  # the same at -v
MAX_VERBOSE_ERRORS = 20  # individual poll errors shown at -vv per flush
ASYNC_MSG = (
    "eflo_task_wait does not support async: it already waits on the controller, with its own deadline and "
    "progress lines. Remove async and poll from the task and set the timeout option instead."
)
CONTROLLER_NOTE = " eflo_task_wait runs on the Ansible controller: install them in the Python that runs ansible-playbook."
CHECK_MODE_SKIP_MSG = (
    "Check mode: no task to wait for. The task id is empty because the operation that starts the task was not "
    "sent in check mode; nothing was polled."
)

Answer = Union[Dict[str, Any], EfloError]
_TYPE_REPR = re.compile(r"of type <class '([^']*)'>")
_CLASS_REPR = re.compile(r"<class '[^']*'>")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def validation_message(message: str) -> str:
    """An argument validation error without Python class names (``<class 'str'> cannot be converted to a float``)."""
    return _CLASS_REPR.sub("the value", _TYPE_REPR.sub(r"of type \1", str(message)))


def split_task_ids(args: Mapping[str, Any]) -> Tuple[List[str], List[int]]:
    """``(ids, empty_positions)``: the non-empty task ids in order, and the 1-based positions of empty ones
    (ConfigurationError for an id that is not one, see ``params.validate_task_id``)."""
    many = args.get("task_ids") is not None
    values: Sequence[Any] = args["task_ids"] if many else [args.get("task_id")]
    ids: List[str] = []
    empty: List[int] = []
    for position, value in enumerate(values, 1):
        text = _text(value)
        if text:
            ids.append(validate_task_id("task_ids[%d]" % (position - 1) if many else "task_id", text))
        else:
            empty.append(position)
    return ids, empty


def has_task_ids(args: Mapping[str, Any]) -> bool:
    """True when ``task_id`` or ``task_ids`` holds something (before validation)."""
    task_ids = args.get("task_ids")
    if isinstance(task_ids, (list, tuple)):
        return any(_text(item) for item in task_ids)
    return bool(_text(task_ids)) or bool(_text(args.get("task_id")))


def empty_ids_message(args: Mapping[str, Any], empty: Sequence[int]) -> str:
    """Why an empty id fails outside check mode, and how to fix it."""
    if args.get("task_ids") is None:
        what = "task_id is empty"
    else:
        what = "task_ids has %s (position %s)" % (progress.plural(len(empty), "empty item"), ", ".join(map(str, empty[:20])))
    return (
        "%s: pass the TaskId returned by the operation that started the task, for example "
        "task_id: \"{{ extend.task_id }}\". Empty ids are only skipped in check mode, where that operation is not sent."
        % what
    )


def wait_config(args: Mapping[str, Any], explicit: Iterable[str] = ()) -> waiter.WaitConfig:
    """The engine configuration from the validated arguments (``explicit``: option names the task set)."""
    delay = float(args["delay"])
    max_delay = float(args["max_delay"])
    if "max_delay" not in explicit and max_delay < delay:
        max_delay = max(DEFAULT_WAIT_MAX_DELAY, delay)  # a long delay alone raises the default cap with it
    types = args.get("expected_task_types") or ()
    return waiter.WaitConfig(
        timeout=float(args["timeout"]),
        delay=delay,
        max_delay=max_delay,
        schedule=str(args.get("schedule") or waiter.SCHEDULE_ADAPTIVE),
        # a delay the task sets stays the shortest time between two polls, as documented
        near_delay=delay if "delay" in explicit else waiter.WaitConfig.near_delay,
        max_rate=float(args["max_rate"]),
        heartbeat_interval=float(args["heartbeat_interval"]),
        expected_task_types=tuple(str(t).strip() for t in types),
        acceptors=waiter.acceptors_from_params(args.get("acceptors")),
        fail_on_sub_task_failure=bool(args["fail_on_sub_task_failure"]),
        fail_fast=bool(args["fail_fast"]),
        not_found_grace=float(args["not_found_grace"]),
        unreachable_attempts=int(args["unreachable_attempts"]),
        unreachable_grace=float(args["unreachable_grace"]),
    )


def poll_workers(max_rate: float, batch_limit: int = POLL_WORKERS) -> int:
    """Threads for one poll batch: at most ``POLL_WORKERS`` and at most ``floor(max_rate)`` (at least 1)."""
    return max(1, min(batch_limit, int(math.floor(max_rate))))


class Poller:
    """``fetch(ids)`` for the engine: one ``DescribeTask`` per id, through a small thread pool.

    An answer that cannot be used (truncated JSON, a 200 without a task) is returned as its
    ``ResponseParseError``; the engine polls it again up to ``WaitConfig.max_bad_answers`` times in a row.
    """

    def __init__(self, client: Any, workers: int, clock: Optional[Callable[[], float]] = None) -> None:
        """``clock``: the engine's clock; with it, the answers report when each answer arrived (``waiter.TimedAnswers``)."""
        self.client = client
        self.workers = max(1, workers)
        self.clock = clock
        self._pool: Optional[ThreadPoolExecutor] = None

    def poll_one(self, task_id: str) -> Answer:
        """The task dict of ``task_id`` or the typed error of that call."""
        try:
            return task_to_dict(read_task(self.client.describe_task(task_id), task_id))
        except EfloError as err:
            return err

    def __call__(self, ids: List[str]) -> Dict[str, Answer]:
        clock = self.clock
        answered_at: Dict[str, float] = {}

        def timed(task_id: str) -> Answer:
            answer = self.poll_one(task_id)
            if clock is not None:
                answered_at[task_id] = clock()
            return answer

        if self.workers == 1 or len(ids) == 1:
            answers = [timed(task_id) for task_id in ids]
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=NAME)
            answers = list(self._pool.map(timed, ids))
        return waiter.TimedAnswers(dict(zip(ids, answers)), answered_at)

    def close(self) -> None:
        """Stop the threads (pending polls are cancelled, a running one ends with the client)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class ActionModule(ActionBase):
    """Wait until one or many eflo tasks finish (see the doc-only module for the options)."""

    _supports_async = False
    _supports_check_mode = True
    name = NAME  # the plugin's name in messages and progress lines
    async_msg = ASYNC_MSG

    # injectable for tests (unit tests drive the engine with a fake clock)
    clock: Callable[[], float] = staticmethod(time.monotonic)
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def client_kwargs(self) -> Dict[str, Any]:
        """Extra keyword arguments for the client (tests pass an httpx ``transport``)."""
        return {}

    def rng(self) -> random.Random:
        """The random source of the poll jitter."""
        return random.Random()

    # ---------------------------------------------------------------------------------------------- entry
    def run(self, tmp: Optional[str] = None, task_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        if self._task.async_val:
            return {"failed": True, "changed": False, "msg": self.async_msg}
        result = super().run(tmp, task_vars)
        del tmp
        secrets: List[str] = []
        try:
            result.update(self.wait(secrets))
        except EfloError as err:
            result.update(failure_result(err))
            result.update(failed=True, changed=False)
        except AnsibleActionFail as err:
            result.update(failed=True, changed=False, msg="%s: %s" % (self.name, validation_message(err.message)))
        except AnsibleError:
            raise  # Ansible's own flow control (task timeout ...): let the executor report it
        except Exception as err:  # pylint: disable=broad-exception-caught
            self._display.vvv(self.scrub(traceback.format_exc(), secrets))
            result.update(failed=True, changed=False, msg=unexpected_error_message(self.name, err))
        return self.scrub(result, secrets)

    @staticmethod
    def scrub(value: Any, secrets: Sequence[str]) -> Any:
        """``value`` with every secret masked (:meth:`redact.Redactor.scrub`)."""
        return Redactor(secrets).scrub(value)

    # ------------------------------------------------------------------------------------------ the wait
    def wait(self, secrets: List[str]) -> Dict[str, Any]:
        """Validate, build the client, wait; the result dict (EfloError / AnsibleActionFail raised)."""
        problem = library_problem()
        if problem:
            raise ConfigurationError(problem + CONTROLLER_NOTE)
        check_mode = bool(self._task.check_mode)
        args = self.validated_args(check_mode, secrets)
        ids, empty = split_task_ids(args)
        if empty and not check_mode:
            raise ConfigurationError(empty_ids_message(args, empty))
        config = wait_config(args, explicit=self._task.args.keys())
        waiter.validate_config(config)  # a bad option fails before any credential lookup or API call
        if not ids:
            return self.skip()
        result = self.poll_until_done(ids, config, args, secrets)
        if empty:
            note = "Check mode: %s skipped (their creating task was not sent)." % progress.plural(len(empty), "empty task id")
            result["msg"] = "%s %s" % (result["msg"], note)
            result["warnings"] = [note] + list(result.get("warnings") or [])
        if not result.get("warnings"):
            result.pop("warnings", None)
        return result

    def validated_args(self, check_mode: bool, secrets: List[str]) -> Dict[str, Any]:
        """The task arguments validated against the shared spec (no id at all is allowed in check mode)."""
        spec = task_wait_spec()
        if check_mode and not has_task_ids(self._task.args):
            spec.pop("required_one_of", None)
        secrets.extend(secrets_of(self._task.args))
        task_ids = self._task.args.get("task_ids")
        if isinstance(task_ids, list):  # a null item (an undefined id in check mode) is an empty id on every core
            self._task.args["task_ids"] = ["" if item is None else item for item in task_ids]
        _validation, args = self.validate_argument_spec(**spec)
        secrets.extend(secrets_of(args))
        return args

    def poll_until_done(self, ids: List[str], config: waiter.WaitConfig, args: Mapping[str, Any], secrets: List[str]) -> Dict[str, Any]:
        """One client (credentials resolved once), the engine, the documented result."""
        client, source = self.open_client(self.client_params(args), secrets)
        try:
            result = self.wait_with(client, source, ids, config, args["task_details"], secrets)
        finally:
            client.close()
        result["changed"] = False
        result["credentials_source"] = source
        return result

    def open_client(self, params: Mapping[str, Any], secrets: List[str]) -> Tuple[Any, str]:
        """The run's client (credentials resolved once, their secrets added to ``secrets``) and the credentials source."""
        env = self.environment()
        client, credentials = build_client_with_credentials(  # HOME as the modules see it (task environment first)
            params, env, env.get("HOME") or os.path.expanduser("~"),
            user_agent="ansible-core/%s" % ANSIBLE_VERSION, **self.client_kwargs()
        )
        secrets.extend(s for s in (credentials.access_key_secret, credentials.security_token) if s)
        return client, credentials.source

    def wait_with(self, client: Any, source: str, ids: List[str], config: waiter.WaitConfig, task_details: str,
                  secrets: Sequence[str]) -> Dict[str, Any]:
        """The engine's result for ``ids``, polled with ``client`` (progress lines shown)."""
        poller = Poller(client, poll_workers(config.max_rate), clock=self.clock)
        try:
            self.show_setup(config, client, source, poller.workers, secrets)
            outcome = waiter.wait_for_tasks(
                ids, poller, config, clock=self.clock, sleep=self.sleep, rng=self.rng(),
                on_event=lambda event: self.show_event(event, secrets), task_details=task_details,
            )
        finally:
            poller.close()
        return outcome.to_result()

    def skip(self) -> Dict[str, Any]:
        """Check mode without a task id: nothing to poll (the line shows at default verbosity, unlike a skip msg)."""
        self._display.display("%s: %s" % (self.name, CHECK_MODE_SKIP_MSG))
        result = waiter.WaitOutcome(records=[], start=0.0, end=0.0, timeout=0.0).to_result()
        del result["warnings"], result["failed"]
        return dict(result, changed=False, msg=CHECK_MODE_SKIP_MSG, skipped=True)

    @staticmethod
    def client_params(args: Mapping[str, Any]) -> Dict[str, Any]:
        """The client options, with ``retries`` of the engine's ``CLIENT_RETRIES``: the engine retries the polls."""
        return dict(args, retries=waiter.CLIENT_RETRIES)

    def environment(self) -> Dict[str, str]:
        """The controller's environment plus the task's ``environment:`` (dictionaries of simple values only)."""
        env = dict(os.environ)
        raw = getattr(self._task, "environment", None)
        for item in raw if isinstance(raw, list) else [raw]:
            if not item:
                continue
            try:
                value = self._templar.template(item) if self._templar is not None else item
            except AnsibleError as err:
                self._display.warning("%s: ignored an environment entry that could not be templated: %s" % (self.name, err))
                continue
            if isinstance(value, Mapping):
                env.update({str(k): str(v) for k, v in value.items() if isinstance(v, (str, int, float))})
        return env

    # ------------------------------------------------------------------------------------------ display
    def show(self, line: str, secrets: Sequence[str], verbosity: int = 0) -> None:
        """One progress line (masked), at default verbosity or only from ``-v`` * ``verbosity``."""
        text = self.scrub(line, secrets)
        if verbosity <= 0:
            self._display.display(text)
        else:
            self._display.verbose(text, caplevel=verbosity - 1)

    def show_setup(self, config: waiter.WaitConfig, client: Any, source: str, workers: int, secrets: Sequence[str]) -> None:
        """At -v: where the polls go and how often."""
        self.show(
            "%s: polling %s with credentials from %s; delay %s growing to %s with jitter (%s), timeout %s, "
            "at most %g calls/s in %s, heartbeat every %s" % (
                self.name, getattr(client, "base_url", "?"), source, progress.format_seconds(config.delay),
                progress.format_seconds(config.max_delay),
                ("adaptive schedule, %s while a task may end" % progress.format_seconds(waiter.near_delay(config)))
                if config.schedule == waiter.SCHEDULE_ADAPTIVE else "backoff schedule",
                progress.format_seconds(config.timeout), config.max_rate,
                progress.plural(workers, "thread"),
                progress.format_seconds(config.heartbeat_interval) if config.heartbeat_interval > 0 else "never (disabled)"),
            secrets, verbosity=1)

    def show_event(self, event: Any, secrets: Sequence[str]) -> None:
        """The lines of one engine event: progress at default verbosity, detail at -v and -vv."""
        verbosity = int(getattr(self._display, "verbosity", 0) or 0)
        max_lines = VERBOSE_TRANSITION_LINES if verbosity >= 1 else TRANSITION_LINES
        for line in progress.format_event(event, max_lines=max_lines):
            self.show(line, secrets)
        kind = getattr(event, "kind", None)
        if kind == "heartbeat":
            self.show("%s: %s, %s so far" % (self.name, progress.plural(event.polls, "poll"),
                                             progress.plural(event.retries, "retry", "retries")), secrets, verbosity=1)
        elif kind == "poll_errors" and verbosity >= 2:
            for error in list(event.errors)[:MAX_VERBOSE_ERRORS]:
                self.show("%s: poll of %s failed (%s): %s" % (self.name, error.task_id, error.code or "no code",
                                                              progress.one_line(error.message)), secrets, verbosity=2)
