"""Setting up: the database, processes, users, API tokens, and serving the web app."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from engine.definitions.bundle import bundles_from_paths
from engine.errors import InvalidInput
from engine.facade import Engine
from engine.org.people import Person
from engine.results import as_json

from .commands import OPERATOR, Commands, actor
from .integrity import refuse_misplaced_key
from .output import emit, table

DEMO_PASSWORD_DEFAULT = "opsflow-demo"  # noqa: S105 - the documented password of the demo users


def cmd_init(engine: Engine, args: argparse.Namespace) -> None:
    password = os.environ.get("OPSFLOW_DEMO_PASSWORD") or DEMO_PASSWORD_DEFAULT
    result = engine.setup.init(demo=args.demo, demo_password=password if args.demo else None)
    emit(args, result, lambda: print(
        f"database ready: {result.roles_added} role(s) and {result.users_added} user(s) added; "
        + ", ".join(f"{d.key} v{d.version} {d.status}" for d in result.deployments)))


def cmd_deploy(engine: Engine, args: argparse.Namespace) -> None:
    """Deploy files through the one deploy check, as the API does: what it refuses, this refuses in its words."""
    paths = [Path(p) for p in args.paths] or [engine.collaborators.processes_root]
    bundles = bundles_from_paths(paths, engine.collaborators.forms_root)
    results = as_json(engine.definitions.deploy(Person(args.actor), bundles, args.note or ""))
    emit(args, results, lambda: table(results, ["key", "version", "status", "source"]))


def cmd_processes(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.work.processes(OPERATOR)
    emit(args, rows, lambda: table(rows, ["key", "version", "title", "start_roles"]))


def cmd_user_add(engine: Engine, args: argparse.Namespace) -> None:
    result = engine.org.add_user(OPERATOR, args.username, args.role, args.reports_to, args.name or "", args.email,
                                 args.unit)
    emit(args, result, lambda: print(f"user {args.username} added"))


def cmd_user_passwd(engine: Engine, args: argparse.Namespace) -> None:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"New password for {args.username}: ")
        if getpass.getpass("Repeat it: ") != password:
            raise InvalidInput("the two passwords differ")
    engine.org.set_password(OPERATOR, args.username, password)
    print(f"password of {args.username} set")


def cmd_users(engine: Engine, args: argparse.Namespace) -> None:
    rows = engine.org.users(OPERATOR)
    emit(args, rows, lambda: table(as_json(rows), ["username", "name", "roles", "reports_to", "unit", "active"]))


def cmd_token_create(engine: Engine, args: argparse.Namespace) -> None:
    token = engine.org.create_token(Person(args.username), args.label or "")
    emit(args, {"username": args.username, "token": token}, lambda: print(token))


def cmd_serve(engine: Engine, args: argparse.Namespace) -> None:
    refuse_misplaced_key(engine)
    from webui import create_app  # the web stack is loaded only for this command
    from webui.server import serve

    app = create_app(engine=engine)
    print(f"opsflow: serving http://{args.host}:{args.port}/", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, grace=args.grace)
    print("opsflow: stopped", flush=True)


def cmd_rebuild_search_index(engine: Engine, args: argparse.Namespace) -> None:
    held = engine.setup.rebuild_search_index()
    emit(args, {"instances": held}, lambda: print(f"search index rebuilt: {held} instance title(s)"))


def register(commands: Commands) -> None:
    p = commands.add("init", cmd_init, "create the schema and roles, deploy processes/ (--demo: and every pack)")
    p.add_argument("--demo", action="store_true", help="also load the demo organisation and install every pack")
    p = commands.add("deploy", cmd_deploy, "validate and deploy BPMN files (default: processes/) as an analyst")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--note", help="what changed and why (required, as in the API; recorded on the new version)")
    actor(p, "who deploys: a user with the deploy right (analyst or admin), recorded on the version")
    commands.add("processes", cmd_processes, "list deployed processes (latest versions)")
    commands.add("rebuild-search-index", cmd_rebuild_search_index,
                 "build the instance-title search index again from the titles (it is kept as instances are written)")
    user = commands.group("user", "manage users")
    p = user.add_parser("add", help="add a user")
    p.set_defaults(handler=cmd_user_add, json=False)
    p.add_argument("username")
    p.add_argument("--role", action="append", required=True, help="a role key (repeatable)")
    p.add_argument("--reports-to", metavar="USERNAME")
    p.add_argument("--name", help="display name")
    p.add_argument("--email", help="e-mail address for notifications")
    p.add_argument("--unit", metavar="UNIT", help="the unit they belong to")
    p = user.add_parser("passwd", help="set a user's password (prompted, or one line on stdin)")
    p.set_defaults(handler=cmd_user_passwd, json=False)
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    commands.add("users", cmd_users, "list users")
    token = commands.group("token", "manage REST API tokens")
    p = token.add_parser("create", help="create an API token for a user and print it")
    p.set_defaults(handler=cmd_token_create)
    p.add_argument("username")
    p.add_argument("--label", help="what the token is for")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = commands.add("serve", cmd_serve, "serve the web inbox and REST API (production WSGI server)", json_flag=False)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--grace", type=float, default=15.0,
                   help="on SIGTERM, seconds to let running requests finish (default 15)")
