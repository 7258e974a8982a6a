"""Reading plans (a list of moves) back from the files ``asn-balance plan`` writes."""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..evaluate.result import Result
from ..model.errors import InputError, InputProblem
from ..model.readers import (
    _EXCEL,
    Source,
    _fail,
    _find_file,
    _json_frame,
    _key,
    _open_workbook,
    _read_csv,
    _read_json,
    _sheet_frame,
)
from ..model.tables import cells_of, normalise_header

__all__ = ["PlanDocument", "PlanSource", "read_plan", "read_plan_document"]

#: What :func:`read_plan_document` reads: a Result, a mapping (a plan's JSON) or a path.
PlanSource = Any

_PLAN_ALIASES: dict[str, str] = {
    "employee_id": "employee_id", "nip": "employee_id", "nip_baru": "employee_id",
    "nipbaru": "employee_id", "id_pegawai": "employee_id", "pegawai_id": "employee_id",
    "to_position": "to_position", "to_position_id": "to_position", "posisi_tujuan": "to_position",
    "id_posisi_tujuan": "to_position", "kode_posisi_tujuan": "to_position",
}  # fmt: skip


def read_plan(source: Source | pd.DataFrame | Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Read a plan (a list of moves) to check or apply.

    Parameters
    ----------
    source : path, DataFrame or mapping
        A ``.json`` file with a ``"moves"`` list of records (or a bare list), an
        ``.xlsx``/``.xlsm`` workbook with a ``moves`` sheet, a folder with ``moves.csv``,
        a single ``.csv`` file, a DataFrame, or a mapping with a ``"moves"`` frame.
        Headers are normalised; ``nip`` is accepted for ``employee_id`` and
        ``to_position_id``/``posisi_tujuan`` for ``to_position``.

    Returns
    -------
    DataFrame
        Columns ``employee_id`` and ``to_position`` (Python ``str``), one row per move,
        blank rows dropped, index ``0..n-1``.

    Raises
    ------
    InputError
        Rules ``missing_table``, ``unreadable_file``, ``missing_column``,
        ``duplicate_column``, ``missing_value`` or ``duplicate_id`` (an employee moved
        twice), table ``moves``.
    """
    raw: pd.DataFrame
    if isinstance(source, pd.DataFrame):
        raw = source
    elif isinstance(source, Mapping):
        key = _key(source, "moves")
        if key is None:
            raise _fail("moves", "missing_table", "the mapping has no 'moves' table")
        raw = source[key]
    else:
        path = Path(source)
        suffix = path.suffix.lower()
        if not path.exists():
            raise _fail("moves", "missing_table", f"{str(path)!r} does not exist", str(path))
        if path.is_dir():
            f = _find_file(path, "moves")
            if f is None:
                raise _fail(
                    "moves", "missing_table", f"moves.csv is missing in folder {str(path)!r}", str(path)
                )
            raw = _read_csv(f, "moves")
        elif suffix == ".csv":
            raw = _read_csv(path, "moves")
        elif suffix in _EXCEL:
            wb = _open_workbook(path, "moves")
            try:
                frame = _sheet_frame(wb, "moves")
            except Exception as exc:  # damaged sheet
                raise _fail(
                    "moves", "unreadable_file", f"cannot read {str(path)!r}: {exc}", str(path)
                ) from exc
            finally:
                with contextlib.suppress(Exception):
                    wb.close()
            if frame is None:
                raise _fail("moves", "missing_table", f"sheet 'moves' is missing in {str(path)!r}", str(path))
            raw = frame
        elif suffix == ".json":
            doc = _read_json(path, "moves")
            if isinstance(doc, Mapping):
                key = _key(doc, "moves")
                if key is None:
                    raise _fail(
                        "moves", "missing_table", f"key 'moves' is missing in {str(path)!r}", str(path)
                    )
                doc = doc[key]
            raw = _json_frame(doc, "moves", path)
        else:
            raise _fail(
                "moves",
                "unreadable_file",
                f"{str(path)!r}: expected .json, .xlsx, .csv or a folder",
                str(path),
            )
    return _plan_frame(raw)


def _plan_frame(raw: pd.DataFrame) -> pd.DataFrame:
    if len(raw) == 0 and len(raw.columns) == 0:  # a plan where nobody moves ("moves": [])
        raw = pd.DataFrame({"employee_id": pd.Series(dtype=object), "to_position": pd.Series(dtype=object)})
    problems: list[InputProblem] = []
    where: dict[str, int] = {}
    for j, label in enumerate(raw.columns):
        canon = _PLAN_ALIASES.get(normalise_header(label))
        if canon is None:
            continue
        if canon in where:
            first = str(raw.columns[where[canon]])
            problems.append(
                InputProblem(
                    "moves",
                    None,
                    canon,
                    str(label),
                    "duplicate_column",
                    f"columns {first!r} and {str(label)!r} both mean {canon}",
                )
            )
        else:
            where[canon] = j
    for name in ("employee_id", "to_position"):
        if name not in where:
            problems.append(
                InputProblem(
                    "moves", None, name, None, "missing_column", f"required column {name} is missing"
                )
            )
    if problems:
        raise InputError(problems)
    emp = cells_of(raw.iloc[:, where["employee_id"]])
    dst = cells_of(raw.iloc[:, where["to_position"]])
    rows = np.arange(len(raw)) + 2
    keep = ~(emp.blank & dst.blank)
    for name, c in (("employee_id", emp), ("to_position", dst)):
        for i in np.flatnonzero(keep & c.blank):
            problems.append(
                InputProblem("moves", int(rows[i]), name, None, "missing_value", f"{name} is blank")
            )
    ids = pd.Series(emp.text[keep], dtype=object)
    dup = ids.duplicated(keep="first").to_numpy(dtype=bool) & ~emp.blank[keep]
    for i in np.flatnonzero(dup):
        problems.append(
            InputProblem(
                "moves",
                int(rows[keep][i]),
                "employee_id",
                ids.iloc[i],
                "duplicate_id",
                f"employee {ids.iloc[i]!r} is moved more than once",
            )
        )
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise InputError(problems)
    plan: pd.DataFrame = pd.DataFrame(
        {
            "employee_id": pd.Series(emp.text[keep], dtype=object),
            "to_position": pd.Series(dst.text[keep], dtype=object),
        }
    )
    return plan


# --------------------------------------------------------------------------- reading plans


@dataclass
class PlanDocument:
    """A plan as read back: its summary dict and its moves, positions and units tables.

    Attributes
    ----------
    summary : dict
        The plan's summary (``Result.summary()``), possibly empty.
    moves : DataFrame
        At least ``employee_id`` and ``to_position`` (text).
    positions : DataFrame
        Per-position metrics (possibly empty).
    units : DataFrame
        Per-unit metrics (possibly empty).
    source : str
        Where the plan came from (a path, ``Result`` or ``dict``).
    """

    summary: dict[str, Any]
    moves: pd.DataFrame
    positions: pd.DataFrame
    units: pd.DataFrame
    source: str

    @property
    def policy(self) -> dict[str, Any]:
        """The policy the plan recorded (``summary["policy"]``), or ``{}``."""
        pol = self.summary.get("policy")
        return dict(pol) if isinstance(pol, Mapping) else {}


def _problem(source: str, message: str, rule: str = "unreadable_file") -> InputError:
    where = f"{source!r}: " if source not in ("Result", "dict") else ""
    return InputError([InputProblem("plan", None, None, source, rule, where + message)])


def _ids(s: pd.Series) -> pd.Series:
    """Ids as text; integral floats (as spreadsheets give them) without ``.0``."""

    def one(v: Any) -> Any:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v)

    return s.map(one).astype(object)


def _table(value: Any, name: str, source: str, required: tuple[str, ...] = ()) -> pd.DataFrame:
    if value is None:
        df = pd.DataFrame()
    elif isinstance(value, pd.DataFrame):
        df = value.copy()
    elif isinstance(value, list) and all(isinstance(r, Mapping) for r in value):
        df = pd.DataFrame(list(value))
    else:
        raise _problem(source, f"the plan's {name!r} is not a list of records", "invalid_plan")
    missing = [c for c in required if c not in df.columns]
    if missing and len(df):
        raise _problem(source, f"the plan's {name!r} lacks the columns {', '.join(missing)}", "invalid_plan")
    for c in missing:
        df[c] = pd.Series(dtype=object)
    for c in ("employee_id", "to_position", "from_position", "position_id", "unit_id"):
        if c in df.columns:
            df[c] = _ids(df[c])
    return df.reset_index(drop=True)


def _from_mapping(doc: Mapping[str, Any], source: str) -> PlanDocument:
    if "moves" not in doc:
        raise _problem(source, "not a plan: it has no 'moves' (expected the output of asn-balance plan)",
                       "invalid_plan")  # fmt: skip
    summary = doc.get("summary") or {}
    if not isinstance(summary, Mapping):
        raise _problem(source, "the plan's 'summary' is not a mapping", "invalid_plan")
    return PlanDocument(
        summary=dict(summary),
        moves=_table(doc["moves"], "moves", source, ("employee_id", "to_position")),
        positions=_table(doc.get("positions"), "positions", source, ("position_id",)),
        units=_table(doc.get("units"), "units", source),
        source=source,
    )


def _summary_value(text: Any) -> Any:
    """A value of the key/value summary sheet back to JSON types (see ``Result.to_frames``)."""
    if not isinstance(text, str):
        return None if isinstance(text, float) and math.isnan(text) else text
    special = {"None": None, "True": True, "False": False, "nan": None}
    if text in special:
        return special[text]
    try:
        return json.loads(text)
    except ValueError:
        return text


def _from_frames(frames: Mapping[str, pd.DataFrame], source: str) -> PlanDocument:
    doc: dict[str, Any] = {k: v for k, v in frames.items() if k != "summary"}
    summ = frames.get("summary")
    if summ is not None and {"key", "value"} <= set(summ.columns):
        doc["summary"] = {str(k): _summary_value(v) for k, v in zip(summ["key"], summ["value"], strict=True)}
    return _from_mapping(doc, source)


_TEXT_COLUMNS = {c: str for c in ("employee_id", "to_position", "from_position", "position_id", "unit_id",
                                  "key", "value")}  # fmt: skip


def _read_path(path: Path) -> PlanDocument:
    source = str(path)
    if not path.exists():
        raise _problem(source, "the plan file does not exist")
    suffix = path.suffix.lower()
    try:
        if path.is_dir():
            frames = {
                name: pd.read_csv(path / f"{name}.csv", dtype=_TEXT_COLUMNS, na_values=[""])
                for name in ("summary", "moves", "positions", "units")
                if (path / f"{name}.csv").is_file()
            }
            if "moves" not in frames:
                raise _problem(source, "the plan folder has no moves.csv", "invalid_plan")
            return _from_frames(frames, source)
        if suffix in (".xlsx", ".xlsm"):
            sheets = pd.read_excel(path, sheet_name=None, dtype=_TEXT_COLUMNS)
            if "moves" not in sheets:
                raise _problem(source, "the workbook has no 'moves' sheet", "invalid_plan")
            return _from_frames(sheets, source)
        if suffix == ".json":
            doc = json.loads(path.read_bytes().decode("utf-8-sig"))
        else:
            raise _problem(source, "expected a plan as .json, .xlsx or a folder of CSV files")
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as e:
        raise _problem(source, f"cannot read the plan: {e}") from None
    except Exception as e:  # a damaged workbook raises many kinds of errors
        raise _problem(source, f"cannot read the plan: {type(e).__name__}: {e}") from None
    if not isinstance(doc, Mapping):
        raise _problem(source, "not a plan: expected a JSON object with 'summary', 'moves' and 'positions'",
                       "invalid_plan")  # fmt: skip
    return _from_mapping(doc, source)


def read_plan_document(source: PlanSource | PlanDocument) -> PlanDocument:
    """Read a plan for comparison.

    Parameters
    ----------
    source : Result, mapping, path or PlanDocument
        A :class:`~asn_balance.evaluate.result.Result`, a dict as written by ``Result.to_dict()``
        (``summary``, ``moves``, ``positions``, ``units``), or a path to a plan written
        by ``Result.write`` / ``asn-balance plan --out`` (``.json``, ``.xlsx`` or a folder
        of CSV files).

    Raises
    ------
    InputError
        Table ``plan``, rule ``unreadable_file`` (missing, unreadable) or
        ``invalid_plan`` (not a plan), naming the file.
    """
    if isinstance(source, PlanDocument):
        return source
    if isinstance(source, Result):
        return PlanDocument(
            summary=source.summary(),
            moves=_table(source.moves, "moves", "Result", ("employee_id", "to_position")),
            positions=_table(source.positions, "positions", "Result", ("position_id",)),
            units=_table(source.units, "units", "Result"),
            source="Result",
        )
    if isinstance(source, Mapping):
        return _from_mapping(source, "dict")
    if isinstance(source, (str, PathLike)):
        return _read_path(Path(source))
    raise TypeError(f"cannot compare a {type(source).__name__}: expected a Result, a plan dict or a path")


# --------------------------------------------------------------------------- comparing
