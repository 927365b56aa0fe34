"""The inbox's rows as its tables show them: every text, link and button of a row worked out here.

A page shows up to 100 rows. Done in the template, each row looked the language up several times,
built four links through ``url_for`` and formatted two timestamps through Flask-Babel; here the
language, the links' shapes and the moment of "now" are taken once per page and applied to each row.
So are the marks' texts (returned, urged, transferred: ``engine.runtime.task_marks``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine.org.views import DirectoryPerson
from engine.runtime.views import Task, TaskMarks

from ..context import display_name
from ..i18n import PageMoments, _, parse_moment, step_title, when
from ..routing import link_by_id


@dataclass(frozen=True, slots=True)
class Offer:
    username: str
    name: str


SHORT_REASON = 40  # characters of a return's reason a row shows (all of it on hover)


@dataclass(frozen=True, slots=True)
class Mark:
    """A mark on a row: ``kind`` returned, urged, transfer or delegate; ``text`` as shown, ``detail`` on hover."""

    kind: str
    text: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class TaskLine:
    """One row of a task table, ready to write out."""

    id: int
    href: str
    step: str
    request: str
    process: str
    created_at: str
    waiting: str
    due_at: str | None
    due: str
    overdue: bool
    action: str | None  # "release", "claim" or None (held by someone else)
    action_href: str
    offers: tuple[Offer, ...]
    assign_href: str
    on_behalf_of: str = ""  # 代理: the name of the person away whose task this is
    bulk: bool = False  # 批量审批: may be ticked and approved with others of its step
    marks: tuple[Mark, ...] = ()  # returned (退回), urged (催办), transferred or delegated (转办, 委派)


class TaskLines:
    """Turns the engine's task rows into ``TaskLine``: one per page, so its lookups are made once."""

    def __init__(self, me: str, processes: Mapping[str, Mapping[str, Any]],
                 offers: Mapping[int, Iterable[DirectoryPerson]], marks: Mapping[int, TaskMarks] | None = None) -> None:
        self.me = me
        self.offers = offers
        self.marks = marks or {}
        self.says = {"returned": _("Returned by %(name)s: %(reason)s"), "urged": _("Urged by %(name)s, %(time)s"),
                     "transfer": _("Transferred from %(name)s"), "delegate": _("Delegated by %(name)s")}
        self.process_titles = {key: step_title(p) for key, p in processes.items()}
        self.show = link_by_id("tasks.show", "task_id")
        self.claim = link_by_id("tasks.claim", "task_id")
        self.unclaim = link_by_id("tasks.unclaim", "task_id")
        self.assign = link_by_id("tasks.assign", "task_id")
        self.now = datetime.now(UTC)
        self.moments = PageMoments(self.now)

    def __call__(self, rows: Iterable[Task]) -> list[TaskLine]:
        return [self.line(row) for row in rows]

    def line(self, row: Task) -> TaskLine:
        task_id = row["id"]
        due = parse_moment(row["due_at"])
        if row["releasable"] and (row["mine"] or row["assignee"] == self.me):
            action, action_href = "release", self.unclaim(task_id)
        elif not row["assignee"]:
            action, action_href = "claim", self.claim(task_id)
        else:
            action, action_href = None, ""
        offered = tuple(Offer(p.username, display_name(p.username)) for p in self.offers.get(task_id, ()))
        return TaskLine(
            id=task_id, href=self.show(task_id), step=step_title(row), request=row["instance_title"],
            process=self.process_titles.get(row["process"], row["process"]),
            created_at=row["created_at"], waiting=self.moments.ago(row["created_at"]),
            due_at=row["due_at"], due=self.moments.when(due, "short") if due else "",
            overdue=due is not None and due < self.now,
            action=action, action_href=action_href, offers=offered,
            assign_href=self.assign(task_id) if offered else "",
            on_behalf_of=display_name(row["on_behalf_of"]) if row["on_behalf_of"] else "",
            bulk=row["bulk_approve"] and (row["mine"] or not row["assignee"]),
            marks=self.marked(self.marks.get(task_id)),
        )

    def marked(self, marks: TaskMarks | None) -> tuple[Mark, ...]:
        """The marks a row shows, in the order they tell its story: how it came, then who urged it."""
        if marks is None:
            return ()
        shown: list[Mark] = []
        if marks.returned_by:
            reason = marks.return_reason
            short = reason if len(reason) <= SHORT_REASON else reason[:SHORT_REASON - 1].rstrip() + "…"
            shown.append(Mark("returned", self.says["returned"] % {"name": display_name(marks.returned_by),
                                                                   "reason": short}, reason))
        if marks.handed_by and marks.handed_as in self.says:
            shown.append(Mark(marks.handed_as, self.says[marks.handed_as] % {"name": display_name(marks.handed_by)},
                              marks.handed_reason))
        if marks.urged_by and marks.urged_at:
            shown.append(Mark("urged", self.says["urged"] % {"name": display_name(marks.urged_by),
                                                             "time": self.moments.ago(marks.urged_at)},
                              when(marks.urged_at)))
        return tuple(shown)
