"""Rights before bodies: a write by someone without the right is answered 403 whatever its body holds.

Every write route of the route table (``test_routes_by_role``) is sent, by each user the table refuses (403)
with a good body, a body that is wrong in every way it can be (a key no route takes, a JSON array, no JSON at
all): the answer is still 403, never a 400 that would tell a stranger what the route expects.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_routes_by_role import EVERYONE, PROBES, Copies, Probe, World, copies, template, world

__all__ = ["copies", "template", "world"]  # the fixtures, shared with the route table

BAD_BODIES: dict[str, dict[str, Any]] = {
    "unknown key": {"json": {"no_such_key": True}},
    "an array": {"json": [1, 2]},
    "not JSON": {"data": b"\xff{", "content_type": "application/json"},
}


def _bad_uploads(probe: Probe) -> dict[str, dict[str, Any]]:
    """An upload's form without its file, and with a field no form has beside it."""
    fields = probe.upload or {}
    return {"no file": {"data": dict(fields), "content_type": "multipart/form-data"},
            "unknown form field": {"data": {**fields, "no_such_field": "x"}, "content_type": "multipart/form-data"}}
WRITES = [p for p in PROBES if not p.read_only and (p.body is not None or p.upload is not None)]


def _refused(probe: Probe) -> list[str]:
    return sorted(user for user in EVERYONE if probe.expected(user) == 403)


@pytest.mark.parametrize("user", sorted(EVERYONE))
def test_a_write_without_the_right_is_refused_before_its_body_is_read(copies: Copies, world: World,
                                                                       user: str) -> None:
    got: dict[str, int] = {}
    want: dict[str, int] = {}
    with copies.app() as app:  # bad bodies change nothing: one copy serves every probe
        client = app.test_client()
        for probe in WRITES:
            if user not in _refused(probe):
                continue
            for name, body in (BAD_BODIES if probe.upload is None else _bad_uploads(probe)).items():
                response = client.open(probe.url(world), method=probe.method,
                                       headers={"Authorization": f"Bearer {world.tokens[user]}"}, **body)
                got[f"{probe.label} ({name})"] = response.status_code
                want[f"{probe.label} ({name})"] = 403
    assert got == want
