"""Why not, and the hires frontier, on five-year plans: from Python and from the command line
(``asn-balance why-not ... [--round T]`` on a horizon plan, ``asn-balance frontier
--hires-per-year``), on the embedded demo and on a small synthetic scenario with birth dates,
retirements, volunteers and hires. Every plan asked about passes ``check_horizon``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance.analysis.horizon import plan_years_greedily
from asn_balance.analysis.why_not import why_not_horizon, why_not_rounds
from asn_balance.apps.cli import app
from asn_balance.datasets import synth
from asn_balance.io.horizon_plans import horizon_from_document, is_horizon_plan, read_horizon_plan
from test_horizon import tiny

START = dt.date(2025, 1, 1)
YEARS = 4
QUOTAS = [0, 3, 3, 3]
runner = CliRunner()


def _invoke(args: list[Any]) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[ab.Problem, Path, Path, dict[str, Any]]:
    """A synthetic pemda of 150 (birth dates, volunteers, spouses, units), its CSV folder and
    its five-year plan written by ``asn-balance horizon`` as a folder (JSON and workbook)."""
    tables = synth.generate(150, seed=3, policy_columns=True)
    root = tmp_path_factory.mktemp("synth")
    data = synth.write_csv_folder(tables, root / "data")
    problem = ab.Problem.read(data, policy=ab.Policy(plan_date=START))
    plan_dir = root / "plan"
    res = _invoke(["horizon", data, "--years", YEARS, "--hires", "0,3,3,3", "--date", "2025-01-01",
                   "--out", plan_dir])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    assert doc["summary"]["status"] == "optimal"
    report = ab.check_horizon(problem, doc)
    assert report.ok, report.messages()
    return problem, data, plan_dir, doc


def _moves(doc: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(rd["round"], m) for rd in doc["rounds"] for m in rd["moves"]]


# --------------------------------------------------------------------------- reading plans back


def test_the_workbook_reads_back_as_the_json_document(scenario: Any) -> None:
    problem, _, plan_dir, doc = scenario
    assert is_horizon_plan(plan_dir) and is_horizon_plan(plan_dir / "plan.xlsx")
    assert is_horizon_plan(plan_dir / "plan.json") and is_horizon_plan(doc)
    assert not is_horizon_plan(plan_dir / "missing.json")
    book = read_horizon_plan(plan_dir / "plan.xlsx")
    assert len(book["rounds"]) == YEARS
    for a, b in zip(doc["rounds"], book["rounds"], strict=True):
        assert a["date"] == b["date"]
        assert [(m["employee_id"], m["to_position"]) for m in a["moves"]] == [
            (m["employee_id"], m["to_position"]) for m in b["moves"]
        ]
        assert [(h["position_id"], h["count"]) for h in a["hires"]] == [
            (h["position_id"], h["count"]) for h in b["hires"]
        ]
        assert [sorted(r["employee_ids"]) for r in a["retirements"]] == [
            sorted(r["employee_ids"]) for r in b["retirements"]
        ]
    for key in ("status", "hire_quotas", "policy", "input_sha256", "dates"):
        assert book["summary"][key] == doc["summary"][key]
    # the independent checker finds the same plan in the workbook
    from_book = ab.check_horizon(problem, book)
    assert from_book.ok, from_book.messages()
    assert from_book.objective == pytest.approx(ab.check_horizon(problem, doc).objective, rel=1e-9)
    result = horizon_from_document(book)
    assert result.has_plan and len(result.moves) == sum(len(r["moves"]) for r in doc["rounds"])
    assert ab.check_horizon(problem, result).ok
    with pytest.raises(ab.InputError, match=r"invalid_plan|not a horizon plan"):
        read_horizon_plan(plan_dir / "nothing.xlsx")


# --------------------------------------------------------------------------- why not, Python


def test_moved_last_round_names_the_24_month_rule(scenario: Any) -> None:
    problem, _, plan_dir, doc = scenario
    moved = [(t, m) for t, m in _moves(doc) if t + 1 < YEARS]
    assert moved, "the scenario's plan moves somebody before its last round"
    t, mv = moved[0]
    for source in (plan_dir, plan_dir / "plan.xlsx", doc):
        answer = why_not_horizon(problem, source, mv["employee_id"], mv["from_position"], t + 1, lang="en")
        assert answer.verdict == "forbidden"
        rules = dict(answer.rules)
        assert "min_months_in_position" in rules
        assert f"moved there at round {t}" in rules["min_months_in_position"]
        assert answer.horizon["last_move_round"] == t
        assert answer.horizon["months_in_position"] == 12.0
        assert answer.horizon["position"] == mv["to_position"]
    # the round of the move itself: the plan makes it
    here = why_not_horizon(problem, doc, mv["employee_id"], mv["to_position"], t, lang="en")
    assert here.verdict == "in_plan" and here.horizon["moved_to"] == mv["to_position"]


def test_the_round_is_priced_as_the_five_year_objective_prices_it(scenario: Any) -> None:
    """The plan's figure of a round is its B plus the move price of its moves, and a cost
    answer's forced plan keeps every rule of that round (through ``ab.check``)."""
    from asn_balance.analysis.horizon import round_problem, round_state
    from asn_balance.compile.horizon import compile_horizon

    problem, _, _, doc = scenario
    pol = problem.policy
    plan = horizon_from_document(doc)
    data = compile_horizon(problem, YEARS, QUOTAS)
    asked = 0
    key = problem.jabatan_key
    pids = problem.positions["position_id"].astype(str).to_numpy()
    for t, rd in enumerate(doc["rounds"]):
        cur, gone, last, hired = round_state(problem, data, plan, t)
        here = [i for i in np.flatnonzero(~gone) if data.employee_group[i] >= 0]
        movers = [int(i) for i in here if (last[i] < 0 or t - last[i] >= 2)]
        for i in movers:
            same = [j for j in np.flatnonzero(key == key[cur[i]]) if j != cur[i]]
            if not same or asked > t:  # up to one cost answer a round
                continue
            eid = str(problem.employees["employee_id"].iloc[i])
            answer = why_not_horizon(problem, doc, eid, str(pids[same[0]]), t, lang="en")
            expected = rd["balance"] + pol.move_cost * len(rd["moves"])
            assert answer.objective_plan == pytest.approx(expected, rel=1e-9, abs=1e-9)
            if answer.verdict != "costly":
                continue
            asked += 1
            assert answer.forced is not None and answer.status in ("optimal", "feasible")
            rp = round_problem(problem, data, t, cur, gone, last, hired).with_policy(
                preference_weight=0.0, spouse_weight=0.0, fit_weight=0.0, rotation_weight=0.0
            )
            report = ab.check(rp, answer.forced)
            assert report.ok, report.violations
            forced = answer.forced.moves
            mine = forced[forced["employee_id"].astype(str) == eid]
            assert mine["to_position"].astype(str).tolist() == [str(pids[same[0]])]
            assert answer.cost == pytest.approx(answer.objective_forced - answer.objective_plan)
            assert f"Priced within round {t}" in answer.message
    assert asked >= 1


def test_retired_employees_and_bad_rounds(scenario: Any) -> None:
    problem, _, plan_dir, doc = scenario
    retired = [(rd["round"], e) for rd in doc["rounds"] for r in rd["retirements"] for e in r["employee_ids"]]
    assert retired, "the scenario retires somebody within the plan"
    s, eid = retired[0]
    target = str(problem.positions["position_id"].iloc[0])
    answers = why_not_rounds(problem, plan_dir, eid, target, lang="en")
    assert [a.horizon["round"] for a in answers] == list(range(YEARS))
    for a in answers:
        if a.horizon["round"] >= s:
            assert a.verdict == "retired" and a.rules[0][0] == "retirement_round"
            assert a.horizon["retires_round"] == s
        else:
            assert a.verdict != "retired"
    with pytest.raises(ab.InputError, match="retired"):
        why_not_horizon(problem, doc, eid, target, s)
    with pytest.raises(ab.InputError, match=r"rounds 0 \.\. 3"):
        why_not_horizon(problem, doc, eid, target, YEARS)
    with pytest.raises(ab.InputError, match="unknown_employee"):
        why_not_horizon(problem, doc, "nobody", target, 0)


def test_a_volunteer_the_horizon_keeps_in_place_is_told_so() -> None:
    """Under volunteers_only_to_preferences a volunteer with a wish list never moves in a
    five-year plan; why-not says so even where a single round would let them go."""
    base = tiny(5, 8, 4, locked=False)
    emp = base.employees.drop(columns=["source_row"]).copy()
    pos = base.positions.drop(columns=["source_row"])
    emp["months_in_position"] = 40.0
    emp["birth_date"] = "1985-06-15"
    emp["volunteer"] = False
    emp["preferences"] = ""
    home = str(emp.loc[0, "position_id"])
    wish = next(p for p in pos["position_id"] if p != home)
    emp.loc[0, ["volunteer", "preferences"]] = [True, wish]
    problem = ab.Problem.from_frames(emp, pos, policy=ab.Policy(plan_date=START))
    plan = ab.plan_horizon(problem, 3, [0, 1, 1])
    assert plan.status == "optimal" and ab.check_horizon(problem, plan).ok
    answer = why_not_horizon(problem, plan, "E0", wish, 1, lang="en")
    assert answer.verdict == "forbidden"
    assert "volunteers_only_to_preferences" in dict(answer.rules)
    assert "every round" in dict(answer.rules)["volunteers_only_to_preferences"]
    notes = plan.summary["notes"]
    assert notes[0].startswith("1 employees stay in place")  # then voluntary_first (default on)
    assert "volunteers_only_to_preferences" in notes[0] and "spouses_hard" not in notes[0]
    assert notes == plan.to_dict()["summary"]["notes"]


def test_policy_the_horizon_does_not_apply_is_named() -> None:
    """voluntary_first is not modelled per round: the plan and the CLI say so, never silently."""
    problem = tiny(6, 8, 4).with_policy(voluntary_first=True)
    plan = ab.plan_horizon(problem, 2, [0, 1])
    assert any("voluntary_first is not applied" in n for n in plan.summary["notes"])
    off = tiny(6, 8, 4).with_policy(voluntary_first=False)
    assert ab.plan_horizon(off, 2, [0, 1]).summary["notes"] == []
    greedy = plan_years_greedily(problem, 2, [0, 1])
    assert any("voluntary_first" in n for n in greedy.summary["notes"])


# --------------------------------------------------------------------------- why not, CLI


def test_cli_why_not_every_round_and_one_round(scenario: Any) -> None:
    _, data, plan_dir, doc = scenario
    t, mv = next((t, m) for t, m in _moves(doc) if t + 1 < YEARS)
    args = ["why-not", data, plan_dir / "plan.xlsx", mv["employee_id"], mv["from_position"]]
    res = _invoke([*args, "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "min_months_in_position" in res.output and f"moved there at round {t}" in res.output
    res = _invoke([*args, "--json"])
    assert res.exit_code == 0, res.output
    every = json.loads(res.output)
    assert [r["horizon"]["round"] for r in every["rounds"]] == list(range(YEARS))
    after = every["rounds"][t + 1]
    assert after["verdict"] == "forbidden"
    assert "min_months_in_position" in {r["rule"] for r in after["rules"]}
    # one round, text in Indonesian, from the JSON file
    res = _invoke(["why-not", data, plan_dir / "plan.json", mv["employee_id"], mv["from_position"],
                   "--round", t + 1])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert f"round {t + 1} (" in res.output and "tidak dapat dipindahkan" in res.output
    res = _invoke(["why-not", data, plan_dir, mv["employee_id"], mv["from_position"], "--round", t + 1,
                   "--json"])  # fmt: skip
    one = json.loads(res.output)
    assert one["verdict"] == after["verdict"] and one["rules"] == after["rules"]
    assert one["horizon"]["round"] == t + 1


def test_cli_why_not_errors_and_single_round_plans(scenario: Any, tmp_path: Path) -> None:
    problem, data, plan_dir, _ = scenario
    eid = str(problem.employees["employee_id"].iloc[0])
    pid = str(problem.positions["position_id"].iloc[0])
    res = _invoke(["why-not", data, plan_dir, eid, pid, "--round", 9])
    assert res.exit_code == 2 and "rounds 0 .. 3" in res.output
    res = _invoke(["why-not", data, plan_dir, "nobody", pid, "--round", 0])
    assert res.exit_code == 2 and "unknown_employee" in res.output
    single = tmp_path / "single.json"
    assert _invoke(["plan", data, "--out", single, "--date", "2025-01-01", "-q"]).exit_code == 0
    res = _invoke(["why-not", data, single, eid, pid, "--round", 1])
    assert res.exit_code == 2 and "--round" in res.output and "five-year" in res.output
    assert _invoke(["why-not", data, single, eid, pid]).exit_code == 0  # unchanged without --round
    # a policy option on top of the recorded policy is named
    res = _invoke(["why-not", data, plan_dir, eid, pid, "--round", 0, "--move-cost", "0.3"])
    assert res.exit_code == 0 and "policy differs from the plan's: move_cost" in res.output


def test_cli_why_not_on_the_demo(tmp_path: Path) -> None:
    demo = ab.datasets.demo_path()
    plan = tmp_path / "demo.json"
    res = _invoke(["horizon", demo, "--years", 3, "--hires", "0,5,5", "--date", "2025-01-01", "--out", plan,
                   "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(plan.read_text(encoding="utf-8"))
    problem = ab.Problem.read(demo, policy=ab.Policy(plan_date=START))
    assert ab.check_horizon(problem, doc).ok
    t, mv = next((t, m) for t, m in _moves(doc) if t + 1 < 3)
    res = _invoke(["why-not", demo, plan, mv["employee_id"], mv["from_position"], "--round", t + 1,
                   "--lang", "en"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "cannot move" in res.output and "min_months_in_position" in res.output


# --------------------------------------------------------------------------- frontier


def test_cli_hires_frontier_on_the_demo(tmp_path: Path) -> None:
    demo = ab.datasets.demo_path()
    out, plans = tmp_path / "front.json", tmp_path / "plans"
    res = _invoke(["frontier", demo, "--hires-per-year", "10,0", "--years", 3, "--date", "2025-01-01",
                   "--out", out, "--plans", plans])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["years"] == 3 and doc["first_round"] == 0
    pts = doc["points"]
    assert [p["hires_per_year"] for p in pts] == [0, 10]
    problem = ab.Problem.read(demo, policy=ab.Policy(plan_date=START))
    for p in pts:
        assert p["check"] == "ok"
        assert p["bound"] <= p["objective"] + 1e-7
        plan = json.loads((plans / f"hires_{p['hires_per_year']}.json").read_text(encoding="utf-8"))
        assert plan["summary"]["hire_quotas"] == [0, p["hires_per_year"], p["hires_per_year"]]
        report = ab.check_horizon(problem, plan)
        assert report.ok, report.messages()
        assert report.objective == pytest.approx(p["objective"], rel=1e-9)
        assert sum(report.balance) == pytest.approx(p["balance"], rel=1e-9)
        assert report.hires == p["hires"] and report.moves == p["moves"]
        assert _invoke(["check-horizon", demo, plans / f"hires_{p['hires_per_year']}.json"]).exit_code == 0
    if all(p["status"] == "optimal" for p in pts):
        assert pts[1]["objective"] <= pts[0]["objective"] + 1e-7
    csv = tmp_path / "front.csv"
    res = _invoke(["frontier", demo, "--hires-per-year", "0", "--years", 2, "--out", csv, "-q"])
    assert res.exit_code == 0, res.output
    assert csv.read_text(encoding="utf-8").startswith("hires_per_year,status,objective,bound")


def test_cli_frontier_options(tmp_path: Path) -> None:
    demo = ab.datasets.demo_path()
    res = _invoke(["frontier", demo, "--years", 3])
    assert res.exit_code == 2 and "only with --hires-per-year" in res.output
    res = _invoke(["frontier", demo, "--budgets", "0,5", "--hires-per-year", "0,5"])
    assert res.exit_code == 2 and "not both" in res.output
    res = _invoke(["frontier", demo, "--hires-per-year", "0,-3,x"])
    assert res.exit_code == 2 and "cannot be negative" in res.output and "whole number" in res.output
    res = _invoke(["frontier", demo, "--hires-per-year", "0,-1", "--years", 0, "--first-round-hires", -2])
    assert res.exit_code == 2  # every bad option at once
    assert all(k in res.output for k in ("value '-1'", "--years", "--first-round-hires"))


def test_cli_hires_frontier_on_the_synthetic_scenario(scenario: Any, tmp_path: Path) -> None:
    _, data, _, _ = scenario
    out = tmp_path / "front.json"
    res = _invoke(["frontier", data, "--hires-per-year", "0,2,4", "--years", YEARS, "--first-round-hires", 1,
                   "--date", "2025-01-01", "--out", out, "--time-limit", 120])  # fmt: skip
    assert res.exit_code == 0, res.output
    pts = json.loads(out.read_text(encoding="utf-8"))["points"]
    assert all(p["check"] == "ok" for p in pts)
    objectives = [p["objective"] for p in pts]
    if all(p["status"] == "optimal" for p in pts):
        assert all(b <= a + 1e-7 for a, b in itertools.pairwise(objectives))


def test_time_is_shared_by_the_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """``total_time_limit`` is split over the plans still to make; each plan gets its share."""
    from asn_balance.analysis import horizon as horizon_module

    problem = tiny(2, 6, 3, growth=0.2, locked=False)
    calls: list[tuple[float, float | None]] = []
    real = horizon_module.plan_horizon

    def recording(*args: Any, time_limit: float | None = None, **kw: Any) -> Any:
        calls.append((time.perf_counter(), time_limit))
        return real(*args, time_limit=None, **kw)

    monkeypatch.setattr(horizon_module, "plan_horizon", recording)
    start = time.perf_counter()
    front = ab.hires_frontier(problem, [0, 1, 2, 3], years=3, total_time_limit=8.0)
    assert len(calls) == 4
    for k, (when, limit) in enumerate(calls):
        assert limit is not None and limit > 0
        # what is left of the 8 s, shared by the plans still to make: the last ends in time
        assert limit <= (start + 8.0 - when) / (4 - k) + 0.05
    assert calls[-1][0] + (calls[-1][1] or 0.0) <= start + 8.0 + 0.05
    assert (front.points["check"] == "ok").all()
    given_limits: list[float | None] = []

    def limits(*args: Any, time_limit: float | None = None, **kw: Any) -> Any:
        given_limits.append(time_limit)
        return real(*args, **kw)

    monkeypatch.setattr(horizon_module, "plan_horizon", limits)
    ab.hires_frontier(problem, [0, 1], years=3, time_limit=0.5, total_time_limit=100.0)
    assert given_limits == [0.5, 0.5]


def test_a_point_without_a_plan_keeps_the_smaller_quotas_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    from asn_balance.analysis import horizon as horizon_module

    problem = tiny(2, 6, 3, growth=0.2, locked=False)
    real = horizon_module.plan_horizon

    def lost(problem: ab.Problem, years: int, hires: list[int], **kw: Any) -> Any:
        plan = real(problem, years, hires, **kw)
        if hires[-1] == 2:  # the search for quota 2 "runs out of time" with its bound
            return dataclasses.replace(plan, status="time_limit", objective=math.nan, gap=math.nan)
        return plan

    monkeypatch.setattr(horizon_module, "plan_horizon", lost)
    front = ab.hires_frontier(problem, [1, 2], years=3)
    first, second = front.points.to_dict(orient="records")
    assert second["plan_of"] == 1 and second["objective"] == pytest.approx(first["objective"])
    assert second["status"] in ("optimal", "feasible") and second["bound"] <= second["objective"] + 1e-9
    assert (second["status"] == "optimal") == (second["objective"] - second["bound"] <= 1e-6)
    carried = front.plans[1]
    assert carried.summary["hire_quotas"] == [0, 2, 2]
    assert second["check"] == "ok" and ab.check_horizon(problem, carried).ok
    with pytest.raises(ab.InputError, match="first_round"):
        ab.hires_frontier(problem, [1], first_round=-1)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), growth=st.sampled_from([0.0, 0.1, 0.3]))
def test_more_hires_never_cost_more_when_proven(seed: int, growth: float) -> None:
    """A larger quota allows every plan of a smaller one: with every point proven optimal,
    the objective never rises along the frontier (asserted only then)."""
    problem = tiny(seed, 7, 4, growth=growth, locked=False)
    front = ab.hires_frontier(problem, [0, 1, 3], years=3)
    pts = front.points
    assert (pts["check"].isin(["ok", "-"])).all()
    for plan in front.plans:
        if plan.has_plan:
            assert ab.check_horizon(problem, plan).ok
            assert plan.bound <= plan.objective + 1e-7
    if (pts["status"] == "optimal").all():
        assert (pts["objective"].diff().dropna() <= 1e-7).all()
        assert (pts["hires"].to_numpy() <= 2 * pts["hires_per_year"].to_numpy()).all()


def test_a_round_after_a_spouse_retires_is_asked_all_the_same() -> None:
    """The round's tables drop the retired; a spouse_id naming one of them is blanked there
    (it would otherwise be an unknown spouse of the round's tables)."""
    base = tiny(5, 8, 4, locked=False)
    emp = base.employees.drop(columns=["source_row"]).copy()
    pos = base.positions.drop(columns=["source_row"])
    emp["months_in_position"] = 40.0
    emp["birth_date"] = "1985-06-15"
    emp.loc[0, "birth_date"] = "1967-03-10"  # BUP 58 in 2025: gone from round 1
    emp["spouse_id"] = ""
    emp.loc[0, "spouse_id"], emp.loc[1, "spouse_id"] = "E1", "E0"
    problem = ab.Problem.from_frames(emp, pos, policy=ab.Policy(plan_date=START))
    plan = ab.plan_horizon(problem, 3, [0, 1, 1])
    assert plan.status == "optimal" and ab.check_horizon(problem, plan).ok
    gone = [e for r in plan.rounds for ids in r.retirements["employee_ids"] for e in ids]
    assert "E0" in gone
    target = next(p for p in pos["position_id"] if p != str(emp.loc[1, "position_id"]))
    answers = why_not_rounds(problem, plan, "E1", target, lang="en")
    assert [a.verdict != "retired" for a in answers] == [True, True, True]
    assert all(a.horizon["position"] for a in answers)
    assert why_not_rounds(problem, plan, "E0", target)[-1].verdict == "retired"
