"""The safe bound of an LP (Neumaier and Shcherbina) recomputed from any row duals, row-wise
and column-wise, for the network LP of :mod:`.netlp`: valid whatever the duals' accuracy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["safe_bound"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def safe_bound(
    cost: FloatArray,
    col_lo: FloatArray,
    col_hi: FloatArray,
    start: IntArray,
    index: IntArray,
    value: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    row_dual: FloatArray,
    offset: float = 0.0,
) -> tuple[float, FloatArray]:
    """The Neumaier-Shcherbina bound of an LP for any row duals, and the reduced costs.

    Parameters
    ----------
    cost, col_lo, col_hi : ndarray of float
        Column costs and (finite) bounds.
    start, index, value : ndarray
        The row-wise CSR matrix ``A``.
    row_lo, row_hi : ndarray of float
        Row sides (``-inf`` / ``inf`` where open).
    row_dual : ndarray of float
        Any row multipliers ``y``; a sign that would need an open side is taken as 0.
    offset : float
        Constant of the objective.

    Returns
    -------
    bound : float
        ``offset + sum_r min(y_r rl_r, y_r ru_r) + sum_j min(d_j l_j, d_j u_j)``: at most
        ``c x + offset`` for every ``x`` with ``rl <= A x <= ru`` and ``l <= x <= u``.
    d : ndarray of float
        The reduced costs ``c - A^T y`` with the multipliers used.
    """
    y = np.asarray(row_dual, dtype=float).copy()
    y[(y > 0) & ~np.isfinite(row_lo)] = 0.0
    y[(y < 0) & ~np.isfinite(row_hi)] = 0.0
    rows = np.repeat(np.arange(len(row_lo), dtype=np.int64), np.diff(start))
    d = np.asarray(cost, dtype=float) - np.bincount(
        index, weights=value * y[rows], minlength=len(cost)
    ).astype(float)
    lo_side = np.where(y > 0, y * np.where(np.isfinite(row_lo), row_lo, 0.0), 0.0)
    hi_side = np.where(y < 0, y * np.where(np.isfinite(row_hi), row_hi, 0.0), 0.0)
    col_term = np.minimum(d * col_lo, d * col_hi)
    return float(offset + lo_side.sum() + hi_side.sum() + col_term.sum()), d


def _safe_colwise(
    cost: FloatArray,
    col_lo: FloatArray,
    col_hi: FloatArray,
    col_start: IntArray,
    nz_row: IntArray,
    val: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    y: FloatArray,
    offset: float,
    cuts: tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray] | None = None,
    blocks: tuple[int, IntArray, FloatArray] | None = None,
) -> tuple[float, FloatArray]:
    """:func:`safe_bound` of the whole LP, its matrix column-wise; ``cuts`` are ``>=`` rows
    ``z - slope s >= lo`` given as ``(z column, s column, slope, lo, their duals)``.

    ``blocks = (first, starts, total)``: the columns ``first + starts[k] .. first +
    starts[k + 1] - 1`` (a signature's class columns, lower bound 0) sum to at most
    ``total[k]`` in every feasible point, so together they contribute at least ``total[k] x
    min(0, least d)`` (the Lasdon bound of column generation) rather than each its own
    ``min(0, d) x upper``: the bound of a restricted LP's duals is then useful long before
    the columns converge."""
    y = y.copy()
    y[(y > 0) & ~np.isfinite(row_lo)] = 0.0
    y[(y < 0) & ~np.isfinite(row_hi)] = 0.0
    cols = np.repeat(np.arange(len(cost), dtype=np.int64), np.diff(col_start))
    d = cost - np.bincount(cols, weights=val * y[nz_row], minlength=len(cost))
    lo_side = np.where(y > 0, y * np.where(np.isfinite(row_lo), row_lo, 0.0), 0.0)
    hi_side = np.where(y < 0, y * np.where(np.isfinite(row_hi), row_hi, 0.0), 0.0)
    rows_total = float(lo_side.sum() + hi_side.sum())
    if cuts is not None:
        zc, sc, slope, lo_c, yc = cuts
        yc = np.maximum(yc, 0.0)  # a ">=" row with no upper side
        d -= np.bincount(zc, weights=yc, minlength=len(cost))
        d += np.bincount(sc, weights=yc * slope, minlength=len(cost))
        rows_total += float(np.dot(yc, lo_c))
    term = np.minimum(d * col_lo, d * col_hi)
    if blocks is not None:
        first, starts, total = blocks
        last = first + int(starts[-1])
        dmin = np.minimum.reduceat(d[first:last], starts[:-1]) if last > first else np.zeros(0)
        term[first:last] = 0.0
        return float(offset + rows_total + term.sum() + np.dot(total, np.minimum(dmin, 0.0))), d
    return float(offset + rows_total + term.sum()), d


def _ranges(first: IntArray, count: IntArray) -> IntArray:
    """``first[i], first[i] + 1, ..., first[i] + count[i] - 1`` for every ``i``, concatenated."""
    total = int(count.sum())
    return (
        np.repeat(first, count)
        + np.arange(total, dtype=np.int64)
        - np.repeat(np.cumsum(count) - count, count)
    )
