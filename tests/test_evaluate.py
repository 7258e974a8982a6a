"""One evaluation path: a solved plan, the same moves evaluated, and the plan re-read from a
file give the same Result tables, objective and terms, and the checker agrees."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import asn_balance as ab
from asn_balance.analysis.given_plan import plan_result
from asn_balance.datasets.synth import generate


@pytest.fixture(scope="module")
def solved() -> tuple[ab.Problem, ab.Result]:
    tables = generate(300, seed=11, policy_columns=True)
    problem = ab.Problem.from_frames(
        tables["employees"], tables["positions"], tables.get("tasks"), units=tables.get("units")
    )
    result = ab.solve(problem, time_limit=20)
    assert result.has_plan
    return problem, result


def _same_tables(a: ab.Result, b: ab.Result) -> None:
    pd.testing.assert_frame_equal(a.positions, b.positions)
    pd.testing.assert_frame_equal(a.units, b.units)
    cols = ["employee_id", "from_position", "to_position", "reason_id", "reason_en"]
    ma = a.moves[cols].sort_values("employee_id", ignore_index=True)
    mb = b.moves[cols].sort_values("employee_id", ignore_index=True)
    pd.testing.assert_frame_equal(ma, mb)
    assert a.breakdown == b.breakdown
    assert a.objective == b.objective


def test_evaluate_reproduces_the_solved_plan(solved: tuple[ab.Problem, ab.Result]) -> None:
    problem, result = solved
    again = ab.evaluate(problem, result.moves[["employee_id", "to_position"]])
    _same_tables(result, again)
    assert again.status == "feasible" and np.isnan(again.bound)  # nothing proven by evaluating
    report = ab.check(problem, again)
    assert report.ok and report.objective == pytest.approx(again.objective, rel=1e-12)


def test_a_plan_file_is_evaluated_the_same_way(solved: tuple[ab.Problem, ab.Result], tmp_path: Path) -> None:
    problem, result = solved
    path = result.write(tmp_path / "plan.json")
    given = plan_result(problem, path)
    _same_tables(result, given)
    assert given.status == result.status and given.bound == result.bound


def test_moves_home_are_no_moves_and_unknown_ids_are_named(solved: tuple[ab.Problem, ab.Result]) -> None:
    problem, result = solved
    home = (
        problem.employees[["employee_id", "position_id"]]
        .head(3)
        .rename(columns={"position_id": "to_position"})
    )
    moves = pd.concat([result.moves[["employee_id", "to_position"]], home], ignore_index=True)
    again = ab.evaluate(problem, moves)
    assert again.n_moves == result.n_moves and again.info["ignored_rows"] == 3
    with pytest.raises(ab.InputError) as err:
        ab.evaluate(problem, pd.DataFrame({"employee_id": ["nobody"], "to_position": ["nowhere"]}))
    rules = {p.rule for p in err.value.problems}
    assert rules == {"unknown_employee", "unknown_position"}


def test_staff_after_is_the_one_count(solved: tuple[ab.Problem, ab.Result]) -> None:
    problem, result = solved
    e, t = problem.move_indices(result.moves)
    after = problem.staff_after(e, t)
    assert after.sum() == problem.staff.sum()
    np.testing.assert_array_equal(after, result.positions["staff_after"].to_numpy())
    assert problem.balance(after) == pytest.approx(result.balance_after, rel=1e-12)
