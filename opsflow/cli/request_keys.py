"""``--request-key KEY`` on the command line's writes (``start``, ``complete``): a script that runs a command again
after a timeout or a lost connection gets the first run's answer again (exit 0) and nothing is done twice; the same
key with other arguments is refused (``REUSED``) and nothing is done. Keys are the engine's request keys
(``engine.runtime.request_keys``): per ``--as`` user, for 24 hours, shared with the API's ``Idempotency-Key``.

Without ``--request-key`` a command is done as ever: the command line never makes a key up, since only the caller
knows whether two runs are one attempt tried again or two wishes (two identical starts may well be meant).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.results import as_json
from engine.runtime.request_keys import MAX_KEY_LENGTH, KeptAnswer, RequestKey, RequestKeyReused, printable_key

REUSED = 11  # the exit code of a key sent before with other arguments
HELP = (f"a key (1 to {MAX_KEY_LENGTH} printable ASCII characters) that makes running the command again safe: for "
        f"24 hours the same key and arguments print the first run's answer again (exit 0) and do nothing more; "
        f"the same key with other arguments does nothing and exits {REUSED}; while the first run is under way, 5")


def add_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--request-key", metavar="KEY", help=HELP)


def sent_key(args: argparse.Namespace, command: str, *arguments: Any) -> RequestKey | None:
    """The key of this run of ``command`` with ``arguments`` (what it writes, ``--as`` aside), if one was given.
    :raise InvalidInput: a key that is empty, too long or not printable ASCII."""
    key: str | None = args.request_key
    if key is None:
        return None
    if not (0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise InvalidInput(f"--request-key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters")
    what = json.dumps(["cli", command, *arguments], sort_keys=True, ensure_ascii=False, default=str)
    return RequestKey(args.actor, key, hashlib.sha256(what.encode("utf-8")).hexdigest())


def answered_before(engine: Engine, key: RequestKey | None) -> Any | None:
    """What the first run with ``key`` printed (its JSON value), None for a new key; says so on stderr.
    :raise RequestKeyReused: other arguments. :raise Conflict: the first run is under way."""
    if key is None:
        return None
    try:
        kept = engine.requests.recall(key)
    except RequestKeyReused as exc:
        raise RequestKeyReused(f"--request-key {printable_key(key.key)!r} was used before with other arguments; "
                               "nothing was done (use a new key for a new request)") from exc
    if kept is None:
        return None
    print(f"note: --request-key {printable_key(key.key)!r} was used before with these arguments: its answer again, "
          "nothing done now", file=sys.stderr)
    return json.loads(kept.body)


def keep(engine: Engine, key: RequestKey | None, value: Any) -> None:
    """Remember what this run printed, for a run again with its key."""
    if key is not None:
        engine.requests.keep_answer(key, KeptAnswer(0, json.dumps(as_json(value), ensure_ascii=False, default=str),
                                                    None))
