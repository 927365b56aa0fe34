"""What auditors take away: the export bundle with its proofs, process-mining logs (XES, OCEL) and conformance.

Sits above the runtime (it replays histories with the runtime's runner) and below the facade.
Knows nothing of Flask or HTTP.
"""
