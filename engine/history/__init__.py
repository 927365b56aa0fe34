"""The history of every instance: an append-only, hash-chained log, its tamper evidence, verification and replay.

``log`` numbers, hashes and inserts a step's events (called only by the runtime's step writer) in the
pinned encoding of ``encoding``; ``sequencer`` puts committed events into one Merkle tree (``merkle``),
whose leaves are kept outside the database (``tiles``) under signed ``checkpoints``; ``verify``
recomputes the chains and checks the events against a checkpoint; ``replay`` rebuilds an earlier step.
This package reads and writes the log tables and the checkpoint directory only; it knows nothing of
running processes.
"""

from .encoding import ENCODING, LEGACY_ENCODING, canonical, event_bytes, event_hash
from .log import GENESIS_HASH, PendingEvent, canonical_json, chain_events, data_delta, insert_events
from .replay import replay_data
from .verify import ChainProblem, VerifyReport, check_history, verify

__all__ = ["ENCODING", "GENESIS_HASH", "LEGACY_ENCODING", "ChainProblem", "PendingEvent", "VerifyReport",
           "canonical", "canonical_json", "chain_events", "check_history", "data_delta", "event_bytes", "event_hash",
           "insert_events", "replay_data", "verify"]
