"""Compile a :class:`~asn_balance.model.problem.Problem` over a horizon of yearly rounds into a
:class:`~asn_balance.engine.horizon.HorizonModel`.

Round ``t = 0 .. years-1`` takes place on ``plan_date + t`` years. Per employee it works out
when they may first leave their position (``months_in_position + 12 t >= min_months``), and,
for every retirement age (BUP) that occurs among the positions, the round from which they are
gone (the pension starts on the first day of the month after the BUP birthday and they count
in year ``t`` only if it comes after round ``t``'s date) and the last round they may move
(rule ``retirement_buffer`` at that round's date). Movers that are interchangeable over the
whole horizon (same eligible classes, same first round, same rounds for every BUP, same
coverage qualifications) form one group, wherever they start; its pairs are the positions its
members start in and the positions of its eligible classes, each with
the rounds of the BUP of that position. Everybody else is fixed staff, present until their
own retirement. The need of year ``t`` is ``workload x (1 + growth)^t / effective_hours``.

Optional position columns, read leniently until the input schema declares them:
``hire_allowed`` (bool, default true), ``max_hires`` (per round, default none) and
``workload_growth`` (annual fraction, default ``Policy.workload_growth``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..engine.horizon import HorizonModel
from ..model.errors import InputError, InputProblem
from ..model.policy import Policy
from ..model.problem import Problem
from .eligibility import competency_matrix, eligibility, position_retirement_age
from .unit_rules import unit_rules

__all__ = [
    "HorizonData",
    "compile_horizon",
    "hire_quotas",
    "horizon_columns",
    "round_dates",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_EPS = 1e-9
_TRUE = {"true", "1", "ya", "y", "yes", "benar", "t"}
_FALSE = {"false", "0", "tidak", "n", "no", "salah", "f", "tdk"}
#: Optional position columns of the horizon and their accepted headers (normalised).
_ALIASES = {
    "hire_allowed": ("hire_allowed", "formasi_allowed", "boleh_formasi", "formasi_dibuka"),
    "max_hires": ("max_hires", "max_formasi", "formasi_max"),
    "workload_growth": ("workload_growth", "pertumbuhan_beban_kerja", "growth"),
}


@dataclass(frozen=True)
class HorizonData:
    """A compiled horizon: the engine model and the maps back to employees and positions.

    Attributes
    ----------
    model : HorizonModel
        The engine's model.
    dates : list of date
        Date of each round.
    hires : ndarray of int
        Hire quota per round.
    need : ndarray, shape (T, B)
        Need (FTE) per round and position.
    employee_group : ndarray of int
        Per employee, the group (``-1``: fixed staff).
    age_code : ndarray of int
        Per position, the index of its BUP in ``ages``.
    ages : ndarray
        The distinct BUPs.
    exit_round, last_round : ndarray of int, shape (E, len(ages))
        Per employee and BUP: the first round they are gone and the last round they may move.
    first_round : ndarray of int
        Per employee, the first round they may leave their current position.
    lock : int
        Rounds after a move before the next (``ceil(min_months / 12)``, at least 1).
    notes : list of str
        What of the policy the horizon applies conservatively or not at all (people held
        in place for a rule it does not model per person; ``voluntary_first``).
    """

    model: HorizonModel
    dates: list[dt.date]
    hires: IntArray
    need: FloatArray
    employee_group: IntArray
    age_code: IntArray
    ages: FloatArray
    exit_round: IntArray
    last_round: IntArray
    first_round: IntArray
    lock: int
    notes: list[str] = field(default_factory=list)


def round_dates(start: dt.date, years: int) -> list[dt.date]:
    """``start + t`` years for ``t < years`` (29 February becomes 28 February)."""
    out = []
    for t in range(years):
        try:
            out.append(start.replace(year=start.year + t))
        except ValueError:
            out.append(start.replace(year=start.year + t, day=28))
    return out


def hire_quotas(hires: int | Sequence[int] | None, years: int) -> IntArray:
    """Hire quota per round: ``None`` none; an int for every round but the first (a formasi
    takes a year); a list of ``years`` numbers, or of ``years - 1`` for rounds 1 on.

    Raises
    ------
    InputError
        A negative quota or a list of another length (table ``options``, column ``hires``).
    """
    if hires is None:
        return np.zeros(years, dtype=np.int64)
    if isinstance(hires, (int, np.integer)):
        values = [0] + [int(hires)] * (years - 1)
    else:
        values = [int(h) for h in hires]
        if len(values) == years - 1:
            values = [0, *values]
    if len(values) != years or min(values, default=0) < 0:
        msg = f"expected {years} non-negative numbers (one per round) or {years - 1} (rounds 1 on)"
        raise InputError([InputProblem("options", None, "hires", hires, "invalid_option", msg)])
    return np.asarray(values, dtype=np.int64)


def _column(pos: pd.DataFrame, name: str) -> tuple[pd.Series | None, str]:
    normal = {str(c).strip().lower().replace(" ", "_").replace("-", "_"): c for c in pos.columns}
    for alias in _ALIASES[name]:
        if alias in normal:
            return pos[normal[alias]], str(normal[alias])
    return None, name


def horizon_columns(problem: Problem) -> tuple[npt.NDArray[np.bool_], IntArray, FloatArray]:
    """Per position ``hire_allowed``, ``max_hires`` (``-1``: no cap) and ``workload_growth``.

    Raises
    ------
    InputError
        Every cell that is not a boolean, a non-negative integer or a growth above -1.
    """
    pos = problem.positions
    n = len(pos)
    rows = pos["source_row"].to_numpy() if "source_row" in pos.columns else np.arange(n) + 2
    problems: list[InputProblem] = []
    allowed = np.ones(n, dtype=bool)
    col, head = _column(pos, "hire_allowed")
    if col is not None:
        for i, v in enumerate(col.tolist()):
            text = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip().lower()
            if text in _FALSE:
                allowed[i] = False
            elif text and text not in _TRUE:
                problems.append(
                    InputProblem(
                        "positions", int(rows[i]), head, v, "invalid_bool", "expected true/false (ya/tidak)"
                    )
                )
    max_hires = np.full(n, -1, dtype=np.int64)
    got = _numbers(pos, "max_hires", rows, problems, lambda x: (x < 0) | (x != np.floor(x)),
                   "expected a whole number of hires, 0 or more")  # fmt: skip
    if got is not None:
        num, ok = got
        max_hires[ok] = num[ok].astype(np.int64)
    growth = np.full(n, float(problem.policy.workload_growth))
    got = _numbers(pos, "workload_growth", rows, problems, lambda x: (x <= -1) | (x > 10),
                   "expected an annual growth fraction above -1 (0.03 = 3 %)")  # fmt: skip
    if got is not None:
        num, ok = got
        growth[ok] = num[ok]
    if problems:
        raise InputError(problems)
    return allowed, max_hires, growth


def _numbers(
    pos: pd.DataFrame,
    name: str,
    rows: npt.NDArray[np.int64],
    problems: list[InputProblem],
    out_of_range: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.bool_]],
    message: str,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]] | None:
    """A positions column of numbers: its values and where they are given and valid (every
    other non-blank cell is an ``invalid_number`` problem); ``None`` without the column."""
    col, head = _column(pos, name)
    if col is None:
        return None
    num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    blank = col.isna().to_numpy() | (col.astype(str).str.strip() == "").to_numpy()
    with np.errstate(invalid="ignore"):
        bad = ~blank & (np.isnan(num) | out_of_range(num))
    for i in np.flatnonzero(bad).tolist():
        problems.append(InputProblem("positions", int(rows[i]), head, col.iloc[i], "invalid_number", message))
    return num, ~blank & ~bad


def _qualified(problem: Problem, keys: list[tuple[str, int]]) -> npt.NDArray[np.bool_]:
    """Per employee and coverage key ``(competency, level)``: the level reached."""
    names = sorted({name for name, _ in keys})
    levels = competency_matrix(problem.employees["competencies"], names)
    cols = [names.index(name) for name, _ in keys]
    return np.asarray(levels[:, cols] >= np.array([level for _, level in keys], dtype=np.int64))


def _rounds_of(problem: Problem, ages: FloatArray, dates: list[dt.date]) -> tuple[IntArray, IntArray]:
    """Per employee and BUP: the first round gone and the last round they may move."""
    e = problem.employees
    T = len(dates)
    E, A = len(e), len(ages)
    exit_r = np.full((E, A), T, dtype=np.int64)
    last_r = np.full((E, A), T - 1, dtype=np.int64)
    if "birth_date" not in e.columns or E == 0:
        return exit_r, last_r
    birth = pd.to_datetime(e["birth_date"], errors="coerce")
    known = birth.notna().to_numpy()
    by = birth.dt.year.fillna(0).to_numpy(np.int64)
    bm = birth.dt.month.fillna(1).to_numpy(np.int64)
    bd = birth.dt.day.fillna(1).to_numpy(np.int64)
    month_t = np.array([d.year * 12 + d.month - 1 for d in dates], dtype=np.int64)
    day_t = np.array([d.day for d in dates], dtype=np.int64)
    buffer = int(problem.policy.retirement_buffer_months)
    for k, age in enumerate(ages.astype(np.int64).tolist()):
        ret = (by + age) * 12 + (bm - 1)  # the month of the BUP birthday
        pension = ret + 1  # the pension starts on the 1st of the next month
        gone = pension[:, None] <= month_t[None, :]
        limit = month_t + buffer
        near = (ret[:, None] < limit[None, :]) | ((ret[:, None] == limit[None, :]) & (bd[:, None] <= day_t))
        exit_r[:, k] = np.where(known, np.where(gone.any(axis=1), gone.argmax(axis=1), T), T)
        free = ~near
        # near is monotone in t: the last round not near
        last_r[:, k] = np.where(known, free.sum(axis=1) - 1, T - 1)
    return exit_r, last_r


def compile_horizon(
    problem: Problem, years: int = 5, hires: int | Sequence[int] | None = None
) -> HorizonData:
    """Compile ``problem`` over ``years`` yearly rounds with the hire quotas ``hires``.

    Parameters
    ----------
    problem : Problem
        Data and policy (``plan_date`` is round 0).
    years : int
        Number of rounds T.
    hires : int, list of int or None
        Hire quotas (:func:`hire_quotas`).

    Returns
    -------
    HorizonData
        The engine model and the maps back.
    """
    if years < 1:
        raise InputError([InputProblem("options", None, "years", years, "invalid_option", "at least 1")])
    pol = problem.policy
    quotas = hire_quotas(hires, years)
    dates = round_dates(pol.date(), years)
    T, B = years, problem.n_positions
    hire_ok, hire_max, growth = horizon_columns(problem)
    # static mover rules only: months and retirement are per round, handled here
    static = problem.with_policy(
        min_months_in_position=0, retirement_buffer_months=0, plan_date=dt.date(1900, 1, 1)
    )
    el = eligibility(static)
    bup = position_retirement_age(problem)
    ages, age_code = np.unique(bup, return_inverse=True)
    age_code = age_code.astype(np.int64).ravel()
    exit_r, last_r = _rounds_of(problem, ages, dates)
    pos_of = problem.employee_position
    months = problem.employees["months_in_position"].to_numpy(dtype=float)
    mm = int(pol.min_months_in_position)
    first = np.maximum(0, np.ceil((mm - np.nan_to_num(months, nan=0.0)) / 12.0)).astype(np.int64)
    lock = max(1, math.ceil(mm / 12))

    # hard rules the horizon does not model per person keep these people in place
    emp = problem.employees
    hold = np.zeros(len(emp), dtype=bool)
    if pol.volunteers_only_to_preferences and "volunteer" in emp.columns and "preferences" in emp.columns:
        listed = emp["preferences"].fillna("").astype(str).str.strip().to_numpy() != ""
        hold |= emp["volunteer"].to_numpy(dtype=bool) & listed
    if pol.spouses_hard and "spouse_id" in emp.columns:
        hold |= emp["spouse_id"].fillna("").astype(str).str.strip().to_numpy() != ""
        ids = set(emp.loc[hold, "spouse_id"].astype(str)) - {""}
        hold |= emp["employee_id"].astype(str).isin(ids).to_numpy()

    notes = _policy_notes(pol, hold)

    # signatures: the eligible classes of each profile
    n_prof = el.n_profiles
    starts = np.searchsorted(el.arc_profile, np.arange(n_prof + 1))
    sig_of = np.full(n_prof, -1, dtype=np.int64)
    sig_classes: list[IntArray] = []
    seen: dict[bytes, int] = {}
    for p in range(n_prof):
        cls = el.arc_class[starts[p] : starts[p + 1]]
        if len(cls):
            key = cls.tobytes()
            if key not in seen:
                seen[key] = len(seen)
                sig_classes.append(cls)
            sig_of[p] = seen[key]
    mov = np.flatnonzero((el.profile >= 0) & ~hold)
    mov = mov[sig_of[el.profile[mov]] >= 0]
    ur = unit_rules(problem)
    cov_keys = sorted({(c.competency, c.level) for c in ur.coverage})
    qual = _qualified(problem, cov_keys) if cov_keys else np.zeros((len(emp), 0), dtype=bool)
    # no home in the key: members of a group are interchangeable wherever they start (a unit
    # may not come back to a starting position its classes do not hold, whoever held it)
    key = pd.DataFrame({"sig": sig_of[el.profile[mov]], "first": first[mov]})
    for k in range(len(cov_keys)):  # coverage counts qualified movers: they group apart
        key[f"q{k}"] = qual[mov, k]
    for k in range(len(ages)):
        key[f"x{k}"] = exit_r[mov, k]
        key[f"l{k}"] = last_r[mov, k]
    grp = (
        key.groupby(list(key.columns), sort=True).ngroup().to_numpy(np.int64)
        if len(mov)
        else np.zeros(0, np.int64)
    )
    G = int(grp.max()) + 1 if len(grp) else 0
    employee_group = np.full(len(emp), -1, dtype=np.int64)
    employee_group[mov] = grp
    rep = np.zeros(G, dtype=np.int64)
    rep[grp[::-1]] = mov[::-1]
    size = np.bincount(grp, minlength=G).astype(np.int64)
    home = pos_of[rep].astype(np.int64)
    # pairs: the bins of the signature's classes (enterable) and the home
    sig_bins = [
        np.unique(
            np.concatenate([el.class_positions[el.class_indptr[c] : el.class_indptr[c + 1]] for c in cls])
        )
        for cls in sig_classes
    ]
    g_sig = sig_of[el.profile[rep]]
    n_b = np.array([len(sig_bins[s]) for s in g_sig.tolist()], dtype=np.int64)
    pg_e = np.repeat(np.arange(G), n_b)
    pb_e = (
        np.concatenate([sig_bins[s] for s in g_sig.tolist()]).astype(np.int64) if G else np.zeros(0, np.int64)
    )
    start_codes = grp * B + pos_of[mov].astype(np.int64)
    codes = np.concatenate([pg_e * B + pb_e, start_codes])
    enter = np.concatenate([np.ones(len(pg_e), dtype=bool), np.zeros(len(start_codes), dtype=bool)])
    uniq, inv = np.unique(codes, return_inverse=True)
    p_enter = np.zeros(len(uniq), dtype=bool)
    np.logical_or.at(p_enter, inv.ravel(), enter)
    pair_init = np.bincount(inv.ravel()[len(pg_e) :], minlength=len(uniq)).astype(np.int64)
    pair_group, pair_bin = uniq // max(B, 1), uniq % max(B, 1)
    pair_exit = exit_r[rep[pair_group], age_code[pair_bin]]
    pair_last = last_r[rep[pair_group], age_code[pair_bin]]

    # need per round; fixed staff (FTE) per round, present until their own retirement
    need0 = problem.need
    need = need0[None, :] * (1.0 + growth[None, :]) ** np.arange(T)[:, None]
    fixed_e = employee_group < 0
    present = exit_r[np.arange(len(emp)), age_code[pos_of]][:, None] > np.arange(T)[None, :]
    fte = problem.fte
    fixed_fte = np.zeros((T, B))
    for t in range(T):
        m = fixed_e & present[:, t]
        fixed_fte[t] = np.bincount(pos_of[m], weights=fte[m], minlength=B)
    fixed = np.floor(fixed_fte + _EPS)
    frac = fixed_fte - fixed
    frac[np.abs(frac) < _EPS] = 0.0
    max_staff = problem.positions["max_staff"].to_numpy(dtype=float)[None, :]
    min_staff = problem.positions["min_staff"].to_numpy(dtype=float)[None, :]
    over = ~np.isnan(max_staff) & (max_staff - frac < -_EPS)
    fixed[over] += 1.0
    frac[over] -= 1.0
    max_units = np.where(np.isnan(max_staff), -1, np.floor(np.nan_to_num(max_staff) - frac + _EPS))
    min_units = np.maximum(np.ceil(np.nan_to_num(min_staff) - frac - _EPS), 0.0)
    # coverage per round: the qualified fixed staff present count, qualified groups add
    C = len(ur.coverage)
    cover_need = np.zeros((T, C), dtype=np.int64)
    cover_group = np.zeros((G, C), dtype=bool)
    emp_unit = ur.position_unit[pos_of]
    for c, cov in enumerate(ur.coverage):
        q = qual[:, cov_keys.index((cov.competency, cov.level))]
        for t in range(T):
            here = fixed_e & present[:, t] & q & (emp_unit == cov.unit)
            cover_need[t, c] = int(cov.count) - int(here.sum())
        cover_group[:, c] = q[rep]
    model = HorizonModel(
        target=(need - frac).astype(float),
        weight=np.maximum(need, 1.0).astype(float),
        fixed=fixed.astype(np.int64),
        min_units=min_units.astype(np.int64),
        max_units=max_units.astype(np.int64),
        size=size,
        home=home,
        first=first[rep].astype(np.int64),
        pair_group=pair_group.astype(np.int64),
        pair_bin=pair_bin.astype(np.int64),
        pair_exit=pair_exit.astype(np.int64),
        pair_last=pair_last.astype(np.int64),
        pair_enter=p_enter,
        hire_cap=quotas,
        hire_ok=hire_ok,
        hire_max=hire_max,
        lock=lock,
        move_cost=float(pol.move_cost),
        hire_cost=float(pol.hire_cost),
        block=ur.position_unit.astype(np.int64) if ur.any else None,
        block_max_out=np.asarray(ur.max_out, dtype=np.int64) if ur.any else None,
        block_max_in=np.asarray(ur.max_in, dtype=np.int64) if ur.any else None,
        max_moves=-1 if pol.max_moves is None else int(pol.max_moves),
        cover_block=np.array([c.unit for c in ur.coverage], dtype=np.int64) if C else None,
        cover_need=cover_need if C else None,
        cover_group=cover_group if C else None,
        pair_init=pair_init,
    )
    return HorizonData(
        model, dates, quotas, need, employee_group, age_code, ages.astype(float), exit_r, last_r, first, lock,
        notes,
    )  # fmt: skip


def _policy_notes(pol: Policy, hold: BoolArray) -> list[str]:
    """What of the policy the five-year plan applies conservatively or not at all."""
    notes = []
    if hold.any():
        why = [
            w
            for w, on in (
                (
                    "volunteers with a preference list, volunteers_only_to_preferences",
                    pol.volunteers_only_to_preferences,
                ),
                ("employees with a spouse, spouses_hard", pol.spouses_hard),
            )
            if on
        ]
        notes.append(
            f"{int(hold.sum())} employees stay in place for the whole horizon ({'; '.join(why)}): "
            "the five-year plan does not model wishes or spouses per person, so it keeps them home "
            "(conservative: a plan that moved them could be better)"
        )
    if pol.voluntary_first:
        notes.append(
            "voluntary_first is not applied in the five-year plan (it does not model who "
            "volunteers per round) and check-horizon does not check it"
        )
    return notes
