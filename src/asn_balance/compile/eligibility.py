"""Who may move, and where: the hard mutasi rules as sparse candidate arcs.

Each rule has a name (see :data:`asn_balance.model.policy.RULES`) that appears in every
message. Rules come in two kinds:

* **mover rules** (``cpns_stays``, ``pppk_stays``, ``locked``, ``discipline``,
  ``study_leave``, ``retirement_buffer``, ``min_months_in_position``) decide whether an
  employee may move at all;
* **target rules** (``same_jabatan``, ``min_grade``, ``max_grade``, ``min_education``,
  ``required_competencies``) decide whether a mover fits a target position. People who
  stay are never evicted for failing them.

Eligibility is computed between *profiles* (distinct combinations of current jabatan,
grade, education and competencies among the movers) and *classes* (distinct
combinations of target requirements among the positions), all vectorised, so the cost
grows with the number of distinct profiles and classes, not employees x positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.domain import education_rank, grade_rank, parse_competencies
from ..model.problem import Problem

__all__ = [
    "Eligibility",
    "column",
    "competency_matrix",
    "competency_shortfall",
    "eligibility",
    "mover_rule",
    "mover_rules_all",
    "retirement_near",
    "target_rules",
]

IntArray = npt.NDArray[np.int64]
_CHUNK_PAIRS = 2_000_000


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


def _grade_ranks(values: pd.Series, blank: int) -> IntArray:
    return values.map(lambda g: grade_rank(g) if g else blank).to_numpy(dtype=np.int64)


def _edu_ranks(values: pd.Series, blank: int) -> IntArray:
    return values.map(lambda e: education_rank(e) if e else blank).to_numpy(dtype=np.int64)


def competency_matrix(texts: pd.Series, names: list[str]) -> npt.NDArray[np.int8]:
    """Levels of competencies ``names`` (columns; 0 where unlisted) per text of ``texts``,
    parsing each distinct text once."""
    codes, uniques = pd.factorize(texts, sort=False)
    col = {n: i for i, n in enumerate(names)}
    mat = np.zeros((len(uniques), len(names)), dtype=np.int8)
    for r, text in enumerate(uniques):
        parsed = parse_competencies(text)
        if isinstance(parsed, dict):
            for name, level in parsed.items():
                if name in col:
                    mat[r, col[name]] = level
    return mat[codes] if len(texts) else np.zeros((0, len(names)), dtype=np.int8)


def _competency_names(*columns: pd.Series) -> list[str]:
    names: set[str] = set()
    for column in columns:
        for text in pd.unique(column):
            parsed = parse_competencies(text)
            if isinstance(parsed, dict):
                names.update(parsed)
    return sorted(names)


def column(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    """A column of a canonical table, or a column of ``default`` when the input had none."""
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def retirement_near(problem: Problem) -> npt.NDArray[np.bool_]:
    """Per employee: the retirement date (birth date + the position's retirement age, BUP)
    falls on or before ``plan_date + retirement_buffer_months`` (rule ``retirement_buffer``).

    Employees without a birth date are not affected.
    """
    e = problem.employees
    if "birth_date" not in e.columns or len(e) == 0:
        return np.zeros(len(e), dtype=bool)
    birth = pd.to_datetime(e["birth_date"], errors="coerce")
    pol = problem.policy
    ages = pd.to_numeric(column(problem.positions, "retirement_age", np.nan), errors="coerce").to_numpy(float)
    age = np.where(np.isnan(ages), float(pol.retirement_age), ages)[problem.employee_position]
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
    ]
    for name, mask in checks:  # last assignment wins: most fundamental rule reported
        out[mask] = name
    return out


def mover_rules_all(problem: Problem, i: int) -> list[str]:
    """Every mover rule that keeps employee number ``i`` in place."""
    e = problem.employees.iloc[i]
    pol = problem.policy
    out = []
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
    if not problem.policy.allow_jabatan_change and cur["jabatan"] != p["jabatan"]:
        out.append(("same_jabatan", f"jabatan {cur['jabatan']} -> {p['jabatan']}"))
    g = e["grade"]
    if p["min_grade"] and (not g or grade_rank(g) < grade_rank(p["min_grade"])):
        out.append(("min_grade", f"grade {g or '(blank)'} < {p['min_grade']}"))
    if p["max_grade"] and (not g or grade_rank(g) > grade_rank(p["max_grade"])):
        out.append(("max_grade", f"grade {g or '(blank)'} > {p['max_grade']}"))
    ed = e["education"]
    if p["min_education"] and (not ed or education_rank(ed) < education_rank(p["min_education"])):
        out.append(("min_education", f"education {ed or '(blank)'} < {p['min_education']}"))
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
    jab_key = pos["jabatan"] if not pol.allow_jabatan_change else pd.Series("", index=pos.index)
    class_frame = pd.DataFrame(
        {
            "jabatan": jab_key.to_numpy(dtype=object),
            "min_grade": pos["min_grade"].to_numpy(dtype=object),
            "max_grade": pos["max_grade"].to_numpy(dtype=object),
            "min_education": pos["min_education"].to_numpy(dtype=object),
            "required_competencies": pos["required_competencies"].to_numpy(dtype=object),
            "competency_standard": column(pos, "competency_standard", "").fillna("").to_numpy(dtype=object),
        }
    )
    position_class = class_frame.groupby(list(class_frame.columns), sort=True).ngroup().to_numpy(np.int64)
    n_classes = int(position_class.max()) + 1 if len(position_class) else 0
    order = np.argsort(position_class, kind="stable").astype(np.int64)
    class_indptr = np.concatenate([[0], np.cumsum(np.bincount(position_class, minlength=n_classes))]).astype(
        np.int64
    )
    first = order[class_indptr[:-1]]
    classes = class_frame.iloc[first].reset_index(drop=True)

    # profiles of movers
    cur_jab = pos["jabatan"].to_numpy(dtype=object)[problem.employee_position]
    prof_frame = pd.DataFrame(
        {
            "jabatan": np.where(pol.allow_jabatan_change, "", cur_jab).astype(object),
            "grade": emp["grade"].to_numpy(dtype=object),
            "education": emp["education"].to_numpy(dtype=object),
            "competencies": emp["competencies"].to_numpy(dtype=object),
        }
    )
    profile = np.full(len(emp), -1, dtype=np.int64)
    if movable.any():
        profile[movable] = (
            prof_frame[movable].groupby(list(prof_frame.columns), sort=True).ngroup().to_numpy()
        )
    n_prof = int(profile.max()) + 1 if movable.any() else 0
    if n_prof == 0 or n_classes == 0:
        e = np.zeros(0, dtype=np.int64)
        return Eligibility(rule, profile, position_class, class_indptr, order, e, e, e)
    rep = np.zeros(n_prof, dtype=np.int64)
    rep[profile[movable]] = np.flatnonzero(movable)
    profiles = prof_frame.iloc[rep].reset_index(drop=True)

    names = _competency_names(
        profiles["competencies"], classes["required_competencies"], classes["competency_standard"]
    )
    p_comp = competency_matrix(profiles["competencies"], names)
    c_comp = competency_matrix(classes["required_competencies"], names)
    c_std = competency_matrix(classes["competency_standard"], names).astype(np.int64)
    p_grade = _grade_ranks(profiles["grade"], -1)
    c_min_g = _grade_ranks(classes["min_grade"], -1)
    c_max_g = _grade_ranks(classes["max_grade"], -1)
    p_edu = _edu_ranks(profiles["education"], -1)
    c_edu = _edu_ranks(classes["min_education"], -1)

    # candidate pairs: same jabatan (a join) or all pairs (in chunks)
    if not pol.allow_jabatan_change:
        pj = pd.DataFrame({"p": np.arange(n_prof), "jabatan": profiles["jabatan"]})
        cj = pd.DataFrame({"c": np.arange(n_classes), "jabatan": classes["jabatan"]})
        pairs = pj.merge(cj, on="jabatan", how="inner")
        chunks = [(pairs["p"].to_numpy(np.int64), pairs["c"].to_numpy(np.int64))]
    else:
        step = max(1, _CHUNK_PAIRS // n_classes)
        chunks = []
        for start in range(0, n_prof, step):
            ps = np.arange(start, min(n_prof, start + step), dtype=np.int64)
            chunks.append((np.repeat(ps, n_classes), np.tile(np.arange(n_classes, dtype=np.int64), len(ps))))
    arc_p: list[IntArray] = []
    arc_c: list[IntArray] = []
    arc_s: list[IntArray] = []
    for pp, cc in chunks:
        if len(pp) == 0:
            continue
        ok = (c_min_g[cc] < 0) | (p_grade[pp] >= c_min_g[cc])
        ok &= (c_max_g[cc] < 0) | ((p_grade[pp] >= 0) & (p_grade[pp] <= c_max_g[cc]))
        ok &= (c_edu[cc] < 0) | (p_edu[pp] >= c_edu[cc])
        if names:
            ok &= np.all(p_comp[pp] >= c_comp[cc], axis=1)
        arc_p.append(pp[ok])
        arc_c.append(cc[ok])
        if names:
            short = np.maximum(c_std[cc[ok]] - p_comp[pp[ok]].astype(np.int64), 0).sum(axis=1)
        else:
            short = np.zeros(int(ok.sum()), dtype=np.int64)
        arc_s.append(short.astype(np.int64))
    ap = np.concatenate(arc_p) if arc_p else np.zeros(0, dtype=np.int64)
    ac = np.concatenate(arc_c) if arc_c else np.zeros(0, dtype=np.int64)
    sh = np.concatenate(arc_s) if arc_s else np.zeros(0, dtype=np.int64)
    srt = np.lexsort((ac, ap))
    return Eligibility(rule, profile, position_class, class_indptr, order, ap[srt], ac[srt], sh[srt])
