"""Rules of positions, units and spouse pairs after the plan: min and max staff, the move
caps and coverage of the units table, spouses kept in one unit."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.domain import parse_coverage
from ..model.errors import InputError, InputProblem
from .frames import _Bool, _fmt, _ids, _Int, _levels, _num, _opt_num, _opt_text, _rows
from .people import _Context, _People
from .report import _POSITIONS, _SPOUSES, _UNITS, _Found


def _check_staff(
    found: _Found,
    pos: pd.DataFrame,
    staff_before: npt.NDArray[np.float64],
    staff_after: npt.NDArray[np.float64],
) -> None:
    """min_staff and max_staff of every position after the plan, on the staff in FTE (sums
    of FTE within 1e-9 of a bound meet it)."""
    pid = _ids(pos["position_id"])
    low, high = _num(pos["min_staff"]), _num(pos["max_staff"])
    before, after = np.round(staff_before, 6), np.round(staff_after, 6)  # as shown: 0.1 + 0.2 is 0.3
    k = np.flatnonzero(staff_after < low - 1e-9)
    msgs = [
        f"position {pid[i]} ends with {_fmt(after[i])} staff, below min_staff {_fmt(low[i])} "
        f"(before the plan: {_fmt(before[i])})"
        for i in k
    ]
    found.add("min_staff", _POSITIONS, k, pid[k], msgs)
    with np.errstate(invalid="ignore"):
        k = np.flatnonzero(~np.isnan(high) & (staff_after > high + 1e-9))
    msgs = [
        f"position {pid[i]} ends with {_fmt(after[i])} staff, above max_staff {_fmt(high[i])} "
        f"(before the plan: {_fmt(before[i])})"
        for i in k
    ]
    found.add("max_staff", _POSITIONS, k, pid[k], msgs)


# -------------------------------------------------------------------- spouses


def _spouse_pairs(people: _People, unit: npt.NDArray[np.object_], cur_pos: _Int) -> tuple[_Int, _Int]:
    """Spouse links whose two employees work in the same unit before the plan."""
    a, b = people.link_a, people.link_b
    known = (cur_pos[a] >= 0) & (cur_pos[b] >= 0)
    a, b = a[known], b[known]
    same = unit[cur_pos[a]] == unit[cur_pos[b]]
    return a[same], b[same]


def _check_spouses(
    found: _Found,
    ctx: _Context,
    pairs: tuple[_Int, _Int],
    apart: _Bool,
    cur_pos: _Int,
    after_pos: _Int,
) -> None:
    """spouse_same_unit: with spouses_hard, spouse pairs end in one unit."""
    if not ctx.policy.spouses_hard:
        return
    a, b = pairs[0][apart], pairs[1][apart]
    unit, name = ctx.unit, ctx.emp_id
    msgs = [
        f"spouses {name[x]} and {name[y]} both work in unit {unit[cur_pos[x]]} before the plan, but in "
        f"units {unit[after_pos[x]]} and {unit[after_pos[y]]} after it; the policy keeps spouses in one "
        "unit (spouses_hard)"
        for x, y in zip(a, b, strict=True)
    ]
    found.add("spouse_same_unit", _SPOUSES, a, name[a], msgs)


# ---------------------------------------------------------------------- units


def _check_move_caps(
    found: _Found, units: pd.DataFrame, unit: npt.NDArray[np.object_], cur_pos: _Int, after_pos: _Int
) -> None:
    """max_moves_out and max_moves_in: moves leaving and entering each unit's positions."""
    uid = _ids(units["unit_id"])
    moved = after_pos != cur_pos
    frm, to = cur_pos[moved], after_pos[moved]
    for rule, ends, verb in (("max_moves_out", frm, "leave"), ("max_moves_in", to, "enter")):
        cap = _opt_num(units, rule)
        if np.isnan(cap).all():
            continue
        counts = pd.Series(unit[ends[ends >= 0]], dtype=object).value_counts()
        n = pd.Series(uid, dtype=object).map(counts).fillna(0).to_numpy(dtype=np.int64)
        with np.errstate(invalid="ignore"):
            k = np.flatnonzero(~np.isnan(cap) & (n > cap))
        msgs = [
            f"{n[i]} employee{'s' if n[i] != 1 else ''} {verb} positions of unit {uid[i]} in the plan, "
            f"more than its {rule} {_fmt(cap[i])}"
            for i in k
        ]
        found.add(rule, _UNITS, k, uid[k], msgs)


def _coverage_asks(units: pd.DataFrame | None) -> pd.DataFrame:
    """One row per coverage item of the units table: ``r, unit, comp, level, count``."""
    items: list[tuple[int, str, str, int, int]] = []
    if units is not None:
        uid, text = _ids(units["unit_id"]), _opt_text(units, "coverage")
        rows = _rows(units)
        problems: list[InputProblem] = []
        for r in np.flatnonzero(text != ""):
            parsed = parse_coverage(text[r])
            if isinstance(parsed, str):
                problems.append(InputProblem("units", rows[r], "coverage", text[r], "bad_coverage", parsed))
                continue
            items.extend((int(r), str(uid[r]), comp, level, count) for comp, level, count in parsed)
        if problems:
            raise InputError(problems)
    asks = pd.DataFrame(items, columns=["r", "unit", "comp", "level", "count"])
    return asks.astype({"r": np.intp, "unit": object, "comp": object, "level": np.int64, "count": np.int64})


def _coverage_counts(
    asks: pd.DataFrame, unit: npt.NDArray[np.object_], emp: pd.DataFrame, where: _Int
) -> npt.NDArray[np.int64]:
    """Per coverage item: employees of its unit (positions ``where``) at its level or above."""
    if len(asks) == 0:
        return np.zeros(0, dtype=np.int64)
    e = np.flatnonzero(where >= 0)
    staff = pd.DataFrame({"e": e, "unit": unit[where[e]]})
    items = asks.assign(item=np.arange(len(asks)))
    pairs = staff.merge(items[["item", "unit", "comp", "level"]], on="unit")
    got = _levels(emp, pairs["e"].to_numpy(dtype=np.intp), pairs["comp"].to_numpy(dtype=object))
    hit = pairs["item"].to_numpy(dtype=np.intp)[got >= pairs["level"].to_numpy(dtype=float)]
    return np.bincount(hit, minlength=len(asks)).astype(np.int64)


def _check_coverage(
    found: _Found,
    asks: pd.DataFrame,
    after: npt.NDArray[np.int64],
    before: Callable[[], npt.NDArray[np.int64]],
) -> None:
    """coverage: enough employees with a competency level in each unit after the plan."""
    short = np.flatnonzero(after < asks["count"].to_numpy(dtype=np.int64))
    if len(short) == 0:
        return
    was = before()
    ask = asks.iloc[short].to_dict("records")
    msgs = [
        f"unit {a['unit']} ends with {after[i]} staff with {a['comp']} at level {a['level']} or above, "
        f"fewer than the {a['count']} its coverage asks (before the plan: {was[i]})"
        for i, a in zip(short, ask, strict=True)
    ]
    found.add("coverage", _UNITS, [a["r"] for a in ask], [a["unit"] for a in ask], msgs)
