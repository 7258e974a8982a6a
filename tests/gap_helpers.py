"""Shared by the GAP tests: ``benchmarks/gap.py`` loaded as a module, and brute force."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("gap_bench", ROOT / "benchmarks" / "gap.py")
assert _spec is not None and _spec.loader is not None
gap = importlib.util.module_from_spec(_spec)
sys.modules["gap_bench"] = gap
_spec.loader.exec_module(gap)


def brute(cost: np.ndarray, load: np.ndarray, cap: np.ndarray) -> float:
    """The optimum of a tiny GAP by enumerating every assignment (``inf`` if none fits)."""
    m, n = cost.shape
    best = np.inf
    for assign in itertools.product(range(m), repeat=n):
        a = np.array(assign)
        used = np.bincount(a, weights=load[a, np.arange(n)], minlength=m)
        if np.all(used <= cap):
            best = min(best, float(cost[a, np.arange(n)].sum()))
    return best
