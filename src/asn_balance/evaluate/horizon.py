"""The result of a five-year plan: one round per year, the formasi, and the turning of the
engine's group units into employee moves.

:func:`evaluate_horizon` follows every employee through the rounds: who retires at which
round (with the BUP of the position they hold then), who moves where (a group's departures go
to its members free to leave, longest in position first, then by id), the hires, and per round
the staff, need, EJ, band and balance ``B_t``. The objective is recomputed from these
employee-level figures.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import _outputs
from ..compile.horizon import HorizonData
from ..model import abk
from ..model.errors import InternalError
from ..model.problem import Problem

__all__ = ["ENTRY_GRADE", "HorizonResult", "HorizonRound", "evaluate_horizon", "evaluate_horizon_moves"]

#: Entry grade (golongan/ruang) of a new CPNS by education (PP 99/2000), when the position
#: gives no ``min_grade``.
ENTRY_GRADE: dict[str, str] = {
    "SD": "I/a",
    "SMP": "I/c",
    "SMA": "II/a",
    "D1": "II/a",
    "D2": "II/b",
    "D3": "II/c",
    "D4": "III/a",
    "S1": "III/a",
    "S2": "III/b",
    "S3": "III/c",
}


@dataclass
class HorizonRound:
    """One yearly round of a horizon plan.

    Attributes
    ----------
    round : int
        ``t`` (0 is today's round).
    date : date
        ``plan_date + t`` years.
    moves : DataFrame
        ``employee_id, from_position, to_position, reason``.
    hires : DataFrame
        ``position_id, unit_id, jabatan, count`` (positions with hires only).
    retirements : DataFrame
        ``position_id, count, employee_ids``: who is gone from this round on.
    positions : DataFrame
        ``position_id, unit_id, jabatan, need, staff, gap, ej, band, direction`` after the round.
    balance : float
        ``B_t = sum (staff - need)^2 / max(need, 1)`` after the round.
    """

    round: int
    date: dt.date
    moves: pd.DataFrame
    hires: pd.DataFrame
    retirements: pd.DataFrame
    positions: pd.DataFrame
    balance: float


@dataclass
class HorizonResult:
    """A plan over several yearly rounds (:func:`asn_balance.plan_horizon`).

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``time_limit``.
    objective, bound, gap : float
        ``sum_t B_t + move_cost x moves + hire_cost x hires``, a proven lower bound on the
        optimum (``-inf`` when none is known) and the relative gap.
    rounds : list of HorizonRound
        One per year.
    formasi : DataFrame
        The hires as an e-Formasi request: ``round, date, unit_id, unit_name, position_id,
        jabatan, count, min_education, entry_grade``.
    summary : dict
        Years, quotas, totals, solver, seconds, the policy and the input fingerprint.
    """

    status: str
    objective: float
    bound: float
    gap: float
    rounds: list[HorizonRound]
    formasi: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def has_plan(self) -> bool:
        """Whether the result holds a plan."""
        return self.status in ("optimal", "feasible")

    @property
    def moves(self) -> pd.DataFrame:
        """Every move of every round, with a ``round`` column."""
        frames = [r.moves.assign(round=r.round) for r in self.rounds]
        cols = ["round", "employee_id", "from_position", "to_position", "reason"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)

    def to_dict(self) -> dict[str, Any]:
        """The plan as a JSON document: ``{"summary", "rounds", "formasi"}``."""

        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{str(k): _plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]

        return {
            "summary": {str(k): _plain(v) for k, v in self.summary.items()},
            "rounds": [
                {
                    "round": r.round,
                    "date": r.date.isoformat(),
                    "moves": records(r.moves),
                    "hires": records(r.hires),
                    "retirements": records(r.retirements),
                    "positions": records(r.positions),
                    "balance": _plain(r.balance),
                }
                for r in self.rounds
            ],
            "formasi": records(self.formasi),
        }

    def write(self, path: str | Path) -> Path:
        """Write the plan: ``.json``, ``.xlsx`` or a folder
        (:func:`asn_balance.io.horizon.write_horizon`)."""
        return Path(_outputs.output("horizon_write")(self, path))

    def plot(self, kind: str = "balance", **kwargs: Any) -> Any:
        """A plot of the plan: ``balance`` (B per year) or ``ej_units`` (EU per unit per
        year); :func:`asn_balance.reports.horizon.plot_horizon`. Needs matplotlib."""
        return _outputs.output("horizon_plot")(self, kind, **kwargs)

    def raise_for_status(self) -> HorizonResult:
        """``self`` if it holds a plan, else :class:`~asn_balance.evaluate.result.PlanError`."""
        if not self.has_plan:
            from .result import PlanError

            raise PlanError(f"no five-year plan: status {self.status}")
        return self

    def __repr__(self) -> str:
        return (
            f"HorizonResult(status={self.status!r}, objective={self.objective:.6g}, bound={self.bound:.6g}, "
            f"rounds={len(self.rounds)}, moves={len(self.moves)}, hires={int(self.formasi['count'].sum())})"
        )


def _plain(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (dt.date, pd.Timestamp)):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    return v


def _employee_moves(
    problem: Problem, data: HorizonData, held: npt.NDArray[np.int64]
) -> list[list[tuple[int, int]]]:
    """Per round, ``(employee, to_position)`` of every move, following every employee."""
    m = data.model
    T = m.n_rounds
    pos_of = problem.employee_position
    months = problem.employees["months_in_position"].to_numpy(dtype=float)
    ids = problem.employees["employee_id"].astype(str).to_numpy()
    grp = data.employee_group
    cur = pos_of.copy()
    arrived = np.full(len(cur), -(10**6), dtype=np.int64)
    init = (
        m.pair_init
        if m.pair_init is not None
        else np.where(m.pair_bin == m.home[m.pair_group], m.size[m.pair_group], 0)
    )
    prev = init
    out: list[list[tuple[int, int]]] = []
    members_of = pd.Series(np.arange(len(grp))[grp >= 0]).groupby(grp[grp >= 0]).apply(list).to_dict()
    for t in range(T):
        now = held[:, t]
        alive = m.pair_exit > t
        inc = np.where(alive, np.maximum(now - prev, 0), 0)
        dec = np.where(alive, np.maximum(prev - now, 0), 0)
        moves: list[tuple[int, int]] = []
        for g in np.unique(m.pair_group[inc > 0]).tolist():
            ps = np.flatnonzero(m.pair_group == g)
            leavers: list[int] = []
            for p in ps[dec[ps] > 0].tolist():
                b = int(m.pair_bin[p])
                cand = [e for e in members_of[g] if cur[e] == b]
                age = data.age_code[b]
                free = [
                    e
                    for e in cand
                    if data.exit_round[e, age] > t
                    and data.last_round[e, age] >= t
                    and ((arrived[e] < 0 and t >= data.first_round[e]) or t - arrived[e] >= data.lock)
                ]
                carried = [months[e] + 12 * t if arrived[e] < 0 else 12 * (t - arrived[e]) for e in free]
                order = sorted(range(len(free)), key=lambda i: (-carried[i], ids[free[i]]))
                k = int(dec[p])
                if len(order) < k:
                    raise InternalError(
                        f"the horizon plan moves more units than are free to leave "
                        f"(group {g}, position {b}, round {t})",
                        float(k),
                        float(len(order)),
                        "horizon",
                        0.0,
                    )
                leavers += [free[i] for i in order[:k]]
            targets = [int(m.pair_bin[p]) for p in ps[inc[ps] > 0].tolist() for _ in range(int(inc[p]))]
            for e, b in zip(leavers, targets, strict=True):
                moves.append((e, b))
                cur[e] = b
                arrived[e] = t
        out.append(moves)
        prev = now
    return out


def evaluate_horizon(
    problem: Problem,
    data: HorizonData,
    held: npt.NDArray[np.int64],
    hires: npt.NDArray[np.int64],
    *,
    status: str,
    bound: float,
    claimed: float | None = None,
    summary: dict[str, Any] | None = None,
) -> HorizonResult:
    """The :class:`HorizonResult` of a horizon plan given as units held per pair and round.

    Raises
    ------
    InternalError
        The objective recomputed per employee differs from ``claimed`` (a bug).
    """
    T = data.model.n_rounds
    has_plan = status in ("optimal", "feasible")
    per_round = _employee_moves(problem, data, held) if has_plan else [[] for _ in range(T)]
    return evaluate_horizon_moves(
        problem, data, per_round, hires, status=status, bound=bound, claimed=claimed, summary=summary
    )


def evaluate_horizon_moves(
    problem: Problem,
    data: HorizonData,
    per_round: list[list[tuple[int, int]]],
    hires: npt.NDArray[np.int64],
    *,
    status: str,
    bound: float,
    claimed: float | None = None,
    summary: dict[str, Any] | None = None,
) -> HorizonResult:
    """The :class:`HorizonResult` of a plan given per round as ``(employee, to_position)``
    moves (indices) and hires per round and position (``(T, B)``).

    Raises
    ------
    InternalError
        The objective recomputed per employee differs from ``claimed`` (a bug).
    """
    m = data.model
    T, B = m.n_rounds, m.n_bins
    pol = problem.policy
    pos = problem.positions
    pid = pos["position_id"].astype(str).to_numpy()
    unit = pos["unit_id"].astype(str).to_numpy()
    jab = pos["jabatan"].astype(str).to_numpy()
    eid = problem.employees["employee_id"].astype(str).to_numpy()
    has_plan = status in ("optimal", "feasible")
    cur = problem.employee_position.copy()
    fte = problem.fte
    gone = np.zeros(len(cur), dtype=bool)
    hires = hires if has_plan else np.zeros((T, B), dtype=np.int64)
    cum_hires = np.cumsum(hires, axis=0)
    growth_t = data.need / np.where(problem.need > 0, problem.need, 1.0)[None, :]
    rounds: list[HorizonRound] = []
    total = 0.0
    n_moves = 0
    for t in range(T):
        leaving = ~gone & (data.exit_round[np.arange(len(cur)), data.age_code[cur]] <= t)
        ret = pd.DataFrame({"position_id": pid[cur[leaving]], "employee_id": eid[leaving]})
        retirements = (
            ret.groupby("position_id", sort=True)["employee_id"]
            .agg(["count", list])
            .reset_index()
            .rename(columns={"list": "employee_ids"})
        )
        gone |= leaving
        staff_before = np.bincount(cur[~gone], weights=fte[~gone], minlength=B) + cum_hires[t]
        need = data.need[t]
        rows = []
        for e, b in per_round[t]:
            f = int(cur[e])
            reason = (
                f"round {t}: {pid[f]} has {staff_before[f]:.1f} staff for a need of {need[f]:.1f}; "
                f"{pid[b]} has {staff_before[b]:.1f} for {need[b]:.1f}"
            )
            rows.append((eid[e], pid[f], pid[b], reason))
            cur[e] = b
        n_moves += len(rows)
        moves = pd.DataFrame(rows, columns=["employee_id", "from_position", "to_position", "reason"])
        staff = np.bincount(cur[~gone], weights=fte[~gone], minlength=B) + cum_hires[t]
        workload = problem.workload * growth_t[t]
        st = abk.staffing(workload, staff, need, pol.effective_hours)
        positions = pd.DataFrame(
            {
                "position_id": pid,
                "unit_id": unit,
                "jabatan": jab,
                "need": need,
                "staff": staff,
                "gap": st["gap"],
                "ej": st["ej"],
                "band": st["band"],
                "direction": st["direction"],
            }
        )
        bal = float(np.sum((staff - need) ** 2 / np.maximum(need, 1.0)))
        total += bal
        h = hires[t]
        k = np.flatnonzero(h > 0)
        hires_t = pd.DataFrame({"position_id": pid[k], "unit_id": unit[k], "jabatan": jab[k], "count": h[k]})
        rounds.append(HorizonRound(t, data.dates[t], moves, hires_t, retirements, positions, bal))
    objective = (
        total + pol.move_cost * n_moves + pol.hire_cost * float(hires.sum()) if has_plan else float("nan")
    )
    if claimed is not None and has_plan and not abs(claimed - objective) <= 1e-6 * max(1.0, abs(objective)):
        raise InternalError(
            "the horizon objective recomputed per employee disagrees", claimed, objective, "horizon", 1e-6
        )
    formasi = _formasi(problem, data, hires)
    gap = (
        (objective - bound) / max(1.0, abs(objective)) if has_plan and math.isfinite(bound) else float("nan")
    )
    info = dict(summary or {})
    info.update(
        {
            "status": status,
            "objective": objective,
            "bound": bound,
            "gap": gap,
            "years": T,
            "dates": [d.isoformat() for d in data.dates],
            "hire_quotas": data.hires.tolist(),
            "moves": n_moves,
            "hires": int(hires.sum()),
            "balance": [r.balance for r in rounds],
            "employees": problem.n_employees,
            "positions": B,
            "policy": pol.model_dump(mode="json"),
            "input_sha256": problem.input_sha256,
            "input_tables": problem.input_tables,
        }
    )
    return HorizonResult(status, objective, bound, gap, rounds, formasi, info)


def _formasi(problem: Problem, data: HorizonData, hires: npt.NDArray[np.int64]) -> pd.DataFrame:
    """The hires as an e-Formasi request, one row per round and position."""
    pos = problem.positions
    t_idx, b_idx = np.nonzero(hires)
    edu = pos["min_education"].fillna("").astype(str).to_numpy()[b_idx]
    min_grade = pos["min_grade"].fillna("").astype(str).to_numpy()[b_idx]
    entry = [g if g else ENTRY_GRADE.get(e, "") for g, e in zip(min_grade, edu, strict=True)]
    return pd.DataFrame(
        {
            "round": t_idx.astype(np.int64),
            "date": [data.dates[t].isoformat() for t in t_idx],
            "unit_id": pos["unit_id"].astype(str).to_numpy()[b_idx],
            "unit_name": pos["unit_name"].fillna("").astype(str).to_numpy()[b_idx],
            "position_id": pos["position_id"].astype(str).to_numpy()[b_idx],
            "jabatan": pos["jabatan"].astype(str).to_numpy()[b_idx],
            "count": hires[t_idx, b_idx].astype(np.int64),
            "min_education": edu,
            "entry_grade": entry,
        }
    )
