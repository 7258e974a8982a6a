"""Canonical input tables: column names, Indonesian aliases, types and validation.

This module is the contract with other HR systems (SIMPEG-like apps, SIASN exports,
spreadsheets). :data:`TABLES` lists every table and column with its accepted aliases;
:func:`validate_tables` turns raw frames (all-text frames read from CSV or Excel, or
users' DataFrames with numeric and boolean dtypes) into canonical, typed frames, or
raises :class:`~asn_balance.errors.InputError` listing *every* problem at once.

Checks are vectorised over columns; Python code runs per *bad* cell only (to word the
problem) and per *distinct* value for the code lists (grades, education, ...).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .domain import (
    EDUCATION_LEVELS,
    format_competencies,
    format_coverage,
    grade_rank,
    nip_problem,
    parse_competencies,
    parse_coverage,
    parse_education,
    parse_grade,
    parse_period,
)
from .errors import InputError, InputProblem

__all__ = [
    "TABLES",
    "Column",
    "TableSpec",
    "Tables",
    "normalise_header",
    "validate_tables",
]

Kind = Literal[
    "id", "text", "float", "int", "bool", "status", "grade", "education", "competencies", "period",
    "date", "idlist", "coverage",
]  # fmt: skip

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class Column:
    """Specification of one canonical column.

    Attributes
    ----------
    name : str
        Canonical column name.
    kind : str
        Value type: ``id``, ``text``, ``float``, ``int``, ``bool``, ``status``, ``grade``,
        ``education``, ``competencies``, ``period``, ``date`` (a past date from 1900 on,
        canonical ``datetime64[ns]``, ``NaT`` when blank), ``idlist`` (ids separated by
        ``;``, ``,`` or ``|``, canonical ``a;b``) or ``coverage`` (``name:LxN`` items).
    required : bool
        Whether the column must be present in the table.
    nonblank : bool
        Whether every cell must be filled (rule ``missing_value``).
    unique : bool
        Whether values must be unique (rule ``duplicate_id``).
    default : Any
        Value of blank cells (and of the whole column when it is absent).
    aliases : tuple of str
        Other accepted header names, already normalised (see :func:`normalise_header`).
    bounds : tuple of float, optional
        Inclusive range of a number (rule ``out_of_range``).
    """

    name: str
    kind: Kind
    required: bool = False
    nonblank: bool = False
    unique: bool = False
    default: Any = ""
    aliases: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None


@dataclass(frozen=True)
class TableSpec:
    """Specification of one input table.

    Attributes
    ----------
    name : str
        Table name (also the CSV file stem and Excel sheet name).
    columns : tuple of Column
        Canonical columns in output order.
    required : bool
        Whether the table must be given and non-empty.
    """

    name: str
    columns: tuple[Column, ...]
    required: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical column names in order."""
        return tuple(c.name for c in self.columns)

    @property
    def header_map(self) -> dict[str, str]:
        """Map of every accepted normalised header (canonical names and aliases) to its column."""
        out: dict[str, str] = {}
        for c in self.columns:
            out[c.name] = c.name
            for a in c.aliases:
                out[a] = c.name
        return out


_NAN = float("nan")
_NAT = np.datetime64("NaT", "ns")
#: dtype of ``date`` columns in the canonical frames.
_DATE_DTYPE: Final = np.dtype("datetime64[ns]")
_UNIT_ID_ALIASES: Final = ("id_unit", "kode_unit", "unit_kerja_id", "unor_id", "unorid", "id_unor")
_UNIT_NAME_ALIASES: Final = ("unit_kerja", "nama_unit", "unor_nama", "unornama", "nama_unit_kerja", "opd")

#: Every input table with its columns, in output order.
TABLES: Final[Mapping[str, TableSpec]] = MappingProxyType(
    {
        "employees": TableSpec(
            "employees",
            (
                Column("employee_id", "id", True, True, True, "",
                       ("nip", "nip_baru", "nipbaru", "id_pegawai", "pegawai_id")),
                Column("name", "text", aliases=("nama", "nama_pegawai", "nama_lengkap")),
                Column("position_id", "id", True, True, False, "",
                       ("id_posisi", "kode_posisi", "id_formasi", "posisi_id", "posisi")),
                Column("status", "status", True, True,
                       aliases=("status_pegawai", "jenis_pegawai", "kedudukan")),
                Column("grade", "grade",
                       aliases=("golongan", "gol", "pangkat_golongan", "golruang", "golruangakhirid")),
                Column("education", "education",
                       aliases=("pendidikan", "pendidikan_terakhir", "tingkat_pendidikan")),
                Column("competencies", "competencies", aliases=("kompetensi",)),
                Column("months_in_position", "float", True, True, default=_NAN,
                       aliases=("masa_jabatan_bulan", "lama_jabatan_bulan", "bulan_di_jabatan",
                                "masa_kerja_jabatan")),
                Column("locked", "bool", default=False, aliases=("dikunci", "kunci", "terkunci")),
                Column("birth_date", "date", default=_NAT,
                       aliases=("tanggal_lahir", "tgl_lahir", "tgllahir", "tanggallahir")),
                Column("discipline", "bool", default=False,
                       aliases=("hukuman_disiplin", "sedang_hukuman_disiplin", "proses_hukum",
                                "dalam_proses_hukum")),
                Column("study_leave", "bool", default=False,
                       aliases=("tugas_belajar", "ikatan_dinas", "izin_belajar")),
                Column("volunteer", "bool", default=False,
                       aliases=("sukarela", "atas_permintaan_sendiri", "aps", "mengajukan_mutasi",
                                "usul_mutasi")),
                Column("preferences", "idlist",
                       aliases=("pilihan", "preferensi", "usulan_tujuan", "tujuan_diinginkan",
                                "pilihan_tujuan")),
                Column("spouse_id", "id",
                       aliases=("id_pasangan", "nip_pasangan", "pasangan_id", "nip_suami_istri")),
            ),
        ),
        "positions": TableSpec(
            "positions",
            (
                Column("position_id", "id", True, True, True, "",
                       ("id_posisi", "kode_posisi", "id_formasi", "kode_formasi", "posisi_id")),
                Column("unit_id", "id", True, True, False, "", _UNIT_ID_ALIASES),
                Column("unit_name", "text", aliases=_UNIT_NAME_ALIASES),
                Column("jabatan", "text", True, True,
                       aliases=("nama_jabatan", "jabatannama", "jabatan_nama")),
                Column("workload_hours", "float", default=_NAN,
                       aliases=("beban_kerja", "beban_kerja_jam", "beban_kerja_jam_tahun", "workload")),
                Column("min_staff", "int", default=0,
                       aliases=("min_pegawai", "minimal_pegawai", "staf_min")),
                Column("max_staff", "int", default=_NAN,
                       aliases=("max_pegawai", "maksimal_pegawai", "staf_max")),
                Column("required_competencies", "competencies",
                       aliases=("syarat_kompetensi", "kompetensi_wajib", "kompetensi_syarat")),
                Column("min_grade", "grade", aliases=("golongan_min", "min_golongan")),
                Column("max_grade", "grade", aliases=("golongan_max", "max_golongan")),
                Column("min_education", "education",
                       aliases=("pendidikan_min", "min_pendidikan", "pendidikan_minimal")),
                Column("retirement_age", "int", default=_NAN, bounds=(30.0, 80.0),
                       aliases=("bup", "batas_usia_pensiun", "usia_pensiun")),
                Column("competency_standard", "competencies",
                       aliases=("standar_kompetensi", "kompetensi_standar", "kompetensi_standar_jabatan")),
            ),
        ),
        "tasks": TableSpec(
            "tasks",
            (
                Column("position_id", "id", True, True, False, "",
                       ("id_posisi", "kode_posisi", "id_formasi", "posisi_id")),
                Column("task", "text", True, True, aliases=("uraian_tugas", "tugas", "kegiatan")),
                Column("volume", "float", True, True, default=_NAN, aliases=("jumlah", "volume_kerja")),
                Column("period", "period", True, True, aliases=("periode", "satuan_waktu")),
                Column("norm_minutes", "float", True, True, default=_NAN,
                       aliases=("norma_waktu", "norma_waktu_menit", "waktu_penyelesaian")),
            ),
            required=False,
        ),
        "units": TableSpec(
            "units",
            (
                Column("unit_id", "id", True, True, True, "", _UNIT_ID_ALIASES),
                Column("unit_name", "text", aliases=_UNIT_NAME_ALIASES),
                Column("max_moves_out", "int", default=_NAN,
                       aliases=("maks_mutasi_keluar", "batas_mutasi_keluar", "max_keluar")),
                Column("max_moves_in", "int", default=_NAN,
                       aliases=("maks_mutasi_masuk", "batas_mutasi_masuk", "max_masuk")),
                Column("coverage", "coverage",
                       aliases=("cakupan", "cakupan_kompetensi", "kompetensi_minimal_unit")),
            ),
            required=False,
        ),
    }
)  # fmt: skip

_TABLE_ORDER: Final[dict[str, int]] = {name: i for i, name in enumerate(TABLES)}
_TRUE: Final[frozenset[str]] = frozenset({"true", "ya", "y", "yes", "1", "benar"})
_FALSE: Final[frozenset[str]] = frozenset({"false", "tidak", "n", "no", "0", "salah"})
_STATUS: Final[dict[str, str]] = {"PNS": "PNS", "CPNS": "CPNS", "PPPK": "PPPK", "P3K": "PPPK"}
_SCIENTIFIC = re.compile(r"^[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]+$")
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_YMD = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})" + _TIME + "$")
_DMY = re.compile(r"^(\d{1,2})([-/])(\d{1,2})\2(\d{4})" + _TIME + "$")
_FIRST_YEAR: Final[int] = 1900


def _no_units() -> pd.DataFrame:
    return _finish(_empty_checked(TABLES["units"], present=False))


@dataclass(frozen=True, eq=False)
class Tables:
    """Validated canonical input tables.

    Attributes
    ----------
    employees, positions, tasks, units : pandas.DataFrame
        Canonical frames: the columns of :data:`TABLES` in order, then ``source_row``
        (the spreadsheet row number, header = 1), then any extra input columns unchanged.
        ``tasks`` and ``units`` may be empty (with the canonical columns). ``units`` is a
        keyword-only argument.
    warnings : list of str
        Things worth telling the user that do not stop planning.
    """

    employees: pd.DataFrame
    positions: pd.DataFrame
    tasks: pd.DataFrame
    units: pd.DataFrame = field(default_factory=_no_units, kw_only=True)
    warnings: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"Tables(employees={len(self.employees)} rows, positions={len(self.positions)} rows, "
            f"tasks={len(self.tasks)} rows, units={len(self.units)} rows, warnings={len(self.warnings)})"
        )


def normalise_header(name: object) -> str:
    """Normalise a column header: lower-case, non-alphanumerics to ``_``, repeats collapsed.

    Parameters
    ----------
    name : object
        A header as given (non-strings are converted with ``str``).

    Returns
    -------
    str
        E.g. ``"Unit Kerja"`` -> ``"unit_kerja"``, ``"nipBaru"`` -> ``"nipbaru"``.
    """
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


# --------------------------------------------------------------------------- cells


@dataclass
class _Cells:
    """One input column over the kept rows: raw values, stripped text, blanks, numbers."""

    raw: ObjArray
    text: ObjArray
    blank: BoolArray
    num: FloatArray | None = None  # set when the input column has a numeric dtype
    from_float: bool = False  # the input column had a float dtype (ids may have lost digits)

    def take(self, idx: npt.NDArray[np.intp]) -> _Cells:
        """The cells of the rows ``idx``."""
        num = None if self.num is None else self.num[idx]
        return _Cells(self.raw[idx], self.text[idx], self.blank[idx], num, self.from_float)


def _float_text(x: FloatArray) -> ObjArray:
    """Text of floats: integer-valued ones without ``.0`` (``101.0`` -> ``"101"``)."""
    out = np.full(x.shape, "", dtype=object)
    fin = np.isfinite(x)
    whole = fin & (np.abs(x) < 2.0**63) & (x == np.floor(np.where(fin, x, 0.0)))
    if whole.any():
        out[whole] = pd.Series(x[whole].astype(np.int64)).astype(str).to_numpy(dtype=object)
    other = ~whole & ~np.isnan(x)
    if other.any():
        out[other] = pd.Series(x[other]).astype(str).to_numpy(dtype=object)
    return out


def _cell_text(v: object) -> str:
    """Text of one cell of a mixed-type column (fallback path)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if np.isnan(f):
            return ""
        return str(_float_text(np.array([f]))[0])
    if v is pd.NA or v is pd.NaT:
        return ""
    return str(v).strip()


def cells_of(s: pd.Series) -> _Cells:
    """Stripped text and blank mask of a column of any dtype.

    Vectorised for text, integer, float and boolean dtypes; object columns mixing types
    fall back to one Python call per cell.

    Parameters
    ----------
    s : pandas.Series
        One input column, as given.

    Returns
    -------
    _Cells
        Raw values (object array), stripped text (``""`` for blank, integer-valued
        numbers without ``.0``), blank mask and, for numeric dtypes, the float values.
    """
    n = len(s)
    raw = s.to_numpy(dtype=object)
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        na = s.isna().to_numpy(dtype=bool)
        truth = s.fillna(False).to_numpy(dtype=bool)
        text = np.where(na, "", np.where(truth, "True", "False")).astype(object)
        return _Cells(raw, text, na)
    if pd.api.types.is_integer_dtype(dtype):
        na = s.isna().to_numpy(dtype=bool)
        text = np.full(n, "", dtype=object)
        if (~na).any():
            text[~na] = s[~na].astype(str).to_numpy(dtype=object)
        return _Cells(raw, text, na, s.to_numpy(dtype=float, na_value=np.nan))
    if pd.api.types.is_float_dtype(dtype):
        x = s.to_numpy(dtype=float, na_value=np.nan)
        return _Cells(raw, _float_text(x), np.isnan(x), x, from_float=True)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _Cells(raw, *_datetime_text(s))
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("datetime", "datetime64", "date"):
        try:
            stamps = pd.Series(pd.to_datetime(pd.Series(raw, dtype=object)))
        except (TypeError, ValueError, OverflowError):
            pass  # out-of-bounds dates and the like: one cell at a time below
        else:
            return _Cells(raw, *_datetime_text(stamps))
    if kind in ("string", "empty"):
        st = s.astype("str").str.strip()
        na = st.isna().to_numpy(dtype=bool)
        text = st.fillna("").to_numpy(dtype=object)
        return _Cells(raw, text, na | (text == ""))
    if kind == "integer":
        try:
            cells = cells_of(pd.Series(pd.array(raw, dtype="Int64")))
        except (TypeError, ValueError, OverflowError):
            pass
        else:
            cells.raw = raw
            return cells
    if kind in ("floating", "mixed-integer-float", "integer-na"):
        cells = cells_of(pd.Series(pd.to_numeric(pd.Series(raw), errors="coerce"), dtype=float))
        cells.raw = raw
        return cells
    if kind == "boolean":
        cells = cells_of(pd.Series(pd.array(raw, dtype="boolean")))
        cells.raw = raw
        return cells
    text = np.array([_cell_text(v) for v in raw], dtype=object) if n else np.empty(0, dtype=object)
    return _Cells(raw, text, text == "")


def _datetime_text(s: pd.Series) -> tuple[ObjArray, BoolArray]:
    """Text (``YYYY-MM-DD``, with the time when not midnight) and blank mask of datetimes."""
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    na = s.isna().to_numpy(dtype=bool)
    text = np.full(len(s), "", dtype=object)
    if (~na).any():
        x = s.to_numpy(dtype="datetime64[s]")[~na]
        day = x.astype("datetime64[D]")
        text[~na] = np.datetime_as_string(day).astype(object)
        timed = x != day
        if timed.any():  # "YYYY-MM-DD HH:MM:SS"
            at = np.flatnonzero(~na)[timed]
            text[at] = np.char.replace(np.datetime_as_string(x[timed]), "T", " ").astype(object)
    return text, na


def _isin(values: npt.NDArray[Any], allowed: npt.ArrayLike) -> BoolArray:
    """Hash-based ``np.isin`` for object arrays (``np.isin`` sorts objects, slowly)."""
    out: BoolArray = (
        pd.Series(values, dtype=object).isin(pd.unique(pd.Series(allowed, dtype=object))).to_numpy(dtype=bool)
    )
    return out


def _blank_mask(s: pd.Series) -> BoolArray:
    """Cells that are missing or whitespace only."""
    na = s.isna().to_numpy(dtype=bool)
    if pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
        st = s.astype("str").str.strip()
        na = na | st.eq("").fillna(True).to_numpy(dtype=bool)
    return na


def _parse_numbers(text: ObjArray) -> FloatArray:
    """Parse numeric text, accepting Indonesian decimal commas; NaN where not a number.

    ``12,5`` -> 12.5, ``1.250,5`` -> 1250.5, ``1,250.5`` -> 1250.5, ``1.250.000`` ->
    1250000. A single comma is a decimal comma; a single dot a decimal point.
    """
    if not len(text):
        return np.full(0, np.nan)
    t = pd.Series(text, dtype="str")
    parsed: FloatArray = np.array(pd.to_numeric(t, errors="coerce"), dtype=float)
    retry = np.isnan(parsed) & t.str.contains(r"[.,]", regex=True).to_numpy(dtype=bool)
    if retry.any():
        u = t[retry]
        comma_last = u.str.fullmatch(r"[+-]?\d{1,3}(?:\.\d{3})+,\d*") | u.str.fullmatch(r"[+-]?\d*,\d*")
        dot_groups = u.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
        many_dots = u.str.fullmatch(r"[+-]?\d{1,3}(?:\.\d{3}){2,}")
        u = u.where(~comma_last, u.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        u = u.where(~dot_groups, u.str.replace(",", "", regex=False))
        u = u.where(~many_dots, u.str.replace(".", "", regex=False))
        parsed[retry] = pd.Series(pd.to_numeric(u, errors="coerce")).to_numpy(dtype=float, na_value=np.nan)
    return parsed


# --------------------------------------------------------------------------- validation


class _Collector:
    """Collects problems of one table; words them only for the bad cells."""

    def __init__(self, table: str, problems: list[InputProblem]) -> None:
        self.table = table
        self.problems = problems

    def add(self, row: int | None, column: str | None, value: Any, rule: str, message: str) -> None:
        if isinstance(value, np.generic):
            value = value.item()
        self.problems.append(InputProblem(self.table, row, column, value, rule, message))

    def cells(
        self,
        mask: BoolArray,
        rows: npt.NDArray[np.int64],
        column: str,
        values: ObjArray,
        rule: str,
        message: Callable[[int], str] | str,
    ) -> None:
        """Report every cell where ``mask`` is true (``message`` may depend on the position)."""
        for i in np.flatnonzero(mask):
            text = message if isinstance(message, str) else message(int(i))
            self.add(int(rows[i]), column, values[i], rule, text)


def _map_unique(text: ObjArray, fn: Callable[[str], Any]) -> ObjArray:
    """Apply ``fn`` once per distinct value."""
    if not len(text):
        return np.empty(0, dtype=object)
    codes, uniques = pd.factorize(pd.Series(text, dtype=object), sort=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(u) for u in uniques]
    return mapped[codes]


def _bad_nips(text: ObjArray) -> BoolArray:
    """18-digit ids that break the NIP structure (vectorised twin of :func:`domain.nip_problem`)."""
    s = pd.Series(text, dtype="str")
    is18 = s.str.fullmatch(r"[0-9]{18}").fillna(False).to_numpy(dtype=bool)
    bad = np.zeros(len(text), dtype=bool)
    if not is18.any():
        return bad
    d = s[is18]

    def part(a: int, b: int) -> npt.NDArray[np.int64]:
        arr: npt.NDArray[np.int64] = d.str.slice(a, b).astype(np.int64).to_numpy()
        return arr

    by, bm, bd = part(0, 4), part(4, 6), part(6, 8)
    ty, tm = part(8, 12), part(12, 14)
    sex = d.str.slice(14, 15).to_numpy(dtype=object)
    serial = d.str.slice(15, 18).to_numpy(dtype=object)
    leap = ((by % 4 == 0) & (by % 100 != 0)) | (by % 400 == 0)
    month_days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    dim = month_days[np.clip(bm, 1, 12) - 1] + ((bm == 2) & leap)
    ok = (by >= 1) & (bm >= 1) & (bm <= 12) & (bd >= 1) & (bd <= dim)
    ok &= (tm >= 1) & (tm <= 12) & (ty >= by + 14) & (ty <= by + 70)
    ok &= ((sex == "1") | (sex == "2")) & (serial != "000")
    bad[np.flatnonzero(is18)[~ok]] = True
    return bad


def _convert(
    col: Column, cells: _Cells, rows: npt.NDArray[np.int64], out: _Collector
) -> tuple[npt.NDArray[Any], BoolArray]:
    """Convert one column to its canonical values; returns values and a mask of valid cells."""
    name, text, blank, raw = col.name, cells.text, cells.blank, cells.raw
    n = len(text)
    valid = np.ones(n, dtype=bool)
    if col.nonblank:
        out.cells(blank, rows, name, np.full(n, None, dtype=object), "missing_value", f"{name} is blank")
        valid &= ~blank
    filled = ~blank

    if col.kind in ("id", "text"):
        return text, valid

    if col.kind in ("float", "int"):
        if cells.num is not None:
            x = cells.num.copy()
        else:
            x = np.full(n, np.nan)
            if filled.any():
                x[filled] = _parse_numbers(text[filled])
        nan_ok = np.isnan(x)
        bad = filled & ~np.isfinite(x)
        out.cells(bad & nan_ok, rows, name, raw, "not_a_number", f"{name} is not a number")
        out.cells(bad & ~nan_ok, rows, name, raw, "not_a_number", f"{name} must be a finite number")
        xs = np.where(filled & ~bad, x, 0.0)
        neg = filled & ~bad & (xs < 0)
        out.cells(neg, rows, name, raw, "negative_value", f"{name} must not be negative")
        valid &= ~bad & ~neg
        if col.kind == "int":
            frac = filled & ~bad & ~neg & ((xs != np.floor(xs)) | (xs >= 2.0**53))
            out.cells(frac, rows, name, raw, "not_an_integer", f"{name} must be a whole number")
            valid &= ~frac
        if col.bounds is not None:
            lo, hi = col.bounds
            outside = filled & valid & ((xs < lo) | (xs > hi))
            out.cells(outside, rows, name, raw, "out_of_range", f"{name} must lie between {lo:g} and {hi:g}")
            valid &= ~outside
        default = float(col.default)
        vals = np.where(filled & valid, x, default)
        if col.kind == "int" and not np.isnan(default):
            return np.where(filled & valid, vals, default).astype(np.int64), valid
        return vals.astype(np.float64), valid

    if col.kind == "bool":
        low = _map_unique(text, lambda t: t.lower())
        truth = _isin(low, list(_TRUE))
        falsity = _isin(low, list(_FALSE))
        if cells.num is not None:
            truth = truth | (cells.num == 1)
            falsity = falsity | (cells.num == 0)
        bad = filled & ~truth & ~falsity
        out.cells(bad, rows, name, raw, "invalid_boolean",
                  f"{name} must be ya/tidak (true/false, yes/no, y/n, 1/0, benar/salah)")  # fmt: skip
        return (filled & truth & ~bad), valid & ~bad

    parsers: dict[str, tuple[Callable[[str], Any], str, str]] = {
        "status": (lambda t: _STATUS.get(t.upper()), "invalid_status", "must be PNS, CPNS or PPPK (P3K)"),
        "grade": (parse_grade, "invalid_grade",
                  "is not a golongan/ruang such as III/b, 3b or a SIASN id such as 32"),
        "education": (parse_education, "invalid_education",
                      "is not an education level (" + ", ".join(EDUCATION_LEVELS) + ")"),
        "period": (parse_period, "invalid_period", "must be tahun, bulan, minggu or hari"),
    }  # fmt: skip
    if col.kind == "date":
        return _convert_dates(name, cells, rows, out, valid)
    if col.kind == "idlist":
        return _map_unique(text, _canonical_idlist), valid
    if col.kind == "coverage":
        parsed = _map_unique(text, parse_coverage)
        is_err = _map_unique(text, lambda t: isinstance(parse_coverage(t), str)).astype(bool)
        bad = filled & is_err
        out.cells(bad, rows, name, raw, "invalid_coverage", lambda i: f"{name}: {parsed[i]}")
        canon = _map_unique(np.where(bad, "", text).astype(object), _canonical_coverage)
        return canon, valid & ~bad
    if col.kind == "competencies":
        parsed = _map_unique(text, parse_competencies)
        is_err = _map_unique(text, lambda t: isinstance(parse_competencies(t), str)).astype(bool)
        bad = filled & is_err
        out.cells(bad, rows, name, raw, "invalid_competencies", lambda i: f"{name}: {parsed[i]}")
        canon = _map_unique(np.where(bad, "", text).astype(object), _canonical_competencies)
        return canon, valid & ~bad
    fn, rule, message = parsers[col.kind]
    parsed = _map_unique(text, fn)
    bad = filled & pd.Series(parsed, dtype=object).isna().to_numpy(dtype=bool)
    out.cells(bad, rows, name, raw, rule, f"{name} {message}")
    canon = np.where(filled & ~bad, parsed, "").astype(object)
    return canon, valid & ~bad


def _canonical_competencies(text: str) -> str:
    parsed = parse_competencies(text)
    return format_competencies(parsed) if isinstance(parsed, dict) else ""


def _canonical_coverage(text: str) -> str:
    parsed = parse_coverage(text)
    return format_coverage(parsed) if isinstance(parsed, list) else ""


def _canonical_idlist(text: str) -> str:
    """``"P1, U2 |P1;;"`` -> ``"P1;U2"``: entries stripped, blanks and later repeats dropped."""
    return ";".join(dict.fromkeys(e for e in (x.strip() for x in re.split(r"[;,|]", text)) if e))


def _convert_dates(
    name: str, cells: _Cells, rows: npt.NDArray[np.int64], out: _Collector, valid: BoolArray
) -> tuple[npt.NDArray[Any], BoolArray]:
    """Dates ``YYYY-MM-DD``, ``DD-MM-YYYY`` or ``DD/MM/YYYY`` (a time part is dropped).

    Dates must lie between 1 January 1900 and today (rule ``invalid_date``). Each distinct
    text is parsed once.
    """
    n = len(cells.text)
    filled = ~cells.blank
    values = np.full(n, _NAT, dtype=_DATE_DTYPE)
    if not filled.any():
        return values, valid
    codes, uniques = pd.factorize(pd.Series(cells.text[filled], dtype=object), sort=False)
    got, why = _parse_dates(pd.Series(uniques, dtype=object).astype("str"), name)
    values[filled] = got[codes]
    bad = np.zeros(n, dtype=bool)
    bad[filled] = np.isnat(got)[codes]
    msg = np.full(n, "", dtype=object)
    msg[filled] = why[codes]
    out.cells(bad, rows, name, cells.raw, "invalid_date", lambda i: str(msg[i]))
    return values, valid & ~bad


def _parse_dates(t: pd.Series, name: str) -> tuple[npt.NDArray[np.datetime64], ObjArray]:
    """Dates of texts (``NaT`` where invalid) and why each invalid one is (``""`` if valid)."""
    ymd = t.str.extract(_YMD)
    dmy = t.str.extract(_DMY)
    year = pd.to_numeric(ymd[0].fillna(dmy[3]), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    month = pd.to_numeric(ymd[2].fillna(dmy[2]), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    day = pd.to_numeric(ymd[3].fillna(dmy[0]), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    today = _dt.date.today()
    in_years = (year >= _FIRST_YEAR) & (year <= today.year)
    parts = pd.DataFrame({"year": np.where(in_years, year, np.nan), "month": month, "day": day})
    got = pd.to_datetime(parts, errors="coerce").to_numpy(dtype=_DATE_DTYPE, copy=True)
    future = ~np.isnat(got) & (got > np.datetime64(today, "ns"))
    got[future] = _NAT
    plausible = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    why = np.where(np.isnat(got), f"{name} is not a date such as 1985-03-17, 17-03-1985 or 17/03/1985", "")
    why = np.where(plausible & (year < _FIRST_YEAR), f"{name} lies before {_FIRST_YEAR}", why)
    why = np.where(future | (plausible & (year > today.year)), f"{name} lies in the future", why)
    return got, why.astype(object)


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


def _check_table(spec: TableSpec, raw: object, problems: list[InputProblem], warnings: list[str]) -> _Checked:
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

    # Headers -> canonical columns (positions in the input frame).
    hmap = spec.header_map
    where: dict[str, list[int]] = {}
    extra_pos: list[int] = []
    for j, label in enumerate(raw.columns):
        norm = normalise_header(label)
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
    missing = [c.name for c in spec.columns if c.required and c.name not in where]
    for c in spec.columns:
        if c.name in missing:
            names = ", ".join((c.name, *c.aliases))
            out.add(None, c.name, None, "missing_column",
                    f"required column {c.name} is missing (accepted headers: {names})")  # fmt: skip

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
    keep = ~blank_all if raw.shape[1] else np.zeros(n_raw, dtype=bool)
    idx = np.flatnonzero(keep)
    rows = (idx + 2).astype(np.int64)
    if not len(idx):
        if spec.required:
            out.add(None, None, None, "empty_table", f"the {spec.name} table has no rows")
        checked = _empty_checked(spec, present=True)
        checked.usable = {c for c in spec.names if len(where.get(c, [])) == 1}
        checked.extras = raw.iloc[idx, extra_pos].reset_index(drop=True)
        return checked

    columns: dict[str, npt.NDArray[Any]] = {}
    valid: dict[str, BoolArray] = {}
    all_cells: dict[str, _Cells] = {}
    for c in spec.columns:
        if c.name not in where:
            continue
        cells = full[c.name].take(idx)
        all_cells[c.name] = cells
        columns[c.name], valid[c.name] = _convert(c, cells, rows, out)
        if c.unique:
            _check_unique(c.name, cells, rows, out)
        if spec.name == "employees" and c.name == "employee_id":
            bad_nip = _bad_nips(cells.text)
            for i in np.flatnonzero(bad_nip):
                why = nip_problem(str(cells.text[i]))
                if why is not None:
                    out.add(int(rows[i]), c.name, cells.raw[i], "invalid_nip", why)
        if c.kind == "id" and cells.from_float and (~cells.blank).any():
            warnings.append(
                f"{spec.name}: column {c.name} was read as numbers; long ids such as 18-digit NIPs may "
                "have lost digits, read the file as text"
            )
        elif c.kind == "id":
            sci = pd.Series(cells.text, dtype="str").str.fullmatch(_SCIENTIFIC).to_numpy(dtype=bool)
            if sci.any():
                warnings.append(
                    f"{spec.name}: {int(sci.sum())} value(s) of {c.name} look like numbers in scientific "
                    f"notation (e.g. {cells.text[np.flatnonzero(sci)[0]]!r}); digits were lost when the "
                    "file was saved, format the column as text"
                )
    if extra_pos:
        shown = ", ".join(repr(str(raw.columns[j])) for j in extra_pos)
        warnings.append(f"{spec.name}: extra column(s) {shown} kept but not used")
    extras = raw.iloc[idx, extra_pos].reset_index(drop=True)
    usable = {c for c in spec.names if len(where.get(c, [])) == 1}
    return _Checked(spec, True, columns, valid, all_cells, rows, extras, usable)


def _check_unique(name: str, cells: _Cells, rows: npt.NDArray[np.int64], out: _Collector) -> None:
    """Report every repeat of a value after its first row (rule ``duplicate_id``)."""
    text = pd.Series(cells.text, dtype=object)
    dup = text.duplicated(keep="first").to_numpy(dtype=bool) & ~cells.blank
    if dup.any():
        first = pd.Series(rows).groupby(text, sort=False).transform("min").to_numpy()
        out.cells(dup, rows, name, cells.raw, "duplicate_id",
                  lambda i: f"{name} {cells.text[i]!r} also appears on row {first[i]}")  # fmt: skip


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
        data[c.name] = pd.Series(vals, dtype=empty[c.name].dtype)
    data["source_row"] = pd.Series(ch.rows, dtype=np.int64)
    frame = pd.DataFrame(data)
    if ch.extras.shape[1]:
        frame = pd.concat([frame, ch.extras.reset_index(drop=True)], axis=1)
    out: pd.DataFrame = frame
    return out


def validate_tables(raw: Mapping[str, pd.DataFrame | None]) -> Tables:
    """Check raw input frames and return canonical typed tables.

    Parameters
    ----------
    raw : mapping of str to DataFrame or None
        ``employees``, ``positions`` and optionally ``tasks`` and ``units`` (other keys
        are ignored; keys are matched case-insensitively). Frames may be all-text (as read
        from CSV or Excel) or have numeric, boolean and datetime dtypes. They are never
        modified.

    Returns
    -------
    Tables
        Canonical frames (see :data:`TABLES`) with ``source_row`` and extra columns, and
        warnings.

    Raises
    ------
    InputError
        Listing every problem found in all tables and rows, each with table, spreadsheet
        row (header = 1), column, value and rule.
    """
    given = {normalise_header(k): v for k, v in raw.items()}
    problems: list[InputProblem] = []
    warnings: list[str] = []
    checked = {name: _check_table(spec, given.get(name), problems, warnings) for name, spec in TABLES.items()}
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
            ~cells.blank & ~_isin(cells.text, unit_ids), uni.rows, "unit_id", cells.raw, "unknown_unit",
            lambda i: f"unit_id {cells.text[i]!r} is not a unit_id of the positions table",
        )  # fmt: skip
    tasks_usable = not tsk.present or "position_id" in tsk.usable
    if pos.present and "position_id" in pos.cells and tasks_usable:
        n = len(pos.rows)
        wl_blank = pos.cells["workload_hours"].blank if "workload_hours" in pos.cells else np.ones(n, bool)
        with_tasks = tsk.cells["position_id"].text if "position_id" in tsk.cells else np.empty(0, object)
        pid = pos.cells["position_id"]
        no_wl = wl_blank & ~pid.blank & ~_isin(pid.text, with_tasks)
        _Collector("positions", problems).cells(
            no_wl, pos.rows, "workload_hours", np.full(n, None, dtype=object), "missing_workload",
            lambda i: f"position {pid.text[i]!r} has no workload_hours and no rows in the tasks table",
        )  # fmt: skip
    if pos.present:
        _check_ranges(pos, _Collector("positions", problems))
    if "workload_hours" in pos.cells and "position_id" in tsk.cells and "position_id" in pos.cells:
        pid = pos.cells["position_id"]
        both = ~pos.cells["workload_hours"].blank & _isin(pid.text, tsk.cells["position_id"].text)
        if both.any():
            warnings.append(
                f"positions: {int(both.sum())} position(s) have both workload_hours and tasks "
                f"(e.g. {pid.text[np.flatnonzero(both)[0]]!r}); their workload is taken from the tasks"
            )

    if problems:
        order = {t: {c: k for k, c in enumerate(s.names)} for t, s in TABLES.items()}
        problems.sort(
            key=lambda p: (
                _TABLE_ORDER.get(p.table, len(_TABLE_ORDER)),
                -1 if p.row is None else p.row,
                order.get(p.table, {}).get(p.column or "", -1),
            )
        )
        raise InputError(problems)

    positions = _finish(pos)
    blank_name = positions["unit_name"] == ""
    if blank_name.any():
        positions["unit_name"] = positions["unit_name"].where(~blank_name, positions["unit_id"])
    units = _finish(uni)
    blank_name = units["unit_name"] == ""
    if blank_name.any():  # the unit's name in the positions table
        names = positions.drop_duplicates("unit_id").set_index("unit_id")["unit_name"]
        units["unit_name"] = units["unit_name"].where(~blank_name, units["unit_id"].map(names))
    return Tables(_finish(emp), positions, _finish(tsk), units=units, warnings=warnings)


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
    listed = np.flatnonzero(canon != "")
    if not len(listed):
        return
    entries = pd.Series(canon[listed], index=listed, dtype=object).str.split(";").explode()
    bad = entries[~_isin(entries.to_numpy(dtype=object), known)]
    if bad.empty:
        return
    by_row = bad.groupby(level=0, sort=True).agg(list)
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
    unknown = ~cells.blank & ~_isin(cells.text, known)
    out.cells(unknown, ch.rows, "position_id", cells.raw, "unknown_position",
              lambda i: f"position_id {cells.text[i]!r} is not in the positions table")  # fmt: skip


def _check_ranges(pos: _Checked, out: _Collector) -> None:
    """``min_staff <= max_staff`` and ``min_grade <= max_grade`` where both are valid."""
    cols, valid, rows = pos.columns, pos.valid, pos.rows
    if "min_staff" in cols and "max_staff" in cols:
        lo = np.asarray(cols["min_staff"], dtype=float)
        hi = np.asarray(cols["max_staff"], dtype=float)
        both = valid["min_staff"] & valid["max_staff"] & ~np.isnan(hi)
        bad = both & (lo > np.where(both, hi, np.inf))
        out.cells(bad, rows, "min_staff", pos.cells["min_staff"].raw, "min_above_max",
                  lambda i: f"min_staff {lo[i]:g} is above max_staff {hi[i]:g}")  # fmt: skip
    if "min_grade" in cols and "max_grade" in cols:
        gmin, gmax = cols["min_grade"], cols["max_grade"]
        both = valid["min_grade"] & valid["max_grade"] & (gmin != "") & (gmax != "")
        if both.any():
            rmin = _map_unique(np.where(both, gmin, "I/a").astype(object), grade_rank)
            rmax = _map_unique(np.where(both, gmax, "I/a").astype(object), grade_rank)
            bad = both & (rmin.astype(int) > rmax.astype(int))
            out.cells(bad, rows, "min_grade", pos.cells["min_grade"].raw, "min_above_max",
                      lambda i: f"min_grade {gmin[i]} is above max_grade {gmax[i]}")  # fmt: skip
