"""Starting work: the processes the user may start, each with its start form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.errors import FormInvalid, InvalidInput, NotAllowed, ProcessError, ProcessNotFound
from engine.runtime.views import ProcessDefinition
from engine.simulation.preview import RoutePreview
from engine.text_input import id_in_range

from ..context import engine, me, processes, username
from ..errors import UNPROCESSABLE, come_back_to
from ..forms.parse import parse_form
from ..forms.render import build_form
from ..i18n import _, schema_text, step_title
from ..request_keys import done_before, form_key, keep
from ..route_preview import preview_mode

blueprint = Blueprint("processes", __name__, url_prefix="/processes")


def _startable(key: str) -> ProcessDefinition:
    """The process ``key`` if the user may start it (the engine's list decides)."""
    for process in engine().work.processes(me()):
        if process["key"] == key:
            return process
    if key in processes():
        raise NotAllowed(f"{username()} may not start {key!r}")
    raise ProcessNotFound(key)


def _page(process: ProcessDefinition, values: dict[str, Any], errors: dict[str, list[str]],
          again_from: int | None = None) -> str:
    form = build_form(process["start_form"], values, errors) if process["start_form"] else None
    title = schema_text(process["start_form"]) if process["start_form"] else ""
    route: RoutePreview | None = None
    route_mode = preview_mode()
    if route_mode == "inline":  # 流程预测: the route as the form stands (the page's script asks again as it changes)
        try:
            route = engine().simulation.preview(me(), process["key"], values)
        except (ProcessError, InvalidInput):
            route_mode = "off"
    return render_template("processes/start.html", process=process, title=title or step_title(process), form=form,
                           again_from=again_from, route=route, route_mode=route_mode)


@blueprint.get("")
def index() -> ResponseReturnValue:
    """List the processes I may start."""
    return render_template("processes/index.html", processes=engine().work.processes(me()))


@blueprint.get("/<key>")
def start_form(key: str) -> ResponseReturnValue:
    """Show the start form of a process; ``?from=ID``: prefilled with that ended request's start data, to start
    it again (重新发起: its starter, from a withdrawn, cancelled or vetoed request)."""
    process = _startable(key)
    source = request.args.get("from", "")
    if source.isascii() and source.isdigit() and id_in_range(int(source)):
        again = engine().work.restart_data(me(), int(source))
        if again["process"] == key:
            return _page(process, again["data"], {}, again_from=again["instance_id"])
    return _page(process, {}, {})


@blueprint.post("/<key>")
def start(key: str) -> ResponseReturnValue:
    """Start a process with the submitted start form."""
    process = _startable(key)
    data = parse_form(process["start_form"], request.form) if process["start_form"] else None
    come_back_to(url_for("processes.start_form", key=key))
    sent = form_key()
    earlier = done_before(sent)
    if earlier is not None:
        return earlier
    try:
        result = engine().work.start(me(), key, data, sent)
    except FormInvalid as exc:
        return _page(process, data or {}, exc.fields), UNPROCESSABLE
    flash(f"start-{key}", "draft-done")  # the browser may forget what it kept of this form
    flash(_("Started: %(title)s.", title=result.title), "success")
    shown = url_for("instances.show", instance_id=result.id)
    keep(sent, shown)
    return redirect(shown, code=303)
