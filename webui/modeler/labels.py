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
        **data_key_labels(),
        "Instructions (English)": _("Instructions (English)"), "Instructions (Chinese)": _("Instructions (Chinese)"),
        "Shows the data of (steps)": _("Shows the data of (steps)"),
        "context.hint": _("Step ids, comma separated, whose data the task shows (e.g. start,research)."),
        "Assignee (relationship lanes)": _("Assignee (relationship lanes)"),
        "assignee.hint": _("In lanes such as employee or appraiser: the data path of the person, e.g. start.employee."),
        "Due window": _("Due window"),
        "due.hint": _("ISO 8601 duration in working days, e.g. P3D or PT4H; a date, e.g. 2027-01-15; or a data "
                      "path holding one."),
        "Tell on completion": _("Tell on completion"), "Tell at the end": _("Tell at the end"),
        "notify.hint": _("Data paths of the people to notify, comma separated, e.g. start.employee."),
        "CC when completed": _("CC when completed"),
        "CC when the process ends here": _("CC when the process ends here"),
        "copy.hint": _("Copied (抄送): they are told and may read the request. Comma separated: role keys, starter, "
                       "starter_manager or ${start.field} (a username in the data)."),
        "Pre-script": _("Pre-script"), "Start form": _("Start form"), "Instance title": _("Instance title"),
        "instance-title.hint": _("With placeholders, e.g. ${start.title} (${start.period})."),
        "Business key": _("Business key"),
        **countersign_labels(), **approval_rule_labels(),
    }


def data_key_labels() -> dict[str, str]:
    """The data key field of a user task (the task's id, where the engine keeps what its form collects)."""
    return {
        "Data key": _("Data key"),
        "datakey.hint": _("The task's id: its data is stored under it, and scripts and conditions read it as "
                          "key['field']. Letters, digits and _, starting with a letter."),
        "datakey.required": _("Name the data key."),
        "datakey.invalid": _("A data key: letters, digits and _, starting with a letter, not a Python word."),
        "datakey.taken": _("This id is already used in the diagram; choose another."),
        "datakey.generated": _("A generated id: give this step's data a readable key."),
        "datakey.proposal": _("For example:"),
    }


def countersign_labels() -> dict[str, str]:
    """The countersign group of a user task (countersign-entries.jsx); its values are engine/definitions'."""
    return {
        "countersign": _("Countersign"), "countersign.mode": _("Who decides"),
        "countersign.off": _("One person (no countersign)"),
        "countersign.all": _("All must approve (countersign)"),
        "countersign.any": _("Any one decides for all (or-sign)"),
        "countersign.votes": _("A number of them must approve (vote)"),
        "countersign.inTurn": _("One after another, all must approve (in turn)"),
        "countersign.custom": _("Custom (as written in the XML)"),
        "countersign.hint": _("Several people decide this step, each with a task of their own."),
        "countersign.collects": _("Each decision is collected in %(votes)s (who, decision, comment), for the "
                                  "steps after this one (a script or a gateway) to act on."),
        "countersign.people": _("People (a variable listing their usernames)"),
        "countersign.people.hint": _("Set before this step, e.g. by a script task: signers = "
                                     "role_holders('director') + role_holders('branch_gm'); or a list of "
                                     "usernames in the start form. The step's form needs a decision field."),
        "countersign.people.required": _("Name the variable that lists the people."),
        "countersign.people.invalid": _("A variable name: letters, digits and _, not starting with a digit, "
                                        "not a Python word."),
        "countersign.people.reserved": _("This name is taken by the task or its decisions; choose another."),
        "countersign.people.taken": _("This name is already an id in the diagram; choose another."),
        "countersign.needed": _("Approvals needed"),
        "countersign.needed.hint": _("The round passes once this many approve; a veto ends it at once."),
        "countersign.needed.invalid": _("A whole number, 1 or more."),
        "countersign.condition": _("Completion condition (Python)"),
        "countersign.condition.hint": _("Ends the round early. It sees the decision just made as %(vote)s and "
                                        "the round's counts as countersign['tally']."),
    }


def approval_rule_labels() -> dict[str, str]:
    """The approval moves group of a user task and of a process (approval-rules.jsx)."""
    return {
        "moves": _("Approval moves"), "rule.refused": _("not accepted by the engine"),
        "returnAllowed": _("Return to an earlier step"),
        "returnAllowed.hint": _("Whether whoever does this step may return the request to any step it has "
                                "passed. Countersign steps never offer it."),
        "returnAllowed.default": _("Allowed (default)"), "returnAllowed.true": _("Allowed"),
        "returnAllowed.false": _("Not offered at this step"),
        "afterReturn": _("When this step returns a request"),
        "afterReturn.hint": _("What the step returned to does once it is completed again."),
        "afterReturn.default": _("It comes straight back here (default)"),
        "afterReturn.straightBack": _("It comes straight back here"),
        "afterReturn.walkOn": _("It walks on through the steps as drawn"),
        "bulkApprove": _("Bulk approval"),
        "bulkApprove.hint": _("Whether the inbox may approve several of this step's tasks with one comment."),
        "bulkApprove.default": _("Off (default)"), "bulkApprove.true": _("On (approve only)"),
        "bulkApprove.false": _("Off"),
        "transferRule": _("Transfer a step to"),
        "transferRule.hint": _("To whom the holder of a step may transfer it."),
        "transferRule.default": _("Holders of its role, or colleagues under the same manager (default)"),
        "transferRule.anyone": _("Anyone"), "transferRule.department": _("Someone of the same department"),
        "transferRule.role": _("Holders of the step's role only"),
        "whenNoHolder": _("When nobody holds a step's role"),
        "whenNoHolder.hint": _("Where the step goes then; never a task nobody can see."),
        "whenNoHolder.default": _("To the admins (default)"), "whenNoHolder.admins": _("To the admins"),
        "whenNoHolder.manager": _("To the starter's manager"),
        "whenNoHolder.refuse": _("Refused with a clear message"),
        "skipSameApprover": _("Same approver twice in a row"),
        "skipSameApprover.hint": _("When the person who just approved would approve the next step too."),
        "skipSameApprover.default": _("Asked again (default)"),
        "skipSameApprover.true": _("Passed automatically, recorded as such"),
        "skipSameApprover.false": _("Asked again"),
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
        "conflict": _("Someone else saved this draft meanwhile: reload the page to see their changes."),
        "conflictBy": _("%(who)s saved this draft (version %(theirs)s) after you opened version %(mine)s. Nothing "
                        "was overwritten: compare what each of you changed, then choose."),
        "conflictUnknown": _("Someone else saved this draft meanwhile, and it could not be read: reload the page."),
        "olderCopy": _("Your unsaved changes were made on version %(mine)s; %(who)s saved version %(theirs)s since. "
                       "Compare, then choose."),
        "openTheirs": _("Open their version (my changes stay in this browser)"),
        "saveMineOver": _("Save my version over theirs"),
        "openedTheirs": _("Their version is open. Your changes are kept in this browser."),
        "keepTheirs": _("Keep their version and forget my changes"), "keptTheirs": _("Their version is kept."),
        "useMine": _("Open my changes instead (saving replaces their version)"),
        "change.added": _("added"), "change.changed": _("changed"), "change.removed": _("removed"),
        "notChanged": _("not changed"), "notInBase": _("not in the base"),
        "noElementChanges": _("No element differs (layout or files only)."),
        "baseUnknown": _("The base version is not known in this browser: mine is compared with theirs."),
        "bothChanged": _("%(count)s element(s) changed on both sides: marked below."),
        "deployed": _("Deployed %(key)s version %(version)s."),
        "unchanged": _("Nothing changed since version %(version)s: no new version."),
        "discarded": _("The draft of %(key)s was discarded."), "discardFailed": _("Could not discard the draft."),
        "importWarnings": _("The file opened with warnings:"), "importFailed": _("The file could not be opened:"),
        "imported": _("File opened; save to validate it."),
        "dmnMissing": _("The decision table editor did not load."),
        "tryNotJson": _("The inputs are not JSON:"), "tryFailed": _("The table could not be evaluated."),
        "tryResult": _("Rules that match: %(rules)s. Result: %(result)s"),
    }
