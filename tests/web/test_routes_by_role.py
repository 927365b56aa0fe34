"""Deny by default: every HTML route, walked as each demo role and as an anonymous visitor.

The table below names every route (rule and method) with what each person gets. A route
added to the app without a row here fails ``test_every_route_is_in_the_table``. The REST API
(/api/) is covered by its own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.conftest import World, sign_in_session

# One demo user per role.
USERS = {
    "director": "chen.yu", "branch_gm": "sun.hao", "marketing_manager": "li.na",
    "research_supervisor": "wang.lei", "planning_supervisor": "zhang.min", "promotion_supervisor": "liu.yang",
    "staff": "zhou.jie", "analyst": "gao.yan", "auditor": "he.ping", "admin": "admin",
}
EVERYONE = frozenset(USERS.values())
# Who may see plan 1 and its research task: oversight roles, the starter (li.na), the lane's role
# (wang.lei), and those above the people involved (chen.yu).
SEES_PLAN = frozenset({"chen.yu", "li.na", "wang.lei", "he.ping", "admin"})
STARTERS = frozenset({"li.na", "zhang.min", "chen.yu"})  # start roles of market_plan
# The roles the engine shows the cycle dashboard to: director, branch_gm, marketing_manager, auditor, admin.
DASHBOARD = frozenset({"chen.yu", "sun.hao", "li.na", "he.ping", "admin"})
ADMIN = frozenset({"admin"})
# The audit right: auditors and admins over everything, the director over his department (plan 1 is li.na's,
# who reports to him). Everybody else gets 403 on every audit route, even for an id that does not exist.
AUDITORS = frozenset({"he.ping", "admin", "chen.yu"})
EXPORTERS = frozenset({"he.ping", "admin"})  # the audit right outright: exports, case files, checkpoints
LOG_READERS = frozenset({"he.ping", "admin"})  # the access log: auditors of auditors, not the director
LOGIN = "login"  # an anonymous visitor is sent to /login
MODELERS = frozenset({"gao.yan", "admin"})  # the model right: analysts and admins; everyone else 403


@dataclass
class Probe:
    """One request to one route, and the status each user gets (``default`` for the others)."""

    rule: str
    method: str
    url: Callable[[World], str]
    default: int
    allowed: dict[int, frozenset[str]] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    anonymous: int | str = LOGIN

    def expected(self, user: str) -> int:
        return next((status for status, users in self.allowed.items() if user in users), self.default)


# In the order they run for each user (each user starts from the same fresh database).
PROBES = [
    Probe("/", "GET", lambda w: "/", 200),
    Probe("/login", "GET", lambda w: "/login", 302, anonymous=200),
    Probe("/language", "POST", lambda w: "/language", 303, data={"lang": "en"}, anonymous=303),
    Probe("/static/<path:filename>", "GET", lambda w: "/static/opsflow.css", 200, anonymous=200),
    Probe("/favicon.ico", "GET", lambda w: "/favicon.ico", 200, anonymous=200),
    # The dispatch board: anyone signed in; each sees only the dispatched tasks they may see as requests.
    Probe("/boards/dispatch", "GET", lambda w: "/boards/dispatch", 200),
    # My account: everyone makes and revokes their own API tokens (someone else's is not found).
    Probe("/account", "GET", lambda w: "/account", 200),
    Probe("/account/tokens", "POST", lambda w: "/account/tokens", 200, data={"name": "probe"}),
    Probe("/account/tokens/<id:token_id>/revoke", "POST", lambda w: f"/account/tokens/{w.token}/revoke", 404,
          {303: frozenset({"li.na"})}),
    # Bulk approval (批量审批): anyone may send; each task is approved or refused on its own (told on the inbox).
    Probe("/inbox/bulk-approve", "POST", lambda w: "/inbox/bulk-approve", 303, data={"task": "999999"}),
    # ... and their own out-of-office (代理); a refused one (zhou.jie named himself) is told on the page it came from.
    Probe("/account/out-of-office", "POST", lambda w: "/account/out-of-office", 303,
          data={"from": "2099-01-01", "to": "2099-01-05", "proxy": "zhou.jie"}),
    Probe("/account/out-of-office/end", "POST", lambda w: "/account/out-of-office/end", 303),
    # The admins' out-of-office page (代理): admins only, whoever is named (the staff member below, himself).
    Probe("/admin/absences", "GET", lambda w: "/admin/absences", 403, {200: ADMIN}),
    Probe("/admin/absences", "POST", lambda w: "/admin/absences", 403, {303: ADMIN},
          data={"user": "zhou.jie", "from": "2099-01-01", "to": "2099-01-05", "proxy": "feng.yi"}),
    Probe("/admin/absences/end", "POST", lambda w: "/admin/absences/end", 403, {303: ADMIN},
          data={"user": "zhou.jie"}),
    # The operations page: admins only.
    Probe("/ops", "GET", lambda w: "/ops", 403, {200: ADMIN}),
    Probe("/ops/incidents/<id:job_id>", "GET", lambda w: f"/ops/incidents/{w.incident}", 403, {200: ADMIN}),
    Probe("/ops/incidents/<id:job_id>", "GET", lambda w: "/ops/incidents/999999", 403, {404: ADMIN}),
    Probe("/ops/incidents/<id:job_id>/retry", "POST", lambda w: f"/ops/incidents/{w.incident}/retry", 403,
          {303: ADMIN}),
    # Skipping a notification: the template's incident is a timer, not a notification (back with why, for admins).
    Probe("/ops/incidents/<id:job_id>/dismiss", "POST", lambda w: f"/ops/incidents/{w.incident}/dismiss", 403,
          {303: ADMIN}, data={"reason": "the address is gone"}),
    Probe("/processes", "GET", lambda w: "/processes", 200),
    Probe("/processes/<key>", "GET", lambda w: "/processes/market_plan", 403, {200: STARTERS}),
    Probe("/processes/<key>", "GET", lambda w: "/processes/no_such_process", 404),
    Probe("/requests", "GET", lambda w: "/requests", 200),
    Probe("/instances/<id:instance_id>", "GET", lambda w: f"/instances/{w.plan}", 403, {200: SEES_PLAN}),
    Probe("/instances/<id:instance_id>", "GET", lambda w: "/instances/999999", 404),
    # A request's files: whoever may see it (no file in the template: 404 for them, 403 for the others).
    Probe("/instances/<id:instance_id>/attachments/<id:attachment_id>", "GET",
          lambda w: f"/instances/{w.plan}/attachments/999999", 403, {404: SEES_PLAN}),
    Probe("/tasks/<id:task_id>", "GET", lambda w: f"/tasks/{w.research}", 403, {200: SEES_PLAN}),
    Probe("/tasks/<id:task_id>", "GET", lambda w: "/tasks/999999", 404),
    # Empty data: the one who may complete gets the form back with its errors (422).
    Probe("/tasks/<id:task_id>/complete", "POST", lambda w: f"/tasks/{w.research}/complete", 403,
          {422: frozenset({"wang.lei"})}),
    Probe("/tasks/<id:task_id>/complete", "POST", lambda w: "/tasks/999999/complete", 404),
    # Reloading a refused form's address goes back to the task page (which then checks sight).
    Probe("/tasks/<id:task_id>/complete", "GET", lambda w: f"/tasks/{w.research}/complete", 303),
    Probe("/tasks/<id:task_id>/claim", "POST", lambda w: f"/tasks/{w.research}/claim", 403,
          {303: frozenset({"wang.lei"})}),
    # Return to an earlier step (驳回): whoever may complete the task; research is the first step, so he is sent
    # back to the task with a message (nothing to return to) and nothing changes.
    Probe("/tasks/<id:task_id>/return", "POST", lambda w: f"/tasks/{w.research}/return", 403,
          {303: frozenset({"wang.lei"})}, data={"to_step": "research", "reason": "Nothing before it"}),
    Probe("/tasks/<id:task_id>/return", "POST", lambda w: "/tasks/999999/return", 404,
          data={"to_step": "research", "reason": "x"}),
    # The dispatch right: only wang.lei's managers (and he himself) may give him the task.
    Probe("/tasks/<id:task_id>/assign", "POST", lambda w: f"/tasks/{w.research}/assign", 403,
          {303: frozenset({"li.na", "chen.yu", "wang.lei"})}, data={"user": "wang.lei"}),
    # Copying (抄送): the starter, and whoever holds one of its open steps (wang.lei holds held_plan's research until
    # the unclaim probe below).
    Probe("/copies/<id:instance_id>", "POST", lambda w: f"/copies/{w.held_plan}", 403,
          {303: frozenset({"li.na", "wang.lei"})}, data={"to": "zhou.jie"}),
    # The task wang.lei holds: he and those above him may give it back to the team.
    Probe("/tasks/<id:task_id>/unclaim", "POST", lambda w: f"/tasks/{w.held_research}/unclaim", 403,
          {303: frozenset({"wang.lei", "li.na", "chen.yu"})}),
    # Comments: whoever sees the plan, except the auditor, who reads and changes nothing.
    Probe("/tasks/<id:task_id>/comments", "POST", lambda w: f"/tasks/{w.research}/comments", 403,
          {303: SEES_PLAN - {"he.ping"}}, data={"body": "A remark"}),
    # Overriding separation of duties: the director and admins; research has no rule: told so on the task page
    Probe("/tasks/<id:task_id>/separation-override", "POST", lambda w: f"/tasks/{w.research}/separation-override",
          403, {303: frozenset({"chen.yu", "admin"})}, data={"reason": "Probe"}),
    # Handing a task on (委派, 加签, 减签): only its holder; by now held_research is unclaimed again (the unclaim
    # probe above), so wang.lei, who may claim it, holds it by delegating; then it is with zhou.jie, and his next
    # moves are refused with a message on the task page (303); signing only by an added signer (none here).
    Probe("/tasks/<id:task_id>/delegate", "POST", lambda w: f"/tasks/{w.held_research}/delegate", 403,
          {303: frozenset({"wang.lei"})}, data={"to": "zhou.jie", "reason": "请整理"}),
    Probe("/tasks/<id:task_id>/add-signers", "POST", lambda w: f"/tasks/{w.held_research}/add-signers", 403,
          {303: frozenset({"wang.lei"})}, data={"people": "zhou.jie", "position": "after", "reason": "联签"}),
    Probe("/tasks/<id:task_id>/remove-signer", "POST", lambda w: f"/tasks/{w.held_research}/remove-signer", 403,
          {303: frozenset({"wang.lei"})}, data={"person": "zhou.jie"}),
    Probe("/tasks/<id:task_id>/sign", "POST", lambda w: f"/tasks/{w.held_research}/sign", 403,
          data={"decision": "approve"}),
    # Empty start data: a starter gets the form back with its errors (422).
    Probe("/processes/<key>", "POST", lambda w: "/processes/market_plan", 403, {422: STARTERS}),
    Probe("/copies", "GET", lambda w: "/copies", 200),
    Probe("/copies/<id:instance_id>", "GET", lambda w: f"/copies/{w.plan}", 404),  # copied to nobody yet
    Probe("/notifications", "GET", lambda w: "/notifications", 200),
    # Marking read touches only one's own notifications (notification 1 is wang.lei's; for others nothing changes).
    Probe("/notifications/<id:notification_id>/read", "POST", lambda w: "/notifications/1/read", 303),
    # Opening one follows it for its owner; someone else's is not revealed.
    Probe("/notifications/<id:notification_id>", "GET", lambda w: "/notifications/1", 404,
          {303: frozenset({"wang.lei"})}),
    Probe("/notifications/read", "POST", lambda w: "/notifications/read", 303),
    Probe("/cycles", "GET", lambda w: "/cycles", 403, {200: DASHBOARD}),
    # The template database has no cycle: those who may see the dashboard learn that it does not exist.
    Probe("/cycles/<period>", "GET", lambda w: "/cycles/2026-Q4", 403, {404: DASHBOARD}),
    # The packs' boards: everyone signed in gets one, listing only the instances they may see (none here: the
    # template has no pack installed); the navigation links them for those who may follow the process.
    Probe("/boards/complaints", "GET", lambda w: "/boards/complaints", 200),
    Probe("/boards/hazards", "GET", lambda w: "/boards/hazards", 200),
    # The working-day calendar: admins enter the days the holiday package lacks.
    Probe("/calendar", "GET", lambda w: "/calendar", 403, {303: ADMIN}),
    Probe("/calendar/<id:year>", "GET", lambda w: "/calendar/2027", 403, {200: ADMIN}),
    Probe("/calendar/<id:year>", "GET", lambda w: "/calendar/99999", 403, {404: ADMIN}),
    Probe("/calendar/days", "POST", lambda w: "/calendar/days", 403, {303: ADMIN},
          data={"day": "2027-02-08", "kind": "holiday", "name": "Spring Festival", "year": "2027"}),
    Probe("/calendar/days/<day>/remove", "POST", lambda w: "/calendar/days/2027-02-08/remove", 403, {303: ADMIN}),
    Probe("/healthz", "GET", lambda w: "/healthz", 200, anonymous=200),
    Probe("/audit/", "GET", lambda w: "/audit/", 403, {200: AUDITORS}),
    Probe("/audit/", "GET", lambda w: "/audit/?end=approved&q=Spring", 403, {200: AUDITORS}),
    Probe("/audit/instances/<id:instance_id>", "GET", lambda w: f"/audit/instances/{w.plan}", 403, {200: AUDITORS}),
    Probe("/audit/instances/<id:instance_id>", "GET", lambda w: f"/audit/instances/{w.plan}?step=1", 403,
          {200: AUDITORS}),
    Probe("/audit/instances/<id:instance_id>", "GET", lambda w: "/audit/instances/999999", 403, {404: AUDITORS}),
    Probe("/audit/instances/<id:instance_id>/diagram", "GET", lambda w: f"/audit/instances/{w.plan}/diagram", 403,
          {200: AUDITORS}),
    Probe("/audit/instances/<id:instance_id>/steps/<id:step>", "GET", lambda w: f"/audit/instances/{w.plan}/steps/1",
          403, {200: AUDITORS}),
    Probe("/audit/access-log", "GET", lambda w: "/audit/access-log", 403, {200: LOG_READERS}),
    # What auditors take away and the checkpoints: the audit right outright (not the director's department right).
    Probe("/audit/instances/<id:instance_id>/case", "GET", lambda w: f"/audit/instances/{w.plan}/case", 403,
          {200: EXPORTERS}),
    Probe("/audit/instances/<id:instance_id>/case.pdf", "GET", lambda w: "/audit/instances/999999/case.pdf", 403,
          {404: EXPORTERS}),  # the PDF itself: tests/web/test_case_file.py
    Probe("/audit/processes/<key>/log.ocel.json", "GET", lambda w: "/audit/processes/market_plan/log.ocel.json",
          403, {200: EXPORTERS}),
    Probe("/audit/checkpoints", "GET", lambda w: "/audit/checkpoints", 403, {200: EXPORTERS}),
    Probe("/audit/checkpoints", "POST", lambda w: "/audit/checkpoints", 403, {303: EXPORTERS}),
    Probe("/audit/checkpoints/verify", "GET", lambda w: "/audit/checkpoints/verify", 403, {200: EXPORTERS}),
    Probe("/audit/breaches", "GET", lambda w: "/audit/breaches?process=market_plan", 403, {200: AUDITORS}),
    Probe("/audit/sod", "GET", lambda w: "/audit/sod?format=csv", 403, {200: AUDITORS}),
    Probe("/audit/processes", "GET", lambda w: "/audit/processes", 403, {200: AUDITORS}),
    Probe("/audit/processes/<key>/versions/<id:version>", "GET", lambda w: "/audit/processes/market_plan/versions/1",
          403, {200: AUDITORS}),
    Probe("/audit/processes/<key>/versions/<id:version>", "GET", lambda w: "/audit/processes/market_plan/versions/9",
          403, {404: AUDITORS}),
    Probe("/audit/processes/<key>/versions/<id:version>/diagram", "GET",
          lambda w: "/audit/processes/market_plan/versions/1/diagram", 403, {200: AUDITORS}),
    # -- the modeler (its editor saves, deploys and discards through the API's draft routes: tests/api)
    Probe("/modeler/", "GET", lambda w: "/modeler/", 403, {200: MODELERS}),
    Probe("/modeler/new", "POST", lambda w: "/modeler/new", 403, {303: MODELERS},
          data={"key": "probe_process", "title": "Probe"}),
    Probe("/modeler/import", "POST", lambda w: "/modeler/import", 403, {303: MODELERS}),  # no file: a message
    Probe("/modeler/<key>", "GET", lambda w: "/modeler/market_plan", 403, {200: MODELERS}),
    # The gallery: the process packs, and a copy of one into a new draft (then the editor).
    Probe("/modeler/packs", "GET", lambda w: "/modeler/packs?pack=overtime", 403, {200: MODELERS}),
    Probe("/modeler/packs/<pack>/copy", "POST", lambda w: "/modeler/packs/overtime/copy", 403, {303: MODELERS},
          data={"key": "probe_overtime"}),
    Probe("/modeler/<key>", "GET", lambda w: "/modeler/no_such_process", 403, {404: MODELERS}),
    # The form preview (JSON): a form post is not what it reads (400), after the right is checked.
    Probe("/modeler/preview-form", "POST", lambda w: "/modeler/preview-form", 403, {400: MODELERS}),
    Probe("/modeler/<key>/versions", "GET", lambda w: "/modeler/market_plan/versions", 403, {200: MODELERS}),
    Probe("/modeler/<key>/versions/<id:version>", "GET", lambda w: "/modeler/market_plan/versions/1", 403,
          {200: MODELERS}),
    Probe("/modeler/<key>/diff", "GET", lambda w: "/modeler/market_plan/diff", 403, {200: MODELERS}),
    Probe("/modeler/<key>/migrate", "GET", lambda w: "/modeler/market_plan/migrate", 403, {200: MODELERS}),
    Probe("/modeler/<key>/migrate", "POST", lambda w: "/modeler/market_plan/migrate", 403, {303: MODELERS},
          data={"to": "1"}),
    Probe("/modeler/<key>/simulate", "GET", lambda w: "/modeler/market_plan/simulate", 403, {200: MODELERS}),
    Probe("/modeler/<key>/simulate", "POST", lambda w: "/modeler/market_plan/simulate", 403, {200: MODELERS},
          data={"cases": "3"}),
    # -- the moves (issue 19). Transfer: the holder (held_research is back with the team after the unclaim probe:
    # its role, wang.lei) and those above; urge: the starter and those above the holder; withdraw: the starter
    # (li.na assigned research above, so she acted on the plan: told so, and sent back; 303 either way).
    Probe("/tasks/<id:task_id>/transfer", "POST", lambda w: f"/tasks/{w.held_research}/transfer", 403,
          {303: frozenset({"wang.lei", "li.na", "chen.yu"})}, data={"to": "zhou.jie", "reason": "Probe"}),
    Probe("/tasks/<id:task_id>/urge", "POST", lambda w: f"/tasks/{w.research}/urge", 403,
          {303: frozenset({"li.na", "chen.yu"})}),
    Probe("/instances/<id:instance_id>/withdraw", "POST", lambda w: f"/instances/{w.plan}/withdraw", 403,
          {303: frozenset({"li.na"})}, data={"reason": "Probe"}),
    # -- people administration (issue 20): admin and org_admin only (no demo user holds org_admin alone). The
    # joiner is added, feng.yi edited, given a new password, deactivated (she holds no task) and reactivated.
    Probe("/admin/people", "GET", lambda w: "/admin/people?q=safety", 403, {200: ADMIN}),
    Probe("/admin/people/new", "GET", lambda w: "/admin/people/new", 403, {200: ADMIN}),
    Probe("/admin/people/new", "POST", lambda w: "/admin/people/new", 403, {303: ADMIN},
          data={"username": "qian.bo", "name": "钱波", "unit": "safety", "reports_to": "jiang.hai", "roles": "staff"}),
    Probe("/admin/people/<username>", "GET", lambda w: "/admin/people/feng.yi", 403, {200: ADMIN}),
    Probe("/admin/people/<username>", "GET", lambda w: "/admin/people/no.one", 403, {404: ADMIN}),
    Probe("/admin/people/<username>", "POST", lambda w: "/admin/people/feng.yi", 403, {303: ADMIN},
          data={"name": "冯怡", "unit": "safety", "reports_to": "jiang.hai", "roles": "staff"}),
    Probe("/admin/people/<username>/password", "POST", lambda w: "/admin/people/feng.yi/password", 403,
          {200: ADMIN}),
    Probe("/admin/people/<username>/password-link", "POST", lambda w: "/admin/people/feng.yi/password-link", 403,
          {303: ADMIN}),  # refused on the page (no e-mail set up here), as a flash: a redirect
    Probe("/admin/people/<username>/deactivate", "GET", lambda w: "/admin/people/feng.yi/deactivate", 403,
          {200: ADMIN}),
    Probe("/admin/people/<username>/deactivate", "POST", lambda w: "/admin/people/feng.yi/deactivate", 403,
          {303: ADMIN}),
    Probe("/admin/people/<username>/reactivate", "POST", lambda w: "/admin/people/feng.yi/reactivate", 403,
          {303: ADMIN}),
    Probe("/admin/units", "GET", lambda w: "/admin/units", 403, {200: ADMIN}),
    Probe("/admin/units", "POST", lambda w: "/admin/units", 403, {303: ADMIN},
          data={"key": "metering", "name_zh": "计量班", "name_en": "Metering Team", "parent": "supply"}),
    Probe("/admin/units/<key>", "GET", lambda w: "/admin/units/safety", 403, {200: ADMIN}),
    Probe("/admin/units/<key>", "POST", lambda w: "/admin/units/safety", 403, {303: ADMIN},
          data={"name_zh": "安全科", "name_en": "Safety Section", "parent": "operations", "head": "jiang.hai"}),
    Probe("/admin/roles", "GET", lambda w: "/admin/roles", 403, {200: ADMIN}),
    Probe("/admin/roles", "POST", lambda w: "/admin/roles", 403, {303: ADMIN},
          data={"key": "safety_inspector", "title": "Safety Inspector", "title_zh": "安全检查员"}),
    Probe("/admin/org-chart", "GET", lambda w: "/admin/org-chart", 403, {200: ADMIN}),
    # Last but one: cancelling ends the plans the probes above use.
    Probe("/ops/instances/<id:instance_id>/cancel", "POST", lambda w: f"/ops/instances/{w.plan}/cancel", 403,
          {303: ADMIN}, data={"reason": "Probe"}),
    Probe("/ops/instances/cancel", "POST", lambda w: "/ops/instances/cancel", 403, {303: ADMIN},
          data={"instance_id": "2", "reason": "Probe"}),  # 2 is held_plan
    Probe("/set-password/<token>", "GET", lambda w: "/set-password/not-a-link", 410, anonymous=410),  # a link
    Probe("/set-password/<token>", "POST", lambda w: "/set-password/not-a-link", 410, anonymous=410,
          data={"password": "long-enough-1", "password_again": "long-enough-1"}),
    Probe("/login", "POST", lambda w: "/login", 200, data={"username": "nobody", "password": "wrong"},
          anonymous=200),
    Probe("/logout", "POST", lambda w: "/logout", 303),
]


def html_routes(app: Flask) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules() if not rule.rule.startswith("/api/")
            for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}


def test_every_route_is_in_the_table(app: Flask) -> None:
    assert html_routes(app) == {(p.rule, p.method) for p in PROBES}


def _request(client: FlaskClient, probe: Probe, world: World) -> TestResponse:
    if probe.method == "POST":
        response = client.post(probe.url(world), data=probe.data)
    else:
        response = client.get(probe.url(world))
    response.close()  # a static file is streamed from an open file until closed
    return response


@pytest.mark.parametrize("user", sorted(EVERYONE))
def test_each_role_gets_what_the_table_says(app: Flask, world: World, user: str) -> None:
    client = sign_in_session(app.test_client(), user)
    got = {}
    for probe in PROBES:
        response = _request(client, probe, world)
        got[(probe.method, probe.url(world))] = response.status_code
        if response.status_code in (302, 303):
            assert urlsplit(response.headers["Location"]).path != "/login" or probe.rule == "/logout", \
                f"{user} was sent to sign in by {probe.method} {probe.url(world)}"
    expected = {(p.method, p.url(world)): p.expected(user) for p in PROBES}
    assert got == expected


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, world: World) -> None:
    client = app.test_client()
    for probe in PROBES:
        response = _request(client, probe, world)
        where = f"{probe.method} {probe.url(world)}"
        if probe.anonymous == LOGIN:
            assert response.status_code == 303, where
            assert urlsplit(response.headers["Location"]).path == "/login", where
        else:
            assert response.status_code == probe.anonymous, where


def test_an_unknown_address_sends_anonymous_visitors_to_sign_in_and_is_404_when_signed_in(app: Flask) -> None:
    assert urlsplit(app.test_client().get("/no/such/page").headers["Location"]).path == "/login"
    assert sign_in_session(app.test_client(), "li.na").get("/no/such/page").status_code == 404
