"""OR-Tools' min-cost flow, solved in this process or, for a large network, in a child process.

OR-Tools' ``SimpleMinCostFlow.solve`` holds the interpreter lock for its whole run: at
5,000,000 employees (8.5 million arcs) that is about 55 s in which no other thread of the
process runs Python. When the caller has work of its own to do meanwhile (``on_wait``; the
engine asks for it when :func:`~asn_balance.engine.control.idle_wanted`) and the network has
:data:`SEPARATE_ARCS` arcs or more, it is solved by a child process (this very file run as a
script: numpy and OR-Tools only) while the calling thread waits without the lock, so the
process's other threads go on beside it (:func:`asn_balance.solve` prepares the independent
check there). The network goes to the child, and the flows come back, as ``.npy`` files in a
private temporary folder (in ``/dev/shm`` where it exists and has room: memory, not disk).
The solve is the same OR-Tools call with the same arrays, so the flows are the same. Should
the child fail in any way (it cannot start, it is killed, it writes nothing), or the files
not be written, the flow is solved in this process instead and a warning is logged. A
process that exits while a child solves (a run given up at its deadline) ends the child and
removes its folder at exit; on Linux the child also dies with the thread that started it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

__all__ = ["SEPARATE_ARCS", "solve_min_cost_flow"]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]

#: Arcs from which the flow is solved in a child process: below it the child's start (about
#: 0.5 s) and the files would cost more than the lock ever held.
SEPARATE_ARCS = 2_000_000
_NAMES = ("tails", "heads", "caps", "costs", "supply")


def _here(arrays: dict[str, IntArray]) -> tuple[str, IntArray | None, int]:
    """Solve in this process; ``arrays`` is emptied once OR-Tools holds the network."""
    mcf = min_cost_flow.SimpleMinCostFlow()
    tails = arrays["tails"]
    mcf.add_arcs_with_capacity_and_unit_cost(tails, arrays["heads"], arrays["caps"], arrays["costs"])
    n_arcs = len(tails)
    del tails
    supply = arrays["supply"]
    mcf.set_nodes_supplies(np.arange(len(supply), dtype=np.int64), supply)
    arrays.clear()
    del supply
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        return status.name, None, 0
    return status.name, mcf.flows(np.arange(n_arcs, dtype=np.int64)), int(mcf.optimal_cost())


def _scratch(nbytes: int) -> str:
    """A private temporary folder, in ``/dev/shm`` when it exists and has twice ``nbytes``."""
    shm = "/dev/shm"
    try:
        if os.path.isdir(shm) and shutil.disk_usage(shm).free > 2 * nbytes + (256 << 20):
            return tempfile.mkdtemp(prefix="asn-balance-flow-", dir=shm)
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="asn-balance-flow-")


def _start(folder: str) -> subprocess.Popen[str] | None:
    env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": os.environ.get("NUMPY_MADVISE_HUGEPAGE", "0")}
    try:
        return subprocess.Popen(
            # -P: the script's folder (the engine's modules) is not put on the import path
            [sys.executable, "-P", __file__, folder, str(os.getpid())],
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
    network: dict[str, IntArray], on_wait: Callable[[], None] | None = None
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

    Returns
    -------
    status : str
        OR-Tools' status name: ``"OPTIMAL"``, ``"INFEASIBLE"``, ...
    flows : ndarray of int64 or None
        The flow on each arc when the status is ``"OPTIMAL"``.
    cost : int
        Its cost, ``sum(costs * flows)`` (0 without a flow).
    """
    if on_wait is None or len(network["tails"]) < SEPARATE_ARCS or sys.version_info < (3, 11):  # -P: 3.11
        return _here(network)
    folder = _scratch(sum(int(a.nbytes) for a in network.values()))
    proc: subprocess.Popen[str] | None = None
    try:
        proc = _start(folder)
        with _LIVE_LOCK:
            _LIVE[folder] = proc
        try:
            for name in _NAMES:
                np.save(
                    os.path.join(folder, f"{name}.npy"), np.ascontiguousarray(network[name], dtype=np.int64)
                )
        except OSError as e:  # no room for the files: here, from the arrays still held
            log.warning("the min-cost flow's files could not be written (%s): solved in this process", e)
            _stop(proc)
            return _here(network)
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
            status, cost = Path(status_file).read_text(encoding="ascii").split()
            flows = np.load(os.path.join(folder, "flows.npy")) if status == "OPTIMAL" else None
            log.debug("min-cost flow solved in a child process in %.1f s", time.perf_counter() - t)
            return status, flows, int(cost)
        if proc is not None:
            log.warning(
                "the min-cost flow's child process failed (exit %s%s): solved in this process",
                proc.returncode,
                f": {err.strip()[-500:]}" if err.strip() else "",
            )
        return _here({name: np.load(os.path.join(folder, f"{name}.npy")) for name in _NAMES})
    finally:
        _stop(proc)
        shutil.rmtree(folder, ignore_errors=True)
        with _LIVE_LOCK:
            _LIVE.pop(folder, None)


def _die_with_parent() -> None:
    """On Linux, SIGKILL this process when the thread that started it ends."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(folder: str, parent: int) -> int:
    """The child process: wait for the parent's go (a line on standard input; it writes the
    network meanwhile), solve the network in ``folder``, write ``flows.npy`` and then
    ``status.txt`` (OR-Tools' status name and the optimal cost). It ignores Ctrl-C (its parent
    decides) and, on Linux, dies with the thread that started it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the signal was armed
        return 3
    if not sys.stdin.readline().strip():  # the parent closed the pipe: nothing to solve
        return 4
    status, flows, cost = _here({k: np.load(os.path.join(folder, f"{k}.npy")) for k in _NAMES})
    if flows is not None:
        np.save(os.path.join(folder, "flows.npy"), flows)
    Path(folder, "status.tmp").write_text(f"{status} {cost}", encoding="ascii")
    os.replace(os.path.join(folder, "status.tmp"), os.path.join(folder, "status.txt"))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], int(sys.argv[2])))
