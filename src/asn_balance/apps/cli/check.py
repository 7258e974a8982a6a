"""``asn-balance check``: check a plan against every hard rule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ...model.errors import InputError
from ...model.policy import Policy
from . import common
from .common import DataArg, MaxFileMb, MaxRows, _fail_input, _limits, out, policy_options

PlanArg = Annotated[Path, typer.Argument(help="The plan: .json, .xlsx, folder or moves .csv.")]


@policy_options
def check_cmd(
    data: DataArg,
    plan_path: PlanArg,
    max_file_mb: MaxFileMb = None,
    max_rows: MaxRows = None,
    *,
    policy: Policy,
) -> None:
    """Check a plan against every hard rule; exit 1 if any is broken."""
    from ...check.verifier import check
    from ...io.plans import read_plan

    problem = common._read_problem(data, policy, _limits(max_file_mb, max_rows))
    try:
        moves = read_plan(plan_path)
        report = check(problem, moves)
    except InputError as e:
        _fail_input(e.problems)
    out.print(
        f"{'OK' if report.ok else 'FAILED'}: {report.moves} moves, balance {report.balance_before:.6f} -> "
        f"{report.balance:.6f}, objective {report.objective:.6f}, {len(report.violations)} violations",
        markup=False,
    )
    for v in report.violations:
        out.print(f"  [{v.rule}] {v.message}", markup=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)
