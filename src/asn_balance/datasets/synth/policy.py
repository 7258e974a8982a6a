"""The mutasi-policy columns of a scenario (``policy_columns=True``) and its ``units`` table.

Birth dates, discipline, study leave, volunteers and their preferences, spouses; retirement
age and competency standard of the positions; move caps and coverage of the units.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .catalogue import jabatan_tables
from .constants import BoolArray, IntArray, ObjArray, StrArray
from .text import competency_text, strings_join

__all__ = ["insert_after", "policy_tables"]


def insert_after(frame: pd.DataFrame, at: int, columns: Mapping[str, Any]) -> pd.DataFrame:
    """``frame`` with ``columns`` inserted at position ``at`` (a new frame)."""
    head, tail = frame.iloc[:, :at], frame.iloc[:, at:]
    added = pd.DataFrame(dict(columns), index=frame.index)
    out: pd.DataFrame = pd.concat([head, added, tail], axis=1)
    return out


def _pick_same_jabatan(
    jab: IntArray, unit: IntArray, jab_pos: IntArray, unit_of: IntArray, rng: np.random.Generator
) -> IntArray:
    """A random position of the same jabatan in another unit per row (-1 when none found)."""
    order = np.argsort(jab_pos, kind="stable")
    count = np.bincount(jab_pos, minlength=len(jabatan_tables().names))
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    out = np.full(len(jab), -1, dtype=np.int64)
    for _ in range(4):  # a few tries: the same unit is drawn now and then
        todo = out < 0
        if not todo.any():
            break
        k = start[jab[todo]] + np.floor(rng.random(int(todo.sum())) * count[jab[todo]]).astype(np.int64)
        cand = order[np.minimum(k, len(order) - 1)]
        ok = unit_of[cand] != unit[todo]
        out[np.flatnonzero(todo)[ok]] = cand[ok]
    return out


def _preferences(
    wish: IntArray,
    n_wished: IntArray,
    emp_pos: IntArray,
    pos_ids: StrArray,
    jab_pos: IntArray,
    unit_of: IntArray,
    unit_ids: StrArray,
    rng: np.random.Generator,
) -> ObjArray:
    """``;``-joined preference lists of the employees ``wish``, ``n_wished`` entries at most."""
    own = emp_pos[wish]
    slots: list[ObjArray] = []
    for slot in range(3):
        pick = _pick_same_jabatan(jab_pos[own], unit_of[own], jab_pos, unit_of, rng)
        as_unit = rng.random(len(wish)) < 0.15
        text = np.where(
            pick < 0,
            "",
            np.where(as_unit, unit_ids[unit_of[pick]], pos_ids[np.maximum(pick, 0)]),
        ).astype(object)
        text[slot >= n_wished] = ""
        for before in slots:
            text[text == before] = ""
        slots.append(text)
    return strings_join(list(slots), ";")


def _spouses(emp_unit: IntArray, female: BoolArray, nip: StrArray, rng: np.random.Generator) -> ObjArray:
    """``spouse_id`` of pairs of a man and a woman of the same unit, about 2 % of employees."""
    n = len(nip)
    spouse = np.full(n, "", dtype=object)
    frame = pd.DataFrame({"u": emp_unit, "f": female, "k": rng.random(n), "i": np.arange(n)})
    frame = frame.sort_values(["u", "f", "k"], kind="stable")
    frame["r"] = frame.groupby(["u", "f"]).cumcount()
    men, women = frame[~frame["f"]], frame[frame["f"]]
    pairs = men.merge(women, on=["u", "r"], suffixes=("_m", "_w"))
    if pairs.empty:
        return spouse
    want = min(len(pairs), round(0.01 * n))
    chosen = pairs.iloc[np.sort(rng.permutation(len(pairs))[:want])]
    m, w = chosen["i_m"].to_numpy(), chosen["i_w"].to_numpy()
    one_sided = rng.random(len(m)) < 0.2
    spouse[m] = nip[w]
    spouse[w] = np.where(one_sided, "", nip[m])
    return spouse


def _coverage(
    emp_unit: IntArray,
    levels: npt.NDArray[np.int8],
    jab_pos: IntArray,
    unit_of: IntArray,
    n_units: int,
    rng: np.random.Generator,
) -> ObjArray:
    """Coverage text per unit (about a fifth of units) that the current staff already meet."""
    cat = jabatan_tables()
    first = np.searchsorted(unit_of, np.arange(n_units))
    n_pos = np.bincount(unit_of, minlength=n_units)
    chosen = (rng.random(n_units) < 0.2) & (n_pos > 0)
    pos = first + np.floor(rng.random(n_units) * np.maximum(n_pos, 1)).astype(np.int64)
    jab = jab_pos[np.minimum(pos, len(jab_pos) - 1)]
    second = rng.random(n_units) < 0.3
    rows = np.arange(len(emp_unit))
    parts: list[tuple[IntArray, ObjArray]] = []
    for comp, use in ((cat.comp1[jab], chosen), (cat.comp2[jab], chosen & second & (cat.comp2[jab] >= 0))):
        level = rng.integers(2, 4, n_units)
        c = np.maximum(comp, 0)
        have = levels[rows, c[emp_unit]] if len(rows) else np.zeros(0, dtype=np.int8)
        count = np.bincount(emp_unit, weights=use[emp_unit] & (have >= level[emp_unit]), minlength=n_units)
        count1 = np.bincount(emp_unit, weights=use[emp_unit] & (have >= 1), minlength=n_units)
        level = np.where(count > 0, level, 1)
        count = np.where(count > 0, count, count1).astype(np.int64)
        need = 1 + np.floor(rng.random(n_units) * np.minimum(count, 3)).astype(np.int64)
        ok = use & (count > 0)
        comps = np.asarray(cat.competencies, dtype=object)[c]
        text = np.where(ok, comps + ":" + level.astype(str) + "x" + need.astype(str), "").astype(object)
        parts.append((np.where(ok, c, -1), text))
    (c1, t1), (c2, t2) = parts
    swap = (c2 >= 0) & (c2 < c1)  # canonical order: by name
    return strings_join([np.where(swap, t2, t1), np.where(swap, t1, t2)], ";")


def policy_tables(
    nip: StrArray,
    pos_ids: StrArray,
    staff: IntArray,
    jab_pos: IntArray,
    unit_of: IntArray,
    unit_ids: StrArray,
    unit_names: StrArray,
    levels: npt.NDArray[np.int8],
    req_levels: npt.NDArray[np.int8],
    rng: np.random.Generator,
) -> tuple[dict[str, Any], dict[str, Any], pd.DataFrame]:
    """The policy columns of employees and positions, and the units table."""
    cat = jabatan_tables()
    n, n_pos, n_units = len(nip), len(jab_pos), len(unit_ids)
    emp_pos = np.repeat(np.arange(n_pos), staff)
    emp_unit = unit_of[emp_pos]
    born = pd.to_datetime(pd.Series(nip, dtype=object).str.slice(0, 8), format="%Y%m%d", errors="coerce")
    female = pd.Series(nip, dtype=object).str.slice(14, 15).to_numpy(dtype=object) == "2"

    volunteer = rng.random(n) < 0.05
    wishes = volunteer | (rng.random(n) < 0.02)
    wish = np.flatnonzero(wishes)
    n_wished = np.where(volunteer[wish], rng.integers(1, 4, len(wish)), rng.integers(1, 3, len(wish)))
    preferences = np.full(n, "", dtype=object)
    preferences[wish] = _preferences(wish, n_wished, emp_pos, pos_ids, jab_pos, unit_of, unit_ids, rng)
    employees = {
        "birth_date": born.to_numpy(dtype="datetime64[ns]"),
        "discipline": rng.random(n) < 0.01,
        "study_leave": rng.random(n) < 0.01,
        "volunteer": volunteer,
        "preferences": preferences,
        "spouse_id": _spouses(emp_unit, female, nip, rng),
    }

    # BUP: 58; 60 for teachers and ahli madya; 65 for a few ahli utama
    r = rng.random(n_pos)
    senior = cat.fungsional[jab_pos] & (cat.kelas[jab_pos] >= 9)
    top = cat.kelas[jab_pos] >= 11
    bup60 = np.isin(jab_pos, [cat.index[j] for j in cat.bup60]) | top | (senior & (r < 0.35))
    bup65 = senior & (r < np.where(top, 0.1, 0.05))
    retirement = np.where(bup65, 65, np.where(bup60, 60, 58)).astype(np.int64)
    # competency standard: the required levels or one above; else the primary competency
    std = req_levels.copy()
    rows = np.arange(n_pos)
    none = (std == 0).all(axis=1)
    std[rows[none], cat.comp1[jab_pos][none]] = rng.integers(2, 4, int(none.sum()))
    up = (std > 0) & (rng.random(std.shape) < 0.4)
    std = np.minimum(std + up, 5).astype(np.int8)
    standard = np.where(rng.random(n_pos) < 0.85, competency_text(std), "").astype(object)
    positions = {"retirement_age": retirement, "competency_standard": standard}

    capped = rng.random(n_units) < 1.0 / 3.0
    has_out = capped & (rng.random(n_units) < 0.75)
    has_in = capped & (~has_out | (rng.random(n_units) < 0.75))
    max_out = pd.array(rng.integers(2, 7, n_units), dtype="Int64")
    max_in = pd.array(rng.integers(2, 7, n_units), dtype="Int64")
    max_out[~has_out] = pd.NA
    max_in[~has_in] = pd.NA
    units = pd.DataFrame(
        {
            "unit_id": unit_ids,
            "unit_name": unit_names,
            "max_moves_out": max_out,
            "max_moves_in": max_in,
            "coverage": _coverage(emp_unit, levels, jab_pos, unit_of, n_units, rng),
        }
    )
    return employees, positions, units
