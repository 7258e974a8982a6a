"""Columns made from others in SIASN exports: position ids from unit and jabatan, months from TMT.

A SIASN export has no ``position_id`` and no ``months_in_position``; :func:`_derive` makes
them from ``unorId`` + ``jabatanNama`` (``<unit>/<jabatan>``, or the positions table's
own id for that unit and jabatan) and from ``tmtJabatan`` (whole months to the plan date).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .cells import BoolArray, ObjArray, _Cells, _factorized_objects, _float_text, _parse_dates, cells_of
from .convert import _Collector
from .domain import jabatan_keys
from .schema import _UNIT_ID_ALIASES, TABLES, TableSpec, normalise_header

__all__ = ["POSITION_ID_SEPARATOR"]

#: Header sets of the columns a missing column can be made of (see :func:`_derive`).
_UNIT_SOURCES: Final[frozenset[str]] = frozenset({"unit_id", *_UNIT_ID_ALIASES})
_JABATAN_SOURCES: Final[frozenset[str]] = frozenset(
    {"jabatan", "nama_jabatan", "jabatannama", "jabatan_nama"}
)
_TMT_SOURCES: Final[frozenset[str]] = frozenset({"tmt_jabatan", "tmtjabatan", "tmt_jabatan_terakhir"})
#: Headers of the SIASN jabatan id (``jabatanId``): matched before the name when both tables give it.
_KODE_SOURCES: Final[frozenset[str]] = frozenset({"kode_jabatan", "jabatan_id", "jabatanid", "id_jabatan"})
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
    used: list[int] = field(default_factory=list)  # further input columns read (not checked)

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
    #: ``<unit>/<jabatan key>`` -> position_id (the jabatan name up to case and white space,
    #: :func:`~asn_balance.model.domain.jabatan_keys`), from the positions table
    lookup: Mapping[str, str] | None = None
    #: ``<unit>/<kode_jabatan>`` -> position_id, when the positions table gives the SIASN id
    kode_lookup: Mapping[str, str] | None = None
    #: remarks for the warnings (two spellings of one jabatan)
    notes: tuple[str, ...] = ()


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
    kode_lookup: dict[str, str] | None = None
    notes: list[str] = []
    if isinstance(pos, pd.DataFrame):
        ju, jj = _position_key(pos)
        if ju is not None and jj is not None and (pos_has or own):
            unit, jab = cells_of(pos.iloc[:, ju]), cells_of(pos.iloc[:, jj])
            if pos_has:
                hmap = TABLES["positions"].header_map
                jp = next(
                    j for j, c in enumerate(pos.columns)
                    if len(str(c)) <= 1000 and hmap.get(normalise_header(c)) == "position_id"
                )  # fmt: skip
                pid = cells_of(pos.iloc[:, jp])
                ok = ~unit.blank & ~jab.blank & ~pid.blank
                ids = pd.Series(pid.text[ok], dtype=object)
            else:  # the positions make their ids from unit and jabatan: the first spelling names it
                ok = ~unit.blank & ~jab.blank
                ids = pd.Series(unit.text[ok] + POSITION_ID_SEPARATOR + jab.text[ok], dtype=object)
            keys = pd.Series(_unit_jabatan_keys(unit.text[ok], jab.text[ok]), dtype=object)
            first = ids.groupby(keys, sort=False).first()
            if pos_has:  # a key naming two positions is ambiguous: no lookup for it
                distinct = ids.groupby(keys, sort=False).nunique()
                first = first[distinct == 1]
            lookup = {str(k): str(v) for k, v in first.items()}
            notes += _spellings("positions", jab.text[ok], unit.text[ok])
            jk = _one_header(pos, _KODE_SOURCES)
            if (
                jk is not None
                and isinstance(emp, pd.DataFrame)
                and _one_header(emp, _KODE_SOURCES) is not None
            ):
                kode = cells_of(pos.iloc[:, jk])
                k_ok = (~kode.blank)[ok]
                k_keys = pd.Series(
                    unit.text[ok][k_ok] + POSITION_ID_SEPARATOR + kode.text[ok][k_ok], dtype=object
                )
                k_ids = ids[k_ok].reset_index(drop=True)
                k_first = k_ids.groupby(k_keys, sort=False).first()
                k_distinct = k_ids.groupby(k_keys, sort=False).nunique()
                k_first = k_first[k_distinct == 1]
                kode_lookup = {str(k): str(v) for k, v in k_first.items()}
    if isinstance(emp, pd.DataFrame) and not _has_column(emp, "employees", "position_id"):
        eu, ej = _position_key(emp)
        if eu is not None and ej is not None:
            unit, jab = cells_of(emp.iloc[:, eu]), cells_of(emp.iloc[:, ej])
            notes += _spellings("employees", jab.text[~jab.blank], unit.text[~jab.blank])
    return _DeriveOptions(plan_date, own, lookup, kode_lookup, tuple(notes))


def _unit_jabatan_keys(unit: ObjArray, jabatan: ObjArray) -> ObjArray:
    """``<unit>/<jabatan key>``: the unit id as given, the jabatan up to case and white space.

    Each distinct (unit, jabatan key) pair is written once (the rows share its text), as
    text arrays would write it (``str`` of each value, trailing NUL characters dropped).
    """
    keys = jabatan_keys(jabatan)
    u_codes, u_vals = _factorized_objects(np.asarray(unit, dtype=object))
    k_codes, k_vals = _factorized_objects(np.asarray(keys, dtype=object))
    u_list, k_list = u_vals.tolist(), k_vals.tolist()
    missing = len(u_codes) > 0 and min(int(u_codes.min()), int(k_codes.min())) < 0
    if missing or not all(isinstance(v, str) for v in [*u_list, *k_list]):  # as numpy writes them
        return np.asarray(unit.astype(str) + POSITION_ID_SEPARATOR + keys.astype(str), dtype=object)
    width = max(len(k_list), 1)
    pair, combos = pd.factorize(u_codes.astype(np.int64) * width + k_codes, sort=False)
    ua, kb = np.divmod(np.asarray(combos, dtype=np.int64), width)
    texts = np.empty(len(combos), dtype=object)
    texts[:] = [
        u_list[a].rstrip("\x00") + POSITION_ID_SEPARATOR + k_list[b].rstrip("\x00")
        for a, b in zip(ua.tolist(), kb.tolist(), strict=True)
    ]
    out: ObjArray = texts[pair]
    return out


def _one_header(raw: pd.DataFrame, names: frozenset[str]) -> int | None:
    """The position of the one column whose header is in ``names``, else ``None``."""
    found = [j for j, c in enumerate(raw.columns) if len(str(c)) <= 1000 and normalise_header(c) in names]
    return found[0] if len(found) == 1 else None


def _spellings(table: str, jabatan: ObjArray, unit: ObjArray, limit: int = 5) -> list[str]:
    """A remark for every jabatan written in more than one way in a table (case, spaces)."""
    del unit
    frame = pd.DataFrame({"key": jabatan_keys(jabatan), "name": jabatan})
    ways = frame.drop_duplicates().groupby("key", sort=True)["name"].agg(list)
    ways = ways[ways.map(len) > 1]
    if not len(ways):
        return []
    shown = "; ".join(" = ".join(repr(x) for x in sorted(v)) for v in ways.iloc[:limit].tolist())
    more = f" and {len(ways) - limit} more" if len(ways) > limit else ""
    return [
        f"{table}: {len(ways)} jabatan written in more than one way, matched as one (case and "
        f"spaces ignored): {shown}{more}; write each jabatan one way"
    ]


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
            used: list[int] = []
            if options.lookup is not None:  # the positions table's position of that unit and jabatan
                keys = _unit_jabatan_keys(unit.text, jab.text)
                found = pd.Series(keys, dtype=object).map(options.lookup)
                hit = found.notna().to_numpy() & ~blank
                text = np.where(hit, found.to_numpy(dtype=object), text).astype(object)
            jk = one(_KODE_SOURCES)
            if options.kode_lookup is not None and jk is not None and spec.name != "positions":
                kode = cells_of(raw.iloc[:, jk])
                by_kode = pd.Series(unit.text + POSITION_ID_SEPARATOR + kode.text, dtype=object)
                found = by_kode.map(options.kode_lookup)
                hit = found.notna().to_numpy() & ~kode.blank & ~unit.blank
                text = np.where(hit, found.to_numpy(dtype=object), text).astype(object)
                used.append(jk)
            out["position_id"] = _Derived(
                _Cells(text.copy(), text, blank),
                [("unit_id", ju), ("jabatan", jj)],
                [unit, jab],
                "position",
                used=used,
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
