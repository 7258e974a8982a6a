"""Public constants of the scenario generator: scales, reference year and table columns.

Also the effective working hours the generator draws workload with, and the numpy array
aliases its modules share.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "EMPLOYEE_COLUMNS",
    "EXTRA_COLUMNS",
    "POLICY_COLUMNS",
    "POSITION_COLUMNS",
    "REFERENCE_YEAR",
    "SCALES",
    "SCALE_OPTIONS",
    "TASK_COLUMNS",
    "UNIT_COLUMNS",
    "WKE_HOURS",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]
ObjArray = npt.NDArray[np.object_]

#: Named scenario sizes (number of employees) for :func:`generate_scale`.
SCALES: Final[dict[str, int]] = {
    "plaju": 600,
    "city": 10_000,
    "province": 90_000,
    "region": 1_000_000,
    "nation": 5_000_000,
}
#: Further :func:`generate` options of a named scale: the large ones are many instansi.
SCALE_OPTIONS: Final[dict[str, dict[str, int]]] = {"region": {"instansi": 100}, "nation": {"instansi": 600}}

#: The planning round is dated 1 January of this year: ages, TMT and months in position
#: are counted up to it.
REFERENCE_YEAR: Final[int] = 2025

#: Canonical columns of each table, in output order.
EMPLOYEE_COLUMNS: Final[tuple[str, ...]] = (
    "employee_id", "name", "position_id", "status", "grade", "education", "competencies",
    "months_in_position", "locked",
)  # fmt: skip
POSITION_COLUMNS: Final[tuple[str, ...]] = (
    "position_id", "unit_id", "unit_name", "jabatan", "workload_hours", "min_staff", "max_staff",
    "required_competencies", "min_grade", "max_grade", "min_education",
)  # fmt: skip
TASK_COLUMNS: Final[tuple[str, ...]] = ("position_id", "task", "volume", "period", "norm_minutes")

#: Columns added with ``policy_columns=True``, after the canonical ones.
POLICY_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "employees": ("birth_date", "discipline", "study_leave", "volunteer", "preferences", "spouse_id"),
    "positions": ("retirement_age", "competency_standard"),
}
#: Columns of the ``units`` table made with ``policy_columns=True``.
UNIT_COLUMNS: Final[tuple[str, ...]] = ("unit_id", "unit_name", "max_moves_out", "max_moves_in", "coverage")

#: Columns added with ``extra_columns=True``; a planner must ignore them, except
#: ``jenis_jabatan``, which is read as ``jabatan_type`` (the BUP of ``Pelaksana`` is 58, a
#: ``Fungsional`` without jenjang leaves it to ``retirement_age`` or the policy).
EXTRA_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "employees": ("tempat_lahir", "keterangan"),
    "positions": ("kelas_jabatan", "jenis_jabatan"),
    "tasks": ("satuan_hasil",),
}

#: Waktu kerja efektif (hours per FTE per year), PermenPAN-RB 1/2020.
WKE_HOURS: Final[float] = 1250.0
