"""Typed SQLAlchemy 2.0 models: organisation, definitions, instances, tasks and history.

Definitions (a deployed process version) and instances (one run of a version) are separate
tables; the parsed spec lives on the definition, an instance stores only its task tree.

Split by concern (``org``, ``definitions``, ``instances``, ``history``, ``scheduling``); import from here.
"""

from .attachments import Attachment, AttachmentBlob
from .base import OPEN_HELD, OPEN_UNCLAIMED, Base
from .definitions import DefinitionFile, ProcessDefinition, ProcessDraft, TaskDefinition
from .history import AuditAccess, HeatBlock, HistoryEvent, HistoryTree, InstanceHeat, OrgRecord
from .instances import ApprovalStep, BatchOpening, HumanTask, InstanceCopy, ProcessInstance, TaskComment
from .org import (
    ApiToken,
    DirectoryRevision,
    OrgUnit,
    OutOfOffice,
    PasswordLink,
    Role,
    SignInAttempt,
    SignInThrottle,
    User,
    UserRole,
)
from .scheduling import CalendarDay, Job, Notification, RequestKey, Schedule, SharedSetting, WorkerHeartbeat

__all__ = ["OPEN_HELD", "OPEN_UNCLAIMED", "ApiToken", "ApprovalStep", "Attachment", "AttachmentBlob", "AuditAccess",
           "Base", "BatchOpening", "CalendarDay", "DefinitionFile", "DirectoryRevision", "HeatBlock", "HistoryEvent",
           "HistoryTree",
           "HumanTask", "InstanceCopy", "InstanceHeat", "Job", "Notification", "OrgRecord", "OrgUnit", "OutOfOffice",
           "PasswordLink", "ProcessDefinition", "ProcessDraft", "ProcessInstance", "RequestKey", "Role", "Schedule",
           "SharedSetting",
           "SignInAttempt", "SignInThrottle", "TaskComment", "TaskDefinition", "User", "UserRole", "WorkerHeartbeat"]
