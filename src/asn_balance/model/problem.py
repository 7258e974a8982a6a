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
from .domain import PART_TIME, jabatan_keys, period_factors
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
    grade_codes : DataFrame
        The reference table the employees' ``grade`` codes were read with (``code``,
        ``grade``, ``status``; see ``docs/siasn.md``), empty when none was given.
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
        self.grade_codes: pd.DataFrame = tables.grade_codes
        self.policy: Policy = policy if policy is not None else Policy()
        self.warnings: list[str] = [*tables.warnings, *self._small_need_notes()]

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
        grade_codes: pd.DataFrame | None = None,
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
        grade_codes : DataFrame, optional
            What the codes in the employees' ``grade`` mean: ``code``, ``grade`` and
            optionally ``status`` (``PNS`` or ``PPPK``), e.g. an office's export of SIASN's
            golongan reference (``docs/siasn.md``).
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
            "grade_codes": grade_codes,
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
            Folder with ``employees.csv``, ``positions.csv`` (and optional ``tasks.csv``,
            ``units.csv`` and ``grade_codes.csv``); ``.xlsx`` workbook with sheets of those
            names; ``.json`` with those keys; or a mapping of table name to DataFrame.
        policy : Policy, optional
            Defaults to ``Policy()``. Its ``plan_date`` (else today) is the date at which
            ``months_in_position`` is counted when the employees give ``tmt_jabatan``.
        limits : Limits, optional
            Limits on the input (file size, rows, cell lengths, numbers); default
            ``Limits()``. A file beyond ``max_file_bytes`` is refused before it is read.
        """
        raw = read_tables(source, limits=limits)
        tables = ("employees", "positions", "tasks", "units", "grade_codes")
        plan_date = policy.plan_date if policy is not None else None
        return cls(
            validate_tables({k: raw.get(k) for k in tables}, limits=limits, plan_date=plan_date), policy
        )

    def _small_need_notes(self) -> list[str]:
        """Positions the balance objective empties: staffed, need under half an FTE, no
        ``min_staff`` (at 0 staff ``(0 - need)^2`` beats ``(1 - need)^2``)."""
        if not len(self.positions):
            return []
        need = self.need
        min_staff = self.positions["min_staff"].fillna(0).to_numpy(dtype=float)
        small = (need < 0.5) & (self.staff > 0) & (min_staff <= 0)
        if not small.any():
            return []
        ids = [str(x) for x in self.position_index[small][:10]]
        more = f" and {int(small.sum()) - 10} more" if small.sum() > 10 else ""
        wke = self.policy.effective_hours
        return [
            f"{int(small.sum())} staffed position(s) need less than half an FTE (workload under "
            f"{0.5 * wke:g} h a year at WKE {wke:g} h): the balance objective moves their staff away "
            f"unless a min_staff keeps them: {', '.join(ids)}{more}"
        ]

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
    def jabatan_key(self) -> npt.NDArray[np.object_]:
        """Per position, what identifies its jabatan: the SIASN ``kode_jabatan`` when every
        position gives one, else the name with case and white space normalised
        (:func:`~asn_balance.model.domain.jabatan_keys`)."""
        pos = self.positions
        if "kode_jabatan" in pos.columns:
            kode = pos["kode_jabatan"].fillna("").astype(str).str.strip().to_numpy(dtype=object)
            if len(kode) and bool((kode != "").all()):
                return np.asarray("kode:" + kode.astype(str), dtype=object)
        return jabatan_keys(pos["jabatan"].to_numpy(dtype=object))

    @cached_property
    def workload(self) -> npt.NDArray[np.float64]:
        """Annual workload hours per position (from tasks where given)."""
        pol = self.policy
        factors = period_factors(pol.days_per_year, pol.weeks_per_year)
        return abk.workload_hours(self.positions, self.tasks, factors)

    @property
    def need(self) -> npt.NDArray[np.float64]:
        """Staff need (FTE) per position under the policy's effective hours."""
        return abk.need_fte(self.workload, self.policy.effective_hours)

    @cached_property
    def fte(self) -> npt.NDArray[np.float64]:
        """FTE of each employee: the ``fte`` column where given, else ``policy.part_time_fte``
        for a PPPK Paruh Waktu and 1.0 for everybody else."""
        emp = self.employees
        given = (
            pd.to_numeric(emp["fte"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if "fte" in emp.columns
            else np.full(len(emp), np.nan)
        )
        part_time = (emp["status"].astype(str) == PART_TIME).to_numpy(dtype=bool)
        default = np.where(part_time, float(self.policy.part_time_fte), 1.0)
        return np.where(np.isnan(given), default, given).astype(np.float64)

    @cached_property
    def staff(self) -> npt.NDArray[np.float64]:
        """Current staff per position in FTE (the sum of its employees' :attr:`fte`)."""
        staff = np.bincount(self.employee_position, weights=self.fte, minlength=len(self.positions))
        return np.asarray(staff, dtype=np.float64)

    @cached_property
    def headcount(self) -> npt.NDArray[np.int64]:
        """Current number of employees per position (heads, whatever their FTE)."""
        return np.bincount(self.employee_position, minlength=len(self.positions)).astype(np.int64)

    def staff_after(self, employee_idx: npt.ArrayLike, to_idx: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Staff per position in FTE after moving employees ``employee_idx[i]`` to ``to_idx[i]``.

        Parameters
        ----------
        employee_idx, to_idx : array-like of int
            Employee numbers and target position numbers of the moves (empty: no move).
        """
        # summed afresh in table order, as the staff before: the same floats for the same staffing
        where = self._positions_after(employee_idx, to_idx)
        staff = np.bincount(where, weights=self.fte, minlength=len(self.positions))
        return np.asarray(staff, dtype=np.float64)

    def headcount_after(self, employee_idx: npt.ArrayLike, to_idx: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Employees per position (heads) after the moves ``employee_idx[i] -> to_idx[i]``."""
        where = self._positions_after(employee_idx, to_idx)
        return np.bincount(where, minlength=len(self.positions)).astype(np.int64)

    def _positions_after(self, employee_idx: npt.ArrayLike, to_idx: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Each employee's position after the moves (an employee moved twice: the last move)."""
        where = self.employee_position.copy()
        where[np.asarray(employee_idx, dtype=np.int64)] = np.asarray(to_idx, dtype=np.int64)
        return where

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

    @cached_property
    def _fingerprint(self) -> tuple[str, dict[str, dict[str, int | str]]]:
        from .canonical import canonical_fingerprint

        return canonical_fingerprint(self.employees, self.positions, self.tasks, self.units)

    @property
    def input_sha256(self) -> str:
        """SHA-256 of the canonical validated tables
        (:func:`~asn_balance.model.canonical.canonical_hash`), computed once: the input's
        fingerprint, recorded by every plan and compared by :func:`asn_balance.check`."""
        return self._fingerprint[0]

    @property
    def input_tables(self) -> dict[str, dict[str, int | str]]:
        """Per table, ``{"rows": n, "sha256": h}``
        (:func:`~asn_balance.model.canonical.canonical_fingerprint`), so that a changed
        input can be told table by table."""
        return {name: dict(v) for name, v in self._fingerprint[1].items()}

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
                "headcount": self.headcount,
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
