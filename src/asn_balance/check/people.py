"""Per-employee facts of the mutasi policy (volunteers, exclusions, retirement, preference
lists, spouse links) and the context every rule reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.domain import PART_TIME, jabatan_retirement_age
from ..model.policy import Policy
from .frames import _Bool, _Float, _Int, _opt_bool, _opt_ids, _opt_num, _opt_text


@dataclass(frozen=True)
class _People:
    """Per-employee facts of the mutasi policy; an absent column gives the default (rule off)."""

    volunteer: _Bool
    discipline: _Bool
    study_leave: _Bool
    birth: pd.Series  # datetime64, NaT when unknown
    retirement_age: _Float  # R of the current position (or the policy's)
    age_of_position: _Bool  # R comes from the current position, not the policy
    age_of_jabatan: _Bool  # ... from the BUP of its jabatan_type (it gives no retirement_age)
    near: _Bool  # retirement within the buffer (rule retirement_buffer)
    pref_text: npt.NDArray[np.object_]
    prefs: pd.DataFrame  # long table ``e, entry, rank`` of the distinct non-empty entries
    n_listed: _Int  # k: number of distinct non-empty entries
    link_a: _Int  # spouse links (employee numbers, link_a < link_b), once each
    link_b: _Int


def _jabatan_ages(pos: pd.DataFrame) -> _Float:
    """BUP per position from ``jabatan_type`` and ``jabatan_level`` (PP 11/2017 Pasal 239:
    58, 60 or 65); NaN where the jabatan does not decide it or the columns are absent."""
    kinds = pd.Series(
        list(zip(_opt_text(pos, "jabatan_type"), _opt_text(pos, "jabatan_level"), strict=True)), dtype=object
    )
    ages = {tl: jabatan_retirement_age(*tl) for tl in pd.unique(kinds)}
    return np.array([np.nan if (a := ages[tl]) is None else float(a) for tl in kinds], dtype=float)


def _retirement(
    emp: pd.DataFrame, pos: pd.DataFrame, cur_pos: _Int, policy: Policy
) -> tuple[pd.Series, _Float, _Bool, _Bool, _Bool]:
    """Birth dates, retirement age R, whether R is the position's (its ``retirement_age``,
    else the BUP of its jabatan), whether it is the jabatan's, and the near mask."""
    if "birth_date" in emp.columns:
        birth = pd.Series(pd.to_datetime(emp["birth_date"], errors="coerce"), index=emp.index)
    else:
        birth = pd.Series(pd.NaT, index=emp.index, dtype="datetime64[ns]")
    given = _opt_num(pos, "retirement_age")
    by_jabatan = _jabatan_ages(pos)
    ages = np.where(np.isnan(given), by_jabatan, given)
    here = cur_pos >= 0
    own = np.where(here, ages[np.maximum(cur_pos, 0)], np.nan) if len(ages) else np.full(len(emp), np.nan)
    of_jabatan = np.zeros(len(emp), dtype=bool)
    if len(ages):
        of_jabatan = here & np.isnan(given[np.maximum(cur_pos, 0)]) & ~np.isnan(own)
    of_position = ~np.isnan(own)
    age = np.where(of_position, own, float(policy.retirement_age))
    known = birth.notna().to_numpy()
    year = birth.dt.year.fillna(0).to_numpy(dtype=np.int64)
    month = birth.dt.month.fillna(1).to_numpy(dtype=np.int64)
    day = birth.dt.day.fillna(1).to_numpy(dtype=np.int64)
    retire_month = (year + np.floor(age).astype(np.int64)) * 12 + (month - 1)
    d = policy.date()
    limit_month = d.year * 12 + (d.month - 1) + policy.retirement_buffer_months
    near = known & ((retire_month < limit_month) | ((retire_month == limit_month) & (day <= d.day)))
    return birth, age, of_position, of_jabatan, near


def _fte_of(emp: pd.DataFrame, policy: Policy) -> _Float:
    """FTE per employee: the ``fte`` column where filled, else ``policy.part_time_fte`` for
    status PPPK Paruh Waktu and 1 for everybody else."""
    given = _opt_num(emp, "fte")
    status = _opt_text(emp, "status")
    default = np.where(status == PART_TIME, float(policy.part_time_fte), 1.0)
    return np.where(np.isnan(given), default, given).astype(float)


def _preferences(texts: npt.NDArray[np.object_]) -> tuple[pd.DataFrame, _Int]:
    """Long table ``e, entry, rank`` of the lists and ``k`` per employee (see the docstring)."""
    has = np.flatnonzero(texts != "")
    parts = pd.Series(texts[has], index=has, dtype=object).str.split(r"[;,|]", regex=True).explode()
    entry = parts.fillna("").astype(str).str.strip()
    frame = pd.DataFrame({"e": entry.index.to_numpy(dtype=np.intp), "entry": entry.to_numpy(dtype=object)})
    frame = frame[frame["entry"] != ""].drop_duplicates(["e", "entry"], keep="first")
    frame = frame.assign(rank=frame.groupby("e").cumcount().to_numpy(dtype=np.intp) + 1)
    frame = frame.reset_index(drop=True).astype({"e": np.intp, "entry": object, "rank": np.intp})
    k = np.bincount(frame["e"].to_numpy(dtype=np.intp), minlength=len(texts)).astype(np.intp)
    return frame, k


def _spouse_links(emp: pd.DataFrame, emp_ids: pd.Index) -> tuple[_Int, _Int]:
    """Pairs ``a < b`` of employees of whom one names the other in ``spouse_id``, once each."""
    sid = _opt_ids(emp, "spouse_id")
    named = np.flatnonzero(sid != "")
    other = emp_ids.get_indexer(pd.Index(sid[named], dtype=object))
    ok = (other >= 0) & (other != named)
    a = np.minimum(named[ok], other[ok])
    b = np.maximum(named[ok], other[ok])
    links = pd.DataFrame({"a": a, "b": b}).drop_duplicates().sort_values(["a", "b"])
    return links["a"].to_numpy(dtype=np.intp), links["b"].to_numpy(dtype=np.intp)


def _people(
    emp: pd.DataFrame, pos: pd.DataFrame, emp_ids: pd.Index, cur_pos: _Int, policy: Policy
) -> _People:
    birth, age, of_position, of_jabatan, near = _retirement(emp, pos, cur_pos, policy)
    pref_text = _opt_text(emp, "preferences")
    prefs, k = _preferences(pref_text)
    link_a, link_b = _spouse_links(emp, emp_ids)
    return _People(
        volunteer=_opt_bool(emp, "volunteer"),
        discipline=_opt_bool(emp, "discipline"),
        study_leave=_opt_bool(emp, "study_leave"),
        birth=birth,
        retirement_age=age,
        age_of_position=of_position,
        age_of_jabatan=of_jabatan,
        near=near,
        pref_text=pref_text,
        prefs=prefs,
        n_listed=k,
        link_a=link_a,
        link_b=link_b,
    )


def _pref_rank(
    people: _People, e: _Int, p: _Int, pid: npt.NDArray[np.object_], unit: npt.NDArray[np.object_]
) -> _Float:
    """Rank of position ``p[i]`` in the list of employee ``e[i]``: NaN when not listed."""
    out = np.full(len(e), np.nan)
    if len(e) == 0 or len(people.prefs) == 0:
        return out
    query = pd.DataFrame({"q": np.arange(len(e)), "e": e, "pid": pid[p], "unit": unit[p]})
    hits = [
        query.merge(people.prefs, left_on=["e", key], right_on=["e", "entry"])[["q", "rank"]]
        for key in ("pid", "unit")
    ]
    best = pd.concat(hits, ignore_index=True).groupby("q")["rank"].min()
    out[best.index.to_numpy(dtype=np.intp)] = best.to_numpy(dtype=float)
    return out


@dataclass(frozen=True)
class _Context:
    """What the per-mover rules read: the tables, the policy and the policy columns."""

    emp: pd.DataFrame
    pos: pd.DataFrame
    pos_rows: list[int | None]
    policy: Policy
    people: _People
    emp_id: npt.NDArray[np.object_]
    pid: npt.NDArray[np.object_]
    unit: npt.NDArray[np.object_]  # unit_id per position
