"""Solve synthetic scenarios with every policy column (unit caps, coverage, wishes, spouses).

Usage: ``python benchmarks/policy_scale.py --employees 600 3000 10000 --time-limit 60``
(``--seed 5 23``: several seeds; ``--tight``: every unit capped, caps cut to a third, at least
one; ``--coverage-plus 1``: every coverage count raised by one; ``--paths highs cpsat``: each
scenario once per side path, ``cpsat`` forcing the CP-SAT/Lagrangian path the engine used
before HiGHS, in the same process).

Prints one JSON line per scenario: employees, arcs of the engine model, status, objective,
bound, gap, moves, solver and wall seconds (read + compile + solve + report), and whether
the independent checker accepts the plan.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from asn_balance import Problem, check
from asn_balance.datasets import synth
from asn_balance.engine import dispatch
from asn_balance.planner import compile_problem, solve


def _raise(coverage: str, plus: int) -> str:
    """``"keuangan:3x2;hukum:2x1"`` with every count raised by ``plus``."""
    parts = []
    for part in filter(None, str(coverage).split(";")):
        head, _, count = part.rpartition("x")
        parts.append(f"{head}x{int(count) + plus}")
    return ";".join(parts)


def scenario(n: int, seed: int, tight: bool, coverage_plus: int = 0) -> dict[str, pd.DataFrame]:
    """The synthetic tables; ``tight``: every unit capped at a third of its cap (6 if none), at
    least one move out and in; ``coverage_plus``: every coverage count raised by that much."""
    tables = synth.generate(n, seed=seed, policy_columns=True)
    if coverage_plus:
        units = tables["units"].copy()
        units["coverage"] = [_raise(c, coverage_plus) for c in units["coverage"].fillna("")]
        tables["units"] = units
    if tight:
        units = tables["units"].copy()
        for col in ("max_moves_out", "max_moves_in"):
            cap = units[col].astype("Float64")
            units[col] = (cap.fillna(6) // 3).clip(lower=1).astype("Int64")
        tables["units"] = units
    return tables


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--employees", type=int, nargs="+", default=[600, 3000, 10000])
    ap.add_argument("--seed", type=int, nargs="+", default=[5])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--tight", action="store_true", help="every unit capped, caps cut to a third")
    ap.add_argument("--coverage-plus", type=int, default=0, help="raise every coverage count by this")
    ap.add_argument("--paths", nargs="+", choices=["highs", "cpsat"], default=["highs"],
                    help="side paths to run on each scenario (cpsat: the path before HiGHS)")  # fmt: skip
    args = ap.parse_args()
    for n in args.employees:
        for seed in args.seed:
            for path in args.paths:
                dispatch.USE_HIGHS = path == "highs"
                with tempfile.TemporaryDirectory() as tmp:
                    folder = Path(tmp) / "data"
                    synth.write_csv_folder(scenario(n, seed, args.tight, args.coverage_plus), folder)
                    arcs = len(compile_problem(Problem.read(folder)).model.arc_group)
                    t0 = time.perf_counter()
                    problem = Problem.read(folder)
                    result = solve(problem, time_limit=args.time_limit)
                    seconds = time.perf_counter() - t0
                    ok = check(problem, result).ok if result.has_plan else None
                    print(json.dumps({
                        "employees": n, "seed": seed, "tight": args.tight, "cov_plus": args.coverage_plus,
                        "path": path, "arcs": arcs,
                        "status": result.status, "objective": result.objective, "bound": result.bound,
                        "gap": result.gap, "moves": result.n_moves, "solver": result.info.get("solver"),
                        "seconds": round(seconds, 2), "check_ok": ok,
                        "stats": {k: v for k, v in result.info.get("solver_stats", {}).items()
                                  if k.startswith("highs_") or k in ("stopped_by", "relaxation_bound")},
                    }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
