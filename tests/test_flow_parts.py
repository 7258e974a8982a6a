"""The min-cost flow cut at its hub (the sink) into connected parts, each solved on its own:
the same optimal cost as the whole network, a feasible flow of the whole, the same verdict
when a part cannot be fed, and the same plans through the planner."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asn_balance import Problem
from asn_balance.compile.compiler import compile_problem
from asn_balance.datasets import synth
from asn_balance.engine.backends import flow, mcf
from conftest import solve_checked


def _parts_network(seed: int, n_parts: int, size: int, dense: int) -> tuple[dict[str, np.ndarray], int]:
    """``n_parts`` random transport networks that share only their last node, the hub: each
    has sources, inner arcs (some of negative cost), a dear chain to the hub so that it is
    feasible, and a few arcs out of the hub back into it."""
    rng = np.random.default_rng(seed)
    hub = n_parts * size
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    costs: list[np.ndarray] = []
    supply = np.zeros(hub + 1, dtype=np.int64)
    for k in range(n_parts):
        base = k * size
        t = base + rng.integers(0, size, dense)
        h = base + rng.integers(0, size, dense)
        keep = t != h
        chain_t = np.arange(base, base + size)
        chain_h = np.append(np.arange(base + 1, base + size), hub)
        back = base + rng.integers(0, size, 2)  # the hub feeds its parts too
        tails += [t[keep], chain_t, np.full(2, hub)]
        heads += [h[keep], chain_h, back]
        caps += [rng.integers(1, 9, int(keep.sum())), np.full(size, 10**6), rng.integers(0, 4, 2)]
        costs += [rng.integers(-5, 50, int(keep.sum())), np.full(size, 1000), rng.integers(-20, 20, 2)]
        supply[base : base + size // 2] = rng.integers(0, 20, size // 2)
    supply[hub] = -int(supply.sum())
    net = {
        "tails": np.concatenate(tails).astype(np.int64),
        "heads": np.concatenate(heads).astype(np.int64),
        "caps": np.concatenate(caps).astype(np.int64),
        "costs": np.concatenate(costs).astype(np.int64),
        "supply": supply,
    }
    return net, hub


def _copy(net: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: a.copy() for k, a in net.items()}


def _assert_feasible(net: dict[str, np.ndarray], flows: np.ndarray) -> None:
    assert np.all(flows >= 0) and np.all(flows <= net["caps"])
    n = len(net["supply"])
    out = np.bincount(net["tails"], weights=flows, minlength=n)
    into = np.bincount(net["heads"], weights=flows, minlength=n)
    assert np.array_equal((out - into).astype(np.int64), net["supply"])


def _whole(net: dict[str, np.ndarray]) -> tuple[str, np.ndarray | None, int]:
    return mcf._whole([net[k].copy() for k in ("tails", "heads", "caps", "costs", "supply")])


@pytest.mark.parametrize("part_arcs", [1, 50, 10**9])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_parts_give_the_optimal_cost_of_the_whole(
    monkeypatch: pytest.MonkeyPatch, seed: int, part_arcs: int
) -> None:
    """Each part alone, small parts packed together, or all packed into one solve: the
    optimal cost of the whole network, and a feasible flow of it of that cost."""
    monkeypatch.setattr(mcf, "PART_ARCS", part_arcs)
    net, hub = _parts_network(seed, n_parts=7, size=12, dense=40)
    whole = _whole(net)
    status, flows, cost = mcf.solve_min_cost_flow(_copy(net), hub=hub)
    assert whole[0] == status == "OPTIMAL"
    assert flows is not None
    assert cost == whole[2] == int(np.dot(flows, net["costs"]))
    _assert_feasible(net, flows)


def test_the_parts_are_the_connected_parts_without_the_hub() -> None:
    net, hub = _parts_network(5, n_parts=4, size=10, dense=30)
    parts = mcf._parts(net["tails"], net["heads"], len(net["supply"]), hub)
    assert parts is not None
    arc_solve, node_solve = parts
    assert node_solve[hub] == -1
    # every node of one generated part in one solve, and four solves (PART_ARCS packs none:
    # each part is smaller than it, so they are packed: at most as many solves as parts)
    for k in range(4):
        assert len(set(node_solve[k * 10 : (k + 1) * 10].tolist())) == 1
    side = np.where(net["tails"] == hub, net["heads"], net["tails"])
    assert np.array_equal(arc_solve, node_solve[side])


def test_one_part_is_solved_whole() -> None:
    """A network that is one part without its hub is not cut (and nothing is solved twice)."""
    net, hub = _parts_network(6, n_parts=1, size=15, dense=40)
    assert mcf._parts(net["tails"], net["heads"], len(net["supply"]), hub) is None
    assert mcf.solve_min_cost_flow(_copy(net), hub=hub)[2] == _whole(net)[2]


def test_a_part_that_cannot_reach_the_hub_makes_the_whole_infeasible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mcf, "PART_ARCS", 1)
    net, hub = _parts_network(7, n_parts=3, size=10, dense=20)
    into_hub = net["heads"] == hub
    second = (net["tails"] >= 10) & (net["tails"] < 20)
    net["caps"][into_hub & second] = 0  # the second part's supply has no way out
    assert _whole(net)[0] == "INFEASIBLE"
    status, flows, cost = mcf.solve_min_cost_flow(_copy(net), hub=hub)
    assert status == "INFEASIBLE" and flows is None and cost == 0


def test_a_node_with_supply_and_no_arc_makes_the_whole_infeasible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mcf, "PART_ARCS", 1)
    net, hub = _parts_network(8, n_parts=3, size=10, dense=20)
    supply = np.append(net["supply"][:hub], [5, net["supply"][hub] - 5])  # a lone node before the hub
    tails, heads = net["tails"].copy(), net["heads"].copy()
    tails[tails == hub] = hub + 1
    heads[heads == hub] = hub + 1
    lone = {**net, "tails": tails, "heads": heads, "supply": supply}
    assert _whole(lone)[0] == "INFEASIBLE"
    assert mcf.solve_min_cost_flow(_copy(lone), hub=hub + 1)[0] == "INFEASIBLE"


def test_an_unsettled_labelling_solves_the_network_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Labels that have not settled in the rounds allowed (a long chain) mean one solve of
    the whole network, never a wrong cut."""
    monkeypatch.setattr(mcf, "_LABEL_ROUNDS", 0)
    net, hub = _parts_network(9, n_parts=5, size=10, dense=20)
    assert mcf._parts(net["tails"], net["heads"], len(net["supply"]), hub) is None
    assert mcf.solve_min_cost_flow(_copy(net), hub=hub)[2] == _whole(net)[2]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    n_parts=st.integers(1, 6),
    size=st.integers(2, 9),
    dense=st.integers(0, 25),
    part_arcs=st.sampled_from([1, 7, 40, 10**6]),
)
def test_cut_and_whole_agree(seed: int, n_parts: int, size: int, dense: int, part_arcs: int) -> None:
    net, hub = _parts_network(seed, n_parts, size, dense)
    whole = _whole(net)
    old = mcf.PART_ARCS
    mcf.PART_ARCS = part_arcs
    try:
        status, flows, cost = mcf.solve_min_cost_flow(_copy(net), hub=hub)
    finally:
        mcf.PART_ARCS = old
    assert status == whole[0]
    if status == "OPTIMAL":
        assert flows is not None and cost == whole[2] == int(np.dot(flows, net["costs"]))
        _assert_feasible(net, flows)


@pytest.mark.parametrize("seed", [1, 4])
def test_plans_through_the_cut_flow_are_optimal_and_checked(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """The flow engine's plan with every part in a solve of its own and with the network
    solved whole: the same objective, both checked."""
    t = synth.generate(800, seed=seed)
    problem = Problem.from_frames(t["employees"], t["positions"], t["tasks"])
    monkeypatch.setattr(mcf, "PART_ARCS", 1)
    real = mcf._parts
    cuts: list[int] = []

    def spy(*args: object) -> tuple[np.ndarray, np.ndarray] | None:
        got = real(*args)  # type: ignore[arg-type]
        cuts.append(0 if got is None else int(got[0].max()) + 1)
        return got

    monkeypatch.setattr(mcf, "_parts", spy)
    cut = solve_checked(problem)
    assert cuts and max(cuts) > 1  # the network was cut
    model = compile_problem(problem).model
    monkeypatch.setattr(mcf, "_LABEL_ROUNDS", 0)
    whole = flow.solve_flow(model)
    assert cut.status == whole.status == "optimal"
    assert cut.objective == pytest.approx(whole.objective, abs=1e-6)


def test_unbalanced_supplies_get_the_whole_networks_verdict() -> None:
    """Supplies that do not sum to zero are not cut: OR-Tools' own verdict on the whole."""
    net, hub = _parts_network(10, n_parts=3, size=8, dense=15)
    net["supply"][0] += 3
    assert mcf.solve_min_cost_flow(_copy(net), hub=hub)[0] == _whole(net)[0] != "OPTIMAL"


def test_a_long_chain_is_labelled() -> None:
    """Parts that are long chains of randomly numbered nodes are told apart in a few rounds."""
    rng = np.random.default_rng(11)
    n = 20_000
    perm = rng.permutation(n)
    tails = np.concatenate([perm[: n // 2 - 1], perm[n // 2 : -1]]).astype(np.int64)  # two chains
    heads = np.concatenate([perm[1 : n // 2], perm[n // 2 + 1 :]]).astype(np.int64)
    label = mcf._labels(tails, heads, n + 1, n)
    assert label is not None
    assert len(set(label[perm[: n // 2]].tolist())) == 1 and len(set(label[perm[n // 2 :]].tolist())) == 1
    assert label[perm[0]] == perm[: n // 2].min() and label[perm[-1]] == perm[n // 2 :].min()


def test_digests_survive_the_files() -> None:
    keys = [b"\x01" * 15 + b"\x00", b"\x00" * 16, bytes(range(16))]
    assert mcf._keys_of(mcf._key_array(keys)) == keys


def _count_solves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    solved: list[int] = []
    real = mcf._whole

    def spy(arrays: list[np.ndarray]) -> tuple[str, np.ndarray | None, int]:
        solved.append(len(arrays[0]))
        return real(arrays)

    monkeypatch.setattr(mcf, "_whole", spy)
    return solved


def test_a_memo_solves_only_the_changed_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A network solved again with one part changed (a flow's next round): only that part is
    solved; the others' flows come from the memo; the cost is the whole network's."""
    monkeypatch.setattr(mcf, "PART_ARCS", 1)
    net, hub = _parts_network(12, n_parts=5, size=10, dense=25)
    changed = _copy(net)
    inner = (changed["tails"] < 10) & (changed["heads"] < 10)  # an arc inside the first part
    changed["costs"][np.flatnonzero(inner)[0]] -= 7
    best, best_changed = _whole(net)[2], _whole(changed)[2]
    memo: dict[bytes, tuple[np.ndarray, int]] = {}
    solved = _count_solves(monkeypatch)
    first = mcf.solve_min_cost_flow(_copy(net), hub=hub, memo=memo)
    assert first[0] == "OPTIMAL" and first[2] == best
    assert len(solved) == 5 and len(memo) == 5
    solved.clear()
    again = mcf.solve_min_cost_flow(_copy(changed), hub=hub, memo=memo)
    assert len(solved) == 1  # the first part only
    assert len(memo) == 5  # the first part's old flows dropped
    assert again[0] == "OPTIMAL" and again[2] == best_changed
    assert again[1] is not None
    _assert_feasible(changed, again[1])
    assert int(np.dot(again[1], changed["costs"])) == again[2]
    solved.clear()
    same = mcf.solve_min_cost_flow(_copy(changed), hub=hub, memo=memo)
    assert solved == [] and same[2] == again[2]
    assert same[1] is not None and np.array_equal(same[1], again[1])


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the child runs `python -P` (3.11)")
def test_the_child_cuts_at_the_hub_and_uses_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the child process: the hub reaches it (its parts come back to the memo) and the
    memo's parts are not solved there again."""
    monkeypatch.setattr(mcf, "SEPARATE_ARCS", 0)
    # (the child has its own PART_ARCS: every generated part there is packed with others)
    net, hub = _parts_network(13, n_parts=4, size=10, dense=25)
    memo: dict[bytes, tuple[np.ndarray, int]] = {}
    first = mcf.solve_min_cost_flow(_copy(net), on_wait=lambda: None, hub=hub, memo=memo)
    assert first[0] == "OPTIMAL" and first[2] == _whole(net)[2]
    assert len(memo) >= 1  # the child cut the network and sent its parts back
    here = mcf.solve_min_cost_flow(_copy(net), hub=hub)
    assert here[2] == first[2]
    again = mcf.solve_min_cost_flow(_copy(net), on_wait=lambda: None, hub=hub, memo=memo)
    assert again[2] == first[2] and again[1] is not None and np.array_equal(again[1], first[1])


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the child runs `python -P` (3.11)")
def test_the_child_solves_only_the_parts_the_memo_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts above the child's PART_ARCS, one of them changed between two solves through the
    child: the memo keeps the four unchanged parts' digests and the result is the whole's."""
    monkeypatch.setattr(mcf, "SEPARATE_ARCS", 0)
    net, hub = _parts_network(14, n_parts=5, size=10, dense=25_000)
    changed = _copy(net)
    inner = (changed["tails"] < 10) & (changed["heads"] < 10)
    changed["costs"][np.flatnonzero(inner)[:50]] -= 9
    best_changed = _whole(changed)[2]
    memo: dict[bytes, tuple[np.ndarray, int]] = {}
    first = mcf.solve_min_cost_flow(_copy(net), on_wait=lambda: None, hub=hub, memo=memo)
    assert first[0] == "OPTIMAL" and len(memo) == 5
    before = set(memo)
    again = mcf.solve_min_cost_flow(_copy(changed), on_wait=lambda: None, hub=hub, memo=memo)
    assert again[0] == "OPTIMAL" and again[2] == best_changed
    assert again[1] is not None
    _assert_feasible(changed, again[1])
    assert len(set(memo) & before) == 4 and len(memo) == 5
