"""Domain codes of the Indonesian civil service used throughout the package.

Grades (golongan/ruang), education levels, ABK period factors, EJ bands, competency
and coverage strings and NIP structure. Pure functions and constants, no I/O.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "BANDS",
    "BAND_COLORS",
    "BAND_FILLS",
    "BKN_EDUCATION_CODES",
    "COMPETENCY_LEVELS",
    "EDUCATION_LEVELS",
    "GRADES",
    "GRADE_SCALES",
    "JABATAN_HINT",
    "JABATAN_LEVELS",
    "JABATAN_RETIREMENT_AGE",
    "NIP_LENGTH",
    "NIP_PPPK_MONTH",
    "PART_TIME",
    "PERIOD_FACTORS",
    "PPPK_GRADES",
    "SIASN_JABATAN_TYPES",
    "STATUSES",
    "STATUS_SCALE",
    "band_of",
    "direction_of",
    "education_rank",
    "format_competencies",
    "format_coverage",
    "grade_rank",
    "grade_rank_in",
    "grade_scale",
    "jabatan_keys",
    "jabatan_kind",
    "jabatan_retirement_age",
    "nip_problem",
    "nip_problems",
    "parse_competencies",
    "parse_coverage",
    "parse_education",
    "parse_grade",
    "parse_jabatan_level",
    "parse_jabatan_type",
    "parse_period",
    "period_factors",
]

#: Employment statuses, canonical spellings: civil servants (PNS), candidates (CPNS, never
#: moved), contract staff (PPPK) and, since 2025, part-time contract staff (PPPK Paruh Waktu,
#: counted by FTE, never moved).
STATUSES: Final[tuple[str, ...]] = ("PNS", "CPNS", "PPPK", "PPPK Paruh Waktu")
#: The canonical status of part-time PPPK.
PART_TIME: Final[str] = "PPPK Paruh Waktu"

#: Golongan/ruang in ascending order; SIASN ids are 11..14, 21..24, 31..34, 41..45.
GRADES: Final[tuple[str, ...]] = (
    "I/a", "I/b", "I/c", "I/d",
    "II/a", "II/b", "II/c", "II/d",
    "III/a", "III/b", "III/c", "III/d",
    "IV/a", "IV/b", "IV/c", "IV/d", "IV/e",
)  # fmt: skip
_GRADE_RANK: Final[dict[str, int]] = {g: i for i, g in enumerate(GRADES)}
_ROMAN: Final[dict[str, int]] = {"I": 1, "II": 2, "III": 3, "IV": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_SIASN_GRADE: Final[dict[int, str]] = {}
for _g in GRADES:
    _major = {"I": 1, "II": 2, "III": 3, "IV": 4}[_g.split("/")[0]]
    _SIASN_GRADE[10 * _major + "abcde".index(_g[-1]) + 1] = _g

#: PPPK golongan I..XVII (Perpres 98/2020) in ascending order: a scale of its own, canonical
#: Roman numerals. SIASN's numeric ids of these are not read (see docs/siasn.md).
PPPK_GRADES: Final[tuple[str, ...]] = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
    "XVI", "XVII",
)  # fmt: skip
_PPPK_RANK: Final[dict[str, int]] = {g: i for i, g in enumerate(PPPK_GRADES)}
_PPPK_GRADE: Final = re.compile(
    r"(?:(?:PPPK|P3K)\s*[-/]?\s*)?(?:GOL(?:ONGAN)?\.?\s*)?(XVII|XVI|XV|XIV|XIII|XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)",
    re.IGNORECASE,
)
#: A PPPK golongan written as a number after an explicit ``PPPK``/``P3K`` (``PPPK-07``,
#: ``P3K 9``, ``PPPK Gol. 11``), as payroll exports (SIMGAJI) and office lists write them.
_PPPK_NUMBER: Final = re.compile(
    r"(?:PPPK|P3K)\s*[-/]?\s*(?:GOL(?:ONGAN)?\.?\s*)?0?([1-9]|1[0-7])", re.IGNORECASE
)
#: Grade scales: ``PNS`` (golongan/ruang I/a..IV/e of PNS and CPNS) and ``PPPK`` (golongan
#: I..XVII of PPPK and PPPK Paruh Waktu). Grades are compared within one scale only.
GRADE_SCALES: Final[tuple[str, str]] = ("PNS", "PPPK")
#: The grade scale of each status.
STATUS_SCALE: Final[dict[str, str]] = {"PNS": "PNS", "CPNS": "PNS", "PPPK": "PPPK", PART_TIME: "PPPK"}

#: Education levels in ascending order.
EDUCATION_LEVELS: Final[tuple[str, ...]] = ("SD", "SMP", "SMA", "D1", "D2", "D3", "D4", "S1", "S2", "S3")
_EDU_RANK: Final[dict[str, int]] = {e: i for i, e in enumerate(EDUCATION_LEVELS)}
_EDU_ALIASES: Final[dict[str, str]] = {
    "SLTP": "SMP", "MTS": "SMP", "SLTA": "SMA", "SMK": "SMA", "SMU": "SMA", "MA": "SMA",
    "STM": "SMA", "SMEA": "SMA", "DI": "D1", "DII": "D2", "DIII": "D3", "DIV": "D4",
    "SARJANA": "S1", "MAGISTER": "S2", "DOKTOR": "S3", "SST": "D4",
}  # fmt: skip
#: BKN/SIASN codes of the education level (``tkPendidikanTerakhirId``): 05 SD, 10 SLTP,
#: 12 SLTP Kejuruan, 15 SLTA, 17 SLTA Kejuruan, 18 SLTA Keguruan, 20 Diploma I, 25 Diploma
#: II, 30 Diploma III/Sarjana Muda, 35 Diploma IV, 40 S-1/Sarjana, 45 S-2, 50 S-3/Doktor.
BKN_EDUCATION_CODES: Final[dict[int, str]] = {
    5: "SD", 10: "SMP", 12: "SMP", 15: "SMA", 17: "SMA", 18: "SMA", 20: "D1", 25: "D2",
    30: "D3", 35: "D4", 40: "S1", 45: "S2", 50: "S3",
}  # fmt: skip

#: ABK period factors: how many times a yearly volume repeats (the defaults; days and weeks
#: per year are policy: :func:`period_factors`).
PERIOD_FACTORS: Final[dict[str, int]] = {"tahun": 1, "bulan": 12, "minggu": 50, "hari": 250}


def period_factors(days_per_year: int = 250, weeks_per_year: int = 50) -> dict[str, int]:
    """The ABK period factors of a worksheet: ``tahun`` 1, ``bulan`` 12, ``minggu``
    ``weeks_per_year`` and ``hari`` ``days_per_year`` (many worksheets use 235 and 47)."""
    return {"tahun": 1, "bulan": 12, "minggu": int(weeks_per_year), "hari": int(days_per_year)}


_PERIOD_ALIASES: Final[dict[str, str]] = {
    "tahun": "tahun", "tahunan": "tahun", "year": "tahun", "yearly": "tahun", "annual": "tahun",
    "bulan": "bulan", "bulanan": "bulan", "month": "bulan", "monthly": "bulan",
    "minggu": "minggu", "mingguan": "minggu", "pekan": "minggu", "week": "minggu", "weekly": "minggu",
    "hari": "hari", "harian": "hari", "day": "hari", "daily": "hari",
    "thn": "tahun", "th": "tahun", "bln": "bulan", "mgg": "minggu", "hr": "hari",
}  # fmt: skip

#: EJ bands, best described by their lower bounds: A > 1.00, B 0.90-1.00, C 0.70-0.89,
#: D 0.50-0.69, E < 0.50.
BANDS: Final[tuple[str, ...]] = ("A", "B", "C", "D", "E")
#: The colours every output gives the bands (plots, HTML, Excel), one palette.
#: Strong colour of each EJ band (markers, bars, chips): A red (under-staffed), B green
#: (about right), C yellow, D orange, E blue (much over-staffed).
BAND_COLORS: Final[dict[str, str]] = {
    "A": "#D9534F",
    "B": "#5CA35C",
    "C": "#E3B505",
    "D": "#E8843A",
    "E": "#4A90C8",
}
#: Light fill of each EJ band (shaded areas, table and spreadsheet cells), hex without ``#``.
BAND_FILLS: Final[dict[str, str]] = {
    "A": "F4CCCC",
    "B": "D9EAD3",
    "C": "FFF2CC",
    "D": "FCE5CD",
    "E": "CFE2F3",
}

#: Lowest and highest competency level (of ``competencies`` and of ``coverage``).
COMPETENCY_LEVELS: Final[tuple[int, int]] = (1, 5)
_LO, _HI = COMPETENCY_LEVELS

# The name is everything before the first ":" or "=" (stripped, not empty): no backtracking,
# so a cell of megabytes is parsed in linear time.
_COMP_ITEM = re.compile(r"^([^:;=]*)[:=]\s*([0-9]{1,9})\s*$")
_COVER_ITEM = re.compile(r"^([^:;=]*)[:=]\s*([0-9]{1,9})\s*[x\u00d7]\s*([0-9]{1,9})\s*$", re.IGNORECASE)
_ITEM_SEPARATOR = re.compile(r"[;,|]")
_SPACES = re.compile(r"\s+")
_CACHED_TEXT: Final[int] = 256  # longest text whose parse is kept (the caches stay small)


def parse_grade(value: object) -> str | None:
    """Return the canonical grade for a spelling, or ``None`` if invalid.

    PNS golongan/ruang (``III/b``): ``III/b``, ``iii/b``, ``III-b``, ``III b``, ``IIIb``,
    ``3b``, ``3/b`` and the SIASN ids 11..45. PPPK golongan (``IX``, Perpres 98/2020): the
    Roman numerals ``I`` .. ``XVII`` in any case, optionally after ``Golongan``/``Gol.``
    and ``PPPK``/``P3K`` (``Golongan IX``, ``PPPK gol. IX``), or as a number 1..17 after
    ``PPPK``/``P3K`` (``PPPK-09``, ``P3K 9``). A bare number is a SIASN id of a PNS grade
    only. Which scale a grade is on: :func:`grade_scale`.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return _SIASN_GRADE.get(int(value))
    if isinstance(value, float) and value.is_integer():
        return _SIASN_GRADE.get(int(value))
    if not isinstance(value, str):
        return None
    s = value.strip()
    if re.fullmatch(r"[0-9]{1,3}", s):
        return _SIASN_GRADE.get(int(s))
    m = re.fullmatch(r"(IV|III|II|I|[1-4])\s*[/\-. ]?\s*([A-Ea-e])", s, flags=re.IGNORECASE)
    if not m:
        p = _PPPK_GRADE.fullmatch(s)
        if p:
            return p.group(1).upper()
        n = _PPPK_NUMBER.fullmatch(s)
        return PPPK_GRADES[int(n.group(1)) - 1] if n else None
    major = _ROMAN.get(m.group(1).upper())
    if major is None:
        return None
    grade = ("I", "II", "III", "IV")[major - 1] + "/" + m.group(2).lower()
    return grade if grade in _GRADE_RANK else None


def grade_rank(grade: str) -> int:
    """Rank of a canonical grade *within its scale*: 0 for ``I/a`` up to 16 for ``IV/e``
    (PNS), 0 for ``I`` up to 16 for ``XVII`` (PPPK). Ranks of the two scales are not
    comparable: compare grades of one :func:`grade_scale` only (:func:`grade_rank_in`).
    Raises ``KeyError`` for anything else."""
    rank = _GRADE_RANK.get(grade)
    return rank if rank is not None else _PPPK_RANK[grade]


def grade_scale(grade: str) -> str:
    """``"PNS"`` for a canonical golongan/ruang, ``"PPPK"`` for a canonical PPPK golongan;
    ``KeyError`` for anything else."""
    if grade in _GRADE_RANK:
        return "PNS"
    if grade in _PPPK_RANK:
        return "PPPK"
    raise KeyError(grade)


def grade_rank_in(grade: str, scale: str) -> int:
    """Rank of a canonical grade on ``scale`` (``"PNS"`` or ``"PPPK"``); ``KeyError`` when
    the grade is not on that scale (a PPPK golongan has no rank among PNS grades)."""
    table = _GRADE_RANK if scale == "PNS" else _PPPK_RANK if scale == "PPPK" else {}
    return table[grade]


def parse_education(value: object) -> str | None:
    """Return the canonical education level (``S1``) for a spelling, or ``None``.

    Also accepts the BKN/SIASN codes of :data:`BKN_EDUCATION_CODES` (``40`` or ``"40"``
    is ``S1``, ``"05"`` or ``5`` is ``SD``).
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return BKN_EDUCATION_CODES.get(int(value))
    if not isinstance(value, str):
        return None
    if re.fullmatch(r"[0-9]{1,3}", value.strip()):
        return BKN_EDUCATION_CODES.get(int(value.strip()))
    s = re.sub(r"[\s\-./]", "", value.strip().upper())
    s = _EDU_ALIASES.get(s, s)
    return s if s in _EDU_RANK else None


def education_rank(level: str) -> int:
    """Rank of a canonical education level, 0 for ``SD`` up to 9 for ``S3``."""
    return _EDU_RANK[level]


def parse_period(value: object) -> str | None:
    """Return the canonical ABK period (``tahun``, ``bulan``, ``minggu``, ``hari``) or ``None``."""
    if not isinstance(value, str):
        return None
    key = value.strip().lower()
    key = key.removeprefix("per ").removeprefix("/").strip()
    return _PERIOD_ALIASES.get(key)


def parse_competencies(value: object) -> dict[str, int] | str:
    """Parse ``keuangan:4;kesehatan:2`` into ``{"keuangan": 4, "kesehatan": 2}``.

    Blank input gives ``{}``. Names are lower-cased and stripped (inner spaces become
    ``_``); levels must lie in :data:`COMPETENCY_LEVELS` (1..5).
    Items may be separated by ``;``, ``,`` or ``|``.

    Returns
    -------
    dict or str
        The mapping, or an error message (a string) saying what is wrong.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return {}
    if not isinstance(value, str):
        return f"expected text like 'keuangan:3;administrasi:2', got {type(value).__name__}"
    text = str(value)
    parsed = _competency_items(text) if len(text) <= _CACHED_TEXT else _competency_items.__wrapped__(text)
    return dict(parsed) if isinstance(parsed, tuple) else parsed


@functools.lru_cache(maxsize=1 << 16)  # validation, compile, evaluation and check parse the same texts
def _competency_items(value: str) -> tuple[tuple[str, int], ...] | str:
    """:func:`parse_competencies` of a text as ``(name, level)`` items in order, or the error."""
    text = value.strip()
    if not text:
        return ()
    out: dict[str, int] = {}
    for item in _ITEM_SEPARATOR.split(text):
        if not item.strip():
            continue
        m = _COMP_ITEM.match(item)
        if not m or not m.group(1).strip():
            return f"item {item.strip()!r} is not of the form name:level"
        name = _comp_name(m.group(1))
        level = int(m.group(2))
        if not _LO <= level <= _HI:
            return f"level {level} of {name!r} is outside {_LO}..{_HI}"
        if name in out and out[name] != level:
            return f"competency {name!r} is given twice"
        out[name] = level
    return tuple(out.items())


def format_competencies(levels: dict[str, int]) -> str:
    """Canonical text of a competency mapping: sorted by name, ``name:level;...``."""
    return ";".join(f"{k}:{v}" for k, v in sorted(levels.items()))


def parse_coverage(value: object) -> list[tuple[str, int, int]] | str:
    """Parse a unit's coverage ``keuangan:3x2;kesehatan:2x1`` into ``(name, level, count)`` items.

    ``keuangan:3x2`` asks for at least 2 staff with ``keuangan`` at level 3 or above in
    the unit. Blank input gives ``[]``. Items may be separated by ``;``, ``,`` or ``|``;
    ``X`` and ``\u00d7`` may replace ``x`` and ``=`` may replace ``:``. Names are
    normalised as by :func:`parse_competencies`; levels must lie in
    :data:`COMPETENCY_LEVELS`, counts be at least 1. A name may appear with several levels
    (``keuangan:3x2;keuangan:4x1``), but not twice with the same level and different counts.

    Returns
    -------
    list of (str, int, int) or str
        The items sorted by name and level (repeats removed), or an error message (a
        string) saying what is wrong.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if not isinstance(value, str):
        return f"expected text like 'keuangan:3x2;kesehatan:2x1', got {type(value).__name__}"
    out: dict[tuple[str, int], int] = {}
    for item in _ITEM_SEPARATOR.split(value.strip()):
        if not item.strip():
            continue
        m = _COVER_ITEM.match(item)
        if not m or not m.group(1).strip():
            return f"item {item.strip()!r} is not of the form name:LEVELxCOUNT (e.g. keuangan:3x2)"
        name = _comp_name(m.group(1))
        level, count = int(m.group(2)), int(m.group(3))
        if not _LO <= level <= _HI:
            return f"level {level} of {name!r} is outside {_LO}..{_HI}"
        if count < 1:
            return f"count {count} of {name!r} must be at least 1"
        if out.get((name, level), count) != count:
            return f"{name!r} at level {level} is given twice"
        out[(name, level)] = count
    return [(name, level, count) for (name, level), count in sorted(out.items())]


def format_coverage(items: list[tuple[str, int, int]]) -> str:
    """Canonical text of coverage items: sorted by name and level, ``name:LxN;...``."""
    return ";".join(f"{name}:{level}x{count}" for name, level, count in sorted(items))


def _comp_name(raw: str) -> str:
    """Competency name as compared: stripped, lower-case, inner spaces as ``_`` (kept per spelling)."""
    return _comp_name_of(raw) if len(raw) <= _CACHED_TEXT else _comp_name_of.__wrapped__(raw)


@functools.lru_cache(maxsize=1 << 12)
def _comp_name_of(raw: str) -> str:
    return _SPACES.sub("_", raw.strip().lower())


def band_of(ej: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """EJ band for each efficiency value.

    A > 1.00, B 0.90-1.00, C 0.70-0.89, D 0.50-0.69, E < 0.50. Values are rounded to
    two decimals first, as the bands are published. ``nan`` (no staff and no workload)
    gives ``"-"``.
    """
    x = np.round(np.asarray(ej, dtype=float), 2)
    out = np.full(x.shape, "-", dtype="<U1")
    fin = ~np.isnan(x)
    out[fin & (x > 1.0)] = "A"
    out[fin & (x >= 0.90) & (x <= 1.0)] = "B"
    out[fin & (x >= 0.70) & (x < 0.90)] = "C"
    out[fin & (x >= 0.50) & (x < 0.70)] = "D"
    out[fin & (x < 0.50)] = "E"
    return out


def direction_of(staff: npt.ArrayLike, need: npt.ArrayLike, tol: float = 0.05) -> npt.NDArray[np.str_]:
    """``kurang`` (under-staffed), ``lebih`` (over-staffed) or ``pas`` (within ``tol`` FTE)."""
    gap = np.asarray(staff, dtype=float) - np.asarray(need, dtype=float)
    out = np.full(gap.shape, "pas", dtype="<U6")
    out[gap < -tol] = "kurang"
    out[gap > tol] = "lebih"
    return out


#: Length of a NIP and of a NI PPPK.
NIP_LENGTH: Final[int] = 18
#: TMT month that marks a PPPK number (NI PPPK) in place of a month 1..12.
NIP_PPPK_MONTH: Final[int] = 21
_MONTH_DAYS: Final = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def nip_problems(
    nips: Sequence[object] | npt.ArrayLike, *, only_18_digits: bool = False
) -> npt.NDArray[np.object_]:
    """Why each NIP is malformed, or ``None`` where it is well formed (vectorised).

    A NIP (*Nomor Induk Pegawai*) is 18 digits: birth date ``YYYYMMDD`` + TMT CPNS
    ``YYYYMM`` + sex (1 male, 2 female) + serial (3 digits, not 000). The birth date must
    be a real date, the TMT month 1..12 and the TMT year between birth year + 14 and birth
    year + 70.

    A PPPK number (NI PPPK) is built the same way except that the 6 digits after the birth
    date are the year of appointment followed by the code ``21`` where a NIP has the TMT
    month: ``199203152022212001``. So ``21`` is accepted as the TMT month, and only there:
    a month 21 in the birth date (or any month 13..20, 22..) is wrong.

    Parameters
    ----------
    nips : array-like
        The ids (text; anything else is not a NIP).
    only_18_digits : bool
        Check only the values of exactly 18 ASCII digits and give ``None`` for the rest
        (how ``employee_id`` is checked: it may be any id, a NIP only when it looks like
        one). Otherwise a value of another shape is ``"a NIP has 18 digits"``.

    Returns
    -------
    ndarray of object
        Per value, the problem (``str``) or ``None``. Python code runs per malformed value
        only, to word its problem.
    """
    values = np.asarray(nips, dtype=object).reshape(-1)
    n = len(values)
    why = np.full(n, None, dtype=object)
    if n and all(map(isinstance, values, itertools.repeat(str))):  # text only: one C call each
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
    else:
        lengths = np.fromiter((len(v) if isinstance(v, str) else -1 for v in values), dtype=np.int64, count=n)
    at = np.flatnonzero(lengths == NIP_LENGTH)
    joined = "".join(values[at].tolist())
    if joined.isascii():  # one byte per character: the code points without a text array
        ascii_bytes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        points: npt.NDArray[np.unsignedinteger[Any]] = ascii_bytes.reshape(len(at), NIP_LENGTH)
    else:
        points = values[at].astype(f"<U{NIP_LENGTH}").view(np.uint32).reshape(len(at), NIP_LENGTH)
    del joined
    digits_only = ((points >= ord("0")) & (points <= ord("9"))).all(axis=1)
    if not only_18_digits:
        shaped = np.zeros(n, dtype=bool)
        shaped[at[digits_only]] = True
        why[~shaped] = f"a NIP has {NIP_LENGTH} digits"
    at = at[digits_only]
    d = points if bool(digits_only.all()) else points[digits_only]  # the digits' code points

    def digit(i: int) -> npt.NDArray[np.int64]:
        out: npt.NDArray[np.int64] = d[:, i].astype(np.int64) - ord("0")
        return out

    def number(a: int, b: int) -> npt.NDArray[np.int64]:  # digits a..b-1, a column at a time
        out = digit(a)
        for i in range(a + 1, b):
            out *= 10
            out += digit(i)
        return out

    by, bm, bd, ty, tm = number(0, 4), number(4, 6), number(6, 8), number(8, 12), number(12, 14)
    leap = ((by % 4 == 0) & (by % 100 != 0)) | (by % 400 == 0)
    days = _MONTH_DAYS[np.clip(bm, 1, 12) - 1] + ((bm == 2) & leap)
    born = (by >= 1) & (bm >= 1) & (bm <= 12) & (bd >= 1) & (bd <= days)
    # Month 21 is accepted in the TMT part only: NI PPPK (BKN's numbering of PPPK staff)
    # puts the code 21 after the year of appointment where a NIP has the TMT month. There
    # used to be two checks that disagreed here: the vectorised one rejected TMT month 21,
    # the one-value check (whose messages the validation showed, and which docs/schema.md
    # describes) accepted it. Accepting it is right: otherwise every PPPK number is
    # "malformed". A birth month of 21 is no date, for PNS and PPPK alike.
    month = ((tm >= 1) & (tm <= 12)) | (tm == NIP_PPPK_MONTH)
    year = (ty >= by + 14) & (ty <= by + 70)
    sex = (digit(14) == 1) | (digit(14) == 2)
    serial = number(15, 18) != 0
    code = np.select([~born, ~month, ~year, ~sex, ~serial], [1, 2, 3, 4, 5], 0)
    for k in np.flatnonzero(code):
        why[at[k]] = _nip_message(int(code[k]), str(values[at[k]]))
    return why


def _nip_message(code: int, nip: str) -> str:
    """The problem of a NIP that failed check ``code`` (1 birth date .. 5 serial)."""
    if code == 1:
        return f"birth date {nip[0:8]} in the NIP is not a date"
    if code == 2:
        return f"TMT {nip[8:14]} in the NIP has no month {int(nip[12:14])}"
    if code == 3:
        return f"TMT year {int(nip[8:12])} in the NIP does not fit birth year {int(nip[0:4])}"
    if code == 4:
        return f"sex digit {nip[14]} in the NIP must be 1 or 2"
    return "serial 000 in the NIP is not valid"


def jabatan_keys(values: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """The matching key of each jabatan name: case folded, white space collapsed.

    ``"Analis  Kebijakan "`` and ``"analis kebijakan"`` name one jabatan: tables made by
    different offices (the ABK worksheet, the SIASN export) spell names differently.
    """
    arr = np.asarray(values, dtype=object).ravel()
    if not len(arr):
        return arr.copy()
    import pandas as pd  # loaded by whoever has a table; this module stays light to import

    # each distinct value folded once (None as "", anything else as its str)
    codes, uniq = pd.factorize(pd.Series(arr, dtype=object), use_na_sentinel=True)
    keys = np.array([" ".join(str(u).casefold().split()) for u in uniq.tolist()] + [""], dtype=object)
    out = keys[codes]
    for i in np.flatnonzero(codes < 0).tolist():  # missing values: None, NaN, NaT, NA
        v = arr[i]
        out[i] = "" if v is None else " ".join(str(v).casefold().split())
    return out


def nip_problem(nip: str) -> str | None:
    """Why one NIP (or NI PPPK) is malformed, or ``None`` when it is well formed.

    The rule is :func:`nip_problems` (this is it for one value): a value of another shape
    than 18 digits is ``"a NIP has 18 digits"``.
    """
    why = nip_problems([nip])[0]
    return None if why is None else str(why)


# --------------------------------------------------------------------- jabatan and BUP

#: Retirement age (BUP) by jabatan, PP 11/2017 Pasal 239 as amended by PP 17/2020: 58 for
#: pejabat administrasi (administrator, pengawas, pelaksana), JF keterampilan, JF ahli
#: pertama and ahli muda; 60 for JPT and JF ahli madya; 65 for JF ahli utama. The keys are
#: the canonical values of ``positions.jabatan_type``; ``None`` where the type alone does
#: not decide the BUP (a JF or jabatan struktural without its jenjang).
JABATAN_RETIREMENT_AGE: Final[dict[str, int | None]] = {
    "JPT Utama": 60, "JPT Madya": 60, "JPT Pratama": 60, "JPT": 60,
    "Administrasi": 58, "Administrator": 58, "Pengawas": 58, "Pelaksana": 58,
    "Fungsional Ahli Utama": 65, "Fungsional Ahli Madya": 60, "Fungsional Ahli Muda": 58,
    "Fungsional Ahli Pertama": 58, "Fungsional Ahli": None,
    "Fungsional Penyelia": 58, "Fungsional Mahir": 58, "Fungsional Terampil": 58,
    "Fungsional Pemula": 58, "Fungsional Keterampilan": 58,
    "Fungsional": None, "Struktural": None,
}  # fmt: skip
#: Canonical jenjang of ``positions.jabatan_level``: JPT levels (Utama, Madya, Pratama), JF
#: levels (Ahli ..., keterampilan levels) and the jabatan administrasi themselves.
JABATAN_LEVELS: Final[tuple[str, ...]] = (
    "Utama", "Madya", "Pratama", "Ahli Utama", "Ahli Madya", "Ahli Muda", "Ahli Pertama", "Ahli",
    "Penyelia", "Mahir", "Terampil", "Pemula", "Keterampilan", "Administrator", "Pengawas", "Pelaksana",
)  # fmt: skip
_JPT_LEVELS: Final = ("Utama", "Madya", "Pratama")
_SKILL_LEVELS: Final = ("Penyelia", "Mahir", "Terampil", "Pemula", "Keterampilan")
_JF_LEVELS: Final = ("Ahli Utama", "Ahli Madya", "Ahli Muda", "Ahli Pertama", "Ahli", *_SKILL_LEVELS)
_ADMIN_LEVELS: Final = ("Administrator", "Pengawas", "Pelaksana")
_LEVEL_WORDS: Final[dict[str, str]] = {
    "utama": "Utama", "madya": "Madya", "pratama": "Pratama", "muda": "Ahli Muda",
    "pertama": "Ahli Pertama", "ahli utama": "Ahli Utama", "ahli madya": "Ahli Madya",
    "ahli muda": "Ahli Muda", "ahli pertama": "Ahli Pertama", "ahli": "Ahli", "keahlian": "Ahli",
    "penyelia": "Penyelia", "mahir": "Mahir", "terampil": "Terampil", "pemula": "Pemula",
    "keterampilan": "Keterampilan", "ketrampilan": "Keterampilan", "administrator": "Administrator",
    "pengawas": "Pengawas", "pelaksana": "Pelaksana",
}  # fmt: skip
# Eselon of a jabatan struktural: I.a is JPT utama, I.b JPT madya, II JPT pratama, III
# administrator, IV (and the former V) pengawas.
_ESELON: Final = re.compile(r"(?:eselon ?(iv|iii|ii|i|v)(?: ?([ab]))?|(iv|iii|ii|i|v) ?([ab]))")
_ESELON_LEVEL: Final[dict[str, str]] = {
    "i": "Madya", "ii": "Pratama", "iii": "Administrator", "iv": "Pengawas", "v": "Pengawas",
}  # fmt: skip
# Category words at the start of a jenis jabatan (longer first), after an optional "jabatan".
_JABATAN_CATEGORIES: Final[tuple[tuple[str, str], ...]] = (
    ("fungsional umum", "Pelaksana"), ("jfu", "Pelaksana"),
    ("fungsional tertentu", "Fungsional"), ("fungsional", "Fungsional"), ("jft", "Fungsional"),
    ("jf", "Fungsional"), ("pimpinan tinggi", "JPT"), ("jpt", "JPT"), ("struktural", "Struktural"),
    ("administrasi", "Administrasi"), ("administrator", "Administrator"), ("pengawas", "Pengawas"),
    ("pelaksana", "Pelaksana"),
)  # fmt: skip
#: SIASN ``jenisJabatanId``: 1 jabatan struktural, 2 jabatan fungsional, 4 jabatan pelaksana.
SIASN_JABATAN_TYPES: Final[dict[int, str]] = {1: "Struktural", 2: "Fungsional", 4: "Pelaksana"}
# What a partial jabatan_type may become once its jenjang is known.
_REFINES: Final[dict[str, frozenset[str]]] = {
    "JPT": frozenset({"JPT Utama", "JPT Madya", "JPT Pratama"}),
    "Struktural": frozenset({"JPT", "JPT Utama", "JPT Madya", "JPT Pratama", "Administrator", "Pengawas"}),
    "Administrasi": frozenset(_ADMIN_LEVELS),
    "Fungsional": frozenset(k for k in JABATAN_RETIREMENT_AGE if k.startswith("Fungsional ")),
    "Fungsional Ahli": frozenset(f"Fungsional {x}" for x in _JF_LEVELS[:4]),
    "Fungsional Keterampilan": frozenset(f"Fungsional {x}" for x in _SKILL_LEVELS[:4]),
}
#: Accepted values of ``jabatan_type`` and ``jabatan_level``, for messages.
JABATAN_HINT: Final[str] = (
    "JPT Utama/Madya/Pratama, Administrator, Pengawas, Pelaksana, Fungsional Ahli Utama/Madya/Muda/"
    "Pertama, Fungsional Penyelia/Mahir/Terampil/Pemula, or Fungsional/Struktural with the jenjang in "
    "jabatan_level; SIASN spellings such as 'Jabatan Fungsional Ahli Muda', 'JF Ahli Madya', "
    "'Jabatan Pelaksana', 'Fungsional Tertentu', 'Fungsional Umum', 'Eselon III' and jenisJabatanId "
    "1, 2, 4 are read too"
)


def _jabatan_words(value: object) -> str | None:
    """Lower-case words of a jabatan text (``None`` if not text): ``"JF  Ahli-Madya"`` is
    ``"jf ahli madya"``; a leading ``jabatan`` or ``jenjang`` is dropped."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = str(int(value))
    if not isinstance(value, str):
        return None
    words = " ".join(re.sub(r"[^0-9a-z]+", " ", value.lower()).split())
    return re.sub(r"^(?:jabatan|jenjang)(?: jabatan)? ", "", words)


def _level_of(words: str) -> str | None:
    """The canonical jenjang of lower-case words, or ``None``."""
    if words in _LEVEL_WORDS:
        return _LEVEL_WORDS[words]
    m = _ESELON.fullmatch(words)
    if m is None:
        return None
    major, minor = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return "Utama" if (major, minor) == ("i", "a") else _ESELON_LEVEL[major]


def _combine(category: str, level: str) -> str | None:
    """The canonical jabatan_type of a category (``""`` for none) and a jenjang (``""``
    for none), or ``None`` when they do not fit together."""
    if not level:
        return category
    if category == "":
        if level in _JPT_LEVELS:
            return f"JPT {level}"
        return level if level in _ADMIN_LEVELS else f"Fungsional {level}"
    if category == "JPT":
        return f"JPT {level}" if level in _JPT_LEVELS else None
    if category == "Struktural":
        return f"JPT {level}" if level in _JPT_LEVELS else level if level in _ADMIN_LEVELS[:2] else None
    if category == "Fungsional":
        if level in ("Utama", "Madya"):
            return f"Fungsional Ahli {level}"
        return f"Fungsional {level}" if level in _JF_LEVELS else None
    if category == "Administrasi":
        return level if level in _ADMIN_LEVELS else None
    if category == "Pelaksana":
        return category if level in ("Pelaksana", *_SKILL_LEVELS) else None
    return category if level == category else None  # Administrator, Pengawas


def parse_jabatan_type(value: object) -> str | None:
    """The canonical jenis jabatan (a key of :data:`JABATAN_RETIREMENT_AGE`) of a spelling,
    or ``None``.

    Reads the category (``JPT``/``Jabatan Pimpinan Tinggi``, ``Administrator``,
    ``Pengawas``, ``Pelaksana``/``Fungsional Umum``, ``Administrasi``, ``Fungsional``/``JF``/
    ``Fungsional Tertentu``, ``Struktural``) with an optional jenjang after it (``JF Ahli
    Madya`` is ``Fungsional Ahli Madya``, ``JPT Pratama``, ``Struktural Eselon III`` is
    ``Administrator``), a jenjang alone (``Ahli Muda`` is ``Fungsional Ahli Muda``) and
    SIASN's ``jenisJabatanId`` (:data:`SIASN_JABATAN_TYPES`). Case, spaces and punctuation
    do not matter; a leading ``Jabatan`` is dropped.
    """
    words = _jabatan_words(value)
    if not words:
        return None
    if words.isdigit():
        return SIASN_JABATAN_TYPES.get(int(words))
    for prefix, category in _JABATAN_CATEGORIES:
        if words == prefix or words.startswith(prefix + " "):
            rest = _jabatan_words(words[len(prefix) :].strip()) or ""
            level = _level_of(rest) if rest else ""
            return None if level is None else _combine(category, level)
    level = _level_of(words)
    return None if level is None else _combine("", level)


def parse_jabatan_level(value: object) -> str | None:
    """The canonical jenjang jabatan (one of :data:`JABATAN_LEVELS`) of a spelling, or ``None``.

    ``Ahli Madya``, ``madya``, ``Muda`` (ahli muda), ``Terampil``, ``Pratama``, ``Eselon
    III`` (administrator), ``II.a`` (JPT pratama), ``Pelaksana`` ...; a whole jenis jabatan
    with its jenjang (``JF Ahli Madya``, ``JPT Pratama``) gives its jenjang.
    """
    words = _jabatan_words(value)
    if not words or words.isdigit():
        return None
    level = _level_of(words)
    if level is not None:
        return level
    kind = parse_jabatan_type(words)
    if kind is None:
        return None
    if kind in _ADMIN_LEVELS:
        return kind
    for prefix in ("JPT ", "Fungsional "):
        if kind.startswith(prefix):
            return kind[len(prefix) :]
    return None


def jabatan_kind(jabatan_type: object, jabatan_level: object = "") -> str | None:
    """The jabatan of a position from its ``jabatan_type`` and ``jabatan_level`` (any
    accepted spellings): a key of :data:`JABATAN_RETIREMENT_AGE`, ``""`` when both are
    blank, ``None`` when either is not recognised or the two do not fit together (``JF Ahli
    Muda`` with jenjang ``Ahli Madya``, ``Pelaksana`` with ``Pratama``)."""
    blank_t = jabatan_type is None or (isinstance(jabatan_type, str) and not jabatan_type.strip())
    blank_l = jabatan_level is None or (isinstance(jabatan_level, str) and not jabatan_level.strip())
    kind = "" if blank_t else parse_jabatan_type(jabatan_type)
    if kind is None or blank_l:
        return kind
    level = parse_jabatan_level(jabatan_level)
    if level is None:
        return None
    category = kind.split(" ")[0] if kind.startswith(("JPT", "Fungsional")) else kind
    both = _combine(category, level)
    if both is None or not kind or both == kind or both in _REFINES.get(kind, ()):
        return both
    return kind if kind in _REFINES.get(both, ()) else None


def jabatan_retirement_age(jabatan_type: object, jabatan_level: object = "") -> int | None:
    """The BUP of a position's jabatan (:data:`JABATAN_RETIREMENT_AGE`), or ``None`` when
    the jabatan does not decide it (blank, unrecognised, a JF without its jenjang)."""
    kind = jabatan_kind(jabatan_type, jabatan_level)
    return JABATAN_RETIREMENT_AGE.get(kind) if kind else None
