# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of ``alibabacloud.eflo.eflo_cluster``: make a cluster what the task says, on the controller.

A thin adapter: the options are validated with ``argspec.cluster_spec()``; the client, the progress lines, the
masking of secrets and the wait engine are those of ``eflo_task_wait`` (this class extends its action plugin);
the run itself is :class:`plugin_utils.cluster_sync.ClusterRun` and the plan :mod:`plugin_utils.cluster_plan`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Sequence

from ansible_collections.alibabacloud.eflo.plugins.action.eflo_task_wait import ASYNC_MSG, CONTROLLER_NOTE
from ansible_collections.alibabacloud.eflo.plugins.action.eflo_task_wait import ActionModule as TaskWaitAction
from ansible_collections.alibabacloud.eflo.plugins.action.eflo_task_wait import wait_config
from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import cluster_spec, wait_defaults
from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.options import library_problem, secrets_of
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import progress, waiter
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.cluster_sync import ClusterRun


class ActionModule(TaskWaitAction):
    """Create, grow, shrink, tag or delete an eflo cluster (see the doc-only module for the options)."""

    name = "eflo_cluster"
    async_msg = ASYNC_MSG.replace("eflo_task_wait", name).replace("the timeout option", "wait_timeout")

    def show(self, line: str, secrets: Sequence[str], verbosity: int = 0) -> None:
        """The wait's progress lines, named ``eflo_cluster:``."""
        super().show(progress.as_caller(line, self.name), secrets, verbosity)

    def wait(self, secrets: List[str]) -> Dict[str, Any]:
        """Validate, build the client, run; the result dict (EfloError / AnsibleActionFail raised)."""
        problem = library_problem()
        if problem:
            raise ConfigurationError(problem + CONTROLLER_NOTE.replace("eflo_task_wait", self.name))
        check_mode = bool(self._task.check_mode)
        secrets.extend(secrets_of(self._task.args))
        _validation, args = self.validate_argument_spec(**cluster_spec())
        secrets.extend(secrets_of(args))
        secrets.extend(node["login_password"] for group in args.get("node_groups") or [] for node in group["nodes"] if node.get("login_password"))
        config = wait_config(dict(wait_defaults(), **dict(args, timeout=args["wait_timeout"])), explicit=self._task.args.keys())
        waiter.validate_config(config)
        client, source = self.open_client(args, secrets)

        def wait_tasks(ids: List[str]) -> Dict[str, Any]:
            saved = client.config  # the engine is the one place that retries a poll
            client.config = dataclasses.replace(saved, retries=waiter.CLIENT_RETRIES)
            try:
                result = self.wait_with(client, source, ids, config, "full", secrets)
            finally:
                client.config = saved
            if result.get("msg"):
                result["msg"] = progress.as_caller(result["msg"], self.name)
            return result

        try:
            outcome = ClusterRun(client.call, wait_tasks, clock=self.clock, sleep=self.sleep, timeout=config.timeout,
                                 delay=config.delay, notify=lambda line: self.show(line, secrets),
                                 heartbeat_interval=config.heartbeat_interval, name=self.name).run(args, check_mode)
        finally:
            client.close()
        return dict(outcome.to_result(check_mode), credentials_source=source)
