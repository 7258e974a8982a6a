"""The HTTP service end to end: a real ``asn-balance serve`` on loopback, and schemathesis.

One server (a subprocess, API key set, at most one solve at a time) serves the whole module.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")
psutil = pytest.importorskip("psutil")

import asn_balance as ab  # noqa: E402
from asn_balance.datasets import synth  # noqa: E402
from json_helpers import strip_timing  # noqa: E402
from service_helpers import doc as _doc  # noqa: E402

KEY = "test-key-123"
AUTH = {"X-API-Key": KEY}
MAX_BODY_MB = 8
POLICY = {"plan_date": "2026-01-01"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    port = _free_port()
    env = {**os.environ, "ASN_BALANCE_API_KEY": KEY}
    db = tmp_path_factory.mktemp("db") / "asn-balance.db"
    cmd = [sys.executable, "-m", "asn_balance", "serve", "--port", str(port), "--db", f"sqlite:///{db}",
           "--max-body-mb", str(MAX_BODY_MB), "--max-running", "1", "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        with httpx.Client(base_url=base, headers=AUTH, timeout=30) as client:
            yield {"base": base, "client": client, "proc": proc}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait(client: Any, job_id: str, until: tuple[str, ...], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"/plans/{job_id}")
        assert r.status_code == 200, r.text
        view: dict[str, Any] = r.json()
        if view["status"] in until:
            return view
        assert time.monotonic() < deadline, view
        time.sleep(0.1)


def test_api_key_is_asked_for(server: dict[str, Any]) -> None:
    base = server["base"]
    assert httpx.get(f"{base}/health").json()["status"] == "ok"  # health and docs are open
    assert httpx.get(f"{base}/openapi.json").status_code == 200
    for headers in ({}, {"X-API-Key": "wrong"}):
        r = httpx.post(f"{base}/abk", json={"employees": [], "positions": []}, headers=headers)
        assert r.status_code == 401
        assert "API key" in r.json()["detail"]
        assert httpx.get(f"{base}/plans/nope", headers=headers).status_code == 401


def test_plan_end_to_end(server: dict[str, Any]) -> None:
    client = server["client"]
    frames = synth.generate(120, seed=3)
    r = client.post("/plans", json={**_doc(frames), "policy": POLICY, "seed": 0, "deterministic": True})
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/plans/{r.json()['id']}"
    view = _wait(client, r.json()["id"], ("done", "failed", "cancelled"))
    assert view["status"] == "done", view["error"]
    assert view["progress"]["objective"] == pytest.approx(view["result"]["summary"]["objective"])
    assert view["progress"]["elapsed"] > 0

    problem = ab.Problem.read(frames, ab.Policy(**POLICY))
    expected = ab.solve(problem, deterministic=True).to_dict()
    assert view["result"]["summary"]["deterministic"] is True
    assert strip_timing(view["result"]) == strip_timing(json.loads(json.dumps(expected)))

    moves = [{"nip": m["employee_id"], "to_position": m["to_position"]} for m in view["result"]["moves"]]
    r = client.post("/check", json={**_doc(frames), "policy": POLICY, "moves": moves})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["ok"] and report["violations"] == []
    assert report["moves"] == len(moves) > 0
    assert report["objective"] == pytest.approx(view["result"]["summary"]["objective"], rel=1e-9)
    # a plan breaking a rule: a move to an unknown position
    r = client.post(
        "/check", json={**_doc(frames), "moves": [{"employee_id": moves[0]["nip"], "to_position": "X"}]}
    )
    assert r.status_code == 200 and not r.json()["ok"]
    assert {v["rule"] for v in r.json()["violations"]} == {"unknown_position"}

    assert client.delete(f"/plans/{view['id']}").json()["status"] == "done"  # forget a finished job
    assert client.get(f"/plans/{view['id']}").status_code == 404


def test_bad_input_is_422_with_every_problem(server: dict[str, Any]) -> None:
    client = server["client"]
    doc = _doc(synth.generate(120, seed=4))
    doc["employees"][0]["grade"] = "XX"
    doc["employees"][2]["position_id"] = "NOPE"
    r = client.post("/plans", json=doc)
    assert r.status_code == 422
    problems = {(p["table"], p["row"], p["column"], p["value"], p["rule"]) for p in r.json()["problems"]}
    assert problems == {
        ("employees", 2, "grade", "XX", "invalid_grade"),
        ("employees", 4, "position_id", "NOPE", "unknown_position"),
    }
    assert all(j["status"] != "queued" for j in client.get("/plans").json())  # no job was started

    r = client.post("/plans", json={**doc, "policy": {"move_cost": -1, "colour": "red"}, "time_limit": 0})
    assert r.status_code == 422
    got = {(p["table"], p["column"], p["rule"]) for p in r.json()["problems"]}
    assert ("policy", "move_cost", "invalid_policy") in got
    assert ("policy", "colour", "unknown_policy_option") in got
    assert ("time_limit", None, "invalid_request") in got

    r = client.post("/abk", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["problems"][0]["rule"] == "invalid_json"


def test_abk_report(server: dict[str, Any]) -> None:
    frames = synth.generate(120, seed=5)
    r = server["client"].post("/abk", json={**_doc(frames), "policy": {"effective_hours": 1200}})
    assert r.status_code == 200, r.text
    body = r.json()
    expected = ab.Problem.read(frames, ab.Policy(effective_hours=1200)).abk()
    assert body["effective_hours"] == 1200
    assert [p["position_id"] for p in body["positions"]] == expected["position_id"].tolist()
    assert [p["need_fte"] for p in body["positions"]] == pytest.approx(expected["need_fte"].tolist())
    assert [p["band"] for p in body["positions"]] == expected["band"].tolist()
    assert body["staff"] == 120


def test_body_limit_413_before_reading(server: dict[str, Any]) -> None:
    port = int(server["base"].rsplit(":", 1)[1])
    # a declared length over the limit is refused at once: the body is never sent
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            b"POST /plans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"X-API-Key: {KEY}\r\nContent-Length: {10**9}\r\n\r\n".encode()
        )
        head = s.recv(65536).decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head
    # a chunked body is counted while it arrives
    limit = MAX_BODY_MB * 1_000_000

    def chunks() -> Iterator[bytes]:
        sent = 0
        while sent <= limit:
            yield b" " * 1_000_000
            sent += 1_000_000

    r = server["client"].post("/abk", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "limit" in r.json()["detail"]


def test_tables_without_columns_are_422(server: dict[str, Any]) -> None:
    r = server["client"].post("/abk", json={"employees": [{"x": 1}], "positions": {"wishes": []}})
    assert r.status_code == 422, r.text
    rules = {p["rule"] for p in r.json()["problems"]}
    assert "missing_column" in rules


def _job_processes(server: dict[str, Any]) -> list[Any]:
    children = psutil.Process(server["proc"].pid).children(recursive=True)
    return [p for p in children if "_job_process" in " ".join(p.cmdline())]


def test_cancel_stops_the_solver(server: dict[str, Any]) -> None:
    client = server["client"]
    frames = synth.generate(3000, seed=0, policy_columns=True)
    slow = {**_doc(frames), "time_limit": 120,
            "policy": {**POLICY, "spouses_hard": True, "max_moves": 60}}  # fmt: skip
    a = client.post("/plans", json=slow)
    assert a.status_code == 202, a.text
    b = client.post("/plans", json={**_doc(synth.generate(120, seed=1)), "policy": POLICY})
    assert b.status_code == 202
    a_id, b_id = a.json()["id"], b.json()["id"]
    _wait(client, a_id, ("running",))
    assert client.get(f"/plans/{b_id}").json()["status"] == "queued"  # one solve at a time

    deadline = time.monotonic() + 30
    while not _job_processes(server):  # the solver process is up
        assert time.monotonic() < deadline
        time.sleep(0.1)
    (proc,) = _job_processes(server)
    time.sleep(1.0)
    assert client.get(f"/plans/{a_id}").json()["status"] == "running"

    r = client.delete(f"/plans/{b_id}")  # cancel a queued job
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    t0 = time.monotonic()
    r = client.delete(f"/plans/{a_id}")  # cancel a running job
    assert r.status_code == 200
    view = r.json()
    assert view["status"] == "cancelled" and view["result"] is None and view["finished"] is not None
    proc.wait(timeout=10)  # the process really ended
    assert time.monotonic() - t0 < 10
    assert not _job_processes(server)
    elapsed = view["progress"]["elapsed"]
    time.sleep(0.3)
    again = client.get(f"/plans/{a_id}").json()
    assert again["status"] == "cancelled" and again["progress"]["elapsed"] == elapsed
    assert client.get(f"/plans/{b_id}").json()["status"] == "cancelled"
    assert client.get("/plans/does-not-exist").status_code == 404
    assert client.delete("/plans/does-not-exist").status_code == 404


def test_openapi_with_schemathesis(server: dict[str, Any]) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    base = server["base"]
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    spec = httpx.get(f"{base}/openapi.json").json()
    assert {"/plans", "/plans/{job_id}", "/check", "/abk", "/health"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    seen: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in ((GenerationMode.POSITIVE, 6), (GenerationMode.NEGATIVE, 3)):
            if mode is GenerationMode.NEGATIVE and operation.method.upper() != "POST":
                continue  # nothing to get wrong in a path or no parameters at all

            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                case.call_and_validate(base_url=base, headers=AUTH, checks=checks)

            run()
        seen.append(operation.label)
    assert len(seen) >= 7
    # anything the fuzzing queued is stopped
    for job in server["client"].get("/plans").json():
        server["client"].delete(f"/plans/{job['id']}")
