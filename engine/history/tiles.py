"""The tree's leaves kept outside the database, next to the checkpoints, in C2SP tlog-tiles layout.

``tile/0/<N>`` holds the leaf hashes 256·N … 256·N+255 (32 bytes each, concatenated); a tile not yet
full is written as ``tile/0/<N>.p/<W>`` (its first W hashes). ``<N>`` is written in groups of three
digits, all but the last prefixed with ``x`` (1234067 → ``x001/x234/067``), as C2SP says. Beside them,
``tile/names/<N>`` (same naming; opsflow's own) says which event each leaf is, one ``instance_id seq``
line per leaf, so that a leaf missing from the database can be named.

Files are written once and never changed: a write that would change an existing file is refused
(``TreeFilesAltered``). When a full tile lands, its partial versions are removed (C2SP allows it):
the full tile starts with the same hashes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import HistoryTampered
from ..private_files import private_folder

TILE_WIDTH = 256
HASH_SIZE = 32
LEVEL0 = "tile/0"
NAMES = "tile/names"


class TreeFilesAltered(HistoryTampered):
    """The files outside the database contradict themselves or what is being appended."""

    code = "tree_files_altered"


# The name the tiles give the events of the organisation's record (``engine.org.record``): instance ids start at 1.
ORG_RECORD_NAME = 0


@dataclass(frozen=True)
class Leaf:
    hash: bytes
    instance_id: int
    seq: int


def tile_path(index: int) -> str:
    """C2SP's name of tile ``index``: 1234067 → ``x001/x234/067``."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def write_once(path: Path, content: bytes) -> None:
    """Write a file that must never change: atomically; an existing file must hold exactly ``content``."""
    if path.exists():
        if path.read_bytes() != content:
            raise TreeFilesAltered(f"{path} already holds something else: the checkpoint directory was altered")
        return
    private_folder(path.parent)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class TreeFiles:
    """The leaf tiles of one log in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _tile(self, kind: str, index: int) -> tuple[bytes | None, int]:
        """The widest stored version of a tile: (content, width), or (None, 0)."""
        base = self.directory / kind / tile_path(index)
        if base.is_file():
            return base.read_bytes(), TILE_WIDTH
        partial = base.parent / f"{base.name}.p"
        widths = sorted((int(p.name) for p in partial.iterdir() if p.name.isdigit()), reverse=True) \
            if partial.is_dir() else []
        if not widths:
            return None, 0
        return (partial / str(widths[0])).read_bytes(), widths[0]

    def size(self) -> int:
        """How many leaves the tiles hold (full tiles, then the widest partial of the next one)."""
        count = 0
        while (self.directory / LEVEL0 / tile_path(count)).is_file():
            count += 1
        _, width = self._tile(LEVEL0, count)
        return count * TILE_WIDTH + (width if width < TILE_WIDTH else 0)

    def leaf_hashes(self, size: int) -> list[bytes]:
        """The first ``size`` leaf hashes. :raise TreeFilesAltered: the tiles hold fewer or are malformed."""
        hashes: list[bytes] = []
        for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
            content, width = self._tile(LEVEL0, index)
            wanted = min(TILE_WIDTH, size - index * TILE_WIDTH)
            if content is None or width < wanted or len(content) != width * HASH_SIZE:
                raise TreeFilesAltered(f"the tiles hold fewer than {size} leaves, or tile {index} is malformed")
            hashes += [content[i * HASH_SIZE:(i + 1) * HASH_SIZE] for i in range(wanted)]
        return hashes

    def names(self, size: int) -> list[tuple[int, int]]:
        """(instance_id, seq) of the first ``size`` leaves, as the sequencer recorded them."""
        names: list[tuple[int, int]] = []
        for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
            content, width = self._tile(NAMES, index)
            wanted = min(TILE_WIDTH, size - index * TILE_WIDTH)
            lines = content.decode("ascii", "replace").splitlines() if content is not None else []
            if width < wanted or len(lines) != width:
                raise TreeFilesAltered(f"the name tiles hold fewer than {size} leaves, or tile {index} is malformed")
            for line in lines[:wanted]:
                instance, _, seq = line.partition(" ")
                names.append((int(instance), int(seq)) if instance.isdigit() and seq.isdigit() else (0, 0))
        return names

    def append(self, start: int, leaves: Iterable[Leaf]) -> int:
        """Add leaves from index ``start`` on; leaves the tiles already hold must be the same. Return the size.

        :raise TreeFilesAltered: a stored tile disagrees, or ``start`` leaves a gap.
        """
        size = self.size()
        if start > size:
            raise TreeFilesAltered(f"the tiles end at leaf {size}; cannot add from {start}")
        pending = list(leaves)
        first_tile = start // TILE_WIDTH
        # Rebuild from the start of the first tile touched: what is stored, then the new leaves.
        hashes = self.leaf_hashes(min(size, first_tile * TILE_WIDTH + TILE_WIDTH))[first_tile * TILE_WIDTH:] \
            if size > first_tile * TILE_WIDTH else []
        names = self.names(min(size, first_tile * TILE_WIDTH + TILE_WIDTH))[first_tile * TILE_WIDTH:] \
            if size > first_tile * TILE_WIDTH else []
        offset = start - first_tile * TILE_WIDTH
        for i, leaf in enumerate(pending):
            position = offset + i
            if position < len(hashes):
                if hashes[position] != leaf.hash:
                    raise TreeFilesAltered(f"leaf {first_tile * TILE_WIDTH + position} is stored with another hash")
                continue
            hashes.append(leaf.hash)
            names.append((leaf.instance_id, leaf.seq))
        for index in range(first_tile, first_tile + (len(hashes) + TILE_WIDTH - 1) // TILE_WIDTH):
            part = slice((index - first_tile) * TILE_WIDTH, (index - first_tile + 1) * TILE_WIDTH)
            self._write(index, hashes[part], names[part])
        return max(size, first_tile * TILE_WIDTH + len(hashes))

    def _write(self, index: int, hashes: list[bytes], names: list[tuple[int, int]]) -> None:
        width = len(hashes)
        content = b"".join(hashes)
        listing = "".join(f"{instance} {seq}\n" for instance, seq in names).encode("ascii")
        for kind, data in ((NAMES, listing), (LEVEL0, content)):  # hashes last: their size is the tiles' size
            base = self.directory / kind / tile_path(index)
            if width == TILE_WIDTH:
                write_once(base, data)
                partial = base.parent / f"{base.name}.p"
                if partial.is_dir():
                    for old in partial.iterdir():
                        old.unlink()
                    partial.rmdir()
            elif not base.exists():
                write_once(base.parent / f"{base.name}.p" / str(width), data)
