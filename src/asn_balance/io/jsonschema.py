"""JSON Schemas of the input tables and of the plan, generated from pydantic models.

Two versioned schemas (JSON Schema draft 2020-12), for systems that embed the planner:

``input``
    :data:`INPUT_SCHEMA_ID`: the canonical JSON input document that
    :meth:`Problem.read <asn_balance.model.problem.Problem.read>` accepts, ``{"employees":
    [records], "positions": [...], "tasks": [...], "units": [...], "grade_codes": [...]}``,
    one model per table of :data:`asn_balance.model.tables.TABLES` and of the reference table
    :data:`~asn_balance.model.schema.GRADE_CODES` (canonical column names and spellings; extra
    columns allowed). The readers accept more than the schema (aliases, Indonesian
    spellings, decimal commas, column mappings, SIASN exports); a document valid against
    the schema is read without a type error. Cross-references (an employee's
    ``position_id`` in the positions table, ...) are beyond JSON Schema and are checked
    by validation.
``plan``
    :data:`PLAN_SCHEMA_ID`: the plan written by ``Result.write("plan.json")`` /
    :meth:`Result.to_dict <asn_balance.evaluate.result.Result.to_dict>` and ``asn-balance plan
    --out plan.json``: ``summary``, ``moves``, ``positions``, ``units`` and, when the
    positions give a competency standard, ``training`` and ``training_totals``.

The models are built from :data:`~asn_balance.model.tables.TABLES` and
:class:`~asn_balance.model.policy.Policy` at import, so they follow the code; the schemas are
also shipped as ``asn_balance/schemas/input-1.json`` and ``plan-1.json`` (a test checks
that they match). Print them with ``asn-balance schema input`` or ``asn-balance schema
plan``; regenerate the shipped files with ``python -m asn_balance.io.jsonschema``.

A change that makes a valid document invalid (a renamed or removed column, a narrower
type) takes a new version number, hence a new ``$id``; added optional columns or keys do
not.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, create_model

from ..evaluate.result import STATUSES
from ..model.domain import (
    EDUCATION_LEVELS,
    GRADES,
    JABATAN_LEVELS,
    JABATAN_RETIREMENT_AGE,
    PERIOD_FACTORS,
    PPPK_GRADES,
)
from ..model.domain import STATUSES as EMPLOYEE_STATUSES
from ..model.limits import DEFAULT_LIMITS
from ..model.policy import Policy
from ..model.schema import GRADE_CODES
from ..model.tables import TABLES, Column

__all__ = [
    "INPUT_SCHEMA_ID",
    "PLAN_SCHEMA_ID",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "InputDocument",
    "PlanDocument",
    "canonical_input",
    "schema",
    "schema_text",
    "shipped_schema",
    "write_schemas",
]

#: Version of both schemas (part of their ``$id`` and file names).
SCHEMA_VERSION: Final[int] = 1
_BASE: Final[str] = "https://asn-balance.example/schema"
#: ``$id`` of the input schema.
INPUT_SCHEMA_ID: Final[str] = f"{_BASE}/input-{SCHEMA_VERSION}.json"
#: ``$id`` of the plan schema.
PLAN_SCHEMA_ID: Final[str] = f"{_BASE}/plan-{SCHEMA_VERSION}.json"
_DRAFT: Final[str] = "https://json-schema.org/draft/2020-12/schema"

_NONBLANK = r"\S"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_NAME = r"[^:;=,|\s][^:;=,|]*"
_COMPETENCIES = rf"^$|^{_NAME}[:=] *[1-5](?: *[;,|] *{_NAME}[:=] *[1-5])*$"
_COVERAGE = rf"^$|^{_NAME}[:=] *[1-5] *[xX×] *[0-9]+(?: *[;,|] *{_NAME}[:=] *[1-5] *[xX×] *[0-9]+)*$"
_MAX_NUMBER = DEFAULT_LIMITS.max_abs_number
_GRADE_CHOICES = (*GRADES, *PPPK_GRADES, "")
_PNS_GRADE_CHOICES = (*GRADES, "")
_PPPK_GRADE_CHOICES = (*PPPK_GRADES, "")
_JABATAN_TYPE_CHOICES = (*JABATAN_RETIREMENT_AGE, "")
_JABATAN_LEVEL_CHOICES = (*JABATAN_LEVELS, "")
_EDUCATION_CHOICES = (*EDUCATION_LEVELS, "")


# --------------------------------------------------------------------------- input models


def _field_type(col: Column) -> tuple[Any, Any]:
    """The annotation and default of one canonical column in the input model."""
    lim = DEFAULT_LIMITS
    required = col.required
    desc = f"{col.kind}; aliases accepted by the readers: {', '.join(col.aliases) or '-'}"
    ann: Any
    if col.kind == "id":
        ann = Annotated[
            str,
            Field(min_length=1, max_length=lim.max_id_length, pattern=_NONBLANK)
            if col.nonblank
            else Field(max_length=lim.max_id_length),
        ]
    elif col.kind == "text":
        ann = Annotated[
            str,
            Field(min_length=1, max_length=lim.max_text_length, pattern=_NONBLANK)
            if col.nonblank
            else Field(max_length=lim.max_text_length),
        ]
    elif col.kind in ("float", "int"):
        lo, hi = col.bounds if col.bounds is not None else (0.0, _MAX_NUMBER)
        base = float if col.kind == "float" else int
        if base is int:
            ann = Annotated[int, Field(ge=int(lo), le=int(hi))]
        elif col.open_low:
            ann = Annotated[float, Field(gt=lo, le=hi, allow_inf_nan=False)]
        else:
            ann = Annotated[float, Field(ge=lo, le=hi, allow_inf_nan=False)]
    elif col.kind == "bool":
        ann = bool
    elif col.kind == "status":
        ann = Literal[EMPLOYEE_STATUSES]  # type: ignore[valid-type]
    elif col.kind == "grade":
        ann = Literal[_GRADE_CHOICES]  # type: ignore[valid-type]
    elif col.kind == "pns_grade":
        ann = Literal[_PNS_GRADE_CHOICES]  # type: ignore[valid-type]
    elif col.kind == "pppk_grade":
        ann = Literal[_PPPK_GRADE_CHOICES]  # type: ignore[valid-type]
    elif col.kind == "jabatan_type":
        ann = Literal[_JABATAN_TYPE_CHOICES]  # type: ignore[valid-type]
    elif col.kind == "jabatan_level":
        ann = Literal[_JABATAN_LEVEL_CHOICES]  # type: ignore[valid-type]
    elif col.kind == "education":
        ann = Literal[_EDUCATION_CHOICES]  # type: ignore[valid-type]
    elif col.kind == "period":
        ann = Literal[tuple(PERIOD_FACTORS)]  # type: ignore[valid-type]
    elif col.kind == "date":
        ann = Annotated[str, Field(pattern=rf"^$|{_DATE}", json_schema_extra={"format": "date"})]
    elif col.kind == "competencies":
        ann = Annotated[str, Field(pattern=_COMPETENCIES, max_length=lim.max_text_length)]
    elif col.kind == "coverage":
        ann = Annotated[str, Field(pattern=_COVERAGE, max_length=lim.max_text_length)]
    elif col.kind == "idlist":
        ann = Annotated[str, Field(max_length=lim.max_text_length)]
    else:  # pragma: no cover - every kind is listed above
        raise AssertionError(col.kind)
    if col.nonblank:
        return Annotated[ann, Field(description=desc)], ...
    # optional: absent, null or blank all mean the default
    return Annotated[ann | None, Field(description=desc)], (... if required else None)


def _table_model(name: str) -> type[BaseModel]:
    spec = TABLES.get(name, GRADE_CODES)
    fields: dict[str, Any] = {c.name: _field_type(c) for c in spec.columns}
    model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        "GradeCodeRow" if spec is GRADE_CODES else f"{name.capitalize()[:-1]}Row",
        __config__=ConfigDict(extra="allow", title=f"{name} row"),
        __doc__=f"One row of the {name} table (canonical columns; other columns are kept as extras).",
        **fields,
    )
    return model


EmployeeRow = _table_model("employees")
PositionRow = _table_model("positions")
TaskRow = _table_model("tasks")
UnitRow = _table_model("units")
GradeCodeRow = _table_model("grade_codes")


class InputDocument(BaseModel):
    """The input tables as one JSON document (``Problem.read("input.json")``)."""

    model_config = ConfigDict(extra="forbid", title="asn-balance input", populate_by_name=True)

    schema_: str | None = Field(None, alias="$schema", description="This schema's $id, optional.")
    employees: list[EmployeeRow] = Field(min_length=1, description="One record per employee.")  # type: ignore[valid-type]
    positions: list[PositionRow] = Field(  # type: ignore[valid-type]
        min_length=1, description="One record per position (unit x jabatan)."
    )
    tasks: list[TaskRow] | None = Field(  # type: ignore[valid-type]
        None, description="ABK tasks; a position with tasks takes its workload from them."
    )
    units: list[UnitRow] | None = Field(  # type: ignore[valid-type]
        None, description="Per-unit limits: max_moves_out, max_moves_in, coverage."
    )
    grade_codes: list[GradeCodeRow] | None = Field(  # type: ignore[valid-type]
        None,
        description="What the codes in the employees' grade mean (code, grade, status PNS or PPPK): "
        "an office's golongan reference, e.g. SIASN's golongan ids.",
    )


# --------------------------------------------------------------------------- plan models

_Band = Literal["A", "B", "C", "D", "E", "-"]
_Direction = Literal["kurang", "pas", "lebih"]
_Num = float | None  # NaN and infinities are written as null


class MoveRecord(BaseModel):
    """One move of the plan, with its reason in the chosen language and in both."""

    model_config = ConfigDict(extra="allow")

    employee_id: str
    name: str
    from_position: str
    to_position: str
    from_unit: str
    to_unit: str
    jabatan_from: str
    jabatan_to: str
    reason: str
    reason_id: str | None = None
    reason_en: str | None = None


class PositionRecord(BaseModel):
    """Workload, need, staff, EJ, band and direction of one position before and after."""

    model_config = ConfigDict(extra="allow")

    position_id: str
    unit_id: str
    unit_name: str
    jabatan: str
    workload_hours: _Num
    need_fte: _Num
    staff_before: float = Field(ge=0, description="Staff in FTE (PPPK Paruh Waktu count their fte).")
    staff_after: float = Field(ge=0, description="Staff in FTE after the plan.")
    headcount_before: int | None = Field(None, ge=0, description="Employees (heads) before the plan.")
    headcount_after: int | None = Field(None, ge=0, description="Employees (heads) after the plan.")
    gap_before: _Num
    gap_after: _Num
    ej_before: _Num
    ej_after: _Num
    band_before: _Band
    band_after: _Band
    direction_before: _Direction
    direction_after: _Direction


class UnitRecord(BaseModel):
    """The same per unit (EU instead of EJ)."""

    model_config = ConfigDict(extra="allow")

    unit_id: str
    unit_name: str | None
    workload_hours: _Num
    need_fte: _Num
    staff_before: float = Field(ge=0, description="Staff in FTE.")
    staff_after: float = Field(ge=0, description="Staff in FTE after the plan.")
    headcount_before: int | None = Field(None, ge=0, description="Employees (heads) before the plan.")
    headcount_after: int | None = Field(None, ge=0, description="Employees (heads) after the plan.")
    eu_before: _Num
    band_before: _Band
    direction_before: _Direction
    eu_after: _Num
    band_after: _Band
    direction_after: _Direction


class TrainingRecord(BaseModel):
    """A mover's competency below the target position's standard."""

    model_config = ConfigDict(extra="allow")

    employee_id: str
    name: str
    to_position: str
    to_unit: str
    competency: str
    level: int = Field(ge=0)
    standard: int = Field(ge=0)
    gap: int = Field(ge=0)


class TrainingTotal(BaseModel):
    """Training need per target unit and competency."""

    model_config = ConfigDict(extra="allow")

    unit_id: str
    competency: str
    people: int = Field(ge=0)
    levels: int = Field(ge=0)


class PlanPolicy(Policy):
    """The policy as run, with its plan date resolved."""

    model_config = ConfigDict(extra="allow", frozen=True, title="policy")


_Terms = dict[str, _Num]


class InputTable(BaseModel):
    """Rows and fingerprint of one input table (asn_balance.model.canonical.canonical_fingerprint)."""

    model_config = ConfigDict(extra="allow")

    rows: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the table's canonical lines.")


class PlanCheck(BaseModel):
    """The independent check of the plan right after the solve (CheckReport.verdict())."""

    model_config = ConfigDict(extra="allow")

    ok: bool = Field(description="No rule is violated.")
    violations: int | None = Field(None, ge=0)
    verified: bool = Field(
        description="The plan's claim holds: no violation, on the input and under the policy it records, "
        "with the objective it claims."
    )
    input_same: bool | None = None
    policy_same: bool | None = None
    objective_same: bool | None = None
    doubts: list[str] = Field(default_factory=list, description="Why the claim is not verified.")


class PlanSummary(BaseModel):
    """Key figures of the plan and everything needed to rerun it."""

    model_config = ConfigDict(extra="allow")

    status: Literal[STATUSES]  # type: ignore[valid-type]
    objective: _Num
    bound: _Num
    gap: _Num
    seconds: float = Field(description="Wall time of the run (timing: differs between reruns).")
    moves: int = Field(ge=0)
    balance_before: _Num
    balance_after: _Num
    balance: _Num
    employees: int = Field(ge=0)
    staff_fte: float | None = Field(None, ge=0, description="Staff in FTE before the plan.")
    positions: int = Field(ge=0)
    units: int = Field(ge=0)
    need_fte: _Num
    positions_under_staffed_before: int = Field(ge=0)
    positions_under_staffed_after: int = Field(ge=0)
    positions_over_staffed_before: int = Field(ge=0)
    positions_over_staffed_after: int = Field(ge=0)
    fte_short_before: float = Field(ge=0, description="Sum over positions of need - staff where short (FTE).")
    fte_short_after: float = Field(ge=0, description="The same after the plan.")
    fte_surplus_before: float = Field(ge=0, description="Sum over positions of staff - need where over.")
    fte_surplus_after: float = Field(ge=0, description="The same after the plan.")
    bands_before: dict[str, int]
    bands_after: dict[str, int]
    diagnosis: list[str]
    objective_terms: dict[str, _Terms]
    solver: str
    solver_seconds: float = Field(description="Seconds in the solver (timing).")
    input_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the canonical validated input tables (asn_balance.tables.canonical_hash).",
    )
    input_tables: dict[str, InputTable] | None = Field(
        None,
        description="Rows and SHA-256 per input table (employees, positions, tasks, units), to tell "
        "which table changed when input_sha256 differs; absent in plans of older versions.",
    )
    policy: PlanPolicy
    check: PlanCheck | None = Field(None, description="The independent check of a solved plan.")
    plan_date: str = Field(pattern=_DATE, json_schema_extra={"format": "date"})
    versions: dict[str, str]
    compile_seconds: float | None = Field(None, description="Seconds to compile the model (timing).")
    seed: int | None = None
    time_limit: float | None = None
    workers: int | None = Field(None, ge=1)
    deterministic: bool | None = None
    lang: Literal["id", "en"] | None = None
    solver_stats: dict[str, Any] = Field(default_factory=dict)


class PlanDocument(BaseModel):
    """A plan as written to JSON (``Result.to_dict()``)."""

    model_config = ConfigDict(extra="allow", title="asn-balance plan")

    summary: PlanSummary
    moves: list[MoveRecord]
    positions: list[PositionRecord]
    units: list[UnitRecord]
    training: list[TrainingRecord] | None = None
    training_totals: list[TrainingTotal] | None = None


# --------------------------------------------------------------------------- schemas

#: Schema name -> (model, ``$id``, description).
SCHEMAS: Final[dict[str, tuple[type[BaseModel], str, str]]] = {
    "input": (
        InputDocument,
        INPUT_SCHEMA_ID,
        "The canonical input tables of asn-balance as one JSON document (Problem.read).",
    ),
    "plan": (
        PlanDocument,
        PLAN_SCHEMA_ID,
        "A plan of asn-balance as written to JSON (Result.write, asn-balance plan --out plan.json).",
    ),
}


def schema(name: Literal["input", "plan"] | str) -> dict[str, Any]:
    """The JSON Schema ``input`` or ``plan``, generated from the models now.

    Parameters
    ----------
    name : {"input", "plan"}
        Which schema.

    Returns
    -------
    dict
        A JSON Schema (draft 2020-12) with ``$schema``, ``$id`` and ``version``.
    """
    if name not in SCHEMAS:
        raise ValueError(f"unknown schema {name!r}: expected one of {', '.join(SCHEMAS)}")
    model, sid, description = SCHEMAS[name]
    body = model.model_json_schema(by_alias=True, mode="validation")
    body.pop("description", None)
    out: dict[str, Any] = {
        "$schema": _DRAFT,
        "$id": sid,
        "title": body.pop("title", name),
        "description": description,
        "version": SCHEMA_VERSION,
    }
    out.update(body)
    return out


def schema_text(name: str) -> str:
    """The schema as the JSON text shipped and printed (indent 2, UTF-8, newline at the end)."""
    return json.dumps(schema(name), ensure_ascii=False, indent=2) + "\n"


def _file_name(name: str) -> str:
    return f"{name}-{SCHEMA_VERSION}.json"


def shipped_schema(name: str) -> dict[str, Any]:
    """The schema file shipped in the package (``asn_balance/schemas/<name>-1.json``)."""
    if name not in SCHEMAS:
        raise ValueError(f"unknown schema {name!r}: expected one of {', '.join(SCHEMAS)}")
    text = resources.files("asn_balance").joinpath("schemas").joinpath(_file_name(name)).read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def write_schemas(folder: str | Path | None = None) -> list[Path]:
    """Write every schema to ``folder`` (default: the package's ``schemas/``); returns the paths."""
    from .files import atomic_write_text

    target = Path(folder) if folder is not None else Path(__file__).parents[1] / "schemas"
    return [atomic_write_text(target / _file_name(name), schema_text(name)) for name in SCHEMAS]


# --------------------------------------------------------------------------- canonical input


def _plain_cell(v: Any, kind: str) -> Any:
    if kind == "date":
        return "" if pd.isna(v) else pd.Timestamp(v).date().isoformat()
    if kind in ("float", "int"):
        if v is None or pd.isna(v):
            return None
        f = float(v)
        return int(f) if kind == "int" or (f.is_integer() and abs(f) < 2**53) else f
    if kind == "bool":
        return bool(v)
    return "" if v is None else str(v)


def canonical_input(
    employees: pd.DataFrame,
    positions: pd.DataFrame,
    tasks: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Validated canonical tables as a JSON input document valid against the ``input`` schema.

    Only the canonical columns are written (extras and ``source_row`` are left out);
    blank numbers are ``null``, blank dates ``""``. Reading the document back with
    :meth:`Problem.read <asn_balance.model.problem.Problem.read>` gives the same canonical
    tables (and the same :func:`~asn_balance.model.tables.canonical_hash`).

    Parameters
    ----------
    employees, positions, tasks, units : DataFrame
        Canonical frames (``Problem.employees``, ...).
    """
    doc: dict[str, Any] = {"$schema": INPUT_SCHEMA_ID}
    frames = {"employees": employees, "positions": positions, "tasks": tasks, "units": units}
    for name, spec in TABLES.items():
        frame = frames[name]
        if frame is None or (name in ("tasks", "units") and not len(frame)):
            continue
        cols = {c.name: [_plain_cell(v, c.kind) for v in frame[c.name].tolist()] for c in spec.columns}
        doc[name] = [dict(zip(cols, row, strict=True)) for row in zip(*cols.values(), strict=True)]
    return doc


def _main(argv: list[str] | None = None) -> int:
    """``python -m asn_balance.io.jsonschema [FOLDER]``: write the schema files."""
    args = sys.argv[1:] if argv is None else argv
    for path in write_schemas(args[0] if args else None):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
