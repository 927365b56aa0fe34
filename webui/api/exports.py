"""What auditors take away over the API (the audit right): the XES log, the verifiable bundle, the case file, the
badge."""

from __future__ import annotations

import io

from flask import Response, request, stream_with_context

from engine.audit.xes import LogFilter, parse_date, parse_label

from . import blueprint, context
from .answers import answer
from .inputs import int_arg
from .instances import INSTANCE


@blueprint.get("/process-definitions/<key>/log.xes")
def process_log_xes(key: str) -> Response:
    """The process's event log as IEEE 1849 XES, streamed (``version``, ``from``, ``to`` filter; ``label=id`` names
    events by BPMN element id instead of name). :raise 400 403 404:"""
    version = int_arg("version", 0, 0, 2**31 - 1) or None
    wanted = LogFilter(key, version, parse_date(request.args.get("from"), "from"),
                       parse_date(request.args.get("to"), "to"), parse_label(request.args.get("label"), "label"))
    pieces = context.engine().audit.xes_log(context.me(), wanted)  # rights and the process, before streaming
    return Response(stream_with_context(pieces), mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{key}.xes"'})


@blueprint.get(f"{INSTANCE}/bundle")
def instance_bundle(instance_id: int) -> Response:
    """The instance's export bundle (zip) for an outside auditor; check it with ``opsflow-verify``. :raise 403 404:"""
    out = io.BytesIO()
    context.engine().audit.export_bundle(context.me(), [instance_id], out)
    return Response(out.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="instance-{instance_id}-bundle.zip"'})


@blueprint.get(f"{INSTANCE}/case.pdf")
def instance_case_file(instance_id: int) -> Response:
    """The instance's case file (案卷) as a PDF, in the request's language (Accept-Language). :raise 403 404:"""
    from ..audit.case_file import case_html, case_pdf

    pdf = case_pdf(case_html(context.engine().audit.case_file(context.me(), instance_id)))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="case-{instance_id}.pdf"'})


@blueprint.get(f"{INSTANCE}/integrity")
def instance_integrity(instance_id: int) -> Response:
    """What the history check says of the instance: chain, inclusion in the checkpoint, signature. :raise 403 404:"""
    return answer(context.engine().audit.integrity(context.me(), instance_id))
