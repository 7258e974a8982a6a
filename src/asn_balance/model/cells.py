"""Raw cells as text: one input column of any dtype to stripped text, blanks and numbers.

:func:`cells_of` reads a column once (vectorised for text, integer, float, boolean and
datetime dtypes); the parsers here turn that text into numbers (Indonesian decimal commas
accepted) and dates. Python code runs per distinct value at most (:func:`_map_unique`).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .schema import _DATE_DTYPE, _NAT

__all__ = ["cells_of"]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_YMD = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})" + _TIME + "$")
_DMY = re.compile(r"^(\d{1,2})([-/])(\d{1,2})\2(\d{4})" + _TIME + "$")
_FIRST_YEAR: Final[int] = 1900


@dataclass
class _Cells:
    """One input column over the kept rows: raw values, stripped text, blanks, numbers.

    A column of repeated values also keeps ``codes`` and ``distinct``: ``text`` is
    ``distinct[codes]``, so a check or a parser runs once per distinct text
    (:meth:`map`) and its answer is spread to the rows by the codes.
    """

    raw: ObjArray
    text: ObjArray
    blank: BoolArray
    num: FloatArray | None = None  # set when the input column has a numeric dtype
    from_float: bool = False  # the input column had a float dtype (ids may have lost digits)
    codes: npt.NDArray[np.integer[Any]] | None = None  # text == distinct[codes] where set
    distinct: ObjArray | None = None

    def take(self, idx: npt.NDArray[np.intp]) -> _Cells:
        """The cells of the rows ``idx``: every row shares this column's arrays (changed in
        place nowhere but :meth:`own`, which copies first)."""
        every = len(idx) == len(self.text) and bool(np.array_equal(idx, np.arange(len(idx))))
        if every:
            return _Cells(
                self.raw, self.text, self.blank, self.num, self.from_float, self.codes, self.distinct
            )
        num = None if self.num is None else self.num[idx]
        codes = None if self.codes is None else self.codes[idx]
        return _Cells(
            self.raw[idx], self.text[idx], self.blank[idx], num, self.from_float, codes, self.distinct
        )

    def own(self) -> None:
        """Copy ``text``, ``blank`` and ``num`` before changing them in place (they may be
        shared with the cells they were taken from)."""
        self.text = self.text.copy()
        self.blank = self.blank.copy()
        if self.num is not None:
            self.num = self.num.copy()

    def coded(self) -> tuple[npt.NDArray[np.integer[Any]], ObjArray]:
        """``codes`` and ``distinct`` texts (``text == distinct[codes]``), made if not kept."""
        if self.codes is not None and self.distinct is not None:
            return self.codes, self.distinct
        codes, uniques = _factorized(pd.Series(self.text, dtype=object))
        return np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object)

    def map(self, fn: Callable[[str], Any]) -> ObjArray:
        """``fn`` of each cell's text, called once per distinct text."""
        if not len(self.text):
            return np.empty(0, dtype=object)
        codes, distinct = self.coded()
        mapped = np.empty(len(distinct), dtype=object)
        mapped[:] = [fn(u) for u in distinct.tolist()]
        out: ObjArray = mapped[codes]
        return out

    def isin(self, allowed: npt.ArrayLike) -> BoolArray:
        """Cells whose text is one of ``allowed`` (:func:`_isin`), looked up once per distinct
        text where the cells keep codes."""
        if self.codes is not None and self.distinct is not None:
            out: BoolArray = _isin(self.distinct, allowed)[self.codes]
            return out
        return _isin(self.text, allowed)

    def forget_codes(self) -> None:
        """Drop ``codes`` and ``distinct`` (after ``text`` was changed in place)."""
        self.codes = None
        self.distinct = None


def _fullmatch(cells: _Cells, pattern: re.Pattern[str], needs: str = "") -> BoolArray:
    """Cells whose whole text matches ``pattern`` (a pattern that matches no line break): per
    distinct text where the cells keep codes, else by one search of the texts joined by line
    breaks (no Python call per cell). ``needs``: characters one of which every match holds;
    texts with none of them (ids of digits against a number in scientific notation) are not
    searched at all."""
    n = len(cells.text)
    if cells.codes is not None and cells.distinct is not None:
        distinct = cells.distinct.tolist()
        hit = np.fromiter((pattern.fullmatch(t) is not None for t in distinct), bool, count=len(distinct))
        out: BoolArray = hit[cells.codes]
        return out
    texts = cells.text.tolist()
    joined = "\n".join(texts) if all(map(isinstance, texts, itertools.repeat(str))) else None
    if joined is None or joined.count("\n") != max(n - 1, 0):  # a text with a line break: one by one
        return np.fromiter((pattern.fullmatch(str(t)) is not None for t in texts), dtype=bool, count=n)
    if needs and not any(ch in joined for ch in needs):
        return np.zeros(n, dtype=bool)
    lines = re.compile(f"^(?:{pattern.pattern})$", pattern.flags | re.MULTILINE)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    starts = np.cumsum(lengths) - lengths + np.arange(n)  # where each text begins in the joined one
    at = [m.start() for m in lines.finditer(joined)]
    found = np.zeros(n, dtype=bool)
    found[np.searchsorted(starts, np.asarray(at, dtype=np.int64), side="right") - 1] = True
    return found


def _factorized(values: Any) -> tuple[npt.NDArray[np.intp], Any]:
    """``pd.factorize(values, use_na_sentinel=False)`` (missing values get a code too),
    without its pass over every cell for missing values when there is none."""
    codes, uniques = pd.factorize(values)
    if len(codes) and int(codes.min()) < 0:
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, uniques


#: Cells of a text column looked at to tell a column of repeats from one of distinct values.
_SAMPLE: Final[int] = 4096


def _factorized_objects(
    cells: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """``pd.factorize(cells, sort=False)`` as arrays: codes and uniques numbered in order of
    first appearance."""
    codes, uniques = pd.factorize(cells, sort=False)
    return np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object)


def _text_cells(raw: ObjArray) -> _Cells:
    """Stripped text and blanks of an object array of strings and missing values; a column
    whose first cells repeat is stripped once per distinct value (and keeps the codes)."""
    n = len(raw)
    head = raw[:_SAMPLE].tolist()
    if n > _SAMPLE and 2 * len(set(head)) < len(head):
        codes, uniques = _factorized(raw)
        values = np.asarray(uniques, dtype=object)
        na_u = pd.isna(values)
        filled_u = np.where(na_u, "", values) if na_u.any() else values
        distinct = np.fromiter(map(str.strip, filled_u), dtype=object, count=len(values))
        codes = codes.astype(np.int32)  # fewer than 2**31 distinct values: half the memory of intp
        blank_u = na_u | (distinct == "")
        return _Cells(raw, distinct[codes], blank_u[codes], codes=codes, distinct=distinct)
    na = pd.isna(raw)
    filled = np.where(na, "", raw) if na.any() else raw
    text = np.fromiter(map(str.strip, filled), dtype=object, count=n)  # one C call per cell
    return _Cells(raw, text, na | (text == ""))


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
    if isinstance(dtype, pd.StringDtype):  # text and missing values only
        return _text_cells(raw)
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("datetime", "datetime64", "date"):
        try:
            stamps = pd.Series(pd.to_datetime(pd.Series(raw, dtype=object)))
        except (TypeError, ValueError, OverflowError):
            pass  # out-of-bounds dates and the like: one cell at a time below
        else:
            return _Cells(raw, *_datetime_text(stamps))
    if kind in ("string", "empty"):
        return _text_cells(raw)
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
    text_only = pd.api.types.is_string_dtype(s.dtype) and pd.api.types.infer_dtype(s, skipna=True) in (
        "string",
        "empty",
    )
    if text_only:
        cells = s.to_numpy(dtype=object)
        cells = np.where(na, "", cells) if na.any() else cells
        # whitespace only is str.isspace: one C call per cell
        return na | (cells == "") | np.fromiter(map(str.isspace, cells), dtype=bool, count=len(cells))
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
    codes, uniques = _factorized(pd.Series(text, dtype=object))
    if len(uniques) < len(text) // 2:  # few distinct values (months, staff bounds): each once
        return _parse_numbers(np.asarray(uniques, dtype=object))[codes]
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


def _map_unique(text: ObjArray, fn: Callable[[str], Any]) -> ObjArray:
    """Apply ``fn`` once per distinct value."""
    if not len(text):
        return np.empty(0, dtype=object)
    codes, uniques = pd.factorize(pd.Series(text, dtype=object), sort=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(u) for u in uniques]
    return mapped[codes]


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
