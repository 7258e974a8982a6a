"""The min-cost flow solved in a child process: the same flows as in this process, the same
plans, its folder removed, a failing child replaced by the solve in this process, and no
child unless the caller has work to do beside it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest

from asn_balance import Problem, planner
from asn_balance.compile.compiler import compile_problem
from asn_balance.datasets import synth
from asn_balance.engine import control
from asn_balance.engine.backends import flow, mcf
from conftest import solve_checked


def _network(seed: int, n: int = 60, m: int = 400) -> dict[str, np.ndarray]:
    """A random feasible transport network: sources 0..9 to sinks 10..n-1 through a chain."""
    rng = np.random.default_rng(seed)
    tails = rng.integers(0, n, m)
    heads = rng.integers(0, n, m)
    keep = tails != heads
    tails, heads = tails[keep], heads[keep]
    chain_t, chain_h = np.arange(n - 1), np.arange(1, n)  # every node reaches the last
    tails = np.concatenate([tails, chain_t]).astype(np.int64)
    heads = np.concatenate([heads, chain_h]).astype(np.int64)
    caps = np.concatenate([rng.integers(1, 9, len(tails) - n + 1), np.full(n - 1, 10**6)]).astype(np.int64)
    costs = rng.integers(-5, 50, len(tails)).astype(np.int64)
    costs[len(tails) - n + 1 :] = 1000  # the chain is dear but always there
    supply = np.zeros(n, dtype=np.int64)
    supply[:10] = rng.integers(0, 20, 10)
    supply[-1] = -int(supply.sum())
    return {"tails": tails, "heads": heads, "caps": caps, "costs": costs, "supply": supply}


def _copy(net: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: a.copy() for k, a in net.items()}


child_path = pytest.mark.skipif(sys.version_info < (3, 11), reason="the child runs `python -P` (3.11)")


@child_path
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_child_gives_the_flows_of_this_process(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    net = _network(seed)
    here = mcf.solve_min_cost_flow(_copy(net))
    monkeypatch.setattr(mcf, "SEPARATE_ARCS", 0)
    waited: list[int] = []
    given = _copy(net)
    child = mcf.solve_min_cost_flow(given, on_wait=lambda: waited.append(1))
    assert given == {}  # handed over
    assert waited == [1]  # it went through the child
    assert here[0] == child[0] == "OPTIMAL"
    assert here[2] == child[2]
    assert here[1] is not None and child[1] is not None
    assert np.array_equal(here[1], child[1])
    assert int(np.dot(child[1], net["costs"])) == child[2]


@child_path
def test_an_infeasible_network_is_told_by_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _network(3)
    net["caps"][:] = 0  # nothing can leave the sources
    monkeypatch.setattr(mcf, "SEPARATE_ARCS", 0)
    status, flows, cost = mcf.solve_min_cost_flow(net, on_wait=lambda: None)
    assert status == "INFEASIBLE" and flows is None and cost == 0


@child_path
def test_the_childs_folder_is_removed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    made: list[str] = []
    real = tempfile.mkdtemp

    def spy(*args: object, **kwargs: object) -> str:
        folder = real(*args, **kwargs)  # type: ignore[call-overload]
        made.append(folder)
        return str(folder)

    monkeypatch.setattr(mcf.tempfile, "mkdtemp", spy)
    monkeypatch.setattr(mcf, "SEPARATE_ARCS", 0)
    assert mcf.solve_min_cost_flow(_network(4), on_wait=lambda: None)[0] == "OPTIMAL"
    assert len(made) == 1 and not os.path.exists(made[0])
    assert mcf._LIVE == {}


@child_path
def test_a_failing_child_is_replaced_by_the_solve_here(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    net = _network(5)
    expected = mcf.solve_min_cost_flow(_copy(net))

    def broken(folder: str, hub: int | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stderr.write('no memory'); sys.exit(9)"],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    monkeypatch.setattr(mcf, "SEPARATE_ARCS", 0)
    monkeypatch.setattr(mcf, "_start", broken)
    with caplog.at_level(logging.WARNING, logger=mcf.__name__):
        got = mcf.solve_min_cost_flow(_copy(net), on_wait=lambda: None)
    assert got[0] == "OPTIMAL" and got[2] == expected[2]
    assert np.array_equal(got[1], expected[1])  # type: ignore[arg-type]
    assert "exit 9" in caplog.text and "no memory" in caplog.text


@child_path
def test_plans_through_the_child_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A compiled scenario with every policy column: the engine's flow and the whole plan are
    the same when the flow goes through the child."""
    t = synth.generate(800, seed=3, policy_columns=True)
    problem = Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=t.get("units"))
    model = compile_problem(problem).model.without_side()
    here = flow.solve_flow(model)
    alone = solve_checked(problem)
    monkeypatch.setattr(mcf, "SEPARATE_ARCS", 0)
    idle = threading.Event()
    with control.idle_beside(idle):
        child = flow.solve_flow(model)
    assert idle.is_set()  # it went through the child
    assert child.objective == here.objective and np.array_equal(child.staff, here.staff)
    assert np.array_equal(child.move_group, here.move_group) and np.array_equal(child.move_bin, here.move_bin)
    monkeypatch.setattr(planner, "FINGERPRINT_BESIDE", 0)  # the planner's thread asks for the child
    through = solve_checked(problem)
    assert through.objective == alone.objective
    assert through.moves.equals(alone.moves)


def test_no_child_without_work_beside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``on_wait`` (nobody to use the free interpreter), or once the caller's event is
    set, the flow is solved here: a loop of flows (the Lagrangian) pays no child per flow."""
    started: list[str] = []
    monkeypatch.setattr(mcf, "SEPARATE_ARCS", 0)
    monkeypatch.setattr(mcf, "_start", lambda folder, hub=None: started.append(folder))
    assert mcf.solve_min_cost_flow(_network(6))[0] == "OPTIMAL"
    t = synth.generate(300, seed=2)
    model = compile_problem(Problem.from_frames(t["employees"], t["positions"], t["tasks"])).model
    flow.solve_flow(model)  # no caller waiting
    idle = threading.Event()
    idle.set()
    with control.idle_beside(idle):
        assert not control.idle_wanted()
        flow.solve_flow(model)  # the caller's thread already works
    assert started == []


@child_path
def test_files_that_cannot_be_written_are_solved_here(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No room in the scratch folder: the child is stopped and the flow solved here, from the
    arrays still held."""
    net = _network(7)
    expected = mcf.solve_min_cost_flow(_copy(net))
    started: list[subprocess.Popen[str]] = []
    real_start = mcf._start

    def start(folder: str, hub: int | None = None) -> subprocess.Popen[str] | None:
        proc = real_start(folder, hub)
        assert proc is not None
        started.append(proc)
        return proc

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mcf, "SEPARATE_ARCS", 0)
    monkeypatch.setattr(mcf, "_start", start)
    monkeypatch.setattr(mcf.np, "save", full)
    with caplog.at_level(logging.WARNING, logger=mcf.__name__):
        got = mcf.solve_min_cost_flow(_copy(net), on_wait=lambda: None)
    assert got[0] == "OPTIMAL" and got[2] == expected[2]
    assert "could not be written" in caplog.text
    assert len(started) == 1 and started[0].poll() is not None  # the child was stopped
    assert mcf._LIVE == {}


@child_path
def test_a_child_left_running_is_ended_at_exit(tmp_path: Path) -> None:
    """A process that exits while its flow's child solves (a run given up at its deadline)
    ends the child and removes its folder."""
    folder = tmp_path / "flow"
    folder.mkdir()
    (folder / "tails.npy").write_bytes(b"x")
    proc = mcf._start(str(folder))  # waits for its go, which never comes
    assert proc is not None and proc.poll() is None
    with mcf._LIVE_LOCK:
        mcf._LIVE[str(folder)] = proc
    mcf._end_live()
    assert proc.poll() is not None and not folder.exists() and mcf._LIVE == {}
