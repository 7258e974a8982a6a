"""The planning policy: which mutasi rules apply and how the objective is weighed.

The input tables themselves are validated column-wise in :mod:`asn_balance.model.tables`
(vectorised, all problems at once); this module holds the typed settings.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["DEFAULT_MOVE_COST", "RULES", "TERMS", "Policy"]

#: Default price of one move in units of the balance term B. A move is made only when
#: it lowers B by more than this, e.g. one surplus person moved to a position one FTE
#: short, both with a need of 10 or less, lowers B by at least 0.2.
DEFAULT_MOVE_COST: Final[float] = 0.1

#: Every hard rule by name, with the sentence used in explanations.
RULES: Final[dict[str, str]] = {
    "cpns_stays": "CPNS (calon PNS) are never transferred",
    "pppk_stays": "PPPK are transferred only when the policy allows it (allow_pppk)",
    "part_time": "PPPK Paruh Waktu (part-time PPPK), and anybody who works less than full time "
    "(fte below 1), are never transferred",
    "locked": "the employee is locked in the current position",
    "min_months_in_position": "the employee has not served the minimum months in the position",
    "same_jabatan": "a move keeps the jabatan unless the policy allows a change (allow_jabatan_change)",
    "min_grade": "the mover's grade is below the target's min_grade (min_grade_pppk for PPPK)",
    "max_grade": "the mover's grade is above the target's max_grade (max_grade_pppk for PPPK)",
    "min_education": "the mover's education is below the target's min_education (D-IV meets S-1 by default)",
    "required_competencies": "the mover lacks a required competency level of the target",
    "min_staff": "a position ends with fewer staff than its min_staff",
    "max_staff": "a position ends with more staff than its max_staff",
    "max_moves": "the plan moves more employees than the budget max_moves",
    "retirement_buffer": "the employee is within retirement_buffer_months of the retirement age (BUP)",
    "discipline": "the employee is under a disciplinary or legal process",
    "study_leave": "the employee is on study leave or bound by ikatan dinas (tugas belajar)",
    "volunteers_only_to_preferences": "a volunteer moves only to a place they listed in preferences",
    "voluntary_first": "a non-volunteer moves only where no volunteer can do it as well",
    "spouse_same_unit": "spouses working in the same unit stay in the same unit",
    "max_moves_out": "more employees leave the unit's positions than its max_moves_out",
    "max_moves_in": "more employees enter the unit's positions than its max_moves_in",
    "coverage": "fewer staff with a competency level remain in the unit than its coverage asks",
    "forced_move": "the move asked for by why-not",
}

#: The terms of the objective, in the order they are reported.
TERMS: Final[tuple[str, ...]] = ("balance", "moves", "preferences", "spouses", "fit", "rotation")


class Policy(BaseModel):
    """Mutasi policy and objective weights.

    Parameters
    ----------
    effective_hours : float
        Waktu kerja efektif (WKE), hours per FTE per year. 1250 (PermenPAN-RB 1/2020)
        by default; 1200 (Perka BKN 19/2011) is the older standard.
    min_months_in_position : int
        Minimum months in the current position before a move (PP 11/2017 Pasal 190): 24.
    allow_pppk : bool
        Whether PPPK employees may be moved (default ``False``).
    allow_jabatan_change : bool
        Whether a move may change the jabatan (default ``False``: rotation only).
    move_cost : float
        Price of one move in units of the balance term B (default 0.1). Zero means
        balance only; among plans of equal objective the one with fewest moves wins.
    max_moves : int or None
        Hard budget on the number of moves (``None``: no budget).
    lexicographic : bool
        Priorities instead of weights: first the best balance B*, then the fewest moves
        among plans with ``B <= B* (1 + balance_tolerance)``; ``move_cost`` is then only
        used to report the objective. Not combined with ``max_moves``.
    balance_tolerance : float
        Relative slack on B* allowed to save moves in lexicographic mode (0.01 = 1 %).
    plan_date : date or None
        Date at which ages and retirement are taken (``None``: today). Set it to reproduce
        a plan later (CLI ``--date YYYY-MM-DD``).
    retirement_age : int
        Retirement age (BUP) of positions that do not give their own ``retirement_age``: 58.
    retirement_buffer_months : int
        Nobody whose retirement date falls within this many months of ``plan_date`` moves
        (rule ``retirement_buffer``): 12.
    max_months_in_position : int
        Months in a position after which a rotation is due (PP 11/2017 Pasal 190): 60.
    rotation_weight : float
        Cost per employee over ``max_months_in_position`` who stays: a nudge to rotate
        (default 0, off; e.g. 0.05 lowers the net price of moving such an employee from
        ``move_cost`` 0.1 to 0.05). Without it, among interchangeable movers the longest
        in position move first anyway.
    preference_weight : float
        Cost of one fully unmet wish: a volunteer who stays, or anybody with preferences
        moved to a place they did not list; rank ``r`` of ``k`` listed places costs
        ``(r - 1) / k`` of it.
    volunteers_only_to_preferences : bool
        A volunteer with preferences who moves goes only to a place they listed.
    voluntary_first : bool
        Among plans equally good otherwise, volunteers move before non-volunteers.
    spouse_weight : float
        Cost of separating spouses who work in the same unit (when not hard).
    spouses_hard : bool
        Spouses working in the same unit must stay in the same unit.
    fit_weight : float
        Cost per competency level a mover falls short of the target's
        ``competency_standard`` (the gap becomes a training need).
    d4_equals_s1 : bool
        A D-IV holder meets an S-1 minimum (job requirements read "S-1/D-IV"); ``False``
        restores the strict order SD < ... < D4 < S1.
    part_time_fte : float
        FTE of a PPPK Paruh Waktu (part-time PPPK) without its own ``fte``.
    days_per_year, weeks_per_year : int
        ABK period factors of the ``hari`` and ``minggu`` periods (250 and 50 by default;
        many ABK worksheets use 235 and 47).
    hire_cost : float
        Five-year plan (``plan_horizon``): price of one new hire (formasi) in units of the
        balance term B (default 0.5).
    workload_growth : float
        Five-year plan: annual growth of every position's workload as a fraction (0.03 = 3 %
        a year; default 0) where the position gives no ``workload_growth`` of its own. The
        need in year ``t`` is ``workload x (1 + growth)^t / effective_hours``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    effective_hours: float = Field(1250.0, gt=0, le=8784, description="WKE, hours per FTE per year")
    min_months_in_position: int = Field(24, ge=0, le=600)
    allow_pppk: bool = False
    allow_jabatan_change: bool = False
    move_cost: float = Field(DEFAULT_MOVE_COST, ge=0, le=1e6, allow_inf_nan=False)
    max_moves: int | None = Field(None, ge=0)
    lexicographic: bool = False
    balance_tolerance: float = Field(0.0, ge=0, le=10, allow_inf_nan=False)
    plan_date: dt.date | None = None
    retirement_age: int = Field(58, ge=30, le=80)
    retirement_buffer_months: int = Field(12, ge=0, le=600)
    max_months_in_position: int = Field(60, ge=0, le=1200)
    rotation_weight: float = Field(0.0, ge=0, le=1e6, allow_inf_nan=False)
    preference_weight: float = Field(0.2, ge=0, le=1e6, allow_inf_nan=False)
    volunteers_only_to_preferences: bool = True
    voluntary_first: bool = True
    spouse_weight: float = Field(1.0, ge=0, le=1e6, allow_inf_nan=False)
    spouses_hard: bool = False
    fit_weight: float = Field(0.02, ge=0, le=1e6, allow_inf_nan=False)
    d4_equals_s1: bool = True
    part_time_fte: float = Field(0.5, gt=0, le=1, allow_inf_nan=False)
    days_per_year: int = Field(250, ge=1, le=366)
    weeks_per_year: int = Field(50, ge=1, le=53)
    hire_cost: float = Field(0.5, ge=0, le=1e6, allow_inf_nan=False)
    workload_growth: float = Field(0.0, gt=-1, le=10, allow_inf_nan=False)

    def date(self) -> dt.date:
        """The plan date: ``plan_date`` or today."""
        return self.plan_date if self.plan_date is not None else dt.date.today()

    def as_run(self) -> Policy:
        """This policy with its plan date resolved (today when none was given): the policy a
        result records, rerunnable as is."""
        return self.model_copy(update={"plan_date": self.date()})

    @model_validator(mode="after")
    def _one_way_to_limit_moves(self) -> Policy:
        if self.lexicographic and self.max_moves is not None:
            raise ValueError("lexicographic priorities and max_moves cannot be combined")
        return self
