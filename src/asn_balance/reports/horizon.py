"""The five-year plan at a glance: plots of ``B`` per year and EU per unit per year, and the
HTML section (or a whole report) of a :class:`~asn_balance.evaluate.horizon.HorizonResult`.

* :func:`plot_horizon` ``kind="balance"``: ``B_t`` per year as bars with the moves, hires
  and retirements of each round written under them, optionally beside another plan of the
  same data (the plan made year by year) as a line;
* ``kind="ej_units"``: EU per unit (``sum need / sum staff`` of its positions) per year as a
  table of coloured cells by EJ band, the ``top`` units furthest from balance first;
* :func:`horizon_section` is the report's section (HTML, plots embedded as base64 PNG);
  :func:`horizon_report` a whole self-contained document, :func:`write_horizon_report` writes it.

matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

import base64
import datetime as _dt
import math
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from ..model.domain import BAND_COLORS, BAND_FILLS, band_of
from .labels import _CSS, _chip, _e, _num, _table
from .plot_style import _AFTER, _BEFORE, _formatter, _new_axes, _style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..check.horizon import HorizonCheckReport
    from ..evaluate.horizon import HorizonResult
    from ..model.problem import Problem

__all__ = [
    "HORIZON_KINDS",
    "horizon_report",
    "horizon_section",
    "plot_hires_frontier",
    "plot_horizon",
    "unit_efficiency",
    "write_horizon_report",
]

#: The kinds of :func:`plot_horizon`.
HORIZON_KINDS: Final[tuple[str, ...]] = ("balance", "ej_units")

_W: Final[dict[str, dict[str, str]]] = {
    "id": {
        "title": "Rencana Lima Tahun: Mutasi dan Formasi",
        "section": "Rencana lima tahun",
        "balance_title": "Ketimpangan B per tahun",
        "balance_y": "Ketimpangan B (makin rendah makin baik)",
        "year": "Tahun",
        "this_plan": "rencana ini",
        "other": "rencana tahun demi tahun",
        "moves": "mutasi",
        "hires": "formasi",
        "retired": "pensiun",
        "units_title": "EU per unit per tahun",
        "units_sub": "{k} dari {n} unit, yang paling jauh dari seimbang lebih dulu",
        "status": "Status",
        "objective": "Nilai tujuan",
        "bound": "Batas bawah terbukti",
        "gap": "Selisih",
        "round": "Putaran",
        "date": "Tanggal",
        "balance": "B",
        "formasi": "Usulan formasi (bentuk e-Formasi)",
        "unit": "Unit",
        "jabatan": "Jabatan",
        "count": "Jumlah",
        "education": "Pendidikan min.",
        "grade": "Golongan awal",
        "check": "Pemeriksaan independen",
        "check_ok": "Semua aturan terpenuhi di setiap putaran.",
        "check_bad": "{n} pelanggaran:",
        "lead": (
            "Dalam {years} tahun rencana ini memindahkan {moves} pegawai dan meminta {hires} formasi; "
            "B turun dari {b0} (tahun pertama) ke {b1} (tahun terakhir)."
        ),
        "no_plot": "Grafik memerlukan matplotlib: pip install 'asn-balance[plot]'",
        "generated": "Dibuat {when}, asn_balance {version}",
        "per_year": "Formasi per tahun",
        "sum_b": "Jumlah B selama lima tahun",
        "frontier_title": "Berapa banyak formasi membantu?",
    },
    "en": {
        "title": "Five-Year Plan: Transfers and Hires",
        "section": "Five-year plan",
        "balance_title": "Imbalance B per year",
        "balance_y": "Imbalance B (lower is better)",
        "year": "Year",
        "this_plan": "this plan",
        "other": "plan made year by year",
        "moves": "moves",
        "hires": "hires",
        "retired": "retired",
        "units_title": "EU per unit per year",
        "units_sub": "{k} of {n} units, furthest from balance first",
        "status": "Status",
        "objective": "Objective",
        "bound": "Proven lower bound",
        "gap": "Gap",
        "round": "Round",
        "date": "Date",
        "balance": "B",
        "formasi": "Formasi request (e-Formasi shape)",
        "unit": "Unit",
        "jabatan": "Jabatan",
        "count": "Count",
        "education": "Min. education",
        "grade": "Entry grade",
        "check": "Independent check",
        "check_ok": "Every rule holds at every round.",
        "check_bad": "{n} violations:",
        "lead": (
            "Over {years} years this plan moves {moves} employees and asks for {hires} hires; "
            "B goes from {b0} (first year) to {b1} (last year)."
        ),
        "no_plot": "Plots need matplotlib: pip install 'asn-balance[plot]'",
        "generated": "Generated {when}, asn_balance {version}",
        "per_year": "Hires per year",
        "sum_b": "Sum of B over the years",
        "frontier_title": "How much do more hires buy?",
    },
}


def _words(lang: str) -> dict[str, str]:
    if lang not in _W:
        raise ValueError(f"lang must be 'id' or 'en', got {lang!r}")
    return _W[lang]


def unit_efficiency(result: HorizonResult) -> pd.DataFrame:
    """EU per unit (rows) and year (columns ``0 .. T-1``): the unit's need over its staff
    (``inf`` with need and no staff, NaN with neither)."""
    cols = {}
    for r in result.rounds:
        pos = r.positions
        by = pos.groupby("unit_id", sort=True)[["need", "staff"]].sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            eu = np.where(by["staff"] > 0, by["need"] / by["staff"].where(by["staff"] > 0, 1.0), np.nan)
        eu = np.where((by["staff"] <= 0) & (by["need"] > 0), np.inf, eu)
        cols[r.round] = pd.Series(eu, index=by.index)
    return pd.DataFrame(cols)


def _round_counts(result: HorizonResult) -> tuple[list[int], list[int], list[int]]:
    moves = [len(r.moves) for r in result.rounds]
    hires = [int(r.hires["count"].sum()) if len(r.hires) else 0 for r in result.rounds]
    retired = [int(r.retirements["count"].sum()) if len(r.retirements) else 0 for r in result.rounds]
    return moves, hires, retired


def _plot_balance(
    result: HorizonResult, *, lang: str, ax: Axes | None, compare: HorizonResult | None
) -> Figure:
    w = _words(lang)
    fig, ax = _new_axes(ax, (8.0, 4.2))
    years = [r.date.year for r in result.rounds]
    x = np.arange(len(years))
    b = [r.balance for r in result.rounds]
    ax.bar(x, b, color=_AFTER, width=0.6, label=w["this_plan"], zorder=2)
    if compare is not None and len(compare.rounds) == len(result.rounds):
        ax.plot(
            x,
            [r.balance for r in compare.rounds],
            color=_BEFORE,
            marker="o",
            lw=2,
            label=w["other"],
            zorder=3,
        )
    for xi, v in zip(x.tolist(), b, strict=True):
        ax.text(xi, v, _num(v, 1, lang), ha="center", va="bottom", fontsize=9, color="#333333")
    moves, hires, retired = _round_counts(result)
    ax.set_xticks(
        x,
        [
            f"{y}\n{m} {w['moves']} \u00b7 {h} {w['hires']}\n{r} {w['retired']}"
            for y, m, h, r in zip(years, moves, hires, retired, strict=True)
        ],
        fontsize=8,
    )
    ax.yaxis.set_major_formatter(_formatter(lang))
    ax.set_ylabel(w["balance_y"])
    ax.set_title(w["balance_title"], loc="left", fontsize=12, fontweight="bold")
    if compare is not None:
        ax.legend(frameon=False, fontsize=9)
    _style(ax)
    return fig


def _plot_units(result: HorizonResult, *, lang: str, ax: Axes | None, top: int) -> Figure:
    w = _words(lang)
    eu = unit_efficiency(result)
    n_units = len(eu)
    dist = eu.replace(np.inf, 3.0).sub(1.0).abs().max(axis=1).fillna(0.0)
    eu = eu.loc[dist.sort_values(ascending=False, kind="stable").index[:top]]
    k = len(eu)
    fig, ax = _new_axes(ax, (1.6 + 1.3 * max(1, eu.shape[1]), 0.9 + 0.32 * max(k, 1)))
    years = [r.date.year for r in result.rounds]
    for i, (_, row) in enumerate(eu.iterrows()):
        for j, v in enumerate(row.tolist()):
            band = str(band_of(np.array([v]))[0]) if not (isinstance(v, float) and math.isnan(v)) else ""
            fill = "#" + BAND_FILLS.get(band, "FFFFFF")
            ax.add_patch(_rect((j, k - 1 - i), fill))
            text = "-" if band == "" else ("\u221e" if math.isinf(v) else _num(v, 2, lang))
            ax.text(
                j + 0.5,
                k - 0.5 - i,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color=BAND_COLORS.get(band, "#333333"),
            )
    ax.set_xlim(0, max(1, eu.shape[1]))
    ax.set_ylim(0, max(1, k))
    ax.set_xticks(np.arange(len(years)) + 0.5, [str(y) for y in years], fontsize=9)
    ax.set_yticks(np.arange(k) + 0.5, [str(u) for u in eu.index[::-1]], fontsize=8)
    ax.tick_params(length=0)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(
        w["units_title"] + "\n" + w["units_sub"].format(k=k, n=n_units),
        loc="left",
        fontsize=11,
        fontweight="bold",
    )
    return fig


def _rect(xy: tuple[int, int], color: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(xy, 1, 1, facecolor=color, edgecolor="white", linewidth=1.5)


def plot_horizon(
    result: HorizonResult,
    kind: str = "balance",
    *,
    lang: str = "id",
    ax: Axes | None = None,
    compare: HorizonResult | None = None,
    top: int = 25,
) -> Figure:
    """One plot of a five-year plan.

    Parameters
    ----------
    result : HorizonResult
        The plan.
    kind : {"balance", "ej_units"}
        ``balance``: ``B`` per year with each round's moves, hires and retirements;
        ``ej_units``: EU per unit per year, cells coloured by EJ band.
    lang : {"id", "en"}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw into this axes.
    compare : HorizonResult, optional
        For ``balance``: another plan of the same data drawn as a line (e.g. the plan made
        year by year, :func:`asn_balance.analysis.horizon.plan_year_by_year`).
    top : int
        For ``ej_units``: at most this many units.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        For an unknown ``kind`` or ``lang``.
    """
    _words(lang)
    if kind == "balance":
        return _plot_balance(result, lang=lang, ax=ax, compare=compare)
    if kind == "ej_units":
        return _plot_units(result, lang=lang, ax=ax, top=top)
    raise ValueError(f"kind must be one of {', '.join(HORIZON_KINDS)}; got {kind!r}")


def _figure(result: HorizonResult, kind: str, lang: str, compare: HorizonResult | None) -> str:
    from .plots import figure_png

    fig = plot_horizon(result, kind, lang=lang, compare=compare)
    data = base64.b64encode(figure_png(fig, dpi=100)).decode("ascii")
    return (
        f"<figure id='fig-horizon-{kind}'><img alt='{_e(kind)}' src='data:image/png;base64,{data}'></figure>"
    )


def horizon_section(
    result: HorizonResult,
    lang: str = "id",
    *,
    report: HorizonCheckReport | None = None,
    compare: HorizonResult | None = None,
    plots: bool = True,
) -> str:
    """The report's section of a five-year plan (HTML ``<section id='horizon'>``): a lead in
    plain words, the figures (status, objective, bound, gap), a table per round, the two
    plots, the formasi request and, when given, the independent check."""
    w = _words(lang)
    s = result.summary
    bal = [r.balance for r in result.rounds]
    lead = w["lead"].format(
        years=len(result.rounds),
        moves=s.get("moves", 0),
        hires=s.get("hires", 0),
        b0=_num(bal[0], 1, lang) if bal else "-",
        b1=_num(bal[-1], 1, lang) if bal else "-",
    )
    gap = result.gap
    facts = _table(
        [(w["status"], False), (w["objective"], True), (w["bound"], True), (w["gap"], True)],
        [
            [
                _e(result.status),
                _num(result.objective, 3, lang) if math.isfinite(result.objective) else "-",
                _num(result.bound, 3, lang) if math.isfinite(result.bound) else "-",
                f"{_num(100 * gap, 2, lang)} %" if math.isfinite(gap) else "-",
            ]
        ],
    )
    moves, hires, retired = _round_counts(result)
    per_round = _table(
        [
            (w["round"], True),
            (w["date"], False),
            (w["moves"], True),
            (w["hires"], True),
            (w["retired"], True),
            (w["balance"], True),
        ],
        [
            [str(r.round), _e(r.date.isoformat()), str(m), str(h), str(x), _num(r.balance, 2, lang)]
            for r, m, h, x in zip(result.rounds, moves, hires, retired, strict=True)
        ],
    )
    figs = ""
    if plots:
        try:
            figs = _figure(result, "balance", lang, compare) + _figure(result, "ej_units", lang, None)
        except ImportError:
            figs = f"<p class='note'>{_e(w['no_plot'])}</p>"
    f = result.formasi
    formasi = _table(
        [
            (w["round"], True),
            (w["unit"], False),
            (w["jabatan"], False),
            (w["count"], True),
            (w["education"], False),
            (w["grade"], False),
        ],
        [
            [
                str(row.round),
                _e(row.unit_name or row.unit_id),
                _e(row.jabatan),
                str(row.count),
                _e(row.min_education),
                _e(row.entry_grade),
            ]
            for row in f.itertuples(index=False)
        ],
        caption=w["formasi"],
    )
    checked = ""
    if report is not None:
        if report.ok:
            checked = f"<h3>{_e(w['check'])}</h3><p>{_chip('B')} {_e(w['check_ok'])}</p>"
        else:
            items = "".join(f"<li>{_e(m)}</li>" for m in report.messages()[:50])
            bad = w["check_bad"].format(n=len(report.violations))
            checked = f"<h3>{_e(w['check'])}</h3><p>{_e(bad)}</p><ul>{items}</ul>"
    return (
        f"<section id='horizon'><h2>{_e(w['section'])}</h2><p class='lead'>{_e(lead)}</p>"
        f"{facts}{figs}{per_round}{formasi}{checked}</section>"
    )


def horizon_report(
    problem: Problem | None,
    result: HorizonResult,
    lang: str = "id",
    *,
    title: str | None = None,
    compare: HorizonResult | None = None,
    plots: bool = True,
) -> str:
    """A self-contained HTML document of a five-year plan (:func:`horizon_section`, checked
    by :func:`asn_balance.check_horizon` when ``problem`` is given)."""
    from .._version import __version__
    from ..check.horizon import check_horizon

    w = _words(lang)
    title = title or w["title"]
    report = check_horizon(problem, result) if problem is not None and result.has_plan else None
    when = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return "".join(
        [
            "<!DOCTYPE html>",
            f"<html lang='{lang}'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
            f"<header class='doc'><h1>{_e(title)}</h1>"
            f"<p>{_e(w['generated'].format(when=when, version=__version__))}</p></header>",
            horizon_section(result, lang, report=report, compare=compare, plots=plots),
            "<footer>asn_balance \u00b7 " + _e(title) + "</footer></main></body></html>",
        ]
    )


def write_horizon_report(
    problem: Problem | None,
    result: HorizonResult,
    path: str | PathLike[str],
    lang: str = "id",
    **kwargs: Any,
) -> Path:
    """Write :func:`horizon_report` to ``path`` (UTF-8, atomically); returns the path."""
    from ..io.files import atomic_write_text

    return atomic_write_text(path, horizon_report(problem, result, lang, **kwargs))


def plot_hires_frontier(frontier: Any, *, lang: str = "id", ax: Axes | None = None) -> Figure:
    """Sum of ``B`` over the years for each hire quota per year
    (:func:`asn_balance.analysis.frontier.hires_frontier`), each point labelled with the
    hires used and the moves."""
    w = _words(lang)
    fig, ax = _new_axes(ax, (7.0, 4.0))
    pts = frontier.points
    x = pts["hires_per_year"].to_numpy(dtype=float)
    y = pts["balance"].to_numpy(dtype=float)
    ax.plot(x, y, color=_AFTER, marker="o", lw=2, zorder=3)
    for xi, yi, h, m in zip(x.tolist(), y.tolist(), pts["hires"], pts["moves"], strict=True):
        ax.annotate(
            f"{h} {w['hires']}, {m} {w['moves']}",
            (xi, yi),
            textcoords="offset points",
            xytext=(4, 6),
            fontsize=8,
        )
    ax.set_xlabel(w["per_year"])
    ax.set_ylabel(w["sum_b"])
    ax.xaxis.set_major_formatter(_formatter(lang, 0))
    ax.yaxis.set_major_formatter(_formatter(lang))
    ax.set_title(w["frontier_title"], loc="left", fontsize=12, fontweight="bold")
    _style(ax)
    return fig
