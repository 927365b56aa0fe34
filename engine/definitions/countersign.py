"""Countersign rounds (会签 / 或签 / 依次 / 票签) as the BPMN library parses them, and their deploy check.

A countersign is a user task with ``multiInstanceLoopCharacteristics`` over a list of people:
``loopDataInputRef`` names the data holding the usernames (a start form's list, or a script's, e.g.
``role_holders('director')``), ``inputDataItem`` the variable each person's task sees, ``loopDataOutputRef``
and ``outputDataItem`` the list that collects every decision as ``{"by": username, "decision": ...,
"comment": ...}``. ``isSequential="true"`` asks the people one after another (依次). The optional
``completionCondition`` ends the round early; it sees the decision just made (the output item) and
``countersign`` = ``{"size", "decided", "remaining", "tally": {decision: count}}``, e.g.

- all must approve, any other decision ends the round (会签): ``vote['decision'] != 'approve'``
- any one decides for all (或签): ``True``
- two of three (票签): ``vote['decision'] == 'veto' or countersign['tally'].get('approve', 0) >= 2``

Without a condition every person decides. The library names the person's task spec ``<id> [child]``;
opsflow calls the step by its BPMN id everywhere (``step_name``).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from .problems import N_, Problem

CHILD_SUFFIX = " [child]"
COUNTERS = "countersign"  # the variable the completion condition reads the round's counts from


def is_round_spec(task_spec: Any) -> bool:
    """A user task spec that a multi-instance task runs once per person (a countersign's task)."""
    return isinstance(task_spec, UserTask) and str(task_spec.name).endswith(CHILD_SUFFIX)


def step_name(task_spec: Any) -> str:
    """The name opsflow gives a user task: its BPMN id (the library's ``<id> [child]`` for a round's task)."""
    if is_round_spec(task_spec):
        return str(task_spec.bpmn_id or task_spec.name[: -len(CHILD_SUFFIX)])
    return str(task_spec.name)


def round_spec_of(spec: Any, child: Any) -> MultiInstanceTask | None:
    """The multi-instance task that runs ``child`` (a round's user task spec), if any."""
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, MultiInstanceTask) and task_spec.task_spec == child.name:
            return task_spec
    return None


def is_sequential(round_spec: Any) -> bool:
    return isinstance(round_spec, SequentialMultiInstanceTask)


def _ref_name(ref: Any) -> str:
    return str(getattr(ref, "bpmn_id", None) or getattr(ref, "name", None) or "") if ref is not None else ""


def countersign_problems(spec: Any, forms_by_task: dict[str, dict[str, Any]],
                         assignee_paths: dict[str, str]) -> list[Problem]:
    """What a countersign needs: its people from data, each decision collected, a decision form."""
    problems: list[Problem] = []
    for child in spec.task_specs.values():
        if not str(child.name).endswith(CHILD_SUFFIX):
            continue
        round_spec = round_spec_of(spec, child)
        task = step_name(child) if isinstance(child, UserTask) else str(child.bpmn_id or child.name)
        if round_spec is None or not isinstance(child, UserTask):
            continue  # multi-instance on other kinds of task: the library's own business
        people = _ref_name(round_spec.data_input)
        if not people:
            problems.append(Problem(N_("countersign %(task)r: name the data that lists its people "
                                       "(loopDataInputRef); a count (loopCardinality) names nobody"),
                                    task, task=task))
        elif people == task:
            problems.append(Problem(N_("countersign %(task)r: the list of people (loopDataInputRef) may not be "
                                       "called like the task itself"), task, task=task))
        if round_spec.input_item is None:
            problems.append(Problem(N_("countersign %(task)r: name the variable that holds each person "
                                       "(inputDataItem)"), task, task=task))
        votes, vote = _ref_name(round_spec.data_output), _ref_name(round_spec.output_item)
        if not votes or not vote:
            problems.append(Problem(N_("countersign %(task)r: name the list that collects every decision "
                                       "(loopDataOutputRef) and the variable of each (outputDataItem)"),
                                    task, task=task))
        elif votes in (people, task) or vote in (COUNTERS, people):
            problems.append(Problem(N_("countersign %(task)r: the decisions (%(votes)s, %(vote)s) need names of "
                                       "their own, apart from the people, the task and %(counters)r"),
                                    task, task=task, votes=votes, vote=vote, counters=COUNTERS))
        form = forms_by_task.get(task)
        if form is not None and not _decides(form):
            problems.append(Problem(N_("countersign %(task)r: its form needs a decision field "
                                       "(\"x-widget\": \"decision\") for each person to decide with"),
                                    task, task=task))
        if assignee_paths.get(task):
            problems.append(Problem(N_("countersign %(task)r: each task is for the person of its round "
                                       "(inputDataItem); remove the 'assignee' property"), task, task=task))
    return problems


def _decides(form: dict[str, Any]) -> bool:
    props = form.get("properties")
    return isinstance(props, dict) and any(isinstance(p, dict) and p.get("x-widget") == "decision"
                                           for key, p in props.items() if key == "decision")
