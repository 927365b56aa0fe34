"""Handing a task on: delegate it (委派), add signers before or after its holder (加签), remove one (减签), sign."""

from __future__ import annotations

import argparse

from engine.facade import Engine
from engine.org.people import Person
from engine.runtime.views import ApprovalRound

from .commands import OPERATOR, Commands, actor, record_id
from .output import emit, table


def _said(result: ApprovalRound) -> str:
    """One line: whose task it is and who acts on it now."""
    holder, acting = result["holder"] or "-", result["acting"] or "-"
    return f"task {result['task_id']} ({result['state']}): held by {holder}" + \
        (f", with {acting} now" if acting != holder else "")


def _show(result: ApprovalRound) -> None:
    print(_said(result))
    if result["steps"]:
        table(list(result["steps"]), ["kind", "user", "state", "decision", "reason", "comment"])
    if result["choices"]:
        print("the signer may decide: " + ", ".join(result["choices"]))


def cmd_signers(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.work.approval_round(OPERATOR, args.id)
    emit(args, result, lambda: _show(result))


def cmd_delegate(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.work.delegate(Person(args.actor), args.id, args.to, args.reason)
    emit(args, result, lambda: print(_said(result)))


def cmd_add_signer(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.work.add_signers(Person(args.actor), args.id, args.people, args.position, args.reason)
    emit(args, result, lambda: print(_said(result)))


def cmd_remove_signer(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.work.remove_signer(Person(args.actor), args.id, args.person, args.reason or "")
    emit(args, result, lambda: print(_said(result)))


def cmd_sign(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.work.sign(Person(args.actor), args.id, args.decision, args.comment or "")
    emit(args, result, lambda: print(_said(result)))


def register(commands: Commands) -> None:
    p = commands.add("signers", cmd_signers, "show who holds a task, who acts on it now, its delegates and signers")
    p.add_argument("id", type=record_id("task"))
    p = commands.add("delegate", cmd_delegate, "delegate a task you hold (委派); it comes back to you to confirm")
    p.add_argument("id", type=record_id("task"))
    p.add_argument("--to", required=True, metavar="USER", help="the delegate")
    p.add_argument("--reason", required=True, help="why (the delegate sees it)")
    actor(p)
    p = commands.add("add-signer", cmd_add_signer, "add signers to a task you hold (加签), before or after you")
    p.add_argument("id", type=record_id("task"))
    p.add_argument("--people", required=True, nargs="+", metavar="USER", help="who signs, in this order")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--before", dest="position", action="store_const", const="before",
                       help="they approve first, then it comes back to you (前加签)")
    where.add_argument("--after", dest="position", action="store_const", const="after",
                       help="they approve after your approving decision, before the flow goes on (后加签)")
    p.add_argument("--reason", required=True, help="why (they see it)")
    actor(p)
    p = commands.add("remove-signer", cmd_remove_signer, "remove an added signer who has not acted (减签)")
    p.add_argument("id", type=record_id("task"))
    p.add_argument("--person", required=True, metavar="USER")
    p.add_argument("--reason", help="why (optional)")
    actor(p)
    p = commands.add("sign", cmd_sign, "sign a task you were added to, on your turn (approve, return...)")
    p.add_argument("id", type=record_id("task"))
    p.add_argument("--decision", required=True, help="approve, return, or (after the holder) another of the "
                   "step's decisions: `opsflow signers ID` lists them")
    p.add_argument("--comment", help="why (needed unless you approve)")
    actor(p)
