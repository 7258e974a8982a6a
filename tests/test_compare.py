"""Comparing two plans (``asn_balance.analysis.compare`` and ``asn-balance compare``).

Real plans of the packaged demo data are made with ``asn-balance plan`` (WKE 1,250 h, WKE
1,200 h, and a budget of 10 moves), and every expected difference is computed here from
the two JSON files alone, independently of the comparison code.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance import datasets
from asn_balance.analysis.compare import Comparison, compare, read_plan_document
from asn_balance.apps.cli import app
from asn_balance.model.errors import InputError

runner = CliRunner()

pytestmark = pytest.mark.skipif(
    not (datasets.demo_path() / "employees.csv").is_file(), reason="the demo data is not packaged"
)


def invoke(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def assert_exit(result: Any, code: int) -> None:
    shown = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\nexception: {result.exception!r}"
    assert result.exit_code == code, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Plans of the demo data written by ``asn-balance plan --out``."""
    folder = tmp_path_factory.mktemp("plans")
    demo = datasets.demo_path()
    out = {}
    for name, args in {
        "h1250": (),
        "h1200": ("--effective-hours", "1200"),
        "budget10": ("--max-moves", "10", "--time-limit", "30"),
    }.items():
        path = folder / f"{name}.json"
        assert_exit(invoke("plan", demo, "--out", path, "--quiet", *args), 0)
        out[name] = path
    assert_exit(invoke("plan", demo, "--out", folder / "h1250.xlsx", "--quiet"), 0)
    assert_exit(invoke("plan", demo, "--out", folder / "h1250_csv", "--quiet"), 0)
    out["h1250_xlsx"] = folder / "h1250.xlsx"
    out["h1250_csv"] = folder / "h1250_csv"
    return out


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


# --------------------------------------------------------------------------- independent expectations

NUMERIC = [
    "moves", "balance_before", "balance_after", "objective", "bound", "gap",
    "positions_under_staffed_before", "positions_under_staffed_after",
    "positions_over_staffed_before", "positions_over_staffed_after",
    "employees", "positions", "units", "need_fte",
]  # fmt: skip


def expected_moves(a: dict[str, Any], b: dict[str, Any]) -> dict[str, tuple[str | None, str | None, str]]:
    ta = {m["employee_id"]: m["to_position"] for m in a["moves"]}
    tb = {m["employee_id"]: m["to_position"] for m in b["moves"]}
    out: dict[str, tuple[str | None, str | None, str]] = {}
    for e in set(ta) | set(tb):
        if e not in tb:
            out[e] = (ta[e], None, "only_a")
        elif e not in ta:
            out[e] = (None, tb[e], "only_b")
        elif ta[e] != tb[e]:
            out[e] = (ta[e], tb[e], "different_target")
    return out


def expected_positions(a: dict[str, Any], b: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    pa = {p["position_id"]: p for p in a["positions"]}
    pb = {p["position_id"]: p for p in b["positions"]}
    out = {}
    for pid in pa:
        x, y = pa[pid], pb[pid]
        if x["staff_after"] != y["staff_after"] or not math.isclose(
            x["need_fte"], y["need_fte"], rel_tol=1e-9
        ):
            out[pid] = (x["staff_after"], y["staff_after"], x["need_fte"], y["need_fte"])
    return out


def assert_matches_files(c: Comparison, a: dict[str, Any], b: dict[str, Any]) -> None:
    sa, sb = a["summary"], b["summary"]
    for m in NUMERIC:
        assert c.value(m, "a") == sa[m] and c.value(m, "b") == sb[m], m
        assert c.value(m) == pytest.approx(sb[m] - sa[m], rel=1e-12, abs=1e-12), m
    assert (c.value("status", "a"), c.value("status", "b")) == (sa["status"], sb["status"])
    for band in "ABCDE":
        metric = f"bands_after.{band}"
        assert (c.value(metric, "a"), c.value(metric, "b")) == (
            sa["bands_after"][band],
            sb["bands_after"][band],
        )
        assert c.value(metric) == sb["bands_after"][band] - sa["bands_after"][band]
    policy = {k: {"a": v, "b": sb["policy"][k]} for k, v in sa["policy"].items() if sb["policy"][k] != v}
    assert c.policy == policy
    assert [m for m in c.summary["metric"] if m.startswith("policy.")] == [f"policy.{k}" for k in policy]

    moves = expected_moves(a, b)
    got = {r.employee_id: (r.to_position_a, r.to_position_b, r.kind) for r in c.moves.itertuples()}
    assert got == moves
    assert len(c.moves) == len(moves)
    for kind in ("only_a", "only_b", "different_target"):
        assert c.counts[kind] == sum(1 for v in moves.values() if v[2] == kind)
    ta = {m["employee_id"]: m["to_position"] for m in a["moves"]}
    tb = {m["employee_id"]: m["to_position"] for m in b["moves"]}
    assert c.counts["same_moves"] == sum(1 for e in ta if tb.get(e) == ta[e])

    positions = expected_positions(a, b)
    rows = {
        r.position_id: (r.staff_after_a, r.staff_after_b, r.need_a, r.need_b)
        for r in c.positions.itertuples()
    }
    assert set(rows) == set(positions)
    for pid, (s_a, s_b, n_a, n_b) in positions.items():
        assert rows[pid][:2] == (s_a, s_b)
        assert rows[pid][2:] == pytest.approx((n_a, n_b), rel=1e-12)
    assert c.counts["positions_differ"] == len(positions)
    assert c.same_data and c.notes == []


# --------------------------------------------------------------------------- library


def test_effective_hours_1250_vs_1200(plans: dict[str, Path]) -> None:
    a, b = load(plans["h1250"]), load(plans["h1200"])
    c = compare(plans["h1250"], plans["h1200"])
    assert_matches_files(c, a, b)
    assert c.policy == {"effective_hours": {"a": 1250.0, "b": 1200.0}}
    assert c.value("policy.effective_hours") == -50.0
    # every position's need changes with the WKE
    assert c.counts["positions_differ"] == len(a["positions"]) == 102
    assert c.value("need_fte") == pytest.approx(a["summary"]["need_fte"] * (1250 / 1200 - 1), rel=1e-9)


def test_budget_10_vs_none(plans: dict[str, Path]) -> None:
    a, b = load(plans["h1250"]), load(plans["budget10"])
    c = compare(plans["h1250"], plans["budget10"], labels=("free", "budget 10"))
    assert_matches_files(c, a, b)
    assert c.policy == {"max_moves": {"a": None, "b": 10}}
    assert c.value("moves", "b") == 10 and c.value("moves") == 10 - a["summary"]["moves"]
    assert c.value("balance_after") > 0
    assert c.value("need_fte") == 0.0
    assert c.counts["only_a"] >= a["summary"]["moves"] - 10
    assert set(c.positions["need_a"]) == set(c.positions["need_b"])  # the same needs: only staff differs
    assert "free" in c.text("en") and "budget 10" in c.text("en")


def test_plan_with_itself_has_no_differences(plans: dict[str, Path]) -> None:
    c = compare(plans["h1250"], plans["h1250"])
    assert c.moves.empty and c.positions.empty and c.policy == {}
    assert c.counts["same_moves"] == load(plans["h1250"])["summary"]["moves"]
    assert (c.summary["difference"].dropna() == 0).all()
    assert list(c.moves.columns[:4]) == ["employee_id", "to_position_a", "to_position_b", "kind"]
    assert list(c.positions.columns[:7]) == [
        "position_id", "staff_after_a", "staff_after_b", "need_a", "need_b", "ej_after_a", "ej_after_b",
    ]  # fmt: skip
    assert list(c.summary.columns) == ["metric", "a", "b", "difference"]


def test_every_plan_form_gives_the_same_comparison(plans: dict[str, Path]) -> None:
    doc = load(plans["h1250"])
    ref = compare(plans["h1250"], plans["h1200"])
    result = ab.solve(ab.Problem.read(datasets.demo_path()))
    for first in (str(plans["h1250"]), doc, result, plans["h1250_xlsx"], plans["h1250_csv"]):
        c = compare(first, plans["h1200"])
        pd.testing.assert_frame_equal(c.moves, ref.moves)
        pd.testing.assert_frame_equal(c.positions, ref.positions, check_exact=False, rtol=1e-12)
        assert c.policy == ref.policy, type(first)
        for m in ("moves", "balance_after", "objective", "bands_after.A", "positions_under_staffed_after"):
            assert c.value(m, "a") == pytest.approx(ref.value(m, "a"), rel=1e-12), (m, type(first))


def test_outputs(plans: dict[str, Path], tmp_path: Path) -> None:
    c = compare(plans["h1250"], plans["budget10"])
    doc = json.loads(json.dumps(c.to_dict(), allow_nan=False))
    assert set(doc) >= {"labels", "summary", "moves", "positions", "policy", "counts", "same_data", "notes"}
    assert doc["policy"] == {"max_moves": {"a": None, "b": 10}}
    assert len(doc["moves"]) == len(c.moves) and len(doc["positions"]) == len(c.positions)
    frames = c.to_frames()
    assert set(frames) == {"summary", "moves", "positions", "policy"}
    assert frames["policy"].to_dict(orient="records") == [{"field": "max_moves", "a": None, "b": 10}]
    en, id_ = c.text("en"), c.text("id")
    n = c.counts
    assert f"{n['only_a']} only in A" in en and f"{n['different_target']} to a different target" in en
    assert f"{n['only_a']} hanya di A" in id_ and "mutasi" in id_
    assert "max_moves none -> 10" in en
    assert "<table" in c._repr_html_() and "Comparison" in repr(c)
    assert c.write(tmp_path / "c.json").is_file()
    assert json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["counts"] == c.counts
    c.write(tmp_path / "c.xlsx")
    assert load_workbook(tmp_path / "c.xlsx").sheetnames == ["summary", "moves", "positions", "policy"]


def test_different_data_is_reported_not_fatal(plans: dict[str, Path], tmp_path: Path) -> None:
    a = load(plans["h1250"])
    b = copy.deepcopy(a)
    dropped = [p["position_id"] for p in b["positions"][-2:]]
    b["positions"] = b["positions"][:-2]
    b["summary"]["positions"] -= 2
    c = compare(a, b)
    assert not c.same_data
    assert c.counts["positions_only_a"] == 2 and c.counts["positions_only_b"] == 0
    assert set(c.positions["position_id"]) == set(dropped)
    assert any("2 positions only in A" in n for n in c.notes)
    assert "different data" in c.text("en")
    # a plan of wholly other data
    from asn_balance.datasets import synth

    folder = synth.write_csv_folder(synth.generate(120, seed=5), tmp_path / "other")
    other = ab.solve(ab.Problem.read(folder))
    c = compare(plans["h1250"], other)
    assert not c.same_data and c.counts["same_moves"] == 0
    assert c.counts["only_a"] == a["summary"]["moves"] and c.counts["only_b"] == other.n_moves


def test_check_on_data_measures_both_plans_alike(plans: dict[str, Path]) -> None:
    problem = ab.Problem.read(datasets.demo_path())  # WKE 1,250 h for both
    c = compare(plans["h1250"], plans["h1200"], problem=problem)
    a, b = load(plans["h1250"])["summary"], load(plans["h1200"])["summary"]
    assert c.value("check.ok", "a") is True and c.value("check.ok", "b") is True
    assert c.value("check.balance_after", "a") == pytest.approx(a["balance_after"], rel=1e-9)
    assert c.value("check.moves", "b") == b["moves"]
    # plan B measured at 1,250 h is worse than plan A, which is optimal at 1,250 h
    assert c.value("check.balance_after", "b") != pytest.approx(b["balance_after"], rel=1e-6)
    assert c.value("check.objective") >= 0
    assert c.check["A"]["violations"] == []


@pytest.mark.parametrize(
    ("content", "name", "rule"),
    [
        (None, "missing.json", "unreadable_file"),
        ("{not json", "broken.json", "unreadable_file"),
        ("[1, 2]", "list.json", "invalid_plan"),
        ('{"summary": {}}', "nomoves.json", "invalid_plan"),
        ("x", "plan.txt", "unreadable_file"),
    ],
)
def test_bad_plan_files(
    plans: dict[str, Path], tmp_path: Path, content: str | None, name: str, rule: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_plan_document(path)
    (p,) = info.value.problems
    assert (p.table, p.rule) == ("plan", rule) and name in p.message
    result = invoke("compare", plans["h1250"], path)
    assert_exit(result, 2)
    assert name in result.stderr and f"[{rule}]" in result.stderr


# --------------------------------------------------------------------------- CLI


def test_cli_compare_prints_and_writes(plans: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp.json"
    result = invoke("compare", plans["h1250"], plans["h1200"], "--out", out, "--lang", "en")
    assert_exit(result, 0)
    c = compare(plans["h1250"], plans["h1200"])
    for word in ("metric", "balance_after", "policy.effective_hours", "bands_after.E", "-50"):
        assert word in result.stdout, word
    assert f"{c.counts['only_a']} only in A" in result.stdout
    assert "written to" in result.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["counts"] == c.counts and doc["policy"] == {"effective_hours": {"a": 1250.0, "b": 1200.0}}
    xlsx = tmp_path / "cmp.xlsx"
    assert_exit(invoke("compare", plans["h1250"], plans["h1200"], "--out", xlsx, "--quiet"), 0)
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["summary", "moves", "positions", "policy"]
    assert wb["moves"].max_row == len(c.moves) + 1


def test_cli_compare_lang_quiet_and_data(plans: dict[str, Path]) -> None:
    result = invoke("compare", plans["h1250"], plans["budget10"], "--lang", "id")
    assert_exit(result, 0)
    assert "hanya di A" in result.stdout
    assert_exit(invoke("compare", plans["h1250"], plans["budget10"], "--lang", "fr"), 2)
    quiet = invoke("compare", plans["h1250"], plans["budget10"], "--quiet")
    assert_exit(quiet, 0)
    assert quiet.stdout == ""
    checked = invoke("compare", plans["h1250"], plans["budget10"], "--data", datasets.demo_path(),
                     "--max-moves", "10")  # fmt: skip
    assert_exit(checked, 0)
    assert "check.violations" in checked.stdout and "check.ok" in checked.stdout
    problem = ab.Problem.read(datasets.demo_path(), ab.Policy(max_moves=10))
    c = compare(plans["h1250"], plans["budget10"], problem=problem)
    assert c.value("check.ok", "a") is False and c.value("check.ok", "b") is True
    assert c.check["A"]["violations"][0]["rule"] == "max_moves"


def test_cli_compare_bad_data_and_unwritable(plans: dict[str, Path], tmp_path: Path) -> None:
    result = invoke("compare", plans["h1250"], plans["h1200"], "--data", tmp_path / "nowhere")
    assert_exit(result, 2)
    assert "nowhere" in result.stderr
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    result = invoke("compare", plans["h1250"], plans["h1200"], "--out", tmp_path / "afile" / "c.json")
    assert_exit(result, 2)
    assert "unwritable_output" in result.stderr
