"""What auditors need: the workspace (find instances, replay them step by step, see the path taken and
the heatmap) and what they take away (the export bundle with its proofs, XES and OCEL logs, conformance).

The workspace only reads; the one thing it writes is the access log (``access_log.record_view``), which
says who looked at which instance or version, when, and what. It never writes an instance, a task or
a history event, and it never goes through the runtime's step writer (a look is not a step).

``search`` lists instances with filters and keyset paging; ``diagram`` reads a version's BPMN and
infers the path a token took from the history; ``replay`` rebuilds an instance as it was after any
step; ``heatmap`` sums the paths and the times of every instance of a version. ``bundle_export``,
``xes``, ``ocel`` and ``conformance`` make what an outside auditor or a process-mining tool reads.
``views`` holds the types these use cases return (``badge`` words a history check as the verified badge).
Sits above ``engine.runtime`` (conformance replays histories with the runtime's runner) and below the
facade; knows nothing of Flask or HTTP.
"""
