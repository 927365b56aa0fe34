"""Bar charts drawn on the server as inline SVG: no script, no CDN, readable without colour.

``bar_chart`` only computes the geometry; ``templates/macros/chart.html`` draws it, so every
text goes through Jinja's escaping. The chart carries a ``<title>`` and a ``<desc>`` that lists
every value, each bar has its label under it and its number above it, and colours come from
CSS classes (presentation attributes only: the content security policy forbids ``style=``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH = 360
HEIGHT = 220
TOP = 26  # room for the number above the tallest bar
BOTTOM = 30  # room for the labels under the baseline
SIDE = 12
GAP_RATIO = 0.35  # the gap between bars, as a share of each bar's slot


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    tone: str = ""

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        """Where the number goes: just above the bar."""
        return round(self.y - 7, 1)


@dataclass(frozen=True)
class BarChart:
    """What the chart macro draws: the canvas, the baseline and one ``Bar`` per value."""

    key: str  # unique on the page: the ids of <title> and <desc> derive from it
    title: str
    description: str
    width: int
    height: int
    baseline: float
    label_y: float
    bars: list[Bar]

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)


def bar_chart(key: str, title: str, values: Sequence[tuple[str, int]], tones: Mapping[str, str] | None = None,
              width: int = WIDTH, height: int = HEIGHT) -> BarChart:
    """One vertical bar per ``(label, value)``, scaled to the largest value (an empty chart stays flat)."""
    baseline = float(height - BOTTOM)
    plot_height = baseline - TOP
    slot = (width - 2 * SIDE) / max(1, len(values))
    bar_width = round(slot * (1 - GAP_RATIO), 1)
    largest = max((v for _, v in values), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(values):
        bar_height = round(plot_height * max(0, value) / largest, 1)
        x = round(SIDE + index * slot + (slot - bar_width) / 2, 1)
        bars.append(Bar(label, value, x, round(baseline - bar_height, 1), bar_width, bar_height,
                        (tones or {}).get(label, "")))
    description = ", ".join(f"{label}: {value}" for label, value in values)
    return BarChart(key, title, description, width, height, baseline, baseline + 20, bars)


__all__ = ["Bar", "BarChart", "bar_chart"]
