"""Exports for auditors: the verifiable bundle, process-mining logs (XES, OCEL 2.0), conformance."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.audit.xes import LABELS, LogFilter, parse_date, parse_label
from engine.errors import InvalidInput
from engine.facade import Engine
from engine.results import as_json

from .commands import OPERATOR, Commands, caller, record_id
from .output import emit, print_json, table
from .progress import progress_for


def _open_output(path: str) -> Path:
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise InvalidInput(f"-o {path}: the folder {target.parent} does not exist")
    return target


def cmd_export_bundle(engine: Engine, args: argparse.Namespace) -> None:
    target = _open_output(args.output)
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "wb") as out:
            summary = engine.audit.export_bundle(caller(args.actor), args.ids, out)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    emit(args, {**as_json(summary), "file": str(target)},
         lambda: print(f"bundle {target}: {summary.events} event(s) of {len(args.ids)} instance(s), checkpoint size "
                       f"{summary.checkpoint_size}; check it with: opsflow-verify {target}"))


def _filter(args: argparse.Namespace) -> LogFilter:
    return LogFilter(args.process, getattr(args, "version", None), parse_date(getattr(args, "start", None), "--from"),
                     parse_date(getattr(args, "end", None), "--to"),
                     parse_label(getattr(args, "label", None), "--label"))


def cmd_export_xes(engine: Engine, args: argparse.Namespace) -> None:
    wanted = _filter(args)
    target = _open_output(args.output)
    pieces = engine.audit.xes_log(caller(args.actor), wanted)
    total = engine.audit.count_log_instances(OPERATOR, wanted)
    bar = progress_for(args, "xes")
    partial = target.with_name(target.name + ".part")
    traces = 0
    try:
        with open(partial, "w", encoding="utf-8") as out:
            for piece in pieces:
                out.write(piece)
                if piece.startswith("<trace>"):
                    traces += 1
                    bar(traces, total)
        partial.replace(target)
    finally:
        bar.close()
        partial.unlink(missing_ok=True)
    emit(args, {"file": str(target), "traces": traces}, lambda: print(f"{target}: {traces} trace(s)"))


def cmd_export_ocel(engine: Engine, args: argparse.Namespace) -> None:
    target = _open_output(args.output)
    log = engine.audit.ocel_log(caller(args.actor), _filter(args))
    target.write_text(json.dumps(log, ensure_ascii=False, indent=1), encoding="utf-8")
    summary = {"file": str(target), "objects": len(log["objects"]), "events": len(log["events"])}
    emit(args, summary, lambda: print(f"{target}: {summary['objects']} object(s), {summary['events']} event(s)"))


def cmd_export_case(engine: Engine, args: argparse.Namespace) -> None:
    target = _open_output(args.output)
    if target.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InvalidInput(f"-o {args.output}: a case file is written as .pdf or .html")
    case = engine.audit.case_file(caller(args.actor), args.id)
    from webui import create_app  # the web stack words and lays out the case file (loaded for this command only)
    from webui.audit.case_file import case_html, case_pdf

    app = create_app(engine=engine)
    with app.test_request_context("/", headers={"Accept-Language": args.lang}):
        html = case_html(case)
        content = case_pdf(html) if target.suffix.lower() == ".pdf" else html.encode("utf-8")
    target.write_bytes(content)
    proof = case.proof
    emit(args, {"file": str(target), "instance": args.id, "bytes": len(content), "checkpoint_size": proof.size,
                "inclusion_ok": proof.inclusion_ok},
         lambda: print(f"case file {target} of instance {args.id} ({args.lang}): " + (
             f"in checkpoint {proof.size}, leaf {proof.inclusion_index}" if proof.size else "in no checkpoint yet")))


def cmd_conformance(engine: Engine, args: argparse.Namespace) -> int:
    bar = progress_for(args, "conformance")
    try:
        verdicts = engine.audit.conformance(caller(args.actor), _filter(args), bar)
    finally:
        bar.close()
    deviating = [v for v in verdicts if v.fits is False]
    if args.json:
        print_json({"process": args.process, "instances": len(verdicts), "fit": sum(1 for v in verdicts if v.fits),
                    "deviations": len(deviating), "verdicts": verdicts})
    else:
        table([{"instance": v.instance_id, "version": v.version, "steps": v.steps,
                "verdict": "fits" if v.fits else ("not checked" if v.fits is None else "deviates"),
                "first deviation": (f"#{v.seq}: " if v.seq else "") + (v.deviation or "")} for v in verdicts],
              ["instance", "version", "steps", "verdict", "first deviation"])
        print(f"{len(verdicts) - len(deviating)} of {len(verdicts)} instance(s) fit" if not deviating else
              f"{len(deviating)} of {len(verdicts)} instance(s) deviate from their model")
    return 9 if deviating else 0


def _log_arguments(p: argparse.ArgumentParser, dates: bool = True) -> None:
    p.add_argument("--version", type=int, help="only instances of this version (default: all versions)")
    if dates:
        p.add_argument("--from", dest="start", metavar="DATE", help="instances started on or after (YYYY-MM-DD)")
        p.add_argument("--to", dest="end", metavar="DATE", help="instances started on or before (YYYY-MM-DD)")
    p.add_argument("--as", dest="actor", metavar="USER", help="as this auditor (default: the operator)")
    p.add_argument("--json", action="store_true", help="print JSON (and no progress bar)")


def register(commands: Commands) -> None:
    export = commands.group("export", "export history for auditors and process-mining tools")
    p = export.add_parser("bundle", help="a zip an outside auditor verifies offline with opsflow-verify")
    p.set_defaults(handler=cmd_export_bundle)
    p.add_argument("ids", type=record_id("process instance"), nargs="+", metavar="ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE.zip")
    p.add_argument("--as", dest="actor", metavar="USER", help="export as this auditor (default: the operator)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = export.add_parser("case", help="an instance's case file (案卷) a person reads: PDF or HTML, in zh or en")
    p.set_defaults(handler=cmd_export_case)
    p.add_argument("id", type=record_id("process instance"), metavar="ID")
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf|FILE.html")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="the reader's language (default: zh)")
    p.add_argument("--as", dest="actor", metavar="USER", help="export as this auditor (default: the operator)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = export.add_parser("xes", help="the process's event log as IEEE 1849 XES (one trace per instance)")
    p.set_defaults(handler=cmd_export_xes)
    p.add_argument("--process", required=True, metavar="KEY")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xes")
    _log_arguments(p)
    p.add_argument("--label", choices=LABELS, default="name",
                   help="name events by the BPMN element's name (default, as pm4py's BPMN import does) or its id")
    p = export.add_parser("ocel", help="the process's log as OCEL 2.0 JSON (instances, tasks, people)")
    p.set_defaults(handler=cmd_export_ocel)
    p.add_argument("--process", required=True, metavar="KEY")
    p.add_argument("-o", "--output", required=True, metavar="FILE.json")
    p.add_argument("--label", choices=LABELS, default="name", help="name event types by element name or id")
    _log_arguments(p)
    p = commands.add("conformance", cmd_conformance, "replay each instance against its deployed version: "
                                                     "fits, or the first deviation (exit 9 if any)", json_flag=False)
    p.add_argument("process", metavar="KEY")
    _log_arguments(p, dates=True)
