"""asn_balance: plan transfers (mutasi) of Indonesian civil servants.

Balance workload across positions (Analisis Beban Kerja), place people by competence,
keep the civil-service rules and move as few people as possible.

>>> import asn_balance as ab
>>> problem = ab.Problem.read(ab.datasets.demo_path())          # doctest: +SKIP
>>> result = ab.solve(problem)                                  # doctest: +SKIP
>>> ab.check(problem, result).ok                                # doctest: +SKIP
True

The names below are resolved on first use (PEP 562): ``import asn_balance`` loads no
pandas, no OR-Tools and nothing else until a name is asked for. The layers behind them are
mapped in ``docs/architecture.md``.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import types
from typing import TYPE_CHECKING, Any

from . import _outputs
from ._version import __version__

if TYPE_CHECKING:  # what the lazy names resolve to, for type checkers and IDEs
    from . import datasets
    from .analysis.compare import Comparison, compare
    from .analysis.frontier import Frontier, HiresFrontier, frontier, hires_frontier
    from .analysis.horizon import plan_horizon
    from .analysis.revise import Revision, revise
    from .analysis.why_not import WhyNot, why_not, why_not_horizon
    from .apps.batch import solve_many
    from .check import CheckReport, Violation, check
    from .check.horizon import check_horizon
    from .compile.compiler import compile_problem
    from .engine import AssignmentModel, EngineSolution, Pair, SideConstraint
    from .engine.control import request_stop
    from .evaluate.evaluation import evaluate
    from .evaluate.horizon import HorizonResult
    from .evaluate.result import PlanError, Result
    from .evaluate.terms import plan_terms
    from .model.errors import InputError, InputProblem
    from .model.policy import RULES, TERMS, Policy
    from .model.problem import Problem
    from .planner import solve
    from .reports.notices import Notices, notices

__all__ = [
    "RULES",
    "TERMS",
    "AssignmentModel",
    "CheckReport",
    "Comparison",
    "EngineSolution",
    "Frontier",
    "HiresFrontier",
    "HorizonResult",
    "InputError",
    "InputProblem",
    "Notices",
    "Pair",
    "PlanError",
    "Policy",
    "Problem",
    "Result",
    "Revision",
    "SideConstraint",
    "Violation",
    "WhyNot",
    "__version__",
    "check",
    "check_horizon",
    "compare",
    "compile_problem",
    "datasets",
    "evaluate",
    "frontier",
    "hires_frontier",
    "notices",
    "plan_horizon",
    "plan_terms",
    "request_stop",
    "revise",
    "solve",
    "solve_many",
    "why_not",
    "why_not_horizon",
]

#: public name -> module that defines it
_LAZY: dict[str, str] = {
    "RULES": "model.policy",
    "TERMS": "model.policy",
    "Policy": "model.policy",
    "InputError": "model.errors",
    "InputProblem": "model.errors",
    "Problem": "model.problem",
    "AssignmentModel": "engine.model",
    "EngineSolution": "engine.model",
    "Pair": "engine.model",
    "SideConstraint": "engine.model",
    "request_stop": "engine.control",
    "compile_problem": "compile.compiler",
    "evaluate": "evaluate.evaluation",
    "plan_terms": "evaluate.terms",
    "PlanError": "evaluate.result",
    "Result": "evaluate.result",
    "solve": "planner",
    "CheckReport": "check.verifier",
    "Violation": "check.verifier",
    "check": "check.verifier",
    "Comparison": "analysis.compare",
    "compare": "analysis.compare",
    "Frontier": "analysis.frontier",
    "frontier": "analysis.frontier",
    "HiresFrontier": "analysis.frontier",
    "hires_frontier": "analysis.frontier",
    "WhyNot": "analysis.why_not",
    "why_not": "analysis.why_not",
    "why_not_horizon": "analysis.why_not",
    "solve_many": "apps.batch",
    "plan_horizon": "analysis.horizon",
    "check_horizon": "check.horizon",
    "HorizonResult": "evaluate.horizon",
    "Notices": "reports.notices",
    "notices": "reports.notices",
    "Revision": "analysis.revise",
    "revise": "analysis.revise",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        # a subpackage or an old module path (``ab.io``, ``ab.datasets``, ``ab.domain``), as the
        # eager package of 0.1 offered them
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Facade(types.ModuleType):
    """The package module: a submodule named like a public function (``asn_balance.check``,
    the old ``asn_balance.compare``) never replaces that function when it is imported."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Facade

# Outputs that the data classes of the upper layers offer without importing the layers below
# them (see asn_balance/_outputs.py).
_outputs.register("problem_html", "asn_balance.reports.cards:problem_card")
_outputs.register("result_html", "asn_balance.reports.cards:result_card")
_outputs.register("result_plot", "asn_balance.reports.plots:plot_result")
_outputs.register("result_write", "asn_balance.io.files:write_result")
_outputs.register("horizon_write", "asn_balance.io.horizon:write_horizon")
_outputs.register("horizon_plot", "asn_balance.reports.horizon:plot_horizon")
_outputs.register("hires_frontier_plot", "asn_balance.reports.horizon:plot_hires_frontier")
_outputs.register("frontier_plot", "asn_balance.reports.plots:plot_frontier")

logging.getLogger(__name__).addHandler(logging.NullHandler())
