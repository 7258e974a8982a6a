"""The report of a plan: one self-contained HTML file for leadership.

:func:`html_report` turns a problem and a plan into one HTML document: a summary for
leadership, the workload balance before and after (plots embedded as base64 PNG; no external
URL, script or font), a table per unit, the list of moves with their reasons, the training plan
and the independent rule check; it prints cleanly on A4 (print CSS).
:func:`~asn_balance.analysis.given_plan.plan_result` re-evaluates a plan written by
``asn-balance plan --out`` on the data, without solving, so the report shows exactly the given
moves. ``asn-balance report DATA PLAN --out report.html`` does both.

>>> problem = ab.Problem.read("data/")                           # doctest: +SKIP
>>> result = plan_result(problem, "plan.xlsx")                   # doctest: +SKIP
>>> write_report(problem, result, "report.html", lang="id")      # doctest: +SKIP
"""

from __future__ import annotations

import base64
import datetime as _dt
import math
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .labels import (
    _CSS,
    SECTIONS,
    _band_counts,
    _bands_table,
    _chip,
    _claim_note,
    _direction,
    _e,
    _fte,
    _name,
    _num,
    _pct,
    _table,
    _words,
    section_titles,
)

if TYPE_CHECKING:
    from ..check.verifier import CheckReport
    from ..evaluate.horizon import HorizonResult
    from ..evaluate.result import Result
    from ..model.problem import Problem

__all__ = ["SECTIONS", "html_report", "section_titles", "write_report"]


def _figures(result: Result, lang: str) -> dict[str, str] | None:
    """``kind -> <figure>`` HTML with base64 PNGs, or ``None`` without matplotlib."""
    from .plots import figure_png, plot_result

    w = _words(lang)
    captions = {
        "bands": "fig_bands",
        "ej": "fig_ej",
        "gaps": "fig_gaps",
        "ej_units": "fig_units",
        "flows": "fig_flows",
    }
    out = {}
    try:
        for kind, cap in captions.items():
            fig = plot_result(result, kind, lang=lang)
            data = base64.b64encode(figure_png(fig, dpi=100)).decode("ascii")
            out[kind] = (
                f"<figure id='fig-{kind}'><img alt='{_e(w[cap])}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{_e(w[cap])}</figcaption></figure>"
            )
    except ImportError:
        return None
    return out


def _reason_column(result: Result, lang: str) -> pd.Series:
    mv = result.moves
    col = f"reason_{lang}"
    if col in mv.columns:
        return mv[col].fillna("").astype(str)
    return mv["reason"].fillna("").astype(str) if "reason" in mv.columns else pd.Series([""] * len(mv))


def _summary_section(
    result: Result,
    report: CheckReport | None,
    w: Mapping[str, str],
    lang: str,
    figs: Mapping[str, str] | None,
) -> str:
    s = result.summary()
    pos = result.positions
    employees = int(s["employees"])
    out = [f"<section id='summary'><h2>{_e(w['summary'])}</h2>"]
    if result.has_plan:
        b0, b1 = float(s["balance_before"]), float(s["balance_after"])
        bb0, bb1 = _band_counts(pos, "band_before")[1], _band_counts(pos, "band_after")[1]
        lead = w["lead"].format(
            moves=_num(result.n_moves, 0, lang),
            employees=_num(employees, 0, lang),
            share=_pct(result.n_moves / max(employees, 1), lang),
            b0=_num(b0, 1, lang),
            b1=_num(b1, 1, lang),
            pct=_pct((b0 - b1) / b0 if b0 > 0 else 0.0, lang, 0),
            u0=_num(s["positions_under_staffed_before"], 0, lang),
            u1=_num(s["positions_under_staffed_after"], 0, lang),
            o0=_num(s["positions_over_staffed_before"], 0, lang),
            o1=_num(s["positions_over_staffed_after"], 0, lang),
            s0=_num(s["fte_short_before"], 1, lang),
            s1=_num(s["fte_short_after"], 1, lang),
            x0=_num(s["fte_surplus_before"], 1, lang),
            x1=_num(s["fte_surplus_after"], 1, lang),
            bb0=_num(bb0, 0, lang),
            bb1=_num(bb1, 0, lang),
        )
        status = result.status
        # "proven optimal" only when the independent check verifies the plan's claim
        verdict = report.verdict() if report is not None and status == "optimal" else None
        claim = _claim_note(result, w, lang, verdict)
        if claim:
            lead += " " + claim
        elif status == "optimal":
            lead += " " + w["optimal"]
        elif math.isfinite(result.gap):
            lead += " " + w["feasible_gap"].format(gap=_pct(result.gap, lang, 2))
        else:
            lead += " " + w["feasible"]
    else:
        lead = w["lead_none"].format(status=result.status)
    if report is not None:
        lead += " " + (w["check_ok"] if report.ok else w["check_bad"].format(n=len(report.violations)))
    out.append(f"<p class='lead'>{_e(lead)}</p>")
    cards = [
        (w["card_moves"], _num(result.n_moves, 0, lang), w["of"].format(n=_num(employees, 0, lang))),
        (
            w["card_b"],
            _num(s["balance_after"], 1, lang),
            f"{w['before']}: {_num(s['balance_before'], 1, lang)}",
        ),
        (
            w["card_short"],
            _num(s["positions_under_staffed_after"], 0, lang),
            f"{w['before']}: {_num(s['positions_under_staffed_before'], 0, lang)}",
        ),
        (
            w["card_surplus"],
            _num(s["positions_over_staffed_after"], 0, lang),
            f"{w['before']}: {_num(s['positions_over_staffed_before'], 0, lang)}",
        ),
        (
            w["card_balanced"],
            _num(_band_counts(pos, "band_after")[1], 0, lang),
            f"{w['before']}: {_num(_band_counts(pos, 'band_before')[1], 0, lang)}",
        ),
    ]
    out.append(
        "<div class='cards'>"
        + "".join(
            f"<div class='card'><div class='label'>{_e(a)}</div><div class='value'>{_e(b)}</div>"
            f"<div class='sub'>{_e(c)}</div></div>"
            for a, b, c in cards
        )
        + "</div>"
    )
    out.append(_bands_table(result, w, lang))
    if figs:
        out.append(figs["bands"])
    if result.diagnosis:
        out.append("<ul>" + "".join(f"<li>{_e(d)}</li>" for d in result.diagnosis) + "</ul>")
    out.append("</section>")
    return "".join(out)


def _balance_section(
    result: Result, w: Mapping[str, str], lang: str, figs: Mapping[str, str] | None, missing: bool
) -> str:
    out = [f"<section id='balance' class='page'><h2>{_e(w['balance'])}</h2>"]
    if figs is not None:
        out += [figs["ej"], figs["gaps"], figs["ej_units"], figs["flows"]]
    elif missing:
        out.append(f"<p class='note'>{_e(w['no_plots'])}</p>")
    pos = result.positions
    if len(pos):
        order = np.argsort(
            -np.nan_to_num(pos["gap_after"].abs().to_numpy(dtype=float), nan=-1.0), kind="stable"
        )
        top = pos.iloc[order[:15]]
        out.append(_positions_table(top, w, lang, caption=w["largest"], with_unit=True))
    out.append("</section>")
    return "".join(out)


def _positions_table(
    pos: pd.DataFrame, w: Mapping[str, str], lang: str, *, caption: str = "", with_unit: bool = False
) -> str:
    head = [(w["position"], False)]
    if with_unit:
        head.append((w["unit"], False))
    head += [
        (w["jabatan"], False),
        (w["need"], True),
        (f"{w['staff']} {w['before'].lower()}", True),
        (f"{w['staff']} {w['after'].lower()}", True),
        (w["gap"], True),
        (w["ej"], True),
        (w["direction"], False),
    ]
    rows = []
    for r in pos.itertuples(index=False):
        cells = [_e(r.position_id)]
        if with_unit:
            cells.append(_e(_name(r.unit_name, r.unit_id)))
        cells += [
            _e(r.jabatan),
            _num(r.need_fte, 2, lang),
            _fte(r.staff_before, lang),
            _fte(r.staff_after, lang),
            f"{_num(r.gap_before, 2, lang, sign=True)} \u2192 {_num(r.gap_after, 2, lang, sign=True)}",
            f"{_num(r.ej_before, 2, lang)} {_chip(r.band_before)} \u2192 {_num(r.ej_after, 2, lang)} "
            f"{_chip(r.band_after)}",
            f"{_direction(r.direction_before, w)} \u2192 {_direction(r.direction_after, w)}",
        ]
        rows.append(cells)
    return _table(head, rows, caption=caption, cls="positions")


def _units_section(result: Result, w: Mapping[str, str], lang: str) -> str:
    units = result.units
    pos = result.positions
    mv = result.moves
    outs = mv["from_unit"].astype(str).value_counts() if len(mv) else pd.Series(dtype=int)
    ins = mv["to_unit"].astype(str).value_counts() if len(mv) else pd.Series(dtype=int)
    out = [f"<section id='units' class='page'><h2>{_e(w['units'])}</h2>"]
    head = [
        (w["unit"], False),
        (w["need"], True),
        (f"{w['staff']} {w['before'].lower()}", True),
        (f"{w['staff']} {w['after'].lower()}", True),
        (w["moves_out"], True),
        (w["moves_in"], True),
        (w["eu"], True),
        (w["direction"], False),
    ]
    rows = []
    for r in units.itertuples(index=False):
        u = str(r.unit_id)
        name = _name(getattr(r, "unit_name", ""), u)
        rows.append(
            [
                f"<a href='#unit-{_e(u)}'>{_e(name)}</a> <small>({_e(u)})</small>",
                _num(r.need_fte, 2, lang),
                _fte(r.staff_before, lang),
                _fte(r.staff_after, lang),
                _num(int(outs.get(u, 0)), 0, lang),
                _num(int(ins.get(u, 0)), 0, lang),
                f"{_num(r.eu_before, 2, lang)} {_chip(r.band_before)} \u2192 {_num(r.eu_after, 2, lang)} "
                f"{_chip(r.band_after)}",
                f"{_direction(r.direction_before, w)} \u2192 {_direction(r.direction_after, w)}",
            ]
        )
    out.append(_table(head, rows, caption=w["units_all"], cls="units", row_class="unit"))
    groups = {str(k): g for k, g in pos.groupby(pos["unit_id"].astype(str), sort=False)}
    for r in units.itertuples(index=False):
        u = str(r.unit_id)
        g = groups.get(u)
        if g is None:
            continue
        name = _name(getattr(r, "unit_name", ""), u)
        sub = w["positions_of"].format(
            n=_num(len(g), 0, lang), m=_fte(r.staff_before, lang), k=_fte(r.staff_after, lang)
        )
        out.append(
            f"<div class='unit-block' id='unit-{_e(u)}'><h3>{_e(name)} ({_e(u)})</h3>"
            f"{_positions_table(g, w, lang, caption=sub)}</div>"
        )
    out.append("</section>")
    return "".join(out)


def _moves_section(result: Result, w: Mapping[str, str], lang: str) -> str:
    mv = result.moves
    out = [f"<section id='moves' class='page'><h2>{_e(w['moves'])}</h2>"]
    if not len(mv):
        out.append(f"<p class='note'>{_e(w['no_moves'])}</p></section>")
        return "".join(out)
    names = (
        result.units.set_index(result.units["unit_id"].astype(str))["unit_name"].to_dict()
        if ("unit_name" in result.units.columns)
        else {}
    )
    reasons = _reason_column(result, lang).to_numpy()
    order = np.lexsort((mv["employee_id"].astype(str).to_numpy(), mv["from_unit"].astype(str).to_numpy()))
    head = [
        (w["no"], True),
        (w["nip"], False),
        (w["name"], False),
        (w["from"], False),
        (w["to"], False),
        (w["reason"], False),
    ]
    rows = []
    for n, i in enumerate(order, start=1):
        r = mv.iloc[int(i)]

        def place(unit: Any, position: Any, jabatan: Any) -> str:
            uname = _name(names.get(str(unit)), unit)
            return f"{_e(uname)}<br><small>{_e(position)} \u00b7 {_e(jabatan)}</small>"

        rows.append(
            [
                str(n),
                _e(r["employee_id"]),
                _e(r.get("name", "")),
                place(r["from_unit"], r["from_position"], r.get("jabatan_from", "")),
                place(r["to_unit"], r["to_position"], r.get("jabatan_to", "")),
                f"<span class='reason'>{_e(reasons[int(i)])}</span>",
            ]
        )
    out.append(f"<p>{_e(w['n_moves'].format(n=_num(len(mv), 0, lang)))}</p>")
    out.append(_table(head, rows, cls="moves", row_class="move"))
    out.append("</section>")
    return "".join(out)


def _training_section(result: Result, w: Mapping[str, str], lang: str) -> str:
    out = [f"<section id='training'><h2>{_e(w['training'])}</h2>"]
    tr, totals = result.training, result.training_totals
    if tr is None or totals is None:
        out.append(f"<p class='note'>{_e(w['training_none'])}</p></section>")
        return "".join(out)
    if not len(tr):
        out.append(f"<p class='note'>{_e(w['training_empty'])}</p></section>")
        return "".join(out)
    names = (
        result.units.set_index(result.units["unit_id"].astype(str))["unit_name"].to_dict()
        if ("unit_name" in result.units.columns)
        else {}
    )
    head = [(w["unit"], False), (w["competency"], False), (w["people"], True), (w["levels"], True)]
    rows = [
        [
            _e(_name(names.get(str(r.unit_id)), r.unit_id)),
            _e(r.competency),
            _num(r.people, 0, lang),
            _num(r.levels, 0, lang),
        ]
        for r in totals.itertuples(index=False)
    ]
    out.append(_table(head, rows, caption=w["training_totals"], cls="training-totals"))
    head = [
        (w["nip"], False),
        (w["name"], False),
        (w["to"], False),
        (w["competency"], False),
        (w["level"], True),
        (w["standard"], True),
    ]
    rows = [
        [
            _e(r.employee_id),
            _e(r.name),
            f"{_e(_name(names.get(str(r.to_unit)), r.to_unit))}<br><small>{_e(r.to_position)}</small>",
            _e(r.competency),
            _num(r.level, 0, lang),
            _num(r.standard, 0, lang),
        ]
        for r in tr.itertuples(index=False)
    ]
    out.append(_table(head, rows, caption=w["training_people"], cls="training", row_class="training-row"))
    out.append("</section>")
    return "".join(out)


def _check_section(report: CheckReport | None, w: Mapping[str, str], lang: str) -> str:
    out = [f"<section id='check'><h2>{_e(w['check'])}</h2>"]
    if report is None:
        out.append("<p class='note'>-</p></section>")
        return "".join(out)
    if report.policy_source == "plan" and report.policy_differences:
        diffs = "; ".join(d.describe() for d in report.policy_differences)
        out.append(f"<p class='note'>{_e(w['check_policy'].format(diffs=diffs))}</p>")
    if report.ok:
        out.append(f"<p class='ok'>{_e(w['check_ok'])}</p>")
    else:
        out.append(f"<p class='bad'>{_e(w['check_bad'].format(n=len(report.violations)))}</p>")
        rows = [[f"<code>{_e(v.rule)}</code>", _e(v.message)] for v in report.violations[:500]]
        out.append(_table([(w["rule"], False), (w["message"], False)], rows, cls="violations"))
    out.append("</section>")
    return "".join(out)


def _about_section(
    result: Result, w: Mapping[str, str], lang: str, verdict: Mapping[str, Any] | None = None
) -> str:
    s = result.summary()
    gap = result.gap
    claim = _claim_note(result, w, lang, verdict)
    rows = [
        (w["status"], _e(result.status) + (f" <i>({_e(claim)})</i>" if claim else "")),
        (w["objective"], _num(result.objective, 4, lang)),
        (w["bound"], _num(result.bound, 4, lang)),
        (w["relgap"], _e(f"{gap:.1e}") if math.isfinite(gap) else "-"),
        (w["solver"], _e(s.get("solver", "-"))),
        (w["seconds"], _num(result.seconds, 2, lang)),
        (w["plan_date"], _e(s.get("plan_date", "-"))),
    ]
    if "source" in result.info:
        rows.append((w["source"], _e(result.info["source"])))
    versions = s.get("versions")
    if isinstance(versions, Mapping):
        rows.append((w["versions"], _e(", ".join(f"{k} {v}" for k, v in versions.items()))))
    out = [f"<section id='about'><h2>{_e(w['about'])}</h2>"]
    out.append(_table([("", False), (w["value"], False)], [[_e(k), v] for k, v in rows], cls="about"))
    policy = s.get("policy")
    if isinstance(policy, Mapping):
        prow = [[f"<code>{_e(k)}</code>", _e(v)] for k, v in policy.items()]
        out.append(_table([(w["policy"], False), (w["value"], False)], prow, cls="policy"))
    out.append("</section>")
    return "".join(out)


def html_report(
    problem: Problem,
    result: Result,
    lang: str = "id",
    *,
    title: str | None = None,
    plots: bool = True,
    horizon: HorizonResult | None = None,
) -> str:
    """One self-contained HTML document presenting a plan.

    Sections (ids of :data:`SECTIONS`): a summary for leadership (plain-language lead,
    key figures, bands before and after), the workload balance (EJ, gaps, units and flows
    plots, largest remaining gaps), a table per unit, the move list with reasons, the
    training plan, the independent rule check (:func:`asn_balance.check`) and how the plan
    was made (status, bound, solver, policy, versions). Plots are embedded as base64 PNG;
    the file loads nothing from elsewhere, and prints on A4 (print CSS: each large section
    on a new page, table headers repeated).

    Parameters
    ----------
    problem : Problem
        The data and policy the plan is checked against.
    result : Result
        The plan (from :func:`asn_balance.solve` or :func:`plan_result`).
    lang : {"id", "en"}
        Language of the report, numbers included (``1.234,5`` in Indonesian).
    title : str, optional
        Document title (default "Laporan Rencana Mutasi ASN" / "ASN Transfer Plan Report").
    plots : bool
        Embed the plots (needs matplotlib; without it a note says how to install it).
    horizon : HorizonResult, optional
        A five-year plan of the same data: its section (B per year, EU per unit per year,
        the rounds, the formasi request, its independent check) comes before "how the plan
        was made" (:func:`asn_balance.reports.horizon.horizon_section`).

    Returns
    -------
    str
        The HTML document.
    """
    from .._version import __version__
    from ..check.verifier import check

    w = _words(lang)
    title = title or w["title"]
    # the plan as the result records it: its policy, its input fingerprint, its claim
    report: CheckReport | None = check(problem, result) if result.has_plan else None
    figs = _figures(result, lang) if plots else None
    when = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    parts = [
        "<!DOCTYPE html>",
        f"<html lang='{lang}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<header class='doc'><h1>{_e(title)}</h1>"
        f"<p>{_e(w['generated'].format(when=when, version=__version__))}"
        f" \u00b7 {_e(w['plan_date'])} {_e(result.summary().get('plan_date', '-'))}</p></header>",
        _summary_section(result, report, w, lang, figs),
        _balance_section(result, w, lang, figs, missing=plots and figs is None),
        _units_section(result, w, lang),
        _moves_section(result, w, lang),
        _training_section(result, w, lang),
        _check_section(report, w, lang),
        _horizon(problem, horizon, lang, plots),
        _about_section(result, w, lang, report.verdict() if report is not None else None),
        "<footer>asn_balance \u00b7 " + _e(title) + "</footer></main></body></html>",
    ]
    return "".join(parts)


def _horizon(problem: Problem, horizon: HorizonResult | None, lang: str, plots: bool) -> str:
    """The five-year plan's section, checked on ``problem``; empty without one."""
    if horizon is None:
        return ""
    from ..check.horizon import check_horizon
    from .horizon import horizon_section

    report = check_horizon(problem, horizon) if horizon.has_plan else None
    return horizon_section(horizon, lang, report=report, plots=plots)


def write_report(
    problem: Problem,
    result: Result,
    path: str | PathLike[str],
    lang: str = "id",
    **kwargs: Any,
) -> Path:
    """Write :func:`html_report` to ``path`` (UTF-8, atomically).

    Parameters
    ----------
    problem : Problem
        Data and policy.
    result : Result
        The plan.
    path : path
        The ``.html`` file.
    lang : {"id", "en"}
        Language of the report.
    **kwargs
        Passed to :func:`html_report` (``title``, ``plots``).

    Returns
    -------
    Path
        The path written.
    """
    from ..io.files import atomic_write_text

    return atomic_write_text(path, html_report(problem, result, lang, **kwargs))
