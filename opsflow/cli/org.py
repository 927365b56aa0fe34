"""Administering the organisation: ``opsflow user set|deactivate|reactivate|password-link``, ``opsflow unit
add|move|set``,
``opsflow units``, ``opsflow org import|export|sync-ldap`` and ``opsflow org at USER --date D``.

Without ``--as`` the operator runs them (whoever reaches the database); with it, a person with the right to
administer the organisation (``admin``, ``org_admin``). Every change goes on the organisation's record.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.org import org_file
from engine.org.staffing import PersonSpec
from engine.org.units import UnitSpec
from engine.org.views import OrgChanged

from .commands import Commands, caller
from .output import emit, table


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _say(changed: OrgChanged) -> None:
    if not changed.changes:
        print(f"{changed.subject} {changed.key}: no changes")
        return
    for change in changed.changes:
        what = change.field or "added"
        print(f"{changed.subject} {changed.key}: {what}: {_shown(change.before)} -> {_shown(change.after)} "
              f"(effective {changed.effective_on})")


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def cmd_user_set(engine: Engine, args: argparse.Namespace) -> None:
    spec = PersonSpec(args.name, args.email, args.language, args.role, args.reports_to, args.unit)
    if spec == PersonSpec():
        raise InvalidInput("nothing to set: give --role, --reports-to, --unit, --email, --name or --language")
    changed = engine.org.set_person(caller(args.actor), args.username, spec, args.effective)
    emit(args, changed, lambda: _say(changed))


def cmd_user_deactivate(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.org.deactivate(caller(args.actor), args.username, args.hand_over_to, args.effective)

    def text() -> None:
        for task in result.handed_over:
            print(f"task {task.task_id} ({task.task_name}, instance {task.instance_id}) handed over to {task.to}")
        print(f"{result.username} deactivated (effective {result.effective_on}); "
              f"{result.tokens_revoked} API token(s) revoked")

    emit(args, result, text)


def cmd_user_password_link(engine: Engine, args: argparse.Namespace) -> None:
    sent = engine.passwords.send_password_link(caller(args.actor), args.username)
    emit(args, sent, lambda: print(f"a set-password link for {sent.username} goes to {sent.email} "
                                   "(sent by the worker; it works once, for 72 hours)"))


def cmd_user_reactivate(engine: Engine, args: argparse.Namespace) -> None:
    changed = engine.org.reactivate(caller(args.actor), args.username, args.effective)
    emit(args, changed, lambda: _say(changed))


def cmd_unit_add(engine: Engine, args: argparse.Namespace) -> None:
    spec = UnitSpec(args.name_zh, args.name_en, args.parent, args.head)
    changed = engine.org.add_unit(caller(args.actor), args.key, spec, args.effective)
    emit(args, changed, lambda: _say(changed))


def cmd_unit_move(engine: Engine, args: argparse.Namespace) -> None:
    if (args.parent is None) == (not args.top):
        raise InvalidInput("give the new parent (--parent UNIT) or --top")
    changed = engine.org.change_unit(caller(args.actor), args.key, UnitSpec(parent=args.parent or ""),
                                     args.effective)
    emit(args, changed, lambda: _say(changed))


def cmd_unit_set(engine: Engine, args: argparse.Namespace) -> None:
    spec = UnitSpec(args.name_zh, args.name_en, None, args.head)
    if spec == UnitSpec():
        raise InvalidInput("nothing to set: give --name-zh, --name-en or --head")
    changed = engine.org.change_unit(caller(args.actor), args.key, spec, args.effective)
    emit(args, changed, lambda: _say(changed))


def cmd_units(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.org.units(caller(args.actor))
    emit(args, rows, lambda: table([{"key": "  " * u.depth + u.key, "name_zh": u.name_zh, "name_en": u.name_en,
                                     "head": u.head, "members": u.members} for u in rows],
                                   ["key", "name_zh", "name_en", "head", "members"]))


def _format(args: argparse.Namespace, path: str | None) -> str:
    if args.format:
        return str(args.format)
    return "csv" if path and path.lower().endswith(".csv") else "json"


def cmd_org_import(engine: Engine, args: argparse.Namespace) -> None:
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{args.file}: cannot read the file ({exc})") from exc
    document = org_file.read_csv(text) if _format(args, args.file) == "csv" else org_file.read_json(text)
    result = engine.org.import_org(caller(args.actor), document, args.effective)

    def text_view() -> None:
        if not result.events:
            print("no changes")
            return
        print(f"units: {result.units_added} added, {result.units_changed} changed; people: {result.people_added} "
              f"added, {result.people_changed} changed; {result.events} change(s) recorded")

    emit(args, result, text_view)


def cmd_org_sync_ldap(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.org.sync_directory(caller(args.actor), dry_run=args.dry_run)

    def text_view() -> None:
        done = result.imported
        prefix = "dry run, nothing changed: would make " if result.dry_run else ""
        if not result.changed and not result.deactivated:
            print(("dry run: " if result.dry_run else "") + "no changes")
        else:
            print(f"{prefix}units: {done.units_added} added, {done.units_changed} changed; people: "
                  f"{done.people_added} added, {done.people_changed} changed, {len(result.deactivated)} deactivated "
                  f"({', '.join(result.deactivated) or '-'}); {done.events} change(s) recorded; "
                  f"{len(result.linked)} linked to their directory entry")
        for line in result.kept:
            print(f"left as they are (gone from the directory): {line}")
        for line in result.warnings:
            print(f"not taken: {line}")

    emit(args, result, text_view)


def cmd_org_export(engine: Engine, args: argparse.Namespace) -> None:
    document = engine.org.export_org(caller(args.actor))
    text = org_file.as_csv(document) if _format(args, args.output) == "csv" else \
        json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"organisation written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_org_at(engine: Engine, args: argparse.Namespace) -> None:
    who = engine.org.person_on(caller(args.actor), args.username, args.date)

    def text() -> None:
        if not who.member:
            print(f"{who.username} was not in the organisation on {who.on}")
            return
        print(f"{who.username} ({who.name}) on {who.on}: roles {', '.join(who.roles) or '-'}; reports to "
              f"{who.reports_to or '-'}; unit {who.unit or '-'}; {'active' if who.active else 'deactivated'}")
        if not who.recorded:
            print("(no change of theirs is on the organisation's record: this is how they are now)")

    emit(args, who, text)


def _common(p: argparse.ArgumentParser, changes: bool = True) -> None:
    p.add_argument("--as", dest="actor", metavar="USER", help="act as this user (who needs the right); "
                                                              "default: the operator")
    if changes:
        p.add_argument("--effective", type=_day, metavar="YYYY-MM-DD",
                       help="the day the change takes effect (default today; not later, nor before the last "
                            "change of the same person or unit)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _sub(group: object, name: str, handler: object, help_text: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = group.add_parser(name, help=help_text, description=help_text)  # type: ignore[attr-defined]
    p.set_defaults(handler=handler)
    return p


def register(commands: Commands) -> None:
    user = commands.group("user", "manage users")
    p = _sub(user, "set", cmd_user_set, "change a person's roles, manager, unit, e-mail, name or language "
                                        "('' takes a manager, unit, e-mail or language away)")
    p.add_argument("username")
    p.add_argument("--role", action="append", help="a role key (repeatable): the person's roles become these")
    p.add_argument("--reports-to", metavar="USER", help="their manager")
    p.add_argument("--unit", metavar="UNIT", help="the unit they belong to")
    p.add_argument("--email")
    p.add_argument("--name", help="display name")
    p.add_argument("--language", choices=["zh", "en", ""])
    _common(p)
    p = _sub(user, "deactivate", cmd_user_deactivate, "someone leaves: their open tasks go to --hand-over-to, "
                                                      "their API tokens are revoked, they can no longer sign in")
    p.add_argument("username")
    p.add_argument("--hand-over-to", metavar="USER", help="who takes over their open tasks")
    _common(p)
    p = _sub(user, "reactivate", cmd_user_reactivate, "someone who left comes back: they may sign in again")
    p.add_argument("username")
    _common(p)
    p = _sub(user, "password-link", cmd_user_password_link, "e-mail someone a link to set their own password "
                                                            "(needs OPSFLOW_SMTP_HOST and OPSFLOW_BASE_URL)")
    p.add_argument("username")
    _common(p, changes=False)

    unit = commands.group("unit", "manage units (departments, sections)")
    p = _sub(unit, "add", cmd_unit_add, "add a unit under --parent (none: a top unit)")
    p.add_argument("key")
    p.add_argument("--name-zh", required=True, help="its Chinese name")
    p.add_argument("--name-en", required=True, help="its English name")
    p.add_argument("--parent", metavar="UNIT")
    p.add_argument("--head", metavar="USER")
    _common(p)
    p = _sub(unit, "move", cmd_unit_move, "place a unit under another (--parent) or at the top (--top)")
    p.add_argument("key")
    p.add_argument("--parent", metavar="UNIT")
    p.add_argument("--top", action="store_true")
    _common(p)
    p = _sub(unit, "set", cmd_unit_set, "rename a unit or give it another head ('' for none)")
    p.add_argument("key")
    p.add_argument("--name-zh")
    p.add_argument("--name-en")
    p.add_argument("--head", metavar="USER")
    _common(p)
    p = commands.add("units", cmd_units, "list the units as a tree, with heads and members", json_flag=False)
    _common(p, changes=False)

    org = commands.group("org", "the organisation as a file, and its record")
    p = _sub(org, "import", cmd_org_import, "make the organisation say what FILE says for the units and people it "
                                            "names (running it again changes nothing)")
    p.add_argument("file", metavar="FILE.csv|FILE.json")
    p.add_argument("--format", choices=["csv", "json"], help="default: by the file's name")
    _common(p)
    p = _sub(org, "sync-ldap", cmd_org_sync_ldap, "import the people and units of the organisation's directory "
                                                  "(OPSFLOW_LDAP_*; running it again changes nothing)")
    p.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    _common(p, changes=False)
    p = _sub(org, "export", cmd_org_export, "write every unit and person (what 'org import' reads)")
    p.add_argument("--format", choices=["csv", "json"], help="default: json, or by --output's name")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--as", dest="actor", metavar="USER", help="act as this user; default: the operator")
    p = _sub(org, "at", cmd_org_at, "who USER was on a day: roles, manager, unit (from the organisation's record)")
    p.add_argument("username")
    p.add_argument("--date", type=_day, required=True, metavar="YYYY-MM-DD")
    _common(p, changes=False)

