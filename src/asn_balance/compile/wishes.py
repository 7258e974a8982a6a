"""The employees' voice: volunteers, ranked preferences and spouses.

* ``volunteer`` (atas permintaan sendiri): the employee asks to move. Staying costs the
  policy's ``preference_weight`` (an unmet wish); with ``volunteers_only_to_preferences``
  a volunteer who lists places moves only to one of them.
* ``preferences``: ranked ``position_id`` or ``unit_id`` entries. A move to the place of
  rank ``r`` of ``k`` costs ``preference_weight * (r - 1) / k``; a move to a place not
  listed costs the full weight.
* ``spouse_id``: spouses who work in the same unit before the plan should work in the
  same unit after it (``spouse_weight`` per pair apart, or hard with ``spouses_hard``).

Everything here is vectorised over the (few) employees who state a wish.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.idlist import idlist_entries
from ..model.problem import Problem

__all__ = ["Wishes", "wishes"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Wishes:
    """Wishes of one problem's employees, as index arrays.

    Attributes
    ----------
    volunteer : ndarray of bool
        Per employee: asks to move.
    n_listed : ndarray of int
        Per employee: number of preference entries (``k``).
    pref_employee, pref_position, pref_rank : ndarray of int
        One row per (employee, listed position): the best (lowest, 1-based) rank at
        which the position is listed, directly or through its unit.
    spouse_first, spouse_second : ndarray of int
        Pairs of spouses (employee numbers, ``first < second``) in the same unit now.
    """

    volunteer: BoolArray
    n_listed: IntArray
    pref_employee: IntArray
    pref_position: IntArray
    pref_rank: IntArray
    spouse_first: IntArray
    spouse_second: IntArray

    def rank_of(self, employees: IntArray, positions: IntArray) -> IntArray:
        """Rank of each ``(employee, position)`` pair in the employee's list, 0 if unlisted."""
        if len(self.pref_employee) == 0 or len(employees) == 0:
            return np.zeros(len(employees), dtype=np.int64)
        n_pos = int(max(self.pref_position.max(), np.max(positions, initial=0))) + 1
        keys = self.pref_employee * n_pos + self.pref_position
        order = np.argsort(keys)
        q = np.asarray(employees, dtype=np.int64) * n_pos + np.asarray(positions, dtype=np.int64)
        at = np.minimum(np.searchsorted(keys[order], q), len(keys) - 1)
        hit = keys[order][at] == q
        return np.where(hit, self.pref_rank[order][at], 0).astype(np.int64)

    def move_cost(self, employees: IntArray, positions: IntArray, weight: float) -> FloatArray:
        """Preference cost of moving each employee to each position (vectorised)."""
        e = np.asarray(employees, dtype=np.int64)
        k = self.n_listed[e].astype(float)
        r = self.rank_of(e, np.asarray(positions, dtype=np.int64)).astype(float)
        listed_cost = np.where(r > 0, (r - 1) / np.maximum(k, 1), 1.0)
        return weight * np.where(k > 0, listed_cost, 0.0)

    def stay_cost(self, weight: float) -> FloatArray:
        """Preference cost of each employee staying: the weight for volunteers."""
        return np.where(self.volunteer, weight, 0.0)


def _bool_column(frame: pd.DataFrame, name: str) -> BoolArray:
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].fillna(False).to_numpy(dtype=bool)


def wishes(problem: Problem) -> Wishes:
    """Read the wishes of a problem's employees (absent columns: no wishes)."""
    emp = problem.employees
    pos = problem.positions
    n = len(emp)
    volunteer = _bool_column(emp, "volunteer")
    empty = np.zeros(0, dtype=np.int64)
    n_listed = np.zeros(n, dtype=np.int64)
    pe, pp, pr = empty, empty, empty
    if "preferences" in emp.columns:
        # one row per (employee, entry): 1-based rank, first occurrence of an entry wins
        frame = idlist_entries(emp["preferences"])
        if len(frame):
            n_listed = np.bincount(frame["row"].to_numpy(np.int64), minlength=n).astype(np.int64)
            pid_idx = pd.Index(pos["position_id"].to_numpy(dtype=object))
            as_pos = pid_idx.get_indexer(pd.Index(frame["entry"]))
            direct = frame[as_pos >= 0].assign(p=as_pos[as_pos >= 0])
            units = pd.DataFrame(
                {"entry": pos["unit_id"].to_numpy(dtype=object), "p": np.arange(len(pos), dtype=np.int64)}
            )
            via_unit = frame.merge(units, on="entry", how="inner")  # an id may name both
            both = pd.concat(
                [direct[["row", "p", "rank"]], via_unit[["row", "p", "rank"]]], ignore_index=True
            )
            both = both.groupby(["row", "p"], as_index=False)["rank"].min()
            pe = both["row"].to_numpy(np.int64)
            pp = both["p"].to_numpy(np.int64)
            pr = both["rank"].to_numpy(np.int64)
    sf, ss = empty, empty
    if "spouse_id" in emp.columns:
        sid = emp["spouse_id"].fillna("").astype(str).to_numpy(dtype=object)
        linked = np.flatnonzero(sid != "")
        if len(linked):
            other = problem.employee_index.get_indexer(pd.Index(sid[linked]))
            ok = other >= 0
            a = np.minimum(linked[ok], other[ok]).astype(np.int64)
            b = np.maximum(linked[ok], other[ok]).astype(np.int64)
            keep = a != b
            pairs = (
                np.unique(np.stack([a[keep], b[keep]], axis=1), axis=0) if keep.any() else np.zeros((0, 2))
            )
            unit = pos["unit_id"].to_numpy(dtype=object)[problem.employee_position]
            pairs = pairs.astype(np.int64)
            same = unit[pairs[:, 0]] == unit[pairs[:, 1]] if len(pairs) else np.zeros(0, dtype=bool)
            sf, ss = pairs[same, 0], pairs[same, 1]
    return Wishes(volunteer, n_listed, pe, pp, pr, sf, ss)
