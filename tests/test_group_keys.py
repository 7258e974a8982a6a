"""The compiler's declaration of groups with the same arcs, and the flow's use of it.

The flow merges groups with the same arcs into one signature node. The compiler knows which
groups those are (one eligibility profile and one stay cost) and declares it, so the flow need
not hash tens of millions of arcs; these tests hold the declaration against the arcs
themselves, and show that a model made with other arc arrays does not inherit it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from asn_balance import Problem
from asn_balance.compile.compiler import compile_problem
from asn_balance.datasets import synth
from asn_balance.engine import model as engine_model
from asn_balance.engine.backends import flow
from asn_balance.engine.model import AssignmentModel
from conftest import solve_checked


def _problem(n: int, seed: int, policy_columns: bool, **policy: Any) -> Problem:
    t = synth.generate(n, seed=seed, policy_columns=policy_columns)
    problem = Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=t.get("units"))
    return problem.with_policy(**policy) if policy else problem


def _arc_lists(model: AssignmentModel) -> dict[int, tuple[Any, ...]]:
    """Each group's arcs (class, cost, tick) in order, the plain way."""
    ticks = model.ticks()
    out: dict[int, list[tuple[int, float, int]]] = {}
    for a in range(len(model.arc_group)):
        out.setdefault(int(model.arc_group[a]), []).append(
            (int(model.arc_class[a]), float(model.arc_cost[a]), int(ticks[a]))
        )
    return {g: tuple(v) for g, v in out.items()}


CASES = [
    pytest.param(400, 3, False, {}, id="core"),
    pytest.param(400, 5, True, {}, id="every-policy-column"),
    # a rotation nudge above the move cost makes some arcs rewards: those groups' classes lose
    # their home (derived classes per home), so their arcs differ and they must not be keyed
    pytest.param(400, 7, False, {"rotation_weight": 0.11}, id="rewards"),
]


@pytest.mark.parametrize(("n", "seed", "columns", "policy"), CASES)
def test_declared_groups_have_the_same_arcs(n: int, seed: int, columns: bool, policy: dict[str, Any]) -> None:
    model = compile_problem(_problem(n, seed, columns, **policy)).model
    key = model.declared_group_keys()
    assert key is not None and len(key) == model.n_groups
    lists = _arc_lists(model)
    keyed = np.flatnonzero(key >= 0)
    assert len(keyed) > 0
    first_of: dict[int, int] = {}
    for g in keyed.tolist():
        rep = first_of.setdefault(int(key[g]), g)
        assert lists.get(g) == lists.get(rep), f"groups {rep} and {g} share key {key[g]} but not arcs"


@pytest.mark.parametrize(("n", "seed", "columns", "policy"), CASES)
def test_signatures_from_keys_match_the_hashed_ones(
    n: int, seed: int, columns: bool, policy: dict[str, Any]
) -> None:
    model = compile_problem(_problem(n, seed, columns, **policy)).model
    assert model.declared_group_keys() is not None
    flow._SIG_CACHE.clear()
    by_key = flow._signatures(model)
    flow._SIG_CACHE.clear()
    saved = list(engine_model._GROUP_KEYS)
    engine_model._GROUP_KEYS.clear()
    try:
        by_hash = flow._signatures(model)
    finally:
        engine_model._GROUP_KEYS[:] = saved
        flow._SIG_CACHE.clear()
    # the same partition of the moving groups, signature by signature
    np.testing.assert_array_equal(by_key.moving_groups, by_hash.moving_groups)
    pairs = {(int(a), int(b)) for a, b in zip(by_key.sig_of, by_hash.sig_of, strict=True)}
    assert len({a for a, _ in pairs}) == len(pairs) == len({b for _, b in pairs})
    np.testing.assert_array_equal(by_key.arcs, by_hash.arcs)


def test_a_model_with_other_arc_arrays_does_not_see_the_keys() -> None:
    model = compile_problem(_problem(300, 11, False)).model
    assert model.declared_group_keys() is not None
    # the same arc arrays (the model without its side rows): the same keys
    assert model.relaxation().declared_group_keys() is model.declared_group_keys()
    # other costs on the arcs: the keys would lie, so they are not seen
    priced = replace(model, arc_cost=model.arc_cost + np.arange(len(model.arc_cost)) * 1e-3)
    assert priced.declared_group_keys() is None
    with pytest.raises(ValueError, match="one key per group"):
        model.declare_group_keys(np.zeros(model.n_groups + 1, dtype=np.int64))


def test_plans_with_declared_keys_pass_the_check() -> None:
    problem = _problem(600, 13, True)
    result = solve_checked(problem)
    assert result.has_plan
