"""The employees of a scenario: status, education, age and NIP, grade, competencies and names."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ...model.domain import EDUCATION_LEVELS, GRADES
from .catalogue import jabatan_tables, people
from .constants import REFERENCE_YEAR, IntArray, StrArray
from .text import competency_text, pick, strings_join

__all__ = ["employees_table"]

# Entry grade rank (index into GRADES) by education rank SD..S3, and the highest grade
# reached by regular promotion: pelaksana stop at III/b (SMA) .. III/d (S1), jabatan
# fungsional go on to III/d (terampil) or IV/c-IV/e (ahli madya, utama).
_ENTRY_GRADE: Final = np.array([0, 2, 4, 4, 5, 6, 8, 8, 9, 10], dtype=np.int64)
_CAP_PELAKSANA: Final = np.array([4, 6, 9, 9, 10, 10, 11, 11, 12, 12], dtype=np.int64)
_CAP_FUNGSIONAL: Final = np.array([5, 7, 11, 11, 11, 11, 14, 14, 15, 16], dtype=np.int64)


def employees_table(
    pos_ids: StrArray,
    staff: IntArray,
    jab_pos: IntArray,
    rng: np.random.Generator,
    *,
    pppk_share: float,
    cpns_share: float,
    locked_share: float,
    extra_columns: bool,
) -> tuple[pd.DataFrame, IntArray, IntArray, npt.NDArray[np.int8]]:
    """Make the employees table; also return grade ranks, education ranks and competency levels."""
    cat, names = jabatan_tables(), people()
    n = int(staff.sum())
    pos_of = np.repeat(np.arange(len(staff)), staff)
    je = jab_pos[pos_of]
    ref = REFERENCE_YEAR

    # status: PPPK concentrate in teachers and health workers
    u = rng.random(n)
    p_pppk = cat.pppk[je] / cat.pppk[je].mean() * pppk_share
    status = np.where(u < cpns_share, "CPNS", np.where(u < cpns_share + p_pppk, "PPPK", "PNS"))
    is_pns, is_cpns, is_pppk = status == "PNS", status == "CPNS", status == "PPPK"

    edu = (rng.random(n)[:, None] > cat.edu_cum[je]).sum(axis=1).astype(np.int64)
    edu = np.minimum(edu, len(EDUCATION_LEVELS) - 1)
    female = rng.random(n) < cat.female[je]

    # age at the reference date, birth date, TMT CPNS
    age = np.clip(np.round(rng.normal(44.0, 8.5, n)), 23, 57).astype(np.int64)
    age = np.where(is_cpns, rng.integers(22, 36, n), age)
    age = np.where(is_pppk, np.clip(np.round(rng.normal(35.0, 6.0, n)), 23, 44).astype(np.int64), age)
    b_year = ref - 1 - age
    b_month = rng.integers(1, 13, n)
    leap = (b_year % 4 == 0) & ((b_year % 100 != 0) | (b_year % 400 == 0))
    dim = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[b_month - 1] + ((b_month == 2) & leap)
    b_day = 1 + np.floor(rng.random(n) * dim).astype(np.int64)
    entry_age = np.round(rng.normal(25.0, 3.5, n) + np.where(edu >= 7, 1.5, -1.0)).astype(np.int64)
    entry_age = np.clip(entry_age, 18, 40)
    t_year = np.minimum(b_year + entry_age, ref - 2)
    t_year = np.where(is_cpns, ref - 1, t_year)
    t_year = np.where(is_pppk, np.clip(rng.integers(ref - 4, ref, n), b_year + 18, b_year + 40), t_year)
    t_month = rng.integers(1, 13, n)
    service = (ref - t_year) * 12 - (t_month - 1)  # months from TMT to 1 January of REFERENCE_YEAR

    # grade from education and years of service
    years = service / 12.0
    promotions = np.floor(years / rng.uniform(3.8, 5.0, n)).astype(np.int64)
    cap = np.where(cat.fungsional[je], _CAP_FUNGSIONAL[edu], _CAP_PELAKSANA[edu])
    grade = np.minimum(_ENTRY_GRADE[edu] + np.where(is_pns, promotions, 0), cap)
    grade = np.maximum(grade, _ENTRY_GRADE[edu])

    # competencies: the jabatan's own, leaning high, plus a few others
    n_comp = len(cat.competencies)
    levels = np.zeros((n, n_comp), dtype=np.int8)
    rows = np.arange(n)
    senior = (years >= 15) & (rng.random(n) < 0.35)
    lv1 = np.clip(np.round(rng.normal(3.2, 0.9, n)) + senior, 1, 5)
    levels[rows, cat.comp1[je]] = lv1
    has2 = (cat.comp2[je] >= 0) & (rng.random(n) < 0.85)
    levels[rows[has2], cat.comp2[je][has2]] = np.clip(np.round(rng.normal(2.6, 1.0, int(has2.sum()))), 1, 5)
    extra_n = rng.choice(3, size=n, p=[0.45, 0.4, 0.15])
    extra_k = rng.integers(0, n_comp, (n, 2))
    extra_lv = np.clip(np.round(rng.normal(2.0, 0.8, (n, 2))), 1, 4).astype(np.int8)
    for slot in range(2):
        m = (extra_n > slot) & (levels[rows, extra_k[:, slot]] == 0)
        levels[rows[m], extra_k[m, slot]] = extra_lv[m, slot]
    levels[rng.random(n) < 0.02] = 0  # competency data not filled in

    # months in the current position: about a quarter under 24
    short = rng.random(n) < 0.13
    months = np.where(
        short, rng.integers(0, 24, n), 24 + np.minimum(rng.exponential(40.0, n), 156).astype(int)
    )
    months = np.minimum(months, service).astype(np.int64)

    # NIP: birth date + TMT + sex + serial, unique
    prefix15 = (
        ((b_year * 10000 + b_month * 100 + b_day) * 1_000_000 + t_year * 100 + t_month) * 10 + 1 + female
    )
    serial = rng.integers(1, 1000, n)
    while True:
        dup = pd.Series(prefix15 * 1000 + serial).duplicated().to_numpy()
        if not dup.any():
            break
        serial[dup] = rng.integers(1, 1000, int(dup.sum()))
    nip = (prefix15 * 1000 + serial).astype(str)

    # names with Palembang honorifics and academic titles
    given = np.where(female, pick(rng, names.female, n), pick(rng, names.male, n))
    family = np.where(female, pick(rng, names.female_family, n), pick(rng, names.male_family, n))
    family = np.where(rng.random(n) < 0.08, "", family)
    honor = np.where(female, pick(rng, names.female_honorific, n), pick(rng, names.male_honorific, n))
    honor = np.where(rng.random(n) < 0.06, honor, "")
    field = cat.field[je]
    name = strings_join([honor, given, family], " ")
    name = names.title_prefix[field, edu].astype(object) + name
    name = strings_join([name, names.title_suffix[field, edu]], ", ")

    frame = pd.DataFrame(
        {
            "employee_id": nip,
            "name": name,
            "position_id": pos_ids[pos_of],
            "status": status,
            "grade": np.asarray(GRADES)[grade],
            "education": np.asarray(EDUCATION_LEVELS)[edu],
            "competencies": competency_text(levels),
            "months_in_position": months,
            "locked": rng.random(n) < locked_share,
        }
    )
    if extra_columns:
        birthplaces = names.birthplaces
        places = np.array([p for p, _ in birthplaces])
        pw = np.array([w for _, w in birthplaces])
        frame["tempat_lahir"] = places[rng.choice(len(places), size=n, p=pw / pw.sum())]
        frame["keterangan"] = np.where(rng.random(n) < 0.12, pick(rng, names.remarks, n), "")
    return frame, grade, edu, levels
