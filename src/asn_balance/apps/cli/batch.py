"""``asn-balance batch``: plan every agency of a folder in parallel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ...model.errors import InputError, InputProblem
from ...model.policy import Policy
from .common import Lang, Quiet, Seed, _check_lang, _fail_input, _fmt, _unwritable, err, out, policy_options


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
    from ..batch import AgencyOutcome, exit_code, plan_agencies

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
