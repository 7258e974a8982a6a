"""OR-Tools' min-cost flow, solved in this process or, for a large network, in a child process.

Given a *hub* (the flow's sink) and supplies that sum to zero, the network is first cut at
the hub into its connected parts and each part is solved on its own with its own copy of
the hub. That is exact: a part's net flow into the hub is fixed by the part's own supplies
(whatever flows from the hub back into it), so the parts' feasible flows are exactly the
pieces of the whole's, and since the parts share no arc the whole's optimal cost is the sum
of the parts'. It is also fast: OR-Tools' cost scaling on the whole network pays for its
largest part in every part. At 5,000,000 employees (78 parts, one jabatan or a few each, the
largest with 15 % of the 8.5 million arcs) the parts take about 10 s together where the
whole network took about 40 s. Parts of fewer than :data:`PART_ARCS` arcs are solved
together, a few at a time, so that thousands of tiny parts do not cost one solver each. A
caller that solves a network again with a few parts changed (the flow's rounds, when its
first marginal caps or blocks of held levels were not exact) passes a *memo*: the parts
found in it by their digest are not solved again.

OR-Tools' ``SimpleMinCostFlow.solve`` holds the interpreter lock for its whole run. When the
caller has work of its own to do meanwhile (``on_wait``; the engine asks for it when
:func:`~asn_balance.engine.control.idle_wanted`) and the network has :data:`SEPARATE_ARCS`
arcs or more, it is solved by a child process (this very file run as a script: numpy and
OR-Tools only) while the calling thread waits without the lock, so the process's other
threads go on beside it (:func:`asn_balance.solve` hashes the input and prepares the
independent check there). The network goes to the child, and the flows come back, as
``.npy`` files in a private temporary folder (in ``/dev/shm`` where it exists and has room:
memory, not disk). The solve is the same code on the same arrays, so the flows are the same.
Should the child fail in any way (it cannot start, it is killed, it writes nothing), or the
files not be written, the flow is solved in this process instead and a warning is logged. A
process that exits while a child solves (a run given up at its deadline) ends the child and
removes its folder at exit; on Linux the child also dies with the thread that started it.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

__all__ = ["PART_ARCS", "SEPARATE_ARCS", "Memo", "solve_min_cost_flow"]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]

#: Arcs from which the flow is solved in a child process: below it the child's start (about
#: 0.5 s) and the files would cost more than the lock ever held.
SEPARATE_ARCS = 2_000_000
_NAMES = ("tails", "heads", "caps", "costs", "supply")


#: Parts of the network (cut at the hub) of fewer arcs than this are solved together, up to
#: about this many arcs at a time; larger parts are solved one by one.
PART_ARCS = 20_000
#: Rounds of the labelling of the parts: a network whose labels have not settled by then
#: is solved whole.
_LABEL_ROUNDS = 64
_KEY_BYTES = 16  # a part's digest
#: A caller's memo of parts solved: a part's digest -> its optimal flows and cost.
Memo = dict[bytes, tuple[IntArray, int]]


@dataclass
class _Solved:
    """A network solved here or in the child: the status, the flows and the cost of the parts
    solved; when it was cut, per part (a solve) the digest of its content, its cost (0 for a
    part left to the caller's memo) and where its arcs are (``arcs[at[j]:at[j + 1]]``)."""

    status: str
    flows: IntArray | None
    cost: int
    keys: list[bytes] | None = None
    part_cost: IntArray | None = None
    arcs: IntArray | None = None
    at: IntArray | None = None


def _whole(arrays: list[IntArray]) -> tuple[str, IntArray | None, int]:
    """One OR-Tools solve of ``[tails, heads, caps, costs, supply]``; the list is emptied once
    OR-Tools holds the network, so that the arrays are freed when nobody else holds them."""
    tails, heads, caps, costs, supply = arrays
    n_arcs, n_nodes = len(tails), len(supply)
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    mcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int64), supply)
    arrays.clear()
    del tails, heads, caps, costs, supply
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        return status.name, None, 0
    return status.name, mcf.flows(np.arange(n_arcs, dtype=np.int64)), int(mcf.optimal_cost())


def _labels(tails: IntArray, heads: IntArray, n_nodes: int, hub: int) -> IntArray | None:
    """Per node, the smallest node number of its connected part of the network without the
    hub's arcs (the hub's own number for the hub), or None if that did not settle.

    Each round hooks the larger of two different labels at the ends of an arc onto the
    smaller (labels are the roots of trees of decreasing numbers), then follows every
    node's pointers to its root; a part's smallest node is never hooked, so it ends as the
    root of its whole part."""
    keep = (tails != hub) & (heads != hub)
    t, h = tails[keep], heads[keep]
    label = np.arange(n_nodes, dtype=np.int64)
    for _ in range(_LABEL_ROUNDS):
        lt, lh = label[t], label[h]
        apart = np.flatnonzero(lt != lh)
        if not len(apart):  # equal at both ends of every arc: one label per part
            return label
        lt, lh = lt[apart], lh[apart]
        np.minimum.at(label, np.maximum(lt, lh), np.minimum(lt, lh))
        while True:  # to the roots (pointer jumping: a chain halves each time)
            up = label[label]
            if np.array_equal(up, label):
                break
            label = up
    return None


def _parts(tails: IntArray, heads: IntArray, n_nodes: int, hub: int) -> tuple[IntArray, IntArray] | None:
    """Per arc and per node the solve it belongs to (the hub: -1), or None when the network
    is one part (or its parts could not be told)."""
    label = _labels(tails, heads, n_nodes, hub)
    if label is None:
        return None
    _, comp = np.unique(label, return_inverse=True)
    comp = comp.ravel().astype(np.int64)
    n_comp = int(comp.max()) + 1
    arc_comp = comp[np.where(tails == hub, heads, tails)]
    size = np.bincount(arc_comp, minlength=n_comp)
    size[comp[hub]] = 0  # the hub alone (only arcs from the hub to itself): no part of its own
    if int((size > 0).sum()) <= 1:
        return None
    # the largest parts alone; the small ones packed in order into solves of about PART_ARCS
    order = np.argsort(-size, kind="stable")
    big = size[order] >= PART_ARCS
    solve_of = np.empty(n_comp, dtype=np.int64)
    n_big = int(big.sum())
    solve_of[order[:n_big]] = np.arange(n_big, dtype=np.int64)
    small = order[n_big:]
    solve_of[small] = n_big + np.cumsum(size[small]) // PART_ARCS
    node_solve = solve_of[comp]
    node_solve[hub] = -1
    return solve_of[arc_comp], node_solve


def _digest(arrays: list[IntArray]) -> bytes:
    """A digest of a part's network (its arrays and their lengths)."""
    h = hashlib.blake2b(digest_size=_KEY_BYTES)
    for x in arrays:
        h.update(np.int64(len(x)).tobytes())
        h.update(np.ascontiguousarray(x, dtype=np.int64).data)  # (its buffer, not a copy)
    return h.digest()


def _here(
    arrays: dict[str, IntArray], hub: int | None = None, known: Collection[bytes] = frozenset()
) -> _Solved:
    """Solve in this process, part by part when cut at ``hub`` (supplies that sum to zero);
    ``arrays`` is emptied. A part whose digest is in ``known`` is not solved (its flows stay
    zero and its cost 0: the caller's memo holds them)."""
    tails, heads, caps, costs, supply = (arrays[k] for k in _NAMES)
    arrays.clear()
    n_nodes = len(supply)
    parts = None
    if hub is not None and 0 <= hub < n_nodes and int(supply.sum()) == 0:  # else: OR-Tools' verdict
        parts = _parts(tails, heads, n_nodes, hub)
    if parts is None:
        whole = [tails, heads, caps, costs, supply]
        del tails, heads, caps, costs, supply
        return _Solved(*_whole(whole))
    arc_solve, node_solve = parts
    n_solves = int(max(arc_solve.max(), node_solve.max())) + 1
    arcs_by = np.argsort(arc_solve, kind="stable")
    arc_at = np.searchsorted(arc_solve[arcs_by], np.arange(n_solves + 1))
    nodes_by = np.argsort(node_solve, kind="stable")[1:]  # the hub (-1) first, left out
    node_at = np.searchsorted(node_solve[nodes_by], np.arange(n_solves + 1))
    del arc_solve, node_solve
    local = np.empty(n_nodes, dtype=np.int64)  # a node's number within its solve
    local[nodes_by] = np.arange(len(nodes_by), dtype=np.int64) - np.repeat(node_at[:-1], np.diff(node_at))
    flows = np.zeros(len(tails), dtype=np.int64)
    keys: list[bytes] = []
    part_cost = np.zeros(n_solves, dtype=np.int64)
    for j in range(n_solves):
        a = arcs_by[arc_at[j] : arc_at[j + 1]]
        v = nodes_by[node_at[j] : node_at[j + 1]]
        local[hub] = len(v)  # the part's own copy of the hub
        sub_supply = np.append(supply[v], -int(supply[v].sum()))  # the hub's share: what the part sends it
        sub = [local[tails[a]], local[heads[a]], caps[a], costs[a], sub_supply]
        keys.append(_digest(sub))
        if keys[-1] in known:
            continue
        if len(a) == 0:
            if np.any(sub_supply != 0):  # supply with no arc to carry it
                return _Solved("INFEASIBLE", None, 0)
            continue
        status, sub_flows, cost = _whole(sub)
        if sub_flows is None:
            return _Solved(status, None, 0)
        flows[a] = sub_flows
        part_cost[j] = cost
    return _Solved("OPTIMAL", flows, int(part_cost.sum()), keys, part_cost, arcs_by, arc_at)


def _settled(
    solved: _Solved, memo: Memo | None, known: Collection[bytes]
) -> tuple[str, IntArray | None, int]:
    """The flows and cost of the whole network: the parts left to ``memo`` taken from it, the
    parts solved now put in it."""
    flows = solved.flows
    if flows is None or memo is None or solved.keys is None:
        return solved.status, flows, solved.cost
    assert solved.arcs is not None and solved.at is not None and solved.part_cost is not None
    total = 0
    for j, key in enumerate(solved.keys):
        seg = solved.arcs[solved.at[j] : solved.at[j + 1]]
        if key in known:
            part_flows, cost = memo[key]
            flows[seg] = part_flows
        else:
            cost = int(solved.part_cost[j])
            memo[key] = (flows[seg].copy(), cost)
        total += cost
    # a round's changes only go one way (caps grow, blocks are listed): parts not in this
    # network will not come back, and their flows would only hold memory
    for key in set(memo) - set(solved.keys):
        del memo[key]
    return solved.status, flows, total


def _scratch(nbytes: int) -> str:
    """A private temporary folder, in ``/dev/shm`` when it exists and has twice ``nbytes``."""
    shm = "/dev/shm"
    try:
        if os.path.isdir(shm) and shutil.disk_usage(shm).free > 2 * nbytes + (256 << 20):
            return tempfile.mkdtemp(prefix="asn-balance-flow-", dir=shm)
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="asn-balance-flow-")


def _start(folder: str, hub: int | None = None) -> subprocess.Popen[str] | None:
    env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": os.environ.get("NUMPY_MADVISE_HUGEPAGE", "0")}
    try:
        return subprocess.Popen(
            # -P: the script's folder (the engine's modules) is not put on the import path
            [sys.executable, "-P", __file__, folder, str(os.getpid()), "-1" if hub is None else str(hub)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            encoding="utf-8",
            errors="replace",
            env=env,
            start_new_session=True,  # Ctrl-C in the terminal is the parent's to handle
        )
    except OSError as e:
        log.warning("the min-cost flow's child process did not start (%s): solved in this process", e)
        return None


def _stop(proc: subprocess.Popen[str] | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


#: Child processes and their folders not yet ended and removed: a process that exits while
#: one solves (a run given up at its deadline, a second Ctrl-C) ends them at exit.
_LIVE: dict[str, subprocess.Popen[str] | None] = {}
_LIVE_LOCK = threading.Lock()


@atexit.register
def _end_live() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE.items())
        _LIVE.clear()
    for folder, proc in live:
        with contextlib.suppress(OSError):
            _stop(proc)
        shutil.rmtree(folder, ignore_errors=True)


def solve_min_cost_flow(
    network: dict[str, IntArray],
    on_wait: Callable[[], None] | None = None,
    *,
    hub: int | None = None,
    memo: Memo | None = None,
) -> tuple[str, IntArray | None, int]:
    """Solve ``min sum(costs * flow)`` on the arcs ``tails[i] -> heads[i]`` with capacities
    ``caps`` and node supplies ``supply`` (node ``k`` is ``k``) with OR-Tools.

    Parameters
    ----------
    network : dict
        ``tails``, ``heads``, ``caps``, ``costs`` (int64, one entry per arc) and ``supply``
        (int64, one entry per node, summing to zero). It is emptied once the arrays are
        handed over, so that they are freed when the caller holds no other reference.
    on_wait : callable, optional
        Called when this thread starts waiting for the child process. Without it the flow
        is solved here: the child pays only when somebody uses the free interpreter.
    hub : int, optional
        A node where the network is cut into its connected parts (the sink), each solved on
        its own (the same optimal cost; the flows may be another optimum of the same cost).
    memo : dict, optional
        The optimal flows of parts solved before, by their digest, kept by a caller that
        solves a network again with a few parts changed (the flow's rounds): a part found in
        it is not solved again, and the parts solved now are added to it.

    Returns
    -------
    status : str
        OR-Tools' status name: ``"OPTIMAL"``, ``"INFEASIBLE"``, ...
    flows : ndarray of int64 or None
        The flow on each arc when the status is ``"OPTIMAL"``.
    cost : int
        Its cost, ``sum(costs * flows)`` (0 without a flow).
    """
    known: frozenset[bytes] = frozenset(memo) if memo else frozenset()
    if on_wait is None or len(network["tails"]) < SEPARATE_ARCS or sys.version_info < (3, 11):  # -P: 3.11
        return _settled(_here(network, hub, known), memo, known)
    return _settled(_in_child(network, on_wait, hub, known), memo, known)


def _in_child(
    network: dict[str, IntArray], on_wait: Callable[[], None], hub: int | None, known: frozenset[bytes]
) -> _Solved:
    folder = _scratch(sum(int(a.nbytes) for a in network.values()))
    proc: subprocess.Popen[str] | None = None
    try:
        proc = _start(folder, hub)
        with _LIVE_LOCK:
            _LIVE[folder] = proc
        try:
            for name in _NAMES:
                np.save(
                    os.path.join(folder, f"{name}.npy"), np.ascontiguousarray(network[name], dtype=np.int64)
                )
            if known:
                np.save(os.path.join(folder, "known.npy"), _key_array(sorted(known)))
        except OSError as e:  # no room for the files: here, from the arrays still held
            log.warning("the min-cost flow's files could not be written (%s): solved in this process", e)
            _stop(proc)
            return _here(network, hub, known)
        network.clear()
        t = time.perf_counter()
        err = ""
        if proc is not None:
            try:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            except OSError:  # the child already died: its error is read below
                pass
            on_wait()
            err = proc.communicate()[1] or ""  # waits without the lock; stopped below if broken off
        status_file = os.path.join(folder, "status.txt")
        if proc is not None and proc.returncode == 0 and os.path.exists(status_file):
            log.debug("min-cost flow solved in a child process in %.1f s", time.perf_counter() - t)
            return _read_solved(folder)
        if proc is not None:
            log.warning(
                "the min-cost flow's child process failed (exit %s%s): solved in this process",
                proc.returncode,
                f": {err.strip()[-500:]}" if err.strip() else "",
            )
        return _here({name: np.load(os.path.join(folder, f"{name}.npy")) for name in _NAMES}, hub, known)
    finally:
        _stop(proc)
        shutil.rmtree(folder, ignore_errors=True)
        with _LIVE_LOCK:
            _LIVE.pop(folder, None)


_PARTS_FILES = ("part_cost", "arcs", "at")


def _key_array(keys: list[bytes]) -> npt.NDArray[np.uint8]:
    """Digests as rows of bytes (a bytes dtype would drop trailing zero bytes)."""
    return np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), _KEY_BYTES)


def _keys_of(rows: npt.NDArray[np.uint8]) -> list[bytes]:
    return [row.tobytes() for row in rows]


def _write_solved(folder: str, solved: _Solved) -> None:
    """The child's answer: the flows and, for a cut network, its parts; ``status.txt`` last."""
    if solved.flows is not None:
        np.save(os.path.join(folder, "flows.npy"), solved.flows)
        if solved.keys is not None:
            np.save(os.path.join(folder, "keys.npy"), _key_array(solved.keys))
            for name in _PARTS_FILES:
                np.save(os.path.join(folder, f"{name}.npy"), getattr(solved, name))
    Path(folder, "status.tmp").write_text(f"{solved.status} {solved.cost}", encoding="ascii")
    os.replace(os.path.join(folder, "status.tmp"), os.path.join(folder, "status.txt"))


def _read_solved(folder: str) -> _Solved:
    status, cost = Path(folder, "status.txt").read_text(encoding="ascii").split()
    if status != "OPTIMAL":
        return _Solved(status, None, int(cost))
    solved = _Solved(status, np.load(os.path.join(folder, "flows.npy")), int(cost))
    if os.path.exists(os.path.join(folder, "keys.npy")):
        solved.keys = _keys_of(np.load(os.path.join(folder, "keys.npy")))
        for name in _PARTS_FILES:
            setattr(solved, name, np.load(os.path.join(folder, f"{name}.npy")))
    return solved


def _die_with_parent() -> None:
    """On Linux, SIGKILL this process when the thread that started it ends."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(folder: str, parent: int, hub: int | None = None) -> int:
    """The child process: wait for the parent's go (a line on standard input; it writes the
    network meanwhile), solve the network in ``folder`` (cut at ``hub``, leaving out the parts
    whose digests ``known.npy`` lists), write ``flows.npy`` (and the parts' files) and then
    ``status.txt`` (OR-Tools' status name and the cost of the parts solved). It ignores
    Ctrl-C (its parent decides) and, on Linux, dies with the thread that started it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the signal was armed
        return 3
    if not sys.stdin.readline().strip():  # the parent closed the pipe: nothing to solve
        return 4
    known_file = os.path.join(folder, "known.npy")
    known = frozenset(_keys_of(np.load(known_file))) if os.path.exists(known_file) else frozenset()
    _write_solved(folder, _here({k: np.load(os.path.join(folder, f"{k}.npy")) for k in _NAMES}, hub, known))
    return 0


if __name__ == "__main__":
    _hub = int(sys.argv[3]) if len(sys.argv) > 3 else -1
    sys.exit(_child(sys.argv[1], int(sys.argv[2]), None if _hub < 0 else _hub))
