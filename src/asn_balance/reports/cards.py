"""The Jupyter views of :class:`~asn_balance.model.problem.Problem` and
:class:`~asn_balance.evaluate.result.Result` (their ``_repr_html_``): summary figures and a
few rows only, so they stay fast for 10,000 employees."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..model import abk
from .labels import _BANDS, _bands_table, _chip, _claim_note, _e, _fte, _name, _num, _short, _table, _words

if TYPE_CHECKING:
    from ..evaluate.result import Result
    from ..model.problem import Problem

__all__ = ["problem_card", "result_card"]


def result_card(result: Result, lang: str | None = None) -> str:
    """A compact HTML view of a plan for Jupyter (``Result._repr_html_``).

    Shows the key figures, the band distribution before and after, the five positions with
    the largest gap after the plan and the first ten moves; nothing grows with the size of
    the problem beyond a sort of the positions.

    Parameters
    ----------
    result : Result
        A plan.
    lang : {"id", "en"}, optional
        Language; by default the language of the plan's move reasons.

    Returns
    -------
    str
        An HTML fragment.
    """
    from ..io.excel import infer_lang

    lang = infer_lang(result) if lang is None else lang
    w = _words(lang)
    s = result
    pos = result.positions
    heads = pos["headcount_before"] if "headcount_before" in pos else pos["staff_before"]
    rows = [
        (w["status"], _status_cell(result, w, lang)),
        (
            w["card_moves"],
            f"{_num(s.n_moves, 0, lang)} {_e(w['of'].format(n=_num(heads.sum(), 0, lang)))}",
        ),
        (w["card_b"], f"{_num(s.balance_before, 3, lang)} \u2192 {_num(s.balance_after, 3, lang)}"),
        (
            w["objective"],
            f"{_num(s.objective, 4, lang)} ({w['bound']} {_num(s.bound, 4, lang)}, "
            f"{w['relgap']} {_e(f'{s.gap:.1e}') if math.isfinite(s.gap) else '-'})",
        ),
        (
            w["card_short"],
            f"{int((pos['direction_before'] == 'kurang').sum())} \u2192 "
            f"{int((pos['direction_after'] == 'kurang').sum())}",
        ),
        (
            w["card_surplus"],
            f"{int((pos['direction_before'] == 'lebih').sum())} \u2192 "
            f"{int((pos['direction_after'] == 'lebih').sum())}",
        ),
        (w["position"], f"{_num(len(pos), 0, lang)} \u00b7 {w['unit']} {_num(len(result.units), 0, lang)}"),
        (w["seconds"], _num(s.seconds, 2, lang)),
    ]
    summary = "".join(f"<tr><th style='text-align:left'>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    out = [f"<div class='asn-balance-result'><table><caption>asn_balance Result</caption>{summary}</table>"]
    if result.diagnosis:
        out.append("<ul>" + "".join(f"<li>{_e(d)}</li>" for d in result.diagnosis[:10]) + "</ul>")
    out.append(_bands_table(result, w, lang))
    if len(pos):
        order = pos["gap_after"].abs().to_numpy(dtype=float)
        idx = np.argsort(-np.nan_to_num(order, nan=-1.0), kind="stable")[:5]
        top = pos.iloc[idx]
        head = [
            (w["position"], False),
            (w["unit"], False),
            (w["jabatan"], False),
            (w["need"], True),
            (w["staff"], True),
            (w["gap"], True),
            (w["ej"], True),
        ]
        trs = [
            [
                _e(r.position_id),
                _e(_name(r.unit_name, r.unit_id)),
                _e(r.jabatan),
                _num(r.need_fte, 2, lang),
                f"{_fte(r.staff_before, lang)} \u2192 {_fte(r.staff_after, lang)}",
                f"{_num(r.gap_before, 1, lang, sign=True)} \u2192 {_num(r.gap_after, 1, lang, sign=True)}",
                f"{_chip(r.band_before)} \u2192 {_chip(r.band_after)}",
            ]
            for r in top.itertuples(index=False)
        ]
        out.append(_table(head, trs, caption=w["largest"]))
    if len(result.moves):
        mv = result.moves.head(10)
        head = [
            (w["nip"], False),
            (w["name"], False),
            (w["from"], False),
            (w["to"], False),
            (w["reason"], False),
        ]
        trs = [
            [
                _e(r["employee_id"]),
                _e(r.get("name", "")),
                _e(r["from_position"]),
                _e(r["to_position"]),
                _e(_short(str(r.get("reason", "")), 180)),
            ]
            for r in mv.to_dict(orient="records")
        ]
        more = f" ({_num(len(result.moves), 0, lang)})" if len(result.moves) > 10 else ""
        out.append(_table(head, trs, caption=w["moves"] + more))
    out.append("</div>")
    return "".join(out)


def _status_cell(result: Result, w: dict[str, str], lang: str) -> str:
    """The status in bold, unless it is a claim the independent check did not verify
    (``info["check"]``): then in italics, with why it is not verified."""
    claim = _claim_note(result, w, lang)
    if not claim:
        return f"<b>{_e(result.status)}</b>"
    return f"<i>{_e(result.status)}</i> ({_e(w['card_claim'])}: <small>{_e(claim)}</small>)"


def _rules_on(problem: Problem) -> list[tuple[str, bool, str]]:
    """Each hard rule of the problem: name, whether it can bind, and what it says here."""
    p = problem.policy
    emp, pos, units = problem.employees, problem.positions, problem.units

    def count(frame: pd.DataFrame, col: str) -> int:
        if col not in frame.columns:
            return 0
        s = frame[col]
        if pd.api.types.is_bool_dtype(s):
            return int(s.sum())
        if pd.api.types.is_numeric_dtype(s):
            return int(s.notna().sum())
        return int((s.fillna("").astype(str).str.strip() != "").sum())

    status = emp["status"].astype(str).str.upper()
    n_births = int(emp["birth_date"].notna().sum()) if "birth_date" in emp.columns else 0
    min_staff = int((pos["min_staff"].fillna(0) > 0).sum()) if "min_staff" in pos.columns else 0
    spouses = count(emp, "spouse_id")
    part_time = int((problem.fte < 1.0).sum())
    rows = [
        ("cpns_stays", True, f"{int((status == 'CPNS').sum())} CPNS"),
        (
            "pppk_stays",
            not p.allow_pppk,
            f"{int((status == 'PPPK').sum())} PPPK" + ("" if not p.allow_pppk else " (allow_pppk)"),
        ),
        ("part_time", part_time > 0, f"{part_time} working less than full time"),
        ("locked", count(emp, "locked") > 0, f"{count(emp, 'locked')} employees"),
        ("min_months_in_position", p.min_months_in_position > 0, f">= {p.min_months_in_position} months"),
        (
            "same_jabatan",
            not p.allow_jabatan_change,
            "allow_jabatan_change" if p.allow_jabatan_change else "",
        ),
        (
            "retirement_buffer",
            p.retirement_buffer_months > 0 and n_births > 0,
            f"{p.retirement_buffer_months} months before BUP {p.retirement_age} ({n_births} birth dates)",
        ),
        ("discipline", count(emp, "discipline") > 0, f"{count(emp, 'discipline')} employees"),
        ("study_leave", count(emp, "study_leave") > 0, f"{count(emp, 'study_leave')} employees"),
        ("min_grade", count(pos, "min_grade") > 0, f"{count(pos, 'min_grade')} positions"),
        ("max_grade", count(pos, "max_grade") > 0, f"{count(pos, 'max_grade')} positions"),
        ("min_education", count(pos, "min_education") > 0, f"{count(pos, 'min_education')} positions"),
        (
            "required_competencies",
            count(pos, "required_competencies") > 0,
            f"{count(pos, 'required_competencies')} positions",
        ),
        ("min_staff", min_staff > 0, f"{min_staff} positions"),
        ("max_staff", count(pos, "max_staff") > 0, f"{count(pos, 'max_staff')} positions"),
        ("max_moves", p.max_moves is not None, "" if p.max_moves is None else f"<= {p.max_moves} moves"),
        (
            "volunteers_only_to_preferences",
            p.volunteers_only_to_preferences and count(emp, "volunteer") > 0,
            f"{count(emp, 'volunteer')} volunteers",
        ),
        (
            "spouse_same_unit",
            p.spouses_hard and spouses > 0,
            f"{spouses} with spouse_id" + ("" if p.spouses_hard else " (soft: spouse_weight)"),
        ),
        ("max_moves_out", count(units, "max_moves_out") > 0, f"{count(units, 'max_moves_out')} units"),
        ("max_moves_in", count(units, "max_moves_in") > 0, f"{count(units, 'max_moves_in')} units"),
        ("coverage", count(units, "coverage") > 0, f"{count(units, 'coverage')} units"),
    ]
    return rows


def problem_card(problem: Problem) -> str:
    """A compact HTML view of a problem for Jupyter (``Problem._repr_html_``).

    Sizes (employees by status, positions, units, tasks), workload, need and staff, the
    balance ``B`` and the band distribution now, the policy's key settings and which hard
    rules can bind on this data. Vectorised counts only: fast for 10,000 employees.

    Parameters
    ----------
    problem : Problem
        The problem.

    Returns
    -------
    str
        An HTML fragment.
    """
    p = problem.policy
    emp = problem.employees
    staff = problem.staff
    need = problem.need
    fte_note = "" if float(staff.sum()) == problem.n_employees else f" ({float(staff.sum()):,.2f} FTE)"
    now = abk.staffing(problem.workload, staff, need, p.effective_hours)
    bands = pd.Series(now["band"]).value_counts().reindex(list(_BANDS), fill_value=0)
    direction = pd.Series(now["direction"]).value_counts()
    by_status = emp["status"].astype(str).value_counts()
    status_text = ", ".join(f"{_e(k)} {int(v):,}" for k, v in by_status.items())
    rows = [
        ("employees", f"{problem.n_employees:,} ({status_text})"),
        ("positions (unit x jabatan)", f"{problem.n_positions:,}"),
        ("units", f"{problem.n_units:,}"),
        ("ABK tasks", f"{len(problem.tasks):,}"),
        ("workload (beban kerja, h/year)", f"{problem.workload.sum():,.0f}"),
        ("need (kebutuhan, FTE)", f"{need.sum():,.1f} at WKE {p.effective_hours:,.0f} h"),
        ("staff now", f"{int(problem.headcount.sum()):,}{fte_note}"),
        ("balance B now", f"{problem.balance():,.3f}"),
        (
            "positions kurang / pas / lebih",
            " / ".join(f"{int(direction.get(d, 0)):,}" for d in ("kurang", "pas", "lebih")),
        ),
        ("EJ bands now", " ".join(f"{_chip(b)} {int(bands[b]):,}" for b in _BANDS)),
        ("plan date", _e(p.date().isoformat())),
        (
            "objective",
            _e(
                f"move_cost={p.move_cost:g}, preference_weight={p.preference_weight:g}, "
                f"spouse_weight={p.spouse_weight:g}, fit_weight={p.fit_weight:g}, "
                f"rotation_weight={p.rotation_weight:g}" + (", lexicographic" if p.lexicographic else "")
            ),
        ),
    ]
    body = "".join(f"<tr><th style='text-align:left'>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    rules = "".join(
        f"<tr><td><code>{_e(name)}</code></td><td>{'on' if on else 'off'}</td><td>{_e(detail)}</td></tr>"
        for name, on, detail in _rules_on(problem)
    )
    warn = ""
    if problem.warnings:
        warn = f"<p>{len(problem.warnings)} warnings, e.g. {_e(problem.warnings[0])}</p>"
    return (
        f"<div class='asn-balance-problem'><table><caption>asn_balance Problem</caption>{body}</table>"
        f"<table><caption>rules</caption><thead><tr><th>rule</th><th>state</th><th>here</th></tr></thead>"
        f"<tbody>{rules}</tbody></table>{warn}</div>"
    )
