"""An independent verifier of mutasi plans.

:func:`check` re-derives everything a plan claims from the canonical input tables and the
policy alone: the workload and staff need of every position (ABK), the staff after the plan,
every term of the objective and every hard rule. It never imports the solvers, the rule
builders, the engine, the ABK, planner, wishes, unit-rule or objective-term modules of this
package, so that a bug there cannot hide itself here; it uses only the code tables and
parsers of :mod:`asn_balance.model.domain`, the policy of :mod:`asn_balance.model.policy`, numpy and
pandas.

This module holds :func:`check`, which runs the rules in order; the pieces live beside it:
:mod:`.report` (the rule tables, :class:`Violation`, :class:`CheckReport`), :mod:`.frames`
(column helpers), :mod:`.inputs` (the problem and plan, the workload), :mod:`.people` (the
policy columns per employee), :mod:`.movers` (the rules of each move), :mod:`.voluntary`
(``voluntary_first``), :mod:`.units` (positions, units, spouses) and :mod:`.objective`
(the terms).

Definitions (shared with the rest of the package):

* workload of a position (hours/year): if the position has any rows in ``tasks``, the sum of
  ``volume * PERIOD_FACTORS[period] * norm_minutes / 60`` over them (an empty volume or norm
  contributes nothing); otherwise its ``workload_hours``;
* need (FTE) = workload / ``policy.effective_hours``;
* staff of a position (FTE): the sum of its employees' FTE, an employee's FTE being the
  ``fte`` cell where filled, else ``policy.part_time_fte`` for status ``PPPK Paruh Waktu``,
  else 1. ``min_staff`` and ``max_staff`` bound the staff in FTE after the plan (within
  1e-9);
* a *mover* is an employee whose position after the plan differs from the current one; the
  per-mover rules are checked for every plan row that names a known employee and a known
  position other than the current one;
* grades: ``min_grade``/``max_grade`` (PNS golongan/ruang) bind movers of status PNS and CPNS,
  ``min_grade_pppk``/``max_grade_pppk`` (PPPK golongan I..XVII) movers of status PPPK and PPPK
  Paruh Waktu; a grade of the other scale counts as no grade. Education: with
  ``policy.d4_equals_s1`` a D4 meets an S1 ``min_education``. A PPPK Paruh Waktu (and anybody
  under 1 FTE) never moves (``part_time``);
* retirement: the retirement date is ``birth_date + R`` years, ``R`` the ``retirement_age`` of
  the employee's current position, else the BUP of its ``jabatan_type``/``jabatan_level``
  (58, 60 or 65, :data:`~asn_balance.model.domain.JABATAN_RETIREMENT_AGE`), else
  ``policy.retirement_age``. With ``P`` the plan date
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
* objective = the sum of the terms (:data:`asn_balance.model.policy.TERMS`):

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
In a revised plan (one that records ``revision``, made by ``asn-balance revise``) the rule is
judged as the consultation round left it open: the employees who answered are left out
(their answers settle their outcomes) and the swap's objective is the revision's, with
``change_cost`` per employee whose outcome differs from the draft's (:mod:`.voluntary`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.policy import Policy
from .frames import _ids, _rows, _unique_index
from .inputs import HasMoves, PlanLike, ProblemLike, _plan_frame, _units_table, _workload
from .movers import _check_mover_rules, _check_plan_rows, _Movers
from .objective import _balance, _terms, balance_of
from .people import _Context, _fte_of, _people
from .recorded import (
    _claim,
    _draft_sha256,
    _input_check,
    _input_message,
    _moves_and_record,
    _policy_differences,
    _recorded_policy,
    _revision_record,
    _UnderPolicy,
)
from .report import _PLAN, CHECKED_RULES, DOUBTS, PLAN_RULES, CheckReport, PolicyDifference, Violation, _Found
from .units import (
    _check_coverage,
    _check_move_caps,
    _check_spouses,
    _check_staff,
    _coverage_asks,
    _coverage_counts,
    _spouse_pairs,
)
from .voluntary import _check_voluntary_first, _round_of

__all__ = [
    "CHECKED_RULES",
    "DOUBTS",
    "PLAN_RULES",
    "CheckInputs",
    "CheckReport",
    "HasMoves",
    "PlanLike",
    "PolicyDifference",
    "ProblemLike",
    "Violation",
    "balance_of",
    "check",
    "check_inputs",
    "objective_of",
]


def _tables(problem: ProblemLike) -> tuple[object, ...]:
    return (problem.employees, problem.positions, problem.tasks, getattr(problem, "units", None))


@dataclasses.dataclass(frozen=True, eq=False)
class CheckInputs:
    """What :func:`check` derives from a problem's tables under a policy before it reads a
    plan: the ids, the staff need, the FTE and staff before the plan, the policy
    columns per employee, the units' coverage asks and the spouse pairs.

    Made by :func:`check_inputs`; :func:`check` given them (``inputs=``) uses them only for
    the very table objects and the policy they were made from, else derives its own. A
    caller with idle time before it has a plan (as :func:`asn_balance.solve` has while its
    flow runs in a child process) makes them then; the check is the same either way.
    """

    tables: tuple[object, ...]
    policy: Policy
    emp_ids: pd.Index
    pos_ids: pd.Index
    cur_pos: npt.NDArray[np.int64]
    need: npt.NDArray[np.float64]
    fte: npt.NDArray[np.float64]
    staff_before: npt.NDArray[np.float64]
    ctx: _Context
    units: pd.DataFrame | None
    asks: pd.DataFrame
    pairs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]

    def fits(self, problem: ProblemLike, policy: Policy) -> bool:
        """Made from these very tables under an equal policy."""
        return (
            all(a is b for a, b in zip(self.tables, _tables(problem), strict=True)) and self.policy == policy
        )


def check_inputs(problem: ProblemLike, policy: Policy | None = None) -> CheckInputs:
    """What :func:`check` derives from ``problem``'s tables under ``policy`` (default
    ``problem.policy``) before it reads a plan (:class:`CheckInputs`); for ``check(...,
    inputs=...)``.

    Raises
    ------
    InputError
        As :func:`check` does for the tables: duplicate ids, a position without workload, an
        unknown period, unparsable policy columns or coverage.
    """
    policy = problem.policy if policy is None else policy
    first = _inputs_of_people(problem, policy)
    return dataclasses.replace(first, **_inputs_of_units(problem, first))


def _inputs_of_people(problem: ProblemLike, policy: Policy) -> CheckInputs:
    """:func:`check_inputs` up to the policy columns per employee (no units part yet)."""
    emp, pos = problem.employees, problem.positions
    emp_ids = _unique_index(_ids(emp["employee_id"]), "employees", _rows(emp))
    pos_rows = _rows(pos)
    pos_ids = _unique_index(_ids(pos["position_id"]), "positions", pos_rows)
    cur_pos = pos_ids.get_indexer(pd.Index(_ids(emp["position_id"]), dtype=object))
    workload = _workload(pos, pos_ids, problem.tasks, policy.days_per_year, policy.weeks_per_year)
    fte = _fte_of(emp, policy)  # staff is counted in FTE
    here = cur_pos >= 0
    unit = _ids(pos["unit_id"]) if "unit_id" in pos.columns else np.full(len(pos_ids), "", dtype=object)
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
    none = np.zeros(0, dtype=np.int64)
    return CheckInputs(
        tables=_tables(problem),
        policy=policy,
        emp_ids=emp_ids,
        pos_ids=pos_ids,
        cur_pos=cur_pos,
        need=workload / float(policy.effective_hours),
        fte=fte,
        staff_before=np.bincount(cur_pos[here], weights=fte[here], minlength=len(pos_ids)).astype(float),
        ctx=ctx,
        units=None,
        asks=pd.DataFrame(),
        pairs=(none, none),
    )


def _inputs_of_units(problem: ProblemLike, first: CheckInputs) -> dict[str, Any]:
    """The units part of :func:`check_inputs`: the units table, its coverage asks (which may
    raise on unparsable coverage) and the spouse pairs of one unit before the plan."""
    units = _units_table(problem)
    return {
        "units": units,
        "asks": _coverage_asks(units),
        "pairs": _spouse_pairs(first.ctx.people, first.ctx.unit, first.cur_pos),
    }


def _check_rules(
    problem: ProblemLike,
    plan: PlanLike,
    revision: Mapping[str, Any] | None = None,
    inputs: CheckInputs | None = None,
) -> CheckReport:
    """Verify a plan against the input tables and ``problem.policy``: the rules and figures of
    :func:`check` (see it for the arguments, the plan's forms and what is raised), before what
    the plan records (its policy, input and claim) is compared. ``revision``: the round a
    revised plan records (:mod:`.voluntary`); ``inputs``: see :class:`CheckInputs`.
    """
    policy = problem.policy
    plan_df = _plan_frame(plan)
    given = inputs is not None and inputs.fits(problem, policy)
    # derived here, the units part comes after the movers' rules (their input errors first)
    inp = inputs if inputs is not None and given else _inputs_of_people(problem, policy)
    emp, pos, ctx = problem.employees, problem.positions, inp.ctx
    emp_ids, pos_ids, cur_pos, fte = inp.emp_ids, inp.pos_ids, inp.cur_pos, inp.fte
    n_pos, need, staff_before, unit = len(pos_ids), inp.need, inp.staff_before, ctx.unit

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
    _check_mover_rules(found, movers, ctx)

    # staff after the plan: the last known target of each employee is applied
    after_pos = cur_pos.copy()
    kr = np.flatnonzero(known)
    last = kr[~pd.Series(e[kr]).duplicated(keep="last").to_numpy()]
    after_pos[e[last]] = t[last]
    moves = int(np.count_nonzero(after_pos != cur_pos))
    there = after_pos >= 0
    staff_after = np.bincount(after_pos[there], weights=fte[there], minlength=n_pos).astype(float)
    if not given:
        inp = dataclasses.replace(inp, **_inputs_of_units(problem, inp))
    units, asks, pairs = inp.units, inp.asks, inp.pairs
    cover_after = _coverage_counts(asks, unit, emp, after_pos)
    round_, round_note = _round_of(revision, ctx, cur_pos, after_pos)
    _check_voluntary_first(found, movers, ctx, (cur_pos, after_pos), pairs, asks, cover_after, round_)
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
    balance = _balance(staff_after, need)
    terms = _terms(ctx, cur_pos, after_pos, balance, int(np.count_nonzero(apart)))
    index = pd.Index(pos_ids.to_numpy(dtype=object), name="position_id", dtype=object)
    return CheckReport(
        ok=not violations,
        violations=violations,
        moves=moves,
        balance=balance,
        balance_before=_balance(staff_before, need),
        objective=float(sum(terms.values())),
        staff_after=pd.Series(staff_after, index=index, name="staff_after"),
        need=pd.Series(need, index=index.copy(), name="need"),
        staff_before=pd.Series(staff_before, index=index.copy(), name="staff_before"),
        terms=terms,
        notes=[round_note]
        if round_note
        else (
            [
                f"voluntary_first judged as the plan's consultation round left it open: the "
                f"{int(round_.answered.sum())} employees who answered are settled by their answers "
                f"(as the plan records them; its draft_sha256 is the draft it was revised from)"
            ]
            if round_ is not None
            else []
        ),
    )


def check(
    problem: ProblemLike,
    plan: PlanLike,
    *,
    policy: Literal["plan", "problem"] = "plan",
    recorded: Mapping[str, Any] | None = None,
    allow_changed_input: bool = False,
    draft: PlanLike | None = None,
    inputs: CheckInputs | None = None,
) -> CheckReport:
    """Verify a plan against the input tables and the policy it was made under,
    independently of the solver.

    A plan that records how it was made (a :class:`~asn_balance.evaluate.result.Result`, a
    plan written by ``asn-balance plan`` and read back, or ``recorded``) is checked under
    the policy it records, plan date included, and on the condition that the input is the
    one it was made from: the report says which policy was used (:attr:`CheckReport.policy_source`),
    lists every field where the problem's policy differs
    (:attr:`CheckReport.policy_differences`), and fails the plan with the rule
    ``input_changed`` when the problem's ``input_sha256`` is not the one the plan records,
    naming the tables that changed. A bare table of moves records nothing and is checked
    under the problem's policy.

    Parameters
    ----------
    problem : ProblemLike
        Anything with canonical ``employees``, ``positions`` and ``tasks`` tables and a
        ``policy``, and optionally a ``units`` table. A policy column that is absent
        (``birth_date``, ``discipline``, ``study_leave``, ``volunteer``, ``preferences``,
        ``spouse_id``, ``retirement_age``, ``competency_standard``), like a missing
        ``units`` table, switches its rules and terms off. The tables are not modified. A
        problem that gives ``input_sha256`` (and ``input_tables``), as
        :class:`~asn_balance.model.problem.Problem` does, is compared with the input the plan
        records.
    plan : DataFrame, object with ``.moves``, or Mapping
        One row per moved employee with columns ``employee_id`` and ``to_position``; other
        columns are ignored: a DataFrame, a Result (its ``moves``, ``info`` and claim), a plan
        document read back (its ``moves`` and ``summary``), a plan's JSON as a mapping with
        ``summary`` and ``moves``, or a mapping employee_id -> to_position. A row naming an
        unknown employee or position changes nothing; for an employee moved more than
        once, the last known target is applied. The rules of a mover are checked for every
        row that names a known employee and a known position other than the current one.
    policy : {"plan", "problem"}
        Check under the policy the plan records (the default; the problem's policy when it
        records none), or under the problem's policy, the differences listed either way.
    recorded : mapping, optional
        What the plan records (a plan's ``summary``: ``policy``, ``input_sha256``,
        ``input_tables``, ``status``, ``objective``, ``bound``), in place of what ``plan``
        carries.
    allow_changed_input : bool
        Check a plan whose input changed all the same: no ``input_changed`` violation, a
        note in :attr:`CheckReport.notes` instead.
    draft : plan, optional
        For a revised plan (one that records ``revision``): the draft it was revised from,
        in any form ``plan`` takes. Its moves must hash to the revision's ``draft_sha256``
        for the round the plan records to be used for ``voluntary_first``; otherwise the
        plain rule applies. Without it the round is used as the plan records it, and a note
        says it was not verified against a draft.
    inputs : CheckInputs, optional
        What :func:`check_inputs` derived beforehand from the same problem under the policy
        the check uses; ignored (derived again) when made from other table objects or
        another policy. The report is the same either way.

    Returns
    -------
    CheckReport
        Violations, the number of moves, the balance before and after, the objective and
        its terms, the staff and need per position, and the provenance: the policy used and
        its differences, the input fingerprints and what changed, the plan's claim and
        whether it is :attr:`~CheckReport.verified`.

    Raises
    ------
    TypeError
        If ``plan`` is none of the accepted forms.
    ValueError
        If ``policy`` is neither ``"plan"`` nor ``"problem"``.
    InputError
        If the plan lacks a column, its recorded policy is not valid here (table ``plan``,
        rule ``invalid_plan``), or the tables cannot be evaluated: duplicate ids, a
        position without workload, an unknown period, an unrecognised grade or education
        code in a target position, unparsable competencies of a mover, a target (required
        or standard), a volunteer who could take a move, or an employee of a unit with
        coverage, or unparsable coverage of a unit.

    Examples
    --------
    >>> report = check(problem, {"198501012010011001": "P12"})  # doctest: +SKIP
    >>> report.raise_if_failed()  # doctest: +SKIP
    >>> check(problem.with_policy(effective_hours=1250), result).policy_differences  # doctest: +SKIP
    [PolicyDifference(name='effective_hours', plan=1200.0, other=1250.0)]
    """
    if policy not in ("plan", "problem"):
        raise ValueError(f"policy must be 'plan' or 'problem', got {policy!r}")
    moves, rec = _moves_and_record(plan, recorded)
    plan_policy = _recorded_policy(rec)
    source = "plan" if policy == "plan" and plan_policy is not None else "problem"
    used = plan_policy if source == "plan" and plan_policy is not None else problem.policy
    revision, draft_note = _revision_record(rec), None
    if revision is not None and draft is not None:
        given, _ = _moves_and_record(draft, None)
        if _draft_sha256(problem.employees, given) == revision.get("draft_sha256"):
            draft_note = "the plan's consultation round is verified against the draft given (draft_sha256)"
        else:
            revision = None
            draft_note = (
                "the draft given is not the one this plan was revised from (its moves do not hash "
                "to the revision's draft_sha256): voluntary_first checked by the plain rule"
            )
    elif revision is not None:
        draft_note = (
            "the plan's consultation round is used as the plan records it, not verified against a "
            "draft: give the draft (asn-balance check --draft DRAFT; check(..., draft=...))"
        )
    report = _check_rules(
        _UnderPolicy(problem, used) if source == "plan" else problem, moves, revision, inputs
    )
    plan_sha, sha, changes = _input_check(rec, problem)
    violations, notes = list(report.violations), list(report.notes)
    if draft_note is not None:
        notes.append(draft_note)
    if changes and plan_sha is not None and sha is not None:
        message = _input_message(plan_sha, sha, changes)
        if allow_changed_input:
            notes.append(f"{message}; checked all the same (allow_changed_input)")
        else:
            violations.insert(0, Violation("input_changed", "plan", message))
    return dataclasses.replace(
        report,
        ok=not violations,
        violations=violations,
        policy=used,
        policy_source=source,
        policy_recorded=plan_policy is not None,
        policy_differences=[] if plan_policy is None else _policy_differences(plan_policy, problem.policy),
        input_sha256=sha,
        plan_input_sha256=plan_sha,
        input_changes=changes,
        claim=_claim(rec),
        notes=notes,
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
