"""Notices of a draft plan: one printable HTML page per employee it moves, for the
consultation round (``docs/consultation.md``).

Each notice names the employee, the position held and the one proposed (jabatan, unit),
why (the plan's reason for the move, in words), the training offered (the plan's training
plan: every competency below the target's standard) and how and by when to answer
(``setuju``, ``keberatan`` or ``usul`` with a position). An index page lists them all, and
a ``responses.csv`` template (one row per employee noticed, the answer blank) comes back
filled to :func:`asn_balance.revise`.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..evaluate.result import Result
from ..model.problem import Problem

__all__ = ["Notices", "notices"]

_T = {
    "id": {
        "title": "Pemberitahuan rancangan mutasi",
        "index": "Daftar pemberitahuan rancangan mutasi",
        "dear": "Yth. {name} (NIP {nip})",
        "intro": "Rancangan rencana mutasi tanggal {date} mengusulkan perpindahan Anda. Ini belum "
        "keputusan: Anda diminta menyampaikan tanggapan.",
        "intro_stay": "Anda mengajukan mutasi atas permintaan sendiri. Rancangan rencana mutasi tanggal "
        "{date} belum memindahkan Anda. Ini belum keputusan: Anda dapat menyampaikan tanggapan.",
        "now": "Jabatan sekarang",
        "proposed": "Jabatan yang diusulkan",
        "position": "posisi {p}, {j}, unit {u}",
        "why": "Alasan",
        "training": "Pengembangan kompetensi yang disediakan",
        "no_training": "Tidak diperlukan pengembangan kompetensi untuk jabatan ini.",
        "train_row": "{c}: tingkat {h} menuju standar {s}",
        "how": "Cara menanggapi",
        "how_text": "Isi baris Anda pada formulir tanggapan (responses.csv) paling lambat {by}, dengan salah "
        "satu jawaban: <b>setuju</b> (menerima usulan ini), <b>keberatan</b> (ingin tetap di "
        "jabatan sekarang; tuliskan alasan pada kolom catatan) atau <b>usul</b> (mengusulkan posisi "
        "lain; tuliskan kode posisi pada kolom target_position). Pegawai yang tidak menanggapi "
        "mengikuti rancangan kecuali perubahan jelas memperbaiki rencana.",
        "count": "{n} pemberitahuan",
        "col_nip": "NIP",
        "col_name": "Nama",
        "col_from": "Dari",
        "col_to": "Ke",
        "stay": "tetap",
    },
    "en": {
        "title": "Notice of a draft transfer",
        "index": "Notices of the draft transfer plan",
        "dear": "To {name} (NIP {nip})",
        "intro": "The draft transfer plan of {date} proposes to move you. This is not a decision yet: you "
        "are asked for your response.",
        "intro_stay": "You asked to be transferred. The draft transfer plan of {date} does not move you yet. "
        "This is not a decision: you may respond.",
        "now": "Current position",
        "proposed": "Proposed position",
        "position": "position {p}, {j}, unit {u}",
        "why": "Why",
        "training": "Training offered",
        "no_training": "No training is needed for this position.",
        "train_row": "{c}: level {h} towards the standard {s}",
        "how": "How to respond",
        "how_text": "Fill in your row of the response form (responses.csv) by {by}, with one answer: "
        "<b>accept</b> (setuju: you agree), <b>object</b> (keberatan: you wish to stay; give your "
        "reason in the note column) or <b>request</b> (usul: you propose another position; write its "
        "code in the target_position column). Employees who do not respond keep the draft's outcome "
        "unless a change clearly improves the plan.",
        "count": "{n} notices",
        "col_nip": "NIP",
        "col_name": "Name",
        "col_from": "From",
        "col_to": "To",
        "stay": "stays",
    },
}

_CSS = (
    "body{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.45}"
    "h1{font-size:1.4em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em}"
    "@media print{a{color:inherit;text-decoration:none}.page{page-break-after:always}}"
)


@dataclass
class Notices:
    """The notices of a draft plan.

    Attributes
    ----------
    pages : dict of str to str
        File name (``<employee_id>.html``) -> the notice as a full HTML page.
    index : str
        The index page (``index.html``).
    template : DataFrame
        The ``responses.csv`` template: ``employee_id, name, response, target_position,
        note``, one row per employee noticed, ``response`` blank.
    respond_by : str
        The date by which to respond (ISO).
    """

    pages: dict[str, str]
    index: str
    template: pd.DataFrame
    respond_by: str
    lang: str = "id"
    info: dict[str, Any] = field(default_factory=dict)

    def write(self, folder: str | PathLike[str]) -> Path:
        """Write ``index.html``, one page per notice and ``responses.csv`` into ``folder``.

        Written whole or not at all: the files are made in a temporary folder beside it,
        which then replaces ``folder`` (an existing folder's other files are kept: the new
        files are moved in one by one, each by an atomic rename).
        """
        target = Path(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            files = {"index.html": self.index, **self.pages}
            for name, text in files.items():
                (tmp / name).write_text(text, encoding="utf-8")
            (tmp / "responses.csv").write_text(self.template.to_csv(index=False), encoding="utf-8")
            if not target.exists():
                os.replace(tmp, target)
                return target
            for f in tmp.iterdir():
                os.replace(f, target / f.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return target

    def __repr__(self) -> str:
        return f"Notices({len(self.pages)} notices, respond by {self.respond_by})"


def _safe(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]+", "_", name) or "_"


def _page(title: str, body: str, lang: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>{body}</body></html>\n"
    )


def notices(
    problem: Problem,
    result: Result,
    *,
    lang: str = "id",
    volunteers: bool = False,
    respond_by: str | _dt.date | None = None,
) -> Notices:
    """The notices of a draft plan: one per employee it moves.

    Parameters
    ----------
    problem : Problem
        The data the plan was made from.
    result : Result
        The draft plan (:func:`asn_balance.solve`, or a plan file read back with
        ``asn_balance.analysis.given_plan.plan_result``).
    lang : {"id", "en"}
        Language of the notices.
    volunteers : bool
        Also a notice for every volunteer the plan does not move.
    respond_by : date or str, optional
        The date by which to respond; default 14 days after the plan date.

    Returns
    -------
    Notices
    """
    lang = "en" if lang == "en" else "id"
    t = _T[lang]
    plan_date = str(result.info.get("plan_date") or problem.policy.date().isoformat())
    by = (
        _dt.date.fromisoformat(plan_date) + _dt.timedelta(days=14)
        if respond_by is None
        else respond_by
        if isinstance(respond_by, _dt.date)
        else _dt.date.fromisoformat(str(respond_by))
    )
    by_text = by.isoformat()
    pos = problem.positions.set_index("position_id")
    emp = problem.employees.set_index("employee_id")
    training = result.training if result.training is not None else pd.DataFrame(columns=["employee_id"])
    moves = result.moves
    reason_col = (
        "reason_en"
        if lang == "en" and "reason_en" in moves
        else "reason_id"
        if "reason_id" in moves
        else "reason"
    )
    rows: list[dict[str, Any]] = []
    for r in moves.itertuples(index=False):
        rows.append(
            {
                "employee_id": str(r.employee_id),
                "from": str(r.from_position),
                "to": str(r.to_position),
                "reason": str(getattr(r, reason_col, "") or ""),
            }
        )
    if volunteers and "volunteer" in emp.columns:
        moved = set(moves["employee_id"].astype(str))
        vol = emp.index[emp["volunteer"].fillna(False).to_numpy(bool)].astype(str)
        for e in vol:
            if e not in moved:
                rows.append(
                    {"employee_id": e, "from": str(emp.loc[e, "position_id"]), "to": "", "reason": ""}
                )
    by_emp = {k: g for k, g in training.groupby("employee_id")} if len(training) else {}

    def where(p: str) -> str:
        return t["position"].format(
            p=html.escape(p),
            j=html.escape(str(pos.loc[p, "jabatan"])),
            u=html.escape(f"{pos.loc[p, 'unit_id']} {pos.loc[p, 'unit_name'] or ''}".strip()),
        )

    pages: dict[str, str] = {}
    index_rows = []
    for row in rows:
        e = row["employee_id"]
        name = str(emp.loc[e, "name"] or e)
        parts = [
            f"<h1>{html.escape(t['title'])}</h1>",
            f"<p>{html.escape(t['dear'].format(name=name, nip=e))}</p>",
        ]
        parts.append(
            f"<p>{html.escape(t['intro' if row['to'] else 'intro_stay'].format(date=plan_date))}</p>"
        )
        parts.append(f"<p><b>{t['now']}:</b> {where(row['from'])}</p>")
        if row["to"]:
            parts.append(f"<p><b>{t['proposed']}:</b> {where(row['to'])}</p>")
            parts.append(f"<h2>{t['why']}</h2><p>{html.escape(row['reason'])}</p>")
            parts.append(f"<h2>{t['training']}</h2>")
            own = by_emp.get(e)
            if own is None or not len(own):
                parts.append(f"<p>{t['no_training']}</p>")
            else:
                items = "".join(
                    f"<li>{html.escape(t['train_row'].format(c=c, h=h, s=s))}</li>"
                    for c, h, s in zip(own["competency"], own["level"], own["standard"], strict=True)
                )
                parts.append(f"<ul>{items}</ul>")
        parts.append(f"<h2>{t['how']}</h2><p>{t['how_text'].format(by=by_text)}</p>")
        file = f"{_safe(e)}.html"
        pages[file] = _page(f"{t['title']}: {name}", '<div class="page">' + "".join(parts) + "</div>", lang)
        index_rows.append(
            f'<tr><td><a href="{html.escape(file)}">{html.escape(e)}</a></td><td>{html.escape(name)}</td>'
            f"<td>{html.escape(row['from'])}</td><td>{html.escape(row['to'] or t['stay'])}</td></tr>"
        )
    head = (
        "<tr>" + "".join(f"<th>{t[k]}</th>" for k in ("col_nip", "col_name", "col_from", "col_to")) + "</tr>"
    )
    index = _page(
        t["index"],
        f"<h1>{html.escape(t['index'])}</h1><p>{t['count'].format(n=len(rows))}; {by_text}</p>"
        f"<table>{head}{''.join(index_rows)}</table>",
        lang,
    )
    ids = [r["employee_id"] for r in rows]
    names = (
        emp["name"].reindex(ids).fillna("").astype(str).to_numpy(dtype=object) if ids else np.zeros(0, object)
    )
    template = pd.DataFrame(
        {"employee_id": ids, "name": names, "response": "", "target_position": "", "note": ""},
        columns=["employee_id", "name", "response", "target_position", "note"],
    )
    info = {"plan_date": plan_date, "input_sha256": problem.input_sha256, "notices": len(rows)}
    return Notices(pages, index, template, by_text, lang, info)
