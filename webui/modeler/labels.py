"""The texts the modeler's scripts show, translated on the server (the page hands them over as data)."""

from __future__ import annotations

from engine.definitions.sandbox import rules

from ..i18n import _


def sandbox_rules() -> str:
    shown = rules()
    seconds, max_range, items = "{:g}".format(shown["time_limit_s"]), "{:,}".format(shown["max_range"]), \
        "{:,}".format(shown["max_sequence"])
    return _("Scripts run in a sandbox: Python without imports, try, ** or names starting with _; at most "
             "%(seconds)s s and %(mib)s MiB per run; range() up to %(range)s items, texts and lists up to "
             "%(items)s items. Built-ins: %(builtins)s. Task data are plain variables.",
             seconds=seconds, mib=shown["memory_limit_mib"], range=max_range, items=items,
             builtins=", ".join(shown["builtins"]))


def panel_labels() -> dict[str, str]:
    """Labels of opsflow's properties panel group (keys as in opsflow-properties.jsx)."""
    return {
        "opsflow": _("opsflow"), "(none)": _("(none)"), "(no role)": _("(no role)"), "unknown role": _("unknown role"),
        "form.hint": _("Forms of this draft; make a new one in the Forms tab."),
        "Role (the lane name)": _("Role (the lane name)"),
        "lane.hint": _("The lane's name is the role whose members do its tasks."),
        "Who may start (roles, comma separated)": _("Who may start (roles, comma separated)"),
        "Script (Python, sandboxed)": _("Script (Python, sandboxed)"), "sandbox.rules": sandbox_rules(),
        "Condition (Python expression)": _("Condition (Python expression)"),
        "condition.hint": _("For example: manager_review['decision'] == 'approve'"),
        "Decision table": _("Decision table"), "Form": _("Form"), "Title in Chinese": _("Title in Chinese"),
        "Instructions (English)": _("Instructions (English)"), "Instructions (Chinese)": _("Instructions (Chinese)"),
        "Shows the data of (steps)": _("Shows the data of (steps)"),
        "context.hint": _("Step ids, comma separated, whose data the task shows (e.g. start,research)."),
        "Assignee (relationship lanes)": _("Assignee (relationship lanes)"),
        "assignee.hint": _("In lanes such as employee or appraiser: the data path of the person, e.g. start.employee."),
        "Due window": _("Due window"),
        "due.hint": _("ISO 8601 duration in working days, e.g. P3D or PT4H; or a data path holding one."),
        "Tell on completion": _("Tell on completion"), "Tell at the end": _("Tell at the end"),
        "notify.hint": _("Data paths of the people to notify, comma separated, e.g. start.employee."),
        "Pre-script": _("Pre-script"), "Start form": _("Start form"), "Instance title": _("Instance title"),
        "instance-title.hint": _("With placeholders, e.g. ${start.title} (${start.period})."),
        "Business key": _("Business key"),
    }


def page_texts() -> dict[str, str]:
    """Messages of the editor page's script (``%(name)s`` placeholders are filled in by the script)."""
    return {
        "noProblems": _("No problems found."), "wholeDiagram": _("The diagram"), "error": _("Error"),
        "warning": _("Warning"), "restored": _("Unsaved changes from this browser were restored; save to keep them."),
        "unsaved": _("Unsaved changes (kept in this browser until you save)."), "saving": _("Saving and validating…"),
        "saved": _("Saved. No errors: ready to deploy."),
        "savedWithErrors": _("Saved with %(count)s error(s): fix them before deploying."),
        "saveFailed": _("Could not save."), "noteNeeded": _("Write a change note before deploying."),
        "deploying": _("Deploying…"), "deployFailed": _("Not deployed."), "offline": _("The server did not answer:"),
        "notDeployed": _("Not deployed: fix the errors listed."),
        "conflict": _("Someone else changed this draft: %(detail)s"),
        "deployed": _("Deployed %(key)s version %(version)s."),
        "unchanged": _("Nothing changed since version %(version)s: no new version."),
        "discarded": _("The draft of %(key)s was discarded."), "discardFailed": _("Could not discard the draft."),
        "importWarnings": _("The file opened with warnings:"), "importFailed": _("The file could not be opened:"),
        "imported": _("File opened; save to validate it."),
        "dmnMissing": _("The decision table editor did not load."),
    }
