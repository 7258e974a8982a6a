"""Checks and conversion of one column: the problem collector and each kind's canonical values.

:func:`_convert` turns the cells of one column into canonical values (numbers, booleans,
codes, dates, id lists, competencies, coverage) and reports every bad cell through a
:class:`_Collector`, which words a problem only for the cells that have one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .cells import (
    BoolArray,
    ObjArray,
    _Cells,
    _isin,
    _parse_dates,
    _parse_numbers,
)
from .domain import (
    EDUCATION_LEVELS,
    JABATAN_HINT,
    PART_TIME,
    format_competencies,
    format_coverage,
    grade_scale,
    parse_competencies,
    parse_coverage,
    parse_education,
    parse_grade,
    parse_jabatan_level,
    parse_jabatan_type,
    parse_period,
)
from .errors import InputProblem
from .idlist import canonical_idlists
from .limits import DEFAULT_LIMITS, Limits
from .schema import _DATE_DTYPE, _NAT, Column

__all__: list[str] = []

_TRUE: Final[frozenset[str]] = frozenset({"true", "ya", "y", "yes", "1", "benar"})
_FALSE: Final[frozenset[str]] = frozenset({"false", "tidak", "n", "no", "0", "salah"})
#: Spellings of the statuses (upper case, runs of spaces, ``-``, ``_``, ``.``, ``/`` and
#: brackets as one space) and their canonical value (:data:`~.domain.STATUSES`).
_STATUS: Final[dict[str, str]] = {
    "PNS": "PNS", "PEGAWAI NEGERI SIPIL": "PNS",
    "CPNS": "CPNS", "CALON PNS": "CPNS", "CALON PEGAWAI NEGERI SIPIL": "CPNS",
    "PPPK": "PPPK", "P3K": "PPPK", "PPPK PENUH WAKTU": "PPPK", "P3K PENUH WAKTU": "PPPK",
    "PEGAWAI PEMERINTAH DENGAN PERJANJIAN KERJA": "PPPK",
    "PPPK PARUH WAKTU": PART_TIME, "P3K PARUH WAKTU": PART_TIME, "PPPK PW": PART_TIME, "P3K PW": PART_TIME,
    "PPPKPW": PART_TIME, "P3KPW": PART_TIME, "PARUH WAKTU": PART_TIME, "PW": PART_TIME,
    "PEGAWAI PEMERINTAH DENGAN PERJANJIAN KERJA PARUH WAKTU": PART_TIME,
}  # fmt: skip


def _status(text: str) -> str | None:
    """The canonical status of a spelling (``"PPPK-PW"``, ``"p3k paruh waktu"``), or ``None``."""
    return _STATUS.get(" ".join(re.sub(r"[\s\-_./()]+", " ", text.upper()).split()))


def _scale_grade(text: str, scale: str) -> str | None:
    """The canonical grade of a spelling when it is on ``scale`` (``"PNS"``, ``"PPPK"``), else ``None``."""
    grade = parse_grade(text)
    return grade if grade is not None and grade_scale(grade) == scale else None


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
            below = (xs <= lo) if col.open_low else (xs < lo)
            outside = filled & valid & (below | (xs > hi))
            between = f"above {lo:g} and at most {hi:g}" if col.open_low else f"between {lo:g} and {hi:g}"
            out.cells(outside, rows, name, raw, "out_of_range", f"{name} must lie {between}")
            valid &= ~outside
        default = float(col.default)
        vals = np.where(filled & valid, x, default)
        if col.kind == "int" and not np.isnan(default):
            return np.where(filled & valid, vals, default).astype(np.int64), valid
        return vals.astype(np.float64), valid

    if col.kind == "bool":
        low = cells.map(str.lower)
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
        "status": (_status, "invalid_status",
                   "must be PNS, CPNS, PPPK (P3K) or PPPK Paruh Waktu (PPPK PW, Paruh Waktu)"),
        "grade": (parse_grade, "invalid_grade",
                  "is not a golongan/ruang such as III/b, 3b or a SIASN id such as 32, nor a PPPK golongan "
                  "I .. XVII such as IX"),
        "pns_grade": (lambda t: _scale_grade(t, "PNS"), "invalid_grade",
                      "takes a PNS golongan/ruang (I/a .. IV/e) such as III/b, 3b or a SIASN id such as 32; "
                      f"a PPPK golongan (I .. XVII) belongs in {name}_pppk"),
        "pppk_grade": (lambda t: _scale_grade(t, "PPPK"), "invalid_grade",
                       "takes a PPPK golongan (I .. XVII, Perpres 98/2020) such as IX or Golongan IX; a PNS "
                       f"golongan/ruang (I/a .. IV/e) belongs in {name.removesuffix('_pppk')}"),
        "jabatan_type": (parse_jabatan_type, "invalid_jabatan_type",
                         f"is not a jenis jabatan: use {JABATAN_HINT}"),
        "jabatan_level": (parse_jabatan_level, "invalid_jabatan_type",
                          "is not a jenjang jabatan: use Utama, Madya, Pratama (JPT), Ahli Utama, Ahli "
                          "Madya, Ahli Muda, Ahli Pertama, Penyelia, Mahir, Terampil, Pemula (JF), "
                          "Administrator, Pengawas, Pelaksana or Eselon I .. IV"),
        "education": (parse_education, "invalid_education",
                      "is not an education level (" + ", ".join(EDUCATION_LEVELS) + ")"),
        "period": (parse_period, "invalid_period", "must be tahun, bulan, minggu or hari"),
    }  # fmt: skip
    if col.kind == "date":
        return _convert_dates(name, cells, rows, out, valid)
    if col.kind == "idlist":
        return canonical_idlists(text), valid
    if col.kind == "coverage":
        parsed, is_err, canon = _parsed(cells, parse_coverage, _coverage_text)
        bad = filled & is_err
        out.cells(bad, rows, name, raw, "invalid_coverage", lambda i: f"{name}: {parsed[i]}")
        return canon, valid & ~bad
    if col.kind == "competencies":
        parsed, is_err, canon = _parsed(cells, parse_competencies, _competencies_text)
        bad = filled & is_err
        out.cells(bad, rows, name, raw, "invalid_competencies", lambda i: f"{name}: {parsed[i]}")
        return canon, valid & ~bad
    fn, rule, message = parsers[col.kind]
    parsed = cells.map(fn)
    bad = filled & pd.isna(parsed)
    out.cells(bad, rows, name, raw, rule, f"{name} {message}")
    canon = np.where(filled & ~bad, parsed, "").astype(object)
    return canon, valid & ~bad


def _parsed(
    cells: _Cells, parse: Callable[[str], Any], canonical: Callable[[Any], str]
) -> tuple[ObjArray, BoolArray, ObjArray]:
    """Per cell: what ``parse`` makes of its text (an error message is a ``str``), whether
    that is an error, and ``canonical`` of it; each distinct text parsed once."""
    if not len(cells.text):
        return np.empty(0, dtype=object), np.zeros(0, dtype=bool), np.empty(0, dtype=object)
    codes, distinct = cells.coded()
    parsed = np.empty(len(distinct), dtype=object)
    parsed[:] = [parse(t) for t in distinct.tolist()]
    is_err = np.fromiter((isinstance(v, str) for v in parsed.tolist()), dtype=bool, count=len(parsed))
    canon = np.empty(len(distinct), dtype=object)
    canon[:] = [canonical(v) for v in parsed.tolist()]
    return parsed[codes], is_err[codes], canon[codes]


def _competencies_text(parsed: dict[str, int] | str) -> str:
    """The canonical text of parsed competencies (``""`` for a text in error)."""
    return format_competencies(parsed) if isinstance(parsed, dict) else ""


def _coverage_text(parsed: list[tuple[str, int, int]] | str) -> str:
    """The canonical text of a parsed coverage (``""`` for a text in error)."""
    return format_coverage(parsed) if isinstance(parsed, list) else ""


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
    try:  # text cells: one C call each (each distinct text once where the cells keep codes)
        if cells.codes is not None and cells.distinct is not None:
            distinct = cells.distinct
            lens = np.fromiter(map(len, distinct), dtype=np.float64, count=len(distinct))[cells.codes]
        else:
            lens = np.fromiter(map(len, cells.text), dtype=np.float64, count=len(cells.text))
    except TypeError:
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
    cells.own()
    cells.text[long] = ""
    cells.blank[long] = True
    cells.forget_codes()
    if cells.num is not None:
        cells.num[long] = np.nan
    suppress.update((int(r), col.name) for r in rows[long])


def _check_unique(name: str, cells: _Cells, rows: npt.NDArray[np.int64], out: _Collector) -> None:
    """Report every repeat of a value after its first row (rule ``duplicate_id``)."""
    filled = cells.text[~cells.blank].tolist()
    if len(set(filled)) == len(filled):  # the usual case, told by a set of str (faster than pandas')
        return
    text = pd.Series(cells.text, dtype=object)
    dup = text.duplicated(keep="first").to_numpy(dtype=bool) & ~cells.blank
    if dup.any():
        first = pd.Series(rows).groupby(text, sort=False).transform("min").to_numpy()
        out.cells(dup, rows, name, cells.raw, "duplicate_id",
                  lambda i: f"{name} {cells.text[i]!r} also appears on row {first[i]}")  # fmt: skip
