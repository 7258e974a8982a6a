"""The independent verifier of a plan.

It imports only the model's domain codes, the Policy and the errors: no solver, no compile,
no evaluate. It re-implements what it checks on purpose, so that a bug in the planner is
not repeated here.
"""

from __future__ import annotations

from .verifier import (
    CHECKED_RULES,
    DOUBTS,
    PLAN_RULES,
    CheckInputs,
    CheckReport,
    HasMoves,
    PlanLike,
    PolicyDifference,
    ProblemLike,
    Violation,
    balance_of,
    check,
    check_inputs,
    objective_of,
)

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
