"""``asn-balance revise``: the revised plan after the employees' responses to a draft."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from ...model.errors import InputError, InputProblem
from ...model.policy import Policy
from . import common
from .common import (
    DataArg,
    Quiet,
    _check_lang,
    _echo_json,
    _fail_input,
    _unwritable,
    err,
    out,
    policy_options,
)


@policy_options
def revise_cmd(
    data: DataArg,
    plan_path: Annotated[Path, typer.Argument(help="The draft plan (.json, .xlsx, folder or moves .csv).")],
    responses: Annotated[Path, typer.Argument(help="The responses table (.csv, .xlsx or .json).")],
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the revised plan: .json, .xlsx or a folder.")
    ] = None,
    change_cost: Annotated[
        float,
        typer.Option(
            "--change-cost",
            help="Price of changing the outcome of one employee who did not "
            "respond, in units of B (default 1).",
        ),
    ] = 1.0,
    overrule: Annotated[
        str | None,
        typer.Option("--overrule", help="Employee ids (comma-separated) whose objection is overruled."),
    ] = None,
    overrule_reason: Annotated[
        str, typer.Option("--overrule-reason", help="The reason recorded with the overrules.")
    ] = "",
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Seconds for the search.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the answers: id or en.")] = "id",
    as_json: Annotated[bool, typer.Option("--json", help="Print the revision as JSON.")] = False,
    quiet: Quiet = False,
    *,
    policy: Policy,
    policy_given: dict[str, Any],
) -> None:
    """Revise the draft PLAN after RESPONSES: accepts kept, objections honoured, requests answered,
    the others changed only when that pays more than --change-cost."""
    from ...analysis.revise import revise

    lang = _check_lang(lang)
    if not (math.isfinite(change_cost) and change_cost >= 0):
        _fail_input(
            [
                InputProblem(
                    "options", None, "--change-cost", change_cost, "invalid_option", "must be a number >= 0"
                )
            ]
        )
    summary = common._recorded_summary(plan_path)
    problem = common._read_problem(data, common._plan_policy(summary, policy_given, policy))
    over = {x.strip(): overrule_reason for x in (overrule or "").split(",") if x.strip()}
    try:
        rv = revise(
            problem,
            plan_path,
            responses,
            change_cost=change_cost,
            overrule=over,
            time_limit=time_limit,
            lang=lang,
        )
    except InputError as e:
        _fail_input(e.problems)
    written = []
    if out_path is not None and rv.result.has_plan:
        try:
            written = rv.write(out_path)
        except OSError as e:
            _unwritable(out_path, "revised plan", e)
    if as_json:
        _echo_json({k: v for k, v in rv.to_dict().items() if k != "plan"})
    elif not quiet:
        for row in rv.outcomes.itertuples(index=False):
            out.print(
                f"{row.employee_id}  {row.response}  -> {row.outcome}: {row.reason}",
                markup=False,
                soft_wrap=True,
            )
        for row in rv.changed.itertuples(index=False):
            out.print(
                f"{row.employee_id}  (no response)  {row.draft_position} -> {row.revised_position}",
                markup=False,
            )
        out.print(rv.text(lang), markup=False, soft_wrap=True)
        if rv.comparison is not None:
            for line in rv.comparison.text(lang).splitlines():
                out.print(line, markup=False, soft_wrap=True)
        if written:
            out.print(f"revised plan written to {written[0]}", markup=False)
    if not rv.result.has_plan:
        err.print(f"no revised plan: status {rv.result.status}", markup=False)
        for line in rv.result.diagnosis:
            err.print(f"  {line}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    verdict = rv.result.info.get("check", {})
    if not verdict.get("ok", False):
        err.print(
            f"the revised plan fails the check ({verdict.get('violations')} violations): run "
            "asn-balance check on it for the details",
            markup=False,
        )
        raise typer.Exit(1)
