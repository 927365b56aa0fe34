"""Files and folders opsflow makes on disk are its own: files 0600, folders 0700 (whatever the umask).

The SQLite database (and the journal files SQLite makes beside it with the same mode), the signing key and its
public key, the checkpoints and tiles, the lock file: nobody else on the machine reads or changes them.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def private_folder(path: Path) -> Path:
    """Make ``path`` (and its missing parents) as folders only their owner opens; an existing one is left as is."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        os.chmod(folder, PRIVATE_FOLDER)  # mkdir's mode passes through the umask
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty, readable and writable by its owner only, unless it exists (then left as is)."""
    private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        return path
    os.chmod(path, PRIVATE_FILE)
    return path


def write_private(path: Path, content: bytes) -> None:
    """Write ``path`` whole, readable and writable by its owner only."""
    private_file(path)
    os.chmod(path, PRIVATE_FILE)
    path.write_bytes(content)
