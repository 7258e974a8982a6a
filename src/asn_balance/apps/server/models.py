"""The service's request and response models (pydantic) and the error bodies it sends."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...io.files import _plain
from ...model.errors import InputError, InputProblem
from ...model.policy import Policy

# --------------------------------------------------------------------------- request models

#: One JSON cell of an input table.
Cell = str | int | float | bool | None
#: A table: a list of records (one object per row), or an object of columns.
Table = list[dict[str, Cell]] | dict[str, list[Cell]]


class TablesIn(BaseModel):
    """The input tables, as in a ``.json`` document read by :meth:`Problem.read`, and a policy."""

    model_config = ConfigDict(extra="forbid")

    employees: Table = Field(description="The employees table (canonical or Indonesian column names).")
    positions: Table = Field(description="The positions table.")
    tasks: Table | None = Field(None, description="ABK task detail (optional).")
    units: Table | None = Field(None, description="Per-unit caps and coverage (optional).")
    grade_codes: Table | None = Field(
        None, description="What the codes in the employees' grade mean: code, grade, status (optional)."
    )
    policy: Policy | None = Field(None, description="Policy fields; omitted fields take their defaults.")


class PlanIn(TablesIn):
    """A planning job: the tables, the policy and solver options."""

    time_limit: float | None = Field(
        None, gt=0, le=86_400, description="Seconds for the side-constrained part (move budget path)."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Random seed of CP-SAT.")
    lang: Literal["id", "en"] = Field("id", description="Language of the move reasons.")
    deterministic: bool = Field(
        False, description="Search without wall-clock dependence: the same plan on any machine and load."
    )
    agency: str = Field(
        "default",
        min_length=1,
        max_length=200,
        description="The agency whose data this is: the tables are stored as its newest upload "
        "(open rounds of the agency on other data become stale).",
    )


class CheckIn(TablesIn):
    """A plan to check against the tables and the policy."""

    moves: list[dict[str, Cell]] = Field(
        description="One record per move with employee_id (or nip) and to_position (or posisi_tujuan)."
    )
    summary: dict[str, Any] | None = Field(
        None,
        description="The plan's summary as `asn-balance plan` writes it (its recorded policy, plan date, "
        "input_sha256 and input_tables): the plan is then checked under its recorded policy, with the "
        "policy fields given in `policy` on top, and on the input it records ([input_changed]).",
    )
    allow_changed_input: bool = Field(
        False,
        description="Check a plan whose input changed since it was made (and say so) instead of failing it.",
    )


class AbkIn(TablesIn):
    """Tables for the workload report (only the policy's effective_hours matters)."""


# --------------------------------------------------------------------------- response models


class ProblemOut(BaseModel):
    """One problem of the input: table, spreadsheet row (header = 1), column, value, rule."""

    table: str
    row: int | None = None
    column: str | None = None
    value: Any = None
    rule: str
    message: str


class ErrorOut(BaseModel):
    """An error: a sentence and, for bad input, every problem found."""

    detail: str
    problems: list[ProblemOut] = Field(default_factory=list)


class ProgressOut(BaseModel):
    """How far a solve has come."""

    elapsed: float = Field(description="Seconds since the solve started (0 while queued).")
    objective: float | None = Field(None, description="Best objective found so far.")
    bound: float | None = Field(None, description="Best proven lower bound so far.")
    gap: float | None = Field(None, description="(objective - bound) / max(|objective|, 1).")


class PlanOut(BaseModel):
    """A plan, as :meth:`asn_balance.Result.to_dict` gives it."""

    summary: dict[str, Any]
    moves: list[dict[str, Any]]
    positions: list[dict[str, Any]]
    units: list[dict[str, Any]]
    training: list[dict[str, Any]] | None = None
    training_totals: list[dict[str, Any]] | None = None


JobStatus = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]


class JobOut(BaseModel):
    """A planning job."""

    id: str
    status: JobStatus
    created: dt.datetime
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    progress: ProgressOut
    result: PlanOut | None = Field(None, description="The plan, when status is done.")
    error: ErrorOut | None = Field(
        None, description="Why the job failed, or was interrupted, when status is failed or interrupted."
    )
    agency: str | None = Field(None, description="The agency whose data was planned.")
    input_sha256: str | None = Field(None, description="Canonical hash of the input tables.")
    best: PlanOut | None = Field(
        None,
        description="The best checked plan the solve had reached when last saved while the job ran "
        "(the standing plan, then the search's better plans); kept when the job is interrupted.",
    )
    best_saved: dt.datetime | None = Field(None, description="When `best` was saved.")


class JobBrief(BaseModel):
    """A planning job without its plan."""

    id: str
    status: JobStatus
    created: dt.datetime


class ViolationOut(BaseModel):
    """One broken rule of a checked plan."""

    rule: str
    subject: str
    message: str


class StaffOut(BaseModel):
    """Need and staff of one position before and after a checked plan."""

    position_id: str
    need: float
    staff_before: float = Field(description="Staff in FTE.")
    staff_after: float = Field(description="Staff in FTE after the plan.")


class CheckOut(BaseModel):
    """The report of :func:`asn_balance.check`."""

    ok: bool
    moves: int
    balance_before: float
    balance: float
    objective: float
    terms: dict[str, float]
    violations: list[ViolationOut]
    positions: list[StaffOut]
    policy_differences: list[str] = Field(
        default_factory=list, description="Fields where the recorded policy and the one checked under differ."
    )
    input_changes: list[str] = Field(
        default_factory=list, description="What changed since the plan was made."
    )
    notes: list[str] = Field(default_factory=list)


class AbkRow(BaseModel):
    """One position of the workload report."""

    position_id: str
    unit_id: str
    unit_name: str
    jabatan: str
    workload_hours: float
    need_fte: float
    staff: float = Field(description="Staff in FTE (PPPK Paruh Waktu count their fte).")
    headcount: int | None = Field(None, description="Employees (heads).")
    gap_fte: float
    ej: float | None = Field(None, description="Efisiensi jabatan; null for a position without staff.")
    band: str
    direction: str


class AbkOut(BaseModel):
    """The workload report of the current staffing."""

    effective_hours: float
    workload_hours: float
    need_fte: float
    staff: float = Field(description="Staff in FTE.")
    balance: float
    positions: list[AbkRow]
    warnings: list[str]


class HealthOut(BaseModel):
    """Liveness and version."""

    status: Literal["ok"]
    version: str
    jobs: dict[str, int]


# --------------------------------------------------------------------------- error bodies


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _problem_out(p: InputProblem) -> dict[str, Any]:
    d = asdict(p)
    value = _plain(d["value"])
    d["value"] = value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
    return d


def _error(detail: str, problems: list[InputProblem] | None = None) -> dict[str, Any]:
    return {"detail": detail, "problems": [_problem_out(p) for p in problems or []]}


def _input_error_body(e: InputError) -> dict[str, Any]:
    n = len(e.problems)
    return _error(f"{n} problem{'s' if n != 1 else ''} in the input", e.problems)


_VIEW_FIELDS = ("id", "status", "created", "started", "finished")
_VIEW_TAIL = ("result", "error", "agency", "input_sha256", "best", "best_saved")


def job_view(job: Any, elapsed: float) -> dict[str, Any]:
    """A job as the API shows it, from a stored row or a job held in memory (the same fields)."""
    obj, bnd = job.objective, job.bound
    gap = None if obj is None or bnd is None else max(0.0, (obj - bnd) / max(abs(obj), 1.0))
    progress = {"elapsed": round(elapsed, 3), "objective": obj, "bound": bnd, "gap": gap}
    return {
        **{k: getattr(job, k) for k in _VIEW_FIELDS},
        "progress": progress,
        **{k: getattr(job, k) for k in _VIEW_TAIL},
    }
