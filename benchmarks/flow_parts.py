"""The exact flow's network solved whole (one OR-Tools solve, as before) against cut at its
sink into connected parts (``engine/backends/mcf.py``), on the same network, in one process.

Usage::

    python benchmarks/flow_parts.py --data DIR [--repeat 2] [--max-rows 10000000]
    python benchmarks/flow_parts.py --scale city --seed 0      # a generated scenario

Reads and compiles the scenario once, builds the flow's first network (the one
``solve_flow`` hands to OR-Tools) and then, ``--repeat`` times and alternating which goes
first, solves it whole and cut. Prints one JSON line per solve (variant, seconds, status,
optimal cost) and a last line with the network's size, its parts, each variant's median
seconds and the ratio whole / cut. Both must give the same optimal cost, or the script
exits 1.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from asn_balance.compile.compiler import compile_problem
from asn_balance.datasets import synth
from asn_balance.engine.backends import flow, mcf
from asn_balance.model.limits import Limits
from asn_balance.model.problem import Problem

_NAMES = ("tails", "heads", "caps", "costs", "supply")


def _network(problem: Problem) -> tuple[dict[str, np.ndarray], int]:
    """The first network of the model's exact flow and its sink (captured, not solved)."""
    model = compile_problem(problem).model
    caught: dict[str, Any] = {}

    def capture(network: dict[str, np.ndarray], on_wait: object = None, **kw: Any) -> tuple[str, None, int]:
        caught.update({k: network[k].copy() for k in _NAMES}, hub=kw.get("hub"))
        return "ABNORMAL", None, 0  # stops the flow here

    real = flow.solve_min_cost_flow
    flow.solve_min_cost_flow = capture  # type: ignore[assignment]
    try:
        flow.solve_flow(model)
    except RuntimeError:  # the capture's status
        pass
    finally:
        flow.solve_min_cost_flow = real
    hub = caught.pop("hub")
    return {k: caught[k] for k in _NAMES}, int(hub)


def _solve(variant: str, net: dict[str, np.ndarray], hub: int) -> dict[str, Any]:
    arrays = {k: a.copy() for k, a in net.items()}
    t = time.perf_counter()
    if variant == "whole":
        status, _, cost = mcf._whole([arrays[k] for k in _NAMES])
    else:
        solved = mcf._here(arrays, hub)
        status, cost = solved.status, solved.cost
    return {"variant": variant, "seconds": round(time.perf_counter() - t, 3), "status": status, "cost": cost}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=None, help="a scenario folder (CSV)")
    ap.add_argument("--scale", default="city", help="else a generated scale (synth.generate_scale)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--max-rows", type=int, default=10_000_000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = a.data
        if data is None:
            data = synth.write_csv_folder(synth.generate_scale(a.scale, a.seed), Path(tmp) / "data")
        limits = Limits(max_rows=a.max_rows, max_file_bytes=10_000 * 1_000_000)
        problem = Problem.read(data, limits=limits)
    net, hub = _network(problem)
    del problem
    parts = mcf._parts(net["tails"], net["heads"], len(net["supply"]), hub)
    runs: list[dict[str, Any]] = []
    for i in range(a.repeat):
        for variant in ("whole", "cut") if i % 2 == 0 else ("cut", "whole"):
            runs.append(_solve(variant, net, hub))
            print(json.dumps(runs[-1]), flush=True)
    costs = {r["cost"] for r in runs}
    med = {v: statistics.median(r["seconds"] for r in runs if r["variant"] == v) for v in ("whole", "cut")}
    print(
        json.dumps(
            {
                "data": str(a.data) if a.data else f"{a.scale} seed {a.seed}",
                "nodes": len(net["supply"]),
                "arcs": len(net["tails"]),
                "solves_when_cut": 1 if parts is None else int(parts[0].max()) + 1,
                "median_seconds": med,
                "whole_over_cut": round(med["whole"] / med["cut"], 2) if med["cut"] else None,
                "same_cost": len(costs) == 1,
            }
        )
    )
    return 0 if len(costs) == 1 and all(r["status"] == "OPTIMAL" for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
