"""``asn-balance abk``: the workload report (ABK) alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import common
from .common import DataArg, Hours, Quiet, _build_policy, _unwritable, out


def abk(
    data: DataArg,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the report (.csv, .xlsx, .json).")
    ] = None,
    effective_hours: Hours = None,
    quiet: Quiet = False,
) -> None:
    """The workload report (ABK) alone: workload, need, staff, EJ, band and direction per position."""
    from ...io.files import atomic_write_text, write_frames

    problem = common._read_problem(data, _build_policy({"effective_hours": effective_hours}))
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
