"""Five-year (horizon) plans read back from every form ``asn-balance horizon --out`` writes.

:func:`asn_balance.io.horizon.read_horizon` reads the JSON document; this module adds the
workbook (``summary`` sheet of keys and values, one ``round_<t>`` sheet per round with the
``moves``, ``hires``, ``retirements`` and ``positions`` tables one below the other), a folder
holding either, the recognition of a horizon plan among plan files
(:func:`is_horizon_plan`), and the document turned back into a
:class:`~asn_balance.evaluate.horizon.HorizonResult` (:func:`horizon_from_document`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from ..evaluate.horizon import HorizonResult, HorizonRound
from ..model.errors import InputError, InputProblem
from .horizon import read_horizon

__all__ = ["horizon_from_document", "is_horizon_plan", "read_horizon_plan"]

#: The tables of a round sheet, in the order the workbook holds them.
_ROUND_TABLES = ("moves", "hires", "retirements", "positions")
_COLUMNS = {
    "moves": ["employee_id", "from_position", "to_position", "reason"],
    "hires": ["position_id", "unit_id", "jabatan", "count"],
    "retirements": ["position_id", "count", "employee_ids"],
    "positions": ["position_id", "unit_id", "jabatan", "need", "staff", "gap", "ej", "band", "direction"],
    "formasi": [
        "round", "date", "unit_id", "unit_name", "position_id", "jabatan", "count", "min_education",
        "entry_grade",
    ],
}  # fmt: skip


def _problem(path: Path | str, message: str) -> InputError:
    return InputError([InputProblem("plan", None, None, str(path), "invalid_plan", message)])


def _workbook_is_horizon(path: Path) -> bool:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True)
    except Exception:  # not a workbook openpyxl reads: not a horizon plan
        return False
    try:
        return "summary" in wb.sheetnames and "round_0" in wb.sheetnames
    finally:
        wb.close()


def is_horizon_plan(source: str | PathLike[str] | Mapping[str, Any] | HorizonResult) -> bool:
    """Whether ``source`` is a five-year plan rather than a plan of one round.

    A :class:`~asn_balance.evaluate.horizon.HorizonResult`, a mapping with ``summary`` and a
    ``rounds`` list, a ``.json`` file holding one, an ``.xlsx`` workbook with the sheets
    ``summary`` and ``round_0``, or a folder with such a ``plan.json`` or ``plan.xlsx``. Files
    that cannot be read are not horizon plans (their reader reports them).
    """
    if isinstance(source, HorizonResult):
        return True
    if isinstance(source, Mapping):
        return isinstance(source.get("rounds"), list) and "summary" in source
    p = Path(source)
    if p.is_dir():
        return any(is_horizon_plan(p / name) for name in ("plan.json", "plan.xlsx") if (p / name).is_file())
    suffix = p.suffix.lower()
    if suffix == ".json" and p.is_file():
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(doc, dict) and isinstance(doc.get("rounds"), list) and "summary" in doc
    if suffix in (".xlsx", ".xlsm") and p.is_file():
        return _workbook_is_horizon(p)
    return False


def _cell(v: Any) -> Any:
    if isinstance(v, (dt.datetime, dt.date)):
        return v.date().isoformat() if isinstance(v, dt.datetime) else v.isoformat()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _summary_value(v: Any) -> Any:
    """A summary cell: lists and dicts were written as JSON text."""
    if isinstance(v, str) and v[:1] in ("[", "{"):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return _cell(v)


def _round_tables(rows: list[tuple[Any, ...]], where: str) -> dict[str, list[dict[str, Any]]]:
    """The tables of one round sheet: a title row, a header row, data rows up to a blank row."""
    tables: dict[str, list[dict[str, Any]]] = {}
    k = 0
    for name in _ROUND_TABLES:
        while k < len(rows) and not (rows[k] and rows[k][0] == name and all(x is None for x in rows[k][1:])):
            k += 1
        if k + 1 >= len(rows):
            raise _problem(where, f"the sheet has no {name} table")
        header = [str(h) for h in rows[k + 1] if h is not None]
        k += 2
        records = []
        while k < len(rows) and any(x is not None for x in rows[k]):
            values = list(rows[k]) + [None] * len(header)
            records.append({h: _cell(values[c]) for c, h in enumerate(header)})
            k += 1
        tables[name] = records
    for r in tables["retirements"]:
        ids = r.get("employee_ids")
        r["employee_ids"] = [x for x in str(ids).split("; ") if x] if ids not in (None, "") else []
    for rec in tables["moves"]:
        for c in ("employee_id", "from_position", "to_position"):
            if rec.get(c) is not None:
                rec[c] = str(rec[c])
    for rec in (*tables["hires"], *tables["retirements"], *tables["positions"]):
        if rec.get("position_id") is not None:
            rec["position_id"] = str(rec["position_id"])
    return tables


def _read_workbook(path: Path) -> dict[str, Any]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # every reason openpyxl gives is "cannot read"
        raise _problem(path, f"cannot read: {e}") from e
    try:
        if "summary" not in wb.sheetnames or "round_0" not in wb.sheetnames:
            raise _problem(path, "not a horizon plan: expected the sheets summary and round_0")
        summary: dict[str, Any] = {}
        for row in list(wb["summary"].iter_rows(values_only=True))[1:]:
            if row and row[0] is not None:
                summary[str(row[0])] = _summary_value(row[1] if len(row) > 1 else None)
        rounds_named = sorted(
            (int(s.split("_", 1)[1]), s)
            for s in wb.sheetnames
            if s.startswith("round_") and s.split("_", 1)[1].isdigit()
        )
        dates_v, balance_v = summary.get("dates"), summary.get("balance")
        dates: list[Any] = dates_v if isinstance(dates_v, list) else []
        balance: list[Any] = balance_v if isinstance(balance_v, list) else []
        rounds = []
        for t, name in rounds_named:
            rows = list(wb[name].iter_rows(values_only=True))
            tables = _round_tables(rows, f"{path} sheet {name}")
            title = str(rows[0][0]) if rows and rows[0] and rows[0][0] is not None else ""
            date = dates[t] if t < len(dates) else title.split(",", 1)[-1].split(":", 1)[0].strip()
            rounds.append(
                {
                    "round": t,
                    "date": date,
                    **tables,
                    "balance": balance[t] if t < len(balance) else None,
                }
            )
        formasi: list[dict[str, Any]] = []
        if "formasi" in wb.sheetnames:
            rows = list(wb["formasi"].iter_rows(values_only=True))
            header = [str(h) for h in rows[0] if h is not None] if rows else []
            formasi = [{h: _cell(r[c]) for c, h in enumerate(header)} for r in rows[1:] if any(r)]
    finally:
        wb.close()
    return {"summary": summary, "rounds": rounds, "formasi": formasi}


def read_horizon_plan(source: str | PathLike[str] | Mapping[str, Any] | HorizonResult) -> dict[str, Any]:
    """The JSON document ``{"summary", "rounds", "formasi"}`` of a five-year plan.

    Parameters
    ----------
    source : path, mapping or HorizonResult
        A ``.json`` file or an ``.xlsx`` workbook as :meth:`HorizonResult.write` writes them,
        a folder holding ``plan.json`` (else ``plan.xlsx``), the document itself, or the
        result.

    Returns
    -------
    dict
        The document, as :meth:`HorizonResult.to_dict` gives it (numbers the workbook
        rounds to its cells stay as written).

    Raises
    ------
    InputError
        The file is missing, cannot be read or is not a horizon plan (table ``plan``, rule
        ``invalid_plan``).
    """
    if isinstance(source, HorizonResult):
        return source.to_dict()
    if isinstance(source, Mapping):
        return read_horizon(source)
    p = Path(source)
    if p.is_dir():
        if (p / "plan.json").is_file() or not (p / "plan.xlsx").is_file():
            return read_horizon(p)
        p = p / "plan.xlsx"
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_workbook(p)
    return read_horizon(p)


def _frame(records: Any, name: str) -> pd.DataFrame:
    return pd.DataFrame(list(records or []), columns=None if records else _COLUMNS[name])


def horizon_from_document(doc: Mapping[str, Any]) -> HorizonResult:
    """The :class:`~asn_balance.evaluate.horizon.HorizonResult` a plan document describes
    (the figures as recorded, not recomputed: check it with :func:`asn_balance.check_horizon`).

    Raises
    ------
    InputError
        A round without a valid date (table ``plan``, rule ``invalid_plan``).
    """
    summary = dict(doc.get("summary") or {})

    def number(v: Any, default: float) -> float:
        try:
            return float(v) if v is not None else default
        except (TypeError, ValueError):
            return default

    rounds = []
    for k, rd in enumerate(doc.get("rounds") or []):
        try:
            date = dt.date.fromisoformat(str(rd.get("date"))[:10])
        except ValueError as e:
            raise _problem(f"round {k}", f"round {k} has no valid date ({rd.get('date')!r})") from e
        rounds.append(
            HorizonRound(
                int(rd.get("round", k)),
                date,
                _frame(rd.get("moves"), "moves"),
                _frame(rd.get("hires"), "hires"),
                _frame(rd.get("retirements"), "retirements"),
                _frame(rd.get("positions"), "positions"),
                number(rd.get("balance"), math.nan),
            )
        )
    objective = number(summary.get("objective"), math.nan)
    return HorizonResult(
        str(summary.get("status", "feasible")),
        objective,
        number(summary.get("bound"), -math.inf),
        number(summary.get("gap"), math.nan),
        rounds,
        _frame(doc.get("formasi"), "formasi"),
        summary,
    )
