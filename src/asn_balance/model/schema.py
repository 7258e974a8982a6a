"""The input schema: every table, its canonical columns, their kinds and Indonesian aliases.

This module is the contract with other HR systems (SIMPEG-like apps, SIASN exports,
spreadsheets). :data:`TABLES` lists every table and column with its accepted aliases;
:func:`normalise_header` is how a header given is compared with them. Validation against
the schema is :func:`asn_balance.model.validate.validate_tables`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal

import numpy as np

__all__ = ["GRADE_CODES", "TABLES", "Column", "Kind", "TableSpec", "normalise_header"]

Kind = Literal[
    "id", "text", "float", "int", "bool", "status", "grade", "education", "competencies", "period",
    "date", "idlist", "coverage", "pns_grade", "pppk_grade", "jabatan_type", "jabatan_level",
]  # fmt: skip


@dataclass(frozen=True)
class Column:
    """Specification of one canonical column.

    Attributes
    ----------
    name : str
        Canonical column name.
    kind : str
        Value type: ``id``, ``text``, ``float``, ``int``, ``bool``, ``status``, ``grade``
        (a PNS golongan/ruang or a PPPK golongan), ``pns_grade`` (PNS golongan/ruang only),
        ``pppk_grade`` (PPPK golongan only), ``education``, ``competencies``, ``period``,
        ``date`` (a past date from 1900 on, canonical ``datetime64[ns]``, ``NaT`` when
        blank), ``idlist`` (ids separated by ``;``, ``,`` or ``|``, canonical ``a;b``),
        ``coverage`` (``name:LxN`` items), ``jabatan_type`` (jenis jabatan) or
        ``jabatan_level`` (jenjang jabatan).
    required : bool
        Whether the column must be present in the table.
    nonblank : bool
        Whether every cell must be filled (rule ``missing_value``).
    unique : bool
        Whether values must be unique (rule ``duplicate_id``).
    default : Any
        Value of blank cells (and of the whole column when it is absent).
    aliases : tuple of str
        Other accepted header names, already normalised (see :func:`normalise_header`).
    bounds : tuple of float, optional
        Inclusive range of a number (rule ``out_of_range``).
    open_low : bool
        The lower bound of ``bounds`` is excluded (e.g. ``fte`` in ``(0, 1]``).
    """

    name: str
    kind: Kind
    required: bool = False
    nonblank: bool = False
    unique: bool = False
    default: Any = ""
    aliases: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None
    open_low: bool = False


@dataclass(frozen=True)
class TableSpec:
    """Specification of one input table.

    Attributes
    ----------
    name : str
        Table name (also the CSV file stem and Excel sheet name).
    columns : tuple of Column
        Canonical columns in output order.
    required : bool
        Whether the table must be given and non-empty.
    """

    name: str
    columns: tuple[Column, ...]
    required: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical column names in order."""
        return tuple(c.name for c in self.columns)

    @property
    def header_map(self) -> dict[str, str]:
        """Map of every accepted normalised header (canonical names and aliases) to its column."""
        out: dict[str, str] = {}
        for c in self.columns:
            out[c.name] = c.name
            for a in c.aliases:
                out[a] = c.name
        return out


_NAN = float("nan")
_NAT = np.datetime64("NaT", "ns")
#: dtype of ``date`` columns in the canonical frames.
_DATE_DTYPE: Final = np.dtype("datetime64[ns]")
_UNIT_ID_ALIASES: Final = ("id_unit", "kode_unit", "unit_kerja_id", "unor_id", "unorid", "id_unor")
_UNIT_NAME_ALIASES: Final = ("unit_kerja", "nama_unit", "unor_nama", "unornama", "nama_unit_kerja", "opd")

#: Every input table with its columns, in output order.
TABLES: Final[Mapping[str, TableSpec]] = MappingProxyType(
    {
        "employees": TableSpec(
            "employees",
            (
                Column("employee_id", "id", True, True, True, "",
                       ("nip", "nip_baru", "nipbaru", "id_pegawai", "pegawai_id")),
                Column("name", "text", aliases=("nama", "nama_pegawai", "nama_lengkap")),
                Column("position_id", "id", True, True, False, "",
                       ("id_posisi", "kode_posisi", "id_formasi", "posisi_id", "posisi")),
                Column("status", "status", True, True,
                       aliases=("status_pegawai", "jenis_pegawai", "kedudukan", "statuspegawai")),
                Column("grade", "grade",
                       aliases=("golongan", "gol", "pangkat_golongan", "golruang", "golruangakhirid",
                                "gol_ruang_akhir_id")),
                Column("education", "education",
                       aliases=("pendidikan", "pendidikan_terakhir", "tingkat_pendidikan",
                                "tkpendidikanterakhirid", "tk_pendidikan_terakhir_id")),
                Column("competencies", "competencies", aliases=("kompetensi",)),
                Column("months_in_position", "float", True, True, default=_NAN,
                       aliases=("masa_jabatan_bulan", "lama_jabatan_bulan", "bulan_di_jabatan",
                                "masa_kerja_jabatan")),
                Column("locked", "bool", default=False, aliases=("dikunci", "kunci", "terkunci")),
                Column("birth_date", "date", default=_NAT,
                       aliases=("tanggal_lahir", "tgl_lahir", "tgllahir", "tanggallahir")),
                Column("discipline", "bool", default=False,
                       aliases=("hukuman_disiplin", "sedang_hukuman_disiplin", "proses_hukum",
                                "dalam_proses_hukum")),
                Column("study_leave", "bool", default=False,
                       aliases=("tugas_belajar", "ikatan_dinas", "izin_belajar")),
                Column("volunteer", "bool", default=False,
                       aliases=("sukarela", "atas_permintaan_sendiri", "aps", "mengajukan_mutasi",
                                "usul_mutasi")),
                Column("preferences", "idlist",
                       aliases=("pilihan", "preferensi", "usulan_tujuan", "tujuan_diinginkan",
                                "pilihan_tujuan")),
                Column("spouse_id", "id",
                       aliases=("id_pasangan", "nip_pasangan", "pasangan_id", "nip_suami_istri")),
                Column("fte", "float", default=_NAN, bounds=(0.0, 1.0), open_low=True,
                       aliases=("beban_fte", "fte_pegawai", "porsi_kerja")),
            ),
        ),
        "positions": TableSpec(
            "positions",
            (
                Column("position_id", "id", True, True, True, "",
                       ("id_posisi", "kode_posisi", "id_formasi", "kode_formasi", "posisi_id")),
                Column("unit_id", "id", True, True, False, "", _UNIT_ID_ALIASES),
                Column("unit_name", "text", aliases=_UNIT_NAME_ALIASES),
                Column("jabatan", "text", True, True,
                       aliases=("nama_jabatan", "jabatannama", "jabatan_nama")),
                Column("kode_jabatan", "id",
                       aliases=("jabatan_id", "jabatanid", "id_jabatan", "kode_jabatan_siasn")),
                Column("workload_hours", "float", default=_NAN,
                       aliases=("beban_kerja", "beban_kerja_jam", "beban_kerja_jam_tahun", "workload")),
                Column("min_staff", "int", default=0,
                       aliases=("min_pegawai", "minimal_pegawai", "staf_min")),
                Column("max_staff", "int", default=_NAN,
                       aliases=("max_pegawai", "maksimal_pegawai", "staf_max")),
                Column("required_competencies", "competencies",
                       aliases=("syarat_kompetensi", "kompetensi_wajib", "kompetensi_syarat")),
                Column("min_grade", "pns_grade", aliases=("golongan_min", "min_golongan")),
                Column("max_grade", "pns_grade", aliases=("golongan_max", "max_golongan")),
                Column("min_grade_pppk", "pppk_grade",
                       aliases=("golongan_min_pppk", "min_golongan_pppk", "golongan_pppk_min",
                                "min_grade_p3k", "golongan_min_p3k")),
                Column("max_grade_pppk", "pppk_grade",
                       aliases=("golongan_max_pppk", "max_golongan_pppk", "golongan_pppk_max",
                                "max_grade_p3k", "golongan_max_p3k")),
                Column("min_education", "education",
                       aliases=("pendidikan_min", "min_pendidikan", "pendidikan_minimal")),
                Column("retirement_age", "int", default=_NAN, bounds=(30.0, 80.0),
                       aliases=("bup", "batas_usia_pensiun", "usia_pensiun")),
                Column("jabatan_type", "jabatan_type",
                       aliases=("jenis_jabatan", "jenisjabatan", "jenis_jabatan_nama", "jenisjabatannama",
                                "tipe_jabatan", "kategori_jabatan")),
                Column("jabatan_level", "jabatan_level",
                       aliases=("jenjang", "jenjang_jabatan", "jenjangjabatan", "jenjang_jabatan_nama",
                                "jenjangjabatannama", "asn_jenjang_jabatan", "asnjenjangjabatan",
                                "jenjang_jf")),
                Column("competency_standard", "competencies",
                       aliases=("standar_kompetensi", "kompetensi_standar", "kompetensi_standar_jabatan")),
                Column("hire_allowed", "bool", default=True,
                       aliases=("formasi_allowed", "boleh_formasi", "formasi_dibuka")),
                Column("max_hires", "int", default=_NAN, bounds=(0.0, 1e6),
                       aliases=("max_formasi", "formasi_max")),
                Column("workload_growth", "float", default=_NAN, bounds=(-0.99, 10.0),
                       aliases=("pertumbuhan_beban_kerja",)),
            ),
        ),
        "tasks": TableSpec(
            "tasks",
            (
                Column("position_id", "id", True, True, False, "",
                       ("id_posisi", "kode_posisi", "id_formasi", "posisi_id")),
                Column("task", "text", True, True, aliases=("uraian_tugas", "tugas", "kegiatan")),
                Column("volume", "float", True, True, default=_NAN, aliases=("jumlah", "volume_kerja")),
                Column("period", "period", True, True, aliases=("periode", "satuan_waktu")),
                Column("norm_minutes", "float", True, True, default=_NAN,
                       aliases=("norma_waktu", "norma_waktu_menit", "waktu_penyelesaian")),
            ),
            required=False,
        ),
        "units": TableSpec(
            "units",
            (
                Column("unit_id", "id", True, True, True, "", _UNIT_ID_ALIASES),
                Column("unit_name", "text", aliases=_UNIT_NAME_ALIASES),
                Column("max_moves_out", "int", default=_NAN,
                       aliases=("maks_mutasi_keluar", "batas_mutasi_keluar", "max_keluar")),
                Column("max_moves_in", "int", default=_NAN,
                       aliases=("maks_mutasi_masuk", "batas_mutasi_masuk", "max_masuk")),
                Column("coverage", "coverage",
                       aliases=("cakupan", "cakupan_kompetensi", "kompetensi_minimal_unit")),
            ),
            required=False,
        ),
    }
)  # fmt: skip

_TABLE_ORDER: Final[dict[str, int]] = {name: i for i, name in enumerate(TABLES)}

#: The optional reference table ``grade_codes`` (``grade_codes.csv``, a sheet ``grade_codes``,
#: a JSON key ``grade_codes``): an office's golongan reference, ``code`` -> ``grade``, optionally
#: for one grade scale (``status`` PNS or PPPK). It is not one of :data:`TABLES`: it is no
#: input of the plan itself but a key to read the employees' ``grade`` with
#: (:mod:`asn_balance.model.grade_codes`); the fingerprint covers the grades it gives.
GRADE_CODES: Final[TableSpec] = TableSpec(
    "grade_codes",
    (
        Column("code", "id", True, True,
               aliases=("kode", "id", "kode_golongan", "golongan_id", "id_golongan", "gol_id",
                        "golruangid", "gol_ruang_id", "golruangakhirid", "gol_ruang_akhir_id")),
        Column("grade", "grade", True, True,
               aliases=("golongan", "nama", "nama_golongan", "golongan_nama", "gol", "golruang",
                        "gol_ruang", "golruangakhir", "gol_ruang_akhir")),
        Column("status", "status",
               aliases=("status_pegawai", "statuspegawai", "jenis_pegawai", "jenis_asn", "skala", "scale")),
    ),
    required=False,
)  # fmt: skip


def normalise_header(name: object) -> str:
    """Normalise a column header: lower-case, non-alphanumerics to ``_``, repeats collapsed.

    Parameters
    ----------
    name : object
        A header as given (non-strings are converted with ``str``).

    Returns
    -------
    str
        E.g. ``"Unit Kerja"`` -> ``"unit_kerja"``, ``"nipBaru"`` -> ``"nipbaru"``.
    """
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")
