"""Deny by default: every REST API route, called with each demo user's bearer token and with none.

The table below names every rule under /api/v1 (with each of its methods) and what each person
gets. A route added to the app without a row here fails ``test_every_api_route_is_in_the_table``.
Requests that may change something each get a fresh copy of the template database, so no probe
sees what another one did; read-only requests of one user share one copy.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Engine, build_engine
from engine.org.people import Person
from engine.runtime.file_types import Upload
from tests.api.helpers import API, make_app
from tests.journey import RESEARCH, START, only_task

# One demo user per role.
USERS = {
    "director": "chen.yu", "branch_gm": "sun.hao", "marketing_manager": "li.na",
    "research_supervisor": "wang.lei", "planning_supervisor": "zhang.min", "promotion_supervisor": "liu.yang",
    "staff": "zhou.jie", "analyst": "gao.yan", "auditor": "he.ping", "admin": "admin",
}
EVERYONE = frozenset(USERS.values())
OVERSIGHT = frozenset({"chen.yu", "he.ping", "admin"})  # director, auditor, admin: see every instance
# Who may see the plans and their research tasks: oversight, the starter (li.na), the lane's role (wang.lei),
# and those above the people involved (chen.yu above li.na and wang.lei).
SEES_PLAN = OVERSIGHT | {"li.na", "wang.lei"}
SEES_DONE_PLAN = SEES_PLAN | {"zhang.min"}  # the plan whose research is done: its draft_plan is in her lane
# Who may see zhou.jie's appraisal: oversight, zhou.jie (his self-assessment is assigned to him by the
# process), and those above him: wang.lei (his appraiser) and li.na (his calibrator).
SEES_APPRAISAL = OVERSIGHT | {"zhou.jie", "wang.lei", "li.na"}
STARTERS = frozenset({"li.na", "zhang.min", "chen.yu"})  # start roles of market_plan
WANG_LEI_AND_ABOVE = frozenset({"wang.lei", "li.na", "chen.yu"})  # his reporting line
READ_ONLY = frozenset({"he.ping"})  # the auditor reads and replays; he changes nothing
# The audit right: auditors and admins over everything, the director over his department (li.na's plans and
# zhou.jie's appraisal are his). Everybody else gets 403 on every audit route, even for an id that does not exist.
AUDITORS = OVERSIGHT
LOG_READERS = frozenset({"he.ping", "admin"})  # the access log: auditors of auditors, not the director
AUDIT_HOLDERS = frozenset({"he.ping", "admin"})  # the audit right outright: exports and the integrity check
MODELERS = frozenset({"gao.yan", "admin"})  # the model, deploy and migrate rights: analysts and admins
NO_TOKEN = "(no token)"
FILE_ROUTES = ("/log.xes", "/bundle", "/case.pdf")  # answer a file, not JSON, when they succeed
MISSING = 999_999  # an id no row has
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass(frozen=True)
class World:
    """Ids in the template database, and a token for every demo user."""

    # Three market plans started by li.na: plan with its research task open and unclaimed (research),
    # held_plan with it claimed by wang.lei (held_research), done_plan with it completed by wang.lei
    # (done_research), so that zhang.min's draft_plan is open; and zhou.jie's appraisal of cycle 2026-Q4
    # (appraisal) with his self-assessment, which the process assigned to him (self_assessment).
    ids: dict[str, int]
    tokens: dict[str, str]  # username: bearer token


@dataclass(frozen=True)
class Probe:
    """One request to one rule, and the status each user gets (``default`` for the others).

    ``path`` is under /api/v1, with ``{name}`` for the world's ids; ``rule`` is as in ``app.url_map``.
    """

    rule: str
    method: str
    path: str
    default: int
    allowed: dict[int, frozenset[str]] = field(default_factory=dict)
    body: Any = None
    anonymous: int = 401
    case: str = ""  # tells apart two probes of the same method and path
    html: bool = False  # the one page under /api/v1 (the explorer); every other answer is JSON
    upload: dict[str, str] | None = None  # sent as multipart/form-data with a PDF under 'file', and these fields


    def url(self, world: World) -> str:
        return API + self.path.format(missing=MISSING, **world.ids)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}" + (f" ({self.case})" if self.case else "")

    @property
    def read_only(self) -> bool:
        return self.method == "GET"

    def expected(self, user: str) -> int:
        if user == NO_TOKEN:
            return self.anonymous
        return next((status for status, users in self.allowed.items() if user in users), self.default)


TASK = "/tasks/<int:task_id>"
INSTANCE = "/process-instances/<int:instance_id>"
FALLBACK = "/<path:rest>"  # the JSON answer to a path or method that no route has
ROOT = "/"  # the same for /api/v1 itself

AWAY = "/me/out-of-office"
AWAY_BODY = {"from": "2099-01-01", "to": "2099-01-05", "proxy": "zhou.jie"}
WANG_LEI_OR_ADMIN = frozenset({"wang.lei", "admin"})  # his own out-of-office, or an admin

PROBES = [
    # -- process definitions: everyone gets the list of what they may start (possibly empty)
    Probe("/process-definitions", "GET", "/process-definitions", 200),
    Probe("/process-definitions/<key>/start", "POST", "/process-definitions/market_plan/start", 403,
          {201: STARTERS}, body={"data": START}),
    Probe("/process-definitions/<key>/start", "POST", "/process-definitions/appraisal_cycle/start", 403,
          {201: frozenset({"chen.yu"})}, body={"data": {"period": "2027-Q1", "period_type": "quarterly"}}),
    # The process is looked up before the start roles: 404 for everyone.
    Probe("/process-definitions/<key>/start", "POST", "/process-definitions/no_such_process/start", 404,
          body={"data": {}}),
    # -- instances: the list is filtered for everyone; one instance only for those who may see it
    Probe("/process-instances", "GET", "/process-instances", 200),
    Probe(INSTANCE, "GET", "/process-instances/{plan}", 403, {200: SEES_PLAN}),
    Probe(INSTANCE, "GET", "/process-instances/{appraisal}", 403, {200: SEES_APPRAISAL}),
    Probe(INSTANCE, "GET", "/process-instances/{missing}", 404),
    Probe(INSTANCE, "GET", "/process-instances/0", 404),  # out of range: 404 (after authentication)
    Probe(f"{INSTANCE}/comments", "GET", "/process-instances/{plan}/comments", 403, {200: SEES_PLAN}),
    Probe(f"{INSTANCE}/comments", "GET", "/process-instances/{missing}/comments", 404),
    # Copying (抄送): the starter, and whoever holds one of its open tasks (wang.lei claimed held_plan's research).
    Probe(f"{INSTANCE}/cc", "POST", "/process-instances/{held_plan}/cc", 403,
          {201: frozenset({"li.na", "wang.lei"})}, body={"to": ["zhou.jie"]}),
    Probe(f"{INSTANCE}/cc", "POST", "/process-instances/{missing}/cc", 404, body={"to": ["zhou.jie"]}),
    Probe("/cc", "GET", "/cc", 200),  # one's own copies, possibly none
    # Out of office (代理): anyone their own (none is set in the template); someone else's, an admin only.
    # -- the organisation's record: who someone was on a day (auditors and admins)
    Probe("/people/<person>/as-of", "GET", "/people/wang.lei/as-of?date=2026-01-05", 403, {200: LOG_READERS}),
    Probe("/people/<person>/as-of", "GET", "/people/no.body/as-of?date=2026-01-05", 403, {404: LOG_READERS},
          case="unknown person"),
    Probe(AWAY, "GET", AWAY, 404),
    Probe(AWAY, "GET", AWAY + "?user=wang.lei", 403, {404: WANG_LEI_OR_ADMIN}, case="someone else's"),
    Probe(AWAY, "PUT", AWAY, 200, {400: frozenset({"zhou.jie"})}, body=AWAY_BODY),  # not one's own proxy
    Probe(AWAY, "PUT", AWAY + "?user=wang.lei", 403, {200: WANG_LEI_OR_ADMIN}, body=AWAY_BODY,
          case="someone else's"),
    Probe(AWAY, "DELETE", AWAY, 204),
    Probe(AWAY, "DELETE", AWAY + "?user=wang.lei", 403, {204: WANG_LEI_OR_ADMIN}, case="someone else's"),
    Probe(f"{INSTANCE}/history", "GET", "/process-instances/{plan}/history", 403, {200: SEES_PLAN}),
    Probe(f"{INSTANCE}/history", "GET", "/process-instances/{appraisal}/history", 403, {200: SEES_APPRAISAL}),
    Probe(f"{INSTANCE}/history", "GET", "/process-instances/{missing}/history", 404),
    # -- tasks
    Probe("/tasks", "GET", "/tasks", 200),
    Probe(TASK, "GET", "/tasks/{research}", 403, {200: SEES_PLAN}),
    Probe(TASK, "GET", "/tasks/{held_research}", 403, {200: SEES_PLAN}),
    Probe(TASK, "GET", "/tasks/{done_research}", 403, {200: SEES_DONE_PLAN}),
    Probe(TASK, "GET", "/tasks/{self_assessment}", 403, {200: SEES_APPRAISAL}),
    Probe(TASK, "GET", "/tasks/{missing}", 404),
    Probe(f"{TASK}/comments", "GET", "/tasks/{research}/comments", 403, {200: SEES_PLAN}),
    Probe(f"{TASK}/comments", "GET", "/tasks/{self_assessment}/comments", 403, {200: SEES_APPRAISAL}),
    Probe(f"{TASK}/comments", "GET", "/tasks/{missing}/comments", 404),
    # Claiming needs the lane's role (only wang.lei is a research supervisor) or being the assignee.
    Probe(f"{TASK}/claim", "POST", "/tasks/{research}/claim", 403, {200: frozenset({"wang.lei"})}),
    Probe(f"{TASK}/claim", "POST", "/tasks/{held_research}/claim", 403, {200: frozenset({"wang.lei"})}),
    Probe(f"{TASK}/claim", "POST", "/tasks/{self_assessment}/claim", 403, {200: frozenset({"zhou.jie"})}),
    Probe(f"{TASK}/claim", "POST", "/tasks/{missing}/claim", 404),
    # The holder and those above the holder may give a task back to the team.
    Probe(f"{TASK}/unclaim", "POST", "/tasks/{held_research}/unclaim", 403, {200: WANG_LEI_AND_ABOVE}),
    # A task nobody holds: nothing to release, 200 with changed: false, for those who may see it.
    Probe(f"{TASK}/unclaim", "POST", "/tasks/{research}/unclaim", 403, {200: SEES_PLAN}),
    # A task the process gave to a relationship (zhou.jie as the employee) is never released, not even by him.
    Probe(f"{TASK}/unclaim", "POST", "/tasks/{self_assessment}/unclaim", 403),
    Probe(f"{TASK}/unclaim", "POST", "/tasks/{missing}/unclaim", 404),
    # The dispatch right: only wang.lei's managers (and he himself) may give him the task.
    Probe(f"{TASK}/assign", "POST", "/tasks/{research}/assign", 403, {200: WANG_LEI_AND_ABOVE},
          body={"user": "wang.lei"}),
    # A task the process gave to a relationship cannot be dispatched: zhou.jie lacks the role "employee" (400)
    # for those who may assign to him (he himself and those above him); the others may not (403).
    Probe(f"{TASK}/assign", "POST", "/tasks/{self_assessment}/assign", 403,
          {400: frozenset({"zhou.jie", "wang.lei", "li.na", "chen.yu"})}, body={"user": "zhou.jie"}),
    # An unknown user is refused (400) only to those who may dispatch the task at all; the others get 403 before
    # the body is looked at (rights before bodies), so they cannot tell usernames that exist from those that do not.
    Probe(f"{TASK}/assign", "POST", "/tasks/{research}/assign", 403, {400: WANG_LEI_AND_ABOVE}, body={"user": "nobody"},
          case="to nobody"),
    Probe(f"{TASK}/assign", "POST", "/tasks/{missing}/assign", 404, body={"user": "wang.lei"}),
    # Completing needs the lane's role; a held task also needs to be one's own.
    Probe(f"{TASK}/complete", "POST", "/tasks/{research}/complete", 403, {200: frozenset({"wang.lei"})},
          body={"data": RESEARCH}),
    Probe(f"{TASK}/complete", "POST", "/tasks/{held_research}/complete", 403, {200: frozenset({"wang.lei"})},
          body={"data": RESEARCH}),
    # Empty data: the one who may complete learns what is wrong with it (400); the others are refused first.
    Probe(f"{TASK}/complete", "POST", "/tasks/{self_assessment}/complete", 403, {400: frozenset({"zhou.jie"})},
          body={"data": {}}),
    Probe(f"{TASK}/complete", "POST", "/tasks/{missing}/complete", 404, body={"data": {}}),
    # Bulk approval (批量审批): everyone may ask; each task is refused or approved on its own, in the answer.
    Probe("/tasks/bulk-approve", "POST", "/tasks/bulk-approve", 200, body={"task_ids": [MISSING]}),
    Probe("/tasks/bulk-approve", "POST", "/tasks/bulk-approve", 400, body={"task_ids": []}, case="none"),
    # Comments: whoever sees the task, except the auditor, who reads and changes nothing.
    Probe(f"{TASK}/comments", "POST", "/tasks/{research}/comments", 403, {201: SEES_PLAN - READ_ONLY},
          body={"body": "A remark"}),
    Probe(f"{TASK}/comments", "POST", "/tasks/{done_research}/comments", 403, {201: SEES_DONE_PLAN - READ_ONLY},
          body={"body": "A remark"}),
    Probe(f"{TASK}/comments", "POST", "/tasks/{self_assessment}/comments", 403, {201: SEES_APPRAISAL - READ_ONLY},
          body={"body": "A remark"}),
    Probe(f"{TASK}/comments", "POST", "/tasks/{missing}/comments", 404, body={"body": "A remark"}),
    # Attachments (附件): to a form's file field, who may work on the open task (zhang.min, of the draft's role);
    # to the step, whoever may comment; a finished task's form takes no more files (409 for who could have).
    Probe(f"{TASK}/attachments", "POST", "/tasks/{draft}/attachments", 403, {201: frozenset({"zhang.min"})},
          upload={"field": "plan_document"}),
    Probe(f"{TASK}/attachments", "POST", "/tasks/{done_research}/attachments", 403,
          {201: SEES_DONE_PLAN - READ_ONLY}, upload={}, case="to the step"),
    Probe(f"{TASK}/attachments", "POST", "/tasks/{done_research}/attachments", 403, {409: frozenset({"wang.lei"})},
          upload={"field": "plan_document"}, case="a finished task's field"),
    Probe(f"{TASK}/attachments", "POST", "/tasks/{missing}/attachments", 404, upload={}),
    Probe(f"{TASK}/attachments", "GET", "/tasks/{done_research}/attachments", 403, {200: SEES_DONE_PLAN}),
    Probe(f"{TASK}/attachments", "GET", "/tasks/{missing}/attachments", 404),
    # Downloads: whoever may see the request.
    Probe(f"{TASK}/attachments/<ref>", "GET", "/tasks/{done_research}/attachments/{file}", 403,
          {200: SEES_DONE_PLAN}),
    Probe(f"{TASK}/attachments/<ref>", "GET", "/tasks/{done_research}/attachments/999999", 403,
          {404: SEES_DONE_PLAN}, case="no such file"),
    # A completed task: rights are checked before state, so only those who could have acted learn (409) that
    # it is closed; everyone else gets 403.
    Probe(f"{TASK}/claim", "POST", "/tasks/{done_research}/claim", 403, {409: frozenset({"wang.lei"})}),
    Probe(f"{TASK}/unclaim", "POST", "/tasks/{done_research}/unclaim", 403, {409: SEES_DONE_PLAN}),
    Probe(f"{TASK}/assign", "POST", "/tasks/{done_research}/assign", 403, {409: WANG_LEI_AND_ABOVE},
          body={"user": "wang.lei"}),
    Probe(f"{TASK}/complete", "POST", "/tasks/{done_research}/complete", 403, {409: frozenset({"wang.lei"})},
          body={"data": RESEARCH}),
    # -- transfer (转办): the holder (while unclaimed, the role's holders: wang.lei) and those above; the default
    # rule lets it go to people the holder's manager (li.na) manages, e.g. zhou.jie
    Probe(f"{TASK}/transfer", "POST", "/tasks/{research}/transfer", 403, {200: WANG_LEI_AND_ABOVE},
          body={"to": "zhou.jie", "reason": "away this week"}),
    Probe(f"{TASK}/transfer", "POST", "/tasks/{held_research}/transfer", 403, {200: WANG_LEI_AND_ABOVE},
          body={"to": "zhou.jie", "reason": "away this week"}),
    Probe(f"{TASK}/transfer", "POST", "/tasks/{research}/transfer", 403, {400: WANG_LEI_AND_ABOVE},
          body={"to": "nobody", "reason": "away"}, case="to nobody"),
    Probe(f"{TASK}/transfer", "POST", "/tasks/{self_assessment}/transfer", 403,
          body={"to": "wu.fang", "reason": "away"}),  # meant for one person of the instance: never transferred
    Probe(f"{TASK}/transfer", "POST", "/tasks/{done_research}/transfer", 403, {409: WANG_LEI_AND_ABOVE},
          body={"to": "zhou.jie", "reason": "away"}),
    Probe(f"{TASK}/transfer", "POST", "/tasks/{missing}/transfer", 404, body={"to": "zhou.jie", "reason": "away"}),
    # -- urge (催办): the starter (li.na) and the managers above the holder (li.na, chen.yu above wang.lei)
    Probe(f"{TASK}/urge", "POST", "/tasks/{research}/urge", 403, {200: frozenset({"li.na", "chen.yu"})}),
    Probe(f"{TASK}/urge", "POST", "/tasks/{done_research}/urge", 403, {409: frozenset({"li.na", "chen.yu"})}),
    Probe(f"{TASK}/urge", "POST", "/tasks/{missing}/urge", 404),
    # -- withdraw (撤回): the starter, while nobody has acted (wang.lei claimed held_plan's research: 409)
    Probe(f"{INSTANCE}/withdraw", "POST", "/process-instances/{plan}/withdraw", 403,
          {200: frozenset({"li.na"})}, body={"reason": "changed my mind"}),
    Probe(f"{INSTANCE}/withdraw", "POST", "/process-instances/{held_plan}/withdraw", 403,
          {409: frozenset({"li.na"})}, body={"reason": "changed my mind"}),
    Probe(f"{INSTANCE}/withdraw", "POST", "/process-instances/{missing}/withdraw", 404,
          body={"reason": "changed my mind"}),
    # -- cancel by an admin (the operations page's move over the API): rights before existence
    Probe(f"{INSTANCE}/cancel", "POST", "/process-instances/{plan}/cancel", 403, {200: frozenset({"admin"})},
          body={"reason": "duplicate"}),
    Probe(f"{INSTANCE}/cancel", "POST", "/process-instances/{missing}/cancel", 403, {404: frozenset({"admin"})},
          body={"reason": "duplicate"}),
    # -- start again (重新发起): the starter of an ended, not approved request; a running one: 409
    Probe(f"{INSTANCE}/restart-data", "GET", "/process-instances/{plan}/restart-data", 403,
          {409: frozenset({"li.na"})}),
    Probe(f"{INSTANCE}/restart-data", "GET", "/process-instances/{missing}/restart-data", 404),
    # Handing a task on (委派, 加签, 减签): only its holder (wang.lei holds held_research); the round is read by
    # whoever may see the task; signing only by an added signer (nobody was added here).
    Probe(f"{TASK}/signers", "GET", "/tasks/{held_research}/signers", 403, {200: SEES_PLAN}),
    Probe(f"{TASK}/signers", "GET", "/tasks/{missing}/signers", 404),
    Probe(f"{TASK}/delegate", "POST", "/tasks/{held_research}/delegate", 403, {200: frozenset({"wang.lei"})},
          body={"to": "zhou.jie", "reason": "请整理"}),
    Probe(f"{TASK}/delegate", "POST", "/tasks/{held_research}/delegate", 403, {400: frozenset({"wang.lei"})},
          body={"to": "nobody", "reason": "x"}, case="to nobody"),
    Probe(f"{TASK}/delegate", "POST", "/tasks/{done_research}/delegate", 403, {409: frozenset({"wang.lei"})},
          body={"to": "zhou.jie", "reason": "x"}),
    Probe(f"{TASK}/delegate", "POST", "/tasks/{missing}/delegate", 404, body={"to": "zhou.jie", "reason": "x"}),
    Probe(f"{TASK}/add-signers", "POST", "/tasks/{held_research}/add-signers", 403, {200: frozenset({"wang.lei"})},
          body={"people": ["zhou.jie"], "position": "after", "reason": "联签"}),
    Probe(f"{TASK}/add-signers", "POST", "/tasks/{done_research}/add-signers", 403,
          {409: frozenset({"wang.lei"})}, body={"people": ["zhou.jie"], "position": "after", "reason": "x"}),
    Probe(f"{TASK}/add-signers", "POST", "/tasks/{missing}/add-signers", 404,
          body={"people": ["zhou.jie"], "position": "after", "reason": "x"}),
    Probe(f"{TASK}/remove-signer", "POST", "/tasks/{held_research}/remove-signer", 403,
          {400: frozenset({"wang.lei"})}, body={"person": "zhou.jie"}),  # he was never added
    Probe(f"{TASK}/remove-signer", "POST", "/tasks/{missing}/remove-signer", 404, body={"person": "zhou.jie"}),
    Probe(f"{TASK}/sign", "POST", "/tasks/{held_research}/sign", 403, body={"decision": "approve"}),
    Probe(f"{TASK}/sign", "POST", "/tasks/{missing}/sign", 404, body={"decision": "approve"}),
    # Return to an earlier step (驳回): whoever may complete the open task. research is the first step (nothing
    # to return to: 400); done_plan's draft_plan (zhang.min's lane) may go back to research; a done task: 409.
    Probe(f"{TASK}/return-targets", "GET", "/tasks/{draft}/return-targets", 403, {200: frozenset({"zhang.min"})}),
    Probe(f"{TASK}/return-targets", "GET", "/tasks/{held_research}/return-targets", 403,
          {200: frozenset({"wang.lei"})}),
    Probe(f"{TASK}/return-targets", "GET", "/tasks/{done_research}/return-targets", 403,
          {409: frozenset({"wang.lei"})}),
    Probe(f"{TASK}/return-targets", "GET", "/tasks/{missing}/return-targets", 404),
    Probe(f"{TASK}/return", "POST", "/tasks/{draft}/return", 403, {200: frozenset({"zhang.min"})},
          body={"to_step": "research", "reason": "Need this year's prices"}),
    Probe(f"{TASK}/return", "POST", "/tasks/{held_research}/return", 403, {400: frozenset({"wang.lei"})},
          body={"to_step": "research", "reason": "Nothing before it"}),
    Probe(f"{TASK}/return", "POST", "/tasks/{done_research}/return", 403, {409: frozenset({"wang.lei"})},
          body={"to_step": "research", "reason": "Done already"}),
    Probe(f"{TASK}/return", "POST", "/tasks/{missing}/return", 404, body={"to_step": "research", "reason": "x"}),
    # -- audit: the XES log, the bundle and the integrity badge, for auditors and admins only
    Probe("/process-definitions/<key>/log.xes", "GET", "/process-definitions/market_plan/log.xes", 403,
          {200: AUDIT_HOLDERS}),
    Probe("/process-definitions/<key>/log.xes", "GET", "/process-definitions/no_such_process/log.xes", 403,
          {404: AUDIT_HOLDERS}),  # the right is checked first: others learn nothing about which processes exist
    Probe(f"{INSTANCE}/bundle", "GET", "/process-instances/{done_plan}/bundle", 403, {200: AUDIT_HOLDERS}),
    Probe(f"{INSTANCE}/bundle", "GET", "/process-instances/{missing}/bundle", 403, {404: AUDIT_HOLDERS}),
    Probe(f"{INSTANCE}/case.pdf", "GET", "/process-instances/{done_plan}/case.pdf", 403, {200: AUDIT_HOLDERS}),
    Probe(f"{INSTANCE}/case.pdf", "GET", "/process-instances/{missing}/case.pdf", 403, {404: AUDIT_HOLDERS}),
    Probe(f"{INSTANCE}/integrity", "GET", "/process-instances/{plan}/integrity", 403, {200: AUDIT_HOLDERS}),
    Probe(f"{INSTANCE}/integrity", "GET", "/process-instances/{missing}/integrity", 403, {404: AUDIT_HOLDERS}),
    # -- the audit workspace: read-only, recorded in the access log
    Probe("/audit/instances", "GET", "/audit/instances", 403, {200: AUDITORS}),
    Probe("/audit/instances/<int:instance_id>", "GET", "/audit/instances/{plan}", 403, {200: AUDITORS}),
    Probe("/audit/instances/<int:instance_id>", "GET", "/audit/instances/{appraisal}", 403, {200: AUDITORS}),
    Probe("/audit/instances/<int:instance_id>", "GET", "/audit/instances/{missing}", 403, {404: AUDITORS}),
    # Without ?step the right is still checked first: 403 for those without it, 400 (no step) for auditors.
    Probe(f"{INSTANCE}/replay", "GET", "/process-instances/{done_plan}/replay", 403, {400: AUDITORS}),
    Probe(f"{INSTANCE}/replay", "GET", "/process-instances/{missing}/replay", 403, {404: AUDITORS}),
    Probe("/process-definitions/<key>/versions/<int:version>/heatmap", "GET",
          "/process-definitions/market_plan/versions/1/heatmap", 403, {200: AUDITORS}),
    Probe("/process-definitions/<key>/versions/<int:version>/heatmap", "GET",
          "/process-definitions/market_plan/versions/9/heatmap", 403, {404: AUDITORS}),
    Probe("/audit/access-log", "GET", "/audit/access-log", 403, {200: LOG_READERS}),
    Probe("/audit/breaches", "GET", "/audit/breaches?process=market_plan", 403, {200: AUDITORS}),
    Probe("/audit/sod", "GET", "/audit/sod", 403, {200: AUDITORS}),
    # -- the modeler: analysts and admins only; everyone else 403 on every route
    Probe("/process-definitions", "POST", "/process-definitions", 403, {400: MODELERS},
          body={"bpmn": "<definitions/>", "note": "probe"}),  # not a deployable bundle: the errors, nothing stored
    Probe("/process-definitions/<key>/versions", "GET", "/process-definitions/market_plan/versions", 403,
          {200: MODELERS}),
    Probe("/process-definitions/<key>/versions", "GET", "/process-definitions/no_such_process/versions", 403,
          {404: MODELERS}),
    Probe("/process-definitions/<key>/versions/<int:version>", "GET", "/process-definitions/market_plan/versions/1",
          403, {200: MODELERS}),
    Probe("/process-definitions/<key>/versions/<int:version>/bpmn", "GET",
          "/process-definitions/market_plan/versions/1/bpmn", 403, {200: MODELERS}),
    Probe("/process-definitions/<key>/diff", "GET", "/process-definitions/market_plan/diff?from=1&to=1", 403,
          {200: MODELERS}),
    Probe("/drafts", "GET", "/drafts", 403, {200: MODELERS}),
    Probe("/drafts", "POST", "/drafts", 403, {201: MODELERS}, body={"key": "probe_process", "title": "Probe"}),
    Probe("/decision-tables/try", "POST", "/decision-tables/try", 403, {400: MODELERS},
          body={"dmn": "<definitions/>", "decision": "probe", "inputs": {}}),  # no such decision: said, not run
    Probe("/process-definitions/<key>/draft", "GET", "/process-definitions/market_plan/draft", 403, {200: MODELERS}),
    Probe("/process-definitions/<key>/draft", "PUT", "/process-definitions/market_plan/draft", 403, {200: MODELERS},
          body={"bpmn": "<definitions/>", "files": {}, "version": 0}),  # saved, with its problems listed
    Probe("/process-definitions/<key>/draft/problems", "POST", "/process-definitions/market_plan/draft/problems", 403,
          {200: MODELERS}, body={"bpmn": "<definitions/>", "files": {}}),  # the problems listed, nothing saved
    Probe("/process-definitions/<key>/draft", "DELETE", "/process-definitions/market_plan/draft?version=0", 403,
          {404: MODELERS}),  # no draft to discard in the template
    Probe("/process-definitions/<key>/draft/deploy", "POST", "/process-definitions/market_plan/draft/deploy", 403,
          {404: MODELERS}, body={"version": 0, "note": "probe"}),
    Probe("/process-definitions/<key>/migrations", "GET", "/process-definitions/market_plan/migrations?to=1", 403,
          {200: MODELERS}),
    # Every plan runs on v1 already: nothing to move, 400 naming the instance.
    Probe("/process-definitions/<key>/migrations", "POST", "/process-definitions/market_plan/migrations", 403,
          {400: MODELERS}, body={"instances": [1], "to": 1, "reason": "probe"}),
    # -- route preview (流程预测): whoever may start the process, and analysts; a task's next steps: who sees it
    Probe("/process-definitions/<key>/preview", "POST", "/process-definitions/market_plan/preview", 403,
          {200: STARTERS | MODELERS}, body={"data": {**START, "budget_cny": 1_200_000}}),
    Probe("/tasks/<int:task_id>/preview", "POST", "/tasks/{research}/preview", 403, {200: SEES_PLAN},
          body={"data": {}}),
    # -- what-if simulation: analysts and admins (the model right)
    Probe("/process-definitions/<key>/simulation-parameters", "GET",
          "/process-definitions/market_plan/simulation-parameters", 403, {200: MODELERS}),
    Probe("/process-definitions/<key>/simulations", "POST", "/process-definitions/market_plan/simulations", 403,
          {200: MODELERS}, body={"changes": {"cases": 3}}),
    # -- the OpenAPI document: the one route served without a token
    Probe("/openapi.json", "GET", "/openapi.json", 200, anonymous=200),
    # -- the API explorer on it: public too (the calls made from it still need a token)
    Probe("/docs", "GET", "/docs", 200, anonymous=200, html=True),
    # -- no such route (404) or no such method (405): JSON answers, still only with a token
    *(Probe(ROOT, method, "/", 404) for method in ("GET", "POST", "PUT", "PATCH", "DELETE")),
    Probe(ROOT, "GET", "", 404),  # /api/v1 without the slash
    Probe(FALLBACK, "GET", "/no-such-route", 404),
    Probe(FALLBACK, "GET", "/tasks/{research}/claim", 405),
    Probe(FALLBACK, "POST", "/tasks", 405),
    Probe(FALLBACK, "PUT", "/tasks/{research}", 405),
    Probe(FALLBACK, "PATCH", "/process-instances/{plan}", 405),
    Probe(FALLBACK, "DELETE", "/tasks/{research}/comments", 405),
]


# -- the world ---------------------------------------------------------------------------------------------
def _build_template(path: Path) -> World:
    engine = build_engine(f"sqlite:///{path}")
    try:
        engine.setup.init(demo=True)
        plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
        held_plan = int(engine.work.start(Person("li.na"), "market_plan", {**START, "title": "Autumn push"}).id)
        research = only_task(engine, "wang.lei", "research", plan)["id"]
        held_research = only_task(engine, "wang.lei", "research", held_plan)["id"]
        engine.work.claim(Person("wang.lei"), held_research)
        done_plan = int(engine.work.start(Person("li.na"), "market_plan", {**START, "title": "Summer fair"}).id)
        done_research = only_task(engine, "wang.lei", "research", done_plan)["id"]
        engine.work.complete(Person("wang.lei"), done_research, RESEARCH)  # now zhang.min's draft_plan is open
        draft = only_task(engine, "zhang.min", "draft_plan", done_plan)["id"]
        [file] = engine.work.attach(Person("wang.lei"), done_research, [Upload("research.pdf", PDF)])
        engine.work.start(Person("chen.yu"), "appraisal_cycle", {"period": "2026-Q4", "period_type": "quarterly"})
        self_assessment = only_task(engine, "zhou.jie", "self_assessment")
        tokens = {user: engine.org.create_token(Person(user), "route table") for user in EVERYONE}
    finally:
        engine.db.dispose()  # closes the connections, so SQLite folds its WAL into the file
    ids = {"plan": plan, "research": research, "held_plan": held_plan, "held_research": held_research,
           "done_plan": done_plan, "done_research": done_research, "draft": draft, "file": file["id"],
           "appraisal": self_assessment["instance_id"], "self_assessment": self_assessment["id"]}
    return World(ids, tokens)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    path = tmp_path_factory.mktemp("api-routes") / "template.sqlite"
    return path, _build_template(path)


class Copies:
    """Apps on fresh copies of the template database."""

    def __init__(self, template: Path, folder: Path) -> None:
        self.template = template
        self.folder = folder
        self.numbers = count()

    @contextmanager
    def app(self) -> Iterator[Flask]:
        path = self.folder / f"copy-{next(self.numbers)}.sqlite"
        shutil.copy(self.template, path)
        engine: Engine = build_engine(f"sqlite:///{path}")
        try:
            yield make_app(engine)
        finally:
            engine.db.dispose()
            path.unlink()


@pytest.fixture
def copies(template: tuple[Path, World], tmp_path: Path) -> Copies:
    return Copies(template[0], tmp_path)


@pytest.fixture
def world(template: tuple[Path, World]) -> World:
    return template[1]


def _status(client: FlaskClient, probe: Probe, world: World, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs: dict[str, Any] = {} if probe.body is None else {"json": probe.body}
    if probe.upload is not None:
        kwargs = {"data": {**probe.upload, "file": (io.BytesIO(PDF), "plan.pdf")},
                  "content_type": "multipart/form-data"}
    response = client.open(probe.url(world), method=probe.method, headers=headers, **kwargs)
    response.close()
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="opsflow"'), probe.label
    files = response.status_code == 200 and (probe.path.endswith(FILE_ROUTES)  # an XES log, a bundle
                                              or "/attachments/" in probe.path)  # an attached file
    xml = response.status_code == 200 and probe.path.endswith("/bpmn")  # a version's BPMN file is XML
    empty = response.status_code == 204  # done, no body
    assert response.is_json != (files or xml or probe.html or empty), f"{probe.label}: not the kind of answer expected"
    assert not xml or response.mimetype == "application/xml", probe.label
    return response.status_code


def walk(copies: Copies, world: World, user: str, token: str | None) -> dict[str, int]:
    """Every probe as ``user``: the read-only ones on one copy, each other one on a copy of its own."""
    got = {}
    with copies.app() as shared:
        for probe in PROBES:
            if probe.read_only:
                got[probe.label] = _status(shared.test_client(), probe, world, token)
            else:
                with copies.app() as app:
                    got[probe.label] = _status(app.test_client(), probe, world, token)
    return got


# -- the tests ---------------------------------------------------------------------------------------------
def api_routes(app: Flask) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith(API)
            for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}


def test_every_api_route_is_in_the_table(copies: Copies) -> None:
    with copies.app() as app:
        assert api_routes(app) == {(API + p.rule, p.method) for p in PROBES}


def test_each_probe_reaches_the_rule_it_is_listed_under(copies: Copies, world: World) -> None:
    with copies.app() as app:
        adapter = app.url_map.bind("localhost")
        reached = {p.label: adapter.match(p.url(world).split("?")[0], p.method, return_rule=True)[0].rule
                   for p in PROBES}
    assert reached == {p.label: API + p.rule for p in PROBES}


def test_the_labels_are_unique() -> None:
    assert len({p.label for p in PROBES}) == len(PROBES)


@pytest.mark.parametrize("user", sorted(EVERYONE))
def test_each_user_gets_what_the_table_says(copies: Copies, world: World, user: str) -> None:
    got = walk(copies, world, user, world.tokens[user])
    assert got == {p.label: p.expected(user) for p in PROBES}


@pytest.mark.parametrize("token", [None, "not-a-token"], ids=["no-token", "unknown-token"])
def test_without_a_valid_token_only_the_openapi_document_and_its_explorer_are_served(
        copies: Copies, world: World, token: str | None) -> None:
    got = walk(copies, world, NO_TOKEN, token)
    assert got == {p.label: p.expected(NO_TOKEN) for p in PROBES}
