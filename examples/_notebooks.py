"""Build the notebooks in examples/ from their scripts, so that the two never drift apart.

Every script ``examples/NAME.py`` (except those starting with ``_``) is the source of the
notebook ``examples/NAME.ipynb``. Scripts are written in the "percent" format that Jupytext,
VS Code and Spyder understand, and the notebook is derived from them by four rules:

* the module docstring becomes the first Markdown cell (its first line as the title);
* each ``# %%`` line starts a code cell, each ``# %% [markdown]`` line a Markdown cell whose
  text is the comment lines below it without their ``# ``;
* a cell headed ``# %% script only`` is left out of the notebook (it holds what Jupyter has
  built in, such as ``display = print``);
* a commented IPython magic such as ``# %matplotlib inline`` is uncommented.

Notebooks are written without outputs and without execution counts: run them in Jupyter.

Run ``python examples/_notebooks.py`` after editing a script to rewrite its notebook, or
``python examples/_notebooks.py --check`` to list the notebooks that are out of date (exit 1).
The test suite runs the check.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_MAGIC = re.compile(r"^(\s*)# (%[a-z]\w*\b.*)$")

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def scripts(folder: Path = HERE) -> list[Path]:
    """The example scripts that have a notebook, by name."""
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))


def _cells_of(text: str) -> list[tuple[str, str]]:
    """``(cell_type, source)`` of a percent-format script."""
    tree = ast.parse(text)
    cells: list[tuple[str, str]] = []
    body_start = 0
    doc = ast.get_docstring(tree, clean=True)
    if doc and tree.body and isinstance(tree.body[0], ast.Expr):
        title, _, rest = doc.partition("\n")
        cells.append(("markdown", f"# {title.strip()}\n\n{rest.strip()}".strip()))
        body_start = tree.body[0].end_lineno or 0
    lines = text.splitlines()[body_start:]
    kind, skip, block = "", True, []  # before the first "# %%": dropped (imports of __future__ etc.)

    def flush() -> None:
        source = "\n".join(block).strip("\n")
        if not skip and source.strip():
            cells.append((kind, source))

    for line in lines:
        if line.startswith("# %%"):
            flush()
            header = line[4:].strip()
            kind = "markdown" if header.startswith("[markdown]") else "code"
            skip = header.startswith("script only")
            block = []
            continue
        if kind == "markdown":
            block.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        else:
            m = _MAGIC.match(line)
            block.append(f"{m.group(1)}{m.group(2)}" if m else line)
    flush()
    return cells


def notebook_of(script: Path) -> dict[str, object]:
    """The notebook (nbformat 4 JSON, no outputs) built from ``script``."""
    cells = []
    for i, (kind, source) in enumerate(_cells_of(script.read_text(encoding="utf-8"))):
        cell: dict[str, object] = {
            "cell_type": kind,
            "id": f"cell-{i:02d}",
            "metadata": {},
            "source": source.splitlines(keepends=True),
        }
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        cells.append(cell)
    return {
        "cells": cells,
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def render(script: Path) -> str:
    """The notebook file's text for ``script``."""
    return json.dumps(notebook_of(script), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for script in scripts():
        path = script.with_suffix(".ipynb")
        text = render(script)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path.name)
        if not check:
            path.write_text(text, encoding="utf-8")
    if check and stale:
        print("out of date (run python examples/_notebooks.py):", ", ".join(stale))
        return 1
    for name in stale:
        print(f"wrote examples/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
