"""The engine: a generic assignment model and the solvers behind one dispatcher.

It knows nothing of ASN: groups of interchangeable items, bins with a convex cost per
integer load, arcs between them, side rows and pairs. Only this package imports solver
libraries (OR-Tools). ``backends/`` holds the exact flow, the budget and side-row
Lagrangians, CP-SAT and the lexicographic passes; ``gap/`` the search for loaded
(capacitated, GAP-shaped) models.
"""

from __future__ import annotations

from .model import AssignmentModel, EngineSolution, Pair, SideConstraint

__all__ = ["AssignmentModel", "EngineSolution", "Pair", "SideConstraint"]
