"""Writing and reading five-year (horizon) plans: JSON, an Excel workbook, or a folder of both.

The JSON document is ``{"summary", "rounds": [{"round", "date", "moves", "hires",
"retirements", "positions", "balance"}], "formasi"}``. The workbook has a ``summary`` sheet,
a ``formasi`` sheet (the e-Formasi request) and one sheet per round (``round_0`` ...) with the
round's moves, hires, retirements and positions one below the other. Every file is written
whole or not at all (a temporary file, then :func:`os.replace`).
"""

from __future__ import annotations

import io as _io
import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from ..evaluate.horizon import HorizonResult
from ..model.domain import BAND_FILLS
from ..model.errors import InputError, InputProblem
from .files import atomic_write_bytes, atomic_write_text

__all__ = ["horizon_excel_bytes", "read_horizon", "write_horizon"]

_HEADER_FILL = "1F4E78"


def _json_text(result: HorizonResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2, allow_nan=False)


def horizon_excel_bytes(result: HorizonResult) -> bytes:
    """The workbook of a horizon plan as bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    bands = {b: PatternFill("solid", fgColor=c) for b, c in BAND_FILLS.items()}

    def table(ws: Any, row: int, title: str | None, df: pd.DataFrame) -> int:
        if title is not None:
            ws.cell(row, 1, title).font = Font(bold=True)
            row += 1
        for j, c in enumerate(df.columns, 1):
            cell = ws.cell(row, j, str(c))
            cell.font, cell.fill = head_font, head_fill
        for values in df.itertuples(index=False):
            row += 1
            for j, v in enumerate(values, 1):
                if isinstance(v, (list, tuple)):
                    v = "; ".join(str(x) for x in v)
                missing = not isinstance(v, str) and bool(pd.isna(v))
                cell = ws.cell(row, j, None if missing else v)
                if df.columns[j - 1] == "band" and v in bands:
                    cell.fill = bands[v]
                if isinstance(v, float):
                    cell.number_format = "#,##0.00"
        for j, c in enumerate(df.columns, 1):
            width = max([len(str(c))] + [len(str(x)) for x in df.iloc[:, j - 1].head(200)]) + 2
            ws.column_dimensions[get_column_letter(j)].width = float(min(max(width, 8), 60))
        return row + 2

    ws = wb.active
    ws.title = "summary"
    flat = [
        (k, json.dumps(v) if isinstance(v, (dict, list)) else v)
        for k, v in result.to_dict()["summary"].items()
    ]
    table(ws, 1, None, pd.DataFrame(flat, columns=["key", "value"]))
    ws.freeze_panes = "A2"
    table(wb.create_sheet("formasi"), 1, None, result.formasi)
    wb["formasi"].freeze_panes = "A2"
    for r in result.rounds:
        ws = wb.create_sheet(f"round_{r.round}")
        ws.cell(1, 1, f"round {r.round}, {r.date.isoformat()}: B = {r.balance:.6g}").font = Font(bold=True)
        row = table(ws, 3, "moves", r.moves)
        row = table(ws, row, "hires", r.hires)
        row = table(ws, row, "retirements", r.retirements)
        table(ws, row, "positions", r.positions)
    buf = _io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_horizon(result: HorizonResult, path: str | PathLike[str]) -> Path:
    """Write a horizon plan.

    Parameters
    ----------
    result : HorizonResult
        The plan.
    path : path
        ``*.json``, ``*.xlsx``, or a folder (created) that receives ``plan.json`` and
        ``plan.xlsx``.

    Returns
    -------
    Path
        The file or folder written.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".json":
        return atomic_write_text(target, _json_text(result))
    if suffix == ".xlsx":
        return atomic_write_bytes(target, horizon_excel_bytes(result))
    if suffix:
        raise ValueError(f"unknown plan format {suffix!r}: use .json, .xlsx or a folder")
    target.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target / "plan.json", _json_text(result))
    atomic_write_bytes(target / "plan.xlsx", horizon_excel_bytes(result))
    return target


def read_horizon(path: str | PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """Read a horizon plan's JSON document (a ``.json`` file, a folder with ``plan.json``, or
    the document itself).

    Raises
    ------
    InputError
        The file is missing, not JSON, or not a horizon plan (table ``plan``).
    """
    if isinstance(path, Mapping):
        doc: Any = dict(path)
    else:
        p = Path(path)
        if p.is_dir():
            p = p / "plan.json"
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(
                [InputProblem("plan", None, None, str(p), "invalid_plan", f"cannot read: {e}")]
            ) from e
    if not isinstance(doc, dict) or not isinstance(doc.get("rounds"), list) or "summary" not in doc:
        raise InputError(
            [
                InputProblem(
                    "plan",
                    None,
                    None,
                    None,
                    "invalid_plan",
                    "not a horizon plan: expected summary and rounds",
                )
            ]
        )
    return doc
