"""Rules of the plan rows and of each mover: who may move and where to (all but
``voluntary_first``, see :mod:`.voluntary`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.domain import PART_TIME, education_rank, grade_rank_in, grade_scale
from ..model.errors import InputProblem
from ..model.policy import Policy
from .frames import _Bool, _competency_gaps, _fmt, _ids, _Int, _num, _opt_text, _ranks, _text, _text_at
from .people import _Context, _fte_of, _People, _pref_rank
from .report import _ROWS, _Found


@dataclass(frozen=True)
class _Movers:
    """The plan rows to check per mover: known employee, known and different target."""

    rows: _Int  # plan row numbers
    emp: _Int  # employee index
    to: _Int  # target position index
    frm: _Int  # current position index (-1 if unknown)
    subject: list[str]  # employee ids
    who: list[str]  # "employee X moved to P"

    def add(self, found: _Found, rule: str, k: _Int, messages: list[str]) -> None:
        found.add(rule, _ROWS, self.rows[k], [self.subject[i] for i in k], messages)


def _check_plan_rows(
    found: _Found,
    p_emp: npt.NDArray[np.object_],
    p_to: npt.NDArray[np.object_],
    e: _Int,
    t: _Int,
    no_op: _Bool,
) -> None:
    """unknown_employee, unknown_position, duplicate_move, no_op_move."""
    k = np.flatnonzero(e < 0)
    msgs = [f"the plan moves employee {p_emp[i]!r}, who is not in the employees table" for i in k]
    found.add("unknown_employee", _ROWS, k, p_emp[k], msgs)
    k = np.flatnonzero((e >= 0) & (t < 0))
    msgs = [f"employee {p_emp[i]} is moved to {p_to[i]!r}, which is not in the positions table" for i in k]
    found.add("unknown_position", _ROWS, k, p_emp[k], msgs)
    first: dict[str, int] = {}
    targets: dict[str, list[str]] = {}
    for i in np.flatnonzero(pd.Series(p_emp).duplicated(keep=False).to_numpy()):
        first.setdefault(p_emp[i], int(i))
        targets.setdefault(p_emp[i], []).append(str(p_to[i]))
    msgs = [
        f"employee {eid} is moved {len(to)} times in the plan (to {', '.join(to)}); "
        "an employee is moved at most once"
        for eid, to in targets.items()
    ]
    found.add("duplicate_move", _ROWS, first.values(), first.keys(), msgs)
    k = np.flatnonzero(no_op)
    msgs = [f"employee {p_emp[i]} is moved to {p_to[i]}, the position they already hold" for i in k]
    found.add("no_op_move", _ROWS, k, p_emp[k], msgs)


def _jabatan_identity(pos: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Per position, what makes two positions one jabatan: the ``kode_jabatan`` when every
    position has one, else the name folded to lower case with white space collapsed."""
    if "kode_jabatan" in pos.columns:
        kode = _text(pos["kode_jabatan"])
        if len(kode) and bool((kode != "").all()):
            return np.asarray(kode, dtype=object)
    # folded once per distinct name
    codes, names = pd.factorize(pd.Series(_text(pos["jabatan"]), dtype=object), sort=False)
    folded = np.array([" ".join(str(x).casefold().split()) for x in names] + [""], dtype=object)
    return folded[codes]


def _scale_of(grade: str) -> str:
    """The scale of a grade (``"PNS"``, ``"PPPK"``), ``""`` when it is not recognised."""
    try:
        return grade_scale(grade)
    except KeyError:
        return ""


def _check_movers(
    found: _Found,
    mv: _Movers,
    emp: pd.DataFrame,
    pos: pd.DataFrame,
    pos_rows: list[int | None],
    policy: Policy,
) -> None:
    """Per-mover rules: status, lock, months, jabatan, grade, education, competencies."""
    pid = _ids(pos["position_id"])
    who = mv.who
    status = _text_at(emp["status"], mv.emp)
    locked = emp["locked"].fillna(False).astype(bool).to_numpy()[mv.emp]
    months = _num(emp["months_in_position"])[mv.emp]
    jabatan = _text(pos["jabatan"])
    has_from = mv.frm >= 0
    from_pid = np.where(has_from, pid[np.maximum(mv.frm, 0)], "?")
    from_jab = np.where(has_from, jabatan[np.maximum(mv.frm, 0)], "")
    to_jab = jabatan[mv.to]

    k = np.flatnonzero(status == "CPNS")
    mv.add(found, "cpns_stays", k, [f"{who[i]} is a CPNS; CPNS are never transferred" for i in k])
    if not policy.allow_pppk:
        k = np.flatnonzero(status == "PPPK")
        msgs = [f"{who[i]} is PPPK, and the policy does not allow moving PPPK (allow_pppk)" for i in k]
        mv.add(found, "pppk_stays", k, msgs)
    own = [c for c in ("fte", "status") if c in emp.columns]
    fte = _fte_of(emp[own].iloc[mv.emp], policy)  # the movers' rows only
    k = np.flatnonzero((status == PART_TIME) | (fte < 1.0))
    msgs = [
        f"{who[i]} is PPPK Paruh Waktu (part-time); part-time PPPK are never transferred"
        if status[i] == PART_TIME
        else f"{who[i]} works {_fmt(fte[i])} FTE, less than full time; part-timers are never transferred"
        for i in k
    ]
    mv.add(found, "part_time", k, msgs)
    k = np.flatnonzero(locked)
    mv.add(found, "locked", k, [f"{who[i]} is locked in position {from_pid[i]}" for i in k])
    k = np.flatnonzero(months < policy.min_months_in_position)
    msgs = [
        f"{who[i]} has {_fmt(months[i])} months in position {from_pid[i]}, "
        f"fewer than the minimum {policy.min_months_in_position}"
        for i in k
    ]
    mv.add(found, "min_months_in_position", k, msgs)
    if not policy.allow_jabatan_change:
        same = _jabatan_identity(pos)
        from_key = np.where(has_from, same[np.maximum(mv.frm, 0)], "")
        k = np.flatnonzero(from_key != same[mv.to])
        msgs = [
            f"{who[i]} changes jabatan from {from_jab[i]!r} (in {from_pid[i]}) to {to_jab[i]!r}, "
            "and the policy does not allow a change of jabatan (allow_jabatan_change)"
            for i in k
        ]
        mv.add(found, "same_jabatan", k, msgs)

    # grade bounds, each on one scale: min_grade/max_grade hold PNS golongan/ruang and bind PNS
    # and CPNS, min_grade_pppk/max_grade_pppk hold PPPK golongan (I..XVII) and bind PPPK. A blank,
    # unrecognised or other-scale grade of a mover fails any set bound of the mover's scale.
    problems: list[InputProblem] = []
    used = np.zeros(len(pid), dtype=bool)
    used[mv.to] = True
    grade_text = _text_at(emp["grade"], mv.emp)
    pppk = np.isin(status.astype(str), ["PPPK", PART_TIME])
    scale_name = {"PNS": "PNS golongan/ruang", "PPPK": "PPPK golongan"}
    for col, scale, below in (
        ("min_grade", "PNS", True),
        ("max_grade", "PNS", False),
        ("min_grade_pppk", "PPPK", True),
        ("max_grade_pppk", "PPPK", False),
    ):
        text = _opt_text(pos, col)
        on_scale = functools.partial(grade_rank_in, scale=scale)
        rank, bad = _ranks(text, on_scale)
        for i in np.flatnonzero(bad & used):
            msg = f"{col} {text[i]!r} of position {pid[i]} is not a recognised {scale_name[scale]} code"
            problems.append(InputProblem("positions", pos_rows[i], col, text[i], "unknown_grade", msg))
        m_rank = _ranks(grade_text, on_scale)[0]
        b_text, b_rank = text[mv.to], rank[mv.to]
        with np.errstate(invalid="ignore"):
            beyond = (m_rank < b_rank) if below else (m_rank > b_rank)
        applies = pppk if scale == "PPPK" else ~pppk
        k = np.flatnonzero(applies & (b_text != "") & (np.isnan(m_rank) | beyond))
        word = "below" if below else "above"
        msgs = [
            f"{who[i]} has grade {grade_text[i]} {word} {col} {b_text[i]}"
            if not np.isnan(m_rank[i])
            else f"{who[i]} has no grade, but the target requires {col} {b_text[i]}"
            if grade_text[i] == ""
            else f"{who[i]} ({status[i]}) has grade {grade_text[i]!r}, not a {scale_name[scale]}, "
            f"but the target requires {col} {b_text[i]}"
            if _scale_of(grade_text[i]) not in ("", scale)
            else f"{who[i]} has grade {grade_text[i]!r}, which is not recognised, "
            f"but the target requires {col} {b_text[i]}"
            for i in k
        ]
        mv.add(found, "min_grade" if below else "max_grade", k, msgs)

    # education: a D-IV meets an S-1 minimum ("S-1/D-IV") unless policy.d4_equals_s1 is off;
    # a blank or unrecognised education fails any set minimum
    edu_text = _text_at(emp["education"], mv.emp)
    m_rank = _ranks(edu_text, education_rank)[0]
    text = _text(pos["min_education"])
    rank, bad = _ranks(text, education_rank)
    for i in np.flatnonzero(bad & used):
        msg = f"min_education {text[i]!r} of position {pid[i]} is not a recognised education code"
        problems.append(
            InputProblem("positions", pos_rows[i], "min_education", text[i], "unknown_education", msg)
        )
    b_text, b_rank = text[mv.to], rank[mv.to]
    with np.errstate(invalid="ignore"):
        beyond = m_rank < b_rank
        if policy.d4_equals_s1:
            beyond &= ~((m_rank == education_rank("D4")) & (b_rank == education_rank("S1")))
    k = np.flatnonzero((b_text != "") & (np.isnan(m_rank) | beyond))
    msgs = [
        f"{who[i]} has education {edu_text[i]} below min_education {b_text[i]}"
        if not np.isnan(m_rank[i])
        else f"{who[i]} has no education, but the target requires min_education {b_text[i]}"
        if edu_text[i] == ""
        else f"{who[i]} has education {edu_text[i]!r}, which is not recognised, "
        f"but the target requires min_education {b_text[i]}"
        for i in k
    ]
    mv.add(found, "min_education", k, msgs)

    # competencies: every required level must be met; a missing competency is level 0
    req_text = _text(pos["required_competencies"])[mv.to]
    have_text = _text_at(emp["competencies"], mv.emp)
    both = _competency_gaps(have_text, req_text, "required_competencies", problems)
    short = both[both["level_have"] < both["level_req"]].sort_values(["m", "comp"])
    if len(short):
        item = (
            short["comp"]
            + " level "
            + short["level_req"].astype(int).astype(str)
            + " (has "
            + short["level_have"].astype(int).astype(str)
            + ")"
        )
        lack = item.groupby(short["m"], sort=True).agg(", ".join)
        k = lack.index.to_numpy(dtype=np.intp)
        msgs = [f"{who[i]} lacks required competencies: {text}" for i, text in zip(k, lack, strict=True)]
        mv.add(found, "required_competencies", k, msgs)


# --------------------------------------------------------------- policy rules


def _check_exclusions(found: _Found, mv: _Movers, people: _People, pos: pd.DataFrame, policy: Policy) -> None:
    """discipline, study_leave and retirement_buffer: movers who may not move at all."""
    who = mv.who
    k = np.flatnonzero(people.discipline[mv.emp])
    msgs = [f"{who[i]} is under a disciplinary or legal process (discipline)" for i in k]
    mv.add(found, "discipline", k, msgs)

    k = np.flatnonzero(people.study_leave[mv.emp])
    msgs = [f"{who[i]} is on study leave or bound by ikatan dinas (study_leave)" for i in k]
    mv.add(found, "study_leave", k, msgs)

    k = np.flatnonzero(people.near[mv.emp])
    pid = _ids(pos["position_id"])
    d = policy.date()
    msgs = []
    for i in k:
        e = int(mv.emp[i])
        born = people.birth.iloc[e]
        age = int(np.floor(people.retirement_age[e]))
        source = f"of position {pid[mv.frm[i]]}" if people.age_of_position[e] else "of the policy"
        if people.age_of_jabatan[e]:
            source += ", by its jabatan_type (PP 11/2017 Pasal 239)"
        msgs.append(
            f"{who[i]} reaches the retirement age {age} ({source}) in {born.year + age:04d}-{born.month:02d} "
            f"(born {born:%Y-%m-%d}), within retirement_buffer_months {policy.retirement_buffer_months} "
            f"of the plan date {d.isoformat()}"
        )
    mv.add(found, "retirement_buffer", k, msgs)


def _check_volunteer_targets(
    found: _Found,
    mv: _Movers,
    people: _People,
    pid: npt.NDArray[np.object_],
    unit: npt.NDArray[np.object_],
    policy: Policy,
) -> None:
    """volunteers_only_to_preferences: a volunteer with a list moves only to a listed place."""
    if not policy.volunteers_only_to_preferences:
        return
    k = np.flatnonzero(people.volunteer[mv.emp] & (people.n_listed[mv.emp] > 0))
    rank = _pref_rank(people, mv.emp[k], mv.to[k], pid, unit)
    k = k[np.isnan(rank)]
    msgs = [
        f"{mv.who[i]} (unit {unit[mv.to[i]]}) volunteered with preferences {people.pref_text[mv.emp[i]]!r}, "
        "which list neither the position nor its unit"
        for i in k
    ]
    mv.add(found, "volunteers_only_to_preferences", k, msgs)


def _check_mover_rules(found: _Found, mv: _Movers, ctx: _Context) -> None:
    """Every rule about one move: who may move and where to (all but voluntary_first)."""
    _check_movers(found, mv, ctx.emp, ctx.pos, ctx.pos_rows, ctx.policy)
    _check_exclusions(found, mv, ctx.people, ctx.pos, ctx.policy)
    _check_volunteer_targets(found, mv, ctx.people, ctx.pid, ctx.unit, ctx.policy)
