"""Read opsflow's XES and OCEL exports with pm4py, as a process-mining tool would, and replay the XES
on the BPMN model with token-based replay.

pm4py is AGPL-3.0: it is never a dependency of opsflow. Run this in a throwaway virtualenv outside
the repository, on files exported with opsflow:

    python3 -m venv /tmp/pm4py-venv && /tmp/pm4py-venv/bin/pip install pm4py
    opsflow export xes --process market_plan -o /tmp/market_plan.xes
    opsflow export ocel --process market_plan -o /tmp/market_plan.ocel.json
    /tmp/pm4py-venv/bin/python bench/pm4py_check.py /tmp/market_plan.xes /tmp/market_plan.ocel.json

pm4py labels the Petri net's transitions with the BPMN *names* (the ids are in ``t.name``); opsflow's
events are named by BPMN *id*, so the user tasks are relabelled to their ids and everything else
(script tasks, gateways) is made silent before the replay.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pm4py  # type: ignore[import-not-found]

BPMN = Path(__file__).resolve().parent.parent / "processes" / "market_plan.bpmn"
USER_TASKS = ("research", "draft_plan", "manager_review", "director_signoff")


def main(xes: str, ocel: str) -> None:
    warnings.filterwarnings("ignore")
    log = pm4py.read_xes(xes)
    print(f"XES: {len(log)} events, {log['case:concept:name'].nunique()} traces")
    print("activities:", log["concept:name"].value_counts().to_dict())
    net, initial, final = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(BPMN)))
    for transition in net.transitions:
        if transition.label is not None:
            transition.label = next((t for t in USER_TASKS if t in str(transition.name)), None)
    print("token-based replay:", pm4py.fitness_token_based_replay(log, net, initial, final))
    print("OCEL 2.0:", pm4py.read_ocel2_json(ocel))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
