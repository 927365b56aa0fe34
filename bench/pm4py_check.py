"""Replay a fresh opsflow XES export on the deployed BPMN model with pm4py's own import, as it is (no relabelling),
and read the OCEL 2.0 export.

pm4py is AGPL-3.0: it is never a dependency of opsflow. Run this in a throwaway virtualenv outside
the repository, on files exported with opsflow (the README's "Process mining with pm4py" says the whole recipe):

    python3 -m venv /tmp/pm4py-venv && /tmp/pm4py-venv/bin/pip install pm4py==2.7.23.11
    opsflow export xes --process market_plan -o /tmp/market_plan.xes
    opsflow export ocel --process market_plan -o /tmp/market_plan.ocel.json
    /tmp/pm4py-venv/bin/python bench/pm4py_check.py /tmp/market_plan.xes /tmp/market_plan.ocel.json \
        [processes/market_plan.bpmn]

The log is kept to the instances that reached an end event (trace attribute ``opsflow:status`` = completed: a
cancelled, withdrawn or running one stops half-way through the model) and to their ``complete`` events (a step's
assign/start, the instance's start and end, the moves are other lifecycle transitions); pm4py names the Petri
net's transitions by the BPMN names, as opsflow names its events. Prints the figures: traces, events, token-based
replay fitness, alignment fitness, precision.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import pm4py  # type: ignore[import-not-found]

BPMN = Path(__file__).resolve().parent.parent / "processes" / "market_plan.bpmn"


def main(xes: str, ocel: str | None, bpmn: Path = BPMN) -> None:
    warnings.filterwarnings("ignore")
    log = pm4py.read_xes(xes)
    print(f"XES: {len(log)} events, {log['case:concept:name'].nunique()} traces")
    print("lifecycle transitions:", log["lifecycle:transition"].value_counts().to_dict())
    print("instances by status:", log.groupby("case:opsflow:status")["case:concept:name"].nunique().to_dict())
    ended = pm4py.filter_trace_attribute_values(log, "case:opsflow:status", ["completed"])  # at an end event
    done = pm4py.filter_event_attribute_values(ended, "lifecycle:transition", ["complete"], level="event")
    print(f"ended instances, kept to lifecycle complete: {len(done)} events, "
          f"{done['case:concept:name'].nunique()} traces, {len(pm4py.get_variants(done))} variants")
    print("activities:", done["concept:name"].value_counts().to_dict())
    net, initial, final = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(bpmn)))
    began = time.perf_counter()
    replay = pm4py.fitness_token_based_replay(done, net, initial, final)
    print(f"token-based replay ({time.perf_counter() - began:.1f} s):", replay)
    began = time.perf_counter()
    print("alignments:", pm4py.fitness_alignments(done, net, initial, final),
          f"({time.perf_counter() - began:.1f} s)")
    print("precision (token-based replay):", pm4py.precision_token_based_replay(done, net, initial, final))
    if ocel:
        print("OCEL 2.0:", pm4py.read_ocel2_json(ocel))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None,
         Path(sys.argv[3]) if len(sys.argv) > 3 else BPMN)
