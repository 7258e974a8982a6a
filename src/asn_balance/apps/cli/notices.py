"""``asn-balance notices``: one printable notice per employee a draft plan moves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ...model.errors import InputError, InputProblem
from ...model.policy import Policy
from . import common
from .common import DataArg, Quiet, _check_lang, _fail_input, _unwritable, out, policy_options


@policy_options
def notices_cmd(
    data: DataArg,
    plan_path: Annotated[Path, typer.Argument(help="The draft plan (.json, .xlsx, folder or moves .csv).")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the notices, index.html and responses.csv.")
    ],
    lang: Annotated[str, typer.Option("--lang", help="Language of the notices: id or en.")] = "id",
    volunteers: Annotated[
        bool, typer.Option("--volunteers", help="Also a notice for every volunteer the plan does not move.")
    ] = False,
    respond_by: Annotated[
        str | None,
        typer.Option("--respond-by", help="Date YYYY-MM-DD to respond by (default plan date + 14 days)."),
    ] = None,
    quiet: Quiet = False,
    *,
    policy: Policy,
    policy_given: dict[str, Any],
) -> None:
    """Write one notice per employee the draft PLAN moves, an index page and a responses.csv template."""
    import datetime as _dt

    from ...analysis.given_plan import plan_result
    from ...reports.notices import notices

    lang = _check_lang(lang)
    by = None
    if respond_by is not None:
        try:
            by = _dt.date.fromisoformat(respond_by)
        except ValueError:
            _fail_input(
                [
                    InputProblem(
                        "options",
                        None,
                        "--respond-by",
                        respond_by,
                        "invalid_option",
                        "expected a date YYYY-MM-DD",
                    )
                ]
            )
    summary = common._recorded_summary(plan_path)
    problem = common._read_problem(data, common._plan_policy(summary, policy_given, policy))
    try:
        result = plan_result(problem, plan_path, lang=lang)
    except InputError as e:
        _fail_input(e.problems)
    made = notices(problem, result, lang=lang, volunteers=volunteers, respond_by=by)
    try:
        written = made.write(out_dir)
    except OSError as e:
        _unwritable(out_dir, "notices", e)
    if not quiet:
        out.print(
            f"{len(made.pages)} notices, respond by {made.respond_by}: written to {written}", markup=False
        )
