#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of eflo_task_wait. The wait itself is the action plugin plugins/action/eflo_task_wait.py."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: eflo_task_wait
short_description: Wait until Alibaba Cloud PAI Lingjun (eflo-controller) tasks finish
version_added: 0.1.0
description:
  - Blocks until one task or many tasks of eflo-controller (such as C(initialize_cluster), C(extend_cluster),
    C(cut_cluster) or C(reclone_node), started with M(alibabacloud.eflo.eflo_api)) finish, and fails with a
    message that says which task failed, at which step, and which sub-tasks failed with what message.
  - The waiting runs on the Ansible controller (this is an action plugin); no module is shipped per poll, the
    credentials are resolved once, and one O(timeout) applies to all the tasks together, so waiting for a
    hundred tasks takes as long as the slowest one, not a hundred timeouts.
  - Each task is polled with C(DescribeTask) once at the start. By default (O(schedule=adaptive)) the next polls
    follow the task's progress, as its answers show it - rarely while its nodes' sub-tasks still run (the task
    cannot end before they do), every few seconds when it may end at any moment - so that its end is seen soon
    with fewer calls than a fixed loop. O(schedule=backoff) polls after O(delay) seconds, then less often (the
    wait grows up to O(max_delay), with random jitter), and again soon after its state or step changed.
    O(max_rate) caps the API calls per second of the whole wait, so a big batch never trips throttling.
  - Throttling, HTTP 5xx answers and network errors are retried within the O(timeout) and counted in
    RV(retries); once the endpoint has answered, they fail the wait only when they last until the deadline.
  - A wait that cannot succeed ends at once with a message that names the cause and the fix - an endpoint that
    never answered (see O(unreachable_attempts)), a TLS certificate that does not verify (at the first poll),
    credentials or permissions the service refused.
  - >-
    While it waits, it prints progress lines on the playbook output (so they also show in AWX and other
    controllers) - a line when a task's state or current step changes (one summary line when many change at
    once), and at most every O(heartbeat_interval) seconds a heartbeat such as
    C(eflo_task_wait: 12/40 finished, 27 running; slowest i1234 extend_cluster at step init_nodes for 14m).
    With C(-v), every change gets its own line, and the endpoint, credential source and poll settings are shown.
  - This module never changes anything.
options:
  task_id:
    description:
      - The ID of the task to wait for, as returned in C(TaskId) by the operation that started it.
      - Exactly one of O(task_id) and O(task_ids) is required.
      - An empty value fails with a message, except in check mode (see the notes).
    type: str
  task_ids:
    description:
      - A list of task IDs to wait for, all within one O(timeout). Thousands of IDs are fine.
      - Repeated IDs are waited for once. Empty items fail with a message, except in check mode (see the notes).
      - Exactly one of O(task_id) and O(task_ids) is required.
    type: list
    elements: str
  timeout:
    description:
      - How many seconds to wait, in total, for all the tasks together.
      - When it runs out, the wait fails with a message naming each unfinished task, its last state, step and
        update time, the elapsed time and the timeout. The IDs are in RV(timed_out_task_ids).
      - Cluster operations run for minutes to hours (an extension with local disks takes about two hours), so
        raise it for big operations.
    type: float
    default: 3600.0
  schedule:
    description:
      - How the time until the next poll of a task is chosen.
      - >-
        V(adaptive) - from what each answer shows of the task's progress (the start and update times of its steps,
        and which of the current step's sub-tasks finished). While a sub-task of the current step still runs,
        while a listed step has not started, or while the task is in its first step, the task is not expected to
        end soon - the next poll comes when that work is expected to end (as long again as it has run so far;
        once some sub-tasks finished, about when the slowest of them did), at least 9 seconds (three quarters of
        O(delay)) and at most O(max_delay) later. Otherwise the task may end at any poll - the next poll comes
        after 7 seconds (jitter up to 20 % more), growing with the square root of the step's age after two minutes,
        up to 8.4 seconds. The second poll comes when the task is
        O(delay) seconds old (by its own create time), or 7 seconds after the first when it is older. An answer
        without steps or usable times (a task still waiting to run), and every retried error, falls back to the
        V(backoff) waits. Durations come from the service's own timestamps only, so a skewed clock does not matter.
      - V(backoff) - the wait grows after each poll that shows no change, as described under O(delay).
      - With either, every wait lies between the shortest wait and O(max_delay). The shortest wait is 7 seconds
        for V(adaptive) (O(delay) when O(delay) is set in the task) and O(delay) for V(backoff).
      - A poll that O(max_rate) holds back comes later than its wait, once the rate allows it.
      - For tasks that run for hours, V(adaptive) polls about every 8 seconds during steps that may be the last,
        and so makes more calls than V(backoff) (about 800 to 1,000 against 570 for a 6-hour task, still half of
        an C(until:) loop every 10 seconds); choose
        V(backoff) to keep the number of calls low where the time to notice the end matters less.
    type: str
    default: adaptive
    choices: [adaptive, backoff]
  delay:
    description:
      - Seconds before the second poll of a task (with O(schedule=adaptive), counted from the task's creation), and
        with O(schedule=backoff) the shortest time between two polls of the same task.
      - When set in the task, it is the shortest time between two polls with O(schedule=adaptive) too.
      - With O(schedule=backoff), after each poll that shows no change, the wait grows (by half) up to
        O(max_delay), with full jitter between O(delay) and that cap; a change of state or step starts again from
        O(delay). O(schedule=adaptive) uses these waits when an answer does not show the task's progress.
      - Fractions are allowed (useful against a local simulator).
    type: float
    default: 12.0
  max_delay:
    description:
      - The longest time, in seconds, between two polls of the same task, with either O(schedule).
      - Must not be smaller than O(delay). When only O(delay) is set to a larger value, O(max_delay) follows it.
    type: float
    default: 60.0
  max_rate:
    description:
      - The most C(DescribeTask) calls per second of the whole wait, for all the tasks together (retries included).
      - Below 1, one call every 1/O(max_rate) seconds (V(0.5) is one call every two seconds).
      - Up to 8 calls run in parallel, never more than O(max_rate).
    type: float
    default: 5.0
  expected_task_types:
    description:
      - The task types the tasks must have, such as V(extend_cluster).
      - An item ending in C(_) is a family prefix (V(extend_) matches C(extend_cluster) and C(extend_bare_cluster)),
        an item with C(*) is a glob (V(extend_*)); types compare case-insensitively.
      - When a task is of another type (a task ID copied from the wrong place), the wait fails at once, after the
        first poll, instead of waiting for the wrong task.
    type: list
    elements: str
  acceptors:
    description:
      - Optional rules that decide when a task is done, checked in order before the default rules; the first
        rule that matches decides (the waiter model of the AWS SDK).
      - The default rule (that of C(is_finished) and C(is_succeeded) in M(alibabacloud.eflo.eflo_task_info)) - a
        C(task_state) of V(execution_success), V(success) or V(succeeded) succeeds; a state containing C(fail)
        fails at once; anything else (V(waiting_to_run), V(running), unknown states) keeps waiting. States and
        strings compare case-insensitively.
      - >-
        To make your rules the only ones, end the list with
        C({state: retry, expression: "`true`", expected: true}).
      - Expressions are checked before the first poll; an expression that fails on a task (a type error on a
        missing field) counts as no match and adds a warning.
    type: list
    elements: dict
    suboptions:
      state:
        description:
          - What a match means. V(success) - the task succeeded; V(failure) - the task failed;
            V(retry) - keep waiting.
        type: str
        required: true
        choices: [success, failure, retry]
      expression:
        description:
          - A L(JMESPath,https://jmespath.org/) expression over the task dictionary (the snake_case keys of
            RV(tasks), such as C(task_state), C(steps[].step_state) or C(failed_sub_tasks)).
        type: str
        required: true
      expected:
        description:
          - The value the result of O(acceptors[].expression) is compared with (see O(acceptors[].matcher)).
        type: raw
        required: true
      matcher:
        description:
          - How the result is compared with O(acceptors[].expected).
          - V(path) - the result equals O(acceptors[].expected).
          - V(pathAll) - the result is a non-empty list and every item equals O(acceptors[].expected).
          - V(pathAny) - the result is a non-empty list and some item equals O(acceptors[].expected).
          - V(contains) - the result is a string that contains the string O(acceptors[].expected).
        type: str
        default: path
        choices: [path, pathAll, pathAny, contains]
  fail_on_sub_task_failure:
    description:
      - What to do when a task succeeded while some of its steps or sub-tasks failed (for example an extension
        with C(IgnoreFailedNodeTasks), where some nodes did not join).
      - When V(false), the task counts as succeeded and a warning names the failed sub-tasks and their messages.
      - When V(true), the task counts as failed.
    type: bool
    default: false
  fail_fast:
    description:
      - When V(true), the wait stops as soon as a task failed; the tasks still unfinished are listed in
        RV(pending_task_ids).
      - When V(false), the wait goes on until every task finished (or the O(timeout)), then reports all failures.
    type: bool
    default: true
  not_found_grace:
    description:
      - Seconds, from the start of the wait, during which a task ID that the service does not know counts as
        pending, because a task just created may not be visible at once.
      - After that, an unknown task ID fails the wait with a message that suggests checking the ID and the region;
        the task is polled again when the grace ends, so this happens within a poll of the grace.
    type: float
    default: 60.0
  unreachable_attempts:
    description:
      - While no poll of this wait has got an answer from the endpoint, how many polls of a task in a row may fail
        to connect (the host name does not resolve, the connection is refused or times out) before the wait ends
        with a message that names the endpoint, the cause and the fix (O(region_id), O(endpoint), proxy settings).
      - The wait also ends when O(unreachable_grace) has passed, whichever comes first.
      - Once the endpoint has answered, a later outage is ridden out until the O(timeout).
      - A TLS certificate that does not verify (see O(ca_bundle)) ends the wait at the first poll.
    type: int
    default: 3
  unreachable_grace:
    description:
      - Seconds, from the start of the wait, during which an endpoint that has never answered is polled again
        (see O(unreachable_attempts)).
    type: float
    default: 30.0
  heartbeat_interval:
    description:
      - At most how often, in seconds, to print a heartbeat line with the counts per state and the task that has
        been unchanged for the longest time.
      - V(0) disables heartbeats (state and step changes are still printed).
    type: float
    default: 60.0
  task_details:
    description:
      - What each item of RV(tasks) holds.
      - V(full) - every task's whole last dictionary (its steps and their sub-tasks) and its RV(tasks[].transitions).
      - >-
        V(summary) - for big batches. Every task has the keys documented under RV(tasks) as returned with
        V(summary) (its ID, type, state, current step, cluster, nodes, times, message, failed steps and failed
        sub-tasks with their messages), without C(steps) and
        C(request_id). A task that did not succeed also has RV(tasks[].transitions), and a task that failed has
        every key of V(full).
      - With V(summary) the result of a wait over 1,000 tasks is about a quarter of the size, and the wait itself
        keeps less per task, so the playbook needs less memory and gets the result sooner.
      - RV(msg), the ID lists and the warnings are the same with both.
    type: str
    default: full
    choices: [full, summary]
extends_documentation_fragment:
  - alibabacloud.eflo.eflo
  - alibabacloud.eflo.eflo.modules
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The polling loop runs on the controller; nothing is copied to the managed host.
  async:
    support: none
    details: The task waits by itself, with O(timeout); C(async) is refused with a message.
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - Real task IDs are polled in check mode too (it only reads).
      - Empty task IDs are skipped with a message (see the notes).
notes:
  - >-
    In check mode, an operation that starts a task (M(alibabacloud.eflo.eflo_api) with C(ExtendCluster) and
    the like) is not sent, so its C(task_id) is an empty string. C(task_id: "{{ extend.task_id }}") then makes
    the wait skip with a message in check mode; empty items of O(task_ids) are skipped and the other IDs are
    polled. A missing ID (C(default(omit))) is skipped the same way in check mode.
  - The credentials and the region are looked up on the controller, in the environment of C(ansible-playbook)
    plus the variables of the task's C(environment) keyword.
  - O(retries) does not apply to the polls; a failed poll is retried by the wait itself, on its schedule and
    within O(max_rate), until the O(timeout).
  - Ctrl-C stops the wait at once.
seealso:
  - module: alibabacloud.eflo.eflo_task_info
  - module: alibabacloud.eflo.eflo_api
"""

EXAMPLES = r"""
- name: Start a cluster extension
  alibabacloud.eflo.eflo_api:
    region_id: cn-wulanchabu
    action: ExtendCluster
    params:
      ClusterId: i119982311660892626523
      IgnoreFailedNodeTasks: true
      NodeGroups:
        - NodeGroupId: i127582271665027208350
          Nodes:
            - NodeId: e01-cn-zvp2tgykr0c
              Hostname: gpu-node-12
  register: extend

- name: Wait up to two hours for the extension, failing early if the ID is not an extension task
  alibabacloud.eflo.eflo_task_wait:
    region_id: cn-wulanchabu
    task_id: "{{ extend.task_id }}"
    expected_task_types: [extend_]
    timeout: 7200
    fail_on_sub_task_failure: true
  register: extended

- name: Show how long it took
  ansible.builtin.debug:
    msg: "{{ extended.tasks[0].task_type }} finished in {{ extended.elapsed | int }}s after {{ extended.polls }} polls"
  when: extended.tasks | length > 0

- name: Set the connection options once, then reimage nodes and wait for all the tasks together
  module_defaults:
    group/alibabacloud.eflo.eflo:
      region_id: cn-wulanchabu
      profile: lingjun-operator
  block:
    - name: Reimage each node
      alibabacloud.eflo.eflo_api:
        action: ReimageNodes
        params:
          ClusterId: i119982311660892626523
          Nodes:
            - NodeId: "{{ item }}"
      loop: [e01-cn-zvp2tgykr08, e01-cn-zvp2tgykr09]
      register: reimage

    - name: Wait for every reimage task, report all failures at the end
      alibabacloud.eflo.eflo_task_wait:
        task_ids: "{{ reimage.results | map(attribute='task_id', default='') | list }}"
        timeout: 3600
        fail_fast: false

- name: Wait with a tighter schedule, and tolerate a task that is not visible yet
  alibabacloud.eflo.eflo_task_wait:
    region_id: cn-wulanchabu
    task_id: i156331731670384438138
    delay: 5
    max_delay: 30
    not_found_grace: 120
    heartbeat_interval: 300

- name: Treat the task as done once it reached the init_nodes step, with custom rules (JMESPath)
  alibabacloud.eflo.eflo_task_wait:
    region_id: cn-wulanchabu
    task_id: i156331731670384438138
    acceptors:
      - state: failure
        expression: failed_sub_tasks[].task_id
        expected: i158805051661047928377
        matcher: pathAny
      - state: success
        expression: "steps[?step_name=='init_nodes'].step_state"
        expected: execution_success
        matcher: pathAny

- name: Wait for a thousand reclone tasks; keep the result small, with full details only for the tasks that failed
  alibabacloud.eflo.eflo_task_wait:
    region_id: cn-wulanchabu
    task_ids: "{{ reclone_task_ids }}"
    max_rate: 50
    fail_fast: false
    task_details: summary
  register: reclones
  ignore_errors: true

- name: Report each failed task with its failed sub-tasks
  ansible.builtin.debug:
    msg: >-
      {{ item.task_id }} {{ item.task_state }} at step {{ item.step }}:
      {{ item.failed_sub_tasks | map(attribute='message') | join('; ') or item.message }}
  loop: "{{ reclones.tasks | selectattr('task_id', 'in', reclones.failed_task_ids) }}"
  loop_control:
    label: "{{ item.task_id }}"

- name: Keep going when the wait fails, and report the failed tasks
  alibabacloud.eflo.eflo_task_wait:
    region_id: cn-wulanchabu
    task_ids: "{{ task_ids_to_watch }}"
    fail_fast: false
  register: waited
  ignore_errors: true

- name: Report what did not succeed
  ansible.builtin.debug:
    msg: "failed: {{ waited.failed_task_ids }}, unfinished: {{ waited.timed_out_task_ids }}"
  when: waited is failed
"""

RETURN = r"""
msg:
  description:
    - What happened, in one message. On failure it names the failed tasks, their failed steps and sub-tasks
      with their messages; on a timeout, each unfinished task with its last state, step and update time, the
      elapsed time and the timeout. Long lists are shortened (C(and 12 more)).
  returned: always
  type: str
  sample: "eflo_task_wait: task failed after 14m: [i156331731670384438138 (extend_cluster) execution_fail at step init_nodes: ...] (42 polls, 0 retries)"
tasks:
  description:
    - The last state of each task, in the order of O(task_id)/O(task_ids) (repeated IDs once).
    - With O(task_details=full) (the default), the dictionaries of M(alibabacloud.eflo.eflo_task_info) (see its
      RV(alibabacloud.eflo.eflo_task_info#module:tasks) for every key), plus RV(tasks[].step), RV(tasks[].elapsed),
      RV(tasks[].polls) and RV(tasks[].transitions).
    - With O(task_details=summary), only C(task_id), C(task_type), C(task_state), C(cluster_id), C(cluster_name),
      C(message), C(node_ids), C(create_time), C(update_time), C(is_finished), C(is_succeeded), C(failed_steps) and
      C(failed_sub_tasks) of those dictionaries and the keys below, without C(steps) and C(request_id). A task that
      did not succeed also has RV(tasks[].transitions); a task that failed has every key of O(task_details=full).
    - A task that was never seen (for example not found) has only RV(tasks[].task_id), a null
      RV(tasks[].task_state), RV(tasks[].step), RV(tasks[].elapsed), RV(tasks[].polls) and RV(tasks[].transitions).
  returned: always
  type: list
  elements: dict
  contains:
    task_id:
      description: The task ID.
      type: str
      returned: always
      sample: i156331731670384438138
    task_state:
      description: The last state seen, such as C(running), C(execution_success) or C(execution_fail); null when never seen.
      type: str
      returned: always
      sample: execution_success
    step:
      description:
        - The current step of the last state seen - the first step that has not succeeded, else the last step.
        - Null when never seen or when the task has no steps.
      type: str
      returned: always
      sample: init_nodes
    elapsed:
      description: Seconds from the start of the wait until the task finished (or until the wait ended).
      type: float
      returned: always
      sample: 843.2
    polls:
      description: How many times this task was polled.
      type: int
      returned: always
      sample: 17
    transitions:
      description:
        - The changes seen, oldest first (the first sighting included), at most the 50 most recent.
        - C(time) is in seconds since the start of the wait.
      type: list
      elements: dict
      returned: always with O(task_details=full); with O(task_details=summary), for the tasks that did not succeed
      sample:
        - {time: 0.0, task_state: running, step: allocate_machines}
        - {time: 61.3, task_state: running, step: init_nodes}
        - {time: 843.2, task_state: execution_success, step: update_cluster}
succeeded_task_ids:
  description: The IDs of the tasks that succeeded (also those that succeeded with failed sub-tasks when O(fail_on_sub_task_failure=false)).
  returned: always
  type: list
  elements: str
  sample: [i156331731670384438138]
failed_task_ids:
  description: The IDs of the tasks that failed (failure state, an acceptor, an unexpected type, not found after O(not_found_grace)).
  returned: always
  type: list
  elements: str
  sample: []
timed_out_task_ids:
  description: The IDs of the tasks still unfinished when the O(timeout) ran out.
  returned: always
  type: list
  elements: str
  sample: []
pending_task_ids:
  description:
    - The IDs of the tasks still unfinished when the wait stopped before the O(timeout) (with O(fail_fast) after a
      failure, after a task of an unexpected type, or after an error such as a permission problem).
  returned: always
  type: list
  elements: str
  sample: []
elapsed:
  description: Seconds the wait took.
  returned: always
  type: float
  sample: 843.2
polls:
  description: The C(DescribeTask) calls made (retried polls included).
  returned: always
  type: int
  sample: 42
retries:
  description: Polls that failed with throttling, an HTTP 5xx answer or a network error and were retried.
  returned: always
  type: int
  sample: 0
credentials_source:
  description:
    - Where the credentials came from, as in M(alibabacloud.eflo.eflo_task_info) (V(options), V(env),
      V(cli_profile:<profile> (<mode>\)), V(ini:<section>), V(oidc), V(ecs_ram_role), V(assume_role(<source>\))).
    - Never contains a secret.
  returned: when the tasks were polled
  type: str
  sample: env
error:
  description: The code, message and request ID of the API error that stopped the wait (a permission or signature problem).
  returned: when an API error that cannot be retried stopped the wait
  type: dict
  sample:
    code: Forbidden.RAM
    message: User not authorized to operate on the specified resource.
    request_id: 2BE8A4F5-7F4A-5D7C-9C5E-2B0D3C9B5E11
    http_status: 403
"""

from ansible_collections.alibabacloud.eflo.plugins.module_utils.ansible_module import fail_action_only
from ansible_collections.alibabacloud.eflo.plugins.module_utils.argspec import task_wait_spec


def main() -> None:
    fail_action_only("eflo_task_wait", task_wait_spec())


if __name__ == "__main__":
    main()
