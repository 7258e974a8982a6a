"""``asn-balance check-horizon``: check a five-year plan independently of the solver."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from ...model.errors import InputError, InputProblem
from ...model.policy import Policy
from . import common
from .common import DataArg, Quiet, _fail_input, err, out

__all__ = ["check_horizon_cmd"]


def check_horizon_cmd(
    data: DataArg,
    plan: Annotated[Path, typer.Argument(help="The horizon plan: .json or a folder with plan.json.")],
    quiet: Quiet = False,
) -> None:
    """Check a horizon PLAN against DATA under the policy it records; exit 1 on a violation."""
    from ...check.horizon import check_horizon
    from ...io.horizon import read_horizon

    try:
        doc = read_horizon(plan)
        recorded = doc["summary"].get("policy") or {}
        policy = Policy.model_validate(recorded)
    except InputError as e:
        _fail_input(e.problems)
    except ValidationError as e:
        _fail_input([InputProblem("plan", None, "policy", None, "invalid_plan", str(e))])
    problem = common._read_problem(data, policy)
    try:
        report = check_horizon(problem, doc)
    except InputError as e:
        _fail_input(e.problems)
    if not quiet:
        out.print(
            f"objective {report.objective:.9g}  moves {report.moves}  hires {report.hires}  "
            f"B per round {', '.join(f'{b:.4f}' for b in report.balance)}",
            markup=False,
        )
    if not report.ok:
        for line in report.messages():
            err.print(line, markup=False, soft_wrap=True)
        raise typer.Exit(1)
    if not quiet:
        out.print("ok: every rule holds at every round", markup=False)
