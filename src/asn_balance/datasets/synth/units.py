"""The organisation of a scenario: units, their positions and the staff of each position.

Agency-wide units (dinas, badan, secretariats, RSUD) come first, then kecamatan blocks (a
kecamatan, its kelurahan, puskesmas and, from 2,000 employees up, schools), named after
Palembang places; the catalogue (:mod:`.catalogue`) says which jabatan each kind of unit holds.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .catalogue import jabatan_tables, organisation
from .constants import FloatArray, IntArray

__all__ = [
    "Unit",
    "allocate_staff",
    "place_names",
    "plan_positions",
    "plan_units",
    "replicate_positions",
    "roman",
]


def place_names(rng: np.random.Generator, count: int, avoid: set[str]) -> list[str]:
    """``count`` distinct Palembang-like place names not in ``avoid``."""
    org = organisation()
    base = [h + " " + t for h in org.place_heads for t in org.place_tails]
    pool = [b + s for s in org.place_sides for b in (base[i] for i in rng.permutation(len(base)))]
    out: list[str] = []
    seen = set(avoid)
    for name in pool:
        if len(out) == count:
            return out
        if name not in seen:
            seen.add(name)
            out.append(name)
    k = 2
    while len(out) < count:  # beyond ~4,800 names: number them
        out.extend(f"{b} {roman(k)}" for b in base[: count - len(out)])
        k += 1
    return out


def roman(k: int) -> str:
    """Roman numeral of a small positive integer."""
    vals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for v, s in vals:
        while k >= v:
            out += s
            k -= v
    return out


class Unit(NamedTuple):
    """One unit of the organisation, with the jabatan it may hold."""

    unit_id: str
    name: str
    kind: str
    mandatory: tuple[str, ...]
    optional: dict[str, float]
    mean: float  # mean number of positions before scaling
    staff_mult: float


def plan_units(n: int, rng: np.random.Generator) -> tuple[list[Unit], float]:
    """Lay out the organisation: agency-wide units, then kecamatan blocks; also the position target."""
    org, jabatan = organisation(), jabatan_tables().jabatan
    target = min(n / 8.0 + 25.0, max(1.0, n / 2.0))
    scale = max(n, 600) / 600.0
    central_mean = 4.3 * (1.0 + 0.5 * math.log10(scale))
    n_central = int(np.clip(round(0.6 * target / 4.0), 1, len(org.central)))
    centrals = org.central[:n_central]
    budget = target - central_mean * sum(c.size for c in centrals)
    schools = n >= 2000
    block = 6.0 + 7 * 2.5 + 2 * 6.0 + (3 * 2.6 + 2 * 3.0 if schools else 0.0)
    n_blocks = round(budget / block) if budget >= block else (1 if budget > 3.0 else 0)

    units: list[Unit] = []
    counters: dict[str, int] = {}

    def add(prefix: str, name: str, kind: str, mandatory: tuple[str, ...], optional: dict[str, float],
            mean: float, staff_mult: float) -> None:  # fmt: skip
        counters[prefix] = counters.get(prefix, 0) + 1
        units.append(
            Unit(f"{prefix}{counters[prefix]:02d}", name, kind, mandatory, optional, mean, staff_mult)
        )

    def add_territorial(kind: str, where: str | int) -> None:
        t = org.territorial[kind]
        add(t.prefix, t.name.format(where), kind, t.mandatory, t.optional, t.mean, t.staff_mult)

    for c in centrals:
        mandatory = tuple(dict.fromkeys((*c.specific[:2], "Pengadministrasi Umum")))
        optional = {j: 3.0 * jabatan[j].weight for j in c.specific[2:]}
        optional.update(
            {j: w for j, w in org.secretariat.items() if j not in mandatory and j not in optional}
        )
        add(c.prefix, c.name, "central", mandatory, optional, central_mean * c.size, 1.0)

    kec_names = list(org.kecamatan[:n_blocks])
    if n_blocks > len(kec_names):
        kec_names += place_names(rng, n_blocks - len(kec_names), set(org.kecamatan))
    n_kel = np.where(np.arange(n_blocks) == 0, 7, rng.integers(4, 11, n_blocks))
    if n_blocks == 1 and budget < block:  # a partial block for small scenarios
        n_kel[0] = int(np.clip(round((budget - 12.0) / 2.5), 0, 7))
    kel_names = list(org.plaju_kelurahan[: int(n_kel[0])]) if n_blocks else []
    kel_names += place_names(
        rng, int(n_kel.sum()) - len(kel_names), set(org.plaju_kelurahan) | set(kec_names)
    )
    n_pkm = np.where(
        np.arange(n_blocks) == 0, 2, 1 + (rng.random(n_blocks) < 0.6) + (rng.random(n_blocks) < 0.2)
    )
    if n_blocks == 1 and budget < block:
        n_pkm[0] = 2 if budget > 30.0 else 1 if budget > 12.0 else 0
    school_no = {"sd": 0, "smp": 0}
    k = 0
    for b, kec in enumerate(kec_names):
        add_territorial("kecamatan", kec)
        own = kel_names[k : k + int(n_kel[b])]
        k += int(n_kel[b])
        for kel in own:
            add_territorial("kelurahan", kel)
        extra = int(n_pkm[b]) - 1  # further puskesmas are named after distinct kelurahan
        picks = rng.permutation(len(own))[: max(extra, 0)]
        named = [own[i] for i in sorted(picks)]
        named += [f"{kec} {roman(i + 2)}" for i in range(extra - len(named))]
        for where in [kec, *named][: int(n_pkm[b])]:
            add_territorial("puskesmas", where)
        if schools:
            for kind, count in (("sd", int(rng.integers(2, 5))), ("smp", int(rng.integers(1, 3)))):
                for _ in range(count):
                    school_no[kind] += 1
                    add_territorial(kind, school_no[kind])
    # re-number ids with a common width per prefix
    width = {p: max(2, len(str(c))) for p, c in counters.items()}
    units = [
        u._replace(unit_id=f"{u.unit_id[:3]}{int(u.unit_id[3:]):0{width[u.unit_id[:3]]}d}") for u in units
    ]
    return units, target


def plan_positions(
    units: list[Unit], target: float, rng: np.random.Generator
) -> tuple[IntArray, IntArray, FloatArray]:
    """Positions as (unit index, jabatan index, staff weight) arrays."""
    index = jabatan_tables().index
    means = np.array([u.mean for u in units])
    factor = target / means.sum()
    noise = rng.lognormal(0.0, 0.25, len(units))
    unit_of: list[int] = []
    jab_of: list[int] = []
    mult: list[float] = []
    for i, u in enumerate(units):
        cap = len(u.mandatory) + len(u.optional)
        k = int(np.clip(round(factor * u.mean * noise[i]), 1, cap))
        chosen = list(u.mandatory[:k])
        if k > len(chosen):
            names = list(u.optional)
            w = np.array([u.optional[x] for x in names])
            idx = rng.choice(len(names), size=k - len(chosen), replace=False, p=w / w.sum())
            chosen += [names[j] for j in sorted(idx)]
        unit_of += [i] * len(chosen)
        jab_of += [index[j] for j in chosen]
        mult += [u.staff_mult] * len(chosen)
    return np.array(unit_of, dtype=np.int64), np.array(jab_of, dtype=np.int64), np.array(mult)


def allocate_staff(
    n: int, jab: IntArray, mult: FloatArray, vacancy: float, rng: np.random.Generator
) -> IntArray:
    """Staff count per position: ``n`` in total, each non-vacant position at least one."""
    n_pos = len(jab)
    vacant = rng.random(n_pos) < vacancy
    if n_pos - vacant.sum() > n:  # more positions than people: leave the rest vacant
        keep = rng.permutation(np.flatnonzero(~vacant))[:n]
        vacant[:] = True
        vacant[keep] = False
    if not (~vacant).any():
        vacant[0] = False
    w = jabatan_tables().weight[jab] * mult * rng.lognormal(0.0, 0.45, n_pos)
    w[vacant] = 0.0
    staff = (~vacant).astype(np.int64)
    rest = n - int(staff.sum())
    staff += rng.multinomial(rest, w / w.sum()).astype(np.int64)
    return staff


def replicate_positions(
    units: list[Unit], target: float, copies: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray, FloatArray]:
    """Positions of ``copies`` copies of the organisation ``units`` (e.g. one per instansi).

    Like :func:`plan_positions`, vectorised over the copies: copy ``r`` of unit ``i`` is unit
    ``r * len(units) + i``; each copy draws its own number of positions and its own optional
    jabatan (weighted, without replacement, by Gumbel top-k keys).

    Returns
    -------
    tuple of ndarray
        Unit index (sorted), jabatan index and staff weight per position.
    """
    index = jabatan_tables().index
    n_units = len(units)
    means = np.array([u.mean for u in units])
    factor = target / means.sum()
    noise = rng.lognormal(0.0, 0.25, (copies, n_units))
    unit_parts: list[IntArray] = []
    jab_parts: list[IntArray] = []
    rank_parts: list[IntArray] = []
    mult_parts: list[FloatArray] = []
    for i, u in enumerate(units):
        names = [*u.mandatory, *u.optional]
        m = len(u.mandatory)
        k = np.clip(np.round(factor * u.mean * noise[:, i]), 1, len(names)).astype(np.int64)
        jab = np.array([index[j] for j in names], dtype=np.int64)
        # rank of each jabatan in its copy: mandatory first (in order), then the optional ones
        # sorted by a Gumbel key (weighted sampling without replacement); keep the first k
        rank = np.tile(np.arange(len(names), dtype=np.int64), (copies, 1))
        if len(names) > m:
            w = np.array([u.optional[x] for x in names[m:]])
            keys = np.log(w / w.sum()) - np.log(-np.log(rng.random((copies, len(names) - m))))
            order = np.argsort(-keys, axis=1, kind="stable")
            rank[:, m:][np.arange(copies)[:, None], order] = m + np.arange(len(names) - m)
        r, c = np.nonzero(rank < k[:, None])
        unit_parts.append(r * n_units + i)
        jab_parts.append(jab[c])
        rank_parts.append(c)  # catalogue order within the unit, as plan_positions
        mult_parts.append(np.full(len(r), u.staff_mult))
    unit_of = np.concatenate(unit_parts)
    jab_of = np.concatenate(jab_parts)
    within = np.concatenate(rank_parts)
    mult = np.concatenate(mult_parts)
    order = np.lexsort((within, unit_of))
    return unit_of[order], jab_of[order], mult[order]
