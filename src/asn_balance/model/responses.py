"""The employees' responses to a draft plan: one row per employee who answered a notice.

A consultation round (``docs/consultation.md``) sends every employee a draft plan moves a
notice; their answers come back as one table (CSV, Excel or JSON), read by
:func:`read_responses` into canonical rows:

* ``employee_id`` (``nip``, ``nip_baru``, ``id_pegawai``, ...): who answers;
* ``response``: ``accept`` (``setuju``, ``terima``), ``object`` (``keberatan``, ``tolak``) or
  ``request`` (``usul``, ``usulan``, ``minta``); a blank response is no answer (the
  ``responses.csv`` template lists everybody noticed with a blank response);
* ``target_position`` (``posisi_tujuan``, ``usulan_posisi``, ...): the position asked for,
  required with ``request`` and refused with the other answers;
* ``note`` (``catatan``, ``keterangan``, ``alasan``): the employee's words, kept as given.

Every bad cell is reported at once, by table (``responses``), spreadsheet row, column,
value and rule, exactly as for the input tables (:class:`~asn_balance.model.errors.InputError`).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .errors import InputError, InputProblem
from .limits import DEFAULT_LIMITS, Limits
from .readers import (
    _EXCEL,
    Source,
    _fail,
    _json_frame,
    _key,
    _open_workbook,
    _read_csv,
    _read_json,
    _sheet_frame,
)
from .schema import Column, TableSpec, normalise_header
from .validate import _check_table, _finish

if TYPE_CHECKING:
    from .problem import Problem

__all__ = ["RESPONSES", "RESPONSE_WORDS", "ResponseSource", "read_responses", "responses_sha256"]

#: The responses table: its canonical columns and accepted headers.
RESPONSES: Final = TableSpec(
    "responses",
    (
        Column(
            "employee_id",
            "id",
            True,
            True,
            True,
            "",
            ("nip", "nip_baru", "nipbaru", "id_pegawai", "pegawai_id"),
        ),
        Column(
            "response",
            "text",
            True,
            False,
            aliases=("tanggapan", "jawaban", "respon", "respons", "keputusan_pegawai"),
        ),
        Column(
            "target_position",
            "id",
            aliases=(
                "posisi_tujuan",
                "usulan_posisi",
                "posisi_usulan",
                "id_posisi_tujuan",
                "to_position",
                "tujuan",
                "usul_posisi",
            ),
        ),
        Column("note", "text", aliases=("catatan", "keterangan", "alasan", "notes")),
    ),
    required=False,  # nobody answered: an empty table is a round of silences
)

#: Accepted spellings (normalised like headers) -> canonical response.
RESPONSE_WORDS: Final[Mapping[str, str]] = {
    **dict.fromkeys(
        ("accept", "accepted", "agree", "setuju", "terima", "diterima", "menerima", "ya"), "accept"
    ),
    **dict.fromkeys(
        ("object", "objection", "keberatan", "tolak", "menolak", "ditolak", "berkeberatan"), "object"
    ),
    **dict.fromkeys(
        ("request", "usul", "usulan", "mengusulkan", "minta", "permintaan", "pindah_ke"), "request"
    ),
}

#: What :func:`read_responses` reads.
ResponseSource = Source | pd.DataFrame | Mapping[str, object]

_SHEETS = ("responses", "tanggapan", "jawaban")


def _raw(source: ResponseSource, limits: Limits) -> pd.DataFrame:
    """The responses as an all-text frame (or the caller's DataFrame, not modified)."""
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, Mapping):
        key = next((k for k in (_key(source, s) for s in _SHEETS) if k is not None), None)  # type: ignore[arg-type]
        if key is None:
            raise _fail("responses", "missing_table", "the mapping has no 'responses' table")
        value = source[key]
        if isinstance(value, pd.DataFrame):
            return value
        return _json_frame(value, "responses", Path("<mapping>"), limits)
    path = Path(source)
    suffix = path.suffix.lower()
    if not path.exists():
        raise _fail("responses", "missing_table", f"{str(path)!r} does not exist", str(path))
    if path.is_dir():
        f = next((path / f"{s}.csv" for s in _SHEETS if (path / f"{s}.csv").is_file()), None)
        if f is None:
            raise _fail(
                "responses", "missing_table", f"responses.csv is missing in folder {str(path)!r}", str(path)
            )
        return _read_csv(f, "responses", limits)
    if suffix == ".csv":
        return _read_csv(path, "responses", limits)
    if suffix in _EXCEL:
        wb = _open_workbook(path, "responses", limits)
        try:
            frame = None
            for name in _SHEETS:
                frame = _sheet_frame(wb, name, path, limits)
                if frame is not None:
                    break
            if frame is None and len(wb.sheetnames) == 1:  # a workbook of one sheet: that one
                frame = _sheet_frame(wb, wb.sheetnames[0].strip().lower(), path, limits)
        finally:
            with contextlib.suppress(Exception):
                wb.close()
        if frame is None:
            raise _fail(
                "responses", "missing_table", f"sheet 'responses' is missing in {str(path)!r}", str(path)
            )
        return frame
    if suffix == ".json":
        doc = _read_json(path, "responses", limits)
        if isinstance(doc, Mapping):
            key = next((k for k in (_key(doc, s) for s in _SHEETS) if k is not None), None)
            if key is None:
                raise _fail(
                    "responses", "missing_table", f"key 'responses' is missing in {str(path)!r}", str(path)
                )
            doc = doc[key]
        return _json_frame(doc, "responses", path, limits)
    raise _fail(
        "responses", "unreadable_file", f"{str(path)!r}: expected .csv, .xlsx, .json or a folder", str(path)
    )


def read_responses(
    source: ResponseSource, problem: Problem | None = None, *, limits: Limits | None = None
) -> pd.DataFrame:
    """Read and validate a responses table.

    Parameters
    ----------
    source : path, DataFrame or mapping
        A ``.csv`` file, an ``.xlsx`` workbook (sheet ``responses`` or ``tanggapan``, or its
        only sheet), a ``.json`` file (records, or a mapping with a ``responses`` list), a
        folder with ``responses.csv``, a DataFrame or a mapping with a ``responses`` table.
        Never modified.
    problem : Problem, optional
        When given, every ``employee_id`` must be an employee of its data (rule
        ``unknown_employee``) and every ``target_position`` one of its positions (rule
        ``unknown_position``).
    limits : Limits, optional
        Limits on file size, rows and cell lengths (default :class:`~asn_balance.model.limits.Limits`).

    Returns
    -------
    DataFrame
        ``employee_id``, ``response`` (``accept``, ``object`` or ``request``),
        ``target_position`` (``""`` when none), ``note``, ``response_given`` (the word as
        written) and ``source_row`` (spreadsheet row, header = 1), one row per employee
        who answered; rows with a blank response are left out (no answer).

    Raises
    ------
    InputError
        Every problem at once, table ``responses``: ``missing_table``, ``unreadable_file``,
        ``missing_column``, ``duplicate_column``, ``missing_value``, ``duplicate_id`` (two
        answers of one employee), ``invalid_response`` (a word not understood),
        ``missing_target`` (a request without ``target_position``), ``unexpected_target``
        (a position given with an accept or an objection), ``unknown_employee``,
        ``unknown_position``, ``same_position`` (a request for the position held).
    """
    lim = limits if limits is not None else DEFAULT_LIMITS
    raw = _raw(source, lim)
    problems: list[InputProblem] = []
    warnings: list[str] = []
    checked = _check_table(RESPONSES, raw, problems, warnings, lim)
    if problems and not {"employee_id", "response"} <= set(checked.columns):
        raise InputError(problems)  # no column to read the answers from: nothing more to say
    frame = _finish(checked)
    given = frame["response"].fillna("").astype(str).str.strip()
    words = given.map(normalise_header)
    canon = words.map(lambda w: RESPONSE_WORDS.get(w, "")).astype(str)
    target = frame["target_position"].fillna("").astype(str).str.strip()
    rows = frame["source_row"].to_numpy(np.int64)
    answered = (given != "").to_numpy(bool)
    bad = answered & (canon == "").to_numpy(bool)
    _flag(
        problems,
        bad,
        rows,
        "response",
        given,
        "invalid_response",
        lambda i: "expected setuju/accept, keberatan/object or usul/request",
    )
    req = (canon == "request").to_numpy(bool)
    no_target = req & (target == "").to_numpy(bool)
    _flag(
        problems,
        no_target,
        rows,
        "target_position",
        None,
        "missing_target",
        lambda i: "a request (usul) names the position asked for in target_position",
    )
    stray = answered & ~req & ~bad & (target != "").to_numpy(bool)
    _flag(
        problems,
        stray,
        rows,
        "target_position",
        target,
        "unexpected_target",
        lambda i: f"a position is asked for only with a request (usul), not with {given.iloc[i]!r}",
    )
    out = pd.DataFrame(
        {
            "employee_id": frame["employee_id"].astype(str).to_numpy(dtype=object),
            "response": canon.to_numpy(dtype=object),
            "target_position": target.to_numpy(dtype=object),
            "note": frame["note"].fillna("").astype(str).to_numpy(dtype=object),
            "response_given": given.to_numpy(dtype=object),
            "source_row": rows,
        }
    )
    if problem is not None:
        e = problem.employee_index.get_indexer(pd.Index(out["employee_id"]))
        _flag(
            problems,
            e < 0,
            rows,
            "employee_id",
            out["employee_id"],
            "unknown_employee",
            lambda i: "no employee of the data has this id",
        )
        has_t = (out["target_position"] != "").to_numpy(bool)
        t = problem.position_index.get_indexer(pd.Index(out["target_position"]))
        _flag(
            problems,
            has_t & (t < 0),
            rows,
            "target_position",
            out["target_position"],
            "unknown_position",
            lambda i: "no position of the data has this id",
        )
        ok = req & (e >= 0) & (t >= 0)
        same = np.zeros(len(out), dtype=bool)
        same[ok] = problem.employee_position[e[ok]] == t[ok]
        _flag(
            problems,
            same,
            rows,
            "target_position",
            out["target_position"],
            "same_position",
            lambda i: "the employee already holds this position: answer keberatan (object) to stay",
        )
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise InputError(problems)
    return out[answered].reset_index(drop=True)


def _flag(
    problems: list[InputProblem],
    mask: npt.NDArray[np.bool_],
    rows: npt.NDArray[np.int64],
    column: str,
    values: pd.Series | None,
    rule: str,
    message: Callable[[int], str],
) -> None:
    """One problem of the responses table per row where ``mask`` holds."""
    for i in np.flatnonzero(mask).tolist():
        value = None if values is None else values.iloc[i]
        problems.append(InputProblem("responses", int(rows[i]), column, value, rule, message(i)))


def responses_sha256(responses: pd.DataFrame) -> str:
    """SHA-256 of the canonical answers (``employee_id``, ``response``, ``target_position``,
    ``note``), sorted by employee: the same answers give the same hash whatever the file's
    format, spelling (``setuju`` or ``accept``) or row order."""
    cols = ["employee_id", "response", "target_position", "note"]
    frame = responses[cols].astype(str).sort_values("employee_id", kind="stable")
    text = "asn-balance responses v1\n" + "".join(
        "\t".join(v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") for v in row) + "\n"
        for row in frame.itertuples(index=False, name=None)
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
