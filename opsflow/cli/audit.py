"""The audit workspace on the command line: search instances, replay one step by step, heatmaps, the access log.

``opsflow replay ID`` without ``--as`` runs as the operator (who reads the database directly anyway):
no rights are checked, and the view is recorded in the access log as ``opsflow cli (OS user)``.
"""

from __future__ import annotations

import argparse
import getpass
import json

from engine.audit.views import AuditStep
from engine.facade import Engine
from engine.org.people import Caller, Operator, Person

from .commands import OPERATOR, Commands, record_id
from .output import emit, table

SEARCH_OPTIONS = (("--process", "process", "process key"), ("--version", "version", "version (with --process)"),
                  ("--status", "status", "running, completed, cancelled or failed"),
                  ("--end", "end", "end event reached, e.g. approved or vetoed"),
                  ("--started-by", "started_by", "who started it (username)"),
                  ("--actor", "actor", "who completed a step of it (username)"),
                  ("--from", "from", "first day (YYYY-MM-DD, China time)"),
                  ("--to", "to", "last day, included"),
                  ("--dates", "dates", "the range is on: started (default) or ended"),
                  ("-q", "q", "text in the title"),
                  ("--rework", "rework", "true: a step was done more than once; false: none was"),
                  ("--move", "move", "a move made on it: transferred, delegated, signers_added, signer_removed, "
                   "countersigned, returned, withdrawn, urged, copied, attached, auto_passed or on_behalf_of"),
                  ("--breached", "breached", "true: a step passed its due time; false: none did"),
                  ("--sort", "sort", "started (default), ended or id"),
                  ("--order", "order", "desc (default) or asc"), ("--after", "after", "the cursor a page ended with"),
                  ("--limit", "limit", "page size, 1-200 (default 50)"))


def looker(args: argparse.Namespace) -> Caller:
    """Who looks: the user of ``--as`` (whose rights are checked), else the operator, recorded in the access
    log with the OS user (``opsflow cli (root)``)."""
    if args.actor_user is not None:
        return Person(args.actor_user)
    try:
        return Operator(f"{OPERATOR.name} ({getpass.getuser()})")
    except (OSError, KeyError):
        return OPERATOR


def cmd_instances(engine: Engine, args: argparse.Namespace) -> None:
    params = {dest: getattr(args, dest) for _flag, dest, _help in SEARCH_OPTIONS}
    page = engine.audit.search(Person(args.actor_user), params)

    def text() -> None:
        table(page["items"], ["id", "process", "version", "status", "end_event", "started_by", "started_at",
                              "ended_at", "title"])
        if page["next"]:
            print(f"more: --after {page['next']}")

    emit(args, page, text)


def _detail(step: AuditStep) -> str:
    parts = [f"{k}={v}" for k, v in (("decision", step["decision"]), ("to", step["to"])) if v]
    if step["comment"]:
        parts.append(json.dumps(step["comment"], ensure_ascii=False)[:80])
    changed = [c["key"] for c in step["changes"]]
    if changed:
        parts.append("data: " + ", ".join(changed))
    return "  ".join(parts)


def cmd_replay(engine: Engine, args: argparse.Namespace) -> None:
    if args.step is None:
        view = engine.audit.instance(looker(args), args.id)

        def steps() -> None:
            for s in view["steps"]:
                print(f"{s['step']:>3}  #{s['seq']:<4} {s['at']}  {s['kind']:<18} {s['actor'] or '-':<10} "
                      f"{s['task_name'] or '':<18} {_detail(s)}")

        emit(args, view["steps"], steps)
        return
    state = engine.audit.replay(looker(args), args.id, args.step)

    def text() -> None:
        print(f"instance {state['instance_id']} after step {state['step']} of {state['steps']} "
              f"(event #{state['seq']}, {state['at']}): {state['status']}"
              + (f", ended at {state['end_event']}" if state["end_event"] else ""))
        table(state["open_tasks"], ["id", "name", "role", "assignee", "since"])
        print(json.dumps(state["data"], ensure_ascii=False, indent=2))

    emit(args, state, text)


def cmd_show(engine: Engine, args: argparse.Namespace) -> None:
    view = engine.audit.instance(looker(args), args.id)
    integrity = view["integrity"]

    def text() -> None:
        print(f"{view['id']}  {view['title']}  ({view['process']} v{view['version']}, {view['status']}"
              + (f", {view['end_event']}" if view["end_event"] else "") + ")")
        print(f"chain: {'intact' if integrity['chain_ok'] else 'BROKEN'} over {integrity['events']} events; "
              "checkpoint inclusion and signature: not checked")
        loops = view["path"]["loops"]
        if loops:
            print("visited more than once: " + ", ".join(f"{k} ×{n}" for k, n in sorted(loops.items())))
        if view["path"]["inferred"]:
            print("inferred from the model (not logged): " + ", ".join(view["path"]["inferred"]))
        for s in view["steps"]:
            print(f"{s['step']:>3}  {s['at']}  {s['kind']:<18} {s['actor'] or '-':<10} {s['task_name'] or '':<18} "
                  + _detail(s))

    emit(args, view, text)


def cmd_heatmap(engine: Engine, args: argparse.Namespace) -> None:
    version = args.version
    if version is None:
        known = [v.version for v in engine.audit.versions(Person(args.actor_user)) if v.process == args.key]
        version = max(known) if known else 1
    numbers = engine.audit.heatmap(Person(args.actor_user), args.key, version)

    def hours(seconds: float | None) -> str:
        return "-" if seconds is None else f"{seconds / 3600:.1f}h"

    def text() -> None:
        print(f"{numbers['process']} v{numbers['version']}: {numbers['instances']} instance(s); "
              f"times: {numbers['time_basis']}")
        rows = []
        for e in numbers["elements"]:
            opened = e["times"].get("open")
            rows.append({"element": e["id"], "type": e["type"], "instances": e["instances"], "passes": e["passes"],
                         "open_now": e["open_now"], "median": hours(opened["median_s"] if opened else None),
                         "p90": hours(opened["p90_s"] if opened else None),
                         "median_working": hours(opened["median_working_s"] if opened else None),
                         "p90_working": hours(opened["p90_working_s"] if opened else None)})
        table(rows, ["element", "type", "instances", "passes", "open_now", "median", "p90", "median_working",
                     "p90_working"])
        for gateway in numbers["gateways"]:
            ways = ", ".join(f"{p['to']} {p['count']}" for p in gateway["paths"])
            print(f"{gateway['id']}: {gateway['passes']} pass(es): {ways}")

    emit(args, numbers, text)


def cmd_log(engine: Engine, args: argparse.Namespace) -> None:
    page = engine.audit.access_log(Person(args.actor_user), args.viewer, args.instance, args.before, args.limit)

    def text() -> None:
        table(page["items"], ["id", "at", "viewer", "what", "instance_id", "process", "version", "detail"])
        if page["next"]:
            print(f"more: --before {page['next']}")

    emit(args, page, text)


def cmd_breaches(engine: Engine, args: argparse.Namespace) -> None:
    found = engine.audit.breaches(looker(args), {"process": args.process, "person": args.person,
                                                 "from": args.date_from, "to": args.date_to, "limit": args.limit})

    def text() -> None:
        table([{"task": b["task_id"], "instance": b["instance_id"], "process": b["process"], "step": b["step"],
                "holder": b["holder"] or "-", "due": b["due_at"], "done": b["done_at"] or "(open)",
                "late": f"{b['late_minutes'] // 60}h{b['late_minutes'] % 60:02d}m", "escalated": "yes" if b["escalated"]
                else "no"} for b in found],
              ["task", "instance", "process", "step", "holder", "due", "done", "late", "escalated"])

    emit(args, found, text)


def cmd_sod_report(engine: Engine, args: argparse.Namespace) -> None:
    found = engine.separation.report(looker(args), {"process": args.process, "person": args.person,
                                                    "from": args.date_from, "to": args.date_to})

    def text() -> None:
        table([{"at": f["at"], "kind": f["kind"], "instance": f["instance_id"], "process": f["process"],
                "step": f["step"], "kept_from": f["other_step"], "person": f["person"] or "-", "by": f["by"] or "-",
                "reason": f["reason"] or ""} for f in found],
              ["at", "kind", "instance", "process", "step", "kept_from", "person", "by", "reason"])

    emit(args, found, text)


def cmd_sod_override(engine: Engine, args: argparse.Namespace) -> None:
    done = engine.separation.override(Person(args.actor_user), args.task, args.reason)
    emit(args, done, lambda: print(f"task {done['task_id']} ({done['step']}) may now be done by whoever did "
                                   f"{done['other_step']}: overridden by {done['by']}, on the request's history"))


def _as(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="actor_user", metavar="USER",
                   help="look as this user (rights checked); without it, as the operator")


def register(commands: Commands) -> None:
    p = commands.add("replay", cmd_replay, "an instance as it was right after step N, rebuilt from its log "
                                           "(without --step: its steps)")
    p.add_argument("id", type=record_id("process instance"))
    p.add_argument("--step", type=int, help="the step (1 is the start)")
    _as(p)
    p = commands.add("breaches", cmd_breaches, "steps that passed their due time (超时), the latest due first: how "
                                               "late, who held them, whether they were escalated")
    p.add_argument("--process", help="process key")
    p.add_argument("--person", help="who held the step (username)")
    p.add_argument("--from", dest="date_from", help="first due day (YYYY-MM-DD, China time)")
    p.add_argument("--to", dest="date_to", help="last due day, included")
    p.add_argument("--limit", default="200", help="at most this many (1-1000)")
    _as(p)
    sod = Commands(commands.group("sod", "separation of duties (不相容职责分离): the report, overriding a rule"))
    p = sod.add("report", cmd_sod_report, "one person on both sides of a rule, and every override, newest first")
    p.add_argument("--process", help="process key")
    p.add_argument("--person", help="who did both steps, or who overrode")
    p.add_argument("--from", dest="date_from", help="first day (YYYY-MM-DD, China time)")
    p.add_argument("--to", dest="date_to", help="last day, included")
    _as(p)
    p = sod.add("override", cmd_sod_override, "let one open task be done despite its rule, with a reason "
                                              "(the director, admins)")
    p.add_argument("task", type=record_id("task"))
    p.add_argument("--reason", required=True)
    p.add_argument("--as", dest="actor_user", required=True, metavar="USER", help="who overrides")
    group = commands.group("audit", "the audit workspace: search, an instance step by step, heatmaps, access log")
    sub = Commands(group)
    p = sub.add("instances", cmd_instances, "find instances to audit, with filters and keyset paging")
    p.add_argument("--as", dest="actor_user", required=True, metavar="USER", help="who is looking")
    for flag, dest, help_text in SEARCH_OPTIONS:
        p.add_argument(flag, dest=dest, help=help_text)
    p = sub.add("show", cmd_show, "an instance step by step, with the data each step changed and its chain check")
    p.add_argument("id", type=record_id("process instance"))
    _as(p)
    p = sub.add("heatmap", cmd_heatmap, "a version's passes, times and gateway paths")
    p.add_argument("key")
    p.add_argument("--version", type=int, help="default: the newest")
    p.add_argument("--as", dest="actor_user", required=True, metavar="USER", help="who is looking")
    p = sub.add("log", cmd_log, "the access log: who looked at what (auditors and admins)")
    p.add_argument("--as", dest="actor_user", required=True, metavar="USER", help="who is looking")
    p.add_argument("--viewer", help="only this viewer's looks")
    p.add_argument("--instance", type=record_id("process instance"), help="only looks at this instance")
    p.add_argument("--before", type=int, help="the id a page ended with")
    p.add_argument("--limit", type=int, default=100)
