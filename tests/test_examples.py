"""The examples run: every script exits 0 and prints what it is about, every notebook executes
on a fresh python3 kernel of this interpreter, is committed without outputs, and is the one
``examples/_notebooks.py`` builds from its script. Without matplotlib, the plot steps say how
to install it and everything else still runs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

#: What each example must print (script) or show (notebook): evidence that every step ran.
EXPECTED: dict[str, list[str]] = {
    "quickstart": [
        "Problem(600 employees",
        "Result(status='optimal'",
        "plan OK: ",
        "Origin over-staffed by",
        "positions per band after:",
        "[costly]",
        "written plan.xlsx",
    ],
    "workload_from_tasks": [
        "1980.0",  # KEU-1 by hand: 40 x 50 x 45 / 60 + 1 x 12 x 2400 / 60
        "need_1200",
        "Result(status='optimal', objective=0.342586",
        "meets grade III/b",
        "tasks for",
        "off_fte",
    ],
    "policy_and_frontier": [
        "volunteers_only_to_preferences",
        "B bought per extra move:",
        "flow+lagrange",
        "check 20 moves: OK",
        "policy: effective_hours 1250.0 -> 1200.0",
        "lexicographic, 1 %",
    ],
    "embedding_json": [
        "'employees': 600",
        "unknown_position",
        "invalid_grade",
        "'status': 'optimal'",
        "'plan_date': '2025-01-01'",
        "False ['cpns_stays', 'max_moves'",
        '"verdict": "forbidden"',
    ],
    "five_year_plan": [
        "HorizonResult(status='optimal'",
        "retirements",
        "year by year",
        "the five-year plan saves",
        "entry_grade",
        "check: OK",
        "written five_year_plan.xlsx",
    ],
}

#: Files each example writes into its working folder (figures only with matplotlib).
WRITES = {
    "quickstart": ["plan.xlsx"],
    "embedding_json": ["input.json", "input_bad.json", "plan.json"],
    "five_year_plan": ["five_year_plan.xlsx"],
}
FIGURES = {
    "quickstart": ["plan_ej.png", "plan_gaps.png", "plan_flows.png"],
    "policy_and_frontier": ["frontier.png"],
    "five_year_plan": ["horizon_balance.png", "horizon_units.png"],
}
PLOT_HINT = "pip install 'asn-balance[plot]'"

#: Seconds an example may take (the aim is well under 20 s each; the margin is for busy CI).
LIMIT = 60.0


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("examples_notebooks", EXAMPLES / "_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NAMES = [p.stem for p in _builder().scripts(EXAMPLES)]


def _has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


@pytest.fixture
def no_matplotlib(tmp_path: Path) -> Path:
    """A folder to put first on PYTHONPATH that makes ``import matplotlib`` fail."""
    shadow = tmp_path / "shadow"
    (shadow / "matplotlib").mkdir(parents=True)
    (shadow / "matplotlib" / "__init__.py").write_text(
        "raise ImportError(\"No module named 'matplotlib' (hidden by the test)\")\n", encoding="utf-8"
    )
    return shadow


def _env(extra_path: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH", "")]))
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _run_script(name: str, cwd: Path, env: dict[str, str]) -> tuple[str, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, (
        f"{name}.py exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc.stdout, seconds


# --------------------------------------------------------------------------- the files


def test_every_example_has_a_notebook_and_expectations() -> None:
    assert set(NAMES) == set(EXPECTED), "add the new example's expected output to EXPECTED"
    assert {"quickstart", "workload_from_tasks", "policy_and_frontier", "embedding_json"} <= set(NAMES)
    for name in NAMES:
        assert (EXAMPLES / f"{name}.ipynb").is_file(), (
            f"run python examples/_notebooks.py to build {name}.ipynb"
        )


@pytest.mark.parametrize("name", NAMES)
def test_notebook_committed_without_outputs(name: str) -> None:
    nb = json.loads((EXAMPLES / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code
    for cell in code:
        assert cell["outputs"] == [], f"{name}.ipynb holds outputs: clear them before committing"
        assert cell["execution_count"] is None, f"{name}.ipynb holds execution counts"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_matches_its_script(name: str) -> None:
    builder = _builder()
    committed = (EXAMPLES / f"{name}.ipynb").read_text(encoding="utf-8")
    assert committed == builder.render(EXAMPLES / f"{name}.py"), (
        f"{name}.ipynb differs from {name}.py: edit the script, then run python examples/_notebooks.py"
    )


def test_notebook_builder_rules(tmp_path: Path) -> None:
    script = tmp_path / "demo.py"
    script.write_text(
        '"""Title line\n\nSome text."""\n\n# %%\nimport math\n\n# %% script only: x\ndisplay = print\n\n'
        "# %% [markdown]\n# ## Step\n#\n# words\n\n# %%\ntry:\n    # %matplotlib inline\n"
        "    x = math.pi\nexcept ImportError:\n    pass\ndisplay(x)\n",
        encoding="utf-8",
    )
    nb = _builder().notebook_of(script)
    cells = [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]
    assert cells == [
        ("markdown", "# Title line\n\nSome text."),
        ("code", "import math"),
        ("markdown", "## Step\n\nwords"),
        ("code", "try:\n    %matplotlib inline\n    x = math.pi\nexcept ImportError:\n    pass\ndisplay(x)"),
    ]


# --------------------------------------------------------------------------- scripts


@pytest.mark.parametrize("name", NAMES)
def test_script_runs(name: str, tmp_path: Path) -> None:
    out, seconds = _run_script(name, tmp_path, _env())
    missing = [s for s in EXPECTED[name] if s not in out]
    assert not missing, f"{name}.py did not print {missing}:\n{out[-3000:]}"
    for f in WRITES.get(name, []):
        assert (tmp_path / f).stat().st_size > 0, f"{name}.py did not write {f}"
    if _has_matplotlib():
        for f in FIGURES.get(name, []):
            assert (tmp_path / f).read_bytes()[:4] == b"\x89PNG", f"{name}.py did not save {f}"
    assert seconds < LIMIT, f"{name}.py took {seconds:.1f} s"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_script_runs_without_matplotlib(name: str, tmp_path: Path, no_matplotlib: Path) -> None:
    out, _ = _run_script(name, tmp_path, _env(no_matplotlib))
    assert PLOT_HINT in out
    assert not any((tmp_path / f).exists() for f in FIGURES[name])
    assert [s for s in EXPECTED[name] if s not in out] == []


# --------------------------------------------------------------------------- notebooks


@pytest.fixture
def kernel_of_this_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``python3`` kernel spec running this interpreter, found before any other."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    return "python3"


def _execute(name: str, cwd: Path, kernel: str) -> tuple[list[dict], float]:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)
    t0 = time.perf_counter()
    client = nbclient.NotebookClient(
        nb, kernel_name=kernel, timeout=120, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()  # raises CellExecutionError on any failing cell
    seconds = time.perf_counter() - t0
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    return outputs, seconds


def _text_of(outputs: list[dict]) -> str:
    parts = []
    for o in outputs:
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        for mime in ("text/plain", "text/html"):
            data = o.get("data", {}).get(mime)
            if data:
                parts.append("".join(data) if isinstance(data, list) else data)
    return "\n".join(parts)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name: str, tmp_path: Path, kernel_of_this_python: str) -> None:
    outputs, seconds = _execute(name, tmp_path, kernel_of_this_python)
    text = _text_of(outputs)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    missing = [s for s in EXPECTED[name] if s not in text]
    assert not missing, f"{name}.ipynb did not show {missing}"
    for f in WRITES.get(name, []):
        assert (tmp_path / f).stat().st_size > 0
    if name in FIGURES and _has_matplotlib():
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        assert len(images) == len(FIGURES[name]), f"{name}.ipynb showed {len(images)} figures"
    if name == "quickstart":
        assert "asn_balance Result" in text  # the HTML summary of the plan
    assert seconds < LIMIT, f"{name}.ipynb took {seconds:.1f} s"


def test_quickstart_notebook_without_matplotlib(
    tmp_path: Path, kernel_of_this_python: str, no_matplotlib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(no_matplotlib), os.environ.get("PYTHONPATH")]))
    )
    outputs, _ = _execute("quickstart", tmp_path, kernel_of_this_python)
    text = _text_of(outputs)
    assert PLOT_HINT in text
    assert not [o for o in outputs if "image/png" in o.get("data", {})]
    assert "written plan.xlsx" in text  # the cells after the plots ran
