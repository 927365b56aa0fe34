"""E-mails in the recipient's language: the step, the request, the due date, the instructions and a link."""

from __future__ import annotations

import pytest

from engine.facade import Engine, build_engine
from engine.org.people import Person
from engine.runtime.collaborators import LetterSettings
from engine.scheduling.letters import subject_in
from engine.scheduling.worker import Worker
from tests.appraisal_steps import open_cycle
from tests.clocks import FakeClock

BASE_URL = "https://opsflow.example.cn/"


class Outbox:
    """A mailer that keeps what it was given."""

    def __init__(self) -> None:
        self.sent: dict[str, tuple[str, str]] = {}

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent[to] = (subject, body)


@pytest.fixture
def mailed(db_url: str, clock: FakeClock) -> tuple[Engine, Outbox]:
    outbox = Outbox()
    engine = build_engine(db_url, clock=clock, mailer=outbox, letters=LetterSettings(BASE_URL, "Asia/Shanghai"))
    engine.setup.init(demo=True)
    yield engine, outbox
    engine.db.dispose()


def self_assessment_letters(engine: Engine, outbox: Outbox) -> dict[str, tuple[str, str]]:
    engine.org.set_language(Person("zhou.jie"), "zh")
    engine.org.set_language(Person("wu.fang"), "en")  # zheng.hui never chose
    open_cycle(engine)
    Worker(engine.core, slots=20).run_once()
    return outbox.sent


def test_a_new_task_is_mailed_in_the_language_its_holder_chose(mailed: tuple[Engine, Outbox]) -> None:
    engine, outbox = mailed
    sent = self_assessment_letters(engine, outbox)
    task = next(t for t in engine.work.tasks(Person("zhou.jie")) if t["name"] == "self_assessment")
    subject, body = sent["zhou.jie@example.com"]
    assert subject.startswith("新任务：自我评估 — 周杰 (zhou.jie)") and "New task" not in subject
    assert body.startswith("周杰，您好：") and "截止时间：" in body and "（Asia/Shanghai）" in body
    assert "办理说明：" in body and f"打开：https://opsflow.example.cn/tasks/{task['id']}" in body
    assert "Due:" not in body and "Hello" not in body
    subject, body = sent["wu.fang@example.com"]
    assert subject.startswith("New task: Self-assessment — ") and "新任务" not in subject
    assert body.startswith("Hello ") and "Due: " in body and "What to do:" in body and "截止" not in body
    assert "Open: https://opsflow.example.cn/tasks/" in body


def test_who_never_chose_a_language_gets_both_chinese_first(mailed: tuple[Engine, Outbox]) -> None:
    engine, outbox = mailed
    subject, body = self_assessment_letters(engine, outbox)["zheng.hui@example.com"]
    assert subject.startswith("新任务 New task: ")  # the stored subject, both languages
    assert body.index("截止时间：") < body.index("----------") < body.index("Due: ")


def test_the_due_date_is_in_the_configured_time_zone(mailed: tuple[Engine, Outbox]) -> None:
    engine, outbox = mailed
    _, body = self_assessment_letters(engine, outbox)["wu.fang@example.com"]
    task = next(t for t in engine.work.tasks(Person("wu.fang")) if t["name"] == "self_assessment")
    from datetime import datetime
    from zoneinfo import ZoneInfo
    due = datetime.fromisoformat(task["due_at"].replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"Due: {due:%Y-%m-%d %H:%M} (Asia/Shanghai)" in body


def test_an_unknown_language_is_refused(mailed: tuple[Engine, Outbox]) -> None:
    engine, _ = mailed
    from engine.errors import InvalidInput
    with pytest.raises(InvalidInput, match="unknown language"):
        engine.org.set_language(Person("zhou.jie"), "fr")


@pytest.mark.parametrize(("language", "expected"), [
    ("zh", "新任务：上级评分 — 王磊 (wang.lei) · 2026-Q4"),
    ("en", "New task: Manager scoring — 王磊 (wang.lei) · 2026-Q4"),
])
def test_a_subject_in_one_language(language: str, expected: str) -> None:
    stored = "新任务 New task: 上级评分 · Manager scoring — 王磊 (wang.lei) · 2026-Q4"
    assert subject_in(language, "new_task", stored) == expected
    assert subject_in(language, "some_new_kind", stored) == stored  # a kind it cannot name: as stored
    assert subject_in(language, "new_task", "no head at all") == "no head at all"
