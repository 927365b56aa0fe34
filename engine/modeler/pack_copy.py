"""A new process from a pack (the modeler's gallery): a pack's process copied into a draft under a new key.

The copy is the pack's BPMN with its forms and DMN tables, renamed so that it deploys as a process of its
own beside the pack's: the process id becomes the new key (and the ids made from it, ``<id>_lanes``...), each
form and DMN file and each decision id trades the pack's key (its prefix) for the new key, and the BPMN's
references (``startForm``, ``formJsonSchemaFilename``, ``calledDecisionId``) follow. It is saved as the
draft's first version through the draft's own path (validated, nothing deployed).
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree
from sqlalchemy.orm import Session

from ..definitions.bundle import FORM_PROPERTIES, SPIFF_NS
from ..definitions.pack_install import BPMN_NS, process_key
from ..definitions.packs import Pack
from ..definitions.xml_safety import parse_xml
from ..errors import Conflict, InvalidInput
from ..org.people import Actor
from ..org.rights import Right, require
from ..text_input import text_problem
from .drafts import _latest, check_key, find_draft, save_draft
from .views import Draft, Files

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
REFERENCES = ("id", "bpmnElement", "processRef", "sourceRef", "targetRef")


def renamed(name: str, pack_key: str, new_key: str) -> str:
    """A pack's file or decision name under the new key: its pack-key prefix traded, or the key put before it."""
    if name.startswith(pack_key + "_"):
        return new_key + name[len(pack_key):]
    return f"{new_key}_{name}"


def _text(root: etree._Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode") + "\n"


def _copy_dmn(content: bytes, pack_key: str, new_key: str) -> tuple[str, dict[str, str]]:
    """The DMN document with its decisions renamed, and the renaming (old decision id → new)."""
    root = parse_xml(content)
    decisions: dict[str, str] = {}
    for decision in root.iter(f"{{{DMN_NS}}}decision"):
        old = decision.get("id") or ""
        decisions[old] = renamed(old, pack_key, new_key)
        decision.set("id", decisions[old])
    if root.get("id"):
        root.set("id", renamed(root.get("id") or "", pack_key, new_key))
    return _text(root), decisions


def _copy_bpmn(content: bytes, old_id: str, new_key: str, title: str, forms: dict[str, str],
               decisions: dict[str, str]) -> str:
    root = parse_xml(content)
    for element in root.iter():
        for attribute in REFERENCES:
            value = element.get(attribute)
            if value == old_id:
                element.set(attribute, new_key)
            elif value and value.startswith(old_id + "_"):  # an id made from the process id
                element.set(attribute, new_key + value[len(old_id):])
    for prop in root.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") in FORM_PROPERTIES and prop.get("value") in forms:
            prop.set("value", forms[prop.get("value") or ""])
    for called in root.iter(f"{{{SPIFF_NS}}}calledDecisionId"):
        if (called.text or "").strip() in decisions:
            called.text = decisions[(called.text or "").strip()]
    if title:
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            if process.get("id") == new_key:
                process.set("name", title)
    return _text(root)


def copy_pack(pack: Pack, bpmn_file: str, new_key: str, title: str) -> tuple[str, str, Files]:
    """The BPMN name, BPMN and files of ``bpmn_file`` of ``pack`` renamed for ``new_key``."""
    old_id = process_key(pack.folder / bpmn_file)
    files: Files = {}
    decisions: dict[str, str] = {}
    for path in sorted(pack.folder.glob("*.dmn")):
        text, renaming = _copy_dmn(path.read_bytes(), pack.key, new_key)
        files[renamed(path.name, pack.key, new_key)] = {"kind": "dmn", "content": text}
        decisions.update(renaming)
    forms: dict[str, str] = {}
    for path in sorted((pack.folder / "forms").glob("*.json")):
        forms[path.name] = renamed(path.name, pack.key, new_key)
        files[forms[path.name]] = {"kind": "form", "content": path.read_text(encoding="utf-8")}
    bpmn = _copy_bpmn((pack.folder / bpmn_file).read_bytes(), old_id, new_key, title, forms, decisions)
    return f"{new_key}.bpmn", bpmn, files


def draft_from_pack(session: Session, actor: Actor, pack: Pack, process: str | None, new_key: str, title: str,
                    now: datetime) -> Draft:
    """A new draft ``new_key`` copied from the pack's process ``process`` (its key; None: the pack's first).

    :raise NotAllowed: without the model right. :raise InvalidInput: a bad key or title, a process the pack
        does not have. :raise Conflict: a process or a draft with this key exists.
    """
    require(actor, Right.MODEL, "create processes")
    check_key(new_key)
    if text_problem(title) or len(title) > 200:
        raise InvalidInput("the title must be printable text of at most 200 characters")
    by_key = {process_key(pack.folder / name): name for name in pack.processes}
    bpmn_file = by_key.get(process) if process else pack.processes[0]
    if bpmn_file is None:
        raise InvalidInput(f"pack {pack.key!r} has no process {process!r} (it has {', '.join(by_key)})")
    if _latest(session, new_key) is not None or find_draft(session, new_key) is not None:
        raise Conflict(f"a process or draft with key {new_key!r} exists already; choose another key")
    bpmn_name, bpmn, files = copy_pack(pack, bpmn_file, new_key, title)
    return save_draft(session, actor, new_key, bpmn, files, 0, now, bpmn_name=bpmn_name)
