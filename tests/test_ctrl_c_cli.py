"""Ctrl-C at any moment of ``asn-balance plan``: a checked plan written, or exit 130 and a
clear message; never a traceback.

Each run is a child process that runs the real command line (``asn_balance.apps.cli.main``)
with one stage slowed down (monkeypatched in the child) and a marker file written when the
stage begins; SIGINT is sent once the marker exists, so the moment is deterministic: while the
data is read, between reading and solving, during the compile, during the engine's search
(also with ``--deterministic``). Every plan written passes ``asn-balance check``. A last run
leaves a solve thread that ignores the stop behind: the CLI still exits with its code, its
output flushed and the exit handlers run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from asn_balance.datasets import synth

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")

DATE = ["--date", "2026-01-01"]

#: The child: slow one stage down, write the marker when it begins, run the command line.
CHILD = r"""
import atexit, signal, sys, time
from pathlib import Path

# as on a terminal: a test runner started in the background (nohup, `&`, some CI runners)
# hands its children SIGINT ignored, and the CLI rightly keeps ignoring it then
signal.signal(signal.SIGINT, signal.default_int_handler)

stage, marker, done = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
argv = sys.argv[4:]
from asn_balance.apps.cli import common, main
from asn_balance import planner
from asn_balance.compile import compiler
from asn_balance.engine import control

atexit.register(lambda: done.write_text("exit handlers ran"))


def wait_for_stop(seconds):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds and not control.stop_requested():
        time.sleep(0.01)


if stage == "read":
    original_read = common._read_problem

    def slow_read(*a, **k):
        marker.write_text(stage)
        time.sleep(60)  # Ctrl-C interrupts the reading
        return original_read(*a, **k)

    common._read_problem = slow_read
elif stage == "between":
    original_deadline = common._deadline

    def slow_deadline(*a, **k):
        marker.write_text(stage)
        time.sleep(3)  # the data is read, the solve has not begun: Ctrl-C must not be lost
        return original_deadline(*a, **k)

    common._deadline = slow_deadline
elif stage == "compile":
    original_eligibility = compiler.eligibility

    def slow_eligibility(problem):
        marker.write_text(stage)
        wait_for_stop(60)
        return original_eligibility(problem)

    compiler.eligibility = slow_eligibility
elif stage in ("solve", "deaf"):
    original_solve = planner.solve_model

    def slow_solve(model, **k):
        marker.write_text(stage)
        if stage == "deaf":  # a step that ignores the stop: the planner stops waiting
            time.sleep(60)
        wait_for_stop(60)
        return original_solve(model, **k)  # the real engine, stopped from its start

    planner.solve_model = slow_solve
sys.argv = ["asn-balance", *argv]
main()
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ctrl_c") / "data"
    synth.write_csv_folder(synth.generate(800, seed=5, policy_columns=True), folder)
    return folder


def _run(
    tmp_path: Path, data: Path, stage: str, *options: str, limit: str = "120", sigint: bool = True
) -> dict[str, Any]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    marker, done, out = tmp_path / "marker", tmp_path / "done", tmp_path / "plan.json"
    argv = ["plan", str(data), "--out", str(out), "--time-limit", limit, *DATE, *options]
    proc = subprocess.Popen(
        [sys.executable, str(script), stage, str(marker), str(done), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    t0 = time.monotonic()
    while not marker.exists() and proc.poll() is None and time.monotonic() - t0 < 120:
        time.sleep(0.05)
    assert marker.exists(), f"the stage {stage} never began: {proc.communicate()}"
    if sigint:
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
    t1 = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    run: dict[str, Any] = {
        "code": proc.returncode,
        "stdout": stdout,
        "stderr": stderr,
        "after_signal": time.monotonic() - t1,
        "plan": json.loads(out.read_text()) if out.exists() else None,
        "exit_handlers": done.exists(),
    }
    assert "Traceback" not in stderr, stderr
    assert run["exit_handlers"], "the exit handlers did not run"
    if run["plan"] is not None:
        chk = subprocess.run([sys.executable, "-m", "asn_balance", "check", str(data), str(out), *DATE],
                             capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        assert chk.returncode == 0, chk.stdout + chk.stderr
        assert run["code"] == 0 and "plan written to" in stdout
    else:
        assert run["code"] == 130, (run["code"], stderr)
        assert ("interrupted" in stderr and "no plan written" in stderr) or "nothing written" in stderr
    return run


def test_ctrl_c_while_reading_exits_130_without_a_plan(tmp_path: Path, data: Path) -> None:
    run = _run(tmp_path, data, "read")
    assert run["code"] == 130 and run["plan"] is None
    assert "interrupted while reading the data" in run["stderr"]
    assert run["after_signal"] < 10


def test_ctrl_c_between_reading_and_solving_is_not_lost(tmp_path: Path, data: Path) -> None:
    """The old CLI lost it (the solve cleared the stop) and ran the full 120 s."""
    run = _run(tmp_path, data, "between")
    assert run["after_signal"] < 30
    assert run["plan"] is not None, run["stderr"]  # the standing plan: the compile stopped at once
    assert run["plan"]["summary"]["interrupted"] is True and run["plan"]["summary"]["moves"] == 0
    assert "interrupted: the plan is the best found so far" in run["stderr"]


@pytest.mark.parametrize("stage", ["compile", "solve"])
@pytest.mark.parametrize("deterministic", [False, True], ids=["wall-clock", "deterministic"])
def test_ctrl_c_during_the_compile_or_the_search(
    tmp_path: Path, data: Path, stage: str, deterministic: bool
) -> None:
    run = _run(tmp_path, data, stage, *(["--deterministic"] if deterministic else []))
    assert run["after_signal"] < 30
    assert run["plan"] is not None, run["stderr"]  # the standing plan at least
    summary = run["plan"]["summary"]
    assert summary["interrupted"] is True and summary["status"] in ("feasible", "optimal")
    assert "interrupted: the plan is the best found so far" in run["stderr"]
    if stage == "solve":  # the compile finished: the engine's plan or the repaired standing one
        assert summary["moves"] > 0


def test_a_solve_thread_left_behind_still_exits_cleanly(tmp_path: Path, data: Path) -> None:
    """The engine ignores the stop past its deadline: the planner returns the standing plan,
    the CLI writes it, flushes its output, runs the exit handlers and leaves with exit 0
    although the solve thread still runs."""
    run = _run(tmp_path, data, "deaf", limit="4", sigint=False)
    assert run["code"] == 0 and run["plan"] is not None
    assert run["plan"]["summary"]["moves"] == 0 and run["after_signal"] < 30
