"""How the audit pages word and lay out what the engine gives: steps, data before and after, durations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.audit.views import AuditFollowUp, AuditStep
from engine.runtime.views import StepForm

from ..context import display_name
from ..forms.context_view import label_of, scalar_text
from ..i18n import _, decision_tone, enum_label, pick, schema_text
from ..instances.status import status_text


def step_text(kind: str) -> str:
    texts = {
        "instance_started": _("started the process"), "task_completed": _("completed"), "task_claimed": _("took"),
        "task_unclaimed": _("gave back to the team"), "task_assigned": _("assigned"),
        "comment_added": _("commented on"), "instance_cancelled": _("cancelled the process"),
        "instance_copied": _("copied the request to others"),
        "task_transferred": _("transferred to a colleague"), "task_urged": _("urged the holder of"),
        "instance_withdrawn": _("withdrew the request"),
        "task_delegated": _("delegated"), "delegation_done": _("did the delegated work on"),
        "signers_added": _("added signers to"), "task_signed": _("signed"),
        "awaiting_signers": _("decided, waiting for the added signers, on"),
        "signer_removed": _("removed a signer from"),
        "task_returned": _("returned the request to an earlier step from"),
        "returned_straight_back": _("The request went straight back to the step that returned it, from"),
        "attachment_added": _("attached a file to"),
        "task_auto_passed": _("Passed automatically (same approver)"),
        "timer_fired": _("A deadline passed"), "reminder_sent": _("A reminder was sent for"),
        "task_overdue": _("Overdue, reported to the holder's manager"), "error": _("The process model failed at"),
        "countersign_started": _("A countersign began at"), "countersign_ended": _("A countersign ended at"),
        "separation_overridden": _("allowed an exception to separation of duties on"),
        "separation_refused": _("was refused by separation of duties at"),
    }
    return texts.get(kind, kind.replace("_", " "))


def move_labels() -> dict[str, str]:
    """The search's moves (``engine.audit.move_search.MOVES``), in the reader's language, in the form's order."""
    return {
        "transferred": _("Transferred to a colleague"), "delegated": _("Delegated"),
        "signers_added": _("Signers added"), "signer_removed": _("An added signer removed"),
        "countersigned": _("Countersigned"), "returned": _("Returned to an earlier step"),
        "withdrawn": _("Withdrawn by the starter"), "urged": _("Urged"), "copied": _("Copied to others"),
        "attached": _("Files attached"), "auto_passed": _("Passed automatically (same approver)"),
        "on_behalf_of": _("Handled on behalf of someone away"),
    }


@dataclass
class Row:
    """One changed value: its label, the text before and after, and whether it is new or gone."""

    label: str
    before: str
    after: str
    state: str = "changed"  # changed, added, removed


@dataclass
class Change:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)


def _script_keys() -> dict[str, str]:
    """Labels of the data the shipped market plan's scripts keep (no form describes it)."""
    return {"return_count": _("Rework rounds used"), "max_returns": _("Rework rounds allowed"),
            "rework_allowed": _("Rework allowed"), "rework_target": _("Rework goes to"),
            "allowed_decisions": _("Decisions allowed"), "joint_signoff_needed": _("Countersign needed"),
            "joint_signers": _("Countersign by"), "joint_votes": _("Countersign decisions"),
            "joint_result": _("Countersign result")}


def _form(forms: Mapping[str, StepForm], key: str) -> tuple[str, dict[str, Any]]:
    form = forms.get(key)
    schema = form.schema if form is not None else {}
    title = schema_text(schema) or (pick(form.title, form.title_zh) if form is not None else "")
    return title or _script_keys().get(key) or label_of(key), schema


def _text(schema: dict[str, Any], value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):  # a list field's rows
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return "; ".join(f"{n}. {_fields_text(items or {}, v)}" for n, v in enumerate(value, 1))
    if isinstance(value, dict):
        return _fields_text(schema, value) or "—"
    return "—" if value is None else scalar_text(schema, value) or "—"


def _in_form_order(schema: dict[str, Any], keys: Iterable[str]) -> list[str]:
    """``keys`` in the order the form lists its fields, those it does not list after them."""
    props = schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else {}
    wanted = list(dict.fromkeys(keys))
    return [k for k in props if k in wanted] + [k for k in wanted if k not in props]


def _fields_text(schema: dict[str, Any], value: dict[str, Any]) -> str:
    """An object's fields with their labels, in form order: "Item: Flyers, Amount: ¥3,000.00"."""
    props = schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else {}
    return ", ".join(f"{schema_text(props.get(k) or {}) or label_of(k)}: {_text(props.get(k) or {}, value[k])}"
                     for k in _in_form_order(schema, value))


def changes(step: AuditStep, forms: Mapping[str, StepForm]) -> list[Change]:
    """A step's data changes as rows: a form's fields (only those that changed), or one value."""
    result = []
    for change in step["changes"]:
        title, schema = _form(forms, change["key"])
        before, after = change["before"], change["after"]
        shown = Change(change["key"], title)
        props = schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else {}
        if isinstance(after, dict) or isinstance(before, dict):
            old = before if isinstance(before, dict) else {}
            new = after if isinstance(after, dict) else {}
            keys = _in_form_order(schema, change["changed_fields"] if old and new else list(new or old))
            for key in keys:
                field_schema = props.get(key) or {}
                state = "added" if key not in old else "removed" if key not in new else "changed"
                shown.rows.append(Row(schema_text(field_schema) or label_of(key), _text(field_schema, old.get(key)),
                                      _text(field_schema, new.get(key)), state))
        else:
            state = "added" if change["added"] else "removed" if change["removed"] else "changed"
            shown.rows.append(Row(title, _text({}, before), _text({}, after), state))
        result.append(shown)
    return result


def decision_of(step: AuditStep, forms: Mapping[str, StepForm]) -> tuple[str, str]:
    """The decision of a step in the user's language, with its tone (ok/warn)."""
    value = step["decision"]
    if not value:
        return "", ""
    _title, schema = _form(forms, step["task_name"] or "")
    field_schema = schema.get("properties", {}).get("decision", {})
    return enum_label(field_schema, value), decision_tone(field_schema, value)


def follow_up_text(item: AuditFollowUp, task_title: Callable[[str | None], str]) -> str:
    """What the engine did after a step, in words (``task_title`` names an element in the user's language)."""
    kind = item["kind"]
    if kind == "gateway_path":
        targets = ", ".join(task_title(t) for t in item["to"] or [])
        return _("%(gateway)s → %(to)s", gateway=task_title(item["gateway"]), to=targets)
    if kind == "task_created":
        return _("Waiting for: %(step)s", step=task_title(item["task_name"]))
    if kind == "task_expired":
        return _("Closed unfinished at its deadline: %(step)s", step=task_title(item["task_name"]))
    if kind == "instance_ended":
        end = status_text({"status": "completed", "end_event": item["end_event"]})
        return _("The process ended: %(end)s", end=str(end))
    return str(kind).replace("_", " ")


def duration(seconds: float | None) -> str:
    """A duration in at most two units ("1 d 4 h", "35 min"), for medians and p90s."""
    if seconds is None:
        return "—"
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h", days=days, hours=hours)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    if minutes:
        return _("%(minutes)d min %(seconds)d s", minutes=minutes, seconds=secs)
    return _("%(seconds)d s", seconds=secs)


def person(username: str | None) -> str:
    return display_name(username) if username else ""


def what_label(what: str) -> str:
    """A kind of look of the access log, in words."""
    labels = {"search": _("Search results"), "instance": _("Instance view"), "replay": _("Replay of a step"),
              "diagram": _("Diagram"), "heatmap": _("Heatmap"), "access_log": _("Access log"),
              "export": _("Export")}
    return labels.get(what, what)


def late_text(minutes: int) -> str:
    """How late a step was, in days, hours and minutes of the clock ("1 d 3 h", "2 h 05 min", "12 min")."""
    days, rest = divmod(max(0, minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h", days=days, hours=hours)
    if hours:
        return _("%(hours)d h %(minutes)02d min", hours=hours, minutes=mins)
    return _("%(minutes)d min", minutes=mins)
