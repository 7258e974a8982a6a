"""The package's shape: every import points down the layers of docs/architecture.md.

The test walks every import in src/asn_balance (at module level, inside functions and under
``TYPE_CHECKING``) and fails when a module imports a layer above its own, when anything but
the engine imports a solver library, when the checker imports more than the model's codes,
policy and errors, or when code inside the package uses an old (deprecated) module path.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "asn_balance"

#: Rank of each layer: a module may import its own layer (same top-level folder) and any
#: layer of a lower rank, nothing else. Leaf helpers (rank 0) import nothing of the package.
LAYERS: dict[str, int] = {
    "_version": 0,
    "_outputs": 0,
    "_compat": 0,
    "_memory": 0,
    "model": 1,
    "engine": 1,
    "compile": 2,
    "check": 2,
    "datasets": 2,
    "evaluate": 3,
    "planner": 4,
    "io": 5,
    "analysis": 6,
    "reports": 7,
    "apps": 8,
}
#: The facade and ``python -m asn_balance`` sit above everything.
TOP = {"__init__", "__main__"}
#: What the checker may import besides itself: the model's codes, the Policy and the errors.
CHECK_MAY_IMPORT = {"asn_balance.model.domain", "asn_balance.model.policy", "asn_balance.model.errors"}
SOLVER_LIBRARIES = {"ortools", "highspy", "pyscipopt", "gurobipy"}
#: Old flat module paths, now aliases (asn_balance/_compat.py): only users may import them.
ALIASES = {
    "abk", "batch", "cli", "compare", "decision", "domain", "errors", "excel", "explain",
    "jsonschema", "limits", "plots", "policy_file", "problem", "report", "result", "rules",
    "schema", "server", "solvers", "synth", "tables", "terms", "unit_rules", "wishes",
}  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_alias(path: Path) -> bool:
    rel = path.relative_to(SRC).with_suffix("").parts
    return (len(rel) == 1 and rel[0] in ALIASES) or rel[0] == "solvers"


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (absolute names), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
            # `from . import x` imports the module x when x is one
            for a in node.names:
                sub = f"{mod}.{a.name}"
                if (SRC.parent / sub.replace(".", "/")).with_suffix(".py").exists() or (
                    SRC.parent / sub.replace(".", "/") / "__init__.py"
                ).exists():
                    out.append((node.lineno, sub))
    return out


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "asn_balance" or len(parts) < 2:
        return None
    return parts[1]


def _sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if not _is_alias(p))


def test_every_layer_is_known() -> None:
    top = {p.stem if p.is_file() else p.name for p in SRC.iterdir() if p.suffix == ".py" or p.is_dir()}
    top -= {"__pycache__", "schemas", *TOP}
    unknown = {t for t in top if t not in LAYERS and t not in ALIASES}
    assert not unknown, f"top-level modules or folders without a layer: {sorted(unknown)}"


def test_imports_point_down() -> None:
    wrong: list[str] = []
    for path in _sources():
        own = _layer(_module_name(path)) or "__init__"
        if own in TOP:
            continue
        rank = LAYERS[own]
        for line, mod in _imports(path):
            other = _layer(mod)
            if other is None or other == own:
                continue
            if other in ALIASES or other == "solvers":
                wrong.append(f"{path.relative_to(SRC)}:{line} imports the old alias {mod}")
            elif other in TOP:
                wrong.append(f"{path.relative_to(SRC)}:{line} imports the package facade ({mod})")
            elif LAYERS[other] >= rank:
                wrong.append(
                    f"{path.relative_to(SRC)}:{line} ({own}) imports {mod} ({other}): not a layer above"
                )
    assert not wrong, "\n".join(wrong)


def test_only_the_engine_imports_solver_libraries() -> None:
    wrong = [
        f"{path.relative_to(SRC)}:{line} imports {mod}"
        for path in _sources()
        if _layer(_module_name(path)) != "engine"
        for line, mod in _imports(path)
        if mod.split(".")[0] in SOLVER_LIBRARIES
    ]
    assert not wrong, "\n".join(wrong)


def test_engine_knows_nothing_of_asn() -> None:
    wrong = [
        f"{path.relative_to(SRC)}:{line} imports {mod}"
        for path in _sources()
        if _layer(_module_name(path)) == "engine"
        for line, mod in _imports(path)
        if _layer(mod) not in (None, "engine")
    ]
    assert not wrong, "\n".join(wrong)


def test_check_imports_only_codes_policy_and_errors() -> None:
    wrong = [
        f"{path.relative_to(SRC)}:{line} imports {mod}"
        for path in sorted((SRC / "check").rglob("*.py"))
        for line, mod in _imports(path)
        if _layer(mod) not in (None, "check") and mod not in CHECK_MAY_IMPORT and mod != "asn_balance.model"
    ]
    assert not wrong, "\n".join(wrong)


def test_the_checker_loads_no_solver() -> None:
    code = (
        "import sys, asn_balance.check\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'ortools', 'highspy'}"
        " or m.startswith(('asn_balance.engine', 'asn_balance.compile', 'asn_balance.evaluate',"
        " 'asn_balance.planner')))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_is_light() -> None:
    code = (
        "import sys, asn_balance\n"
        "bad = sorted(m for m in ('pandas', 'numpy', 'ortools', 'pydantic') if m in sys.modules)\n"
        "assert not bad, bad\n"
        "assert callable(asn_balance.solve) and callable(asn_balance.check)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_planted_upward_import_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk sees an import inside a function (the test above is not vacuous)."""
    fake = tmp_path / "asn_balance" / "model"
    fake.mkdir(parents=True)
    (tmp_path / "asn_balance" / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "bad.py").write_text("def f():\n    from ..reports.cards import result_card\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path / "asn_balance")
    mods = [m for _, m in _imports(fake / "bad.py")]
    assert "asn_balance.reports.cards" in mods
    assert LAYERS[_layer("asn_balance.reports.cards") or ""] > LAYERS["model"]


@pytest.mark.parametrize(
    ("old", "name"),
    [
        ("asn_balance.planner", "solve"),
        ("asn_balance.tables", "canonical_hash"),
        ("asn_balance.problem", "Problem"),
        ("asn_balance.schema", "Policy"),
        ("asn_balance.io", "read_plan"),
        ("asn_balance.engine", "AssignmentModel"),
        ("asn_balance.solvers", "solve_model"),
        ("asn_balance.solvers.budget", "deterministic_search"),
        ("asn_balance.decision", "why_not"),
        ("asn_balance.report", "plan_result"),
        ("asn_balance.synth", "generate"),
        ("asn_balance.compare", "compare"),
        ("asn_balance.check", "check"),
    ],
)
def test_old_module_paths_still_work(old: str, name: str) -> None:
    import importlib

    import asn_balance as ab

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(old)
        assert callable(getattr(module, name)) or getattr(module, name) is not None
    # importing an old module never shadows a public function of the facade
    assert callable(ab.check) and callable(ab.compare) and callable(ab.solve)


def test_modules_stay_small() -> None:
    """About 700 lines at most per module; data tables (the synthetic catalogue) excepted."""
    big = {
        str(p.relative_to(SRC)): n
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 720
    }
    assert not big, big


def test_every_import_of_the_package_resolves() -> None:
    """Imports inside functions are not run by every test: each must name a real module."""
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("asn_balance"):
                mod = node.module or ""
            else:
                continue
            file = SRC.parent / mod.replace(".", "/")
            if not (file.with_suffix(".py").exists() or (file / "__init__.py").exists()):
                missing.append(f"{path.relative_to(SRC)}:{node.lineno} imports {mod}")
    assert not missing, "\n".join(missing)
