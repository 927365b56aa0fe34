"""A draft's ``version`` is an integer the database holds: anything else is a 400 naming it, nothing saved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import ApiUsers

DRAFT = "/process-definitions/market_plan/draft"


@pytest.mark.parametrize("version", [True, False, 2**31, 2**53, -1, 1.5, "0", None],
                         ids=["true", "false", "2^31", "2^53", "negative", "fraction", "text", "null"])
def test_a_version_that_is_no_integer_in_range_is_refused_and_nothing_is_saved(users: ApiUsers,
                                                                              version: Any) -> None:
    analyst = users["gao.yan"]
    response = analyst.client.put("/api/v1" + DRAFT, headers=analyst.headers,
                                  json={"bpmn": "<definitions/>", "files": {}, "version": version})
    assert response.status_code == 400, response.get_json()
    assert list(response.get_json()["fields"]) == ["version"]
    assert analyst.ok("GET", DRAFT)["version"] == 0  # no draft was saved: still the one made from v1


def test_version_zero_saves_the_first_draft(users: ApiUsers) -> None:
    analyst = users["gao.yan"]
    response = analyst.client.put("/api/v1" + DRAFT, headers=analyst.headers,
                                  json={"bpmn": "<definitions/>", "files": {}, "version": 0})
    assert response.status_code == 200, response.get_json()
    assert analyst.ok("GET", DRAFT)["version"] == 1
