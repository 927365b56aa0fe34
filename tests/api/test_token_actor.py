"""Over the API, a token's actor is found once per request (kept per process while the directory revision stays)
and the use case takes it instead of looking the person up again; a leaver's token is refused at once."""

from __future__ import annotations

from sqlalchemy import event, text

from engine.facade import Engine
from tests.api.helpers import ApiUsers
from tests.api.test_journey import start_plan
from tests.journey import RESEARCH


def test_a_completion_looks_its_actor_up_only_through_the_kept_token(users: ApiUsers, engine: Engine) -> None:
    instance_id = start_plan(users)
    research = users["wang.lei"].task_named("research", instance_id)
    seen: list[str] = []

    def on_execute(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine.db, "before_cursor_execute", on_execute)
    try:
        done = users["wang.lei"].ok("POST", f"/tasks/{research['id']}/complete", {"data": RESEARCH})
    finally:
        event.remove(engine.db, "before_cursor_execute", on_execute)
    assert done["next_tasks"] == ["draft_plan"]
    assert "directory_revision" in seen[0]
    assert not [s for s in seen if "FROM user_account" in s and "user_role" in s]  # neither the token's join
    # nor the use case's own look-up of the person ran


def test_a_leavers_token_is_refused_at_once(users: ApiUsers, engine: Engine) -> None:
    instance_id = start_plan(users)
    wang_lei = users["wang.lei"]
    research = wang_lei.task_named("research", instance_id)  # the token is used, and kept
    with engine.db.begin() as conn:
        conn.execute(text("UPDATE user_account SET active = false WHERE username = 'wang.lei'"))
    refused = wang_lei.post(f"/tasks/{research['id']}/complete", {"data": RESEARCH})
    assert refused.status_code == 401
    with engine.db.connect() as conn:
        state = conn.scalar(text("SELECT state FROM human_task WHERE id = :id"), {"id": research["id"]})
    assert state == "open"
