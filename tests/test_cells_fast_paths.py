"""Fast paths of the input cells: cells taken for every row share the column's arrays (the one
change in place copies first), and a regular expression skips texts that cannot match."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asn_balance.model.cells import _fullmatch, cells_of
from asn_balance.model.errors import InputError
from asn_balance.model.limits import Limits
from asn_balance.model.tables import validate_tables
from asn_balance.model.validate import _SCIENTIFIC


def test_take_of_every_row_shares_and_own_copies() -> None:
    full = cells_of(pd.Series([" a", "b ", "", "c"] * 2000, dtype=object))
    every = full.take(np.arange(8000))
    assert every.text is full.text and every.blank is full.blank and every.codes is full.codes
    every.own()
    every.text[0] = "changed"
    every.blank[1] = True
    assert full.text[0] == "a" and not full.blank[1]
    some = full.take(np.array([3, 0, 2]))
    assert some.text.tolist() == ["c", "a", ""]
    assert some.blank.tolist() == [False, False, True]
    assert some.codes is not None and some.distinct is not None
    assert some.distinct[some.codes].tolist() == ["c", "a", ""]
    assert some.isin(["a", "z"]).tolist() == [False, True, False]


@pytest.mark.parametrize("blank_row", [False, True])
def test_a_too_long_cell_is_blanked_in_the_plan_not_in_the_input(blank_row: bool) -> None:
    names = ["x" * 50, "Budi"] + ([""] if blank_row else [])
    emp = pd.DataFrame(
        {
            "employee_id": ["E1", "E2"] + ([""] if blank_row else []),
            "name": names,
            "position_id": ["P1", "P2"] + ([""] if blank_row else []),
            "status": ["PNS", "PNS"] + ([""] if blank_row else []),
            "months_in_position": ["12", "30"] + ([""] if blank_row else []),
        }
    )
    pos = pd.DataFrame({"position_id": ["P1", "P2"], "unit_id": ["U1", "U1"], "jabatan": ["A", "A"]})
    pos["workload_hours"] = ["1250", "1250"]
    before = emp.copy(deep=True)
    with pytest.raises(InputError) as info:
        validate_tables({"employees": emp, "positions": pos}, limits=Limits(max_text_length=20))
    got = [(p.table, p.row, p.column, p.rule) for p in info.value.problems]
    assert got == [("employees", 2, "name", "text_too_long")]
    pd.testing.assert_frame_equal(emp, before)
    # within the limit the same table validates, names kept as given
    tables = validate_tables({"employees": emp, "positions": pos}, limits=Limits(max_text_length=60))
    assert tables.employees["name"].tolist() == names[:2]
    pd.testing.assert_frame_equal(emp, before)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789eE+.,x ", max_size=8), min_size=1, max_size=40), st.booleans())
def test_fullmatch_skips_texts_without_the_needed_characters(texts: list[str], many: bool) -> None:
    """Digits-only ids are not searched; the answer is the per-cell ``fullmatch`` either way."""
    if many:  # past the sample of a column of repeats: the joined search, not the codes
        texts = [f"{i}{t}" for i, t in enumerate(texts * 150)]
    cells = cells_of(pd.Series(texts, dtype=object))
    want = [_SCIENTIFIC.fullmatch(t.strip()) is not None for t in texts]
    assert _fullmatch(cells, _SCIENTIFIC, needs="eE").tolist() == want
    assert _fullmatch(cells, _SCIENTIFIC).tolist() == want


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["P1", "P2", "P3", " P1", "", "  ", "p1"]), min_size=1, max_size=12))
def test_every_repeated_id_is_reported_after_its_first_row(ids: list[str]) -> None:
    pos = pd.DataFrame({"position_id": ids, "unit_id": "U1", "jabatan": "A", "workload_hours": "1250"})
    emp = pd.DataFrame(
        {"employee_id": ["E1"], "position_id": ["P1"], "status": ["PNS"], "months_in_position": ["1"]}
    )
    stripped = [t.strip() for t in ids]
    want = [i + 2 for i, t in enumerate(stripped) if t and t in stripped[:i]]
    try:
        validate_tables({"employees": emp, "positions": pos})
        got: list[int | None] = []
    except InputError as exc:
        got = [p.row for p in exc.problems if p.rule == "duplicate_id"]
    assert got == want
