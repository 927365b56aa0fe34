"""The inbox: my tasks and my team's unclaimed tasks, with filters, sorting, counts and paging."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.org.people import Person
from engine.runtime.inbox import SORTS
from engine.runtime.views import Navigation

from ..context import engine, me, processes, signed_in, username
from ..errors import come_back_to
from ..forms.field_errors import say
from ..i18n import _
from ..request_keys import once_per_drawing
from . import assignment
from .present import TaskLines

blueprint = Blueprint("inbox", __name__)
SHOWN_PER_LIST = 50  # then a link to the next page of that list
COUNTED_UP_TO = 1000  # beyond it a count shows "1000+" (counting stops there: a long queue costs what a short one does)
SEARCH_COUNTED_UP_TO = 100  # a text searched: "100+" (a common text in a long queue is counted over fewer rows)


NOBODY = Navigation(mine=0, team=0, unread=0, rights=(), audit=False)  # what an anonymous visitor sees


def navigation() -> Navigation:
    """What the navigation shows (task counts, unread notifications, the rights held): one read per request."""
    if signed_in() is None:
        return NOBODY
    if "opsflow_navigation" not in g:
        g.opsflow_navigation = engine().work.navigation(me(), COUNTED_UP_TO + 1)
    return cast(Navigation, g.opsflow_navigation)


def holds(right: str) -> bool:
    """Whether the signed-in person's roles carry ``right`` (see engine.org.rights.Right) outright."""
    return right in navigation().rights


def task_counts() -> dict[str, str]:
    """How many tasks are mine and my team's, and how many notifications are unread, as the navigation shows
    them ("1000+" past COUNTED_UP_TO)."""
    nav = navigation()
    return {"mine": count_text(nav.mine), "team": count_text(nav.team), "unread": count_text(nav.unread)}


def count_text(count: int, up_to: int | None = None) -> str:
    """A count as shown: the number, or "1000+" past ``up_to`` (default COUNTED_UP_TO; counted up to one more)."""
    cap = COUNTED_UP_TO if up_to is None else up_to
    return f"{cap}+" if count > cap else str(count)


@blueprint.get("/")
def index() -> ResponseReturnValue:
    """List my tasks and the unclaimed tasks of my roles, filtered by process and text, a page of each."""
    process = request.args.get("process", "").strip()
    text = request.args.get("q", "").strip()
    sort = request.args.get("sort", "age")
    if sort not in SORTS:
        sort = "age"
    user = username()
    filtered = bool(process or text)
    up_to = SEARCH_COUNTED_UP_TO if text else COUNTED_UP_TO
    page = engine().work.inbox(Person(user), process or None, text or None, sort,
                               request.args.get("mine_after") or None, request.args.get("team_after") or None,
                               SHOWN_PER_LIST, totals=filtered, count_up_to=up_to + 1, marks=True)
    if filtered:
        mine_total, team_total = page.mine_total or 0, page.team_total or 0  # counted with the page
    else:  # the navigation has just counted them
        mine_total, team_total = navigation().mine, navigation().team
    offers = {r["id"]: assignment.candidates(r["role"], r["assignee"], user) for r in page.mine + page.team}
    lines = TaskLines(user, processes(), offers, page.marks)
    mine, team = lines(page.mine), lines(page.team)
    return render_template(
        "inbox/index.html", mine=mine, team=team, bulk=any(t.bulk for t in mine + team),
        mine_total=count_text(mine_total, up_to), team_total=count_text(team_total, up_to),
        mine_next=page.mine_next, team_next=page.team_next,
        paged=bool(request.args.get("mine_after") or request.args.get("team_after")),
        processes=processes(), process=process, text=text, sort=sort,
        filtered=filtered, roles=assignment.roles_of(user),
    )


@blueprint.post("/inbox/bulk-approve")
@once_per_drawing
def bulk_approve() -> ResponseReturnValue:
    """Approve the ticked tasks of one step with one comment (批量审批); say which were done and which not."""
    come_back_to(url_for("inbox.index"))
    ids = [int(value) for value in request.form.getlist("task") if value.isdigit()]
    result = engine().work.bulk_approve(me(), ids, request.form.get("comment", ""))
    if result["approved"]:
        flash(_("Approved %(count)d tasks.", count=len(result["approved"])), "success")
    for refusal in result["refused"]:
        flash(_("Task %(id)s was not approved: %(why)s", id=refusal["id"], why=say(refusal["message"])), "error")
    return redirect(url_for("inbox.index"), code=303)
