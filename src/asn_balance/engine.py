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

Objective: ``sum_b f_b(staff_b) + sum over moved units of (move_cost + arc_cost)``, and
among optimal plans the fewest moves. Without ``max_moves`` and loads the model is a
convex min-cost flow (solved exactly); with them, they are side constraints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["AssignmentModel", "EngineSolution"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


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
        if len(self.arc_cost) and float(np.min(self.move_cost + self.arc_cost)) < 0:
            raise ValueError("move_cost + arc_cost must be >= 0: a negative price would reward a move home")

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

    def objective(self, staff: npt.ArrayLike, moves: int, arc_cost_total: float = 0.0) -> float:
        """Objective of a plan with final ``staff``, ``moves`` moves and summed arc costs."""
        return self.staffing_cost(staff) + self.move_cost * moves + arc_cost_total


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
    diagnosis : list of str
        For infeasible models: bins whose bounds cannot be met, as ``(bin, kind, have, bound)``.
    stats : dict
        Solver statistics (nodes, arcs, iterations, scale, ...).
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
    infeasible_bins: list[tuple[int, str, int, int]] = field(default_factory=list)
    stats: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Gap ``(objective - bound) / max(|objective|, 1)``: relative, absolute below 1."""
        if not np.isfinite(self.objective) or not np.isfinite(self.bound):
            return float("inf") if not np.isfinite(self.bound) else float("nan")
        return max(0.0, (self.objective - self.bound) / max(abs(self.objective), 1.0))
