"""What auditors take away from the web (the audit right outright; each export recorded in the access log): the
case file as a page and a PDF, the OCEL log; and the checkpoints page: the list, "make one now", "verify now".

"Verify now" streams its progress (``/audit/checkpoints/verify``, one JSON line every 500 events checked, then
the verdict) instead of running as a worker job: the check is read-only and needs no table to keep its progress
in (a job would need a progress column: a migration) nor a worker running; the page shows the lines as they
come (``webui/frontend/src/checkpoints.js``), and a long check holds one server thread while it runs, not the
page: the check runs in its own thread, the response only relays what it reports.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue

from engine.audit.xes import LogFilter, parse_date
from engine.errors import OpsflowError
from engine.history.verify import VerifyReport
from engine.org.rights import Right

from ..context import engine, me
from ..errors import come_back_to
from ..i18n import _, ngettext
from ..request_keys import once_per_drawing
from .case_file import case_html, case_pdf
from .tamper_text import tamper_text
from .views import blueprint

SHOWN_PROBLEMS = 20


@blueprint.get("/instances/<id:instance_id>/case")
def case_file(instance_id: int) -> ResponseReturnValue:
    """Show the instance's case file (案卷), a page to read and print."""
    case = engine().audit.case_file(me(), instance_id)
    return case_html(case, {"back": url_for("audit.instance", instance_id=instance_id),
                            "pdf": url_for("audit.case_file_pdf", instance_id=instance_id)}, inline=False)


@blueprint.get("/instances/<id:instance_id>/case.pdf")
def case_file_pdf(instance_id: int) -> ResponseReturnValue:
    """Download the instance's case file as a PDF."""
    pdf = case_pdf(case_html(engine().audit.case_file(me(), instance_id)))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="case-{instance_id}.pdf"'})


@blueprint.get("/processes/<key>/log.ocel.json")
def ocel_log(key: str) -> ResponseReturnValue:
    """Download the process's OCEL 2.0 log (``version``, ``from``, ``to`` filter as for XES)."""
    version = request.args.get("version", "")
    wanted = LogFilter(key, int(version) if version.isdigit() else None,
                       parse_date(request.args.get("from"), "from"), parse_date(request.args.get("to"), "to"))
    log = engine().audit.ocel_log(me(), wanted)
    return Response(json.dumps(log, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{key}.ocel.json"'})


@blueprint.get("/checkpoints")
def checkpoints() -> ResponseReturnValue:
    """List the signed checkpoints with their signers and cosignatures; verify now; make one now."""
    come_back_to(url_for("audit.checkpoints"))
    overview = engine().audit.checkpoints(me())
    return render_template("audit/checkpoints.html", overview=overview,
                           may_see_log=engine().org.may(me(), Right.SEE_ACCESS_LOG))


@blueprint.post("/checkpoints")
@once_per_drawing
def make_checkpoint() -> ResponseReturnValue:
    """Sequence what is new and sign a checkpoint now (what ``opsflow checkpoint`` does)."""
    result = engine().audit.checkpoint(me())
    if result.file:
        flash(ngettext("Checkpoint of %(num)d event signed (%(new)d new).",
                       "Checkpoint of %(num)d events signed (%(new)d new).", result.size, new=result.new_leaves),
              "success")
    else:
        flash(_("No new events: the latest checkpoint covers all %(size)d.", size=result.size), "info")
    return redirect(url_for("audit.checkpoints"), code=303)


def _verdict(report: VerifyReport) -> dict[str, object]:
    problems = [f"{p.where}: {tamper_text(p.message)}" for p in report.problems[:SHOWN_PROBLEMS]]
    if report.ok:
        text = _("History intact: %(events)d events checked, %(covered)d of them in checkpoint %(size)d "
                 "(signature good), %(pending)d written since.", events=report.events, covered=report.covered,
                 size=report.checkpoint.size if report.checkpoint else 0, pending=report.pending) \
            if report.checkpoint else _("History intact: %(events)d events checked (no checkpoint yet: the hash "
                                        "chains only).", events=report.events)
    else:
        text = ngettext("History altered: %(num)d problem found.", "History altered: %(num)d problems found.",
                        len(report.problems))
    return {"done": True, "ok": report.ok, "events": report.events, "text": text, "problems": problems}


@blueprint.get("/checkpoints/verify")
def verify_now() -> ResponseReturnValue:
    """Check every hash chain and the events against the newest checkpoint, streaming the progress (JSON lines)."""
    who, facade = me(), engine()
    total = facade.audit.checkpoints(who).events  # the right first (a refusal is a plain 403), and the total
    reports: queue.Queue[tuple[str, object]] = queue.Queue()

    def check() -> None:
        try:
            reports.put(("done", facade.audit.verify(who, progress=lambda n: reports.put(("progress", n)))))
        except OpsflowError as exc:
            reports.put(("error", exc.message))

    threading.Thread(target=check, name="opsflow-verify-now", daemon=True).start()

    def lines() -> Iterator[str]:
        yield json.dumps({"checked": 0, "total": total}) + "\n"
        while True:
            kind, value = reports.get()
            if kind == "progress":
                yield json.dumps({"checked": value, "total": total}) + "\n"
            elif kind == "error":
                yield json.dumps({"done": True, "ok": False, "text": tamper_text(str(value)), "problems": []}) + "\n"
                return
            else:
                assert isinstance(value, VerifyReport)
                yield json.dumps(_verdict(value), ensure_ascii=False) + "\n"
                return

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
