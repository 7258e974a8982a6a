"""``asn-balance why-not``: why an employee is not moved to a target."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ...model.errors import InputError
from ...model.policy import Policy
from . import common
from .common import DataArg, _check_lang, _echo_json, _fail_input, _fmt, err, out, policy_options


@policy_options
def why_not_cmd(
    data: DataArg,
    plan_path: Annotated[Path, typer.Argument(help="The plan (.json, .xlsx, folder or moves .csv).")],
    employee: Annotated[str, typer.Argument(help="The employee id (NIP).")],
    target: Annotated[str, typer.Argument(help="A position id or a unit id.")],
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Seconds for the forced re-solve.")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the answer: id or en.")] = "id",
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    *,
    policy: Policy,
    policy_given: dict[str, Any],
) -> None:
    """Why is EMPLOYEE not moved to TARGET: the rule that forbids it, or what forcing it costs.

    Asked under the policy the plan records (its plan date included), with the policy options
    given on top; every difference from the recorded policy is printed on standard error.
    """
    lang = _check_lang(lang)
    summary = common._recorded_summary(plan_path)
    effective = common._plan_policy(summary, policy_given, policy)
    recorded = summary.get("policy")
    if isinstance(recorded, dict) and recorded:
        mine = effective.model_dump(mode="json")
        for key, was in sorted(recorded.items()):
            if key in mine and mine[key] != was:
                err.print(f"policy differs from the plan's: {key} {was} (plan) -> {mine[key]} (given)",
                          markup=False, soft_wrap=True)  # fmt: skip
    problem = common._read_problem(data, effective)
    from ...analysis.why_not import why_not

    try:
        answer = why_not(problem, plan_path, employee, target, time_limit=time_limit, lang=lang)
    except InputError as e:
        _fail_input(e.problems)
    if as_json:
        _echo_json(answer.to_dict())
        return
    out.print(answer.message, markup=False, soft_wrap=True)
    if answer.verdict == "forbidden" or answer.rules:
        for rule, detail in answer.rules:
            out.print(f"  [{rule}] {detail}", markup=False, soft_wrap=True)
    changed = {
        k: (a, b)
        for k, (a, b) in answer.terms.items()
        if k != "objective"
        and not (math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b)))
    }
    if changed:
        t = Table(title=f"{employee} -> {target} ({answer.target_kind})")
        for c in ("term", "plan", "forced", "change"):
            t.add_column(c, justify="left" if c == "term" else "right")
        for k, (a, b) in changed.items():
            t.add_row(k, _fmt(a), _fmt(b), _fmt(b - a, "+.6g"))
        t.add_row("objective", _fmt(answer.objective_plan), _fmt(answer.objective_forced),
                  _fmt(answer.cost, "+.6g"), style="bold")  # fmt: skip
        out.print(t)
    out.print(f"verdict {answer.verdict}  status {answer.status}", markup=False)
