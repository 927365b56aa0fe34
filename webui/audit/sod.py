"""The auditors' separation-of-duties report (``/audit/sod``, 不相容职责分离): one person on both sides of a rule,
every override with who allowed it and why, and every attempt the rule refused; by process, person and days; also
as CSV."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import Response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.org.rights import Right

from ..context import engine, me, people, processes
from ..errors import come_back_to
from ..i18n import _
from . import present
from .views import blueprint

FILTERS = ("process", "person", "from", "to")


@blueprint.get("/sod")
def separation_of_duties() -> ResponseReturnValue:
    """List the findings; ``?format=csv`` downloads them."""
    wanted = {name: request.args.get(name, "").strip() for name in FILTERS}
    found = engine().separation.report(me(), wanted)
    if request.args.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["at", "kind", "instance_id", "process", "step", "kept_from", "person", "by", "reason"])
        for f in found:
            writer.writerow([f["at"], f["kind"], f["instance_id"], f["process"], f["step"], f["other_step"],
                             f["person"] or "", f["by"] or "", f["reason"] or ""])
        return Response("\ufeff" + out.getvalue(), mimetype="text/csv",  # the BOM: spreadsheets read it as UTF-8
                        headers={"Content-Disposition": "attachment; filename=separation-of-duties.csv"})
    come_back_to(url_for("audit.separation_of_duties"))
    kinds = {"same_person": _("Same person on both steps"), "override": _("Rule overridden"),
             "refused": _("Attempt refused by the rule")}
    return render_template("audit/sod.html", rows=found, wanted=wanted, processes=processes(),
                           people=sorted(people()), person=present.person, kinds=kinds,
                           csv_url=url_for("audit.separation_of_duties") + "?" + urlencode(
                               {"format": "csv", **{k: v for k, v in wanted.items() if v}}),
                           may_see_log=engine().org.may(me(), Right.SEE_ACCESS_LOG))
