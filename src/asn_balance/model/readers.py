"""Reading input sources (CSV folders, Excel workbooks, JSON) into raw frames.

Readers return *raw* frames: every cell as text (``""`` for blank), so that NIPs and
codes stay exactly as typed; types and rules are checked by
:func:`asn_balance.model.tables.validate_tables`. Plans are read back by
:mod:`asn_balance.io.plans`; files are written by :mod:`asn_balance.io.files`.
No planning logic lives here.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io as _io
import json
import math
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import numpy.typing as npt
import pandas as pd

from .errors import InputError, InputProblem
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["read_tables"]

_TABLE_NAMES = ("employees", "positions", "tasks", "units", "grade_codes")
_REQUIRED = ("employees", "positions")
_EXCEL = (".xlsx", ".xlsm")

Source = str | os.PathLike[str]


def _fail(table: str, rule: str, message: str, value: Any = None) -> InputError:
    return InputError([InputProblem(table, None, None, value, rule, message)])


def _check_size(path: Path, table: str, limits: Limits) -> None:
    """Refuse a file above ``max_file_bytes`` before reading a byte of it (rule ``file_too_large``)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _fail(table, "unreadable_file", f"cannot read {str(path)!r}: {exc}", str(path)) from exc
    if size > limits.max_file_bytes:
        raise _fail(
            table,
            "file_too_large",
            f"{str(path)!r} has {size:,} bytes, more than {limits.max_file_bytes:,} (Limits.max_file_bytes)",
            str(path),
        )


def _too_many_rows(table: str, path: Path, n: int, limits: Limits) -> InputError:
    return _fail(
        table,
        "too_many_rows",
        f"{str(path)!r} has more than {limits.max_rows:,} rows in {table} ({n:,} or more) (Limits.max_rows)",
        str(path),
    )


def _too_many_columns(table: str, path: Path, n: int, limits: Limits) -> InputError:
    return _fail(
        table,
        "too_many_columns",
        f"{str(path)!r} has {n:,} columns in {table}, more than {limits.max_columns:,} (Limits.max_columns)",
        str(path),
    )


# --------------------------------------------------------------------------- cells and frames


def _text(v: object) -> str:
    """Text of one cell read from Excel or JSON (``None`` -> ``""``, ``101.0`` -> ``"101"``)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        # Beyond 2**53 a float has lost digits (an 18-digit NIP typed as a number in Excel):
        # keep the scientific notation so that validation can say so.
        return str(int(v)) if v.is_integer() and abs(v) < 2.0**53 else repr(v)
    if isinstance(v, _dt.datetime):
        if v.time() == _dt.time(0, 0):
            return v.date().isoformat()
        return v.isoformat()
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _frame(header: list[object], rows: Iterable[Iterable[object]]) -> pd.DataFrame:
    """An all-text frame from a header and rows of cell values (Excel, JSON)."""
    names = [_text(h) for h in header]
    data = [[_text(v) for v in r] for r in rows]
    width = max([len(names), *(len(r) for r in data)])
    names += [""] * (width - len(names))
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in data], columns=range(width), dtype=str)
    return _tidy(names, grid)


def _filled(column: pd.Series) -> npt.NDArray[np.bool_]:
    """Cells of an all-text column that are not blank (whitespace only counts as blank)."""
    cells = column.to_numpy(dtype=object)
    try:  # one C call per cell
        blank = np.fromiter(map(str.isspace, cells), dtype=bool, count=len(cells))
    except TypeError:
        out: npt.NDArray[np.bool_] = column.str.strip().ne("").to_numpy(dtype=bool)
        return out
    result: npt.NDArray[np.bool_] = (cells != "") & ~blank
    return result


def _last_filled_row(grid: pd.DataFrame) -> int:
    """One past the last row of ``grid`` with a filled cell (0 if none), looking at the rows
    from the end in growing blocks (the last row of a file is usually filled)."""
    size, end = 64, len(grid)
    while end > 0:
        start = max(0, end - size)
        block = grid.iloc[start:end]
        any_row = np.zeros(end - start, dtype=bool)
        for j in range(block.shape[1]):
            any_row |= _filled(block.iloc[:, j])
        if any_row.any():
            return start + int(np.flatnonzero(any_row)[-1]) + 1
        end, size = start, size * 8
    return 0


def _tidy(names: list[str], grid: pd.DataFrame) -> pd.DataFrame:
    """Label the columns of an all-text grid; drop unnamed empty columns and trailing blank rows."""
    names = [n.strip() for n in names]
    has_cells = bool(grid.shape[0] and grid.shape[1])
    keep: list[int] = []
    labels: list[str] = []
    for j, name in enumerate(names):
        if name or (has_cells and bool(_filled(grid.iloc[:, j]).any())):
            keep.append(j)
            labels.append(name or f"unnamed_{j + 1}")
    out = grid.iloc[:, keep].astype(str)
    out.columns = pd.Index(labels, dtype=object)
    if has_cells:
        out = out.iloc[: _last_filled_row(out)]
    tidy: pd.DataFrame = out.reset_index(drop=True)
    return tidy


# --------------------------------------------------------------------------- CSV


def _empty_frame() -> pd.DataFrame:
    empty: pd.DataFrame = pd.DataFrame()
    return empty


def _decode_as(data: bytes) -> tuple[str, str, bytes]:
    """The text of ``data`` (a UTF-8 BOM dropped; UTF-8, else Windows-1252, else Latin-1),
    the encoding that read it and the bytes it was read from."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for enc in ("utf-8", "cp1252"):
        try:
            return data.decode(enc), enc, data
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1", data


def _decode(data: bytes) -> str:
    return _decode_as(data)[0]


def _first_line(text: str) -> str:
    """The first non-blank line of ``text`` (``""`` if none), as ``text.splitlines()`` cuts it,
    without splitting the whole text."""
    size = 1 << 16
    while True:
        lines = text[:size].splitlines()
        whole = size >= len(text)
        for line in lines if whole else lines[:-1]:  # the last piece may be cut short
            if line.strip():
                return line
        if whole:
            return ""
        size *= 16


def _sniff(text: str) -> str:
    """Separator of the first non-blank line: ``,``, ``;`` or tab (``,`` when unsure)."""
    line = _first_line(text)
    if line:
        bare = re.sub(r'"[^"]*"', "", line)
        counts = {sep: bare.count(sep) for sep in (",", ";", "\t")}
        best = max(counts, key=lambda k: counts[k])
        return best if counts[best] else ","
    return ","


_BLANK_LINE = re.compile(r"^[ \t\r,;\"']*$", re.MULTILINE)


def _read_csv(path: Path, table: str, limits: Limits = DEFAULT_LIMITS) -> pd.DataFrame:
    _check_size(path, table, limits)
    try:
        text, encoding, payload = _decode_as(path.read_bytes())
    except OSError as exc:
        raise _fail(table, "unreadable_file", f"cannot read {str(path)!r}: {exc}", str(path)) from exc
    if not text.strip():
        return _empty_frame()
    sep = _sniff(text)
    # limits before parsing: a parser's grid of text cells takes many times the file's size
    first = _first_line(text)
    width = re.sub(r'"[^"]*"', "", first).count(sep) + 1
    if width > limits.max_columns:
        raise _too_many_columns(table, path, width, limits)
    lines = text.count("\n") + 1
    if lines > limits.max_rows + 1:
        lines -= len(_BLANK_LINE.findall(text))  # blank lines (also ;;; ones) are not rows
        if lines > limits.max_rows + 1:
            raise _too_many_rows(table, path, lines - 1, limits)
    # UTF-8 is what the parser reads: give it the bytes rather than the text to encode again
    source = _io.BytesIO(payload) if encoding == "utf-8" else _io.StringIO(text)
    del text, payload
    try:
        grid = pd.read_csv(
            source,
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except Exception as exc:  # pandas' ParserError, csv.Error, ValueError, ...
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise _fail(
            table, "unreadable_file", f"{str(path)!r} is not a readable CSV file: {msg}", str(path)
        ) from exc
    grid = grid.fillna("").astype(str)
    names = [str(v) for v in grid.iloc[0]] if len(grid) else []
    body = grid.iloc[1:].reset_index(drop=True)
    body.columns = pd.RangeIndex(body.shape[1])
    return _tidy(names, body)


def _find_file(folder: Path, name: str) -> Path | None:
    """``<name>.csv`` in ``folder``, matched case-insensitively."""
    exact = folder / f"{name}.csv"
    if exact.is_file():
        return exact
    for p in folder.iterdir():
        if p.is_file() and p.name.lower() == f"{name}.csv":
            return p
    return None


# --------------------------------------------------------------------------- Excel


def _open_workbook(path: Path, table: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    from openpyxl import load_workbook

    _check_size(path, table, limits)
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(max(0, i.file_size) for i in zf.infolist())
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError) as exc:
        raise _fail(
            table, "unreadable_file", f"{str(path)!r} is not a readable Excel workbook: {exc}", str(path)
        ) from exc
    if unpacked > limits.max_unpacked_bytes:
        raise _fail(
            table,
            "file_too_large",
            f"{str(path)!r} unpacks to {unpacked:,} bytes, more than {limits.max_unpacked_bytes:,} "
            "(Limits.max_unpacked_bytes)",
            str(path),
        )
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike
        raise _fail(
            table, "unreadable_file", f"{str(path)!r} is not a readable Excel workbook: {exc}", str(path)
        ) from exc


def _sheet_rows(ws: Any, table: str, path: Path, limits: Limits) -> Iterator[tuple[Any, ...]]:
    """The rows of a read-only sheet, trailing blank cells and rows dropped, within the limits.

    Blank rows between data rows are kept (row numbers must match the sheet); a blank
    run at the end is never materialised, so a sheet formatted down to row 1,048,576
    costs time, not memory.
    """
    pending = 0  # blank rows not yet yielded
    n = 0  # rows yielded (the header included)
    for row in ws.iter_rows(values_only=True):
        cells = list(row)
        while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
            cells.pop()
        if not cells:
            pending += 1
            continue
        if len(cells) > limits.max_columns:
            raise _too_many_columns(table, path, len(cells), limits)
        if n + pending > limits.max_rows:  # data rows so far (the header is row n = 1)
            raise _too_many_rows(table, path, n + pending, limits)
        for _ in range(pending):
            yield ()
        n += pending + 1
        pending = 0
        yield tuple(cells)
    if n == 0 and pending:
        yield ()


def _sheet_frame(
    wb: Any, name: str, path: Path | None = None, limits: Limits = DEFAULT_LIMITS
) -> pd.DataFrame | None:
    """The sheet ``name`` (case-insensitive) as an all-text frame, or ``None``."""
    match = next((s for s in wb.sheetnames if s.strip().lower() == name), None)
    if match is None:
        return None
    ws = wb[match]
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    it = _sheet_rows(ws, name, path if path is not None else Path(name), limits)
    header = next(it, None)
    if header is None:
        return _empty_frame()
    return _frame(list(header), it)


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _has_formula(zf: zipfile.ZipFile, member: str) -> bool:
    """Whether the sheet XML holds a formula element (scanned in chunks, nothing parsed)."""
    tail = b""
    with zf.open(member) as fh:
        while chunk := fh.read(1 << 20):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> XML member of the workbook (from workbook.xml and its relationships)."""
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): str(r.get("Target", "")) for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
    out: dict[str, str] = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        t = target.get(sheet.get(f"{_NS_REL}id"), "")
        if not t:
            continue
        member = t.lstrip("/") if t.startswith("/") else "xl/" + t
        out[str(sheet.get("name", ""))] = os.path.normpath(member).replace(os.sep, "/")
    return out


def _formulas_without_values(path: Path, sheets: Mapping[str, str]) -> list[InputProblem]:
    """Formula cells that carry no stored (cached) value, one problem each.

    openpyxl reads a formula cell's last computed value; a workbook written by a program
    rather than saved by Excel may have none, and the cell would silently read as blank.
    ``sheets`` maps table name -> sheet name.
    """
    problems: list[InputProblem] = []
    try:
        with zipfile.ZipFile(path) as zf:
            members = _sheet_members(zf)
            for table, sheet in sheets.items():
                member = members.get(sheet)
                if member is None or member not in zf.namelist() or not _has_formula(zf, member):
                    continue
                with zf.open(member) as fh:
                    for _, el in ElementTree.iterparse(fh, events=("end",)):
                        if el.tag != f"{_NS_MAIN}c":
                            continue
                        if el.find(f"{_NS_MAIN}f") is not None and _no_value(el):
                            ref = str(el.get("r", "?"))
                            problems.append(
                                InputProblem(
                                    table, _row_of(ref), None, f"{sheet}!{ref}", "formula_without_value",
                                    f"cell {sheet}!{ref} holds a formula without a stored value; open "
                                    "and save the workbook in Excel (or LibreOffice) so that its values "
                                    "are computed, or type the values",
                                )
                            )  # fmt: skip
                        el.clear()
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError, ValueError, RuntimeError):
        return problems  # not the usual layout: openpyxl has read what it could
    return problems


def _no_value(cell: ElementTree.Element) -> bool:
    """A formula cell without a stored value: no ``<v>``, or an empty one outside a text result.

    Excel stores an empty text result as ``t="str"`` with an empty ``<v>``; programs that
    write formulas without computing them leave ``<v>`` out or empty.
    """
    v = cell.find(f"{_NS_MAIN}v")
    if v is None:
        return True
    return not (v.text or "").strip() and cell.get("t") not in ("str", "s", "inlineStr")


def _row_of(ref: str) -> int | None:
    m = re.fullmatch(r"\$?[A-Za-z]{1,3}\$?([0-9]{1,7})", ref)
    return int(m.group(1)) if m else None


# --------------------------------------------------------------------------- JSON


def _read_json(path: Path, table: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    _check_size(path, table, limits)
    try:
        return json.loads(_decode(path.read_bytes()))
    except (OSError, ValueError, RecursionError) as exc:
        raise _fail(
            table, "unreadable_file", f"{str(path)!r} is not a readable JSON file: {exc}", str(path)
        ) from exc


def _json_frame(value: Any, table: str, path: Path, limits: Limits = DEFAULT_LIMITS) -> pd.DataFrame:
    """Records (or a column mapping) of one table as an all-text frame."""
    if isinstance(value, Mapping) and all(isinstance(v, list) for v in value.values()):
        keys = list(value)
        if len(keys) > limits.max_columns:
            raise _too_many_columns(table, path, len(keys), limits)
        n = max((len(v) for v in value.values()), default=0)
        if n > limits.max_rows:
            raise _too_many_rows(table, path, n, limits)
        cols = [list(value[k]) + [None] * (n - len(value[k])) for k in keys]
        return _frame(list(keys), zip(*cols, strict=True) if cols else [])
    if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
        raise _fail(
            table, "unreadable_file", f"{table!r} in {str(path)!r} must be a list of records", str(path)
        )
    if len(value) > limits.max_rows:
        raise _too_many_rows(table, path, len(value), limits)
    names: list[object] = []
    seen: set[object] = set()
    for r in value:
        for k in r:
            if k not in seen:
                seen.add(k)
                names.append(k)
                if len(names) > limits.max_columns:
                    raise _too_many_columns(table, path, len(names), limits)
    return _frame(names, ([r.get(k) for k in names] for r in value))


def _key(doc: Mapping[str, Any], name: str) -> str | None:
    return next((k for k in doc if isinstance(k, str) and k.strip().lower() == name), None)


# --------------------------------------------------------------------------- public readers


def read_tables(
    source: Source | Mapping[str, pd.DataFrame], *, limits: Limits | None = None
) -> dict[str, pd.DataFrame]:
    """Read the input tables as raw all-text frames.

    Parameters
    ----------
    source : path or mapping
        A folder with ``employees.csv``, ``positions.csv`` and optional ``tasks.csv``,
        ``units.csv`` and ``grade_codes.csv`` (separator ``,`` or ``;`` sniffed; UTF-8 with
        or without BOM, else Windows-1252/Latin-1); an ``.xlsx``/``.xlsm`` workbook with
        sheets of those names (case-insensitive; formula values are read, date cells as
        ``YYYY-MM-DD``); a ``.json`` document ``{"employees": [records], "positions": [...],
        "tasks": [...], "units": [...], "grade_codes": [...]}``; or a mapping of table name
        to DataFrame (returned as a shallow copy).
    limits : Limits, optional
        File size, rows and columns allowed (default ``Limits()``). A file's size is
        checked before it is opened; rows and columns before they are parsed where the
        format allows.

    Returns
    -------
    dict of str to DataFrame
        Raw frames keyed ``employees``, ``positions`` and, when present, ``tasks``,
        ``units`` and ``grade_codes``. Cells are text (``""`` for blank); the header is spreadsheet row 1.

    Raises
    ------
    InputError
        Rule ``missing_table`` for a missing source, file, sheet or key;
        ``unreadable_file`` for a file that cannot be parsed; ``file_too_large``,
        ``too_many_rows``, ``too_many_columns`` beyond ``limits``;
        ``formula_without_value`` for an Excel formula cell without a stored value.
    """
    lim = limits if limits is not None else DEFAULT_LIMITS
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    if not path.exists():
        raise _fail("source", "missing_table", f"{str(path)!r} does not exist", str(path))
    found: dict[str, pd.DataFrame] = {}
    problems: list[InputProblem] = []

    def missing(name: str, where: str) -> None:
        problems.append(InputProblem(name, None, None, str(path), "missing_table", where))

    suffix = path.suffix.lower()
    if path.is_dir():
        for name in _TABLE_NAMES:
            f = _find_file(path, name)
            if f is not None:
                found[name] = _read_csv(f, name, lim)
            elif name in _REQUIRED:
                missing(name, f"{name}.csv is missing in folder {str(path)!r}")
    elif suffix in _EXCEL:
        wb = _open_workbook(path, "source", lim)
        sheets: dict[str, str] = {}
        try:
            for name in _TABLE_NAMES:
                frame = _sheet_frame(wb, name, path, lim)
                if frame is not None:
                    found[name] = frame
                    sheets[name] = next(s for s in wb.sheetnames if s.strip().lower() == name)
                elif name in _REQUIRED:
                    missing(
                        name,
                        f"sheet {name!r} is missing in {str(path)!r} (sheets: {', '.join(wb.sheetnames)})",
                    )
        except InputError:
            raise
        except Exception as exc:  # openpyxl raises many kinds on damaged sheets
            raise _fail("source", "unreadable_file", f"cannot read {str(path)!r}: {exc}", str(path)) from exc
        finally:
            with contextlib.suppress(Exception):
                wb.close()
        problems.extend(_formulas_without_values(path, sheets))
    elif suffix == ".json":
        doc = _read_json(path, "source", lim)
        if not isinstance(doc, Mapping):
            raise _fail(
                "source", "unreadable_file", f"{str(path)!r} must hold a JSON object of tables", str(path)
            )
        for name in _TABLE_NAMES:
            key = _key(doc, name)
            if key is not None and doc[key] is not None:
                found[name] = _json_frame(doc[key], name, path, lim)
            elif name in _REQUIRED:
                missing(name, f"key {name!r} is missing in {str(path)!r}")
    elif suffix == ".csv":
        raise _fail(
            "source",
            "missing_table",
            f"{str(path)!r} is a single CSV file; give the folder holding employees.csv and positions.csv",
            str(path),
        )
    else:
        raise _fail(
            "source",
            "unreadable_file",
            f"{str(path)!r}: expected a folder of CSV files, an .xlsx workbook or a .json file",
            str(path),
        )
    if problems:
        raise InputError(problems)
    return found
