"""Tests of the Excel plan: sheets, formatting, and that every reader of plans reads it back.

A 600-employee synthetic scenario with competency standards (so with a training plan) is
solved once per module; the CLI cases write it as a CSV folder and run ``asn-balance``
in-process.
"""

from __future__ import annotations

import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance.analysis.compare import compare, read_plan_document
from asn_balance.apps.cli import app
from asn_balance.datasets import synth
from asn_balance.io import read_plan
from asn_balance.io.excel import SHEETS, excel_bytes, infer_lang, write_excel
from asn_balance.reports.plots import BAND_FILLS

DATE = "2026-01-01"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("excel") / "data"
    synth.write_csv_folder(synth.generate(600, seed=1, policy_columns=True), folder)
    return folder


@pytest.fixture(scope="module")
def problem(data: Path) -> ab.Problem:
    return ab.Problem.read(data, ab.Policy(plan_date=DATE))


@pytest.fixture(scope="module")
def result(problem: ab.Problem) -> ab.Result:
    res = ab.solve(problem)
    assert res.has_plan and res.training is not None and len(res.training) > 0
    return res


@pytest.fixture(scope="module")
def book(result: ab.Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("book") / "plan.xlsx"
    assert result.write(path) == path
    return path


def header(ws) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.value for c in ws[1]]


def test_sheets_in_order_with_frozen_styled_headers(result: ab.Result, book: Path) -> None:
    wb = load_workbook(book)
    assert wb.sheetnames == list(SHEETS) == ["summary", "moves", "positions", "units", "training",
                                             "training_totals"]  # fmt: skip
    frames = result.to_frames()
    for name in wb.sheetnames:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:")
        assert ws.print_title_rows == "$1:$1"
        assert ws.page_setup.orientation == "landscape"
        first = ws["A1"]
        assert first.font.bold and first.fill.fgColor.rgb.endswith("1F4E79")
        if name != "summary":
            assert header(ws) == [str(c) for c in frames[name].columns], name
            assert ws.max_row == len(frames[name]) + 1
    assert header(wb["summary"]) == ["key", "value"]  # as Result.to_frames, which compare reads
    # every header cell of the moves sheet explains its column
    assert wb["moves"]["A1"].comment.text == "NIP / id pegawai"


def test_widths_are_fitted(book: Path) -> None:
    ws = load_workbook(book)["moves"]
    widths = {c.value: ws.column_dimensions[c.column_letter].width for c in ws[1]}
    assert widths["reason"] == 80  # long reasons: the widest column, wrapped
    assert ws.cell(row=2, column=header(ws).index("reason") + 1).alignment.wrap_text
    assert 18 <= widths["employee_id"] <= 25  # 18-digit NIPs fit
    assert all(8 <= w <= 80 for w in widths.values())


def test_numbers_are_numbers_with_separators_and_fixed_decimals(result: ab.Result, book: Path) -> None:
    ws = load_workbook(book)["positions"]
    cols = {c.value: c.column for c in ws[1]}
    row = 2
    need = ws.cell(row=row, column=cols["need_fte"])
    assert isinstance(need.value, float) and need.number_format == "#,##0.00"
    assert need.value == pytest.approx(float(result.positions["need_fte"].iloc[0]))
    assert ws.cell(row=row, column=cols["staff_before"]).number_format == "#,##0"
    assert ws.cell(row=row, column=cols["workload_hours"]).number_format == "#,##0.0"
    assert ws.cell(row=row, column=cols["gap_before"]).number_format == "+#,##0.00;-#,##0.00;0.00"
    assert ws.cell(row=row, column=cols["ej_before"]).number_format == "0.00"
    # the summary keeps Result.to_frames' text, in full precision, each key explained
    summary = load_workbook(book)["summary"]
    by_key = {r[0].value: r[1].value for r in summary.iter_rows(min_row=2)}
    want = result.to_frames()["summary"]
    assert by_key == dict(zip(want["key"], want["value"], strict=True))
    assert float(by_key["balance_after"]) == result.balance_after and by_key["status"] == "optimal"
    comments = {r[0].value: r[0].comment.text for r in summary.iter_rows(min_row=2) if r[0].comment}
    assert comments["balance_after"] == "Ketidakseimbangan B sesudah mutasi"


def test_band_cells_are_filled_by_band(result: ab.Result, book: Path) -> None:
    ws = load_workbook(book)["positions"]
    cols = {c.value: c.column for c in ws[1]}
    seen: dict[str, str] = {}
    for col in ("band_before", "band_after"):
        for (cell,) in ws.iter_rows(min_row=2, min_col=cols[col], max_col=cols[col]):
            if cell.value in BAND_FILLS:
                rgb = cell.fill.fgColor.rgb
                assert rgb.endswith(BAND_FILLS[cell.value]) and cell.font.bold
                seen[cell.value] = rgb
    assert set(seen) == set("ABCDE")
    assert len(set(seen.values())) == 5  # five distinct fills
    units = load_workbook(book)["units"]
    ucols = {c.value: c.column for c in units[1]}
    band = units.cell(row=2, column=ucols["band_after"])
    assert band.fill.fgColor.rgb.endswith(BAND_FILLS[band.value])
    direction = ws.cell(row=2, column=cols["direction_before"])
    assert direction.value in ("kurang", "lebih", "pas") and direction.font.color is not None


def test_moves_and_training_sheets_hold_the_plan(result: ab.Result, book: Path) -> None:
    moves = pd.read_excel(book, sheet_name="moves", dtype=str)
    assert list(moves["employee_id"]) == list(result.moves["employee_id"])
    assert list(moves["reason"]) == list(result.moves["reason"])
    training = pd.read_excel(book, sheet_name="training", dtype={"employee_id": str})
    assert len(training) == len(result.training)  # type: ignore[arg-type]
    totals = pd.read_excel(book, sheet_name="training_totals")
    assert int(totals["people"].sum()) == int(result.training_totals["people"].sum())  # type: ignore[index]


def test_read_plan_round_trips(result: ab.Result, book: Path) -> None:
    back = read_plan(book)
    want = result.moves[["employee_id", "to_position"]].astype(str).reset_index(drop=True)
    pd.testing.assert_frame_equal(back.astype(str), want, check_dtype=False)


def test_compare_reads_the_summary_back(result: ab.Result, book: Path) -> None:
    doc = read_plan_document(book)
    s = result.summary()
    for key in ("status", "moves", "employees", "positions_under_staffed_after"):
        assert doc.summary[key] == s[key], key
    for key in ("objective", "bound", "balance_before", "balance_after"):
        assert doc.summary[key] == pytest.approx(s[key], rel=1e-12), key
    assert doc.summary["bands_after"] == s["bands_after"]
    cmp = compare(result, book)
    assert cmp.value("moves") == 0 and cmp.value("balance_after") == pytest.approx(0.0, abs=1e-9)


def test_same_plan_same_bytes(result: ab.Result, book: Path, tmp_path: Path) -> None:
    time.sleep(1.05)  # a clock time in the file would now differ
    again = result.write(tmp_path / "again.xlsx")
    assert again.read_bytes() == book.read_bytes()
    with zipfile.ZipFile(again) as z:
        core = z.read("docProps/core.xml").decode()
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
    assert f'<dcterms:modified xsi:type="dcterms:W3CDTF">{DATE}T00:00:00Z<' in core


def test_cli_plan_xlsx_then_check(data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "plan.xlsx"
    res = runner.invoke(app, ["plan", str(data), "--out", str(out), "--quiet", "--date", DATE])
    assert res.exit_code == 0, res.output
    assert load_workbook(out).sheetnames[0] == "summary"
    res = runner.invoke(app, ["check", str(data), str(out), "--date", DATE])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("OK: ") and "0 violations" in res.stdout


def test_descriptions_follow_the_language(problem: ab.Problem, result: ab.Result, tmp_path: Path) -> None:
    assert infer_lang(result) == "id"
    en = ab.solve(problem, lang="en")
    assert infer_lang(en) == "en"
    wb_en = load_workbook(en.write(tmp_path / "en.xlsx"))
    wb_id = load_workbook(write_excel(result, tmp_path / "id.xlsx"))
    desc_en = {r[0].value: r[0].comment.text for r in wb_en["summary"].iter_rows(min_row=2) if r[0].comment}
    desc_id = {r[0].value: r[0].comment.text for r in wb_id["summary"].iter_rows(min_row=2) if r[0].comment}
    assert desc_en["moves"] == "Employees moved" and desc_id["moves"] == "Jumlah pegawai yang dimutasi"
    assert wb_en["positions"]["A1"].comment.text == "Position id"
    assert wb_id["positions"]["A1"].comment.text == "Kode posisi"
    forced = load_workbook(write_excel(result, tmp_path / "forced.xlsx", lang="en"))
    assert forced["summary"]["A3"].comment.text == "Objective of the plan"
    with pytest.raises(ValueError, match="lang"):
        excel_bytes(result, lang="fr")


def test_text_is_never_a_formula(result: ab.Result, tmp_path: Path) -> None:
    moves = result.moves.copy()
    moves.loc[moves.index[0], "name"] = '=HYPERLINK("http://x","y")'
    path = write_excel(replace(result, moves=moves), tmp_path / "f.xlsx")
    ws = load_workbook(path)["moves"]
    cell = ws.cell(row=2, column=header(ws).index("name") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_no_training_and_no_moves(problem: ab.Problem, tmp_path: Path) -> None:
    plain = problem.with_policy(move_cost=1e5)
    res = ab.solve(plain)
    assert res.n_moves == 0
    bare = replace(res, training=None, training_totals=None)
    wb = load_workbook(bare.write(tmp_path / "bare.xlsx"))
    assert wb.sheetnames == ["summary", "moves", "positions", "units"]
    assert wb["moves"].max_row == 1 and "employee_id" in header(wb["moves"])
    assert read_plan(tmp_path / "bare.xlsx").empty
