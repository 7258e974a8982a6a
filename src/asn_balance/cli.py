"""Command line: ``asn-balance demo | plan | check | abk``.

Exit codes: 0 success; 1 infeasible problem or a plan that fails the check; 2 bad
input (one line per problem, all at once, no traceback).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from .errors import InputError, InputProblem
from .result import Result
from .schema import Policy

app = typer.Typer(
    name="asn-balance",
    help="Plan transfers (mutasi) of civil servants: balanced workload, rules kept, few moves.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

DataArg = Annotated[
    Path, typer.Argument(help="CSV folder, .xlsx workbook or .json document with the tables.")
]
TimeLimit = Annotated[
    float | None, typer.Option("--time-limit", help="Seconds for the solve (move budget path).")
]
Seed = Annotated[int, typer.Option("--seed", help="Random seed (CP-SAT path).")]
MoveCost = Annotated[
    float | None, typer.Option("--move-cost", help="Price of one move in units of B (default 0.1).")
]
MaxMoves = Annotated[int | None, typer.Option("--max-moves", help="Hard budget on the number of moves.")]
Hours = Annotated[
    float | None,
    typer.Option("--effective-hours", help="Effective hours per FTE per year (1250; 1200 is older)."),
]
AllowJab = Annotated[
    bool, typer.Option("--allow-jabatan-change", help="Allow moves that change the jabatan.")
]
AllowPppk = Annotated[bool, typer.Option("--allow-pppk", help="Allow PPPK employees to move.")]
MinMonths = Annotated[
    int | None, typer.Option("--min-months", help="Minimum months in position (default 24).")
]
Lexico = Annotated[
    bool,
    typer.Option("--lexicographic", help="Best balance first, then fewest moves (see --balance-tolerance)."),
]
BalTol = Annotated[
    float | None,
    typer.Option(
        "--balance-tolerance", help="With --lexicographic: relative slack on the best balance (0.01 = 1%)."
    ),
]
Lang = Annotated[str, typer.Option("--lang", help="Language of reasons: id or en.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


def _policy(**given: Any) -> Policy:
    """The policy from the options given (unset ones keep their defaults); exit 2 if invalid."""
    if "min_months" in given:
        given["min_months_in_position"] = given.pop("min_months")
    try:
        return Policy(**{k: v for k, v in given.items() if v is not None and v is not False})
    except ValidationError as e:
        _fail_input(_policy_problems(e))


def _check_lang(lang: str) -> str:
    if lang not in ("id", "en"):
        _fail_input([InputProblem("options", None, "--lang", lang, "invalid_option", "expected id or en")])
    return lang


def _fail_input(problems: list[InputProblem]) -> NoReturn:
    for p in problems:
        err.print(str(p), markup=False, soft_wrap=True)
    raise typer.Exit(2)


def _print_summary(result: Result, title: str) -> None:
    s = result.summary()
    t = Table(title=title, show_header=True)
    t.add_column("")
    t.add_column("before", justify="right")
    t.add_column("after", justify="right")
    t.add_row(
        "balance B", f"{s['balance_before']:.4f}", f"{s['balance_after']:.4f}" if result.has_plan else "-"
    )
    t.add_row(
        "under-staffed positions",
        str(s["positions_under_staffed_before"]),
        str(s["positions_under_staffed_after"]),
    )
    t.add_row(
        "over-staffed positions",
        str(s["positions_over_staffed_before"]),
        str(s["positions_over_staffed_after"]),
    )
    for band in "ABCDE":
        t.add_row(f"EJ band {band}", str(s["bands_before"][band]), str(s["bands_after"][band]))
    out.print(t)

    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.6g}"

    gap = "-" if s["gap"] is None else f"{s['gap']:.1e}"
    out.print(
        f"status [bold]{s['status']}[/bold]  moves {s['moves']}  objective {num(s['objective'])}  "
        f"bound {num(s['bound'])}  gap {gap}  {s['seconds']:.2f}s  ({s['employees']} employees, "
        f"{s['positions']} positions, {s['units']} units)"
    )


def _solve_with_progress(problem: Any, time_limit: float | None, seed: int, lang: str, quiet: bool) -> Result:
    """Solve, with a live line (elapsed, best objective, bound, gap) on a terminal."""
    from .planner import solve

    if quiet or not err.is_terminal:
        return solve(problem, time_limit=time_limit, seed=seed, lang=lang)
    with err.status("solving ...") as status:

        def progress(elapsed: float, objective: float, bound: float) -> None:
            gap = (objective - bound) / max(abs(objective), 1.0)
            status.update(
                f"solving ... {elapsed:6.1f}s  best {objective:.6g}  bound {bound:.6g}  gap {gap:.2%}"
            )

        return solve(problem, time_limit=time_limit, seed=seed, lang=lang, progress=progress)


def _run_plan(
    data: Path | None,
    out_path: Path | None,
    policy: Policy,
    time_limit: float | None,
    seed: int,
    lang: str,
    quiet: bool,
    title: str,
) -> None:
    from .datasets import demo_path
    from .problem import Problem

    try:
        problem = Problem.read(data if data is not None else demo_path(), policy)
    except InputError as e:
        _fail_input(e.problems)
    if not quiet:
        for w in problem.warnings:
            err.print(f"warning: {w}", markup=False, soft_wrap=True)
    result = _solve_with_progress(problem, time_limit, seed, lang, quiet)
    written = None
    if out_path is not None and result.has_plan:
        try:
            written = result.write(out_path)
        except OSError as e:
            err.print(
                f"output, path {str(out_path)!r}: cannot write the plan: {e} [unwritable_output]",
                markup=False,
            )
            raise typer.Exit(2) from None
    if not quiet:
        _print_summary(result, title)
        if written is not None:
            out.print(f"plan written to {written}", markup=False)
    if result.status == "infeasible":
        err.print("infeasible: no plan satisfies the hard rules:", markup=False)
        for line in result.diagnosis:
            err.print(f"  {line}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    if not result.has_plan:
        err.print(f"no plan found: status {result.status}", markup=False)
        raise typer.Exit(1)


@app.command()
def demo(
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the plan (.json, .xlsx or folder).")
    ] = None,
    move_cost: MoveCost = None,
    max_moves: MaxMoves = None,
    effective_hours: Hours = None,
    lang: Lang = "id",
    quiet: Quiet = False,
) -> None:
    """Plan the embedded Plaju-like demo data and print a before/after summary."""
    pol = _policy(move_cost=move_cost, max_moves=max_moves, effective_hours=effective_hours)
    _run_plan(None, out_path, pol, None, 0, _check_lang(lang), quiet, "asn-balance demo (Plaju)")


def _policy_problems(e: ValidationError) -> list[InputProblem]:
    return [
        InputProblem(
            "policy", None, ".".join(str(x) for x in d["loc"]), d.get("input"), "invalid_policy", d["msg"]
        )
        for d in e.errors()
    ]


@app.command()
def plan(
    data: DataArg,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the plan: .json, .xlsx or a folder.")
    ] = None,
    time_limit: TimeLimit = None,
    seed: Seed = 0,
    move_cost: MoveCost = None,
    max_moves: MaxMoves = None,
    effective_hours: Hours = None,
    allow_jabatan_change: AllowJab = False,
    allow_pppk: AllowPppk = False,
    min_months: MinMonths = None,
    lexicographic: Lexico = False,
    balance_tolerance: BalTol = None,
    lang: Lang = "id",
    quiet: Quiet = False,
) -> None:
    """Plan the transfers for DATA and write the plan to --out."""
    pol = _policy(
        move_cost=move_cost,
        max_moves=max_moves,
        effective_hours=effective_hours,
        allow_jabatan_change=allow_jabatan_change,
        allow_pppk=allow_pppk,
        min_months=min_months,
        lexicographic=lexicographic,
        balance_tolerance=balance_tolerance,
    )
    _run_plan(data, out_path, pol, time_limit, seed, _check_lang(lang), quiet, f"asn-balance plan {data}")


@app.command("check")
def check_cmd(
    data: DataArg,
    plan_path: Annotated[Path, typer.Argument(help="The plan: .json, .xlsx, folder or moves .csv.")],
    effective_hours: Hours = None,
    max_moves: MaxMoves = None,
    allow_jabatan_change: AllowJab = False,
    allow_pppk: AllowPppk = False,
    min_months: MinMonths = None,
    move_cost: MoveCost = None,
) -> None:
    """Check a plan against every hard rule; exit 1 if any is broken."""
    from .check import check
    from .io import read_plan
    from .problem import Problem

    pol = _policy(
        move_cost=move_cost,
        max_moves=max_moves,
        effective_hours=effective_hours,
        allow_jabatan_change=allow_jabatan_change,
        allow_pppk=allow_pppk,
        min_months=min_months,
    )
    try:
        problem = Problem.read(data, pol)
        moves = read_plan(plan_path)
    except InputError as e:
        _fail_input(e.problems)
    report = check(problem, moves)
    out.print(
        f"{'OK' if report.ok else 'FAILED'}: {report.moves} moves, balance {report.balance_before:.6f} -> "
        f"{report.balance:.6f}, objective {report.objective:.6f}, {len(report.violations)} violations",
        markup=False,
    )
    for v in report.violations:
        out.print(f"  [{v.rule}] {v.message}", markup=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def abk(
    data: DataArg,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the report (.csv, .xlsx, .json).")
    ] = None,
    effective_hours: Hours = None,
    quiet: Quiet = False,
) -> None:
    """The workload report (ABK) alone: workload, need, staff, EJ, band and direction per position."""
    from .io import atomic_write_text, write_frames
    from .problem import Problem

    pol = _policy(effective_hours=effective_hours)
    try:
        problem = Problem.read(data, pol)
    except InputError as e:
        _fail_input(e.problems)
    report = problem.abk()
    if out_path is not None:
        try:
            if out_path.suffix.lower() == ".csv":
                atomic_write_text(out_path, report.to_csv(index=False))
            elif out_path.suffix.lower() == ".json":
                atomic_write_text(out_path, report.to_json(orient="records", force_ascii=False, indent=2))
            else:
                write_frames({"abk": report}, out_path)
        except OSError as e:
            err.print(
                f"output, path {str(out_path)!r}: cannot write the report: {e} [unwritable_output]",
                markup=False,
            )
            raise typer.Exit(2) from None
    if not quiet:
        t = Table(title=f"ABK {data} (WKE {problem.policy.effective_hours:g} h)")
        for c in (
            "position_id",
            "unit_name",
            "jabatan",
            "workload_hours",
            "need_fte",
            "staff",
            "ej",
            "band",
            "direction",
        ):
            t.add_column(c, justify="right" if c in ("workload_hours", "need_fte", "staff", "ej") else "left")
        for r in report.itertuples(index=False):
            t.add_row(
                str(r.position_id), str(r.unit_name), str(r.jabatan), f"{r.workload_hours:,.0f}",
                f"{r.need_fte:.2f}", str(r.staff), f"{r.ej:.2f}", str(r.band), str(r.direction),
            )  # fmt: skip
        out.print(t)
        out.print(
            f"total workload {problem.workload.sum():,.0f} h, need {problem.need.sum():.1f} FTE, "
            f"staff {int(problem.staff.sum())}, balance B {problem.balance():.4f}"
        )


def main() -> None:
    """Entry point of the ``asn-balance`` console script."""
    try:
        app()
    except InputError as e:  # pragma: no cover - commands handle their own
        for p in e.problems:
            err.print(str(p), markup=False)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
