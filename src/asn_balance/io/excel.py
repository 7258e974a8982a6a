"""The plan as a formatted Excel workbook, ready to circulate in an office.

Sheets, in this order: ``summary`` (key figures as ``key``/``value`` rows, as in
:meth:`Result.to_frames`, in full precision, each key explained by a comment in Indonesian or
English), ``moves`` (with the reason of every move), ``positions``, ``units`` and, when the
positions give a competency standard, ``training`` and ``training_totals``. The header row of
every sheet holds the canonical column names (so :func:`asn_balance.io.read_plan`,
``asn-balance check`` and ``asn-balance compare`` read the workbook back), is frozen, filtered
and explained by a comment on each cell; widths are fitted; EJ/EU band cells are filled A..E,
directions coloured; pages print landscape, one page wide, with the header repeated.

Numbers are stored as numbers with thousands separators and fixed decimals (``#,##0.00``).
An OOXML number format always spells the separators the en-US way and the spreadsheet shows
them in the reader's locale: on an Indonesian system ``#,##0.00`` reads ``1.234,56``. A
literal ``#.##0,00`` would not do that (``,`` after a digit scales by 1,000 in OOXML), so it
is not used.

The bytes depend on the plan only: the document's created/modified dates are the plan date
and the archive carries no clock time, so writing the same plan twice gives the same file.
"""

from __future__ import annotations

import datetime as _dt
import io as _io
import math
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from ..model.domain import BAND_FILLS

if TYPE_CHECKING:
    from ..evaluate.result import Result

__all__ = ["SHEETS", "excel_bytes", "infer_lang", "write_excel"]

#: Sheet names, in workbook order (the last two only with a training plan).
SHEETS: Final[tuple[str, ...]] = ("summary", "moves", "positions", "units", "training", "training_totals")

_HEADER_FILL = "1F4E79"
_DIRECTION_FONT = {"kurang": "9C0006", "lebih": "1F4E79", "pas": "375623"}

_INT = "#,##0"
_DEC1 = "#,##0.0"
_DEC2 = "#,##0.00"
_SIGNED = "+#,##0.00;-#,##0.00;0.00"
_EJ = "0.00"

#: Number format of each numeric column, by name.
_FORMATS: Final[dict[str, str]] = {
    "workload_hours": _DEC1,
    "need_fte": _DEC2,
    "staff_before": _INT,
    "staff_after": _INT,
    "staff": _INT,
    "headcount_before": _INT,
    "headcount_after": _INT,
    "headcount": _INT,
    "gap_before": _SIGNED,
    "gap_after": _SIGNED,
    "gap_fte": _SIGNED,
    "ej_before": _EJ,
    "ej_after": _EJ,
    "eu_before": _EJ,
    "eu_after": _EJ,
    "level": _INT,
    "standard": _INT,
    "gap": _INT,
    "people": _INT,
    "levels": _INT,
}
_WIDE_TEXT: Final[frozenset[str]] = frozenset({"reason", "reason_id", "reason_en", "diagnosis"})

#: Description of summary keys: key -> (Indonesian, English).
_SUMMARY_WORDS: Final[dict[str, tuple[str, str]]] = {
    "status": ("Status penyelesaian (optimal = terbukti terbaik)", "Solver status (optimal = proven best)"),
    "objective": ("Nilai fungsi tujuan rencana", "Objective of the plan"),
    "bound": ("Batas bawah terbukti dari fungsi tujuan", "Proven lower bound on the objective"),
    "gap": ("Selisih relatif terhadap batas bawah", "Relative gap to the bound"),
    "seconds": ("Waktu perhitungan (detik)", "Run time (seconds)"),
    "moves": ("Jumlah pegawai yang dimutasi", "Employees moved"),
    "balance_before": ("Ketidakseimbangan B sebelum mutasi", "Imbalance B before the moves"),
    "balance_after": ("Ketidakseimbangan B sesudah mutasi", "Imbalance B after the moves"),
    "balance": ("Ketidakseimbangan B rencana", "Imbalance B of the plan"),
    "employees": ("Jumlah pegawai", "Employees"),
    "staff_fte": (
        "Jumlah pegawai dalam FTE (paruh waktu dihitung sebagian)",
        "Staff in FTE (part-timers count their share)",
    ),
    "positions": ("Jumlah posisi (unit x jabatan)", "Positions (unit x jabatan)"),
    "units": ("Jumlah unit kerja", "Units"),
    "need_fte": ("Kebutuhan pegawai menurut ABK (FTE)", "Staff need from the ABK (FTE)"),
    "positions_under_staffed_before": ("Posisi kurang pegawai, sebelum", "Under-staffed positions, before"),
    "positions_under_staffed_after": ("Posisi kurang pegawai, sesudah", "Under-staffed positions, after"),
    "positions_over_staffed_before": ("Posisi lebih pegawai, sebelum", "Over-staffed positions, before"),
    "positions_over_staffed_after": ("Posisi lebih pegawai, sesudah", "Over-staffed positions, after"),
    "fte_short_before": ("Kekurangan pegawai (jumlah FTE), sebelum", "Staff short (sum of FTE), before"),
    "fte_short_after": ("Kekurangan pegawai (jumlah FTE), sesudah", "Staff short (sum of FTE), after"),
    "fte_surplus_before": ("Kelebihan pegawai (jumlah FTE), sebelum", "Staff surplus (sum of FTE), before"),
    "fte_surplus_after": ("Kelebihan pegawai (jumlah FTE), sesudah", "Staff surplus (sum of FTE), after"),
    "bands_before": ("Jumlah posisi per kelas EJ, sebelum", "Positions per EJ band, before"),
    "bands_after": ("Jumlah posisi per kelas EJ, sesudah", "Positions per EJ band, after"),
    "diagnosis": ("Diagnosis bila tidak ada rencana", "Diagnosis when there is no plan"),
    "objective_terms": ("Rincian fungsi tujuan sebelum/sesudah", "Objective terms before/after"),
    "solver": ("Metode penyelesaian", "Solver"),
    "solver_seconds": ("Waktu solver (detik)", "Solver time (seconds)"),
    "policy": ("Kebijakan mutasi yang dipakai", "Mutasi policy used"),
    "input_sha256": ("Sidik data masukan (SHA-256 tabel kanonik)", "Input fingerprint (SHA-256)"),
    "input_tables": ("Baris dan sidik per tabel masukan", "Rows and fingerprint per input table"),
    "check": ("Pemeriksaan independen sesudah penyelesaian", "Independent check after the solve"),
    "plan_date": ("Tanggal rencana (usia, pensiun)", "Plan date (ages, retirement)"),
    "versions": ("Versi perangkat lunak", "Software versions"),
    "compile_seconds": ("Waktu penyusunan model (detik)", "Model build time (seconds)"),
    "seed": ("Benih acak (untuk mengulang)", "Random seed (to reproduce)"),
    "time_limit": ("Batas waktu (detik)", "Time limit (seconds)"),
    "solver_stats": ("Statistik solver", "Solver statistics"),
    "note": ("Catatan", "Note"),
}

#: Description of table columns: column -> (Indonesian, English), shown as header comments.
_COLUMN_WORDS: Final[dict[str, tuple[str, str]]] = {
    "key": ("Kunci", "Key"),
    "value": ("Nilai", "Value"),
    "employee_id": ("NIP / id pegawai", "Employee id (NIP)"),
    "name": ("Nama pegawai", "Employee name"),
    "from_position": ("Posisi asal", "Origin position"),
    "to_position": ("Posisi tujuan", "Target position"),
    "from_unit": ("Unit kerja asal", "Origin unit"),
    "to_unit": ("Unit kerja tujuan", "Target unit"),
    "jabatan_from": ("Jabatan asal", "Jabatan before"),
    "jabatan_to": ("Jabatan tujuan", "Jabatan after"),
    "reason": ("Alasan mutasi", "Reason for the move"),
    "reason_id": ("Alasan (bahasa Indonesia)", "Reason (Indonesian)"),
    "reason_en": ("Alasan (bahasa Inggris)", "Reason (English)"),
    "position_id": ("Kode posisi", "Position id"),
    "unit_id": ("Kode unit kerja", "Unit id"),
    "unit_name": ("Nama unit kerja", "Unit name"),
    "jabatan": ("Nama jabatan", "Jabatan"),
    "workload_hours": ("Beban kerja (jam/tahun)", "Workload (hours/year)"),
    "need_fte": ("Kebutuhan pegawai (FTE)", "Staff need (FTE)"),
    "staff_before": ("Jumlah pegawai sebelum (FTE)", "Staff before (FTE)"),
    "staff_after": ("Jumlah pegawai sesudah (FTE)", "Staff after (FTE)"),
    "headcount_before": ("Jumlah orang sebelum", "Employees (heads) before"),
    "headcount_after": ("Jumlah orang sesudah", "Employees (heads) after"),
    "gap_before": ("Selisih pegawai sebelum (pegawai - kebutuhan)", "Staffing gap before (staff - need)"),
    "gap_after": ("Selisih pegawai sesudah (pegawai - kebutuhan)", "Staffing gap after (staff - need)"),
    "ej_before": (
        "Efisiensi jabatan sebelum (EJ > 1: kurang pegawai)",
        "Job efficiency before (EJ > 1: under-staffed)",
    ),
    "ej_after": ("Efisiensi jabatan sesudah", "Job efficiency after"),
    "eu_before": (
        "Efisiensi unit sebelum (EU > 1: kurang pegawai)",
        "Unit efficiency before (EU > 1: under-staffed)",
    ),
    "eu_after": ("Efisiensi unit sesudah", "Unit efficiency after"),
    "band_before": (
        "Kelas EJ sebelum (A > 1,00; B 0,90-1,00; C 0,70-0,89; D 0,50-0,69; E < 0,50)",
        "EJ band before (A > 1.00; B 0.90-1.00; C 0.70-0.89; D 0.50-0.69; E < 0.50)",
    ),
    "band_after": ("Kelas EJ sesudah", "EJ band after"),
    "direction_before": (
        "Arah sebelum: kurang / pas / lebih pegawai",
        "Direction before: kurang (short) / pas / lebih (surplus)",
    ),
    "direction_after": (
        "Arah sesudah: kurang / pas / lebih pegawai",
        "Direction after: kurang (short) / pas / lebih (surplus)",
    ),
    "competency": ("Kompetensi", "Competency"),
    "level": ("Tingkat kompetensi pegawai", "Employee's level"),
    "standard": ("Standar kompetensi posisi tujuan", "Standard of the target position"),
    "gap": ("Kekurangan tingkat", "Levels missing"),
    "people": ("Jumlah pegawai yang perlu pelatihan", "People needing training"),
    "levels": ("Jumlah tingkat yang kurang", "Levels missing in total"),
}


def infer_lang(result: Result) -> str:
    """The language a plan was made in: ``"en"`` when its reasons are the English ones.

    Parameters
    ----------
    result : Result
        A plan.

    Returns
    -------
    str
        ``"en"`` or ``"id"`` (the default, also for a plan without moves).
    """
    mv = result.moves
    if len(mv) and {"reason", "reason_en", "reason_id"} <= set(mv.columns):
        en = (mv["reason"] == mv["reason_en"]).all()
        ind = (mv["reason"] == mv["reason_id"]).all()
        if en and not ind:
            return "en"
    return "id"


def _summary_rows(result: Result) -> pd.DataFrame:
    """``key``/``value`` rows exactly as :meth:`Result.to_frames` gives them (text, full precision)."""
    return result.to_frames()["summary"]


def _frames(result: Result, lang: str) -> dict[str, pd.DataFrame]:
    out = {
        "summary": _summary_rows(result),
        "moves": result.moves,
        "positions": result.positions,
        "units": result.units,
    }
    if result.training is not None and result.training_totals is not None:
        out["training"] = result.training
        out["training_totals"] = result.training_totals
    return out


def _cell_value(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, (str, int, float, bool, _dt.date, _dt.time)):
        return v
    return str(v)


def _shown_len(v: Any, fmt: str | None) -> int:
    """Roughly how many characters a cell shows."""
    if v is None:
        return 0
    if isinstance(v, bool):
        return 5
    if isinstance(v, (int, float)):
        if fmt in (_INT,):
            return len(f"{v:,.0f}")
        if fmt == _EJ:
            return len(f"{v:.2f}")
        return len(f"{v:+,.2f}")
    return max((len(line) for line in str(v).splitlines()), default=0)


def _comment(text: str) -> Any:
    from openpyxl.comments import Comment

    comment = Comment(text, "asn_balance")
    comment.width, comment.height = 260, 60
    return comment


def _write_sheet(wb: Any, name: str, df: pd.DataFrame, lang: str) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name)
    k = 0 if lang == "id" else 1
    cols = [str(c) for c in df.columns]
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    thin = Side(style="thin", color="BFBFBF")
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=j, value=col)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=False)
        cell.border = Border(bottom=thin)
        words = _COLUMN_WORDS.get(col)
        if words:
            cell.comment = _comment(words[k])
    band_fills = {b: PatternFill("solid", fgColor=c) for b, c in BAND_FILLS.items()}
    dir_fonts = {d: Font(color=c, bold=d != "pas") for d, c in _DIRECTION_FONT.items()}
    centre = Alignment(horizontal="center")
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    widths = [len(c) + 3 for c in cols]
    obj = df.astype(object)
    numeric = [
        pd.api.types.is_numeric_dtype(df.dtypes.iloc[j]) and not pd.api.types.is_bool_dtype(df.dtypes.iloc[j])
        for j in range(len(cols))
    ]
    for i, row in enumerate(obj.itertuples(index=False, name=None), start=2):
        for j, raw in enumerate(row, start=1):
            col = cols[j - 1]
            v = _cell_value(raw)
            if isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("", v)
            cell = ws.cell(row=i, column=j, value=v)
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # text, never a formula
            fmt = None
            if isinstance(v, (int, float)) and not isinstance(v, bool) and numeric[j - 1]:
                fmt = _FORMATS.get(col, _INT if isinstance(v, int) else _DEC2)
                if fmt == _INT and col.startswith("staff") and not float(v).is_integer():
                    fmt = _DEC2  # staff in FTE: part-timers
                cell.number_format = fmt
            if col.startswith("band_") and isinstance(v, str) and v in band_fills:
                cell.fill = band_fills[v]
                cell.font = bold
                cell.alignment = centre
            elif col.startswith("direction_") and isinstance(v, str) and v in dir_fonts:
                cell.font = dir_fonts[v]
            elif col in _WIDE_TEXT:
                cell.alignment = wrap
            elif name == "summary" and col == "key":
                cell.font = bold
                described = _SUMMARY_WORDS.get(str(v))
                if described:
                    cell.comment = _comment(described[k])
            if i <= 1001:
                widths[j - 1] = max(widths[j - 1], _shown_len(v, fmt) + 2)
    for j, col in enumerate(cols, start=1):
        cap = 80 if col in _WIDE_TEXT else (70 if name == "summary" else 50)
        ws.column_dimensions[get_column_letter(j)].width = float(min(max(widths[j - 1], 8), cap))
    ws.freeze_panes = "A2"
    last = get_column_letter(max(len(cols), 1))
    ws.auto_filter.ref = f"A1:{last}{max(len(df) + 1, 1)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "&A - &P / &N"


def excel_bytes(result: Result, lang: str | None = None) -> bytes:
    """The plan as a formatted ``.xlsx`` workbook (see the module notes).

    Parameters
    ----------
    result : Result
        A plan (with or without moves; an infeasible result gives its summary and tables).
    lang : {"id", "en"}, optional
        Language of the descriptions and header comments; by default the language of the
        plan's move reasons (:func:`infer_lang`).

    Returns
    -------
    bytes
        The workbook.
    """
    from openpyxl import Workbook

    lang = infer_lang(result) if lang is None else lang
    if lang not in ("id", "en"):
        raise ValueError(f"lang must be 'id' or 'en', got {lang!r}")
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in _frames(result, lang).items():
        _write_sheet(wb, name, df, lang)
    wb.properties.title = "Rencana mutasi ASN" if lang == "id" else "ASN transfer plan"
    wb.properties.creator = "asn_balance"
    stamp = _plan_stamp(result)
    wb.properties.created = stamp
    buf = _io.BytesIO()
    wb.save(buf)
    return _reproducible(buf.getvalue(), stamp)


def _plan_stamp(result: Result) -> _dt.datetime:
    """The plan date at midnight (2000-01-01 when unknown): the document's dates."""
    text = str(result.info.get("plan_date", ""))
    try:
        day = _dt.date.fromisoformat(text)
    except ValueError:
        day = _dt.date(2000, 1, 1)
    return _dt.datetime(day.year, day.month, day.day)


def _reproducible(data: bytes, stamp: _dt.datetime) -> bytes:
    """The workbook with its modified date set to ``stamp`` and fixed times in the archive."""
    import re
    import zipfile

    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = _io.BytesIO()
    with zipfile.ZipFile(_io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + iso.encode() + rb"\g<2>", body)  # fmt: skip
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, body)
    return out.getvalue()


def write_excel(result: Result, path: str | PathLike[str], lang: str | None = None) -> Path:
    """Write the plan as a formatted Excel workbook, atomically.

    Parameters
    ----------
    result : Result
        A plan.
    path : path
        The ``.xlsx`` file to write (its folder is created if needed).
    lang : {"id", "en"}, optional
        Language of the descriptions; by default the plan's (:func:`infer_lang`).

    Returns
    -------
    Path
        The path written.
    """
    from .files import atomic_write_bytes

    return atomic_write_bytes(path, excel_bytes(result, lang))
