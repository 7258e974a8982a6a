"""The generator's catalogue: jabatan, organisation, places and names, read from ``data/*.json``.

The files ship with the package (``jabatan.json``, ``organisation.json``, ``places.json`` and
``people.json``; each one's ``about`` entry describes its fields). Each is read once, on first
use (:func:`functools.cache`), and turned into the structures the generator draws from:
:class:`Jab` and :class:`Central` records and the per-jabatan lookup arrays of
:class:`JabatanTables`. The order of every list and mapping in the files is part of the
generator: the same seed gives other tables when it changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import numpy as np

from ...model.domain import EDUCATION_LEVELS, PERIOD_FACTORS
from .constants import BoolArray, FloatArray, IntArray, ObjArray, StrArray

__all__ = [
    "TERRITORIAL_KINDS",
    "Central",
    "Jab",
    "JabatanTables",
    "Organisation",
    "People",
    "Task",
    "Territorial",
    "jabatan_tables",
    "organisation",
    "people",
    "read_catalogue",
]

_PACKAGE = __name__.rpartition(".")[0]

#: The kinds of unit of a kecamatan block, as keys of ``territorial`` in organisation.json.
TERRITORIAL_KINDS: tuple[str, ...] = ("kecamatan", "kelurahan", "puskesmas", "sd", "smp")

Task = tuple[str, str, int, int, str]  # task, period, norm min, norm max (minutes), satuan hasil


class Jab(NamedTuple):
    """One jabatan of the catalogue."""

    comps: tuple[str, ...]  # competencies, the primary one first
    edu: dict[str, float]  # education distribution, e.g. {"SMA": .55, "D3": .2, "S1": .25}
    min_edu: str  # typical minimum education of the jabatan
    kelas: int  # kelas jabatan (extra column)
    weight: float  # relative staff per position
    female: float  # share of women
    field: str  # field of study, for academic titles
    fungsional: bool  # jabatan fungsional (else pelaksana)
    pppk: float  # relative PPPK share
    tasks: tuple[Task, ...]


class Central(NamedTuple):
    """One dinas, badan or other agency-wide unit."""

    name: str
    prefix: str  # unit id prefix
    specific: tuple[str, ...]  # its own jabatan, the first two always present
    size: float  # relative number of positions


class Territorial(NamedTuple):
    """One kind of unit of a kecamatan block (kecamatan, kelurahan, puskesmas, sd, smp)."""

    prefix: str  # unit id prefix
    name: str  # unit name, ``{}`` is the place or the school number
    mandatory: tuple[str, ...]  # always-present jabatan
    optional: dict[str, float]  # optional jabatan with their draw weights
    mean: float  # mean number of positions before scaling
    staff_mult: float  # staff multiplier of its positions


@cache
def read_catalogue(name: str) -> dict[str, Any]:
    """The parsed catalogue file ``data/<name>.json`` (read once).

    Parameters
    ----------
    name : str
        ``jabatan``, ``organisation``, ``places`` or ``people``.

    Returns
    -------
    dict of str to Any
        The file's JSON object.
    """
    text = resources.files(_PACKAGE).joinpath("data").joinpath(f"{name}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"synth catalogue {name}.json must hold a JSON object")
    return data


def _frozen(*arrays: np.ndarray[Any, Any]) -> None:
    """Make shared lookup arrays read-only: they are cached for every later scenario."""
    for a in arrays:
        a.flags.writeable = False


def _strs(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _weights(values: Any) -> dict[str, float]:
    return {str(k): float(v) for k, v in values.items()}


def _task(t: Any) -> Task:
    lo, hi = t["norm_minutes"]
    return (str(t["task"]), str(t["period"]), int(lo), int(hi), str(t["satuan_hasil"]))


def _jab(j: Any) -> Jab:
    return Jab(
        comps=_strs(j["competencies"]),
        edu=_weights(j["education"]),
        min_edu=str(j["min_education"]),
        kelas=int(j["kelas"]),
        weight=float(j["weight"]),
        female=float(j["female"]),
        field=str(j["field"]),
        fungsional=bool(j["fungsional"]),
        pppk=float(j["pppk"]),
        tasks=tuple(_task(t) for t in j["tasks"]),
    )


@dataclass(frozen=True)
class People:
    """Names, honorifics, remarks and academic titles of ``people.json``; birthplaces."""

    male: tuple[str, ...]
    female: tuple[str, ...]
    male_family: tuple[str, ...]
    female_family: tuple[str, ...]
    male_honorific: tuple[str, ...]  # Palembang priyayi titles
    female_honorific: tuple[str, ...]
    remarks: tuple[str, ...]
    #: academic titles by field of study: D3, D4, S1, S2 (S3 adds "Dr." in front)
    titles: dict[str, tuple[str, str, str, str]]
    #: medical degrees put "dr."/"drg." in front instead
    medical_prefix: dict[str, str]
    birthplaces: tuple[tuple[str, float], ...]  # tempat lahir with draw weights (places.json)
    fields: tuple[str, ...]  # the fields of study, in the order of ``titles``
    title_prefix: StrArray  # name prefix by (field, education rank)
    title_suffix: StrArray  # name suffix by (field, education rank)


def _title_tables(
    fields: tuple[str, ...], titles: dict[str, tuple[str, str, str, str]], medical: dict[str, str]
) -> tuple[StrArray, StrArray]:
    """Name prefix and suffix by (field, education rank)."""
    n_edu = len(EDUCATION_LEVELS)
    prefix = np.full((len(fields), n_edu), "", dtype=object)
    suffix = np.full((len(fields), n_edu), "", dtype=object)
    d3, d4, s1, s2, s3 = (EDUCATION_LEVELS.index(x) for x in ("D3", "D4", "S1", "S2", "S3"))
    for f, name in enumerate(fields):
        t_d3, t_d4, t_s1, t_s2 = titles[name]
        med = medical.get(name, "")
        suffix[f, d3], suffix[f, d4] = t_d3, t_d4
        suffix[f, s1] = t_s1
        suffix[f, s2] = ", ".join(t for t in (t_s1, t_s2) if t)
        suffix[f, s3] = suffix[f, s2]
        prefix[f, s1] = prefix[f, s2] = med
        prefix[f, s3] = "Dr. " + med
    return prefix.astype(str), suffix.astype(str)


@cache
def people() -> People:
    """The names and titles of ``people.json`` and the birthplaces of ``places.json`` (built once).

    Returns
    -------
    People
        Name lists, birthplaces, titles and the title lookup arrays.
    """
    raw = read_catalogue("people")
    titles = {
        str(f): (str(t["D3"]), str(t["D4"]), str(t["S1"]), str(t["S2"])) for f, t in raw["titles"].items()
    }
    medical = {str(k): str(v) for k, v in raw["medical_prefix"].items()}
    fields = tuple(titles)
    prefix, suffix = _title_tables(fields, titles, medical)
    _frozen(prefix, suffix)
    return People(
        male=_strs(raw["given_names"]["male"]),
        female=_strs(raw["given_names"]["female"]),
        male_family=_strs(raw["family_names"]["male"]),
        female_family=_strs(raw["family_names"]["female"]),
        male_honorific=_strs(raw["honorifics"]["male"]),
        female_honorific=_strs(raw["honorifics"]["female"]),
        remarks=_strs(raw["remarks"]),
        titles=titles,
        medical_prefix=medical,
        birthplaces=tuple((str(p), float(w)) for p, w in read_catalogue("places")["birthplaces"].items()),
        fields=fields,
        title_prefix=prefix,
        title_suffix=suffix,
    )


@dataclass(frozen=True)
class Organisation:
    """Units and places of ``organisation.json`` and ``places.json``."""

    central: tuple[Central, ...]  # in priority order: a small scenario keeps the first ones
    secretariat: dict[str, float]  # secretariat jabatan of a dinas or badan, with draw weights
    territorial: dict[str, Territorial]  # by kind
    kecamatan: tuple[str, ...]
    plaju_kelurahan: tuple[str, ...]
    place_heads: tuple[str, ...]
    place_tails: tuple[str, ...]
    place_sides: tuple[str, ...]


@cache
def organisation() -> Organisation:
    """The units and places of the catalogue (built once).

    Returns
    -------
    Organisation
        Agency-wide units, secretariat jabatan, territorial unit kinds and place names.
    """
    org, places = read_catalogue("organisation"), read_catalogue("places")
    out = Organisation(
        central=tuple(
            Central(str(c["name"]), str(c["prefix"]), _strs(c["jabatan"]), float(c["size"]))
            for c in org["central"]
        ),
        secretariat=_weights(org["secretariat"]),
        territorial={
            str(kind): Territorial(
                prefix=str(t["prefix"]),
                name=str(t["name"]),
                mandatory=_strs(t["mandatory"]),
                optional=_weights(t["optional"]),
                mean=float(t["mean_positions"]),
                staff_mult=float(t["staff_multiplier"]),
            )
            for kind, t in org["territorial"].items()
        },
        kecamatan=_strs(places["kecamatan"]),
        plaju_kelurahan=_strs(places["plaju_kelurahan"]),
        place_heads=_strs(places["place_heads"]),
        place_tails=_strs(places["place_tails"]),
        place_sides=_strs(places["place_sides"]),
    )
    known = set(jabatan_tables().index)
    used = {j for c in out.central for j in c.specific} | set(out.secretariat)
    used |= {j for t in out.territorial.values() for j in (*t.mandatory, *t.optional)}
    if unknown := sorted(used - known):
        raise ValueError(f"synth catalogue: units name unknown jabatan {unknown}")
    if missing := sorted(set(TERRITORIAL_KINDS) - set(out.territorial)):
        raise ValueError(f"synth catalogue: territorial unit kinds missing: {missing}")
    prefixes = {c.prefix for c in out.central} | {t.prefix for t in out.territorial.values()}
    if bad := sorted(p for p in prefixes if len(p) != 3 or not p.isalpha()):  # unit ids are PPPnn
        raise ValueError(f"synth catalogue: unit id prefixes must be 3 letters, got {bad}")
    return out


@dataclass(frozen=True)
class JabatanTables:
    """The jabatan catalogue and its lookup arrays, one row per jabatan (in catalogue order)."""

    jabatan: dict[str, Jab]
    generic_tasks: tuple[Task, ...]  # tasks any jabatan may also carry (drawn after its own)
    names: tuple[str, ...]
    index: dict[str, int]
    competencies: tuple[str, ...]  # sorted
    comp_index: dict[str, int]
    comp_items: ObjArray  # "name:level" text by (competency, level 0..5)
    bup60: tuple[str, ...]  # jabatan whose BUP is 60 by law (teachers, school supervisors; UU 14/2005)
    edu_cum: FloatArray  # cumulative education distribution over EDUCATION_LEVELS
    min_edu: IntArray
    kelas: IntArray
    weight: FloatArray
    female: FloatArray
    pppk: FloatArray
    field: IntArray  # index into People.fields
    fungsional: BoolArray
    comp1: IntArray  # primary competency (index into competencies)
    comp2: IntArray  # secondary competency, -1 if none
    bias: FloatArray  # over (< 1) or under (> 1) staffed across the agency
    # task templates flattened to arrays: row ``j * tpl_stride + t`` is template ``t`` of jabatan ``j``
    tpl_stride: int
    tpl_name: StrArray
    tpl_period: StrArray
    tpl_unit: StrArray
    tpl_lo: IntArray
    tpl_hi: IntArray
    tpl_factor: FloatArray
    tpl_generic: BoolArray


def _edu_table(jabatan: dict[str, Jab]) -> FloatArray:
    """Cumulative education distribution per jabatan (rows) over EDUCATION_LEVELS."""
    out = np.zeros((len(jabatan), len(EDUCATION_LEVELS)))
    for i, jab in enumerate(jabatan.values()):
        for level, share in jab.edu.items():
            out[i, EDUCATION_LEVELS.index(level)] = share
    out /= out.sum(axis=1, keepdims=True)
    return np.cumsum(out, axis=1)


def _template_tables(
    jabatan: dict[str, Jab], generic_tasks: tuple[Task, ...]
) -> tuple[int, StrArray, StrArray, StrArray, IntArray, IntArray, FloatArray, BoolArray]:
    """Task templates flattened to arrays: row ``j * stride + t`` is template ``t`` of jabatan ``j``."""
    stride = max(len(j.tasks) for j in jabatan.values()) + len(generic_tasks)
    size = stride * len(jabatan)
    name, period, unit = (np.full(size, "", dtype=object) for _ in range(3))
    lo, hi = np.ones(size, dtype=np.int64), np.ones(size, dtype=np.int64)
    generic = np.zeros(size, dtype=bool)
    for j, jab in enumerate(jabatan.values()):
        for t, (task, per, a, b, sat) in enumerate(jab.tasks + generic_tasks):
            i = j * stride + t
            name[i], period[i], unit[i], lo[i], hi[i] = task, per, sat, a, b
            generic[i] = t >= len(jab.tasks)
    period[period == ""] = "tahun"
    factor = np.array([PERIOD_FACTORS[x] for x in period], dtype=float)
    return stride, name.astype(str), period.astype(str), unit.astype(str), lo, hi, factor, generic


def _check(jabatan: dict[str, Jab], generic_tasks: tuple[Task, ...], fields: tuple[str, ...]) -> None:
    """Fail early, naming the jabatan, on a catalogue the generator cannot use."""
    for name, j in jabatan.items():
        bad = [
            *(f"education {x!r}" for x in (*j.edu, j.min_edu) if x not in EDUCATION_LEVELS),
            *(f"period {t[1]!r}" for t in (*j.tasks, *generic_tasks) if t[1] not in PERIOD_FACTORS),
            *([f"field {j.field!r}"] if j.field not in fields else []),
            *(["no competency"] if not j.comps else []),
            *(["no tasks"] if not j.tasks else []),
        ]
        if bad:
            raise ValueError(f"synth catalogue: jabatan {name!r} has {', '.join(bad)}")


@cache
def jabatan_tables() -> JabatanTables:
    """The jabatan catalogue of ``jabatan.json`` and its lookup arrays (built once).

    Returns
    -------
    JabatanTables
        Records, names, competencies and per-jabatan arrays.
    """
    raw = read_catalogue("jabatan")
    jabatan = {str(name): _jab(j) for name, j in raw["jabatan"].items()}
    generic = tuple(_task(t) for t in raw["generic_tasks"])
    bias = _weights(raw["staffing_bias"])
    bup60 = _strs(raw["retirement_age_60"])
    fields = people().fields
    _check(jabatan, generic, fields)
    names = tuple(jabatan)
    if unknown := sorted((set(bias) | set(bup60)) - set(names)):
        raise ValueError(f"synth catalogue: unknown jabatan {unknown}")
    competencies = tuple(sorted({c for j in jabatan.values() for c in j.comps}))
    comp_index = {c: i for i, c in enumerate(competencies)}
    js = list(jabatan.values())
    stride, t_name, t_period, t_unit, t_lo, t_hi, t_factor, t_generic = _template_tables(jabatan, generic)
    out = JabatanTables(
        jabatan=jabatan,
        generic_tasks=generic,
        names=names,
        index={name: i for i, name in enumerate(names)},
        competencies=competencies,
        comp_index=comp_index,
        comp_items=np.array(
            [["" if lv == 0 else f"{c}:{lv}" for lv in range(6)] for c in competencies], dtype=object
        ),
        bup60=bup60,
        edu_cum=_edu_table(jabatan),
        min_edu=np.array([EDUCATION_LEVELS.index(j.min_edu) for j in js]),
        kelas=np.array([j.kelas for j in js], dtype=np.int64),
        weight=np.array([j.weight for j in js]),
        female=np.array([j.female for j in js]),
        pppk=np.array([j.pppk for j in js]),
        field=np.array([fields.index(j.field) for j in js], dtype=np.int64),
        fungsional=np.array([j.fungsional for j in js]),
        comp1=np.array([comp_index[j.comps[0]] for j in js], dtype=np.int64),
        comp2=np.array([comp_index[j.comps[1]] if len(j.comps) > 1 else -1 for j in js], dtype=np.int64),
        bias=np.array([bias.get(name, 1.0) for name in names]),
        tpl_stride=stride,
        tpl_name=t_name,
        tpl_period=t_period,
        tpl_unit=t_unit,
        tpl_lo=t_lo,
        tpl_hi=t_hi,
        tpl_factor=t_factor,
        tpl_generic=t_generic,
    )
    _frozen(*(v for v in vars(out).values() if isinstance(v, np.ndarray)))
    return out
