"""Out of office (代理): ``opsflow away --from D --to D --proxy USER --as USER``; ``--off`` ends it; with
neither, what is set."""

from __future__ import annotations

import argparse
from datetime import date

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.org.people import Person
from engine.org.views import Absence

from .commands import Commands, actor
from .output import emit


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _describe(absence: Absence) -> str:
    state = "now" if absence["active"] else "ended" if absence["ended"] else "to come"
    return (f"{absence['user']} away from {absence['from']} to {absence['to']} ({state}); "
            f"new tasks go to {absence['proxy']} ({absence['proxy_name']})")


def cmd_away(engine: Engine, args: argparse.Namespace) -> None:
    """Set, end or show an out-of-office: one's own, or (an admin) ``--user``'s."""
    me = Person(args.actor)
    if args.off:
        if args.start or args.end or args.proxy:
            raise InvalidInput("--off ends the out-of-office: give no dates or proxy with it")
        ended = engine.org.end_away(me, args.user)
        emit(args, {"ended": ended}, lambda: print("out of office ended" if ended else "no out-of-office was set"))
        return
    if not (args.start or args.end or args.proxy):
        shown = engine.org.away(me, args.user)
        emit(args, shown, lambda: print(_describe(shown)))
        return
    if not (args.start and args.end and args.proxy):
        raise InvalidInput("give --from, --to and --proxy together (or --off to end it)")
    absence = engine.org.set_away(me, args.start, args.end, args.proxy, args.user)
    emit(args, absence, lambda: print(_describe(absence)))


def register(commands: Commands) -> None:
    p = commands.add("away", cmd_away, "out of office (代理): from one date to another, new tasks for you go to a "
                     "proxy who acts on your behalf; --off ends it; with neither, what is set")
    p.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD", help="the first day away")
    p.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD", help="the last day away (included)")
    p.add_argument("--proxy", metavar="USER", help="who gets your new tasks meanwhile")
    p.add_argument("--off", action="store_true", help="end the out-of-office now")
    p.add_argument("--user", metavar="USER", help="someone else's (admins only)")
    actor(p)
