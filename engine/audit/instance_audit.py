"""Use cases on one instance for its auditors: the step-by-step view, the diagram with the path, a replay.

Each reads the instance's log (in ``seq`` order) and its own deployed version, and nothing else
about the instance: not its stored state or data, so what is shown is what the log says. (The step-by-step
view also carries the verified badge: the check of that log's hash chain against its anchor and the
latest checkpoint.) ``engine.audit.workspace`` records each call in the access log.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..errors import InvalidInput
from ..history.verify import check_history
from ..models import HistoryEvent, ProcessDefinition, ProcessInstance, User
from ..org.people import Actor
from ..runtime.collaborators import Collaborators
from .badge import badge
from .diagram import PathTaken, read_graph, trace, version_bpmn
from .replay import (
    LoggedStep,
    OpenTask,
    Replayer,
    data_before_after,
    describe_step,
    follow_ups,
    group_steps,
    task_roles,
)
from .search import audited_instance
from .views import AuditPath, AuditStep, AuditView, InstanceDiagram, Replay, ReplayTask


class _Loaded:
    """An instance with its version, its log as steps and the version's graph (read once per use case)."""

    def __init__(self, session: Session, collaborators: Collaborators, instance: ProcessInstance) -> None:
        self.instance = instance
        definition = session.get(ProcessDefinition, instance.definition_id)
        assert definition is not None  # a foreign key
        self.definition = definition
        self.process = collaborators.catalog.get(session, instance.definition_id)
        self.events = list(session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == instance.id)
                                           .order_by(HistoryEvent.seq)))
        self.steps = group_steps(self.events)
        self.bpmn = version_bpmn(session, definition)
        self.graph = read_graph(self.bpmn, definition.key)

    def replayer(self) -> Replayer:
        return Replayer({name: form.assignee_path for name, form in self.process.tasks.items()
                         if form.assignee_path})

    def step(self, number: int) -> LoggedStep:
        """:raise InvalidInput: a step the log does not have."""
        if not 1 <= number <= len(self.steps):
            raise InvalidInput(f"step: instance {self.instance.id} has steps 1 to {len(self.steps)}"
                               + (f", not {number}" if number else "; name one"))
        return self.steps[number - 1]

    def titled(self, tasks: Iterable[OpenTask]) -> list[ReplayTask]:
        """The open tasks with their titles (from the version's forms; a task without one is titled by its name)."""
        shown: list[ReplayTask] = []
        for task in tasks:
            form = self.process.tasks.get(task.name)
            title, title_zh = (form.title, form.title_zh) if form else (task.name, "")
            shown.append({"id": task.id, "name": task.name, "role": task.role, "assignee": task.assignee,
                          "since": task.since, "due_at": task.due_at, "title": title, "title_zh": title_zh})
        return shown


def _path(loaded: _Loaded, path: PathTaken, open_names: list[str]) -> AuditPath:
    return path.shown(open_names, loaded.graph.names,
                      {**loaded.graph.names_zh,  # the flows' Chinese titles too: the diagram shows them
                       **{f.id: f.name_zh for f in loaded.graph.flows.values() if f.name_zh}})


def replay_step(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int,
                step: int) -> Replay:
    """The instance as it was right after step ``step``: data, open tasks and their holders, status, path.

    :raise InstanceNotFound:
    :raise NotAllowed:
    :raise InvalidInput: a step the log does not have.
    """
    loaded = _Loaded(session, collaborators, audited_instance(session, actor, instance_id))
    chosen = loaded.step(step)
    replayer = loaded.replayer()
    for logged in loaded.steps[:step]:
        replayer.apply(logged)
    state = replayer.state
    open_tasks = loaded.titled(state.open_tasks.values())
    path = trace(loaded.graph, loaded.events, chosen.last_seq)
    return {
        "instance_id": instance_id, "step": step, "steps": len(loaded.steps), "seq": chosen.last_seq,
        "first_seq": chosen.first.seq, "at": utc_iso(chosen.first.occurred_at),
        "event": describe_step(chosen, task_roles(loaded.events)), "data": state.data, "open_tasks": open_tasks,
        "status": state.status, "end_event": state.end_event,
        "path": _path(loaded, path, [t["name"] for t in open_tasks]),
    }


def instance_diagram(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int,
                     step: int | None = None) -> InstanceDiagram:
    """The BPMN of the instance's own version and the path taken (up to ``step``, else all of it)."""
    loaded = _Loaded(session, collaborators, audited_instance(session, actor, instance_id))
    upto = loaded.step(step).last_seq if step is not None else None
    replayer = loaded.replayer()
    for logged in loaded.steps[:step]:
        replayer.apply(logged)
    open_names = [t.name for t in replayer.state.open_tasks.values()]
    return InstanceDiagram(instance_id, loaded.definition.key, loaded.definition.version, loaded.bpmn,
                           step or len(loaded.steps), len(loaded.steps),
                           _path(loaded, trace(loaded.graph, loaded.events, upto), open_names))


def audit_view(session: Session, collaborators: Collaborators, actor: Actor, instance_id: int) -> AuditView:
    """Everything the auditor's page shows of an instance: its summary, each step with what began it,
    what the engine did in consequence and the data before and after (changed fields named), and its
    verified badge (``integrity``)."""
    instance = audited_instance(session, actor, instance_id)
    loaded = _Loaded(session, collaborators, instance)
    started_by = session.scalar(select(User.username).where(User.id == instance.started_by_id)) or ""
    roles = task_roles(loaded.events)
    replayer = loaded.replayer()
    steps: list[AuditStep] = []
    for logged in loaded.steps:
        before = replayer.state.data
        replayer.apply(logged)
        steps.append({**describe_step(logged, roles), "follow_ups": follow_ups(logged),
                      "changes": data_before_after(before, replayer.state.data),
                      "open_after": len(replayer.state.open_tasks)})
    open_tasks = loaded.titled(replayer.state.open_tasks.values())
    return {
        "id": instance.id, "process": loaded.definition.key, "version": loaded.definition.version,
        "definition_id": loaded.definition.id, "process_title": loaded.definition.title,
        "process_title_zh": loaded.definition.title_zh, "title": instance.title, "status": instance.status,
        "end_event": instance.end_event, "business_key": instance.business_key, "parent_id": instance.parent_id,
        "started_by": started_by, "started_at": utc_iso(instance.started_at),
        "ended_at": utc_iso(instance.ended_at) if instance.ended_at else None,
        "events": len(loaded.events), "steps": steps, "open_tasks": open_tasks, "data": replayer.state.data,
        "tasks": {name: {"title": form.title, "title_zh": form.title_zh, "lane": form.lane}
                  for name, form in loaded.process.tasks.items()},
        "elements": loaded.graph.names, "elements_zh": loaded.graph.names_zh,
        "path": _path(loaded, trace(loaded.graph, loaded.events), [t["name"] for t in open_tasks]),
        "integrity": badge(check_history(session, collaborators.checkpoints, instance_id)),
    }
