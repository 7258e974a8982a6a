"""The per-pair rule explanations agree with the vectorised eligibility (used for why-not)."""

from __future__ import annotations

import numpy as np
import pytest

from asn_balance import Problem
from asn_balance.compile.eligibility import eligibility, mover_rule, mover_rules_all, target_rules
from asn_balance.datasets import synth


@pytest.mark.parametrize("jabatan_change", [False, True])
def test_target_rules_agree_with_eligibility(jabatan_change: bool) -> None:
    t = synth.generate(250, seed=4)
    problem = Problem.from_frames(t["employees"], t["positions"], t["tasks"]).with_policy(
        allow_jabatan_change=jabatan_change, allow_pppk=True
    )
    el = eligibility(problem)
    allowed = set(zip(el.arc_profile.tolist(), el.arc_class.tolist(), strict=True))
    rng = np.random.default_rng(0)
    movers = np.flatnonzero(el.profile >= 0)
    for i in rng.choice(movers, size=60, replace=False):
        for j in rng.choice(problem.n_positions, size=15, replace=False):
            fits = (int(el.profile[i]), int(el.position_class[j])) in allowed
            assert fits == (target_rules(problem, int(i), int(j)) == []), (
                i,
                j,
                target_rules(problem, int(i), int(j)),
            )


def test_mover_rules_all_agree_with_mover_rule() -> None:
    t = synth.generate(250, seed=5)
    problem = Problem.from_frames(t["employees"], t["positions"], t["tasks"])
    first = mover_rule(problem)
    for i in range(problem.n_employees):
        rules = mover_rules_all(problem, i)
        assert (first[i] == "") == (rules == [])
        if rules:
            assert first[i] in rules
