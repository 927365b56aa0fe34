"""The inbox: my tasks and team tasks, filters, sorting, overdue marking, counts, claim and assign."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from engine.facade import Engine
from engine.models import HumanTask
from engine.org.people import Person
from tests.journey import OPERATOR, START
from tests.web.conftest import ClientFor, World, text


def task_rows(page: str, section: str) -> list[int]:
    """The task ids listed in the 'mine' or 'team' section."""
    part = page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return [int(i) for i in re.findall(r'data-task="(\d+)"', part)]


def test_my_tasks_and_team_tasks(client_as: ClientFor, world: World) -> None:
    page = text(client_as("wang.lei").get("/"))
    assert task_rows(page, "mine") == [world.held_research]
    assert task_rows(page, "team") == [world.research]
    assert "Spring launch (2027-Q1)" in page and "Autumn push (2027-Q1)" in page
    assert "Market research report" in page and "Market plan" in page


def test_counts_are_in_the_navigation_on_every_page(client_as: ClientFor) -> None:
    page = text(client_as("wang.lei").get("/requests"))
    nav = page.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r"My tasks: </span>1<", nav) and re.search(r"Team tasks: </span>1<", nav)


def test_a_long_queue_is_counted_up_to_a_cap_and_says_so(client_as: ClientFor, web_engine: Engine,
                                                          monkeypatch) -> None:
    for n in range(3):  # wang.lei: 1 held, 4 in his team's queue
        web_engine.work.start(Person("li.na"), "market_plan", {**START, "title": f"More {n}"})
    monkeypatch.setattr("webui.inbox.views.COUNTED_UP_TO", 3)
    page = text(client_as("wang.lei").get("/"))
    nav = page.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r"My tasks: </span>1<", nav) and re.search(r"Team tasks: </span>3\+<", nav)
    team = page.split('id="team-h"', 1)[1].split("</h2>", 1)[0]
    assert '<span class="badge muted">3+</span>' in team and len(task_rows(page, "team")) == 4
    assert web_engine.work.navigation(Person("wang.lei")).unread == 5  # one per research task of his lane
    monkeypatch.setattr("webui.inbox.views.COUNTED_UP_TO", 4)
    page = text(client_as("wang.lei").get("/"))  # exactly the cap: the number itself
    assert re.search(r"Team tasks: </span>4<", page) and '<span class="badge muted">4</span>' in page
    assert '>4+<span class="sr-only"> unread' in page  # unread notifications stop there too


def test_a_search_is_counted_up_to_its_own_smaller_cap(client_as: ClientFor, web_engine: Engine,
                                                       monkeypatch) -> None:
    """A text searched in a long queue is counted up to ``SEARCH_COUNTED_UP_TO`` ("100+"), a process filter up to
    the queue's cap: the rows listed are the same."""
    for n in range(3):  # wang.lei's team queue: 4 research tasks, 3 of them "More ..."
        web_engine.work.start(Person("li.na"), "market_plan", {**START, "title": f"More {n}"})
    monkeypatch.setattr("webui.inbox.views.SEARCH_COUNTED_UP_TO", 2)
    client = client_as("wang.lei")
    searched = text(client.get("/?q=More"))
    team = searched.split('id="team-h"', 1)[1].split("</h2>", 1)[0]
    assert '<span class="badge muted">2+</span>' in team and len(task_rows(searched, "team")) == 3
    filtered = text(client.get("/?process=market_plan"))
    team = filtered.split('id="team-h"', 1)[1].split("</h2>", 1)[0]
    assert '<span class="badge muted">4</span>' in team and len(task_rows(filtered, "team")) == 4


def test_empty_states_say_what_to_do_next(client_as: ClientFor) -> None:
    page = text(client_as("zhou.jie").get("/"))
    assert "Claim a task from your team" in page and "Your team has no unclaimed tasks" in page
    # staff start the packs' requests (overtime, expenses); the auditor starts nothing
    assert "Your roles do not allow you to start any process" in text(client_as("he.ping").get("/processes"))
    assert "You have not started any request yet" in text(client_as("zhou.jie").get("/requests"))


def test_filters_by_process_and_text_and_sorting(client_as: ClientFor, web_engine: Engine, world: World) -> None:
    client = client_as("wang.lei")
    assert task_rows(text(client.get("/?q=autumn")), "mine") == [world.held_research]
    assert task_rows(text(client.get("/?q=autumn")), "team") == []
    assert "No team tasks match these filters." in text(client.get("/?q=autumn"))
    assert task_rows(text(client.get("/?process=appraisal")), "team") == []
    assert task_rows(text(client.get("/?process=market_plan")), "team") == [world.research]
    later = int(web_engine.work.start(Person("li.na"), "market_plan", {**START, "title": "Winter"}).id)
    with web_engine.core.transaction() as session:
        session.execute(update(HumanTask).where(HumanTask.instance_id == later)
                        .values(due_at=datetime.now(UTC) + timedelta(days=1)))
    team_by_age = task_rows(text(client.get("/?sort=age")), "team")
    team_by_due = task_rows(text(client.get("/?sort=due")), "team")
    assert team_by_age[0] == world.research and team_by_due[0] != world.research
    assert text(client.get("/?sort=nonsense")).count('data-task="') == 3  # an unknown sort is ignored


def test_overdue_tasks_are_marked(client_as: ClientFor, web_engine: Engine, world: World) -> None:
    with web_engine.core.transaction() as session:
        session.execute(update(HumanTask).where(HumanTask.id == world.research)
                        .values(due_at=datetime.now(UTC) - timedelta(hours=2)))
    page = text(client_as("wang.lei").get("/"))
    row = page.split(f'data-task="{world.research}"', 1)[1].split("</tr>", 1)[0]
    assert "Overdue" in row
    assert 'class="overdue"' in page.split(f'data-task="{world.research}"', 1)[0][-40:]


def test_claim_and_release_from_the_inbox(client_as: ClientFor, web_engine: Engine, world: World) -> None:
    client = client_as("wang.lei")
    response = client.post(f"/tasks/{world.research}/claim")
    assert response.headers["Location"] == f"/tasks/{world.research}"
    assert web_engine.work.task(OPERATOR, world.research)["assignee"] == "wang.lei"
    assert sorted(task_rows(text(client.get("/")), "mine")) == sorted([world.research, world.held_research])
    response = client.post(f"/tasks/{world.research}/unclaim", data={"next": "/"})
    assert response.headers["Location"] == "/"
    assert web_engine.work.task(OPERATOR, world.research)["assignee"] is None


def test_a_manager_assigns_to_someone_who_reports_to_them(
    client_as: ClientFor, web_engine: Engine, world: World,
) -> None:
    client = client_as("li.na")
    page = text(client.get(f"/instances/{world.plan}"))
    assert f'action="/tasks/{world.research}/assign"' in page
    response = client.post(f"/tasks/{world.research}/assign", data={"user": "wang.lei",
                                                                     "next": f"/instances/{world.plan}"})
    assert response.headers["Location"] == f"/instances/{world.plan}"
    assert web_engine.work.task(OPERATOR, world.research)["assignee"] == "wang.lei"
    assert "assigned to 王磊" in text(client.get(f"/instances/{world.plan}"))
    refused = client.post(f"/tasks/{world.research}/assign", data={"user": "zhang.min"})  # not a researcher
    assert "does not have the role" in text(client.get(refused.headers["Location"]))
    assert web_engine.work.task(OPERATOR, world.research)["assignee"] == "wang.lei"
