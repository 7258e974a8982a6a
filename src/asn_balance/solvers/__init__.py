"""Solvers for :class:`asn_balance.engine.AssignmentModel`.

Only the modules in this package import OR-Tools.
"""

from __future__ import annotations

from .budget import solve_model
from .flow import solve_flow

__all__ = ["solve_flow", "solve_model"]
