"""The input-side work beside the solve (the fingerprint, the check's inputs): the same
fingerprint, the same plan, the same verdict."""

from __future__ import annotations

import sys
import threading

import pytest

from asn_balance import Problem, check
from asn_balance import planner as planner_mod
from asn_balance.check import check_inputs
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


def test_the_checks_inputs_made_beside_are_used_and_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread also makes the check's inputs under the policy the result records; the
    planner's check uses them (they fit) and its verdict is the one of a check without them."""
    from asn_balance.check import verifier

    fits: list[bool] = []
    real_fits = verifier.CheckInputs.fits

    def spy(self: verifier.CheckInputs, problem: object, policy: object) -> bool:
        ok = real_fits(self, problem, policy)  # type: ignore[arg-type]
        fits.append(ok)
        return ok

    monkeypatch.setattr(verifier.CheckInputs, "fits", spy)
    problem = Problem.read(demo_path())
    monkeypatch.setattr(planner_mod, "FINGERPRINT_BESIDE", 0)
    result = solve_checked(problem)
    assert fits == [True]  # the planner's own check; solve_checked's check makes its own
    assert result.info["check"] == check(problem, result).verdict()


def test_check_inputs_of_other_tables_or_another_policy_are_not_used() -> None:
    problem = Problem.read(demo_path())
    result = solve_checked(problem)
    plain = check(problem, result)
    other = problem.with_policy(effective_hours=1000)
    stale = [
        check_inputs(other, other.policy.as_run()),  # another need
        check_inputs(Problem.read(demo_path()), problem.policy.as_run()),  # other table objects
        check_inputs(problem, problem.policy),  # the plan date not resolved as the result's
    ]
    assert problem.policy.plan_date is None  # so the last one's policy differs
    for inputs in stale:
        assert not inputs.fits(problem, problem.policy.as_run())
        report = check(problem, result, inputs=inputs)
        assert report.verdict() == plain.verdict()
        assert report.objective == plain.objective and report.need.equals(plain.need)
    fresh = check_inputs(problem, problem.policy.as_run())
    assert fresh.fits(problem, problem.policy.as_run())
    assert check(problem, result, inputs=fresh).verdict() == plain.verdict()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the flow's child runs `python -P` (3.11)")
def test_the_checks_inputs_wait_for_the_flows_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the flow in a child process, the engine's wait sets the event the thread waits
    for (not only the end of the solve): the check's inputs are made while the child solves."""
    from asn_balance.engine import control
    from asn_balance.engine.backends import mcf

    seen: list[bool] = []
    real = control.waiting

    def spy() -> None:
        seen.append(control._IDLE.get() is not None)
        real()

    monkeypatch.setattr(control, "waiting", spy)
    monkeypatch.setattr(mcf, "SEPARATE_ARCS", 0)
    monkeypatch.setattr(planner_mod, "FINGERPRINT_BESIDE", 0)
    problem = Problem.read(demo_path())
    result = solve_checked(problem)
    assert seen and all(seen)  # every wait for a child told the planner's thread
    assert result.info["check"]["ok"]


def test_waiting_sets_only_the_enclosing_event() -> None:
    from asn_balance.engine import control

    outside, inside = threading.Event(), threading.Event()
    control.waiting()  # no enclosing block: nothing to set, no error
    with control.idle_beside(inside):
        assert not inside.is_set()
        control.waiting()
    assert inside.is_set() and not outside.is_set()
    inside.clear()
    control.waiting()
    assert not inside.is_set()


def test_the_check_names_a_movers_bad_input_before_bad_coverage() -> None:
    """Derived by the check itself, the units part (coverage) comes after the movers' rules,
    as it always did: with both broken, the mover's unparsable competencies are named."""
    from types import SimpleNamespace

    from asn_balance.model.errors import InputError
    from conftest import make_problem

    good = make_problem(
        [{"employee_id": "E1", "position_id": "P1"}, {"employee_id": "E2", "position_id": "P1"}],
        [{"position_id": "P1", "unit_id": "U1"}, {"position_id": "P2", "unit_id": "U2"}],
        units=[{"unit_id": "U1", "coverage": ""}, {"unit_id": "U2", "coverage": ""}],
    )
    employees = good.employees.copy()
    employees.loc[0, "competencies"] = "analisis:??"
    units = good.units.copy()
    units.loc[0, "coverage"] = "nonsense"
    broken = SimpleNamespace(
        employees=employees, positions=good.positions, tasks=good.tasks, units=units, policy=good.policy
    )
    with pytest.raises(InputError) as caught:
        check(broken, {"E1": "P2"})
    message = str(caught.value)
    assert "bad_competencies" in message and "coverage" not in message, message
