"""Tests of the reports: notebook views, re-evaluating a plan file, the HTML report and its CLI,
and the report rendered in a real headless browser (Debian's chromium).

A 600-employee synthetic scenario with competency standards (so with a training plan) is
planned once per module, through the CLI, as ``plan.json`` and ``plan.xlsx``. The browser
tests are skipped, saying why, only when no chromium can be found (``.ci/run`` installs it).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, ImageStat
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance.analysis.given_plan import plan_result
from asn_balance.apps.cli import app
from asn_balance.datasets import synth
from asn_balance.model.errors import InputError
from asn_balance.reports.html import SECTIONS, html_report, section_titles, write_report

DATE = "2026-01-01"
runner = CliRunner()


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


CHROMIUM = chromium_path()
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="no headless browser: chromium not found (CI installs it in .ci/run)"
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "data"
    synth.write_csv_folder(synth.generate(600, seed=1, policy_columns=True), folder)
    return folder


@pytest.fixture(scope="module")
def problem(data: Path) -> ab.Problem:
    return ab.Problem.read(data, ab.Policy(plan_date=DATE))


@pytest.fixture(scope="module")
def plans(data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("plans")
    out = {}
    for suffix in ("json", "xlsx"):
        path = folder / f"plan.{suffix}"
        res = runner.invoke(app, ["plan", str(data), "--out", str(path), "--quiet", "--date", DATE])
        assert res.exit_code == 0, res.output
        out[suffix] = path
    return out


@pytest.fixture(scope="module")
def solved(problem: ab.Problem) -> ab.Result:
    res = ab.solve(problem)
    assert res.status == "optimal" and res.n_moves > 20 and res.training is not None
    return res


@pytest.fixture(scope="module")
def report_files(
    problem: ab.Problem, solved: ab.Result, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("html")
    return {
        lang: write_report(problem, solved, folder / f"report_{lang}.html", lang=lang)
        for lang in ("id", "en")
    }


class Page(HTMLParser):
    """What a test needs from an HTML page: headings, sections, rows, images, links."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.sections: list[str] = []
        self.row_classes: list[str] = []
        self.img_src: list[str] = []
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self._in_h2 = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")
        if tag == "section" and a.get("id"):
            self.sections.append(str(a["id"]))
        if tag == "tr" and a.get("class"):
            self.row_classes.append(str(a["class"]))
        if tag == "img":
            self.img_src.append(str(a.get("src", "")))
        for key in ("src", "href"):
            if a.get(key):
                self.urls.append(str(a[key]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.h2[-1] += data


# --------------------------------------------------------------------------- notebook views


def test_result_repr_html(solved: ab.Result) -> None:
    text = solved._repr_html_()
    page = Page(text)
    assert "asn_balance Result" in text and "<b>optimal</b>" in text
    for band in "ABCDE":
        assert f"band-{band}" in text
    # the first ten moves, by NIP, and not more
    for nip in solved.moves["employee_id"].head(10):
        assert nip in text
    assert solved.moves["employee_id"].iloc[10] not in text
    assert f"Daftar mutasi ({solved.n_moves})" in text
    assert "Posisi dengan selisih terbesar sesudah mutasi" in text
    assert len(page.h2) == 0 and "<style" not in text and "<img" not in text


def test_problem_repr_html_lists_sizes_and_rules(problem: ab.Problem) -> None:
    text = problem._repr_html_()
    assert "asn_balance Problem" in text and f"{problem.n_employees:,}" in text
    assert f"{problem.balance():,.3f}" in text
    rules = dict(re.findall(r"<code>(\w+)</code></td><td>(on|off)</td>", text))
    assert rules["cpns_stays"] == "on" and rules["pppk_stays"] == "on" and rules["same_jabatan"] == "on"
    assert rules["max_moves"] == "off"
    loose = problem.with_policy(allow_pppk=True, allow_jabatan_change=True, max_moves=7)
    rules = dict(re.findall(r"<code>(\w+)</code></td><td>(on|off)</td>", loose._repr_html_()))
    assert rules["pppk_stays"] == "off" and rules["same_jabatan"] == "off" and rules["max_moves"] == "on"


def test_reprs_render_fast_at_10k_employees() -> None:
    frames = synth.generate(10000, seed=1)
    problem = ab.Problem.from_frames(frames["employees"], frames["positions"], frames["tasks"])
    result = ab.solve(problem)
    assert problem.n_employees == 10000 and result.n_moves > 500
    for obj in (problem, result):
        obj._repr_html_()  # warm caches (cached properties, imports)
        best = math.inf
        for _ in range(3):
            t0 = time.perf_counter()
            text = obj._repr_html_()
            best = min(best, time.perf_counter() - t0)
        assert best < 0.5, (type(obj).__name__, best)
        assert len(text) < 40_000  # summary only, no full tables


# --------------------------------------------------------------------------- a plan from a file


def assert_same_plan(a: ab.Result, b: ab.Result) -> None:
    pd.testing.assert_frame_equal(a.moves.reset_index(drop=True), b.moves.reset_index(drop=True))
    pd.testing.assert_frame_equal(a.positions, b.positions)
    pd.testing.assert_frame_equal(a.units, b.units)
    assert a.breakdown == b.breakdown
    assert a.objective == pytest.approx(b.objective, rel=1e-12)
    assert a.training is not None and b.training is not None
    pd.testing.assert_frame_equal(a.training.reset_index(drop=True), b.training.reset_index(drop=True))


def test_plan_result_shows_the_given_plan(
    problem: ab.Problem, solved: ab.Result, plans: dict[str, Path]
) -> None:
    for path in plans.values():
        res = plan_result(problem, path)
        assert_same_plan(res, solved)
        assert res.status == "optimal" and res.bound == pytest.approx(solved.bound, rel=1e-9)
        assert res.info["solver"] == "given plan" and res.info["source"] == str(path)
        assert res.info["check"]["ok"] is True and res.info["check"]["violations"] == 0
        assert res.info["check"]["verified"] is True  # on its input, under its policy, its objective
    # a bare moves table carries no claim of optimality
    bare = plan_result(problem, solved.moves[["employee_id", "to_position"]])
    assert_same_plan(bare, solved)
    assert bare.status == "feasible" and math.isnan(bare.bound)
    english = plan_result(problem, plans["json"], lang="en")
    assert list(english.moves["reason"]) == list(solved.moves["reason_en"])


def test_plan_result_keeps_a_plan_that_is_not_the_solvers(problem: ab.Problem, solved: ab.Result) -> None:
    half = solved.moves.iloc[::2][["employee_id", "to_position"]].reset_index(drop=True)
    res = plan_result(problem, half)
    assert list(res.moves["employee_id"]) == sorted(
        half["employee_id"], key=list(problem.employee_index).index
    )
    assert res.n_moves == len(half)
    staff = res.positions.set_index("position_id")["staff_after"]
    expected = problem.staff.copy()
    for e, t in zip(half["employee_id"], half["to_position"], strict=True):
        expected[problem.employee_position[problem.employee_index.get_loc(e)]] -= 1
        expected[problem.position_index.get_loc(t)] += 1
    assert list(staff) == list(expected)
    assert res.balance_after == pytest.approx(problem.balance(expected))
    assert res.balance_after > solved.balance_after


def test_plan_result_skips_stays_and_names_unknown_ids(problem: ab.Problem) -> None:
    emp = problem.employees.iloc[0]
    stay = pd.DataFrame({"employee_id": [emp["employee_id"]], "to_position": [emp["position_id"]]})
    res = plan_result(problem, stay)
    assert res.n_moves == 0 and res.info["ignored_rows"] == 1
    bad = pd.DataFrame(
        {"employee_id": ["nobody", emp["employee_id"]], "to_position": ["P-none-1", "nowhere"]}
    )
    with pytest.raises(InputError) as info:
        plan_result(problem, bad)
    found = {(p.row, p.column, p.rule) for p in info.value.problems}
    assert found == {(2, "employee_id", "unknown_employee"), (3, "to_position", "unknown_position"),
                     (2, "to_position", "unknown_position")}  # fmt: skip


# --------------------------------------------------------------------------- the HTML report


@pytest.mark.parametrize("lang", ["id", "en"])
def test_html_report_sections_and_rows(solved: ab.Result, report_files: dict[str, Path], lang: str) -> None:
    text = report_files[lang].read_text(encoding="utf-8")
    page = Page(text)
    titles = section_titles(lang)
    assert page.sections == list(SECTIONS)
    assert page.h2 == [titles[s] for s in SECTIONS]
    assert page.row_classes.count("move") == solved.n_moves
    assert page.row_classes.count("unit") == len(solved.units)
    assert page.row_classes.count("training-row") == len(solved.training)  # type: ignore[arg-type]
    # self-contained: five plots inline, nothing fetched from elsewhere
    assert len(page.img_src) == 5 and all(s.startswith("data:image/png;base64,") for s in page.img_src)
    assert not re.search(r"https?://", text) and "script" not in page.tags and "link" not in page.tags
    assert all(u.startswith(("data:", "#")) for u in page.urls)
    assert "@media print" in text and "@page" in text and f"<html lang='{lang}'>" in text
    b0 = solved.balance_before
    if lang == "id":
        assert "Rencana ini memindahkan" in text and f"{b0:.1f}".replace(".", ",") in text
        assert "Pemeriksaan independen: semua aturan mutasi terpenuhi." in text
    else:
        assert "This plan moves" in text and f"{b0:.1f}" in text
        assert "Independent check: every mutasi rule holds." in text
    for reason in solved.moves[f"reason_{lang}"].head(5):
        assert reason.replace(">", "&gt;") in text


def test_html_report_without_matplotlib(
    problem: ab.Problem, solved: ab.Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]
    text = html_report(problem, solved, "en")
    page = Page(text)
    assert page.sections == list(SECTIONS) and not page.img_src
    assert "Charts unavailable: install matplotlib (pip install &#x27;asn-balance[plot]&#x27;)." in text
    assert page.row_classes.count("move") == solved.n_moves


def rule_breaking_plan(problem: ab.Problem) -> pd.DataFrame:
    """One CPNS moved to another position: the rule ``cpns_stays`` is broken."""
    emp = problem.employees
    cpns = emp[emp["status"].astype(str).str.upper() == "CPNS"].iloc[0]
    other = next(p for p in problem.positions["position_id"] if p != cpns["position_id"])
    return pd.DataFrame({"employee_id": [cpns["employee_id"]], "to_position": [other]})


def test_report_lists_rule_violations(problem: ab.Problem) -> None:
    res = plan_result(problem, rule_breaking_plan(problem))
    assert res.info["check"]["ok"] is False
    text = html_report(problem, res, "en", plots=False)
    assert "<code>cpns_stays</code>" in text and "class='bad'" in text
    assert re.search(r"The independent check found \d+ rule violations", text)
    assert Page(text).row_classes.count("move") == 1


def test_cli_report(data: Path, plans: dict[str, Path], solved: ab.Result, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    res = runner.invoke(app, ["report", str(data), str(plans["xlsx"]), "--out", str(out), "--lang", "en",
                              "--date", DATE])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert f"report written to {out}: {solved.n_moves} moves" in res.stdout
    page = Page(out.read_text(encoding="utf-8"))
    assert page.h2 == list(section_titles("en").values())
    assert page.row_classes.count("move") == solved.n_moves
    # policy options apply: the same plan under a 36-month minimum breaks that rule
    res = runner.invoke(app, ["report", str(data), str(plans["json"]), "--out", str(tmp_path / "r36.html"),
                              "--date", DATE, "--min-months", "600"])  # fmt: skip
    assert res.exit_code == 1 and "rules: see the report" in res.stderr
    assert "min_months_in_position" in (tmp_path / "r36.html").read_text(encoding="utf-8")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("employee_id,to_position\n999,P1\n", encoding="utf-8")
    res = runner.invoke(app, ["report", str(data), str(unknown), "--out", str(tmp_path / "x.html")])
    assert res.exit_code == 2 and "[unknown_employee]" in res.stderr and not (tmp_path / "x.html").exists()
    res = runner.invoke(app, ["report", str(data), str(plans["json"]), "--lang", "fr"])
    assert res.exit_code == 2 and "--lang" in res.stderr


# --------------------------------------------------------------------------- in a real browser


def run_chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}",
        *args,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def rendered(png: Path) -> tuple[bool, str]:
    """Whether a screenshot shows a page with content: many colours, no colour covering
    nearly everything, and enough contrast."""
    im = Image.open(png).convert("RGB")
    colours = im.getcolors(maxcolors=im.width * im.height) or []
    share = max(c for c, _ in colours) / (im.width * im.height) if colours else 1.0
    spread = sum(ImageStat.Stat(im).stddev) / 3
    why = f"{len(colours)} colours, dominant {share:.1%}, stddev {spread:.1f}"
    return len(colours) >= 64 and share <= 0.95 and spread >= 12, why


def test_blank_pages_are_detected(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (640, 480), "white").save(blank)
    assert not rendered(blank)[0]
    lines = Image.new("RGB", (640, 480), "white")
    for y in range(0, 480, 40):
        lines.paste((0, 0, 0), (0, y, 640, y + 2))
    lines.save(tmp_path / "lines.png")
    assert not rendered(tmp_path / "lines.png")[0]


@needs_browser
def test_report_renders_in_a_headless_browser(
    report_files: dict[str, Path], solved: ab.Result, tmp_path: Path
) -> None:
    path = report_files["id"]
    shot = tmp_path / "report.png"
    proc = run_chromium([f"--screenshot={shot}", "--window-size=1280,2000", path.as_uri()], tmp_path / "p1")
    assert shot.exists(), proc.stderr[-2000:]
    ok, why = rendered(shot)
    assert ok, why
    with Image.open(shot) as im:
        assert im.size == (1280, 2000)
        # the header rule and the plots are drawn: the top third is not plain white either
        top = im.convert("RGB").crop((0, 0, 1280, 700))
        assert len(top.getcolors(maxcolors=1280 * 700) or []) >= 32
    proc = run_chromium(["--dump-dom", path.as_uri()], tmp_path / "p2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = Page(proc.stdout)
    assert page.h2 == [section_titles("id")[s] for s in SECTIONS]
    assert page.row_classes.count("move") == solved.n_moves
    assert len(page.img_src) == 5


@needs_browser
def test_report_prints_to_several_pdf_pages(report_files: dict[str, Path], tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    proc = run_chromium([f"--print-to-pdf={pdf}", "--no-pdf-header-footer", report_files["en"].as_uri()],
                        tmp_path / "p3")  # fmt: skip
    assert pdf.exists(), proc.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 5  # each large section starts a page
