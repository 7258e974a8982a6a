"""The consultation round of issue 15 from outside, on synthetic scenarios made for this test.

Each scenario (:mod:`asn_balance.datasets.synth`, its own seed and size, with or without a
move budget, unit caps, volunteers' wishes and other weights) goes through the commands as
a user runs them: ``plan`` -> ``notices`` -> a responses file (accepts, objections, requests
to positions the rules allow and forbid, silences, one objection overruled) -> ``revise`` ->
``check``. The test then verifies every promise of the "Done when" with its own code, from
the files the commands wrote (the draft's and the revised plan's moves, the responses it
wrote itself): it never reads the revision's outcome table to decide what is true, only to
compare it with what it found. Objectives are the independent checker's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance.apps.cli import app
from asn_balance.datasets import synth

DATE = "2026-01-15"


@dataclass(frozen=True)
class Scenario:
    name: str
    n: int
    seed: int
    units: bool = False
    max_moves: int | None = None
    options: tuple[str, ...] = ()
    lang: str = "id"
    change_cost: float = 1.0


SCENARIOS = (
    Scenario("kota-200", 200, 9101),
    Scenario("kab-700-units-en", 700, 9202, units=True, options=("--spouse-weight", "0.5"), lang="en",
             change_cost=0.5),
    Scenario("kota-1400-budget", 1400, 9303, max_moves=30, options=("--move-cost", "0.05"), change_cost=2.0),
    Scenario("kab-3000-units-budget-en", 3000, 9404, units=True, max_moves=60,
             options=("--preference-weight", "0.5", "--any-target-for-volunteers"), lang="en"),
)  # fmt: skip

RESPONSE_WORDS = {
    "accept": ("setuju", "Setuju", "accept", "TERIMA"),
    "object": ("keberatan", "Keberatan", "object", "tolak"),
    "request": ("usul", "USUL", "request", "minta"),
}

#: Rules of the whole plan: a single reverted outcome is judged as a plan by the others.
TIE_RULES = {"voluntary_first"}


@dataclass
class Chain:
    """Everything the commands wrote, and what the test knows independently."""

    scenario: Scenario
    problem: ab.Problem
    folder: Path
    ids: np.ndarray  # employee ids
    pids: np.ndarray  # position ids
    home: np.ndarray  # position index held
    draft: np.ndarray  # position index after the draft
    final: np.ndarray  # position index after the revision
    kind: np.ndarray  # "silent", "accept", "object", "request"
    target: np.ndarray  # position index a request asks for (-1)
    forbidden: np.ndarray  # request to a position of another jabatan
    overruled: str
    summary: dict[str, Any]
    outcomes: pd.DataFrame
    changed: pd.DataFrame
    diff: dict[str, Any]
    outputs: dict[str, str] = field(default_factory=dict)


def _index(problem: ab.Problem, moves: list[dict[str, Any]]) -> np.ndarray:
    out = problem.employee_position.astype(np.int64).copy()
    if moves:
        e = problem.employee_index.get_indexer(pd.Index([m["employee_id"] for m in moves]))
        t = problem.position_index.get_indexer(pd.Index([m["to_position"] for m in moves]))
        assert (e >= 0).all() and (t >= 0).all()
        out[e] = t
    return out


def _responses(
    problem: ab.Problem, noticed: list[str], draft: np.ndarray, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """A responses table in Indonesian headers and mixed spellings, and what it says."""
    n = problem.n_employees
    ids = problem.employee_index.astype(str).to_numpy()
    pids = problem.position_index.astype(str).to_numpy()
    home = problem.employee_position
    jab = problem.positions["jabatan"].astype(str).to_numpy()
    kind = np.full(n, "silent", dtype=object)
    target = np.full(n, -1, dtype=np.int64)
    forbidden = np.zeros(n, dtype=bool)
    at = {e: i for i, e in enumerate(ids)}
    # who answers: most of the noticed, and a few the draft does not concern (requests)
    others = rng.choice(np.setdiff1d(ids, noticed), size=min(6, n - len(noticed)), replace=False)
    rows = []
    for eid in [*noticed, *others.tolist()]:
        e = at[eid]
        r = rng.random() if eid in noticed else 0.9
        if r < 0.35:
            continue  # silence (the template's blank answer stays blank)
        if r < 0.6:
            kind[e] = "accept"
        elif r < 0.8:
            kind[e] = "object"
        else:
            same = np.flatnonzero((jab == jab[home[e]]) & (np.arange(len(pids)) != home[e]))
            other = np.flatnonzero(jab != jab[home[e]])
            if len(same) and (rng.random() < 0.7 or not len(other)):
                target[e] = int(rng.choice(same))
            elif len(other):
                target[e], forbidden[e] = int(rng.choice(other)), True
            else:
                continue
            kind[e] = "request"
        word = str(rng.choice(RESPONSE_WORDS[str(kind[e])]))
        rows.append(
            {
                "NIP": eid,
                "Tanggapan": word,
                "Posisi Tujuan": pids[target[e]] if target[e] >= 0 else "",
                "Catatan": "alasan keluarga" if kind[e] == "object" else "",
            }
        )
    frame = pd.DataFrame(rows, columns=["NIP", "Tanggapan", "Posisi Tujuan", "Catatan"])
    assert set(kind[kind != "silent"]) == {"accept", "object", "request"}, "a scenario without every answer"
    return frame, kind, target, forbidden


def _run(runner: CliRunner, args: list[str], code: int = 0) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == code, (args, res.output, res.exception)
    return str(res.output)


@pytest.fixture(scope="module", params=SCENARIOS, ids=[s.name for s in SCENARIOS])
def chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Chain:
    sc: Scenario = request.param
    folder = tmp_path_factory.mktemp(sc.name)
    tables = synth.generate(sc.n, seed=sc.seed, policy_columns=True)
    if not sc.units:
        tables.pop("units")
    data = synth.write_csv_folder(tables, folder / "data")
    runner = CliRunner()
    options = [*sc.options, *(["--max-moves", str(sc.max_moves)] if sc.max_moves is not None else [])]
    outputs: dict[str, str] = {}
    draft_path = folder / "draft.json"
    _run(runner, ["plan", str(data), "--out", str(draft_path), "-q", "--date", DATE, *options])
    draft_doc = json.loads(draft_path.read_text(encoding="utf-8"))
    problem = ab.Problem.read(data, policy=ab.Policy.model_validate(draft_doc["summary"]["policy"]))
    draft = _index(problem, draft_doc["moves"])
    assert (draft != problem.employee_position).sum() >= 5, "a draft too small to test"

    notices = folder / "notices"
    _run(
        runner,
        ["notices", str(data), str(draft_path), "--out", str(notices), "--volunteers", "--lang", sc.lang],
    )
    template = pd.read_csv(notices / "responses.csv", dtype=str, keep_default_na=False)
    outputs["notice"] = (notices / f"{template['employee_id'].iloc[0]}.html").read_text(encoding="utf-8")
    outputs["index"] = (notices / "index.html").read_text(encoding="utf-8")
    outputs["template_ids"] = ",".join(template["employee_id"])

    rng = np.random.default_rng(sc.seed)
    frame, kind, target, forbidden = _responses(problem, list(template["employee_id"]), draft, rng)
    objectors = frame.loc[kind[problem.employee_index.get_indexer(frame["NIP"])] == "object", "NIP"]
    overruled = str(objectors.iloc[0])
    # first a file with two bad rows: a position that does not exist and a word nobody uses
    bad = pd.concat(
        [
            frame,
            pd.DataFrame(
                [
                    {"NIP": frame["NIP"].iloc[0] + "9", "Tanggapan": "usul", "Posisi Tujuan": "TIDAK-ADA"},
                    {"NIP": str(problem.employee_index[0]), "Tanggapan": "mungkin"},
                ]
            ),
        ],
        ignore_index=True,
    ).fillna("")
    bad.to_csv(folder / "bad.csv", index=False)
    outputs["bad"] = _run(runner, ["revise", str(data), str(draft_path), str(folder / "bad.csv")], code=2)

    frame.to_csv(folder / "responses.csv", index=False)
    revised = folder / "revised.json"
    outputs["revise"] = _run(
        runner,
        [
            "revise", str(data), str(draft_path), str(folder / "responses.csv"), "--out", str(revised),
            "--overrule", overruled, "--overrule-reason", "kebutuhan organisasi",
            "--change-cost", str(sc.change_cost), "--lang", sc.lang,
        ],
    )  # fmt: skip
    outputs["check"] = _run(runner, ["check", str(data), str(revised)])
    # with the draft it was revised from, the round the plan records is verified
    verified = _run(runner, ["check", str(data), str(revised), "--draft", str(draft_path)])
    assert "verified against the draft given" in verified, verified
    doc = json.loads(revised.read_text(encoding="utf-8"))
    return Chain(
        scenario=sc,
        problem=problem,
        folder=folder,
        ids=problem.employee_index.astype(str).to_numpy(),
        pids=problem.position_index.astype(str).to_numpy(),
        home=problem.employee_position.astype(np.int64),
        draft=draft,
        final=_index(problem, doc["moves"]),
        kind=kind,
        target=target,
        forbidden=forbidden,
        overruled=overruled,
        summary=doc["summary"],
        outcomes=pd.read_csv(folder / "revised_outcomes.csv", dtype=str, keep_default_na=False),
        changed=pd.read_csv(folder / "revised_changed.csv", dtype=str, keep_default_na=False),
        diff=json.loads((folder / "revised_diff.json").read_text(encoding="utf-8")),
        outputs=outputs,
    )


def test_notices_cover_every_mover_and_volunteer(chain: Chain) -> None:
    noticed = set(chain.outputs["template_ids"].split(","))
    movers = set(chain.ids[chain.draft != chain.home])
    emp = chain.problem.employees
    volunteers = set(emp.loc[emp["volunteer"].astype(bool), "employee_id"].astype(str))
    assert noticed == movers | volunteers
    assert all(e in chain.outputs["index"] for e in movers)
    words = (
        ("Proposed position", "How to respond")
        if chain.scenario.lang == "en"
        else ("Alasan", "Cara menanggapi")
    )
    assert all(w in chain.outputs["notice"] for w in words)


def test_bad_rows_exit_2_naming_each(chain: Chain) -> None:
    out = chain.outputs["bad"]
    assert "unknown_employee" in out and "unknown_position" in out and "invalid_response" in out
    assert "TIDAK-ADA" in out and "mungkin" in out and "responses" in out


def test_every_answer_is_honoured(chain: Chain) -> None:
    c = chain
    assert ab.check(c.problem, pd.DataFrame(
        {"employee_id": c.ids[c.final != c.home], "to_position": c.pids[c.final[c.final != c.home]]}
    ), recorded=c.summary).ok  # fmt: skip
    # the same moves as a bare table (no record of the round) may fail only on voluntary_first
    bare = ab.check(c.problem, _moves(c, c.final))
    assert {v.rule for v in bare.violations} <= {"voluntary_first"}, str(bare)
    over = c.ids == c.overruled
    acc, obj, req = c.kind == "accept", c.kind == "object", c.kind == "request"
    assert (c.final[acc] == c.draft[acc]).all()  # every accept kept
    assert (c.final[obj & ~over] == c.home[obj & ~over]).all()  # every objection honoured ...
    assert (c.final[over] == c.draft[over]).all()  # ... unless overruled
    granted = req & (c.final == c.target)
    assert (c.final[req & ~granted] == c.draft[req & ~granted]).all()  # a refusal keeps the draft
    assert not (granted & c.forbidden).any()  # a request the rules forbid is never granted
    # the outcome table says what happened, one row per answer, in the categories
    out = c.outcomes.set_index("employee_id")
    answered = c.ids[c.kind != "silent"]
    assert sorted(out.index) == sorted(answered)
    expect = np.where(acc, "kept", np.where(obj & over, "overruled", np.where(obj, "stayed_after_objection",
                      np.where(granted, "granted", "refused"))))  # fmt: skip
    mine = pd.Series(expect[c.kind != "silent"], index=answered)
    assert (out.loc[answered, "outcome"] == mine).all()
    assert (out.loc[answered, "revised_position"] == c.pids[c.final[c.kind != "silent"]]).all()
    refused = c.ids[req & ~granted]
    assert (out.loc[refused, "reason"].str.len() > 0).all()
    rule = c.ids[req & c.forbidden]  # why-not names the rule of a forbidden request
    assert out.loc[rule, "reason"].str.contains("same_jabatan").all()
    assert (out.loc[c.ids[over], "overrule_reason"] == "kebutuhan organisasi").all()
    counts = c.summary["revision"]["counts"]
    assert counts["granted"] == int(granted.sum()) and counts["refused"] == int((req & ~granted).sum())
    if c.scenario.lang == "en":
        assert "objection honoured" in c.outputs["revise"]
    else:
        assert "keberatan diterima" in c.outputs["revise"]


def test_silent_outcomes_change_only_when_it_pays(chain: Chain) -> None:
    c = chain
    silent = c.kind == "silent"
    changed = silent & (c.final != c.draft)
    assert sorted(c.changed["employee_id"]) == sorted(c.ids[changed])
    assert c.summary["revision"]["counts"]["silent_changed"] == int(changed.sum())
    cc = c.scenario.change_cost
    pw = float(c.problem.policy.preference_weight)
    refused = int(((c.kind == "request") & (c.final != c.target)).sum())
    # the revision's objective, from the checker's objective and this test's counts
    rep = ab.check(c.problem, _moves(c, c.final))
    total = rep.objective + cc * int(changed.sum()) + pw * refused
    info = c.summary["revision"]
    assert info["objective"] == pytest.approx(total, rel=1e-9, abs=1e-6)
    if info["bound"] is not None:
        assert info["bound"] <= total + 1e-6 * max(1.0, abs(total))
    # each changed silent outcome pays: set back alone to the draft's (where the rules allow
    # that plan), the objective would not be lower by the change cost or more
    if info["status"] != "optimal":
        return  # the bound above is the claim on this path
    for e in np.flatnonzero(changed)[:12]:
        back = c.final.copy()
        back[e] = c.draft[e]
        alt = ab.check(c.problem, _moves(c, back))
        if {v.rule for v in alt.violations} - TIE_RULES:
            continue
        assert alt.objective - rep.objective >= cc - 1e-6 * (1 + abs(rep.objective)), c.ids[e]


def test_records_hashes_and_diff(chain: Chain) -> None:
    c = chain
    info = c.summary["revision"]
    moved = np.flatnonzero(c.draft != c.home)
    text = "asn-balance moves v1\n" + "".join(
        f"{a}\t{b}\n" for a, b in sorted(zip(c.ids[moved], c.pids[c.draft[moved]], strict=True))
    )
    assert info["draft_sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    # the same answers in another format and spelling give the same hash
    frame = pd.read_csv(c.folder / "responses.csv", dtype=str, keep_default_na=False)
    canon = {w: k for k, words in RESPONSE_WORDS.items() for w in words}
    other = frame.assign(Tanggapan=frame["Tanggapan"].map(canon)).rename(
        columns={"NIP": "employee_id", "Tanggapan": "response", "Posisi Tujuan": "target_position",
                 "Catatan": "note"})  # fmt: skip
    if c.scenario.units:
        path = c.folder / "responses.xlsx"
        other.iloc[::-1].to_excel(path, sheet_name="tanggapan", index=False)
    else:
        path = c.folder / "responses.json"
        path.write_text(json.dumps({"responses": other.to_dict(orient="records")}), encoding="utf-8")
    from asn_balance.model.responses import read_responses, responses_sha256

    assert responses_sha256(read_responses(path, c.problem)) == info["responses_sha256"]
    changed_frame = frame.copy()
    changed_frame.loc[0, "Catatan"] = "lain"
    assert (
        responses_sha256(read_responses(changed_frame.rename(columns={"NIP": "nip"})))
        != info["responses_sha256"]
    )
    # the diff against the draft: exactly the employees whose outcome differs
    diff = {m["employee_id"]: (m["to_position_a"], m["to_position_b"]) for m in c.diff["moves"]}
    differ = np.flatnonzero(c.final != c.draft)
    assert set(diff) == set(c.ids[differ])
    for e in differ:
        a = None if c.draft[e] == c.home[e] else c.pids[c.draft[e]]
        b = None if c.final[e] == c.home[e] else c.pids[c.final[e]]
        assert diff[c.ids[e]] == (a, b)


def _moves(c: Chain, after: np.ndarray) -> pd.DataFrame:
    e = np.flatnonzero(after != c.home)
    return pd.DataFrame({"employee_id": c.ids[e], "to_position": c.pids[after[e]]})
