"""The input's fingerprint hashed beside the compile: the same fingerprint, the same plan."""

from __future__ import annotations

import threading

import pytest

from asn_balance import Problem
from asn_balance import planner as planner_mod
from asn_balance.datasets import demo_path
from asn_balance.model.canonical import canonical_fingerprint
from conftest import solve_checked


def _threads_started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []
    start = threading.Thread.start

    def spy(self: threading.Thread) -> None:
        names.append(self.name)
        start(self)

    monkeypatch.setattr(threading.Thread, "start", spy)
    return names


def test_beside_gives_the_same_fingerprint_and_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    alone = solve_checked(Problem.read(demo_path()))
    problem = Problem.read(demo_path())
    monkeypatch.setattr(planner_mod, "FINGERPRINT_BESIDE", 0)
    names = _threads_started(monkeypatch)
    beside = solve_checked(problem)
    assert "asn-balance-fingerprint" in names
    whole, tables = canonical_fingerprint(problem.employees, problem.positions, problem.tasks, problem.units)
    assert beside.info["input_sha256"] == whole == alone.info["input_sha256"]
    assert beside.info["input_tables"] == tables
    assert beside.objective == alone.objective
    assert beside.moves.equals(alone.moves)


def test_no_thread_when_small_or_already_hashed(monkeypatch: pytest.MonkeyPatch) -> None:
    names = _threads_started(monkeypatch)
    solve_checked(Problem.read(demo_path()))  # below FINGERPRINT_BESIDE
    assert "asn-balance-fingerprint" not in names
    problem = Problem.read(demo_path())
    problem.input_sha256  # noqa: B018 - hashed before the solve
    monkeypatch.setattr(planner_mod, "FINGERPRINT_BESIDE", 0)
    solve_checked(problem)
    assert "asn-balance-fingerprint" not in names


def test_a_failing_hash_is_raised_by_the_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fingerprint that fails in the thread fails where it always did, not silently."""
    import asn_balance.model.canonical as canonical

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("hash failed")

    problem = Problem.read(demo_path())
    monkeypatch.setattr(planner_mod, "FINGERPRINT_BESIDE", 0)
    monkeypatch.setattr(canonical, "canonical_fingerprint", broken)
    with pytest.raises(RuntimeError, match="hash failed"):
        planner_mod.solve(problem)
