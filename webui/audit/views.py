"""The auditors' workspace: find instances, see one step by step on its diagram, heatmaps, the access log.

The engine decides who may audit what (auditors and admins: everything; a director: his department)
and records every look in the access log; a refused look is a 403 page. The two JSON routes feed the
page's diagram and step scrubber (``webui/frontend/src/audit.js``); without JavaScript the pages work
with plain links and forms (``?step=N``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, g, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from engine.audit.search import DATE_FIELDS, ORDERS, SORTS, InstanceQuery
from engine.audit.views import AuditStepEvent, AuditView, Replay
from engine.org.people import Person
from engine.org.rights import Right
from engine.org.views import RoleTitle
from engine.runtime.instance_views import INSTANCE_STATUSES
from engine.runtime.views import StepForm

from ..context import display_name, engine, me, people, processes, signed_in, username
from ..errors import come_back_to
from ..i18n import _, language, pick, step_title
from ..inbox.views import navigation
from ..instances.status import GOOD_ENDS, status_text
from ..routing import link_by_id
from . import present
from .tamper_text import tamper_text

blueprint = Blueprint("audit", __name__, url_prefix="/audit")


def may_audit() -> bool:
    """Whether the signed-in person may open the audit workspace (for the navigation)."""
    return signed_in() is not None and navigation().audit


def _link(endpoint: str, params: dict[str, Any]) -> str:
    """``url_for`` with query parameters from a mapping (the filters of a page)."""
    return url_for(endpoint, **params)


def _step(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise NotFound() from None


@blueprint.get("/")
def index() -> ResponseReturnValue:
    """Find instances to audit by process, version, status, end, people, dates, title, rework and moves made."""
    come_back_to(url_for("audit.index"))
    query = InstanceQuery.from_params(request.args)
    page = engine().audit.search(me(), query)
    next_url = _link("audit.index", query.as_params(page["next"])) if page["next"] else None
    ends = sorted({"approved", "vetoed", "recorded", "closed"} | {r["end_event"] for r in page["items"]
                                                                  if r["end_event"]})
    names = {user: display_name(user) for user in sorted(people())}
    return render_template(
        "audit/index.html", rows=page["items"], query=query, next_url=next_url, processes=processes(),
        process_titles={key: step_title(p) for key, p in processes().items()}, links=_row_links(),
        people=list(names.items()), names=names, statuses=INSTANCE_STATUSES, sorts=SORTS, orders=ORDERS,
        date_fields=DATE_FIELDS,
        ends=ends, status_text=status_text, good_ends=GOOD_ENDS, filtered=bool(query.as_params()),
        first_page=_link("audit.index", query.as_params()) if query.after else None,
        may_see_log=engine().org.may(me(), Right.SEE_ACCESS_LOG), moves=present.move_labels(),
        may_export=engine().org.may(me(), Right.AUDIT),
        integrity=engine().audit.integrity_states(me(), [r["id"] for r in page["items"]]),
    )


@dataclass(frozen=True)
class _RowLinks:
    """The links of the search's rows, each built once per page (``link_by_id``) and given each row's id."""

    instance: Callable[[int], str]
    case_file: Callable[[int], str]
    case_file_pdf: Callable[[int], str]
    bundle: Callable[[int], str]


def _row_links() -> _RowLinks:
    return _RowLinks(link_by_id("audit.instance", "instance_id"), link_by_id("audit.case_file", "instance_id"),
                     link_by_id("audit.case_file_pdf", "instance_id"), link_by_id("api.instance_bundle", "instance_id"))


@dataclass(frozen=True)
class _Names:
    """Names the steps and elements of an instance's version in the user's language (called with an id)."""

    tasks: Mapping[str, tuple[str, str]]  # a user task: its title and Chinese title
    elements: Mapping[str, str]
    elements_zh: Mapping[str, str]

    @classmethod
    def of_view(cls, view: AuditView) -> _Names:
        return cls({k: (t["title"], t["title_zh"]) for k, t in view["tasks"].items()}, view["elements"],
                   view["elements_zh"])

    def __call__(self, name: str | None) -> str:
        key = name or ""
        task = self.tasks.get(key)
        if task:
            return pick(*task)
        return pick(self.elements.get(key) or key, self.elements_zh.get(key, ""))


def _role_title(role: str | None) -> str:
    """A role's title in the user's language (the role a step was for)."""
    if "opsflow_role_titles" not in g:
        g.opsflow_role_titles = engine().org.role_titles()
    known: RoleTitle | None = g.opsflow_role_titles.get(role or "")
    return pick(known.title, known.title_zh) if known else (role or "")


def _held_then(step: AuditStepEvent) -> str:
    """The roles and unit the decider held when deciding ('' for a step that did not record them)."""
    if step["decider_roles"] is None:
        return ""
    roles = "、".join(_role_title(r) for r in step["decider_roles"]) or "—"
    if not step["decider_unit"]:
        return _("Held then: %(roles)s", roles=roles)
    if "opsflow_units" not in g:
        g.opsflow_units = {u.key: u for u in engine().org.units(Person(username()))}
    unit = g.opsflow_units.get(step["decider_unit"])
    return _("Held then: %(roles)s · %(unit)s", roles=roles,
             unit=pick(unit.name_en, unit.name_zh) if unit else step["decider_unit"])


def _panel(names: _Names, state: Replay, forms: Mapping[str, StepForm]) -> str:
    from ..forms.context_view import sections

    shown = {k: v for k, v in state["data"].items() if k in forms or k == "result"}
    return render_template("audit/_replay_panel.html", state=state, sections=sections(shown, forms),
                           task_title=names, role_title=_role_title, status=status_text(state))


@blueprint.get("/instances/<id:instance_id>")
def instance(instance_id: int) -> ResponseReturnValue:
    """Show an instance for its auditors: the diagram with the path, every step with its data, a replay."""
    user = username()
    view = engine().audit.instance(Person(user), instance_id)
    integrity = view["integrity"]
    chosen = _step(request.args.get("step")) or len(view["steps"])
    come_back_to(url_for("audit.instance", instance_id=instance_id))
    state = engine().audit.replay(Person(user), instance_id, chosen) if request.args.get("step") else None
    forms = engine().work.forms(Person(user), instance_id)  # the form titles, to label the data
    if state is None:  # the last step, from the view already read (no extra look to record)
        last = view["steps"][-1]
        state = {"instance_id": view["id"], "step": len(view["steps"]), "steps": len(view["steps"]),
                 "seq": view["events"], "first_seq": last["seq"], "at": last["at"], "event": last,
                 "data": view["data"], "open_tasks": view["open_tasks"], "status": view["status"],
                 "end_event": view["end_event"], "path": view["path"]}
    names = _Names.of_view(view)
    steps = [{**s, "what": present.step_text(s["kind"]), "decision_text": present.decision_of(s, forms),
              "changes": present.changes(s, forms), "held_then": _held_then(s),
              "follow_ups": [present.follow_up_text(f, names) for f in s["follow_ups"]]}
             for s in view["steps"]]
    return render_template(
        "audit/instance.html", view=view, steps=steps, state=state, integrity=integrity,
        panel=_panel(names, state, forms), status=status_text(view), good_ends=GOOD_ENDS,
        task_title=names, role_title=_role_title, person=present.person, tamper_text=tamper_text,
        process_title=pick(view["process_title"], view["process_title_zh"]),
        may_export=engine().org.may(me(), Right.AUDIT),
    )


@blueprint.get("/instances/<id:instance_id>/diagram")
def instance_diagram(instance_id: int) -> ResponseReturnValue:
    """The instance's own BPMN with the path taken (JSON for the page's diagram)."""
    diagram = engine().audit.diagram(me(), instance_id, _step(request.args.get("step")))
    return jsonify({"bpmn": diagram.bpmn, "path": diagram.path, "step": diagram.step, "steps": diagram.steps,
                    "texts": _diagram_texts(), **_diagram_names(diagram.path["names_zh"])})


def _diagram_names(names_zh: dict[str, str]) -> dict[str, dict[str, str]]:
    """What the diagram should call its elements in the reader's language: the steps' Chinese titles (in a
    Chinese page), and each lane, named after its role in the model, by that role's title."""
    titles = engine().org.role_titles()
    return {"labels": {k: v for k, v in names_zh.items() if v} if language() == "zh" else {},
            "lanes": {key: pick(t.title, t.title_zh) for key, t in titles.items() if t.title or t.title_zh}}


def _diagram_texts() -> dict[str, str]:
    return {"visits": _("passed %(n)s times"), "current": _("Waiting here now"), "ended": _("Ended here"),
            "inferred": _("Inferred from the model: the log does not name it"), "failed": _(
                "The diagram could not be drawn.")}


@blueprint.get("/instances/<id:instance_id>/steps/<id:step>")
def replay_step(instance_id: int, step: int) -> ResponseReturnValue:
    """The instance as it was right after ``step`` (JSON: the panel's HTML and the path, for the scrubber)."""
    user = username()
    come_back_to(url_for("audit.instance", instance_id=instance_id))
    state = engine().audit.replay(Person(user), instance_id, step)
    forms = engine().work.forms(Person(user), instance_id)
    names = _Names({k: (f.title, f.title_zh) for k, f in forms.items()}, state["path"]["names"],
                   state["path"]["names_zh"])
    return jsonify({"step": state["step"], "steps": state["steps"], "path": state["path"],
                    "html": _panel(names, state, forms)})


@blueprint.get("/access-log")
def access_log() -> ResponseReturnValue:
    """List who looked at what through the audit workspace (auditors and admins)."""
    viewer = request.args.get("viewer", "").strip() or None
    instance_id = _step(request.args.get("instance"))
    before = _step(request.args.get("before"))
    come_back_to(url_for("audit.access_log"))
    page = engine().audit.access_log(me(), viewer, instance_id, before)
    filters: dict[str, Any] = {k: v for k, v in (("viewer", viewer), ("instance", instance_id)) if v}
    next_url = _link("audit.access_log", {**filters, "before": page["next"]}) if page["next"] else None
    return render_template("audit/access_log.html", rows=page["items"], viewer=viewer or "",
                           instance_id=instance_id or "", next_url=next_url, what_label=present.what_label,
                           person=present.person, filtered=bool(filters))


@blueprint.get("/breaches")
def breaches() -> ResponseReturnValue:
    """The steps that passed their due time (超时), the latest due first: by process, person and due days."""
    come_back_to(url_for("audit.breaches"))
    wanted = {name: request.args.get(name, "").strip() for name in ("process", "person", "from", "to")}
    found = engine().audit.breaches(me(), wanted)
    return render_template("audit/breaches.html", rows=found, wanted=wanted, processes=processes(),
                           people=sorted(people()), person=present.person, late=present.late_text,
                           may_see_log=engine().org.may(me(), Right.SEE_ACCESS_LOG))


@blueprint.get("/processes")
def versions() -> ResponseReturnValue:
    """List every deployed version with its instances, each linking to its heatmap."""
    return render_template("audit/versions.html", versions=engine().audit.versions(me()),
                           may_see_log=engine().org.may(me(), Right.SEE_ACCESS_LOG))


@blueprint.get("/processes/<key>/versions/<id:version>")
def heatmap(key: str, version: int) -> ResponseReturnValue:
    """Show a version's heatmap: passes per element on the diagram, times per step, the gateways' paths."""
    numbers = engine().audit.heatmap(me(), key, version)
    return render_template("audit/heatmap.html", numbers=numbers, duration=present.duration,
                           title=pick(numbers["title"], numbers["title_zh"]), status_text=status_text,
                           names={e["id"]: pick(e["name"], e["name_zh"]) for e in numbers["elements"]},
                           elements=[e for e in numbers["elements"] if e["passes"] or e["times"]])


@blueprint.get("/processes/<key>/versions/<id:version>/diagram")
def heatmap_diagram(key: str, version: int) -> ResponseReturnValue:
    """The version's BPMN with its passes per element (JSON for the heatmap page's diagram)."""
    shown = engine().audit.heatmap_diagram(me(), key, version)
    numbers = shown.heatmap
    medians = {e["id"]: present.duration(e["times"]["open"]["median_s"]) for e in numbers["elements"]
               if "open" in e["times"]}
    return jsonify({"bpmn": shown.bpmn, "instances": numbers["instances"],
                    "passes": {e["id"]: e["instances"] for e in numbers["elements"] if e["instances"]},
                    "flows": {f["id"]: f["instances"] for f in numbers["flows"] if f["instances"]},
                    "auto_passed": {e["id"]: _("auto-passed %(num)d", num=e["auto_passed"])
                                    for e in numbers["elements"] if e["auto_passed"]},
                    "medians": medians, "texts": {**_diagram_texts(), "median": _("median open time")},
                    **_diagram_names({e["id"]: e["name_zh"] for e in numbers["elements"] + numbers["flows"]})})
