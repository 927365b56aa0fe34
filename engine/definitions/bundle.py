"""A deployable bundle: one BPMN document with the DMN tables and forms it uses, in memory.

Deploying reads nothing from disk: the modeler and the API hand over bytes keyed by name.
``bundles_from_paths`` is the thin disk loader the CLI and ``opsflow init`` use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import DeploymentRejected, InvalidInput
from .xml_safety import UnsafeXml, parse_xml

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FORM_PROPERTIES = ("formJsonSchemaFilename", "startForm")


@dataclass(frozen=True)
class DefinitionBundle:
    """Files as bytes: ``dmn`` by file name, ``forms`` by the name the BPMN gives them."""

    bpmn_name: str
    bpmn: bytes
    dmn: dict[str, bytes] = field(default_factory=dict)
    forms: dict[str, bytes] = field(default_factory=dict)


def form_name_escapes(name: str) -> bool:
    """Whether a form name points outside the forms (absolute, or climbing with ``..``)."""
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or not name.strip()


def referenced_forms(bpmn: bytes) -> list[str]:
    """The form names a BPMN document's properties mention (none if it cannot be read safely)."""
    try:
        root = parse_xml(bpmn)
    except UnsafeXml:
        return []  # the parser refuses the document itself, with the reason
    names = root.xpath(
        "//spiffworkflow:property[@name='formJsonSchemaFilename' or @name='startForm']/@value",
        namespaces={"spiffworkflow": SPIFF_NS})
    return sorted({str(n) for n in names})  # type: ignore[union-attr]


def bpmn_files(paths: list[Path]) -> list[Path]:
    """The BPMN files named by ``paths``: files, folders, or a DMN file's folder.

    :raise InvalidInput: a path that does not exist or holds no BPMN file.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            files = sorted(path.glob("*.bpmn"))
        elif path.is_file() and path.suffix == ".dmn":
            files = sorted(path.parent.glob("*.bpmn"))
        elif path.is_file():
            files = [path]
        else:
            raise InvalidInput(f"no such file or folder: {path}")
        if not files:
            raise InvalidInput(f"no BPMN file in {path}")
        found += [f for f in files if f not in found]
    return found


def bundle_from_file(bpmn_path: Path, forms_root: Path) -> DefinitionBundle:
    """A BPMN file, the DMN files beside it and the forms it names (read from ``forms_root``).

    :raise DeploymentRejected: the BPMN file cannot be read.
    """
    try:
        content = bpmn_path.read_bytes()
    except OSError as exc:
        raise DeploymentRejected(bpmn_path.name, [f"cannot read file: {exc}"]) from exc
    dmn = {path.name: path.read_bytes() for path in sorted(bpmn_path.parent.glob("*.dmn"))}
    forms: dict[str, bytes] = {}
    root = forms_root.resolve()
    for name in referenced_forms(content):
        path = (root / name).resolve()
        if not form_name_escapes(name) and path.is_relative_to(root) and path.is_file():
            forms[name] = path.read_bytes()
    return DefinitionBundle(bpmn_path.name, content, dmn, forms)


def bundles_from_paths(paths: list[Path], forms_root: Path) -> list[DefinitionBundle]:
    """One bundle per BPMN file that ``paths`` names (see ``bpmn_files``)."""
    return [bundle_from_file(path, forms_root) for path in bpmn_files(paths)]
