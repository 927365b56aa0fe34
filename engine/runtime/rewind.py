"""Moving a running workflow back to an earlier user step, and from it straight back again (驳回, 退回重提).

Built on the library's reset-to-task (``workflow.reset_from_task_id``). The finished top of an instance's task
tree is pruned at every save (``engine.runtime.state``), so the earlier task itself is no longer in the tree:
the step to return to is grafted as a fresh task below the returning one (which is cancelled), then reset,
which makes it ready with the data as it stands (nothing entered at later steps is dropped from the data, and
the history holds every submission). The tree stays as shallow as with ordinary steps: the graft adds two
levels and the next save prunes above them, so returns in a row never near the library's depth limit.

Which steps take part is the model's: a user task's ``returnAllowed`` property (``true`` by default; ``false``
offers no return) and ``afterReturn`` (``straightBack`` by default: the step returned to, once completed again,
goes straight back to the step that returned it; ``walkOn``: the flow walks on from it as drawn). Steps with an
attached boundary event (a deadline), multi-instance steps and steps inside a subprocess take no part: the
graft would leave their events or siblings behind. Where the returning step walks on, a step inside a parallel
branch is no target either (its join would wait for the sibling branch forever); straight back, it is.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..definitions.catalog import DeployedProcess
from ..definitions.checks import RETURN_SETTINGS
from ..definitions.forms import reason_free_decisions

MARK = "opsflow_return"  # a returned task's internal data: who returned it from where, and whether to go back
LIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING
ATTACHED = ("BoundaryEventSplit", "BoundaryEventJoin")
JOINS = ("ParallelGateway", "InclusiveGateway")
STRAIGHT_BACK, WALK_ON = RETURN_SETTINGS["afterReturn"]  # the deploy check refuses any other value


def _properties(process: DeployedProcess, name: str) -> dict[str, Any]:
    spec = process.specs[0].task_specs.get(name)
    extensions = getattr(spec, "extensions", None) or {}
    return dict(extensions.get("properties") or {})


def takes_part(process: DeployedProcess, name: str) -> bool:
    """A plain user task of the top-level process: no attached event, not multi-instance."""
    spec = process.specs[0].task_specs.get(name)
    if spec is None or not getattr(spec, "manual", False) or "MultiInstance" in type(spec).__name__:
        return False
    return not any(type(other).__name__ in ATTACHED for other in (*spec.inputs, *spec.outputs))


def allows_return(process: DeployedProcess, name: str) -> bool:
    """Whether the model lets this step return the request to an earlier step (every user step by default)."""
    return takes_part(process, name) and str(_properties(process, name).get("returnAllowed", "true")) != "false"


def goes_straight_back(process: DeployedProcess, name: str) -> bool:
    """Whether a step this one returned to goes straight back to it once completed (the default)."""
    return str(_properties(process, name).get("afterReturn", STRAIGHT_BACK)) != WALK_ON


def walks_into_join(process: DeployedProcess, name: str, returning: str) -> bool:
    """Whether the flow from step ``name`` meets a joining parallel or inclusive gateway before ``returning``: a
    step inside a parallel branch, which walking on from would leave the join waiting for its sibling forever."""
    return _meets_join(process.specs[0].task_specs, name, returning)


def _meets_join(specs: dict[str, Any], name: str, returning: str) -> bool:
    seen: set[str] = set()
    stack = [specs[name]] if name in specs else []
    while stack:
        for following in stack.pop().outputs:
            if following.name == returning or following.name in seen:
                continue
            seen.add(following.name)
            if type(following).__name__ in JOINS and len(following.inputs) > 1:
                return True
            stack.append(following)
    return False


def others_running(workflow: BpmnWorkflow, task: Task) -> bool:
    """Whether anything but ``task`` is under way (a parallel branch, a waiting event)."""
    return any(bool(other.id != task.id and other.has_state(LIVE) and other.task_spec.name != "Root")
               for other in workflow.tasks.values())


def graft(workflow: BpmnWorkflow, task: Task, to_step: str) -> Task:
    """Cancel the ready ``task`` and make ``to_step`` ready below it (the library's reset); the new task."""
    task.cancel()
    child = task._add_child(workflow.spec.task_specs[to_step], TaskState.FUTURE)
    workflow.reset_from_task_id(child.id)
    return child


def graft_return(workflow: BpmnWorkflow, task: Task, to_step: str, mark: dict[str, Any]) -> Task:
    """Cancel ``task`` and make ``to_step`` ready below it, marked with ``mark``; the new task."""
    outer = return_mark(task)
    if outer is not None:  # ``task`` came back by a return itself: that return still waits for it
        mark = {**mark, "outer": outer}
    child = graft(workflow, task, to_step)
    child.internal_data[MARK] = mark
    return child


def return_mark(task: Task) -> dict[str, Any] | None:
    """How a returned task came back (None for an ordinary one)."""
    mark = task.internal_data.get(MARK)
    return dict(mark) if isinstance(mark, dict) else None


def straight_back_to(task: Task, schema: dict[str, Any], submitted: dict[str, Any]) -> str | None:
    """Where completing a returned ``task`` with ``submitted`` goes straight back to (None: on as drawn).

    Only a submission that goes on does: a step without a decision, or one decided with a decision that needs no
    reason (approve). A decider who returns or vetoes in their turn is followed as the model draws it.
    """
    mark = return_mark(task)
    if mark is None or not mark.get("straight_back"):
        return None
    decision = (schema.get("properties") or {}).get("decision")
    if isinstance(decision, dict) and decision.get("x-widget") == "decision" \
            and submitted.get("decision") not in reason_free_decisions(schema):
        return None
    return str(mark["from_step"])


def complete_straight_back(workflow: BpmnWorkflow, task: Task, back_to: str) -> bool:
    """Complete ``task`` and run on as drawn through what runs by itself (scripts, decision tables: their results
    are fresh), then, instead of stopping at the next user step, go on at ``back_to``; whether it did.

    The next user step is skipped only when it is the one step under way (no parallel branch, no waiting event);
    otherwise the flow is left as drawn. From a step inside a parallel branch (returned to after the join), the
    flow goes to ``back_to`` at once: its join would wait for the sibling branch, done long ago.

    When the step at ``back_to`` had come back by a return itself (a drafter the director returned to sends the
    plan back to research), it gets that return's mark again: completed, it goes on straight back too.
    """
    outer = (return_mark(task) or {}).get("outer")
    if _meets_join(workflow.spec.task_specs, task.task_spec.name, back_to):  # a step in a parallel branch: the
        task._drop_children(force=True)  # join would wait for its sibling, done long ago: straight on to back_to
        child = task._add_child(workflow.spec.task_specs[back_to], TaskState.FUTURE)
        child.task_spec._predict(child, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)  # as the reset does
        task.run()
        if isinstance(outer, dict):
            child.internal_data[MARK] = outer
        return True
    task.run()
    workflow.do_engine_steps()
    ready = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)]
    arrived = next((t for t in ready if t.task_spec.name == back_to), None)
    if arrived is None:
        if len(ready) != 1 or ready[0].workflow is not workflow or others_running(workflow, ready[0]):
            return False
        arrived = graft(workflow, ready[0], back_to)
    if isinstance(outer, dict):
        arrived.internal_data[MARK] = outer
    return True
