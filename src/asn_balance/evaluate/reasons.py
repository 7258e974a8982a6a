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

from ..compile.eligibility import column, competency_shortfall
from ..compile.wishes import Wishes
from ..model.domain import PART_TIME, parse_competencies
from ..model.problem import Problem

__all__ = ["move_reasons", "phrases"]

IntArray = npt.NDArray[np.int64]

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
    extras: list[list[str]] | None = None,
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
    extras : list of list of str, optional
        Further phrases per move (wishes, rotation, training need), appended in order.
    """
    lang = "en" if lang == "en" else "id"
    t = _TEXT[lang]
    col = {c: employees[c].to_numpy(dtype=object) for c in ("grade", "education", "competencies")}
    pcol = {
        c: column(positions, c, "").fillna("").to_numpy(dtype=object)
        for c in ("min_grade", "max_grade", "min_grade_pppk", "max_grade_pppk", "min_education")
    }
    pppk = np.isin(employees["status"].to_numpy(dtype=object).astype(str), ["PPPK", PART_TIME])
    parsed: dict[object, dict[str, int]] = {}

    def comps(text: object) -> dict[str, int]:
        if text not in parsed:
            value = parse_competencies(text)
            parsed[text] = value if isinstance(value, dict) else {}
        return parsed[text]

    # one phrase per position (as origin and as target), built once
    n_pos = len(positions)
    state = [f"{_gap(float(gap_before[j]), lang)} ({_ej(float(ej_before[j]), str(band_before[j]), lang)})"
             for j in range(n_pos)]  # fmt: skip
    req = positions["required_competencies"].to_numpy(dtype=object)
    out: list[str] = []
    for ei, fi, ti in zip(
        moves["employee_idx"].to_numpy(np.int64), moves["from_idx"].to_numpy(np.int64),
        moves["to_idx"].to_numpy(np.int64), strict=True,
    ):  # fmt: skip
        meets: list[str] = []
        suffix = "_pppk" if pppk[ei] else ""  # the grade bounds of the mover's scale only
        if pcol["min_grade" + suffix][ti] or pcol["max_grade" + suffix][ti]:
            meets.append(f"{t['grade']} {col['grade'][ei]}")
        if pcol["min_education"][ti]:
            edu, need_edu = col["education"][ei], pcol["min_education"][ti]
            # D-IV meets an S-1 minimum when the policy reads requirements as "S-1/D-IV"
            meets.append(f"{edu} >= {'S1/D4' if edu == 'D4' and need_edu == 'S1' else need_edu}")
        have = comps(col["competencies"][ei])
        meets += [f"{k} {have.get(k, 0)} >= {v}" for k, v in sorted(comps(req[ti]).items())]
        req_text = f"{t['meets']} " + ", ".join(meets) if meets else t["no_req"]
        text = f"{t['origin']} {state[fi]}; {t['target']} {state[ti]}; {req_text}"
        if extras is not None and extras[len(out)]:
            text += "; " + "; ".join(extras[len(out)])
        out.append(text)
    return out


_EXTRA = {
    "id": {
        "volunteer": "atas permintaan sendiri",
        "rank": "pilihan ke-{r} dari {k}",
        "rotation": "masa jabatan {m:g} bulan > {mx}",
        "training": "perlu pengembangan kompetensi {items}",
        "spouse": "bersama pasangan",
    },
    "en": {
        "volunteer": "at own request",
        "rank": "choice {r} of {k}",
        "rotation": "{m:g} months in position > {mx}",
        "training": "needs training in {items}",
        "spouse": "together with spouse",
    },
}


def phrases(problem: Problem, w: Wishes, ei: IntArray, ti: IntArray, lang: str) -> list[list[str]]:
    """Per move ``ei[k] -> ti[k]``, the phrases beyond staffing and requirements: wishes,
    rotation, spouse, training need."""
    t = _EXTRA[lang]
    pol = problem.policy
    ranks = w.rank_of(ei, ti)
    months = problem.employees["months_in_position"].to_numpy(dtype=float)
    comp = problem.employees["competencies"].to_numpy(dtype=object)
    std = column(problem.positions, "competency_standard", "").to_numpy(dtype=object)
    partner: dict[int, int] = {}
    for a, b in zip(w.spouse_first.tolist(), w.spouse_second.tolist(), strict=True):
        partner[a], partner[b] = b, a
    moved_to = dict(zip(ei.tolist(), ti.tolist(), strict=True))
    unit = problem.positions["unit_id"].to_numpy(dtype=object)
    out: list[list[str]] = []
    for e, j, r in zip(ei.tolist(), ti.tolist(), ranks.tolist(), strict=True):
        parts: list[str] = []
        if w.volunteer[e]:
            parts.append(t["volunteer"])
        if r > 0:
            parts.append(t["rank"].format(r=r, k=int(w.n_listed[e])))
        if months[e] > pol.max_months_in_position:
            parts.append(t["rotation"].format(m=months[e], mx=pol.max_months_in_position))
        p = partner.get(e)
        if p is not None and p in moved_to and unit[moved_to[p]] == unit[j]:
            parts.append(t["spouse"])
        short = competency_shortfall(comp[e], std[j])
        if short:
            parts.append(t["training"].format(items=", ".join(f"{k} {h} -> {s}" for k, h, s in short)))
        out.append(parts)
    return out
