"""What the verified badge found, said in the reader's language and without the server's file paths.

The engine names each problem in English for the CLI and the logs (``engine.history.verify``); the page says the
same in Chinese or English, and never shows where the server keeps its checkpoints.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..i18n import _

Say = Callable[[re.Match[str]], str]
EVENT = r"event #(\d+)(?: \(([\w.]+)\))?"
TEXTS: list[tuple[re.Pattern[str], Say]] = [
    (re.compile(rf"^{EVENT} stands where #(\d+) belongs"),
     lambda m: _("Event #%(seq)s stands where #%(expected)s belongs: an event was deleted or the log reordered.",
                 seq=m.group(1), expected=m.group(3))),
    (re.compile(rf"^{EVENT} does not follow the event before it"),
     lambda m: _("Event #%(seq)s does not follow the event before it: the chain is broken.", seq=m.group(1))),
    (re.compile(rf"^{EVENT} cannot be read"),
     lambda m: _("Event #%(seq)s cannot be read: it was altered.", seq=m.group(1))),
    (re.compile(rf"^{EVENT} was edited"),
     lambda m: _("Event #%(seq)s was edited: its hash does not match what it holds.", seq=m.group(1))),
    (re.compile(rf"^{EVENT} (was changed after it was checkpointed|takes the place of|was changed)"),
     lambda m: _("Event #%(seq)s was changed after it was put under a signed checkpoint: it no longer matches "
                 "the checkpoint's record of it (later events of this request are not listed).", seq=m.group(1))),
    (re.compile(rf"^{EVENT} was deleted from the database"),
     lambda m: _("Event #%(seq)s was deleted: the signed checkpoint records it, the database no longer has it.",
                 seq=m.group(1))),
    (re.compile(r"^the log ends at #(\d+) but .* anchor records #(\d+)"),
     lambda m: _("The history ends at event #%(seq)s but the request records #%(anchor)s: events were deleted "
                 "or rewritten.", seq=m.group(1), anchor=m.group(2))),
    (re.compile(r"^the log's newest event #(\d+) does not match"),
     lambda m: _("The newest event #%(seq)s does not match what the request records: the history was "
                 "rewritten.", seq=m.group(1))),
    (re.compile(r"its signature does not verify"),
     lambda m: _("The checkpoint's signature does not verify: the checkpoint was forged or altered.")),
    (re.compile(r"^no public key at "),
     lambda m: _("The checkpoint cannot be checked: its public key is missing on the server.")),
    (re.compile(r"do not reproduce the root"),
     lambda m: _("The checkpoint's leaf files were altered: they do not reproduce its signed root.")),
    (re.compile(r"^the checkpoints in .* belong to log"),
     lambda m: _("The checkpoints found belong to another database's history.")),
    (re.compile(r"^checkpoint (\d+) \(.*\) was never cosigned by witness (.+): (\d+) of the (\d+) cosignature"),
     lambda m: _("Checkpoint %(size)s was never cosigned by witness %(witnesses)s (%(good)s of the %(needed)s "
                 "cosignatures required): a history the witnesses never saw cannot be trusted.", size=m.group(1),
                 witnesses=m.group(2), good=m.group(3), needed=m.group(4))),
    (re.compile(r"^attachment '(.+)' \(SHA-256 (\w+)…\)"),
     lambda m: _("The attached file %(name)s was changed or lost since the history recorded it.", name=m.group(1))),
]
PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[^\s/:,]+)+/?")


def tamper_text(message: str) -> str:
    """A verify problem in the reader's language; one not known here is shown with its paths left out."""
    for pattern, text in TEXTS:
        match = pattern.search(message)
        if match:
            return text(match)
    return PATH.sub("…", message)
