"""``asn-balance report``: an HTML report of a plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ...model.errors import InputError
from ...model.policy import Policy
from . import common
from .common import DataArg, Quiet, _check_lang, _fail_input, _unwritable, err, out, policy_options


@policy_options
def report_cmd(
    data: DataArg,
    plan_path: Annotated[
        Path, typer.Argument(help="The plan written by plan --out: .json, .xlsx, folder or moves .csv.")
    ],
    out_path: Annotated[
        Path, typer.Option("--out", help="Write the HTML report here (one self-contained file).")
    ] = Path("report.html"),
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: id or en.")] = "id",
    quiet: Quiet = False,
    *,
    policy: Policy,
    policy_given: dict[str, Any],
) -> None:
    """An HTML report of PLAN on DATA for leadership: summary, plots, units, moves, training, rule check.

    PLAN is re-evaluated on DATA under the policy it records with the policy options on top (every
    difference is printed), not re-solved; exit 1 if it breaks a rule.
    """
    from ...analysis.given_plan import plan_result
    from ...check.report import PolicyDifference
    from ...reports.html import write_report

    lang = _check_lang(lang)
    effective = common._plan_policy(common._recorded_summary(plan_path), policy_given, policy)
    problem = common._read_problem(data, effective)
    try:
        result = plan_result(problem, plan_path, lang=lang)
    except InputError as e:
        _fail_input(e.problems)
    try:
        written = write_report(problem, result, out_path, lang=lang)
    except OSError as e:
        _unwritable(out_path, "report", e)
    checked = result.info.get("check", {})
    if not quiet:
        for d in result.info.get("policy_differences", []):
            shown = PolicyDifference(**d).describe("given")
            out.print(f"policy differs from the plan's: {shown}", markup=False, soft_wrap=True)
        if checked.get("input_same") is False:
            changes = "; ".join(result.info.get("input_changes", []))
            out.print(f"input changed since the plan was made: {changes}", markup=False, soft_wrap=True)
        out.print(
            f"report written to {written}: {result.n_moves} moves, balance {result.balance_before:.4f} -> "
            f"{result.balance_after:.4f}",
            markup=False,
            soft_wrap=True,
        )
    if not checked.get("ok", True):
        err.print(f"the plan breaks {checked.get('violations', 0)} rules: see the report or "
                  "asn-balance check", markup=False)  # fmt: skip
        raise typer.Exit(1)
