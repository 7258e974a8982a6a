"""Solve Generalized Assignment Problem instances through the asn_balance engine.

Usage::

    python benchmarks/gap.py FILE... [--time-limit S] [--workers N] [--seed N]
                             [--only NAME,NAME] [--best-known CSV]

FILE is an OR-Library multi-instance file (``gap1.txt`` .. ``gap12.txt``, ``gapa.txt`` ..
``gapd.txt``) or a single Yagiura instance (``d20400``). Every instance is minimised and
printed as one JSON object per line::

    {"instance": "gap12-3", "objective": 1451, "bound": 1451, "status": "optimal", "seconds": 0.4}

Names follow ``best_known.csv`` of the shared collection: ``gapK-p`` for problem ``p`` of
``gapK.txt``; problems of ``gapa``..``gapd`` by their Yagiura names (``a05100`` ..
``d20200``); single files by their file name. With ``--best-known`` each line also gets
``best_known`` and ``gap_to_best`` (relative), and a summary goes to stderr.

Each instance becomes an :class:`asn_balance.AssignmentModel`: jobs are unplaced groups
of one unit, agents are bins with a load capacity and no staffing cost, and every
(job, agent) pair is an arc with its cost and load. ``asn_balance.engine.dispatch.solve_model``
then runs CP-SAT and the large-neighbourhood search of ``solvers/loaded.py``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from asn_balance.engine import AssignmentModel
from asn_balance.engine.dispatch import solve_model

_ABCD_SIZES = ("05100", "05200", "10100", "10200", "20100", "20200")


def parse(path: Path) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(name, cost[m, n], load[m, n], capacity[m])`` for every instance in a file."""
    tokens = np.array(path.read_text().split(), dtype=np.int64)
    stem = path.name.removesuffix(".txt")

    def one(pos: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        m, n = int(tokens[pos]), int(tokens[pos + 1])
        pos += 2
        cost = tokens[pos : pos + m * n].reshape(m, n)
        pos += m * n
        load = tokens[pos : pos + m * n].reshape(m, n)
        pos += m * n
        cap = tokens[pos : pos + m]
        return pos + m, cost, load, cap

    m0, n0 = int(tokens[0]), int(tokens[1]) if len(tokens) > 1 else 0
    single = len(tokens) == 2 + 2 * m0 * n0 + m0
    if single:
        _, cost, load, cap = one(0)
        yield stem, cost, load, cap
        return
    count, pos = int(tokens[0]), 1
    for p in range(1, count + 1):
        pos, cost, load, cap = one(pos)
        if stem in ("gapa", "gapb", "gapc", "gapd"):
            name = stem[-1] + _ABCD_SIZES[p - 1]
        else:
            name = f"{stem}-{p}"
        yield name, cost, load, cap
    if pos != len(tokens):
        raise ValueError(f"{path}: {len(tokens) - pos} tokens left over")


def to_model(cost: np.ndarray, load: np.ndarray, cap: np.ndarray) -> AssignmentModel:
    """A GAP instance as an engine model (jobs = unplaced unit groups, agents = bins)."""
    m, n = cost.shape
    jobs = np.repeat(np.arange(n, dtype=np.int64), m)  # arcs job-major
    agents = np.tile(np.arange(m, dtype=np.int64), n)
    return AssignmentModel(
        target=np.zeros(m),
        weight=np.full(m, np.inf),  # no staffing cost
        min_staff=np.zeros(m, dtype=np.int64),
        max_staff=np.full(m, -1, dtype=np.int64),
        fixed=np.zeros(m, dtype=np.int64),
        group_size=np.ones(n, dtype=np.int64),
        group_home=np.full(n, -1, dtype=np.int64),
        class_indptr=np.arange(m + 1, dtype=np.int64),
        class_bins=np.arange(m, dtype=np.int64),
        arc_group=jobs,
        arc_class=agents,
        arc_cost=cost.T.reshape(-1).astype(float),
        arc_load=load.T.reshape(-1).astype(float),
        bin_capacity=cap.astype(float),
    )


def verify(cost: np.ndarray, load: np.ndarray, cap: np.ndarray, assign: np.ndarray) -> int:
    """Recompute the objective of an assignment and check every capacity (raises if broken)."""
    n = cost.shape[1]
    if assign.shape != (n,) or np.any(assign < 0):
        raise AssertionError("not every job is assigned")
    used = np.zeros(len(cap), dtype=np.int64)
    np.add.at(used, assign, load[assign, np.arange(n)])
    if np.any(used > cap):
        raise AssertionError(f"capacity exceeded at agents {np.flatnonzero(used > cap).tolist()}")
    return int(cost[assign, np.arange(n)].sum())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="comma-separated instance names to keep")
    ap.add_argument("--best-known", type=Path, default=None, help="best_known.csv for gaps to best")
    args = ap.parse_args(argv)
    only = {s for s in args.only.split(",") if s}
    best: dict[str, float] = {}
    if args.best_known:
        with args.best_known.open() as fh:
            best = {r["instance"]: float(r["value"]) for r in csv.DictReader(fh) if r["sense"] == "min"}
    gaps: list[float] = []
    for path in args.files:
        for name, cost, load, cap in parse(path):
            if only and name not in only:
                continue
            t0 = time.perf_counter()
            sol = solve_model(
                to_model(cost, load, cap), time_limit=args.time_limit, seed=args.seed, workers=args.workers
            )
            seconds = time.perf_counter() - t0
            row: dict[str, object] = {"instance": name, "status": sol.status, "seconds": round(seconds, 2)}
            if sol.status in ("optimal", "feasible"):
                assign = np.full(cost.shape[1], -1, dtype=np.int64)
                assign[sol.move_group] = sol.move_bin
                row["objective"] = verify(cost, load, cap, assign)
                row["bound"] = float(np.ceil(sol.bound - 1e-6))  # integral costs: the bound rounds up
            else:
                row["objective"], row["bound"] = None, None
            if name in best and row["objective"] is not None:
                row["best_known"] = best[name]
                row["gap_to_best"] = round((float(row["objective"]) - best[name]) / best[name], 6)  # type: ignore[arg-type]
                gaps.append(float(row["gap_to_best"]))  # type: ignore[arg-type]
            print(
                json.dumps(
                    {k: row[k] for k in ("instance", "objective", "bound", "status", "seconds")} | row
                ),
                flush=True,
            )
    if gaps:
        print(f"{len(gaps)} instances, mean gap to best known {100 * np.mean(gaps):.3f} %, "
              f"max {100 * np.max(gaps):.3f} %", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
