"""``asn-balance horizon``: plan transfers and hires (formasi) over yearly rounds."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ...model.errors import InputError, InputProblem
from ...model.policy import Policy
from . import common
from .common import DataArg, Quiet, TimeLimit, _fail_input, err, out, policy_options

__all__ = ["horizon", "parse_hires"]


def parse_hires(text: str | None) -> list[int] | None:
    """``"0,20,20"`` -> ``[0, 20, 20]``; exit 2 if not whole numbers."""
    if text is None or not text.strip():
        return None
    try:
        return [int(x) for x in text.replace(";", ",").split(",") if x.strip()]
    except ValueError:
        _fail_input(
            [
                InputProblem(
                    "options",
                    None,
                    "--hires",
                    text,
                    "invalid_option",
                    "expected whole numbers separated by commas, e.g. 0,20,20,20,20",
                )
            ]
        )


@policy_options
def horizon(
    data: DataArg,
    years: Annotated[int, typer.Option("--years", help="Number of yearly rounds (default 5).")] = 5,
    hires: Annotated[
        str | None, typer.Option("--hires", help="Hire quota per round, e.g. 0,20,20,20,20 (default none).")
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the plan: .json, .xlsx or a folder.")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write an HTML report of the plan (B per year, EU per unit, formasi)."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: id or en.")] = "id",
    time_limit: TimeLimit = None,
    quiet: Quiet = False,
    *,
    policy: Policy,
) -> None:
    """Plan transfers and hires for DATA over --years rounds and write the plan to --out."""
    from ...analysis.horizon import plan_horizon

    started = common.LAUNCHED if common.LAUNCHED is not None else time.perf_counter()
    problem = common._read_problem(data, policy)
    quotas = parse_hires(hires)
    left = None if time_limit is None else max(0.5, time_limit - (time.perf_counter() - started))
    try:
        result = plan_horizon(problem, years, quotas, time_limit=left)
    except InputError as e:
        _fail_input(e.problems)
    written = None
    if out_path is not None and result.has_plan:
        try:
            written = result.write(out_path)
        except (OSError, ValueError) as e:
            common._unwritable(out_path, "plan", e)
    if report is not None and result.has_plan:
        from ...reports.horizon import write_horizon_report

        try:
            write_horizon_report(problem, result, report, lang if lang in ("id", "en") else "id")
        except (OSError, ValueError) as e:
            common._unwritable(report, "report", e)
    if not quiet:
        for r in result.rounds:
            out.print(
                f"round {r.round} {r.date.isoformat()}: moves {len(r.moves)}  "
                f"hires {int(r.hires['count'].sum())}  "
                f"retirements {int(r.retirements['count'].sum())}  B {r.balance:.4f}",
                markup=False,
            )
        s = result.summary
        out.print(
            f"status {result.status}  objective {result.objective:.6g}  bound {result.bound:.6g}  "
            f"moves {s['moves']}  hires {s['hires']}  {s.get('seconds', 0):.2f}s",
            markup=False,
        )
        for note in s.get("notes") or []:
            out.print(f"note: {note}", markup=False)
        if written is not None:
            out.print(f"plan written to {written}", markup=False)
        if report is not None and result.has_plan:
            out.print(f"report written to {report}", markup=False)
    if not result.has_plan:
        err.print(f"no five-year plan: status {result.status}", markup=False)
        raise typer.Exit(1)
