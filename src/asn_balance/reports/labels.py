"""Words, numbers and HTML pieces shared by the HTML report and the notebook cards, in
Indonesian and English: one place for the labels, the band chips, number formats and tables."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from ..model.domain import BAND_COLORS, BAND_FILLS

if TYPE_CHECKING:
    from ..evaluate.result import Result

__all__ = ["SECTIONS", "section_titles"]

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
        "beban kerja B turun dari {b0} menjadi {b1} ({pct} lebih seimbang). Kekurangan pegawai: {s0} "
        "menjadi {s1} FTE di {u0} menjadi {u1} posisi; kelebihan pegawai: {x0} menjadi {x1} FTE di {o0} "
        "menjadi {o1} posisi; posisi seimbang (kelas B): {bb0} menjadi {bb1}.",
        "lead_none": "Tidak ada rencana: status {status}.",
        "optimal": "Rencana ini terbukti optimal untuk kebijakan yang dipakai.",
        "feasible": "Rencana ini layak; belum terbukti optimal.",
        "feasible_gap": "Rencana ini layak; selisih terhadap batas bawah terbukti {gap}.",
        "claim": "Rencana ini menyatakan dirinya {status} (nilai tujuan {objective}); klaim itu belum "
        "terverifikasi di sini: {why}.",
        "card_claim": "klaim rencana, belum terverifikasi",
        "check_policy": "Diperiksa dengan kebijakan yang dicatat rencana; kebijakan yang diberikan "
        "berbeda: {diffs}.",
        "doubt_violations": "rencana melanggar aturan",
        "doubt_input_changed": "data masukan bukan data tempat rencana dibuat",
        "doubt_input_unknown": "rencana tidak mencatat sidik data masukan (input_sha256)",
        "doubt_policy_differs": "kebijakan yang dipakai bukan kebijakan yang dicatat rencana",
        "doubt_policy_unknown": "rencana tidak mencatat kebijakannya",
        "doubt_objective_differs": "nilai tujuan yang dihitung ulang berbeda dari nilai rencana",
        "doubt_objective_unknown": "rencana tidak mencatat nilai tujuannya",
        "doubt_not_checked": "rencana belum diperiksa secara independen",
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
        "from {b0} to {b1} ({pct} more balanced). Staff short: {s0} to {s1} FTE in {u0} to {u1} positions; "
        "staff surplus: {x0} to {x1} FTE in {o0} to {o1} positions; balanced positions (band B): {bb0} "
        "to {bb1}.",
        "lead_none": "No plan: status {status}.",
        "optimal": "The plan is proven optimal under the policy used.",
        "feasible": "The plan is feasible; it is not proven optimal.",
        "feasible_gap": "The plan is feasible; its gap to the proven lower bound is {gap}.",
        "claim": "The plan claims to be {status} (objective {objective}); this is not verified here: {why}.",
        "card_claim": "the plan's claim, not verified",
        "check_policy": "Checked under the policy the plan records; the policy given differs: {diffs}.",
        "doubt_violations": "the plan breaks rules",
        "doubt_input_changed": "the input is not the one the plan was made from",
        "doubt_input_unknown": "the plan records no input hash (input_sha256)",
        "doubt_policy_differs": "the policy used is not the one the plan records",
        "doubt_policy_unknown": "the plan records no policy",
        "doubt_objective_differs": "the objective recomputed is not the plan's",
        "doubt_objective_unknown": "the plan records no objective",
        "doubt_not_checked": "the plan was not checked independently",
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


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _fte(x: Any, lang: str = "id") -> str:
    """Staff in FTE: whole numbers without decimals (``12``), part-timers with two (``2,50``)."""
    try:
        whole = float(round(float(x), 6)).is_integer()
    except (TypeError, ValueError):
        whole = True
    return _num(x, 0 if whole else 2, lang)


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


def _claim_note(
    result: Result, w: Mapping[str, str], lang: str, verdict: Mapping[str, Any] | None = None
) -> str:
    """The plan's claim to be optimal, worded as a claim, when the independent check does
    not verify it; ``""`` when it does or nothing is claimed.

    A result is verified when ``verdict["verified"]`` is true (by default the verdict in
    ``info["check"]``: :func:`asn_balance.solve` and
    :func:`~asn_balance.analysis.given_plan.plan_result` put the checker's verdict there). A
    plan whose claim :func:`plan_result` did not verify keeps it in ``info["planned"]``.
    """
    got_check, got_planned = result.info.get("check"), result.info.get("planned")
    recorded: Mapping[str, Any] = got_check if isinstance(got_check, Mapping) else {}
    planned: Mapping[str, Any] = got_planned if isinstance(got_planned, Mapping) else {}
    if result.status == "optimal":
        checked = verdict if verdict is not None else recorded
        if checked.get("verified") is True:
            return ""
        objective: Any = result.objective
        doubts = checked.get("doubts")
    elif planned.get("status") == "optimal":
        objective = planned.get("objective")
        doubts = recorded.get("doubts")
    else:
        return ""
    doubts = doubts or ["not_checked"]
    why = "; ".join(w.get(f"doubt_{d}", str(d)) for d in doubts)
    return w["claim"].format(status="optimal", objective=_num(objective, 4, lang), why=why)


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


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"
