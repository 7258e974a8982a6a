"""``asn-balance frontier``: the best plan for each move budget."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ...model.errors import InputError, InputProblem
from ...model.policy import Policy
from . import common
from .common import (
    DataArg,
    Lang,
    Quiet,
    Seed,
    _check_lang,
    _fail_input,
    _fmt,
    _unwritable,
    err,
    out,
    policy_options,
)


def _parse_budgets(text: str) -> list[int]:
    items = [x.strip() for x in text.split(",")]
    if not text.strip() or all(not x for x in items):
        _fail_input([InputProblem("options", None, "--budgets", text, "invalid_option",
                                  "expected move budgets such as 0,10,20,50")])  # fmt: skip
    budgets: list[int] = []
    problems: list[InputProblem] = []
    for x in items:
        try:
            b = int(x)
        except ValueError:
            problems.append(InputProblem("options", None, "--budgets", x, "invalid_option",
                                         "a budget must be a whole number of moves"))  # fmt: skip
            continue
        if b < 0:
            problems.append(InputProblem("options", None, "--budgets", x, "invalid_option",
                                         "a budget cannot be negative"))  # fmt: skip
        else:
            budgets.append(b)
    if problems:
        _fail_input(problems)
    return sorted(set(budgets))


@policy_options
def frontier(
    data: DataArg,
    budgets: Annotated[
        str, typer.Option("--budgets", help="Move budgets to plan for, comma-separated, e.g. 0,10,20,50,100.")
    ] = "0,10,20,50,100",
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the points: .json, .csv or .xlsx.")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Seconds for each point (each budget).")
    ] = None,
    seed: Seed = 0,
    quiet: Quiet = False,
    plot_path: Annotated[
        Path | None,
        typer.Option("--plot", help="Also draw the frontier to this image (.png, .svg, .pdf; extra 'plot')."),
    ] = None,
    lang: Lang = "id",
    *,
    policy: Policy,
) -> None:
    """The trade-off between moves and balance: the best plan for each move budget."""
    from ...io.files import write_frames

    wanted = _parse_budgets(budgets)
    if policy.lexicographic:
        _fail_input([InputProblem("policy", None, "lexicographic", True, "invalid_policy",
                                  "frontier sets a move budget per point, which lexicographic "
                                  "priorities cannot take")])  # fmt: skip
    if policy.max_moves is not None and not quiet:
        err.print(f"warning: max_moves {policy.max_moves} is replaced by each budget of --budgets",
                  markup=False)  # fmt: skip
    problem = common._read_problem(data, policy)
    if not quiet:
        for w in problem.warnings:
            err.print(f"warning: {w}", markup=False, soft_wrap=True)
    from ...analysis.frontier import frontier as make_frontier

    try:
        if quiet or not err.is_terminal:
            result = make_frontier(problem, wanted, time_limit=time_limit, seed=seed)
        else:
            with err.status(f"planning {len(wanted)} budgets ..."):
                result = make_frontier(problem, wanted, time_limit=time_limit, seed=seed)
    except InputError as e:
        _fail_input(e.problems)
    points = result.points
    written = None
    if out_path is not None:
        try:
            if out_path.suffix.lower() == ".json":
                result.write(out_path)
                written = out_path
            else:
                written = write_frames({"frontier": points}, out_path)
        except OSError as e:
            _unwritable(out_path, "frontier", e)
    if plot_path is not None:
        try:
            fig = result.plot(lang=_check_lang(lang))
            fig.savefig(plot_path, dpi=150, bbox_inches="tight")
        except ImportError as e:
            _fail_input([InputProblem("options", None, "--plot", str(plot_path), "missing_extra", str(e))])
        except (OSError, ValueError) as e:
            _unwritable(plot_path, "frontier_plot", e)
        if not quiet:
            out.print(f"frontier plot written to {plot_path}", markup=False)
    if not quiet:
        t = Table(title=f"asn-balance frontier {data}")
        cols = ("budget", "moves", "balance", "bound", "objective", "status", "seconds")
        for c in cols:
            t.add_column(c, justify="left" if c == "status" else "right")
        for r in points.to_dict(orient="records"):
            cells = [_fmt(r[c], ".4f") for c in ("balance", "bound", "objective")]
            t.add_row(_fmt(r["budget"], "d"), _fmt(r["moves"], ".0f"), *cells, str(r["status"]),
                      _fmt(r["seconds"], ".2f"))  # fmt: skip
        out.print(t)
        if written is not None:
            out.print(f"frontier written to {written}", markup=False)
    if not points["status"].isin(["optimal", "feasible"]).any():
        err.print("no plan found for any budget", markup=False)
        raise typer.Exit(1)
