"""Reasons for moves, in Indonesian (default) or English.

A reason states the origin's and target's staffing gap and EJ band before the plan and
the requirements of the target that the mover meets, e.g. ``"Posisi asal kelebihan 2,3
pegawai (EJ 0,71, C); posisi tujuan kekurangan 1,8 pegawai (EJ 1,32, A); memenuhi syarat
golongan III/b, S1, keuangan 4 >= 3"``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from .domain import parse_competencies

__all__ = ["move_reasons"]

_TEXT = {
    "id": {
        "over": "kelebihan {x} pegawai",
        "under": "kekurangan {x} pegawai",
        "even": "seimbang",
        "origin": "Posisi asal",
        "target": "posisi tujuan",
        "meets": "memenuhi syarat",
        "grade": "golongan",
        "no_req": "tanpa syarat khusus",
    },
    "en": {
        "over": "over-staffed by {x}",
        "under": "short of {x} staff",
        "even": "balanced",
        "origin": "Origin",
        "target": "target",
        "meets": "meets",
        "grade": "grade",
        "no_req": "no specific requirements",
    },
}


def _num(x: float, lang: str) -> str:
    s = f"{x:.2f}" if abs(x) < 0.095 else f"{x:.1f}"
    return s.replace(".", ",") if lang == "id" else s


def _gap(gap: float, lang: str) -> str:
    t = _TEXT[lang]
    if gap > 0.05:
        return t["over"].format(x=_num(gap, lang))
    if gap < -0.05:
        return t["under"].format(x=_num(-gap, lang))
    return t["even"]


def _ej(ej: float, band: str, lang: str) -> str:
    v = "∞" if np.isinf(ej) else "-" if np.isnan(ej) else f"{ej:.2f}"
    if lang == "id":
        v = v.replace(".", ",")
    return f"EJ {v}, {band}"


def move_reasons(
    moves: pd.DataFrame,
    employees: pd.DataFrame,
    positions: pd.DataFrame,
    gap_before: npt.NDArray[np.float64],
    ej_before: npt.NDArray[np.float64],
    band_before: npt.NDArray[np.str_],
    *,
    lang: str = "id",
) -> list[str]:
    """One reason per move.

    Parameters
    ----------
    moves : DataFrame
        ``employee_idx``, ``from_idx``, ``to_idx`` (row numbers of employees/positions).
    employees, positions : DataFrame
        Canonical tables.
    gap_before, ej_before, band_before : ndarray
        Per position: staff - need, EJ and band before the plan.
    lang : {"id", "en"}
        Language of the text.
    """
    t = _TEXT["en" if lang == "en" else "id"]
    lang = "en" if lang == "en" else "id"
    out: list[str] = []
    for ei, fi, ti in zip(moves["employee_idx"], moves["from_idx"], moves["to_idx"], strict=True):
        e = employees.iloc[int(ei)]
        p = positions.iloc[int(ti)]
        meets: list[str] = []
        if p["min_grade"] or p["max_grade"]:
            meets.append(f"{t['grade']} {e['grade']}")
        if p["min_education"]:
            meets.append(f"{e['education']} >= {p['min_education']}")
        req = parse_competencies(p["required_competencies"])
        have = parse_competencies(e["competencies"])
        if isinstance(req, dict) and isinstance(have, dict):
            meets += [f"{k} {have.get(k, 0)} >= {v}" for k, v in sorted(req.items())]
        req_text = f"{t['meets']} " + ", ".join(meets) if meets else t["no_req"]
        origin = (
            f"{_gap(float(gap_before[fi]), lang)} ({_ej(float(ej_before[fi]), str(band_before[fi]), lang)})"
        )
        target = (
            f"{_gap(float(gap_before[ti]), lang)} ({_ej(float(ej_before[ti]), str(band_before[ti]), lang)})"
        )
        out.append(f"{t['origin']} {origin}; {t['target']} {target}; {req_text}")
    return out
