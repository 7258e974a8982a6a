"""Tests of the plots: what each figure shows, in both languages, and the optional dependency.

Every figure is drawn with the non-interactive Agg backend. A 600-employee synthetic
scenario (with competency standards, so with a training plan) is solved once per module.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402

import asn_balance as ab  # noqa: E402
from asn_balance import Frontier  # noqa: E402
from asn_balance.datasets import synth  # noqa: E402
from asn_balance.reports import plots  # noqa: E402
from asn_balance.reports.plots import BAND_FILLS, KINDS, plot_result  # noqa: E402

TITLES = {
    "ej": (
        "EJ per posisi, diurutkan: sebelum vs sesudah mutasi",
        "EJ per position, sorted: before vs after the moves",
    ),
    "ej_units": ("EU per unit kerja: sebelum vs sesudah mutasi", "EU per unit: before vs after the moves"),
    "gaps": ("Sebaran selisih pegawai per posisi", "Distribution of the staffing gap per position"),
    "bands": ("Jumlah posisi per kelas EJ", "Positions per EJ band"),
    "flows": ("Aliran mutasi antar unit kerja", "Moves between units"),
}  # fmt: skip
XLABELS = {
    "ej": ("Posisi (diurutkan menurut EJ)", "Positions (sorted by EJ)"),
    "ej_units": ("Efisiensi unit (EU)", "Unit efficiency (EU)"),
    "gaps": ("Selisih pegawai (pegawai \u2212 kebutuhan, FTE)", "Staffing gap (staff \u2212 need, FTE)"),
    "bands": ("Kelas EJ", "EJ band"),
}
YLABELS = {
    "ej": ("Efisiensi jabatan (EJ)", "Job efficiency (EJ)"),
    "gaps": ("Jumlah posisi", "Number of positions"),
    "bands": ("Jumlah posisi", "Number of positions"),
}


@pytest.fixture(scope="module")
def result() -> ab.Result:
    frames = synth.generate(600, seed=1, policy_columns=True)
    problem = ab.Problem.from_frames(
        frames["employees"], frames["positions"], frames["tasks"], units=frames["units"]
    )
    res = ab.solve(problem)
    assert res.has_plan and res.n_moves > 20
    return res


def bars(fig: Figure, gid: str) -> list[Rectangle]:
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_gid() == gid]


def texts(fig: Figure) -> list[str]:
    ax = fig.axes[0]
    return [t.get_text() for t in ax.texts]


def tick_labels(fig: Figure, axis: str) -> list[str]:
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in ticks if t.get_text()]


# --------------------------------------------------------------------------- every kind, both languages


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_kind_returns_a_labelled_figure(result: ab.Result, kind: str, lang: str) -> None:
    fig = result.plot(kind, lang=lang)
    assert isinstance(fig, Figure)
    k = 0 if lang == "id" else 1
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == TITLES[kind][k]
    if kind in XLABELS:
        assert ax.get_xlabel() == XLABELS[kind][k]
    if kind in YLABELS:
        assert ax.get_ylabel() == YLABELS[kind][k]
    png = plots.figure_png(fig, dpi=40)
    assert png.startswith(b"\x89PNG") and len(png) > 2000


def test_ej_per_position_sorted_before_and_after(result: ab.Result) -> None:
    fig = result.plot("ej", lang="en")
    ax = fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    assert set(lines) == {"before", "after"}
    pos = result.positions
    cap = ax.get_ylim()[1]
    for when, line in (("before", lines["before"]), ("after", lines["after"])):
        y = np.asarray(line.get_ydata(), dtype=float)
        assert len(y) == pos[["ej_before", "ej_after"]].notna().any(axis=1).sum()
        assert np.all(np.diff(y) >= 0)  # sorted
        want = np.sort(np.minimum(pos[f"ej_{when}"].fillna(0.0).to_numpy(dtype=float), cap))
        np.testing.assert_allclose(y, want)
    # the five bands are shaded, each in its own colour, and labelled with their direction
    fills = {
        matplotlib.colors.to_hex(p.get_facecolor()[:3]).upper()
        for p in ax.patches
        if not isinstance(p, Rectangle) or p.get_gid() is None
    }
    assert {f"#{c}" for c in BAND_FILLS.values()} <= fills
    assert "A: under-staffed" in texts(fig) and "E: over-staffed" in texts(fig)
    assert "A: kurang pegawai" in texts(result.plot("ej", lang="id"))
    assert 1.5 <= cap <= 3.0


def test_indonesian_axes_use_decimal_commas(result: ab.Result) -> None:
    labels = tick_labels(result.plot("ej", lang="id"), "y")
    assert any("," in t for t in labels) and not any("." in t for t in labels)
    labels = tick_labels(result.plot("ej", lang="en"), "y")
    assert any("." in t for t in labels) and not any("," in t for t in labels)


def test_ej_units_draws_two_bars_per_unit(result: ab.Result) -> None:
    fig = result.plot("ej_units", lang="en", top=8)
    before, after = bars(fig, "bar_before"), bars(fig, "bar_after")
    assert len(before) == len(after) == 8
    n_units = len(result.units)
    assert fig.axes[0].get_title(loc="right") == f"8 of {n_units} units with the largest gap"
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    units = result.units.set_index("unit_id")
    gap = (units["staff_before"] - units["need_fte"]).abs().sort_values(ascending=False, kind="stable")
    chosen = {plots._short(str(units.loc[u, "unit_name"]), 34) for u in gap.index[:8]}
    assert set(names) == chosen
    # bar lengths are the EU values (none above the axis here)
    for rect, name in zip(before, names, strict=True):
        row = units[units["unit_name"].map(lambda s: plots._short(str(s), 34)) == name].iloc[0]
        assert rect.get_width() == pytest.approx(min(row["eu_before"], fig.axes[0].get_xlim()[1]))
    all_units = result.plot("ej_units", top=1000)
    assert len(bars(all_units, "bar_after")) == n_units
    assert all_units.axes[0].get_title(loc="right") == ""


def test_gaps_histogram_counts_every_position(result: ab.Result) -> None:
    fig = result.plot("gaps", lang="en")
    before, after = bars(fig, "bar_before"), bars(fig, "bar_after")
    assert len(before) == len(after) >= 5
    n = len(result.positions)
    assert sum(r.get_height() for r in before) == n
    assert sum(r.get_height() for r in after) == n
    # bins are 1 FTE wide and the bar for gap 0 counts the positions within half an FTE
    width = before[1].get_x() - before[0].get_x()
    assert width == pytest.approx(1.0)
    centre = [r for r in after if abs(r.get_x()) < 1e-9]  # the after bar of bin 0 starts at 0
    assert len(centre) == 1
    gaps = result.positions["gap_after"].to_numpy(dtype=float)
    assert centre[0].get_height() == int(((gaps >= -0.5) & (gaps < 0.5)).sum())
    assert "\u2190 under-staffed" in texts(fig) and "over-staffed \u2192" in texts(fig)


def test_bands_bars_are_the_summary_counts(result: ab.Result) -> None:
    s = result.summary()
    for lang in ("id", "en"):
        fig = result.plot("bands", lang=lang)
        before, after = bars(fig, "bar_before"), bars(fig, "bar_after")
        assert len(before) + len(after) == 10
        assert [r.get_height() for r in before] == [s["bands_before"][b] for b in "ABCDE"]
        assert [r.get_height() for r in after] == [s["bands_after"][b] for b in "ABCDE"]
        ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
        assert ticks[0] == ("A: kurang pegawai" if lang == "id" else "A: under-staffed")
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert legend == (["sebelum", "sesudah (warna kelas EJ)"] if lang == "id" else
                          ["before", "after (coloured by EJ band)"])  # fmt: skip


def test_flows_one_ribbon_per_unit_pair(result: ab.Result) -> None:
    mv = result.moves
    pairs = mv.groupby(["from_unit", "to_unit"]).size()
    fig = result.plot("flows", lang="en", top=1000)
    ribbons = [p for p in fig.axes[0].patches if isinstance(p, PathPatch) and p.get_gid() == "flow"]
    assert len(ribbons) == len(pairs)
    assert fig.axes[0].get_title(loc="right") == f"{len(pairs)} flows, {len(mv)} moves"
    top = result.plot("flows", lang="id", top=5)
    ribbons = [p for p in top.axes[0].patches if isinstance(p, PathPatch) and p.get_gid() == "flow"]
    assert len(ribbons) == 5
    largest = int(pairs.sort_values(ascending=False).head(5).sum())
    assert top.axes[0].get_title(loc="right") == (
        f"5 aliran terbesar dari {len(pairs)} ({largest} dari {len(mv)} mutasi)"
    )
    labels = texts(top)
    assert "Unit asal" in labels and "Unit tujuan" in labels


def test_plans_without_moves_say_so(result: ab.Result) -> None:
    empty = replace(result, moves=result.moves.iloc[:0])
    fig = empty.plot("flows", lang="en")
    assert "This plan moves nobody" in texts(fig)
    assert "Tidak ada mutasi dalam rencana ini" in texts(empty.plot("flows", lang="id"))


def test_figures_show_in_jupyter_and_pickle(result: ab.Result) -> None:
    import pickle

    fig = result.plot("bands")
    assert fig._repr_png_().startswith(b"\x89PNG")  # IPython displays it without pyplot
    back = pickle.loads(pickle.dumps(fig))
    assert back.axes[0].get_title(loc="left") == TITLES["bands"][0]


def test_big_numbers_get_thousands_separators(result: ab.Result) -> None:
    many = pd.concat([result.moves] * 25, ignore_index=True)
    total = len(many)
    assert total >= 1000
    fig = replace(result, moves=many).plot("flows", lang="id", top=1000)
    pairs = result.moves.groupby(["from_unit", "to_unit"]).size()
    assert fig.axes[0].get_title(loc="right") == f"{len(pairs)} aliran, {total:,} mutasi".replace(
        f"{total:,}", f"{total:,}".replace(",", ".")
    )
    fig = replace(result, moves=many).plot("flows", lang="en", top=1000)
    assert fig.axes[0].get_title(loc="right") == f"{len(pairs)} flows, {total:,} moves"


def test_draws_into_a_given_axes(result: ab.Result) -> None:
    fig = Figure(figsize=(12, 4))
    left, right = fig.subplots(1, 2)
    assert result.plot("bands", ax=right) is fig
    assert right.get_title(loc="left") == TITLES["bands"][0]
    assert left.get_title(loc="left") == ""


def test_bad_kind_and_lang(result: ab.Result) -> None:
    with pytest.raises(ValueError, match="kind must be one of ej, ej_units, gaps, bands, flows"):
        result.plot("pie")
    with pytest.raises(ValueError, match="lang must be 'id' or 'en'"):
        plot_result(result, "ej", lang="fr")


# --------------------------------------------------------------------------- frontier


def frontier_points() -> Frontier:
    points = pd.DataFrame(
        {
            "budget": [0, 5, 10, 20],
            "moves": [0, 5, 10, 14],
            "balance": [40.0, 30.0, 24.0, 22.5],
            "bound": [40.0, 29.0, 24.0, 22.5],
            "objective": [40.0, 30.0, 24.0, 22.5],
            "status": ["optimal", "feasible", "optimal", "optimal"],
            "seconds": [0.1, 0.2, 0.3, 0.4],
        }
    )
    return Frontier(points, balance_before=40.0)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_frontier_plot(lang: str) -> None:
    fig = frontier_points().plot(lang=lang)
    ax = fig.axes[0]
    if lang == "id":
        assert ax.get_title(loc="left") == "Keseimbangan vs jumlah mutasi"
        assert ax.get_xlabel() == "Jumlah mutasi"
        assert ax.get_ylabel() == "Ketidakseimbangan B (lebih kecil lebih baik)"
    else:
        assert ax.get_title(loc="left") == "Balance vs number of moves"
        assert ax.get_xlabel() == "Number of moves"
        assert ax.get_ylabel() == "Imbalance B (lower is better)"
    lines = {ln.get_gid(): ln for ln in ax.get_lines() if ln.get_gid()}
    np.testing.assert_allclose(lines["frontier_plan"].get_xdata(), [0, 5, 10, 14])
    np.testing.assert_allclose(lines["frontier_plan"].get_ydata(), [40.0, 30.0, 24.0, 22.5])
    np.testing.assert_allclose(lines["frontier_bound"].get_ydata(), [40.0, 29.0, 24.0, 22.5])
    notes = [t.get_text() for t in ax.texts]
    assert notes == (
        [f"maks. {b}" for b in (0, 5, 10, 20)] if lang == "id" else [f"max {b}" for b in (0, 5, 10, 20)]
    )


def test_frontier_of_a_real_solve() -> None:
    problem = ab.Problem.read(ab.datasets.demo_path())
    front = ab.frontier(problem, [0, 3, 6])
    fig = front.plot(lang="en")
    line = next(ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "frontier_plan")
    y = np.asarray(line.get_ydata(), dtype=float)
    assert len(y) == 3 and np.all(np.diff(y) <= 1e-9) and y[0] == pytest.approx(front.balance_before)


# --------------------------------------------------------------------------- the optional dependency


def test_missing_matplotlib_says_how_to_install(result: ab.Result, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]
    with pytest.raises(ImportError, match=r"pip install 'asn-balance\[plot\]'"):
        result.plot("ej")
    with pytest.raises(ImportError, match=r"pip install 'asn-balance\[plot\]'"):
        frontier_points().plot()


def test_plots_module_imports_no_solver() -> None:
    """Outside ``if TYPE_CHECKING:``, plots.py imports nothing that reaches a solver."""

    def runtime_imports(nodes: list[ast.stmt]) -> set[str]:
        found: set[str] = set()
        for node in nodes:
            if (
                isinstance(node, ast.If)
                and isinstance(node.test, ast.Name)
                and node.test.id == "TYPE_CHECKING"
            ):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import):
                    found |= {a.name for a in sub.names}
                elif isinstance(sub, ast.ImportFrom):
                    found.add("." * sub.level + (sub.module or ""))
        return found

    folder = Path(__file__).parents[1] / "src" / "asn_balance" / "reports"
    imported: set[str] = set()
    for name in ("plots.py", "plot_style.py", "plot_kinds.py"):
        imported |= runtime_imports(ast.parse((folder / name).read_text(encoding="utf-8")).body)
    assert "matplotlib.figure" in imported  # the walk sees the lazy imports too
    # reports' own plot modules and the model's band codes: nothing that reaches a solver
    allowed_local = {".plots", ".plot_style", ".plot_kinds", "..model.domain"}
    local = {m for m in imported if m.startswith(".")}
    assert local <= allowed_local, local
    assert not any(m.split(".")[0] in ("ortools", "highspy") for m in imported)
