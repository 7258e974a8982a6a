"""Load on the durable service: concurrent clients running consultation rounds, loopback only.

Usage::

    python benchmarks/service_load.py [--duration 150] [--clients 20] [--max-running 2]
                                      [--employees 80] [--scenarios 8] [--json OUT]

Starts ``asn-balance serve`` (a subprocess on 127.0.0.1, a SQLite database in a temporary
folder, ``--max-running`` solver processes at most), then ``--clients`` threads with httpx
each loop until ``--duration`` seconds have passed: create a plan on a small synthetic
scenario (one of ``--scenarios`` made beforehand, its own agency), poll it to the end, open a
round, make the notices, add responses (an accept, an objection, the rest silent), read the
round, revise, check, approve and read the audit trail. A loop started before the end runs
to its end, so every request sent is answered; then the server is stopped.

Reported: requests per kind, their status codes, latency p50/p95/p99/max per kind and over
all, transport errors (a request lost), 5xx answers, unexpected 4xx, plans and rounds done,
and the worker pool's bound. Every plan and revised plan is checked by the service itself
(``POST /rounds/{id}/check``) before approval; the figures go to stdout (and ``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from asn_balance.datasets import synth

KEY = "load-key-0000001"


def _doc(frames: dict[str, pd.DataFrame]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, df in frames.items():
        df = df.copy()
        for c in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[c]):
                df[c] = df[c].dt.strftime("%Y-%m-%d")
        out[name] = json.loads(df.to_json(orient="records"))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Recorder:
    """Latencies and outcomes per request kind (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.codes: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.lost: list[str] = []
        self.unexpected: list[str] = []
        self.plans = self.rounds = 0

    def call(
        self, client: httpx.Client, kind: str, method: str, url: str, ok: tuple[int, ...], **kw: Any
    ) -> httpx.Response | None:
        t0 = time.perf_counter()
        try:
            r = client.request(method, url, **kw)
        except httpx.TransportError as e:
            with self.lock:
                self.lost.append(f"{kind}: {type(e).__name__}: {e}")
            return None
        dt = time.perf_counter() - t0
        with self.lock:
            self.times[kind].append(dt)
            self.codes[kind][r.status_code] += 1
            if r.status_code not in ok:
                self.unexpected.append(f"{kind} {r.status_code}: {r.text[:200]}")
        return r if r.status_code in ok else None


def _client_loop(base: str, rec: Recorder, docs: list[dict[str, Any]], i: int, until: float) -> None:
    client = httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=300)
    n = 0
    while time.monotonic() < until:
        body = {
            **docs[(i + n) % len(docs)],
            "policy": {"plan_date": "2026-01-01"},
            "agency": f"agency-{i}",
            "time_limit": 10,
        }
        n += 1
        r = rec.call(client, "POST /plans", "POST", "/plans", (202,), json=body)
        if r is None:
            continue
        job_id = r.json()["id"]
        while True:
            r = rec.call(client, "GET /plans/{id}", "GET", f"/plans/{job_id}", (200,))
            if r is None or r.json()["status"] not in ("queued", "running"):
                break
            time.sleep(0.25)
        if r is None or r.json()["status"] != "done":
            continue
        plan = r.json()["result"]
        with rec.lock:
            rec.plans += 1
        r = rec.call(client, "POST /rounds", "POST", "/rounds", (201,), json={"plan_id": job_id})
        if r is None:
            continue
        rid = r.json()["id"]
        rec.call(client, "POST notices", "POST", f"/rounds/{rid}/notices", (200,), json={})
        movers = [m["employee_id"] for m in plan["moves"]]
        answers = [
            {"employee_id": e, "response": "setuju" if k % 2 == 0 else "keberatan"}
            for k, e in enumerate(movers[:2])
        ]
        rec.call(
            client, "POST responses", "POST", f"/rounds/{rid}/responses", (200,), json={"responses": answers}
        )
        rec.call(client, "GET /rounds/{id}", "GET", f"/rounds/{rid}", (200,))
        rec.call(client, "GET responses", "GET", f"/rounds/{rid}/responses", (200,))
        if rec.call(client, "POST revise", "POST", f"/rounds/{rid}/revise", (200,), json={}) is None:
            continue
        r = rec.call(client, "POST check", "POST", f"/rounds/{rid}/check", (200,), json={})
        if r is None or not r.json()["approvable"]:
            continue
        if rec.call(client, "POST approve", "POST", f"/rounds/{rid}/approve", (200,), json={"note": "ok"}):
            with rec.lock:
                rec.rounds += 1
        rec.call(client, "GET audit", "GET", f"/rounds/{rid}/audit", (200,))
    client.close()


def _percentiles(xs: list[float]) -> dict[str, float]:
    a = np.asarray(xs) * 1000
    return {
        "n": len(xs),
        "p50_ms": float(np.percentile(a, 50)),
        "p95_ms": float(np.percentile(a, 95)),
        "p99_ms": float(np.percentile(a, 99)),
        "max_ms": float(a.max()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=150.0, help="Seconds during which clients start loops.")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--max-running", type=int, default=2, help="The service's worker pool bound.")
    ap.add_argument("--employees", type=int, default=80)
    ap.add_argument("--scenarios", type=int, default=8)
    ap.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = ap.parse_args()

    docs = [_doc(synth.generate(args.employees, seed=s)) for s in range(args.scenarios)]
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        cmd = [
            sys.executable,
            "-m",
            "asn_balance",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            f"sqlite:///{Path(tmp) / 'load.db'}",
            "--max-running",
            str(args.max_running),
            "--log-level",
            "warning",
        ]
        env = {**os.environ, "ASN_BALANCE_API_KEY": KEY}
        proc = subprocess.Popen(cmd, env=env)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    print("the server did not start", file=sys.stderr)
                    return 2
                time.sleep(0.1)
            rec = Recorder()
            t0 = time.monotonic()
            until = t0 + args.duration
            threads = [
                threading.Thread(target=_client_loop, args=(base, rec, docs, i, until))
                for i in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - t0
            health = httpx.get(f"{base}/health", timeout=10).json()
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    every = [x for xs in rec.times.values() for x in xs]
    out = {
        "clients": args.clients,
        "duration_s": args.duration,
        "wall_s": round(wall, 1),
        "max_running": args.max_running,
        "employees": args.employees,
        "cpus": os.cpu_count(),
        "requests": len(every),
        "lost": len(rec.lost),
        "server_errors_5xx": sum(n for codes in rec.codes.values() for c, n in codes.items() if c >= 500),
        "unexpected": len(rec.unexpected),
        "plans_done": rec.plans,
        "rounds_approved": rec.rounds,
        "jobs": health["jobs"],
        "all": _percentiles(every),
        "kinds": {k: {**_percentiles(v), "codes": dict(rec.codes[k])} for k, v in sorted(rec.times.items())},
        "lost_examples": rec.lost[:5],
        "unexpected_examples": rec.unexpected[:5],
    }
    print(
        f"{args.clients} clients, {wall:.0f} s, --max-running {args.max_running}: "
        f"{out['requests']} requests, "
        f"{out['lost']} lost, {out['server_errors_5xx']} 5xx, {out['unexpected']} unexpected; "
        f"{rec.plans} plans, {rec.rounds} rounds approved"
    )
    print(f"{'kind':<18}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for k, v in [*out["kinds"].items(), ("all", out["all"])]:
        print(
            f"{k:<18}{v['n']:>7}{v['p50_ms']:>10.1f}{v['p95_ms']:>10.1f}{v['p99_ms']:>10.1f}{v['max_ms']:>10.1f}"
        )
    for line in rec.lost[:5] + rec.unexpected[:5]:
        print("  ", line)
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0 if not rec.lost and not out["server_errors_5xx"] and not rec.unexpected else 1


if __name__ == "__main__":
    sys.exit(main())
