"""An admin's view of out of office (代理): everyone's absences under way and to come, set and ended for anyone,
recorded as set by the admin; nobody else may, not even for themselves through the admins' use cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import InvalidInput, NotAllowed, UserNotFound
from engine.org.absences import china_today
from engine.org.people import Person

ADMIN = Person("admin")


def _day(clock, offset: int):
    return china_today(clock()) + timedelta(days=offset)


def test_the_list_holds_absences_under_way_and_to_come_soonest_first_not_those_over(demo, clock):
    demo.org.set_away(Person("wang.lei"), _day(clock, 0), _day(clock, 2), "zhou.jie")
    demo.org.set_away(Person("liu.yang"), _day(clock, 5), _day(clock, 9), "wu.fang")
    demo.org.set_away(Person("zhang.min"), _day(clock, 1), _day(clock, 1), "feng.yi")
    listed = demo.org.absences(ADMIN)
    assert [(a["user"], a["proxy"], a["active"]) for a in listed] == [
        ("wang.lei", "zhou.jie", True), ("zhang.min", "feng.yi", False), ("liu.yang", "wu.fang", False)]
    clock.advance(days=3)  # wang.lei's and zhang.min's are over: no longer listed
    assert [a["user"] for a in demo.org.absences(ADMIN)] == ["liu.yang"]


def test_an_admin_sets_and_ends_someone_elses_absence_recorded_as_set_by_the_admin(demo, clock):
    set_ = demo.org.set_away_for(ADMIN, "wang.lei", _day(clock, 0), _day(clock, 4), "zhou.jie")
    assert (set_["user"], set_["proxy"], set_["set_by"], set_["active"]) == ("wang.lei", "zhou.jie", "admin", True)
    assert demo.org.away(Person("wang.lei"))["set_by"] == "admin"  # he sees who set it
    assert demo.org.end_away_for(ADMIN, "wang.lei") is True
    assert demo.org.absences(ADMIN) == []
    assert demo.org.end_away_for(ADMIN, "wang.lei") is False  # nothing left to end


@pytest.mark.parametrize("username", ["zhou.jie", "li.na", "chen.yu", "he.ping", "gao.yan", "wang.lei"])
def test_nobody_but_an_admin_lists_sets_or_ends_through_the_admins_use_cases(demo, clock, username):
    demo.org.set_away(Person("wang.lei"), _day(clock, 0), _day(clock, 2), "zhou.jie")
    person = Person(username)
    with pytest.raises(NotAllowed):
        demo.org.absences(person)
    with pytest.raises(NotAllowed):  # even their own: the admins' page is not theirs
        demo.org.set_away_for(person, username, _day(clock, 0), _day(clock, 1), "feng.yi")
    with pytest.raises(NotAllowed):
        demo.org.end_away_for(person, "wang.lei")
    assert [a["user"] for a in demo.org.absences(ADMIN)] == ["wang.lei"]  # nothing changed


def test_bad_input_is_refused_and_changes_nothing(demo, clock):
    demo.org.set_away_for(ADMIN, "wang.lei", _day(clock, 0), _day(clock, 2), "zhou.jie")
    with pytest.raises(InvalidInput, match="name the person"):
        demo.org.set_away_for(ADMIN, " ", _day(clock, 0), _day(clock, 2), "zhou.jie")
    with pytest.raises(UserNotFound):
        demo.org.set_away_for(ADMIN, "no.body", _day(clock, 0), _day(clock, 2), "zhou.jie")
    with pytest.raises(InvalidInput, match="someone else"):
        demo.org.set_away_for(ADMIN, "wang.lei", _day(clock, 0), _day(clock, 2), "wang.lei")
    with pytest.raises(InvalidInput, match="before its first day"):
        demo.org.set_away_for(ADMIN, "wang.lei", _day(clock, 3), _day(clock, 1), "feng.yi")
    [kept] = demo.org.absences(ADMIN)
    assert (kept["proxy"], kept["to"]) == ("zhou.jie", _day(clock, 2).isoformat())
