"""asn_balance: plan transfers (mutasi) of Indonesian civil servants.

Balance workload across positions (Analisis Beban Kerja), place people by competence,
keep the civil-service rules and move as few people as possible.

>>> import asn_balance as ab
>>> problem = ab.Problem.read(ab.datasets.demo_path())          # doctest: +SKIP
>>> result = ab.solve(problem)                                  # doctest: +SKIP
>>> ab.check(problem, result).ok                                # doctest: +SKIP
True
"""

from __future__ import annotations

import logging

from . import datasets
from .batch import solve_many
from .check import CheckReport, Violation, check
from .compare import Comparison, compare
from .decision import Frontier, WhyNot, frontier, why_not
from .engine import AssignmentModel, EngineSolution, Pair, SideConstraint
from .errors import InputError, InputProblem
from .planner import compile_problem, solve
from .problem import Problem
from .result import PlanError, Result
from .schema import RULES, TERMS, Policy
from .solvers.control import request_stop
from .terms import plan_terms

__all__ = [
    "RULES",
    "TERMS",
    "AssignmentModel",
    "CheckReport",
    "Comparison",
    "EngineSolution",
    "Frontier",
    "InputError",
    "InputProblem",
    "Pair",
    "PlanError",
    "Policy",
    "Problem",
    "Result",
    "SideConstraint",
    "Violation",
    "WhyNot",
    "__version__",
    "check",
    "compare",
    "compile_problem",
    "datasets",
    "frontier",
    "plan_terms",
    "request_stop",
    "solve",
    "solve_many",
    "why_not",
]

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
