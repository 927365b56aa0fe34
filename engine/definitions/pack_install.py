"""Listing and installing the process packs of ``packs/`` (see ``packs``): what ``opsflow packs`` and the
modeler's gallery show, and the install, which is a deploy like any other (the one deploy check, recorded).

Installing a pack whose processes are deployed already, unchanged, writes nothing: the deploy finds each
one's content unchanged and says so ("already installed").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from ..errors import NotFound
from ..org.people import Actor
from .bundle import SPIFF_NS
from .deploy import deploy
from .packs import Pack, find_packs, pack_bundles
from .spec_codec import SpecCodec
from .xml_safety import UnsafeXml, parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


class PackNotFound(NotFound):
    def __init__(self, key: str, known: list[str]) -> None:
        super().__init__(f"no process pack {key!r}; the packs are: {', '.join(known) or 'none'}")
        self.key = key


@dataclass(frozen=True, slots=True)
class PackSummary:
    """A pack as lists show it: its manifest and the keys of the processes it deploys."""

    key: str
    version: str
    title: str
    title_zh: str
    summary: str
    summary_zh: str
    processes: tuple[str, ...]  # the process keys (ids) its BPMN files define
    files: tuple[str, ...]  # those BPMN files, in its folder


@dataclass(frozen=True, slots=True)
class PackDetail:
    """A pack with its README (Markdown) and its first process's BPMN: what ``packs show`` and the gallery
    show beside it."""

    pack: PackSummary
    readme: str
    bpmn: str


@dataclass(frozen=True, slots=True)
class PackInstall:
    """What became of one process of an installed pack."""

    pack: str
    process: str
    version: int
    status: Literal["installed", "already installed"]


def process_key(bpmn_path: Path) -> str:
    """The id of the (first) executable process of a BPMN file ('' when it cannot be read)."""
    try:
        root = parse_xml(bpmn_path.read_bytes())
    except (OSError, UnsafeXml):
        return ""
    ids = root.xpath("//bpmn:process[@isExecutable='true']/@id", namespaces={"bpmn": BPMN_NS, "s": SPIFF_NS})
    return str(ids[0]) if isinstance(ids, list) and ids else ""


def summary(pack: Pack) -> PackSummary:
    return PackSummary(pack.key, pack.version, pack.title, pack.title_zh, pack.summary, pack.summary_zh,
                       tuple(process_key(pack.folder / name) for name in pack.processes), pack.processes)


def list_packs(root: Path) -> list[PackSummary]:
    """Every pack under ``root``, by key. :raise PackInvalid: one of them is broken."""
    return [summary(pack) for pack in find_packs(root)]


def find_pack(root: Path, key: str) -> Pack:
    """:raise PackNotFound: naming the packs there are."""
    packs = find_packs(root)
    for pack in packs:
        if pack.key == key:
            return pack
    raise PackNotFound(key, [p.key for p in packs])


def pack_detail(root: Path, key: str) -> PackDetail:
    pack = find_pack(root, key)
    return PackDetail(summary(pack), pack.readme, (pack.folder / pack.processes[0]).read_text(encoding="utf-8"))


def install_packs(session: Session, actor: Actor, packs: list[Pack], specs: SpecCodec,
                  now: datetime) -> list[PackInstall]:
    """Deploy every process of ``packs`` as ``actor`` (the operator), in the caller's one transaction (all or
    nothing); each version's change note names the pack and its version.

    :raise DeploymentRejected: a pack's process fails the deploy check (nothing is installed then).
    """
    installed: list[PackInstall] = []
    for pack in packs:
        results = deploy(session, actor, pack_bundles(pack), specs, now, note=f"pack {pack.key} {pack.version}")
        installed += [PackInstall(pack.key, r.key, r.version, "installed" if r.status == "deployed"
                                  else "already installed") for r in results]
    return installed
