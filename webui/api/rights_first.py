"""Rights before bodies: each API write names the right it needs whatever its body holds.

When the API is about to refuse a request as invalid (a body that is not JSON, an unknown key, a value of the
wrong type, files that cannot be read...), it first asks the engine whether the caller may make that write at
all (``engine.org.require_right_to``): someone without the right gets 403 (or 404 where the thing is missing),
never a 400 telling them what the route expects. A good body costs nothing more: its use case asks its own
right, before it looks at the data, as ever.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import g, request

from engine.org.rights import Right
from engine.runtime.write_rights import Write
from engine.text_input import text_problem

from . import context

Target = int | str | None
Gate = Callable[[], tuple[Write, Target] | None]


def _on(write: Write, argument: str | None = None) -> Gate:
    return lambda: (write, (request.view_args or {}).get(argument) if argument else None)


def _attachments() -> tuple[Write, Target]:
    field = request.form.get("field") if request.mimetype == "multipart/form-data" else None
    return (Write.ATTACH_TO_FORM if field else Write.ATTACH), (request.view_args or {}).get("task_id")


def _someone_elses_absence() -> tuple[Write, Target] | None:
    user = (request.args.get("user") or "").strip()
    return (Write.SET_ABSENCE, None) if user and user != context.username() else None


def _preview_of_a_process() -> tuple[Write, Target] | None:
    """Analysts preview any process; anyone else only one they may start."""
    if context.engine().org.may(context.me(), Right.MODEL):
        return None
    return Write.START, (request.view_args or {}).get("key")


GATES: dict[str, Gate] = {  # endpoint: the right its write needs, and on what
    "api.start": _on(Write.START, "key"),
    "api.copy_instance": _on(Write.COPY, "instance_id"),
    "api.withdraw": _on(Write.WITHDRAW, "instance_id"),
    "api.cancel": _on(Write.CANCEL),
    "api.complete": _on(Write.COMPLETE, "task_id"),
    "api.return_task": _on(Write.RETURN, "task_id"),
    "api.assign": _on(Write.ASSIGN, "task_id"),
    "api.add_comment": _on(Write.COMMENT, "task_id"),
    "api.add_attachments": _attachments,
    "api.transfer": _on(Write.TRANSFER, "task_id"),
    "api.delegate": _on(Write.HAND_ON, "task_id"),
    "api.add_signers": _on(Write.HAND_ON, "task_id"),
    "api.remove_signer": _on(Write.HAND_ON, "task_id"),
    "api.sign": _on(Write.SIGN, "task_id"),
    "api.deploy_bundle": _on(Write.DEPLOY),
    "api.new_draft": _on(Write.MODEL),
    "api.save_draft": _on(Write.MODEL),
    "api.check_draft": _on(Write.MODEL),
    "api.discard_draft": _on(Write.MODEL),
    "api.deploy_draft": _on(Write.DEPLOY),
    "api.migrate": _on(Write.MIGRATE),
    "api.try_decision": _on(Write.MODEL),
    "api.simulate": _on(Write.MODEL),
    "api.preview_route": _preview_of_a_process,
    "api.set_out_of_office": _someone_elses_absence,
    "api.end_out_of_office": _someone_elses_absence,
}


def check_before_refusing() -> None:
    """Ask the right of the write being refused as invalid. :raise NotAllowed: :raise NotFound:"""
    if "api_actor" not in g:  # not authenticated (answered 401 before any body is read)
        return
    gate = GATES.get(request.endpoint or "")
    asked = gate() if gate is not None else None
    if asked is None:
        return
    write, target = asked
    if isinstance(target, str) and text_problem(target):  # the path itself is refused, naming it, before anything
        return
    context.engine().org.require_right_to(context.me(), write, target)
