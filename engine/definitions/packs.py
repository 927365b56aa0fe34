"""Process packs: a procedure of the rule book shipped ready to run (``packs/<key>/``).

A pack's folder holds ``pack.json`` (its key, version, titles in both languages, summary and the BPMN files
it deploys), the BPMN files (with their diagram layout) and the DMN tables they call, ``forms/`` with the
JSON Schemas the BPMN names, and ``README.md`` (the rule it implements, quoted from the seed in Chinese
with an English gloss, and how the process implements it). Installing a pack deploys its BPMN files
through the one deploy check, like any deploy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput
from .bundle import DefinitionBundle, bundle_from_file

PACK_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MANIFEST = "pack.json"


class PackInvalid(InvalidInput):
    """A pack folder that cannot be used: no manifest, a field missing or of the wrong kind, a file it names
    that is not there."""


@dataclass(frozen=True, slots=True)
class Pack:
    key: str
    version: str
    title: str
    title_zh: str
    summary: str
    summary_zh: str
    processes: tuple[str, ...]  # the BPMN files it deploys, in its folder
    folder: Path

    @property
    def readme(self) -> str:
        path = self.folder / "README.md"
        return path.read_text(encoding="utf-8") if path.is_file() else ""


def read_pack(folder: Path) -> Pack:
    """The pack in ``folder``. :raise PackInvalid:"""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PackInvalid(f"{path}: cannot read the pack's manifest: {exc}") from exc
    if not isinstance(manifest, dict):
        raise PackInvalid(f"{path}: the manifest is not a JSON object")
    texts = {}
    for name in ("key", "version", "title", "title_zh", "summary", "summary_zh"):
        value = manifest.get(name)
        if not isinstance(value, str) or not value.strip():
            raise PackInvalid(f"{path}: {name!r} must be a non-empty string")
        texts[name] = value.strip()
    if not PACK_KEY_PATTERN.match(texts["key"]) or texts["key"] != folder.name:
        raise PackInvalid(f"{path}: the key {texts['key']!r} must be the folder's name, in lower case letters, "
                          "digits and _")
    processes = manifest.get("processes")
    if not isinstance(processes, list) or not processes or not all(isinstance(p, str) for p in processes):
        raise PackInvalid(f"{path}: 'processes' must list the pack's BPMN files")
    for name in processes:
        if "/" in name or "\\" in name or not (folder / name).is_file():
            raise PackInvalid(f"{path}: no BPMN file {name!r} in the pack's folder")
    return Pack(texts["key"], texts["version"], texts["title"], texts["title_zh"], texts["summary"],
                texts["summary_zh"], tuple(processes), folder)


def find_packs(root: Path) -> list[Pack]:
    """Every pack under ``root`` (a folder per pack), by key. :raise PackInvalid: one of them is broken."""
    if not root.is_dir():
        return []
    return [read_pack(folder) for folder in sorted(root.iterdir()) if (folder / MANIFEST).is_file()]


def pack_bundles(pack: Pack) -> list[DefinitionBundle]:
    """One bundle per BPMN file of the pack, with the DMN tables beside it and its forms from ``forms/``."""
    return [bundle_from_file(pack.folder / name, pack.folder / "forms") for name in pack.processes]
