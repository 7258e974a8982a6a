"""Who may move, and where: the hard mutasi rules as sparse candidate arcs.

Each rule has a name (see :data:`asn_balance.model.policy.RULES`) that appears in every
message. Rules come in two kinds:

* **mover rules** (``cpns_stays``, ``part_time``, ``pppk_stays``, ``locked``,
  ``discipline``, ``study_leave``, ``retirement_buffer``, ``min_months_in_position``)
  decide whether an employee may move at all;
* **target rules** (``same_jabatan``, ``min_grade``, ``max_grade``, ``min_education``,
  ``required_competencies``) decide whether a mover fits a target position. People who
  stay are never evicted for failing them.

Grades are compared within one scale: ``min_grade``/``max_grade`` (PNS golongan/ruang)
bind PNS and CPNS, ``min_grade_pppk``/``max_grade_pppk`` (PPPK golongan) bind PPPK. A D-IV
meets an S-1 ``min_education`` unless ``Policy.d4_equals_s1`` is off.

Eligibility is computed between *profiles* (distinct combinations of current jabatan,
grade and its scale, education and competencies among the movers) and *classes* (distinct
combinations of target requirements among the positions), all vectorised, so the cost
grows with the number of distinct profiles and classes, not employees x positions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.domain import (
    PART_TIME,
    STATUS_SCALE,
    education_rank,
    grade_rank_in,
    jabatan_retirement_age,
    parse_competencies,
)
from ..model.problem import Problem

__all__ = [
    "Eligibility",
    "column",
    "competency_matrix",
    "competency_shortfall",
    "eligibility",
    "mover_rule",
    "mover_rules_all",
    "position_retirement_age",
    "retirement_near",
    "target_rules",
]

IntArray = npt.NDArray[np.int64]
_CHUNK_PAIRS = 2_000_000


def group_numbers(frame: pd.DataFrame) -> IntArray:
    """``frame.groupby(list(frame.columns), sort=True).ngroup()`` for columns of text or
    numbers without missing values, from each column's sorted codes combined into one
    integer key (no tuple per row); other columns go through the groupby itself."""
    n = len(frame)
    key = np.zeros(n, dtype=np.int64)
    room = 1
    for name in frame.columns:
        col = frame[name]
        kind = pd.api.types.infer_dtype(col, skipna=False)
        if kind not in ("string", "integer", "empty") or col.isna().any():
            return frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy(np.int64)
        codes, uniques = pd.factorize(col.to_numpy(), sort=True)
        room *= max(len(uniques), 1)
        if room >= 2**62:
            return frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy(np.int64)
        key = key * max(len(uniques), 1) + codes
    if not n:
        return np.zeros(0, dtype=np.int64)
    _, number = np.unique(key, return_inverse=True)
    return np.asarray(number, dtype=np.int64).reshape(-1)


@dataclass(frozen=True)
class Eligibility:
    """Candidate arcs of a problem.

    Attributes
    ----------
    mover_rule : ndarray of str
        Per employee, the first mover rule that keeps them in place, ``""`` if movable.
    profile : ndarray of int
        Per employee, the profile index (``-1`` if not movable).
    position_class : ndarray of int
        Per position, its requirement class.
    class_indptr, class_positions : ndarray of int
        CSR lists of the positions of each class.
    arc_profile, arc_class : ndarray of int
        Profile ``p`` may move into every position of class ``c``.
    arc_shortfall : ndarray of int
        Per arc, the competency levels the profile falls short of the class's
        ``competency_standard`` (summed over competencies).
    """

    mover_rule: npt.NDArray[np.object_]
    profile: IntArray
    position_class: IntArray
    class_indptr: IntArray
    class_positions: IntArray
    arc_profile: IntArray
    arc_class: IntArray
    arc_shortfall: IntArray

    @property
    def n_profiles(self) -> int:
        """Number of mover profiles."""
        return int(self.profile.max()) + 1 if len(self.profile) and self.profile.max() >= 0 else 0


def _grade_ranks(values: pd.Series, scale: str | pd.Series, blank: int) -> IntArray:
    """Rank of each grade on its scale (``scale``: one for all or one per value); ``blank`` for a
    blank grade and for a grade of the other scale, which has no rank on this one."""
    scales = scale if isinstance(scale, pd.Series) else pd.Series(scale, index=values.index)
    pairs = pd.Series(list(zip(values.to_numpy(dtype=object), scales.to_numpy(dtype=object), strict=True)))
    return pairs.map(lambda gs: _rank_on(gs[0], gs[1], blank)).to_numpy(dtype=np.int64)


def _rank_on(grade: str, scale: str, blank: int) -> int:
    try:
        return grade_rank_in(grade, scale) if grade else blank
    except KeyError:
        return blank


def _scales(status: pd.Series) -> pd.Series:
    """The grade scale of each status (PNS for PNS and CPNS, PPPK for both PPPK statuses)."""
    codes, uniques = pd.factorize(status, use_na_sentinel=False)  # each distinct status looked up once
    scales = np.array([STATUS_SCALE.get(s, "PNS") for s in uniques], dtype=object)
    return pd.Series(scales[codes], index=status.index, dtype=object)


#: Rank of D-IV and of S-1: a D-IV meets an S-1 minimum unless ``Policy.d4_equals_s1`` is off.
_D4, _S1 = education_rank("D4"), education_rank("S1")


def position_retirement_age(problem: Problem) -> npt.NDArray[np.float64]:
    """BUP per position: its ``retirement_age``; else the BUP of its ``jabatan_type`` /
    ``jabatan_level`` (PP 11/2017 Pasal 239: 58, 60 or 65); else ``Policy.retirement_age``."""
    pos = problem.positions
    given = pd.to_numeric(column(pos, "retirement_age", np.nan), errors="coerce").to_numpy(float)
    kinds = pd.Series(
        list(zip(column(pos, "jabatan_type", "").fillna("").to_numpy(dtype=object),
                 column(pos, "jabatan_level", "").fillna("").to_numpy(dtype=object), strict=True)),
        dtype=object,
    )  # fmt: skip
    codes, pairs = pd.factorize(kinds, sort=False)  # each distinct jabatan parsed once
    ages = [jabatan_retirement_age(*tl) for tl in pairs]
    by_jabatan = np.array([np.nan if a is None else float(a) for a in ages], dtype=float)[codes]
    out = np.where(np.isnan(given), by_jabatan, given)
    return np.where(np.isnan(out), float(problem.policy.retirement_age), out)


def _edu_ranks(values: pd.Series, blank: int) -> IntArray:
    return values.map(lambda e: education_rank(e) if e else blank).to_numpy(dtype=np.int64)


def competency_matrix(
    texts: pd.Series, names: list[str], parsed_texts: dict[Any, dict[str, int] | str] | None = None
) -> npt.NDArray[np.int8]:
    """Levels of competencies ``names`` (columns; 0 where unlisted) per text of ``texts``,
    parsing each distinct text once (``parsed_texts``: texts already parsed, and where the
    ones parsed here are kept)."""
    codes, uniques = pd.factorize(texts, sort=False)
    col = {n: i for i, n in enumerate(names)}
    mat = np.zeros((len(uniques), len(names)), dtype=np.int8)
    for r, text in enumerate(uniques):
        parsed = _parsed(text, parsed_texts)
        if isinstance(parsed, dict):
            for name, level in parsed.items():
                if name in col:
                    mat[r, col[name]] = level
    return mat[codes] if len(texts) else np.zeros((0, len(names)), dtype=np.int8)


def _parsed(text: Any, parsed_texts: dict[Any, dict[str, int] | str] | None) -> dict[str, int] | str:
    """:func:`~asn_balance.model.domain.parse_competencies` of ``text``, kept in ``parsed_texts``."""
    if parsed_texts is None:
        return parse_competencies(text)
    found = parsed_texts.get(text)
    if found is None:
        found = parsed_texts[text] = parse_competencies(text)
    return found


def _competency_names(
    *columns: pd.Series, parsed_texts: dict[Any, dict[str, int] | str] | None = None
) -> list[str]:
    names: set[str] = set()
    for column in columns:
        for text in pd.unique(column):
            parsed = _parsed(text, parsed_texts)
            if isinstance(parsed, dict):
                names.update(parsed)
    return sorted(names)


def column(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    """A column of a canonical table, or a column of ``default`` when the input had none."""
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def retirement_near(problem: Problem) -> npt.NDArray[np.bool_]:
    """Per employee: the retirement date (birth date + the BUP of the current position,
    :func:`position_retirement_age`) falls on or before ``plan_date + retirement_buffer_months``
    (rule ``retirement_buffer``).

    Employees without a birth date are not affected.
    """
    e = problem.employees
    if "birth_date" not in e.columns or len(e) == 0:
        return np.zeros(len(e), dtype=bool)
    birth = pd.to_datetime(e["birth_date"], errors="coerce")
    pol = problem.policy
    age = position_retirement_age(problem)[problem.employee_position]
    known = birth.notna().to_numpy()
    by = birth.dt.year.fillna(0).to_numpy(np.int64)
    bm = birth.dt.month.fillna(1).to_numpy(np.int64)
    bd = birth.dt.day.fillna(1).to_numpy(np.int64)
    d = pol.date()
    ret_month = (by + age.astype(np.int64)) * 12 + (bm - 1)
    limit_month = d.year * 12 + (d.month - 1) + pol.retirement_buffer_months
    near = (ret_month < limit_month) | ((ret_month == limit_month) & (bd <= d.day))
    return near & known


def competency_shortfall(have: object, standard: object) -> list[tuple[str, int, int]]:
    """``(competency, level, standard)`` for every competency below the standard."""
    h = parse_competencies(have)
    s = parse_competencies(standard)
    if not isinstance(h, dict) or not isinstance(s, dict):
        return []
    return [(k, h.get(k, 0), v) for k, v in sorted(s.items()) if h.get(k, 0) < v]


def mover_rule(problem: Problem) -> npt.NDArray[np.object_]:
    """Per employee, the first mover rule that keeps them in place (``""`` if movable)."""
    e = problem.employees
    pol = problem.policy
    out = np.full(len(e), "", dtype=object)
    checks = [
        (
            "min_months_in_position",
            e["months_in_position"].to_numpy(dtype=float) < pol.min_months_in_position,
        ),
        ("retirement_buffer", retirement_near(problem)),
        ("study_leave", column(e, "study_leave", False).to_numpy(dtype=bool)),
        ("discipline", column(e, "discipline", False).to_numpy(dtype=bool)),
        ("locked", e["locked"].to_numpy(dtype=bool)),
        ("pppk_stays", (e["status"] == "PPPK").to_numpy() & (not pol.allow_pppk)),
        ("cpns_stays", (e["status"] == "CPNS").to_numpy()),
        # whole people move: a PPPK Paruh Waktu, or anybody under 1 FTE, stays
        ("part_time", (e["status"] == PART_TIME).to_numpy() | (problem.fte < 1.0)),
    ]
    for name, mask in checks:  # last assignment wins: most fundamental rule reported
        out[mask] = name
    return out


def mover_rules_all(problem: Problem, i: int) -> list[str]:
    """Every mover rule that keeps employee number ``i`` in place."""
    e = problem.employees.iloc[i]
    pol = problem.policy
    out = []
    if e["status"] == PART_TIME or problem.fte[i] < 1.0:
        out.append("part_time")
    if e["status"] == "CPNS":
        out.append("cpns_stays")
    if e["status"] == "PPPK" and not pol.allow_pppk:
        out.append("pppk_stays")
    if bool(e["locked"]):
        out.append("locked")
    if bool(e.get("discipline", False)):
        out.append("discipline")
    if bool(e.get("study_leave", False)):
        out.append("study_leave")
    if bool(retirement_near(problem)[i]):
        out.append("retirement_buffer")
    if float(e["months_in_position"]) < pol.min_months_in_position:
        out.append("min_months_in_position")
    return out


def target_rules(problem: Problem, i: int, j: int) -> list[tuple[str, str]]:
    """Every target rule employee number ``i`` fails for position number ``j``.

    Returns
    -------
    list of (rule, detail)
        Empty when the employee fits the position.
    """
    e = problem.employees.iloc[i]
    p = problem.positions.iloc[j]
    cur = problem.positions.iloc[int(problem.employee_position[i])]
    out: list[tuple[str, str]] = []
    key = problem.jabatan_key
    if not problem.policy.allow_jabatan_change and key[int(problem.employee_position[i])] != key[j]:
        out.append(("same_jabatan", f"jabatan {cur['jabatan']} -> {p['jabatan']}"))
    # grade bounds of the mover's scale only: min_grade/max_grade (PNS golongan/ruang) for PNS
    # and CPNS, min_grade_pppk/max_grade_pppk (PPPK golongan) for PPPK
    g, scale = e["grade"], STATUS_SCALE.get(e["status"], "PNS")
    suffix = "_pppk" if scale == "PPPK" else ""
    lo, hi = p.get("min_grade" + suffix, ""), p.get("max_grade" + suffix, "")
    rank = _rank_on(g, scale, -1)
    shown = g if rank >= 0 else f"{g} (not a {scale} grade)" if g else "(blank)"
    if lo and (rank < 0 or rank < grade_rank_in(lo, scale)):
        out.append(("min_grade", f"grade {shown} < min_grade{suffix} {lo}"))
    if hi and (rank < 0 or rank > grade_rank_in(hi, scale)):
        out.append(("max_grade", f"grade {shown} > max_grade{suffix} {hi}"))
    ed, low = e["education"], p["min_education"]
    d4_meets = problem.policy.d4_equals_s1 and ed == "D4" and low == "S1"  # "S-1/D-IV"
    if low and not d4_meets and (not ed or education_rank(ed) < education_rank(low)):
        out.append(("min_education", f"education {ed or '(blank)'} < {low}"))
    have = parse_competencies(e["competencies"])
    need = parse_competencies(p["required_competencies"])
    if isinstance(have, dict) and isinstance(need, dict):
        short = [f"{k} {have.get(k, 0)} < {v}" for k, v in sorted(need.items()) if have.get(k, 0) < v]
        if short:
            out.append(("required_competencies", ", ".join(short)))
    return out


def eligibility(problem: Problem) -> Eligibility:
    """Compute the candidate arcs of a problem (vectorised over profiles x classes)."""
    pos = problem.positions
    emp = problem.employees
    pol = problem.policy
    rule = mover_rule(problem)
    movable = rule == ""

    # classes of positions: identical requirements (and jabatan unless changes are allowed)
    # (one jabatan: the same kode_jabatan, or the same name up to case and white space)
    jab_key = problem.jabatan_key if not pol.allow_jabatan_change else np.full(len(pos), "", dtype=object)
    class_frame = pd.DataFrame(
        {
            "jabatan": np.asarray(jab_key, dtype=object),
            "min_grade": pos["min_grade"].to_numpy(dtype=object),
            "max_grade": pos["max_grade"].to_numpy(dtype=object),
            "min_grade_pppk": column(pos, "min_grade_pppk", "").fillna("").to_numpy(dtype=object),
            "max_grade_pppk": column(pos, "max_grade_pppk", "").fillna("").to_numpy(dtype=object),
            "min_education": pos["min_education"].to_numpy(dtype=object),
            "required_competencies": pos["required_competencies"].to_numpy(dtype=object),
            "competency_standard": column(pos, "competency_standard", "").fillna("").to_numpy(dtype=object),
        }
    )
    position_class = group_numbers(class_frame)
    n_classes = int(position_class.max()) + 1 if len(position_class) else 0
    order = np.argsort(position_class, kind="stable").astype(np.int64)
    class_indptr = np.concatenate([[0], np.cumsum(np.bincount(position_class, minlength=n_classes))]).astype(
        np.int64
    )
    first = order[class_indptr[:-1]]
    classes = class_frame.iloc[first].reset_index(drop=True)

    # profiles of movers
    cur_jab = problem.jabatan_key[problem.employee_position]
    prof_frame = pd.DataFrame(
        {
            "jabatan": np.where(pol.allow_jabatan_change, "", cur_jab).astype(object),
            "grade": emp["grade"].to_numpy(dtype=object),
            "scale": _scales(emp["status"]).to_numpy(dtype=object),  # the grade bounds that apply
            "education": emp["education"].to_numpy(dtype=object),
            "competencies": emp["competencies"].to_numpy(dtype=object),
        }
    )
    profile = np.full(len(emp), -1, dtype=np.int64)
    if movable.any():
        profile[movable] = group_numbers(prof_frame[movable])
    n_prof = int(profile.max()) + 1 if movable.any() else 0
    if n_prof == 0 or n_classes == 0:
        e = np.zeros(0, dtype=np.int64)
        return Eligibility(rule, profile, position_class, class_indptr, order, e, e, e)
    rep = np.zeros(n_prof, dtype=np.int64)
    rep[profile[movable]] = np.flatnonzero(movable)
    profiles = prof_frame.iloc[rep].reset_index(drop=True)

    parsed_texts: dict[Any, dict[str, int] | str] = {}  # each distinct text parsed once for both
    names = _competency_names(
        profiles["competencies"],
        classes["required_competencies"],
        classes["competency_standard"],
        parsed_texts=parsed_texts,
    )
    p_comp = competency_matrix(profiles["competencies"], names, parsed_texts)
    c_comp = competency_matrix(classes["required_competencies"], names, parsed_texts)
    c_std = competency_matrix(classes["competency_standard"], names, parsed_texts).astype(np.int64)
    del parsed_texts
    p_grade = _grade_ranks(profiles["grade"], profiles["scale"], -1)  # -1: no grade on the own scale
    p_pppk = (profiles["scale"] == "PPPK").to_numpy()
    c_min_g = _grade_ranks(classes["min_grade"], "PNS", -1)
    c_max_g = _grade_ranks(classes["max_grade"], "PNS", -1)
    c_min_gp = _grade_ranks(classes["min_grade_pppk"], "PPPK", -1)
    c_max_gp = _grade_ranks(classes["max_grade_pppk"], "PPPK", -1)
    p_edu = _edu_ranks(profiles["education"], -1)
    c_edu = _edu_ranks(classes["min_education"], -1)

    # candidate pairs: same jabatan (a join) or all pairs (in chunks)
    if not pol.allow_jabatan_change:
        # every (profile, class) of one jabatan: the classes of each jabatan side by side
        both = [profiles["jabatan"].to_numpy(dtype=object), classes["jabatan"].to_numpy(dtype=object)]
        jab, _ = pd.factorize(np.concatenate(both), use_na_sentinel=False)
        p_jab, c_jab = jab[:n_prof].astype(np.int64), jab[n_prof:].astype(np.int64)
        c_by_jab = np.argsort(c_jab, kind="stable").astype(np.int64)
        n_of = np.bincount(c_jab, minlength=int(jab.max()) + 1).astype(np.int64)
        # in chunks of whole profiles (never all pairs at once: at national scale they are many),
        # as the competency checks below hold a pairs x competencies matrix
        chunks: Iterable[tuple[IntArray, IntArray]] = _jabatan_pairs(
            n_of[p_jab], (np.cumsum(n_of) - n_of)[p_jab], c_by_jab
        )
    else:
        step = max(1, _CHUNK_PAIRS // n_classes)  # every pair, a block of profiles at a time
        blocks = (np.arange(p0, min(n_prof, p0 + step), dtype=np.int64) for p0 in range(0, n_prof, step))
        chunks = (
            (np.repeat(ps, n_classes), np.tile(np.arange(n_classes, dtype=np.int64), len(ps)))
            for ps in blocks
        )
    # only the competencies some class requires (or sets a standard for) are compared, and
    # only for the pairs whose class has such a requirement: the rest pass (levels are >= 0)
    req_cols = np.flatnonzero(c_comp.any(axis=0)) if names else np.zeros(0, dtype=np.int64)
    std_cols = np.flatnonzero(c_std.any(axis=0)) if names else np.zeros(0, dtype=np.int64)
    p_req, c_req = p_comp[:, req_cols], c_comp[:, req_cols]
    p_std, c_stdv = p_comp[:, std_cols].astype(np.int64), c_std[:, std_cols]
    has_req: npt.NDArray[np.bool_] = np.asarray(c_req.any(axis=1), dtype=bool)
    has_std: npt.NDArray[np.bool_] = np.asarray(c_stdv.any(axis=1), dtype=bool)
    arc_p: list[IntArray] = []
    arc_c: list[IntArray] = []
    arc_s: list[IntArray] = []
    for pp, cc in chunks:  # pairs by profile, then class: the arcs come out sorted
        if len(pp) == 0:
            continue
        lo = np.where(p_pppk[pp], c_min_gp[cc], c_min_g[cc])  # the bounds of the mover's scale
        hi = np.where(p_pppk[pp], c_max_gp[cc], c_max_g[cc])
        ok = (lo < 0) | (p_grade[pp] >= lo)
        ok &= (hi < 0) | ((p_grade[pp] >= 0) & (p_grade[pp] <= hi))
        edu_ok = (c_edu[cc] < 0) | (p_edu[pp] >= c_edu[cc])
        if pol.d4_equals_s1:  # job requirements read "S-1/D-IV"
            edu_ok |= (p_edu[pp] == _D4) & (c_edu[cc] == _S1)
        ok &= edu_ok
        check = np.flatnonzero(ok & has_req[cc])
        ok[check] = np.all(p_req[pp[check]] >= c_req[cc[check]], axis=1)
        pk, ck = pp[ok], cc[ok]
        short = np.zeros(len(pk), dtype=np.int64)
        with_std = np.flatnonzero(has_std[ck])
        short[with_std] = np.maximum(c_stdv[ck[with_std]] - p_std[pk[with_std]], 0).sum(axis=1)
        arc_p.append(pk)
        arc_c.append(ck)
        arc_s.append(short)
    ap = np.concatenate(arc_p) if arc_p else np.zeros(0, dtype=np.int64)
    ac = np.concatenate(arc_c) if arc_c else np.zeros(0, dtype=np.int64)
    sh = np.concatenate(arc_s) if arc_s else np.zeros(0, dtype=np.int64)
    if len(ap) > 1 and not bool(np.all((ap[1:] > ap[:-1]) | ((ap[1:] == ap[:-1]) & (ac[1:] > ac[:-1])))):
        srt = np.lexsort((ac, ap))
        ap, ac, sh = ap[srt], ac[srt], sh[srt]
    return Eligibility(rule, profile, position_class, class_indptr, order, ap, ac, sh)


def _jabatan_pairs(per: IntArray, start: IntArray, classes: IntArray) -> Iterator[tuple[IntArray, IntArray]]:
    """(profile, class) pairs of one jabatan, a block of whole profiles at a time of about
    ``_CHUNK_PAIRS`` pairs: profile ``p`` pairs with ``classes[start[p] : start[p] + per[p]]``."""
    ends = np.cumsum(per)
    p0, n = 0, len(per)
    while p0 < n:
        base = int(ends[p0 - 1]) if p0 else 0
        p1 = max(p0 + 1, int(np.searchsorted(ends, base + _CHUNK_PAIRS, side="right")))
        per_b = per[p0:p1]
        pp = np.repeat(np.arange(p0, p1, dtype=np.int64), per_b)
        within = np.arange(len(pp), dtype=np.int64) - np.repeat(np.cumsum(per_b) - per_b, per_b)
        yield pp, classes[np.repeat(start[p0:p1], per_b) + within]
        p0 = p1
