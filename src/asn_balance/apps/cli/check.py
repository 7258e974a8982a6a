"""``asn-balance check``: check a plan against every hard rule, under the policy it records."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from ...model.errors import InputError
from ...model.policy import Policy
from . import common
from .common import DataArg, MaxFileMb, MaxRows, _fail_input, _limits, out, policy_options

PlanArg = Annotated[Path, typer.Argument(help="The plan: .json, .xlsx, folder or moves .csv.")]
AllowChangedInput = Annotated[
    bool,
    typer.Option(
        "--allow-changed-input",
        help="Check a plan whose input changed since it was made (and say so) instead of failing "
        "it with [input_changed].",
    ),
]


def _number(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "-"
    return f"{v:.6f}" if math.isfinite(v) else "-"


@policy_options
def check_cmd(
    data: DataArg,
    plan_path: PlanArg,
    max_file_mb: MaxFileMb = None,
    max_rows: MaxRows = None,
    allow_changed_input: AllowChangedInput = False,
    draft_path: Annotated[
        Path | None,
        typer.Option(
            "--draft",
            help="For a revised plan: the draft it was revised from (its moves must hash to the "
            "revision's draft_sha256 for the consultation round the plan records to be used).",
        ),
    ] = None,
    *,
    policy: Policy,
    policy_given: dict[str, Any],
) -> None:
    """Check a plan against every hard rule, under the policy and on the input it records; exit 1
    if any is broken or the input changed.

    The policy options override the plan's recorded policy; every difference is printed first.
    """
    from ...check.report import DOUBTS
    from ...check.verifier import check
    from ...io.plans import read_plan

    summary = common._recorded_summary(plan_path)
    effective = common._plan_policy(summary, policy_given, policy)
    problem = common._read_problem(data, effective, _limits(max_file_mb, max_rows))
    try:
        moves = read_plan(plan_path)
        draft = read_plan(draft_path) if draft_path is not None else None
        report = check(
            problem, moves, recorded=summary, policy="problem", allow_changed_input=allow_changed_input,
            draft=draft,
        )  # fmt: skip
    except InputError as e:
        _fail_input(e.problems)

    def say(text: str) -> None:
        out.print(text, markup=False, soft_wrap=True)

    for d in report.policy_differences:
        say(f"policy differs from the plan's: {d.describe('given')}")
    if report.input_same is False and allow_changed_input:
        say(
            "input changed since the plan was made; checked all the same (--allow-changed-input): "
            + "; ".join(report.input_changes)
        )
    say(
        f"{'OK' if report.ok else 'FAILED'}: {report.moves} moves, balance {report.balance_before:.6f} -> "
        f"{report.balance:.6f}, objective {report.objective:.6f}, {len(report.violations)} violations"
    )
    for v in report.violations:
        say(f"  [{v.rule}] {v.message}")
    for n in report.notes:
        if "allow_changed_input" not in n:  # said above
            say(f"note: {n}")
    claim = report.claim
    if claim.get("status"):
        what = f"{claim['status']}, objective {_number(claim.get('objective'))}"
        if report.verified:
            say(f"claim verified: {what}, on the input and under the policy the plan records")
        else:
            doubts = "; ".join(DOUBTS[d] for d in report.doubts)
            say(f"claim not verified: the plan claims {what}, but {doubts}")
    if not report.ok:
        raise typer.Exit(1)
