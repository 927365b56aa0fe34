"""The architecture, checked: engine/ imports no web or CLI code, and its packages depend only downwards.

    facade ──> appraisal, scheduling, audit, simulation ──> runtime ──> definitions ──> org ──> (base)
                                             └────> history ────────────────> (base)

(base) is engine's top-level modules: errors, models, db, clock, calendar, text_input.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import REPO

ROOT = REPO
ENGINE = ROOT / "engine"
FORBIDDEN = ("flask", "webui", "opsflow", "werkzeug", "jinja2")
BELOW = {
    "base": set(),
    "org": {"base"},
    "history": {"base"},
    "definitions": {"base", "org"},
    "runtime": {"base", "org", "history", "definitions"},
    "scheduling": {"base", "org", "history", "definitions", "runtime"},
    "appraisal": {"base", "org", "history", "definitions", "runtime"},
    "audit": {"base", "org", "history", "definitions", "runtime"},
    "modeler": {"base", "org", "history", "definitions", "runtime"},
    "boards": {"base", "org", "history", "definitions", "runtime"},
    "simulation": {"base", "org", "history", "definitions", "runtime"},  # runs the real model on copies
    "migrations": {"base"},
}
PACKAGES = {*BELOW, "facade"} - {"base"}
MAX_MODULE_LINES = 400


def imported_modules(path: Path) -> set[str]:
    """Absolute names of everything ``path`` imports (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def layer_of(module: str) -> str | None:
    """The engine package a module belongs to ("base" for engine's top-level modules), None outside engine."""
    parts = module.split(".")
    if parts[0] != "engine" or len(parts) == 1:
        return None
    return parts[1] if parts[1] in PACKAGES else "base"


def engine_modules() -> list[Path]:
    return sorted(p for p in ENGINE.rglob("*.py") if "__pycache__" not in p.parts)


def test_engine_imports_no_web_or_cli_module():
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in engine_modules()
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_engine_packages_depend_only_on_those_below_them():
    offenders = []
    for path in engine_modules():
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        own = layer_of(module)
        if own == "facade":
            continue  # the top: it may use everything
        for name in imported_modules(path):
            target = layer_of(name)
            if target is None or target == own:
                continue
            if target not in BELOW[own or "base"]:
                offenders.append(f"{path.relative_to(ROOT)} ({own}) imports {name} ({target})")
    assert offenders == []


def test_the_checks_see_what_they_look_for(tmp_path):
    sample = ENGINE / "runtime" / "__layering_sample.py"
    sample.write_text("from flask import Flask\nimport webui.app\nfrom ..scheduling import jobs\nfrom . import tasks\n")
    try:
        names = imported_modules(sample)
    finally:
        sample.unlink()
    assert {"flask", "webui.app", "engine.scheduling.jobs", "engine.runtime.tasks"} <= names
    assert layer_of("engine.scheduling.jobs") == "scheduling" and layer_of("engine.errors") == "base"
    assert "scheduling" not in BELOW["runtime"]


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for folder in ("engine", "webui", "opsflow")
            for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}
