"""Solve synthetic scenarios with every policy column (unit caps, coverage, wishes, spouses).

Usage: ``python benchmarks/policy_scale.py --employees 600 3000 10000 --time-limit 60``

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

from asn_balance import Problem, check
from asn_balance.datasets import synth
from asn_balance.planner import compile_problem, solve


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--employees", type=int, nargs="+", default=[600, 3000, 10000])
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    for n in args.employees:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "data"
            synth.write_csv_folder(synth.generate(n, seed=args.seed, policy_columns=True), folder)
            t0 = time.perf_counter()
            problem = Problem.read(folder)
            result = solve(problem, time_limit=args.time_limit)
            seconds = time.perf_counter() - t0
            arcs = len(compile_problem(problem).model.arc_group)
            ok = check(problem, result).ok if result.has_plan else None
            print(json.dumps({
                "employees": n, "arcs": arcs, "status": result.status, "objective": result.objective,
                "bound": result.bound, "gap": result.gap, "moves": result.n_moves,
                "solver": result.info.get("solver"), "seconds": round(seconds, 2), "check_ok": ok,
            }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
