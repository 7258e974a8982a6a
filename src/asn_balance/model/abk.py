"""Analisis Beban Kerja (ABK): workload, staff need, efficiency (EJ) and bands.

Pure functions over arrays and frames; no solver, no I/O.

Formulas (PermenPAN-RB 1/2020; Perka BKN 19/2011 for the older 1,200-hour WKE):

* beban kerja (hours/year) = volume x period factor x norma waktu (minutes) / 60,
  period factors tahun 1, bulan 12, minggu 50, hari 250;
* kebutuhan pegawai (FTE) = beban kerja / waktu kerja efektif (WKE, default 1,250 h);
* efisiensi jabatan EJ = beban kerja / (pegawai x WKE). EJ > 1 means under-staffed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .domain import PERIOD_FACTORS, band_of, direction_of

__all__ = ["efficiency", "need_fte", "staffing", "unit_metrics", "workload_from_tasks", "workload_hours"]

FloatArray = npt.NDArray[np.float64]


def workload_from_tasks(
    tasks: pd.DataFrame, position_ids: pd.Index, factors: Mapping[str, float] | None = None
) -> FloatArray:
    """Annual workload hours per position summed over its tasks; ``nan`` where it has none.

    The one implementation of beban kerja from task rows: volume x period factor x norma
    waktu (minutes) / 60, summed per position. A task whose volume, period or norm is
    missing adds nothing (as a blank row of an ABK worksheet); tasks of positions not in
    ``position_ids`` are ignored, and a position id listed twice gets its sum twice.

    Parameters
    ----------
    tasks : DataFrame
        Canonical tasks table (``position_id``, ``volume``, ``period``, ``norm_minutes``).
    position_ids : Index
        Position ids in the order wanted.
    factors : mapping, optional
        Period factors (:func:`asn_balance.model.domain.period_factors`); default
        :data:`~asn_balance.model.domain.PERIOD_FACTORS` (250 days, 50 weeks a year).
    """
    out = np.full(len(position_ids), np.nan)
    if tasks is None or len(tasks) == 0:
        return out
    table = PERIOD_FACTORS if factors is None else factors
    # each distinct period looked up once (a few of them in millions of rows)
    codes, periods = pd.factorize(tasks["period"].to_numpy(dtype=object))
    per_period = pd.Series(np.asarray(periods, dtype=object)).map(dict(table)).to_numpy(dtype=float)
    factor = np.append(per_period, np.nan)[codes]  # a missing period (code -1): the nan at the end
    volume = pd.to_numeric(pd.Series(tasks["volume"].to_numpy()), errors="coerce").to_numpy(dtype=float)
    norm = pd.to_numeric(pd.Series(tasks["norm_minutes"].to_numpy()), errors="coerce").to_numpy(dtype=float)
    hours = volume * factor * norm / 60.0
    per = pd.Series(hours).groupby(tasks["position_id"].to_numpy()).sum()  # missing values add 0
    at = pd.Index(per.index).get_indexer(pd.Index(position_ids))
    found = at >= 0
    out[found] = per.to_numpy(dtype=float)[at[found]]
    return out


def workload_hours(
    positions: pd.DataFrame, tasks: pd.DataFrame | None, factors: Mapping[str, float] | None = None
) -> FloatArray:
    """Workload per position: from tasks where a position has tasks, else ``workload_hours``
    (``factors``: the period factors, see :func:`workload_from_tasks`)."""
    ids = pd.Index(positions["position_id"])
    from_tasks = workload_from_tasks(tasks if tasks is not None else pd.DataFrame(), ids, factors)
    given = positions["workload_hours"].to_numpy(dtype=float)
    out = np.where(np.isnan(from_tasks), given, from_tasks)
    return np.nan_to_num(out, nan=0.0)


def need_fte(workload: npt.ArrayLike, effective_hours: float) -> FloatArray:
    """Staff need (FTE) = workload hours / effective hours per FTE."""
    return np.asarray(workload, dtype=float) / float(effective_hours)


def efficiency(workload: npt.ArrayLike, staff: npt.ArrayLike, effective_hours: float) -> FloatArray:
    """EJ = workload / (staff x WKE); ``inf`` for workload without staff, ``nan`` for neither."""
    w = np.asarray(workload, dtype=float)
    s = np.asarray(staff, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ej = w / (s * float(effective_hours))
    ej[(s == 0) & (w == 0)] = np.nan
    return ej


def unit_metrics(
    unit_ids: npt.ArrayLike,
    workload: npt.ArrayLike,
    staff_before: npt.ArrayLike,
    staff_after: npt.ArrayLike,
    effective_hours: float,
    headcount: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
) -> pd.DataFrame:
    """Unit-level totals: workload, need, staff (FTE) before/after, EU before/after with band
    and direction; with ``headcount`` (heads per position before and after) also
    ``headcount_before`` and ``headcount_after``."""
    cols: dict[str, npt.NDArray[Any]] = {
        "unit_id": np.asarray(unit_ids),
        "workload_hours": np.asarray(workload, dtype=float),
        "staff_before": np.asarray(staff_before, dtype=float),
        "staff_after": np.asarray(staff_after, dtype=float),
    }
    if headcount is not None:
        cols["headcount_before"] = np.asarray(headcount[0], dtype=np.int64)
        cols["headcount_after"] = np.asarray(headcount[1], dtype=np.int64)
    g = pd.DataFrame(cols).groupby("unit_id", sort=False, as_index=False).sum()
    g.insert(2, "need_fte", need_fte(g["workload_hours"], effective_hours))
    for when in ("before", "after"):
        m = staffing(g["workload_hours"], g[f"staff_{when}"], g["need_fte"], effective_hours)
        g[f"eu_{when}"] = m["ej"]
        g[f"band_{when}"] = m["band"]
        g[f"direction_{when}"] = m["direction"]
    return g


def staffing(
    workload: npt.ArrayLike, staff: npt.ArrayLike, need: npt.ArrayLike, effective_hours: float
) -> dict[str, npt.NDArray[Any]]:
    """Per position (or unit): ``gap`` (staff - need), ``ej``, ``band`` and ``direction``.

    The one place where staff and need become EJ, band and direction (kurang/lebih/pas); the
    workload report, every result and the notebook cards use it.
    """
    s = np.asarray(staff, dtype=float)
    n = np.asarray(need, dtype=float)
    ej = efficiency(workload, s, effective_hours)
    return {"gap": s - n, "ej": ej, "band": band_of(ej), "direction": direction_of(s, n)}
