"""Does ``asn-balance plan --time-limit S`` end within S plus the stated margin, end to end,
and does every run write a plan that passes ``asn-balance check``?

Usage::

    python benchmarks/time_limit.py [--employees 10000] [--time-limit 10] [--repeat 20]
    python benchmarks/time_limit.py --province --time-limit 300 --repeat 1   # 90,000 employees

Writes the scenario with the full policy (``synth.generate(n, seed, policy_columns=True)``:
unit caps, coverage, wishes, spouses; ``--province`` is 90,000 employees, 36 M arcs) as a CSV
folder, then runs ``asn-balance plan DATA --out plan.json --time-limit S`` as a child process
``--repeat`` times, one after the other, and measures its wall time from outside (process start
to exit: interpreter start-up, reading, compiling, the search, the evaluation, the check and
writing the plan). Each written plan is then checked by ``asn-balance check DATA plan.json`` (a
second child process, not timed). Prints one JSON line per run (wall seconds, the margin over
S, the machine's one-minute load average as the run starts, exit codes, status, solver, whether
the plan passed the check) and a last line with the largest margin, how many runs wrote a
checked plan, and the range of the load average.

``--baseline-src DIR`` pairs every run with one of another copy of the package (``DIR`` holds
``asn_balance/``, e.g. a copy of ``src/`` before a change, put first on ``PYTHONPATH`` of its
child processes), alternating which goes first; each line then names its ``variant``
(``baseline`` or ``current``) and the last line gives each variant's figures::

    python benchmarks/time_limit.py --data /tmp/city --time-limit 10 --repeat 5 --baseline-src /tmp/old_src
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from asn_balance.datasets import synth

PROVINCE = 90_000


def _gap(objective: object, bound: object) -> float | None:
    """The relative gap ``(objective - bound) / objective`` of a run, ``None`` without both."""
    if not isinstance(objective, int | float) or not isinstance(bound, int | float) or not objective:
        return None
    return round((float(objective) - float(bound)) / abs(float(objective)), 6)


def _run(data: Path, out: Path, limit: float, src: Path | None = None) -> dict[str, object]:
    """One ``plan`` run, timed from outside, and the check of the plan it wrote (by the
    current package: the check is the judge of both variants); ``src`` is put first on the
    plan run's ``PYTHONPATH``."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(x for x in (str(src), env.get("PYTHONPATH")) if x)
    cmd = [sys.executable, "-m", "asn_balance", "plan", str(data), "--out", str(out),
           "--time-limit", f"{limit:g}", "--date", "2026-01-01", "--quiet"]  # fmt: skip
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - t0
    summary = json.loads(out.read_text())["summary"] if out.exists() else {}
    checked = None
    check_says = None
    if out.exists():
        check_cmd = [sys.executable, "-m", "asn_balance", "check", str(data), str(out)]
        check_cmd += ["--date", "2026-01-01"]
        chk = subprocess.run(check_cmd, capture_output=True, text=True, check=False)
        checked = chk.returncode == 0
        check_says = None if checked else (chk.stdout + chk.stderr).strip()[-400:]
    info = summary.get("info", summary)
    stderr = "\n".join(x for x in proc.stderr.splitlines() if "HiGHS" not in x and "THIRD_PARTY" not in x)
    return {
        "exit": proc.returncode, "wall_seconds": round(wall, 2), "margin": round(wall - limit, 2),
        "load_1min": None if load is None else round(load, 2),
        "status": summary.get("status"), "solver": info.get("solver"), "moves": summary.get("moves"),
        "objective": summary.get("objective"), "bound": summary.get("bound"),
        "gap": _gap(summary.get("objective"), summary.get("bound")),
        "seconds": summary.get("seconds"), "compile_seconds": info.get("compile_seconds"),
        "note": info.get("note"), "check_ok": checked, "check_says": check_says,
        "stderr": stderr.strip()[-300:] or None,
        "engine": {k: v for k, v in (info.get("solver_stats") or {}).items()
                   if k.startswith(("netlp", "relaxation", "lns", "side_lns", "highs_status", "rcfix"))},
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--employees", type=int, default=10_000)
    ap.add_argument("--province", action="store_true", help=f"{PROVINCE:,} employees (36 M arcs)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", type=Path, default=None, help="use this scenario folder (written if missing)")
    ap.add_argument("--baseline-src", type=Path, default=None, help="pair each run with this package copy")
    args = ap.parse_args()
    n = PROVINCE if args.province else args.employees
    limit = args.time_limit
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp) / "data"
        if not (data / "employees.csv").exists():
            synth.write_csv_folder(synth.generate(n, seed=args.seed, policy_columns=True), data)
        for run in range(args.repeat):
            variants: list[tuple[str, Path | None]] = [("current", None)]
            if args.baseline_src is not None:
                variants.append(("baseline", args.baseline_src))
                variants = variants[::-1] if run % 2 else variants  # alternate which goes first
            for name, src in variants:
                row = {
                    "employees": n if args.data is None else f"from {args.data}",
                    "time_limit": limit,
                    "run": run,
                    "variant": name,
                    **_run(data, Path(tmp) / f"plan{run}_{name}.json", limit, src),
                }
                runs.append(row)
                print(json.dumps(row), flush=True)
    margins = [float(r["margin"]) for r in runs]  # type: ignore[arg-type]
    loads = [float(r["load_1min"]) for r in runs if r["load_1min"] is not None]  # type: ignore[arg-type]
    print(json.dumps({
        "employees": n if args.data is None else f"from {args.data}", "time_limit": limit, "runs": len(runs),
        "largest_margin": round(max(margins), 2),
        "plans_checked_ok": sum(r["check_ok"] is True for r in runs),
        "statuses": sorted({str(r["status"]) for r in runs}),
        "exit_codes": sorted({int(r["exit"]) for r in runs}),  # type: ignore[call-overload]
        "load_1min": [min(loads), max(loads)] if loads else None,
        "by_variant": {name: _figures([r for r in runs if r["variant"] == name])
                       for name in sorted({str(r["variant"]) for r in runs})},
    }))  # fmt: skip


def _figures(runs: list[dict[str, object]]) -> dict[str, object]:
    """One variant's runs: checked plans, statuses, the range of walls, objectives and gaps."""

    def span(key: str) -> list[float] | None:
        vals = [float(v) for r in runs if isinstance(v := r.get(key), int | float)]
        return [round(min(vals), 4), round(max(vals), 4)] if vals else None

    gaps = sorted(float(g) for r in runs if isinstance(g := r.get("gap"), int | float))
    return {
        "runs": len(runs), "checked_ok": sum(r["check_ok"] is True for r in runs),
        "statuses": sorted(str(r["status"]) for r in runs), "wall_seconds": span("wall_seconds"),
        "objective": span("objective"), "bound": span("bound"), "gap": span("gap"),
        "median_gap": gaps[len(gaps) // 2] if gaps else None,
    }  # fmt: skip


if __name__ == "__main__":
    main()
