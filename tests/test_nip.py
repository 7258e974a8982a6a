"""The NIP check: one rule (:func:`asn_balance.model.domain.nip_problems`), one value or many.

Every case below was worked out by hand from the structure birth date ``YYYYMMDD`` + TMT
CPNS ``YYYYMM`` + sex (1 or 2) + serial (not 000); a PPPK number (NI PPPK) carries ``21``
after its year of appointment where a NIP has the TMT month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from asn_balance.model.domain import nip_problem, nip_problems
from asn_balance.model.errors import InputError
from asn_balance.model.validate import validate_tables

NOT_18 = "a NIP has 18 digits"

#: (id, expected problem or None, why)
CASES: list[tuple[str, str | None, str]] = [
    ("198503172010011001", None, "born 1985-03-17, TMT 2010-01, male, serial 001"),
    ("199002282015032002", None, "born 1990-02-28, TMT 2015-03, female, serial 002"),
    ("199202292015031001", None, "29 February of a leap year"),
    ("200002292024121999", None, "2000 is a leap year (divisible by 400); TMT month 12"),
    ("199203152022212001", None, "NI PPPK: appointed 2022, code 21 in place of the month"),
    ("198513172010011001", "birth date 19851317 in the NIP is not a date", "birth month 13"),
    ("198521172010011001", "birth date 19852117 in the NIP is not a date", "birth month 21 (no PPPK code)"),
    ("198500172010011001", "birth date 19850017 in the NIP is not a date", "birth month 00"),
    ("198504312010011001", "birth date 19850431 in the NIP is not a date", "31 April"),
    ("198503002010011001", "birth date 19850300 in the NIP is not a date", "day 00"),
    ("199102292015031001", "birth date 19910229 in the NIP is not a date", "29 February, 1991 not leap"),
    ("190002292015031001", "birth date 19000229 in the NIP is not a date", "1900 is not a leap year"),
    ("000001012015031001", "birth date 00000101 in the NIP is not a date", "year 0000"),
    ("198503172010131001", "TMT 201013 in the NIP has no month 13", "TMT month 13"),
    ("198503172010001001", "TMT 201000 in the NIP has no month 0", "TMT month 00"),
    ("198503172010201001", "TMT 201020 in the NIP has no month 20", "TMT month 20"),
    ("198503172010221001", "TMT 201022 in the NIP has no month 22", "TMT month 22"),
    ("198503171998011001", "TMT year 1998 in the NIP does not fit birth year 1985", "TMT at 13"),
    ("198503171999011001", None, "TMT at 14: the lowest that fits"),
    ("198503172055011001", None, "TMT at 70: the highest that fits"),
    ("198503172056011001", "TMT year 2056 in the NIP does not fit birth year 1985", "TMT at 71"),
    ("198503171990212001", "TMT year 1990 in the NIP does not fit birth year 1985", "PPPK at 5"),
    ("198503172010013001", "sex digit 3 in the NIP must be 1 or 2", "sex digit 3"),
    ("198503172010010001", "sex digit 0 in the NIP must be 1 or 2", "sex digit 0"),
    ("198503172010011000", "serial 000 in the NIP is not valid", "serial 000"),
    ("198513172010013000", "birth date 19851317 in the NIP is not a date", "the first problem is told"),
    ("19850317201001100", NOT_18, "17 digits"),
    ("1985031720100110011", NOT_18, "19 digits"),
    ("", NOT_18, "empty"),
    ("19850317201001100A", NOT_18, "a letter"),
    ("1985-03-1720100110", NOT_18, "18 characters with dashes"),
    (" 98503172010011001", NOT_18, "a space"),
    ("\u0661\u0669\u0668\u0665\u0660\u0663\u0661\u0667\u0662\u0660\u0661\u0660\u0660\u0661\u0661\u0660\u0660\u0661",
     NOT_18, "Arabic-Indic digits (str.isdigit, not ASCII)"),
    ("\uff11\uff19\uff18\uff15\uff10\uff13\uff11\uff17\uff12\uff10\uff11\uff10\uff10\uff11\uff11\uff10\uff10\uff11",
     NOT_18, "full-width digits"),
]  # fmt: skip

IDS = [c[2] for c in CASES]


@pytest.mark.parametrize(("nip", "expected", "why"), CASES, ids=IDS)
def test_one_value(nip: str, expected: str | None, why: str) -> None:
    del why
    assert nip_problem(nip) == expected


def test_many_values_agree_with_one_value() -> None:
    nips = [c[0] for c in CASES]
    many = nip_problems(nips)
    assert many.shape == (len(CASES),)
    assert list(many) == [nip_problem(n) for n in nips]
    assert list(many) == [c[1] for c in CASES]
    # the same from a Series, an object array and in reverse order (no cross-talk)
    assert list(nip_problems(pd.Series(nips, index=np.arange(len(nips)) * 7))) == list(many)
    assert list(nip_problems(np.array(nips, dtype=object))) == list(many)
    assert list(nip_problems(nips[::-1])) == list(many)[::-1]


def test_only_18_digits_leaves_other_ids_alone() -> None:
    nips = [c[0] for c in CASES]
    got = nip_problems(nips, only_18_digits=True)
    assert list(got) == [None if c[1] == NOT_18 else c[1] for c in CASES]
    assert list(nip_problems(["E1", "P-7", None, 12, 198503172010011001], only_18_digits=True)) == [None] * 5


def test_values_that_are_not_text() -> None:
    assert list(nip_problems([None, float("nan"), 198503172010011001])) == [NOT_18] * 3
    assert len(nip_problems([])) == 0


def _tables(ids: list[str]) -> dict[str, pd.DataFrame]:
    employees = pd.DataFrame(
        {
            "employee_id": ids,
            "position_id": ["P1"] * len(ids),
            "status": ["PPPK"] * len(ids),
            "months_in_position": ["12"] * len(ids),
        },
        dtype=str,
    )
    one = {"position_id": "P1", "unit_id": "U1", "jabatan": "Analis", "workload_hours": "1250"}
    positions = pd.DataFrame([one], dtype=str)
    return {"employees": employees, "positions": positions}


def test_validation_uses_the_same_rule() -> None:
    """Rule ``invalid_nip`` on exactly the 18-digit ids the rule finds malformed, with its words."""
    ids = [c[0] for c in CASES if c[0]]
    ids = list(dict.fromkeys(ids))  # employee_id is unique
    with pytest.raises(InputError) as info:
        validate_tables(_tables(ids))
    found = {(p.row, p.message) for p in info.value.problems if p.rule == "invalid_nip"}
    expected = {(i + 2, why) for i, (nip, why) in enumerate(zip(ids, nip_problems(ids), strict=True))
                if why is not None and why != NOT_18}  # fmt: skip
    assert found == expected
    assert {p.rule for p in info.value.problems} == {"invalid_nip"}


def test_pppk_numbers_pass_validation() -> None:
    tables = validate_tables(_tables(["199203152022212001", "198503172010011001", "E1"]))
    assert list(tables.employees["employee_id"]) == ["199203152022212001", "198503172010011001", "E1"]
