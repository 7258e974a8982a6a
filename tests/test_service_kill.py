"""Nothing is lost: a real ``asn-balance serve`` on a SQLite file, SIGKILLed (its whole process
group, the solver's process too) in the middle of a solve and of a consultation round, then
started again on the same database. The job comes back ``interrupted`` with the best plan its
one solve had reached (a plan of the search, better than the standing plan it saved first,
passing the check), the finished plan, the round and its answers are there, and the round goes
on to approval.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("sqlalchemy")
httpx = pytest.importorskip("httpx")
psutil = pytest.importorskip("psutil")

import asn_balance as ab  # noqa: E402
from asn_balance.datasets import synth  # noqa: E402
from service_helpers import POLICY, doc, wait_job  # noqa: E402

KEYS = "hr=hr-key-00000001\nppk=ppk-key-0000002\n"
HR = {"X-API-Key": "hr-key-00000001"}
PPK = {"X-API-Key": "ppk-key-0000002"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(p: Any) -> bool:
    """Whether a process still runs (a zombie has ended; a vanished one too)."""
    try:
        return bool(p.is_running() and p.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


class Server:
    """``asn-balance serve`` in a process group of its own."""

    def __init__(self, db: Path, keys: Path) -> None:
        self.db_url = f"sqlite:///{db}"
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            "asn_balance",
            "serve",
            "--port",
            str(self.port),
            "--db",
            f"sqlite:///{db}",
            "--api-keys",
            str(keys),
            "--max-running",
            "1",
            "--log-level",
            "warning",
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASN_BALANCE_API_KEY")}
        self.proc = subprocess.Popen(cmd, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        self.client = httpx.Client(base_url=self.base, headers=HR, timeout=120)

    def kill(self) -> list[Any]:
        """SIGKILL the whole process group; the processes that were in it."""
        group = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.client.close()
        # a killed process may still be on its way out for a moment (the solver's child is
        # reaped by init, not by the test): wait until none of the group runs, at most 10 s
        end = time.monotonic() + 10
        while time.monotonic() < end and any(_alive(p) for p in group):
            time.sleep(0.05)
        return group

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.client.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for s in started:
        s.stop()


def test_killed_mid_solve_and_mid_round_then_approved(tmp_path: Path, servers: list[Server]) -> None:
    db = tmp_path / "asn-balance.db"
    keys = tmp_path / "keys.txt"
    keys.write_text(KEYS, encoding="utf-8")
    small = synth.generate(120, seed=3)
    big = synth.generate(3000, seed=0, policy_columns=True)
    big_policy = {**POLICY, "spouses_hard": True, "max_moves": 200}

    first = Server(db, keys)
    servers.append(first)
    c = first.client
    r = c.post("/plans", json={**doc(small), "policy": POLICY, "agency": "kota"})
    assert r.status_code == 202, r.text
    done = wait_job(c, r.json()["id"], ("done", "failed"))
    assert done["status"] == "done", done["error"]
    rid = c.post("/rounds", json={"plan_id": done["id"], "note": "rancangan"}).json()["id"]
    assert c.post(f"/rounds/{rid}/notices", json={"note": "dikirim"}, headers=PPK).status_code == 200
    movers = [m["employee_id"] for m in done["result"]["moves"]]
    answers = [
        {"employee_id": movers[0], "response": "setuju"},
        {"employee_id": movers[1], "response": "keberatan", "note": "anak sekolah"},
    ]
    assert c.post(f"/rounds/{rid}/responses", json={"responses": answers}).status_code == 200

    # a long solve (one solve): the standing plan is saved, then each better plan of the search
    big_problem = ab.Problem.read(big, ab.Policy.model_validate(big_policy))
    nobody = pd.DataFrame({"employee_id": pd.Series([], dtype=str), "to_position": pd.Series([], dtype=str)})
    standing = ab.check(big_problem, nobody)
    assert standing.ok, str(standing)
    r = c.post("/plans", json={**doc(big), "policy": big_policy, "time_limit": 60, "agency": "provinsi"})
    assert r.status_code == 202, r.text
    long_id = r.json()["id"]
    deadline = time.monotonic() + 90
    saved: list[tuple[str, str, float]] = []  # (best_saved, plan_from, objective) as they change
    while True:
        view = c.get(f"/plans/{long_id}").json()
        assert view["status"] == "running", view.get("error")
        if view["best"] is not None and (not saved or saved[-1][0] != view["best_saved"]):
            summary = view["best"]["summary"]
            saved.append((view["best_saved"], summary["solver_stats"]["plan_from"], summary["objective"]))
            if saved[-1][1] == "search":  # a plan the search reached, saved during the search
                break
        assert time.monotonic() < deadline, f"no plan of the search was saved: {saved}"
        time.sleep(0.2)
    objectives = [o for _, _, o in saved]
    assert objectives == sorted(objectives, reverse=True) and len(set(objectives)) == len(objectives)
    solver = [
        p
        for p in psutil.Process(first.proc.pid).children(recursive=True)
        if "_job_process" in " ".join(p.cmdline())
    ]
    assert len(solver) == 1 and solver[0].is_running()
    group = first.kill()  # mid-solve and mid-round
    assert not any(_alive(p) for p in group)

    second = Server(db, keys)
    servers.append(second)
    c = second.client
    view = c.get(f"/plans/{long_id}").json()
    assert view["status"] == "interrupted" and view["result"] is None
    assert "best plan saved so far" in view["error"]["detail"]
    best = view["best"]
    assert view["best_saved"] is not None
    assert best["summary"]["objective"] <= saved[-1][2]  # the last plan saved before the kill
    assert best["summary"]["solver_stats"]["plan_from"] == "search"
    assert best["summary"]["status"] == "feasible" and "on_plan" in best["summary"]["note"]
    problem = ab.Problem.read(big, ab.Policy.model_validate(best["summary"]["policy"]))
    report = ab.check(
        problem, pd.DataFrame(best["moves"], columns=["employee_id", "to_position"]).astype(str)
    )
    assert report.ok, str(report)  # the saved plan passes the independent check
    assert report.objective == pytest.approx(best["summary"]["objective"], rel=1e-9)
    assert report.objective < standing.objective  # better than the plan where nobody moves
    assert len(best["moves"]) <= 200

    again = c.get(f"/plans/{done['id']}").json()  # the finished plan is there, unchanged
    assert again["status"] == "done" and again["result"] == done["result"]
    assert {j["id"]: j["status"] for j in c.get("/plans").json()} == {
        done["id"]: "done",
        long_id: "interrupted",
    }
    rnd = c.get(f"/rounds/{rid}").json()
    assert rnd["state"] == "in_consultation" and rnd["responses"] == 2
    assert {a["employee_id"] for a in c.get(f"/rounds/{rid}/responses").json()} == set(movers[:2])

    # the round goes on after the restart
    r = c.post(
        f"/rounds/{rid}/responses",
        json={"responses": [{"employee_id": movers[2], "response": "setuju"}]},
        headers=PPK,
    )
    assert r.status_code == 200 and r.json()["added"] == 1
    assert c.post(f"/rounds/{rid}/revise", json={"note": "revisi"}).json()["state"] == "revised"
    chk = c.post(f"/rounds/{rid}/check", json={}).json()
    assert chk["ok"] and chk["approvable"]
    r = c.post(f"/rounds/{rid}/approve", json={"note": "disetujui"}, headers=PPK)
    assert r.status_code == 200 and r.json()["state"] == "approved"
    revised = r.json()["revised"]
    problem = ab.Problem.read(small, ab.Policy.model_validate(revised["summary"]["policy"]))
    moves = pd.DataFrame(revised["moves"], columns=["employee_id", "to_position"]).astype(str)
    assert ab.check(problem, moves).ok
    trail = [(a["who"], a["action"]) for a in c.get(f"/rounds/{rid}/audit").json()]
    assert trail == [
        ("hr", "round.create"),
        ("ppk", "round.notices"),
        ("hr", "round.responses"),
        ("ppk", "round.responses"),
        ("hr", "round.revise"),
        ("hr", "round.check"),
        ("ppk", "round.approve"),
    ]
    plan_trail = [(a["who"], a["action"]) for a in second_audit(second, long_id)]
    assert plan_trail == [("hr", "plan.create"), ("system", "plan.interrupted")]


def second_audit(server: Server, plan_id: str) -> list[dict[str, Any]]:
    """The audit lines of a plan, read from the database file the server uses."""
    from asn_balance.apps.server.db import Store

    store = Store(server.db_url, migrate=False)
    try:
        return store.audit_log("plan", plan_id)
    finally:
        store.close()
