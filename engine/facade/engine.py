"""The engine: opsflow's use cases by area, each use case one transaction that commits or leaves nothing.

    engine.work         employees: requests, the inbox, tasks, comments, notifications
    engine.audit        auditors: search, the instance step by step, replay, heatmaps, proof, exports
    engine.modeler      analysts: drafts, validation, deploys with a note, versions, diffs, migrations
    engine.definitions  deploying bundles (the CLI's files, the API's uploads)
    engine.org          people and roles, rights, signing in, API tokens
    engine.passwords    set-password links e-mailed to people
    engine.appraisal    appraisal cycles and their dashboard
    engine.boards       the process packs' boards: complaints by SLA state, hazards by severity and age
    engine.ops          operators: incidents, jobs, workers, retries, scheduled starts
    engine.calendar     the working-day calendar
    engine.setup        the schema and shipped content, health, the nodes' shared secret
    engine.separation   separation of duties: overriding a step's rule for one task, the auditors' report
    engine.requests     the answers kept for requests sent with a key (retries never double)
    engine.simulation   analysts' what-if runs of the real model, and the route preview (流程预测)

Every use case names who acts as its first argument: a ``Person`` (whose rights the use case asks) or,
where the types allow it, an ``Operator`` (who runs opsflow against the database and holds every right).
"""

from __future__ import annotations

from sqlalchemy import Engine as DbEngine
from sqlalchemy.orm import Session, sessionmaker

from ..runtime.collaborators import Collaborators
from .appraisal import Appraisal
from .audit import Audit
from .boards import Boards
from .calendar import Calendar
from .core import Core
from .definitions import Definitions
from .modeler import Modeler
from .ops import Ops
from .org import Org
from .passwords import Passwords
from .requests import Requests
from .separation import Separation
from .setup import Setup
from .simulation import Simulation
from .work import Work


class Engine:
    """opsflow's use cases, by area (see the module's docstring)."""

    def __init__(self, database: DbEngine, session_factory: sessionmaker[Session],
                 collaborators: Collaborators) -> None:
        self.core = Core(database, session_factory, collaborators)
        self.db = database
        self.collaborators = collaborators
        self.work = Work(self.core)
        self.audit = Audit(self.core)
        self.modeler = Modeler(self.core)
        self.definitions = Definitions(self.core)
        self.org = Org(self.core)
        self.passwords = Passwords(self.core)
        self.appraisal = Appraisal(self.core)
        self.boards = Boards(self.core)
        self.ops = Ops(self.core)
        self.calendar = Calendar(self.core)
        self.setup = Setup(self.core)
        self.separation = Separation(self.core)
        self.requests = Requests(self.core)
        self.simulation = Simulation(self.core)
