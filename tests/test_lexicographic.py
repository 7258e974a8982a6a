"""Lexicographic priorities: best balance first, then the fewest moves within a tolerance."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from asn_balance import Policy, Problem
from asn_balance.apps.cli import app
from asn_balance.datasets import synth
from conftest import solve_checked


@pytest.fixture(scope="module")
def problem() -> Problem:
    t = synth.generate(300, seed=11)
    return Problem.from_frames(t["employees"], t["positions"], t["tasks"])


def test_zero_tolerance_matches_the_balance_optimum_with_fewest_moves(problem: Problem) -> None:
    free = solve_checked(problem.with_policy(move_cost=0.0))
    lex = solve_checked(problem.with_policy(lexicographic=True))
    assert lex.balance_after == pytest.approx(free.balance_after, rel=1e-9)
    assert lex.n_moves == free.n_moves  # the flow's tie-break already gives the fewest moves
    assert lex.status == "optimal"
    assert lex.info["solver_stats"]["moves_lower_bound"] == lex.n_moves


@pytest.mark.parametrize("tol", [0.01, 0.05, 0.2])
def test_tolerance_trades_balance_for_moves(problem: Problem, tol: float) -> None:
    exact = solve_checked(problem.with_policy(lexicographic=True))
    lex = solve_checked(problem.with_policy(lexicographic=True, balance_tolerance=tol))
    stats = lex.info["solver_stats"]
    assert lex.balance_after <= exact.balance_after * (1 + tol) + 1e-7
    assert stats["balance_limit"] == pytest.approx(exact.balance_after * (1 + tol), rel=1e-6)
    assert lex.n_moves <= exact.n_moves
    assert stats["moves_lower_bound"] <= lex.n_moves
    assert lex.bound <= lex.objective + 1e-9
    assert (lex.status == "optimal") == (stats["moves_lower_bound"] == lex.n_moves)


def test_larger_tolerance_never_needs_more_moves(problem: Problem) -> None:
    moves = [
        solve_checked(problem.with_policy(lexicographic=True, balance_tolerance=t)).n_moves
        for t in (0.0, 0.02, 0.1, 0.5)
    ]
    assert moves == sorted(moves, reverse=True)
    assert moves[-1] < moves[0]


def test_lexicographic_and_a_budget_do_not_combine() -> None:
    with pytest.raises(ValidationError, match="cannot be combined"):
        Policy(lexicographic=True, max_moves=5)


def test_cli_lexicographic(tmp_path, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    data = synth.write_csv_folder(synth.generate(300, seed=11), tmp_path / "data")
    out = tmp_path / "plan.json"
    runner = CliRunner()
    result = runner.invoke(
        app, ["plan", str(data), "--out", str(out), "--lexicographic", "--balance-tolerance", "0.05"]
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(app, ["plan", str(data), "--lexicographic", "--max-moves", "3"])
    assert bad.exit_code == 2
    assert "cannot be combined" in bad.output
