"""What the commands share: the typer app, the consoles, the option types, the policy
options, reading the problem, solving with progress, the summary table and the error exits.

Commands read their problem through ``common._read_problem`` (looked up when called), so a
test can stand in for it here, in one place.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import numbers
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn, TypeVar, cast

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ...engine import control
from ...evaluate.result import Result
from ...model.errors import InputError, InputProblem
from ...model.policy import Policy

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
    float | None,
    typer.Option(
        "--time-limit",
        help="Seconds for the whole run, reading included (the search of the move budget, unit "
        "rules and spouses; the exact flow always finishes); see docs/cli.md for the margin.",
    ),
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
    "d4_equals_s1": Annotated[bool | None, _opt(
        "--d4-equals-s1/--d4-strict",
        help="A D-IV holder meets an S-1 minimum, as job requirements read 'S-1/D-IV' (default yes).")],
    "part_time_fte": Annotated[float | None, _opt(
        "--part-time-fte", help="FTE of a PPPK Paruh Waktu without its own fte (default 0.5).")],
    "days_per_year": Annotated[int | None, _opt(
        "--days-per-year", help="ABK period factor of 'hari' tasks: working days a year (250; often 235).")],
    "weeks_per_year": Annotated[int | None, _opt(
        "--weeks-per-year", help="ABK period factor of 'minggu' tasks: weeks a year (50; often 47).")],
    "hire_cost": Annotated[float | None, _opt(
        "--hire-cost", help="Five-year plan: price of one hire in units of B (default 0.5).")],
    "workload_growth": Annotated[float | None, _opt(
        "--workload-growth",
        help="Five-year plan: annual workload growth of positions without their own (0.03 = 3 %).")],
}  # fmt: skip

#: CLI parameter -> Policy field, where the names differ.
_POLICY_FIELD = {"min_months": "min_months_in_position"}


def _build_policy(options: dict[str, Any]) -> Policy:
    """The policy of ``--policy FILE`` with the options given on top; exit 2 if invalid."""
    from ...model.policy_file import policy_from

    given = dict(options)
    file = given.pop("policy_file", None)
    overrides = {_POLICY_FIELD.get(k, k): v for k, v in given.items()}
    try:
        return policy_from(file, **overrides)
    except InputError as e:
        _fail_input(e.problems)


def _given_policy(options: dict[str, Any]) -> dict[str, Any]:
    """The Policy fields given: those the ``--policy`` file sets, then the options given.

    Called once :func:`_build_policy` accepted the options, so nothing here can fail.
    """
    from ...model.policy_file import load_policy, parse_date

    given = dict(options)
    file = given.pop("policy_file", None)
    out: dict[str, Any] = dict(load_policy(file)) if file is not None else {}
    for key, value in given.items():
        if value is not None:
            name = _POLICY_FIELD.get(key, key)
            out[name] = parse_date(value) if name == "plan_date" else value
    return out


def _recorded_summary(plan_path: Path) -> dict[str, Any]:
    """What a plan file records of itself (its summary: policy, input_sha256, claim), or
    ``{}`` for a file that records nothing (a moves ``.csv``, a bare list of moves)."""
    from ...io.plans import read_plan_document

    try:
        return dict(read_plan_document(plan_path).summary)
    except (InputError, TypeError, ValueError, OSError):
        return {}


def _plan_policy(summary: dict[str, Any], given: dict[str, Any], policy: Policy) -> Policy:
    """The policy to check a plan under: the one it records with the options given on top,
    or ``policy`` (the options over the defaults) when it records none; exit 2 if invalid."""
    from dataclasses import replace

    from pydantic import ValidationError

    from ...model.policy_file import policy_problems

    recorded = summary.get("policy")
    if not isinstance(recorded, dict) or not recorded:
        return policy
    try:
        return Policy.model_validate({**recorded, **given})
    except ValidationError as e:
        why = "the plan's recorded policy with the options given"
        _fail_input([replace(p, message=f"{why}: {p.message}") for p in policy_problems(e)])


F = TypeVar("F", bound=Callable[..., Any])


def policy_options(func: F) -> F:
    """Give a command every policy option; it receives the built ``policy: Policy``.

    The command declares a keyword parameter ``policy``; the options of
    :data:`POLICY_OPTIONS` are added to its signature (so typer shows and parses them),
    collected from the call, and replaced by the :class:`Policy` they make. A command that
    also declares ``policy_given`` receives the fields actually given (by ``--policy FILE``
    and the options), to lay them over a policy a plan records.
    """
    sig = inspect.signature(func, eval_str=True)
    wants_given = "policy_given" in sig.parameters
    own = [p for p in sig.parameters.values() if p.name not in ("policy", "policy_given")]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ann)
        for name, ann in POLICY_OPTIONS.items()
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        options = {name: kwargs.pop(name, None) for name in POLICY_OPTIONS}
        policy = _build_policy(options)
        if wants_given:
            kwargs["policy_given"] = _given_policy(options)
        return func(*args, policy=policy, **kwargs)

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
    t.add_row("staff short (FTE)", f"{s['fte_short_before']:.1f}", f"{s['fte_short_after']:.1f}")
    t.add_row("staff surplus (FTE)", f"{s['fte_surplus_before']:.1f}", f"{s['fte_surplus_after']:.1f}")
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
        f"status [bold]{s['status']}[/bold]{_unverified(result)}  moves {s['moves']}  "
        f"objective {num(s['objective'])}  "
        f"bound {num(s['bound'])}  gap {gap}  {s['seconds']:.2f}s  ({s['employees']} employees, "
        f"{s['positions']} positions, {s['units']} units)"
    )


#: ``time.perf_counter()`` at the start of the command's process, set by the console entry
#: point (:func:`asn_balance.apps.cli.main`); ``None`` when the commands are called in-process.
LAUNCHED: float | None = None


def process_start() -> float:
    """``time.perf_counter()`` at the start of this process (Linux: from ``/proc``), else now."""
    now = time.perf_counter()
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return now
    return now - age if 0.0 <= age < 60.0 else now


#: Seconds kept back from ``--time-limit`` for evaluating and writing the plan, per employee
#: and at least (measured on a 10,000-employee city: about 1.5 s for the Result and the JSON).
_FINISH_PER_EMPLOYEE = 1.5e-4
_FINISH_MIN = 0.3


def _deadline(started: float, time_limit: float | None, n_employees: int) -> float | None:
    """When the search must end so that the run ends about ``time_limit`` after ``started``:
    the time for evaluating and writing the plan kept back (at most half the limit)."""
    if time_limit is None:
        return None
    finish = max(_FINISH_MIN, _FINISH_PER_EMPLOYEE * n_employees)
    return started + time_limit - min(finish, 0.5 * time_limit)


def _unverified(result: Result) -> str:
    """`` (claimed, not verified: ...)`` after a status ``optimal`` the independent check did
    not verify (``info["check"]``), else ``""``: the CLI says "optimal" only when verified."""
    from rich.markup import escape

    from ...check.report import DOUBTS

    verdict = result.info.get("check")
    verdict = verdict if isinstance(verdict, dict) else {}
    if result.status != "optimal" or verdict.get("verified") is True:
        return ""
    doubts = "; ".join(DOUBTS.get(d, str(d)) for d in verdict.get("doubts") or ["not_checked"])
    return escape(f" (claimed, not verified: {doubts})")


def _solve_with_progress(
    problem: Any,
    time_limit: float | None,
    seed: int,
    lang: str,
    quiet: bool,
    *,
    deterministic: bool = False,
    force_progress: bool = False,
    deadline: float | None = None,
) -> Result:
    """Solve, with a live line (elapsed, best objective, bound, gap) on a terminal.

    Off the terminal nothing is printed unless ``force_progress`` (``--progress``): then one
    plain line per improvement, at most one a second, on standard error. ``deadline``
    (a :func:`time.perf_counter` value) ends the search when the run started before the solve.
    """
    from ...planner import solve

    if force_progress and not quiet and not err.is_terminal:
        last = [-1.0]

        def plain(elapsed: float, objective: float, bound: float) -> None:
            if elapsed - last[0] >= 1.0:
                last[0] = elapsed
                gap = (objective - bound) / max(abs(objective), 1.0)
                print(f"progress {elapsed:.1f}s best {objective:.6g} bound {bound:.6g} gap {gap:.2%}",
                      file=sys.stderr, flush=True)  # fmt: skip

        return solve(problem, time_limit=time_limit, seed=seed, lang=lang, progress=plain,
                     deterministic=deterministic, deadline=deadline)  # fmt: skip
    if quiet or not err.is_terminal:
        return solve(problem, time_limit=time_limit, seed=seed, lang=lang, deterministic=deterministic,
                     deadline=deadline)  # fmt: skip
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
            deadline=deadline,
        )


#: Exit code of a run stopped by Ctrl-C without a plan to write (128 + SIGINT).
EXIT_INTERRUPTED = 130


class _Stop:
    """The SIGINT handler of a plan run (the main thread only; a run whose parent ignores
    SIGINT keeps ignoring it).

    While the data is read (``reading``) Ctrl-C raises :class:`KeyboardInterrupt`: nothing can
    be planned yet. From then on the first Ctrl-C asks the run's solve to stop instead
    (:func:`~asn_balance.engine.control.request_stop`; the run's stop scope is open from the
    start, so a Ctrl-C before the solve begins stops it as it begins), and the handler that
    was there before takes the second one (:class:`KeyboardInterrupt`).
    """

    def __init__(self) -> None:
        self.requested = False
        self.reading = True
        self.previous: Any = None
        self.installed = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        first = not self.requested
        self.requested = True
        control.request_stop()
        if first and self.installed:
            previous = self.previous if callable(self.previous) else signal.default_int_handler
            signal.signal(signal.SIGINT, previous)
        if self.reading or not first:
            raise KeyboardInterrupt

    def __enter__(self) -> _Stop:
        try:
            current = signal.getsignal(signal.SIGINT)
            if current is not signal.SIG_IGN:
                self.previous = signal.signal(signal.SIGINT, self)
                self.installed = True
        except ValueError:  # not the main thread: Ctrl-C does not reach this run anyway
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        if self.installed:
            signal.signal(signal.SIGINT, self.previous if self.previous is not None else signal.SIG_DFL)
            self.installed = False


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
    """Read, solve, write and report; Ctrl-C at any moment keeps the best plan so far.

    Ctrl-C while the data is read: exit 130, nothing written. Any later first Ctrl-C (before
    the solve, during the compile or the search, even in a ``--deterministic`` run): the plan
    the solve holds (the engine's best, else the standing plan) is evaluated, checked and
    written (exit 0), or exit 130 when there is none. A second Ctrl-C while the solve winds
    down changes nothing (the planner waits at most 5 s for it); after the solve it ends the
    run at once (exit 130), the plan written only if its (atomic) write had completed.
    """
    # --time-limit counts from the start of the process (reading and compiling included)
    started = LAUNCHED if LAUNCHED is not None else time.perf_counter()
    written: Path | None = None
    try:
        with control.solving(), _Stop() as stop:
            try:
                problem = _read_problem(data, policy, limits)
                stop.reading = False
            except KeyboardInterrupt:
                err.print(
                    "interrupted while reading the data: nothing planned, no plan written", markup=False
                )
                raise typer.Exit(EXIT_INTERRUPTED) from None
            if not quiet:
                for w in problem.warnings:
                    err.print(f"warning: {w}", markup=False, soft_wrap=True)
            deadline = _deadline(started, time_limit, problem.n_employees)
            result = _solve_with_progress(problem, time_limit, seed, lang, quiet, deterministic=deterministic,
                                          force_progress=force_progress, deadline=deadline)  # fmt: skip
            if stop.requested:
                result.info["interrupted"] = True
            if out_path is not None and result.has_plan:
                try:
                    written = result.write(out_path)
                except OSError as e:
                    _unwritable(out_path, "plan", e)
            if not quiet:
                _print_summary(result, title)
                if written is not None:
                    out.print(f"plan written to {written}", markup=False)
    except KeyboardInterrupt:  # the second Ctrl-C
        if written is not None:
            err.print(f"interrupted: the plan was written to {written}", markup=False)
        else:
            err.print("interrupted: no plan written", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    _exit_status(result)


def _exit_status(result: Result) -> None:
    """Say how an interrupted, infeasible or plan-less run ended, with its exit code."""
    if result.info.get("interrupted"):
        if result.has_plan:
            err.print("interrupted: the plan is the best found so far", markup=False)
        else:
            err.print(
                f"interrupted: no plan found so far (status {result.status}), nothing written", markup=False
            )
            raise typer.Exit(EXIT_INTERRUPTED)
    if result.status == "infeasible":
        err.print("infeasible: no plan satisfies the hard rules:", markup=False)
        for line in result.diagnosis:
            err.print(f"  {line}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    if not result.has_plan:
        err.print(f"no plan found: status {result.status}", markup=False)
        note = result.info.get("note")
        if note:
            err.print(f"  {note}", markup=False, soft_wrap=True)
        raise typer.Exit(1)


def _read_problem(data: Path | None, policy: Policy, limits: Any = None) -> Any:
    """The problem of DATA (the demo data if ``None``) under ``policy``; exit 2 if bad."""
    from ...datasets import demo_path
    from ...model.problem import Problem

    try:
        return Problem.read(data if data is not None else demo_path(), policy, limits=limits)
    except InputError as e:
        _fail_input(e.problems)


MaxFileMb = Annotated[
    float | None,
    typer.Option(
        "--max-file-mb",
        help="Largest input file in MB (default 200; the whole national ASN, 5,000,000 employees, "
        "needs about 1000); see docs/trust.md.",
    ),
]
MaxRows = Annotated[
    int | None,
    typer.Option(
        "--max-rows",
        help="Most rows of one input table (default 1,000,000; the whole national ASN needs 6000000).",
    ),
]


def _limits(max_file_mb: float | None, max_rows: int | None) -> Any:
    """The input limits with the options given on top of the defaults; exit 2 if invalid."""
    from ...model.limits import DEFAULT_LIMITS

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
    from ...analysis.compare import jsonable

    typer.echo(json.dumps(jsonable(doc), ensure_ascii=False, indent=2, allow_nan=False))
