"""Errors raised for bad input, and the one raised for a bug.

A normal solver outcome (infeasible, time limit) is never an exception: it is a
:class:`~asn_balance.evaluate.result.Result` status. Exceptions are for input that cannot be
planned at all, and they carry *every* problem found, not just the first; and
:class:`InternalError` for figures of the solver that contradict each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["InputError", "InputProblem", "InternalError"]


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class InputProblem:
    """One bad cell, column or reference in the input.

    Attributes
    ----------
    table : str
        Table name (``employees``, ``positions``, ``tasks``, ``policy``, ...).
    row : int or None
        Spreadsheet row number (the header is row 1, the first data row is row 2);
        ``None`` when the problem concerns a whole column or table.
    column : str or None
        Canonical column name, or ``None`` for a table-level problem.
    value : Any
        The offending value as given (``None`` when absent).
    rule : str
        Short machine-readable rule name, e.g. ``unknown_position``.
    message : str
        Human-readable explanation.
    """

    table: str
    row: int | None
    column: str | None
    value: Any
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.table
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        val = "" if self.value is None else f" value {_show(self.value)}:"
        return f"{where}:{val} {self.message} [{self.rule}]"


class InputError(ValueError):
    """The input cannot be planned; ``problems`` lists every problem found.

    Parameters
    ----------
    problems : iterable of InputProblem
        All problems found, in table/row order.
    """

    def __init__(self, problems: Iterable[InputProblem]) -> None:
        self.problems: list[InputProblem] = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class InternalError(RuntimeError):
    """The solver's figures contradict each other: a bug, never a property of the input.

    Raised by :func:`asn_balance.solve` when the engine's objective and the objective
    recomputed from the plan's moves differ by more than the engine's rounding tolerance,
    or when the bound exceeds the objective by more than it. Please report it with the
    input (or its ``input_sha256``), the policy and the message.

    Parameters
    ----------
    what : str
        Which figures disagree.
    engine, recomputed : float
        The two values.
    solver : str
        The solver path that produced the plan.
    tolerance : float
        The absolute tolerance the comparison allowed.
    """

    def __init__(self, what: str, engine: float, recomputed: float, solver: str, tolerance: float) -> None:
        self.what = what
        self.engine = engine
        self.recomputed = recomputed
        self.solver = solver
        self.tolerance = tolerance
        super().__init__(
            f"internal error: {what}: {engine!r} against {recomputed!r} (difference "
            f"{engine - recomputed:.3g}) beyond the tolerance {tolerance:.3g} of solver {solver!r}"
        )
