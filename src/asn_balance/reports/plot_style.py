"""What the plots of :mod:`asn_balance.reports.plots` share: the EJ band ranges, the colours,
the labels in Indonesian and English, number formats, new axes and the common styling.

matplotlib is imported only inside the functions that draw.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from ..model.domain import BAND_COLORS, BAND_FILLS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..evaluate.result import Result

__all__ = ["BAND_RANGES"]

#: EJ interval of each band as drawn (A is open above).
BAND_RANGES: Final[dict[str, tuple[float, float]]] = {
    "E": (0.0, 0.5),
    "D": (0.5, 0.7),
    "C": (0.7, 0.9),
    "B": (0.9, 1.0),
    "A": (1.0, math.inf),
}


_BEFORE = "#9E9E9E"
_AFTER = "#1F4E79"

_T: Final[dict[str, dict[str, str]]] = {
    "id": {
        "before": "sebelum",
        "after": "sesudah",
        "after_bands": "sesudah (warna kelas EJ)",
        "ej_title": "EJ per posisi, diurutkan: sebelum vs sesudah mutasi",
        "ej_x": "Posisi (diurutkan menurut EJ)",
        "ej_y": "Efisiensi jabatan (EJ)",
        "ej_units_title": "EU per unit kerja: sebelum vs sesudah mutasi",
        "ej_units_sub": "{k} dari {n} unit dengan selisih terbesar",
        "ej_units_x": "Efisiensi unit (EU)",
        "clipped": "EJ > {cap} (termasuk tanpa pegawai) digambar pada {cap}",
        "band_A": "A: kurang pegawai",
        "band_B": "B: seimbang",
        "band_C": "C",
        "band_D": "D",
        "band_E": "E: lebih pegawai",
        "gaps_title": "Sebaran selisih pegawai per posisi",
        "gaps_x": "Selisih pegawai (pegawai \u2212 kebutuhan, FTE)",
        "gaps_y": "Jumlah posisi",
        "short": "\u2190 kurang pegawai",
        "surplus": "lebih pegawai \u2192",
        "bands_title": "Jumlah posisi per kelas EJ",
        "bands_x": "Kelas EJ",
        "bands_y": "Jumlah posisi",
        "flows_title": "Aliran mutasi antar unit kerja",
        "flows_sub": "{k} aliran terbesar dari {n} ({m} dari {total} mutasi)",
        "flows_all": "{n} aliran, {total} mutasi",
        "from": "Unit asal",
        "to": "Unit tujuan",
        "no_moves": "Tidak ada mutasi dalam rencana ini",
        "frontier_title": "Keseimbangan vs jumlah mutasi",
        "frontier_x": "Jumlah mutasi",
        "frontier_y": "Ketidakseimbangan B (lebih kecil lebih baik)",
        "plan": "rencana terbaik",
        "bound": "batas bawah terbukti",
        "now": "saat ini (tanpa mutasi)",
        "budget": "maks. {b}",
        "no_data": "Tidak ada data",
    },
    "en": {
        "before": "before",
        "after": "after",
        "after_bands": "after (coloured by EJ band)",
        "ej_title": "EJ per position, sorted: before vs after the moves",
        "ej_x": "Positions (sorted by EJ)",
        "ej_y": "Job efficiency (EJ)",
        "ej_units_title": "EU per unit: before vs after the moves",
        "ej_units_sub": "{k} of {n} units with the largest gap",
        "ej_units_x": "Unit efficiency (EU)",
        "clipped": "EJ > {cap} (including no staff) drawn at {cap}",
        "band_A": "A: under-staffed",
        "band_B": "B: balanced",
        "band_C": "C",
        "band_D": "D",
        "band_E": "E: over-staffed",
        "gaps_title": "Distribution of the staffing gap per position",
        "gaps_x": "Staffing gap (staff \u2212 need, FTE)",
        "gaps_y": "Number of positions",
        "short": "\u2190 under-staffed",
        "surplus": "over-staffed \u2192",
        "bands_title": "Positions per EJ band",
        "bands_x": "EJ band",
        "bands_y": "Number of positions",
        "flows_title": "Moves between units",
        "flows_sub": "the {k} largest of {n} flows ({m} of {total} moves)",
        "flows_all": "{n} flows, {total} moves",
        "from": "From unit",
        "to": "To unit",
        "no_moves": "This plan moves nobody",
        "frontier_title": "Balance vs number of moves",
        "frontier_x": "Number of moves",
        "frontier_y": "Imbalance B (lower is better)",
        "plan": "best plan",
        "bound": "proven lower bound",
        "now": "now (no moves)",
        "budget": "max {b}",
        "no_data": "No data",
    },
}


# --------------------------------------------------------------------------- helpers


def _words(lang: str) -> dict[str, str]:
    if lang not in _T:
        raise ValueError(f"lang must be 'id' or 'en', got {lang!r}")
    return _T[lang]


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    from .plots import _figure_class  # the figure class lives in the public module (its pickle home)

    Figure = _figure_class()
    if ax is not None:
        fig: Any = ax.figure
        while getattr(fig, "figure", fig) is not fig:  # a SubFigure: up to the root Figure
            fig = fig.figure
        return fig, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _number(x: float, digits: int, lang: str) -> str:
    """``x`` with thousands separators and ``digits`` decimals, Indonesian style for ``id``."""
    s = f"{x:,.{digits}f}"
    if lang == "id":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def _tick(lang: str, digits: int | None, x: float, _pos: int | None = None) -> str:
    d = digits
    if d is None:
        d = 0 if float(x).is_integer() else (1 if abs(x * 10 - round(x * 10)) < 1e-9 else 2)
    return _number(x, d, lang)


def _formatter(lang: str, digits: int | None = None) -> Any:
    """A tick formatter: decimal comma and thousands point in Indonesian (picklable)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(functools.partial(_tick, lang, digits))


def _style(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, axis="y", color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, color="#555555", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _shade_bands(ax: Axes, lang: str, top: float, *, vertical: bool = False) -> None:
    """Light band areas (E..A) across the axis of EJ, each labelled once."""
    w = _words(lang)
    for band, (lo, hi) in BAND_RANGES.items():
        hi = min(hi, top)
        if lo >= top:
            continue
        color = "#" + BAND_FILLS[band]
        label = w[f"band_{band}"]
        if vertical:
            ax.axvspan(lo, hi, color=color, alpha=0.7, zorder=0, linewidth=0)
        else:
            ax.axhspan(lo, hi, color=color, alpha=0.7, zorder=0, linewidth=0)
            ax.text(
                1.005,
                (lo + hi) / 2,
                label,
                transform=ax.get_yaxis_transform(),
                ha="left",
                va="center",
                fontsize=8,
                color=BAND_COLORS[band],
                fontweight="bold",
            )


def _cap(values: np.ndarray) -> float:
    """Upper end of the EJ axis: at least 1.5, at most 3, above the finite values."""
    fin = values[np.isfinite(values)]
    hi = float(np.max(fin)) if len(fin) else 1.5
    return float(min(3.0, max(1.5, math.ceil(hi * 1.05 * 10) / 10)))


def _unit_names(result: Result) -> dict[str, str]:
    units = result.units
    if "unit_name" in units.columns:
        names = units["unit_name"].fillna("").astype(str)
        ids = units["unit_id"].astype(str)
        return {i: (n if n.strip() else i) for i, n in zip(ids, names, strict=True)}
    return {str(u): str(u) for u in units["unit_id"]}


def _short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"
