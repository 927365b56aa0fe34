"""Ids no row can have (0, past the 32-bit integer of the id columns, past 64 bits) are "not found"
everywhere people type them: every HTML route, every API route and every CLI id argument, on SQLite and
on PostgreSQL (whose driver would otherwise fail with "integer out of range", a 500)."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from engine.facade import Engine
from engine.org.people import Person
from engine.text_input import MAX_ID
from opsflow.cli import build_parser, main
from tests.api.helpers import make_app
from webui.routing import RecordId

OUT_OF_RANGE = [0, MAX_ID + 1, 2**63, 10**30]
ADMIN = "admin"  # may reach every page, so a 404 is about the id, never a 403


def id_rules(app: Flask, api: bool) -> list[Any]:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/") == api
            and any(isinstance(c, IntegerConverter) for c in rule._converters.values())]


def url_with(rule: Any, value: int) -> str:
    """The rule's path with ``value`` for every number in it (and a known process key for a text part)."""
    path = rule.rule
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, IntegerConverter):
            path = path.replace(f"<{'id' if isinstance(converter, RecordId) else 'int'}:{name}>", str(value))
        else:
            path = path.replace(f"<{name}>", "market_plan")
    return path


def test_every_html_route_with_an_id_uses_the_guarded_converter(demo: Engine) -> None:
    app = make_app(demo)
    rules = id_rules(app, api=False)
    assert len(rules) >= 12
    for rule in rules:
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                assert isinstance(converter, RecordId), f"{rule.rule}: {name} is not <id:...>"


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_every_html_route_answers_404_for_an_id_out_of_range(demo: Engine, value: int) -> None:
    app = make_app(demo, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    with client.session_transaction() as session:
        session["username"] = ADMIN
    for rule in id_rules(app, api=False):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url_with(rule, value), method=method, data={"reason": "x", "user": "li.na"})
            assert response.status_code == 404, (method, rule.rule, value)
            assert "Not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_every_api_route_answers_404_for_an_id_out_of_range(demo: Engine, value: int) -> None:
    app = make_app(demo)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {demo.org.create_token(Person(ADMIN))}"}
    rules = [r for r in id_rules(app, api=True)]
    assert len(rules) >= 9
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url_with(rule, value), method=method, headers=headers, json={})
            assert response.status_code == 404 and response.get_json()["error"] == "not_found", \
                (method, rule.rule, value)


def id_arguments() -> list[tuple[list[str], argparse.Action, argparse.ArgumentParser]]:
    """Every (command path, id argument, its parser) of the CLI."""
    found = []

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])
            elif (action.dest == "id" and not action.option_strings) \
                    or str(getattr(action.type, "__name__", "")).endswith(" id"):
                found.append((path, action, parser))

    walk(build_parser(), [])
    return found


def argv_for(path: list[str], id_action: argparse.Action, parser: argparse.ArgumentParser, value: int) -> list[str]:
    argv = list(path)
    for action in parser._actions:
        if action is id_action:
            argv += [*action.option_strings[:1], str(value)]  # a positional id, or an option that takes one
        elif not action.option_strings and action.nargs not in ("?", "*") and action.dest != "help":
            argv.append("li.na")  # another positional (assign's user)
        elif action.required:
            filler = ADMIN if action.dest == "actor" else "1" if action.type is int else "{}"
            argv += [action.option_strings[0], filler]
    return argv


def test_every_cli_id_argument_is_guarded() -> None:
    arguments = id_arguments()
    commands = {" ".join(path) for path, _action, _parser in arguments}
    assert commands >= {"task", "claim", "unclaim", "assign", "complete", "show", "cancel", "history", "verify",
                        "retry", "schedule remove"}
    for path, action, _parser in arguments:
        assert str(getattr(action.type, "__name__", "")).endswith(" id"), f"opsflow {' '.join(path)}: {action.dest}"


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_every_cli_id_argument_out_of_range_is_not_found(demo: Engine, db_url: str, value: int,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    for path, action, parser in id_arguments():
        argv = ["--database", db_url, *argv_for(path, action, parser, value)]
        assert main(argv) == 3, argv
        error = capsys.readouterr().err
        assert error.startswith("error: no ") and f"with id {value}" in error and "Traceback" not in error, argv
