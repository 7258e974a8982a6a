"""Benchmark asn_balance end to end against its peers on the same scenarios, in one run.

    python benchmarks/run.py [--scales plaju,city,province,region,nation] [--seed N]
                             [--peers cpsat,highs,flow] [--peer-time-limit 60] [--max-moves K]
                             [--out results.jsonl] [--write-results] [--phases] [--data-cache DIR]

For each scale the scenario of :func:`asn_balance.datasets.synth.generate_scale` is written as a
CSV folder; ``asn-balance plan DIR --out plan.json --quiet`` runs in a child process
(``--repeat`` times, median wall time, peak RSS of each run measured separately through
``/usr/bin/time`` or a Python wrapper) and its plan is verified with
:func:`asn_balance.check.check`. Each peer (see ``peers.py``) runs in its own child
process on the same folder and its plan is verified the same way. ``--phases`` runs the
pipeline once more phase by phase (read, validate, fingerprint, compile, flow, evaluate,
check, write) with each phase's wall and CPU seconds and the load average after it. The
machine is shared and noisy: read the ratios (peer / asn_balance, measured in the same
run) and CPU seconds; absolute wall times are context only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from asn_balance.check import check
from asn_balance.datasets import synth
from asn_balance.io import read_plan
from asn_balance.model.policy import Policy
from asn_balance.model.problem import Problem

HERE = Path(__file__).resolve().parent
PEERS = ("cpsat", "highs", "flow")
GNU_TIME = "/usr/bin/time"

# Fallback when /usr/bin/time is missing: run the command as a grandchild and report the
# peak RSS of this wrapper's children (only that one command) to a file.
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[2:]).returncode\n"
    "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(f'0 {kb}')\n"
    "sys.exit(r)\n"
)


# --------------------------------------------------------------------------- processes


def measured(cmd: list[str], timeout: float | None = None) -> dict[str, Any]:
    """Run ``cmd`` in a child process: wall seconds, peak RSS (MB) of that run, exit code."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss", delete=False) as f:
        rss_file = f.name
    if os.access(GNU_TIME, os.X_OK):
        full = [GNU_TIME, "-f", "%e %M", "-o", rss_file, *cmd]
    else:
        full = [sys.executable, "-c", _WRAPPER, rss_file, *cmd]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
        code, err, std = p.returncode, p.stderr, p.stdout
    except subprocess.TimeoutExpired as e:
        tail = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        code, err, std = None, f"killed after {timeout:.0f} s\n{tail}", ""
    wall = time.perf_counter() - t0
    rss_mb = None
    try:
        parts = Path(rss_file).read_text().split()
        rss_mb = int(parts[-1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    finally:
        Path(rss_file).unlink(missing_ok=True)
    return {
        "wall": wall,
        "rss_mb": rss_mb,
        "code": code,
        "stderr": err[-2000:] if err else "",
        "stdout": std[-20000:] if std else "",
    }


def verify(problem: Problem, moves: pd.DataFrame) -> dict[str, Any]:
    rep = check(problem, moves)
    return {
        "ok": bool(rep.ok),
        "violations": [str(v) for v in rep.violations[:5]],
        "check_objective": float(rep.objective),
        "check_moves": int(rep.moves),
    }


def _asn_balance() -> str:
    """The console script: on PATH, else beside this interpreter (a venv not activated)."""
    return shutil.which("asn-balance") or str(Path(sys.executable).with_name("asn-balance"))


def run_asn(
    data: Path, work: Path, args: argparse.Namespace, problem: Problem | None, limits: list[str]
) -> dict[str, Any]:
    exe = _asn_balance()
    plan = work / "plan.json"
    cmd = [exe, "plan", str(data), "--out", str(plan), "--quiet", "--seed", str(args.seed)]
    if limits:
        cmd += ["--max-rows", limits[0], "--max-file-mb", str(int(limits[1]) // 1_000_000)]
    if args.max_moves is not None:
        cmd += ["--max-moves", str(args.max_moves), "--time-limit", str(args.peer_time_limit)]
    runs = []
    for _ in range(args.repeat):
        plan.unlink(missing_ok=True)
        r = measured(cmd, timeout=args.peer_time_limit * 4 + 120)
        runs.append(r)
        if r["code"] != 0:
            break
    walls = [r["wall"] for r in runs]
    out: dict[str, Any] = {
        "system": "asn_balance",
        "command": " ".join(shlex.quote(c) for c in cmd[1:])
        .replace(str(data), "DIR")
        .replace(str(plan), "plan.json"),
        "wall": statistics.median(walls),
        "wall_min": min(walls),
        "walls": [round(w, 3) for w in walls],
        "rss_mb": max((r["rss_mb"] or 0.0) for r in runs) or None,
        "code": runs[-1]["code"],
    }
    if runs[-1]["code"] != 0 or not plan.exists():
        out.update(status="error", note=runs[-1]["stderr"].strip().splitlines()[-1:] or ["failed"])
        return out
    s = json.loads(plan.read_text())["summary"]
    plan_check = s.get("check") or {}
    out.update(
        status=s["status"],
        objective=s["objective"],
        bound=s["bound"],
        moves=s["moves"],
        inner=s["seconds"],
        solver=s.get("solver"),
        solver_seconds=s.get("solver_seconds"),
        compile_seconds=s.get("compile_seconds"),
        solver_stats=s.get("solver_stats"),
    )
    if problem is not None:
        out.update(verify(problem, read_plan(plan)))
    else:  # too large to hold a second copy here: the plan's own independent check
        out.update(ok=bool(plan_check.get("ok")) and bool(plan_check.get("verified")), check="in the CLI run")
    plan.unlink(missing_ok=True)
    return out


def run_peer(peer: str, data: Path, work: Path, args: argparse.Namespace, problem: Problem) -> dict[str, Any]:
    res_file = work / f"peer_{peer}.json"
    res_file.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        str(HERE / "peers.py"),
        peer,
        str(data),
        "--out",
        str(res_file),
        "--time-limit",
        str(args.peer_time_limit),
        "--workers",
        str(args.workers),
        "--seed",
        str(args.seed),
        "--max-pairs",
        str(args.peer_max_pairs),
    ]
    if args.max_moves is not None:
        cmd += ["--max-moves", str(args.max_moves)]
    hard = args.peer_time_limit * 4 + 120
    r = measured(cmd, timeout=hard)
    out: dict[str, Any] = {"system": peer, "wall": r["wall"], "rss_mb": r["rss_mb"], "code": r["code"]}
    if r["code"] != 0 or not res_file.exists():
        why = f"killed after {hard:.0f} s (hard limit)" if r["code"] is None else "failed"
        tail = r["stderr"].strip().splitlines()[-1:] if r["stderr"] else []
        out.update(status="error", note="; ".join([why, *tail]))
        return out
    res = json.loads(res_file.read_text())
    plan = res.pop("plan", None)
    out.update(res)
    if plan is not None:
        out.update(verify(problem, pd.DataFrame(plan)))
    return out


_PHASES = (
    "import json, sys, time\n"
    "t = time.perf_counter()\n"
    "from asn_balance.model.limits import Limits\n"
    "from asn_balance.model.problem import Problem\n"
    "from asn_balance.model.readers import read_tables\n"
    "from asn_balance.model.validate import validate_tables\n"
    "from asn_balance.compile.compiler import compile_problem\n"
    "from asn_balance.engine.dispatch import solve_model\n"
    "from asn_balance.planner import evaluate_solution\n"
    "from asn_balance.check import check\n"
    "from asn_balance._memory import tune_memory\n"
    "tune_memory()  # as the command line does\n"
    "out = {'import': time.perf_counter() - t}\n"
    "cpu = out['cpu'] = {}  # CPU seconds of this process per phase\n"
    "def go():\n"
    "    global t, c\n"
    "    t, c = time.perf_counter(), time.process_time()\n"
    "def lap(name):\n"
    "    out[name] = round(time.perf_counter() - t, 3)\n"
    "    cpu[name] = round(time.process_time() - c, 3)\n"
    "    print(name, out[name], cpu[name], file=sys.stderr, flush=True)\n"
    "limits = Limits(max_rows=int(sys.argv[3]), max_file_bytes=int(sys.argv[4]))\n"
    "go(); raw = read_tables(sys.argv[1], limits=limits); lap('read')\n"
    "go()\n"
    "tables = validate_tables({k: raw.get(k) for k in ('employees', 'positions', 'tasks', 'units')},"
    " limits=limits)\n"
    "del raw; problem = Problem(tables); lap('validate')\n"
    "go(); problem.input_sha256; lap('fingerprint')\n"
    "go(); comp = compile_problem(problem); lap('compile')\n"
    "go(); sol = solve_model(comp.model); lap('flow')\n"
    "go(); result = evaluate_solution(problem, comp, sol); lap('evaluate')\n"
    "go(); rep = check(problem, result); lap('check')\n"
    "go(); result.write(sys.argv[2]); lap('write')\n"
    "out.update(objective=result.objective, moves=result.n_moves, check_ok=bool(rep.ok),"
    " stats={k: v for k, v in sol.stats.items() if isinstance(v, (int, float, str))})\n"
    "print(json.dumps(out))\n"
)


def run_phases(data: Path, work: Path, limits: list[str]) -> dict[str, Any]:
    """The pipeline once more, phase by phase, in a child process: seconds and peak RSS."""
    plan = work / "plan_phases.json"
    r = measured([sys.executable, "-c", _PHASES, str(data), str(plan), *limits])
    out: dict[str, Any] = {"wall": r["wall"], "rss_mb": r["rss_mb"], "code": r["code"]}
    if r["code"] != 0:
        out["note"] = r["stderr"].strip().splitlines()[-1:] or ["failed"]
        return out
    lines = [x for x in r.get("stdout", "").splitlines() if x.startswith("{")]
    if lines:
        out.update(json.loads(lines[-1]))
    out["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())  # the 1, 5 and 15 min load after the run
    plan.unlink(missing_ok=True)
    return out


def phases_text(ph: dict[str, Any]) -> str:
    names = ("read", "validate", "fingerprint", "compile", "flow", "evaluate", "check", "write")
    if not all(n in ph for n in names[:2] + names[3:]):
        return f"phases failed: {ph.get('note')}"
    bits = ", ".join(f"{n} {ph[n]:.1f}" for n in names if n in ph)
    cpu = ph.get("cpu") or {}
    cpu_bits = ", ".join(f"{n} {cpu[n]:.1f}" for n in names if n in cpu)
    return (
        f"phases (s): import {ph.get('import', 0):.1f}, {bits}; total {ph['wall']:.1f} s, "
        f"peak RSS {_num(ph.get('rss_mb'), '.0f')} MB"
        + (f"; CPU s: {cpu_bits}, load {ph['load']}" if cpu_bits and "load" in ph else "")
    )


# --------------------------------------------------------------------------- report


def _num(x: Any, fmt: str) -> str:
    return "-" if x is None or (isinstance(x, float) and x != x) else format(x, fmt)


def annotate(rows: list[dict[str, Any]]) -> None:
    """Gap to the best bound of the run; ratios against asn_balance and the best objective."""
    bounds = [r["bound"] for r in rows if r.get("bound") is not None and r.get("status") != "error"]
    objs = [r["objective"] for r in rows if r.get("objective") is not None and r.get("ok", True)]
    best_bound = max(bounds) if bounds else None
    best_obj = min(objs) if objs else None
    asn = next((r for r in rows if r["system"] == "asn_balance"), None)
    for r in rows:
        r["best_bound"], r["best_objective"] = best_bound, best_obj
        obj = r.get("objective")
        if obj is not None and best_bound is not None:
            r["gap_to_best_bound"] = (obj - best_bound) / max(1.0, abs(obj))
        if obj is not None and best_obj:
            r["objective_ratio"] = obj / best_obj
        if asn is not None and asn.get("wall") and r.get("status") not in ("skipped", "error"):
            r["time_ratio"] = r["wall"] / asn["wall"]
            if r["system"] == "flow" and r.get("floor_seconds") is not None:
                r["floor_over_asn_e2e"] = r["floor_seconds"] / asn["wall"]
                if asn.get("inner"):
                    r["floor_over_asn_solve"] = r["floor_seconds"] / asn["inner"]


def note_of(r: dict[str, Any]) -> str:
    if r["system"] == "asn_balance":
        st = r.get("solver_stats") or {}
        bits = [f"solver {r.get('solver')}", f"in-process {_num(r.get('inner'), '.2f')} s"]
        bits.append(
            f"(compile {_num(r.get('compile_seconds'), '.2f')}, solve {_num(r.get('solver_seconds'), '.2f')})"
        )
        if st.get("flows"):
            bits.append(f"{st['flows']} flows, cpsat {st.get('cpsat')}")
        bits.append("runs " + "/".join(f"{w:.2f}" for w in r.get("walls", [])))
        if r.get("phases"):
            bits.append("; " + phases_text(r["phases"]))
        return " ".join(bits)
    if r.get("status") in ("skipped", "error"):
        return str(r.get("note", ""))
    if r["system"] == "flow":
        e2e, inner = r.get("floor_over_asn_e2e", 0.0), r.get("floor_over_asn_solve", 0.0)
        return (
            f"mcf.solve() {r['floor_seconds']:.3f} s x{r['flow_solves']} "
            f"(= {e2e:.3f} of asn e2e, {inner:.2f} of its in-process time); "
            f"arc loading {r['load_seconds']:.3f} s"
            + (f"; {r['nodes']} nodes {r['arcs']} arcs" if r.get("nodes") else "")
        )
    pre = f"{r['note']}; " if r.get("note") else ""
    return pre + (
        f"{r.get('move_pairs', 0):,} move pairs, {r.get('movers', 0):,} movers, "
        f"{r.get('chords', 0):,} chords; "
        f"build {_num(r.get('build_seconds'), '.1f')} s, solve {_num(r.get('solve_seconds'), '.1f')} s"
    )


HEAD = (
    "system",
    "status",
    "objective",
    "bound",
    "gap",
    "moves",
    "ok",
    "wall s",
    "peak MB",
    "t/asn",
    "obj/best",
)


def table_rows(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for r in rows:
        ok = r.get("ok")
        out.append(
            (
                r["system"],
                str(r.get("status", "-")),
                _num(r.get("objective"), ".4f"),
                _num(r.get("bound"), ".4f"),
                _num(r.get("gap_to_best_bound"), ".2e"),
                _num(r.get("moves"), "d"),
                "-" if ok is None else ("ok" if ok else "FAIL"),
                _num(r.get("wall"), ".2f"),
                _num(r.get("rss_mb"), ".0f"),
                _num(r.get("time_ratio"), ".2f"),
                _num(r.get("objective_ratio"), ".4f"),
            )
        )
    return out


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    body = table_rows(rows)
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(HEAD)]
    print(f"\n== {title}")
    print("  ".join(h.ljust(w) for h, w in zip(HEAD, widths, strict=True)))
    for b in body:
        print("  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)))
    for r in rows:
        print(f"  {r['system']}: {note_of(r)}")


def markdown(title: str, rows: list[dict[str, Any]]) -> str:
    lines = [f"#### {title}", "", "| " + " | ".join(HEAD) + " | notes |", "|" + "---|" * (len(HEAD) + 1)]
    for r, b in zip(rows, table_rows(rows), strict=True):
        lines.append("| " + " | ".join(b) + " | " + note_of(r).replace("|", "/") + " |")
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    vers = []
    for pkg in ("asn-balance", "ortools", "highspy", "numpy", "pandas"):
        try:
            vers.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            vers.append(f"{pkg} missing")
    try:
        rev = subprocess.run(
            ["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "unknown"
    return (
        f"git {rev}; nproc {os.cpu_count()}, CPU {cpu}, RAM {ram}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; " + ", ".join(vers)
    )


# --------------------------------------------------------------------------- main


#: Scales above this many employees: no peers, no second check here, phases by default.
BIG = 500_000


def rows_max_positions(data: Path) -> int:
    """Data rows of ``positions.csv`` (its lines less the header)."""
    with (data / "positions.csv").open("rb") as f:
        return sum(1 for _ in f) - 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="plaju,city,province", help="comma list of synth.SCALES names")
    ap.add_argument("--seed", type=int, default=0, help="scenario seed (also the solvers' seed)")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma list of cpsat, highs, flow (or 'none')")
    ap.add_argument("--peer-time-limit", type=float, default=60.0, help="seconds per peer solve")
    ap.add_argument("--peer-max-pairs", type=int, default=1_500_000, help="skip cpsat/highs above this")
    ap.add_argument("--max-moves", type=int, default=None, help="move budget for every system")
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT workers of the cpsat peer")
    ap.add_argument("--repeat", type=int, default=3, help="asn_balance runs per scale (median)")
    ap.add_argument("--out", type=Path, default=None, help="write one JSON line per system and scale")
    ap.add_argument("--write-results", action="store_true", help="append a section to RESULTS.md")
    ap.add_argument("--results-file", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument(
        "--phases",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time the pipeline phase by phase (default: only for region and nation)",
    )
    ap.add_argument("--data-cache", type=Path, default=None, help="keep and reuse generated CSV folders here")
    a = ap.parse_args(argv)
    scales = [s.strip() for s in a.scales.split(",") if s.strip()]
    peers = [] if a.peers.strip() in ("", "none") else [p.strip() for p in a.peers.split(",")]
    for p in peers:
        if p not in PEERS:
            ap.error(f"unknown peer {p!r}; choose from {', '.join(PEERS)}")
    for s in scales:
        if s not in synth.SCALES:
            ap.error(f"unknown scale {s!r}; choose from {', '.join(synth.SCALES)}")

    started = dt.datetime.now().astimezone()
    cmdline = "python benchmarks/run.py " + " ".join(shlex.quote(x) for x in (argv or sys.argv[1:]))
    print(f"# {started:%Y-%m-%d %H:%M %Z}  {machine()}")
    print(f"# {cmdline}")
    # warm the page cache of the interpreter and packages once, untimed
    subprocess.run([_asn_balance(), "--help"], capture_output=True)

    all_rows: list[dict[str, Any]] = []
    sections: list[str] = []
    with tempfile.TemporaryDirectory(prefix="asn_bench_") as tmp:
        for scale in scales:
            work = Path(tmp) / scale
            work.mkdir(parents=True, exist_ok=True)
            big = synth.SCALES[scale] > BIG
            cached = a.data_cache / f"{scale}_seed{a.seed}" if a.data_cache is not None else None
            t0 = time.perf_counter()
            if cached is not None and (cached / "employees.csv").exists():
                data, made = cached, "cached"
            else:
                data = synth.write_csv_folder(synth.generate_scale(scale, a.seed), cached or work / "data")
                made = f"generated and written in {time.perf_counter() - t0:.1f} s"
            rows_max = max(sum(1 for _ in (data / f).open("rb")) for f in ("employees.csv", "positions.csv"))
            size_max = max(f.stat().st_size for f in data.glob("*.csv"))
            limits = [str(rows_max + 1), str(size_max + 1_000_000)] if big else []
            policy = Policy(max_moves=a.max_moves) if a.max_moves is not None else Policy()
            problem = None if big else Problem.read(data, policy)
            n_emp = problem.n_employees if problem is not None else synth.SCALES[scale]
            n_pos = problem.n_positions if problem is not None else rows_max_positions(data)
            title = f"{scale} (seed {a.seed}): {n_emp:,} employees, {n_pos:,} positions" + (
                f", max_moves {a.max_moves}" if a.max_moves is not None else ""
            )
            print(f"\n.. {title} (data {made})", flush=True)
            rows = [run_asn(data, work, a, problem, limits)]
            print(f"   asn_balance {rows[0]['wall']:.2f} s", flush=True)
            if a.phases or (a.phases is None and big):
                ph = run_phases(data, work, limits or [str(10**6), str(200 * 10**6)])
                rows[0]["phases"] = ph
                print(f"   {phases_text(ph)}", flush=True)
            for peer in peers:
                if big:
                    rows.append(
                        {"system": peer, "status": "skipped", "note": "peers do not run at this scale"}
                    )
                    continue
                assert problem is not None
                rows.append(run_peer(peer, data, work, a, problem))
                print(f"   {peer} {rows[-1]['wall']:.2f} s {rows[-1].get('status')}", flush=True)
            annotate(rows)
            print_table(title, rows)
            sections.append(markdown(title, rows))
            for r in rows:
                r.update(scale=scale, seed=a.seed, max_moves=a.max_moves, peer_time_limit=a.peer_time_limit)
            all_rows += rows

    if a.out is not None:
        with a.out.open("w") as f:
            for r in all_rows:
                f.write(json.dumps(r, default=str) + "\n")
        print(f"\nJSON lines written to {a.out}")
    if a.write_results:
        text = f"\n### {started:%Y-%m-%d %H:%M %Z}: `{cmdline}`\n\nMachine: {machine()}.\n\n" + "\n".join(
            sections
        )
        with a.results_file.open("a") as f:
            f.write(text)
        print(f"section appended to {a.results_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
