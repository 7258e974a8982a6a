"""Reports of a plan: one self-contained HTML file for leadership, and the notebook views.

:func:`html_report` turns a problem and a plan into one HTML document: a summary for
leadership, the workload balance before and after (plots embedded as base64 PNG; no external
URL, script or font), a table per unit, the list of moves with their reasons, the training plan
and the independent rule check; it prints cleanly on A4 (print CSS). :func:`plan_result`
re-evaluates a plan written by ``asn-balance plan --out`` on the data, without solving, so
the report shows exactly the given moves. ``asn-balance report DATA PLAN --out report.html``
does both.

:func:`result_card` and :func:`problem_card` are the Jupyter views of
:class:`~asn_balance.result.Result` and :class:`~asn_balance.problem.Problem`: summary
figures and a few rows only, so they stay fast for 10,000 employees.

>>> problem = ab.Problem.read("data/")                           # doctest: +SKIP
>>> result = plan_result(problem, "plan.xlsx")                   # doctest: +SKIP
>>> write_report(problem, result, "report.html", lang="id")      # doctest: +SKIP
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import math
import time
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np
import pandas as pd

from .errors import InputError
from .plots import BAND_COLORS, BAND_FILLS

if TYPE_CHECKING:
    from .check import CheckReport
    from .problem import Problem
    from .result import Result

__all__ = [
    "SECTIONS",
    "html_report",
    "plan_result",
    "problem_card",
    "result_card",
    "section_titles",
    "write_report",
]

#: The sections of :func:`html_report`, by their HTML ``id``, in order.
SECTIONS: Final[tuple[str, ...]] = ("summary", "balance", "units", "moves", "training", "check", "about")

_BANDS = ("A", "B", "C", "D", "E")

_T: Final[dict[str, dict[str, str]]] = {
    "id": {
        "title": "Laporan Rencana Mutasi ASN",
        "summary": "Ringkasan untuk pimpinan",
        "balance": "Keseimbangan beban kerja",
        "units": "Per unit kerja",
        "moves": "Daftar mutasi",
        "training": "Rencana pengembangan kompetensi",
        "check": "Pemeriksaan aturan",
        "about": "Tentang rencana ini",
        "generated": "Dibuat {when} dengan asn_balance {version}",
        "lead": "Rencana ini memindahkan {moves} dari {employees} pegawai ({share}). Ketidakseimbangan "
        "beban kerja B turun dari {b0} menjadi {b1} ({pct} lebih seimbang). Posisi yang kekurangan "
        "pegawai: {u0} menjadi {u1}; posisi yang kelebihan pegawai: {o0} menjadi {o1}; posisi seimbang "
        "(kelas B): {bb0} menjadi {bb1}.",
        "lead_none": "Tidak ada rencana: status {status}.",
        "optimal": "Rencana ini terbukti optimal untuk kebijakan yang dipakai.",
        "feasible": "Rencana ini layak; belum terbukti optimal.",
        "feasible_gap": "Rencana ini layak; selisih terhadap batas bawah terbukti {gap}.",
        "check_ok": "Pemeriksaan independen: semua aturan mutasi terpenuhi.",
        "check_bad": "Pemeriksaan independen menemukan {n} pelanggaran aturan "
        "(lihat \u201cPemeriksaan aturan\u201d).",
        "card_moves": "Pegawai dimutasi",
        "card_b": "Ketidakseimbangan B",
        "card_short": "Posisi kurang pegawai",
        "card_surplus": "Posisi lebih pegawai",
        "card_balanced": "Posisi seimbang (kelas B)",
        "of": "dari {n}",
        "bands_caption": "Jumlah posisi per kelas EJ (EJ > 1: kurang pegawai; EJ < 1: lebih pegawai)",
        "before": "Sebelum",
        "after": "Sesudah",
        "band_A": "A \u00b7 > 1,00 \u00b7 kurang pegawai",
        "band_B": "B \u00b7 0,90\u20131,00 \u00b7 seimbang",
        "band_C": "C \u00b7 0,70\u20130,89",
        "band_D": "D \u00b7 0,50\u20130,69",
        "band_E": "E \u00b7 < 0,50 \u00b7 lebih pegawai",
        "no_plots": "Grafik tidak tersedia: pasang matplotlib (pip install 'asn-balance[plot]').",
        "fig_bands": "Jumlah posisi per kelas EJ sebelum dan sesudah mutasi.",
        "fig_ej": "EJ setiap posisi, diurutkan; area berwarna adalah kelas EJ.",
        "fig_gaps": "Sebaran selisih pegawai (pegawai \u2212 kebutuhan) per posisi.",
        "fig_units": "EU unit kerja dengan selisih terbesar, sebelum dan sesudah.",
        "fig_flows": "Aliran mutasi antar unit kerja.",
        "largest": "Posisi dengan selisih terbesar sesudah mutasi",
        "units_all": "Ringkasan unit kerja",
        "unit": "Unit kerja",
        "position": "Posisi",
        "jabatan": "Jabatan",
        "need": "Kebutuhan (FTE)",
        "staff": "Pegawai",
        "gap": "Selisih",
        "ej": "EJ",
        "eu": "EU",
        "direction": "Arah",
        "moves_out": "Keluar",
        "moves_in": "Masuk",
        "no": "No",
        "nip": "NIP",
        "name": "Nama",
        "from": "Dari",
        "to": "Ke",
        "reason": "Alasan",
        "no_moves": "Rencana ini tidak memindahkan siapa pun.",
        "n_moves": "{n} mutasi, diurutkan menurut unit asal.",
        "training_none": "Posisi tidak memuat standar kompetensi, jadi tidak ada rencana pelatihan.",
        "training_empty": "Semua pegawai yang dimutasi memenuhi standar kompetensi posisi tujuan.",
        "training_totals": "Kebutuhan pelatihan per unit tujuan dan kompetensi",
        "training_people": "Pegawai yang perlu pelatihan",
        "competency": "Kompetensi",
        "people": "Pegawai",
        "levels": "Tingkat kurang",
        "level": "Tingkat",
        "standard": "Standar",
        "rule": "Aturan",
        "message": "Keterangan",
        "status": "Status",
        "objective": "Fungsi tujuan",
        "bound": "Batas bawah",
        "relgap": "Selisih relatif",
        "solver": "Metode",
        "seconds": "Waktu (detik)",
        "plan_date": "Tanggal rencana",
        "source": "Sumber rencana",
        "policy": "Kebijakan",
        "versions": "Versi",
        "value": "Nilai",
        "direction_kurang": "kurang",
        "direction_lebih": "lebih",
        "direction_pas": "pas",
        "positions_of": "{n} posisi, {m} pegawai sebelum, {k} sesudah",
    },
    "en": {
        "title": "ASN Transfer Plan Report",
        "summary": "Summary for leadership",
        "balance": "Workload balance",
        "units": "By unit",
        "moves": "List of moves",
        "training": "Training plan",
        "check": "Rule check",
        "about": "About this plan",
        "generated": "Generated {when} with asn_balance {version}",
        "lead": "This plan moves {moves} of {employees} employees ({share}). The workload imbalance B falls "
        "from {b0} to {b1} ({pct} more balanced). Under-staffed positions: {u0} to {u1}; over-staffed "
        "positions: {o0} to {o1}; balanced positions (band B): {bb0} to {bb1}.",
        "lead_none": "No plan: status {status}.",
        "optimal": "The plan is proven optimal under the policy used.",
        "feasible": "The plan is feasible; it is not proven optimal.",
        "feasible_gap": "The plan is feasible; its gap to the proven lower bound is {gap}.",
        "check_ok": "Independent check: every mutasi rule holds.",
        "check_bad": "The independent check found {n} rule violations (see \u201cRule check\u201d).",
        "card_moves": "Employees moved",
        "card_b": "Imbalance B",
        "card_short": "Under-staffed positions",
        "card_surplus": "Over-staffed positions",
        "card_balanced": "Balanced positions (band B)",
        "of": "of {n}",
        "bands_caption": "Positions per EJ band (EJ > 1: under-staffed; EJ < 1: over-staffed)",
        "before": "Before",
        "after": "After",
        "band_A": "A \u00b7 > 1.00 \u00b7 under-staffed",
        "band_B": "B \u00b7 0.90\u20131.00 \u00b7 balanced",
        "band_C": "C \u00b7 0.70\u20130.89",
        "band_D": "D \u00b7 0.50\u20130.69",
        "band_E": "E \u00b7 < 0.50 \u00b7 over-staffed",
        "no_plots": "Charts unavailable: install matplotlib (pip install 'asn-balance[plot]').",
        "fig_bands": "Positions per EJ band before and after the moves.",
        "fig_ej": "EJ of every position, sorted; the coloured areas are the EJ bands.",
        "fig_gaps": "Distribution of the staffing gap (staff \u2212 need) per position.",
        "fig_units": "EU of the units with the largest gap, before and after.",
        "fig_flows": "Moves between units.",
        "largest": "Positions with the largest gap after the moves",
        "units_all": "Units at a glance",
        "unit": "Unit",
        "position": "Position",
        "jabatan": "Jabatan",
        "need": "Need (FTE)",
        "staff": "Staff",
        "gap": "Gap",
        "ej": "EJ",
        "eu": "EU",
        "direction": "Direction (kurang/lebih)",
        "moves_out": "Out",
        "moves_in": "In",
        "no": "No",
        "nip": "NIP",
        "name": "Name",
        "from": "From",
        "to": "To",
        "reason": "Reason",
        "no_moves": "This plan moves nobody.",
        "n_moves": "{n} moves, by unit of origin.",
        "training_none": "The positions give no competency standard, so there is no training plan.",
        "training_empty": "Every mover meets the competency standard of the target position.",
        "training_totals": "Training needs per target unit and competency",
        "training_people": "Employees who need training",
        "competency": "Competency",
        "people": "People",
        "levels": "Levels missing",
        "level": "Level",
        "standard": "Standard",
        "rule": "Rule",
        "message": "Detail",
        "status": "Status",
        "objective": "Objective",
        "bound": "Lower bound",
        "relgap": "Relative gap",
        "solver": "Solver",
        "seconds": "Time (seconds)",
        "plan_date": "Plan date",
        "source": "Plan source",
        "policy": "Policy",
        "versions": "Versions",
        "value": "Value",
        "direction_kurang": "short",
        "direction_lebih": "surplus",
        "direction_pas": "balanced",
        "positions_of": "{n} positions, {m} staff before, {k} after",
    },
}

_CSS = """
:root{--ink:#1d2733;--muted:#5b6775;--line:#d8dee6;--head:#1F4E79;--zebra:#f5f7fa}
*{box-sizing:border-box}
body{font-family:"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);margin:0;
  background:#fff;font-size:14px;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
header.doc{border-bottom:3px solid var(--head);padding-bottom:10px;margin-bottom:18px}
header.doc h1{margin:0 0 4px;font-size:26px;color:var(--head)}
header.doc p{margin:0;color:var(--muted)}
h2{font-size:20px;color:var(--head);border-bottom:1px solid var(--line);padding-bottom:4px;margin:34px 0 12px}
h3{font-size:15px;margin:22px 0 6px}
p.lead{font-size:15.5px;max-width:960px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
.card{flex:1 1 190px;border:1px solid var(--line);border-left:5px solid var(--head);border-radius:6px;
  padding:10px 14px;background:#fbfcfe}
.card .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.card .value{font-size:24px;font-weight:600}
.card .sub{font-size:12.5px;color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:8px 0 14px;font-size:12.5px}
caption{text-align:left;font-weight:600;padding:4px 0;color:var(--ink)}
th,td{border:1px solid var(--line);padding:4px 7px;vertical-align:top}
thead th{background:var(--head);color:#fff;text-align:left;font-weight:600}
tbody tr:nth-child(even){background:var(--zebra)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.reason{min-width:300px}
table.positions td:first-child,table.moves td:nth-child(2){white-space:nowrap}
.chip{display:inline-block;min-width:1.7em;padding:0 5px;border-radius:3px;text-align:center;font-weight:700;
  border:1px solid rgba(0,0,0,.15)}
.kurang{color:#9C0006;font-weight:600}.lebih{color:#1F4E79;font-weight:600}.pas{color:#375623}
figure{margin:10px 0 18px;page-break-inside:avoid;break-inside:avoid}
figure img{max-width:100%;height:auto;border:1px solid var(--line)}
figcaption{font-size:12.5px;color:var(--muted)}
.note{color:var(--muted);font-style:italic}
.ok{color:#375623;font-weight:600}.bad{color:#9C0006;font-weight:600}
.unit-block{break-inside:auto}
footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@page{size:A4;margin:14mm 12mm}
@media print{
  body{font-size:10.5pt}
  main{max-width:none;padding:0}
  h2{break-after:avoid;page-break-after:avoid}
  h3{break-after:avoid;page-break-after:avoid}
  section.page{break-before:page;page-break-before:always}
  thead{display:table-header-group}
  tr{break-inside:avoid;page-break-inside:avoid}
  .card{break-inside:avoid}
  table{font-size:8.5pt}
  a{color:inherit;text-decoration:none}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


# --------------------------------------------------------------------------- formatting


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _num(x: Any, digits: int = 2, lang: str = "id", sign: bool = False) -> str:
    """A number with thousands separators and fixed decimals (``1.234,56`` in Indonesian)."""
    if x is None or isinstance(x, str):
        return "-" if x is None else x
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "\u221e" if v > 0 else "-\u221e"
    s = f"{v:+,.{digits}f}" if sign else f"{v:,.{digits}f}"
    if lang == "id":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def _pct(x: float, lang: str, digits: int = 1) -> str:
    return _num(100 * x, digits, lang) + "%" if math.isfinite(x) else "-"


def _chip(band: Any) -> str:
    b = str(band)
    if b not in BAND_FILLS:
        return f"<span class='chip'>{_e(b)}</span>"
    return (
        f"<span class='chip band-{b}' style='background:#{BAND_FILLS[b]};color:{BAND_COLORS[b]}'>{b}</span>"
    )


def _name(name: Any, fallback: Any) -> str:
    """A display name, or ``fallback`` when it is blank or missing."""
    if name is None or (isinstance(name, float) and math.isnan(name)) or not str(name).strip():
        return str(fallback)
    return str(name)


def _direction(d: Any, w: Mapping[str, str]) -> str:
    s = str(d)
    return f"<span class='{_e(s)}'>{_e(w.get(f'direction_{s}', s))}</span>"


def _words(lang: str) -> dict[str, str]:
    if lang not in _T:
        raise ValueError(f"lang must be 'id' or 'en', got {lang!r}")
    return _T[lang]


def section_titles(lang: str = "id") -> dict[str, str]:
    """The heading of each section of :func:`html_report`, by section id.

    Parameters
    ----------
    lang : {"id", "en"}
        Language.

    Returns
    -------
    dict of str to str
        ``{section id: heading}`` in the order of :data:`SECTIONS`.
    """
    w = _words(lang)
    return {s: w[s] for s in SECTIONS}


def _table(
    head: Sequence[tuple[str, bool]],
    rows: Sequence[Sequence[str]],
    *,
    caption: str = "",
    cls: str = "",
    row_class: str = "",
) -> str:
    """An HTML table: ``head`` as ``(label, numeric)``, cells already HTML."""
    th = "".join(f"<th class='num'>{_e(h)}</th>" if n else f"<th>{_e(h)}</th>" for h, n in head)
    rc = f" class='{row_class}'" if row_class else ""
    body = "".join(
        f"<tr{rc}>"
        + "".join(
            f"<td class='num'>{c}</td>" if n else f"<td>{c}</td>" for c, (_, n) in zip(r, head, strict=True)
        )
        + "</tr>"
        for r in rows
    )
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    klass = f" class='{cls}'" if cls else ""
    return f"<table{klass}>{cap}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _band_counts(pos: pd.DataFrame, col: str) -> list[int]:
    return [int(v) for v in pos[col].value_counts().reindex(list(_BANDS), fill_value=0)]


def _bands_table(result: Result, w: Mapping[str, str], lang: str) -> str:
    pos = result.positions
    head = [("", False)] + [(w[f"band_{b}"], True) for b in _BANDS]
    rows = []
    for when in ("before", "after"):
        counts = _band_counts(pos, f"band_{when}")
        rows.append([f"<b>{_e(w[when])}</b>", *(_num(c, 0, lang) for c in counts)])
    table = _table(head, rows, caption=w["bands_caption"], cls="bands")
    chips = "".join(
        f"<span style='margin-right:10px'>{_chip(b)} {_e(w[f'band_{b}'][4:])}</span>" for b in _BANDS
    )
    return table + f"<p class='legend'>{chips}</p>"


# --------------------------------------------------------------------------- notebook views


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
    from .excel import infer_lang

    lang = infer_lang(result) if lang is None else lang
    w = _words(lang)
    s = result
    pos = result.positions
    rows = [
        (w["status"], f"<b>{_e(s.status)}</b>"),
        (
            w["card_moves"],
            f"{_num(s.n_moves, 0, lang)} {_e(w['of'].format(n=_num(pos['staff_before'].sum(), 0, lang)))}",
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
                f"{int(r.staff_before)} \u2192 {int(r.staff_after)}",
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


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


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
    rows = [
        ("cpns_stays", True, f"{int((status == 'CPNS').sum())} CPNS"),
        (
            "pppk_stays",
            not p.allow_pppk,
            f"{int((status == 'PPPK').sum())} PPPK" + ("" if not p.allow_pppk else " (allow_pppk)"),
        ),
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
    from . import abk
    from .domain import band_of, direction_of

    p = problem.policy
    emp = problem.employees
    staff = problem.staff
    need = problem.need
    ej = abk.efficiency(problem.workload, staff, p.effective_hours)
    bands = pd.Series(band_of(ej)).value_counts().reindex(list(_BANDS), fill_value=0)
    direction = pd.Series(direction_of(staff, need)).value_counts()
    by_status = emp["status"].astype(str).value_counts()
    status_text = ", ".join(f"{_e(k)} {int(v):,}" for k, v in by_status.items())
    rows = [
        ("employees", f"{problem.n_employees:,} ({status_text})"),
        ("positions (unit x jabatan)", f"{problem.n_positions:,}"),
        ("units", f"{problem.n_units:,}"),
        ("ABK tasks", f"{len(problem.tasks):,}"),
        ("workload (beban kerja, h/year)", f"{problem.workload.sum():,.0f}"),
        ("need (kebutuhan, FTE)", f"{need.sum():,.1f} at WKE {p.effective_hours:,.0f} h"),
        ("staff now", f"{int(staff.sum()):,}"),
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


# --------------------------------------------------------------------------- a plan from a file


def _plan_summary(plan: Any) -> dict[str, Any]:
    """The summary a plan file carries (status, objective, bound, ...), or ``{}``."""
    from .compare import read_plan_document

    try:
        return dict(read_plan_document(plan).summary)
    except (InputError, TypeError, ValueError, OSError):
        return {}


def _finite(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v if math.isfinite(v) else float("nan")


def plan_result(problem: Problem, plan: Any, *, lang: str = "id") -> Result:
    """The :class:`Result` of a given plan on ``problem``, without solving.

    The moves are read with :func:`asn_balance.io.read_plan` and evaluated on the data and
    policy of ``problem``: per-position and per-unit metrics, objective terms, reasons and
    training needs exactly as :func:`asn_balance.solve` reports them, for these moves. A row
    that moves an employee to their current position is no move and is left out. The status
    is the plan's own (``optimal`` with its bound) only when the plan file says so and its
    objective is the one recomputed here; otherwise ``feasible`` without a bound. Whether
    the plan keeps the rules is in ``info["check"]`` (run :func:`asn_balance.check` for the
    details).

    Parameters
    ----------
    problem : Problem
        Data and policy.
    plan : path, DataFrame, mapping or Result
        A plan written by ``asn-balance plan --out`` (``.json``, ``.xlsx``, folder or a moves
        ``.csv``), a moves table (``employee_id``, ``to_position``), a mapping with a
        ``moves`` table, or a Result.
    lang : {"id", "en"}
        Language of the move reasons.

    Returns
    -------
    Result

    Raises
    ------
    InputError
        The plan cannot be read, or names an employee (``unknown_employee``) or a position
        (``unknown_position``) that is not in the data.
    """
    from .check import check
    from .engine import AssignmentModel, EngineSolution
    from .io import read_plan
    from .planner import Compiled, build_result
    from .result import Result

    t0 = time.perf_counter()
    if isinstance(plan, Result):
        frame = plan.moves[["employee_id", "to_position"]].astype(str).reset_index(drop=True)
        summary: dict[str, Any] = plan.summary()
        source = "Result"
    else:
        frame = read_plan(plan)
        summary = _plan_summary(plan) if isinstance(plan, (str, PathLike)) else {}
        source = str(plan) if isinstance(plan, (str, PathLike)) else type(plan).__name__
    e, t = problem.move_indices(frame)
    real = problem.employee_position[e] != t
    e, t = e[real].astype(np.int64), t[real].astype(np.int64)
    k = len(e)
    groups = np.full(problem.n_employees, -1, dtype=np.int64)
    groups[e] = np.arange(k, dtype=np.int64)
    comp = Compiled(
        model=cast(AssignmentModel, SimpleNamespace(n_groups=k)),
        eligibility=cast(Any, None),
        employee_group=groups,
    )
    after = problem.staff.copy()
    np.add.at(after, problem.employee_position[e], -1)
    np.add.at(after, t, 1)
    moves = pd.DataFrame(
        {
            "employee_id": problem.employee_index[e].astype(str),
            "to_position": problem.position_index[t].astype(str),
        }
    )
    report = check(problem, moves)
    planned = str(summary.get("status", "") or "")
    planned_obj = _finite(summary.get("objective"))
    same = planned in ("optimal", "feasible") and math.isclose(
        planned_obj, report.objective, rel_tol=1e-6, abs_tol=1e-6
    )
    status = planned if same else "feasible"
    bound = _finite(summary.get("bound")) if same else float("nan")
    sol = EngineSolution(
        status=status,
        objective=report.objective,
        bound=bound,
        staff=after,
        move_group=np.arange(k, dtype=np.int64),
        move_bin=t,
        move_count=np.ones(k, dtype=np.int64),
        seconds=0.0,
        solver="given plan",
        moves=k,
    )
    extra: dict[str, Any] = {
        "source": source,
        "planned": {
            key: summary.get(key)
            for key in ("status", "objective", "bound", "solver", "plan_date")
            if key in summary
        },
        "check": {"ok": report.ok, "violations": len(report.violations)},
        "ignored_rows": int((~real).sum()),
    }
    return build_result(problem, comp, sol, t0, lang=lang, extra=extra)


# --------------------------------------------------------------------------- the HTML report


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
            bb0=_num(bb0, 0, lang),
            bb1=_num(bb1, 0, lang),
        )
        status = result.status
        if status == "optimal":
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
            _num(r.staff_before, 0, lang),
            _num(r.staff_after, 0, lang),
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
                _num(r.staff_before, 0, lang),
                _num(r.staff_after, 0, lang),
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
            n=_num(len(g), 0, lang), m=_num(r.staff_before, 0, lang), k=_num(r.staff_after, 0, lang)
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
    if report.ok:
        out.append(f"<p class='ok'>{_e(w['check_ok'])}</p>")
    else:
        out.append(f"<p class='bad'>{_e(w['check_bad'].format(n=len(report.violations)))}</p>")
        rows = [[f"<code>{_e(v.rule)}</code>", _e(v.message)] for v in report.violations[:500]]
        out.append(_table([(w["rule"], False), (w["message"], False)], rows, cls="violations"))
    out.append("</section>")
    return "".join(out)


def _about_section(result: Result, w: Mapping[str, str], lang: str) -> str:
    s = result.summary()
    gap = result.gap
    rows = [
        (w["status"], _e(result.status)),
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

    Returns
    -------
    str
        The HTML document.
    """
    from . import __version__
    from .check import check

    w = _words(lang)
    title = title or w["title"]
    report: CheckReport | None = check(problem, result.moves) if result.has_plan else None
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
        _about_section(result, w, lang),
        "<footer>asn_balance \u00b7 " + _e(title) + "</footer></main></body></html>",
    ]
    return "".join(parts)


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
    from .io import atomic_write_text

    return atomic_write_text(path, html_report(problem, result, lang, **kwargs))
