"""Wire the extensions, the guards and the blueprints into the app (called by ``create_app``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, send_from_directory
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect

from . import (
    absences,
    account,
    audit,
    auth,
    boards,
    calendar,
    context,
    copies,
    dashboard,
    dispatch_board,
    errors,
    files,
    health,
    i18n,
    inbox,
    instances,
    markdown,
    moves,
    notifications,
    ops,
    people,
    processes,
    request_keys,
    routing,
    safety,
    sessions,
    tasks,
)
from .audit.views import may_audit
from .auth import views as auth_views
from .context import display_name, engine, signed_in
from .context import people as directory_people
from .context import processes as deployed_processes
from .inbox.views import holds, navigation, task_counts
from .instances.status import route_labels
from .modeler import gallery as _gallery  # noqa: F401 - its routes join the modeler blueprint
from .modeler import simulation as _simulation  # noqa: F401 - its routes join the modeler blueprint
from .modeler import views as modeler

csrf = CSRFProtect()
FAVICON_MAX_AGE = 7 * 24 * 3600
HTML_BLUEPRINTS = (auth.blueprint, inbox.blueprint, tasks.blueprint, processes.blueprint, instances.blueprint,
                   notifications.blueprint, dashboard.blueprint, calendar.blueprint, audit.blueprint,
                   modeler.blueprint, i18n.blueprint, account.blueprint, ops.blueprint, copies.blueprint,
                   moves.blueprint, absences.blueprint, people.blueprint, dispatch_board.blueprint,
                   boards.blueprint)
for _blueprint in HTML_BLUEPRINTS:  # once, at import: a blueprint cannot change after its first registration
    errors.attach(_blueprint)


def _page_globals() -> dict[str, Any]:
    me = signed_in()
    if me is None:
        return {"me": None, "my_name": "", "counts": {}, "unread": 0, "dashboard": False, "audit": False,
                "audit_all": False, "modeler": False, "operator": False, "org_admin": False, "may_start": False,
                "boards": ()}
    nav = navigation()
    person = directory_people().get(me)
    roles = set(person.roles) if person is not None else set()
    return {"me": me, "my_name": display_name(me), "counts": task_counts(), "unread": nav.unread,
            "dashboard": holds("see dashboards"), "audit": may_audit(), "audit_all": holds("audit"),
            "modeler": holds("model"),
            "operator": holds("operate"), "org_admin": holds("administer the organisation"),
            # "Start" only for someone who may start a process (an auditor may not: 审计只读)
            "may_start": any(roles & set(p.get("start_roles") or ()) for p in deployed_processes().values()),
            "boards": engine().boards.offered(context.me())}


def favicon() -> ResponseReturnValue:
    """The icon browsers ask for at /favicon.ico (pages name /static/favicon.svg themselves)."""
    return send_from_directory(Path(__file__).parent / "static", "favicon.svg", mimetype="image/svg+xml",
                               max_age=FAVICON_MAX_AGE)


def init_app(app: Flask) -> None:
    """Install sign-in guard, CSRF, languages, security headers, error pages and blueprints."""
    from .api import blueprint as api_blueprint

    sessions.init_app(app)  # a page's background asks leave the session cookie alone
    routing.init_app(app)  # before any rule is added: the HTML routes' ids use it
    context.init_app(app)  # before the guards: their reads share the page's session
    auth_views.init_app(app)  # first: anonymous requests go to /login before anything else runs
    app.before_request(routing.refuse_ids_out_of_range)  # then: an id no row can have is not found
    files.init_app(app)  # before CSRF reads the form: the routes that take files take bigger bodies
    csrf.init_app(app)
    csrf.exempt(api_blueprint)  # tokens need no CSRF; the API checks a session's own (webui.api.auth)
    i18n.init_app(app)
    safety.init_app(app)
    errors.init_app(app)
    request_keys.init_app(app)
    markdown.init_app(app)
    for blueprint in HTML_BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(health.blueprint)  # JSON, no sign-in: not one of the HTML blueprints
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    app.context_processor(_page_globals)
    app.jinja_env.globals["display_name"] = display_name
    app.jinja_env.globals["route_labels"] = route_labels
