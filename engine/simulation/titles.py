"""Steps by their titles: a simulation's figures stay keyed by step id (what a scenario names and a script
reads), and each step carries its title in both languages beside it: the BPMN ``name`` and its ``titleZh``
property, from the model that was run (a draft's own names for a draft). A step the model does not have
(history from an older version) keeps its id as its title.
"""

from __future__ import annotations

from typing import Any

from ..definitions.catalog import DeployedProcess

Titles = dict[str, tuple[str, str]]  # step id -> (title, title_zh)


def step_titles(process: DeployedProcess) -> Titles:
    """Each user task's title and Chinese title (empty when the model gives none)."""
    return {name: (form.title or name, form.title_zh) for name, form in process.tasks.items()}


def _title(titles: Titles, step: str) -> dict[str, str]:
    title, title_zh = titles.get(step, (step, ""))
    return {"title": title, "title_zh": title_zh}


def titled_result(result: dict[str, Any], titles: Titles) -> dict[str, Any]:
    """A run's figures (``run.SimulationResult.as_json``) with ``title``/``title_zh`` in each step's figures
    and in the bottleneck; the keys stay the step ids."""
    steps = {step: {**figures, **_title(titles, step)} for step, figures in result.get("steps", {}).items()}
    bottleneck = result.get("bottleneck")
    if bottleneck:
        bottleneck = {**bottleneck, **_title(titles, str(bottleneck["step"]))}
    return {**result, "steps": steps, "bottleneck": bottleneck}


def titled_scenario(scenario: dict[str, Any], titles: Titles) -> dict[str, Any]:
    """A scenario JSON with ``title``/``title_zh`` beside each step's duration (a scenario read back ignores
    them: ``scenario.apply_changes`` reads only the figures)."""
    durations = {step: {**duration, **_title(titles, step)}
                 for step, duration in scenario.get("durations", {}).items()}
    return {**scenario, "durations": durations}
