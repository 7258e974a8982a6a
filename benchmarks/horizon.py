"""The five-year plan (issue 14) against the same data planned year by year, in one run.

Usage::

    python benchmarks/horizon.py                                   # Plaju demo, 5 rounds
    python benchmarks/horizon.py --scales plaju,city --time-limit 60
    python benchmarks/horizon.py --scales city --hires 0,300,300,300,300 --time-limit 60
    python benchmarks/horizon.py --scales city --time-limit 60 --plans joint \
        --repeat 5 --baseline-src /tmp/old_src   # paired: this code and an old copy of src/

For each scale the scenario (:func:`scenario`) is planned three ways, one after the other:

* ``joint``: :func:`asn_balance.plan_horizon`, the five years as one MIP with its bound;
* ``year_by_year``: :func:`asn_balance.analysis.horizon.plan_year_by_year`, what a leader
  does today: :func:`asn_balance.solve` each round on that year's tables, the year's
  retirements applied, its hires placed one by one at the largest shortage;
* ``myopic``: :func:`asn_balance.analysis.horizon.plan_years_greedily`, each round solved
  exactly by the horizon's own model after the rounds before (the MIP's incumbent).

Every plan goes through :func:`asn_balance.check_horizon`. Prints one JSON line per plan
(B per year, moves, hires, objective, bound, gap, seconds, checked; for the joint plan the
peak memory of the process and the load average) and a last line per scale
with what the joint plan saves against the year-by-year plan. The machine is shared (2 cores):
seconds are context, not a test; nothing here asserts a time. With ``--baseline-src`` each
of ``--repeat`` rounds runs this code and then the code at that path (a copy of an older
``src/``), each in its own process, one after the other (paired runs): every row then says
which (``code``: ``current`` or ``baseline``).

Scenarios (``plan_date`` 2025-01-01): ``plaju`` is the embedded demo (600 employees, 102
positions), ``city`` is ``synth.generate(10_000, seed)`` (1,320 positions), ``province``
``synth.generate(90_000, seed)``. Birth dates come
from the NIP (its first 8 digits), workload growth per position is drawn from 0 .. 6 % a year
(seeded), and the hire quotas are 0 in round 0 and about 3 % of the staff a year after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import time
from typing import Any

import numpy as np
import pandas as pd

import asn_balance as ab
from asn_balance.analysis.horizon import plan_year_by_year, plan_years_greedily
from asn_balance.datasets import synth

START = dt.date(2025, 1, 1)
SIZES = {"plaju": 600, "city": 10_000, "province": 90_000}


def scenario(name: str, seed: int = 0) -> ab.Problem:
    """The scenario ``name`` (``plaju``, ``city`` or ``province``) with birth dates and workload
    growth."""
    if name == "plaju":
        demo = ab.Problem.read(ab.datasets.demo_path())
        emp = demo.employees.drop(columns=["source_row"])
        pos = demo.positions.drop(columns=["source_row"])
        tasks = demo.tasks.drop(columns=["source_row"]) if demo.tasks is not None else None
    else:
        tables = synth.generate(SIZES[name], seed=seed)
        emp, pos, tasks = tables["employees"], tables["positions"], tables.get("tasks")
    rng = np.random.default_rng(seed)
    emp = emp.copy()
    born = pd.to_datetime(emp["employee_id"].astype(str).str[:8], format="%Y%m%d", errors="coerce")
    fallback = pd.to_datetime(
        [dt.date(1967 + int(rng.integers(0, 30)), int(rng.integers(1, 13)), 15) for _ in range(len(emp))]
    )
    emp["birth_date"] = born.where(born.notna(), fallback).dt.date
    pos = pos.copy()
    pos["workload_growth"] = np.round(rng.uniform(0.0, 0.06, len(pos)), 3)
    return ab.Problem.from_frames(emp, pos, tasks, ab.Policy(plan_date=START))


def default_hires(problem: ab.Problem, years: int) -> list[int]:
    """0 in round 0, then about 3 % of the staff a year."""
    return [0] + [max(1, round(0.033 * problem.n_employees))] * (years - 1)


def _row(
    scale: str, how: str, result: ab.HorizonResult, seconds: float, problem: ab.Problem
) -> dict[str, Any]:
    report = ab.check_horizon(problem, result) if result.has_plan else None

    def num(x: float) -> float | None:
        return None if not math.isfinite(x) else round(float(x), 4)

    return {
        "scale": scale,
        "plan": how,
        "status": result.status,
        "B_per_year": [round(b, 3) for b in result.summary.get("balance", [])],
        "B_total": round(float(sum(result.summary.get("balance", []))), 3),
        "moves": int(result.summary.get("moves", 0)),
        "hires": int(result.summary.get("hires", 0)),
        "objective": num(result.objective),
        "bound": num(result.bound),
        "gap": num(result.gap),
        "seconds": round(seconds, 2),
        "solver": result.summary.get("solver"),
        "checked": None if report is None else report.ok,
        "violations": [] if report is None else report.messages()[:5],
    }


def _peak_mb() -> float:
    """The process's peak resident memory so far (MB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run(
    scale: str,
    years: int,
    hires: list[int] | None,
    time_limit: float | None,
    seed: int,
    plans: tuple[str, ...] = ("joint", "year_by_year", "myopic"),
) -> list[dict[str, Any]]:
    """Plan ``scale`` the ways in ``plans``; one row each and a savings row."""
    t0 = time.perf_counter()
    problem = scenario(scale, seed)
    read = time.perf_counter() - t0
    quotas = hires if hires is not None else default_hires(problem, years)
    rows = []
    if "joint" in plans:
        t = time.perf_counter()
        joint = ab.plan_horizon(problem, years, quotas, time_limit=time_limit)
        rows.append(_row(scale, "joint", joint, time.perf_counter() - t, problem))
        rows[-1]["seconds_with_data"] = round(time.perf_counter() - t0, 2)
        rows[-1]["data_seconds"] = round(read, 2)
        rows[-1]["peak_mb"] = _peak_mb()
        rows[-1]["load_average"] = [round(x, 2) for x in os.getloadavg()]
        rows[-1]["solver_stats"] = {
            k: v for k, v in joint.summary.get("solver_stats", {}).items() if not isinstance(v, (dict, list))
        }
    if "year_by_year" in plans:
        t = time.perf_counter()
        yby = plan_year_by_year(problem, years, quotas, time_limit=time_limit)
        rows.append(_row(scale, "year_by_year", yby, time.perf_counter() - t, problem))
    if "myopic" in plans:
        t = time.perf_counter()
        myopic = plan_years_greedily(problem, years, quotas, time_limit=time_limit)
        rows.append(_row(scale, "myopic", myopic, time.perf_counter() - t, problem))
    a, b = [*rows, {}, {}][:2]
    if (
        a.get("plan") == "joint"
        and b.get("plan") == "year_by_year"
        and a["objective"] is not None
        and b["objective"] is not None
    ):
        rows.append(
            {
                "scale": scale,
                "plan": "joint_saves_vs_year_by_year",
                "hire_quotas": quotas,
                "objective": round(b["objective"] - a["objective"], 4),
                "objective_pct": round(
                    100 * (b["objective"] - a["objective"]) / max(1e-9, b["objective"]), 2
                ),
                "B_total": round(b["B_total"] - a["B_total"], 3),
                "moves": b["moves"] - a["moves"],
                "hires": b["hires"] - a["hires"],
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scales", default="plaju", help="plaju,city")
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument(
        "--hires", default=None, help="quotas per round, e.g. 0,20,20,20,20 (default ~3 %% a year)"
    )
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per plan (default: none)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plans", default="joint,year_by_year,myopic", help="which plans (default: all three)")
    ap.add_argument("--out", default=None, help="append the JSON lines to this file")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of runs (with --baseline-src)")
    ap.add_argument("--baseline-src", default=None, help="an old src/ to run paired with this code")
    args = ap.parse_args()
    if args.baseline_src:
        _paired(args)
        return
    hires = [int(x) for x in args.hires.split(",")] if args.hires else None
    for scale in args.scales.split(","):
        plans = tuple(p.strip() for p in args.plans.split(","))
        for row in run(scale.strip(), args.years, hires, args.time_limit, args.seed, plans):
            line = json.dumps(row)
            print(line, flush=True)
            if args.out:
                with open(args.out, "a", encoding="utf-8") as f:
                    f.write(line + "\n")


def _paired(args: argparse.Namespace) -> None:
    """Run this script ``args.repeat`` times with this code and with ``args.baseline_src``
    alternately, each in its own process; print and keep each row with its ``code``."""
    import subprocess
    import sys

    skip = {"--baseline-src", "--repeat", "--out"}  # the child prints, this process keeps
    argv, it = [], iter(sys.argv[1:])
    for a in it:
        if a in skip:
            next(it, None)
        elif not any(a.startswith(f + "=") for f in skip):
            argv.append(a)
    for _ in range(args.repeat):
        for code, path in (("current", None), ("baseline", args.baseline_src)):
            env = dict(os.environ)
            if path is not None:
                env["PYTHONPATH"] = os.pathsep.join([path, *filter(None, [env.get("PYTHONPATH")])])
            out = subprocess.run(
                [sys.executable, __file__, *argv],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            for line in out.stdout.splitlines():
                row = {"code": code, **json.loads(line)}
                print(json.dumps(row), flush=True)
                if args.out:
                    with open(args.out, "a", encoding="utf-8") as f:
                        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
