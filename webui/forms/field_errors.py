"""The engine's English error texts, said in the user's language.

The engine names each wrong field with a short English text (its own, or jsonschema's); the
form shows a sentence that fits the field's schema (limits come from the schema, never from
the echoed value). Texts this module does not know are shown as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..i18n import _, ngettext, schema_text
from .parse import schema_type

MAX_SHOWN = 300
Rule = tuple[re.Pattern[str], Callable[[re.Match[str], Mapping[str, Any]], str]]


def _too_short(_m: re.Match[str], schema: Mapping[str, Any]) -> str:
    if schema_type(schema) == "array":
        n = int(schema.get("minItems", 1))
        return ngettext("Add at least %(num)d item.", "Add at least %(num)d items.", n)
    n = int(schema.get("minLength", 1))
    return ngettext("Enter at least %(num)d character.", "Enter at least %(num)d characters.", n)


def _too_long(_m: re.Match[str], schema: Mapping[str, Any]) -> str:
    if schema_type(schema) == "array":
        n = int(schema.get("maxItems", 0))
        return ngettext("Give at most %(num)d item.", "Give at most %(num)d items.", n)
    n = int(schema.get("maxLength", 0))
    return ngettext("Enter at most %(num)d character.", "Enter at most %(num)d characters.", n)


def _wrong_type(match: re.Match[str], _schema: Mapping[str, Any]) -> str:
    expected = match.group(1)
    if expected == "integer":
        return _("Enter a whole number.")
    if expected == "number":
        return _("Enter a number.")
    if expected == "boolean":
        return _("Tick the box or leave it empty.")
    return _("This value has the wrong kind.")


def _pattern(_m: re.Match[str], schema: Mapping[str, Any]) -> str:
    # The hint (the field's description) is shown with the field itself: pointed to, never repeated here.
    if schema_text(dict(schema), "description"):
        return _("This does not have the expected form: see the hint with the field.")
    return _("This does not have the expected form.")


def _not_before(match: re.Match[str], _schema: Mapping[str, Any]) -> str:
    if match.group(1) == "start":
        return _("This must not be before the start.")
    return _("This must not be before %(field)s.", field=match.group(1))


RULES: list[Rule] = [
    (re.compile(r"^is required$"), lambda m, s: _("This is required.")),
    (re.compile(r"^a reason is required when the decision is "),
     lambda m, s: _("Give a reason: it is required unless you approve.")),
    (re.compile(r"^must not be blank$"), lambda m, s: _("This cannot be blank.")),
    (re.compile(r"^must be one of: "), lambda m, s: _("Choose one of the options offered.")),
    (re.compile(r"^is not a field of this form$"), lambda m, s: _("This is not a field of this form.")),
    (re.compile(r"(should be non-empty|is too short|does not have enough properties)$"), _too_short),
    (re.compile(r"(is too long|is expected to be empty|has too many properties)$"), _too_long),
    (re.compile(r"^(is longer than \d+ characters|has more than \d+ items)$"), _too_long),
    (re.compile(r"^is already the grade \((\w+)\)"),
     lambda m, s: _("%(grade)s is already the grade: keep it with the other choice, or pick another grade.",
                    grade=m.group(1))),
    (re.compile(r"^must not be before (\S+)$"), _not_before),
    (re.compile(r"^the day has passed"), lambda m, s: _("That day has passed: pick today or a later day.")),
    (re.compile(r"^the day is before the last day of the step before it$"),
     lambda m, s: _("This day is before the last day of the step before it.")),
    (re.compile(r"^a schedule repeats"),
     lambda m, s: _("A schedule repeats: give a duration such as P5D (5 working days), not a day.")),
    (re.compile(r"^must be left empty with this decision$"),
     lambda m, s: _("Leave this empty with the choice you made.")),
    (re.compile(r"(contains a control character|contains an unpaired surrogate)"),
     lambda m, s: _("This contains characters that are not allowed.")),
    (re.compile(r"contains a bidirectional control character \((U\+[0-9A-F]+)\)"),
     lambda m, s: _("This holds a character that changes the direction of the text (%(char)s), which would make "
                    "it read differently from what it says: remove it.", char=m.group(1))),
    (re.compile(r"^(\d+) appraisal\(s\) of this cycle have no result yet"),
     lambda m, s: ngettext("%(num)d appraisal of this cycle has no result yet: finish it first, or tick this box "
                           "to cancel it.", "%(num)d appraisals of this cycle have no result yet: finish them "
                           "first, or tick this box to cancel them.", int(m.group(1)))),
    (re.compile(r"is less than (?:or equal to )?the minimum of (\S+)$"),
     lambda m, s: _("Enter %(limit)s or more.", limit=m.group(1))),
    (re.compile(r"is greater than (?:or equal to )?the maximum of (\S+)$"),
     lambda m, s: _("Enter %(limit)s or less.", limit=m.group(1))),
    (re.compile(r"is not of type '(\w+)'"), _wrong_type),
    (re.compile(r"is not a 'date'$"), lambda m, s: _("Enter a date as YYYY-MM-DD.")),
    (re.compile(r"is not a 'date-time'$"), lambda m, s: _("Enter a date and time.")),
    (re.compile(r"is not a 'email'$"), lambda m, s: _("Enter an e-mail address.")),
    (re.compile(r"does not match "), _pattern),
    (re.compile(r"is not one of "), lambda m, s: _("Choose one of the options offered.")),
    (re.compile(r"^data must be a JSON object$"), lambda m, s: _("The form could not be read; please try again.")),
]


def explain(message: str, schema: Mapping[str, Any] | None = None) -> str:
    """A field error in the user's language, fitted to the field's schema."""
    for pattern, say in RULES:
        match = pattern.search(message)
        if match:
            return say(match, schema or {})
    return message if len(message) <= MAX_SHOWN else message[:MAX_SHOWN] + "…"


def _bidi_in(field: str, char: str) -> str:
    """A one-line text holding a bidirectional control (``engine.text_input.line_problem``), by its field."""
    if field == "reason":
        return _("The reason holds a character that changes the direction of the text (%(char)s): remove it.",
                 char=char)
    return _("The name holds a character that changes the direction of the text (%(char)s): remove it.", char=char)


def _reason_required(purpose: str) -> str:
    """"a reason is required to <purpose>" (``engine.text_input.checked_reason``), by what the reason is for."""
    texts = {
        "cancel an instance": _("Give a reason for cancelling."),
        "return a request to an earlier step": _("Give a reason for returning the request."),
        "transfer a task": _("Give a reason for the transfer: the colleague sees it."),
        "withdraw a request": _("Give a reason for withdrawing the request."),
        "ask someone to act on a task (they see it)": _("Give a reason: the people you ask see it."),
    }
    return texts.get(purpose, _("Give a reason."))


ENGINE_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^wrong username or password$"), lambda m: _("Wrong username or password.")),
    (re.compile(r"^too many failed sign-ins"),
     lambda m: _("Too many failed sign-ins: this account is locked for a few minutes.")),
    (re.compile(r"^a comment cannot be empty$"), lambda m: _("A comment cannot be empty.")),
    (re.compile(r"^a comment is limited to"), lambda m: _("That comment is too long.")),
    (re.compile(r"does not have the role .* that task \d+ needs$"),
     lambda m: _("That person does not have the role this task needs.")),
    (re.compile(r"may only assign tasks to people who report to them$"),
     lambda m: _("You may only assign tasks to people who report to you.")),
    (re.compile(r"takes no start data$"), lambda m: _("This process takes no start data.")),
    (re.compile(r"^the (comment|reason|token name|password) contains (a control character|an unpaired surrogate)"),
     lambda m: _("This text contains characters that are not allowed.")),
    (re.compile(r"^the ([\w ]*?)\s?(reason|name) contains a bidirectional control character \((U\+[0-9A-F]+)\)"),
     lambda m: _bidi_in(m.group(2), m.group(3))),
    (re.compile(r"^a reason is required to (.+)$"), lambda m: _reason_required(m.group(1))),
    (re.compile(r"is not (an earlier step this request has passed|a user step of this process)"),
     lambda m: _("Choose one of the earlier steps offered.")),
    (re.compile(r"offers no return to an earlier step$"),
     lambda m: _("This step cannot return the request to an earlier step.")),
    (re.compile(r"has other steps under way; it can be returned only"),
     lambda m: _("This request has other steps under way: it can be returned only from its one open step.")),
    (re.compile(r"^the request with the Idempotency-Key .* was done at (.+) UTC, but its answer was lost"),
     lambda m: _("This request was done at %(time)s UTC, but the server stopped before giving its answer. It will "
                 "not be done again: look up what it did.", time=m.group(1))),
    (re.compile(r"^a reason is limited to"), lambda m: _("That reason is too long.")),
    (re.compile(r"^a token name is limited to"), lambda m: _("That name is too long.")),
    (re.compile(r"^job \d+ is \w+, not an incident$"), lambda m: _("That job is not an incident any more.")),
    (re.compile(r"^instance \d+ is already \w+$"), lambda m: _("This request has already ended.")),
    (re.compile(r"^(.+) may not see this request: mention only people"),
     lambda m: _("%(names)s may not see this request: mention only people who take part in it or oversee it.",
                 names=m.group(1))),
    (re.compile(r"^task \d+ (is already \w+|was completed or claimed by someone else|is claimed by someone else)"),
     lambda m: _("Someone else did or took it meanwhile.")),
    (re.compile(r"does not allow bulk approval"), lambda m: _("Its step does not allow bulk approval.")),
    (re.compile(r"^task \d+ is another step"), lambda m: _("It is another step: approve tasks of one step together.")),
    (re.compile(r"^choose at least one task to approve$"), lambda m: _("Tick at least one task to approve.")),
    (re.compile(r"^the last day of an absence cannot come before its first day$"),
     lambda m: _("The last day away cannot come before the first day.")),
    (re.compile(r"^an absence must not be over already"),
     lambda m: _("Those days are over already: choose dates from today on.")),
    (re.compile(r"^an absence may last at most (\d+) days$"),
     lambda m: _("An out-of-office may last at most %(count)s days.", count=m.group(1))),
    (re.compile(r"^the proxy must be someone else$"), lambda m: _("Choose someone else as your proxy.")),
    (re.compile(r"^name the person whose absence this is$"), lambda m: _("Choose the person who is away.")),
    (re.compile(r"^(\S+) is away themselves from (\S+) to (\S+): choose someone who is in$"),
     lambda m: _("%(name)s is away from %(start)s to %(end)s too: choose someone who is in.", name=m.group(1),
                 start=m.group(2), end=m.group(3))),
    (re.compile(r"^(\S+) is away from (\S+) to (\S+): ask someone who is in \(their proxy is (\S+)\)$"),
     lambda m: _("%(name)s is away from %(start)s to %(end)s: choose someone who is in (their proxy is %(proxy)s).",
                 name=m.group(1), start=m.group(2), end=m.group(3), proxy=m.group(4))),
    (re.compile(r"^the (first|last) day away must be a date$"), lambda m: _("Give the first and last day as dates.")),
    (re.compile(r"^a comment may mention at most (\d+) people$"),
     lambda m: _("A comment may mention at most %(count)s people.", count=m.group(1))),
    # Delegating and signers (委派, 加签, 减签)
    (re.compile(r"^the (reason|comment|note|change note|title) must be printable text of at most (\d+) characters$"),
     lambda m: _("The text must be printable and at most %(count)s characters long.", count=m.group(2))),
    (re.compile(r"^(\S+) holds the task: name someone else$"), lambda m: _("You hold this task: choose someone else.")),
    (re.compile(r"^(\S+) only reads \(role"),
     lambda m: _("%(name)s only reads and cannot act on a task.", name=m.group(1))),
    (re.compile(r"^(\S+) was already asked to act on this task$"),
     lambda m: _("%(name)s was already asked to act on this task.", name=m.group(1))),
    (re.compile(r"^(\S+) is not an added signer of task \d+$"),
     lambda m: _("%(name)s is not an added signer of this task.", name=m.group(1))),
    (re.compile(r"^(\S+) has already acted on task \d+"),
     lambda m: _("%(name)s has already acted on this task and can no longer be removed.", name=m.group(1))),
    (re.compile(r"^position must be before or after$"), lambda m: _("Choose before or after.")),
    (re.compile(r"^name at least one person$"), lambda m: _("Choose at least one person.")),
    (re.compile(r"^name at most (\d+) people at once$"),
     lambda m: _("Choose at most %(count)s people at once.", count=m.group(1))),
    (re.compile(r"^say why: a comment is needed unless you approve$"),
     lambda m: _("Say why: a comment is needed unless you approve.")),
    (re.compile(r"^decide one of: "), lambda m: _("Choose one of the options offered.")),
    (re.compile(r"^task \d+ is with (\S+) now; it comes back to you"),
     lambda m: _("This task is with %(name)s now; it comes back to you when they have acted.", name=m.group(1))),
    (re.compile(r"^task \d+ is not waiting for \S+'s signature$"),
     lambda m: _("This task is not waiting for your signature (any more).")),
    (re.compile(r"^task \d+ waits for your signature"),
     lambda m: _("This task waits for your signature, not its form.")),
    (re.compile(r"^task \d+ is already (completed|cancelled|expired)$"), lambda m: _("This task is already closed.")),
    (re.compile(r"^task \d+ has a delegate or added signers who have not acted"),
     lambda m: _("This task has a delegate or added signers who have not acted yet: remove the signers first, or "
                 "wait for them.")),
    # who may make a move, and moves on what has moved on (transfer, urge, withdraw, return)
    (re.compile(r" may not (.+) task \d+: only the person who holds it may$"),
     lambda m: _("Only the person who holds this task may do that.")),
    (re.compile(r" may not urge task \d+: only the request's starter"),
     lambda m: _("Only the request's starter and the managers above the step's holder may urge it.")),
    (re.compile(r" may not withdraw instance \d+: only its starter may$"),
     lambda m: _("Only the person who started the request may withdraw it.")),
    (re.compile(r"^instance \d+ can no longer be withdrawn: "),
     lambda m: _("This request can no longer be withdrawn: someone has already acted on it, or it has ended. "
                 "You may urge the holder instead.")),
    (re.compile(r" transfers its steps only to "),
     lambda m: _("%(name)s cannot receive this task: the process allows transfers only to the people listed.",
                 name="—")),
    (re.compile(r"^task \d+ is held by someone else; only its holder may return it$"),
     lambda m: _("Only the holder of this step may return the request.")),
    (re.compile(r"^task \d+ is (already \w+; only an open step can return|no longer waiting for input)"),
     lambda m: _("This task is already closed.")),
    # attachments (engine.runtime.file_types): the file's name, then why it was refused
    (re.compile(r"^the file has no name$"), lambda m: _("The file has no name.")),
    (re.compile(r"^the file name .* is a path"), lambda m: _("Give the file's own name, not a path.")),
    (re.compile(r"^the file name "), lambda m: _("That file name is not accepted.")),
    (re.compile(r"^(.+) is empty$"), lambda m: _("%(name)s is empty.", name=m.group(1))),
    (re.compile(r"^(.+) is [\d.]+ [KM]B: files are limited to ([\d.]+ MB)$"),
     lambda m: _("%(name)s is too big: files are limited to %(limit)s.", name=m.group(1), limit=m.group(2))),
    (re.compile(r"^(.+): (?:\.\w+ files are|files without an extension are) not accepted \(accepted: (.+)\)$"),
     lambda m: _("%(name)s: this type of file is not accepted (accepted: %(types)s).", name=m.group(1),
                 types=m.group(2))),
    (re.compile(r"^(.+) is not an? [\w ]+: (?:it is|its content)"),
     lambda m: _("%(name)s is not what its extension says, so it was refused.", name=m.group(1))),
    (re.compile(r"^at most (\d+) files at once$"), lambda m: _("Attach at most %(count)s files at once.",
                                                              count=m.group(1))),
    (re.compile(r"^task \d+ is already \w+: its form takes no more files$"),
     lambda m: _("This task is closed: its form takes no more files.")),
    # the organisation (engine.org: staffing, units, roles, record)
    (re.compile(r"^invalid username "),
     lambda m: _("A username is 2 to 63 lower-case letters, digits, “.”, “_” or “-”, starting with a letter.")),
    (re.compile(r"^user '(.+)' already exists$"),
     lambda m: _("The username %(name)s is taken: choose another.", name=m.group(1))),
    (re.compile(r"^a (person|user) needs at least one role"), lambda m: _("Choose at least one role.")),
    (re.compile(r"^unknown role\(s\): (.+?) \("), lambda m: _("Unknown role: %(roles)s.", roles=m.group(1))),
    (re.compile(r"^a person needs a name$"), lambda m: _("Enter a name.")),
    (re.compile(r"^a name is limited to (\d+) characters$"),
     lambda m: _("A name may have at most %(count)s characters.", count=m.group(1))),
    (re.compile(r"^the (name|display name|English name|Chinese name|English title|Chinese title) contains"),
     lambda m: _("This text contains characters that are not allowed.")),
    (re.compile(r"^invalid e-mail address "), lambda m: _("Enter a valid e-mail address.")),
    (re.compile(r"^unknown language "), lambda m: _("Choose Chinese or English.")),
    (re.compile(r"^(\S+) cannot report to themselves$"), lambda m: _("Nobody can report to themselves.")),
    (re.compile(r"^(\S+) has left \(is deactivated\): choose an active manager$"),
     lambda m: _("%(name)s has left: choose an active manager.", name=m.group(1))),
    (re.compile(r"^(\S+) cannot report to (\S+): "),
     lambda m: _("%(name)s cannot report to %(manager)s: %(manager)s reports to %(name)s (directly or through "
                 "others), so the reporting lines would go round in a circle.", name=m.group(1),
                 manager=m.group(2))),
    (re.compile(r"^(\S+) has left \(is deactivated\) and cannot head a unit$"),
     lambda m: _("%(name)s has left and cannot head a unit.", name=m.group(1))),
    (re.compile(r"^(\S+) is deactivated already$"), lambda m: _("%(name)s has left already.", name=m.group(1))),
    (re.compile(r"^(\S+) is active already$"), lambda m: _("%(name)s is active already.", name=m.group(1))),
    (re.compile(r"^you cannot deactivate yourself$"), lambda m: _("You cannot deactivate yourself.")),
    (re.compile(r"^hand (\S+)'s tasks over to someone else than "),
     lambda m: _("Hand the tasks over to someone other than the person leaving.")),
    (re.compile(r"^(\S+) holds (\d+) open task\(s\)"),
     lambda m: ngettext("%(name)s holds %(num)d open task: choose whom to hand it over to.",
                        "%(name)s holds %(num)d open tasks: choose whom to hand them over to.", int(m.group(2)),
                        name=m.group(1))),
    (re.compile(r"^(\S+) cannot be deactivated yet: "),
     lambda m: _("%(name)s cannot leave yet: first change what the page lists.", name=m.group(1))),
    (re.compile(r"^a change cannot take effect on a later day"),
     lambda m: _("A change cannot take effect on a later day: record it on the day it happens.")),
    (re.compile(r"^\w+ '(.+)' has a change on record effective (\S+): a new one cannot take effect before it"),
     lambda m: _("%(key)s has a change on record effective %(day)s: a new one cannot take effect before it.",
                 key=m.group(1), day=m.group(2))),
    (re.compile(r"^the day a change takes effect must be a date"),
     lambda m: _("Give the day it takes effect as a date, or leave it empty for today.")),
    (re.compile(r"^the organisation was changed by someone else meanwhile"),
     lambda m: _("Someone else changed the organisation at the same time: look again and retry.")),
    (re.compile(r"^invalid role key "),
     lambda m: _("A role's key is 2 to 64 lower-case letters, digits or “_”, starting with a letter.")),
    (re.compile(r"^role '(.+)' already exists$"),
     lambda m: _("The role %(key)s exists already: choose another key.", key=m.group(1))),
    (re.compile(r"^a role needs its (English|Chinese) title$"),
     lambda m: _("Enter the English title.") if m.group(1) == "English" else _("Enter the Chinese title.")),
    (re.compile(r"^a role's (English|Chinese) title is limited to (\d+) characters$"),
     lambda m: _("A title may have at most %(count)s characters.", count=m.group(2))),
]


def say(message: str) -> str:
    """An engine message (not about one field) in the user's language, when it is a known one."""
    for pattern, text in ENGINE_MESSAGES:
        match = pattern.search(message)
        if match:
            return text(match)
    return message
