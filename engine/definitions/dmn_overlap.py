"""Rules of a decision table that can both match one input: under hit policy UNIQUE that is an error.

Input cells are read as the library reads them (``engine.definitions.lint._cell_problem``): "-" or empty
matches anything, a cell starting with an operator compares the input with it ("``>= 3.5 and score < 4.5``"
names the input again after ``and``), anything else is a value the input must equal. Cells this reader does
not understand (function calls, ``!=``, lists) are never called overlapping: only overlaps it can prove are
reported.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

_PART = re.compile(r"^\s*(?:(?:\?|[A-Za-z_][A-Za-z0-9_.]*)\s*)?(<=|>=|<|>|==)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Range:
    """Numbers from ``low`` to ``high`` (each end in or out)."""

    low: float = -math.inf
    low_in: bool = False
    high: float = math.inf
    high_in: bool = False

    def meet(self, other: Range) -> Range:
        """The numbers in both."""
        if self.low != other.low:
            low, low_in = max((self.low, self.low_in), (other.low, other.low_in))
        else:
            low, low_in = self.low, self.low_in and other.low_in
        if self.high != other.high:
            high, high_in = min((self.high, self.high_in), (other.high, other.high_in))
        else:
            high, high_in = self.high, self.high_in and other.high_in
        return Range(low, low_in, high, high_in)

    def empty(self) -> bool:
        return self.low > self.high or (self.low == self.high and not (self.low_in and self.high_in))


ANY = "any"
Cell = Range | tuple[str, object] | str | None  # None: not understood


def _value(text: str) -> float | str:
    value = ast.literal_eval(text)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(text)
    return value if isinstance(value, str) else float(value)


def _comparison(op: str, number: float) -> Range:
    return {"<": Range(high=number), "<=": Range(high=number, high_in=True), ">": Range(low=number),
            ">=": Range(low=number, low_in=True), "==": Range(number, True, number, True)}[op]


def read_cell(text: str) -> Cell:
    """What an input cell matches: ANY, a Range of numbers, ("=", value), or None when not understood."""
    text = text.strip()
    if not text or text == "-":
        return ANY
    try:
        if not re.match(r"^\s*(<=|>=|<|>|==)", text):
            value = _value(text)
            return Range(float(value), True, float(value), True) if not isinstance(value, str) else ("=", value)
        found = Range()
        for part in re.split(r"\s+and\s+", text):
            match = _PART.match(part)
            if not match:
                return None
            value = _value(match.group(2))
            if isinstance(value, str):
                return ("=", value) if match.group(1) == "==" and len(text.split(" and ")) == 1 else None
            found = found.meet(_comparison(match.group(1), float(value)))
        return found
    except (ValueError, SyntaxError):
        return None


def _meet(a: Cell, b: Cell) -> bool | None:
    """Whether one input can match both cells (None: cannot tell)."""
    if a is None or b is None:
        return None
    if a == ANY or b == ANY:
        return True
    if isinstance(a, Range) and isinstance(b, Range):
        return not a.meet(b).empty()
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a == b
    return False


def overlapping_rules(rules: list[list[str]]) -> list[tuple[int, int]]:
    """Pairs (1-based) of rules, given as their input cells' texts, that provably match one same input."""
    read = [[read_cell(cell) for cell in rule] for rule in rules]
    pairs = []
    for i, first in enumerate(read):
        for j in range(i + 1, len(read)):
            second = read[j]
            if len(first) != len(second):
                continue
            if all(_meet(a, b) is True for a, b in zip(first, second, strict=True)):
                pairs.append((i + 1, j + 1))
    return pairs
