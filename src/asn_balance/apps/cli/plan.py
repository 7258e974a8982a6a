"""``asn-balance plan``: plan the transfers for a data set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ...model.policy import Policy
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
    _run_plan,
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
    _run_plan(data, out_path, policy, time_limit, seed, _check_lang(lang), quiet, f"asn-balance plan {data}",
              deterministic=deterministic, limits=_limits(max_file_mb, max_rows),
              force_progress=progress)  # fmt: skip
