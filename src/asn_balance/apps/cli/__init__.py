"""Command line: ``asn-balance demo | plan | check | why-not | frontier | horizon | check-horizon |
compare | notices | revise | abk | serve |
batch | report | schema``.

Exit codes: 0 success; 1 infeasible problem, no plan, or a plan that fails the check; 2 bad
input or options (one line per problem, all at once, no traceback); 130 stopped by Ctrl-C
with nothing to write (``plan`` and ``demo`` write the best plan so far when they have one).

Every command that plans or evaluates a plan takes the same policy options
(:data:`POLICY_OPTIONS`, added by :func:`policy_options`): a ``--policy`` TOML file, then
one option per :class:`~asn_balance.model.policy.Policy` field on top of it.

One module per command (``plan.py`` holds ``asn-balance plan``, ``why_not.py``
``asn-balance why-not``, ...); what they share is in ``common.py``. The commands are
registered on :data:`app` below, in the order ``--help`` lists them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ..._memory import tune_memory
from ...engine import control
from ...model.errors import InputError, InternalError
from . import common
from .abk import abk
from .batch import batch
from .check import PlanArg, check_cmd
from .check_horizon import check_horizon_cmd
from .common import _PANEL as _PANEL
from .common import _POLICY_FIELD as _POLICY_FIELD
from .common import (
    POLICY_OPTIONS,
    DataArg,
    F,
    Hours,
    Lang,
    MaxFileMb,
    MaxRows,
    Quiet,
    Seed,
    TimeLimit,
    app,
    err,
    out,
    policy_options,
)
from .common import _build_policy as _build_policy
from .common import _check_lang as _check_lang
from .common import _echo_json as _echo_json
from .common import _fail_input as _fail_input
from .common import _fmt as _fmt
from .common import _limits as _limits
from .common import _opt as _opt
from .common import _print_summary as _print_summary
from .common import _read_problem as _read_problem
from .common import _run_plan as _run_plan
from .common import _solve_with_progress as _solve_with_progress
from .common import _unwritable as _unwritable
from .compare import compare_cmd
from .demo import demo
from .frontier import _parse_budgets as _parse_budgets
from .frontier import frontier
from .horizon import horizon
from .notices import notices_cmd
from .plan import plan
from .report import report_cmd
from .revise import revise_cmd
from .schema import schema_cmd
from .serve import serve
from .why_not import why_not_cmd

__all__ = [
    "POLICY_OPTIONS",
    "DataArg",
    "F",
    "Hours",
    "Lang",
    "MaxFileMb",
    "MaxRows",
    "PlanArg",
    "Quiet",
    "Seed",
    "TimeLimit",
    "abk",
    "app",
    "batch",
    "check_cmd",
    "check_horizon_cmd",
    "compare_cmd",
    "demo",
    "err",
    "frontier",
    "horizon",
    "main",
    "notices_cmd",
    "out",
    "plan",
    "policy_options",
    "report_cmd",
    "revise_cmd",
    "schema_cmd",
    "serve",
    "why_not_cmd",
]

#: Every command, in the order of ``asn-balance --help``: name -> function.
_COMMANDS: dict[str, Callable[..., Any]] = {
    "demo": demo,
    "plan": plan,
    "check": check_cmd,
    "why-not": why_not_cmd,
    "frontier": frontier,
    "horizon": horizon,
    "check-horizon": check_horizon_cmd,
    "compare": compare_cmd,
    "notices": notices_cmd,
    "revise": revise_cmd,
    "abk": abk,
    "serve": serve,
    "batch": batch,
    "report": report_cmd,
    "schema": schema_cmd,
}
for _name, _command in _COMMANDS.items():
    app.command(_name)(_command)
del _name, _command


def main() -> None:
    """Entry point of the ``asn-balance`` console script.

    Every way out ends in :func:`_leave`: a normal return (exit 0), an exit code
    (:class:`SystemExit`, what typer raises), Ctrl-C outside a command's own handling
    (``interrupted``, exit 130; click's ``Aborted!`` after a Ctrl-C becomes exit 130 too),
    and an unexpected error (its traceback, exit 1).
    """
    import signal

    seen: list[bool] = []

    def on_sigint(signum: int, frame: Any) -> None:
        seen.append(True)
        raise KeyboardInterrupt

    previous: Any = None
    try:
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread (called in-process): Ctrl-C is the caller's
        pass
    code: int = 0
    try:
        try:
            _main()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
    except SystemExit as e:
        code = _exit_code(e)
        if seen and code == 1:  # click's "Aborted!" after a Ctrl-C it caught
            code = common.EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _say("interrupted before the command finished")
        code = common.EXIT_INTERRUPTED
    except Exception:  # a bug: its traceback is the report, and the exit still runs below
        import traceback

        traceback.print_exc()
        code = 1
    _leave(code)


def _exit_code(e: SystemExit) -> int:
    """The process exit code of ``e`` (a message as its code is printed and gives 1)."""
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code
    _say(str(e.code))
    return 1


def _say(line: str) -> None:
    """A line on standard error that cannot fail (a closed stream is ignored)."""
    import contextlib

    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def _leave(code: int) -> None:
    """End the process with ``code`` once stdout and stderr are flushed.

    A solve the planner stopped waiting for (it overran its deadline and ignored the stop
    request) may still be inside a solver library's native code; ending the interpreter
    around it can abort the process (SIGABRT from the library's threads). The command's work
    is done and its files written whole (atomic writes): then the exit handlers
    (:mod:`atexit`: logging's flush among them) run here, the streams are flushed, and the
    process leaves at once. Otherwise it ends normally (:class:`SystemExit`).
    """
    import atexit
    import contextlib
    import os
    import signal
    import threading

    def flush() -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.flush()

    flush()
    if not any(t.name == control.SOLVE_THREAD and t.is_alive() for t in threading.enumerate()):
        raise SystemExit(code)
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # nothing is left to stop: leave
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    flush()
    os._exit(code)


def _main() -> None:
    common.LAUNCHED = common.process_start()  # --time-limit counts from here
    tune_memory()  # large arrays without costly page faults (numpy huge pages off)
    try:
        app()
    except InputError as e:  # pragma: no cover - commands handle their own
        for p in e.problems:
            err.print(str(p), markup=False)
        sys.exit(2)
    except InternalError as e:  # the solver's figures contradict each other: a bug to report
        err.print(f"internal error: {e}", markup=False, soft_wrap=True)
        err.print("this is a bug of asn_balance, not of the input: please report it with this message",
                  markup=False)  # fmt: skip
        sys.exit(3)
