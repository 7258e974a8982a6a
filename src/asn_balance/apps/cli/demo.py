"""``asn-balance demo``: plan the embedded demo data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ...model.policy import Policy
from .common import Lang, Quiet, _check_lang, _run_plan, policy_options


@policy_options
def demo(
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the plan (.json, .xlsx or folder).")
    ] = None,
    lang: Lang = "id",
    quiet: Quiet = False,
    *,
    policy: Policy,
) -> None:
    """Plan the embedded Plaju-like demo data and print a before/after summary."""
    _run_plan(None, out_path, policy, None, 0, _check_lang(lang), quiet, "asn-balance demo (Plaju)")
