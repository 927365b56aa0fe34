"""The engine: every use case as a method, each one transaction that commits or leaves nothing.

The methods are grouped by area in the modules beside this one; each calls its use case in
``engine.<area>`` directly, inside ``self.transaction()``.
"""

from __future__ import annotations

from .appraisal import AppraisalUseCases
from .audit import AuditUseCases
from .definitions import DefinitionUseCases
from .exports import ExportUseCases
from .history import HistoryUseCases
from .integrity import IntegrityUseCases
from .modeler import ModelerUseCases
from .nodes import NodeUseCases
from .operations import OperationsUseCases
from .org import OrgUseCases
from .scheduling import SchedulingUseCases
from .work import WorkUseCases


class Engine(OrgUseCases, DefinitionUseCases, WorkUseCases, HistoryUseCases, SchedulingUseCases,
             AppraisalUseCases, NodeUseCases, ExportUseCases, IntegrityUseCases, AuditUseCases,
             ModelerUseCases, OperationsUseCases):
    """Runs use cases; each method is one transaction that commits or leaves nothing."""
