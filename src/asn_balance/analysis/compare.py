"""Compare two plans: what changes between them, employee by employee and position by position.

Two plans of one planning round usually differ by a policy choice (WKE 1,250 or 1,200 h, a
move budget, PPPK allowed or not). Leadership asks what that choice costs: how much balance,
how many more moves, who moves differently, which positions end up staffed differently.
:func:`compare` answers from the plans alone (as written by ``asn-balance plan --out``), and
optionally re-evaluates both on the same data and policy with the independent checker.

>>> from asn_balance import compare
>>> c = compare("plan_1250.json", "plan_1200.json", labels=("1250 h", "1200 h"))  # doctest: +SKIP
>>> print(c.text("en"))                                                         # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..io.plans import PlanDocument, PlanSource, read_plan_document

if TYPE_CHECKING:
    from ..model.problem import Problem

__all__ = ["SUMMARY_METRICS", "Comparison", "PlanDocument", "compare", "jsonable", "read_plan_document"]

#: Summary fields compared, in this order (``bands_after.A`` .. ``E`` are added after them).
SUMMARY_METRICS = (
    "status",
    "moves",
    "balance_before",
    "balance_after",
    "objective",
    "bound",
    "gap",
    "positions_under_staffed_before",
    "positions_under_staffed_after",
    "positions_over_staffed_before",
    "positions_over_staffed_after",
)
_AFTER_METRICS = ("employees", "positions", "units", "need_fte")

#: Relative tolerance below which two needs (FTE) count as equal.
NEED_RTOL = 1e-9

_MOVE_KINDS = ("only_a", "only_b", "different_target")


def _number(v: Any) -> float | None:
    if isinstance(v, (bool, np.bool_)) or v is None:
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    return None


def _difference(a: Any, b: Any) -> Any:
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return None
    d = y - x
    if isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)):
        return int(d)
    return d


def _same(a: Any, b: Any) -> bool:
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return x == y
    return bool(jsonable(a) == jsonable(b))


def jsonable(v: Any) -> Any:
    """A JSON-ready value (numpy unwrapped, NaN/NA -> None, dates as ISO text)."""
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, (str, int, bool)):
        return v
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    return str(v)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


@dataclass
class Comparison:
    """Two plans side by side.

    Attributes
    ----------
    labels : tuple of str
        Names of plan A and plan B (columns ``a``/``b`` hold their values).
    summary : DataFrame
        ``metric, a, b, difference`` over the summary figures (status, moves, balance,
        objective, bound, gap, under/over-staffed positions, bands A-E after, employees,
        positions, units, need), then ``policy.<field>`` for every policy value that
        differs and, with ``problem``, ``check.*`` rows. ``difference`` is ``b - a`` for
        numbers, ``None`` otherwise.
    moves : DataFrame
        One row per employee whose move differs: ``employee_id, to_position_a,
        to_position_b, kind, name, from_position``; ``kind`` is ``only_a`` (moved in A
        only), ``only_b`` or ``different_target``; ``to_position_*`` is ``None`` where
        the employee stays.
    positions : DataFrame
        One row per position whose staff after the plan or need differs (or that only one
        plan has): ``position_id, staff_after_a, staff_after_b, need_a, need_b,
        ej_after_a, ej_after_b, unit_id, jabatan``.
    policy : dict
        Policy field -> ``{"a": value, "b": value}`` for each recorded value that differs.
    counts : dict
        ``same_moves`` (employees moved to the same target in both), ``only_a``,
        ``only_b``, ``different_target``, ``positions_differ``, ``positions_only_a``,
        ``positions_only_b``.
    same_data : bool
        Whether both plans come from the same data (same positions with the same staff
        before the plan). If not, the comparison still runs; ``notes`` says what differs.
    notes : list of str
        Remarks in English (different data, a plan without policy, ...).
    check : dict
        With ``problem``: per label, the independent check of that plan on the problem
        (``ok``, ``moves``, ``balance_after``, ``objective``, ``violations``).
    """

    labels: tuple[str, str]
    summary: pd.DataFrame
    moves: pd.DataFrame
    positions: pd.DataFrame
    policy: dict[str, dict[str, Any]]
    counts: dict[str, int]
    same_data: bool
    notes: list[str] = field(default_factory=list)
    check: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: tuple[str, str] = ("", "")

    def value(self, metric: str, which: str = "difference") -> Any:
        """One cell of :attr:`summary`: ``which`` is ``a``, ``b`` or ``difference``."""
        row = self.summary.loc[self.summary["metric"] == metric]
        if row.empty:
            raise KeyError(metric)
        return row.iloc[0][which]

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-ready data."""
        return {
            "labels": list(self.labels),
            "sources": list(self.sources),
            "same_data": self.same_data,
            "notes": list(self.notes),
            "counts": dict(self.counts),
            "summary": _records(self.summary),
            "policy": jsonable(self.policy),
            "moves": _records(self.moves),
            "positions": _records(self.positions),
            "check": jsonable(self.check),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``summary``, ``moves``, ``positions`` and ``policy`` (``field, a, b``) as DataFrames."""
        pol = pd.DataFrame(
            [(k, jsonable(v["a"]), jsonable(v["b"])) for k, v in self.policy.items()],
            columns=["field", "a", "b"],
        )
        summ = self.summary.copy()
        for c in ("a", "b", "difference"):
            summ[c] = summ[c].map(lambda v: jsonable(v) if isinstance(v, (dict, list)) else v)
        return {
            "summary": summ,
            "moves": self.moves.copy(),
            "positions": self.positions.copy(),
            "policy": pol,
        }

    def write(self, path: str | PathLike[str]) -> Path:
        """Write by suffix: ``.json`` (see :meth:`to_dict`), else ``.xlsx`` or a folder of CSVs."""
        from ..io.files import atomic_write_text, write_frames

        p = Path(path)
        if p.suffix.lower() == ".json":
            return atomic_write_text(p, self.to_json() + "\n")
        if p.suffix.lower() == ".csv":
            p = p.with_suffix("")
        return Path(write_frames(self.to_frames(), p))

    def text(self, lang: str = "id") -> str:
        """A few summary lines in Indonesian (``id``) or English (``en``)."""
        en = lang == "en"

        def num(v: Any, digits: int = 4) -> str:
            x = _number(v)
            if x is None:
                return "-"
            s = f"{x:.{digits}f}" if not float(x).is_integer() else f"{int(x)}"
            return s if en else s.replace(".", ",")

        lines = []
        for side, label in zip(("a", "b"), self.labels, strict=True):
            status = self.value("status", side)
            moves = num(self.value("moves", side))
            bb, ba = num(self.value("balance_before", side)), num(self.value("balance_after", side))
            obj = num(self.value("objective", side))
            if en:
                lines.append(f"{label}: {status}, {moves} moves, balance B {bb} -> {ba}, objective {obj}")
            else:
                lines.append(
                    f"{label}: {status}, {moves} mutasi, keseimbangan B {bb} -> {ba}, objektif {obj}"
                )
        la, lb = self.labels
        c = self.counts
        if en:
            lines.append(
                f"moves: {c['same_moves']} the same in both, {c['only_a']} only in {la}, "
                f"{c['only_b']} only in {lb}, {c['different_target']} to a different target"
            )
            lines.append(f"positions: {c['positions_differ']} end with different staff or need")
        else:
            lines.append(
                f"mutasi: {c['same_moves']} sama di kedua rencana, {c['only_a']} hanya di {la}, "
                f"{c['only_b']} hanya di {lb}, {c['different_target']} ke tujuan berbeda"
            )
            lines.append(f"posisi: {c['positions_differ']} dengan jumlah pegawai atau kebutuhan berbeda")
        if self.policy:
            parts = ", ".join(f"{k} {_show(v['a'])} -> {_show(v['b'])}" for k, v in self.policy.items())
            lines.append(("policy: " if en else "kebijakan: ") + parts)
        for label, rep in self.check.items():
            verdict = ("OK" if rep["ok"] else "FAILED") if en else ("lolos" if rep["ok"] else "GAGAL")
            lines.append(
                f"check {label}: {verdict}, {rep['moves']} "
                + ("moves" if en else "mutasi")
                + f", B {num(rep['balance_after'])}, "
                + ("objective" if en else "objektif")
                + f" {num(rep['objective'])}, {len(rep['violations'])} "
                + ("violations" if en else "pelanggaran")
            )
        if not self.same_data:
            head = "different data" if en else "data berbeda"
            lines.append(f"{head}: " + "; ".join(self.notes))
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"Comparison({self.labels[0]!r} vs {self.labels[1]!r}: moves {self.value('moves', 'a')} vs "
            f"{self.value('moves', 'b')}, {c['only_a']} only A, {c['only_b']} only B, "
            f"{c['different_target']} different target, {c['positions_differ']} positions differ)"
        )

    def _repr_html_(self) -> str:
        summ = self.summary.rename(columns={"a": self.labels[0], "b": self.labels[1]})
        body = summ.to_html(index=False, na_rep="-")
        lines = "".join(f"<li>{html.escape(ln)}</li>" for ln in self.text("en").splitlines()[2:])
        moves = self.moves.head(20).to_html(index=False, na_rep="-") if len(self.moves) else ""
        title = html.escape(f"{self.labels[0]} vs {self.labels[1]}")
        return f"<div><b>asn_balance Comparison: {title}</b>{body}<ul>{lines}</ul>{moves}</div>"


def _show(v: Any) -> str:
    return "none" if v is None else str(jsonable(v))


def _summary_rows(sa: Mapping[str, Any], sb: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    rows: list[tuple[str, Any, Any]] = [(m, sa.get(m), sb.get(m)) for m in SUMMARY_METRICS]
    ba, bb = sa.get("bands_after"), sb.get("bands_after")
    ba = ba if isinstance(ba, Mapping) else {}
    bb = bb if isinstance(bb, Mapping) else {}
    rows += [(f"bands_after.{k}", ba.get(k), bb.get(k)) for k in "ABCDE"]
    rows += [(m, sa.get(m), sb.get(m)) for m in _AFTER_METRICS]
    return rows


def _compare_moves(ma: pd.DataFrame, mb: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    def side(m: pd.DataFrame) -> pd.DataFrame:
        keep = [c for c in ("employee_id", "to_position", "name", "from_position") if c in m.columns]
        return m[keep].drop_duplicates("employee_id", keep="last")

    both = side(ma).merge(side(mb), on="employee_id", how="outer", suffixes=("_a", "_b"), indicator=True)
    ta = both["to_position_a"].astype(object).where(both["to_position_a"].notna(), None)
    tb = both["to_position_b"].astype(object).where(both["to_position_b"].notna(), None)
    kind = np.select(
        [both["_merge"].eq("left_only").to_numpy(), both["_merge"].eq("right_only").to_numpy(),
         (ta != tb).to_numpy()],
        list(_MOVE_KINDS),
        default="same",
    )  # fmt: skip

    def pick(col: str) -> pd.Series:
        a = both.get(f"{col}_a", pd.Series(None, index=both.index, dtype=object))
        b = both.get(f"{col}_b", pd.Series(None, index=both.index, dtype=object))
        out = a.astype(object).where(a.notna(), b.astype(object))
        return out.where(out.notna(), None)

    out = pd.DataFrame(
        {
            "employee_id": both["employee_id"].astype(object),
            "to_position_a": ta,
            "to_position_b": tb,
            "kind": pd.Series(kind, index=both.index, dtype=object),
            "name": pick("name"),
            "from_position": pick("from_position"),
        }
    )
    same = int((out["kind"] == "same").sum())
    out = out[out["kind"] != "same"]
    order = out["kind"].map({k: i for i, k in enumerate(_MOVE_KINDS)})
    out = out.assign(_o=order).sort_values(["_o", "employee_id"], kind="stable").drop(columns="_o")
    return out.reset_index(drop=True), same


_POS_COLS = {"staff_after": "staff_after", "need_fte": "need", "ej_after": "ej_after"}
_STAFF_TOL = 1e-9  # staff in FTE: sums of part-time FTE may differ in the last bits


def _staff_column(x: pd.Series) -> pd.Series:
    """Staff in FTE as whole numbers (``Int64``) when every one is whole, else floats."""
    v = x.astype(float).round(6)
    if bool((v.dropna() % 1 == 0).all()):
        return v.round().astype("Int64")
    return v


def _compare_positions(pa: pd.DataFrame, pb: pd.DataFrame) -> tuple[pd.DataFrame, set[str], set[str]]:
    def side(p: pd.DataFrame) -> pd.DataFrame:
        cols = ["position_id", *(c for c in (*_POS_COLS, "staff_before", "unit_id", "jabatan") if c in p)]
        df = p[cols].drop_duplicates("position_id", keep="last").rename(columns=_POS_COLS)
        for c in ("staff_after", "need", "ej_after", "staff_before"):
            if c not in df:
                df[c] = np.nan
            x = pd.to_numeric(df[c], errors="coerce").astype(float)
            df[c] = x.where(np.isfinite(x))  # as in a JSON plan: EJ of an empty position is null
        return df

    a, b = side(pa), side(pb)
    ids_a, ids_b = set(a["position_id"]), set(b["position_id"])
    m = a.merge(b, on="position_id", how="outer", suffixes=("_a", "_b"), indicator=True, sort=False)
    present = m["_merge"].eq("both").to_numpy()

    def differs(col: str, rtol: float) -> np.ndarray:
        x, y = m[f"{col}_a"].to_numpy(float), m[f"{col}_b"].to_numpy(float)
        close = np.isclose(x, y, rtol=rtol, atol=rtol) | (np.isnan(x) & np.isnan(y))
        return ~close

    diff = ~present | differs("staff_after", _STAFF_TOL) | differs("need", NEED_RTOL)

    def first(col: str) -> pd.Series:
        a_ = m.get(f"{col}_a", pd.Series(None, index=m.index, dtype=object)).astype(object)
        b_ = m.get(f"{col}_b", pd.Series(None, index=m.index, dtype=object)).astype(object)
        out = a_.where(a_.notna(), b_)
        return out.where(out.notna(), None)

    out = pd.DataFrame(
        {
            "position_id": m["position_id"].astype(object),
            "staff_after_a": _staff_column(m["staff_after_a"]),
            "staff_after_b": _staff_column(m["staff_after_b"]),
            "need_a": m["need_a"],
            "need_b": m["need_b"],
            "ej_after_a": m["ej_after_a"],
            "ej_after_b": m["ej_after_b"],
            "unit_id": first("unit_id"),
            "jabatan": first("jabatan"),
        }
    )[diff]
    staff_before_differs = bool((present & differs("staff_before", _STAFF_TOL)).any())
    out.attrs["staff_before_differs"] = staff_before_differs
    order = {pid: i for i, pid in enumerate([*a["position_id"], *b["position_id"]])}
    out = out.assign(_o=out["position_id"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")
    return out.reset_index(drop=True), ids_a - ids_b, ids_b - ids_a


def _check_plan(problem: Problem, moves: pd.DataFrame) -> dict[str, Any]:
    from ..check.verifier import check

    rep = check(problem, moves[["employee_id", "to_position"]])
    return {
        "ok": bool(rep.ok),
        "moves": int(rep.moves),
        "balance_before": float(rep.balance_before),
        "balance_after": float(rep.balance),
        "objective": float(rep.objective),
        "violations": [{"rule": v.rule, "message": v.message} for v in rep.violations],
    }


def compare(
    a: PlanSource | PlanDocument,
    b: PlanSource | PlanDocument,
    *,
    labels: tuple[str, str] = ("A", "B"),
    problem: Problem | None = None,
) -> Comparison:
    """Compare two plans.

    Parameters
    ----------
    a, b : Result, dict or path
        The plans: a :class:`~asn_balance.evaluate.result.Result`, a dict as written by
        ``Result.to_dict()``, or a plan file written by ``asn-balance plan --out``
        (``.json``, ``.xlsx`` or a folder of CSV files).
    labels : (str, str)
        Names of the two plans in texts and tables.
    problem : Problem, optional
        If given, both plans are also checked on this problem (its data and policy) by
        the independent checker, so they are measured by one yardstick; the summary
        gains ``check.ok``, ``check.moves``, ``check.balance_after``,
        ``check.objective`` and ``check.violations`` rows.

    Returns
    -------
    Comparison

    Raises
    ------
    InputError
        If a plan file is missing or is not a plan (table ``plan``, naming the file), or
        if a plan names employees or positions the ``problem`` does not know in a way
        the checker cannot evaluate.

    Notes
    -----
    Plans made from different data (different positions, or different staff before the
    plan) are compared all the same; :attr:`Comparison.same_data` is ``False`` and
    :attr:`Comparison.notes` says what differs.
    """
    if len(labels) != 2 or labels[0] == labels[1]:
        raise ValueError(f"labels must be two different names, got {labels!r}")
    da, db = read_plan_document(a), read_plan_document(b)
    notes: list[str] = []

    rows = _summary_rows(da.summary, db.summary)
    pa, pb = da.policy, db.policy
    policy: dict[str, dict[str, Any]] = {}
    if pa and pb:
        for k in [*pa, *(k for k in pb if k not in pa)]:
            va, vb = jsonable(pa.get(k)), jsonable(pb.get(k))
            if not _same(va, vb):
                policy[k] = {"a": va, "b": vb}
                rows.append((f"policy.{k}", va, vb))
    else:
        missing = [lab for lab, p in zip(labels, (pa, pb), strict=True) if not p]
        notes.append(f"no policy recorded in plan {', '.join(missing)}: policies not compared")

    moves, same_moves = _compare_moves(da.moves, db.moves)
    positions, only_a, only_b = _compare_positions(da.positions, db.positions)
    same_data = True
    if only_a or only_b:
        same_data = False
        for lab, ids in ((labels[0], only_a), (labels[1], only_b)):
            if ids:
                shown = ", ".join(sorted(ids)[:5]) + (", ..." if len(ids) > 5 else "")
                notes.append(f"{len(ids)} positions only in {lab} ({shown})")
    if positions.attrs.get("staff_before_differs"):
        same_data = False
        notes.append("the staff before the plan differs between the plans")
    ea, eb = _number(da.summary.get("employees")), _number(db.summary.get("employees"))
    if ea is not None and eb is not None and ea != eb:
        if same_data:
            notes.append(f"{int(ea)} employees in {labels[0]}, {int(eb)} in {labels[1]}")
        same_data = False

    checks: dict[str, dict[str, Any]] = {}
    if problem is not None:
        checks = {labels[0]: _check_plan(problem, da.moves), labels[1]: _check_plan(problem, db.moves)}
        ca, cb = checks[labels[0]], checks[labels[1]]
        for key in ("ok", "moves", "balance_after", "objective"):
            rows.append((f"check.{key}", ca[key], cb[key]))
        rows.append(("check.violations", len(ca["violations"]), len(cb["violations"])))

    summary = pd.DataFrame(
        {
            "metric": [r[0] for r in rows],
            "a": pd.Series([r[1] for r in rows], dtype=object),
            "b": pd.Series([r[2] for r in rows], dtype=object),
            "difference": pd.Series([_difference(r[1], r[2]) for r in rows], dtype=object),
        }
    )
    counts = {
        "same_moves": same_moves,
        **{k: int((moves["kind"] == k).sum()) for k in _MOVE_KINDS},
        "positions_differ": len(positions),
        "positions_only_a": len(only_a),
        "positions_only_b": len(only_b),
    }
    return Comparison(
        labels=(str(labels[0]), str(labels[1])),
        summary=summary,
        moves=moves,
        positions=positions,
        policy=policy,
        counts=counts,
        same_data=same_data,
        notes=notes,
        check=checks,
        sources=(da.source, db.source),
    )
