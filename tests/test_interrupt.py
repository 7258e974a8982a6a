"""A solve stopped from outside returns the best plan so far with its status.

``asn_balance.request_stop()`` (an embedder's cancel) and Ctrl-C in the CLI both stop the
search loops and every running CP-SAT search; the plan found so far is returned, checked,
and marked ``interrupted``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from asn_balance import Problem, check, request_stop
from asn_balance.datasets import synth
from asn_balance.planner import solve


@pytest.fixture(scope="module")
def frames() -> dict:
    return synth.generate(3000, seed=5, policy_columns=True)


def test_request_stop_returns_the_best_plan_so_far(frames: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASN_BALANCE_SIDE_SOLVER", "cpsat")  # HiGHS proves this one before the stop
    problem = Problem.from_frames(
        frames["employees"], frames["positions"], frames["tasks"], units=frames["units"]
    )
    timer = threading.Timer(6.0, request_stop)
    timer.start()
    t0 = time.perf_counter()
    result = solve(problem, time_limit=120)
    seconds = time.perf_counter() - t0
    timer.cancel()
    assert seconds < 30, seconds  # far below the 120 s limit
    assert result.info.get("interrupted") is True
    assert result.has_plan and result.status in ("feasible", "optimal")
    assert check(problem, result).ok
    # the next solve starts afresh
    again = solve(problem.with_policy(max_moves=5), time_limit=5)
    assert not again.info.get("interrupted")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_in_the_cli_writes_the_plan_so_far(
    frames: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASN_BALANCE_SIDE_SOLVER", "cpsat")  # HiGHS proves this one before the stop
    data = tmp_path / "data"
    synth.write_csv_folder(frames, data)
    out = tmp_path / "plan.json"
    # as on a terminal: a test runner started in the background (nohup, `&`, some CI runners)
    # hands its children SIGINT ignored, and the CLI rightly keeps ignoring it then
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "asn_balance",
                "plan",
                str(data),
                "--out",
                str(out),
                "--time-limit",
                "120",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        signal.signal(signal.SIGINT, inherited)
    time.sleep(10.0)  # reading, compiling and the first flows
    proc.send_signal(signal.SIGINT)
    try:
        _stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    doc = json.loads(out.read_text())
    assert doc["summary"]["status"] in ("feasible", "optimal")
    assert doc["summary"].get("interrupted") is True


def test_progress_lines_only_when_asked_off_a_terminal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    synth.write_csv_folder(synth.generate(300, seed=3), data)
    base = [
        sys.executable,
        "-m",
        "asn_balance",
        "plan",
        str(data),
        "--max-moves",
        "10",
        "--time-limit",
        "5",
    ]
    quiet = subprocess.run(base, capture_output=True, text=True, timeout=120, check=False)
    assert quiet.returncode == 0, quiet.stderr
    assert "progress" not in quiet.stderr
    loud = subprocess.run([*base, "--progress"], capture_output=True, text=True, timeout=120, check=False)
    assert loud.returncode == 0, loud.stderr
    lines = [x for x in loud.stderr.splitlines() if x.startswith("progress ")]
    assert lines and all(" best " in x and " bound " in x and " gap " in x for x in lines)
