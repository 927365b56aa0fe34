"""What an uploaded file is: its name made safe, and its type read from its bytes, never trusted from the client.

Only office documents, PDF, images and plain text are accepted (an allow list, per extension), and only
when the bytes agree with the extension (the format's magic number; for Office Open XML and OpenDocument,
the zip's own parts). Executables, HTML and SVG are not on the list: a ``.pdf`` that is really an ``.exe``
is refused for what it is. No library is needed for this short list (``python-magic`` would need the
system's libmagic on every node).
"""

from __future__ import annotations

import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass

from ..errors import InvalidInput
from ..text_input import text_problem

MAX_NAME_LENGTH = 200
MB = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MB

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc, .xls, .ppt
ZIP = b"PK\x03\x04"

# extension -> (content type, what it is, for messages)
TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "PDF"),
    "png": ("image/png", "PNG image"),
    "jpg": ("image/jpeg", "JPEG image"),
    "jpeg": ("image/jpeg", "JPEG image"),
    "gif": ("image/gif", "GIF image"),
    "webp": ("image/webp", "WebP image"),
    "doc": ("application/msword", "Word document"),
    "xls": ("application/vnd.ms-excel", "Excel workbook"),
    "ppt": ("application/vnd.ms-powerpoint", "PowerPoint presentation"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint presentation"),
    "odt": ("application/vnd.oasis.opendocument.text", "OpenDocument text"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet"),
    "odp": ("application/vnd.oasis.opendocument.presentation", "OpenDocument presentation"),
    "txt": ("text/plain; charset=utf-8", "text file"),
    "csv": ("text/csv; charset=utf-8", "CSV file"),
}
DEFAULT_TYPES = frozenset(TYPES)
OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ODF_TYPE = {"odt": b"application/vnd.oasis.opendocument.text",
            "ods": b"application/vnd.oasis.opendocument.spreadsheet",
            "odp": b"application/vnd.oasis.opendocument.presentation"}
# What some refused files are, to say so (checked on the first bytes).
KNOWN_BAD = ((b"MZ", "a Windows program"), (b"\x7fELF", "a program"), (b"#!", "a script"),
             (b"\xcf\xfa\xed\xfe", "a program"), (b"\xca\xfe\xba\xbe", "a program"))


@dataclass(frozen=True)
class Limits:
    """How big a file may be, and which extensions are accepted (a subset of ``TYPES``)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    extensions: frozenset[str] = DEFAULT_TYPES

    @classmethod
    def from_env(cls) -> Limits:
        """``OPSFLOW_ATTACHMENT_MAX_MB`` (default 20) and ``OPSFLOW_ATTACHMENT_TYPES`` (extensions, comma
        separated; default all of ``TYPES``). :raise ValueError: a setting that cannot be read."""
        size = os.environ.get("OPSFLOW_ATTACHMENT_MAX_MB", "").strip()
        max_bytes = int(float(size) * MB) if size else DEFAULT_MAX_BYTES
        if max_bytes <= 0:
            raise ValueError("OPSFLOW_ATTACHMENT_MAX_MB must be positive")
        listed = os.environ.get("OPSFLOW_ATTACHMENT_TYPES", "").strip()
        extensions = frozenset(e.strip().lower().lstrip(".") for e in listed.split(",") if e.strip()) \
            if listed else DEFAULT_TYPES
        unknown = extensions - DEFAULT_TYPES
        if unknown:
            raise ValueError(f"OPSFLOW_ATTACHMENT_TYPES: opsflow cannot check {', '.join(sorted(unknown))} files")
        return cls(max_bytes, extensions)


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name its sender gave, and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    content_type: str


def safe_name(raw: str) -> str:
    """The file's own name: NFC, no folder, no control characters; Chinese names are kept.

    :raise InvalidInput: no name, a path (``../x.pdf``, ``C:\\x.pdf``), or a name that is too long.
    """
    name = unicodedata.normalize("NFC", (raw or "").strip())
    if not name:
        raise InvalidInput("the file has no name")
    if "/" in name or "\\" in name or name in (".", "..") or ":" in name:
        raise InvalidInput(f"the file name {name!r} is a path: give the file's own name only")
    problem = text_problem(name)
    if problem:
        raise InvalidInput(f"the file name {problem}")
    if name.startswith("."):
        raise InvalidInput("the file name starts with a dot (a hidden file)")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"the file name is longer than {MAX_NAME_LENGTH} characters")
    return name


def check_file(upload: Upload, limits: Limits) -> CheckedFile:
    """The file, with its type read from its bytes.

    :raise InvalidInput: empty, too big, a bad name, a type not accepted, or bytes that are not what the
    extension says.
    """
    name = safe_name(upload.name)
    content = upload.content
    if not content:
        raise InvalidInput(f"{name} is empty")
    if len(content) > limits.max_bytes:
        raise InvalidInput(f"{name} is {_size(len(content))}: files are limited to {_size(limits.max_bytes)}")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in limits.extensions:
        accepted = ", ".join(sorted(limits.extensions))
        kind = f".{extension} files are" if extension else "files without an extension are"
        raise InvalidInput(f"{name}: {kind} not accepted (accepted: {accepted})")
    content_type, what = TYPES[extension]
    if not _looks_like(extension, content):
        found = next((bad for magic, bad in KNOWN_BAD if content.startswith(magic)), None)
        raise InvalidInput(f"{name} is not a {what}" + (f": it is {found}" if found else
                                                         ": its content does not match its extension"))
    return CheckedFile(name, content, content_type)


def _looks_like(extension: str, content: bytes) -> bool:
    head = content[:16]
    if extension == "pdf":
        return content[:1024].lstrip(b"\r\n\t ").startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if extension == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if extension in ("doc", "xls", "ppt"):
        return head.startswith(OLE)
    if extension in OOXML_PART or extension in ODF_TYPE:
        return head.startswith(ZIP) and _zip_is(extension, content)
    if extension in ("txt", "csv"):
        return _plain_text(content)
    return False


def _zip_is(extension: str, content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if extension in ODF_TYPE:
                return "mimetype" in names and archive.read("mimetype").strip() == ODF_TYPE[extension]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith(OOXML_PART[extension]) for n in names)


def _plain_text(content: bytes) -> bool:
    """UTF-8 text without control characters, and nothing a browser would take for a page."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if text_problem(text.replace("\r", "").replace("\t", "").replace("\n", "")):
        return False
    start = text.lstrip()[:64].lower()
    return not start.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script"))


def _size(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB else f"{max(1, size // 1024)} KB"
