"""``asn-balance why-not``: why an employee is not moved to a target, in a plan of one round
or at the rounds of a five-year plan."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ...model.errors import InputError, InputProblem
from ...model.policy import Policy
from . import common
from .common import DataArg, _check_lang, _echo_json, _fail_input, _fmt, err, out, policy_options

if TYPE_CHECKING:
    from ...analysis.why_not import WhyNot


@policy_options
def why_not_cmd(
    data: DataArg,
    plan_path: Annotated[
        Path,
        typer.Argument(
            help="The plan (.json, .xlsx, folder or moves .csv), or a five-year plan of `horizon`."
        ),
    ],
    employee: Annotated[str, typer.Argument(help="The employee id (NIP).")],
    target: Annotated[str, typer.Argument(help="A position id or a unit id.")],
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Seconds for the forced re-solve; for a five-year plan, for the whole answer.",
        ),
    ] = None,
    round_: Annotated[
        int | None,
        typer.Option("--round", help="Five-year plan only: the round asked about (default: every round)."),
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
    On a five-year plan (horizon --out) the question is asked at every round, or at --round.
    """
    lang = _check_lang(lang)
    from ...io.horizon_plans import is_horizon_plan

    if is_horizon_plan(plan_path):
        _horizon(data, plan_path, employee, target, round_, time_limit, lang, as_json, policy, policy_given)
        return
    if round_ is not None:
        _fail_input([InputProblem("options", None, "--round", round_, "invalid_option",
                                  "--round asks about a five-year plan (asn-balance horizon --out); "
                                  f"{plan_path} is a plan of one round")])  # fmt: skip
    summary = common._recorded_summary(plan_path)
    effective = common._plan_policy(summary, policy_given, policy)
    _say_differences(summary, effective)
    problem = common._read_problem(data, effective)
    from ...analysis.why_not import why_not

    try:
        answer = why_not(problem, plan_path, employee, target, time_limit=time_limit, lang=lang)
    except InputError as e:
        _fail_input(e.problems)
    if as_json:
        _echo_json(answer.to_dict())
        return
    _print_answer(answer, employee, target)


def _say_differences(summary: dict[str, Any], effective: Policy) -> None:
    """Every field of ``effective`` that differs from the policy the plan records, on stderr."""
    recorded = summary.get("policy")
    if isinstance(recorded, dict) and recorded:
        mine = effective.model_dump(mode="json")
        for key, was in sorted(recorded.items()):
            if key in mine and mine[key] != was:
                err.print(f"policy differs from the plan's: {key} {was} (plan) -> {mine[key]} (given)",
                          markup=False, soft_wrap=True)  # fmt: skip


def _print_answer(answer: WhyNot, employee: str, target: str) -> None:
    """The message, the rules, the terms that change and the verdict of one answer."""
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


def _facts(h: dict[str, Any]) -> str:
    """Where the employee stands at a round: ``round 2 (2027-01-01): in P1, 12 months ...``."""
    text = f"round {h['round']} ({h['date']})"
    if "position" in h:
        text += f": in {h['position']}, {h['months_in_position']:g} months in position"
        last = h.get("last_move_round")
        text += f" (moved there at round {last})" if last is not None else ""
    if h.get("retires_round") is not None:
        text += f"; retired from round {h['retires_round']}"
    if h.get("moved_to"):
        text += f"; the plan moves them to {h['moved_to']} at this round"
    return text


def _why(answer: WhyNot) -> str:
    """One cell: the rules, or the cost of forcing the move."""
    if answer.verdict in ("forbidden", "retired"):
        return ", ".join(dict.fromkeys(r for r, _ in answer.rules))
    if answer.verdict == "in_plan":
        return "in the plan"
    worse = ", ".join(answer.worse_terms())
    return f"{_fmt(answer.cost, '+.4f')}" + (f" ({worse})" if worse else "")


def _horizon(
    data: Path,
    plan_path: Path,
    employee: str,
    target: str,
    round_: int | None,
    time_limit: float | None,
    lang: str,
    as_json: bool,
    policy: Policy,
    policy_given: dict[str, Any],
) -> None:
    """``why-not`` on a five-year plan: at ``--round``, or at every round."""
    from ...analysis.why_not import why_not_rounds
    from ...io.horizon_plans import read_horizon_plan

    started = common.LAUNCHED if common.LAUNCHED is not None else time.perf_counter()
    try:
        doc = read_horizon_plan(plan_path)
    except InputError as e:
        _fail_input(e.problems)
    summary = dict(doc["summary"])
    effective = common._plan_policy(summary, policy_given, policy)
    _say_differences(summary, effective)
    problem = common._read_problem(data, effective)
    made_from = summary.get("input_sha256")
    if made_from and made_from != problem.input_sha256:
        err.print(f"warning: {data} is not the input the plan was made from (input_sha256 differs); "
                  "asn-balance check-horizon names the tables that changed",
                  markup=False, soft_wrap=True)  # fmt: skip
    left = None if time_limit is None else max(0.5, time_limit - (time.perf_counter() - started))
    try:
        answers = why_not_rounds(
            problem, doc, employee, target, None if round_ is None else [round_], time_limit=left, lang=lang
        )
    except InputError as e:
        _fail_input(e.problems)
    if round_ is not None:
        (answer,) = answers
        if as_json:
            _echo_json(answer.to_dict())
            return
        out.print(_facts(answer.horizon), markup=False, soft_wrap=True)
        _print_answer(answer, employee, target)
        return
    if as_json:
        _echo_json({"employee_id": employee, "target": target, "rounds": [a.to_dict() for a in answers]})
        return
    t = Table(title=f"{employee} -> {target}, every round of {plan_path}")
    for c in ("round", "date", "in", "months", "verdict", "why"):
        t.add_column(c, justify="right" if c in ("round", "months") else "left")
    for a in answers:
        h = a.horizon
        t.add_row(str(h["round"]), str(h["date"]), str(h.get("position", "-")),
                  _fmt(h.get("months_in_position"), "g"), a.verdict, _why(a))  # fmt: skip
    out.print(t)
    for a in answers:
        for rule, detail in a.rules:
            out.print(f"  round {a.horizon['round']}: [{rule}] {detail}", markup=False, soft_wrap=True)
    out.print("ask one round with --round T for the message and the terms of the objective", markup=False)
