"""The modeler's approval-moves lists offer exactly the values the engine's deploy check accepts, each with a
label the page hands over, translated in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from engine.definitions.checks import RETURN_SETTINGS
from engine.definitions.parser import TRANSFER_RULES, WHEN_NO_HOLDER
from webui.modeler.labels import approval_rule_labels, countersign_labels, panel_labels

SOURCE = Path(__file__).resolve().parents[2] / "webui" / "frontend" / "src"
RULE = re.compile(r"name: '(\w+)', values: \[([^\]]*)\]")
MODES = re.compile(r"export const MODES = \[([^\]]*)\]")


def offered() -> dict[str, list[str]]:
    """Each property of approval-rules.jsx with the values its list offers (besides the unset default)."""
    text = (SOURCE / "approval-rules.jsx").read_text(encoding="utf-8")
    return {name: re.findall(r"'(\w+)'", values) for name, values in RULE.findall(text)}


def test_every_list_offers_only_what_the_engine_accepts() -> None:
    assert offered() == {
        "returnAllowed": list(RETURN_SETTINGS["returnAllowed"]), "afterReturn": list(RETURN_SETTINGS["afterReturn"]),
        "bulkApprove": ["true", "false"], "skipSameApprover": ["true", "false"],
        "transferRule": [rule for rule in TRANSFER_RULES if rule], "whenNoHolder": list(WHEN_NO_HOLDER)}


def test_every_choice_has_a_label_and_chinese_for_it(app: Flask) -> None:
    modes = re.findall(r"'(\w+)'", MODES.findall((SOURCE / "countersign.js").read_text(encoding="utf-8"))[0])
    wanted = {"countersign", "countersign.mode", "countersign.off", "countersign.custom", "moves", "rule.refused",
              *(f"countersign.{mode}" for mode in modes)}
    for name, values in offered().items():
        wanted |= {name, f"{name}.hint", f"{name}.default", *(f"{name}.{value}" for value in values)}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = panel_labels()
        ours = {**countersign_labels(), **approval_rule_labels()}
    assert wanted <= set(ours) and set(ours) <= set(english)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chinese = {**countersign_labels(), **approval_rule_labels()}
    untranslated = sorted(key for key in ours if chinese[key] == ours[key])
    assert untranslated == []
    assert "%(votes)s" in chinese["countersign.collects"]  # the panel fills it in
