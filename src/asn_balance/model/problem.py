"""The planning problem: validated tables, policy, and the arrays built once from them."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from os import PathLike
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import _outputs
from . import abk
from .limits import Limits
from .policy import Policy
from .readers import read_tables
from .validate import Tables, validate_tables

__all__ = ["Problem"]


class Problem:
    """Employees, positions, ABK tasks and the policy of one planning round.

    Build it with :meth:`from_frames` or :meth:`read`; both validate every cell and
    cross-reference and raise :class:`~asn_balance.model.errors.InputError` listing every
    problem. The frames are copies: nothing the caller passed in is modified.

    Attributes
    ----------
    employees, positions, tasks, units : DataFrame
        Canonical, validated tables (see ``docs/schema.md``); ``tasks`` and ``units`` may
        be empty.
    policy : Policy
        The mutasi policy and objective weights.
    warnings : list of str
        Non-fatal remarks about the input.
    """

    def __init__(self, tables: Tables, policy: Policy | None = None) -> None:
        self._tables = tables
        self.employees: pd.DataFrame = tables.employees
        self.positions: pd.DataFrame = tables.positions
        self.tasks: pd.DataFrame = tables.tasks
        self.units: pd.DataFrame = tables.units
        self.policy: Policy = policy if policy is not None else Policy()
        self.warnings: list[str] = list(tables.warnings)

    # construction -----------------------------------------------------------------
    @classmethod
    def from_frames(
        cls,
        employees: pd.DataFrame,
        positions: pd.DataFrame,
        tasks: pd.DataFrame | None = None,
        policy: Policy | None = None,
        *,
        units: pd.DataFrame | None = None,
        limits: Limits | None = None,
    ) -> Problem:
        """Build a problem from pandas DataFrames of the canonical schema (aliases accepted).

        Parameters
        ----------
        employees, positions : DataFrame
            The employees and positions tables.
        tasks : DataFrame, optional
            ABK task detail; positions with tasks take their workload from them.
        policy : Policy, optional
            Defaults to ``Policy()``.
        units : DataFrame, optional
            Per-unit limits: ``max_moves_out``, ``max_moves_in`` and ``coverage``.
        limits : Limits, optional
            Limits on the input (rows, cell lengths, numbers); default ``Limits()``.

        Raises
        ------
        InputError
            Listing every bad cell and reference.
        """
        raw: dict[str, pd.DataFrame | None] = {
            "employees": employees,
            "positions": positions,
            "tasks": tasks,
            "units": units,
        }
        plan_date = policy.plan_date if policy is not None else None
        return cls(validate_tables(raw, limits=limits, plan_date=plan_date), policy)

    @classmethod
    def read(
        cls,
        source: str | PathLike[str] | Mapping[str, pd.DataFrame],
        policy: Policy | None = None,
        *,
        limits: Limits | None = None,
    ) -> Problem:
        """Read a problem from a CSV folder, an Excel workbook or a JSON document.

        Parameters
        ----------
        source : path or mapping
            Folder with ``employees.csv``, ``positions.csv`` (and optional ``tasks.csv`` and
            ``units.csv``); ``.xlsx`` workbook with sheets of those names; ``.json`` with
            those keys; or a mapping of table name to DataFrame.
        policy : Policy, optional
            Defaults to ``Policy()``. Its ``plan_date`` (else today) is the date at which
            ``months_in_position`` is counted when the employees give ``tmt_jabatan``.
        limits : Limits, optional
            Limits on the input (file size, rows, cell lengths, numbers); default
            ``Limits()``. A file beyond ``max_file_bytes`` is refused before it is read.
        """
        raw = read_tables(source, limits=limits)
        tables = ("employees", "positions", "tasks", "units")
        plan_date = policy.plan_date if policy is not None else None
        return cls(
            validate_tables({k: raw.get(k) for k in tables}, limits=limits, plan_date=plan_date), policy
        )

    def with_policy(self, policy: Policy | None = None, **changes: Any) -> Problem:
        """The same data under another policy (``policy`` and/or field ``changes``)."""
        base = policy if policy is not None else self.policy
        new = base.model_copy(update=changes) if changes else base
        if changes:
            new = Policy.model_validate(new.model_dump())
        return Problem(self._tables, new)

    # arrays built once ------------------------------------------------------------
    @cached_property
    def position_index(self) -> pd.Index:
        """Position ids in table order (the index of every per-position array)."""
        return pd.Index(self.positions["position_id"].to_numpy(dtype=object))

    @cached_property
    def employee_index(self) -> pd.Index:
        """Employee ids in table order."""
        return pd.Index(self.employees["employee_id"].to_numpy(dtype=object))

    @cached_property
    def employee_position(self) -> npt.NDArray[np.int64]:
        """Index of each employee's current position."""
        return self.position_index.get_indexer(pd.Index(self.employees["position_id"])).astype(np.int64)

    @cached_property
    def workload(self) -> npt.NDArray[np.float64]:
        """Annual workload hours per position (from tasks where given)."""
        return abk.workload_hours(self.positions, self.tasks)

    @property
    def need(self) -> npt.NDArray[np.float64]:
        """Staff need (FTE) per position under the policy's effective hours."""
        return abk.need_fte(self.workload, self.policy.effective_hours)

    @cached_property
    def staff(self) -> npt.NDArray[np.int64]:
        """Current staff per position."""
        return np.bincount(self.employee_position, minlength=len(self.positions)).astype(np.int64)

    def staff_after(self, employee_idx: npt.ArrayLike, to_idx: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Staff per position after moving employees ``employee_idx[i]`` to ``to_idx[i]``.

        Parameters
        ----------
        employee_idx, to_idx : array-like of int
            Employee numbers and target position numbers of the moves (empty: no move).
        """
        e = np.asarray(employee_idx, dtype=np.int64)
        after = self.staff.copy()
        np.add.at(after, self.employee_position[e], -1)
        np.add.at(after, np.asarray(to_idx, dtype=np.int64), 1)
        return after

    def move_indices(self, moves: pd.DataFrame) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Employee and target position numbers of a plan's moves.

        Parameters
        ----------
        moves : DataFrame
            ``employee_id`` and ``to_position`` per move (as :func:`asn_balance.io.read_plan`
            returns them).

        Raises
        ------
        InputError
            Every move naming an employee (``unknown_employee``) or a position
            (``unknown_position``) that is not in the data, by plan row.
        """
        from .errors import InputError, InputProblem

        ids = moves["employee_id"].astype(str)
        targets = moves["to_position"].astype(str)
        e = self.employee_index.get_indexer(pd.Index(ids))
        t = self.position_index.get_indexer(pd.Index(targets))
        problems = [
            InputProblem("moves", i + 2, "employee_id", ids.iloc[i], "unknown_employee",
                         "no employee of the data has this id")
            for i in np.flatnonzero(e < 0)
        ] + [
            InputProblem("moves", i + 2, "to_position", targets.iloc[i], "unknown_position",
                         "no position of the data has this id")
            for i in np.flatnonzero(t < 0)
        ]  # fmt: skip
        if problems:
            raise InputError(sorted(problems, key=lambda q: q.row or 0))
        return e.astype(np.int64), t.astype(np.int64)

    @property
    def n_employees(self) -> int:
        """Number of employees."""
        return len(self.employees)

    @property
    def n_positions(self) -> int:
        """Number of positions."""
        return len(self.positions)

    @property
    def n_units(self) -> int:
        """Number of units."""
        return int(self.positions["unit_id"].nunique())

    def balance(self, staff: npt.ArrayLike | None = None) -> float:
        """Balance term ``B = sum (staff - need)^2 / max(need, 1)`` (current staff by default)."""
        s = self.staff if staff is None else np.asarray(staff, dtype=float)
        need = self.need
        return float(np.sum((s - need) ** 2 / np.maximum(need, 1.0)))

    def abk(self) -> pd.DataFrame:
        """The workload report of the current staffing: one row per position."""
        need = self.need
        m = abk.staffing(self.workload, self.staff, need, self.policy.effective_hours)
        return pd.DataFrame(
            {
                "position_id": self.positions["position_id"],
                "unit_id": self.positions["unit_id"],
                "unit_name": self.positions["unit_name"],
                "jabatan": self.positions["jabatan"],
                "workload_hours": self.workload,
                "need_fte": need,
                "staff": self.staff,
                "gap_fte": m["gap"],
                "ej": m["ej"],
                "band": m["band"],
                "direction": m["direction"],
            }
        )

    def __repr__(self) -> str:
        return (
            f"Problem({self.n_employees} employees, {self.n_positions} positions, {self.n_units} units, "
            f"B={self.balance():.3f}, effective_hours={self.policy.effective_hours:g})"
        )

    def _repr_html_(self) -> str:
        return str(_outputs.output("problem_html")(self))
