"""An independent verifier of mutasi plans.

:func:`check` re-derives everything a plan claims from the canonical input tables and the
policy alone: the workload and staff need of every position (ABK), the staff after the plan,
every term of the objective and every hard rule. It never imports the solvers, the rule
builders, the engine, the ABK, planner, wishes, unit-rule or objective-term modules of this
package, so that a bug there cannot hide itself here; it uses only the code tables and
parsers of :mod:`asn_balance.domain`, the policy of :mod:`asn_balance.schema`, numpy and
pandas.

Definitions (shared with the rest of the package):

* workload of a position (hours/year): if the position has any rows in ``tasks``, the sum of
  ``volume * PERIOD_FACTORS[period] * norm_minutes / 60`` over them (an empty volume or norm
  contributes nothing); otherwise its ``workload_hours``;
* need (FTE) = workload / ``policy.effective_hours``;
* a *mover* is an employee whose position after the plan differs from the current one; the
  per-mover rules are checked for every plan row that names a known employee and a known
  position other than the current one;
* retirement: the retirement date is ``birth_date + R`` years, ``R`` the ``retirement_age`` of
  the employee's current position (blank: ``policy.retirement_age``). With ``P`` the plan date
  (``policy.date()``) shifted by ``policy.retirement_buffer_months`` calendar months (year and
  month arithmetic; ``P`` keeps the plan date's day), the retirement is *near* when its
  (year, month) comes before ``P``'s, or is the same and the birth day is at most ``P``'s day.
  An employee without a birth date is never near;
* preferences: entries of ``preferences`` split at ``;``, ``,`` or ``|``, stripped, blanks
  dropped; the rank of an entry is its 1-based place among the distinct entries, ``k`` their
  number. A position matches an entry equal to its ``position_id`` or its ``unit_id``; its rank
  in a list is the smallest rank of a matching entry (unlisted if none matches);
* spouse pairs: pairs of different employees ``A, B`` with ``A.spouse_id == B.employee_id``
  (either way, a pair counted once) who work in the same unit *before* the plan. A *spouse
  link* is a pair of that kind wherever the two work;
* units: the ``unit_id`` of a position; the ``units`` table (optional; absent means no unit
  rule) caps moves out (origin position in the unit, any target) and in (target in the unit)
  and asks for ``coverage``: ``c:LxN`` means at least ``N`` employees of the unit after the
  plan have competency ``c`` at level ``L`` or above (a missing competency is level 0);
* objective = the sum of the terms (:data:`asn_balance.schema.TERMS`):

  - ``balance`` ``B = sum((staff - need) ** 2 / max(need, 1))`` over all positions, after the
    plan;
  - ``moves`` = ``policy.move_cost * moves``;
  - ``preferences`` = ``policy.preference_weight * (volunteers who stay + sum over movers with
    a list of ((r - 1) / k if the target has rank r, else 1))``;
  - ``spouses`` = ``policy.spouse_weight *`` spouse pairs in different units after the plan;
  - ``fit`` = ``policy.fit_weight *`` sum over movers and the competencies ``c`` of the
    target's ``competency_standard`` of ``max(0, standard(c) - level(c))``;
  - ``rotation`` = ``policy.rotation_weight *`` employees with ``months_in_position >
    policy.max_months_in_position`` who do not move.

  With the default policy and none of the policy columns it is ``B + move_cost * moves``.

Hard rules beyond the per-position ones: a mover must not be under a disciplinary process
(``discipline``), on study leave (``study_leave``) or near retirement (``retirement_buffer``);
with ``volunteers_only_to_preferences`` a volunteer with a list moves only to a listed place;
with ``spouses_hard`` spouse pairs end in one unit (``spouse_same_unit``); the caps
``max_moves_out``, ``max_moves_in`` and ``coverage`` of the units table hold; and with
``voluntary_first`` a non-volunteer does not move from ``P`` to ``T`` while a volunteer of
``P`` who stays could take the move instead: a volunteer who passes every mover rule, meets
``T``'s requirements, may go to ``T`` under ``volunteers_only_to_preferences`` and has no
spouse link, and whose swap with the mover (the mover stays, the volunteer moves to ``T``)
does not make the plan worse: the objective does not rise (the swap changes no staffing, no
move count and no cap, but may change the preferences, fit and rotation terms and the mover's
spouse pairs), no spouse pair of the mover is newly split under ``spouses_hard``, and no
coverage item of the two units falls below its count through it. A volunteer without a
list, or with the target listed, always lowers the preferences term by moving, so with the
default weights only a fit, rotation, spouse or coverage difference can excuse the mover.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.domain import (
    PERIOD_FACTORS,
    education_rank,
    grade_rank,
    parse_competencies,
    parse_coverage,
)
from ..model.errors import InputError, InputProblem
from ..model.policy import RULES, TERMS, Policy

__all__ = [
    "CHECKED_RULES",
    "PLAN_RULES",
    "CheckReport",
    "HasMoves",
    "PlanLike",
    "ProblemLike",
    "Violation",
    "balance_of",
    "check",
    "objective_of",
]

#: Rules about the plan table itself, by name, with the sentence used in explanations.
PLAN_RULES: Final[dict[str, str]] = {
    "unknown_employee": "a moved employee must be in the employees table",
    "unknown_position": "a target position must be in the positions table",
    "duplicate_move": "an employee is moved at most once",
    "no_op_move": "a move must change the employee's position",
}

#: Every rule of :data:`asn_balance.schema.RULES` that :func:`check` verifies, in the order
#: the violations of one plan row (then of one position, one unit, ...) are listed.
CHECKED_RULES: Final[tuple[str, ...]] = (
    # who may move
    "cpns_stays",
    "pppk_stays",
    "locked",
    "discipline",
    "study_leave",
    "retirement_buffer",
    "min_months_in_position",
    # where to
    "same_jabatan",
    "min_grade",
    "max_grade",
    "min_education",
    "required_competencies",
    "volunteers_only_to_preferences",
    "voluntary_first",
    # positions, units, spouses, the whole plan
    "min_staff",
    "max_staff",
    "max_moves_out",
    "max_moves_in",
    "coverage",
    "spouse_same_unit",
    "max_moves",
)

# Order in which the violations of one plan row are listed.
_RULE_ORDER: Final[dict[str, int]] = {
    name: i for i, name in enumerate(dict.fromkeys([*PLAN_RULES, *CHECKED_RULES, *RULES]))
}

# Sections of the report, listed in this order.
_ROWS, _POSITIONS, _UNITS, _SPOUSES, _PLAN = range(5)

_Bool: TypeAlias = npt.NDArray[np.bool_]
_Float: TypeAlias = npt.NDArray[np.float64]
_Int: TypeAlias = npt.NDArray[np.intp]


class ProblemLike(Protocol):
    """What :func:`check` needs of a problem: the canonical tables and the policy.

    A problem may also carry a ``units`` table (``unit_id``, ``max_moves_out``,
    ``max_moves_in``, ``coverage``); :func:`check` reads it when present and applies no unit
    rule otherwise. The policy columns of employees and positions are optional likewise.
    """

    @property
    def employees(self) -> pd.DataFrame:
        """Canonical employees table."""
        ...

    @property
    def positions(self) -> pd.DataFrame:
        """Canonical positions table."""
        ...

    @property
    def tasks(self) -> pd.DataFrame:
        """Canonical ABK tasks table (may be empty)."""
        ...

    @property
    def policy(self) -> Policy:
        """The mutasi policy."""
        ...


class HasMoves(Protocol):
    """An object carrying a plan as a ``moves`` table, such as a solver result."""

    @property
    def moves(self) -> pd.DataFrame:
        """One row per moved employee, with columns ``employee_id`` and ``to_position``."""
        ...


#: A plan: a table ``employee_id, to_position``, an object with such a ``moves`` table,
#: or a mapping employee_id -> to_position.
PlanLike: TypeAlias = "pd.DataFrame | HasMoves | Mapping[str, str]"


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Attributes
    ----------
    rule : str
        Rule name, a key of :data:`asn_balance.schema.RULES` or :data:`PLAN_RULES`.
    subject : str
        The employee_id, the position_id, the unit_id (unit caps and coverage), the first
        employee_id of a spouse pair (in the employees table's order), or ``"plan"`` the
        violation is about.
    message : str
        A full sentence naming the subject and the values involved.
    """

    rule: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}]"


@dataclass(frozen=True, eq=False)
class CheckReport:
    """What :func:`check` found.

    Attributes
    ----------
    ok : bool
        ``True`` when no rule is violated.
    violations : list of Violation
        Every violation: row-level ones in plan order, then positions (table order), then
        units (units table order), then spouse pairs, then plan-wide ones.
    moves : int
        Number of employees whose position the plan changes.
    balance : float
        Balance term ``B`` after the plan.
    balance_before : float
        Balance term ``B`` of the current staffing.
    objective : float
        The sum of :attr:`terms`; ``balance + policy.move_cost * moves`` with the default
        policy and no policy columns.
    staff_after : pandas.Series
        Staff per position after the plan, indexed by position_id.
    need : pandas.Series
        Staff need (FTE) per position, indexed by position_id.
    staff_before : pandas.Series
        Current staff per position, indexed by position_id.
    terms : dict of str to float
        Every term of the objective, keyed by :data:`asn_balance.schema.TERMS` in that order:
        ``balance``, ``moves``, ``preferences``, ``spouses``, ``fit``, ``rotation``.
    """

    ok: bool
    violations: list[Violation]
    moves: int
    balance: float
    balance_before: float
    objective: float
    staff_after: pd.Series = field(repr=False)
    need: pd.Series = field(repr=False)
    staff_before: pd.Series = field(repr=False)
    terms: dict[str, float] = field(default_factory=dict)

    @property
    def rules(self) -> set[str]:
        """Names of the rules violated at least once."""
        return {v.rule for v in self.violations}

    def __str__(self) -> str:
        head = (
            f"{self.moves} move{'s' if self.moves != 1 else ''}, balance {self.balance_before:.6g} -> "
            f"{self.balance:.6g}, objective {self.objective:.6g}"
        )
        if self.ok:
            return f"plan OK: {head}"
        n = len(self.violations)
        lines = [f"plan FAILED with {n} violation{'s' if n != 1 else ''} ({head}):"]
        lines += [f"  {v}" for v in self.violations]
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """Raise :class:`AssertionError` listing every violation unless the plan is ok.

        Raises
        ------
        AssertionError
            If any rule is violated.
        """
        if not self.ok:
            raise AssertionError(str(self))


# --------------------------------------------------------------------------- helpers


def _text(s: pd.Series) -> npt.NDArray[np.object_]:
    """Values as stripped python ``str``, missing ones as ``""``."""
    return s.astype(str).fillna("").str.strip().to_numpy(dtype=object)


def _ids(s: pd.Series) -> npt.NDArray[np.object_]:
    """Ids as python ``str``, missing ones as ``""`` (ids are not stripped)."""
    return s.astype(str).fillna("").to_numpy(dtype=object)


def _num(s: pd.Series) -> _Float:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _rows(frame: pd.DataFrame) -> list[int | None]:
    if "source_row" in frame.columns:
        return [None if pd.isna(r) else int(r) for r in frame["source_row"]]
    return [None] * len(frame)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _opt_text(frame: pd.DataFrame, name: str) -> npt.NDArray[np.object_]:
    """An optional text column as stripped ``str`` (blank and missing: ``""``; absent: all ``""``)."""
    if name not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[name].fillna("").astype(str).str.strip().to_numpy(dtype=object)


def _opt_ids(frame: pd.DataFrame, name: str) -> npt.NDArray[np.object_]:
    """An optional id column as ``str``, not stripped (missing and absent: ``""``)."""
    if name not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[name].fillna("").astype(str).to_numpy(dtype=object)


def _opt_bool(frame: pd.DataFrame, name: str) -> _Bool:
    """An optional boolean column (missing and absent: ``False``)."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].fillna(False).astype(bool).to_numpy(dtype=bool)


def _opt_num(frame: pd.DataFrame, name: str) -> _Float:
    """An optional number column (missing and absent: NaN)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return _num(frame[name])


def _few(ids: Iterable[str], limit: int = 3) -> str:
    """``"A, B, C and 2 more"``."""
    items = list(ids)
    head = ", ".join(items[:limit])
    return head if len(items) <= limit else f"{head} and {len(items) - limit} more"


def _plan_frame(plan: PlanLike) -> pd.DataFrame:
    """The plan as a frame with str columns ``employee_id`` and ``to_position``."""
    if isinstance(plan, pd.DataFrame):
        frame = plan
    elif isinstance(plan, Mapping):
        frame = pd.DataFrame({"employee_id": list(plan.keys()), "to_position": list(plan.values())})
    elif isinstance(getattr(plan, "moves", None), pd.DataFrame):
        frame = plan.moves
    else:
        raise TypeError(
            "plan must be a DataFrame with columns employee_id and to_position, an object with "
            f"such a .moves DataFrame, or a mapping employee_id -> to_position; got {type(plan).__name__}"
        )
    if frame.empty and len(frame.columns) == 0:
        frame = pd.DataFrame({"employee_id": [], "to_position": []}, dtype=object)
    missing = [c for c in ("employee_id", "to_position") if c not in frame.columns]
    if missing:
        raise InputError(
            InputProblem("plan", None, c, None, "missing_column", f"the plan has no column {c!r}")
            for c in missing
        )
    ids = {"employee_id": _ids(frame["employee_id"]), "to_position": _ids(frame["to_position"])}
    out: pd.DataFrame = pd.DataFrame(ids)
    return out


def _unique_index(ids: npt.NDArray[np.object_], table: str, rows: list[int | None]) -> pd.Index:
    index = pd.Index(ids, dtype=object)
    if not index.is_unique:
        dup = index.duplicated(keep="first")
        col = "employee_id" if table == "employees" else "position_id"
        raise InputError(
            InputProblem(table, rows[i], col, ids[i], "duplicate_id", f"{col} {ids[i]!r} occurs twice")
            for i in np.flatnonzero(dup)
        )
    return index


def _workload(positions: pd.DataFrame, pos_ids: pd.Index, tasks: pd.DataFrame | None) -> _Float:
    """Workload hours per position (in positions order); see the module docstring."""
    n = len(pos_ids)
    problems: list[InputProblem] = []
    hours = np.zeros(n)
    has_tasks = np.zeros(n, dtype=bool)
    if tasks is not None and len(tasks) > 0:
        t_pos = pos_ids.get_indexer(pd.Index(_ids(tasks["position_id"]), dtype=object))
        period = _text(tasks["period"])
        factor = np.array([PERIOD_FACTORS.get(p.lower(), np.nan) for p in period], dtype=float)
        rows = _rows(tasks)
        for i in np.flatnonzero(np.isnan(factor)):
            msg = f"period {period[i]!r} is not one of {', '.join(PERIOD_FACTORS)}"
            problems.append(InputProblem("tasks", rows[i], "period", period[i], "unknown_period", msg))
        task_hours = _num(tasks["volume"]) * factor * _num(tasks["norm_minutes"]) / 60.0
        known = t_pos >= 0
        np.add.at(hours, t_pos[known], np.nan_to_num(task_hours[known], nan=0.0))
        has_tasks[t_pos[known]] = True
    given = _num(positions["workload_hours"])
    workload = np.where(has_tasks, hours, given)
    rows = _rows(positions)
    for i in np.flatnonzero(np.isnan(workload)):
        msg = f"position {pos_ids[int(i)]!r} has neither workload_hours nor tasks"
        problems.append(InputProblem("positions", rows[i], "workload_hours", None, "missing_workload", msg))
    if problems:
        raise InputError(problems)
    return workload


def _balance(staff: _Float, need: _Float) -> float:
    return float(np.sum((staff - need) ** 2 / np.maximum(need, 1.0)))


def balance_of(staff: pd.Series, need: pd.Series) -> float:
    """Balance term ``B = sum((staff - need)**2 / max(need, 1))`` over positions.

    Parameters
    ----------
    staff : pandas.Series
        Staff per position, indexed by position_id; positions missing here have no staff.
    need : pandas.Series
        Staff need (FTE) per position, indexed by position_id; defines the positions summed.

    Returns
    -------
    float
        The balance term; 0 when every position has exactly its need.

    Raises
    ------
    ValueError
        If ``staff`` names a position that ``need`` does not.
    """
    extra = staff.index.difference(need.index)
    if len(extra):
        raise ValueError(f"staff given for positions without a need: {list(extra[:5])}")
    s = staff.reindex(need.index, fill_value=0).to_numpy(dtype=float)
    return _balance(s, need.to_numpy(dtype=float))


def _ranks(values: npt.NDArray[np.object_], fn: Callable[[str], int]) -> tuple[_Float, _Bool]:
    """Rank per value (NaN for blank or unrecognised) and a mask of unrecognised values."""
    table: dict[str, float] = {}
    for u in pd.unique(values):
        try:
            table[u] = float(fn(u)) if u != "" else np.nan
        except KeyError:
            table[u] = np.nan
    rank = pd.Series(values, dtype=object).map(table).to_numpy(dtype=float, na_value=np.nan)
    return rank, np.isnan(rank) & (values != "")


def _competencies(
    texts: npt.NDArray[np.object_], table: str, column: str, problems: list[InputProblem]
) -> pd.DataFrame:
    """Long table ``text, comp, level`` of the distinct competency texts; bad ones to ``problems``."""
    parts: list[tuple[str, str, float]] = []
    for text in pd.unique(texts):
        parsed = parse_competencies(text)
        if isinstance(parsed, str):
            problems.append(InputProblem(table, None, column, text, "bad_competencies", parsed))
            continue
        parts.extend((text, comp, float(level)) for comp, level in parsed.items())
    out: pd.DataFrame = pd.DataFrame(parts, columns=["text", "comp", "level"])
    out = out.astype({"text": object, "comp": object, "level": float})
    return out


def _competency_gaps(
    have_text: npt.NDArray[np.object_],
    want_text: npt.NDArray[np.object_],
    want_column: str,
    problems: list[InputProblem],
) -> pd.DataFrame:
    """Pair ``m`` has ``have_text[m]`` (employees) and is asked for ``want_text[m]`` (positions).

    Returns one row per pair and competency of ``want_text[m]``: ``m, comp, level_req,
    level_have`` (a missing competency is level 0). Raises :class:`InputError` with
    ``problems`` and every unparsable text.
    """
    want_long = _competencies(want_text, "positions", want_column, problems)
    have_long = _competencies(have_text, "employees", "competencies", problems)
    if problems:
        raise InputError(problems)
    pairs = pd.DataFrame({"m": np.arange(len(want_text)), "req": want_text, "have": have_text})
    cols = ["m", "comp", "level"]
    req = pairs.merge(want_long, left_on="req", right_on="text")[cols]
    have = pairs.merge(have_long, left_on="have", right_on="text")[cols]
    both = req.merge(have, on=["m", "comp"], how="left", suffixes=("_req", "_have"))
    both["level_have"] = both["level_have"].fillna(0.0)
    return both


# --------------------------------------------------------------------------- check


class _Found:
    """Violations with their sort keys ``(section, row or position, rule order)``."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, int, Violation]] = []

    def add(
        self,
        rule: str,
        section: int,
        orders: Iterable[int],
        subjects: Iterable[str],
        messages: Iterable[str],
    ) -> None:
        rank = _RULE_ORDER.get(rule, len(_RULE_ORDER))
        for order, subject, message in zip(orders, subjects, messages, strict=True):
            self.items.append((section, int(order), rank, Violation(rule, str(subject), message)))

    def violations(self) -> list[Violation]:
        return [item[3] for item in sorted(self.items, key=lambda item: item[:3])]


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


def _check_staff(
    found: _Found, pos: pd.DataFrame, staff_before: npt.NDArray[np.int64], staff_after: npt.NDArray[np.int64]
) -> None:
    """min_staff and max_staff of every position after the plan."""
    pid = _ids(pos["position_id"])
    low, high = _num(pos["min_staff"]), _num(pos["max_staff"])
    k = np.flatnonzero(staff_after < low)
    msgs = [
        f"position {pid[i]} ends with {staff_after[i]} staff, below min_staff {_fmt(low[i])} "
        f"(before the plan: {staff_before[i]})"
        for i in k
    ]
    found.add("min_staff", _POSITIONS, k, pid[k], msgs)
    with np.errstate(invalid="ignore"):
        k = np.flatnonzero(~np.isnan(high) & (staff_after > high))
    msgs = [
        f"position {pid[i]} ends with {staff_after[i]} staff, above max_staff {_fmt(high[i])} "
        f"(before the plan: {staff_before[i]})"
        for i in k
    ]
    found.add("max_staff", _POSITIONS, k, pid[k], msgs)


# --------------------------------------------------------------------------- policy columns


@dataclass(frozen=True)
class _People:
    """Per-employee facts of the mutasi policy; an absent column gives the default (rule off)."""

    volunteer: _Bool
    discipline: _Bool
    study_leave: _Bool
    birth: pd.Series  # datetime64, NaT when unknown
    retirement_age: _Float  # R of the current position (or the policy's)
    age_of_position: _Bool  # R comes from the current position, not the policy
    near: _Bool  # retirement within the buffer (rule retirement_buffer)
    pref_text: npt.NDArray[np.object_]
    prefs: pd.DataFrame  # long table ``e, entry, rank`` of the distinct non-empty entries
    n_listed: _Int  # k: number of distinct non-empty entries
    link_a: _Int  # spouse links (employee numbers, link_a < link_b), once each
    link_b: _Int


def _retirement(
    emp: pd.DataFrame, pos: pd.DataFrame, cur_pos: _Int, policy: Policy
) -> tuple[pd.Series, _Float, _Bool, _Bool]:
    """Birth dates, retirement age R, whether R is the position's, and the near mask."""
    if "birth_date" in emp.columns:
        birth = pd.Series(pd.to_datetime(emp["birth_date"], errors="coerce"), index=emp.index)
    else:
        birth = pd.Series(pd.NaT, index=emp.index, dtype="datetime64[ns]")
    ages = _opt_num(pos, "retirement_age")
    own = (
        np.where(cur_pos >= 0, ages[np.maximum(cur_pos, 0)], np.nan)
        if len(ages)
        else np.full(len(emp), np.nan)
    )
    of_position = ~np.isnan(own)
    age = np.where(of_position, own, float(policy.retirement_age))
    known = birth.notna().to_numpy()
    year = birth.dt.year.fillna(0).to_numpy(dtype=np.int64)
    month = birth.dt.month.fillna(1).to_numpy(dtype=np.int64)
    day = birth.dt.day.fillna(1).to_numpy(dtype=np.int64)
    retire_month = (year + np.floor(age).astype(np.int64)) * 12 + (month - 1)
    d = policy.date()
    limit_month = d.year * 12 + (d.month - 1) + policy.retirement_buffer_months
    near = known & ((retire_month < limit_month) | ((retire_month == limit_month) & (day <= d.day)))
    return birth, age, of_position, near


def _preferences(texts: npt.NDArray[np.object_]) -> tuple[pd.DataFrame, _Int]:
    """Long table ``e, entry, rank`` of the lists and ``k`` per employee (see the docstring)."""
    has = np.flatnonzero(texts != "")
    parts = pd.Series(texts[has], index=has, dtype=object).str.split(r"[;,|]", regex=True).explode()
    entry = parts.fillna("").astype(str).str.strip()
    frame = pd.DataFrame({"e": entry.index.to_numpy(dtype=np.intp), "entry": entry.to_numpy(dtype=object)})
    frame = frame[frame["entry"] != ""].drop_duplicates(["e", "entry"], keep="first")
    frame = frame.assign(rank=frame.groupby("e").cumcount().to_numpy(dtype=np.intp) + 1)
    frame = frame.reset_index(drop=True).astype({"e": np.intp, "entry": object, "rank": np.intp})
    k = np.bincount(frame["e"].to_numpy(dtype=np.intp), minlength=len(texts)).astype(np.intp)
    return frame, k


def _spouse_links(emp: pd.DataFrame, emp_ids: pd.Index) -> tuple[_Int, _Int]:
    """Pairs ``a < b`` of employees of whom one names the other in ``spouse_id``, once each."""
    sid = _opt_ids(emp, "spouse_id")
    named = np.flatnonzero(sid != "")
    other = emp_ids.get_indexer(pd.Index(sid[named], dtype=object))
    ok = (other >= 0) & (other != named)
    a = np.minimum(named[ok], other[ok])
    b = np.maximum(named[ok], other[ok])
    links = pd.DataFrame({"a": a, "b": b}).drop_duplicates().sort_values(["a", "b"])
    return links["a"].to_numpy(dtype=np.intp), links["b"].to_numpy(dtype=np.intp)


def _people(
    emp: pd.DataFrame, pos: pd.DataFrame, emp_ids: pd.Index, cur_pos: _Int, policy: Policy
) -> _People:
    birth, age, of_position, near = _retirement(emp, pos, cur_pos, policy)
    pref_text = _opt_text(emp, "preferences")
    prefs, k = _preferences(pref_text)
    link_a, link_b = _spouse_links(emp, emp_ids)
    return _People(
        volunteer=_opt_bool(emp, "volunteer"),
        discipline=_opt_bool(emp, "discipline"),
        study_leave=_opt_bool(emp, "study_leave"),
        birth=birth,
        retirement_age=age,
        age_of_position=of_position,
        near=near,
        pref_text=pref_text,
        prefs=prefs,
        n_listed=k,
        link_a=link_a,
        link_b=link_b,
    )


def _pref_rank(
    people: _People, e: _Int, p: _Int, pid: npt.NDArray[np.object_], unit: npt.NDArray[np.object_]
) -> _Float:
    """Rank of position ``p[i]`` in the list of employee ``e[i]``: NaN when not listed."""
    out = np.full(len(e), np.nan)
    if len(e) == 0 or len(people.prefs) == 0:
        return out
    query = pd.DataFrame({"q": np.arange(len(e)), "e": e, "pid": pid[p], "unit": unit[p]})
    hits = [
        query.merge(people.prefs, left_on=["e", key], right_on=["e", "entry"])[["q", "rank"]]
        for key in ("pid", "unit")
    ]
    best = pd.concat(hits, ignore_index=True).groupby("q")["rank"].min()
    out[best.index.to_numpy(dtype=np.intp)] = best.to_numpy(dtype=float)
    return out


# --------------------------------------------------------------------------- policy rules


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


@dataclass(frozen=True)
class _Context:
    """What the per-mover rules read: the tables, the policy and the policy columns."""

    emp: pd.DataFrame
    pos: pd.DataFrame
    pos_rows: list[int | None]
    policy: Policy
    people: _People
    emp_id: npt.NDArray[np.object_]
    pid: npt.NDArray[np.object_]
    unit: npt.NDArray[np.object_]  # unit_id per position


def _check_mover_rules(found: _Found, mv: _Movers, ctx: _Context) -> None:
    """Every rule about one move: who may move and where to (all but voluntary_first)."""
    _check_movers(found, mv, ctx.emp, ctx.pos, ctx.pos_rows, ctx.policy)
    _check_exclusions(found, mv, ctx.people, ctx.pos, ctx.policy)
    _check_volunteer_targets(found, mv, ctx.people, ctx.pid, ctx.unit, ctx.policy)


def _spouse_pairs(people: _People, unit: npt.NDArray[np.object_], cur_pos: _Int) -> tuple[_Int, _Int]:
    """Spouse links whose two employees work in the same unit before the plan."""
    a, b = people.link_a, people.link_b
    known = (cur_pos[a] >= 0) & (cur_pos[b] >= 0)
    a, b = a[known], b[known]
    same = unit[cur_pos[a]] == unit[cur_pos[b]]
    return a[same], b[same]


def _check_spouses(
    found: _Found,
    ctx: _Context,
    pairs: tuple[_Int, _Int],
    apart: _Bool,
    cur_pos: _Int,
    after_pos: _Int,
) -> None:
    """spouse_same_unit: with spouses_hard, spouse pairs end in one unit."""
    if not ctx.policy.spouses_hard:
        return
    a, b = pairs[0][apart], pairs[1][apart]
    unit, name = ctx.unit, ctx.emp_id
    msgs = [
        f"spouses {name[x]} and {name[y]} both work in unit {unit[cur_pos[x]]} before the plan, but in "
        f"units {unit[after_pos[x]]} and {unit[after_pos[y]]} after it; the policy keeps spouses in one "
        "unit (spouses_hard)"
        for x, y in zip(a, b, strict=True)
    ]
    found.add("spouse_same_unit", _SPOUSES, a, name[a], msgs)


def _units_table(problem: ProblemLike) -> pd.DataFrame | None:
    """The problem's units table, or ``None`` when it has none (no unit rule)."""
    units = getattr(problem, "units", None)
    if not isinstance(units, pd.DataFrame) or "unit_id" not in units.columns or len(units) == 0:
        return None
    return units


def _check_move_caps(
    found: _Found, units: pd.DataFrame, unit: npt.NDArray[np.object_], cur_pos: _Int, after_pos: _Int
) -> None:
    """max_moves_out and max_moves_in: moves leaving and entering each unit's positions."""
    uid = _ids(units["unit_id"])
    moved = after_pos != cur_pos
    frm, to = cur_pos[moved], after_pos[moved]
    for rule, ends, verb in (("max_moves_out", frm, "leave"), ("max_moves_in", to, "enter")):
        cap = _opt_num(units, rule)
        if np.isnan(cap).all():
            continue
        counts = pd.Series(unit[ends[ends >= 0]], dtype=object).value_counts()
        n = pd.Series(uid, dtype=object).map(counts).fillna(0).to_numpy(dtype=np.int64)
        with np.errstate(invalid="ignore"):
            k = np.flatnonzero(~np.isnan(cap) & (n > cap))
        msgs = [
            f"{n[i]} employee{'s' if n[i] != 1 else ''} {verb} positions of unit {uid[i]} in the plan, "
            f"more than its {rule} {_fmt(cap[i])}"
            for i in k
        ]
        found.add(rule, _UNITS, k, uid[k], msgs)


def _coverage_asks(units: pd.DataFrame | None) -> pd.DataFrame:
    """One row per coverage item of the units table: ``r, unit, comp, level, count``."""
    items: list[tuple[int, str, str, int, int]] = []
    if units is not None:
        uid, text = _ids(units["unit_id"]), _opt_text(units, "coverage")
        rows = _rows(units)
        problems: list[InputProblem] = []
        for r in np.flatnonzero(text != ""):
            parsed = parse_coverage(text[r])
            if isinstance(parsed, str):
                problems.append(InputProblem("units", rows[r], "coverage", text[r], "bad_coverage", parsed))
                continue
            items.extend((int(r), str(uid[r]), comp, level, count) for comp, level, count in parsed)
        if problems:
            raise InputError(problems)
    asks = pd.DataFrame(items, columns=["r", "unit", "comp", "level", "count"])
    return asks.astype({"r": np.intp, "unit": object, "comp": object, "level": np.int64, "count": np.int64})


def _levels(emp: pd.DataFrame, e: _Int, comp: npt.NDArray[np.object_]) -> _Float:
    """Level of competency ``comp[i]`` of employee ``e[i]`` (0 when not listed)."""
    have = _text(emp["competencies"])[e]
    problems: list[InputProblem] = []
    long = _competencies(have, "employees", "competencies", problems)
    if problems:
        raise InputError(problems)
    query = pd.DataFrame({"q": np.arange(len(e)), "text": have, "comp": comp})
    hit = query.merge(long, on=["text", "comp"])
    out = np.zeros(len(e))
    out[hit["q"].to_numpy(dtype=np.intp)] = hit["level"].to_numpy(dtype=float)
    return out


def _coverage_counts(
    asks: pd.DataFrame, unit: npt.NDArray[np.object_], emp: pd.DataFrame, where: _Int
) -> npt.NDArray[np.int64]:
    """Per coverage item: employees of its unit (positions ``where``) at its level or above."""
    if len(asks) == 0:
        return np.zeros(0, dtype=np.int64)
    e = np.flatnonzero(where >= 0)
    staff = pd.DataFrame({"e": e, "unit": unit[where[e]]})
    items = asks.assign(item=np.arange(len(asks)))
    pairs = staff.merge(items[["item", "unit", "comp", "level"]], on="unit")
    got = _levels(emp, pairs["e"].to_numpy(dtype=np.intp), pairs["comp"].to_numpy(dtype=object))
    hit = pairs["item"].to_numpy(dtype=np.intp)[got >= pairs["level"].to_numpy(dtype=float)]
    return np.bincount(hit, minlength=len(asks)).astype(np.int64)


def _check_coverage(
    found: _Found,
    asks: pd.DataFrame,
    after: npt.NDArray[np.int64],
    before: Callable[[], npt.NDArray[np.int64]],
) -> None:
    """coverage: enough employees with a competency level in each unit after the plan."""
    short = np.flatnonzero(after < asks["count"].to_numpy(dtype=np.int64))
    if len(short) == 0:
        return
    was = before()
    ask = asks.iloc[short].to_dict("records")
    msgs = [
        f"unit {a['unit']} ends with {after[i]} staff with {a['comp']} at level {a['level']} or above, "
        f"fewer than the {a['count']} its coverage asks (before the plan: {was[i]})"
        for i, a in zip(short, ask, strict=True)
    ]
    found.add("coverage", _UNITS, [a["r"] for a in ask], [a["unit"] for a in ask], msgs)


# --------------------------------------------------------------------------- objective terms


def _wish_cost(
    people: _People, e: _Int, p: _Int, pid: npt.NDArray[np.object_], unit: npt.NDArray[np.object_]
) -> _Float:
    """Unmet wish of moving ``e[i]`` to ``p[i]``: 0 without a list, ``(r - 1) / k`` at rank
    ``r``, 1 when not listed (in units of ``preference_weight``)."""
    k = people.n_listed[e].astype(float)
    rank = _pref_rank(people, e, p, pid, unit)
    cost = np.where(np.isnan(rank), 1.0, (rank - 1.0) / np.maximum(k, 1.0))
    return np.where(k > 0, cost, 0.0)


def _shortfall(ctx: _Context, e: _Int, p: _Int) -> _Float:
    """Levels employee ``e[i]`` falls short of the ``competency_standard`` of position ``p[i]``."""
    standard = _opt_text(ctx.pos, "competency_standard")[p]
    if not (standard != "").any():
        return np.zeros(len(e))
    gaps = _competency_gaps(_text(ctx.emp["competencies"])[e], standard, "competency_standard", [])
    short = np.maximum((gaps["level_req"] - gaps["level_have"]).to_numpy(dtype=float), 0.0)
    return np.bincount(gaps["m"].to_numpy(dtype=np.intp), weights=short, minlength=len(e)).astype(float)


def _overdue(ctx: _Context) -> _Bool:
    """Employees over ``max_months_in_position`` (a rotation is due)."""
    with np.errstate(invalid="ignore"):
        return _num(ctx.emp["months_in_position"]) > ctx.policy.max_months_in_position


def _swap_not_worse(
    ctx: _Context,
    swap: tuple[_Int, _Int, _Int, _Int],
    after_pos: _Int,
    spouses: tuple[_Int, _Int],
    asks: pd.DataFrame,
    cover_after: npt.NDArray[np.int64],
) -> _Bool:
    """Whether volunteer ``v[i]`` may take the move of non-volunteer ``n[i]`` from ``p[i]`` to
    ``t[i]`` (``n`` stays, ``v`` moves) without making the plan worse.

    The swap keeps the staffing, the number of moves and every cap. It may change the
    preferences, fit and rotation terms, the spouse pairs of ``n`` (``v`` has no spouse link)
    and the coverage of the two units: the swap counts when the objective does not rise, no
    spouse pair of ``n`` is newly split under ``spouses_hard``, and no coverage item of the two
    units falls below its count through it.
    """
    n, v, p, t = swap
    pol, people, unit, size = ctx.policy, ctx.people, ctx.unit, len(n)
    # preferences: the volunteer no longer stays (1) but meets the target's cost; n stays free
    d_pref = _wish_cost(people, v, t, ctx.pid, unit) - 1.0 - _wish_cost(people, n, t, ctx.pid, unit)
    d_fit = _shortfall(ctx, v, t) - _shortfall(ctx, n, t)
    overdue = _overdue(ctx)
    d_rot = overdue[n].astype(float) - overdue[v].astype(float)
    # n's spouse pairs: n in t's unit with the plan, in p's unit with the swap
    a, b = spouses
    partner = pd.DataFrame({"x": np.concatenate([a, b]), "s": np.concatenate([b, a])})
    links = pd.DataFrame({"c": np.arange(size), "x": n}).merge(partner, on="x")
    c = links["c"].to_numpy(dtype=np.intp)
    s_unit = unit[after_pos[links["s"].to_numpy(dtype=np.intp)]]
    apart_now, apart_swap = s_unit != unit[t[c]], s_unit != unit[p[c]]
    d_sp = np.bincount(c, weights=apart_swap.astype(float) - apart_now.astype(float), minlength=size)
    split = np.zeros(size, dtype=bool)
    if pol.spouses_hard:
        split[c[apart_swap & ~apart_now]] = True
    parts = (
        float(pol.preference_weight) * d_pref,
        float(pol.fit_weight) * d_fit,
        float(pol.rotation_weight) * d_rot,
        float(pol.spouse_weight) * d_sp,
    )
    delta = np.sum(parts, axis=0)
    tolerance = 1e-9 * (1.0 + np.sum(np.abs(parts), axis=0))
    # coverage: n comes back to p's unit and v leaves it; the reverse in t's unit
    uncovered = np.zeros(size, dtype=bool)
    if len(asks):
        items = asks.assign(item=np.arange(len(asks)))[["item", "unit", "comp", "level", "count"]]
        cross = np.flatnonzero(unit[p] != unit[t])
        for side, sign in ((p, 1), (t, -1)):
            q = pd.DataFrame({"c": cross, "unit": unit[side[cross]]}).merge(items, on="unit")
            qc = q["c"].to_numpy(dtype=np.intp)
            comp, level = q["comp"].to_numpy(dtype=object), q["level"].to_numpy(dtype=float)
            change = sign * (
                (_levels(ctx.emp, n[qc], comp) >= level).astype(np.int64)
                - (_levels(ctx.emp, v[qc], comp) >= level).astype(np.int64)
            )
            count = cover_after[q["item"].to_numpy(dtype=np.intp)] + change
            uncovered[qc[(change < 0) & (count < q["count"].to_numpy(dtype=np.int64))]] = True
    ok: _Bool = (delta <= tolerance) & ~split & ~uncovered
    return ok


def _check_voluntary_first(
    found: _Found,
    mv: _Movers,
    ctx: _Context,
    positions: tuple[_Int, _Int],
    spouses: tuple[_Int, _Int],
    asks: pd.DataFrame,
    cover_after: npt.NDArray[np.int64],
) -> None:
    """voluntary_first: a non-volunteer moves from P to T only if no volunteer of P who stays
    could make the same move (movable, fit for T, allowed to T by their preferences, no spouse
    link) without making the plan worse (see :func:`_swap_not_worse`)."""
    people = ctx.people
    cur_pos, after_pos = positions
    if not ctx.policy.voluntary_first or not people.volunteer.any():
        return
    linked = np.zeros(len(cur_pos), dtype=bool)
    linked[people.link_a] = True
    linked[people.link_b] = True
    vol = np.flatnonzero(people.volunteer & (after_pos == cur_pos) & ~linked & (cur_pos >= 0))
    m = np.flatnonzero(~people.volunteer[mv.emp] & (mv.frm >= 0))
    if len(vol) == 0 or len(m) == 0:
        return
    pairs = pd.DataFrame({"m": m, "p": mv.frm[m]}).merge(pd.DataFrame({"v": vol, "p": cur_pos[vol]}), on="p")
    pairs = pairs.sort_values(["m", "v"], kind="stable")
    cm = pairs["m"].to_numpy(dtype=np.intp)
    cv = pairs["v"].to_numpy(dtype=np.intp)
    if len(cm) == 0:
        return
    # the volunteer instead of the mover: checked by the same per-mover rules ...
    to = mv.to[cm]
    instead = _Movers(
        rows=np.arange(len(cm), dtype=np.intp),
        emp=cv,
        to=to,
        frm=cur_pos[cv],
        subject=[str(ctx.emp_id[v]) for v in cv],
        who=[f"volunteer {ctx.emp_id[v]} moved to {ctx.pid[t]}" for v, t in zip(cv, to, strict=True)],
    )
    scratch = _Found()
    _check_mover_rules(scratch, instead, ctx)
    could = np.ones(len(cm), dtype=bool)
    could[[item[1] for item in scratch.items]] = False
    # ... and by what the swap does to the objective, the spouses and the coverage
    c = np.flatnonzero(could)
    swap = (mv.emp[cm[c]], cv[c], mv.frm[cm[c]], to[c])
    could[c] = _swap_not_worse(ctx, swap, after_pos, spouses, asks, cover_after)
    names = pd.Series(ctx.emp_id[cv[could]], dtype=object).groupby(cm[could], sort=True).agg(list)
    k = names.index.to_numpy(dtype=np.intp)
    msgs = [
        f"{mv.who[i]} is not a volunteer, but {'volunteers' if len(vs) > 1 else 'volunteer'} "
        f"{_few(vs)} of the same position {ctx.pid[mv.frm[i]]}, who {'stay' if len(vs) > 1 else 'stays'}, "
        "could make this move instead at no higher objective"
        for i, vs in zip(k, names, strict=True)
    ]
    mv.add(found, "voluntary_first", k, msgs)


def _terms(
    ctx: _Context,
    cur_pos: _Int,
    after_pos: _Int,
    balance: float,
    spouses_apart: int,
) -> dict[str, float]:
    """Every term of the objective (see the module docstring), in the order of TERMS."""
    policy, people = ctx.policy, ctx.people
    moved = after_pos != cur_pos
    e = np.flatnonzero(moved & (after_pos >= 0))
    terms = dict.fromkeys(TERMS, 0.0)
    terms["balance"] = balance
    terms["moves"] = float(policy.move_cost) * int(np.count_nonzero(moved))
    # preferences: volunteers who stay, and movers with a list by the rank of their target
    stay_wishes = float(np.count_nonzero(people.volunteer & ~moved))
    move_wishes = float(np.sum(_wish_cost(people, e, after_pos[e], ctx.pid, ctx.unit)))
    terms["preferences"] = float(policy.preference_weight) * (stay_wishes + move_wishes)
    terms["spouses"] = float(policy.spouse_weight) * spouses_apart
    # fit: levels the movers fall short of their target's competency_standard
    terms["fit"] = float(policy.fit_weight) * float(np.sum(_shortfall(ctx, e, after_pos[e])))
    terms["rotation"] = float(policy.rotation_weight) * int(np.count_nonzero(_overdue(ctx) & ~moved))
    return terms


def check(problem: ProblemLike, plan: PlanLike) -> CheckReport:
    """Verify a plan against the input tables and the policy, independently of the solver.

    Parameters
    ----------
    problem : ProblemLike
        Anything with canonical ``employees``, ``positions`` and ``tasks`` tables and a
        ``policy``, and optionally a ``units`` table. A policy column that is absent
        (``birth_date``, ``discipline``, ``study_leave``, ``volunteer``, ``preferences``,
        ``spouse_id``, ``retirement_age``, ``competency_standard``), like a missing
        ``units`` table, switches its rules and terms off. The tables are not modified.
    plan : DataFrame, object with ``.moves``, or Mapping
        One row per moved employee with columns ``employee_id`` and ``to_position``; other
        columns are ignored. A row naming an unknown employee or position changes nothing;
        for an employee moved more than once, the last known target is applied. The rules
        of a mover are checked for every row that names a known employee and a known
        position other than the current one.

    Returns
    -------
    CheckReport
        Violations, the number of moves, the balance before and after, the objective and
        its terms, and the staff and need per position.

    Raises
    ------
    TypeError
        If ``plan`` is none of the accepted forms.
    InputError
        If the plan lacks a column, or the tables cannot be evaluated: duplicate ids, a
        position without workload, an unknown period, an unrecognised grade or education
        code in a target position, unparsable competencies of a mover, a target (required
        or standard), a volunteer who could take a move, or an employee of a unit with
        coverage, or unparsable coverage of a unit.

    Examples
    --------
    >>> report = check(problem, {"198501012010011001": "P12"})  # doctest: +SKIP
    >>> report.raise_if_failed()  # doctest: +SKIP
    """
    policy = problem.policy
    emp, pos = problem.employees, problem.positions
    plan_df = _plan_frame(plan)

    emp_ids = _unique_index(_ids(emp["employee_id"]), "employees", _rows(emp))
    pos_rows = _rows(pos)
    pos_ids = _unique_index(_ids(pos["position_id"]), "positions", pos_rows)
    n_pos = len(pos_ids)
    cur_pos = pos_ids.get_indexer(pd.Index(_ids(emp["position_id"]), dtype=object))

    need = _workload(pos, pos_ids, problem.tasks) / float(policy.effective_hours)
    staff_before = np.bincount(cur_pos[cur_pos >= 0], minlength=n_pos).astype(np.int64)

    p_emp = plan_df["employee_id"].to_numpy(dtype=object)
    p_to = plan_df["to_position"].to_numpy(dtype=object)
    e = emp_ids.get_indexer(pd.Index(p_emp, dtype=object))
    t = pos_ids.get_indexer(pd.Index(p_to, dtype=object))
    known = (e >= 0) & (t >= 0)
    frm = np.where(e >= 0, cur_pos[np.maximum(e, 0)], -1)
    no_op = known & (t == frm)

    found = _Found()
    _check_plan_rows(found, p_emp, p_to, e, t, no_op)
    r = np.flatnonzero(known & ~no_op)
    movers = _Movers(
        rows=r,
        emp=e[r],
        to=t[r],
        frm=frm[r],
        subject=[str(p_emp[i]) for i in r],
        who=[f"employee {p_emp[i]} moved to {p_to[i]}" for i in r],
    )
    unit = _ids(pos["unit_id"]) if "unit_id" in pos.columns else np.full(n_pos, "", dtype=object)
    ctx = _Context(
        emp=emp,
        pos=pos,
        pos_rows=pos_rows,
        policy=policy,
        people=_people(emp, pos, emp_ids, cur_pos, policy),
        emp_id=emp_ids.to_numpy(dtype=object),
        pid=pos_ids.to_numpy(dtype=object),
        unit=unit,
    )
    _check_mover_rules(found, movers, ctx)

    # staff after the plan: the last known target of each employee is applied
    after_pos = cur_pos.copy()
    kr = np.flatnonzero(known)
    last = kr[~pd.Series(e[kr]).duplicated(keep="last").to_numpy()]
    after_pos[e[last]] = t[last]
    moves = int(np.count_nonzero(after_pos != cur_pos))
    staff_after = np.bincount(after_pos[after_pos >= 0], minlength=n_pos).astype(np.int64)
    units = _units_table(problem)
    asks = _coverage_asks(units)
    cover_after = _coverage_counts(asks, unit, emp, after_pos)
    pairs = _spouse_pairs(ctx.people, unit, cur_pos)
    _check_voluntary_first(found, movers, ctx, (cur_pos, after_pos), pairs, asks, cover_after)
    _check_staff(found, pos, staff_before, staff_after)

    if units is not None:
        _check_move_caps(found, units, unit, cur_pos, after_pos)
    _check_coverage(found, asks, cover_after, lambda: _coverage_counts(asks, unit, emp, cur_pos))

    apart = unit[after_pos[pairs[0]]] != unit[after_pos[pairs[1]]]
    _check_spouses(found, ctx, pairs, apart, cur_pos, after_pos)

    if policy.max_moves is not None and moves > policy.max_moves:
        msg = f"the plan moves {moves} employees, more than the budget max_moves {policy.max_moves}"
        found.add("max_moves", _PLAN, [0], ["plan"], [msg])

    violations = found.violations()
    balance = _balance(staff_after.astype(float), need)
    terms = _terms(ctx, cur_pos, after_pos, balance, int(np.count_nonzero(apart)))
    index = pd.Index(pos_ids.to_numpy(dtype=object), name="position_id", dtype=object)
    return CheckReport(
        ok=not violations,
        violations=violations,
        moves=moves,
        balance=balance,
        balance_before=_balance(staff_before.astype(float), need),
        objective=float(sum(terms.values())),
        staff_after=pd.Series(staff_after, index=index, name="staff_after"),
        need=pd.Series(need, index=index.copy(), name="need"),
        staff_before=pd.Series(staff_before, index=index.copy(), name="staff_before"),
        terms=terms,
    )


def objective_of(problem: ProblemLike, plan: PlanLike) -> float:
    """Objective of a plan (the sum of its terms), recomputed from the input tables.

    Parameters
    ----------
    problem : ProblemLike
        The problem the plan is for.
    plan : DataFrame, object with ``.moves``, or Mapping
        The plan, as accepted by :func:`check`.

    Returns
    -------
    float
        The objective; rule violations do not change it.
    """
    return check(problem, plan).objective
