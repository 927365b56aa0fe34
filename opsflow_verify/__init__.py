"""opsflow-verify: checks an opsflow export bundle offline, with the standard library and ``cryptography`` only.

It imports nothing of opsflow: everything it needs (RFC 8785 canonical JSON, the RFC 6962 Merkle
checks, the signed-note checkpoint format) is written here again from the specifications, so that an
outside auditor can read it, or rewrite it, without trusting opsflow's own code. The bundle's
README.md describes the algorithm this package implements.
"""

__all__ = ["main"]

from .cli import main
