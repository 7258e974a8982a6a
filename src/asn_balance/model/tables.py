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
import hashlib
import json
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
    PERIOD_FACTORS,
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
from .limits import DEFAULT_LIMITS, Limits

__all__ = [
    "HASH_SCHEME",
    "POSITION_ID_SEPARATOR",
    "TABLES",
    "Column",
    "TableSpec",
    "Tables",
    "canonical_hash",
    "canonical_text",
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
                       aliases=("status_pegawai", "jenis_pegawai", "kedudukan", "statuspegawai")),
                Column("grade", "grade",
                       aliases=("golongan", "gol", "pangkat_golongan", "golruang", "golruangakhirid",
                                "gol_ruang_akhir_id")),
                Column("education", "education",
                       aliases=("pendidikan", "pendidikan_terakhir", "tingkat_pendidikan",
                                "tkpendidikanterakhirid", "tk_pendidikan_terakhir_id")),
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


#: First line of the text :func:`canonical_hash` hashes; a new scheme gets a new line.
HASH_SCHEME: Final[str] = "asn-balance canonical tables v1"


def _json_cells(values: pd.Series, kind: str) -> list[str]:
    """Each cell of a canonical column as compact JSON (one call per distinct value)."""
    if kind == "date":
        stamps = pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")
        text = stamps.dt.strftime("%Y-%m-%d")
        return ['"' + t + '"' if isinstance(t, str) else "null" for t in text.tolist()]
    if kind == "bool":
        return ["true" if bool(v) else "false" for v in values.tolist()]
    if kind in ("float", "int"):
        x = values.to_numpy(dtype=float, na_value=np.nan)
        out = np.full(len(x), "null", dtype=object)
        fin = np.isfinite(x)
        whole = fin & (x == np.round(x)) & (np.abs(x) < 2.0**53)
        out[whole] = [str(int(v)) for v in x[whole].tolist()]
        other = fin & ~whole
        out[other] = [repr(float(v)) for v in x[other].tolist()]
        return [str(v) for v in out.tolist()]
    codes, uniques = pd.factorize(values.astype(object), sort=False)
    encoded = [json.dumps(str(u), ensure_ascii=False) for u in uniques]
    return [encoded[c] if c >= 0 else "null" for c in codes.tolist()]


def canonical_text(
    employees: pd.DataFrame,
    positions: pd.DataFrame,
    tasks: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> str:
    """The canonical text of validated tables, as :func:`canonical_hash` hashes it.

    Line 1 is :data:`HASH_SCHEME`. Then, for each table in the order employees,
    positions, tasks, units: a header line ``["<table>",[<canonical column names>],<rows>]``
    and one line per row, in the order of the input, holding the JSON array of the row's
    canonical values in the column order of :data:`TABLES`: text as JSON strings (after
    validation: stripped, canonical spelling), whole numbers as integers, other numbers as
    the shortest text that reads back the same float, blank numbers and dates ``null``,
    booleans ``true``/``false``, dates ``"YYYY-MM-DD"``. JSON is compact (no spaces) and
    keeps non-ASCII characters; lines end with ``\n``. ``source_row`` and extra columns
    are left out.
    """
    frames = {"employees": employees, "positions": positions, "tasks": tasks, "units": units}
    lines = [HASH_SCHEME]
    for name, spec in TABLES.items():
        frame = frames[name]
        n = 0 if frame is None else len(frame)
        head = json.dumps([name, list(spec.names), n], ensure_ascii=False, separators=(",", ":"))
        lines.append(head)
        if frame is None or not n:
            continue
        cols = [_json_cells(frame[c.name], c.kind) for c in spec.columns]
        lines.extend("[" + ",".join(cells) + "]" for cells in zip(*cols, strict=True))
    return "\n".join(lines) + "\n"


def canonical_hash(
    employees: pd.DataFrame,
    positions: pd.DataFrame,
    tasks: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> str:
    """SHA-256 (hex) of the canonical validated tables: the input's fingerprint.

    The hash is taken over :func:`canonical_text` encoded as UTF-8. It does not depend on
    the file format, encoding, separators, header spellings, column order, blank rows or
    extra columns of the source, only on the validated values and the order of the rows
    (which can break ties between equally good plans). Plans record it as
    ``summary.input_sha256``.

    Parameters
    ----------
    employees, positions, tasks, units : DataFrame
        Canonical frames, as in :class:`Tables` or :class:`~asn_balance.problem.Problem`.
    """
    text = canonical_text(employees, positions, tasks, units)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
        try:
            st = s.astype("str").str.strip()
        except (UnicodeDecodeError, TypeError, ValueError):  # e.g. bytes that are not UTF-8
            st = pd.Series([_cell_text(v) for v in s.to_numpy(dtype=object)], dtype=object)
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


class _ProblemList(list[InputProblem]):
    """Problems found so far; beyond ``cap`` they are only counted (``overflow``)."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.overflow = 0

    @property
    def full(self) -> bool:
        return len(self) >= self.cap


class _Collector:
    """Collects problems of one table; words them only for the bad cells."""

    def __init__(self, table: str, problems: list[InputProblem]) -> None:
        self.table = table
        self.problems = problems

    def _full(self) -> bool:
        return isinstance(self.problems, _ProblemList) and self.problems.full

    def add(self, row: int | None, column: str | None, value: Any, rule: str, message: str) -> None:
        if self._full():
            assert isinstance(self.problems, _ProblemList)
            self.problems.overflow += 1
            return
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
        where = np.flatnonzero(mask)
        for k, i in enumerate(where):
            if self._full():  # count the rest, word none of them
                assert isinstance(self.problems, _ProblemList)
                self.problems.overflow += len(where) - k
                return
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
    col: Column, cells: _Cells, rows: npt.NDArray[np.int64], out: _Collector, limits: Limits = DEFAULT_LIMITS
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
        big = filled & ~bad & ~neg & (xs > limits.max_abs_number)
        out.cells(big, rows, name, raw, "value_too_large",
                  f"{name} is above {limits.max_abs_number:g} (Limits.max_abs_number)")  # fmt: skip
        valid &= ~bad & ~neg & ~big
        if col.kind == "int":
            frac = filled & ~bad & ~neg & ~big & ((xs != np.floor(xs)) | (xs >= 2.0**53))
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


def _check_table(
    spec: TableSpec,
    raw: object,
    problems: list[InputProblem],
    warnings: list[str],
    limits: Limits = DEFAULT_LIMITS,
    derive: _DeriveOptions | None = None,
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
        long_id = limits.max_id_length + 1 + limits.max_text_length if c.name in derived else None
        _check_length(c, cells, rows, out, limits, suppress, long_id)
        all_cells[c.name] = cells
        columns[c.name], valid[c.name] = _convert(c, cells, rows, out, limits)
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


def _check_length(
    col: Column,
    cells: _Cells,
    rows: npt.NDArray[np.int64],
    out: _Collector,
    limits: Limits,
    suppress: set[tuple[int, str]],
    id_limit: int | None = None,
) -> None:
    """Cells longer than the limits (``id_too_long``, ``text_too_long``) are reported and blanked.

    A blanked cell is not parsed (a regular expression over megabytes of text could take
    long) and gives no follow-up ``missing_value``.
    """
    if not len(cells.text):
        return
    is_id = col.kind == "id"
    limit = (id_limit or limits.max_id_length) if is_id else limits.max_text_length
    lens = pd.Series(cells.text, dtype=object).str.len().to_numpy(dtype=float, na_value=0.0)
    long = lens > limit
    if not long.any():
        return
    if is_id:
        out.cells(long, rows, col.name, cells.raw, "id_too_long",
                  f"{col.name} is longer than {limit} characters (Limits.max_id_length)")  # fmt: skip
    else:
        out.cells(long, rows, col.name, cells.raw, "text_too_long",
                  f"{col.name} is longer than {limit} characters (Limits.max_text_length)")  # fmt: skip
    cells.text[long] = ""
    cells.blank[long] = True
    if cells.num is not None:
        cells.num[long] = np.nan
    suppress.update((int(r), col.name) for r in rows[long])


#: Header sets of the columns a missing column can be made of (see :func:`_derive`).
_UNIT_SOURCES: Final[frozenset[str]] = frozenset({"unit_id", *_UNIT_ID_ALIASES})
_JABATAN_SOURCES: Final[frozenset[str]] = frozenset(
    {"jabatan", "nama_jabatan", "jabatannama", "jabatan_nama"}
)
_TMT_SOURCES: Final[frozenset[str]] = frozenset({"tmt_jabatan", "tmtjabatan", "tmt_jabatan_terakhir"})
#: Separator of a position_id made of unit_id and jabatan: ``U1/Analis Kebijakan``.
POSITION_ID_SEPARATOR: Final[str] = "/"
_DERIVED_HINT: Final[dict[tuple[str, str], str]] = {
    ("employees", "position_id"): "; or give unit_id (unorId) and jabatan (jabatanNama) to make it from",
    ("tasks", "position_id"): "; or give unit_id (unorId) and jabatan (jabatanNama) to make it from",
    ("positions", "position_id"): "; or give unit_id (unorId) and jabatan (jabatanNama) to make it from",
    ("employees", "months_in_position"): "; or give tmt_jabatan (tmtJabatan) to count them from",
}


@dataclass
class _Derived:
    """A canonical column made from other columns of the same table."""

    cells: _Cells
    sources: list[tuple[str, int]]  # (name used in problems, input column position)
    parts: list[_Cells]
    kind: Literal["position", "months"]
    bad: BoolArray | None = None  # per input row: the source is invalid (months: a bad date)
    why: ObjArray | None = None
    clamped: int = 0

    def report(
        self,
        name: str,
        idx: npt.NDArray[np.intp],
        rows: npt.NDArray[np.int64],
        out: _Collector,
        suppress: set[tuple[int, str]],
        warnings: list[str],
        table: str,
    ) -> None:
        """Problems of the sources on the kept rows; the derived column's own blanks are theirs."""
        blank = self.cells.blank[idx]
        own_table_columns = {c.name for c in TABLES[table].columns}
        for (src, j), part in zip(self.sources, self.parts, strict=True):
            del j
            if src in own_table_columns:
                continue  # a canonical column of the table: checked as such
            empty = part.blank[idx]
            out.cells(empty, rows, src, np.full(len(idx), None, dtype=object), "missing_value",
                      f"{src} is blank ({name} is made from it)")  # fmt: skip
        if self.bad is not None and self.why is not None:
            bad = self.bad[idx]
            src = self.sources[0][0]
            out.cells(bad, rows, src, self.parts[0].raw[idx], "invalid_date",
                      lambda i: str(self.why[idx[i]]) if self.why is not None else "")  # fmt: skip
        suppress.update((int(r), name) for r in rows[blank])
        if self.clamped:
            warnings.append(
                f"{table}: {self.clamped} tmt_jabatan date(s) lie after the plan date; "
                "months_in_position is 0 for them"
            )


@dataclass(frozen=True)
class _DeriveOptions:
    """What :func:`_derive` may make, decided over all tables."""

    plan_date: _dt.date | None = None
    #: the positions table may make its position_id (only when the employees make theirs too)
    positions_from_parts: bool = True
    #: ``<unit>/<jabatan>`` -> position_id, when the positions table gives position_id
    lookup: Mapping[str, str] | None = None


def _position_key(raw: object) -> tuple[int | None, int | None]:
    """Input columns of the unit and the jabatan (each present exactly once), else ``None``."""
    if not isinstance(raw, pd.DataFrame):
        return None, None
    norms = [normalise_header(c) if len(str(c)) <= 1000 else "" for c in raw.columns]

    def one(names: frozenset[str]) -> int | None:
        found = [j for j, n in enumerate(norms) if n in names]
        return found[0] if len(found) == 1 else None

    return one(_UNIT_SOURCES), one(_JABATAN_SOURCES)


def _has_column(raw: object, table: str, column: str) -> bool:
    """Whether a raw table has a header meaning ``column``."""
    if not isinstance(raw, pd.DataFrame):
        return False
    hmap = TABLES[table].header_map
    return any(hmap.get(normalise_header(c)) == column for c in raw.columns if len(str(c)) <= 1000)


def _derive_options(given: Mapping[str, object], plan_date: _dt.date | None) -> _DeriveOptions:
    """Whether and how position ids are made from unit and jabatan, over all tables.

    The positions table makes its ``position_id`` (``<unit>/<jabatan>``) only when the
    employees table has none either (a SIASN export planned with an ABK table by unit and
    jabatan). When the positions table gives ``position_id`` and also unit and jabatan,
    an employee without ``position_id`` is placed in the position of its unit and jabatan.
    """
    emp, pos = given.get("employees"), given.get("positions")
    pos_has = _has_column(pos, "positions", "position_id")
    own = not pos_has and not _has_column(emp, "employees", "position_id")
    lookup: dict[str, str] | None = None
    if pos_has and isinstance(pos, pd.DataFrame):
        ju, jj = _position_key(pos)
        hmap = TABLES["positions"].header_map
        jp = next(
            j for j, c in enumerate(pos.columns)
            if len(str(c)) <= 1000 and hmap.get(normalise_header(c)) == "position_id"
        )  # fmt: skip
        if ju is not None and jj is not None:
            unit, jab, pid = (cells_of(pos.iloc[:, j]) for j in (ju, jj, jp))
            ok = ~unit.blank & ~jab.blank & ~pid.blank
            keys = pd.Series(unit.text[ok] + POSITION_ID_SEPARATOR + jab.text[ok], dtype=object)
            ids = pd.Series(pid.text[ok], dtype=object)
            distinct = ids.groupby(keys, sort=False).nunique()
            first = ids.groupby(keys, sort=False).first()
            lookup = {str(k): str(v) for k, v in first[distinct == 1].items()}
    return _DeriveOptions(plan_date, own, lookup)


def _derive(
    spec: TableSpec,
    raw: pd.DataFrame,
    norms: list[str],
    where: dict[str, list[int]],
    options: _DeriveOptions,
) -> dict[str, _Derived]:
    """Columns of ``spec`` that are absent but can be made from others (SIASN exports).

    * ``position_id`` (employees, tasks; positions when the employees have none either)
      from the unit (``unit_id`` or an alias such as ``unorId``) and the ``jabatan``
      (``jabatanNama``): the position of that unit and jabatan in the positions table,
      else ``<unit_id>/<jabatan>``;
    * ``months_in_position`` (employees) from ``tmt_jabatan`` (``tmtJabatan``): whole
      months from that date to the plan date (``plan_date``, else today).

    A source header must appear exactly once; otherwise nothing is made.
    """
    plan_date = options.plan_date
    out: dict[str, _Derived] = {}

    def one(names: frozenset[str]) -> int | None:
        found = [j for j, n in enumerate(norms) if n in names]
        return found[0] if len(found) == 1 else None

    own_ok = spec.name != "positions" or options.positions_from_parts
    if "position_id" in spec.names and "position_id" not in where and own_ok:
        ju, jj = one(_UNIT_SOURCES), one(_JABATAN_SOURCES)
        if ju is not None and jj is not None:
            unit, jab = cells_of(raw.iloc[:, ju]), cells_of(raw.iloc[:, jj])
            blank = unit.blank | jab.blank
            text = np.where(blank, "", unit.text + POSITION_ID_SEPARATOR + jab.text).astype(object)
            lookup = options.lookup
            if lookup is not None and spec.name != "positions":
                text = np.array([lookup.get(k, k) for k in text.tolist()], dtype=object)
            out["position_id"] = _Derived(
                _Cells(text.copy(), text, blank), [("unit_id", ju), ("jabatan", jj)], [unit, jab], "position"
            )
    if spec.name == "employees" and "months_in_position" not in where:
        jt = one(_TMT_SOURCES)
        if jt is not None:
            out["months_in_position"] = _months_from_tmt(cells_of(raw.iloc[:, jt]), jt, plan_date)
    return out


def _months_from_tmt(tmt: _Cells, j: int, plan_date: _dt.date | None) -> _Derived:
    """Whole months from each TMT date to the plan date (0 for a TMT after it)."""
    n = len(tmt.text)
    at = plan_date if plan_date is not None else _dt.date.today()
    months = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    why = np.full(n, "", dtype=object)
    filled = ~tmt.blank
    clamped = 0
    if filled.any():
        codes, uniques = pd.factorize(pd.Series(tmt.text[filled], dtype=object), sort=False)
        got, reason = _parse_dates(pd.Series(uniques, dtype=object).astype("str"), "tmt_jabatan")
        ok = ~np.isnat(got)
        stamps = pd.DatetimeIndex(np.where(ok, got, np.datetime64("2000-01-01", "ns")))
        m = (at.year - stamps.year.to_numpy()) * 12 + (at.month - stamps.month.to_numpy())
        m = m - (at.day < stamps.day.to_numpy())
        m_u = np.where(ok, m, np.nan).astype(float)
        clamped = int(np.sum(ok[codes] & (m_u[codes] < 0)))
        m_u = np.where(m_u < 0, 0.0, m_u)
        months[filled] = m_u[codes]
        bad[filled] = ~ok[codes]
        why[filled] = reason[codes]
    blank = np.isnan(months)
    text = _float_text(months)
    cells = _Cells(tmt.raw, text, blank, months)
    return _Derived(cells, [("tmt_jabatan", j)], [tmt], "months", bad & filled, why, clamped)


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
        ``employees``, ``positions`` and optionally ``tasks`` and ``units`` (other keys
        are ignored; keys are matched case-insensitively). Frames may be all-text (as read
        from CSV or Excel) or have numeric, boolean and datetime dtypes. They are never
        modified.
    limits : Limits, optional
        Limits on rows, columns, cell lengths and numbers (default :class:`Limits()
        <asn_balance.limits.Limits>`).
    plan_date : date, optional
        The date at which ``months_in_position`` is counted when it is made from
        ``tmt_jabatan`` (SIASN ``tmtJabatan``); ``None``: today.

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
    lim = limits if limits is not None else DEFAULT_LIMITS
    given = {normalise_header(k): v for k, v in raw.items()}
    problems = _ProblemList(lim.max_problems)
    warnings: list[str] = []
    derive = _derive_options(given, plan_date)
    checked = {
        name: _check_table(spec, given.get(name), problems, warnings, lim, derive)
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
        order = {t: {c: k for k, c in enumerate(s.names)} for t, s in TABLES.items()}
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
    return Tables(_finish(emp), positions, _finish(tsk), units=units, warnings=warnings)


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
        factor = pd.Series(tsk.columns["period"], dtype=object).map(PERIOD_FACTORS)
        each = (
            np.nan_to_num(np.asarray(tsk.columns["volume"], dtype=float))
            * factor.fillna(0).to_numpy(dtype=float)
            * np.nan_to_num(np.asarray(tsk.columns["norm_minutes"], dtype=float))
            / 60.0
        )
        per = pd.Series(each).groupby(pd.Series(tsk.cells["position_id"].text, dtype=object)).sum()
        at = pd.Index(per.index).get_indexer(pd.Index(pos.cells["position_id"].text, dtype=object))
        from_tasks = (
            np.where(at >= 0, per.to_numpy()[np.maximum(at, 0)], np.nan) if len(per) else np.full(n, np.nan)
        )
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
    unknown = ~cells.blank & ~_isin(cells.text, known)
    out.cells(unknown, ch.rows, "position_id", cells.raw, "unknown_position",
              lambda i: f"position_id {cells.text[i]!r} is not in the positions table")  # fmt: skip


def _check_ranges(pos: _Checked, out: _Collector) -> None:
    """``min_staff <= max_staff`` and ``min_grade <= max_grade`` where both are valid."""
    cols, valid, rows = pos.columns, pos.valid, pos.rows
    if "min_staff" in valid and "max_staff" in valid:
        lo = np.asarray(cols["min_staff"], dtype=float)
        hi = np.asarray(cols["max_staff"], dtype=float)
        both = valid["min_staff"] & valid["max_staff"] & ~np.isnan(hi)
        bad = both & (lo > np.where(both, hi, np.inf))
        out.cells(bad, rows, "min_staff", pos.cells["min_staff"].raw, "min_above_max",
                  lambda i: f"min_staff {lo[i]:g} is above max_staff {hi[i]:g}")  # fmt: skip
    if "min_grade" in valid and "max_grade" in valid:
        gmin, gmax = cols["min_grade"], cols["max_grade"]
        both = valid["min_grade"] & valid["max_grade"] & (gmin != "") & (gmax != "")
        if both.any():
            rmin = _map_unique(np.where(both, gmin, "I/a").astype(object), grade_rank)
            rmax = _map_unique(np.where(both, gmax, "I/a").astype(object), grade_rank)
            bad = both & (rmin.astype(int) > rmax.astype(int))
            out.cells(bad, rows, "min_grade", pos.cells["min_grade"].raw, "min_above_max",
                      lambda i: f"min_grade {gmin[i]} is above max_grade {gmax[i]}")  # fmt: skip
