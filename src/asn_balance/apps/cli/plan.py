"""``asn-balance plan``: plan the transfers for a data set.

Ctrl-C at any moment ends the run with the best plan so far: during reading nothing can be
planned yet (exit 130); from then on the first Ctrl-C asks the solve to stop
(:func:`~asn_balance.engine.control.request_stop`: the run's stop scope is open from the
start, so a Ctrl-C before the solve has begun stops it as it begins; the compile stops
between its phases, the search loops and CP-SAT at once, in a ``--deterministic`` run too),
and the plan it holds (the engine's best, else the standing plan where nobody moves, if it
keeps every hard rule) is evaluated, checked and written to ``--out`` as usual (exit 0), or,
without a plan, exit 130. A second Ctrl-C after the solve ends the run at once (exit 130).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
    _limits,
    policy_options,
)


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
    common._run_plan(data, out_path, policy, time_limit, seed, _check_lang(lang), quiet,
                     f"asn-balance plan {data}", deterministic=deterministic,
                     limits=_limits(max_file_mb, max_rows), force_progress=progress)  # fmt: skip
