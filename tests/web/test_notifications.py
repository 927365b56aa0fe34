"""Notifications: the unread count in the navigation, the list, marking read, and CSRF."""

from __future__ import annotations

import re

from flask import Flask

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import RESEARCH, step
from tests.web.conftest import ClientFor, World, csrf_token, sign_in_session, text

UNREAD_BADGE = re.compile(r'class="nav-notifications"[^>]*>.*?(?:data-unread="(\d+)"|</a>)', re.S)


def nav_unread(page: str) -> int:
    """The unread count the navigation shows (0 when it shows no badge)."""
    nav = page.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    match = UNREAD_BADGE.search(nav)
    assert match, "no notifications link in the navigation"
    return int(match.group(1) or 0)


def items(page: str) -> list[str]:
    return re.findall(r'<li class="notice[^"]*" data-notification="\d+">.*?</li>', page, re.S)


def test_the_unread_count_is_in_the_navigation_on_every_page(client_as: ClientFor, web_engine: Engine,
                                                             world: World) -> None:
    unread = web_engine.work.unread_count(Person("wang.lei"))
    assert unread == 2  # one "new task" per research step of the two plans
    client = client_as("wang.lei")
    for path in ("/", "/requests", "/processes", "/notifications", f"/tasks/{world.research}",
                 f"/instances/{world.plan}", "/no/such/page"):
        assert nav_unread(text(client.get(path))) == unread, path
    assert nav_unread(text(client_as("gao.yan").get("/"))) == 0  # nothing for her: no badge at all


def test_the_list_shows_newest_first_with_kind_subject_time_and_link(client_as: ClientFor, web_engine: Engine,
                                                                     world: World) -> None:
    step(web_engine, "wang.lei", "research", world.plan, RESEARCH)  # the drafter gets a new task
    newest = web_engine.work.notifications(Person("zhang.min"))[0]
    page = text(client_as("zhang.min").get("/notifications"))
    listed = items(page)
    assert len(listed) == len(web_engine.work.notifications(Person("zhang.min"))) >= 1
    first = listed[0]
    assert f'data-notification="{newest.id}"' in first and 'class="notice unread"' in first
    assert "New task" in first and "新任务 New task:" not in first  # the kind in the UI's language, once
    assert f'href="/notifications/{newest.id}"' in first  # opening it marks it read on the way
    assert f'<time datetime="{newest.at}"' in first
    ids = [int(i) for i in re.findall(r'data-notification="(\d+)"', page)]
    assert ids == sorted(ids, reverse=True)


def test_the_list_in_chinese(client_as: ClientFor) -> None:
    client = client_as("wang.lei")
    client.post("/language", data={"lang": "zh"})
    page = text(client.get("/notifications"))
    assert "通知" in page and "新任务" in page and "全部标为已读" in page
    assert "年" in items(page)[0]  # the time in the Chinese form
    # The step's label in the reader's language only (the stored subject carries both, for e-mail).
    assert "市场调研报告 —" in items(page)[0] and "Market research report" not in items(page)[0]
    english = text(client_as("wang.lei").get("/notifications", headers={"Accept-Language": "en"}))
    assert "Market research report —" in items(english)[0] and "市场调研报告" not in items(english)[0]


def test_mark_one_read_and_then_all(client_as: ClientFor, web_engine: Engine) -> None:
    client = client_as("wang.lei")
    first, second = web_engine.work.notifications(Person("wang.lei"))[:2]
    response = client.post(f"/notifications/{first.id}/read", data={"next": "/notifications"})
    assert response.status_code == 303 and response.headers["Location"] == "/notifications"
    assert [n.id for n in web_engine.work.notifications(Person("wang.lei"), unread_only=True)] == [second.id]
    page = text(client.get("/notifications"))
    assert nav_unread(page) == 1
    read_item = next(i for i in items(page) if f'data-notification="{first.id}"' in i)
    assert 'class="notice"' in read_item and "Mark read" not in read_item
    only_unread = text(client.get("/notifications?unread=1"))
    assert [i for i in items(only_unread) if f'data-notification="{first.id}"' in i] == []

    # someone else cannot mark wang.lei's notification read
    client_as("zhang.min").post(f"/notifications/{second.id}/read")
    assert web_engine.work.unread_count(Person("wang.lei")) == 1

    response = client.post("/notifications/read")
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "1 notification marked read." in page
    assert web_engine.work.unread_count(Person("wang.lei")) == 0 and nav_unread(page) == 0
    assert "Mark all read" not in page
    assert "You have read all your notifications." in text(client.get("/notifications?unread=1"))


def test_marking_read_needs_the_csrf_token(csrf_app: Flask, web_engine: Engine) -> None:
    client = sign_in_session(csrf_app.test_client(), "wang.lei")
    one = web_engine.work.notifications(Person("wang.lei"))[0].id
    assert client.post("/notifications/read").status_code == 400
    assert client.post(f"/notifications/{one}/read").status_code == 400
    assert web_engine.work.unread_count(Person("wang.lei")) == 2
    token = csrf_token(client, "/notifications")
    assert client.post(f"/notifications/{one}/read", data={"csrf_token": token}).status_code == 303
    assert client.post("/notifications/read", data={"csrf_token": token}).status_code == 303
    assert web_engine.work.unread_count(Person("wang.lei")) == 0


def test_a_redirect_after_marking_read_stays_on_this_site(client_as: ClientFor) -> None:
    response = client_as("wang.lei").post("/notifications/read", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/notifications"


def test_opening_a_notification_marks_it_read_and_leads_to_its_task(client_as: ClientFor, web_engine: Engine,
                                                                    world: World) -> None:
    step(web_engine, "wang.lei", "research", world.plan, RESEARCH)
    newest = web_engine.work.notifications(Person("zhang.min"))[0]
    unread = web_engine.work.unread_count(Person("zhang.min"))
    opened = client_as("zhang.min").get(f"/notifications/{newest.id}")
    assert opened.status_code == 303 and opened.headers["Location"] == f"/tasks/{newest.task_id}"
    assert web_engine.work.unread_count(Person("zhang.min")) == unread - 1
    assert client_as("li.na").get(f"/notifications/{newest.id}").status_code == 404  # not hers
    assert web_engine.work.notifications(Person("zhang.min"))[0].read is True
