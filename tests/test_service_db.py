"""The durable service: its database (SQLite always, PostgreSQL where pgserver starts one),
the migrations, named keys, jobs that survive, and the consultation round through the API.

Every plan the service makes here passes the independent checker in the test process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")
pytest.importorskip("httpx")

import sqlalchemy as sa
from fastapi.testclient import TestClient

import asn_balance as ab
from asn_balance.apps.server import create_app
from asn_balance.apps.server.db import Store
from asn_balance.apps.server.db.schema import Base
from asn_balance.apps.server.db.store import MIGRATIONS
from asn_balance.apps.server.keys import KeyRing, parse_keys, read_key_file
from asn_balance.datasets import synth
from asn_balance.model.readers import read_tables
from conftest import solve_checked
from service_helpers import POLICY, doc, fresh_database, postgres_server, wait_job

KEYS = {"alice": "alice-key-0001", "bob": "bob-key-000002"}
ALICE = {"X-API-Key": KEYS["alice"]}
BOB = {"X-API-Key": KEYS["bob"]}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return synth.generate(120, seed=3)


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    base = tmp_path_factory.mktemp("pg")
    for server in postgres_server(base):
        yield server, base


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'service.db'}"
    server, base = request.getfixturevalue("pg")
    return fresh_database(server, base)


def _app(db_url: str) -> Any:
    return create_app(api_key="", api_keys=KEYS, db_url=db_url, max_running=1)


def _plan(client: TestClient, body: dict[str, Any], headers: dict[str, str] = ALICE) -> dict[str, Any]:
    r = client.post("/plans", json=body, headers=headers)
    assert r.status_code == 202, r.text
    view = wait_job(client, r.json()["id"], ("done", "failed", "cancelled"), headers=headers)
    assert view["status"] == "done", view["error"]
    return view


def _checked(frames: dict[str, pd.DataFrame], plan: dict[str, Any]) -> None:
    """The independent check of a plan the service made, in the test process."""
    problem = ab.Problem.read(frames, ab.Policy.model_validate(plan["summary"]["policy"]))
    moves = pd.DataFrame(plan["moves"], columns=["employee_id", "to_position"]).astype(str)
    report = ab.check(problem, moves)
    assert report.ok, str(report)
    assert report.objective == pytest.approx(plan["summary"]["objective"], rel=1e-9, abs=1e-9)
    assert report.moves == len(plan["moves"])


# --------------------------------------------------------------------------- the store


def test_migrations_from_empty_match_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    store = Store(db_url)
    try:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        assert store.revision() == ScriptDirectory.from_config(cfg).get_current_head()
        with store.engine.connect() as conn:  # `alembic check`: nothing to autogenerate
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        names = set(sa.inspect(store.engine).get_table_names())
        assert {"inputs", "uploads", "jobs", "rounds", "responses", "transitions", "audit"} <= names
        store.migrate()  # a second start finds the schema at head
        assert Store(db_url).revision() == store.revision()
    finally:
        store.close()


def test_jobs_left_running_come_back_interrupted(db_url: str) -> None:
    store = Store(db_url)
    store.save_input("a" * 64, {"employees": [], "positions": []}, 0, "kota", "alice")
    t = pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime()
    for job_id, status in (("j_done", "done"), ("j_run", "running"), ("j_queue", "queued")):
        view = {"id": job_id, "status": status, "created": t}
        store.add_job(view, agency="kota", input_sha256="a" * 64, who="alice", options={}, policy=None)
    best = {"summary": {"status": "feasible", "objective": 3.0}, "moves": [], "positions": [], "units": []}
    store.update_job("j_run", best=best, best_saved=t, objective=3.0)
    store.update_job("j_done", result=best)
    store.close()

    again = Store(db_url)  # a new process on the same database
    assert sorted(again.recover()) == ["j_queue", "j_run"]
    run = again.job("j_run")
    assert run is not None and run["status"] == "interrupted" and run["best"] == best
    assert "best plan saved so far" in run["error"]["detail"]
    assert again.job("j_queue")["best"] is None  # type: ignore[index]
    assert again.job("j_done")["status"] == "done"  # type: ignore[index]
    assert again.job_counts()["interrupted"] == 2
    lines = again.audit_log("plan", "j_run")
    assert [(a["who"], a["action"]) for a in lines] == [
        ("alice", "plan.create"),
        ("system", "plan.interrupted"),
    ]
    assert again.recover() == []
    again.close()


def test_an_ended_job_is_never_set_back_to_running(db_url: str) -> None:
    """The job manager records a job's start outside its lock: a cancel that lands first must
    stand (the race that left cancelled jobs ``running`` in the store)."""
    store = Store(db_url)
    t = pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime()
    for job_id in ("j_cancel", "j_ok"):
        view = {"id": job_id, "status": "queued", "created": t}
        store.add_job(view, agency="kota", input_sha256=None, who="alice", options={}, policy=None)
    store.update_job("j_cancel", status="cancelled", finished=t, audit=("bob", "plan.cancel", ""))
    store.update_job("j_cancel", status="running", started=t)  # the late start
    store.update_job("j_ok", status="running", started=t)
    assert store.job("j_cancel")["status"] == "cancelled"  # type: ignore[index]
    assert store.job("j_cancel")["started"] is None  # type: ignore[index]
    assert store.job("j_ok")["status"] == "running"  # type: ignore[index]
    assert store.recover() == ["j_ok"]
    store.close()


def test_named_keys(tmp_path: Path) -> None:
    f = tmp_path / "keys"
    f.write_text("# the office\nalice = alice-key-0001\n\nbob=bob-key-000002\n", encoding="utf-8")
    assert read_key_file(f) == KEYS
    assert parse_keys("alice:alice-key-0001, bob:bob-key-000002") == KEYS
    for bad in (
        "alice",
        "al ice:alice-key-0001",
        "a:short",
        "a:alice-key-0001,b:alice-key-0001",
        "a:alice-key-0001,a:bob-key-000002",
    ):
        with pytest.raises(ValueError):
            parse_keys(bad)
    ring = KeyRing(KEYS)
    assert ring.name("bob-key-000002") == "bob" and ring.name("nope") is None and ring.name(None) is None
    assert KeyRing({}).open


def test_who_is_the_keys_name_and_keys_are_never_stored(
    tmp_path: Path, frames: dict[str, pd.DataFrame]
) -> None:
    db = tmp_path / "keys.db"
    with TestClient(_app(f"sqlite:///{db}")) as client:
        assert client.post("/inputs", json=doc(frames)).status_code == 401
        assert client.post("/inputs", json=doc(frames), headers={"X-API-Key": "wrong"}).status_code == 401
        r = client.post("/inputs", json={**doc(frames), "agency": "kota", "note": "ABK 2026"}, headers=BOB)
        assert r.status_code == 201, r.text
        sha = r.json()["sha256"]
        assert sha == ab.Problem.read(frames).input_sha256 and r.json()["stale_rounds"] == []
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        (line,) = store.audit_log("input", sha)
        assert (line["who"], line["action"], line["note"]) == ("bob", "input.upload", "ABK 2026")
    text = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert all(k.encode() not in text for k in KEYS.values())
    assert b"bob" in text


# --------------------------------------------------------------------------- the round


def _responses(draft: dict[str, Any], frames: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """An accept, an objection and a request among the movers; the rest stay silent."""
    movers = [m["employee_id"] for m in draft["moves"]]
    assert len(movers) >= 4, "the scenario must move a few people"
    home = frames["employees"].set_index("employee_id")["position_id"].astype(str)
    wanted = next(p for p in frames["positions"]["position_id"].astype(str) if p != home[movers[2]])
    return [
        {"employee_id": movers[0], "response": "setuju"},
        {"employee_id": movers[1], "response": "keberatan", "note": "merawat orang tua"},
        {"employee_id": movers[2], "response": "usul", "target_position": wanted},
    ]


def test_the_full_round_ends_approved_with_its_audit_trail(
    db_url: str, frames: dict[str, pd.DataFrame]
) -> None:
    problem = ab.Problem.read(frames, ab.Policy(**POLICY))
    expected = solve_checked(problem)
    with TestClient(_app(db_url)) as client:
        job = _plan(client, {**doc(frames), "policy": POLICY, "agency": "kota"})
        draft = job["result"]
        _checked(frames, draft)
        assert draft["summary"]["objective"] == pytest.approx(expected.objective, rel=1e-9)
        assert job["agency"] == "kota" and job["input_sha256"] == problem.input_sha256

        r = client.post("/rounds", json={"plan_id": job["id"], "note": "rancangan 2026"}, headers=ALICE)
        assert r.status_code == 201, r.text
        rnd = r.json()
        rid = rnd["id"]
        assert (rnd["state"], rnd["stale"], rnd["plan_id"]) == ("draft", False, job["id"])
        assert r.headers["location"] == f"/rounds/{rid}"
        # answers before the notices: not in consultation yet
        assert client.post(f"/rounds/{rid}/responses", json={"responses": []}, headers=BOB).status_code == 409

        r = client.post(f"/rounds/{rid}/notices", json={"note": "dikirim", "lang": "en"}, headers=BOB)
        assert r.status_code == 200, r.text
        made = r.json()
        assert made["round"]["state"] == "in_consultation"
        assert [n["employee_id"] for n in made["notices"]] == [m["employee_id"] for m in draft["moves"]]
        assert all("<html" in n["html"] for n in made["notices"]) and "<table>" in made["index_html"]

        # every bad row at once, by table, row, column, value and rule
        bad = [
            {"employee_id": "NOPE", "response": "mungkin"},
            {"employee_id": draft["moves"][0]["employee_id"], "response": "usul"},
            {"employee_id": draft["moves"][1]["employee_id"], "response": "setuju", "target_position": "X"},
        ]
        r = client.post(f"/rounds/{rid}/responses", json={"responses": bad}, headers=BOB)
        assert r.status_code == 422
        got = {(p["table"], p["row"], p["column"], p["rule"]) for p in r.json()["problems"]}
        assert got == {
            ("responses", 2, "employee_id", "unknown_employee"),
            ("responses", 2, "response", "invalid_response"),
            ("responses", 3, "target_position", "missing_target"),
            ("responses", 4, "target_position", "unexpected_target"),
            ("responses", 4, "target_position", "unknown_position"),
        }
        assert client.get(f"/rounds/{rid}/responses", headers=BOB).json() == []

        answers = _responses(draft, frames)
        r = client.post(f"/rounds/{rid}/responses", json={"responses": answers[:2]}, headers=BOB)
        assert r.status_code == 200 and (r.json()["added"], r.json()["replaced"]) == (2, 0)
        r = client.post(
            f"/rounds/{rid}/responses", json={"responses": answers[1:], "note": "lanjutan"}, headers=BOB
        )
        assert (r.json()["added"], r.json()["replaced"]) == (1, 1)
        stored = client.get(f"/rounds/{rid}/responses", headers=BOB).json()
        assert sorted(a["response"] for a in stored) == ["accept", "object", "request"]
        assert {a["who"] for a in stored} == {"bob"}

        r = client.post(f"/rounds/{rid}/revise", json={"change_cost": 1.0, "note": "revisi"}, headers=ALICE)
        assert r.status_code == 200, r.text
        rnd = r.json()
        assert rnd["state"] == "revised"
        revised = rnd["revised"]
        _checked(frames, revised)
        outcomes = {o["employee_id"]: o["outcome"] for o in rnd["revision"]["outcomes"]}
        assert outcomes[answers[0]["employee_id"]] == "kept"
        assert outcomes[answers[1]["employee_id"]] == "stayed_after_objection"
        assert outcomes[answers[2]["employee_id"]] in ("granted", "refused")
        assert answers[1]["employee_id"] not in {m["employee_id"] for m in revised["moves"]}

        r = client.post(f"/rounds/{rid}/approve", json={"note": "setuju"}, headers=ALICE)
        assert r.status_code == 409 and "no check" in r.json()["detail"]
        r = client.post(f"/rounds/{rid}/check", json={"note": "cek"}, headers=ALICE)
        assert r.status_code == 200, r.text
        assert r.json()["ok"] and r.json()["approvable"] and r.json()["violations"] == []
        assert r.json()["objective"] == pytest.approx(revised["summary"]["objective"], rel=1e-9)
        assert r.json()["round"]["last_check"]["document_sha256"]

        # revised again after the check (another change cost, the same moves): the check is
        # of another document, so approval waits for a new check
        body = {"change_cost": 1.0000001, "note": "lagi"}
        r = client.post(f"/rounds/{rid}/revise", json=body, headers=ALICE)
        assert r.status_code == 200, r.text
        again = r.json()["revised"]
        r = client.post(f"/rounds/{rid}/approve", json={"note": "setuju"}, headers=BOB)
        assert r.status_code == 409
        same_moves = again["moves"] == revised["moves"]
        assert ("revised again" if same_moves else "another plan") in r.json()["detail"]
        revised = again
        r = client.post(f"/rounds/{rid}/check", json={"note": "cek lagi"}, headers=ALICE)
        assert r.status_code == 200 and r.json()["ok"], r.text
        r = client.post(f"/rounds/{rid}/approve", json={"note": "disetujui PPK"}, headers=BOB)
        assert r.status_code == 200, r.text
        rnd = r.json()
        assert rnd["state"] == "approved"

        # an approved round never changes
        for step, body in (
            ("notices", {}),
            ("responses", {"responses": []}),
            ("revise", {}),
            ("check", {}),
            ("approve", {}),
            ("reject", {"note": "x"}),
        ):
            r = client.post(f"/rounds/{rid}/{step}", json=body, headers=ALICE)
            assert r.status_code == 409, (step, r.text)
            assert "approved" in r.json()["detail"]
        assert client.delete(f"/plans/{job['id']}", headers=ALICE).status_code == 409  # the draft is kept
        assert client.get(f"/rounds/{rid}", headers=ALICE).json()["revised"] == revised

        assert [(t["from_state"], t["to_state"], t["who"], t["note"]) for t in rnd["transitions"]] == [
            (None, "draft", "alice", "rancangan 2026"),
            ("draft", "in_consultation", "bob", "dikirim"),
            ("in_consultation", "revised", "alice", "revisi"),
            ("revised", "approved", "bob", "disetujui PPK"),
        ]
        trail = client.get(f"/rounds/{rid}/audit", headers=ALICE).json()
        assert [(a["who"], a["action"]) for a in trail] == [
            ("alice", "round.create"),
            ("bob", "round.notices"),
            ("bob", "round.responses"),
            ("bob", "round.responses"),
            ("alice", "round.revise"),
            ("alice", "round.check"),
            ("alice", "round.revise"),
            ("alice", "round.check"),
            ("bob", "round.approve"),
        ]
        times = [pd.Timestamp(a["at"]) for a in trail]
        assert times == sorted(times) and all(t.tzinfo is not None for t in times)
        spec = client.get("/openapi.json").json()
        for path in (
            "/inputs",
            "/rounds",
            "/rounds/{round_id}",
            "/rounds/{round_id}/notices",
            "/rounds/{round_id}/responses",
            "/rounds/{round_id}/revise",
            "/rounds/{round_id}/check",
            "/rounds/{round_id}/approve",
            "/rounds/{round_id}/reject",
            "/rounds/{round_id}/audit",
        ):
            assert path in spec["paths"], path
        assert client.get("/rounds/nope", headers=ALICE).status_code == 404


def test_a_newer_upload_makes_the_draft_stale(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    with TestClient(_app(f"sqlite:///{tmp_path / 'stale.db'}")) as client:
        job = _plan(client, {**doc(frames), "policy": POLICY, "agency": "kota"})
        rid = client.post("/rounds", json={"plan_id": job["id"]}, headers=ALICE).json()["id"]
        client.post(f"/rounds/{rid}/notices", json={}, headers=ALICE)
        client.post(f"/rounds/{rid}/responses", json={"responses": []}, headers=ALICE)
        assert client.post(f"/rounds/{rid}/revise", json={}, headers=ALICE).json()["state"] == "revised"
        assert client.post(f"/rounds/{rid}/check", json={}, headers=ALICE).json()["approvable"]

        other = client.post(
            "/inputs", json={**doc(synth.generate(60, seed=9)), "agency": "kabupaten"}, headers=BOB
        )
        assert other.status_code == 201 and other.json()["stale_rounds"] == []  # another agency
        # newer data of the same agency: a non-mover renamed
        newer = frames["employees"].copy()
        movers = {m["employee_id"] for m in job["result"]["moves"]}
        i = int(next(k for k, e in enumerate(newer["employee_id"].astype(str)) if e not in movers))
        newer.loc[i, "name"] = "Nama Baru"
        r = client.post(
            "/inputs", json={**doc({**frames, "employees": newer}), "agency": "kota"}, headers=BOB
        )
        assert r.status_code == 201 and r.json()["stale_rounds"] == [rid]
        rnd = client.get(f"/rounds/{rid}", headers=ALICE).json()
        assert rnd["stale"] and rnd["stale_input_sha256"] == r.json()["sha256"] == rnd["latest_input_sha256"]
        assert rnd["input_sha256"] == job["input_sha256"] != rnd["latest_input_sha256"]

        r = client.post(f"/rounds/{rid}/approve", json={}, headers=ALICE)  # the earlier check is on old data
        assert r.status_code == 409 and "newer data" in r.json()["detail"]
        r = client.post(f"/rounds/{rid}/check", json={"note": "data baru"}, headers=ALICE)
        body = r.json()
        assert body["ok"] and body["input_changes"] and body["round"]["last_check"]["input_changed"]
        assert body["round"]["last_check"]["input_sha256"] == rnd["latest_input_sha256"]
        assert client.post(f"/rounds/{rid}/approve", json={}, headers=ALICE).json()["state"] == "approved"
        actions = [a["action"] for a in client.get(f"/rounds/{rid}/audit", headers=ALICE).json()]
        assert actions.count("round.stale") == 1 and actions[-1] == "round.approve"


def test_a_round_needs_a_finished_plan_and_rejection_is_final(
    tmp_path: Path, frames: dict[str, pd.DataFrame]
) -> None:
    with TestClient(_app(f"sqlite:///{tmp_path / 'r.db'}")) as client:
        assert client.post("/rounds", json={"plan_id": "nope"}, headers=ALICE).status_code == 404
        job = _plan(client, {**doc(frames), "policy": POLICY})
        rid = client.post("/rounds", json={"plan_id": job["id"]}, headers=ALICE).json()["id"]
        r = client.post(f"/rounds/{rid}/revise", json={}, headers=ALICE)  # not in consultation yet
        assert r.status_code == 409 and "draft" in r.json()["detail"]
        r = client.post(f"/rounds/{rid}/reject", json={"note": "data ABK belum final"}, headers=BOB)
        assert r.status_code == 200 and r.json()["state"] == "rejected"
        assert r.json()["transitions"][-1]["note"] == "data ABK belum final"
        assert client.post(f"/rounds/{rid}/notices", json={}, headers=ALICE).status_code == 409
        brief = client.get("/rounds", headers=ALICE).json()
        assert [(b["id"], b["state"]) for b in brief] == [(rid, "rejected")]


def test_the_service_reads_grade_codes_like_the_cli(tmp_path: Path) -> None:
    """A roster whose PPPK golongan are office codes plans through the service as through the CLI."""
    sample = Path(__file__).resolve().parents[1] / "docs" / "siasn_sample_codes"
    tables = read_tables(sample)  # the raw text cells, as a client would send them
    assert set(tables) == {"employees", "positions", "grade_codes"}
    body = {**{k: json_records(v) for k, v in tables.items()}, "policy": POLICY}
    with TestClient(_app(f"sqlite:///{tmp_path / 'codes.db'}")) as client:
        plan = _plan(client, body)["result"]
        without = client.post("/plans", json={k: v for k, v in body.items() if k != "grade_codes"},
                              headers=ALICE)  # fmt: skip
    assert without.status_code == 422  # the PPPK codes alone are not grades
    problem = ab.Problem.read(dict(tables), ab.Policy(plan_date="2026-01-01"))
    moves = pd.DataFrame(plan["moves"], columns=["employee_id", "to_position"]).astype(str)
    report = ab.check(problem, moves)
    assert report.ok, str(report)
    assert report.objective == pytest.approx(plan["summary"]["objective"], rel=1e-9, abs=1e-9)
    assert plan["summary"]["input_sha256"] == problem.input_sha256


def json_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame of text cells as JSON records."""
    return [dict(r) for r in df.to_dict(orient="records")]
