"""Trying a decision table: the table as the editor has it, evaluated by the library with given inputs.

The table is read as a deploy reads it (hardened XML, the hit policies the engine runs) and run by
SpiffWorkflow's own DMN engine with the workflows' sandboxed script engine, so what it answers is what a
business rule task would put in the instance's data. Nothing is stored.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from ..definitions.checks import SUPPORTED_HIT_POLICIES
from ..definitions.xml_safety import UnsafeXml, parse_xml
from ..errors import InvalidInput
from ..org.people import Actor
from ..org.rights import Right, require
from .views import DecisionTrial

MAX_INPUTS = 50


def try_decision(actor: Actor, dmn: str, decision: str, inputs: dict[str, Any],
                 script_engine: PythonScriptEngine) -> DecisionTrial:
    """The rules of ``decision`` in ``dmn`` that match ``inputs`` (their 1-based numbers) and its result.

    :raise NotAllowed: without the model right. :raise InvalidInput: an unreadable table, an unknown decision,
        a hit policy the engine does not run, or a cell that fails on these inputs (with the library's reason).
    """
    require(actor, Right.MODEL, "try decision tables")
    if not isinstance(inputs, dict) or len(inputs) > MAX_INPUTS:
        raise InvalidInput(f"inputs must be an object of at most {MAX_INPUTS} values")
    try:
        root = parse_xml(dmn.encode("utf-8"))
    except UnsafeXml as exc:
        raise InvalidInput(f"the decision table cannot be read: {exc}") from exc
    parser = BpmnDmnParser()
    try:
        parser.add_dmn_xml(root, filename="tried.dmn")
        engine = parser.get_engine(decision, None)
    except (SpiffWorkflowException, KeyError, ValueError, etree.LxmlError) as exc:
        raise InvalidInput(f"decision {decision!r}: {exc}") from exc
    policy = str(engine.decision_table.hit_policy).upper()
    if policy not in SUPPORTED_HIT_POLICIES:
        raise InvalidInput(f"decision {decision!r} uses hit policy {policy}; the engine runs "
                           f"{' and '.join(SUPPORTED_HIT_POLICIES)} only")
    # What the library reads of a task: its data, its script engine, and a spec to name in its errors.
    spec = SimpleNamespace(name=decision, bpmn_id=decision, bpmn_name=decision, description="decision table",
                           file="tried.dmn")
    task = SimpleNamespace(data=dict(inputs), workflow=SimpleNamespace(script_engine=script_engine), task_spec=spec)
    try:
        matched = engine.decide(task)
        result = engine.result(task)
    except Exception as exc:  # a cell that fails on these inputs: said, as a business rule task would fail
        # The library wraps the cell's error with what it reads of a real workflow; say the cell's own error.
        cause: BaseException = exc
        while isinstance(cause, AttributeError) and "SimpleNamespace" in str(cause) and cause.__context__:
            cause = cause.__context__
        raise InvalidInput(f"decision {decision!r} fails on these inputs: {cause}") from exc
    return {"decision": decision, "hit_policy": policy, "matched": [int(r.row_number) for r in matched],
            "result": dict(result)}
