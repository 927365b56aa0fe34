"""The pinned encoding: published vectors for RFC 8785, the event bytes and the tree, checked against
opsflow's encoder, the ``rfc8785`` package and the offline verifier's own implementation."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime

import pytest
import rfc8785

from engine.history import merkle
from engine.history.encoding import (
    NotEncodable,
    canonical,
    canonical_and_plain,
    event_bytes,
    event_hash,
    spliced_event_hash,
)
from opsflow_verify import jcs
from opsflow_verify import tree as verifier_tree
from opsflow_verify.bundle import event_bytes as verifier_event_bytes
from tests.paths import REPO

VECTORS = json.loads((REPO / "docs" / "history-encoding-vectors.json")
                     .read_text(encoding="utf-8"))


@pytest.mark.parametrize("vector", VECTORS["canonical"], ids=lambda v: v["name"])
def test_canonical_json_vectors(vector):
    expected = vector["canonical"].encode("utf-8")
    assert canonical(vector["value"]) == expected
    assert rfc8785.dumps(vector["value"]) == expected
    assert jcs.canonical(vector["value"]).encode("utf-8") == expected


def test_the_rfc_8785_examples_are_among_the_vectors():
    by_name = {v["name"]: v["canonical"] for v in VECTORS["canonical"]}
    assert by_name["RFC 8785 3.2.2 numbers"] == "[333333333.3333333,1e+30,4.5,0.002,1e-27]"
    assert by_name["RFC 8785 3.2.3 sorting"].startswith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')


@pytest.mark.parametrize("vector", VECTORS["events"], ids=lambda v: f"encoding {v['encoding']}")
def test_event_vectors(vector):
    data = event_bytes(vector["encoding"], vector["prev_hash"], vector["instance_id"], vector["seq"], vector["kind"],
                       vector["occurred_at"], vector["actor"], vector["task_name"], vector["human_task_id"],
                       vector["payload_json"])
    assert data.decode("utf-8") == vector["bytes"]
    assert hashlib.sha256(data).hexdigest() == vector["hash"]
    assert merkle.leaf_hash(data).hex() == vector["leaf_hash"]
    record = {k: vector[k] for k in ("encoding", "prev_hash", "instance_id", "seq", "kind", "occurred_at", "actor",
                                     "task_name", "human_task_id")}
    record["payload_json" if vector["encoding"] == 1 else "payload"] = \
        vector["payload_json"] if vector["encoding"] == 1 else json.loads(vector["payload_json"])
    assert verifier_event_bytes(record) == data


def test_merkle_vectors_and_the_published_rfc_6962_root():
    m = VECTORS["merkle"]
    leaves = [merkle.leaf_hash(bytes.fromhex(d)) for d in m["leaf_data_hex"]]
    assert [x.hex() for x in leaves] == m["leaf_hashes_hex"]
    tree = merkle.Tree(leaves)
    assert tree.root().hex() == m["root_hex"]
    path = [bytes.fromhex(p) for p in m["inclusion"]["path_hex"]]
    index = m["inclusion"]["index"]
    assert verifier_tree.root_from_inclusion(index, len(leaves), leaves[index], path) == tree.root()
    proof = [bytes.fromhex(p) for p in m["consistency"]["proof_hex"]]
    assert verifier_tree.consistent(m["consistency"]["old_size"], len(leaves),
                                    bytes.fromhex(m["consistency"]["old_root_hex"]), tree.root(), proof)
    # The certificate-transparency reference vector (RFC 6962 test data, 8 leaves).
    ct = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
    ct_root = merkle.Tree([merkle.leaf_hash(bytes.fromhex(d)) for d in ct]).root()
    assert ct_root.hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert merkle.root([merkle.leaf_hash(b"")]).hex() == \
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


def _value(rng: random.Random, depth: int = 0):
    choice = rng.randrange(8 if depth < 3 else 5)
    if choice == 0:
        return rng.choice([None, True, False])
    if choice == 1:
        return rng.randint(-2**53 + 1, 2**53 - 1)
    if choice == 2:
        return rng.choice([rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randint(-30, 30), 0.5, 1e21, 1e-7])
    if choice in (3, 4):
        return "".join(rng.choice("aZ09 \t\n\"\\/\u00e9\u4e2d\u6587\U0001f600\u2028\x01\x7f") for _ in range(6))
    if choice == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {"".join(rng.choice("ab\u00e9\ufb33\U0001f600\u20ac1") for _ in range(3)): _value(rng, depth + 1)
            for _ in range(rng.randrange(4))}


def test_every_encoder_agrees_on_generated_values():
    rng = random.Random(8785)  # noqa: S311 - reproducible test data, not secrets
    for _ in range(3000):
        value = _value(rng)
        expected = rfc8785.dumps(value)
        assert canonical(value) == expected, value
        assert jcs.canonical(value).encode("utf-8") == expected, value


def test_a_payload_spliced_in_as_written_hashes_as_when_read_back():
    """The write path splices the payload's canonical text into the record; the verifier reads the stored text as
    JSON and canonicalizes the whole record: both must give the same hash, whatever the payload and the names."""
    rng = random.Random(6962)  # noqa: S311 - reproducible test data, not secrets
    at = datetime(2026, 12, 7, 6, 30, 1, 123456, tzinfo=UTC)
    names = [None, "li.na", "研究 \"payload\":null,\"prev_hash\":", "\u2028\x01"]
    spliced = 0
    for n in range(3000):
        payload = {"value": _value(rng)} if n % 3 else _value(rng)
        try:
            written, plain = canonical_and_plain(payload)
        except NotEncodable:
            continue
        if not plain:  # floats, keys beyond ASCII: hashed as read back (chain_events), never spliced
            continue
        spliced += 1
        text = written.decode("utf-8")
        actor, task = rng.choice(names), rng.choice(names)
        human_task_id = rng.choice([None, 0, 2**53 - 1])
        instance_id = rng.choice([None, 7])
        expected = event_hash("0" * 64, instance_id, n, "task_completed", at, actor, task, human_task_id, text)
        assert spliced_event_hash("0" * 64, instance_id, n, "task_completed", at, actor, task, human_task_id,
                                  text) == expected, payload
    assert spliced > 500


def test_values_rfc_8785_cannot_hold_exactly_are_refused():
    for value in (2**53, -(2**53), float("nan"), float("inf"), {"x": [2**60]}):
        with pytest.raises(NotEncodable):
            canonical(value)
