"""What happens beside the plain flow in a simulated run (no database): the model's timers fire on the virtual
clock (a boundary deadline from ``working_deadline``, a duration timer), a due window makes steps overdue, fitted
returns send a request back to an earlier step that runs again, and people away leave their role's work waiting;
the scenario's new parts are checked like the others. A replayed list of arrivals is run as given."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from engine.calendar import WorkingCalendar
from engine.definitions.bundle import DefinitionBundle
from engine.definitions.catalog import DeployedProcess
from engine.definitions.parser import parse_processes, read_documents
from engine.errors import InvalidInput
from engine.simulation import detours, run
from engine.simulation.model import Org, draft_process
from engine.simulation.scenario import Arrivals, Duration, Scenario, apply_changes
from engine.simulation.timers import due_at

CALENDAR = WorkingCalendar({})
NOTE = {"type": "object", "properties": {"note": {"type": "string"}}}
MONDAY = date(2026, 3, 2)
MONDAY_9 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 China time


def _task(name: str, incoming: str, outgoing: str, extra: str = "") -> str:
    return f"""<bpmn:userTask id="{name}" name="{name}">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="t/note.json" />{extra}
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing>
    </bpmn:userTask>"""


def process(body: str, lanes: dict[str, list[str]]) -> DeployedProcess:
    """A small process (key ``t``) of the given flow elements, parsed as a draft is."""
    lane_xml = "".join(f'<bpmn:lane id="lane_{role}" name="{role}">'
                       + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes) + "</bpmn:lane>"
                       for role, nodes in lanes.items())
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="t_definitions" targetNamespace="http://opsflow.example/bpmn">
  <bpmn:process id="t" name="T" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="startRoles" value="staff" />
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:laneSet id="lanes">{lane_xml}</bpmn:laneSet>
    {body}
  </bpmn:process>
</bpmn:definitions>"""
    bundle = DefinitionBundle("t.bpmn", xml.encode(), forms={"t/note.json": json.dumps(NOTE).encode()})
    [parsed] = parse_processes(read_documents(bundle), set(lanes))
    return draft_process(parsed)


# review, with a deadline of 3 working days (a boundary timer whose date the model computes with
# working_deadline, as the appraisal's self-assessment does); a lapse ends at "lapsed", a review done in time
# waits 48 hours on a duration timer before it ends at "done".
DEADLINE = process("""
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="set_due" />
    <bpmn:scriptTask id="set_due" name="Set the deadline"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>review_due = working_deadline('P3D')</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="set_due" targetRef="review" />
    """ + _task("review", "f2", "f3") + """
    <bpmn:boundaryEvent id="review_deadline" attachedToRef="review" cancelActivity="true">
      <bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:timerEventDefinition id="review_timer"><bpmn:timeDate>review_due</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="cool_off" />
    <bpmn:intermediateCatchEvent id="cool_off"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:timerEventDefinition id="cool_timer"><bpmn:timeDuration>'PT48H'</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f5" sourceRef="cool_off" targetRef="done" />
    <bpmn:endEvent id="done"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="review_deadline" targetRef="lapsed" />
    <bpmn:endEvent id="lapsed"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
""", {"staff": ["review"]})

# write -> check -> sign, plain; check has a due window of one working day (the engine's reminder/escalation).
CHAIN = process("""
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="write" />
    """ + _task("write", "f1", "f2") + """
    <bpmn:sequenceFlow id="f2" sourceRef="write" targetRef="check" />
    """ + _task("check", "f2", "f3", '<spiffworkflow:property name="dueWindow" value="P1D" />') + """
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="sign" />
    """ + _task("sign", "f3", "f4") + """
    <bpmn:sequenceFlow id="f4" sourceRef="sign" targetRef="done" />
    <bpmn:endEvent id="done"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
""", {"staff": ["write"], "checker": ["check"], "boss": ["sign"]})


def scenario(hours: dict[str, float], people: dict[str, int], cases: int = 5, **changes: Any) -> Scenario:
    """Requests far apart (no queues), fixed working times (no spread)."""
    base = Scenario(cases, 3, MONDAY, Arrivals(2.0), {k: Duration(math.log(v), 0.0, 10) for k, v in hours.items()},
                    people, {})
    return apply_changes(base, changes)


def simulate(proc: DeployedProcess, scen: Scenario, arrivals: list[run.Arrival] | None = None) -> run.SimulationResult:
    return run.simulate(proc, scen, Org({}, {}), CALENDAR, lambda action: action(), arrivals=arrivals)


def test_a_boundary_deadline_fires_on_the_virtual_clock_and_closes_the_step():
    result = simulate(DEADLINE, scenario({"review": 100.0}, {"staff": 1}))  # 100 office hours: past the deadline
    assert result.failed == 0 and result.completed == 5 and result.ends == {"lapsed": 5}
    assert result.steps["review"].expired == 5 and result.timers_fired == 5
    # each case ended when its deadline (3 working days after it started, as working_deadline says) passed
    for hours in result.cycle_hours:
        assert 72 <= hours <= 72 + 48 + 1 / 3600  # 3 working days, a weekend at most inside them


def test_a_step_done_in_time_goes_on_and_a_duration_timer_waits_its_48_hours():
    result = simulate(DEADLINE, scenario({"review": 2.0}, {"staff": 1}))
    assert result.failed == 0 and result.ends == {"done": 5} and result.steps["review"].expired == 0
    # two office hours of review (from the arrival, in office hours), then 48 hours on the clock
    assert result.timers_fired == 5
    for hours, review in zip(result.cycle_hours, result.steps["review"].working, strict=True):
        assert hours == pytest.approx(review + 48, abs=0.01)


def test_the_deadline_is_computed_on_the_virtual_clock_not_the_wall_clock():
    replayed: list[run.Arrival] = [(MONDAY_9, {}), (MONDAY_9 + timedelta(days=1), {})]
    result = simulate(DEADLINE, scenario({"review": 100.0}, {"staff": 2}), replayed)
    assert result.cases == 2 and result.ends == {"lapsed": 2}
    # started Monday and Tuesday 09:00: due three working days on (Thursday and Friday 09:00)
    assert sorted(round(h, 3) for h in result.cycle_hours) == [72.0, 72.0]


def test_a_due_window_makes_late_steps_overdue_as_the_engine_would_escalate_them():
    late = simulate(CHAIN, scenario({"write": 1.0, "check": 20.0, "sign": 1.0},
                                    {"staff": 1, "checker": 1, "boss": 1}))
    assert late.steps["check"].with_deadline == 5 and late.steps["check"].overdue == 5
    assert late.steps["write"].with_deadline == 0
    prompt = simulate(CHAIN, scenario({"write": 1.0, "check": 1.0, "sign": 1.0}, {"staff": 1, "checker": 1, "boss": 1}))
    assert prompt.steps["check"].overdue == 0
    form = CHAIN.tasks["check"]
    assert due_at(form, {}, MONDAY_9, CALENDAR) == CALENDAR.deadline(MONDAY_9, "P1D")


def test_fitted_returns_send_the_request_back_and_the_step_returned_to_runs_again():
    hours = {"write": 1.0, "check": 1.0, "sign": 1.0}
    people = {"staff": 1, "checker": 1, "boss": 1}
    plain = simulate(CHAIN, scenario(hours, people, cases=200))
    returned = simulate(CHAIN, scenario(hours, people, cases=200,
                                        returns={"sign": {"share": 0.5, "to": {"write": 1.0}}}))
    assert plain.steps["write"].as_json()["count"] == 200 and plain.steps["sign"].returned == 0
    sign = returned.steps["sign"]
    assert returned.completed == 200 and returned.failed == 0
    assert 130 <= sign.returned <= 280  # each signature returned with one chance in two: one return a case on average
    # each return runs write again, then straight back to sign (the default afterReturn), not through check
    assert returned.steps["write"].as_json()["count"] == 200 + sign.returned
    assert returned.steps["check"].as_json()["count"] == 200
    assert returned.steps["sign"].as_json()["count"] == 200 + sign.returned
    assert sum(returned.cycle_hours) > sum(plain.cycle_hours)


def test_a_return_to_a_step_the_case_has_not_passed_is_not_made():
    hours = {"write": 1.0, "check": 1.0, "sign": 1.0}
    result = simulate(CHAIN, scenario(hours, {"staff": 1, "checker": 1, "boss": 1}, cases=20,
                                      returns={"write": {"share": 1.0, "to": {"sign": 1.0}}}))
    assert result.steps["write"].returned == 0 and result.completed == 20


def test_people_away_leave_the_roles_work_waiting():
    hours = {"write": 1.0, "check": 1.0, "sign": 1.0}
    people = {"staff": 1, "checker": 1, "boss": 1}
    present = simulate(CHAIN, scenario(hours, people, cases=100))
    away = simulate(CHAIN, scenario(hours, people, cases=100, away={"checker": 0.5}))
    assert sum(present.steps["check"].waiting) < sum(away.steps["check"].waiting)
    assert away.completed == 100  # the work waited, it was not lost
    waited_days = [w for w in away.steps["check"].waiting if w >= 12]
    assert len(waited_days) >= 20  # about half the checks wait for a day the one checker is in
    # the same seed draws the same days away
    again = simulate(CHAIN, scenario(hours, people, cases=100, away={"checker": 0.5}))
    assert again.cycle_hours == away.cycle_hours


def test_the_presence_draw_follows_the_share():
    presence = detours.Presence(5, {"r": 0.2})
    days = [MONDAY + timedelta(days=d) for d in range(500)]
    share = sum(presence.is_away("r", p, d) for p in range(4) for d in days) / 2000
    assert share == pytest.approx(0.2, abs=0.03)
    assert not any(presence.is_away("other", 0, d) for d in days)


def test_replayed_arrivals_start_the_cases_given_with_their_start_forms():
    moments = [MONDAY_9 + timedelta(hours=h) for h in (0, 1, 26)]
    result = simulate(CHAIN, scenario({"write": 1.0, "check": 1.0, "sign": 1.0},
                                      {"staff": 1, "checker": 1, "boss": 1}, cases=99), [(m, {}) for m in moments])
    assert result.cases == 3 and result.completed == 3
    assert result.steps["write"].waiting == [0.0, 0.0, 0.0]  # one an hour apart: each found the writer free


@pytest.mark.parametrize("changes, message", [
    ({"away": {"checker": 1.5}}, "away.checker must be a number from 0 to 1"),
    ({"away": []}, "away must be an object of roles"),
    ({"returns": {"sign": {"share": 0.2}}}, "returns.sign.to must name the steps returned to"),
    ({"returns": {"sign": {"share": -1, "to": {"write": 1}}}}, "returns.sign.share must be a number from 0 to 1"),
    ({"returns": {"sign": "often"}}, "returns.sign must be an object"),
])
def test_bad_away_and_returns_are_refused_by_name(changes, message):
    base = scenario({"write": 1.0}, {"staff": 1})
    with pytest.raises(InvalidInput, match=message):
        apply_changes(base, changes)
    assert base.away == {} and base.returns == {}


def test_the_scenario_shows_and_takes_away_and_returns():
    changed = apply_changes(scenario({"write": 1.0}, {"staff": 1}),
                            {"away": {"staff": 0.1}, "returns": {"sign": {"share": 0.25, "to": {"write": 1}}}})
    shown = changed.as_json()
    assert shown["away"] == {"staff": 0.1}
    assert shown["returns"] == {"sign": {"share": 0.25, "to": {"write": 1.0}, "n": 0}}
    again = apply_changes(changed, shown).as_json()  # what is shown can be given back
    assert (again["away"], again["returns"]) == (shown["away"], shown["returns"])
