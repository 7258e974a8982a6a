"""The documentation builds and stays true to the code.

* ``mkdocs build --strict`` succeeds without a single warning (broken links and anchors,
  pages missing from the nav, docstrings griffe cannot parse);
* the API reference renders every public name of ``asn_balance.__all__``;
* the Python API guide (docs/api.md) runs as shown: its code blocks are executed in order and
  what they print is compared with the ``# output`` lines under them;
* every ``ab.NAME`` / ``asn_balance.NAME``, ``Policy`` field, ``result.`` and ``problem.``
  attribute the pages and the README mention exists;
* the README keeps the two newcomer commands and points Jupyter users to the quickstart.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import asn_balance as ab

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
README = ROOT / "README.md"

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(path: Path) -> list[str]:
    return _BLOCK.findall(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the build


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    site = tmp_path / "site"
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml")]
    proc = subprocess.run(
        [*command, "-d", str(site)], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    seconds = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert not warnings, "\n".join(warnings)
    reference = "".join((site / "reference" / p / "index.html").read_text(encoding="utf-8")
                        for p in ("problem", "solve", "decision", "engine"))  # fmt: skip
    for name in ("Problem", "Policy", "solve", "Result", "check", "why_not", "frontier", "compare",
                 "plan_terms", "AssignmentModel", "EngineSolution", "InputError"):  # fmt: skip
        assert f'id="asn_balance.{name}"' in reference, name
    assert ":class:" not in reference and ":meth:" not in reference  # Sphinx roles became links
    assert (site / "examples" / "quickstart.ipynb").is_file()  # published next to the pages
    assert (site / "benchmarks" / "RESULTS" / "index.html").is_file()
    assert seconds < 300


def test_reference_covers_public_api() -> None:
    rendered = set()
    for page in (DOCS / "reference").glob("*.md"):
        rendered |= set(re.findall(r"^:::\s+asn_balance\.(\w+)\s*$", page.read_text(encoding="utf-8"), re.M))
    public = set(ab.__all__) - {"__version__", "datasets"}
    missing = sorted(public - rendered)
    assert not missing, f"add '::: asn_balance.NAME' to a page of docs/reference/ for {missing}"


def test_every_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in PAGES:
        rel = page.relative_to(DOCS).as_posix()
        if not rel.startswith("_"):
            assert f": {rel}" in nav, f"{rel} is not in the nav of mkdocs.yml"


# --------------------------------------------------------------------------- true to the code


def _expected_output(block: str) -> list[str]:
    """The ``# ...`` lines of a block that stand alone: what the block prints."""
    return [line[2:] for line in block.splitlines() if line.startswith("# ")]


def _matches(expected: str, got: str) -> bool:
    """Equal up to runs of spaces, solve times (``0.01s``) and ``...`` in the expected line."""

    def norm(s: str) -> str:
        return re.sub(r"\d+\.\d+s\)", "Ts)", re.sub(r"\s+", " ", s).strip())

    pattern = ".*?".join(re.escape(part) for part in norm(expected).split("..."))
    return re.fullmatch(pattern, norm(got)) is not None


def test_api_guide_runs_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the guide writes plan.xlsx and figures
    namespace: dict[str, Any] = {}
    blocks = _blocks(DOCS / "api.md")
    assert len(blocks) >= 10
    for i, block in enumerate(blocks):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"docs/api.md, python block {i + 1}", "exec"), namespace)
        expected, got = _expected_output(block), out.getvalue().splitlines()
        if not expected:
            continue
        assert len(expected) == len(got), f"block {i + 1} printed:\n{out.getvalue()}"
        for e, g in zip(expected, got, strict=True):
            assert _matches(e, g), f"block {i + 1}:\n  shown:   {e}\n  printed: {g}"


def test_readme_and_sources_snippets_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    (python,) = _blocks(README)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(python, "README.md", "exec"), namespace)
        for block in _blocks(DOCS / "sources.md"):
            exec(compile(block, "docs/sources.md", "exec"), namespace)
    assert (tmp_path / "plan.xlsx").is_file()


def _resolve(dotted: str) -> bool:
    """Whether ``asn_balance.<dotted>`` exists: the longest importable module, then attributes.

    (``asn_balance.compare`` is the function; ``asn_balance.compare.compare`` is found through
    the module of the same name.)
    """
    parts = dotted.split(".")
    for i in range(len(parts), -1, -1):
        try:
            obj: Any = importlib.import_module(".".join(["asn_balance", *parts[:i]]))
        except ImportError:
            continue
        try:
            for part in parts[i:]:
                obj = getattr(obj, part)
        except AttributeError:
            continue
        return True
    return False


def _texts() -> list[tuple[str, str]]:
    return [(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in [*PAGES, README]]


def test_names_in_docs_exist() -> None:
    problems = []
    for name, text in _texts():
        for m in re.finditer(r"\b(?:ab|asn_balance)\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)", text):
            if not _resolve(m.group(1)):
                problems.append(f"{name}: asn_balance.{m.group(1)}")
        for m in re.finditer(r"\bPolicy(?:\.(\w+)\b(?!\()|\((\w+)=)", text):
            field = m.group(1) or m.group(2)
            if field not in ab.Policy.model_fields:
                problems.append(f"{name}: Policy field {field}")
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def demo() -> tuple[ab.Problem, ab.Result]:
    problem = ab.Problem.read(ab.datasets.demo_path())
    return problem, ab.solve(problem)


def test_attributes_in_docs_exist(demo: tuple[ab.Problem, ab.Result]) -> None:
    problem, result = demo
    problems = []
    for name, text in _texts():
        for var, obj in (("result", result), ("problem", problem)):
            for m in re.finditer(rf"(?<![\w./]){var}\.([A-Za-z_]\w*)", text):
                if not hasattr(obj, m.group(1)):
                    problems.append(f"{name}: {var}.{m.group(1)}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- README


def test_readme_newcomer_commands_and_jupyter() -> None:
    text = README.read_text(encoding="utf-8")
    assert "python -m pip install . && asn-balance demo" in text
    assert 'python -m pip install ".[test]" && python -m pytest' in text
    jupyter = text[text.index("## In Jupyter") :].split("\n## ")[0]
    assert "(examples/quickstart.ipynb)" in jupyter
    assert (ROOT / "examples" / "quickstart.ipynb").is_file()
