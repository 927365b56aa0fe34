"""The history of every instance: an append-only, hash-chained log, its verification and replay.

``log`` numbers, hashes and inserts a step's events (called only by the runtime's step writer);
``verify`` recomputes the chains; ``replay`` rebuilds an earlier step from the log.
This package reads and writes the log tables only; it knows nothing of running processes.
"""

from .log import GENESIS_HASH, PendingEvent, canonical_json, chain_events, data_delta, event_hash, insert_events
from .replay import replay_data
from .verify import ChainProblem, verify, verify_instance

__all__ = ["GENESIS_HASH", "ChainProblem", "PendingEvent", "canonical_json", "chain_events", "data_delta",
           "event_hash", "insert_events", "replay_data", "verify", "verify_instance"]
