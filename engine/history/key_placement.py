"""In production the signing key lives off the database host's data folder: ``OPSFLOW_ENV=production`` makes
``opsflow serve`` and ``opsflow worker`` refuse to start unless ``OPSFLOW_SIGNING_KEY`` names a file outside
``instance/`` (where the SQLite database and the default key live) and outside the checkpoint folder, that
nobody but its owner may read. Whoever can read the key can re-sign a forged tree; keeping it on another mount
(ideally a machine the database's administrators cannot log in to, mounted read-only for the service user) is
what makes the signature mean something. Witnesses (``engine.history.witnesses``) cover the rest.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from .checkpoints import CheckpointSettings


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def key_problem(settings: CheckpointSettings, instance_dir: Path, env: Mapping[str, str]) -> str | None:
    """Why the key's place is not fit for production, or None (also when ``OPSFLOW_ENV`` is not production)."""
    if (env.get("OPSFLOW_ENV") or "").strip().lower() != "production":
        return None
    if not env.get("OPSFLOW_SIGNING_KEY"):
        return ("OPSFLOW_ENV=production: set OPSFLOW_SIGNING_KEY to the signing key's path on another mount, "
                f"outside {instance_dir} (the default key beside the database can be used by anyone who can "
                "change the database to re-sign a forged history)")
    key = settings.signing_key
    for folder, what in ((instance_dir, "the instance folder (beside the database)"),
                         (settings.directory, "the checkpoint folder")):
        if _inside(key, folder):
            return f"OPSFLOW_ENV=production: the signing key {key} is inside {what}; put it outside {folder}"
    if key.exists():
        mode = key.stat().st_mode
        if mode & (stat.S_IROTH | stat.S_IWOTH):
            return (f"OPSFLOW_ENV=production: the signing key {key} is readable or writable by everyone "
                    f"(mode {stat.filemode(mode)}); chmod 600 it")
        if not key.is_file():
            return f"OPSFLOW_ENV=production: the signing key {key} is not a file"
    elif not os.access(key.parent, os.W_OK):
        return f"OPSFLOW_ENV=production: the signing key {key} does not exist and cannot be made in {key.parent}"
    return None
