"""What the verifier reports: the rule tables, :class:`Violation` and :class:`CheckReport`.

Also the collector of violations that sorts them into the report's order (plan rows, then
positions, units, spouse pairs and the plan as a whole; within one row by the order of
:data:`CHECKED_RULES`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from ..model.policy import RULES

__all__ = ["CHECKED_RULES", "PLAN_RULES", "CheckReport", "Violation"]

#: Rules about the plan table itself, by name, with the sentence used in explanations.
PLAN_RULES: Final[dict[str, str]] = {
    "unknown_employee": "a moved employee must be in the employees table",
    "unknown_position": "a target position must be in the positions table",
    "duplicate_move": "an employee is moved at most once",
    "no_op_move": "a move must change the employee's position",
}

#: Every rule of :data:`asn_balance.model.policy.RULES` that :func:`check` verifies, in the order
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


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Attributes
    ----------
    rule : str
        Rule name, a key of :data:`asn_balance.model.policy.RULES` or :data:`PLAN_RULES`.
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
        Every term of the objective, keyed by :data:`asn_balance.model.policy.TERMS` in that order:
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


# ------------------------------------------------------------------ collector


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
