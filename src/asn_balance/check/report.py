"""What the verifier reports: the rule tables, :class:`Violation` and :class:`CheckReport`.

Also the collector of violations that sorts them into the report's order (plan rows, then
positions, units, spouse pairs and the plan as a whole; within one row by the order of
:data:`CHECKED_RULES`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from ..model.policy import RULES, Policy

__all__ = ["CHECKED_RULES", "DOUBTS", "PLAN_RULES", "CheckReport", "PolicyDifference", "Violation"]

#: Rules about the plan table itself, by name, with the sentence used in explanations.
PLAN_RULES: Final[dict[str, str]] = {
    "unknown_employee": "a moved employee must be in the employees table",
    "unknown_position": "a target position must be in the positions table",
    "duplicate_move": "an employee is moved at most once",
    "no_op_move": "a move must change the employee's position",
    "input_changed": "the input must be the one the plan was made from (its recorded input_sha256)",
}

#: Every rule of :data:`asn_balance.model.policy.RULES` that :func:`check` verifies, in the order
#: the violations of one plan row (then of one position, one unit, ...) are listed.
CHECKED_RULES: Final[tuple[str, ...]] = (
    # who may move
    "cpns_stays",
    "pppk_stays",
    "part_time",
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


#: Why a plan's claim (its status and objective) is not verified by a check, by code: the
#: entries of :attr:`CheckReport.doubts`.
DOUBTS: Final[dict[str, str]] = {
    "violations": "the plan breaks rules",
    "input_changed": "the input is not the one the plan was made from",
    "input_unknown": "the plan records no input hash (input_sha256) to compare",
    "policy_differs": "the policy checked is not the one the plan records",
    "policy_unknown": "the plan records no policy",
    "objective_differs": "the objective recomputed here is not the plan's",
    "objective_unknown": "the plan records no objective",
    "not_checked": "the plan could not be checked",
}


def _shown(value: Any) -> str:
    """A policy value as reports show it: ``1200`` for 1200.0, ``true``, dates ``YYYY-MM-DD``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class PolicyDifference:
    """A policy field on which the policy a plan records and another policy differ.

    Attributes
    ----------
    name : str
        The :class:`~asn_balance.model.policy.Policy` field.
    plan : object
        Its value in the policy the plan records.
    other : object
        Its value in the other policy (the problem's, or the one given on the command
        line). ``plan_date`` is compared resolved (today where none is given).
    """

    name: str
    plan: Any
    other: Any

    def describe(self, label: str = "problem") -> str:
        """``"effective_hours 1200 (plan) -> 1250 (<label>)"``."""
        return f"{self.name} {_shown(self.plan)} (plan) -> {_shown(self.other)} ({label})"

    def __str__(self) -> str:
        return self.describe()


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
        Staff (FTE) per position after the plan, indexed by position_id.
    need : pandas.Series
        Staff need (FTE) per position, indexed by position_id.
    staff_before : pandas.Series
        Current staff (FTE) per position, indexed by position_id.
    terms : dict of str to float
        Every term of the objective, keyed by :data:`asn_balance.model.policy.TERMS` in that order:
        ``balance``, ``moves``, ``preferences``, ``spouses``, ``fit``, ``rotation``.
    policy : Policy or None
        The policy the plan was checked under.
    policy_source : {"plan", "problem"}
        Whose policy that is: the one the plan records, or the problem's.
    policy_recorded : bool
        Whether the plan records a policy.
    policy_differences : list of PolicyDifference
        Every field on which the plan's recorded policy and the problem's differ (empty
        when the plan records none).
    input_sha256 : str or None
        The fingerprint of the input checked (``problem.input_sha256``), if the problem
        gives one.
    plan_input_sha256 : str or None
        The fingerprint of the input the plan was made from (its ``input_sha256``).
    input_changes : list of str
        When the two differ: what changed, table by table (rows and whether it changed),
        as far as the plan records it (``input_tables``).
    claim : dict
        What the plan claims of itself: ``status``, ``objective``, ``bound`` as recorded.
    notes : list of str
        Remarks that are no violation, such as an input change allowed by
        ``allow_changed_input``.
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
    policy: Policy | None = field(default=None, repr=False)
    policy_source: str = "problem"
    policy_recorded: bool = False
    policy_differences: list[PolicyDifference] = field(default_factory=list)
    input_sha256: str | None = None
    plan_input_sha256: str | None = None
    input_changes: list[str] = field(default_factory=list)
    claim: dict[str, Any] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)

    @property
    def rules(self) -> set[str]:
        """Names of the rules violated at least once."""
        return {v.rule for v in self.violations}

    @property
    def input_same(self) -> bool | None:
        """Whether the input checked is the one the plan was made from (``None``: unknown,
        the plan or the problem gives no fingerprint)."""
        if self.input_sha256 is None or self.plan_input_sha256 is None:
            return None
        return self.input_sha256 == self.plan_input_sha256

    @property
    def policy_same(self) -> bool | None:
        """Whether the plan was checked under the policy it records (``None``: it records none)."""
        if not self.policy_recorded:
            return None
        return self.policy_source == "plan" or not self.policy_differences

    @property
    def objective_same(self) -> bool | None:
        """Whether the objective recomputed here is the one the plan claims (relative and
        absolute tolerance 1e-6; ``None``: the plan claims none)."""
        claimed: Any = self.claim.get("objective")
        try:
            value = float(claimed)
        except (TypeError, ValueError):
            return None
        if not (math.isfinite(value) and math.isfinite(self.objective)):
            return None
        return math.isclose(value, self.objective, rel_tol=1e-6, abs_tol=1e-6)

    @property
    def doubts(self) -> list[str]:
        """Why the plan's claim is not verified: codes of :data:`DOUBTS`, empty when it is."""
        out = []
        if any(v.rule != "input_changed" for v in self.violations):
            out.append("violations")
        checks = (
            (self.input_same, "input_changed", "input_unknown"),
            (self.policy_same, "policy_differs", "policy_unknown"),
            (self.objective_same, "objective_differs", "objective_unknown"),
        )
        for same, differs, unknown in checks:
            if same is None:
                out.append(unknown)
            elif not same:
                out.append(differs)
        return out

    @property
    def verified(self) -> bool:
        """Whether the plan's claim holds: no violation, on the input it was made from,
        under the policy it records, with the objective it claims. Only then may a report
        repeat the plan's status ``optimal`` as proven (the bound is the solver's)."""
        return not self.doubts

    def verdict(self) -> dict[str, Any]:
        """The check in brief, as plain data (``Result.info["check"]``): ``ok``,
        ``violations`` (their number), ``verified``, ``input_same``, ``policy_same``,
        ``objective_same`` and ``doubts``."""
        return {
            "ok": self.ok,
            "violations": len(self.violations),
            "verified": self.verified,
            "input_same": self.input_same,
            "policy_same": self.policy_same,
            "objective_same": self.objective_same,
            "doubts": self.doubts,
        }

    def _remarks(self) -> list[str]:
        out = []
        if self.policy_differences:
            whose = "the plan's" if self.policy_source == "plan" else "the problem's"
            diffs = "; ".join(d.describe() for d in self.policy_differences)
            out.append(f"  checked under {whose} policy; the plan's and the problem's differ: {diffs}")
        out += [f"  {note}" for note in self.notes]
        return out

    def __str__(self) -> str:
        head = (
            f"{self.moves} move{'s' if self.moves != 1 else ''}, balance {self.balance_before:.6g} -> "
            f"{self.balance:.6g}, objective {self.objective:.6g}"
        )
        if self.ok:
            return "\n".join([f"plan OK: {head}", *self._remarks()])
        n = len(self.violations)
        lines = [f"plan FAILED with {n} violation{'s' if n != 1 else ''} ({head}):"]
        lines += [f"  {v}" for v in self.violations]
        return "\n".join([*lines, *self._remarks()])

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
