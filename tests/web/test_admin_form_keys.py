"""The administration forms carry a key per drawing too (issue 24): people (joiner, edit, leaver, reactivate,
password reset and link), roles, units, API tokens (make, revoke), out-of-office (one's own and the admins'), and
the removal of an added signer. Each form is drawn once and sent twice: the second sending writes nothing (the
rows and the organisation's record are as the first left them) and goes where the first went, saying so.

A password reset and a new token are shown once, on the answer to the first sending: the second shows neither
(nor makes another), and says that the secret was shown once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.facade import Engine
from engine.models import ApiToken, HistoryEvent, Job, OutOfOffice, PasswordLink
from engine.org.people import Person
from engine.org.record import china_today
from tests.engine.scheduling.test_letters import Outbox
from tests.journey import START, only_task
from tests.web.conftest import make_app, sign_in_session, text
from tests.web.test_form_keys import _key_of

ADMIN = Person("admin")
KEY = re.compile(r'name="request_key" value="([0-9a-f]+)"')
SENT_ALREADY = "This form was sent already"


def _count(engine: Engine, model: type, *where: object) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def org_events(engine: Engine) -> int:
    """Events on the organisation's record (not on an instance's)."""
    return _count(engine, HistoryEvent, HistoryEvent.instance_id.is_(None))


def tokens(engine: Engine) -> tuple[int, int]:
    return _count(engine, ApiToken), _count(engine, ApiToken, ApiToken.revoked.is_(True))


def absences(engine: Engine) -> list[tuple[int, int, str]]:
    """Each absence with who set it and when (a second setting would set it again, later)."""
    with engine.core.reading() as session:
        return [(r.user_id, r.proxy_id, f"{r.set_at.isoformat()} {r.set_by}")
                for r in session.scalars(select(OutOfOffice).order_by(OutOfOffice.user_id))]


def links(engine: Engine) -> tuple[int, int, int]:
    return _count(engine, PasswordLink), _count(engine, Job), org_events(engine)


def instance_events(engine: Engine) -> int:
    return _count(engine, HistoryEvent, HistoryEvent.instance_id.is_not(None))


def _days(engine: Engine, first: int, last: int) -> dict[str, str]:
    today = china_today(engine.collaborators.clock())
    return {"from": (today + timedelta(days=first)).isoformat(), "to": (today + timedelta(days=last)).isoformat()}


@dataclass(frozen=True)
class AdminForm:
    """A form of the administration: who draws it where, what it sends, and what a second write would change."""

    who: str
    page: str
    action: str
    data: Callable[[Engine], dict[str, object]]
    state: Callable[[Engine], object] = org_events
    prepare: Callable[[Engine], None] = lambda engine: None
    said: str = SENT_ALREADY
    follow: dict[str, str] = field(default_factory=dict)


def _person_form(engine: Engine, username: str, **changed: object) -> dict[str, object]:
    person = engine.org.person(ADMIN, username)
    return {"name": person.name, "email": person.email or "", "language": person.language or "",
            "unit": person.unit or "", "reports_to": person.reports_to or "", "roles": list(person.roles),
            "effective_on": "", **changed}


def _unit_form(engine: Engine, key: str, **changed: str) -> dict[str, object]:
    unit = next(u for u in engine.org.units(ADMIN) if u.key == key)
    return {"name_zh": unit.name_zh, "name_en": unit.name_en, "parent": unit.parent or "", "head": unit.head or "",
            "effective_on": "", **changed}


def _left(engine: Engine, username: str) -> None:
    engine.org.deactivate(ADMIN, username)


def _away(engine: Engine, username: str) -> None:
    today = china_today(engine.collaborators.clock())
    engine.org.set_away_for(ADMIN, username, today, today + timedelta(days=3), "zhou.jie")


def _mail(engine: Engine) -> None:
    engine.collaborators.mailer = Outbox()  # e-mail set up, so that a set-password link may be sent


FORMS = {
    "joiner": AdminForm("admin", "/admin/people/new", "/admin/people/new", lambda e: {
        "username": "qian.bo", "name": "钱波", "email": "qian.bo@example.com", "language": "zh", "unit": "safety",
        "reports_to": "jiang.hai", "roles": ["staff"], "effective_on": ""}),
    "edit": AdminForm("admin", "/admin/people/zhou.jie", "/admin/people/zhou.jie",
                      lambda e: _person_form(e, "zhou.jie", name="周杰伦")),
    "leaver": AdminForm("admin", "/admin/people/feng.yi/deactivate", "/admin/people/feng.yi/deactivate",
                        lambda e: {"hand_over_to": "", "effective_on": ""}),
    "reactivate": AdminForm("admin", "/admin/people/feng.yi", "/admin/people/feng.yi/reactivate",
                            lambda e: {"effective_on": ""}, prepare=lambda e: _left(e, "feng.yi")),
    "password reset": AdminForm("admin", "/admin/people/zhou.jie", "/admin/people/zhou.jie/password",
                                lambda e: {}, said="The password was reset already"),
    "password link": AdminForm("admin", "/admin/people/zhou.jie", "/admin/people/zhou.jie/password-link",
                               lambda e: {}, state=links, prepare=_mail),
    "role": AdminForm("admin", "/admin/roles", "/admin/roles", lambda e: {
        "key": "fire_warden", "title": "Fire warden", "title_zh": "消防员", "effective_on": ""}),
    "new unit": AdminForm("admin", "/admin/units", "/admin/units", lambda e: {
        "key": "archive", "name_zh": "档案室", "name_en": "Archive", "parent": "safety", "head": "",
        "effective_on": ""}),
    "unit change": AdminForm("admin", "/admin/units/safety", "/admin/units/safety",
                             lambda e: _unit_form(e, "safety", name_en="Safety and health")),
    "token": AdminForm("li.na", "/account", "/account/tokens", lambda e: {"name": "nightly export"}, state=tokens,
                       said="This token was made already"),
    "away": AdminForm("li.na", "/account", "/account/out-of-office",
                      lambda e: {**_days(e, 1, 5), "proxy": "zhou.jie"}, state=absences),
    "end away": AdminForm("li.na", "/account", "/account/out-of-office/end", lambda e: {}, state=absences,
                          prepare=lambda e: _away(e, "li.na")),
    "someone away": AdminForm("admin", "/admin/absences", "/admin/absences",
                              lambda e: {"user": "wang.lei", **_days(e, 2, 4), "proxy": "zhou.jie"}, state=absences),
    "someone back": AdminForm("admin", "/admin/absences", "/admin/absences/end", lambda e: {"user": "wang.lei"},
                              state=absences, prepare=lambda e: _away(e, "wang.lei")),
}


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_an_admin_form_sent_twice_writes_once(any_db_engine: Engine, form: AdminForm) -> None:
    engine = any_db_engine
    form.prepare(engine)
    client = sign_in_session(make_app(engine).test_client(), form.who)
    key = _key_of(text(client.get(form.page)), form.action)
    before = form.state(engine)
    first = client.post(form.action, data={**form.data(engine), "request_key": key})
    assert first.status_code in (200, 303), text(first)
    done = form.state(engine)
    assert done != before  # the first sending did write
    second = client.post(form.action, data={**form.data(engine), "request_key": key})
    assert second.status_code == 303, text(second)
    assert form.state(engine) == done  # the second wrote nothing
    if first.status_code == 303:
        assert second.headers["Location"] == first.headers["Location"]
    assert form.said in text(client.get(second.headers["Location"]))


def test_a_token_form_sent_twice_shows_its_secret_once(any_db_engine: Engine) -> None:
    client = sign_in_session(make_app(any_db_engine).test_client(), "li.na")
    key = _key_of(text(client.get("/account")), "/account/tokens")
    first = client.post("/account/tokens", data={"name": "nightly export", "request_key": key})
    secret = re.search(r'id="token-value" class="token" value="([^"]+)"', text(first))
    assert secret is not None
    second = client.post("/account/tokens", data={"name": "nightly export", "request_key": key},
                         follow_redirects=True)
    page = text(second)
    assert secret.group(1) not in page and 'id="token-value"' not in page
    assert "its secret was shown once" in page
    assert [t.name for t in any_db_engine.org.tokens(Person("li.na"))].count("nightly export") == 1


def test_a_password_reset_sent_twice_shows_no_second_password(any_db_engine: Engine) -> None:
    client = sign_in_session(make_app(any_db_engine).test_client(), "admin")
    key = _key_of(text(client.get("/admin/people/zhou.jie")), "/admin/people/zhou.jie/password")
    first = text(client.post("/admin/people/zhou.jie/password", data={"request_key": key}))
    password = re.search(r'id="password-value" class="token" value="([^"]+)"', first)
    assert password is not None
    page = text(client.post("/admin/people/zhou.jie/password", data={"request_key": key}, follow_redirects=True))
    assert 'id="password-value"' not in page and "is not shown again" in page
    assert any_db_engine.org.login("zhou.jie", password.group(1)).username == "zhou.jie"  # the first still works


def test_removing_a_signer_sent_twice_removes_once(any_db_engine: Engine) -> None:
    started = any_db_engine.work.start(Person("li.na"), "market_plan", START)
    task = only_task(any_db_engine, "wang.lei", "research", started.id)["id"]
    any_db_engine.work.claim(Person("wang.lei"), task)
    any_db_engine.work.add_signers(Person("wang.lei"), task, ["zhou.jie", "wu.fang"], "after", "two more eyes")
    client = sign_in_session(make_app(any_db_engine).test_client(), "wang.lei")
    action = f"/tasks/{task}/remove-signer"
    forms = re.findall(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', text(client.get(f"/tasks/{task}")),
                       re.S)
    [key] = [KEY.search(f).group(1) for f in forms if 'name="person" value="zhou.jie"' in f]  # type: ignore[union-attr]
    before = instance_events(any_db_engine)
    sent = {"person": "zhou.jie", "request_key": key}
    first, second = client.post(action, data=sent), client.post(action, data=sent)
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["Location"] == first.headers["Location"]
    assert instance_events(any_db_engine) == before + 1  # one "removed a signer"
    assert SENT_ALREADY in text(client.get(second.headers["Location"]))
    states = {s["user"]: s["state"] for s in any_db_engine.work.approval_round(Person("wang.lei"), task)["steps"]}
    assert states["zhou.jie"] == "removed" and states["wu.fang"] != "removed"
