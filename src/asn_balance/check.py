"""An independent verifier of mutasi plans.

:func:`check` re-derives everything a plan claims from the canonical input tables and the
policy alone: the workload and staff need of every position (ABK), the staff after the plan,
the balance term ``B``, the objective and every hard rule. It never imports the solvers, the
rule builders, the engine or the ABK module of this package, so that a bug there cannot hide
itself here; it uses only the code tables of :mod:`asn_balance.domain`, the policy of
:mod:`asn_balance.schema`, numpy and pandas.

Definitions (shared with the rest of the package):

* workload of a position (hours/year): if the position has any rows in ``tasks``, the sum of
  ``volume * PERIOD_FACTORS[period] * norm_minutes / 60`` over them (an empty volume or norm
  contributes nothing); otherwise its ``workload_hours``;
* need (FTE) = workload / ``policy.effective_hours``;
* balance ``B = sum((staff - need) ** 2 / max(need, 1))`` over all positions;
* objective = ``B + policy.move_cost * moves``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from asn_balance.domain import PERIOD_FACTORS, education_rank, grade_rank, parse_competencies
from asn_balance.errors import InputError, InputProblem
from asn_balance.schema import RULES, Policy

__all__ = [
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

# Order in which the violations of one plan row are listed.
_RULE_ORDER: Final[dict[str, int]] = {name: i for i, name in enumerate([*PLAN_RULES, *RULES])}

_Bool: TypeAlias = npt.NDArray[np.bool_]
_Float: TypeAlias = npt.NDArray[np.float64]
_Int: TypeAlias = npt.NDArray[np.intp]


class ProblemLike(Protocol):
    """What :func:`check` needs of a problem: the canonical tables and the policy."""

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
        The employee_id, the position_id, or ``"plan"`` the violation is about.
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
        Every violation, row-level ones in plan order, then positions, then plan-wide ones.
    moves : int
        Number of employees whose position the plan changes.
    balance : float
        Balance term ``B`` after the plan.
    balance_before : float
        Balance term ``B`` of the current staffing.
    objective : float
        ``balance + policy.move_cost * moves``.
    staff_after : pandas.Series
        Staff per position after the plan, indexed by position_id.
    need : pandas.Series
        Staff need (FTE) per position, indexed by position_id.
    staff_before : pandas.Series
        Current staff per position, indexed by position_id.
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
        found.add(rule, 0, self.rows[k], [self.subject[i] for i in k], messages)


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
    found.add("unknown_employee", 0, k, p_emp[k], msgs)
    k = np.flatnonzero((e >= 0) & (t < 0))
    msgs = [f"employee {p_emp[i]} is moved to {p_to[i]!r}, which is not in the positions table" for i in k]
    found.add("unknown_position", 0, k, p_emp[k], msgs)
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
    found.add("duplicate_move", 0, first.values(), first.keys(), msgs)
    k = np.flatnonzero(no_op)
    msgs = [f"employee {p_emp[i]} is moved to {p_to[i]}, the position they already hold" for i in k]
    found.add("no_op_move", 0, k, p_emp[k], msgs)


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
    req_long = _competencies(req_text, "positions", "required_competencies", problems)
    have_long = _competencies(have_text, "employees", "competencies", problems)
    if problems:
        raise InputError(problems)
    mover = pd.DataFrame({"m": np.arange(len(mv.rows)), "req": req_text, "have": have_text})
    cols = ["m", "comp", "level"]
    req = mover.merge(req_long, left_on="req", right_on="text")[cols]
    have = mover.merge(have_long, left_on="have", right_on="text")[cols]
    both = req.merge(have, on=["m", "comp"], how="left", suffixes=("_req", "_have"))
    both["level_have"] = both["level_have"].fillna(0.0)
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
    found.add("min_staff", 1, k, pid[k], msgs)
    with np.errstate(invalid="ignore"):
        k = np.flatnonzero(~np.isnan(high) & (staff_after > high))
    msgs = [
        f"position {pid[i]} ends with {staff_after[i]} staff, above max_staff {_fmt(high[i])} "
        f"(before the plan: {staff_before[i]})"
        for i in k
    ]
    found.add("max_staff", 1, k, pid[k], msgs)


def check(problem: ProblemLike, plan: PlanLike) -> CheckReport:
    """Verify a plan against the input tables and the policy, independently of the solver.

    Parameters
    ----------
    problem : ProblemLike
        Anything with canonical ``employees``, ``positions`` and ``tasks`` tables and a
        ``policy``. The tables are not modified.
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
        the staff and need per position.

    Raises
    ------
    TypeError
        If ``plan`` is none of the accepted forms.
    InputError
        If the plan lacks a column, or the tables cannot be evaluated: duplicate ids, a
        position without workload, an unknown period, an unrecognised grade or education
        code in a target position, or unparsable competencies of a mover or a target.

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
    _check_movers(found, movers, emp, pos, pos_rows, policy)

    # staff after the plan: the last known target of each employee is applied
    after_pos = cur_pos.copy()
    kr = np.flatnonzero(known)
    last = kr[~pd.Series(e[kr]).duplicated(keep="last").to_numpy()]
    after_pos[e[last]] = t[last]
    moves = int(np.count_nonzero(after_pos != cur_pos))
    staff_after = np.bincount(after_pos[after_pos >= 0], minlength=n_pos).astype(np.int64)
    _check_staff(found, pos, staff_before, staff_after)

    if policy.max_moves is not None and moves > policy.max_moves:
        msg = f"the plan moves {moves} employees, more than the budget max_moves {policy.max_moves}"
        found.add("max_moves", 2, [0], ["plan"], [msg])

    violations = found.violations()
    balance = _balance(staff_after.astype(float), need)
    index = pd.Index(pos_ids.to_numpy(dtype=object), name="position_id", dtype=object)
    return CheckReport(
        ok=not violations,
        violations=violations,
        moves=moves,
        balance=balance,
        balance_before=_balance(staff_before.astype(float), need),
        objective=balance + float(policy.move_cost) * moves,
        staff_after=pd.Series(staff_after, index=index, name="staff_after"),
        need=pd.Series(need, index=index.copy(), name="need"),
        staff_before=pd.Series(staff_before, index=index.copy(), name="staff_before"),
    )


def objective_of(problem: ProblemLike, plan: PlanLike) -> float:
    """Objective ``B + move_cost * moves`` of a plan, recomputed from the input tables.

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
