"""``asn-balance schema``: print a JSON Schema."""

from __future__ import annotations

from typing import Annotated

import typer

from ...model.errors import InputProblem
from .common import _fail_input


def schema_cmd(
    name: Annotated[
        str, typer.Argument(help="Which schema: input (the tables) or plan (a plan JSON).")
    ] = "input",
) -> None:
    """Print the JSON Schema of the input document or of a plan (draft 2020-12, versioned $id)."""
    from ...io.jsonschema import SCHEMAS, schema_text

    if name not in SCHEMAS:
        _fail_input([InputProblem("options", None, "NAME", name, "invalid_option",
                                  f"expected one of {', '.join(SCHEMAS)}")])  # fmt: skip
    typer.echo(schema_text(name), nl=False)
