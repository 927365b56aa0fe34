"""Set-password links: an administrator has one e-mailed; the worker makes the token and keeps only its hash;
it sets a password once, before it expires; a newer link ends the older; every step is on the person's record,
never the token or the password."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput, NotAllowed
from engine.facade import Engine, build_engine
from engine.models import PasswordLink
from engine.org.password_links import LinkNotValid
from engine.org.people import Person
from engine.org.sign_in import LoginFailed
from engine.org.staffing import PersonSpec
from engine.runtime.collaborators import LetterSettings
from engine.scheduling.worker import Worker
from tests.clocks import FakeClock
from tests.engine.scheduling.test_letters import Outbox

ADMIN = Person("admin")
BASE = "https://opsflow.example.cn/"


@pytest.fixture
def mailed(db_url: str, clock: FakeClock) -> Iterator[tuple[Engine, Outbox]]:
    outbox = Outbox()
    engine = build_engine(db_url, clock=clock, mailer=outbox, letters=LetterSettings(BASE, "Asia/Shanghai"))
    engine.setup.init(demo=True)
    engine.org.add_person(ADMIN, "ma.jun", PersonSpec("马骏", "ma.jun@example.com", "zh", ["staff"], "jiang.hai",
                                                       "safety"))
    yield engine, outbox
    engine.db.dispose()


def _send(engine: Engine, outbox: Outbox, username: str = "ma.jun") -> str:
    engine.passwords.send_password_link(ADMIN, username)
    Worker(engine.core, slots=5).run_once()
    _subject, body = outbox.sent[f"{username}@example.com"]
    found = re.search(r"https://opsflow\.example\.cn/set-password/(\S+)", body)
    assert found is not None, body
    return found.group(1)


def test_the_link_sets_a_password_once_and_only_its_hash_is_kept(mailed):
    engine, outbox = mailed
    token = _send(engine, outbox)
    subject, body = outbox.sent["ma.jun@example.com"]
    assert subject == "设置 opsflow 密码" and body.startswith("马骏，您好：") and "仅可使用一次" in body
    with engine.core.reading() as session:
        [link] = session.scalars(select(PasswordLink)).all()
        assert link.state == "sent" and link.token_hash != token and token not in (link.token_hash or "")
    assert engine.passwords.password_link_owner(token).username == "ma.jun"
    assert engine.passwords.set_password_by_link(token, "a-new-secret-1") == "ma.jun"
    assert engine.org.login("ma.jun", "a-new-secret-1").username == "ma.jun"
    with pytest.raises(LinkNotValid):
        engine.passwords.set_password_by_link(token, "another-secret-2")  # once only
    kinds = [e.kind for e in engine.org.person_record(ADMIN, "ma.jun")]
    assert kinds[:2] == ["org_password_set", "org_password_link_sent"]  # newest first
    assert all(token not in str(e) for e in engine.org.person_record(ADMIN, "ma.jun"))


def test_an_expired_or_replaced_link_does_nothing(mailed, clock):
    engine, outbox = mailed
    first = _send(engine, outbox)
    second = _send(engine, outbox)
    with pytest.raises(LinkNotValid):
        engine.passwords.password_link_owner(first)  # the newer link ended it
    clock.advance(hours=73)
    with pytest.raises(LinkNotValid):
        engine.passwords.set_password_by_link(second, "too-late-secret")
    with pytest.raises(LoginFailed):
        engine.org.login("ma.jun", "too-late-secret")


def test_a_short_password_is_refused_and_the_link_still_works(mailed):
    engine, outbox = mailed
    token = _send(engine, outbox)
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        engine.passwords.set_password_by_link(token, "short")
    assert engine.passwords.password_link_owner(token).username == "ma.jun"


def test_no_link_for_someone_without_e_mail_or_who_left_and_a_reset_is_on_record(mailed):
    engine, _ = mailed
    engine.org.set_person(ADMIN, "ma.jun", PersonSpec(email=""))
    with pytest.raises(InvalidInput, match="has no e-mail address"):
        engine.passwords.send_password_link(ADMIN, "ma.jun")
    with pytest.raises(NotAllowed, match="may not send a set-password link"):
        engine.passwords.send_password_link(Person("jiang.hai"), "hu.bin")
    engine.org.reset_password(ADMIN, "hu.bin")
    assert engine.org.person_record(ADMIN, "hu.bin")[0].kind == "org_password_reset"


def test_without_e_mail_set_up_the_request_is_refused(engine):
    with pytest.raises(InvalidInput, match="e-mail is not set up"):
        engine.passwords.send_password_link(ADMIN, "hu.bin")
