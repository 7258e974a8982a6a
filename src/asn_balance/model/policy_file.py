"""Policy files: the options of :class:`~asn_balance.model.policy.Policy` kept in a TOML file.

A planning round is easier to defend and to repeat when its policy is written down once,
beside the data, instead of retyped as command-line options::

    # policy.toml: keys are Policy field names, at the top level or in a [policy] table;
    # "-" may stand for "_" (max-moves = max_moves)
    [policy]
    plan_date = 2025-01-01          # a TOML date or the text "2025-01-01"
    effective_hours = 1200
    max_moves = 50
    allow_pppk = true

:func:`load_policy` reads and checks such a file; :func:`policy_from` lays command-line
overrides over it and builds the :class:`Policy`. Every problem is reported at once, as an
:class:`~asn_balance.model.errors.InputError` with table ``policy``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import sys
from collections.abc import Mapping
from functools import cache
from os import PathLike
from pathlib import Path
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from .errors import InputError, InputProblem
from .policy import Policy

__all__ = ["load_policy", "parse_date", "policy_from", "policy_problems"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: Any) -> dt.date:
    """A plan date from a ``date`` or the text ``YYYY-MM-DD``.

    Raises
    ------
    ValueError
        For anything else (a ``datetime``, another format, an impossible day).
    """
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date YYYY-MM-DD, not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as e:
            raise ValueError(f"expected a date YYYY-MM-DD: {e}") from None
    raise ValueError("expected a date YYYY-MM-DD")


@cache
def _adapter(name: str) -> TypeAdapter[Any]:
    field = Policy.model_fields[name]
    tp: Any = field.annotation
    return TypeAdapter(Annotated[tp, field])  # the FieldInfo carries the field's constraints


def _check_value(name: str, value: Any) -> Any:
    """The value of one Policy field, strictly typed (TOML has real types); ValueError if bad."""
    if name == "plan_date":
        return parse_date(value)
    try:
        return _adapter(name).validate_python(value, strict=True)
    except ValidationError as e:
        raise ValueError("; ".join(d["msg"] for d in e.errors())) from None


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
        except ImportError:
            raise InputError(
                [InputProblem("policy", None, None, str(path), "unreadable_file",
                              "reading a TOML policy file needs Python 3.11+ or the tomli package")]
            ) from None  # fmt: skip

    def fail(message: str) -> InputError:
        return InputError(
            [InputProblem("policy", None, None, str(path), "unreadable_file", f"{str(path)!r}: {message}")]
        )

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail("the policy file does not exist") from None
    except IsADirectoryError:
        raise fail("the policy file is a folder, expected a .toml file") from None
    except OSError as e:
        raise fail(f"cannot read the policy file: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise fail(f"the policy file is not UTF-8 text: {e.reason} at byte {e.start}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise fail(f"the policy file is not valid TOML: {e}") from None


def _canonical(key: str) -> str:
    return key.strip().replace("-", "_")


def load_policy(path: str | PathLike[str]) -> dict[str, Any]:
    """Read the Policy options of a TOML file.

    Parameters
    ----------
    path : path
        A TOML file whose keys are :class:`~asn_balance.model.policy.Policy` field names, at the
        top level or inside a ``[policy]`` table (both may be used, a key only once);
        ``-`` may stand for ``_`` in a key. ``plan_date`` is a TOML date or the text
        ``"YYYY-MM-DD"``. Values must have their field's type (an integer where an
        integer is due; an integer is accepted for a float) and range.

    Returns
    -------
    dict
        Field name -> value, only the fields the file sets (``plan_date`` as a ``date``).
        Cross-field rules (``lexicographic`` with ``max_moves``) are left to
        :func:`policy_from`, as command-line options may still change them.

    Raises
    ------
    InputError
        Table ``policy``, all problems at once: rule ``unreadable_file`` (missing,
        unreadable, not UTF-8 or not TOML), ``unknown_policy_option`` (a key that is no
        Policy field) or ``invalid_policy`` (a value of the wrong type or out of range, a
        key given twice).
    """
    p = Path(path)
    doc = _read_toml(p)
    entries: list[tuple[str, Any]] = []
    problems: list[InputProblem] = []
    for key, value in doc.items():
        if _canonical(key) == "policy" and "policy" not in Policy.model_fields:
            if isinstance(value, Mapping):
                entries.extend(value.items())
            else:
                problems.append(
                    InputProblem("policy", None, key, value, "invalid_policy",
                                 f"in {p.name}: 'policy' must be a [policy] table of options")
                )  # fmt: skip
        else:
            entries.append((key, value))
    fields = list(Policy.model_fields)
    out: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for key, value in entries:
        name = _canonical(str(key))
        if name not in Policy.model_fields:
            close = difflib.get_close_matches(name, fields, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(
                InputProblem("policy", None, str(key), value, "unknown_policy_option",
                             f"in {p.name}: {key!r} is not a policy option{hint}")
            )  # fmt: skip
            continue
        if name in seen:
            problems.append(
                InputProblem("policy", None, name, value, "invalid_policy",
                             f"in {p.name}: {name} is given twice ({seen[name]!r} and {key!r})")
            )  # fmt: skip
            continue
        seen[name] = str(key)
        try:
            out[name] = _check_value(name, value)
        except ValueError as e:
            problems.append(InputProblem("policy", None, name, value, "invalid_policy", f"in {p.name}: {e}"))
    if problems:
        raise InputError(problems)
    return out


def policy_problems(error: ValidationError) -> list[InputProblem]:
    """One ``invalid_policy`` problem per pydantic error of a Policy (whole-model ones too)."""
    problems = []
    for d in error.errors():
        column = ".".join(str(x) for x in d["loc"]) or None
        value = d.get("input") if column is not None else None
        message = d["msg"].removeprefix("Value error, ")
        problems.append(InputProblem("policy", None, column, value, "invalid_policy", message))
    return problems


def policy_from(file: str | PathLike[str] | None = None, **overrides: Any) -> Policy:
    """The Policy of a TOML file with overrides on top.

    Parameters
    ----------
    file : path, optional
        A policy file (see :func:`load_policy`); ``None``: the defaults.
    **overrides
        Policy field -> value; ``None`` means "not given" and keeps the file's value (or
        the default). ``plan_date`` may be the text ``YYYY-MM-DD``.

    Returns
    -------
    Policy

    Raises
    ------
    InputError
        Every problem of the file (see :func:`load_policy`), then every invalid value of
        the merged options (rule ``invalid_policy``), all at once.

    Examples
    --------
    >>> policy_from(None, effective_hours=1200, max_moves=None).effective_hours
    1200.0
    """
    values: dict[str, Any] = {}
    problems: list[InputProblem] = []
    if file is not None:
        try:
            values = load_policy(file)
        except InputError as e:
            problems.extend(e.problems)
    for name, value in overrides.items():
        if value is None:
            continue
        if name not in Policy.model_fields:
            problems.append(
                InputProblem("policy", None, name, value, "unknown_policy_option",
                             f"{name!r} is not a policy option")
            )  # fmt: skip
            continue
        if name == "plan_date":
            try:
                value = parse_date(value)
            except ValueError as e:
                problems.append(InputProblem("policy", None, name, value, "invalid_policy", str(e)))
                continue
        values[name] = value
    try:
        policy = Policy(**values)
    except ValidationError as e:
        problems.extend(policy_problems(e))
    if problems:
        raise InputError(problems)
    return policy
