"""Copying a request (抄送) in the web: the form on the request page, the "CC'd to me" list, opening a copy."""

from __future__ import annotations

import re

from engine.facade import Engine
from engine.org.people import Person
from tests.web.conftest import ClientFor, World, text


def copy_form(page: str) -> str | None:
    match = re.search(r'<section aria-labelledby="copy-h" id="copy">.*?</section>', page, re.S)
    return match.group(0) if match else None


def test_the_starter_sees_the_copy_form_and_an_onlooker_does_not(client_as: ClientFor, world: World) -> None:
    form = copy_form(text(client_as("li.na").get(f"/instances/{world.plan}")))
    assert form is not None and 'name="to"' in form and 'value="zhou.jie"' in form
    assert 'value="li.na"' not in form  # not to oneself
    # chen.yu sees the plan (li.na reports to him) but neither started it nor holds a step of it.
    assert copy_form(text(client_as("chen.yu").get(f"/instances/{world.plan}"))) is None


def test_a_copy_is_told_listed_and_marked_read_when_opened(client_as: ClientFor, web_engine: Engine,
                                                           world: World) -> None:
    zhou = client_as("zhou.jie")
    assert zhou.get(f"/instances/{world.plan}").status_code == 403  # staff outside the plan: not before
    response = client_as("li.na").post(f"/copies/{world.plan}", data={"to": ["zhou.jie", "he.ping"],
                                                                       "note": "For your information"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/instances/{world.plan}")
    for person in ("zhou.jie", "he.ping"):
        assert [c["instance_id"] for c in web_engine.work.copies(Person(person))] == [world.plan]
    assert "copied" in {n.kind for n in web_engine.work.notifications(Person("zhou.jie"))}
    listed = text(zhou.get("/copies?unread=1"))
    assert f'data-instance="{world.plan}"' in listed and "For your information" in listed and "Unread" in listed
    opened = zhou.get(f"/copies/{world.plan}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/instances/{world.plan}")
    assert zhou.get(f"/instances/{world.plan}").status_code == 200  # a copy may read the request
    assert f'data-instance="{world.plan}"' not in text(zhou.get("/copies?unread=1"))
    assert f'data-instance="{world.plan}"' in text(zhou.get("/copies"))
    history = text(client_as("li.na").get(f"/instances/{world.plan}"))
    assert "copied the request to 周杰" in history  # the timeline names the move and whom


def test_copying_again_to_the_same_person_adds_nothing(client_as: ClientFor, web_engine: Engine,
                                                       world: World) -> None:
    li_na = client_as("li.na")
    li_na.post(f"/copies/{world.plan}", data={"to": "zhou.jie"})
    again = li_na.post(f"/copies/{world.plan}", data={"to": "zhou.jie"}, follow_redirects=True)
    assert "Everyone you chose has this request already." in text(again)
    assert [n.kind for n in web_engine.work.notifications(Person("zhou.jie"))].count("copied") == 1


def test_copying_to_an_unknown_person_is_refused_and_changes_nothing(client_as: ClientFor, web_engine: Engine,
                                                                     world: World) -> None:
    response = client_as("li.na").post(f"/copies/{world.plan}", data={"to": ["zhou.jie", "no.body"]},
                                       follow_redirects=True)
    assert "no.body" in text(response)
    assert web_engine.work.copies(Person("zhou.jie")) == []
    assert "copied" not in {n.kind for n in web_engine.work.notifications(Person("zhou.jie"))}


def test_the_copy_pages_in_chinese(client_as: ClientFor, world: World) -> None:
    li_na = client_as("li.na")
    li_na.post("/language", data={"lang": "zh"})
    page = text(li_na.get(f"/instances/{world.plan}"))
    assert "抄送此申请" in (copy_form(page) or "")
    li_na.post(f"/copies/{world.plan}", data={"to": "zhou.jie"})
    zhou = client_as("zhou.jie")
    zhou.post("/language", data={"lang": "zh"})
    assert "抄送我的" in text(zhou.get("/copies"))


def test_the_notice_of_a_copy_names_the_move_and_leads_to_the_request(client_as: ClientFor, world: World) -> None:
    client_as("li.na").post(f"/copies/{world.plan}", data={"to": "zhou.jie", "note": "FYI"})
    zhou = client_as("zhou.jie")
    page = text(zhou.get("/notifications"))
    notice = re.search(r'<li class="notice unread" data-notification="(\d+)">(.*?)</li>', page, re.S)
    assert notice and "CC" in notice.group(2) and "copied you" in notice.group(2)
    opened = zhou.get(f"/notifications/{notice.group(1)}")
    assert opened.headers["Location"].endswith(f"/instances/{world.plan}")
