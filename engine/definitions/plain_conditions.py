"""Conditions that only compare the data's plain values, evaluated without the sandbox's time and memory tracing.

Most gateway conditions and decision-table inputs read a value or a form's field and compare it with constants
(``manager_review['decision'] == 'approve'``, ``amount > 5000``, ``x in ('a', 'b')``). Tracing such a condition
(``engine.definitions.sandbox``) cost about 75 µs of each completion's evaluations where the comparison itself
costs a few. A condition is *plain* when its syntax holds nothing but comparisons, ``and``/``or``/``not``, constants
(and tuples or lists of them), names and a name subscripted by a constant; and when, at evaluation, every value it
reads is exactly a ``str``, ``int``, ``float``, ``bool`` or ``None`` (a subscripted name: exactly a ``dict`` holding
such a value under that key). Such an evaluation calls no code of the data's (no subclass, no ``__eq__`` of a
script's class), allocates nothing that grows, and takes time in proportion to the values it compares: there is
nothing for the limits to stop. Anything else (a call, an attribute, an operator, a missing name or key, any other
type) goes through the sandbox as before, which gives the same answer or the same error.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import CodeType
from typing import Any

PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
MAX_CONSTANT = 1000  # characters of a text constant (a literal is never longer in a real condition)
_COMPARISONS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)
_NO_BUILTINS: dict[str, Any] = {"__builtins__": {}}


class NotPlain(Exception):
    """The values a plain condition reads are not all plain: the sandbox evaluates it."""


@dataclass(frozen=True)
class PlainCondition:
    code: CodeType
    reads: tuple[tuple[str, str | int | None], ...]  # (name, key) for ``name[key]``, (name, None) for ``name``


@lru_cache(maxsize=2048)
def plain_condition(source: str, filename: str) -> PlainCondition | None:
    """The condition compiled for plain evaluation, or None when its syntax is not plain."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return None
    reads: list[tuple[str, str | int | None]] = []
    if not _plain(tree.body, reads):
        return None
    return PlainCondition(compile(tree, filename, "eval"), tuple(dict.fromkeys(reads)))


def _constant(node: ast.expr) -> bool:
    if not isinstance(node, ast.Constant) or type(node.value) not in PLAIN_TYPES:
        return False
    return not isinstance(node.value, str) or len(node.value) <= MAX_CONSTANT


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) and not node.id.startswith("_") else None


def _plain(node: ast.expr, reads: list[tuple[str, str | int | None]]) -> bool:
    if isinstance(node, ast.BoolOp):
        return all(_plain(value, reads) for value in node.values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _plain(node.operand, reads)
    if isinstance(node, ast.Compare):
        return (all(isinstance(op, _COMPARISONS) for op in node.ops)
                and all(_plain(value, reads) for value in (node.left, *node.comparators)))
    if isinstance(node, ast.Tuple | ast.List):
        return all(_constant(element) for element in node.elts)
    if isinstance(node, ast.Subscript):
        name, key = _name(node.value), node.slice
        if name is None or not isinstance(key, ast.Constant) or not isinstance(key.value, str | int) \
                or isinstance(key.value, bool):
            return False
        reads.append((name, key.value))
        return True
    if (name := _name(node)) is not None:
        reads.append((name, None))
        return True
    return _constant(node)


def evaluate_plain(condition: PlainCondition, lookup: Callable[[str], Any]) -> Any:
    """Evaluate a plain condition over the values ``lookup`` gives (it raises ``KeyError`` for an unknown name).

    :raise NotPlain: a value it reads is not plain (or missing): evaluate it in the sandbox instead.
    """
    scope: dict[str, Any] = {}
    for name, key in condition.reads:
        try:
            value = lookup(name)
        except KeyError:
            raise NotPlain(name) from None
        if key is None:
            if type(value) not in PLAIN_TYPES:
                raise NotPlain(name)
        elif type(value) is not dict or type(value.get(key, _MISSING)) not in PLAIN_TYPES:
            raise NotPlain(name)  # (a name read both whole and by key is never both plain and a dict)
        scope[name] = value
    return eval(condition.code, _NO_BUILTINS, scope)  # noqa: S307 - only comparisons of plain values (see above)


_MISSING = object()
