"""Starting many instances of one process whose start data differ only in values the model merely carries.

A cycle opens hundreds of appraisals whose start data differ in who is appraised and by whom, and
nothing the model runs before its first wait state looks at those names: each appraisal's first
run is the same as the others' but for the names and the task ids. So the workflow is run once,
as a template, with a stand-in (``Blank``) for each value that differs between the starts, and
each instance's run is the template's with the names put back and fresh task ids.

The template is used only when the run provably did not depend on the stand-ins:

* a ``Blank`` refuses every use (comparing, hashing, formatting, adding, asking its type, reading
  an attribute, iterating, ...) and records that it was used; only copying it is allowed. A run
  that used one, or failed in any way, is thrown away and every instance runs on its own;
* after the run the stand-ins must be found only where they were put, in ``start`` of each task's
  data: a value carried anywhere else (a script's ``x = start['employee']``) also sends every
  instance the plain way, since the library would compare it with other values when storing;
* the differing values must be text (the names of a reporting line), the same fields in every start.

Not refused, because nothing can catch them: ``is`` (a blank is not None, nor is any name of a
reporting line) and ``type()`` (not among the sandbox's builtins).

What differs from running each instance on its own: the task ids (fresh ones, as a run makes) and
the moments the run read from the clock (the task tree's state changes, a deadline computed from
now): the template's, a few milliseconds earlier. ``tests/engine/runtime/test_alike_starts.py``
compares the two ways field by field.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from ..definitions.catalog import DeployedProcess
from ..history.log import PendingEvent
from .execution import ReadyTask, StepResult, WorkflowRunner, all_tasks

log = logging.getLogger(__name__)
MIN_ALIKE = 2  # starts below this run one by one: a template costs as much as one run
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class DataDependent(Exception):
    """The template's run used a value that differs between the starts."""


class _Probe:
    used = False


def _refuse(blank: Blank, *args: Any, **kwargs: Any) -> Any:
    object.__getattribute__(blank, "probe").used = True
    raise DataDependent("the run used a value that differs between the starts")


class Blank:
    """Stands for a start value that differs between the starts; any use but copying is refused and recorded."""

    __slots__ = ("field", "probe")

    def __init__(self, probe: _Probe, field: str) -> None:
        object.__setattr__(self, "probe", probe)
        object.__setattr__(self, "field", field)

    def __deepcopy__(self, memo: dict[int, Any]) -> Blank:
        return self

    def __copy__(self) -> Blank:
        return self

    def __getattribute__(self, name: str) -> Any:
        if name in ("__deepcopy__", "__copy__"):
            return object.__getattribute__(self, name)
        return _refuse(self)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance() asks it when the type is not the one asked for
        return _refuse(self)  # type: ignore[no-any-return]

    __setattr__ = __delattr__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __hash__ = __bool__ = __len__ = __iter__ = __contains__ = __getitem__ = __setitem__ = _refuse
    __str__ = __repr__ = __format__ = __bytes__ = __int__ = __float__ = __index__ = __round__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __mod__ = __rmod__ = _refuse
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __pow__ = __rpow__ = __neg__ = __pos__ = _refuse
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = __invert__ = _refuse  # not __call__: callable()
    __reduce__ = __reduce_ex__ = __getstate__ = __dir__ = __sizeof__ = __abs__ = _refuse


@dataclass
class _Template:
    run: StepResult
    tokens: dict[str, str]  # token -> the field it stands for
    task_ids: list[str]
    state_json: _Pieces
    data_text: _Pieces


def differing_fields(starts: list[dict[str, Any]]) -> list[str] | None:
    """The fields whose values differ between the starts, if the starts suit a template (else None)."""
    if len(starts) < MIN_ALIKE:
        return None
    keys = list(starts[0])
    if any(list(s) != keys for s in starts):
        return None
    try:  # as text: 1, 1.0 and True are equal values, but not the same data
        texts = [[json.dumps(s[k], ensure_ascii=False) for k in keys] for s in starts]
    except (TypeError, ValueError):
        return None
    differing = [k for i, k in enumerate(keys) if any(t[i] != texts[0][i] for t in texts)]
    if any(type(s[k]) is not str for s in starts for k in differing):
        return None
    return differing


def plan_alike(
    runner: WorkflowRunner, process: DeployedProcess, actor: str, starts: list[dict[str, Any]],
) -> list[StepResult] | None:
    """Each start's first run, from one template run; None when the starts or the model do not allow it."""
    fields = differing_fields(starts)
    if fields is None:
        return None
    template = _run_template(runner, process, actor, starts[0], fields)
    if template is None:
        return None
    return [_instantiate(template, start) for start in starts]


def _run_template(
    runner: WorkflowRunner, process: DeployedProcess, actor: str, first: dict[str, Any], fields: list[str],
) -> _Template | None:
    probe = _Probe()
    blanks = {field: Blank(probe, field) for field in fields}
    prefix = f"opsflow-blank-{secrets.token_hex(8)}-"
    tokens = {field: f"{prefix}{i}" for i, field in enumerate(fields)}
    try:
        workflow = runner.new(process, {**first, **blanks})
        before = runner.snapshot(workflow)
        runner.run_action(workflow.do_engine_steps)
        if probe.used or not _put_tokens(workflow, blanks, tokens):
            return None
        run = runner.report(workflow, before, {}, actor)
    except Exception:  # whatever went wrong, each start runs on its own (and meets it there, if it is the model's)
        log.debug("%s: the template's run failed; each start runs on its own", process.key, exc_info=True)
        return None
    if probe.used:
        return None
    pattern = re.compile(f'"({re.escape(prefix)}\\d+)"|({_UUID})')  # a quoted token, or a task id
    return _Template(run, {token: field for field, token in tokens.items()}, [str(t.id) for t in all_tasks(workflow)],
                     _Pieces(run.state_json, pattern), _Pieces(run.data_text(), pattern))


def _put_tokens(workflow: Any, blanks: dict[str, Blank], tokens: dict[str, str]) -> bool:
    """Replace the stand-ins by text tokens; False if one is anywhere but in ``start`` as it was put there, or
    may be (in an object of a kind not known here)."""
    if workflow.bpmn_events:  # events thrown before the first wait state: not looked into
        return False
    datas = [workflow.data, *(sub.data for sub in workflow.subprocesses.values())]
    for task in all_tasks(workflow):
        start = task.data.get("start")
        if type(start) is dict:
            for field, blank in blanks.items():
                if start.get(field, None) is blank:  # ``is``: the only thing a blank is asked
                    start[field] = tokens[field]
        datas += [task.data, task.internal_data]
    return not any(_may_hold_blank(d) for d in datas)


_ATOMS = (str, int, float, bool, type(None), date, datetime, time, timedelta, Decimal, UUID, bytes)


def _may_hold_blank(value: Any) -> bool:
    kind = type(value)
    if kind in _ATOMS:
        return False
    if kind is dict:
        return any(_may_hold_blank(k) or _may_hold_blank(v) for k, v in value.items())
    if kind in (list, tuple, set, frozenset):
        return any(_may_hold_blank(v) for v in value)
    return True  # a blank, or an object that might hold one


class _Pieces:
    """A JSON text cut at its quoted tokens and task ids, put back together with other values at each use."""

    def __init__(self, text: str, pattern: re.Pattern[str]) -> None:
        self.parts: list[str] = []
        self.slots: list[tuple[int, str]] = []  # (index in parts, token or task id)
        at = 0
        for match in pattern.finditer(text):
            self.parts.append(text[at:match.start()])
            self.slots.append((len(self.parts), match.group(1) or match.group(2)))
            self.parts.append("")
            at = match.end()
        self.parts.append(text[at:])

    def fill(self, texts: dict[str, str]) -> str:
        parts = self.parts.copy()
        for index, key in self.slots:
            parts[index] = texts.get(key, key)  # a UUID that is no task id stays
        return "".join(parts)


def _fresh_ids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs as text, as ``uuid.uuid4()`` makes them, from one read of randomness."""
    raw = bytearray(os.urandom(16 * count))
    ids = []
    for at in range(0, len(raw), 16):
        raw[at + 6] = raw[at + 6] & 0x0F | 0x40
        raw[at + 8] = raw[at + 8] & 0x3F | 0x80
        h = raw[at:at + 16].hex()
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids


def _instantiate(template: _Template, start: dict[str, Any]) -> StepResult:
    """The template's run for ``start``: its values for the tokens, and fresh task ids."""
    values = {token: start[field] for token, field in template.tokens.items()}
    ids = dict(zip(template.task_ids, _fresh_ids(len(template.task_ids)), strict=True))
    run = template.run
    data_json = template.data_text.fill({**ids, **{t: json.dumps(v, ensure_ascii=False) for t, v in values.items()}})
    state_json = template.state_json.fill({**ids, **{t: json.dumps(v) for t, v in values.items()}})
    return replace(
        run, data=json.loads(data_json), data_json=data_json, state_json=state_json,
        events=[PendingEvent(e.kind, e.actor, e.task_name, e.human_task_id, _walk(e.payload, values, ids))
                for e in run.events],
        new_tasks=[ReadyTask(ids.get(t.spiff_id, t.spiff_id), t.name, t.lane, _walk(t.member, values, ids),
                             ids.get(t.round_id, t.round_id)) for t in run.new_tasks],
        gone_task_ids=[ids.get(t, t) for t in run.gone_task_ids],
    )


def _walk(value: Any, values: dict[str, str], ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return values.get(value, ids.get(value, value))
    if isinstance(value, dict):
        return {_walk(k, values, ids): _walk(v, values, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, values, ids) for v in value]
    return value
