"""Validation of the input tables: raw frames in, canonical typed frames or every problem out.

:func:`validate_tables` turns raw frames (all-text frames read from CSV or Excel, or
users' DataFrames with numeric and boolean dtypes) into canonical, typed frames
(:class:`Tables`), or raises :class:`~asn_balance.model.errors.InputError` listing *every*
problem at once.

Checks are vectorised over columns; Python code runs per *bad* cell only (to word the
problem) and per *distinct* value for the code lists (grades, education, ...).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .abk import workload_from_tasks
from .cells import BoolArray, ObjArray, _blank_mask, _Cells, _fullmatch, _isin, _map_unique, cells_of
from .convert import _check_length, _check_unique, _Collector, _convert, _ProblemList
from .domain import JABATAN_HINT, grade_rank, jabatan_kind, nip_problems
from .errors import InputError, InputProblem
from .grade_codes import _GradeCodes, grade_codes_of
from .idlist import idlist_entries
from .limits import DEFAULT_LIMITS, Limits
from .schema import _DATE_DTYPE, _TABLE_ORDER, GRADE_CODES, TABLES, TableSpec, normalise_header
from .siasn import _DERIVED_HINT, _derive, _derive_options, _DeriveOptions

__all__ = ["Tables", "validate_tables"]

_SCIENTIFIC = re.compile(r"^[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]+$")


def _no_units() -> pd.DataFrame:
    return _finish(_empty_checked(TABLES["units"], present=False))


def _no_grade_codes() -> pd.DataFrame:
    return _finish(_empty_checked(GRADE_CODES, present=False))


@dataclass(frozen=True, eq=False)
class Tables:
    """Validated canonical input tables.

    Attributes
    ----------
    employees, positions, tasks, units : pandas.DataFrame
        Canonical frames: the columns of :data:`~asn_balance.model.schema.TABLES` in order,
        then ``source_row`` (the spreadsheet row number, header = 1), then any extra input
        columns unchanged. ``tasks`` and ``units`` may be empty (with the canonical
        columns). ``units`` is a keyword-only argument.
    warnings : list of str
        Things worth telling the user that do not stop planning.
    grade_codes : pandas.DataFrame
        The reference table the employees' grades were read with (``code``, ``grade``,
        ``status`` of :data:`~asn_balance.model.schema.GRADE_CODES`, ``source_row``, extras);
        empty when none was given. Keyword-only.
    """

    employees: pd.DataFrame
    positions: pd.DataFrame
    tasks: pd.DataFrame
    units: pd.DataFrame = field(default_factory=_no_units, kw_only=True)
    warnings: list[str] = field(default_factory=list)
    grade_codes: pd.DataFrame = field(default_factory=_no_grade_codes, kw_only=True)

    def __repr__(self) -> str:
        return (
            f"Tables(employees={len(self.employees)} rows, positions={len(self.positions)} rows, "
            f"tasks={len(self.tasks)} rows, units={len(self.units)} rows, warnings={len(self.warnings)})"
        )


@dataclass
class _Checked:
    """One table after column-wise checks, before cross-references."""

    spec: TableSpec
    present: bool
    columns: dict[str, npt.NDArray[Any]]
    valid: dict[str, BoolArray]
    cells: dict[str, _Cells]
    rows: npt.NDArray[np.int64]
    extras: pd.DataFrame
    usable: set[str]  # canonical columns present once (safe to cross-reference)


def _empty_checked(spec: TableSpec, present: bool) -> _Checked:
    cols: dict[str, npt.NDArray[Any]] = {}
    for c in spec.columns:
        if c.kind == "float" or (c.kind == "int" and isinstance(c.default, float)):
            cols[c.name] = np.empty(0, dtype=np.float64)
        elif c.kind == "int":
            cols[c.name] = np.empty(0, dtype=np.int64)
        elif c.kind == "bool":
            cols[c.name] = np.empty(0, dtype=bool)
        elif c.kind == "date":
            cols[c.name] = np.empty(0, dtype=_DATE_DTYPE)
        else:
            cols[c.name] = np.empty(0, dtype=object)
    return _Checked(
        spec, present, cols, {}, {}, np.empty(0, dtype=np.int64), pd.DataFrame(index=pd.RangeIndex(0)),
        set(spec.names),
    )  # fmt: skip


def _check_table(
    spec: TableSpec,
    raw: object,
    problems: list[InputProblem],
    warnings: list[str],
    limits: Limits = DEFAULT_LIMITS,
    derive: _DeriveOptions | None = None,
    codes: _GradeCodes | None = None,
) -> _Checked:
    out = _Collector(spec.name, problems)
    if raw is None:
        if spec.required:
            out.add(None, None, None, "missing_table", f"the {spec.name} table is missing")
        return _empty_checked(spec, present=False)
    if not isinstance(raw, pd.DataFrame):
        out.add(None, None, type(raw).__name__, "missing_table",
                f"the {spec.name} table must be a pandas DataFrame")  # fmt: skip
        return _empty_checked(spec, present=False)
    if raw.shape[1] == 0:  # e.g. an empty CSV file: nothing to say about columns
        if spec.required:
            out.add(None, None, None, "empty_table", f"the {spec.name} table has no rows")
        return _empty_checked(spec, present=False)
    if raw.shape[1] > limits.max_columns:
        out.add(None, None, raw.shape[1], "too_many_columns",
                f"the {spec.name} table has {raw.shape[1]} columns, more than {limits.max_columns} "
                "(Limits.max_columns)")  # fmt: skip
        return _empty_checked(spec, present=False)
    if len(raw) > limits.max_rows:
        out.add(None, None, len(raw), "too_many_rows",
                f"the {spec.name} table has {len(raw)} rows, more than {limits.max_rows} "
                "(Limits.max_rows)")  # fmt: skip
        return _empty_checked(spec, present=False)
    first_problem = len(problems)
    suppress: set[tuple[int, str]] = set()  # (row, column): missing_value there follows from another

    # Headers -> canonical columns (positions in the input frame).
    hmap = spec.header_map
    where: dict[str, list[int]] = {}
    extra_pos: list[int] = []
    norms: list[str] = []
    for j, label in enumerate(raw.columns):
        text = str(label)
        if len(text) > limits.max_text_length:
            out.add(None, None, text, "text_too_long",
                    f"a header is longer than {limits.max_text_length} characters "
                    "(Limits.max_text_length)")  # fmt: skip
            norms.append("")
            extra_pos.append(j)
            continue
        norm = normalise_header(label)
        norms.append(norm)
        canon = hmap.get(norm)
        if canon is not None:
            where.setdefault(canon, []).append(j)
        elif norm != "source_row":
            extra_pos.append(j)
    for canon, pos in where.items():
        first_label = str(raw.columns[pos[0]])
        for j in pos[1:]:
            label = str(raw.columns[j])
            out.add(None, canon, label, "duplicate_column",
                    f"columns {first_label!r} and {label!r} both mean {canon}")  # fmt: skip

    # Columns made from others (SIASN exports): position_id from unit and jabatan,
    # months_in_position from tmt_jabatan at the plan date.
    derived = _derive(spec, raw, norms, where, derive if derive is not None else _DeriveOptions())
    sources = {j for d in derived.values() for _, j in d.sources}
    sources |= {j for d in derived.values() for j in d.used}
    missing = [c.name for c in spec.columns if c.required and c.name not in where and c.name not in derived]
    for c in spec.columns:
        if c.name in missing:
            names = ", ".join((c.name, *c.aliases))
            hint = _DERIVED_HINT.get((spec.name, c.name), "")
            out.add(None, c.name, None, "missing_column",
                    f"required column {c.name} is missing (accepted headers: {names}){hint}")  # fmt: skip

    # Read every used column once; drop empty rows, keep spreadsheet row numbers.
    n_raw = len(raw)
    full: dict[str, _Cells] = {c: cells_of(raw.iloc[:, pos[0]]) for c, pos in where.items()}
    used = {pos[0] for pos in where.values()}
    blank_all = np.ones(n_raw, dtype=bool)
    for cells in full.values():
        blank_all &= cells.blank
    for j in range(raw.shape[1]):
        if j not in used:
            blank_all &= _blank_mask(raw.iloc[:, j])
    full.update({name: d.cells for name, d in derived.items()})
    keep = ~blank_all if raw.shape[1] else np.zeros(n_raw, dtype=bool)
    idx = np.flatnonzero(keep)
    rows = (idx + 2).astype(np.int64)
    usable = {c for c in spec.names if len(where.get(c, [])) == 1 or c in derived}
    if not len(idx):
        if spec.required:
            out.add(None, None, None, "empty_table", f"the {spec.name} table has no rows")
        checked = _empty_checked(spec, present=True)
        checked.usable = usable
        checked.extras = raw.iloc[idx, extra_pos].reset_index(drop=True)
        return checked
    for name, d in derived.items():
        d.report(name, idx, rows, out, suppress, warnings, spec.name)

    columns: dict[str, npt.NDArray[Any]] = {}
    valid: dict[str, BoolArray] = {}
    all_cells: dict[str, _Cells] = {}
    for c in spec.columns:
        if c.name not in full:
            continue
        cells = full[c.name].take(idx)
        if codes and c.name == "grade" and spec.name == "employees":  # an office's codes (grade_codes)
            status = full["status"].take(idx) if "status" in full else None
            cells = codes.apply(cells, status, rows, out, warnings)
        long_id = limits.max_id_length + 1 + limits.max_text_length if c.name in derived else None
        _check_length(c, cells, rows, out, limits, suppress, long_id)
        all_cells[c.name] = cells
        columns[c.name], valid[c.name] = _convert(c, cells, rows, out, limits)
        if c.unique:
            _check_unique(c.name, cells, rows, out)
        if spec.name == "employees" and c.name == "employee_id":  # an id of 18 digits is a NIP
            nips = nip_problems(cells.text, only_18_digits=True)
            for i in np.flatnonzero(pd.notna(nips)):
                out.add(int(rows[i]), c.name, cells.raw[i], "invalid_nip", str(nips[i]))
        if spec.name == "employees" and c.name in _NIP_COLUMNS:
            _nip_numbers(c.name, cells, rows, out)  # each such cell is an error, not a warning
        elif c.kind == "id" and cells.from_float and (~cells.blank).any():
            warnings.append(
                f"{spec.name}: column {c.name} was read as numbers; long ids such as 18-digit NIPs may "
                "have lost digits, read the file as text"
            )
        elif c.kind == "id":
            sci = _fullmatch(cells, _SCIENTIFIC, needs="eE")
            if sci.any():
                warnings.append(
                    f"{spec.name}: {int(sci.sum())} value(s) of {c.name} look like numbers in scientific "
                    f"notation (e.g. {cells.text[np.flatnonzero(sci)[0]]!r}); digits were lost when the "
                    "file was saved, format the column as text"
                )
    unused = [j for j in extra_pos if j not in sources]
    if unused:
        shown = ", ".join(repr(_short(str(raw.columns[j]))) for j in unused[:20])
        more = f" and {len(unused) - 20} more" if len(unused) > 20 else ""
        warnings.append(f"{spec.name}: extra column(s) {shown}{more} kept but not used")
    if suppress:
        kept = [
            p for p in problems[first_problem:]
            if not (p.rule == "missing_value" and p.row is not None and (p.row, p.column or "") in suppress)
        ]  # fmt: skip
        del problems[first_problem:]
        problems.extend(kept)
    extras = raw.iloc[idx, extra_pos].reset_index(drop=True)
    return _Checked(spec, True, columns, valid, all_cells, rows, extras, usable)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _finish(ch: _Checked) -> pd.DataFrame:
    """Assemble the canonical frame: canonical columns, ``source_row``, extras."""
    n = len(ch.rows)
    data: dict[str, pd.Series] = {}
    empty = _empty_checked(ch.spec, present=False).columns
    for c in ch.spec.columns:
        if c.name in ch.columns:
            vals = ch.columns[c.name]
        elif c.kind in ("float", "int", "bool", "date"):
            vals = np.full(n, c.default, dtype=empty[c.name].dtype)
        else:
            vals = np.full(n, c.default, dtype=object)
        data[c.name] = pd.Series(vals, dtype=empty[c.name].dtype, copy=False)
    data["source_row"] = pd.Series(ch.rows, dtype=np.int64, copy=False)
    # the arrays are this validation's own: a column each, not copied into one block
    frame = pd.DataFrame(data, copy=False)
    if ch.extras.shape[1]:
        frame = pd.concat([frame, ch.extras.reset_index(drop=True)], axis=1)
    out: pd.DataFrame = frame
    return out


def validate_tables(
    raw: Mapping[str, pd.DataFrame | None],
    *,
    limits: Limits | None = None,
    plan_date: _dt.date | None = None,
) -> Tables:
    """Check raw input frames and return canonical typed tables.

    Parameters
    ----------
    raw : mapping of str to DataFrame or None
        ``employees``, ``positions`` and optionally ``tasks``, ``units`` and
        ``grade_codes`` (other keys are ignored; keys are matched case-insensitively).
        ``grade_codes`` (:data:`~asn_balance.model.schema.GRADE_CODES`) says what the codes
        in the employees' ``grade`` mean (:mod:`~asn_balance.model.grade_codes`). Frames
        may be all-text (as read from CSV or Excel) or have numeric, boolean and datetime
        dtypes. They are never modified.
    limits : Limits, optional
        Limits on rows, columns, cell lengths and numbers (default :class:`Limits()
        <asn_balance.model.limits.Limits>`).
    plan_date : date, optional
        The date at which ``months_in_position`` is counted when it is made from
        ``tmt_jabatan`` (SIASN ``tmtJabatan``); ``None``: today.

    Returns
    -------
    Tables
        Canonical frames (see :data:`~asn_balance.model.schema.TABLES`) with ``source_row``
        and extra columns, and warnings.

    Raises
    ------
    InputError
        Listing every problem found in all tables and rows, each with table, spreadsheet
        row (header = 1), column, value and rule.
    """
    lim = limits if limits is not None else DEFAULT_LIMITS
    given = {normalise_header(k): v for k, v in raw.items()}
    problems = _ProblemList(lim.max_problems)
    warnings: list[str] = []
    derive = _derive_options(given, plan_date)
    warnings += derive.notes
    gc = _check_table(GRADE_CODES, given.get("grade_codes"), problems, warnings, lim, derive)
    codes = _grade_codes(gc, _Collector("grade_codes", problems))
    checked = {
        name: _check_table(spec, given.get(name), problems, warnings, lim, derive, codes)
        for name, spec in TABLES.items()
    }
    emp, pos, tsk, uni = checked["employees"], checked["positions"], checked["tasks"], checked["units"]

    # Cross-references, only against usable reference data.
    pos_ids = _usable_ids(pos, "position_id")
    unit_ids = _usable_ids(pos, "unit_id")
    if pos_ids is not None:
        for ch in (emp, tsk):
            if "position_id" in ch.cells:
                _check_known(ch, pos_ids, _Collector(ch.spec.name, problems))
    if pos_ids is not None and unit_ids is not None and "preferences" in emp.columns:
        _check_preferences(emp, np.concatenate([pos_ids, unit_ids]), _Collector("employees", problems))
    if "spouse_id" in emp.cells and "employee_id" in emp.usable and "employee_id" in emp.cells:
        _check_spouses(emp, _Collector("employees", problems))
    if unit_ids is not None and "unit_id" in uni.cells:
        cells = uni.cells["unit_id"]
        _Collector("units", problems).cells(
            ~cells.blank & ~cells.isin(unit_ids), uni.rows, "unit_id", cells.raw, "unknown_unit",
            lambda i: f"unit_id {cells.text[i]!r} is not a unit_id of the positions table",
        )  # fmt: skip
    tasks_usable = not tsk.present or "position_id" in tsk.usable
    if pos.present and "position_id" in pos.cells and tasks_usable:
        n = len(pos.rows)
        wl_blank = pos.cells["workload_hours"].blank if "workload_hours" in pos.cells else np.ones(n, bool)
        with_tasks = tsk.cells["position_id"].text if "position_id" in tsk.cells else np.empty(0, object)
        pid = pos.cells["position_id"]
        no_wl = wl_blank & ~pid.blank & ~pid.isin(with_tasks)
        _Collector("positions", problems).cells(
            no_wl, pos.rows, "workload_hours", np.full(n, None, dtype=object), "missing_workload",
            lambda i: f"position {pid.text[i]!r} has no workload_hours and no rows in the tasks table",
        )  # fmt: skip
    if pos.present:
        _check_ranges(pos, _Collector("positions", problems))
        _check_workload(pos, tsk, lim, _Collector("positions", problems))
    if "workload_hours" in pos.cells and "position_id" in tsk.cells and "position_id" in pos.cells:
        pid = pos.cells["position_id"]
        both = ~pos.cells["workload_hours"].blank & _isin(pid.text, tsk.cells["position_id"].text)
        if both.any():
            warnings.append(
                f"positions: {int(both.sum())} position(s) have both workload_hours and tasks "
                f"(e.g. {pid.text[np.flatnonzero(both)[0]]!r}); their workload is taken from the tasks"
            )

    if problems:
        specs = {**TABLES, GRADE_CODES.name: GRADE_CODES}
        order = {t: {c: k for k, c in enumerate(s.names)} for t, s in specs.items()}
        problems.sort(
            key=lambda p: (
                _TABLE_ORDER.get(p.table, len(_TABLE_ORDER)),
                -1 if p.row is None else p.row,
                order.get(p.table, {}).get(p.column or "", -1),
            )
        )
        listed: list[InputProblem] = list(problems)
        if problems.overflow:
            listed.append(
                InputProblem(
                    "input", None, None, problems.overflow + len(problems), "too_many_problems",
                    f"{problems.overflow} more problem(s) not listed: only the first {problems.cap} "
                    "are (Limits.max_problems)",
                )
            )  # fmt: skip
        raise InputError(listed)

    positions = _finish(pos)
    blank_name = positions["unit_name"] == ""
    if blank_name.any():
        positions["unit_name"] = positions["unit_name"].where(~blank_name, positions["unit_id"])
    units = _finish(uni)
    blank_name = units["unit_name"] == ""
    if blank_name.any():  # the unit's name in the positions table
        names = positions.drop_duplicates("unit_id").set_index("unit_id")["unit_name"]
        units["unit_name"] = units["unit_name"].where(~blank_name, units["unit_id"].map(names))
    return Tables(
        _finish(emp), positions, _finish(tsk), units=units, warnings=warnings, grade_codes=_finish(gc)
    )


def _grade_codes(gc: _Checked, out: _Collector) -> _GradeCodes:
    """The usable codes of the ``grade_codes`` table (:func:`~.grade_codes.grade_codes_of`)."""
    if not gc.present or not len(gc.rows) or "code" not in gc.cells or "grade" not in gc.columns:
        return _GradeCodes()
    has_status = "status" in gc.columns
    return grade_codes_of(
        gc.cells["code"], gc.columns["grade"], gc.valid["grade"],
        gc.columns["status"] if has_status else None, gc.valid["status"] if has_status else None,
        gc.cells["status"].raw if has_status else None, gc.rows, out,
    )  # fmt: skip


#: Employee columns that hold NIPs: 18 digits, more than a spreadsheet number keeps.
_NIP_COLUMNS: Final[frozenset[str]] = frozenset({"employee_id", "spouse_id"})


def _nip_numbers(name: str, cells: _Cells, rows: npt.NDArray[np.int64], out: _Collector) -> None:
    """NIPs a spreadsheet stored as numbers, digits lost (``1.98507...e+17``): an error per cell
    (``nip_as_number``) naming the fix."""
    lost = _fullmatch(cells, _SCIENTIFIC, needs="eE") & ~cells.blank
    if cells.num is not None and cells.from_float:  # an int64 column keeps all 18 digits
        with np.errstate(invalid="ignore"):
            lost |= np.isfinite(cells.num) & (np.abs(cells.num) >= 2.0**53) & ~cells.blank
    out.cells(
        lost, rows, name, cells.raw, "nip_as_number",
        lambda i: f"{cells.text[i]!r} is a NIP stored as a number: a spreadsheet keeps 15 digits, so the "
        "last digits of the 18 are lost; format the column as text (Excel: Format Cells > Text) and "
        "type the NIPs again, or export them as text",
    )  # fmt: skip


def _check_workload(pos: _Checked, tsk: _Checked, limits: Limits, out: _Collector) -> None:
    """A position's yearly workload, given or from its tasks, is at most ``max_workload_hours``."""
    if "position_id" not in pos.cells or not len(pos.rows):
        return
    n = len(pos.rows)
    hours = np.zeros(n)
    given = pos.columns.get("workload_hours")
    if given is not None:
        hours = np.where(np.isnan(given), 0.0, given)
    if tsk.present and len(tsk.rows) and all(c in tsk.columns for c in ("volume", "period", "norm_minutes")):
        rows = pd.DataFrame(
            {
                "position_id": np.asarray(tsk.cells["position_id"].text, dtype=object),
                **{c: tsk.columns[c] for c in ("volume", "period", "norm_minutes")},
            }
        )
        from_tasks = workload_from_tasks(rows, pd.Index(pos.cells["position_id"].text, dtype=object))
        hours = np.where(np.isnan(from_tasks), hours, from_tasks)
    big = ~np.isfinite(hours) | (hours > limits.max_workload_hours)
    out.cells(
        big, pos.rows, "workload_hours", hours.astype(object), "value_too_large",
        lambda i: f"the workload of position {pos.cells['position_id'].text[i]!r} is {hours[i]:.4g} "
        f"hours a year, above {limits.max_workload_hours:g} (Limits.max_workload_hours)",
    )  # fmt: skip


def _usable_ids(ch: _Checked, column: str) -> ObjArray | None:
    """The filled values of an id column that may be cross-referenced, else ``None``."""
    if column not in ch.usable or column not in ch.cells:
        return None
    cells = ch.cells[column]
    ids: ObjArray = cells.text[~cells.blank]
    return ids


def _check_preferences(emp: _Checked, known: ObjArray, out: _Collector) -> None:
    """Every entry of ``preferences`` is a position_id or unit_id (rule ``unknown_preference``)."""
    canon = emp.columns["preferences"]
    entries = idlist_entries(canon)
    bad = entries[~_isin(entries["entry"].to_numpy(dtype=object), known)]
    if bad.empty:
        return
    by_row = bad.groupby("row", sort=True)["entry"].agg(list)
    mask = np.zeros(len(canon), dtype=bool)
    mask[by_row.index.to_numpy()] = True
    unknown = dict(zip(by_row.index.tolist(), by_row.tolist(), strict=True))

    def message(i: int) -> str:
        names = ", ".join(repr(e) for e in unknown[i])
        verb = "is" if len(unknown[i]) == 1 else "are"
        return f"preferences: {names} {verb} neither a position_id nor a unit_id of the positions table"

    out.cells(mask, emp.rows, "preferences", emp.cells["preferences"].raw, "unknown_preference", message)


def _check_spouses(emp: _Checked, out: _Collector) -> None:
    """``spouse_id`` names another known employee who names nobody else.

    Rules ``unknown_spouse`` (not an employee_id) and ``invalid_spouse`` (the employee's
    own id, or the named spouse gives another non-blank spouse_id, reported on the row
    that names them). A blank spouse_id of the named spouse is fine: a link counts both
    ways. Several employees may name the same spouse when that one leaves it blank.
    """
    own, spouse = emp.cells["employee_id"], emp.cells["spouse_id"]
    filled = ~spouse.blank
    itself = filled & ~own.blank & (spouse.text == own.text)
    out.cells(itself, emp.rows, "spouse_id", spouse.raw, "invalid_spouse",
              "spouse_id is the employee's own employee_id")  # fmt: skip
    first = ~own.blank & ~pd.Series(own.text, dtype=object).duplicated().to_numpy(dtype=bool)
    at = pd.Index(own.text[first]).get_indexer(pd.Index(spouse.text, dtype=object))
    unknown = filled & (at < 0)
    out.cells(
        unknown, emp.rows, "spouse_id", spouse.raw, "unknown_spouse",
        lambda i: f"spouse_id {spouse.text[i]!r} is not an employee_id of the employees table",
    )  # fmt: skip
    # the named spouse's own link, where it is itself valid (no follow-up problems)
    linked = filled & ~itself & ~unknown
    if not linked.any():
        return
    theirs = np.full(len(at), "", dtype=object)
    theirs[linked] = spouse.text[first][at[linked]]
    other = linked & linked[first][np.maximum(at, 0)] & (theirs != own.text)
    out.cells(
        other, emp.rows, "spouse_id", spouse.raw, "invalid_spouse",
        lambda i: f"employee {spouse.text[i]!r} gives spouse_id {theirs[i]!r}, not {own.text[i]!r}",
    )  # fmt: skip


def _check_known(ch: _Checked, known: ObjArray, out: _Collector) -> None:
    """Every ``position_id`` of ``ch`` is one of ``known`` (rule ``unknown_position``)."""
    cells = ch.cells["position_id"]
    unknown = ~cells.blank & ~cells.isin(known)
    out.cells(unknown, ch.rows, "position_id", cells.raw, "unknown_position",
              lambda i: f"position_id {cells.text[i]!r} is not in the positions table")  # fmt: skip


def _check_ranges(pos: _Checked, out: _Collector) -> None:
    """``min_staff <= max_staff``, ``min_grade <= max_grade`` (and the same of the PPPK
    bounds) where both are valid, and ``jabatan_type`` with ``jabatan_level`` (:func:`_check_jabatan`)."""
    cols, valid, rows = pos.columns, pos.valid, pos.rows
    if "min_staff" in valid and "max_staff" in valid:
        lo = np.asarray(cols["min_staff"], dtype=float)
        hi = np.asarray(cols["max_staff"], dtype=float)
        both = valid["min_staff"] & valid["max_staff"] & ~np.isnan(hi)
        bad = both & (lo > np.where(both, hi, np.inf))
        out.cells(bad, rows, "min_staff", pos.cells["min_staff"].raw, "min_above_max",
                  lambda i: f"min_staff {lo[i]:g} is above max_staff {hi[i]:g}")  # fmt: skip
    for low, high in (("min_grade", "max_grade"), ("min_grade_pppk", "max_grade_pppk")):  # one scale each
        if low not in valid or high not in valid:
            continue
        gmin, gmax = cols[low], cols[high]
        both = valid[low] & valid[high] & (gmin != "") & (gmax != "")
        if both.any():
            rmin = _map_unique(np.where(both, gmin, "I/a").astype(object), grade_rank)
            rmax = _map_unique(np.where(both, gmax, "I/a").astype(object), grade_rank)
            bad = both & (rmin.astype(int) > rmax.astype(int))

            def message(i: int, lo: ObjArray = gmin, hi: ObjArray = gmax, a: str = low, b: str = high) -> str:
                return f"{a} {lo[i]} is above {b} {hi[i]}"

            out.cells(bad, rows, low, pos.cells[low].raw, "min_above_max", message)
    _check_jabatan(pos, out)


def _check_jabatan(pos: _Checked, out: _Collector) -> None:
    """A ``jabatan_level`` fits the ``jabatan_type`` beside it (rule ``invalid_jabatan_type``):
    ``JF Ahli Muda`` with jenjang ``Ahli Madya`` or ``Pelaksana`` with ``Pratama`` is an error."""
    cols, valid = pos.columns, pos.valid
    if "jabatan_type" not in valid or "jabatan_level" not in valid:
        return
    kind, level = cols["jabatan_type"], cols["jabatan_level"]
    both = valid["jabatan_type"] & valid["jabatan_level"] & (kind != "") & (level != "")
    if not both.any():
        return
    pairs = np.where(both, kind + "\x1f" + level, "").astype(object)
    fits = _map_unique(pairs, lambda t: not t or jabatan_kind(*t.split("\x1f")) is not None).astype(bool)
    out.cells(
        both & ~fits, pos.rows, "jabatan_level", pos.cells["jabatan_level"].raw, "invalid_jabatan_type",
        lambda i: f"jabatan_level {level[i]!r} does not fit jabatan_type {kind[i]!r}: give the jenjang of "
        f"that jenis jabatan ({JABATAN_HINT})",
    )  # fmt: skip
