"""opsflow-verify: checks an opsflow export bundle offline, with the standard library and ``cryptography`` only.

It imports nothing of opsflow: everything it needs (RFC 8785 canonical JSON, the RFC 6962 Merkle
checks, the signed-note checkpoint format) is written here again from the specifications, so that an
outside auditor can read it, or rewrite it, without trusting opsflow's own code. The bundle's
README.md describes the algorithm this package implements.
"""

__all__ = ["__version__", "main"]

__version__ = "0.2.0"  # the wheel's version (make dist); the bundle's README names the one it was written for

from .cli import main
