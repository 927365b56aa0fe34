"""The rollback note's format (``opsflow_verify.rollback``, the contract with the witnesses): parsing and signatures."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.history.checkpoints import sign_note, verifier_key
from opsflow_verify.rollback import body, check_rollback, parse_rollback

ROOT_N, ROOT_M = bytes(range(32)), bytes(range(1, 33))


def key_pair(name: str = "opsflow/history") -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key, verifier_key(name, public)


def signed(key: Ed25519PrivateKey, **changes: object) -> str:
    fields: dict[str, object] = {"origin": "opsflow/history", "from_size": 120, "from_root": ROOT_N, "to_size": 80,
                                 "to_root": ROOT_M, "by": "operator", "at": "2026-12-07T03:00:00.000000Z",
                                 "reason": "restored the nightly backup"}
    fields.update(changes)
    return sign_note(key, "opsflow/history", body(**fields))  # type: ignore[arg-type]


def test_a_signed_note_parses_and_checks():
    key, vkey = key_pair()
    note = parse_rollback(signed(key))
    assert (note.origin, note.from_size, note.from_root, note.to_size, note.to_root) == \
        ("opsflow/history", 120, ROOT_N, 80, ROOT_M)
    assert (note.by, note.at, note.reason) == ("operator", "2026-12-07T03:00:00.000000Z", "restored the nightly backup")
    check_rollback(note, [vkey])
    assert note.describe() == ("rolled back from 120 to 80 on 2026-12-07T03:00:00.000000Z by operator: "
                               "restored the nightly backup")


def test_another_key_or_an_edited_note_fails():
    key, _ = key_pair()
    _, other = key_pair()
    with pytest.raises(ValueError, match="not signed by"):
        check_rollback(parse_rollback(signed(key)), [other])
    _, vkey = key_pair()
    text = signed(key).replace("nightly", "weekly")
    with pytest.raises(ValueError, match="not signed by"):
        check_rollback(parse_rollback(text), [vkey])


@pytest.mark.parametrize("text, message", [
    ("opsflow/history rollback\n1\n", "not a signed note"),
    ("opsflow/history checkpoint\n1\nAA==\n\n— x AAAA\n", "8 lines"),
])
def test_what_is_not_a_rollback_note_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_rollback(text)


def test_a_reason_with_a_line_break_cannot_be_written():
    with pytest.raises(ValueError, match="one non-empty line"):
        body("opsflow/history", 2, ROOT_N, 1, ROOT_M, "operator", "2026-12-07T03:00:00Z", "two\nlines")


def test_a_note_that_goes_forward_is_no_rollback():
    key, vkey = key_pair()
    with pytest.raises(ValueError, match="not a rollback"):
        check_rollback(parse_rollback(signed(key, to_size=130)), [vkey])
