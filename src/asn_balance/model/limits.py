"""Limits on the input, so that hostile or broken files fail fast with a clear error.

Every reader and :func:`asn_balance.model.tables.validate_tables` check their input against a
:class:`Limits`. A file beyond a limit is refused *before* it is read (its size is taken
from the file system), a table beyond a limit before it is validated, and a cell beyond a
limit is an :class:`~asn_balance.model.errors.InputProblem` like any other bad cell, all at
once. The defaults are far above any real local government (the largest have some 30,000
employees) and far below what would exhaust a laptop; raise them with
``Problem.read(..., limits=Limits(max_rows=2_000_000))`` or the CLI options
``--max-file-mb`` and ``--max-rows``.

Rule names
----------
``file_too_large``
    A file (or, for a workbook, its unpacked content) is above ``max_file_bytes``
    (``max_unpacked_bytes``).
``too_many_rows``
    A table has more data rows than ``max_rows``.
``too_many_columns``
    A table has more columns than ``max_columns``.
``id_too_long``
    An id (``employee_id``, ``position_id``, ``unit_id``, ``spouse_id``, an entry of
    ``preferences``) is longer than ``max_id_length`` characters.
``text_too_long``
    Any other cell of a canonical column, or a header, is longer than
    ``max_text_length`` characters.
``value_too_large``
    A number's absolute value is above ``max_abs_number``, or a position's yearly
    workload (given or from its tasks) is above ``max_workload_hours``.
``too_many_problems``
    More than ``max_problems`` problems were found; the first ones are listed and this
    one says how many more there are.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Final

__all__ = ["DEFAULT_LIMITS", "LIMIT_RULES", "Limits"]

#: Every rule a limit can break, with what it means.
LIMIT_RULES: Final[dict[str, str]] = {
    "file_too_large": "the file is larger than max_file_bytes (a workbook's content: max_unpacked_bytes)",
    "too_many_rows": "the table has more data rows than max_rows",
    "too_many_columns": "the table has more columns than max_columns",
    "id_too_long": "an id is longer than max_id_length characters",
    "text_too_long": "a cell or header is longer than max_text_length characters",
    "value_too_large": "a number is beyond max_abs_number, or a workload beyond max_workload_hours",
    "too_many_problems": "more problems than max_problems were found; the rest are counted",
}

_MB: Final[int] = 1_000_000


@dataclass(frozen=True)
class Limits:
    """Limits on the input (see the module docstring for the rule of each).

    Parameters
    ----------
    max_file_bytes : int
        Largest input file, in bytes (200 MB). Checked before a file is opened.
    max_unpacked_bytes : int
        Largest unpacked content of an ``.xlsx``/``.xlsm`` workbook (a zip archive), in
        bytes (1 GB): a small workbook can unpack to gigabytes of XML.
    max_rows : int
        Most data rows of one table (1,000,000).
    max_columns : int
        Most columns of one table (500).
    max_id_length : int
        Longest id, in characters (100; an 18-digit NIP or a 32-character SIASN
        ``unorId`` fit easily).
    max_text_length : int
        Longest other cell of a canonical column and longest header, in characters (2,000).
    max_abs_number : float
        Largest absolute value of a number cell (1e9): workload hours, volumes, norms,
        months, staff bounds.
    max_workload_hours : float
        Largest yearly workload of one position, given or summed over its tasks, in hours
        (1e8, some 80,000 FTE): beyond it the staffing costs lose their precision.
    max_problems : int
        Most problems listed in one :class:`~asn_balance.model.errors.InputError` (1,000); the
        rest are counted in a last problem ``too_many_problems``.
    """

    max_file_bytes: int = 200 * _MB
    max_unpacked_bytes: int = 1000 * _MB
    max_rows: int = 1_000_000
    max_columns: int = 500
    max_id_length: int = 100
    max_text_length: int = 2000
    max_abs_number: float = 1e9
    max_workload_hours: float = 1e8
    max_problems: int = 1000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"Limits.{f.name} must be a positive number, got {value!r}")
            if value != value or value == float("inf"):  # NaN, inf: no limit is not a limit
                raise ValueError(f"Limits.{f.name} must be finite, got {value!r}")

    def replace(self, **changes: Any) -> Limits:
        """A copy with some limits changed (``None`` values are ignored)."""
        values = asdict(self)
        values.update({k: v for k, v in changes.items() if v is not None})
        return Limits(**values)

    def to_dict(self) -> dict[str, Any]:
        """The limits as a plain dict (for the plan's ``summary``)."""
        return asdict(self)


#: The default limits.
DEFAULT_LIMITS: Final[Limits] = Limits()
