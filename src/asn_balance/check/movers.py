"""Rules of the plan rows and of each mover: who may move and where to (all but
``voluntary_first``, see :mod:`.voluntary`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.domain import education_rank, grade_rank
from ..model.errors import InputProblem
from ..model.policy import Policy
from .frames import _Bool, _competency_gaps, _fmt, _ids, _Int, _num, _ranks, _text
from .people import _Context, _People, _pref_rank
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
    status = _text(emp["status"])[mv.emp]
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
        k = np.flatnonzero(from_jab != to_jab)
        msgs = [
            f"{who[i]} changes jabatan from {from_jab[i]!r} (in {from_pid[i]}) to {to_jab[i]!r}, "
            "and the policy does not allow a change of jabatan (allow_jabatan_change)"
            for i in k
        ]
        mv.add(found, "same_jabatan", k, msgs)

    # grade and education bounds: a blank or unrecognised value of a mover fails any set bound
    problems: list[InputProblem] = []
    used = np.zeros(len(pid), dtype=bool)
    used[mv.to] = True
    grade_text = _text(emp["grade"])[mv.emp]
    edu_text = _text(emp["education"])[mv.emp]
    mine_of = {
        "grade": (grade_text, _ranks(grade_text, grade_rank)[0]),
        "education": (edu_text, _ranks(edu_text, education_rank)[0]),
    }
    for col, fn, what, below in (
        ("min_grade", grade_rank, "grade", True),
        ("max_grade", grade_rank, "grade", False),
        ("min_education", education_rank, "education", True),
    ):
        text = _text(pos[col])
        rank, bad = _ranks(text, fn)
        for i in np.flatnonzero(bad & used):
            msg = f"{col} {text[i]!r} of position {pid[i]} is not a recognised {what} code"
            problems.append(InputProblem("positions", pos_rows[i], col, text[i], f"unknown_{what}", msg))
        b_text, b_rank = text[mv.to], rank[mv.to]
        m_text, m_rank = mine_of[what]
        with np.errstate(invalid="ignore"):
            beyond = (m_rank < b_rank) if below else (m_rank > b_rank)
        k = np.flatnonzero((b_text != "") & (np.isnan(m_rank) | beyond))
        word = "below" if below else "above"
        msgs = [
            f"{who[i]} has {what} {m_text[i]} {word} {col} {b_text[i]}"
            if not np.isnan(m_rank[i])
            else f"{who[i]} has no {what}, but the target requires {col} {b_text[i]}"
            if m_text[i] == ""
            else f"{who[i]} has {what} {m_text[i]!r}, which is not recognised, "
            f"but the target requires {col} {b_text[i]}"
            for i in k
        ]
        mv.add(found, col, k, msgs)

    # competencies: every required level must be met; a missing competency is level 0
    req_text = _text(pos["required_competencies"])[mv.to]
    have_text = _text(emp["competencies"])[mv.emp]
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
