"""The shared policy options of the CLI and policy files (``--policy FILE``).

Every command that plans or evaluates (``plan``, ``check``, ``why-not``, ``frontier``,
``compare``, ``demo``) takes the same options; each maps to one :class:`Policy` field, a
TOML file gives defaults, and an option given on the command line overrides the file either
way (the flags are tri-state). Bad files and values exit 2 with every problem at once.

The data is a tiny organisation (WKE 1,250 h): ``P1`` (Analis, need 4, staff 1) and ``P2``
(Analis, need 1, staff 4, one a CPNS): three moves P2 -> P1 by default. ``Citra`` (born
1979-06-30, ``birth_date`` as in her NIP; BUP 58: retires in June 2037) is one of them
unless the plan date is within 12 months of that.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from asn_balance import Policy
from asn_balance.apps.cli import POLICY_OPTIONS, app, common
from asn_balance.model.errors import InputError
from asn_balance.model.policy_file import load_policy, policy_from

# --------------------------------------------------------------------------- data

ANI, CITRA, DEDI, EKA = "198202142008032002", "197906302004021003", "198509122010012004", "199901012024011005"
EMPLOYEES = pd.DataFrame(
    [
        ["198001012005011001", "Budi", "P1", "PNS", "III/b", "S1", "36", "false"],
        [ANI, "Ani", "P2", "PNS", "III/a", "S1", "48", "false"],
        [CITRA, "Citra", "P2", "PNS", "III/c", "S1", "30", "false"],
        [DEDI, "Dedi", "P2", "PNS", "III/b", "S2", "60", "false"],
        [EKA, "Eka", "P2", "CPNS", "III/a", "S1", "6", "false"],
        ["197605052000011006", "Fajar", "P3", "PNS", "II/c", "SMA", "40", "false"],
    ],
    columns=["employee_id", "name", "position_id", "status", "grade", "education", "months_in_position",
             "locked"],
)  # fmt: skip
EMPLOYEES["birth_date"] = [f"{n[:4]}-{n[4:6]}-{n[6:8]}" for n in EMPLOYEES["employee_id"]]
POSITIONS = pd.DataFrame(
    [
        ["P1", "U1", "Bagian Umum", "Analis", "5000"],
        ["P2", "U2", "Bagian Keuangan", "Analis", "1250"],
        ["P3", "U1", "Bagian Umum", "Pengelola", "1250"],
    ],
    columns=["position_id", "unit_id", "unit_name", "jabatan", "workload_hours"],
)

runner = CliRunner()


def invoke(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def assert_exit(result: Any, code: int) -> None:
    shown = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\nexception: {result.exception!r}"
    assert result.exit_code == code, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in result.output


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    EMPLOYEES.to_csv(folder / "employees.csv", index=False)
    POSITIONS.to_csv(folder / "positions.csv", index=False)
    return folder


def toml(tmp_path: Path, text: str, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def plan_doc(data: Path, tmp_path: Path, *args: object, name: str = "plan.json") -> dict[str, Any]:
    out = tmp_path / name
    result = invoke("plan", data, "--out", out, "--quiet", *args)
    assert_exit(result, 0)
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return doc


# --------------------------------------------------------------------------- option -> field

# (arguments, Policy field, value expected); every Policy field appears at least once
OPTIONS: list[tuple[tuple[str, ...], str, Any]] = [
    (("--effective-hours", "1200"), "effective_hours", 1200.0),
    (("--min-months", "12"), "min_months_in_position", 12),
    (("--allow-pppk",), "allow_pppk", True),
    (("--no-allow-pppk",), "allow_pppk", False),
    (("--allow-jabatan-change",), "allow_jabatan_change", True),
    (("--no-allow-jabatan-change",), "allow_jabatan_change", False),
    (("--move-cost", "0"), "move_cost", 0.0),
    (("--max-moves", "7"), "max_moves", 7),
    (("--lexicographic",), "lexicographic", True),
    (("--no-lexicographic",), "lexicographic", False),
    (("--balance-tolerance", "0.02"), "balance_tolerance", 0.02),
    (("--date", "2024-07-01"), "plan_date", dt.date(2024, 7, 1)),
    (("--retirement-age", "60"), "retirement_age", 60),
    (("--retirement-buffer-months", "6"), "retirement_buffer_months", 6),
    (("--max-months-in-position", "48"), "max_months_in_position", 48),
    (("--rotation-weight", "0.5"), "rotation_weight", 0.5),
    (("--preference-weight", "0.3"), "preference_weight", 0.3),
    (("--volunteers-only-to-preferences",), "volunteers_only_to_preferences", True),
    (("--any-target-for-volunteers",), "volunteers_only_to_preferences", False),
    (("--voluntary-first",), "voluntary_first", True),
    (("--no-voluntary-first",), "voluntary_first", False),
    (("--spouse-weight", "2.5"), "spouse_weight", 2.5),
    (("--spouses-hard",), "spouses_hard", True),
    (("--spouses-soft",), "spouses_hard", False),
    (("--fit-weight", "0.1"), "fit_weight", 0.1),
    (("--d4-strict",), "d4_equals_s1", False),
    (("--d4-equals-s1",), "d4_equals_s1", True),
    (("--part-time-fte", "0.4"), "part_time_fte", 0.4),
    (("--days-per-year", "235"), "days_per_year", 235),
    (("--weeks-per-year", "47"), "weeks_per_year", 47),
    (("--hire-cost", "0.8"), "hire_cost", 0.8),
    (("--workload-growth", "0.03"), "workload_growth", 0.03),
]
OPTION_IDS = [" ".join(a) for a, _, _ in OPTIONS]


def test_every_policy_field_has_an_option() -> None:
    assert {f for _, f, _ in OPTIONS} == set(Policy.model_fields)
    assert len(POLICY_OPTIONS) == len(Policy.model_fields) + 1  # and --policy


def test_options_differ_from_the_defaults() -> None:
    """Each case sets a value other than the default, or its opposite flag is tested too."""
    default = Policy()
    for args, field, value in OPTIONS:
        flips = [v for a, f, v in OPTIONS if f == field and a != args]
        assert getattr(default, field) != value or flips, args


class Captured(Exception):
    """Raised by the stand-in for ``_read_problem``: carries the policy a command built."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy


@pytest.fixture
def capture(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(data: Path | None, policy: Policy, *rest: Any, **kw: Any) -> Any:
        raise Captured(policy)

    monkeypatch.setattr(common, "_read_problem", fake)


def captured_policy(*args: object) -> Policy:
    result = invoke(*args)
    assert isinstance(result.exception, Captured), (result.exit_code, result.output, result.exception)
    return result.exception.policy


def commands(tmp_path: Path, data: Path) -> dict[str, list[object]]:
    plan = tmp_path / "plan.json"
    return {
        "plan": ["plan", data],
        "check": ["check", data, plan],
        "why-not": ["why-not", data, plan, ANI, "P1"],
        "frontier": ["frontier", data, "--budgets", "0,1"],
        "compare": ["compare", plan, plan, "--data", data],
        "demo": ["demo"],
    }


@pytest.mark.parametrize("command", ["plan", "check", "why-not", "frontier", "compare", "demo"])
@pytest.mark.parametrize(("args", "field", "value"), OPTIONS, ids=OPTION_IDS)
def test_option_maps_to_policy_field(
    capture: None, tmp_path: Path, data: Path, command: str, args: tuple[str, ...], field: str, value: Any
) -> None:
    base = commands(tmp_path, data)[command]
    if command == "frontier" and field in ("lexicographic", "max_moves"):
        pytest.skip("frontier sets the move budget itself")
    policy = captured_policy(*base, *args)
    assert getattr(policy, field) == value
    others = {k: v for k, v in policy.model_dump().items() if k != field}
    assert others == {k: v for k, v in Policy().model_dump().items() if k != field}


@pytest.mark.parametrize(("args", "field", "value"), OPTIONS, ids=OPTION_IDS)
def test_option_recorded_in_plan_json(
    tmp_path: Path, data: Path, args: tuple[str, ...], field: str, value: Any
) -> None:
    doc = plan_doc(data, tmp_path, *args, "--time-limit", "10")
    expected = value.isoformat() if isinstance(value, dt.date) else value
    assert doc["summary"]["policy"][field] == expected


def test_no_options_give_the_default_policy(capture: None, tmp_path: Path, data: Path) -> None:
    for base in commands(tmp_path, data).values():
        assert captured_policy(*base) == Policy()


def test_abk_keeps_effective_hours_only(data: Path) -> None:
    result = invoke("abk", data, "--effective-hours", "1200")
    assert_exit(result, 0)
    assert "WKE 1200" in result.stdout
    assert_exit(invoke("abk", data, "--max-moves", "3"), 2)  # not an abk option


# --------------------------------------------------------------------------- policy file


def test_load_policy_top_level_table_and_dashes(tmp_path: Path) -> None:
    path = toml(
        tmp_path,
        'effective-hours = 1200\nplan_date = "2024-07-01"\n\n[policy]\nmax_moves = 5\n'
        "allow-pppk = true\nmove_cost = 1\nspouses_hard = false\n",
    )
    assert load_policy(path) == {
        "effective_hours": 1200.0,
        "plan_date": dt.date(2024, 7, 1),
        "max_moves": 5,
        "allow_pppk": True,
        "move_cost": 1.0,
        "spouses_hard": False,
    }
    assert isinstance(load_policy(path)["move_cost"], float)


def test_load_policy_toml_date_and_empty_file(tmp_path: Path) -> None:
    assert load_policy(toml(tmp_path, "plan_date = 2030-01-31\n")) == {"plan_date": dt.date(2030, 1, 31)}
    assert load_policy(toml(tmp_path, "# nothing\n", "empty.toml")) == {}
    assert policy_from(tmp_path / "empty.toml") == Policy()


def test_load_policy_reports_every_problem(tmp_path: Path) -> None:
    path = toml(
        tmp_path,
        "max_move = 3\n"  # unknown, close to max_moves
        'effective_hours = "1200"\n'  # a string, not a number
        "move_cost = -1\n"  # out of range
        "min_months_in_position = 1.5\n"  # not an integer
        "allow_pppk = 1\n"  # not a boolean
        "plan_date = 2024-07-01T08:00:00\n"  # a date and time
        "[policy]\n"
        "retirement-age = 61\n"
        "retirement_age = 62\n"  # given twice
        "[weights]\n"
        "x = 1\n",  # unknown table
    )
    with pytest.raises(InputError) as info:
        load_policy(path)
    got = {(p.column, p.rule) for p in info.value.problems}
    assert got == {
        ("max_move", "unknown_policy_option"),
        ("effective_hours", "invalid_policy"),
        ("move_cost", "invalid_policy"),
        ("min_months_in_position", "invalid_policy"),
        ("allow_pppk", "invalid_policy"),
        ("plan_date", "invalid_policy"),
        ("retirement_age", "invalid_policy"),
        ("weights", "unknown_policy_option"),
    }
    assert all(p.table == "policy" and p.row is None for p in info.value.problems)
    by = {p.column: p for p in info.value.problems}
    assert "did you mean max_moves" in by["max_move"].message
    assert by["move_cost"].value == -1
    assert by["effective_hours"].value == "1200"


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("max_moves = \n", "not valid TOML"),
        ("[policy\nmax_moves = 3\n", "not valid TOML"),
        ("plan_date = 2024-02-30\n", "not valid TOML"),
    ],
)
def test_load_policy_invalid_toml(tmp_path: Path, text: str, what: str) -> None:
    path = toml(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_policy(path)
    (p,) = info.value.problems
    assert (p.table, p.rule, p.value) == ("policy", "unreadable_file", str(path))
    assert what in p.message


def test_load_policy_unreadable(tmp_path: Path) -> None:
    for path, what in ((tmp_path / "missing.toml", "does not exist"), (tmp_path, "folder")):
        with pytest.raises(InputError) as info:
            load_policy(path)
        (p,) = info.value.problems
        assert p.rule == "unreadable_file" and what in p.message and p.value == str(path)
    latin = tmp_path / "latin.toml"
    latin.write_bytes("# kebijakan é\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        load_policy(latin)


def test_load_policy_bad_date_string_and_policy_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_policy(toml(tmp_path, 'plan_date = "2024-02-30"\n'))
    assert [(p.column, p.rule) for p in info.value.problems] == [("plan_date", "invalid_policy")]
    with pytest.raises(InputError) as info:
        load_policy(toml(tmp_path, "policy = 3\n", "b.toml"))
    assert [(p.column, p.rule) for p in info.value.problems] == [("policy", "invalid_policy")]


def test_policy_from_overrides_and_cross_field_rule(tmp_path: Path) -> None:
    path = toml(tmp_path, "max_moves = 5\nallow_pppk = true\neffective_hours = 1200\n")
    pol = policy_from(path, allow_pppk=False, effective_hours=None, move_cost=0.5, plan_date="2024-01-02")
    assert (pol.max_moves, pol.allow_pppk, pol.effective_hours, pol.move_cost) == (5, False, 1200.0, 0.5)
    assert pol.plan_date == dt.date(2024, 1, 2)
    with pytest.raises(InputError) as info:  # lexicographic cannot take the file's max_moves
        policy_from(path, lexicographic=True)
    (p,) = info.value.problems
    assert p.rule == "invalid_policy" and "max_moves" in p.message
    with pytest.raises(InputError) as info:  # file and override problems together
        policy_from(toml(tmp_path, "foo = 1\n", "c.toml"), move_cost=-1, plan_date="tomorrow", bar=2)
    assert {(p.column, p.rule) for p in info.value.problems} == {
        ("foo", "unknown_policy_option"),
        ("bar", "unknown_policy_option"),
        ("plan_date", "invalid_policy"),
        ("move_cost", "invalid_policy"),
    }


# --------------------------------------------------------------------------- file + CLI


def test_cli_overrides_file_either_way(capture: None, tmp_path: Path, data: Path) -> None:
    path = toml(
        tmp_path,
        "[policy]\neffective_hours = 1200\nallow_pppk = true\nmax_moves = 5\nspouses_hard = true\n"
        "voluntary_first = false\nplan_date = 2024-07-01\n",
    )
    for base in commands(tmp_path, data).values():
        from_file = captured_policy(*base, "--policy", path)
        assert (from_file.effective_hours, from_file.allow_pppk, from_file.max_moves) == (1200.0, True, 5)
        assert (from_file.spouses_hard, from_file.voluntary_first) == (True, False)
        assert from_file.plan_date == dt.date(2024, 7, 1)
        over = captured_policy(
            *base, "--policy", path, "--effective-hours", "1300", "--no-allow-pppk", "--spouses-soft",
            "--voluntary-first", "--date", "2025-01-01", "--move-cost", "0.5",
        )  # fmt: skip
        assert (over.effective_hours, over.allow_pppk, over.max_moves) == (1300.0, False, 5)
        assert (over.spouses_hard, over.voluntary_first, over.move_cost) == (False, True, 0.5)
        assert over.plan_date == dt.date(2025, 1, 1)


def test_policy_file_end_to_end(tmp_path: Path, data: Path) -> None:
    path = toml(tmp_path, "max_moves = 1\nmove-cost = 0\n")
    doc = plan_doc(data, tmp_path, "--policy", path, "--time-limit", "10")
    assert doc["summary"]["moves"] == 1
    assert doc["summary"]["policy"]["max_moves"] == 1 and doc["summary"]["policy"]["move_cost"] == 0
    doc = plan_doc(data, tmp_path, "--policy", path, "--max-moves", "2", "--time-limit", "10", name="b.json")
    assert doc["summary"]["moves"] == 2
    # the same file checks the plan: its budget of 1 is broken by the 2-move plan
    result = invoke("check", data, tmp_path / "b.json", "--policy", path)
    assert_exit(result, 1)
    assert "[max_moves]" in result.stdout
    assert_exit(invoke("check", data, tmp_path / "b.json", "--policy", path, "--max-moves", "2"), 0)


def test_bad_policy_file_and_options_exit_2_all_problems(tmp_path: Path, data: Path) -> None:
    path = toml(tmp_path, 'max_move = 3\neffective_hours = "x"\nmove_cost = -1\n')
    out = tmp_path / "plan.json"
    result = invoke("plan", data, "--policy", path, "--min-months", "-3", "--out", out)
    assert_exit(result, 2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4, result.stderr
    for column, rule in (
        ("max_move", "unknown_policy_option"),
        ("effective_hours", "invalid_policy"),
        ("move_cost", "invalid_policy"),
        ("min_months_in_position", "invalid_policy"),
    ):
        assert any(ln.startswith("policy") and f"column {column}" in ln and f"[{rule}]" in ln for ln in lines)
    assert not out.exists()


@pytest.mark.parametrize("command", ["plan", "check", "why-not", "frontier", "compare", "demo"])
def test_unreadable_policy_file_exit_2_naming_it(tmp_path: Path, data: Path, command: str) -> None:
    broken = toml(tmp_path, "max_moves = = 3\n", "broken.toml")
    for path in (broken, tmp_path / "missing.toml"):
        result = invoke(*commands(tmp_path, data)[command], "--policy", path)
        assert_exit(result, 2)
        assert path.name in result.stderr and "[unreadable_file]" in result.stderr


def test_lexicographic_with_file_budget_exit_2(tmp_path: Path, data: Path) -> None:
    path = toml(tmp_path, "max_moves = 3\n")
    result = invoke("plan", data, "--policy", path, "--lexicographic")
    assert_exit(result, 2)
    assert "[invalid_policy]" in result.stderr and "max_moves" in result.stderr


# --------------------------------------------------------------------------- --date


@pytest.mark.parametrize("value", ["2024-02-30", "01/07/2024", "20240701", "today", "2024-07-01T00:00"])
def test_bad_date_exit_2(tmp_path: Path, data: Path, value: str) -> None:
    out = tmp_path / "plan.json"
    result = invoke("plan", data, "--date", value, "--out", out)
    assert_exit(result, 2)
    assert (
        "plan_date" in result.stderr and "YYYY-MM-DD" in result.stderr and "[invalid_policy]" in result.stderr
    )
    assert not out.exists()


def test_date_reproduces_the_plan_and_is_recorded(tmp_path: Path, data: Path) -> None:
    # 2036-12-01: Citra retires in June 2037, within the 12-month buffer: she stays
    late = plan_doc(data, tmp_path, "--date", "2036-12-01", name="late.json")
    again = plan_doc(data, tmp_path, "--date", "2036-12-01", name="again.json")
    assert late["summary"]["policy"]["plan_date"] == "2036-12-01"
    assert late["moves"] == again["moves"] and late["positions"] == again["positions"]
    assert {m["employee_id"] for m in late["moves"]} == {ANI, DEDI}
    early = plan_doc(data, tmp_path, "--date", "2025-01-01", name="early.json")
    assert early["summary"]["policy"]["plan_date"] == "2025-01-01"
    assert {m["employee_id"] for m in early["moves"]} == {ANI, CITRA, DEDI}
    # checked at its own date the plan passes; at the later date Citra's move breaks the buffer
    assert_exit(invoke("check", data, tmp_path / "early.json", "--date", "2025-01-01"), 0)
    result = invoke("check", data, tmp_path / "early.json", "--date", "2036-12-01")
    assert_exit(result, 1)
    assert "[retirement_buffer]" in result.stdout and CITRA in result.stdout
    # the date from a policy file works the same
    path = toml(tmp_path, "plan_date = 2036-12-01\n")
    from_file = plan_doc(data, tmp_path, "--policy", path, name="file.json")
    assert from_file["moves"] == late["moves"]


def test_policy_options_decorator_adds_the_options() -> None:
    @common.policy_options
    def cmd(x: int = 1, *, policy: Policy) -> tuple[int, Policy]:
        return x, policy

    assert list(inspect.signature(cmd).parameters) == ["x", *POLICY_OPTIONS]
    kw: dict[str, Any] = dict.fromkeys(POLICY_OPTIONS)
    kw.update(max_moves=4, min_months=6, allow_pppk=False)
    assert cmd(x=2, **kw) == (2, Policy(max_moves=4, min_months_in_position=6))
