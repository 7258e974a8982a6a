"""Reasons for moves, in Indonesian (default) or English.

A reason states the origin's and target's staffing gap and EJ band before the plan and
the requirements of the target that the mover meets, e.g. ``"Posisi asal kelebihan 2,3
pegawai (EJ 0,71, C); posisi tujuan kekurangan 1,8 pegawai (EJ 1,32, A); memenuhi syarat
golongan III/b, S1, keuangan 4 >= 3"``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..compile.eligibility import column
from ..compile.wishes import Wishes
from ..model.domain import PART_TIME, parse_competencies
from ..model.problem import Problem

__all__ = ["move_reasons", "per_pair", "phrase_text", "phrases", "shortfall"]

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


def _amount(template: str, lang: str, x: float) -> str:
    return template.format(x=_num(x, lang))


def _ej(ej: float, band: str, lang: str) -> str:
    v = "∞" if math.isinf(ej) else "-" if math.isnan(ej) else f"{ej:.2f}"  # math: no ufunc per call
    if lang == "id":
        v = v.replace(".", ",")
    return f"EJ {v}, {band}"


ObjArray = npt.NDArray[np.object_]


def _each_distinct(x: npt.NDArray[np.float64], fn: Callable[[float], str]) -> ObjArray:
    """``fn(x[k])`` for every ``k``, called once per distinct value (told apart by their bits,
    so ``-0.0`` is not ``0.0``)."""
    codes, uniq = pd.factorize(np.ascontiguousarray(x, dtype=np.float64).view(np.int64), sort=False)
    texts = np.empty(len(uniq), dtype=object)
    texts[:] = [fn(v) for v in np.asarray(uniq, dtype=np.int64).view(np.float64).tolist()]
    out: ObjArray = texts[codes]
    return out


def _states(
    gap: npt.NDArray[np.float64], ej: npt.NDArray[np.float64], band: npt.ArrayLike, lang: str
) -> ObjArray:
    """``f"{_gap(gap[k])} ({_ej(ej[k], band[k])})"`` for every ``k``: each number formatted
    once per distinct value, the pieces joined by numpy."""
    t = _TEXT[lang]
    over, under = gap > 0.05, gap < -0.05
    out: ObjArray = np.full(len(gap), t["even"], dtype=object)
    for mask, key, sign in ((over, "over", 1.0), (under, "under", -1.0)):
        if mask.any():
            out[mask] = _each_distinct(sign * gap[mask], functools.partial(_amount, t[key], lang))
    ej_text = _each_distinct(ej, lambda v: _ej(v, "", lang)[:-2])  # "EJ v"
    bands = _text(band)
    joined: ObjArray = np.empty(len(out), dtype=object)
    joined[:] = [
        f"{o} ({e}, {b})" for o, e, b in zip(out.tolist(), ej_text.tolist(), bands.tolist(), strict=True)
    ]
    return joined


def per_pair(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    fn: Callable[[Any, Any], Any],
    prepare: Callable[[Any], Any] | None = None,
) -> ObjArray:
    """``fn(a[k], b[k])`` for every ``k``, called once per distinct pair of values.

    Parameters
    ----------
    a, b : array-like
        Values of equal length (hashable; missing values are passed as they are).
    fn : callable
        Function of one pair.
    prepare : callable, optional
        Applied once per distinct value of ``a`` and of ``b`` before ``fn`` sees it (e.g. a
        parser).

    Returns
    -------
    ndarray of object
        ``fn`` of each pair.
    """
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    out = np.empty(len(a), dtype=object)
    if not len(a):
        return out
    ca, ua = pd.factorize(pd.Series(a, dtype=object), use_na_sentinel=False)
    cb, ub = pd.factorize(pd.Series(b, dtype=object), use_na_sentinel=False)
    width = max(len(ub), 1)
    key_codes, uniq = pd.factorize(ca.astype(np.int64) * width + cb, sort=False)
    ia, ib = np.divmod(np.asarray(uniq, dtype=np.int64), width)
    va, vb = list(ua), list(ub)
    if prepare is not None:
        va, vb = [prepare(x) for x in va], [prepare(x) for x in vb]
    vals = np.empty(len(uniq), dtype=object)
    vals[:] = [fn(va[i], vb[j]) for i, j in zip(ia.tolist(), ib.tolist(), strict=True)]
    out[:] = vals[key_codes]
    return out


def _text(values: npt.ArrayLike) -> ObjArray:
    """Each value as ``str`` (as an f-string shows it), as an object array: ``str`` runs once
    per distinct value when every value is a text or missing, else once per value (``1`` and
    ``1.0`` are equal keys but different texts)."""
    v = np.asarray(values, dtype=object)
    codes, uniq = pd.factorize(v)  # missing values: -1, worded one by one
    if not all(type(u) is str for u in uniq):
        each: ObjArray = np.empty(len(v), dtype=object)
        each[:] = [str(x) for x in v.tolist()]
        return each
    texts = np.empty(len(uniq) + 1, dtype=object)
    texts[:-1] = list(uniq)
    out: ObjArray = texts[codes]
    null = np.flatnonzero(codes < 0)
    if len(null):
        out[null] = [str(x) for x in v[null].tolist()]
    return out


def _joined(parts: Sequence[ObjArray], sep: str) -> ObjArray:
    """Per row, the non-empty ``parts`` joined by ``sep``."""
    out: ObjArray = np.full(len(parts[0]) if parts else 0, "", dtype=object)
    for part in parts:
        has = part != ""
        both = np.flatnonzero(has & (out != ""))
        joined = out[both] + sep + part[both]  # a new string only where two texts meet
        out = np.where(has, part, out)
        out[both] = joined
    return out


def _formatted(template: str, **values: npt.ArrayLike) -> ObjArray:
    """``template.format(**row)`` for every row of ``values``, once per distinct row."""
    frame = pd.DataFrame(values)
    if not len(frame):
        return np.empty(0, dtype=object)
    codes = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = frame.drop_duplicates()
    texts = np.array([template.format(**row) for row in first.to_dict("records")] + [""], dtype=object)
    return texts[codes]


def move_reasons(
    moves: pd.DataFrame,
    employees: pd.DataFrame,
    positions: pd.DataFrame,
    gap_before: npt.NDArray[np.float64],
    ej_before: npt.NDArray[np.float64],
    band_before: npt.NDArray[np.str_],
    *,
    lang: str = "id",
    extras: list[list[str]] | ObjArray | None = None,
) -> list[str]:
    """One reason per move (vectorised: Python runs once per distinct value or pair).

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
    extras : list of list of str or ndarray of str, optional
        Further phrases per move (wishes, rotation, training need), appended in order: a
        list of phrases per move, or per move the phrases already joined by ``"; "``
        (:func:`phrase_text`).
    """
    lang = "en" if lang == "en" else "id"
    t = _TEXT[lang]
    ei = moves["employee_idx"].to_numpy(np.int64)
    fi = moves["from_idx"].to_numpy(np.int64)
    ti = moves["to_idx"].to_numpy(np.int64)
    if not len(ei):
        return []
    pcol = {
        c: column(positions, c, "").fillna("").to_numpy(dtype=object)
        for c in ("min_grade", "max_grade", "min_grade_pppk", "max_grade_pppk", "min_education")
    }
    pppk = np.isin(employees["status"].to_numpy(dtype=object)[ei].astype(str), ["PPPK", PART_TIME])
    # the grade bounds of the mover's scale only
    low = np.where(pppk, pcol["min_grade_pppk"][ti], pcol["min_grade"][ti])
    high = np.where(pppk, pcol["max_grade_pppk"][ti], pcol["max_grade"][ti])
    grade = _text(employees["grade"].to_numpy(dtype=object)[ei])
    grade_part = np.where(low.astype(bool) | high.astype(bool), t["grade"] + " " + grade, "")
    # D-IV meets an S-1 minimum when the policy reads requirements as "S-1/D-IV"
    need_edu = pcol["min_education"][ti]
    edu = employees["education"].to_numpy(dtype=object)[ei]
    shown = np.where((edu == "D4") & (need_edu == "S1"), "S1/D4", _text(need_edu))
    edu_part = np.where(need_edu.astype(bool), _text(edu) + " >= " + shown, "")

    def comps(text: object) -> dict[str, int]:
        value = parse_competencies(text)
        return value if isinstance(value, dict) else {}

    def comp_text(have: dict[str, int], required: dict[str, int]) -> str:
        return ", ".join(f"{k} {have.get(k, 0)} >= {v}" for k, v in sorted(required.items()))

    req = positions["required_competencies"].to_numpy(dtype=object)
    comp_part = per_pair(employees["competencies"].to_numpy(dtype=object)[ei], req[ti], comp_text, comps)
    meets = _joined([grade_part, edu_part, comp_part], ", ")
    req_text = np.where(meets != "", f"{t['meets']} " + meets, t["no_req"])
    # one phrase per position (as origin and as target), for the positions of the moves
    state = np.full(len(positions), "", dtype=object)
    seen = np.zeros(len(positions), dtype=bool)
    seen[fi] = seen[ti] = True
    used = np.flatnonzero(seen)
    state[used] = _states(
        np.asarray(gap_before, dtype=float)[used],
        np.asarray(ej_before, dtype=float)[used],
        band_before[used],
        lang,
    )
    origin, target = f"{t['origin']} ", f"; {t['target']} "
    parts = (state[fi].tolist(), state[ti].tolist(), req_text.tolist())
    if extras is None:
        return [f"{origin}{a}{target}{b}; {r}" for a, b, r in zip(*parts, strict=True)]
    more = extras.tolist() if isinstance(extras, np.ndarray) else ["; ".join(x) for x in extras]
    return [
        f"{origin}{a}{target}{b}; {r}; {m}" if m != "" else f"{origin}{a}{target}{b}; {r}"
        for a, b, r, m in zip(*parts, more, strict=True)
    ]


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


def shortfall(have: dict[str, int] | str, standard: dict[str, int] | str) -> list[tuple[str, int, int]]:
    """:func:`~asn_balance.compile.eligibility.competency_shortfall` of parsed competencies
    (:func:`~asn_balance.model.domain.parse_competencies`; an error text counts as none)."""
    if not isinstance(have, dict) or not isinstance(standard, dict):
        return []
    return [(k, have.get(k, 0), v) for k, v in sorted(standard.items()) if have.get(k, 0) < v]


def phrase_text(problem: Problem, w: Wishes, ei: IntArray, ti: IntArray, lang: str) -> ObjArray:
    """Per move ``ei[k] -> ti[k]``, the phrases beyond staffing and requirements (wishes,
    rotation, spouse, training need) joined by ``"; "`` (``""``: none); vectorised."""
    t = _EXTRA[lang]
    pol = problem.policy
    ei = np.asarray(ei, dtype=np.int64)
    ti = np.asarray(ti, dtype=np.int64)
    n = len(ei)
    if not n:
        return np.empty(0, dtype=object)
    ranks = w.rank_of(ei, ti)
    months = problem.employees["months_in_position"].to_numpy(dtype=float)[ei]
    comp = problem.employees["competencies"].to_numpy(dtype=object)
    std = column(problem.positions, "competency_standard", "").to_numpy(dtype=object)
    unit = problem.positions["unit_id"].to_numpy(dtype=object)
    volunteer = np.where(w.volunteer[ei], t["volunteer"], "").astype(object)
    listed = ranks > 0
    rank = np.full(n, "", dtype=object)
    rank[listed] = _formatted(t["rank"], r=ranks[listed], k=w.n_listed[ei][listed].astype(int))
    over = months > pol.max_months_in_position
    rotation = np.full(n, "", dtype=object)
    limit = np.full(int(over.sum()), pol.max_months_in_position)
    rotation[over] = _formatted(t["rotation"], m=months[over], mx=limit)
    # a spouse moved into the same unit (pairs in order: a later pair names the partner)
    n_emp = problem.n_employees
    partner = np.full(n_emp, -1, dtype=np.int64)
    first, second = w.spouse_first.astype(np.int64), w.spouse_second.astype(np.int64)
    partner[np.column_stack([first, second]).ravel()] = np.column_stack([second, first]).ravel()
    moved_to = np.full(n_emp, -1, dtype=np.int64)
    moved_to[ei] = ti
    p = partner[ei]
    p_to = np.where(p >= 0, moved_to[np.maximum(p, 0)], -1)
    together = (p_to >= 0) & (unit[np.maximum(p_to, 0)] == unit[ti])
    spouse = np.where(together, t["spouse"], "").astype(object)

    def training(have: dict[str, int] | str, standard: dict[str, int] | str) -> str:
        short = shortfall(have, standard)
        if not short:
            return ""
        return t["training"].format(items=", ".join(f"{k} {h} -> {s}" for k, h, s in short))

    train = per_pair(comp[ei], std[ti], training, parse_competencies)
    return _joined([volunteer, rank, rotation, spouse, train], "; ")


def phrases(problem: Problem, w: Wishes, ei: IntArray, ti: IntArray, lang: str) -> list[list[str]]:
    """Per move ``ei[k] -> ti[k]``, the phrases beyond staffing and requirements: wishes,
    rotation, spouse, training need (as lists; :func:`phrase_text` joins them)."""
    return [x.split("; ") if x else [] for x in phrase_text(problem, w, ei, ti, lang).tolist()]
