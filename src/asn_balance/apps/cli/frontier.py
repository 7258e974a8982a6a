"""``asn-balance frontier``: the best plan for each move budget, or the five-year plan for
each hire quota per year (``--hires-per-year``)."""

from __future__ import annotations

import time
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


def _parse_budgets(text: str, option: str = "--budgets", what: str = "move budget") -> list[int]:
    """``"0,10,20"`` -> ``[0, 10, 20]`` (sorted, no duplicates); exit 2 naming every bad item."""
    numbers, problems = _read_numbers(text, option, what)
    if problems:
        _fail_input(problems)
    return numbers


def _read_numbers(text: str, option: str, what: str) -> tuple[list[int], list[InputProblem]]:
    """The whole numbers (at least 0) of a comma-separated option, and a problem per bad item."""
    items = [x.strip() for x in text.split(",")]
    if not text.strip() or all(not x for x in items):
        example = "0,10,20,50" if option == "--budgets" else "0,10,20,30"
        return [], [InputProblem("options", None, option, text, "invalid_option",
                                 f"expected {what}s such as {example}")]  # fmt: skip
    numbers: list[int] = []
    problems: list[InputProblem] = []
    unit = "moves" if option == "--budgets" else "hires"
    for x in items:
        try:
            b = int(x)
        except ValueError:
            problems.append(InputProblem("options", None, option, x, "invalid_option",
                                         f"a {what} must be a whole number of {unit}"))  # fmt: skip
            continue
        if b < 0:
            problems.append(InputProblem("options", None, option, x, "invalid_option",
                                         f"a {what} cannot be negative"))  # fmt: skip
        else:
            numbers.append(b)
    return sorted(set(numbers)), problems


@policy_options
def frontier(
    data: DataArg,
    budgets: Annotated[
        str | None,
        typer.Option(
            "--budgets", help="Move budgets to plan for, comma-separated [default: 0,10,20,50,100]."
        ),
    ] = None,
    hires_per_year: Annotated[
        str | None,
        typer.Option(
            "--hires-per-year",
            help="Instead of move budgets: five-year plans for these hire quotas per year, e.g. 0,10,20,30.",
        ),
    ] = None,
    years: Annotated[
        int | None, typer.Option("--years", help="With --hires-per-year: rounds of each plan [default: 5].")
    ] = None,
    first_round_hires: Annotated[
        int | None,
        typer.Option("--first-round-hires", help="With --hires-per-year: hires of round 0 [default: 0]."),
    ] = None,
    plans_dir: Annotated[
        Path | None,
        typer.Option(
            "--plans", help="With --hires-per-year: write each point's plan to this folder (hires_<q>.json)."
        ),
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the points: .json, .csv or .xlsx.")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Seconds for each point (each budget); with --hires-per-year, for the whole command.",
        ),
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
    """The trade-off between moves (or hires) and balance: the best plan per move budget or hire quota.

    --budgets: one round, the best plan for each move budget. --hires-per-year: the five-year
    plan for each hire quota a year, each checked by check-horizon.
    """
    from ...io.files import write_frames

    if hires_per_year is not None:
        if budgets is not None:
            _fail_input([InputProblem("options", None, "--budgets", budgets, "invalid_option",
                                      "give --budgets (move budgets of one round) or --hires-per-year "
                                      "(five-year plans), not both")])  # fmt: skip
        _hires(data, hires_per_year, years, first_round_hires, plans_dir, out_path, time_limit, quiet,
               plot_path, lang, policy)  # fmt: skip
        return
    only = {"--years": years, "--first-round-hires": first_round_hires, "--plans": plans_dir}
    given = [InputProblem("options", None, k, str(v), "invalid_option", "only with --hires-per-year")
             for k, v in only.items() if v is not None]  # fmt: skip
    if given:
        _fail_input(given)
    wanted = _parse_budgets("0,10,20,50,100" if budgets is None else budgets)
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


def _hires(
    data: Path,
    text: str,
    years: int | None,
    first_round_hires: int | None,
    plans_dir: Path | None,
    out_path: Path | None,
    time_limit: float | None,
    quiet: bool,
    plot_path: Path | None,
    lang: str,
    policy: Policy,
) -> None:
    """``frontier --hires-per-year``: the five-year plan for each hire quota per year."""
    from ...analysis.frontier import HiresFrontier, hires_frontier
    from ...io.files import write_frames

    started = common.LAUNCHED if common.LAUNCHED is not None else time.perf_counter()
    wanted, problems = _read_numbers(text, "--hires-per-year", "hire quota")
    if years is not None and years < 1:
        problems.append(InputProblem("options", None, "--years", years, "invalid_option", "at least 1"))
    if first_round_hires is not None and first_round_hires < 0:
        problems.append(InputProblem("options", None, "--first-round-hires", first_round_hires,
                                     "invalid_option", "0 or more"))  # fmt: skip
    if problems:
        _fail_input(problems)
    n_years = 5 if years is None else years
    lang = _check_lang(lang)
    problem = common._read_problem(data, policy)
    if not quiet:
        for w in problem.warnings:
            err.print(f"warning: {w}", markup=False, soft_wrap=True)
    left = None if time_limit is None else max(0.5, time_limit - (time.perf_counter() - started))
    # leave the writing a little time within --time-limit
    total = None if left is None else max(0.5, left - min(1.0, 0.05 * left))

    def run() -> HiresFrontier:
        return hires_frontier(
            problem, wanted, years=n_years, total_time_limit=total, first_round=first_round_hires or 0
        )

    try:
        if quiet or not err.is_terminal:
            result = run()
        else:
            with err.status(f"planning {len(wanted)} five-year plans ..."):
                result = run()
    except InputError as e:
        _fail_input(e.problems)
    points = result.points
    written = []
    if out_path is not None:
        try:
            if out_path.suffix.lower() == ".json":
                written.append(result.write(out_path))
            else:
                written.append(write_frames({"frontier": points}, out_path))
        except OSError as e:
            _unwritable(out_path, "frontier", e)
    if plans_dir is not None:
        for q, plan in zip(points["hires_per_year"], result.plans, strict=True):
            if plan.has_plan:
                target = plans_dir / f"hires_{int(q)}.json"
                try:
                    plans_dir.mkdir(parents=True, exist_ok=True)
                    written.append(plan.write(target))
                except (OSError, ValueError) as e:
                    _unwritable(target, "plan", e)
    if plot_path is not None:
        try:
            fig = result.plot(lang=lang)
            fig.savefig(plot_path, dpi=150, bbox_inches="tight")
        except ImportError as e:
            _fail_input([InputProblem("options", None, "--plot", str(plot_path), "missing_extra", str(e))])
        except (OSError, ValueError) as e:
            _unwritable(plot_path, "frontier_plot", e)
        written.append(plot_path)
    if not quiet:
        t = Table(title=f"five-year plans ({n_years} rounds) per hire quota a year")
        cols = ("hires/year", "status", "objective", "bound", "sum B", "moves", "hires", "check", "seconds")
        for c in cols:
            t.add_column(c, justify="left" if c in ("status", "check") else "right")
        for r in points.to_dict(orient="records"):
            of = r["plan_of"]
            note = "" if of is None or of == r["hires_per_year"] else f" (plan of {of})"
            t.add_row(_fmt(r["hires_per_year"], "d"), str(r["status"]) + note,
                      *[_fmt(r[c], ".4f") for c in ("objective", "bound", "balance")],
                      _fmt(r["moves"], ".0f"), _fmt(r["hires"], ".0f"), str(r["check"]),
                      _fmt(r["seconds"], ".2f"))  # fmt: skip
        out.print(t)
        for w in written:
            out.print(f"written to {w}", markup=False)
    failed = points[points["check"].astype(str).str.startswith("failed")]
    for r in failed.to_dict(orient="records"):
        err.print(
            f"the plan for {r['hires_per_year']} hires a year fails the check: {r['check']}", markup=False
        )
    if not points["status"].isin(["optimal", "feasible"]).any():
        err.print("no five-year plan found for any quota", markup=False)
        raise typer.Exit(1)
    if len(failed):
        raise typer.Exit(1)
