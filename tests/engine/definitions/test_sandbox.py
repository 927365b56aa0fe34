"""The script sandbox: ordinary scripts work, escapes are refused, endless loops are stopped."""

from __future__ import annotations

import gc
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from engine.definitions import sandbox as sandbox_module
from engine.definitions.sandbox import (
    MAX_RANGE,
    SandboxedEnvironment,
    ScriptRejected,
    ScriptTimeout,
    check_compiles,
)
from engine.errors import ProcessError
from engine.facade import Engine, build_engine
from engine.models import ProcessInstance
from engine.org.people import Person
from tests.journey import OPERATOR, chains, deploy_files, only_task
from tests.paths import FIXTURES

FIXTURES = FIXTURES
LOOPING_SCRIPT = FIXTURES / "bpmn" / "accepted" / "looping_script.bpmn"


@pytest.fixture
def sandbox() -> SandboxedEnvironment:
    return SandboxedEnvironment(time_limit=0.2)


def run(sandbox: SandboxedEnvironment, script: str, **data: Any) -> dict[str, Any]:
    """Run ``script`` over ``data`` as a script task would; return the task data afterwards."""
    context = dict(data)
    sandbox.execute(script, context)
    return context


# -- what scripts may do -------------------------------------------------------------------
def test_ordinary_scripts_read_and_write_task_data(sandbox):
    data = run(sandbox, "\n".join([
        "total = price * quantity",
        "items.append('c')",
        "scores['b'] = 2",
        "count += 1",
        "squares = [n * n for n in range(4)]",
        "lengths = {name: len(name) for name in ('ab', 'c')}",
        "label = '%s-%d' % ('x', 3)",
        "padded = f'{count:>3}'",
        "first, second = items[0], items[1]",
        "if total > 5:",
        "    verdict = 'big'",
        "else:",
        "    verdict = 'small'",
    ]), price=2.5, quantity=4, items=["a", "b"], scores={"a": 1}, count=1)
    assert data == {
        "price": 2.5, "quantity": 4, "items": ["a", "b", "c"], "scores": {"a": 1, "b": 2}, "count": 2,
        "total": 10.0, "squares": [0, 1, 4, 9], "lengths": {"ab": 2, "c": 1}, "label": "x-3", "padded": "  2",
        "first": "a", "second": "b", "verdict": "big",
    }


def test_deleting_a_variable_removes_it_from_the_task_data(sandbox):
    data = run(sandbox, "del draft\nkept = kept + 1", draft={"text": "old"}, kept=1)
    assert data == {"kept": 2}


def test_helpers_and_functions_defined_by_a_script_are_not_stored_as_data(sandbox):
    data = run(sandbox, "def double(n):\n    return n * 2\nresult = double(21)")
    assert data == {"result": 42}


def test_conditions_evaluate_over_task_data(sandbox):
    context = {"review": {"decision": "return"}, "return_count": 2, "max_returns": 5}
    assert sandbox.evaluate("review['decision'] in ('return', 'return_research')", context) is True
    assert sandbox.evaluate("return_count >= max_returns", context) is False


# -- escapes, refused when the script is compiled (so also at deployment) --------------------
COMPILE_TIME_REFUSALS = [
    pytest.param("import os", "Imports are not allowed", id="import"),
    pytest.param("from os import system", "Imports are not allowed", id="from-import"),
    pytest.param("classes = ().__class__.__base__.__subclasses__()", "__subclasses__", id="dunder-walk"),
    pytest.param("mro = type(x).__mro__", "__mro__", id="type-mro"),
    pytest.param("f = (lambda: 0).__globals__", "__globals__", id="function-globals"),
    pytest.param("text = f'{x.__class__}'", "__class__", id="f-string-dunder"),
    pytest.param("value = eval('1 + 1')", "Eval calls are not allowed", id="eval"),
    pytest.param("exec('y = 1')", "Exec calls are not allowed", id="exec"),
    pytest.param("os = __import__('os')", "__import__", id="dunder-import"),
    pytest.param("b = __builtins__", "__builtins__", id="builtins"),
    pytest.param("g = _getattr_", "_getattr_", id="guard-name"),
    pytest.param("def gen():\n    yield 1\nframe = gen().gi_frame", "gi_frame", id="generator-frame"),
    pytest.param("big = 2 ** 100000", "The ** operator is not allowed", id="power"),
    pytest.param("big = 2\nbig **= 100000", "The ** operator is not allowed", id="power-assign"),
]


@pytest.mark.parametrize(("script", "message"), COMPILE_TIME_REFUSALS)
def test_escapes_are_refused_when_compiled(sandbox, script, message):
    context = {"x": 1}
    with pytest.raises(ScriptRejected) as caught:
        sandbox.execute(script, context)
    assert message in str(caught.value)
    assert context == {"x": 1}
    [problem] = check_compiles([("steal", script, "exec")])
    assert problem.startswith("steal: script is not allowed") and message in problem


# -- escapes through names and methods the sandbox does not hand out ------------------------
RUNTIME_REFUSALS = [
    pytest.param("secret = open('/etc/passwd').read()", NameError, "open", id="open"),
    pytest.param("cls = getattr(x, '__class__')", NameError, "getattr", id="getattr-dunder-string"),
    pytest.param("cls = type(x)", NameError, "type", id="type"),
    pytest.param("names = vars()", NameError, "vars", id="vars"),
    pytest.param("names = globals()", NameError, "globals", id="globals"),
    pytest.param("names = dir(x)", NameError, "dir", id="dir"),
    pytest.param("text = '{0.__class__}'.format(1)", NotImplementedError, "format", id="format-dunder"),
    pytest.param("text = '{0.__class__.__base__.__subclasses__}'.format(1)", NotImplementedError, "format",
                 id="format-dunder-walk"),
    pytest.param("text = '{v.__class__}'.format_map({'v': 1})", NotImplementedError, "format", id="format-map"),
    pytest.param("fmt = '{0.__class__}'.format\ntext = fmt(1)", NotImplementedError, "format",
                 id="format-bound-method"),
    pytest.param("text = str.format('{0.__class__}', 1)", NotImplementedError, "format", id="format-unbound"),
    pytest.param("numbers = list(range(10000000))", ValueError, f"limited to {MAX_RANGE}", id="huge-range"),
    pytest.param("numbers = range(0, 2 * MAX, 1)", ValueError, f"limited to {MAX_RANGE}", id="huge-range-step"),
]


@pytest.mark.parametrize(("script", "error", "message"), RUNTIME_REFUSALS)
def test_escapes_are_refused_when_run(sandbox, script, error, message):
    context = {"x": 1, "MAX": MAX_RANGE}
    with pytest.raises(error, match=message):
        sandbox.execute(script, context)
    assert context == {"x": 1, "MAX": MAX_RANGE}


MEMORY_BOMBS = [
    "x = [0] * 1000000000",
    "x = 'a' * 100000000",
    "x = 100000000 * 'a'",
    "s = 'a' * 1000\nfor i in range(40):\n    s = s + s",
    "s = 'a' * 1000\nfor i in range(40):\n    s += s",
    "s = 'a' * 1000\nx = s.ljust(2000000)",
    "s = 'a' * 1000\nx = s.replace('a', s)",
    "x = '-'.join(['a' * 100000] * 100)",
    "l = [0] * 1000\nfor i in range(40):\n    l.extend(l)",
]


@pytest.mark.parametrize("script", MEMORY_BOMBS)
def test_scripts_cannot_build_huge_texts_or_lists(sandbox, script):
    with pytest.raises(ValueError, match="longer than"):
        sandbox.execute(script, {})


def test_ordinary_arithmetic_and_text_still_work_under_the_size_guards(sandbox):
    data = {"n": 2, "names": ["a", "b"]}
    sandbox.execute("total = n * 3 + 1\nlabel = 'x' * n + '-' + ', '.join(names)\npad = 'id'.zfill(5)\n"
                    "row = [0] * 4\nrow += [1]", data)
    assert (data["total"], data["label"], data["pad"], data["row"]) == (7, "xx-a, b", "000id", [0, 0, 0, 0, 1])


def test_a_range_up_to_the_limit_is_allowed(sandbox):
    assert run(sandbox, f"n = len(range({MAX_RANGE}))") == {"n": MAX_RANGE}


def test_an_endless_script_is_stopped_by_the_time_limit(sandbox):
    context = {"laps": 0}
    with pytest.raises(ScriptTimeout, match=r"longer than 0\.2 s"):
        sandbox.execute("while True:\n    laps += 1", context)
    assert context == {"laps": 0}


class LoadedMachine:
    """The sandbox's ``time`` on a machine so busy that the clock moves ``step`` s between two lines of a script,
    while the script's thread spends its processor time as it would (or none at all: ``frozen``)."""

    def __init__(self, step: float, frozen: bool = False) -> None:
        self.wall, self.step, self.frozen = 0.0, step, frozen

    def monotonic(self) -> float:
        self.wall += self.step
        return self.wall

    def thread_time(self) -> float:
        return 0.0 if self.frozen else time.thread_time()


def test_a_busy_machine_does_not_stop_a_short_script(sandbox, monkeypatch):
    """About 25 lines at 0.03 s of clock each: 0.75 s by the clock, over the 0.2 s limit, but a few microseconds
    of the script's own processor time."""
    monkeypatch.setattr(sandbox_module, "time", LoadedMachine(0.03))
    assert run(sandbox, "total = 0\nfor i in range(10):\n    total = total + i") == {"total": 45, "i": 9}


def test_a_script_is_stopped_by_the_clock_at_ten_times_its_limit(sandbox, monkeypatch):
    monkeypatch.setattr(sandbox_module, "time", LoadedMachine(0.05, frozen=True))
    with pytest.raises(ScriptTimeout, match=r"longer than 2 s by the clock"):
        sandbox.execute("while True:\n    laps += 1", {"laps": 0})


def burn(seconds: float) -> None:
    """Keep this thread's processor busy for ``seconds``."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


def test_the_collectors_pause_is_not_charged_to_a_short_expression():
    """A full collection of a large heap can take more than a second of the thread that triggered it; a one-line
    condition that happened to trigger it was stopped as if it had looped (CI, stop 31). Here the collection takes
    0.5 s (a callback of the collector's burns it) against a limit of 0.2 s, and the expression still answers."""
    def slow_collection(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            burn(0.5)

    before = list(gc.callbacks)
    gc.callbacks.append(slow_collection)  # the collector's own list (replacing the attribute would not reach it)
    try:
        sandbox = SandboxedEnvironment(helpers={"collect": gc.collect}, time_limit=0.2)
        assert sandbox.evaluate("collect() >= 0 and joint_signoff_needed", {"joint_signoff_needed": True}) is True
    finally:
        gc.callbacks.remove(slow_collection)
    assert gc.callbacks == before  # the sandbox's timing of the collector is gone with the script
    with pytest.raises(ScriptTimeout, match=r"longer than 0\.2 s"):  # the script's own time still counts
        SandboxedEnvironment(helpers={"burn": burn}, time_limit=0.2).evaluate("burn(0.5) or True", {})


def test_an_endless_expression_is_stopped_by_the_time_limit(sandbox):
    endless = f"sum(1 for a in range({MAX_RANGE}) for b in range({MAX_RANGE}) for c in range({MAX_RANGE})) > 0"
    with pytest.raises(ScriptTimeout):
        sandbox.evaluate(endless, {})


def test_an_endless_loop_inside_a_script_function_is_stopped(sandbox):
    with pytest.raises(ScriptTimeout):
        sandbox.execute("def spin():\n    while True:\n        pass\nspin()", {})


# The time limit raises from a trace function, and CPython switches tracing off when a trace
# function raises: a script that caught the timeout, or looped in a ``finally`` block, would
# then run unbounded. So ``try`` is refused when compiled. (Only compiled here: if the refusal
# ever went away, running these would hang the test run instead of failing it.)
OUTLASTING_THE_LIMIT = [
    pytest.param("while True:\n    try:\n        while True:\n            pass\n    except:\n        pass",
                 id="catch-the-timeout"),
    pytest.param("while True:\n    try:\n        laps = 1\n    except ValueError:\n        laps = 0", id="catch-some"),
    pytest.param("try:\n    laps = 1\nfinally:\n    while True:\n        pass", id="loop-in-finally"),
    pytest.param("try:\n    laps = 1\nexcept* ValueError:\n    laps = 0", id="except-star"),
]


@pytest.mark.parametrize("script", OUTLASTING_THE_LIMIT)
def test_scripts_that_could_outlast_the_time_limit_are_refused_when_compiled(script):
    [problem] = check_compiles([("spin", script, "exec")])
    assert problem.startswith("spin: script is not allowed")
    assert re.search(r"try statements are not allowed|TryStar statements are not allowed", problem), problem


# -- end to end: a deployed process whose script never ends -------------------------------
@pytest.fixture
def impatient_engine(sqlite_url) -> Iterator[Engine]:
    """The demo engine with a 0.2 s script limit and the looping-script process deployed."""
    engine = build_engine(sqlite_url, script_time_limit=0.2)
    engine.setup.init(demo=True)
    engine.collaborators.forms_root = FIXTURES / "forms"
    deploy_files(engine, [LOOPING_SCRIPT], "gao.yan")
    try:
        yield engine
    finally:
        engine.db.dispose()


def instance_row(engine: Engine, instance_id: int) -> dict[str, Any]:
    with engine.core.transaction() as session:
        row = session.execute(
            select(ProcessInstance.status, ProcessInstance.state_json, ProcessInstance.data_json,
                   ProcessInstance.definition_id).where(ProcessInstance.id == instance_id)
        ).one()
    return dict(row._mapping)


def test_a_process_whose_script_loops_forever_fails_and_leaves_the_instance_as_it_was(impatient_engine):
    engine = impatient_engine
    instance = engine.work.start(Person("zhou.jie"), "looping_script").id
    shown_before, row_before = engine.work.show(OPERATOR, instance), instance_row(engine, instance)
    task = only_task(engine, "zhou.jie", "write_note", instance)

    with pytest.raises(ProcessError) as caught:
        engine.work.complete(Person("zhou.jie"), task["id"], {"note": "go"})
    assert "spin" in caught.value.message and "longer than 0.2 s" in caught.value.message

    shown_after = engine.work.show(OPERATOR, instance)
    assert (shown_after["status"], shown_after["version"]) == ("running", 1)
    assert shown_after["open_tasks"] == shown_before["open_tasks"]
    assert [t["id"] for t in shown_after["open_tasks"]] == [task["id"]]
    assert shown_after["data"] == shown_before["data"] and "write_note" not in shown_after["data"]
    assert instance_row(engine, instance) == row_before
    assert only_task(engine, "zhou.jie", "write_note", instance)["id"] == task["id"]

    history = engine.work.history(OPERATOR, instance)
    assert [e["kind"] for e in history if e["kind"] == "task_completed"] == []
    error = history[-1]
    assert (error["kind"], error["actor"], error["task_name"]) == ("error", "zhou.jie", "write_note")
    assert "spin" in error["payload"]["message"] and "longer than 0.2 s" in error["payload"]["message"]
    assert chains(engine, instance) == (1, [])
    assert json.loads(row_before["data_json"]) == shown_after["data"]
