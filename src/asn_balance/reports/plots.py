"""Plots of a plan: EJ before and after, staffing gaps, bands, moves between units, the frontier.

Every function returns a :class:`matplotlib.figure.Figure` built without :mod:`matplotlib.pyplot`
(no global figure registry, no GUI backend needed: ``fig.savefig("ej.png")`` works anywhere;
in Jupyter with the inline backend the figure shows as the cell's value). Labels are in
Indonesian (``lang="id"``, the default, with decimal commas on the axes) or English
(``lang="en"``). matplotlib is an optional dependency: ``pip install 'asn-balance[plot]'``.

This module reads only the tables of a :class:`~asn_balance.evaluate.result.Result` (and the
points of a :class:`~asn_balance.analysis.frontier.Frontier`); it imports no solver. It holds
the public entry points (:func:`plot_result`, :func:`plot_frontier`, :func:`figure_png`) and
the figure class; the plot of each kind is in :mod:`.plot_kinds`, what the plots share
(bands, colours, labels, number formats) in :mod:`.plot_style`.

>>> fig = result.plot("ej", lang="en")          # doctest: +SKIP
>>> fig.savefig("ej.png", dpi=150)              # doctest: +SKIP
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from ..model.domain import BAND_COLORS, BAND_FILLS
from .plot_kinds import plot_bands, plot_ej, plot_flows, plot_gaps
from .plot_style import _AFTER, BAND_RANGES, _empty, _formatter, _new_axes, _number, _style, _words
from .plot_style import _short as _short  # for old users of plots._short

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..analysis.frontier import Frontier
    from ..evaluate.result import Result

__all__ = [
    "BAND_COLORS",
    "BAND_FILLS",
    "BAND_RANGES",
    "KINDS",
    "figure_png",
    "plot_bands",
    "plot_ej",
    "plot_flows",
    "plot_frontier",
    "plot_gaps",
    "plot_result",
]

#: The kinds of :func:`plot_result`.
KINDS: Final[tuple[str, ...]] = ("ej", "ej_units", "gaps", "bands", "flows")


# --------------------------------------------------------------------------- figures


def _require() -> Any:
    """The :class:`matplotlib.figure.Figure` class, or an ImportError saying how to install it."""
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "asn_balance plots need matplotlib, an optional dependency: pip install 'asn-balance[plot]'"
        ) from exc
    return Figure


_FIGURE: list[Any] = []


def _figure_class() -> Any:
    """:class:`PlanFigure`, made on first use (matplotlib is imported only then)."""
    base = _require()
    if not _FIGURE:

        class PlanFigure(base):  # type: ignore[misc, valid-type]
            """A matplotlib Figure that also shows itself as PNG in Jupyter, pyplot or not."""

            def _repr_png_(self) -> bytes:
                return figure_png(self)

        PlanFigure.__module__ = __name__
        PlanFigure.__qualname__ = "PlanFigure"
        globals()["PlanFigure"] = PlanFigure  # so that a figure pickles
        _FIGURE.append(PlanFigure)
    return _FIGURE[0]


# --------------------------------------------------------------------------- result plots


def plot_result(
    result: Result, kind: str = "ej", *, lang: str = "id", ax: Axes | None = None, **kwargs: Any
) -> Figure:
    """One plot of a plan by ``kind``.

    Parameters
    ----------
    result : Result
        A plan.
    kind : {"ej", "ej_units", "gaps", "bands", "flows"}
        ``ej``: EJ per position before vs after, sorted, bands shaded (:func:`plot_ej`);
        ``ej_units``: EU per unit (:func:`plot_ej` with ``units=True``); ``gaps``: the
        staffing gap distribution (:func:`plot_gaps`); ``bands``: positions per band
        (:func:`plot_bands`); ``flows``: moves between units (:func:`plot_flows`).
    lang : {"id", "en"}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw into this axes.
    **kwargs
        Passed to the plot function (``top`` for ``ej_units`` and ``flows``).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        For an unknown ``kind`` or ``lang``.
    ImportError
        When matplotlib is not installed.
    """
    _words(lang)
    funcs: dict[str, Callable[..., Figure]] = {
        "ej": plot_ej,
        "ej_units": lambda r, **kw: plot_ej(r, units=True, **kw),
        "gaps": plot_gaps,
        "bands": plot_bands,
        "flows": plot_flows,
    }
    if kind not in funcs:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    return funcs[kind](result, lang=lang, ax=ax, **kwargs)


# --------------------------------------------------------------------------- frontier


def plot_frontier(frontier: Frontier, *, lang: str = "id", ax: Axes | None = None) -> Figure:
    """Balance ``B`` of the best plan per move budget, with its proven lower bound.

    The x-axis is the number of moves of each point's plan; each point is labelled with
    its budget; the dashed line is the proven lower bound on ``B`` for that budget and the
    dotted line ``B`` with nobody moved.

    Parameters
    ----------
    frontier : Frontier
        The points of :func:`asn_balance.frontier`.
    lang : {"id", "en"}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw into this axes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    w = _words(lang)
    pts = frontier.points
    fig, ax = _new_axes(ax, (9, 5))
    ax.set_title(w["frontier_title"], fontsize=13, loc="left")
    ax.set_xlabel(w["frontier_x"])
    ax.set_ylabel(w["frontier_y"])
    ok = pts["balance"].notna().to_numpy() if len(pts) else np.zeros(0, dtype=bool)
    good = pts[ok]
    ax.axhline(frontier.balance_before, color="#777777", linestyle=":", linewidth=1.2, label=w["now"])
    if len(good):
        x = good["moves"].fillna(good["budget"]).to_numpy(dtype=float)
        ax.plot(
            x,
            good["balance"].to_numpy(dtype=float),
            color=_AFTER,
            marker="o",
            linewidth=2,
            label=w["plan"],
            gid="frontier_plan",
        )
        bound = good["bound"].to_numpy(dtype=float)
        if np.isfinite(bound).any():
            ax.plot(
                x,
                np.where(np.isfinite(bound), bound, np.nan),
                color=BAND_COLORS["A"],
                linestyle="--",
                linewidth=1.2,
                label=w["bound"],
                gid="frontier_bound",
            )
        for xi, yi, b in zip(x, good["balance"].to_numpy(dtype=float), good["budget"], strict=True):
            ax.annotate(
                w["budget"].format(b=_number(float(b), 0, lang)),
                (xi, yi),
                textcoords="offset points",
                xytext=(4, 6),
                fontsize=8,
                color="#333333",
            )
    else:
        _empty(ax, w["no_data"])
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.xaxis.set_major_formatter(_formatter(lang, 0))
    ax.yaxis.set_major_formatter(_formatter(lang))
    ax.legend(loc="upper right", frameon=True)
    _style(ax)
    return fig


# --------------------------------------------------------------------------- output


def figure_png(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (rendered with Agg; no GUI, no pyplot).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    dpi : int
        Resolution.

    Returns
    -------
    bytes
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()
