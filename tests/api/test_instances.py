"""Which instances a user is shown: the engine's visibility rule, applied to the list too."""

from __future__ import annotations

from tests.journey import START


def ids(user, **query):
    return [i["id"] for i in user.ok("GET", "/process-instances", **query)["items"]]


def test_the_list_shows_only_what_each_user_may_see(sqlite_users):
    started_by_li_na = sqlite_users["li.na"].ok(
        "POST", "/process-definitions/market_plan/start", {"data": START}, expect=201)["id"]
    started_by_zhang_min = sqlite_users["zhang.min"].ok(
        "POST", "/process-definitions/market_plan/start", {"data": {**START, "period": "2027-Q3"}}, expect=201)["id"]
    both = [started_by_zhang_min, started_by_li_na]

    assert ids(sqlite_users["he.ping"]) == both  # the auditor oversees everything
    assert ids(sqlite_users["chen.yu"]) == both
    assert ids(sqlite_users["wang.lei"]) == both  # each waits on his research
    assert ids(sqlite_users["li.na"]) == both  # her own, and her report's
    assert ids(sqlite_users["liu.yang"]) == []
    assert ids(sqlite_users["zhou.jie"]) == []

    assert ids(sqlite_users["li.na"], mine="true") == [started_by_li_na]
    assert ids(sqlite_users["li.na"], mine="false", limit=1) == [started_by_zhang_min]
    assert ids(sqlite_users["wang.lei"], limit=1) == [started_by_zhang_min]
    assert ids(sqlite_users["he.ping"], status="completed") == []
    assert ids(sqlite_users["he.ping"], process="other_process") == []

    shown = sqlite_users["he.ping"].ok("GET", f"/process-instances/{started_by_li_na}")
    assert shown["data"]["start"] == START
    assert [(t["name"], t["role"], t["assignee"]) for t in shown["open_tasks"]] == [
        ("research", "research_supervisor", None)]
