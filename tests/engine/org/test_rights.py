"""The rights × roles table: every right is declared once, in engine.org.rights, and the table says who holds it."""

from __future__ import annotations

import json

import pytest

from engine.errors import NotAllowed
from engine.org import rights
from engine.org.people import Actor
from engine.org.rights import RIGHTS, Right
from tests.paths import REPO

ROLES = [r["key"] for r in json.loads((REPO / "data" / "roles.json").read_text())
         if r.get("kind", "org") == "org"]


def cell(right: Right, role: str) -> str:
    grant = RIGHTS[right]
    if role in grant.roles:
        return "yes"
    by_relationship = grant.relationship and (not grant.relationship_roles or role in grant.relationship_roles)
    return "rel" if by_relationship else "-"


def rights_table() -> str:
    width = max(len(r.value) for r in Right)
    lines = [" " * width + "  " + "  ".join(ROLES)]
    for right in Right:
        lines.append(right.value.ljust(width) + "  " + "  ".join(cell(right, role).center(len(role)) for role in ROLES))
    lines.append("")
    lines += [f"rel = by relationship; {r.value}: {g.relationship} ({g.decided_by})" for r, g in RIGHTS.items()
              if g.relationship]
    return "\n".join(lines)


def test_every_right_is_declared_and_the_table_prints(capsys):
    assert set(RIGHTS) == set(Right)
    for right, grant in RIGHTS.items():
        assert grant.roles or grant.relationship, f"{right} is held by nobody"
        assert grant.roles <= set(ROLES), f"{right} names a role that does not exist"
        if grant.relationship:
            for name in grant.decided_by.split(", "):
                assert callable(getattr(rights, name)), f"{right}: {name} is not a function of engine.org.rights"
    print(rights_table())
    printed = capsys.readouterr().out
    assert "deploy" in printed and "analyst" in printed


@pytest.mark.parametrize(("right", "role", "expected"), [
    (Right.DEPLOY, "analyst", "yes"), (Right.DEPLOY, "admin", "yes"), (Right.DEPLOY, "staff", "-"),
    (Right.DEPLOY, "director", "-"), (Right.AUDIT, "auditor", "yes"), (Right.AUDIT, "admin", "yes"),
    (Right.AUDIT, "marketing_manager", "-"), (Right.AUDIT, "director", "rel"), (Right.AUDIT, "staff", "-"),
    (Right.SEE_ACCESS_LOG, "auditor", "yes"), (Right.SEE_ACCESS_LOG, "director", "-"),
    (Right.CANCEL, "director", "yes"), (Right.CANCEL, "staff", "-"),
    (Right.SEE_INSTANCE, "auditor", "yes"), (Right.SEE_INSTANCE, "staff", "rel"),
    (Right.SEE_DASHBOARD, "marketing_manager", "yes"), (Right.SEE_DASHBOARD, "research_supervisor", "-"),
    (Right.ASSIGN, "marketing_manager", "rel"), (Right.WORK_ON, "staff", "rel"),
])
def test_known_cells_of_the_table(right, role, expected):
    assert cell(right, role) == expected


def test_require_names_the_right_and_its_roles():
    staff = Actor(1, "zhou.jie", "周杰", frozenset({"staff"}), None)
    with pytest.raises(NotAllowed, match=r"zhou\.jie may not deploy processes: that needs the deploy right "
                                         r"\(roles admin, analyst\)"):
        rights.require(staff, Right.DEPLOY, "deploy processes")
    rights.require(Actor(2, "gao.yan", "高燕", frozenset({"analyst"}), None), Right.DEPLOY)


def test_auditors_only_read():
    auditor = Actor(3, "he.ping", "何平", frozenset({"auditor"}), None)
    assert rights.holds(auditor, Right.AUDIT) and rights.holds(auditor, Right.SEE_INSTANCE)
    assert not any(rights.holds(auditor, r) for r in (Right.CANCEL, Right.DEPLOY))
    assert auditor.roles <= rights.READ_ONLY_ROLES
