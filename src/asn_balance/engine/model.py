"""A generic sparse assignment model, independent of the HR domain.

The HR layer (:mod:`asn_balance.planner`) compiles employees and positions into it;
benchmarks and advanced users may build one directly. Nothing here imports a solver.

Model
-----
* **bins** ``b`` (positions) with a convex staffing cost
  ``f_b(k) = (k - target_b)^2 / weight_b`` for ``k`` staff, bounds ``min_b <= k <= max_b``,
  and ``fixed_b`` units that are always in the bin (people who cannot move).
* **groups** ``g`` (interchangeable movable units) of ``size_g`` units whose home is bin
  ``home_g``. A unit either stays home (cost 0) or moves. A group with ``home_g = -1`` is
  not placed yet: each of its units must move into some bin (an assignment problem).
* **classes** ``c``: sets of bins that accept exactly the same movers (CSR arrays
  ``class_indptr``/``class_bins``). A unit of ``g`` may move to any bin of a class ``c``
  for which an *arc* ``(g, c)`` exists, at ``move_cost + arc_cost``.
* an optional budget ``max_moves`` on the total number of moved units.
* optional **loads**: a unit moved on arc ``a`` uses ``arc_load[a]`` of the capacity
  ``bin_capacity[b]`` of the bin it enters (classes must then hold one bin each). This is
  the Generalized Assignment Problem when every group is one unplaced unit and the staffing
  cost is off (``weight = inf``).

* optional **side constraints** (:class:`SideConstraint`): linear rows over the arc flows
  and the inflow of bins, e.g. per-unit caps on moves out and in, or a minimum number of
  qualified staff left in a unit;
* optional **pairs** (:class:`Pair`): two single-unit groups that should end in the same
  *block* of bins (``bin_block``, e.g. the same unit), at a cost per pair apart, or hard.

Objective: ``offset + sum_b f_b(staff_b) + sum over moved units of (move_cost + arc_cost)
+ sum over pairs apart of their weight``, and among optimal plans the fewest moves. An
arc may have a negative price (a reward for moving, e.g. a stay cost folded into the
arcs) only when its class does not hold the group's home bin. Without ``max_moves``,
loads, side constraints and pairs the model is a convex min-cost flow (solved exactly);
with them, they are side constraints for CP-SAT.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["AssignmentModel", "EngineSolution", "Pair", "SideConstraint"]

#: keys declared by :meth:`AssignmentModel.declare_group_keys`, by weak references to the
#: arc arrays they were made for (a few at a time: the newest models)
_GROUP_KEYS: list[tuple[tuple[weakref.ref[Any] | None, ...], npt.NDArray[np.int64]]] = []

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SideConstraint:
    """A linear side constraint ``lo <= constant + sum arc_coef x + sum in_coef inflow <= hi``.

    ``x[a]`` is the number of units moved on arc ``a``; ``inflow[b]`` the number of
    units moved into bin ``b`` (from any group).

    Attributes
    ----------
    rule, subject : str
        The rule's name and what it is about (e.g. ``"max_moves_out"``, ``"unit U07"``);
        used to name it when the model is infeasible.
    arcs, arc_coef : ndarray of int
        Arc indices and their integer coefficients.
    in_bins, in_coef : ndarray of int
        Bin indices and integer coefficients on their inflow.
    constant : int
        Constant term.
    lo, hi : int or None
        Bounds (``None``: unbounded on that side).
    """

    rule: str
    subject: str
    arcs: IntArray
    arc_coef: IntArray
    in_bins: IntArray
    in_coef: IntArray
    constant: int = 0
    lo: int | None = None
    hi: int | None = None

    def value(self, arc_flow: IntArray, inflow: IntArray) -> int:
        """The row's value for given arc flows and bin inflows."""
        return int(
            self.constant
            + np.dot(self.arc_coef, arc_flow[self.arcs])
            + np.dot(self.in_coef, inflow[self.in_bins])
        )

    def holds(self, arc_flow: IntArray, inflow: IntArray) -> bool:
        """Whether the row holds."""
        v = self.value(arc_flow, inflow)
        return (self.lo is None or v >= self.lo) and (self.hi is None or v <= self.hi)


@dataclass(frozen=True)
class Pair:
    """Two single-unit groups that should end in the same block of bins.

    Attributes
    ----------
    rule, subject : str
        Rule name and subject (for messages).
    first, second : int
        The two groups (each of size 1).
    weight : float
        Cost when they end apart; ``inf`` makes it hard.
    """

    rule: str
    subject: str
    first: int
    second: int
    weight: float


@dataclass(frozen=True)
class AssignmentModel:
    """Sparse assignment model (see the module docstring for the semantics).

    Parameters
    ----------
    target, weight : ndarray of float, shape (n_bins,)
        Staffing cost ``(k - target)^2 / weight``; ``weight > 0``, ``inf`` for no cost.
    min_staff, max_staff : ndarray of int, shape (n_bins,)
        Bounds on the final staff; ``max_staff < 0`` means no cap.
    fixed : ndarray of int, shape (n_bins,)
        Units that stay in the bin whatever happens.
    group_size, group_home : ndarray of int, shape (n_groups,)
        Movable units per group and the group's home bin.
    class_indptr, class_bins : ndarray of int
        CSR lists of the bins in each class.
    arc_group, arc_class : ndarray of int, shape (n_arcs,)
        Which group may move into which class.
    arc_cost : ndarray of float, shape (n_arcs,)
        Extra cost per unit moved on the arc (added to ``move_cost``); ``move_cost +
        arc_cost`` must not be negative.
    move_cost : float
        Cost of one move.
    max_moves : int or None
        Budget on the number of moves.
    arc_load : ndarray of float, optional
        Capacity a unit uses in the bin it enters through the arc.
    bin_capacity : ndarray of float, optional
        Load capacity per bin (``inf`` for none); required with ``arc_load``.
    arc_tick : ndarray of int, optional
        Tie-break weight per arc, 1 or 2 (default 1 everywhere): among plans of equal
        objective the solvers prefer the smallest sum of ticks over moved units, i.e. the
        fewest moves, and then moves on arcs of tick 1 (e.g. volunteers first).
    side : tuple of SideConstraint
        Linear side constraints.
    pairs : tuple of Pair
        Groups that should end in the same block of ``bin_block``.
    bin_block : ndarray of int, optional
        Block (e.g. unit) of each bin; required with ``pairs``.
    offset : float
        Constant added to the objective.
    """

    target: FloatArray
    weight: FloatArray
    min_staff: IntArray
    max_staff: IntArray
    fixed: IntArray
    group_size: IntArray
    group_home: IntArray
    class_indptr: IntArray
    class_bins: IntArray
    arc_group: IntArray
    arc_class: IntArray
    arc_cost: FloatArray
    move_cost: float = 0.0
    max_moves: int | None = None
    arc_load: FloatArray | None = None
    bin_capacity: FloatArray | None = None
    arc_tick: IntArray | None = None
    side: tuple[SideConstraint, ...] = ()
    pairs: tuple[Pair, ...] = ()
    bin_block: IntArray | None = None
    offset: float = 0.0

    def __post_init__(self) -> None:
        nb = len(self.target)
        for name in ("weight", "min_staff", "max_staff", "fixed"):
            if len(getattr(self, name)) != nb:
                raise ValueError(f"{name} must have one entry per bin")
        if len(self.group_home) != len(self.group_size):
            raise ValueError("group_home and group_size differ in length")
        if not (len(self.arc_group) == len(self.arc_class) == len(self.arc_cost)):
            raise ValueError("arc arrays differ in length")
        if (self.arc_load is None) != (self.bin_capacity is None):
            raise ValueError("arc_load and bin_capacity go together")
        if self.arc_load is not None and self.bin_capacity is not None:
            if len(self.arc_load) != len(self.arc_group) or len(self.bin_capacity) != nb:
                raise ValueError("arc_load needs one entry per arc and bin_capacity one per bin")
            if np.any(np.diff(self.class_indptr) != 1):
                raise ValueError("with loads every class must hold exactly one bin")
        if np.any(self.weight <= 0):
            raise ValueError("weight must be positive")
        if len(self.arc_cost) and float(np.min(self.arc_cost)) < -self.move_cost:  # a sum < 0
            neg = np.flatnonzero(self.arc_cost < -self.move_cost)
            if np.any(self.class_holds(self.arc_class[neg], self.group_home[self.arc_group[neg]])):
                raise ValueError(
                    "move_cost + arc_cost must be >= 0 on arcs whose class holds the group's home bin: "
                    "a negative price would reward a move home"
                )
        if self.arc_tick is not None and (
            len(self.arc_tick) != len(self.arc_group) or np.any((self.arc_tick < 1) | (self.arc_tick > 2))
        ):
            raise ValueError("arc_tick needs one entry per arc, each 1 or 2")
        if self.pairs:
            if self.bin_block is None or len(self.bin_block) != nb:
                raise ValueError("pairs need bin_block with one entry per bin")
            for p in self.pairs:
                if self.group_size[p.first] != 1 or self.group_size[p.second] != 1:
                    raise ValueError("pairs join groups of size 1")

    def class_holds(self, classes: IntArray, bins: IntArray) -> npt.NDArray[np.bool_]:
        """Whether class ``classes[i]`` holds bin ``bins[i]`` (vectorised)."""
        cls_of = np.repeat(np.arange(self.n_classes, dtype=np.int64), np.diff(self.class_indptr))
        keys = np.sort(cls_of * (self.n_bins + 1) + self.class_bins)
        q = np.asarray(classes, dtype=np.int64) * (self.n_bins + 1) + np.asarray(bins, dtype=np.int64)
        pos = np.searchsorted(keys, q)
        pos = np.minimum(pos, max(len(keys) - 1, 0))
        return (keys[pos] == q) if len(keys) else np.zeros(len(q), dtype=bool)

    @property
    def has_side(self) -> bool:
        """Whether the model has side constraints or pairs (beyond the budget)."""
        return bool(self.side) or bool(self.pairs)

    def relaxation(self) -> AssignmentModel:
        """The model without side constraints, pairs and budget (a valid relaxation)."""
        from dataclasses import replace

        return replace(self, side=(), pairs=(), max_moves=None)

    def subset(self, keep: npt.NDArray[np.bool_]) -> tuple[AssignmentModel, IntArray]:
        """The model with only the arcs in ``keep`` (the others fixed at zero) and, per
        kept arc, its index in this model."""
        from dataclasses import replace

        old = np.flatnonzero(keep).astype(np.int64)
        new_of = np.full(len(self.arc_group), -1, dtype=np.int64)
        new_of[old] = np.arange(len(old), dtype=np.int64)
        side = []
        for row in self.side:
            m = keep[row.arcs]
            side.append(replace(row, arcs=new_of[row.arcs[m]], arc_coef=row.arc_coef[m]))
        sub = replace(
            self,
            arc_group=self.arc_group[old],
            arc_class=self.arc_class[old],
            arc_cost=self.arc_cost[old],
            arc_load=None if self.arc_load is None else self.arc_load[old],
            arc_tick=None if self.arc_tick is None else self.arc_tick[old],
            side=tuple(side),
        )
        return sub, old

    def without_side(self) -> AssignmentModel:
        """The model without side constraints and pairs (the budget kept)."""
        from dataclasses import replace

        return replace(self, side=(), pairs=())

    @property
    def n_bins(self) -> int:
        """Number of bins."""
        return len(self.target)

    @property
    def n_groups(self) -> int:
        """Number of movable groups."""
        return len(self.group_size)

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.class_indptr) - 1

    @property
    def flow_shaped(self) -> bool:
        """Whether the model (budget aside) is a convex min-cost flow: no loads."""
        return self.arc_load is None

    @property
    def n_units(self) -> int:
        """Total units (fixed plus movable)."""
        return int(self.fixed.sum() + self.group_size.sum())

    def initial_staff(self) -> IntArray:
        """Staff per bin when nobody moves."""
        staff = self.fixed.astype(np.int64).copy()
        placed = self.group_home >= 0
        np.add.at(staff, self.group_home[placed], self.group_size[placed])
        return staff

    def staffing_cost(self, staff: npt.ArrayLike) -> float:
        """``sum_b (staff_b - target_b)^2 / weight_b`` in floating point."""
        s = np.asarray(staff, dtype=float)
        costly = np.isfinite(self.weight)
        return float(np.sum((s[costly] - self.target[costly]) ** 2 / self.weight[costly]))

    def objective(
        self, staff: npt.ArrayLike, moves: int, arc_cost_total: float = 0.0, pair_cost: float = 0.0
    ) -> float:
        """Objective of a plan with final ``staff``, ``moves`` moves, summed arc and pair costs."""
        return self.offset + self.staffing_cost(staff) + self.move_cost * moves + arc_cost_total + pair_cost

    def declare_group_keys(self, key: IntArray) -> None:
        """Declare which groups have the same arcs, so that the flow need not compare them.

        ``key[g] >= 0`` promises that every group with the same key has the same arcs, in
        the same order: the same classes, costs and ticks (``-1``: not known, compared
        arc by arc). The maker of the arcs knows this (the compiler gives every group of
        one eligibility profile and stay cost the profile's arcs) at no cost, where finding
        it out hashes every arc (tens of millions at national scale). The declaration
        holds for these very arc arrays: a model made with other arc arrays (a priced copy,
        a sub-model) does not see it, and one made with the same arrays (the model without
        its side rows) does. The arrays must not be changed in place afterwards.

        Parameters
        ----------
        key : ndarray of int, shape (n_groups,)
            The key of each group, ``-1`` where not known.

        Raises
        ------
        ValueError
            When ``key`` has not one entry per group.
        """
        key = np.asarray(key, dtype=np.int64)
        if len(key) != self.n_groups:
            raise ValueError("one key per group")
        arrays = (self.arc_group, self.arc_class, self.arc_cost, self.arc_tick)
        refs = tuple(None if a is None else weakref.ref(a) for a in arrays)
        _GROUP_KEYS[:] = [e for e in _GROUP_KEYS if e[0][0] is not None and e[0][0]() is not None][-3:]
        _GROUP_KEYS.append((refs, key))

    def declared_group_keys(self) -> IntArray | None:
        """The keys of :meth:`declare_group_keys` made for this model's arc arrays, if any.

        Returns
        -------
        ndarray of int or None
            One key per group, or ``None`` when none was declared for these arrays.
        """
        arrays = (self.arc_group, self.arc_class, self.arc_cost, self.arc_tick)
        for refs, key in reversed(_GROUP_KEYS):
            if len(key) == self.n_groups and all(
                (r is None and a is None) or (r is not None and r() is a)
                for r, a in zip(refs, arrays, strict=True)
            ):
                return key
        return None

    def ticks(self) -> IntArray:
        """Tie-break weight per arc (see ``arc_tick``)."""
        return np.ones(len(self.arc_group), dtype=np.int64) if self.arc_tick is None else self.arc_tick

    @property
    def max_tick(self) -> int:
        """The largest tie-break weight of an arc."""
        return 1 if self.arc_tick is None or not len(self.arc_tick) else int(self.arc_tick.max())

    def plan_flows(self, sol: EngineSolution) -> tuple[IntArray, IntArray]:
        """Units moved per arc and into each bin by a plan (the terms of the side rows).

        Raises
        ------
        ValueError
            If the plan does not record its arcs (``move_arc``).
        """
        if sol.move_arc is None:
            raise ValueError("the plan does not record the arcs of its moves")
        flow = np.bincount(sol.move_arc, weights=sol.move_count, minlength=len(self.arc_group))
        inflow = np.bincount(sol.move_bin, weights=sol.move_count, minlength=self.n_bins)
        return flow.astype(np.int64), inflow.astype(np.int64)

    def pair_cost(self, move_group: IntArray, move_bin: IntArray) -> tuple[float, int]:
        """Cost of the pairs apart for given moves, and the number of hard pairs apart."""
        if not self.pairs:
            return 0.0, 0
        assert self.bin_block is not None
        where = {int(g): int(b) for g, b in zip(move_group.tolist(), move_bin.tolist(), strict=True)}
        cost, hard = 0.0, 0
        for p in self.pairs:
            b1 = where.get(p.first, int(self.group_home[p.first]))
            b2 = where.get(p.second, int(self.group_home[p.second]))
            if b1 < 0 or b2 < 0 or self.bin_block[b1] != self.bin_block[b2]:
                if np.isfinite(p.weight):
                    cost += p.weight
                else:
                    hard += 1
        return cost, hard


@dataclass
class EngineSolution:
    """A solution of an :class:`AssignmentModel`.

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``time_limit`` (no plan found in time).
    objective : float
        Objective of the plan, recomputed in floating point (``nan`` without a plan).
    bound : float
        Proven lower bound on the optimum.
    staff : ndarray of int
        Final staff per bin.
    move_group, move_bin, move_count : ndarray of int
        The moves: ``move_count`` units of group ``move_group`` go to bin ``move_bin``.
    moves : int
        Total moved units.
    seconds : float
        Wall time of the solve.
    solver : str
        Which solver produced the plan.
    move_arc : ndarray of int, optional
        The arc each move row used (where the solver knows it).
    infeasible_bins : list of tuple
        For infeasible models: bins whose bounds cannot be met, as ``(bin, kind, have, bound)``.
    conflicts : list of (str, str)
        For infeasible models with side constraints: a small set of ``(rule, subject)``
        found to conflict.
    stats : dict
        Solver statistics (nodes, arcs, iterations, scale, ...).
    tolerance : float
        The solver's proven rounding tolerance (absolute, in objective units). The solvers
        minimise integer costs (the model's costs scaled and rounded, plus the tie-break
        ticks), so they cannot tell apart plans whose objectives differ by less than this:
        an ``optimal`` plan is optimal to within ``tolerance`` (or the relative gap 1e-6),
        ``bound`` already has it taken off, and ``objective`` agrees with any exact
        recomputation of the plan to within ``tolerance`` plus floating-point noise. A
        ``bound`` above ``objective`` by more than that is a bug, never clipped.
    build_seconds : float
        Wall seconds spent building the solver's model before its search (CP-SAT), which
        the time limit pays too; a timing, not part of the plan.
    """

    status: str
    objective: float
    bound: float
    staff: IntArray
    move_group: IntArray
    move_bin: IntArray
    move_count: IntArray
    seconds: float
    solver: str
    moves: int = 0
    arc_cost_total: float = 0.0
    move_arc: IntArray | None = None
    infeasible_bins: list[tuple[int, str, int, int]] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    stats: dict[str, float | int | str] = field(default_factory=dict)
    tolerance: float = 0.0
    build_seconds: float = 0.0

    @property
    def gap(self) -> float:
        """Gap ``(objective - bound) / max(|objective|, 1)``: relative, absolute below 1."""
        if not np.isfinite(self.objective) or not np.isfinite(self.bound):
            return float("inf") if not np.isfinite(self.bound) else float("nan")
        return max(0.0, (self.objective - self.bound) / max(abs(self.objective), 1.0))
