"""Does ``asn-balance plan --time-limit S`` end within S plus the stated margin, end to end?

Usage: ``python benchmarks/time_limit.py [--employees 10000] [--time-limit 10] [--repeat 3]``

Writes the city scenario with the full policy (``synth.generate(n, seed, policy_columns=True)``:
unit caps, coverage, wishes, spouses) as a CSV folder, then runs ``asn-balance plan DATA --out
plan.json --time-limit S`` as a child process, a few times, and measures its wall time from
outside (process start to exit: interpreter start-up, reading, compiling, the search, the
evaluation, the check and writing the plan). Prints one JSON line per run (wall seconds, the
margin over S, status, solver, the solver's own seconds and the plan's compile seconds) and a
last line with the largest margin.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from asn_balance.datasets import synth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--employees", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    limit = args.time_limit
    margins = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        synth.write_csv_folder(synth.generate(args.employees, seed=args.seed, policy_columns=True), data)
        for run in range(args.repeat):
            out = Path(tmp) / f"plan{run}.json"
            cmd = [sys.executable, "-m", "asn_balance", "plan", str(data), "--out", str(out),
                   "--time-limit", f"{limit:g}", "--date", "2026-01-01", "--quiet"]  # fmt: skip
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - t0
            margins.append(wall - limit)
            summary = json.loads(out.read_text())["summary"] if out.exists() else {}
            info = summary.get("info", summary)
            print(json.dumps({
                "employees": args.employees, "time_limit": limit, "run": run, "exit": proc.returncode,
                "wall_seconds": round(wall, 2), "margin": round(wall - limit, 2),
                "status": summary.get("status"), "solver": info.get("solver"),
                "seconds": summary.get("seconds"), "solver_seconds": info.get("solver_seconds"),
                "compile_seconds": info.get("compile_seconds"),
                "stderr": proc.stderr.strip()[-300:] or None,
            }), flush=True)  # fmt: skip
    print(json.dumps({"time_limit": limit, "runs": len(margins), "largest_margin": round(max(margins), 2)}))


if __name__ == "__main__":
    main()
