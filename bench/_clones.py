"""Copies of real instances, for bench/big_db.py (not a benchmark itself).

A template is an instance the Engine made and drove to a wait state or an end. Its rows (the
instance, its human tasks, history events and notifications) are read with SQLAlchemy Core and
copied with new ids, new SpiffWorkflow task UUIDs (replaced consistently in ``state_json``, in
the task rows and in the history payloads), another title and period, other people and other
times. The history of each copy is hash-chained again, the way ``engine/history.py`` does it,
and the instance row's anchor (``history_seq``, ``history_head``) is set to the new chain's end.

Only the table definitions of ``engine.models`` are used: columns this module does not know are
copied from the template as they are.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from engine.history.encoding import event_hash
from engine.models import HistoryEvent, HumanTask, Notification, ProcessInstance, TaskComment, User

UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TITLE_MARK = "Q9X7 template plan"  # the start title of every template; a copy gets its own
PERIOD_MARK = "2031-Q3"  # the period of every template (in the start data and the draft)
TOKENS = re.compile(f"({UUID_PATTERN}|{re.escape(TITLE_MARK)}|{re.escape(PERIOD_MARK)})")
USER_COLUMNS = {"started_by_id", "assignee_id", "completed_by_id", "assigned_by_id"}
GENESIS_HASH = "0" * 64


def aware(moment: datetime) -> datetime:
    """UTC, with its zone (SQLite reads back naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- the hash chain: the engine's own encoding (engine.history.encoding), in each event's version ----
def utc_iso(moment: datetime) -> str:
    m = aware(moment)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}Z"


# -- templates -------------------------------------------------------------------------------------
@dataclass
class Copy:
    """What makes one copy different from its template."""

    template: Template
    title: str
    period: str
    people: dict[int, int]  # template user id -> user id in the copy
    actors: dict[str, str]  # template username -> username in the copy
    times: dict[datetime, datetime]  # template moment -> moment in the copy
    instance_id: int = 0


class Recipe:
    """How to copy one template row: what stays, what is rendered, re-timed or given other people."""

    __slots__ = ("people", "static", "texts", "times")

    def __init__(self, row: dict[str, Any], ascii_json: frozenset[str] = frozenset()) -> None:
        self.static: dict[str, Any] = {}
        self.texts: list[tuple[str, list[str], bool]] = []  # column, its text cut at the tokens, ASCII JSON?
        self.times: list[tuple[str, datetime]] = []
        self.people: list[tuple[str, int]] = []
        for column, value in row.items():
            if isinstance(value, str) and TOKENS.search(value):
                # state_json escapes non-ASCII text (json.dumps' default); the other columns do not
                self.texts.append((column, TOKENS.split(value), column in ascii_json))
            elif isinstance(value, datetime):
                self.times.append((column, aware(value)))
            elif column in USER_COLUMNS and value is not None:
                self.people.append((column, value))
            else:
                self.static[column] = value

    def fill(self, copy: Copy, subs: dict[str, str], ascii_subs: dict[str, str]) -> dict[str, Any]:
        row = self.static.copy()
        for column, parts, ascii_json in self.texts:
            table = ascii_subs if ascii_json else subs
            row[column] = "".join(map(table.get, parts, parts))  # text between tokens is never a token
        for column, moment in self.times:
            row[column] = copy.times[moment]
        for column, person in self.people:
            row[column] = copy.people.get(person, person)
        return row


@dataclass
class Template:
    """One engine-made instance, ready to be copied."""

    name: str
    instance: dict[str, Any]
    tasks: list[dict[str, Any]]
    events: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    times: list[datetime]  # every distinct moment of its rows, oldest first (one per use case)
    uuids: list[str]  # every task UUID it mentions
    recipes: dict[str, list[Recipe]] = field(default_factory=dict)
    open_tasks: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.instance["status"] == "running"


def _moments(rows: list[dict[str, Any]]) -> set[datetime]:
    return {aware(v) for row in rows for v in row.values() if isinstance(v, datetime)}


def read_template(conn: Connection, name: str, instance_id: int, usernames: set[str]) -> Template:
    """Read an instance's rows and check that they can be copied faithfully."""
    pi, ht, he, nt = (ProcessInstance.__table__, HumanTask.__table__, HistoryEvent.__table__,
                      Notification.__table__)
    instance = dict(conn.execute(select(pi).where(pi.c.id == instance_id)).one()._mapping)
    tasks = [dict(r._mapping) for r in conn.execute(select(ht).where(ht.c.instance_id == instance_id)
                                                       .order_by(ht.c.id))]
    events = [dict(r._mapping) for r in conn.execute(select(he).where(he.c.instance_id == instance_id)
                                                        .order_by(he.c.seq))]
    notes = [dict(r._mapping) for r in conn.execute(select(nt).where(nt.c.instance_id == instance_id)
                                                       .order_by(nt.c.id))]
    # Jobs (a step's reminders and deadline) are not copied: the copies' steps have none pending, which the pages
    # measured do not read; comments would be read, and are not expected in a template.
    for table, column in ((TaskComment.__table__, "instance_id"),):
        if conn.execute(select(table.c.id).where(table.c[column] == instance_id)).first():
            raise RuntimeError(f"template {name}: it has {table.name} rows, which copies do not carry")
    prev = GENESIS_HASH
    for event in events:  # the chain as this module computes it must be the chain the engine wrote
        digest = event_hash(prev, instance_id, event["seq"], event["kind"], event["occurred_at"], event["actor"],
                            event["task_name"], event["human_task_id"], event["payload_json"], event["encoding"])
        if event["prev_hash"] != prev or digest != event["hash"]:
            raise RuntimeError(f"template {name}: event #{event['seq']} is not hashed the way this module "
                               "hashes (engine/history.py changed?)")
        prev = digest
    if prev != instance["history_head"] or len(events) != instance["history_seq"]:
        raise RuntimeError(f"template {name}: the instance's history anchor does not match its events")
    for row in [instance, *tasks, *events, *notes]:
        for column, value in row.items():
            if column != "actor" and isinstance(value, str) and any(
                    re.search(rf"(?<![\w.]){re.escape(u)}(?![\w.])", value) for u in usernames):
                raise RuntimeError(f"template {name}: {column} names a person in its text; copies would keep "
                                   "the template's people there")
    for note in notes:
        if note["dedupe_key"] is not None:
            raise RuntimeError(f"template {name}: a notification has a dedupe key, which must stay unique")
    uuids = sorted({m for row in [instance, *tasks, *events] for v in row.values() if isinstance(v, str)
                    for m in re.findall(UUID_PATTERN, v)})
    recipes = {"instance": [Recipe(instance, frozenset({"state_json"}))], "tasks": [Recipe(t) for t in tasks],
               "events": [Recipe(e) for e in events], "notifications": [Recipe(n) for n in notes]}
    return Template(name=name, instance=instance, tasks=tasks, events=events, notifications=notes,
                    times=sorted(_moments([instance, *tasks, *events, *notes])), uuids=uuids, recipes=recipes,
                    open_tasks=[t["name"] for t in tasks if t["state"] == "open"])


# -- copies ------------------------------------------------------------------------------------------
@dataclass
class Rows:
    """Every row of every copy, ids given in the order things happened."""

    instances: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_rows(copies: list[Copy], first_ids: dict[str, int], rng: random.Random, now: datetime,
              unread_days: float) -> Rows:
    """All rows of ``copies`` (whose ``instance_id`` is set), with new ids from ``first_ids`` on.

    Task, event and notification ids follow time, as they would have if the copies had run
    side by side; notifications older than ``unread_days`` are marked read some time after.
    """
    rows = Rows()
    task_keys: dict[tuple[int, int], dict[str, Any]] = {}  # (instance id, template task id) -> row
    chains: list[tuple[int, list[dict[str, Any]]]] = []
    for copy in copies:
        t, iid = copy.template, copy.instance_id
        subs = {u: new_uuid(rng) for u in t.uuids}
        subs[PERIOD_MARK] = copy.period
        ascii_subs = {**subs, TITLE_MARK: json.dumps(copy.title)[1:-1]}
        subs[TITLE_MARK] = copy.title
        instance = t.recipes["instance"][0].fill(copy, subs, ascii_subs)
        instance["id"] = iid
        rows.instances.append(instance)
        for template_task, recipe in zip(t.tasks, t.recipes["tasks"], strict=True):
            row = recipe.fill(copy, subs, ascii_subs)
            row["instance_id"] = iid
            task_keys[(iid, template_task["id"])] = row
            rows.tasks.append(row)
        events = []
        for recipe in t.recipes["events"]:
            row = recipe.fill(copy, subs, ascii_subs)
            row["instance_id"] = iid
            if row["actor"]:
                row["actor"] = copy.actors.get(row["actor"], row["actor"])
            events.append(row)
        chains.append((iid, events))
        for recipe in t.recipes["notifications"]:
            row = recipe.fill(copy, subs, ascii_subs)
            row["instance_id"] = iid
            rows.notifications.append(row)

    _number(rows.tasks, "created_at", first_ids["human_task"])
    heads = {}
    for iid, events in chains:
        prev = GENESIS_HASH
        for event in events:
            if event["human_task_id"] is not None:
                event["human_task_id"] = task_keys[(iid, event["human_task_id"])]["id"]
            event["prev_hash"] = prev
            event["tree_index"] = None  # copies join the history tree when the next checkpoint sequences them
            event["hash"] = prev = event_hash(prev, iid, event["seq"], event["kind"], event["occurred_at"],
                                              event["actor"], event["task_name"], event["human_task_id"],
                                              event["payload_json"], event["encoding"])
            rows.events.append(event)
        heads[iid] = prev
    for instance in rows.instances:
        instance["history_head"] = heads[instance["id"]]
    _number(rows.events, "occurred_at", first_ids["history_event"], tie="seq")
    unread_since = now - timedelta(days=unread_days)
    for note in rows.notifications:
        if note["human_task_id"] is not None:
            note["human_task_id"] = task_keys[(note["instance_id"], note["human_task_id"])]["id"]
        if note["read_at"] is None and note["created_at"] < unread_since:
            note["read_at"] = min(now, note["created_at"] + timedelta(minutes=rng.uniform(10, 3 * 24 * 60)))
    _number(rows.notifications, "created_at", first_ids["notification"])
    return rows


def _number(rows: list[dict[str, Any]], moment: str, first_id: int, tie: str = "id") -> None:
    """Give ``rows`` ids in time order (ties: by instance, then by ``tie``, the template's order)."""
    rows.sort(key=lambda r: (r[moment], r["instance_id"], r[tie]))
    for offset, row in enumerate(rows):
        row["id"] = first_id + offset


def user_ids(conn: Connection) -> dict[str, int]:
    return {name: uid for uid, name in conn.execute(select(User.id, User.username))}
