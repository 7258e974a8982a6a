"""``asn-balance abk``: the workload report (ABK) alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import common
from .common import DataArg, Hours, Quiet, _build_policy, _unwritable, err, out

# the ABK's own policy options: WKE and the period factors (and a policy file holding them);
# the same option names and help as every planning command (common.POLICY_OPTIONS)
_PANEL = "Policy options"
DaysPerYear = Annotated[
    int | None,
    typer.Option("--days-per-year", rich_help_panel=_PANEL,
                 help="ABK period factor of 'hari' tasks: working days a year (250; often 235)."),
]  # fmt: skip
WeeksPerYear = Annotated[
    int | None,
    typer.Option("--weeks-per-year", help="ABK period factor of 'minggu' tasks: weeks a year (50; often 47).",
                 rich_help_panel=_PANEL),
]  # fmt: skip
PolicyFile = Annotated[
    Path | None,
    typer.Option("--policy", help="TOML file of policy options (Policy field names, top level or in a "
                 "\\[policy] table); the options above override it.", rich_help_panel=_PANEL),
]  # fmt: skip


def abk(
    data: DataArg,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the report (.csv, .xlsx, .json).")
    ] = None,
    effective_hours: Hours = None,
    quiet: Quiet = False,
    days_per_year: DaysPerYear = None,
    weeks_per_year: WeeksPerYear = None,
    policy_file: PolicyFile = None,
) -> None:
    """The workload report (ABK) alone: workload, need, staff, EJ, band and direction per position."""
    from ...io.files import atomic_write_text, write_frames

    given = {
        "effective_hours": effective_hours,
        "days_per_year": days_per_year,
        "weeks_per_year": weeks_per_year,
    }
    policy = _build_policy({"policy_file": policy_file, **{k: v for k, v in given.items() if v is not None}})
    problem = common._read_problem(data, policy)
    if not quiet:
        for w in problem.warnings:
            err.print(f"warning: {w}", markup=False, soft_wrap=True)
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
                f"{r.need_fte:.2f}", f"{round(r.staff, 6):.10g}", f"{r.ej:.2f}", str(r.band),
                str(r.direction),
            )  # fmt: skip
        out.print(t)
        out.print(
            f"total workload {problem.workload.sum():,.0f} h, need {problem.need.sum():.1f} FTE, "
            f"staff {round(float(problem.staff.sum()), 6):.10g}, balance B {problem.balance():.4f}"
        )
