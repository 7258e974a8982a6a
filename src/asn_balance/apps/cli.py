"""Command line: ``asn-balance demo | plan | check | abk | why-not | frontier | compare``.

Exit codes: 0 success; 1 infeasible problem, no plan, or a plan that fails the check; 2 bad
input or options (one line per problem, all at once, no traceback).

Every command that plans or evaluates a plan takes the same policy options
(:data:`POLICY_OPTIONS`, added by :func:`policy_options`): a ``--policy`` TOML file, then
one option per :class:`~asn_balance.schema.Policy` field on top of it.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import numbers
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar, cast

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ..evaluate.result import Result
from ..model.errors import InputError, InputProblem
from ..model.policy import Policy

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
Lang = Annotated[str, typer.Option("--lang", help="Language of reasons: id or en.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
Hours = Annotated[
    float | None,
    typer.Option("--effective-hours", help="Effective hours per FTE per year (1250; 1200 is older)."),
]

# --------------------------------------------------------------------------- policy options

_PANEL = "Policy options"


def _opt(*decls: str, help: str) -> Any:
    return typer.Option(*decls, help=help, rich_help_panel=_PANEL)


#: The policy options shared by every command that plans or evaluates a plan: CLI
#: parameter name -> its typer annotation. Each is ``None`` unless given, so it overrides
#: the ``--policy`` file (and the file the defaults) only when given, either way for flags.
POLICY_OPTIONS: dict[str, Any] = {
    "policy_file": Annotated[Path | None, _opt(
        "--policy", help="TOML file of policy options (Policy field names, top level or in a "
        "\\[policy] table); the options below override it.")],
    "plan_date": Annotated[str | None, _opt(
        "--date", help="Plan date YYYY-MM-DD for ages and retirement (default today); "
        "set it to reproduce a plan.")],
    "effective_hours": Annotated[float | None, _opt(
        "--effective-hours", help="Effective hours per FTE per year (1250; 1200 is older).")],
    "min_months": Annotated[int | None, _opt(
        "--min-months", help="Minimum months in position (default 24).")],
    "max_moves": Annotated[int | None, _opt("--max-moves", help="Hard budget on the number of moves.")],
    "move_cost": Annotated[float | None, _opt(
        "--move-cost", help="Price of one move in units of B (default 0.1).")],
    "allow_pppk": Annotated[bool | None, _opt(
        "--allow-pppk/--no-allow-pppk", help="Allow PPPK employees to move (default no).")],
    "allow_jabatan_change": Annotated[bool | None, _opt(
        "--allow-jabatan-change/--no-allow-jabatan-change",
        help="Allow moves that change the jabatan (default no).")],
    "lexicographic": Annotated[bool | None, _opt(
        "--lexicographic/--no-lexicographic",
        help="Best balance first, then fewest moves (see --balance-tolerance).")],
    "balance_tolerance": Annotated[float | None, _opt(
        "--balance-tolerance",
        help="With --lexicographic: relative slack on the best balance (0.01 = 1%).")],
    "retirement_age": Annotated[int | None, _opt(
        "--retirement-age", help="Retirement age (BUP) of positions without their own (default 58).")],
    "retirement_buffer_months": Annotated[int | None, _opt(
        "--retirement-buffer-months",
        help="Nobody this close to retirement (months) moves (default 12).")],
    "max_months_in_position": Annotated[int | None, _opt(
        "--max-months-in-position", help="Months after which a rotation is due (default 60).")],
    "rotation_weight": Annotated[float | None, _opt(
        "--rotation-weight", help="Cost per employee due for rotation who stays (default 0: off).")],
    "preference_weight": Annotated[float | None, _opt(
        "--preference-weight", help="Cost of one fully unmet wish of an employee (default 0.2).")],
    "volunteers_only_to_preferences": Annotated[bool | None, _opt(
        "--volunteers-only-to-preferences/--any-target-for-volunteers",
        help="A volunteer with preferences moves only to a place they listed (default yes).")],
    "voluntary_first": Annotated[bool | None, _opt(
        "--voluntary-first/--no-voluntary-first",
        help="Among equally good plans, volunteers move first (default yes).")],
    "spouse_weight": Annotated[float | None, _opt(
        "--spouse-weight", help="Cost of separating spouses of one unit (default 1).")],
    "spouses_hard": Annotated[bool | None, _opt(
        "--spouses-hard/--spouses-soft",
        help="Spouses of one unit must stay in one unit (default soft: --spouse-weight).")],
    "fit_weight": Annotated[float | None, _opt(
        "--fit-weight", help="Cost per competency level a mover falls short of the target (default 0.02).")],
}  # fmt: skip

#: CLI parameter -> Policy field, where the names differ.
_POLICY_FIELD = {"min_months": "min_months_in_position"}


def _build_policy(options: dict[str, Any]) -> Policy:
    """The policy of ``--policy FILE`` with the options given on top; exit 2 if invalid."""
    from ..model.policy_file import policy_from

    given = dict(options)
    file = given.pop("policy_file", None)
    overrides = {_POLICY_FIELD.get(k, k): v for k, v in given.items()}
    try:
        return policy_from(file, **overrides)
    except InputError as e:
        _fail_input(e.problems)


F = TypeVar("F", bound=Callable[..., Any])


def policy_options(func: F) -> F:
    """Give a command every policy option; it receives the built ``policy: Policy``.

    The command declares a keyword parameter ``policy``; the options of
    :data:`POLICY_OPTIONS` are added to its signature (so typer shows and parses them),
    collected from the call, and replaced by the :class:`Policy` they make.
    """
    sig = inspect.signature(func, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "policy"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ann)
        for name, ann in POLICY_OPTIONS.items()
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        options = {name: kwargs.pop(name, None) for name in POLICY_OPTIONS}
        return func(*args, policy=_build_policy(options), **kwargs)

    wrapper.__signature__ = sig.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    return cast(F, wrapper)


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
    terms_b = result.breakdown.get("before", {})
    terms_a = result.breakdown.get("after", {})
    for term in ("moves", "preferences", "spouses", "fit", "rotation"):
        if terms_b.get(term, 0.0) or terms_a.get(term, 0.0):
            after = f"{terms_a[term]:.4f}" if term in terms_a else "-"
            t.add_row(f"term {term}", f"{terms_b.get(term, 0.0):.4f}", after)
    if result.training is not None and len(result.training):
        t.add_row("training needs (people)", "", str(result.training["employee_id"].nunique()))
    out.print(t)

    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.6g}"

    gap = "-" if s["gap"] is None else f"{s['gap']:.1e}"
    out.print(
        f"status [bold]{s['status']}[/bold]  moves {s['moves']}  objective {num(s['objective'])}  "
        f"bound {num(s['bound'])}  gap {gap}  {s['seconds']:.2f}s  ({s['employees']} employees, "
        f"{s['positions']} positions, {s['units']} units)"
    )


def _solve_with_progress(
    problem: Any,
    time_limit: float | None,
    seed: int,
    lang: str,
    quiet: bool,
    *,
    deterministic: bool = False,
    force_progress: bool = False,
) -> Result:
    """Solve, with a live line (elapsed, best objective, bound, gap) on a terminal.

    Off the terminal nothing is printed unless ``force_progress`` (``--progress``): then one
    plain line per improvement, at most one a second, on standard error.
    """
    from ..planner import solve

    if force_progress and not quiet and not err.is_terminal:
        last = [-1.0]

        def plain(elapsed: float, objective: float, bound: float) -> None:
            if elapsed - last[0] >= 1.0:
                last[0] = elapsed
                gap = (objective - bound) / max(abs(objective), 1.0)
                print(f"progress {elapsed:.1f}s best {objective:.6g} bound {bound:.6g} gap {gap:.2%}",
                      file=sys.stderr, flush=True)  # fmt: skip

        return solve(
            problem, time_limit=time_limit, seed=seed, lang=lang, progress=plain, deterministic=deterministic
        )
    if quiet or not err.is_terminal:
        return solve(problem, time_limit=time_limit, seed=seed, lang=lang, deterministic=deterministic)
    with err.status("solving ...") as status:

        def progress(elapsed: float, objective: float, bound: float) -> None:
            gap = (objective - bound) / max(abs(objective), 1.0)
            status.update(
                f"solving ... {elapsed:6.1f}s  best {objective:.6g}  bound {bound:.6g}  gap {gap:.2%}"
            )

        return solve(
            problem,
            time_limit=time_limit,
            seed=seed,
            lang=lang,
            progress=progress,
            deterministic=deterministic,
        )


def _run_plan(
    data: Path | None,
    out_path: Path | None,
    policy: Policy,
    time_limit: float | None,
    seed: int,
    lang: str,
    quiet: bool,
    title: str,
    *,
    deterministic: bool = False,
    limits: Any = None,
    force_progress: bool = False,
) -> None:
    problem = _read_problem(data, policy, limits)
    if not quiet:
        for w in problem.warnings:
            err.print(f"warning: {w}", markup=False, soft_wrap=True)
    result = _solve_with_progress(
        problem, time_limit, seed, lang, quiet, deterministic=deterministic, force_progress=force_progress
    )
    written = None
    if out_path is not None and result.has_plan:
        try:
            written = result.write(out_path)
        except OSError as e:
            _unwritable(out_path, "plan", e)
    if not quiet:
        _print_summary(result, title)
        if written is not None:
            out.print(f"plan written to {written}", markup=False)
    if result.info.get("interrupted"):
        err.print("interrupted: the plan is the best found so far", markup=False)
    if result.status == "infeasible":
        err.print("infeasible: no plan satisfies the hard rules:", markup=False)
        for line in result.diagnosis:
            err.print(f"  {line}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    if not result.has_plan:
        err.print(f"no plan found: status {result.status}", markup=False)
        raise typer.Exit(1)


def _read_problem(data: Path | None, policy: Policy, limits: Any = None) -> Any:
    """The problem of DATA (the demo data if ``None``) under ``policy``; exit 2 if bad."""
    from ..datasets import demo_path
    from ..model.problem import Problem

    try:
        return Problem.read(data if data is not None else demo_path(), policy, limits=limits)
    except InputError as e:
        _fail_input(e.problems)


MaxFileMb = Annotated[
    float | None,
    typer.Option("--max-file-mb", help="Largest input file in MB (default 200); see docs/trust.md."),
]
MaxRows = Annotated[
    int | None, typer.Option("--max-rows", help="Most rows of one input table (default 1,000,000).")
]


def _limits(max_file_mb: float | None, max_rows: int | None) -> Any:
    """The input limits with the options given on top of the defaults; exit 2 if invalid."""
    from ..model.limits import DEFAULT_LIMITS

    if max_file_mb is None and max_rows is None:
        return None
    problems = []
    if max_file_mb is not None and not (math.isfinite(max_file_mb) and max_file_mb > 0):
        problems.append(InputProblem("options", None, "--max-file-mb", max_file_mb, "invalid_option",
                                     "must be a positive number of megabytes"))  # fmt: skip
    if max_rows is not None and max_rows <= 0:
        problems.append(InputProblem("options", None, "--max-rows", max_rows, "invalid_option",
                                     "must be a positive number of rows"))  # fmt: skip
    if problems:
        _fail_input(problems)
    size = None if max_file_mb is None else max(1, int(max_file_mb * 1_000_000))
    unpacked = None if size is None else max(size * 5, DEFAULT_LIMITS.max_unpacked_bytes)
    return DEFAULT_LIMITS.replace(max_file_bytes=size, max_unpacked_bytes=unpacked, max_rows=max_rows)


def _unwritable(path: Path, what: str, e: OSError | ValueError) -> NoReturn:
    err.print(f"output, path {str(path)!r}: cannot write the {what}: {e} [unwritable_output]", markup=False)
    raise typer.Exit(2) from None


def _fmt(x: Any, spec: str = ".6g") -> str:
    """A cell: ``-`` for missing/NaN, numbers (numpy's too) by ``spec``, anything else as text."""
    if x is None or (pd.api.types.is_scalar(x) and pd.isna(x)):
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x)).lower()
    if isinstance(x, numbers.Real):
        return format(round(float(x)), spec) if spec.endswith("d") else format(float(x), spec)
    return str(x)


def _echo_json(doc: Any) -> None:
    from ..analysis.compare import jsonable

    typer.echo(json.dumps(jsonable(doc), ensure_ascii=False, indent=2, allow_nan=False))


@app.command()
@policy_options
def demo(
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the plan (.json, .xlsx or folder).")
    ] = None,
    lang: Lang = "id",
    quiet: Quiet = False,
    *,
    policy: Policy,
) -> None:
    """Plan the embedded Plaju-like demo data and print a before/after summary."""
    _run_plan(None, out_path, policy, None, 0, _check_lang(lang), quiet, "asn-balance demo (Plaju)")


@app.command()
@policy_options
def plan(
    data: DataArg,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the plan: .json, .xlsx or a folder.")
    ] = None,
    time_limit: TimeLimit = None,
    seed: Seed = 0,
    lang: Lang = "id",
    quiet: Quiet = False,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            help="Search without wall-clock dependence (one CP-SAT worker, deterministic time "
            "--time-limit): the same input, policy and seed give the same plan on any machine.",
        ),
    ] = False,
    max_file_mb: MaxFileMb = None,
    max_rows: MaxRows = None,
    progress: Annotated[
        bool,
        typer.Option("--progress", help="Progress lines on standard error even when it is not a terminal."),
    ] = False,
    *,
    policy: Policy,
) -> None:
    """Plan the transfers for DATA and write the plan to --out."""
    _run_plan(data, out_path, policy, time_limit, seed, _check_lang(lang), quiet, f"asn-balance plan {data}",
              deterministic=deterministic, limits=_limits(max_file_mb, max_rows),
              force_progress=progress)  # fmt: skip


PlanArg = Annotated[Path, typer.Argument(help="The plan: .json, .xlsx, folder or moves .csv.")]


@app.command("check")
@policy_options
def check_cmd(
    data: DataArg,
    plan_path: PlanArg,
    max_file_mb: MaxFileMb = None,
    max_rows: MaxRows = None,
    *,
    policy: Policy,
) -> None:
    """Check a plan against every hard rule; exit 1 if any is broken."""
    from ..check.verifier import check
    from ..io.plans import read_plan

    problem = _read_problem(data, policy, _limits(max_file_mb, max_rows))
    try:
        moves = read_plan(plan_path)
        report = check(problem, moves)
    except InputError as e:
        _fail_input(e.problems)
    out.print(
        f"{'OK' if report.ok else 'FAILED'}: {report.moves} moves, balance {report.balance_before:.6f} -> "
        f"{report.balance:.6f}, objective {report.objective:.6f}, {len(report.violations)} violations",
        markup=False,
    )
    for v in report.violations:
        out.print(f"  [{v.rule}] {v.message}", markup=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command("why-not")
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
) -> None:
    """Why is EMPLOYEE not moved to TARGET: the rule that forbids it, or what forcing it costs."""
    lang = _check_lang(lang)
    problem = _read_problem(data, policy)
    from ..analysis.decision import why_not

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


@app.command()
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
    from ..io.files import write_frames

    wanted = _parse_budgets(budgets)
    if policy.lexicographic:
        _fail_input([InputProblem("policy", None, "lexicographic", True, "invalid_policy",
                                  "frontier sets a move budget per point, which lexicographic "
                                  "priorities cannot take")])  # fmt: skip
    if policy.max_moves is not None and not quiet:
        err.print(f"warning: max_moves {policy.max_moves} is replaced by each budget of --budgets",
                  markup=False)  # fmt: skip
    problem = _read_problem(data, policy)
    if not quiet:
        for w in problem.warnings:
            err.print(f"warning: {w}", markup=False, soft_wrap=True)
    from ..analysis.decision import frontier as make_frontier

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
            _unwritable(plot_path, "frontier plot", e)
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


@app.command("compare")
@policy_options
def compare_cmd(
    plan_a: Annotated[Path, typer.Argument(help="Plan A (.json, .xlsx or folder written by plan --out).")],
    plan_b: Annotated[Path, typer.Argument(help="Plan B.")],
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the comparison: .json, .xlsx or a folder.")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Also check both plans on this data under the policy options."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the summary lines: id or en.")] = "id",
    quiet: Quiet = False,
    *,
    policy: Policy,
) -> None:
    """Compare two plans: summary figures, who moves differently, which positions end up differently."""
    from ..analysis.compare import compare

    lang = _check_lang(lang)
    problem = _read_problem(data, policy) if data is not None else None
    if data is None and policy != Policy() and not quiet:
        err.print("warning: the policy options are used only with --data", markup=False)
    try:
        cmp = compare(plan_a, plan_b, problem=problem)
    except InputError as e:
        _fail_input(e.problems)
    written = None
    if out_path is not None:
        try:
            written = cmp.write(out_path)
        except OSError as e:
            _unwritable(out_path, "comparison", e)
    if quiet:
        return
    t = Table(title=f"A: {plan_a}   B: {plan_b}")
    for c in ("metric", "A", "B", "B - A"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for r in cmp.summary.to_dict(orient="records"):
        diff = r["difference"]
        shown = "" if diff is None else "0" if diff == 0 else _fmt(diff, "+.6g")
        t.add_row(r["metric"], _fmt(r["a"]), _fmt(r["b"]), shown)
    out.print(t)
    for line in cmp.text(lang).splitlines()[2:]:
        out.print(line, markup=False, soft_wrap=True)
    if written is not None:
        out.print(f"comparison written to {written}", markup=False)


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
    from ..io.files import atomic_write_text, write_frames

    problem = _read_problem(data, _build_policy({"effective_hours": effective_hours}))
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
            _unwritable(out_path, "report", e)
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


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Interface to listen on (0.0.0.0: every one).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="ASN_BALANCE_API_KEY",
            show_envvar=True,
            help="Ask every request for this key in the X-API-Key header (401 otherwise); "
            "prefer the environment variable, which other users cannot see.",
        ),
    ] = None,
    max_body_mb: Annotated[
        float, typer.Option("--max-body-mb", min=0.0, help="Refuse request bodies over this many MB (413).")
    ] = 32.0,
    max_running: Annotated[
        int | None,
        typer.Option(
            "--max-running", min=1, help="Solves at once (default: the CPUs); more jobs wait queued."
        ),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP service: POST /plans, GET/DELETE /plans/{id}, POST /check, POST /abk; docs at /docs."""
    try:
        from .server import serve as run_server
    except ImportError as e:
        err.print(f"serve: {e}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if not api_key and host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"warning: serving on {host} without an API key (--api-key or ASN_BALANCE_API_KEY)",
                  markup=False)  # fmt: skip
    run_server(host, port, api_key=api_key or "", max_body_mb=max_body_mb, max_running=max_running,
               log_level=log_level)  # fmt: skip


@app.command()
@policy_options
def batch(
    data: Annotated[
        Path, typer.Argument(help="Folder with one sub-folder per agency, each a CSV folder of its tables.")
    ],
    out_path: Annotated[
        Path,
        typer.Option("--out", help="Output folder: <agency>.json per agency, summary.json, summary.csv."),
    ],
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Local worker processes (default: the CPUs); not with --scheduler."
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Plan on a Dask cluster: its scheduler address, e.g. tcp://host:8786."
        ),
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Seconds per agency's solve.")
    ] = None,
    seed: Seed = 0,
    lang: Lang = "id",
    quiet: Quiet = False,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            help="Search without wall-clock dependence: the same plans on any machine and load.",
        ),
    ] = False,
    *,
    policy: Policy,
) -> None:
    """Plan every agency of DATA in parallel: one plan each and a summary; bad input is reported per agency.

    Exit code 2 if any agency had bad input, else 1 if any has no plan, else 0.
    """
    from .batch import AgencyOutcome, exit_code, plan_agencies

    lang = _check_lang(lang)
    client: Any = None
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            _fail_input([InputProblem("options", None, "--scheduler", scheduler, "invalid_option",
                                      "needs Dask: pip install 'asn-balance[dask]'")])  # fmt: skip
        try:
            client = Client(scheduler, timeout="15s")  # type: ignore[no-untyped-call]
        except Exception as e:  # OSError, TimeoutError, ValueError for a bad address
            _fail_input([InputProblem("options", None, "--scheduler", scheduler, "invalid_option",
                                      f"cannot connect to the Dask scheduler: {e}")])  # fmt: skip
    live = not quiet and err.is_terminal

    def progress(a: AgencyOutcome) -> None:
        if live:
            err.print(f"{a.agency}: {a.status} ({a.seconds:.1f}s)", markup=False)

    try:
        outcomes = plan_agencies(data, out_path, client, policy=policy, time_limit=time_limit, seed=seed,
                                 lang=lang, deterministic=deterministic, max_workers=workers,
                                 on_done=progress)  # fmt: skip
    except InputError as e:
        _fail_input(e.problems)
    except OSError as e:
        _unwritable(out_path, "plans", e)
    finally:
        if client is not None:
            client.close()
    for a in outcomes:
        for p in a.problems:
            err.print(f"{a.agency}: {p}", markup=False, soft_wrap=True)
        if a.status == "error":
            err.print(f"{a.agency}: {a.error.splitlines()[0] if a.error else 'failed'}", markup=False)
    if not quiet:
        t = Table(title=f"asn-balance batch {data}")
        cols = ("agency", "status", "moves", "balance before", "balance after", "objective", "seconds")
        for c in cols:
            t.add_column(c, justify="left" if c in ("agency", "status") else "right")
        for a in outcomes:
            r = a.row()
            nums = [_fmt(r[c], ".4f") for c in ("balance_before", "balance_after", "objective")]
            t.add_row(a.agency, a.status, _fmt(r["moves"], "d"), *nums, _fmt(r["seconds"], ".2f"))
        out.print(t)
        planned = sum(a.plan_path is not None for a in outcomes)
        out.print(f"{planned} of {len(outcomes)} plans and the summary written to {out_path}", markup=False)
    code = exit_code(outcomes)
    if code:
        raise typer.Exit(code)


@app.command("report")
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
) -> None:
    """An HTML report of PLAN on DATA for leadership: summary, plots, units, moves, training, rule check.

    PLAN is re-evaluated on DATA under the policy options, not re-solved; exit 1 if it breaks a rule.
    """
    from ..reports.html import plan_result, write_report

    lang = _check_lang(lang)
    problem = _read_problem(data, policy)
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


@app.command("schema")
def schema_cmd(
    name: Annotated[
        str, typer.Argument(help="Which schema: input (the tables) or plan (a plan JSON).")
    ] = "input",
) -> None:
    """Print the JSON Schema of the input document or of a plan (draft 2020-12, versioned $id)."""
    from ..io.jsonschema import SCHEMAS, schema_text

    if name not in SCHEMAS:
        _fail_input([InputProblem("options", None, "NAME", name, "invalid_option",
                                  f"expected one of {', '.join(SCHEMAS)}")])  # fmt: skip
    typer.echo(schema_text(name), nl=False)


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
