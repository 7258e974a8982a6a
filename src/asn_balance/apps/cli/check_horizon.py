"""``asn-balance check-horizon``: check a five-year plan independently of the solver."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ...model.errors import InputError
from ...model.policy import Policy
from . import common
from .check import AllowChangedInput
from .common import DataArg, Quiet, _fail_input, err, out, policy_options

__all__ = ["check_horizon_cmd"]


@policy_options
def check_horizon_cmd(
    data: DataArg,
    plan: Annotated[Path, typer.Argument(help="The horizon plan: .json or a folder with plan.json.")],
    hires: Annotated[
        str | None,
        typer.Option(
            "--hires", help="Check against these quotas per round instead of the plan's, e.g. 0,20,20"
        ),
    ] = None,
    allow_changed_input: AllowChangedInput = False,
    quiet: Quiet = False,
    *,
    policy: Policy,
    policy_given: dict[str, Any],
) -> None:
    """Check a horizon PLAN against DATA under the policy it records (policy options on top)
    and on the input it was made from; exit 1 on a violation or a changed input."""
    from ...check.horizon import check_horizon
    from ...io.horizon import read_horizon
    from .horizon import parse_hires

    try:
        doc = read_horizon(plan)
    except InputError as e:
        _fail_input(e.problems)
    effective = common._plan_policy(dict(doc["summary"]), policy_given, policy)
    problem = common._read_problem(data, effective)
    quotas = parse_hires(hires)
    try:
        report = check_horizon(
            problem, doc, hires=quotas, policy="problem", allow_changed_input=allow_changed_input
        )
    except InputError as e:
        _fail_input(e.problems)

    def say(text: str) -> None:
        out.print(text, markup=False, soft_wrap=True)

    if not quiet:
        for d in report.policy_differences:
            say(f"policy differs from the plan's: {d.describe('given')}")
        for note in report.notes:
            say(note)
        say(
            f"objective {report.objective:.9g}  moves {report.moves}  hires {report.hires}  "
            f"B per round {', '.join(f'{b:.4f}' for b in report.balance)}"
        )
    if not report.ok:
        for line in report.messages():
            err.print(line, markup=False, soft_wrap=True)
        raise typer.Exit(1)
    if not quiet:
        say("ok: every rule holds at every round")
