"""The terms of the objective, recomputed from the tables (see :mod:`.verifier`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.policy import TERMS
from .frames import _Bool, _competency_gaps, _Float, _Int, _num, _opt_text, _text_at
from .people import _Context, _People, _pref_rank

__all__ = ["balance_of"]


def _balance(staff: _Float, need: _Float) -> float:
    return float(np.sum((staff - need) ** 2 / np.maximum(need, 1.0)))


def balance_of(staff: pd.Series, need: pd.Series) -> float:
    """Balance term ``B = sum((staff - need)**2 / max(need, 1))`` over positions.

    Parameters
    ----------
    staff : pandas.Series
        Staff per position, indexed by position_id; positions missing here have no staff.
    need : pandas.Series
        Staff need (FTE) per position, indexed by position_id; defines the positions summed.

    Returns
    -------
    float
        The balance term; 0 when every position has exactly its need.

    Raises
    ------
    ValueError
        If ``staff`` names a position that ``need`` does not.
    """
    extra = staff.index.difference(need.index)
    if len(extra):
        raise ValueError(f"staff given for positions without a need: {list(extra[:5])}")
    s = staff.reindex(need.index, fill_value=0).to_numpy(dtype=float)
    return _balance(s, need.to_numpy(dtype=float))


def _wish_cost(
    people: _People, e: _Int, p: _Int, pid: npt.NDArray[np.object_], unit: npt.NDArray[np.object_]
) -> _Float:
    """Unmet wish of moving ``e[i]`` to ``p[i]``: 0 without a list, ``(r - 1) / k`` at rank
    ``r``, 1 when not listed (in units of ``preference_weight``)."""
    k = people.n_listed[e].astype(float)
    rank = _pref_rank(people, e, p, pid, unit)
    cost = np.where(np.isnan(rank), 1.0, (rank - 1.0) / np.maximum(k, 1.0))
    return np.where(k > 0, cost, 0.0)


def _shortfall(ctx: _Context, e: _Int, p: _Int) -> _Float:
    """Levels employee ``e[i]`` falls short of the ``competency_standard`` of position ``p[i]``."""
    standard = _opt_text(ctx.pos, "competency_standard")[p]
    if not (standard != "").any():
        return np.zeros(len(e))
    gaps = _competency_gaps(_text_at(ctx.emp["competencies"], e), standard, "competency_standard", [])
    short = np.maximum((gaps["level_req"] - gaps["level_have"]).to_numpy(dtype=float), 0.0)
    return np.bincount(gaps["m"].to_numpy(dtype=np.intp), weights=short, minlength=len(e)).astype(float)


def _overdue(ctx: _Context) -> _Bool:
    """Employees over ``max_months_in_position`` (a rotation is due)."""
    with np.errstate(invalid="ignore"):
        return _num(ctx.emp["months_in_position"]) > ctx.policy.max_months_in_position


def _terms(
    ctx: _Context,
    cur_pos: _Int,
    after_pos: _Int,
    balance: float,
    spouses_apart: int,
) -> dict[str, float]:
    """Every term of the objective (see the module docstring), in the order of TERMS."""
    policy, people = ctx.policy, ctx.people
    moved = after_pos != cur_pos
    e = np.flatnonzero(moved & (after_pos >= 0))
    terms = dict.fromkeys(TERMS, 0.0)
    terms["balance"] = balance
    terms["moves"] = float(policy.move_cost) * int(np.count_nonzero(moved))
    # preferences: volunteers who stay, and movers with a list by the rank of their target
    stay_wishes = float(np.count_nonzero(people.volunteer & ~moved))
    move_wishes = float(np.sum(_wish_cost(people, e, after_pos[e], ctx.pid, ctx.unit)))
    terms["preferences"] = float(policy.preference_weight) * (stay_wishes + move_wishes)
    terms["spouses"] = float(policy.spouse_weight) * spouses_apart
    # fit: levels the movers fall short of their target's competency_standard
    terms["fit"] = float(policy.fit_weight) * float(np.sum(_shortfall(ctx, e, after_pos[e])))
    terms["rotation"] = float(policy.rotation_weight) * int(np.count_nonzero(_overdue(ctx) & ~moved))
    return terms
