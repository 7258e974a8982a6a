"""What ``solve(on_plan=...)`` costs and gives: paired runs with and without it.

Usage::

    python benchmarks/on_plan.py [--employees 3000] [--max-moves 200] [--time-limit 60]
                                 [--pairs 3] [--json OUT]

A synthetic problem with every policy column, hard spouses and a move budget (the path of the
service's kill test: HiGHS on the compact MIP). Each pair runs the same solve twice, in
alternating order, once plain and once with the ``on_plan`` of the service's job process (the
plan checked by ``asn_balance.check`` and turned into ``to_dict()``, as it would be sent). Per
run: wall seconds, the final status and objective; with ``on_plan``: the calls, when each plan
was passed and its objective, and the seconds spent in evaluation and callback. Reported: the
ratio of wall times (with / without) per pair and their median, and whether the final
objectives agree. The machine may be shared: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import asn_balance as ab
from asn_balance.datasets import synth


def _run(problem: ab.Problem, limit: float, with_hook: bool) -> dict[str, Any]:
    calls: list[dict[str, Any]] = []
    t0 = time.perf_counter()

    def on_plan(result: ab.Result) -> None:
        t = time.perf_counter()
        ok = ab.check(problem, result).ok
        result.to_dict()
        calls.append({"at": round(t - t0, 2), "objective": result.objective, "ok": ok,
                      "from": result.info["solver_stats"].get("plan_from"),
                      "callback_seconds": round(time.perf_counter() - t, 3)})  # fmt: skip

    result = ab.solve(problem, time_limit=limit, on_plan=on_plan if with_hook else None)
    wall = time.perf_counter() - t0
    return {"on_plan": with_hook, "wall": round(wall, 2), "status": result.status,
            "objective": result.objective, "bound": result.bound, "calls": calls}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--employees", type=int, default=3000)
    ap.add_argument("--max-moves", type=int, default=200)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    frames = synth.generate(args.employees, seed=0, policy_columns=True)
    policy = ab.Policy.model_validate(
        {"plan_date": "2026-01-01", "spouses_hard": True, "max_moves": args.max_moves}
    )
    problem = ab.Problem.read(frames, policy)
    runs: list[dict[str, Any]] = []
    ratios: list[float] = []
    for k in range(args.pairs):
        order = (False, True) if k % 2 == 0 else (True, False)
        pair = {flag: _run(problem, args.time_limit, flag) for flag in order}
        runs.extend(pair.values())
        ratios.append(pair[True]["wall"] / pair[False]["wall"])
        print(
            json.dumps({"pair": k, "ratio": round(ratios[-1], 3), **{str(f): pair[f] for f in order}}),
            flush=True,
        )
    same = all(abs(a["objective"] - b["objective"]) <= 1e-9 * max(1.0, abs(a["objective"]))
               for a, b in zip(runs[::2], runs[1::2], strict=True))  # fmt: skip
    summary = {"ratios": [round(r, 3) for r in ratios], "median_ratio": round(statistics.median(ratios), 3),
               "same_final_objective": same}  # fmt: skip
    print(json.dumps(summary))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"args": vars(args), "runs": runs, **summary}, f, indent=2)


if __name__ == "__main__":
    main()
