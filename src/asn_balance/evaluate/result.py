"""The result of a planning run: status, bound, moves, per-position and per-unit metrics."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import _outputs

__all__ = ["STATUSES", "PlanError", "Result"]

#: ``optimal``: proven optimal; ``feasible``: a plan, not proven optimal (time ran out);
#: ``infeasible``: no plan satisfies the hard rules (see ``diagnosis``);
#: ``time_limit``: no plan was found within the time limit.
STATUSES = ("optimal", "feasible", "infeasible", "time_limit")


class PlanError(RuntimeError):
    """Raised by :meth:`Result.raise_for_status` when there is no plan."""


def _clean(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if not math.isfinite(v) else v
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _column(values: pd.Series) -> list[Any]:
    """A column's cells as :func:`_clean` makes them, a whole column at a time."""
    kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else ""
    if kind in "iub" and kind:
        return list(values.to_numpy().tolist())  # Python ints and bools
    if kind == "f":
        x = values.to_numpy()
        cells: list[Any] = x.tolist()
        if not np.isfinite(x).all():
            for i in np.flatnonzero(~np.isfinite(x)).tolist():
                cells[i] = None
        return cells
    return [v if type(v) is str else _clean(v) for v in values.to_numpy(dtype=object).tolist()]


def _columns(df: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """Column names (as text) and cleaned cells, column by column."""
    return [str(k) for k in df.columns], [_column(df.iloc[:, j]) for j in range(df.shape[1])]


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    keys, cols = _columns(df)
    if not keys:
        return [{} for _ in range(len(df))]
    return [dict(zip(keys, row, strict=True)) for row in zip(*cols, strict=True)]


def _json_value(value: Any, pad: str, indent: int) -> str:
    """One cleaned cell as ``json.dumps(..., indent=indent)`` writes it at the depth ``pad``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        return str(encode_basestring(value))
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float:
        if not math.isfinite(value):
            raise ValueError("Out of range float values are not JSON compliant")
        return float.__repr__(value)
    text = json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)
    return text.replace("\n", "\n" + pad)


def _json_column(values: pd.Series, cells: list[Any], pad: str, indent: int) -> list[str]:
    """The JSON text of each cell of a column (``cells``: :func:`_column` of ``values``), as
    :func:`_json_value` gives it, a whole column at a time where the dtype allows."""
    kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else ""
    if kind and kind in "iu":
        return list(map(int.__repr__, cells))
    if kind == "b":
        return ["true" if v else "false" for v in cells]
    if kind == "f":
        return [float.__repr__(v) if v is not None else "null" for v in cells]
    try:
        return list(map(encode_basestring, cells))  # text only: one C call per cell
    except TypeError:  # blanks, numbers, dates, lists: cell by cell
        return [_json_value(v, pad, indent) for v in cells]


#: Rows of a table written to JSON at a time (bounds the memory of a large plan's text).
_JSON_ROWS = 50_000


def _json_table(df: pd.DataFrame, indent: int) -> str:
    """``json.dumps(_records(df), indent=indent)`` at depth one, assembled column by column."""
    return "".join(_json_table_pieces(df, indent))


def _json_texts(values: pd.Series, pad: str, indent: int) -> npt.NDArray[np.object_]:
    """The JSON text of each cell of a column, as :func:`_json_column` gives it; numbers and
    booleans without a Python object per cell (each distinct number written once)."""
    kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else ""
    out: npt.NDArray[np.object_]
    if kind == "b":
        out = np.where(values.to_numpy(), "true", "false").astype(object)
        return out
    if kind and kind in "iuf":
        x = values.to_numpy()
        codes, uniques = pd.factorize(x, use_na_sentinel=False)
        seen = uniques.tolist()
        if kind == "f":
            table = [float.__repr__(v) if math.isfinite(v) else "null" for v in seen]
        else:
            table = [int.__repr__(v) for v in seen]
        texts = np.empty(len(table), dtype=object)
        texts[:] = table
        out = texts[codes]
        if kind == "f":  # 0.0 and -0.0 are one value to factorize, not to repr
            zero = np.flatnonzero(x == 0)
            out[zero] = np.where(np.signbit(x[zero]), "-0.0", "0.0")
        return out
    out = np.empty(len(values), dtype=object)
    out[:] = _json_column(values, _column(values), pad, indent)
    return out


def _json_table_pieces(df: pd.DataFrame, indent: int) -> Iterator[str]:
    """:func:`_json_table` in pieces of at most ``_JSON_ROWS`` rows: the cells' texts and the
    keys between them joined at once."""
    if not len(df):
        yield "[]"
        return
    pad1, pad2, pad3 = " " * indent, " " * (2 * indent), " " * (3 * indent)
    keys = [str(k) for k in df.columns]
    if not keys:
        yield "[\n" + ",\n".join([pad2 + "{}"] * len(df)) + "\n" + pad1 + "]"
        return
    k = len(keys)
    before = [",\n" + pad3 + encode_basestring(key) + ": " for key in keys]
    first = pad2 + "{\n" + before[0][2:]  # a row's first key
    end = "\n" + pad2 + "}"
    for start in range(0, len(df), _JSON_ROWS):
        part = df.iloc[start : start + _JSON_ROWS]
        grid = np.empty((len(part), 2 * k + 1), dtype=object)
        grid[:, 0] = ",\n" + first  # rows after the first of the piece follow a comma
        grid[0, 0] = first
        for j in range(k):
            if j:
                grid[:, 2 * j] = before[j]
            grid[:, 2 * j + 1] = _json_texts(part.iloc[:, j], pad3, indent)
        grid[:, 2 * k] = end
        yield ("[\n" if start == 0 else ",\n") + "".join(grid.ravel().tolist())
        del grid
    yield "\n" + pad1 + "]"


@dataclass
class Result:
    """A plan and everything needed to defend it.

    Attributes
    ----------
    status : str
        One of :data:`STATUSES`.
    objective : float
        The objective of the plan, the sum of its terms (see ``breakdown``): with the
        default policy and no wishes ``balance_after + move_cost * n_moves`` (``nan``
        without a plan).
    bound : float
        Proven lower bound on the optimal objective.
    seconds : float
        Wall time of the whole run (compile, solve, report).
    moves : DataFrame
        ``employee_id, name, from_position, to_position, from_unit, to_unit, jabatan_from,
        jabatan_to, reason``.
    positions : DataFrame
        ``position_id, unit_id, jabatan, workload_hours, need_fte, staff_before,
        staff_after, ej_before, ej_after, band_before, band_after`` and directions; staff
        in FTE (``headcount_before``/``headcount_after`` count heads).
    units : DataFrame
        The same per unit (EU instead of EJ).
    diagnosis : list of str
        Why the problem is infeasible (empty otherwise).
    info : dict
        Solver, parameters and versions, for reproducing the run.
    breakdown : dict
        ``{"before": {term: value}, "after": {term: value}}`` over the objective's terms
        (balance, moves, preferences, spouses, fit, rotation) and ``objective``.
    training : DataFrame or None
        The training plan: one row per mover and competency below the target's
        ``competency_standard`` (``None`` when the positions give no standard).
    training_totals : DataFrame or None
        The training plan per target unit and competency: people and levels missing.
    """

    status: str
    objective: float
    bound: float
    seconds: float
    balance_before: float
    balance_after: float
    moves: pd.DataFrame
    positions: pd.DataFrame
    units: pd.DataFrame
    diagnosis: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    breakdown: dict[str, dict[str, float]] = field(default_factory=dict)
    training: pd.DataFrame | None = None
    training_totals: pd.DataFrame | None = None

    @property
    def gap(self) -> float:
        """Gap ``(objective - bound) / max(|objective|, 1)``: relative, absolute below 1.

        About 1e-11 for a proven optimum (the integer rounding tolerance of the flow);
        ``nan`` without a plan. ``bound`` is reported as the solver computed it and may
        exceed ``objective`` by at most the solver's rounding tolerance
        (``info["tolerance"]``; more is an :class:`~asn_balance.model.errors.InternalError`);
        the gap is then a tiny negative number, shown here as 0.
        """
        if not (math.isfinite(self.objective) and math.isfinite(self.bound)):
            return float("nan")
        return max(0.0, (self.objective - self.bound) / max(abs(self.objective), 1.0))

    @property
    def n_moves(self) -> int:
        """Number of moved employees."""
        return len(self.moves)

    @property
    def has_plan(self) -> bool:
        """Whether the result holds a plan (optimal or feasible)."""
        return self.status in ("optimal", "feasible")

    def raise_for_status(self) -> Result:
        """Return ``self`` if there is a plan, else raise :class:`PlanError` with the diagnosis."""
        if not self.has_plan:
            detail = "; ".join(self.diagnosis) or "no plan"
            raise PlanError(f"{self.status}: {detail}")
        return self

    def summary(self) -> dict[str, Any]:
        """Key figures of the plan as a JSON-ready dict."""
        pos = self.positions
        bands_b = pos["band_before"].value_counts().reindex(list("ABCDE"), fill_value=0)
        bands_a = pos["band_after"].value_counts().reindex(list("ABCDE"), fill_value=0)
        heads = pos["headcount_before"] if "headcount_before" in pos else pos["staff_before"]
        out: dict[str, Any] = {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
            "moves": self.n_moves,
            "balance_before": self.balance_before,
            "balance_after": self.balance_after,
            "balance": self.balance_after,
            "employees": int(heads.sum()),
            "staff_fte": float(pos["staff_before"].sum()),
            "positions": len(pos),
            "units": len(self.units),
            "need_fte": float(pos["need_fte"].sum()),
            "positions_under_staffed_before": int((pos["direction_before"] == "kurang").sum()),
            "positions_under_staffed_after": int((pos["direction_after"] == "kurang").sum()),
            "positions_over_staffed_before": int((pos["direction_before"] == "lebih").sum()),
            "positions_over_staffed_after": int((pos["direction_after"] == "lebih").sum()),
            # how far from balance, not only how many positions: FTE missing and FTE too many
            "fte_short_before": float(np.clip(-pos["gap_before"].to_numpy(dtype=float), 0, None).sum()),
            "fte_short_after": float(np.clip(-pos["gap_after"].to_numpy(dtype=float), 0, None).sum()),
            "fte_surplus_before": float(np.clip(pos["gap_before"].to_numpy(dtype=float), 0, None).sum()),
            "fte_surplus_after": float(np.clip(pos["gap_after"].to_numpy(dtype=float), 0, None).sum()),
            "bands_before": {k: int(v) for k, v in bands_b.items()},
            "bands_after": {k: int(v) for k, v in bands_a.items()},
            "diagnosis": list(self.diagnosis),
            "objective_terms": self.breakdown,
        }
        out.update({k: v for k, v in self.info.items() if k not in out})
        return _clean(out)  # type: ignore[no-any-return]

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``summary`` (key/value), ``moves``, ``positions`` and ``units`` as DataFrames."""
        summ = {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
                for k, v in self.summary().items()}  # fmt: skip
        out = {
            "summary": pd.DataFrame({"key": list(summ), "value": [str(v) for v in summ.values()]}),
            "moves": self.moves.copy(),
            "positions": self.positions.copy(),
            "units": self.units.copy(),
        }
        if self.training is not None and self.training_totals is not None:
            out["training"] = self.training.copy()
            out["training_totals"] = self.training_totals.copy()
        return out

    def to_dict(self) -> dict[str, Any]:
        """``{"summary", "moves", "positions", "units"}`` as plain JSON-ready data, plus
        ``"training"`` and ``"training_totals"`` when the positions give a competency standard."""
        out = {
            "summary": self.summary(),
            "moves": _records(self.moves),
            "positions": _records(self.positions),
            "units": _records(self.units),
        }
        if self.training is not None and self.training_totals is not None:
            out["training"] = _records(self.training)
            out["training_totals"] = _records(self.training_totals)
        return out

    def to_json(self, indent: int | None = 2) -> str:
        """The plan as JSON text (see :meth:`to_dict`)."""
        return "".join(self.json_pieces(indent))

    def json_pieces(self, indent: int | None = 2) -> Iterator[str]:
        """:meth:`to_json` in pieces (a table a few thousand rows at a time), for writing a
        large plan without holding its whole text."""
        if indent is None or not isinstance(indent, int) or indent < 0:
            yield json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False)
            return
        # the text json.dumps(self.to_dict(), indent=indent) gives, with the tables written
        # column by column (the pure-Python encoder json uses with an indent is slow)
        pad = " " * indent
        tables = {"moves": self.moves, "positions": self.positions, "units": self.units}
        if self.training is not None and self.training_totals is not None:
            tables.update(training=self.training, training_totals=self.training_totals)
        summary = json.dumps(self.summary(), ensure_ascii=False, indent=indent, allow_nan=False)
        yield "{\n" + pad + '"summary": ' + summary.replace("\n", "\n" + pad)
        for k, df in tables.items():
            yield ",\n" + pad + encode_basestring(k) + ": "
            yield from _json_table_pieces(df, indent)
        yield "\n}"

    def write(self, path: str | PathLike[str]) -> Path:
        """Write the plan by suffix: ``.json``, ``.xlsx``, or else a folder of CSV files.

        A plan holds four tables, so ``plan.csv`` is written as the folder ``plan/``.
        Returns the path written.
        """
        return Path(_outputs.output("result_write")(self, path))

    def __repr__(self) -> str:
        return (
            f"Result(status={self.status!r}, objective={self.objective:.6g}, bound={self.bound:.6g}, "
            f"moves={self.n_moves}, balance {self.balance_before:.4g} -> {self.balance_after:.4g}, "
            f"{self.seconds:.2f}s)"
        )

    def plot(self, kind: str = "ej", *, lang: str = "id", ax: Any = None, **kwargs: Any) -> Any:
        """A plot of the plan as a matplotlib Figure (needs ``pip install 'asn-balance[plot]'``).

        Parameters
        ----------
        kind : {"ej", "ej_units", "gaps", "bands", "flows"}
            ``ej``: EJ per position before vs after, sorted, bands shaded; ``ej_units``: EU
            per unit (the ``top`` units with the largest gap); ``gaps``: distribution of the
            staffing gap per position; ``bands``: positions per EJ band; ``flows``: moves
            between units (the ``top`` largest flows).
        lang : {"id", "en"}
            Language of the labels.
        ax : matplotlib Axes, optional
            Draw into this axes (its figure is returned).
        **kwargs
            Passed to the plot (``top``).

        Returns
        -------
        matplotlib.figure.Figure

        Raises
        ------
        ImportError
            When matplotlib is not installed.
        """
        return _outputs.output("result_plot")(self, kind, lang=lang, ax=ax, **kwargs)

    def _repr_html_(self) -> str:
        return str(_outputs.output("result_html")(self))
