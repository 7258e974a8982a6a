"""The planning policy: which mutasi rules apply and how the objective is weighed.

The input tables themselves are validated column-wise in :mod:`asn_balance.tables`
(vectorised, all problems at once); this module holds the typed settings.
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["DEFAULT_MOVE_COST", "RULES", "Policy"]

#: Default price of one move in units of the balance term B. A move is made only when
#: it lowers B by more than this, e.g. one surplus person moved to a position one FTE
#: short, both with a need of 10 or less, lowers B by at least 0.2.
DEFAULT_MOVE_COST: Final[float] = 0.1

#: Every hard rule by name, with the sentence used in explanations.
RULES: Final[dict[str, str]] = {
    "cpns_stays": "CPNS (calon PNS) are never transferred",
    "pppk_stays": "PPPK are transferred only when the policy allows it (allow_pppk)",
    "locked": "the employee is locked in the current position",
    "min_months_in_position": "the employee has not served the minimum months in the position",
    "same_jabatan": "a move keeps the jabatan unless the policy allows a change (allow_jabatan_change)",
    "min_grade": "the mover's grade is below the target's min_grade",
    "max_grade": "the mover's grade is above the target's max_grade",
    "min_education": "the mover's education is below the target's min_education",
    "required_competencies": "the mover lacks a required competency level of the target",
    "min_staff": "a position ends with fewer staff than its min_staff",
    "max_staff": "a position ends with more staff than its max_staff",
    "max_moves": "the plan moves more employees than the budget max_moves",
}


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

    @model_validator(mode="after")
    def _one_way_to_limit_moves(self) -> Policy:
        if self.lexicographic and self.max_moves is not None:
            raise ValueError("lexicographic priorities and max_moves cannot be combined")
        return self
