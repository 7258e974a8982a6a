"""The top-level generator: :func:`generate`, :func:`generate_scale` and :func:`imbalance_of`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ...model.abk import need_fte, workload_from_tasks
from .catalogue import jabatan_tables
from .constants import (
    EMPLOYEE_COLUMNS,
    EXTRA_COLUMNS,
    POSITION_COLUMNS,
    SCALE_OPTIONS,
    SCALES,
    TASK_COLUMNS,
    WKE_HOURS,
)
from .people import employees_table
from .policy import insert_after, policy_tables
from .positions import needs, requirements, task_rows
from .units import allocate_staff, plan_positions, plan_units, replicate_positions

__all__ = ["generate", "generate_scale", "imbalance_of"]


def generate(
    n_employees: int = 600,
    *,
    seed: int = 0,
    with_tasks: bool = True,
    extra_columns: bool = True,
    imbalance: float = 0.35,
    pppk_share: float = 0.12,
    cpns_share: float = 0.03,
    locked_share: float = 0.03,
    vacancy_share: float = 0.03,
    tasks_share: float = 0.9,
    policy_columns: bool = False,
    instansi: int = 1,
) -> dict[str, pd.DataFrame]:
    """Generate a realistic planning scenario of an Indonesian local government.

    The organisation has agency-wide units (Sekretariat Daerah, dinas, badan, Inspektorat,
    Sekretariat DPRD, RSUD; the first ones only in small scenarios) and kecamatan blocks
    (a kecamatan, its kelurahan, one to three puskesmas and, from 2,000 employees up, SD and
    SMP schools). The first kecamatan is Plaju (Palembang) with its seven kelurahan. There
    are about ``n_employees / 8 + 25`` positions (one per unit and jabatan), about four per
    unit: 600 employees give ~100 positions in ~25 units, 10,000 give ~1,300 in ~340.

    Parameters
    ----------
    n_employees : int
        Number of employees (exactly this many rows), at least 1.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same tables.
    with_tasks : bool
        Whether to give the ABK task detail. When true, ``tasks_share`` of the positions
        have tasks and a blank ``workload_hours`` (their workload comes from the tasks),
        the others have ``workload_hours`` and no tasks. When false, every position has
        ``workload_hours`` and the tasks table is empty.
    extra_columns : bool
        Add columns a planner must ignore (see :data:`EXTRA_COLUMNS`).
    imbalance : float
        How far staffing is from the need: the need per position is drawn so that
        ``sum |need - staff| / sum staff`` is about this value (see :func:`imbalance_of`),
        some positions over-, some under-staffed, and the agency total need within 8 %
        of the head count. ``0`` gives a balanced scenario (need = staff, no vacancies).
    pppk_share, cpns_share : float
        Expected shares of PPPK (mostly teachers and health workers) and CPNS; the rest
        are PNS.
    locked_share : float
        Share of employees marked ``locked``.
    vacancy_share : float
        Share of positions with no staff but a workload (scaled down with ``imbalance``).
    tasks_share : float
        Share of positions given as tasks when ``with_tasks`` is true.
    policy_columns : bool
        Add the mutasi-policy columns (:data:`POLICY_COLUMNS`) and a ``units`` table
        (:data:`UNIT_COLUMNS`), see the notes. They are drawn from a random stream of their
        own, so the other columns are the same as without them.
    instansi : int
        Number of instansi (agencies). With more than one, the organisation of an agency of
        ``n_employees / instansi`` employees is laid out once and copied per instansi, each
        copy with its own positions, staff and people (vectorised over the copies, so a
        national roster of millions takes seconds): unit ids get the instansi code in front
        (``I0007.KEC03``), unit names the instansi name after them. The jabatan are the same
        everywhere, so movers can cross instansi unless a policy forbids it. ``1`` (the
        default) gives one pemda as described above.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``employees``, ``positions`` and ``tasks`` with the canonical columns
        (:data:`EMPLOYEE_COLUMNS`, :data:`POSITION_COLUMNS`, :data:`TASK_COLUMNS`) in
        that order, then the policy columns when asked for, then the extra columns; with
        ``policy_columns`` also ``units``. Blank text cells are ``""``; blank numbers
        (``workload_hours``, ``max_staff``, ``max_moves_out``, ``max_moves_in``) are
        ``<NA>`` of the nullable ``Int64`` dtype; ``birth_date`` is ``datetime64[ns]``.

    Notes
    -----
    Employees: NIPs are well formed (birth date + TMT CPNS + sex + serial, TMT 18 to 40
    years after birth; PPPK numbers follow the same pattern here, though real NI PPPK
    carry ``21`` in place of the TMT month). Grade follows education (entry grade) and
    years of service; education and competencies follow the jabatan; about a quarter have
    served less than 24 months in their position. Positions: about a third carry a
    minimum grade and a fifth a maximum grade taken from the grade spread of the
    jabatan's holders, half a minimum education, 60 % required competencies at level 2-3;
    ``min_staff`` (puskesmas doctors, midwives and nurses, and a few others) and
    ``max_staff`` never exceed, resp. fall below, the current staffing, so doing nothing
    is always feasible. Workload is ``need x 1,250`` hours (WKE of PermenPAN-RB 1/2020).

    Policy columns: ``birth_date`` is the birth date in the NIP; about 1 % each are under
    ``discipline`` and on ``study_leave``; about 5 % are ``volunteer`` with one to three
    ``preferences`` (positions of the same jabatan in other units, sometimes such a unit),
    and about 2 % of the others have preferences too; about 2 % are in ``spouse_id`` pairs
    of a man and a woman of the same unit (a fifth of the pairs named on one side only).
    ``retirement_age`` is 58, 60 for teachers, school supervisors and about a third of the
    senior fungsional positions (ahli madya) and 65 for a few of these (ahli utama).
    ``competency_standard`` (85 % of positions) asks the required levels or one above, and
    the jabatan's primary competency at level 2-4 where none is required. Units: about a
    third have ``max_moves_out`` and/or ``max_moves_in`` of 2 to 6, about a fifth a
    ``coverage`` of one or two competencies that the current staff already meet.

    Examples
    --------
    >>> t = generate(200, seed=1)
    >>> t["employees"]["position_id"].isin(t["positions"]["position_id"]).all()
    np.True_
    """
    n = int(n_employees)
    if n < 1:
        raise ValueError(f"n_employees must be at least 1, got {n_employees!r}")
    for label, value in (
        ("imbalance", imbalance),
        ("pppk_share", pppk_share),
        ("cpns_share", cpns_share),
        ("locked_share", locked_share),
        ("vacancy_share", vacancy_share),
        ("tasks_share", tasks_share),
    ):
        if not 0.0 <= value <= (3.0 if label == "imbalance" else 1.0):
            raise ValueError(f"{label} is out of range: {value!r}")
    if pppk_share + cpns_share > 0.9:
        raise ValueError("pppk_share + cpns_share must be at most 0.9")
    cat = jabatan_tables()
    rng = np.random.default_rng(seed)

    copies = int(instansi)
    if copies < 1:
        raise ValueError(f"instansi must be at least 1, got {instansi!r}")
    if copies == 1:
        units, target = plan_units(n, rng)
        unit_of, jab_pos, mult = plan_positions(units, target, rng)
        unit_ids = np.array([u.unit_id for u in units])
        unit_names = np.array([u.name for u in units])
        kinds = np.array([u.kind for u in units])[unit_of]
    else:
        units, target = plan_units(max(1, round(n / copies)), rng)
        unit_of, jab_pos, mult = replicate_positions(units, target, copies, rng)
        width = max(4, len(str(copies)))
        codes = np.strings.add("I", np.strings.zfill(np.arange(1, copies + 1).astype(str), width))
        unit_ids = np.strings.add(
            np.repeat(np.strings.add(codes, "."), len(units)),
            np.tile(np.array([u.unit_id for u in units]), copies),
        )
        unit_names = np.strings.add(
            np.tile(np.array([u.name for u in units]), copies),
            np.repeat(np.strings.add(", Instansi ", codes), len(units)),
        )
        kinds = np.tile(np.array([u.kind for u in units]), copies)[unit_of]
    n_pos = len(jab_pos)
    vacancy = vacancy_share * min(1.0, imbalance / 0.35)
    staff = allocate_staff(n, jab_pos, mult, vacancy, rng)
    seq = np.arange(n_pos) - np.searchsorted(unit_of, unit_of)  # 0.. within each unit
    pos_ids = np.strings.add(
        np.strings.add(unit_ids[unit_of], "-"), np.strings.zfill((seq + 1).astype(str), 2)
    )

    employees, grade, _edu, _levels = employees_table(
        pos_ids,
        staff,
        jab_pos,
        rng,
        pppk_share=pppk_share,
        cpns_share=cpns_share,
        locked_share=locked_share,
        extra_columns=extra_columns,
    )
    emp_jab = np.repeat(jab_pos, staff)
    req, req_levels = requirements(jab_pos, staff, kinds, emp_jab, grade, rng)
    need = needs(staff, jab_pos, imbalance, rng)
    hours = np.maximum(np.round(need * WKE_HOURS), 1.0)

    task_cols = [*TASK_COLUMNS, *(EXTRA_COLUMNS["tasks"] if extra_columns else ())]
    workload = pd.array(hours.astype(np.int64), dtype="Int64")
    if with_tasks:
        by_tasks = rng.random(n_pos) < tasks_share
        tasks = task_rows(pos_ids[by_tasks], jab_pos[by_tasks], hours[by_tasks], rng)[task_cols]
        workload[by_tasks] = pd.NA
    else:
        tasks = pd.DataFrame({c: pd.Series(dtype=object) for c in task_cols})
        tasks = tasks.astype({"volume": np.int64, "norm_minutes": np.int64})

    positions = pd.DataFrame(
        {
            "position_id": pos_ids,
            "unit_id": unit_ids[unit_of],
            "unit_name": unit_names[unit_of],
            "jabatan": np.asarray(cat.names)[jab_pos],
            "workload_hours": workload,
            **req,
        }
    )
    if policy_columns:
        prng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
        emp_cols, pos_cols, units_frame = policy_tables(
            employees["employee_id"].to_numpy(dtype=str),
            pos_ids,
            staff,
            jab_pos,
            unit_of,
            unit_ids,
            unit_names,
            _levels,
            req_levels,
            prng,
        )
        employees = insert_after(employees, len(EMPLOYEE_COLUMNS), emp_cols)
        positions = insert_after(positions, len(POSITION_COLUMNS), pos_cols)
    if extra_columns:
        positions["kelas_jabatan"] = cat.kelas[jab_pos]
        positions["jenis_jabatan"] = np.where(cat.fungsional[jab_pos], "Fungsional", "Pelaksana")
    out = {"employees": employees, "positions": positions, "tasks": tasks}
    if policy_columns:
        out["units"] = units_frame
    return out


def generate_scale(name: str, seed: int = 0, **kwargs: Any) -> dict[str, pd.DataFrame]:
    """Generate a named scenario size from :data:`SCALES`.

    Parameters
    ----------
    name : str
        ``plaju`` (600 employees), ``city`` (10,000), ``province`` (90,000), ``region``
        (1,000,000 in 100 instansi) or ``nation`` (5,000,000 in 600 instansi, about 640,000
        positions: the whole national ASN), see :data:`SCALE_OPTIONS`.
    seed : int
        Random seed, see :func:`generate`.
    **kwargs
        Further keyword arguments of :func:`generate`.

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables, as :func:`generate` returns them.
    """
    if name not in SCALES:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}")
    return generate(SCALES[name], seed=seed, **{**SCALE_OPTIONS.get(name, {}), **kwargs})


def imbalance_of(tables: Mapping[str, pd.DataFrame], effective_hours: float = WKE_HOURS) -> float:
    """Measure the staffing imbalance ``sum |need - staff| / sum staff`` of tables.

    Workload and need are those of the ABK model (:func:`asn_balance.model.abk.workload_from_tasks`,
    :func:`asn_balance.model.abk.need_fte`).

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        ``employees``, ``positions`` and (optionally) ``tasks`` as :func:`generate` makes
        them; workload comes from the tasks where a position has some.
    effective_hours : float
        Hours per FTE per year (WKE).

    Returns
    -------
    float
        Zero when every position has exactly its need.
    """
    pos = tables["positions"]
    ids = pos["position_id"].astype(str)
    hours = pd.to_numeric(pos["workload_hours"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    tasks = tables.get("tasks")
    if tasks is not None and len(tasks):
        got = workload_from_tasks(tasks.assign(position_id=tasks["position_id"].astype(str)), pd.Index(ids))
        hours = np.where(np.isnan(got), hours, got)
    staff = ids.map(tables["employees"]["position_id"].astype(str).value_counts()).fillna(0).to_numpy(float)
    need = need_fte(np.nan_to_num(hours), effective_hours)
    return float(np.abs(need - staff).sum() / max(staff.sum(), 1.0))
