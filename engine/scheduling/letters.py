"""The e-mail a notification becomes, written when the worker sends it, in the recipient's language.

A step stores one notification for every reader, with a bilingual subject ("新任务 New task: 上级评分 ·
Manager scoring — 王磊 (wang.lei) · 2026-Q4"). The e-mail says the same in the language the recipient chose
(``User.language``, set when they switch languages in the web), or in both, Chinese first, when they never
chose: the step's title, the request, the due date in the configured time zone, the step's instructions, the
notification's own text, and a link to the task (or the request) when ``OPSFLOW_BASE_URL`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..clock import aware_utc
from ..models import HumanTask, ProcessInstance, User
from ..runtime.collaborators import Collaborators

LANGUAGES = ("zh", "en")
# The kind's name in each language; a kind not listed keeps the stored subject's own head.
KIND_NAMES = {
    "new_task": ("新任务", "New task"), "reminder": ("提醒", "Reminder"), "overdue": ("已逾期", "Overdue"),
    "escalation": ("逾期上报", "Escalation"), "result": ("结果", "Result"), "decided": ("已决定", "Decided"),
    "mention": ("有人提到你", "You were mentioned"), "expired": ("到期关闭", "Closed at its deadline"),
    "copied": ("抄送", "CC"), "urged": ("催办", "Please handle"),
}
WORDS = {
    "zh": {"hello": "{name}，您好：", "due": "截止时间：{when}（{zone}）", "todo": "办理说明：",
           "open": "打开：{url}", "where": "在 opsflow 的收件箱中打开。", "sign": "—— opsflow 自动发送，请勿直接回复"},
    "en": {"hello": "Hello {name},", "due": "Due: {when} ({zone})", "todo": "What to do:",
           "open": "Open: {url}", "where": "Open it in your opsflow inbox.",
           "sign": "-- sent by opsflow; replies are not read"},
}


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    body: str


def subject_in(language: str, kind: str, subject: str) -> str:
    """The stored bilingual subject in one language: the kind's name, then ``step_and_request``. A kind or a
    subject of another shape is returned as it is."""
    rest, names = step_and_request(language, subject), KIND_NAMES.get(kind)
    if rest is None or names is None:
        return subject
    return f"{names[0]}：{rest}" if language == "zh" else f"{names[1]}: {rest}"


def step_and_request(language: str, subject: str) -> str | None:
    """What follows the kind in a stored subject, with the step's "中文 · English" title cut to ``language``
    ("上级评分 — 王磊 (wang.lei) · 2026-Q4"); None when the subject has no "kind: " head."""
    head, colon, rest = subject.partition(": ")
    if not (colon and len(head) <= 40):
        return None
    label, dash, request = rest.partition(" — ")
    chinese, dot, english = label.partition(" · ")
    if dash and dot:
        return f"{chinese if language == 'zh' else english} — {request}"
    return rest


def compose(session: Session, collaborators: Collaborators, payload: dict[str, Any]) -> Letter | None:
    """The e-mail for one queued notification, or None when its recipient has no address."""
    user = session.get(User, int(payload.get("user_id") or 0))
    if user is None or not user.email:
        return None
    kind, subject = str(payload.get("kind", "")), str(payload.get("subject", ""))
    task_id, instance_id = payload.get("human_task_id"), payload.get("instance_id")
    task = session.get(HumanTask, int(task_id)) if task_id else None
    settings = collaborators.letters
    link = None
    if settings.base_url:
        path = f"/tasks/{task.id}" if task is not None else f"/instances/{instance_id}" if instance_id else "/"
        link = settings.base_url.rstrip("/") + path
    languages = (user.language,) if user.language in LANGUAGES else LANGUAGES
    blocks = [_block(session, collaborators, language, user, kind, subject, str(payload.get("body", "")),
                     task, link) for language in languages]
    title = subject if len(languages) > 1 else subject_in(languages[0], kind, subject)
    return Letter(user.email, title, "\n\n----------\n\n".join(blocks) + "\n")


def _block(session: Session, collaborators: Collaborators, language: str, user: User, kind: str, subject: str,
           body: str, task: HumanTask | None, link: str | None) -> str:
    words = WORDS[language]
    lines = [words["hello"].format(name=user.display_name or user.username), "", subject_in(language, kind, subject)]
    if task is not None and task.due_at is not None and task.state == "open":
        zone = ZoneInfo(collaborators.letters.timezone)
        lines.append(words["due"].format(when=f"{aware_utc(task.due_at).astimezone(zone):%Y-%m-%d %H:%M}",
                                         zone=collaborators.letters.timezone))
    if task is not None and task.state == "open":
        instructions = _instructions(session, collaborators, task, language)
        if instructions:
            lines += ["", words["todo"], instructions]
    if body and not _is_due_line(body):
        lines += ["", body]
    lines += ["", words["open"].format(url=link) if link else words["where"], "", words["sign"]]
    return "\n".join(lines)


def _instructions(session: Session, collaborators: Collaborators, task: HumanTask, language: str) -> str:
    instance = session.get(ProcessInstance, task.instance_id)
    if instance is None:
        return ""
    form = collaborators.catalog.get(session, instance.definition_id).tasks.get(task.name)
    if form is None:
        return ""
    return (form.instructions_zh or form.instructions) if language == "zh" else (form.instructions or
                                                                                 form.instructions_zh)


def _is_due_line(body: str) -> bool:
    """The reminders' own bilingual due line ("截止 Due: …"): the letter says the due date itself."""
    return body.startswith("截止 Due:")


PASSWORD_WORDS = {
    "zh": ("设置 opsflow 密码", "{name}，您好：", "请打开下面的链接设置您的 opsflow 密码（仅可使用一次）：",
           "链接在 {when}（{zone}）前有效。如非本人申请，请忽略本邮件。"),
    "en": ("Set your opsflow password", "Hello {name},", "Open this link to set your opsflow password (it works once):",
           "The link works until {when} ({zone}). If you did not expect it, ignore this e-mail."),
}


def password_letter(collaborators: Collaborators, user: User, link: str, expires_at: Any) -> Letter:
    """The e-mail carrying a set-password link, in the recipient's language (both when they never chose)."""
    zone = collaborators.letters.timezone
    when = f"{aware_utc(expires_at).astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"
    languages = (user.language,) if user.language in LANGUAGES else LANGUAGES
    blocks = []
    for language in languages:
        _title, hello, ask, until = PASSWORD_WORDS[language]
        blocks.append("\n".join([hello.format(name=user.display_name or user.username), "", ask, link, "",
                                 until.format(when=when, zone=zone), "", WORDS[language]["sign"]]))
    subject = " · ".join(PASSWORD_WORDS[language][0] for language in languages)
    return Letter(str(user.email), subject, "\n\n----------\n\n".join(blocks) + "\n")
