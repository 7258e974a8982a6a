"""Tests of the scenario generator :mod:`asn_balance.datasets.synth` and the demo dataset."""

from __future__ import annotations

import filecmp
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from asn_balance import Problem, datasets
from asn_balance.datasets import synth
from asn_balance.model.domain import (
    EDUCATION_LEVELS,
    GRADES,
    PERIOD_FACTORS,
    education_rank,
    format_competencies,
    format_coverage,
    grade_rank,
    nip_problem,
    parse_competencies,
    parse_coverage,
)
from asn_balance.model.tables import TABLES

Tables = dict[str, pd.DataFrame]


@pytest.fixture(scope="module")
def plaju() -> Tables:
    return synth.generate_scale("plaju", seed=3)


@pytest.fixture(scope="module")
def city() -> Tables:
    return synth.generate_scale("city", seed=1)


def staff_of(tables: Tables) -> pd.Series:
    """Head count per position, in the order of the positions table."""
    pos = tables["positions"]["position_id"]
    counts = tables["employees"]["position_id"].value_counts()
    return pos.map(counts).fillna(0).astype(int)


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_tables() -> None:
    a, b = synth.generate(300, seed=5), synth.generate(300, seed=5)
    for name in ("employees", "positions", "tasks"):
        pd.testing.assert_frame_equal(a[name], b[name])


def test_other_seed_other_tables() -> None:
    a, b = synth.generate(300, seed=5), synth.generate(300, seed=6)
    assert not a["employees"]["employee_id"].equals(b["employees"]["employee_id"])


# --------------------------------------------------------------------------- sizes


def test_plaju_sizes(plaju: Tables) -> None:
    pos = plaju["positions"]
    assert len(plaju["employees"]) == 600
    assert 85 <= len(pos) <= 115
    assert 20 <= pos["unit_id"].nunique() <= 30
    assert 2 * len(pos) <= len(plaju["tasks"]) <= 8 * len(pos)


def test_city_sizes(city: Tables) -> None:
    pos = city["positions"]
    assert len(city["employees"]) == 10_000
    assert 1_000 <= len(pos) <= 1_500
    assert 250 <= pos["unit_id"].nunique() <= 420


@pytest.mark.parametrize("n", [1, 5, 30, 150])
def test_small_scenarios(n: int) -> None:
    t = synth.generate(n, seed=n)
    assert len(t["employees"]) == n
    assert t["employees"]["position_id"].isin(t["positions"]["position_id"]).all()
    assert len(t["positions"]) <= max(n, 3)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="n_employees"):
        synth.generate(0)
    with pytest.raises(ValueError, match="imbalance"):
        synth.generate(100, imbalance=-0.1)
    with pytest.raises(ValueError, match="unknown scale"):
        synth.generate_scale("nusantara")


# --------------------------------------------------------------------------- contract


def test_columns(plaju: Tables) -> None:
    for name, extra in synth.EXTRA_COLUMNS.items():
        canonical = {"employees": synth.EMPLOYEE_COLUMNS, "positions": synth.POSITION_COLUMNS}.get(
            name, synth.TASK_COLUMNS
        )
        assert tuple(plaju[name].columns) == (*canonical, *extra)
    bare = synth.generate(200, seed=2, extra_columns=False)
    assert tuple(bare["employees"].columns) == synth.EMPLOYEE_COLUMNS
    assert tuple(bare["positions"].columns) == synth.POSITION_COLUMNS
    assert tuple(bare["tasks"].columns) == synth.TASK_COLUMNS


@pytest.mark.parametrize("which", ["plaju", "city"])
def test_valid_unique_nips(which: str, request: pytest.FixtureRequest) -> None:
    emp = request.getfixturevalue(which)["employees"]
    ids = emp["employee_id"]
    assert ids.is_unique
    assert [x for x in ids if nip_problem(x) is not None] == []
    born = ids.str[0:4].astype(int)
    tmt = ids.str[8:12].astype(int)
    assert ((tmt >= born + 18) & (tmt <= born + 40)).all()


@pytest.mark.parametrize("which", ["plaju", "city"])
def test_references(which: str, request: pytest.FixtureRequest) -> None:
    t = request.getfixturevalue(which)
    pos, emp, tasks = t["positions"], t["employees"], t["tasks"]
    assert pos["position_id"].is_unique
    assert emp["position_id"].isin(pos["position_id"]).all()
    assert tasks["position_id"].isin(pos["position_id"]).all()
    assert not pos.drop_duplicates(["unit_id", "unit_name"])["unit_id"].duplicated().any()
    with_tasks = pos["position_id"].isin(tasks["position_id"])
    # workload comes from the tasks or from workload_hours, never both, never neither
    assert pos.loc[with_tasks, "workload_hours"].isna().all()
    assert pos.loc[~with_tasks, "workload_hours"].notna().all()
    assert (pos.loc[~with_tasks, "workload_hours"] > 0).all()
    per_position = tasks.groupby("position_id").size()
    assert per_position.between(2, 8).all()


def test_value_domains(plaju: Tables) -> None:
    emp, pos, tasks = plaju["employees"], plaju["positions"], plaju["tasks"]
    assert set(emp["status"]) <= {"PNS", "CPNS", "PPPK"}
    assert set(emp["grade"]) <= set(GRADES)
    assert set(emp["education"]) <= set(EDUCATION_LEVELS)
    assert (emp["months_in_position"] >= 0).all()
    assert emp["locked"].dtype == bool
    for text in pd.concat([emp["competencies"], pos["required_competencies"]]):
        parsed = parse_competencies(text)
        assert isinstance(parsed, dict), parsed
        assert format_competencies(parsed) == text  # canonical spelling
    req_levels = [v for t in pos["required_competencies"] for v in parse_competencies(t).values()]  # type: ignore[union-attr]
    assert set(req_levels) <= {2, 3}
    assert set(pos["min_grade"]) <= {"", *GRADES}
    assert set(pos["max_grade"]) <= {"", *GRADES}
    assert set(pos["min_education"]) <= {"", *EDUCATION_LEVELS}
    both = (pos["min_grade"] != "") & (pos["max_grade"] != "")
    lo = pos.loc[both, "min_grade"].map(grade_rank)
    hi = pos.loc[both, "max_grade"].map(grade_rank)
    assert (lo <= hi).all()
    assert set(tasks["period"]) <= set(PERIOD_FACTORS)
    assert (tasks["volume"] >= 1).all() and (tasks["norm_minutes"] >= 1).all()


def test_staffing_bounds_keep_current_plan_feasible(city: Tables) -> None:
    pos, staff = city["positions"], staff_of(city)
    assert (pos["min_staff"] >= 0).all() and (pos["min_staff"] <= staff).all()
    assert (pos["min_staff"] > 0).sum() > 0
    capped = pos["max_staff"].notna()
    assert capped.sum() > 0
    assert (pos.loc[capped, "max_staff"] >= staff[capped]).all()


def test_shares(city: Tables) -> None:
    emp = city["employees"]
    share = emp["status"].value_counts(normalize=True)
    assert 0.80 <= share["PNS"] <= 0.90
    assert 0.08 <= share["PPPK"] <= 0.16
    assert 0.01 <= share["CPNS"] <= 0.05
    assert 0.015 <= emp["locked"].mean() <= 0.05
    assert 0.15 <= (emp["months_in_position"] < 24).mean() <= 0.35
    assert emp["months_in_position"].max() <= 180
    assert (emp.loc[emp["status"] == "CPNS", "months_in_position"] < 24).all()


def test_jabatan_spread_over_units(plaju: Tables) -> None:
    units_per_jabatan = plaju["positions"].groupby("jabatan")["unit_id"].nunique()
    assert (units_per_jabatan >= 3).sum() >= 5  # same-jabatan transfers between units exist


def test_requirements_bite_but_not_everywhere(plaju: Tables) -> None:
    emp, pos = plaju["employees"], plaju["positions"].set_index("position_id")
    jab = emp["position_id"].map(pos["jabatan"])
    pairs = emp.assign(jabatan=jab).merge(
        pos.reset_index()[["position_id", "jabatan", "min_grade", "max_grade", "min_education",
                           "required_competencies"]],
        on="jabatan", suffixes=("", "_to"),
    )  # fmt: skip
    pairs = pairs[pairs["position_id"] != pairs["position_id_to"]]
    g = pairs["grade"].map(grade_rank)
    ok = (pairs["min_grade"].eq("") | (g >= pairs["min_grade"].map(lambda x: grade_rank(x) if x else 0))) & (
        pairs["max_grade"].eq("") | (g <= pairs["max_grade"].map(lambda x: grade_rank(x) if x else 99))
    )
    e = pairs["education"].map(education_rank)
    ok &= pairs["min_education"].eq("") | (
        e >= pairs["min_education"].map(lambda x: education_rank(x) if x else 0)
    )
    comp_ok = [
        all(have.get(k, 0) >= v for k, v in need.items())
        for have, need in zip(
            pairs["competencies"].map(parse_competencies),
            pairs["required_competencies"].map(parse_competencies),
            strict=True,
        )
    ]
    ok &= np.array(comp_ok)
    assert len(pairs) > 1_000
    assert 0.6 <= ok.mean() <= 0.97


# --------------------------------------------------------------------------- workload


def test_imbalance_and_agency_total(city: Tables) -> None:
    assert synth.imbalance_of(city) == pytest.approx(0.35, abs=0.03)
    pos, tasks = city["positions"], city["tasks"]
    minutes = tasks["volume"] * tasks["period"].map(PERIOD_FACTORS) * tasks["norm_minutes"]
    hours = pos["workload_hours"].astype(float).sum() + minutes.sum() / 60.0
    assert hours / 1250.0 == pytest.approx(10_000, rel=0.10)
    need = pos["position_id"].map((minutes / 60.0).groupby(tasks["position_id"]).sum())
    need = need.fillna(pos["workload_hours"].astype(float)) / 1250.0
    gap = need.to_numpy() - staff_of(city).to_numpy()
    assert (gap > 0.5).sum() > 100 and (gap < -0.5).sum() > 100  # both directions


@pytest.mark.parametrize("imbalance", [0.0, 0.15, 0.6])
def test_imbalance_parameter(imbalance: float) -> None:
    t = synth.generate(2_000, seed=11, imbalance=imbalance)
    assert synth.imbalance_of(t) == pytest.approx(imbalance, abs=0.03)


def test_without_tasks() -> None:
    t = synth.generate(400, seed=9, with_tasks=False)
    assert t["tasks"].empty
    assert tuple(t["tasks"].columns) == (*synth.TASK_COLUMNS, *synth.EXTRA_COLUMNS["tasks"])
    assert t["positions"]["workload_hours"].notna().all()
    assert synth.imbalance_of(t) == pytest.approx(0.35, abs=0.03)


# --------------------------------------------------------------------------- CSV and demo


def test_write_csv_folder_round_trip(tmp_path: Path) -> None:
    t = synth.generate(120, seed=4)
    folder = synth.write_csv_folder(t, tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["employees.csv", "positions.csv", "tasks.csv"]
    back = {n: pd.read_csv(folder / f"{n}.csv", dtype=str, keep_default_na=False) for n in t}
    assert back["employees"]["employee_id"].tolist() == t["employees"]["employee_id"].tolist()
    assert set(back["employees"]["locked"]) <= {"true", "false"}
    blank = t["positions"]["workload_hours"].isna().to_numpy()
    assert (back["positions"]["workload_hours"].to_numpy()[blank] == "").all()
    assert not back["positions"]["workload_hours"].str.contains(r"\.").any()
    empty = synth.write_csv_folder(synth.generate(50, seed=1, with_tasks=False), tmp_path / "no_tasks")
    assert not (empty / "tasks.csv").exists()


def test_demo_loads() -> None:
    demo = datasets.load_demo()
    assert datasets.DEMO_NAME == "plaju"
    emp, pos, tasks = demo["employees"], demo["positions"], demo["tasks"]
    assert tuple(emp.columns) == (*synth.EMPLOYEE_COLUMNS, *synth.EXTRA_COLUMNS["employees"])
    assert tuple(pos.columns) == (*synth.POSITION_COLUMNS, *synth.EXTRA_COLUMNS["positions"])
    assert tuple(tasks.columns) == (*synth.TASK_COLUMNS, *synth.EXTRA_COLUMNS["tasks"])
    assert len(emp) == 600
    assert 85 <= len(pos) <= 115 and len(tasks) > 200
    assert all(pd.api.types.is_string_dtype(dtype) for dtype in emp.dtypes)
    assert emp["position_id"].isin(pos["position_id"]).all()
    assert all(nip_problem(x) is None for x in emp["employee_id"])
    names = set(pos["unit_name"])
    assert {"Kecamatan Plaju", "Kelurahan Plaju Ulu", "Kelurahan Bagus Kuning", "Puskesmas Plaju"} <= names
    assert {"Dinas Pendidikan", "Dinas Kesehatan", "Badan Pengelola Keuangan dan Aset Daerah"} <= names
    has_tasks = pos["position_id"].isin(tasks["position_id"])
    assert (pos.loc[has_tasks, "workload_hours"] == "").all()
    assert (pos.loc[~has_tasks, "workload_hours"] != "").all()


def test_demo_is_small() -> None:
    total = sum(p.stat().st_size for p in datasets.demo_path().glob("*.csv"))
    assert total < 300_000


def test_demo_files_are_reproducible(tmp_path: Path) -> None:
    """The committed demo is exactly what the generator makes with DEMO_SEED.

    If this fails after a deliberate change of :mod:`asn_balance.datasets.synth`, regenerate the
    files (see :mod:`asn_balance.datasets`) and commit them.
    """
    folder = synth.write_csv_folder(synth.generate(600, seed=datasets.DEMO_SEED), tmp_path)
    for name in datasets.DEMO_TABLES:
        assert filecmp.cmp(folder / f"{name}.csv", datasets.demo_path() / f"{name}.csv", shallow=False), name


# --------------------------------------------------------------------------- policy columns


@pytest.fixture(scope="module")
def city_policy() -> Tables:
    return synth.generate_scale("city", seed=1, policy_columns=True)


def test_policy_columns_leave_the_rest_unchanged() -> None:
    plain = synth.generate(300, seed=5)
    full = synth.generate(300, seed=5, policy_columns=True)
    assert "units" not in plain
    for name in ("employees", "positions"):
        added = synth.POLICY_COLUMNS[name]
        pd.testing.assert_frame_equal(full[name].drop(columns=list(added)), plain[name])
    pd.testing.assert_frame_equal(full["tasks"], plain["tasks"])
    again = synth.generate(300, seed=5, policy_columns=True)
    for name in ("employees", "positions", "tasks", "units"):
        pd.testing.assert_frame_equal(again[name], full[name])


def test_policy_column_order() -> None:
    t = synth.generate(200, seed=2, policy_columns=True)
    for name, canonical in (("employees", synth.EMPLOYEE_COLUMNS), ("positions", synth.POSITION_COLUMNS)):
        expected = (*canonical, *synth.POLICY_COLUMNS[name], *synth.EXTRA_COLUMNS[name])
        assert tuple(t[name].columns) == expected
    assert tuple(t["units"].columns) == synth.UNIT_COLUMNS
    bare = synth.generate(200, seed=2, policy_columns=True, extra_columns=False)
    assert tuple(bare["employees"].columns) == (*synth.EMPLOYEE_COLUMNS, *synth.POLICY_COLUMNS["employees"])


def test_policy_employees(city_policy: Tables) -> None:
    emp, pos = city_policy["employees"], city_policy["positions"]
    assert emp["birth_date"].dtype == np.dtype("datetime64[ns]")
    assert (emp["birth_date"].dt.strftime("%Y%m%d") == emp["employee_id"].str[:8]).all()
    assert 0.005 <= emp["discipline"].mean() <= 0.02
    assert 0.005 <= emp["study_leave"].mean() <= 0.02
    assert 0.04 <= emp["volunteer"].mean() <= 0.06
    prefs = emp["preferences"].str.split(";")
    listed = emp["preferences"] != ""
    assert listed[emp["volunteer"]].mean() >= 0.9
    assert 0.01 <= listed[~emp["volunteer"]].mean() <= 0.03
    assert prefs[listed].map(len).between(1, 3).all()
    assert prefs[listed].map(lambda p: len(set(p)) == len(p)).all()
    assert (prefs[emp["volunteer"] & listed].map(len) == 3).any()
    # every entry: a position of the same jabatan in another unit, or a unit holding one
    jabatan = dict(zip(pos["position_id"], pos["jabatan"], strict=True))
    unit_of = dict(zip(pos["position_id"], pos["unit_id"], strict=True))
    jab_units = pos.groupby("jabatan")["unit_id"].agg(set)
    as_unit = 0
    for p_id, entries in zip(emp.loc[listed, "position_id"], prefs[listed], strict=True):
        jab, unit = jabatan[p_id], unit_of[p_id]
        for e in entries:
            if e in jabatan:
                assert jabatan[e] == jab and unit_of[e] != unit
            else:
                assert e in jab_units[jab] and e != unit
                as_unit += 1
    assert as_unit > 0


def test_policy_spouses(city_policy: Tables) -> None:
    emp, pos = city_policy["employees"], city_policy["positions"]
    unit = emp["position_id"].map(pos.set_index("position_id")["unit_id"])
    ids = emp.set_index("employee_id")
    named = emp[emp["spouse_id"] != ""]
    assert named["spouse_id"].isin(emp["employee_id"]).all()
    assert named["spouse_id"].is_unique
    assert (named["spouse_id"] != named["employee_id"]).all()
    back = ids.loc[named["spouse_id"], "spouse_id"].to_numpy()
    assert ((back == "") | (back == named["employee_id"].to_numpy())).all()
    assert (back == "").any() and (back != "").any()
    by_id = unit.set_axis(emp["employee_id"])
    assert (by_id[named["employee_id"]].to_numpy() == by_id[named["spouse_id"]].to_numpy()).all()
    sex = emp["employee_id"].str[14].set_axis(emp["employee_id"])
    assert (sex[named["employee_id"]].to_numpy() != sex[named["spouse_id"]].to_numpy()).all()
    in_pairs = set(named["employee_id"]) | set(named["spouse_id"])
    assert 0.015 <= len(in_pairs) / len(emp) <= 0.025


def test_policy_positions(city_policy: Tables) -> None:
    pos = city_policy["positions"]
    counts = pos["retirement_age"].value_counts()
    assert set(counts.index) == {58, 60, 65}
    assert counts[58] > counts[60] > counts[65] > 0
    assert (pos.loc[pos["jabatan"].isin(["Guru Kelas", "Guru Mata Pelajaran"]), "retirement_age"] == 60).all()
    assert (pos.loc[pos["retirement_age"] == 65, "jenis_jabatan"] == "Fungsional").all()
    standard = pos["competency_standard"]
    assert 0.8 <= (standard != "").mean() <= 0.9
    for std_text, req_text in zip(
        standard[standard != ""], pos.loc[standard != "", "required_competencies"], strict=True
    ):
        std, req = parse_competencies(std_text), parse_competencies(req_text)
        assert isinstance(std, dict) and isinstance(req, dict)
        assert format_competencies(std) == std_text
        assert set(req) <= set(std)
        assert all(req[k] <= std[k] <= req[k] + 1 for k in req)


def test_policy_units(city_policy: Tables) -> None:
    emp, pos, units = city_policy["employees"], city_policy["positions"], city_policy["units"]
    assert units["unit_id"].tolist() == pos["unit_id"].drop_duplicates().tolist()
    caps = units[["max_moves_out", "max_moves_in"]]
    capped = caps.notna().any(axis=1)
    assert 0.25 <= capped.mean() <= 0.42
    for col in caps:
        assert caps[col].dropna().between(2, 6).all()
    assert caps["max_moves_out"].notna().sum() > 0 and caps["max_moves_in"].notna().sum() > 0
    covered = units["coverage"] != ""
    assert 0.12 <= covered.mean() <= 0.25
    assert units.loc[covered, "coverage"].str.contains(";").any()
    # the coverage holds before any move
    unit_of = emp["position_id"].map(pos.set_index("position_id")["unit_id"])
    levels = emp["competencies"].map(parse_competencies)
    for u, text in zip(units.loc[covered, "unit_id"], units.loc[covered, "coverage"], strict=True):
        items = parse_coverage(text)
        assert isinstance(items, list) and format_coverage(items) == text
        staff = levels[unit_of == u]
        for name, level, count in items:
            assert sum(d.get(name, 0) >= level for d in staff) >= count  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_policy_tables_validate(seed: int, tmp_path: Path) -> None:
    t = synth.generate(600, seed=seed, policy_columns=True)
    folder = synth.write_csv_folder(t, tmp_path)
    assert (folder / "units.csv").exists()
    back = pd.read_csv(folder / "employees.csv", dtype=str, keep_default_na=False)
    assert back["birth_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    problem = Problem.read(folder)
    assert len(problem.units) == len(t["units"])
    emp = problem.employees
    assert emp["birth_date"].tolist() == t["employees"]["birth_date"].tolist()
    assert emp["preferences"].tolist() == t["employees"]["preferences"].tolist()
    assert emp["spouse_id"].tolist() == t["employees"]["spouse_id"].tolist()
    assert (
        problem.positions["retirement_age"].tolist()
        == t["positions"]["retirement_age"].astype(float).tolist()
    )
    assert problem.units["coverage"].tolist() == t["units"]["coverage"].tolist()
    direct = Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=t["units"])
    for name in ("employees", "positions", "units"):
        canonical = list(TABLES[name].names)
        pd.testing.assert_frame_equal(getattr(direct, name)[canonical], getattr(problem, name)[canonical])


def test_policy_city_validates_fast(city_policy: Tables) -> None:
    start = time.perf_counter()
    problem = Problem.from_frames(
        city_policy["employees"], city_policy["positions"], city_policy["tasks"], units=city_policy["units"]
    )
    assert time.perf_counter() - start < 10.0  # about 0.3 s; generous for a shared machine
    assert problem.employees["volunteer"].sum() > 0


def test_write_csv_folder_skips_empty_units(tmp_path: Path) -> None:
    t = synth.generate(50, seed=1, policy_columns=True)
    t["units"] = t["units"].iloc[:0]
    folder = synth.write_csv_folder(t, tmp_path)
    assert not (folder / "units.csv").exists()
