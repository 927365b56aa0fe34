"""Forms whose write the state itself refuses to repeat (claim, a new draft, a calendar day, a cancel...) carry a
key per drawing too: a second sending of one drawing goes where the first went ("sent already"), not to the
state's refusal; a sending that was refused keeps no key, so the same drawing may be corrected and sent again."""

from __future__ import annotations

from datetime import date

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import START, only_task
from tests.web.conftest import make_app, sign_in_session, text
from tests.web.test_form_keys import _key_of


def test_a_claim_sent_twice_claims_once_and_the_second_goes_where_the_first_went(any_db_engine: Engine) -> None:
    started = any_db_engine.work.start(Person("li.na"), "market_plan", START)
    task = only_task(any_db_engine, "wang.lei", "research", started.id)["id"]
    client = sign_in_session(make_app(any_db_engine).test_client(), "wang.lei")
    key = _key_of(text(client.get(f"/tasks/{task}")), f"/tasks/{task}/claim")
    first = client.post(f"/tasks/{task}/claim", data={"request_key": key})
    second = client.post(f"/tasks/{task}/claim", data={"request_key": key})
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["Location"] == first.headers["Location"]
    assert "sent already" in text(client.get(second.headers["Location"]))
    claims = [e for e in any_db_engine.work.history(Person("li.na"), started.id) if e["kind"] == "task_claimed"]
    assert len(claims) == 1


def test_a_new_process_form_sent_twice_makes_one_draft(any_db_engine: Engine) -> None:
    client = sign_in_session(make_app(any_db_engine).test_client(), "gao.yan")
    key = _key_of(text(client.get("/modeler/")), "/modeler/new")
    sent = {"key": "site_visit", "title": "Site visit", "request_key": key}
    first = client.post("/modeler/new", data=sent)
    second = client.post("/modeler/new", data=sent)
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["Location"] == first.headers["Location"] and "sent already" in text(
        client.get(second.headers["Location"]))  # not "a draft of site_visit exists already"
    drafts = [d for d in any_db_engine.modeler.drafts(Person("gao.yan")) if d["key"] == "site_visit"]
    assert len(drafts) == 1


def test_a_refused_sending_keeps_no_key_and_the_corrected_drawing_is_written(any_db_engine: Engine) -> None:
    admin = sign_in_session(make_app(any_db_engine).test_client(), "admin")
    key = _key_of(text(admin.get("/calendar/2027")), "/calendar/days")
    refused = admin.post("/calendar/days", data={"day": "2027-02-30", "kind": "holiday", "name": "x", "year": "2027",
                                                 "request_key": key}, follow_redirects=True)
    assert "2027-02-30" in text(refused)
    entered = admin.post("/calendar/days", data={"day": "2027-02-08", "kind": "holiday", "name": "Spring Festival",
                                                 "year": "2027", "request_key": key})
    assert entered.status_code == 303 and "sent already" not in text(admin.get(entered.headers["Location"]))
    assert any_db_engine.collaborators.calendar.working(date(2027, 2, 8)) is False
    again = admin.post("/calendar/days", data={"day": "2027-02-08", "kind": "holiday", "name": "Spring Festival",
                                               "year": "2027", "request_key": key})
    assert again.headers["Location"] == entered.headers["Location"]
    assert "sent already" in text(admin.get(again.headers["Location"]))
