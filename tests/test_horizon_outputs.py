"""The five-year plan beyond the solve: the plan made year by year by today's ``solve``, the
checker's input fingerprint, policy and dates, the plots, the HTML section and the CLI report."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance.analysis.horizon import plan_year_by_year
from asn_balance.apps.cli import app
from test_horizon import tiny


@pytest.fixture(scope="module")
def planned() -> tuple[ab.Problem, ab.HorizonResult, ab.HorizonResult]:
    problem = tiny(5, 8, 4, growth=0.1, locked=False)
    joint = ab.plan_horizon(problem, 4, [0, 2, 2, 2])
    yby = plan_year_by_year(problem, 4, [0, 2, 2, 2])
    return problem, joint, yby


def test_year_by_year_plan_passes_the_checker_and_is_no_better(
    planned: tuple[ab.Problem, ab.HorizonResult, ab.HorizonResult],
) -> None:
    problem, joint, yby = planned
    assert joint.status == "optimal" and yby.status == "feasible"
    report = ab.check_horizon(problem, yby)
    assert report.ok, report.messages()
    assert report.objective == pytest.approx(yby.objective, rel=1e-9)
    assert yby.objective >= joint.objective - 1e-7  # the joint plan is optimal
    assert sum(int(r.hires["count"].sum()) for r in yby.rounds) <= 6


def test_changed_input_fails_unless_allowed(
    planned: tuple[ab.Problem, ab.HorizonResult, ab.HorizonResult],
) -> None:
    problem, joint, _ = planned
    emp = problem.employees.drop(columns=["source_row"]).copy()
    emp.loc[0, "months_in_position"] = 99.0
    changed = ab.Problem.from_frames(
        emp, problem.positions.drop(columns=["source_row"]), policy=problem.policy
    )
    rules = {v.rule for _, v in ab.check_horizon(changed, joint).violations}
    assert "input_changed" in rules
    allowed = ab.check_horizon(changed, joint, allow_changed_input=True)
    assert "input_changed" not in {v.rule for _, v in allowed.violations}
    assert any("employees" in n for n in allowed.notes)


def test_dates_and_policy_are_recomputed(
    planned: tuple[ab.Problem, ab.HorizonResult, ab.HorizonResult],
) -> None:
    problem, joint, _ = planned
    doc = copy.deepcopy(joint.to_dict())
    doc["summary"]["dates"][1] = "2030-01-01"
    assert "round_date" in {v.rule for _, v in ab.check_horizon(problem, doc).violations}
    other = problem.with_policy(move_cost=0.2)
    report = ab.check_horizon(other, joint, policy="problem")
    assert [d.name for d in report.policy_differences] == ["move_cost"]
    assert "objective_mismatch" in {v.rule for _, v in report.violations}
    assert ab.check_horizon(other, joint).ok  # under the policy the plan records


def test_plots_and_report(
    planned: tuple[ab.Problem, ab.HorizonResult, ab.HorizonResult], tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    from asn_balance.reports.horizon import horizon_report, plot_horizon, unit_efficiency

    problem, joint, yby = planned
    fig = joint.plot("balance", compare=yby, lang="en")
    assert len(fig.axes) == 1
    assert plot_horizon(joint, "ej_units").axes
    with pytest.raises(ValueError, match="kind"):
        plot_horizon(joint, "pie")
    eu = unit_efficiency(joint)
    assert list(eu.columns) == [0, 1, 2, 3] and len(eu) == 2
    page = horizon_report(problem, joint, "en", compare=yby)
    assert "<section id='horizon'>" in page and "Every rule holds at every round." in page
    assert page.count("data:image/png;base64,") == 2
    from asn_balance.reports.html import html_report

    full = html_report(problem, ab.solve(problem), "en", plots=False, horizon=joint)
    assert "<section id='horizon'>" in full


def test_cli_report_and_check_options(tmp_path: Path) -> None:
    problem = tiny(3, 6, 3, growth=0.05, locked=False)
    data = tmp_path / "data"
    data.mkdir()
    problem.employees.drop(columns=["source_row"]).to_csv(data / "employees.csv", index=False)
    problem.positions.drop(columns=["source_row"]).to_csv(data / "positions.csv", index=False)
    runner = CliRunner()
    plan, page = tmp_path / "plan.json", tmp_path / "plan.html"
    args = ["horizon", str(data), "--years", "3", "--hires", "0,1,1", "--date", "2025-01-01"]
    res = runner.invoke(app, [*args, "--out", str(plan), "--report", str(page), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "<section id='horizon'>" in page.read_text(encoding="utf-8")
    assert runner.invoke(app, ["check-horizon", str(data), str(plan)]).exit_code == 0
    res = runner.invoke(app, ["check-horizon", str(data), str(plan), "--move-cost", "0.3"])
    assert res.exit_code == 1 and "policy differs" in res.output
    res = runner.invoke(app, ["check-horizon", str(data), str(plan), "--hires", "0,0,0"])
    doc = json.loads(plan.read_text())
    assert (res.exit_code == 1) == (doc["summary"]["hires"] > 0)
    emp = problem.employees.drop(columns=["source_row"]).copy()
    emp.loc[0, "months_in_position"] = 77.0
    emp.to_csv(data / "employees.csv", index=False)
    res = runner.invoke(app, ["check-horizon", str(data), str(plan)])
    assert res.exit_code == 1 and "input_changed" in res.output
    res = runner.invoke(app, ["check-horizon", str(data), str(plan), "--allow-changed-input"])
    assert "input_changed" not in res.output


def test_why_not_at_a_round(planned: tuple[ab.Problem, ab.HorizonResult, ab.HorizonResult]) -> None:
    from asn_balance.analysis.why_not import why_not_horizon

    problem, joint, _ = planned
    moved = [(r.round, m) for r in joint.rounds for m in r.moves.itertuples(index=False)]
    if not moved:
        pytest.skip("the plan moves nobody")
    t, mv = moved[0]
    if t + 1 < len(joint.rounds):
        # moved at round t: back at round t + 1 breaks the 24-month rule
        answer = why_not_horizon(problem, joint, mv.employee_id, mv.from_position, t + 1, lang="en")
        assert answer.verdict == "forbidden"
        assert "min_months_in_position" in {r for r, _ in answer.rules}
    with pytest.raises(ab.InputError, match="round"):
        why_not_horizon(problem, joint, mv.employee_id, mv.from_position, 9)
    retired = [(r.round, e) for r in joint.rounds for ids in r.retirements["employee_ids"] for e in ids]
    if retired:
        t, e = retired[0]
        with pytest.raises(ab.InputError, match="retired"):
            why_not_horizon(problem, joint, e, "P0", t)


def test_hires_frontier_is_monotone_and_checked() -> None:
    from asn_balance.analysis.frontier import hires_frontier

    problem = tiny(2, 6, 3, growth=0.2, locked=False)
    front = hires_frontier(problem, [2, 0, 1], years=3)
    pts = front.points
    assert pts["hires_per_year"].tolist() == [0, 1, 2]
    assert (pts["status"] == "optimal").all()
    # a larger quota allows every plan of a smaller one: the optimum never gets worse
    assert (pts["objective"].diff().dropna() <= 1e-7).all()
    for q, plan in zip(pts["hires_per_year"], front.plans, strict=True):
        assert ab.check_horizon(problem, plan).ok
        assert plan.summary["hire_quotas"] == [0, q, q]
    if importlib.util.find_spec("matplotlib") is not None:
        assert front.plot(lang="en").axes
    with pytest.raises(ab.InputError, match="per_year"):
        hires_frontier(problem, [-1])


def test_year_by_year_as_the_plan_to_beat(
    planned: tuple[ab.Problem, ab.HorizonResult, ab.HorizonResult],
) -> None:
    """With the plan made year by year as the cutoff the optimum is the same, and proven."""
    problem, joint, _ = planned
    again = ab.plan_horizon(problem, 4, [0, 2, 2, 2], year_by_year=True)
    assert again.status == "optimal"
    assert again.objective == pytest.approx(joint.objective, rel=1e-9, abs=1e-9)
    assert ab.check_horizon(problem, again).ok


def test_a_model_too_large_for_one_mip_gets_a_checked_plan_and_a_valid_bound(
    planned: tuple[ab.Problem, ab.HorizonResult, ab.HorizonResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    from asn_balance.engine import horizon, horizon_large

    problem, joint, yby = planned
    monkeypatch.setattr(horizon, "MAX_MIP_COLUMNS", 10)
    monkeypatch.setattr(horizon_large, "MAX_MIP_COLUMNS", 10)
    large = ab.plan_horizon(problem, 4, [0, 2, 2, 2])
    assert large.has_plan and (
        large.summary["solver"].startswith("year_by_year+")
        or "restricted" in str(large.summary["solver"])
        or "price_and_branch" in str(large.summary["solver"])
    )
    assert large.bound <= joint.objective + 1e-7  # valid: below the proven optimum
    assert large.objective >= joint.objective - 1e-7
    assert large.objective <= yby.objective + 1e-7  # never worse than the plan made year by year
    assert ab.check_horizon(problem, large).ok
