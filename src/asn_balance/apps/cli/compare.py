"""``asn-balance compare``: two plans side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ...model.errors import InputError
from ...model.policy import Policy
from . import common
from .common import Quiet, _check_lang, _fail_input, _fmt, _unwritable, err, out, policy_options


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
    from ...analysis.compare import compare

    lang = _check_lang(lang)
    problem = common._read_problem(data, policy) if data is not None else None
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
