"""The auditors' workspace: find instances, replay them step by step, see the path taken and the heatmap.

Everything here reads; the one thing it writes is the access log (``access_log.record_view``), which
says who looked at which instance or version, when, and what. It never writes an instance, a task or
a history event, and it never goes through the runtime's step writer (a look is not a step).

``search`` lists instances with filters and keyset paging; ``diagram`` reads a version's BPMN and
infers the path a token took from the history; ``replay`` rebuilds an instance as it was after any
step; ``heatmap`` sums the paths and the times of every instance of a version.
Sits above ``engine.runtime``; knows nothing of Flask or HTTP.
"""
