"""Rules per unit (``units`` table): caps on moves out and in, and competency coverage.

* ``max_moves_out``: at most this many employees leave the unit's positions (every move
  whose origin position is in the unit counts, also a move to another position of the
  same unit).
* ``max_moves_in``: at most this many employees enter the unit's positions (likewise).
* ``coverage`` ``keuangan:3x2``: after the plan at least 2 employees with keuangan >= 3
  work in the unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.domain import parse_competencies
from ..model.problem import Problem

__all__ = ["Coverage", "UnitRules", "parse_coverage_text", "unit_rules"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Coverage:
    """One coverage requirement: ``count`` staff with ``competency >= level`` in ``unit``."""

    unit: int
    unit_id: str
    competency: str
    level: int
    count: int


@dataclass(frozen=True)
class UnitRules:
    """Unit-level rules of a problem.

    Attributes
    ----------
    unit_ids : ndarray of object
        Unit ids (the codes below index it).
    position_unit : ndarray of int
        Per position, its unit code.
    max_out, max_in : ndarray of int
        Per unit, the cap (``-1``: none).
    coverage : list of Coverage
        The coverage requirements.
    """

    unit_ids: npt.NDArray[np.object_]
    position_unit: IntArray
    max_out: IntArray
    max_in: IntArray
    coverage: list[Coverage]

    @property
    def any(self) -> bool:
        """Whether any unit rule is set."""
        return bool((self.max_out >= 0).any() or (self.max_in >= 0).any() or self.coverage)


def parse_coverage_text(text: object) -> list[tuple[str, int, int]]:
    """``"keuangan:3x2;kesehatan:2x1"`` -> ``[("keuangan", 3, 2), ("kesehatan", 2, 1)]``.

    Entries that do not parse are skipped (the tables layer reports them as input errors).
    """
    try:
        from ..model.domain import parse_coverage

        parsed = parse_coverage(text)
        if isinstance(parsed, list):
            return [(str(a), int(b), int(c)) for a, b, c in parsed]
        return []
    except ImportError:  # pragma: no cover - older domain module
        pass
    out: list[tuple[str, int, int]] = []
    for part in str(text or "").replace(",", ";").split(";"):
        if ":" not in part or "x" not in part.split(":", 1)[1].lower():
            continue
        name, rest = part.split(":", 1)
        lvl, cnt = rest.lower().split("x", 1)
        comp = parse_competencies(f"{name}:{lvl.strip()}")
        if isinstance(comp, dict) and comp and cnt.strip().isdigit():
            ((k, v),) = comp.items()
            out.append((k, int(v), int(cnt)))
    return out


def unit_rules(problem: Problem) -> UnitRules:
    """The unit rules of a problem (no units table: no rules)."""
    pos = problem.positions
    codes, uniques = pd.factorize(pos["unit_id"], sort=False)
    unit_ids = np.asarray(uniques, dtype=object)
    n_units = len(unit_ids)
    max_out = np.full(n_units, -1, dtype=np.int64)
    max_in = np.full(n_units, -1, dtype=np.int64)
    coverage: list[Coverage] = []
    units = getattr(problem, "units", None)
    if units is not None and len(units):
        idx = pd.Index(unit_ids).get_indexer(pd.Index(units["unit_id"].astype(str)))
        for col, arr in (("max_moves_out", max_out), ("max_moves_in", max_in)):
            if col in units.columns:
                v = pd.to_numeric(units[col], errors="coerce").to_numpy(dtype=float)
                ok = (idx >= 0) & ~np.isnan(v)
                arr[idx[ok]] = v[ok].astype(np.int64)
        if "coverage" in units.columns:
            for u, text in zip(idx.tolist(), units["coverage"].fillna("").tolist(), strict=True):
                if u < 0 or not str(text).strip():
                    continue
                for comp, level, count in parse_coverage_text(text):
                    coverage.append(Coverage(int(u), str(unit_ids[u]), comp, level, count))
    return UnitRules(unit_ids, codes.astype(np.int64), max_out, max_in, coverage)
