# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the role ``alibabacloud.eflo.cluster_task``: the role's logic, its YAML keeps only the flow.

* ``cluster_task_input``: the wait settings of the operation and the task ids to wait for, each refused by the
  variable's name when it is not valid (the wait's own rules: ``waiter.validate_config``, ``params.validate_task_id``);
* ``cluster_task_plan``: the clusters and nodes to post-check after the wait;
* ``cluster_task_outcome``: the fact ``cluster_task_outcome`` and its readable summary.

The texts use the wait's helpers (``plugin_utils/progress.py``); documentation: the ``.yml`` files next to this one.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from jinja2 import Undefined, UndefinedError

from ansible_collections.alibabacloud.eflo.plugins.module_utils.errors import ConfigurationError
from ansible_collections.alibabacloud.eflo.plugins.module_utils.params import validate_task_id
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils import progress, waiter
from ansible_collections.alibabacloud.eflo.plugins.plugin_utils.progress import format_duration, listed, one_line, plural

SETTINGS = ("timeout", "delay", "max_delay", "heartbeat_interval")
SOURCES = ("cluster_task_id", "cluster_task_ids", "cluster_task_result")
MAX_SUB_TASK_LINES = 10


# ----------------------------------------------------------------------------------------------------- input


def _number(value: float) -> Any:
    return int(value) if value.is_integer() else value


def _seconds(name: str, value: Any, default_name: str, omit: Any) -> float:
    try:
        if not isinstance(value, bool):
            return float(value)
    except (TypeError, ValueError):
        pass
    if omit is not None and value == omit:
        raise ConfigurationError("%s is Ansible's omit placeholder (default(omit)), which works for module options only: "
                                 "use default(none) to keep %s." % (name, default_name))
    raise ConfigurationError("%s is %r, not a number of seconds." % (name, value))


def wait_settings(operation: str, given: Sequence[Any], defaults: Sequence[Any], expected_task_types: Any,
                  omit: Any = None) -> Dict[str, Any]:
    """The settings of the wait: each of :data:`SETTINGS` from ``given`` (``cluster_task_timeout`` ...) unless it is
    null or empty, else from ``defaults`` (``cluster_task_<operation>_timeout`` ...), checked by the wait's rules
    (ConfigurationError naming the variable; ``omit``: Ansible's omit value, which a role variable cannot use)."""
    values: Dict[str, float] = {}
    names: Dict[str, str] = {}
    for key, value, default in zip(SETTINGS, given, defaults):
        default_name = "cluster_task_%s_%s" % (operation, key)
        unset = value is None or str(value).strip() == ""
        names[key] = default_name if unset else "cluster_task_" + key
        values[key] = _seconds(names[key], default if unset else value, default_name, omit)
    values["max_delay"] = max(values["max_delay"], values["delay"])
    types = [str(t).strip() for t in expected_task_types or []] or ["%s_*" % operation]
    try:
        waiter.validate_config(waiter.WaitConfig(expected_task_types=tuple(types), **values))
    except ConfigurationError as err:
        key = next((k for k in sorted(SETTINGS, key=len, reverse=True) if err.msg.startswith(k)), None)
        raise ConfigurationError("%s: %s" % (names[key] if key else "cluster_task_expected_task_types", err.msg)) from None
    settings: Dict[str, Any] = {"operation": operation}
    settings.update((key, _number(value)) for key, value in values.items())
    settings["expected_task_types"] = types
    return settings


def task_ids_in(value: Any, depth: int = 0) -> Iterator[str]:
    """The task ids in a role variable: an id, a list, a registered result (``task_id``) or a loop result (``results``);
    results without a ``task_id`` (skipped, check mode) give nothing."""
    if depth >= 5 or value is None:
        return
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, Mapping):
        results = value.get("results")
        if isinstance(results, Sequence) and not isinstance(results, str):
            yield from task_ids_in(list(results), depth + 1)
        elif isinstance(value.get("task_id"), str):
            yield from task_ids_in(value["task_id"], depth + 1)
    elif isinstance(value, Sequence):
        for item in value:
            yield from task_ids_in(item, depth + 1)
    elif isinstance(value, Undefined):
        str(value)  # raises its UndefinedError


def _checked_ids(label: str, value: Any) -> List[str]:
    try:
        return [validate_task_id(label, task_id) for task_id in task_ids_in(value)]
    except UndefinedError as err:
        raise ConfigurationError("%s cannot be read: %s" % (label, err)) from None


def _unique(items: Sequence[Any]) -> List[Any]:
    return list(dict.fromkeys(items))


def role_input(operation: str, given: Sequence[Any], defaults: Sequence[Any], expected_task_types: Any,
               sources: Mapping[str, Any], hosts: Sequence[str] = (), hostvars: Any = None, batch_var: str = "",
               this_host: str = "", omit: Any = None) -> Dict[str, Any]:
    """``{settings, ids, hosts, problem}``: the wait settings, the task ids of ``sources`` (the role variables by name,
    and the clusters looked up for ``cluster_task_cluster_ids``, whose ``task_id`` counts) and, with ``hosts`` (batch
    mode), of :data:`SOURCES` and ``batch_var`` on every host (``hosts``: ids per host);
    or, when a setting or an id is not valid, no ids and the ``problem``, naming the variable."""
    try:
        ids = [task_id for name, value in sources.items() for task_id in _checked_ids(name, value)]
        by_host: Dict[str, List[str]] = {this_host: _unique(ids)} if hosts else {}
        for host in hosts:
            found = hostvars[host]
            names = [name for name in SOURCES + (batch_var,) if name and name in found]
            mine = [task_id for name in names for task_id in _checked_ids("%s of host %s" % (name, host), found[name])]
            by_host[host] = _unique(by_host.get(host, []) + mine)
            ids += mine
        settings = wait_settings(operation, given, defaults, expected_task_types, omit)
    except ConfigurationError as err:
        return {"settings": {}, "ids": [], "hosts": {}, "problem": err.msg}
    return {"settings": settings, "ids": _unique(ids), "hosts": by_host, "problem": ""}


# ------------------------------------------------------------------------------------------------------ plan


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> List[Any]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


def post_check_plan(wait: Any, sub_info: Any, ids: Sequence[str], post_checks: bool) -> Dict[str, Any]:
    """What the post-checks look at: the clusters of the waited tasks and, per cluster, the nodes the tasks worked
    on minus those of failed sub-tasks (``sub_info``: the eflo_task_info lookup); ``run`` when the wait succeeded."""
    wait = _dict(wait)
    sub_nodes = {sub["task_id"]: _list(sub.get("node_ids")) for sub in _list(_dict(sub_info).get("tasks")) if sub.get("task_id")}
    failed_nodes = _unique([node for nodes in sub_nodes.values() for node in nodes])
    affected: Dict[str, List[str]] = {}
    for task in _list(wait.get("tasks")):
        if task.get("cluster_id"):
            nodes = [node for node in _list(task.get("node_ids")) if node not in failed_nodes]
            affected[task["cluster_id"]] = _unique(affected.get(task["cluster_id"], []) + nodes)
    succeeded = bool(ids) and set(ids) <= set(_list(wait.get("succeeded_task_ids")))
    return {"run": bool(post_checks) and succeeded and not wait.get("skipped"), "clusters": list(affected),
            "affected": affected, "failed_nodes": failed_nodes, "sub_task_nodes": sub_nodes}


# --------------------------------------------------------------------------------------------------- outcome


def _in(state: Any, accepted: Sequence[str]) -> bool:
    return state is not None and str(state).lower() in [str(s).lower() for s in accepted]


def post_check_results(plan: Mapping[str, Any], clusters: Any, node_lists: Any, node_states: Any,
                       cluster_states: Sequence[str], node_states_ok: Sequence[str]) -> Tuple[Dict[str, Any], List[Dict[str, str]]]:
    """``(post_checks, problems)``: the state of every cluster and node checked, and what is wrong (with its cluster)."""
    checked: Dict[str, Any] = {"clusters": [], "nodes": []}
    problems: List[Dict[str, str]] = []
    for item in _list(_dict(clusters).get("results")):
        cid = item.get("cluster_task__cluster_id", "")
        answer = item.get("response")
        if not isinstance(answer, Mapping):
            checked["clusters"].append({"cluster_id": cid, "cluster_name": "", "operating_state": None, "ok": False})
            problems.append({"cluster_id": cid, "msg": "DescribeCluster of %s failed: %s" % (cid, one_line(item.get("msg") or "no answer"))})
            continue
        state, name = answer.get("operating_state") or "", answer.get("cluster_name") or ""
        good = _in(state, cluster_states)
        checked["clusters"].append({"cluster_id": cid, "cluster_name": name, "operating_state": state, "ok": good})
        if not good:
            problems.append({"cluster_id": cid, "msg": "cluster %s (%s) is %s, expected %s" % (
                name, cid, state or "in no state", " or ".join(cluster_states))})
    states = _dict(node_states)
    for cid, nodes in _dict(plan.get("affected")).items():
        rows = [{"node_id": node, "cluster_id": cid, "operating_state": states.get(node), "ok": _in(states.get(node), node_states_ok)}
                for node in nodes]
        checked["nodes"] += rows
        wrong = ["%s is %s" % (r["node_id"], r["operating_state"]) for r in rows if not r["ok"] and r["operating_state"] is not None]
        missing = [r["node_id"] for r in rows if r["operating_state"] is None]
        if wrong:
            problems.append({"cluster_id": cid, "msg": "%s of cluster %s not %s: %s" % (
                plural(len(wrong), "node"), cid, " or ".join(node_states_ok), listed(wrong, ", ", most=20))})
        if missing:
            problems.append({"cluster_id": cid, "msg": "%s not found in cluster %s: %s" % (
                plural(len(missing), "node"), cid, listed(missing, ", ", most=20))})
    for item in _list(_dict(node_lists).get("results")):
        if "nodes" not in item:
            cid = item.get("cluster_task__cluster_id", "")
            problems.append({"cluster_id": cid, "msg": "ListClusterNodes of %s failed: %s" % (cid, one_line(item.get("msg") or "no answer"))})
    return checked, problems


def _cluster_label(task: Mapping[str, Any]) -> str:
    name, cid = task.get("cluster_name"), task.get("cluster_id")
    return "cluster %s (%s)" % (name, cid) if name and cid else ("cluster %s" % cid if cid else "an unknown cluster")


def _task_lines(task: Mapping[str, Any], what: str, sub_nodes: Mapping[str, Any], failed_nodes: Sequence[str]) -> List[str]:
    """The lines of one task that did not succeed; a message already given is not repeated."""
    lines = ["- %s: task %s (%s) %s%s" % (_cluster_label(task), task.get("task_id"), task.get("task_type") or "?", what,
                                          ", updated %s" % task["update_time"] if task.get("update_time") else "")]
    said: List[str] = []
    message = progress.unsaid(task.get("message"), said)
    if message:
        lines.append("    message: " + message)
    for step in progress.failed_steps(task):
        stage = " (%s)" % step["stage_tag"] if step.get("stage_tag") else ""
        why = progress.unsaid(step.get("message"), said) or step.get("step_state") or "failed"
        lines.append("    failed step %s%s: %s" % (step.get("step_name") or "?", stage, why))
    subs = progress.failed_sub_tasks(task)
    for sub in subs[:MAX_SUB_TASK_LINES]:
        nodes = _list(sub_nodes.get(sub.get("task_id")))
        lines.append("    failed sub-task %s (%s)%s%s: %s" % (
            sub.get("task_id") or "?", sub.get("task_type") or "?", " at step %s" % sub["step_name"] if sub.get("step_name") else "",
            " on node %s" % ", ".join(nodes) if nodes else "", progress.unsaid(sub.get("message"), said) or sub.get("task_state") or "failed"))
    if len(subs) > MAX_SUB_TASK_LINES:
        lines.append("    and %d more failed sub-tasks" % (len(subs) - MAX_SUB_TASK_LINES))
    nodes = _list(task.get("node_ids"))
    if nodes:
        failed_here = [node for node in nodes if node in failed_nodes]
        lines.append("    nodes: %s%s" % (listed(nodes, ", ", most=20), " (failed: %s)" % listed(failed_here, ", ", most=20) if failed_here else ""))
    return lines


def _state_at_step(task: Mapping[str, Any], state: Optional[str]) -> str:
    steps = _list(task.get("steps"))
    step = steps[-1].get("step_name") if steps and isinstance(steps[-1], Mapping) else None
    return (state or "not seen") + (" at step %s" % step if step else "")


def _unfinished_lines(wait: Mapping[str, Any], op: str, settings: Mapping[str, Any], status: str, plan: Mapping[str, Any],
                      total: int, limit: int) -> List[str]:
    """The summary of a wait of ``total`` tasks that ended in failure or timeout."""
    ids = {key: _list(wait.get(key)) for key in ("succeeded_task_ids", "failed_task_ids", "timed_out_task_ids", "pending_task_ids")}
    tasks = _list(wait.get("tasks"))
    elapsed = format_duration(float(wait.get("elapsed") or 0))
    if status == "failure":
        head = ("%d of %s failed" % (len(ids["failed_task_ids"]), plural(total, "task")) if total > 1 else "the task failed") + " after " + elapsed
    else:
        head = "timed out after %s (timeout %s) with %d of %s unfinished" % (
            elapsed, format_duration(float(settings.get("timeout") or 0)), len(ids["timed_out_task_ids"]), plural(total, "task"))
    lines = ["cluster_task: %s FAILED: %s" % (op, head)]
    bad = ids["failed_task_ids"] + ids["timed_out_task_ids"] + ids["pending_task_ids"]
    bad_tasks = [task for task in tasks if task.get("task_id") in bad]
    for task in bad_tasks[:limit]:
        state = task.get("task_state")
        if task["task_id"] in ids["timed_out_task_ids"]:
            what = "still " + _state_at_step(task, state)
        elif task["task_id"] in ids["pending_task_ids"]:
            what = _state_at_step(task, state) + ", not waited for (the wait stopped early)"
        else:
            what = _state_at_step(task, state) if state else "not found (check the task id and the region)"
        lines += _task_lines(task, what, _dict(plan.get("sub_task_nodes")), _list(plan.get("failed_nodes")))
    seen = [task.get("task_id") for task in tasks]
    unseen = [task_id for task_id in bad if task_id not in seen]
    lines += ["- task %s: no answer" % task_id for task_id in unseen[:limit]]
    if len(bad_tasks) + len(unseen) > limit:
        lines.append("- and %d more" % (len(bad_tasks) + len(unseen) - limit))
    if ids["succeeded_task_ids"]:
        lines.append("%s succeeded: %s" % (plural(len(ids["succeeded_task_ids"]), "other task"), listed(ids["succeeded_task_ids"], ", ", most=10)))
    if not bad_tasks:
        lines.append(one_line(wait.get("msg") or "no message"))
    return lines


def _wrong_types(wait: Mapping[str, Any], expected: Sequence[str]) -> List[str]:
    """``i1 is a reclone_node task`` for every failed task of a type outside ``expected``."""
    failed = _list(wait.get("failed_task_ids"))
    return ["%s is %s task" % (task["task_id"], progress.with_article(task["task_type"])) for task in _list(wait.get("tasks"))
            if task.get("task_id") in failed and task.get("task_type") and expected
            and not waiter.task_type_matches(task["task_type"], expected)]


def _wait_status(wait: Mapping[str, Any], ids: Sequence[str], wrong_types: Sequence[str]) -> str:
    """success, failure (a task failed), timeout, or error (the wait could not do its work: its own error, a task
    of another type)."""
    if set(ids) <= set(_list(wait.get("succeeded_task_ids"))):
        return "success"
    if wrong_types:
        return "error"
    if wait.get("failed_task_ids"):
        return "failure"
    return "timeout" if wait.get("timed_out_task_ids") else "error"


def outcome(wait: Any, operation: str, given: Any = None, plan: Any = None, error: Any = "", post_clusters: Any = None,
            node_lists: Any = None, node_states: Any = None, check_mode: bool = False,
            post_checks: bool = True, cluster_states: Sequence[str] = ("running",), node_states_ok: Sequence[str] = ("Using",),
            max_tasks: int = 10, batch_hosts: bool = False) -> Dict[str, Any]:
    """The fact ``cluster_task_outcome`` (see the role README) from what the role's tasks registered (``given``: the
    result of :func:`role_input`)."""
    op, wait, plan, given = str(operation), _dict(wait), _dict(plan), _dict(given)
    settings, ids = _dict(given.get("settings")), _list(given.get("ids"))
    error = one_line(given.get("problem") or error or "")
    waited = bool(wait) and not wait.get("skipped")
    tasks = _list(wait.get("tasks"))
    wrong_types = _wrong_types(wait, _list(settings.get("expected_task_types")))
    if error:
        status = "error"
    elif not ids or not waited:
        status = "skipped" if check_mode else "error"
    else:
        status = _wait_status(wait, ids, wrong_types)
    checked: Dict[str, Any] = {"ran": False, "clusters": [], "nodes": []}
    problems: List[Dict[str, str]] = []
    if status == "success" and plan.get("run") and "results" in _dict(post_clusters):
        checked, problems = post_check_results(plan, post_clusters, node_lists, node_states,
                                               list(cluster_states), list(node_states_ok))
        checked["ran"] = True
        status = "post_check_failed" if problems else status
    clusters = _unique([task["cluster_id"] for task in tasks if task.get("cluster_id")])
    elapsed = format_duration(float(wait.get("elapsed") or 0))
    limit = int(max_tasks)
    if status == "success":
        lines = ["cluster_task: %s succeeded: %s on %s in %s" % (op, plural(len(ids), "task"), plural(len(clusters), "cluster"), elapsed)]
        lines += ["- %s: task %s (%s) %s, %s" % (_cluster_label(task), task.get("task_id"), task.get("task_type") or "?",
                                                 task.get("task_state") or "?", plural(len(_list(task.get("node_ids"))), "node"))
                  for task in tasks[:limit]]
        lines += ["- and %d more" % (len(tasks) - limit)] if len(tasks) > limit else []
        lines += ["warning: " + one_line(warning) for warning in _list(wait.get("warnings"))]
        if checked["ran"]:
            lines.append("post-checks passed: %s %s, %s %s" % (plural(len(checked["clusters"]), "cluster"), "/".join(cluster_states),
                                                               plural(len(checked["nodes"]), "node"), "/".join(node_states_ok)))
        elif not post_checks:
            lines.append("post-checks off (cluster_task_post_checks: false)")
    elif status == "post_check_failed":
        lines = ["cluster_task: %s tasks succeeded (%s in %s) but the post-checks FAILED:" % (op, plural(len(ids), "task"), elapsed)]
        lines += ["- " + problem["msg"] for problem in problems]
    elif status == "skipped":
        lines = ["cluster_task: %s: check mode, nothing to wait for (the operation that starts the tasks was not sent)" % op]
    elif status == "error" and wrong_types:
        lines = ["cluster_task: %s not waited for: %s of another type, not %s task (expected %s): %s" % (
            op, "a task is" if len(wrong_types) == 1 else "%d tasks are" % len(wrong_types), progress.with_article(op),
            " or ".join(settings.get("expected_task_types") or []), listed(wrong_types, ", ", most=limit))]
    elif status == "error":
        if error or waited:
            lines = ["cluster_task: %s could not be waited for: %s" % (op, error or one_line(wait.get("msg") or "no message"))]
        else:
            lines = ["cluster_task: %s: no task id to wait for; give cluster_task_id, cluster_task_ids, cluster_task_result "
                     "(the registered result of the task that started the operation) or cluster_task_cluster_ids (clusters "
                     "that run a task)%s" % (
                         op, ", or set them on the hosts of the play (cluster_task_batch_hosts)" if batch_hosts else "")]
    else:
        lines = _unfinished_lines(wait, op, settings, status, plan, len(ids), limit)
    by_host: Dict[str, Any] = {}
    if batch_hosts:
        bad_clusters = [problem["cluster_id"] for problem in problems]
        for host, host_ids in _dict(given.get("hosts")).items():
            by_host[host] = {"task_ids": host_ids, "status": _host_status(status, wait, host_ids, tasks, bad_clusters)}
    return {
        "operation": op,
        "status": status,
        "failed": status not in ("success", "skipped"),
        "task_ids": ids,
        "succeeded_task_ids": _list(wait.get("succeeded_task_ids")),
        "failed_task_ids": _list(wait.get("failed_task_ids")),
        "timed_out_task_ids": _list(wait.get("timed_out_task_ids")),
        "pending_task_ids": _list(wait.get("pending_task_ids")),
        "cluster_ids": clusters,
        "failed_nodes": _list(plan.get("failed_nodes")),
        "summary": "\n".join(lines),
        "summary_lines": lines,
        "tasks": tasks,
        "post_checks": dict(checked, ok=checked["ran"] and not problems, problems=[problem["msg"] for problem in problems]),
        "hosts": by_host,
        "elapsed": wait.get("elapsed", 0),
        "polls": wait.get("polls", 0),
        "retries": wait.get("retries", 0),
        "warnings": _list(wait.get("warnings")),
        "wait_msg": wait.get("msg") or error,
        "settings": settings,
    }


def _host_status(status: str, wait: Mapping[str, Any], host_ids: Sequence[str], tasks: Sequence[Mapping[str, Any]],
                 bad_clusters: Sequence[str]) -> str:
    """The status of one host's tasks in batch mode."""
    if not host_ids:
        return "skipped"
    if status in ("error", "skipped"):
        return status
    if set(host_ids) & set(_list(wait.get("failed_task_ids")) + _list(wait.get("pending_task_ids"))):
        return "failure"
    if set(host_ids) & set(_list(wait.get("timed_out_task_ids"))):
        return "timeout"
    if any(task.get("cluster_id") in bad_clusters for task in tasks if task.get("task_id") in host_ids):
        return "post_check_failed"
    return "success"


class FilterModule:
    """cluster_task_input, cluster_task_plan, cluster_task_outcome."""

    def filters(self) -> Dict[str, Any]:
        return {
            "cluster_task_input": role_input,
            "cluster_task_plan": post_check_plan,
            "cluster_task_outcome": outcome,
        }
