"""JSON Schemas of the input and the plan: generated from the models, shipped, versioned.

Real inputs (the demo converted to the canonical JSON document) and real plans (flow,
budget, policy with training, infeasible, written by the CLI) validate; the shipped files
are what the models generate now; ``asn-balance schema`` prints them.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance import datasets
from asn_balance.apps.cli import app
from asn_balance.datasets import synth
from asn_balance.io.jsonschema import (
    INPUT_SCHEMA_ID,
    PLAN_SCHEMA_ID,
    SCHEMA_VERSION,
    canonical_input,
    schema,
    schema_text,
    shipped_schema,
    write_schemas,
)
from asn_balance.model.problem import Problem
from asn_balance.model.tables import TABLES, canonical_hash

Validator = jsonschema.Draft202012Validator


def errors(doc: Any, name: str) -> list[str]:
    return [e.message for e in Validator(schema(name)).iter_errors(doc)]


def demo() -> Problem:
    return Problem.read(datasets.demo_path(), ab.Policy(plan_date=dt.date(2025, 1, 1)))


# --------------------------------------------------------------------------- the schemas


@pytest.mark.parametrize("name", ["input", "plan"])
def test_schemas_are_valid_versioned_draft_2020_12(name: str) -> None:
    s = schema(name)
    Validator.check_schema(s)
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert s["$id"] == {"input": INPUT_SCHEMA_ID, "plan": PLAN_SCHEMA_ID}[name]
    assert s["$id"].endswith(f"/{name}-{SCHEMA_VERSION}.json")
    assert s["version"] == SCHEMA_VERSION


@pytest.mark.parametrize("name", ["input", "plan"])
def test_shipped_files_are_up_to_date(name: str) -> None:
    """Regenerate with ``python -m asn_balance.io.jsonschema`` when this fails."""
    assert shipped_schema(name) == schema(name)
    shipped = Path(ab.__file__).parent / "schemas" / f"{name}-{SCHEMA_VERSION}.json"
    assert shipped.read_text(encoding="utf-8") == schema_text(name)


def test_write_schemas(tmp_path: Path) -> None:
    paths = write_schemas(tmp_path)
    assert sorted(p.name for p in paths) == [f"input-{SCHEMA_VERSION}.json", f"plan-{SCHEMA_VERSION}.json"]
    assert json.loads(paths[0].read_text(encoding="utf-8")) == schema("input")


def test_input_schema_follows_the_tables() -> None:
    s = schema("input")
    defs = s["$defs"]
    assert s["required"] == ["employees", "positions"]
    for name, row in (("employees", "EmployeeRow"), ("positions", "PositionRow"), ("tasks", "TaskRow"),
                      ("units", "UnitRow")):  # fmt: skip
        model = defs[row]
        assert list(model["properties"]) == list(TABLES[name].names)
        assert model["required"] == [c.name for c in TABLES[name].columns if c.required]
        assert model["additionalProperties"] is True  # extra columns are kept


# --------------------------------------------------------------------------- real inputs


def test_demo_as_json_input_validates_and_reads_back(tmp_path: Path) -> None:
    p = demo()
    doc = canonical_input(p.employees, p.positions, p.tasks, p.units)
    assert errors(doc, "input") == []
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    back = Problem.read(path, p.policy)
    assert canonical_hash(back.employees, back.positions, back.tasks, back.units) == canonical_hash(
        p.employees, p.positions, p.tasks, p.units
    )


def test_input_with_every_column_validates(tmp_path: Path) -> None:
    t = synth.generate(120, seed=4, policy_columns=True)
    p = Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=t["units"])
    doc = canonical_input(p.employees, p.positions, p.tasks, p.units)
    assert "units" in doc and errors(doc, "input") == []
    (tmp_path / "all.json").write_text(json.dumps(doc), encoding="utf-8")
    back = Problem.read(tmp_path / "all.json")
    assert canonical_hash(back.employees, back.positions, back.tasks, back.units) == canonical_hash(
        p.employees, p.positions, p.tasks, p.units
    )


def minimal() -> dict[str, Any]:
    return {
        "employees": [
            {
                "employee_id": "198001012005011001",
                "position_id": "P1",
                "status": "PNS",
                "months_in_position": 36,
            }
        ],
        "positions": [{"position_id": "P1", "unit_id": "U1", "jabatan": "Analis", "workload_hours": 1250}],
    }


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("employees", {"employee_id": 198001012005011001}),  # a NIP must be text
        ("employees", {"employee_id": "   "}),
        ("employees", {"status": "pns"}),  # canonical spellings only
        ("employees", {"grade": "III-b"}),
        ("employees", {"education": "S-1"}),
        ("employees", {"months_in_position": -1}),
        ("employees", {"months_in_position": "36"}),
        ("employees", {"birth_date": "17-08-1985"}),
        ("employees", {"competencies": "keuangan:9"}),
        ("employees", {"employee_id": "E" * 101}),
        ("positions", {"workload_hours": 1e12}),
        ("positions", {"retirement_age": 90}),
        ("positions", {"min_staff": 1.5}),
    ],
)
def test_invalid_inputs_are_rejected(table: str, change: dict[str, Any]) -> None:
    doc = minimal()
    doc[table][0].update(change)
    assert errors(doc, "input"), change


def test_minimal_and_blank_inputs_are_valid() -> None:
    doc = minimal()
    assert errors(doc, "input") == []
    doc["employees"][0].update({"grade": "", "education": None, "birth_date": "", "spouse_id": None,
                                "catatan": "an extra column"})  # fmt: skip
    doc["$schema"] = INPUT_SCHEMA_ID
    assert errors(doc, "input") == []
    assert errors({"employees": doc["employees"]}, "input")  # positions are required
    assert errors({**doc, "employes": []}, "input")  # a misspelt table is not ignored silently


# --------------------------------------------------------------------------- real plans


def plan_doc(problem: Problem, **kw: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(ab.solve(problem, **kw).to_json())
    return doc


def test_flow_and_budget_plans_validate() -> None:
    p = demo()
    for doc in (plan_doc(p), plan_doc(p.with_policy(max_moves=5), deterministic=True)):
        assert errors(doc, "plan") == []
        assert doc["moves"]


def test_plan_with_training_and_units_validates() -> None:
    t = synth.generate(200, seed=1, policy_columns=True)
    p = Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=t["units"])
    doc = plan_doc(p, time_limit=5)
    assert "training" in doc and "training_totals" in doc
    assert errors(doc, "plan") == []


def test_infeasible_plan_validates() -> None:
    p = demo()
    first = p.positions["position_id"].iloc[0]
    pos = p.positions.assign(min_staff=[10_000 if x == first else 0 for x in p.positions["position_id"]])
    q = Problem.from_frames(p.employees, pos, p.tasks)
    doc = plan_doc(q)
    assert doc["summary"]["status"] == "infeasible" and doc["summary"]["objective"] is None
    assert errors(doc, "plan") == []


def test_bad_plans_are_rejected() -> None:
    doc = plan_doc(demo())
    for path, value in ((("summary", "status"), "solved"), (("summary", "input_sha256"), "abc"),
                        (("moves", 0, "to_position"), None), (("positions", 0, "band_after"), "F"),
                        (("summary", "plan_date"), "1/1/2025")):  # fmt: skip
        bad = copy.deepcopy(doc)
        node = bad
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        assert errors(bad, "plan"), path


def test_cli_plan_output_validates(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    res = CliRunner().invoke(app, ["plan", str(datasets.demo_path()), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert errors(json.loads(out.read_text(encoding="utf-8")), "plan") == []


# --------------------------------------------------------------------------- the command


@pytest.mark.parametrize("name", ["input", "plan"])
def test_schema_command_prints_the_schema(name: str) -> None:
    res = CliRunner().invoke(app, ["schema", name])
    assert res.exit_code == 0
    assert res.stdout == schema_text(name)
    assert json.loads(res.stdout)["$id"] == schema(name)["$id"]


def test_schema_command_default_and_bad_name() -> None:
    assert CliRunner().invoke(app, ["schema"]).stdout == schema_text("input")
    res = CliRunner().invoke(app, ["schema", "plans"])
    assert res.exit_code == 2
    assert "invalid_option" in res.output
