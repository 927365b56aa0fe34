"""How each area's module adds its subcommands to the parser."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.errors import NotFound
from engine.facade import Engine
from engine.org.people import Caller, Operator, Person
from engine.text_input import id_in_range

Handler = Callable[[Engine, argparse.Namespace], Any]
# Who runs a command without ``--as``: whoever can run the CLI against the database is its operator.
OPERATOR = Operator("opsflow cli")


def caller(username: str | None) -> Caller:
    """The user of ``--as`` (whose rights are checked), else the operator."""
    return Person(username) if username is not None else OPERATOR


@dataclass
class Commands:
    sub: Any  # argparse's _SubParsersAction
    groups: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, handler: Handler, help_text: str, json_flag: bool = True) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = self.sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON")
        return p

    def group(self, name: str, help_text: str) -> Any:
        """A command with subcommands of its own (``user add``, ``schedule list``...); asked again by another
        area's module, the same group (``user set`` beside ``user add``)."""
        if name not in self.groups:
            self.groups[name] = self.sub.add_parser(name, help=help_text).add_subparsers(dest=f"{name}_command",
                                                                                         required=True)
        return self.groups[name]


def actor(p: argparse.ArgumentParser, help_text: str = "the user doing this") -> None:
    p.add_argument("--as", dest="actor", required=True, metavar="USER", help=help_text)


def record_id(kind: str) -> Callable[[str], int]:
    """An argparse type for the id of a ``kind`` (task, instance, job...).

    Text that is not a number is a usage error (exit 2); a number no row can have (0, or past the
    database's integer) is "not found" (exit 3), as for an id that is simply unknown.
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {kind} id: {text!r}") from None
        if not id_in_range(value):
            raise NotFound(f"no {kind} with id {value}")
        return value

    parse.__name__ = f"{kind} id"  # argparse names the type in its messages
    return parse
