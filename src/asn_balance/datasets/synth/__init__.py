"""Synthetic, realistic planning scenarios of an Indonesian local government (pemda).

:func:`generate` builds the three canonical input tables (``employees``, ``positions``,
``tasks``; with ``policy_columns=True`` also the mutasi-policy columns and a ``units``
table) of a kota/kabupaten with a Palembang flavour: kecamatan, kelurahan, puskesmas,
schools (from 2,000 employees up), dinas, badan, sekretariat, inspektorat and an RSUD.
Every jabatan carries its own competencies, education profile, Indonesian ABK tasks
and requirement ranges, so the mutasi rules bite on part of the candidates, and the
workload is drawn so that staffing is off by a chosen ``imbalance``.

Everything is vectorised with numpy: 90,000 employees take about half a second. The same
``seed`` always gives the same tables (on the same numpy version).

>>> from asn_balance.datasets import synth
>>> tables = synth.generate(600, seed=7)
>>> sorted(tables)
['employees', 'positions', 'tasks']
>>> len(tables["employees"])
600
"""

from __future__ import annotations

from .constants import (
    EMPLOYEE_COLUMNS,
    EXTRA_COLUMNS,
    POLICY_COLUMNS,
    POSITION_COLUMNS,
    REFERENCE_YEAR,
    SCALE_OPTIONS,
    SCALES,
    TASK_COLUMNS,
    UNIT_COLUMNS,
)
from .csv_folder import write_csv_folder
from .scenario import generate, generate_scale, imbalance_of

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
    "generate",
    "generate_scale",
    "imbalance_of",
    "write_csv_folder",
]
