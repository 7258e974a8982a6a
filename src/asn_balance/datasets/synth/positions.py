"""Positions of a scenario: their requirements, their staff need and their ABK tasks."""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ...model.domain import EDUCATION_LEVELS, GRADES
from .catalogue import jabatan_tables
from .constants import TASK_COLUMNS, WKE_HOURS, FloatArray, IntArray, StrArray
from .text import competency_text

__all__ = ["needs", "requirements", "task_rows"]

_GENERIC_SHARE: Final[float] = 0.25  # relative workload share of a generic task


def requirements(
    jab_pos: IntArray,
    staff: IntArray,
    kinds: StrArray,
    emp_jab: IntArray,
    grade: IntArray,
    rng: np.random.Generator,
) -> tuple[dict[str, Any], npt.NDArray[np.int8]]:
    """min/max grade, min education, competencies, min/max staff per position; required levels."""
    cat = jabatan_tables()
    n_pos = len(jab_pos)
    # grade quantiles of each jabatan's holders: a range most, not all, of them meet
    lo_q = np.zeros(len(cat.names), dtype=np.int64)
    hi_q = np.full(len(cat.names), len(GRADES) - 1, dtype=np.int64)
    if len(grade):
        g = pd.DataFrame({"j": emp_jab, "g": grade}).groupby("j")["g"]
        lo = g.quantile(0.12, interpolation="lower")
        hi = g.quantile(0.7, interpolation="higher")
        lo_q[lo.index.to_numpy()] = lo.to_numpy(dtype=np.int64)
        hi_q[hi.index.to_numpy()] = hi.to_numpy(dtype=np.int64)
    grades = np.asarray(GRADES)
    has_min_g = rng.random(n_pos) < 0.35
    has_max_g = rng.random(n_pos) < 0.2
    min_grade = np.where(has_min_g, grades[lo_q[jab_pos]], "")
    max_grade = np.where(has_max_g, grades[hi_q[jab_pos]], "")

    edu_levels = np.asarray(EDUCATION_LEVELS)
    edu_req = np.minimum(cat.min_edu[jab_pos] + (rng.random(n_pos) < 0.08), len(edu_levels) - 1)
    min_education = np.where(rng.random(n_pos) < 0.5, edu_levels[edu_req], "")

    n_comp = len(cat.competencies)
    req = np.zeros((n_pos, n_comp), dtype=np.int8)
    rows = np.arange(n_pos)
    has1 = rng.random(n_pos) < 0.6
    req[rows[has1], cat.comp1[jab_pos][has1]] = rng.integers(2, 4, int(has1.sum()))
    has2 = has1 & (cat.comp2[jab_pos] >= 0) & (rng.random(n_pos) < 0.2)
    req[rows[has2], cat.comp2[jab_pos][has2]] = 2
    required = competency_text(req)

    # staffing bounds never make the current staffing infeasible
    essential = (kinds == "puskesmas") & np.isin(
        jab_pos, [cat.index[j] for j in ("Dokter", "Bidan", "Perawat")]
    )
    min_staff = np.where(
        essential | (rng.random(n_pos) < 0.08), np.minimum(staff, rng.integers(1, 3, n_pos)), 0
    )
    has_max = rng.random(n_pos) < 0.12
    max_staff = pd.array(np.where(has_max, staff + rng.integers(0, 3, n_pos), 0), dtype="Int64")
    max_staff[~has_max] = pd.NA
    return {
        "min_staff": min_staff.astype(np.int64),
        "max_staff": max_staff,
        "required_competencies": required,
        "min_grade": min_grade,
        "max_grade": max_grade,
        "min_education": min_education,
    }, req


def needs(staff: IntArray, jab_pos: IntArray, imbalance: float, rng: np.random.Generator) -> FloatArray:
    """Staff need (FTE) per position, off the current staffing by about ``imbalance``."""
    n_pos = len(staff)
    s = staff.astype(float)
    strength = min(1.0, imbalance / 0.35)
    if imbalance <= 0.0:
        return s
    bias = jabatan_tables().bias
    jab_factor = np.exp(np.log(bias) * strength + rng.normal(0.0, 0.1 * strength, len(bias)))
    raw = s * jab_factor[jab_pos] * np.exp(rng.normal(0.0, 1.25 * imbalance, n_pos))
    vacant = s == 0
    raw[vacant] = rng.uniform(0.5, 2.5, int(vacant.sum()))
    total = s.sum() * (1.0 + rng.uniform(-0.08, 0.08) * strength)
    need = raw
    for _ in range(4):  # alternate: hit the imbalance, then the agency total
        gap = need - s
        now = np.abs(gap).sum() / s.sum()
        need = np.maximum(s + gap * (imbalance / now), 0.2)
        need *= total / need.sum()
    return need


def task_rows(
    pos_ids: StrArray,
    jab_pos: IntArray,
    hours: FloatArray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """ABK task rows whose workload adds up to about ``hours`` per position.

    The volumes are fitted in whole minutes (volume x period factor x norm minutes, exact
    integers in floating point), not with :func:`asn_balance.model.abk.workload_from_tasks`,
    which gives hours (divided by 60 and summed by pandas) and so not the exact minute totals
    the rounding fix below needs.
    """
    cat = jabatan_tables()
    n_generic = len(cat.generic_tasks)
    frames: list[pd.DataFrame] = []
    for j in np.unique(jab_pos):
        own = len(cat.jabatan[cat.names[j]].tasks)
        c = own + n_generic
        pos = np.flatnonzero(jab_pos == j)
        keys = rng.random((len(pos), c)) + np.r_[np.zeros(own), np.full(n_generic, 0.7)]
        order = np.argsort(keys, axis=1)
        k = np.minimum(rng.integers(2, 9, len(pos)), own + 3)
        r, col = np.nonzero(np.arange(c)[None, :] < k[:, None])
        t = order[r, col]
        frames.append(pd.DataFrame({"p": pos[r], "t": t, "j": j}))
    if not frames:
        empty: pd.DataFrame = pd.DataFrame(columns=[*TASK_COLUMNS, "satuan_hasil"])
        return empty
    rows = pd.concat(frames, ignore_index=True).sort_values(["p", "t"], kind="stable", ignore_index=True)
    p = rows["p"].to_numpy()
    t = rows["j"].to_numpy() * cat.tpl_stride + rows["t"].to_numpy()  # index into the flat templates
    names, period, unit = cat.tpl_name[t], cat.tpl_period[t], cat.tpl_unit[t]
    lo, hi = cat.tpl_lo[t], cat.tpl_hi[t]
    norm = lo + np.floor(rng.random(len(t)) * (hi - lo + 1)).astype(np.int64)
    step = np.select([norm >= 960, norm >= 120, norm >= 30], [60, 15, 5], 1)
    norm = np.maximum(np.round(norm / step) * step, 1).astype(np.int64)
    factor = cat.tpl_factor[t]  # PERIOD_FACTORS of the model, by template
    generic = cat.tpl_generic[t]
    # daily and weekly tasks carry most of the load; yearly outputs stay few per person
    weight = np.where(generic, _GENERIC_SHARE, 1.0) * np.select([factor == 1, factor == 12], [0.35, 0.6], 1.0)
    share = rng.gamma(2.0, 1.0, len(t)) * weight
    share /= np.bincount(p, weights=share, minlength=len(hours))[p]
    minutes = hours * 60.0
    volume = np.maximum(1, np.round(share * minutes[p] / (factor * norm))).astype(np.int64)
    big_yearly = (factor == 1) & (norm >= 480)
    cap = np.ceil(3.0 * hours[p] / WKE_HOURS).astype(np.int64) + 1
    volume = np.where(big_yearly, np.minimum(volume, cap), volume)
    # rescale the other tasks to the target, then fix the rounding on the finest-grained one
    unit_min = factor * norm
    size = len(hours)
    fixed = np.bincount(p, weights=np.where(big_yearly, volume * unit_min, 0.0), minlength=size)
    flex = np.bincount(p, weights=np.where(big_yearly, 0.0, volume * unit_min), minlength=size)
    ratio = np.where(flex > 0, np.maximum(minutes - fixed, 0.0) / np.where(flex > 0, flex, 1.0), 1.0)
    volume = np.where(big_yearly, volume, np.maximum(1, np.round(volume * ratio[p]))).astype(np.int64)
    got = np.bincount(p, weights=volume * unit_min, minlength=size)
    first = np.lexsort((unit_min, big_yearly, p))
    fine = first[np.r_[True, p[first][1:] != p[first][:-1]]]
    fix = np.round((minutes - got)[p[fine]] / unit_min[fine]).astype(np.int64)
    volume[fine] = np.maximum(1, volume[fine] + fix)
    out: pd.DataFrame = pd.DataFrame(
        {
            "position_id": pos_ids[p],
            "task": names,
            "volume": volume,
            "period": period,
            "norm_minutes": norm,
            "satuan_hasil": unit,
        }
    )
    return out
