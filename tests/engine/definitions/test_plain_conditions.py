"""Conditions over plain values are evaluated without the sandbox's tracing, with the sandbox's answers and errors;
anything else still goes through the sandbox and its limits (``engine.definitions.plain_conditions``)."""

from __future__ import annotations

import contextlib
import tracemalloc
from typing import Any

import pytest

from engine.definitions import sandbox as sandbox_module
from engine.definitions.plain_conditions import plain_condition
from engine.definitions.sandbox import SCRIPT_FILENAME, SandboxedEnvironment, ScriptTimeout

DATA: dict[str, Any] = {"manager_review": {"decision": "return", "comment": "重写"}, "amount": 5200,
                        "rate": 0.5, "flag": True, "nothing": None, "title": "市场计划 2027", "items": ["a", "b"]}
CONDITIONS = [
    "manager_review['decision'] == 'approve'",
    "manager_review['decision'] in ('return', 'return_research')",
    "manager_review['decision'] not in ['veto']",
    "amount > 5000 and rate <= 0.5",
    "not flag or amount < 0",
    "nothing is None",
    "'计划' in title",
    "1000 < amount < 6000",
    "flag",
]


@pytest.fixture
def traced_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What went through the sandbox's traced run."""
    runs: list[str] = []
    traced = sandbox_module._run_with_time_limit

    def counting(code: Any, *args: Any, **kwargs: Any) -> Any:
        runs.append(code.co_filename)
        return traced(code, *args, **kwargs)

    monkeypatch.setattr(sandbox_module, "_run_with_time_limit", counting)
    return runs


@pytest.mark.parametrize("condition", CONDITIONS)
def test_a_plain_condition_answers_as_the_sandbox_does_without_tracing(condition: str, traced_runs: list[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = SandboxedEnvironment(time_limit=0.2)
    plain_answer = sandbox.evaluate(condition, dict(DATA))
    assert traced_runs == []
    monkeypatch.setattr(sandbox_module, "plain_condition", lambda *_args: None)  # the sandbox alone
    assert sandbox.evaluate(condition, dict(DATA)) == plain_answer
    assert traced_runs == [SCRIPT_FILENAME]
    assert not tracemalloc.is_tracing()


@pytest.mark.parametrize("condition", [
    "len(title) > 3", "title.upper() == 'X'", "amount * 2 > 1", "_getattr_ is None",
    "manager_review[amount] == 1", "[x for x in items]", "amount > -1", "manager_review.decision == 'x'",
])
def test_a_condition_that_calls_reaches_or_computes_is_not_plain(condition: str) -> None:
    assert plain_condition(condition, SCRIPT_FILENAME) is None


@pytest.mark.parametrize(("condition", "data"), [
    pytest.param("items == 'a'", DATA, id="a list read whole"),
    pytest.param("items[0] == 'a'", DATA, id="a list read by index"),
    pytest.param("manager_review == 'x'", DATA, id="a dict read whole"),
    pytest.param("manager_review['missing'] == 'x'", DATA, id="a missing key"),
    pytest.param("amount['x'] == 1", DATA, id="a number read by key"),
    pytest.param("text == 'x'", {"text": type("Text", (str,), {})("x")}, id="a subclass of str"),
])
def test_values_that_are_not_plain_go_through_the_sandbox(condition: str, data: dict[str, Any],
                                                          traced_runs: list[str]) -> None:
    sandbox = SandboxedEnvironment(time_limit=0.2)
    with contextlib.suppress(KeyError, TypeError):  # the sandbox's own error for some of them, as before
        sandbox.evaluate(condition, dict(data))
    assert traced_runs == [SCRIPT_FILENAME]


def test_an_unknown_name_is_the_sandboxs_name_error() -> None:
    with pytest.raises(NameError, match="nowhere"):
        SandboxedEnvironment(time_limit=0.2).evaluate("nowhere == 1", {})


def test_scripts_cannot_leave_values_of_their_own_classes_and_such_conditions_keep_the_limits() -> None:
    """A value whose comparison would run a script's code cannot reach the data (a script defines no class), and a
    condition that runs code (a generator here) is still traced and stopped."""
    sandbox = SandboxedEnvironment(time_limit=0.2)
    with pytest.raises(NameError, match="__build_class__"):
        sandbox.execute("class Endless:\n    pass\nvalue = Endless()", {})
    endless = "any(a == -1 for a in range(100000) for b in range(100000)) or amount > 1"
    with pytest.raises(ScriptTimeout):
        sandbox.evaluate(endless, {"amount": 2})


def test_helpers_and_the_external_context_are_read_as_the_sandbox_reads_them() -> None:
    sandbox = SandboxedEnvironment(helpers={"limit": 10, "double": lambda x: x * 2}, time_limit=0.2)
    assert sandbox.evaluate("amount > limit", {"amount": 11}) is True
    assert sandbox.evaluate("amount > limit", {"amount": 11, "limit": 20}) is False  # the data's own first
    assert sandbox.evaluate("amount > limit", {"amount": 11}, {"limit": 12}) is False
    assert sandbox.evaluate("double(amount) == 22", {"amount": 11}) is True  # a call: through the sandbox
