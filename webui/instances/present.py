""""My requests" rows as its tables show them: every text and link of a row worked out here.

A page shows up to 100 requests (50 started, 50 taken part in) with their open steps; the language,
the labels, the link's shape and who may take each role's steps are looked up once per page. A step of one's
own request that one may urge (催办) carries the urge form's address, and from when when it was urged lately.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.runtime.views import Instance, OpenTask

from ..context import display_name, people, processes
from ..i18n import _, step_title, when
from ..routing import link_by_id
from .status import GOOD_ENDS, status_text


@dataclass(frozen=True, slots=True)
class OpenStep:
    step: str
    holder: str  # "held by Zhou Jie" / "open to Wang Lei, ..."
    urge_href: str = ""  # where to urge it (催办), when one may
    urge_again: str = ""  # urged within the hour: from when it may be urged again, as shown


@dataclass(frozen=True, slots=True)
class RequestLine:
    """One row of a requests table, ready to write out."""

    id: int
    href: str
    title: str
    process: str
    started_at: str
    started: str
    status: str
    tone: str  # the status pill's colour: ok, muted (running) or warn
    steps: tuple[OpenStep, ...]


class RequestLines:
    """Turns the engine's instance rows into ``RequestLine``: one per page, so its lookups are made once."""

    def __init__(self, urge: Mapping[int, str | None] | None = None) -> None:
        self.urge = urge or {}
        self.urge_link = link_by_id("moves.urge", "task_id")
        self.show = link_by_id("instances.show", "instance_id")
        self.process_titles = {key: step_title(p) for key, p in processes().items()}
        self.held_by, self.open_to = _("held by %(name)s"), _("open to %(team)s")
        self.teams: dict[str, str] = {}

    def __call__(self, rows: Iterable[Instance]) -> list[RequestLine]:
        return [self.line(row) for row in rows]

    def line(self, row: Instance) -> RequestLine:
        tone = "ok" if row["end_event"] in GOOD_ENDS else ("muted" if row["status"] == "running" else "warn")
        return RequestLine(
            id=row["id"], href=self.show(row["id"]), title=row["title"],
            process=self.process_titles.get(row["process"], row["process"]),
            started_at=row["started_at"], started=when(row["started_at"], "short"), status=status_text(row),
            tone=tone, steps=tuple(self.step(s) for s in row["open_tasks"]),
        )

    def step(self, step: OpenTask) -> OpenStep:
        if step["id"] not in self.urge:
            return OpenStep(step_title(step), self.holder(step))
        again = self.urge[step["id"]]
        return OpenStep(step_title(step), self.holder(step), self.urge_link(step["id"]),
                        when(again, "short") if again else "")

    def holder(self, step: OpenTask) -> str:
        if step["assignee"]:
            return self.held_by % {"name": display_name(step["assignee"])}
        return self.open_to % {"team": self.team(step["role"])}

    def team(self, role: str) -> str:
        """Who could take an unclaimed step: the people with its role."""
        if role not in self.teams:
            self.teams[role] = team_of(role)
        return self.teams[role]


def team_of(role: str) -> str:
    """The people with ``role`` by their display names (the role itself when nobody has it)."""
    names = [display_name(p.username) for p in people().values() if role in p.roles]
    return ", ".join(names) or role
