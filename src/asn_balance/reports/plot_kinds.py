"""The plots of a plan, one function per kind of :func:`asn_balance.reports.plots.plot_result`:
EJ per position or EU per unit, the staffing gaps, the EJ bands and the moves between units.

matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..model.domain import BAND_COLORS
from .plot_style import (
    _AFTER,
    _BEFORE,
    BAND_RANGES,
    _cap,
    _empty,
    _formatter,
    _new_axes,
    _number,
    _shade_bands,
    _short,
    _style,
    _unit_names,
    _words,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..evaluate.result import Result

__all__ = ["plot_bands", "plot_ej", "plot_flows", "plot_gaps"]


def plot_ej(
    result: Result,
    *,
    units: bool = False,
    lang: str = "id",
    ax: Axes | None = None,
    top: int = 30,
) -> Figure:
    """EJ per position (or EU per unit) before and after the plan, bands shaded.

    Positions: both EJ series sorted ascending (x = rank), the before series grey, the after
    series dark blue; EJ above the axis (including positions with workload but no staff,
    EJ infinite) is drawn at the top as a triangle. Units: horizontal bars before/after of
    the ``top`` units with the largest staffing gap before the plan, sorted by EU.

    Parameters
    ----------
    result : Result
        A plan.
    units : bool
        Per unit (EU) instead of per position (EJ).
    lang : {"id", "en"}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw into this axes (its figure is returned); a new figure otherwise.
    top : int
        For ``units=True``: at most this many units.

    Returns
    -------
    matplotlib.figure.Figure
    """
    w = _words(lang)
    if units:
        return _plot_eu(result, lang=lang, ax=ax, top=top)
    pos = result.positions
    before = pos["ej_before"].to_numpy(dtype=float)
    after = pos["ej_after"].to_numpy(dtype=float)
    keep = ~(np.isnan(before) & np.isnan(after))
    before, after = before[keep], after[keep]
    fig, ax = _new_axes(ax, (10, 5.2))
    ax.set_title(w["ej_title"], fontsize=13, loc="left")
    ax.set_xlabel(w["ej_x"])
    ax.set_ylabel(w["ej_y"])
    if not len(before):
        _empty(ax, w["no_data"])
        return fig
    cap = _cap(np.concatenate([before, after]))
    _shade_bands(ax, lang, cap)
    n = len(before)
    small = n <= 60
    for series, color, label, z in ((before, _BEFORE, w["before"], 2), (after, _AFTER, w["after"], 3)):
        s = np.sort(np.nan_to_num(series, nan=0.0, posinf=np.inf))
        x = np.arange(1, len(s) + 1)
        over = s > cap
        shown = np.where(over, cap, s)
        ax.plot(
            x,
            shown,
            color=color,
            linewidth=2.0 if z == 3 else 1.6,
            label=label,
            zorder=z,
            marker="o" if small else None,
            markersize=4,
            drawstyle="steps-mid" if not small else "default",
        )
        if over.any():
            ax.scatter(
                x[over],
                np.full(int(over.sum()), cap),
                marker="^",
                color=color,
                s=30,
                zorder=z + 1,
                clip_on=False,
            )
    ax.set_ylim(0, cap)
    ax.set_xlim(0.5, n + 0.5)
    ax.axhline(1.0, color="#444444", linewidth=0.8, linestyle="--", zorder=1)
    ax.yaxis.set_major_formatter(_formatter(lang))
    ax.xaxis.set_major_formatter(_formatter(lang, 0))
    cap_text = _number(cap, 1, lang)
    ax.text(
        0.0, -0.14, w["clipped"].format(cap=cap_text), transform=ax.transAxes, fontsize=8, color="#555555"
    )
    ax.legend(loc="upper left", frameon=True)
    _style(ax)
    return fig


def _plot_eu(result: Result, *, lang: str, ax: Axes | None, top: int) -> Figure:
    w = _words(lang)
    u = result.units.copy()
    u["gap_before"] = u["staff_before"] - u["need_fte"]
    u = u[
        np.isfinite(u["eu_before"].to_numpy(dtype=float)) | np.isfinite(u["eu_after"].to_numpy(dtype=float))
    ]
    n_all = len(u)
    chosen = u.reindex(u["gap_before"].abs().sort_values(ascending=False, kind="stable").index[:top])
    chosen = chosen.sort_values("eu_before", kind="stable", na_position="last")
    k = len(chosen)
    fig, ax = _new_axes(ax, (10, max(3.5, 0.32 * k + 1.8)))
    ax.set_title(w["ej_units_title"], fontsize=13, loc="left")
    ax.set_xlabel(w["ej_units_x"])
    if not k:
        _empty(ax, w["no_data"])
        return fig
    if k < n_all:
        ax.set_title(
            w["ej_units_sub"].format(k=_number(k, 0, lang), n=_number(n_all, 0, lang)),
            fontsize=9,
            color="#555555",
            loc="right",
        )
    eb = chosen["eu_before"].to_numpy(dtype=float)
    ea = chosen["eu_after"].to_numpy(dtype=float)
    cap = _cap(np.concatenate([eb, ea]))
    _shade_bands(ax, lang, cap, vertical=True)
    y = np.arange(k)
    h = 0.38
    ax.barh(
        y + h / 2,
        np.minimum(np.nan_to_num(eb, nan=0.0), cap),
        height=h,
        color=_BEFORE,
        label=w["before"],
        gid="bar_before",
    )
    ax.barh(
        y - h / 2,
        np.minimum(np.nan_to_num(ea, nan=0.0), cap),
        height=h,
        color=_AFTER,
        label=w["after"],
        gid="bar_after",
    )
    ax.set_ylim(-0.7, k - 0.3 + 0.9)
    for band, (lo, hi) in BAND_RANGES.items():
        if lo < cap:
            ax.text(
                (lo + min(hi, cap)) / 2,
                k - 0.3 + 0.45,
                band,
                ha="center",
                va="center",
                fontsize=10,
                color=BAND_COLORS[band],
                fontweight="bold",
            )
    names = _unit_names(result)
    ax.set_yticks(y, [_short(names.get(str(i), str(i)), 34) for i in chosen["unit_id"]], fontsize=8)
    ax.set_xlim(0, cap)
    ax.axvline(1.0, color="#444444", linewidth=0.8, linestyle="--")
    ax.xaxis.set_major_formatter(_formatter(lang))
    ax.legend(loc="lower right", frameon=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def _bins(values: np.ndarray) -> np.ndarray:
    """Bin edges of width 1 FTE centred on whole numbers (wider beyond +-20)."""
    fin = values[np.isfinite(values)]
    if not len(fin):
        return np.array([-0.5, 0.5])
    lo = max(math.floor(float(fin.min())), -20)
    hi = min(math.ceil(float(fin.max())), 20)
    width = 1 if hi - lo <= 30 else 2
    return np.arange(lo - 0.5, hi + 0.5 + width, width, dtype=float)


def plot_gaps(result: Result, *, lang: str = "id", ax: Axes | None = None) -> Figure:
    """Histogram of the staffing gap (staff - need, FTE) per position, before and after.

    Bins are 1 FTE wide and centred on whole numbers (2 FTE for a wide range; gaps beyond
    +-20 are counted in the outer bins). Each bin has two bars, before (grey) and after
    (dark blue), so ``2 x bins`` bars in all.

    Parameters
    ----------
    result : Result
        A plan.
    lang : {"id", "en"}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw into this axes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    w = _words(lang)
    pos = result.positions
    gb = pos["gap_before"].to_numpy(dtype=float)
    ga = pos["gap_after"].to_numpy(dtype=float)
    fig, ax = _new_axes(ax, (10, 5))
    ax.set_title(w["gaps_title"], fontsize=13, loc="left")
    ax.set_xlabel(w["gaps_x"])
    ax.set_ylabel(w["gaps_y"])
    if not len(gb):
        _empty(ax, w["no_data"])
        return fig
    edges = _bins(np.concatenate([gb, ga]))
    lo, hi = edges[0] + 1e-9, edges[-1] - 1e-9
    cb, _ = np.histogram(np.clip(gb, lo, hi), bins=edges)
    ca, _ = np.histogram(np.clip(ga, lo, hi), bins=edges)
    centres = (edges[:-1] + edges[1:]) / 2
    width = (edges[1] - edges[0]) * 0.4
    ax.bar(centres - width / 2, cb, width=width, color=_BEFORE, label=w["before"], gid="bar_before")
    ax.bar(centres + width / 2, ca, width=width, color=_AFTER, label=w["after"], gid="bar_after")
    ax.axvline(0.0, color="#444444", linewidth=0.9, linestyle="--")
    ax.text(
        0.0,
        -0.09,
        w["short"],
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=9,
        color=BAND_COLORS["A"],
    )
    ax.text(
        1.0,
        -0.09,
        w["surplus"],
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        color=BAND_COLORS["E"],
    )
    ax.xaxis.set_major_formatter(_formatter(lang))
    ax.yaxis.set_major_formatter(_formatter(lang, 0))
    ax.legend(loc="upper right", frameon=True)
    _style(ax)
    return fig


def plot_bands(result: Result, *, lang: str = "id", ax: Axes | None = None) -> Figure:
    """Number of positions per EJ band (A..E), before and after: 10 bars, counts on top.

    Parameters
    ----------
    result : Result
        A plan.
    lang : {"id", "en"}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw into this axes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    w = _words(lang)
    pos = result.positions
    bands = list(BAND_RANGES)[::-1]  # A..E
    cb = pos["band_before"].value_counts().reindex(bands, fill_value=0).to_numpy()
    ca = pos["band_after"].value_counts().reindex(bands, fill_value=0).to_numpy()
    fig, ax = _new_axes(ax, (8, 4.6))
    ax.set_title(w["bands_title"], fontsize=13, loc="left")
    ax.set_xlabel(w["bands_x"])
    ax.set_ylabel(w["bands_y"])
    x = np.arange(len(bands))
    width = 0.38
    bars_b = ax.bar(x - width / 2, cb, width=width, color=_BEFORE, label=w["before"], gid="bar_before")
    bars_a = ax.bar(
        x + width / 2,
        ca,
        width=width,
        color=[BAND_COLORS[b] for b in bands],
        edgecolor=_AFTER,
        linewidth=0.8,
        label=w["after"],
        gid="bar_after",
    )
    for bars, counts in ((bars_b, cb), (bars_a, ca)):
        ax.bar_label(bars, labels=[_number(float(v), 0, lang) for v in counts], fontsize=9, padding=2)
    ax.set_xticks(x, [w[f"band_{b}"] for b in bands])
    ax.yaxis.set_major_formatter(_formatter(lang, 0))
    ax.set_ylim(0, max(1, int(max(cb.max(initial=0), ca.max(initial=0)) * 1.15) + 1))
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=_BEFORE, label=w["before"]),
        Patch(facecolor="#FFFFFF", edgecolor=_AFTER, linewidth=1.2, label=w["after_bands"]),
    ]
    ax.legend(handles=handles, loc="upper right", frameon=True)
    _style(ax)
    return fig


def _flow_path(x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float]) -> Any:
    """A ribbon from the segment ``y0`` at ``x0`` to ``y1`` at ``x1`` (cubic Bezier edges)."""
    from matplotlib.path import Path

    xm = (x0 + x1) / 2
    verts = [
        (x0, y0[0]),
        (xm, y0[0]),
        (xm, y1[0]),
        (x1, y1[0]),
        (x1, y1[1]),
        (xm, y1[1]),
        (xm, y0[1]),
        (x0, y0[1]),
        (x0, y0[0]),
    ]
    codes = [
        Path.MOVETO,
        Path.CURVE4,
        Path.CURVE4,
        Path.CURVE4,
        Path.LINETO,
        Path.CURVE4,
        Path.CURVE4,
        Path.CURVE4,
        Path.CLOSEPOLY,
    ]
    return Path(verts, codes)


def plot_flows(result: Result, *, lang: str = "id", ax: Axes | None = None, top: int = 15) -> Figure:
    """Moves as flows between units: origin units left, target units right, ribbons as wide
    as the number of moves.

    Only the ``top`` largest unit-to-unit flows are drawn (the subtitle says how many of how
    many); each ribbon is a patch with ``gid="flow"``, coloured by its origin unit.

    Parameters
    ----------
    result : Result
        A plan.
    lang : {"id", "en"}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw into this axes.
    top : int
        At most this many flows.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import to_rgba
    from matplotlib.patches import PathPatch, Rectangle

    w = _words(lang)
    mv = result.moves
    pairs = (
        mv.groupby([mv["from_unit"].astype(str), mv["to_unit"].astype(str)], sort=False)
        .size()
        .rename("count")
        .reset_index()
        .sort_values(["count", "from_unit", "to_unit"], ascending=[False, True, True], kind="stable")
        if len(mv)
        else pd.DataFrame(columns=["from_unit", "to_unit", "count"])
    )
    n_pairs, total = len(pairs), len(mv)
    shown = pairs.head(top)
    lefts = shown.groupby("from_unit", sort=False)["count"].sum().sort_values(ascending=False, kind="stable")
    rights = shown.groupby("to_unit", sort=False)["count"].sum().sort_values(ascending=False, kind="stable")
    rows = max(len(lefts), len(rights), 1)
    fig, ax = _new_axes(ax, (11, max(4.5, 0.42 * rows + 2)))
    ax.set_title(w["flows_title"], fontsize=13, loc="left")
    if not total:
        _empty(ax, w["no_moves"])
        return fig
    m = int(shown["count"].sum())
    sub = (
        w["flows_all"].format(n=_number(n_pairs, 0, lang), total=_number(total, 0, lang))
        if len(shown) == n_pairs
        else w["flows_sub"].format(
            k=_number(len(shown), 0, lang),
            n=_number(n_pairs, 0, lang),
            m=_number(m, 0, lang),
            total=_number(total, 0, lang),
        )
    )
    ax.set_title(sub, fontsize=9, color="#555555", loc="right")
    names = _unit_names(result)
    gap = m * 0.02 + 0.2
    x_left, x_right, node_w = 0.0, 1.0, 0.025

    def layout(totals: pd.Series) -> dict[str, float]:
        tops: dict[str, float] = {}
        y = 0.0
        for unit, c in totals.items():
            tops[str(unit)] = y
            y += float(c) + gap
        return tops

    top_l, top_r = layout(lefts), layout(rights)
    height = max(sum(lefts) + gap * (len(lefts) - 1), sum(rights) + gap * (len(rights) - 1))
    palette = [
        "#1F77B4",
        "#FF7F0E",
        "#2CA02C",
        "#D62728",
        "#9467BD",
        "#8C564B",
        "#E377C2",
        "#7F7F7F",
        "#BCBD22",
        "#17BECF",
    ]
    color = {u: palette[i % len(palette)] for i, u in enumerate(str(u) for u in lefts.index)}
    used_l = dict.fromkeys(top_l, 0.0)
    used_r = dict.fromkeys(top_r, 0.0)
    order = shown.assign(_l=shown["from_unit"].map(top_l), _r=shown["to_unit"].map(top_r))
    order = order.sort_values(["_l", "_r"], kind="stable")
    for r in order.itertuples(index=False):
        fu, tu, c = str(r.from_unit), str(r.to_unit), float(r.count)
        y0 = (top_l[fu] + used_l[fu], top_l[fu] + used_l[fu] + c)
        y1 = (top_r[tu] + used_r[tu], top_r[tu] + used_r[tu] + c)
        used_l[fu] += c
        used_r[tu] += c
        patch = PathPatch(
            _flow_path(x_left + node_w, x_right - node_w, y0, y1),
            facecolor=to_rgba(color[fu], 0.45),
            edgecolor=to_rgba(color[fu], 0.8),
            linewidth=0.5,
        )
        patch.set_gid("flow")
        ax.add_patch(patch)
    for totals, tops, x, ha, dx in (
        (lefts, top_l, x_left, "right", -0.01),
        (rights, top_r, x_right - node_w, "left", node_w + 0.01),
    ):
        for unit, c in totals.items():
            u = str(unit)
            ax.add_patch(
                Rectangle(
                    (x, tops[u]),
                    node_w,
                    float(c),
                    facecolor=color.get(u, "#555555") if totals is lefts else "#444444",
                    edgecolor="none",
                )
            )
            label = f"{_short(names.get(u, u))} ({_number(float(c), 0, lang)})"
            ax.text(x + dx, tops[u] + float(c) / 2, label, ha=ha, va="center", fontsize=8)
    ax.text(x_left, -gap, w["from"], ha="left", va="bottom", fontsize=10, fontweight="bold")
    ax.text(x_right, -gap, w["to"], ha="right", va="bottom", fontsize=10, fontweight="bold")
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(height + gap, -gap * 2.5)
    ax.set_axis_off()
    return fig
