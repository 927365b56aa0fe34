"""The web inbox shows a page of each list and links to the next one; My requests pages the same way."""

from __future__ import annotations

import re

from engine.org.people import Person
from tests.journey import START
from tests.web.conftest import text
from webui.inbox.views import SHOWN_PER_LIST
from webui.instances.views import REQUESTS_PER_PAGE


def test_a_long_team_list_is_shown_a_page_at_a_time(app, client_as, web_engine):
    for n in range(SHOWN_PER_LIST + 3):  # the template database has 2 research tasks already
        web_engine.work.start(Person("li.na"), "market_plan", {**START, "title": f"Paged plan {n}"})
    wang = client_as("wang.lei")
    first = text(wang.get("/"))
    rows = re.findall(r'<tr class="[^"]*" data-task="(\d+)"', first)
    assert len(rows) == SHOWN_PER_LIST + 1  # his one held task, and a page of the team's
    assert f"{SHOWN_PER_LIST} / {SHOWN_PER_LIST + 4}" in first.replace("Showing ", "").replace(" of ", " / ")
    link = re.search(r'href="([^"]*team_after=[^"]+)" rel="next"', first)
    assert link, "a link to the next page of the team's list"
    second = text(wang.get(link.group(1).replace("&amp;", "&")))
    second_rows = re.findall(r'<tr class="[^"]*" data-task="(\d+)"', second)
    team_second = [r for r in second_rows if r not in rows]
    assert len(team_second) == 4 and 'rel="next"' not in second.split('id="team"')[1]
    everything = {t["id"] for t in web_engine.work.tasks(Person("wang.lei"))}
    assert {int(r) for r in rows + team_second} == everything


def test_my_requests_are_paged_newest_first(app, client_as, web_engine):
    started = [web_engine.work.start(Person("li.na"), "market_plan", {**START, "title": f"Request {n}"}).id
               for n in range(REQUESTS_PER_PAGE + 1)]
    page = text(client_as("li.na").get("/requests"))
    assert f"/instances/{started[-1]}\"" in page and f"/instances/{started[0]}\"" not in page
    older = re.search(r'href="([^"]*before=\d+)" rel="next"', page)
    assert older
    rest = text(client_as("li.na").get(older.group(1).replace("&amp;", "&")))
    assert f"/instances/{started[0]}\"" in rest and f"/instances/{started[-1]}\"" not in rest
