"""Paired CPU seconds of the non-solver phases: an older checkout against this one, in one process.

The machine is shared (2 cores), so separate runs of old and new code differ by more than
the change being measured. This script imports both versions in the same process (the
old ``src/asn_balance`` copied to a temporary folder as the package ``asn_balance_old``)
and times each phase alternately, old then new, ``--repeat`` times, with
``time.process_time``. Report the ratios of the minima; absolute seconds are context.

```
git show HEAD:... or git archive HEAD src | tar -x -C /tmp/old     # the old code
python benchmarks/phases_paired.py DATA_DIR --old-src /tmp/old/src --part model
python benchmarks/phases_paired.py DATA_DIR --old-src /tmp/old/src --part eval
```

``--part model`` times validation and the fingerprint (each version's own); ``--part eval``
validates and solves once (this checkout) and times the evaluation (moves, reasons,
training: ``planner.evaluate_solution``) and the independent check of both versions on
that one solution. Each part also says whether both versions gave the same fingerprint,
or the same moves, reasons and verdict. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="CSV folder (employees.csv, positions.csv, tasks.csv)")
    ap.add_argument("--old-src", type=Path, required=True, help="the old checkout's src folder")
    ap.add_argument("--part", choices=("model", "eval"), default="model")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="asn_old_"))
    try:
        shutil.copytree(args.old_src / "asn_balance", tmp / "asn_balance_old")
        sys.path.insert(0, str(tmp))
        run(args.data, args.part, args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(data: Path, part: str, repeat: int) -> None:
    import importlib

    from asn_balance.model.limits import Limits
    from asn_balance.model.readers import read_tables

    new = {
        m: importlib.import_module(f"asn_balance.{m}")
        for m in ("model.validate", "model.problem", "model.canonical")
    }
    old = {m: importlib.import_module(f"asn_balance_old.{m}") for m in new}
    limits = Limits(max_rows=10**7, max_file_bytes=10**10)
    seconds: dict[str, list[float]] = {}

    def timed(key: str, fn: Callable[[], Any]) -> Any:
        gc.collect()
        t = time.process_time()
        out = fn()
        seconds.setdefault(key, []).append(round(time.process_time() - t, 2))
        print(key, seconds[key][-1], flush=True)
        return out

    raw = read_tables(data, limits=limits)
    keys = ("employees", "positions", "tasks", "units")

    def validated(mods: dict[str, Any]) -> Any:
        return mods["model.validate"].validate_tables({k: raw.get(k) for k in keys}, limits=limits)

    if part == "model":
        prints = {}
        for _ in range(repeat):
            for name, mods in (("old", old), ("new", new)):
                tables = timed(f"validate_{name}", functools.partial(validated, mods))
                p = mods["model.problem"].Problem(tables)
                tabs = (p.employees, p.positions, p.tasks, p.units)
                prints[name] = timed(
                    f"fingerprint_{name}",
                    functools.partial(mods["model.canonical"].canonical_fingerprint, *tabs),
                )
                del tables, p
        print("same fingerprint:", prints["old"] == prints["new"])
    else:
        from asn_balance import planner
        from asn_balance.check import check
        from asn_balance.compile.compiler import compile_problem
        from asn_balance.engine.dispatch import solve_model

        old_planner = importlib.import_module("asn_balance_old.planner")
        old_check = importlib.import_module("asn_balance_old.check").check
        problem = new["model.problem"].Problem(validated(new))
        del raw
        comp = compile_problem(problem)
        sol = solve_model(comp.model)
        seen = {}
        for _ in range(repeat):
            for name, pl, ck in (("old", old_planner, old_check), ("new", planner, check)):
                result = timed(
                    f"evaluate_{name}", functools.partial(pl.evaluate_solution, problem, comp, sol)
                )
                report = timed(f"check_{name}", functools.partial(ck, problem, result))
                moves = result.moves
                seen[name] = (moves.to_csv(index=False), bool(report.ok))
                del result, report, moves
        print("same moves, reasons and verdict:", seen["old"] == seen["new"])
    best = {k: min(v) for k, v in seconds.items()}
    ratios = {
        k.removesuffix("_new"): round(best[k] / best[k.replace("_new", "_old")], 3)
        for k in best
        if k.endswith("_new")
    }
    print("RESULT", json.dumps({"min_cpu_seconds": best, "new_over_old": ratios, "all": seconds}))


if __name__ == "__main__":
    main()
