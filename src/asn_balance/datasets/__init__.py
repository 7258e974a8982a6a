"""The embedded demo dataset: a Plaju-like (Palembang) local government.

``plaju/`` holds ``employees.csv``, ``positions.csv`` and ``tasks.csv`` in the canonical
columns, plus a few extra columns a planner ignores (``tempat_lahir``, ``keterangan``,
``kelas_jabatan``, ``satuan_hasil``) and ``jenis_jabatan`` (read as ``jabatan_type``:
``Fungsional`` or ``Pelaksana``, for the BUP). The data are synthetic: 600
employees in about 100 positions of 25 units (Kecamatan Plaju, its seven kelurahan, two
puskesmas, dinas, badan and the secretariats). Positions that have ABK tasks leave
``workload_hours`` blank, so their workload comes from the tasks; the others give
``workload_hours`` directly and have no tasks.

The files are made by :func:`asn_balance.datasets.synth.generate` and can be remade with::

    from asn_balance import datasets, synth
    synth.write_csv_folder(synth.generate(600, seed=datasets.DEMO_SEED), datasets.demo_path())
"""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path
from typing import Final

import pandas as pd

__all__ = ["DEMO_NAME", "DEMO_SEED", "DEMO_TABLES", "demo_path", "load_demo"]

#: Name of the demo folder.
DEMO_NAME: Final[str] = "plaju"
#: Seed of :func:`asn_balance.datasets.synth.generate` that made the demo (600 employees).
DEMO_SEED: Final[int] = 2025
#: The demo's tables, each a CSV file ``<name>.csv``.
DEMO_TABLES: Final[tuple[str, ...]] = ("employees", "positions", "tasks")

_EXTRACTED = contextlib.ExitStack()
atexit.register(_EXTRACTED.close)


def demo_path() -> Path:
    """Folder of the demo CSV files.

    Works from a source tree and from an installed wheel; should the package be
    imported from a zip archive, the files are extracted to a temporary folder that is
    removed at exit.

    Returns
    -------
    pathlib.Path
        The folder holding ``employees.csv``, ``positions.csv`` and ``tasks.csv``.
    """
    folder = resources.files(__name__).joinpath(DEMO_NAME)
    if isinstance(folder, Path):
        return folder
    return Path(_EXTRACTED.enter_context(resources.as_file(folder)))


def load_demo() -> dict[str, pd.DataFrame]:
    """Read the demo tables as text, exactly as they are in the files.

    Every cell is a string (``dtype=str``); blank cells are ``""``, not ``NaN``, so NIPs
    and ids keep their digits. Pass the result to the planner, which validates and types
    it like any other input.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``employees``, ``positions`` and ``tasks``.
    """
    folder = demo_path()
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
        for name in DEMO_TABLES
    }
