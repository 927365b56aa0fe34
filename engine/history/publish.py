"""Checkpoints leave the server: each new one is copied to a folder (another mount) and POSTed to an HTTP
endpoint, with the consistency proof from the one before it and the log's public key.

Settings: ``OPSFLOW_PUBLISH_DIR`` (a folder, ideally on another machine's mount), ``OPSFLOW_PUBLISH_URL``
(each file POSTed as ``text/plain``, its name in the ``X-Opsflow-File`` header; ``OPSFLOW_PUBLISH_TOKEN``
sent as a bearer token), ``OPSFLOW_PUBLISH_EMAIL`` (role keys, e.g. ``auditor``: the note is e-mailed to
their holders, through the notifications and the e-mail jobs). Each destination is its own job
(``engine.scheduling.publishing``): one that fails is retried, then an incident, and never stops checkpoints.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput, OpsflowError
from .checkpoints import CheckpointSettings
from .tiles import write_once
from .witnesses import proofs_to

PUBLIC_KEY_NAME = "log.vkey"
FOLDER, HTTP, EMAIL = "folder", "http", "email"


class PublishFailed(OpsflowError):
    """A destination did not take a checkpoint (it is still made and kept; the job is retried)."""

    code = "publish_failed"


@dataclass(frozen=True)
class PublishSettings:
    folder: Path | None = None
    url: str | None = None
    token: str | None = None
    email_roles: tuple[str, ...] = ()
    timeout: float = 20.0

    @classmethod
    def from_env(cls) -> PublishSettings:
        """:raise InvalidInput: ``OPSFLOW_PUBLISH_URL`` is not an http(s) URL."""
        folder = os.environ.get("OPSFLOW_PUBLISH_DIR") or None
        url = os.environ.get("OPSFLOW_PUBLISH_URL") or None
        if url is not None and not url.startswith(("http://", "https://")):
            raise InvalidInput(f"OPSFLOW_PUBLISH_URL must be an http:// or https:// URL, not {url!r}")
        roles = tuple(r.strip() for r in (os.environ.get("OPSFLOW_PUBLISH_EMAIL") or "").split(",") if r.strip())
        return cls(Path(folder) if folder else None, url,
                   os.environ.get("OPSFLOW_PUBLISH_TOKEN") or None, roles)

    @property
    def destinations(self) -> list[str]:
        return [name for name, on in ((FOLDER, self.folder), (HTTP, self.url), (EMAIL, self.email_roles)) if on]


def destinations(settings: CheckpointSettings) -> list[str]:
    return settings.publish.destinations if settings.publish else []


def files_of(settings: CheckpointSettings, name: str) -> list[Path]:
    """What goes out with the file ``name`` of the checkpoint folder: it, the consistency proofs that end at its
    size (for a checkpoint) and the log's public key. :raise PublishFailed: the file is gone."""
    path = settings.directory / Path(name).name
    if not path.is_file():
        raise PublishFailed(f"{path} is not there to publish (was the checkpoint folder changed?)")
    files = [path]
    if path.name.startswith("checkpoint-"):
        files += proofs_to(settings, int(path.name.split("-")[1]))
    if settings.public_key_file.is_file():
        files.append(settings.public_key_file)
    return files


def _published_name(settings: CheckpointSettings, path: Path) -> str:
    return PUBLIC_KEY_NAME if path == settings.public_key_file else path.name


def to_folder(settings: CheckpointSettings, files: list[Path]) -> None:
    """Copy the files into ``OPSFLOW_PUBLISH_DIR`` (written once: a copy there that differs is refused).

    :raise PublishFailed:"""
    assert settings.publish is not None and settings.publish.folder is not None
    target = settings.publish.folder
    try:
        for path in files:
            write_once(target / _published_name(settings, path), path.read_bytes())
    except OSError as exc:
        raise PublishFailed(f"the checkpoint could not be copied to {target}: {exc}") from exc
    except OpsflowError as exc:
        raise PublishFailed(f"publishing to {target}: {exc.message}") from exc


def to_http(settings: CheckpointSettings, files: list[Path]) -> None:
    """POST each file to ``OPSFLOW_PUBLISH_URL``. :raise PublishFailed: refused, or no answer."""
    publish = settings.publish
    assert publish is not None and publish.url is not None
    for path in files:
        headers = {"Content-Type": "text/plain; charset=utf-8", "X-Opsflow-File": _published_name(settings, path)}
        if publish.token:
            headers["Authorization"] = f"Bearer {publish.token}"
        # An http(s) URL only (``from_env`` refuses others): S310 is about file: and custom schemes.
        request = urllib.request.Request(publish.url, data=path.read_bytes(), headers=headers,  # noqa: S310
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=publish.timeout) as answer:  # noqa: S310
                answer.read()
        except urllib.error.HTTPError as exc:
            raise PublishFailed(f"{publish.url} refused {path.name}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PublishFailed(f"{publish.url} did not take {path.name}: {reason}") from exc
