"""Grade codes: an office's golongan reference (``code`` -> ``grade``) read with the employees.

SIASN gives an employee's golongan as an id (``golRuangAkhirId``). The ids of the PNS
golongan/ruang are documented (11..45, :func:`~asn_balance.model.domain.parse_grade`); those
of the PPPK golongan I..XVII are not, and offices number them their own way. The optional
table ``grade_codes`` says what the codes of one roster mean: each row a ``code``, its
``grade`` (any spelling :func:`~asn_balance.model.domain.parse_grade` reads) and optionally
the grade scale it is for (``status`` ``PNS`` or ``PPPK``). Before validation, every
employee ``grade`` equal to a code of the scale of the employee's status is read as that
grade (:meth:`_GradeCodes.apply`).

A code is accepted only when its meaning is unambiguous (:func:`grade_codes_of`): a code that
already reads as another grade on the rows it would apply to (SIASN's PNS id ``13`` given as
PPPK ``XIII`` for every employee) is ``grade_code_conflict``; the same code twice with
different grades for overlapping scales is ``duplicate_id``; a grade off the code's scale is
``invalid_grade``; a ``status`` other than ``PNS`` or ``PPPK`` is ``invalid_status``. Every
such row is reported, and the employees' cells holding its code are left out of the
employees' own problems (the input is refused all the same).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .cells import BoolArray, ObjArray, _Cells, _isin, _map_unique
from .convert import _Collector, _status
from .domain import PART_TIME, STATUS_SCALE, grade_scale, parse_grade

__all__ = ["code_key"]

_SEP: Final[str] = "\x1f"
_DIGITS = re.compile(r"[0-9]+")


def code_key(text: object) -> str:
    """The key a code is matched by: white space collapsed, upper case, and a number without
    its leading zeros (``"07"`` and ``"7"`` are one code, ``"p3k-ix"`` is ``"P3K-IX"``)."""
    t = " ".join(str(text).split()).upper()
    return str(int(t)) if _DIGITS.fullmatch(t) else t


def _scale_of_status(text: str) -> str:
    """The grade scale of an employee's status text (``""`` when blank or unknown)."""
    canon = _status(text) if text else None
    return STATUS_SCALE.get(canon, "") if canon is not None else ""


def _scale_of_grade(grade: str) -> str:
    return grade_scale(grade) if grade else ""


@dataclass(frozen=True)
class _GradeCodes:
    """The usable codes of a ``grade_codes`` table.

    Attributes
    ----------
    any_scale : mapping
        Code key -> canonical grade, for codes without a ``status``.
    by_scale : mapping
        ``<code key>\\x1f<scale>`` -> canonical grade, for codes of one scale.
    bad : frozenset of str
        Keys of codes whose row has a problem: an employee's cell holding one is blanked
        (no second problem for it; the input is refused for the first).
    """

    any_scale: Mapping[str, str] = field(default_factory=dict)
    by_scale: Mapping[str, str] = field(default_factory=dict)
    bad: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.any_scale or self.by_scale or self.bad)

    def apply(
        self,
        grade: _Cells,
        status: _Cells | None,
        rows: npt.NDArray[np.int64],
        out: _Collector,
        warnings: list[str],
    ) -> _Cells:
        """The employees' ``grade`` cells with every code of the row's scale read as its grade.

        A cell that is a code of another scale only, and no grade spelling either, is
        ``invalid_grade`` with a message naming the code's scale (and is blanked, so that
        the generic message does not repeat it).
        """
        if not self or not len(grade.text):
            return grade
        keys = _map_unique(grade.text, code_key)
        n = len(keys)
        scale = (
            _map_unique(status.text, _scale_of_status) if status is not None else np.full(n, "", dtype=object)
        )
        scoped = pd.Series(keys + _SEP + scale, dtype=object).map(self.by_scale)
        unscoped = pd.Series(keys, dtype=object).map(self.any_scale)
        found = scoped.where(scoped.notna(), unscoped).to_numpy(dtype=object)
        filled = ~grade.blank
        hit = filled & pd.notna(found)
        bad = filled & _isin(keys, list(self.bad))
        scoped_keys = {k.split(_SEP)[0]: k.split(_SEP)[1] for k in self.by_scale}
        other = filled & ~hit & ~bad & _isin(keys, list(scoped_keys))
        if other.any():
            readable = _map_unique(grade.text, lambda t: parse_grade(t) is not None).astype(bool)
            other &= ~readable
            out.cells(
                other, rows, "grade", grade.raw, "invalid_grade",
                lambda i: f"grade {grade.text[i]!r} is a code of the grade_codes table for "
                f"{scoped_keys[keys[i]]} employees only, and this employee's status is "
                f"{status.text[i] if status is not None and status.text[i] else 'blank'}",
            )  # fmt: skip
        text = grade.text.copy()
        blank = grade.blank.copy()
        text[hit & ~bad] = found[hit & ~bad]
        gone = bad | other
        text[gone] = ""
        blank[gone] = True
        used = hit & ~bad
        if used.any():
            first = int(np.flatnonzero(used)[0])
            warnings.append(
                f"employees: {int(used.sum())} grade(s) read through the grade_codes table "
                f"(e.g. {grade.text[first]!r} on row {int(rows[first])} -> {text[first]})"
            )
        return _Cells(grade.raw, text, blank, None, grade.from_float)


def grade_codes_of(
    code: _Cells,
    grade: ObjArray,
    grade_ok: BoolArray,
    status: ObjArray | None,
    status_ok: BoolArray | None,
    status_raw: ObjArray | None,
    rows: npt.NDArray[np.int64],
    out: _Collector,
) -> _GradeCodes:
    """Check the rows of a ``grade_codes`` table together and return its usable codes.

    Parameters
    ----------
    code : _Cells
        The ``code`` cells of the kept rows.
    grade, grade_ok : arrays
        Canonical grades and the mask of valid cells (blank and bad grades were reported).
    status, status_ok, status_raw : arrays or None
        Canonical statuses (the scale of the code, blank for both), valid mask and raw
        values; ``None`` when the table has no ``status`` column.
    rows : array of int
        Spreadsheet row numbers.
    out : _Collector
        Where problems go (table ``grade_codes``).
    """
    n = len(rows)
    if not n:
        return _GradeCodes()
    keys = _map_unique(code.text, code_key)
    scope = status if status is not None else np.full(n, "", dtype=object)
    s_ok = status_ok if status_ok is not None else np.ones(n, dtype=bool)
    ok = ~code.blank & grade_ok & (grade != "") & s_ok
    wrong_status = s_ok & _isin(scope, ["CPNS", PART_TIME])
    if wrong_status.any() and status_raw is not None:
        out.cells(
            wrong_status, rows, "status", status_raw, "invalid_status",
            lambda i: f"status of a grade code is the grade scale it is for: PNS (PNS and CPNS employees) "
            f"or PPPK (PPPK and PPPK Paruh Waktu employees), not {scope[i]}",
        )  # fmt: skip
    ok &= ~wrong_status
    gscale = _map_unique(np.where(ok, grade, "").astype(object), _scale_of_grade)
    mismatch = ok & (scope != "") & (gscale != scope)
    out.cells(
        mismatch, rows, "grade", grade, "invalid_grade",
        lambda i: f"grade {grade[i]} is a {gscale[i]} golongan, but code {code.text[i]!r} is for "
        f"{scope[i]} employees",
    )  # fmt: skip
    ok &= ~mismatch
    # what the code already reads as, spelled as written or as matched ("0013" is matched as 13)
    reads = _map_unique(code.text, lambda t: parse_grade(t) or parse_grade(code_key(t)) or "")
    rscale = _map_unique(reads, _scale_of_grade)
    conflict = ok & (reads != "") & (reads != grade) & ((scope == "") | (scope == rscale))

    def why(i: int) -> str:
        what = "SIASN's id of the PNS golongan/ruang" if _DIGITS.fullmatch(code.text[i]) else "the grade"
        fix = (
            "; give status PPPK if the code is for PPPK employees only"
            if rscale[i] == "PNS" and gscale[i] == "PPPK"
            else ""
        )
        who = f"{scope[i]} employees" if scope[i] else "every employee"
        return (
            f"code {code.text[i]!r} already reads as {what} {reads[i]}; it may not mean {grade[i]} "
            f"for {who}{fix}"
        )

    out.cells(conflict, rows, "code", code.raw, "grade_code_conflict", why)
    ok &= ~conflict
    dup = _duplicates(keys, scope, grade, ok, code, rows, out)
    good = ok & ~dup
    bad = frozenset(keys[~good & ~code.blank].tolist())
    unscoped = good & (scope == "")
    scoped = good & (scope != "")
    return _GradeCodes(
        dict(zip(keys[unscoped].tolist(), grade[unscoped].tolist(), strict=True)),
        dict(zip((keys[scoped] + _SEP + scope[scoped]).tolist(), grade[scoped].tolist(), strict=True)),
        bad,
    )


def _duplicates(
    keys: ObjArray,
    scope: ObjArray,
    grade: ObjArray,
    ok: BoolArray,
    code: _Cells,
    rows: npt.NDArray[np.int64],
    out: _Collector,
) -> BoolArray:
    """Codes given twice with different grades for overlapping scales (a blank scale overlaps
    both): ``duplicate_id`` on the later row; every row of such a code is marked."""
    dup = np.zeros(len(keys), dtype=bool)
    repeated = ok & pd.Series(keys, dtype=object).duplicated(keep=False).to_numpy(dtype=bool)
    if not repeated.any():
        return dup
    where = np.flatnonzero(repeated)
    groups: dict[str, list[int]] = {}
    for i in where.tolist():
        groups.setdefault(str(keys[i]), []).append(i)
    for members in groups.values():
        for b_pos, b in enumerate(members):
            for a in members[:b_pos]:
                overlap = scope[a] == scope[b] or not scope[a] or not scope[b]
                if overlap and grade[a] != grade[b]:
                    for_whom = f" for {scope[a]} employees" if scope[a] else " for every employee"
                    out.add(int(rows[b]), "code", code.raw[b], "duplicate_id",
                            f"code {code.text[b]!r} also appears on row {int(rows[a])} with grade "
                            f"{grade[a]}{for_whom}, here with grade {grade[b]}")  # fmt: skip
                    dup[a] = dup[b] = True
                    break
    return dup
