"""``asn-balance plan``: plan the transfers for a data set.

Ctrl-C at any moment ends the run with the best plan so far: during reading nothing can be
planned yet (exit 130); from then on the first Ctrl-C asks the solve to stop
(:func:`~asn_balance.engine.control.request_stop`: the compile stops between its phases,
the search loops and CP-SAT at once), and the plan it holds (the engine's best, else the
standing plan where nobody moves, if it keeps every hard rule) is evaluated, checked and
written to ``--out`` as usual (exit 0), or, without a plan, exit 130. A second Ctrl-C aborts.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from ...engine import control
from ...model.policy import Policy
from . import common
from .common import (
    DataArg,
    Lang,
    MaxFileMb,
    MaxRows,
    Quiet,
    Seed,
    TimeLimit,
    _check_lang,
    _deadline,
    _limits,
    _print_summary,
    _solve_with_progress,
    _unwritable,
    err,
    out,
    policy_options,
)

#: Exit code of a run stopped by Ctrl-C without a plan to write (128 + SIGINT).
EXIT_INTERRUPTED = 130


class _Stop:
    """A SIGINT handler that asks the solve to stop instead of raising, once; a second
    Ctrl-C raises :class:`KeyboardInterrupt` as usual."""

    def __init__(self) -> None:
        self.requested = False
        self.previous: Any = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        control.request_stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __enter__(self) -> _Stop:
        try:
            self.previous = signal.signal(signal.SIGINT, self)
        except ValueError:  # not the main thread: Ctrl-C does not reach this run anyway
            self.previous = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _run(
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
    """Read, solve, write and report; Ctrl-C at any moment keeps the best plan so far."""
    # --time-limit counts from the start of the process (reading and compiling included)
    started = common.LAUNCHED if common.LAUNCHED is not None else time.perf_counter()
    try:
        problem = common._read_problem(data, policy, limits)  # via the module: tests patch it
    except KeyboardInterrupt:
        err.print("interrupted while reading the data: no plan written", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if not quiet:
        for w in problem.warnings:
            err.print(f"warning: {w}", markup=False, soft_wrap=True)
    try:
        with _Stop() as stop:
            deadline = _deadline(started, time_limit, problem.n_employees)
            if stop.requested:  # Ctrl-C between reading and solving: the solve clears the flag
                deadline = time.perf_counter()
            result = _solve_with_progress(problem, time_limit, seed, lang, quiet, deterministic=deterministic,
                                          force_progress=force_progress, deadline=deadline)  # fmt: skip
            if stop.requested:
                result.info["interrupted"] = True
            written = None
            if out_path is not None and result.has_plan:
                try:
                    written = result.write(out_path)
                except OSError as e:
                    _unwritable(out_path, "plan", e)
    except KeyboardInterrupt:  # the second Ctrl-C
        err.print("interrupted: no plan written", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if not quiet:
        _print_summary(result, title)
        if written is not None:
            out.print(f"plan written to {written}", markup=False)
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
    _run(data, out_path, policy, time_limit, seed, _check_lang(lang), quiet, f"asn-balance plan {data}",
         deterministic=deterministic, limits=_limits(max_file_mb, max_rows),
         force_progress=progress)  # fmt: skip
