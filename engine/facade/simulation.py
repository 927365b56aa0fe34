"""What-if simulation and route preview (流程预测): the model run on copies, nothing stored, nobody told."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import models
from ..definitions.catalog import DeployedProcess
from ..definitions.parser import parse_processes, read_documents
from ..errors import InvalidInput, NotAllowed
from ..modeler.drafts import DraftNotFound, bundle_of, find_draft
from ..org import rights
from ..org.people import Actor, Caller, Person, acting, known_roles, relationship_roles
from ..org.rights import Right, require
from ..runtime.instances import may_start
from ..runtime.task_loading import load_task
from ..simulation import backtest, model, run
from ..simulation import fit as fitting
from ..simulation.preview import RoutePreview, Timing, preview_route, typical_answers
from ..simulation.scenario import DEFAULT_DURATION, Duration, Scenario, apply_changes
from ..simulation.titles import step_titles, titled_result, titled_scenario
from ..simulation.views import BackTest, Comparison, FittedScenario, SimulationReport
from ..simulation.worktime import OfficeHours
from .core import Area, Core

PREVIEW_HISTORY = 500  # instances the route preview's times are fitted from
FIT_MEMO_SECONDS = 600.0


def _with_every_step(process: DeployedProcess, scenario: Scenario) -> Scenario:
    """The scenario with a default working time (n = 0: not fitted) for each step history has not seen, so that
    an analyst sees and may edit every step of the model (a draft's new one too)."""
    missing = {step: Duration(**DEFAULT_DURATION) for step in process.tasks  # type: ignore[arg-type]
               if step not in scenario.durations}
    return replace(scenario, durations={**scenario.durations, **missing}) if missing else scenario


class Simulation(Area):
    """Analysts (the model right) simulate; whoever may start a process previews its route."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        # the last fit, by (key, instances, limit): previews as a form changes need not read history each time
        self._memo: dict[tuple[str, int, int, str], tuple[float, Scenario, fitting.Observed]] = {}
        # per key, the most frequent answers of the fit's forms: counted again only when the fit is new
        self._typical: dict[str, tuple[object, dict[str, dict[str, Any]]]] = {}

    def _process(self, session: Session, key: str, draft: bool) -> DeployedProcess:
        """The latest deployed version of ``key`` or, with ``draft``, its saved draft parsed (not deployed)."""
        if not draft:
            return self.collaborators.catalog.latest(session, key)
        row = find_draft(session, key)
        if row is None:
            raise DraftNotFound(key)
        bundle = bundle_of(row.bpmn_name, row.bpmn_xml, json.loads(row.files_json))
        parsed = parse_processes(read_documents(bundle), known_roles(session), frozenset(relationship_roles(session)))
        found = [p for p in parsed if p.key == key]
        if not found:
            raise InvalidInput(f"the draft of {key} defines no process {key}")
        return model.draft_process(found[0])

    def _fit(self, session: Session, process: DeployedProcess, *, until: datetime | None = None,
             limit: int | None = None) -> tuple[Scenario, fitting.Observed]:
        """The scenario fitted from ``process``'s key's history (every version), remembered for a while."""
        # an analyst's fit is fresh with every new instance; a preview's (``limit``) is kept for a while
        count = session.scalar(select(func.count()).select_from(models.ProcessInstance)
                               .where(models.ProcessInstance.process_key == process.key)) or 0 if limit is None else 0
        memo = self._memo
        mark = (process.key, count, limit or 0, ",".join(model.roles_of(process)))
        hit = memo.get(mark)
        if until is None and hit is not None and time.monotonic() - hit[0] < FIT_MEMO_SECONDS:
            return _with_every_step(process, hit[1]), hit[2]
        fitted = fitting.fit_history(session, process.key, self.collaborators.calendar, model.roles_of(process),
                                     until=until, limit=limit)
        if until is None:
            for stale in [k for k, v in memo.items() if time.monotonic() - v[0] >= FIT_MEMO_SECONDS]:
                del memo[stale]
            memo[mark] = (time.monotonic(), *fitted)
        return _with_every_step(process, fitted[0]), fitted[1]

    def fit(self, by: Person, key: str, draft: bool = False) -> FittedScenario:
        """The scenario fitted from ``key``'s history, for the model of its latest version or its draft."""
        with self.core.reading() as session:
            require(acting(session, by), Right.MODEL, "simulate processes")
            process = self._process(session, key, draft)
            scenario, observed = self._fit(session, process)
            return FittedScenario(key, process.version, titled_scenario(scenario.as_json(), step_titles(process)),
                                  observed.summary())

    def simulate(self, by: Caller, key: str, changes: dict[str, Any] | None = None, draft: bool = False,
                 label: str = "", progress: run.Progress | None = None) -> SimulationReport:
        """Fit, apply the analyst's ``changes`` (a scenario JSON, whole or part), and run.

        :raise InvalidInput: a change that cannot be used. :raise NotAllowed: without the model right.
        """
        with self.core.reading() as session:
            require(acting(session, by), Right.MODEL, "simulate processes")
            process = self._process(session, key, draft)
            base, observed = self._fit(session, process)
            org = fitting.read_org(session)
        scenario = apply_changes(base, changes or {})
        return self._run(process, scenario, org, label or ("draft" if draft else "as is"), observed, progress)

    def _run(self, process: DeployedProcess, scenario: Scenario, org: model.Org, label: str,
             observed: fitting.Observed, progress: run.Progress | None) -> SimulationReport:
        began = time.perf_counter()
        result = run.simulate(process, scenario, org, self.collaborators.calendar,
                              model.runner_action(self.collaborators.runner), progress)
        seconds = time.perf_counter() - began
        titles = step_titles(process)
        shown = titled_scenario(scenario.as_json(), titles)
        data = shown.pop("data")
        forms = {"start": len(data.get("start", [])), **{k: len(v) for k, v in data.get("steps", {}).items()}}
        return SimulationReport(process.key, process.version, label, titled_result(result.as_json(), titles), shown,
                                forms, seconds, observed.summary())

    def compare(self, by: Caller, key: str, left: dict[str, Any], right: dict[str, Any],
                progress: run.Progress | None = None) -> Comparison:
        """Two runs side by side, each ``{"label", "draft": bool, "changes": {...}}``, with the same seed
        unless a change says otherwise."""
        reports = []
        for side in (left, right):
            if not isinstance(side, dict):
                raise InvalidInput("compare: each side must be an object")
            reports.append(self.simulate(by, key, side.get("changes") or {}, bool(side.get("draft")),
                                         str(side.get("label") or ""), progress))
        return Comparison(reports[0], reports[1])

    def back_test(self, by: Caller, key: str, split: datetime | None = None, seed: int = 1) -> BackTest:
        """Fit on the instances started before ``split`` (default: the middle one) and compare the median cycle
        time of those started after it (ended ones) with three runs of the fitted model: the later instances'
        actual arrivals and start forms replayed (the model's error: durations, branches, people, returns), the
        fitted arrival pattern (the forecast's error, arrivals included), and the fitted pattern at the later
        arrival rate; each several times (``simulation.backtest``)."""
        with self.core.reading() as session:
            require(acting(session, by), Right.MODEL, "simulate processes")
            process = self._process(session, key, False)
            starts = list(session.scalars(select(models.ProcessInstance.started_at)
                                          .where(models.ProcessInstance.process_key == key)
                                          .order_by(models.ProcessInstance.started_at)))
            if len(starts) < 20:
                raise InvalidInput(f"{key}: a back-test needs at least 20 instances, there are {len(starts)}")
            split = split or starts[len(starts) // 2]
            split = split if split.tzinfo else split.replace(tzinfo=UTC)
            base, before = fitting.fit_history(session, key, self.collaborators.calendar, model.roles_of(process),
                                               until=split)
            after_scenario, after = fitting.fit_history(session, key, self.collaborators.calendar,
                                                        model.roles_of(process), since=split)
            actual = fitting.read_arrivals(session, key, starts[0])
            org = fitting.read_org(session)
        observed = run.quantile(after.cycle_hours, 0.5)
        replayed, forecast, at_later_rate = backtest.run_ways(
            process, base, org, self.collaborators.calendar, model.runner_action(self.collaborators.runner), split,
            actual, (after.instances, after_scenario.arrivals.per_week), seed)

        def error(simulated: float | None) -> float | None:
            return round((simulated - observed) / observed, 4) if simulated is not None and observed else None

        def hours(value: float | None) -> float | None:
            return None if value is None else round(value, 2)

        return BackTest(key, split.isoformat(), before.instances, after.instances, base.arrivals.per_week,
                        after_scenario.arrivals.per_week, hours(observed), hours(forecast.median),
                        error(forecast.median), hours(at_later_rate.median), error(at_later_rate.median),
                        hours(run.quantile(before.cycle_hours, 0.5)), hours(replayed.median), error(replayed.median),
                        len(replayed.medians), replayed.spread, forecast.spread)

    def preview(self, by: Person, key: str, data: dict[str, Any]) -> RoutePreview:
        """The route a request with ``data`` would take: steps, who, when (流程预测). Nothing is stored.

        :raise NotAllowed: for someone who may not start ``key`` (nor model it). :raise ProcessError:
        """
        with self.core.reading() as session:
            actor = acting(session, by)
            process = self.collaborators.catalog.latest(session, key)
            if not (may_start(self.collaborators, process, actor) or rights.holds(actor, Right.MODEL)):
                raise NotAllowed(f"{actor.username} may not start {key}")
            if not isinstance(data, dict):
                raise InvalidInput("preview: the data must be a JSON object of form fields")
            start_fields = set((process.start_form or {}).get("properties", {}))
            given_start = data.get("start") if isinstance(data.get("start"), dict) else {
                k: v for k, v in data.items() if k in start_fields}
            start = {**model.default_form(process.start_form), **(given_start or {})}
            workflow = self.collaborators.runner.new(process, start)
            return self._preview(session, actor, process, workflow, data, False, actor.id)

    def next_steps(self, by: Person, task_id: int, data: dict[str, Any] | None = None) -> RoutePreview:
        """What happens after an open task, for its instance's data (and ``data`` assumed for the next
        steps): the instance's state is loaded and run on a copy."""
        with self.core.reading() as session:
            actor = acting(session, by)
            task, instance = load_task(session, task_id)
            rights.require_see_task(session, actor, task, instance)
            process = self.collaborators.catalog.get(session, instance.definition_id)
            workflow = self.collaborators.runner.load(process, instance.state_json)
            return self._preview(session, actor, process, workflow, data or {}, True, instance.started_by_id)

    def _preview(self, session: Session, actor: Actor, process: DeployedProcess, workflow: Any,
                 data: dict[str, Any], from_instance: bool, starter_id: int) -> RoutePreview:
        """``starter_id``: whose request it is (routing by the starter's manager or unit)."""
        scenario, observed = self._fit(session, process, limit=PREVIEW_HISTORY)
        timing = Timing(observed.waiting_hours, {k: v.median_hours for k, v in scenario.durations.items()},
                        OfficeHours(self.collaborators.calendar, scenario.office_hours), observed.instances)
        history = scenario.data.get("steps", {})
        known = self._typical.get(process.key)
        if known is None or known[0] is not history:  # the fit is a new one (the memo hands out the same forms)
            known = self._typical[process.key] = (history, typical_answers(history))
        return preview_route(session, self.collaborators, process, workflow, starter_id, data, known[1], timing,
                             self.collaborators.clock(), actor.username, skip_ready=from_instance)
