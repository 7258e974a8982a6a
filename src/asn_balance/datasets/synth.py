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

>>> from asn_balance import synth
>>> tables = synth.generate(600, seed=7)
>>> sorted(tables)
['employees', 'positions', 'tasks']
>>> len(tables["employees"])
600
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.domain import EDUCATION_LEVELS, GRADES, PERIOD_FACTORS

__all__ = [
    "EMPLOYEE_COLUMNS",
    "EXTRA_COLUMNS",
    "POLICY_COLUMNS",
    "POSITION_COLUMNS",
    "REFERENCE_YEAR",
    "SCALES",
    "TASK_COLUMNS",
    "UNIT_COLUMNS",
    "generate",
    "generate_scale",
    "imbalance_of",
    "write_csv_folder",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]
ObjArray = npt.NDArray[np.object_]

#: Named scenario sizes (number of employees) for :func:`generate_scale`.
SCALES: Final[dict[str, int]] = {"plaju": 600, "city": 10_000, "province": 90_000}

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

#: Columns added with ``extra_columns=True``; a planner must ignore them.
EXTRA_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "employees": ("tempat_lahir", "keterangan"),
    "positions": ("kelas_jabatan", "jenis_jabatan"),
    "tasks": ("satuan_hasil",),
}

_WKE_HOURS: Final[float] = 1250.0  # waktu kerja efektif, PermenPAN-RB 1/2020

# --------------------------------------------------------------------------- catalogue

_Task = tuple[str, str, int, int, str]  # task, period, norm min, norm max (minutes), satuan hasil


class _Jab(NamedTuple):
    """One jabatan of the catalogue."""

    comps: tuple[str, ...]  # competencies, the primary one first
    edu: str  # education distribution, e.g. "SMA .55 D3 .2 S1 .25"
    min_edu: str  # typical minimum education of the jabatan
    kelas: int  # kelas jabatan (extra column)
    weight: float  # relative staff per position
    female: float  # share of women
    field: str  # field of study, for academic titles
    fungsional: bool  # jabatan fungsional (else pelaksana)
    pppk: float  # relative PPPK share
    tasks: tuple[_Task, ...]


# fmt: off
_JABATAN: Final[dict[str, _Jab]] = {
    # ---- administration, found in most units
    "Pengadministrasi Umum": _Jab(
        ("administrasi", "pelayanan_publik"), "SMA .55 D3 .2 S1 .25", "SMA", 5, 1.4, 0.5, "umum", False,
            1.0, (
            ("Mengagendakan surat masuk dan keluar", "hari", 5, 10, "Surat"),
            ("Menyiapkan bahan rapat", "minggu", 30, 60, "Kegiatan"),
            ("Mendistribusikan surat dan dokumen", "hari", 5, 10, "Dokumen"),
            ("Menginput data administrasi perkantoran", "hari", 10, 20, "Data"),
        )),
    "Pengelola Keuangan": _Jab(
        ("keuangan", "administrasi"), "SMA .2 D3 .3 S1 .5", "D3", 7, 1.0, 0.55, "ekonomi", False, 0.6, (
            ("Memverifikasi SPJ", "hari", 15, 30, "Berkas"),
            ("Menyusun laporan keuangan bulanan", "bulan", 240, 480, "Laporan"),
            ("Memproses pengajuan SPP dan SPM", "minggu", 30, 60, "Berkas"),
            ("Merekonsiliasi data belanja", "bulan", 120, 240, "Laporan"),
        )),
    "Bendahara": _Jab(
        ("keuangan",), "SMA .1 D3 .35 S1 .55", "D3", 7, 0.6, 0.6, "ekonomi", False, 0.3, (
            ("Mencatat transaksi pada buku kas umum", "hari", 10, 20, "Transaksi"),
            ("Menyetorkan pajak dan membuat bukti potong", "minggu", 30, 60, "Bukti"),
            ("Menyusun laporan pertanggungjawaban bendahara", "bulan", 240, 420, "Laporan"),
            ("Melakukan pembayaran belanja", "hari", 10, 20, "Transaksi"),
        )),
    "Penyusun Laporan Keuangan": _Jab(
        ("keuangan", "perencanaan"), "D3 .25 S1 .7 S2 .05", "D3", 7, 0.8, 0.6, "ekonomi", False, 0.6, (
            ("Menyusun laporan keuangan semesteran", "tahun", 1200, 2400, "Laporan"),
            ("Menyusun catatan atas laporan keuangan", "tahun", 960, 1920, "Dokumen"),
            ("Menyusun laporan realisasi anggaran bulanan", "bulan", 240, 480, "Laporan"),
            ("Menginventarisasi bukti transaksi", "hari", 10, 20, "Berkas"),
        )),
    "Pengelola Kepegawaian": _Jab(
        ("kepegawaian", "administrasi"), "SMA .3 D3 .25 S1 .45", "D3", 7, 0.8, 0.55, "umum", False, 0.6, (
            ("Memproses usulan kenaikan pangkat", "minggu", 30, 60, "Berkas"),
            ("Memperbarui data pegawai di SIASN", "hari", 10, 20, "Data"),
            ("Menyusun rekap daftar hadir pegawai", "bulan", 120, 240, "Rekap"),
            ("Memproses usulan cuti pegawai", "minggu", 15, 30, "Berkas"),
            ("Menyiapkan usulan kenaikan gaji berkala", "bulan", 30, 60, "Berkas"),
        )),
    "Arsiparis": _Jab(
        ("administrasi",), "SMA .05 D3 .45 S1 .45 S2 .05", "D3", 8, 0.6, 0.6, "umum", True, 0.8, (
            ("Menata arsip aktif", "hari", 15, 30, "Berkas"),
            ("Menyusun daftar arsip", "minggu", 60, 120, "Daftar"),
            ("Memindahkan arsip inaktif ke record center", "bulan", 120, 240, "Boks"),
            ("Melayani peminjaman arsip", "hari", 10, 15, "Layanan"),
        )),
    "Pengolah Data": _Jab(
        ("teknologi_informasi", "administrasi"), "SMA .45 D3 .3 S1 .25", "SMA", 6, 1.0, 0.5, "komputer",
            False,
        1.2, (
            ("Menginput data ke aplikasi", "hari", 10, 20, "Data"),
            ("Memvalidasi data", "hari", 15, 30, "Data"),
            ("Menyusun rekapitulasi data bulanan", "bulan", 120, 240, "Rekap"),
            ("Menyajikan data dalam tabel dan grafik", "minggu", 60, 120, "Laporan"),
        )),
    "Perencana": _Jab(
        ("perencanaan", "keuangan"), "S1 .75 S2 .25", "S1", 9, 0.6, 0.45, "umum", True, 0.5, (
            ("Menyusun rencana kerja perangkat daerah", "tahun", 2400, 4800, "Dokumen"),
            ("Menyusun laporan kinerja instansi pemerintah", "tahun", 1800, 3600, "Dokumen"),
            ("Mengevaluasi capaian kinerja triwulanan", "tahun", 480, 960, "Laporan"),
            ("Mengolah usulan musrenbang", "tahun", 60, 120, "Usulan"),
        )),
    "Analis Kebijakan": _Jab(
        ("perencanaan", "hukum"), "S1 .7 S2 .3", "S1", 9, 0.8, 0.45, "umum", True, 0.5, (
            ("Menyusun kajian kebijakan", "tahun", 2400, 4800, "Kajian"),
            ("Menyusun telaahan staf", "minggu", 120, 240, "Telaahan"),
            ("Menganalisis isu strategis daerah", "bulan", 240, 480, "Dokumen"),
            ("Menyusun ringkasan kebijakan", "tahun", 960, 1920, "Dokumen"),
        )),
    "Pengemudi": _Jab(
        ("pelayanan_publik",), "SD .05 SMP .25 SMA .7", "SMP", 3, 0.45, 0.03, "umum", False, 1.5, (
            ("Mengantar pimpinan dan tamu dinas", "hari", 60, 120, "Perjalanan"),
            ("Merawat dan membersihkan kendaraan dinas", "minggu", 60, 120, "Kendaraan"),
            ("Mencatat penggunaan BBM dan perjalanan", "hari", 5, 10, "Catatan"),
        )),
    "Pranata Komputer": _Jab(
        ("teknologi_informasi",), "D3 .4 S1 .55 S2 .05", "D3", 8, 0.5, 0.3, "komputer", True, 0.8, (
            ("Memelihara jaringan dan perangkat komputer", "minggu", 60, 120, "Perangkat"),
            ("Mengembangkan dan memelihara aplikasi", "bulan", 960, 1920, "Modul"),
            ("Melayani permintaan dukungan TI", "hari", 15, 30, "Layanan"),
            ("Melakukan backup data", "minggu", 30, 60, "Backup"),
        )),
    "Pengelola Barang Milik Daerah": _Jab(
        ("keuangan", "administrasi"), "SMA .25 D3 .3 S1 .45", "D3", 7, 0.6, 0.45, "ekonomi", False, 0.5, (
            ("Menginventarisasi barang milik daerah", "bulan", 240, 480, "Laporan"),
            ("Memberi label dan kode barang", "hari", 5, 10, "Barang"),
            ("Menyusun laporan mutasi barang", "bulan", 180, 360, "Laporan"),
            ("Melakukan stock opname persediaan", "bulan", 240, 480, "Berita acara"),
        )),
    "Pengelola Pengadaan Barang/Jasa": _Jab(
        ("administrasi", "hukum"), "D3 .1 S1 .85 S2 .05", "S1", 8, 0.4, 0.4, "ekonomi", True, 0.3, (
            ("Menyusun dokumen pemilihan penyedia", "bulan", 480, 960, "Dokumen"),
            ("Melakukan pengadaan langsung melalui e-katalog", "minggu", 60, 120, "Paket"),
            ("Mengevaluasi dokumen penawaran", "bulan", 240, 480, "Dokumen"),
        )),
    "Pranata Humas": _Jab(
        ("pelayanan_publik", "teknologi_informasi"), "D3 .3 S1 .65 S2 .05", "D3", 8, 0.5, 0.55, "umum", True,
        0.8, (
            ("Menyusun siaran pers", "minggu", 60, 120, "Rilis"),
            ("Mengelola konten media sosial", "hari", 30, 60, "Konten"),
            ("Mendokumentasikan kegiatan pimpinan", "minggu", 60, 120, "Kegiatan"),
        )),
    # ---- kecamatan and kelurahan
    "Pengelola Pelayanan Publik": _Jab(
        ("pelayanan_publik", "administrasi"), "SMA .4 D3 .25 S1 .35", "SMA", 6, 1.1, 0.55, "umum", False,
            1.0, (
            ("Melayani permohonan surat keterangan", "hari", 10, 20, "Surat"),
            ("Menerima dan meneruskan pengaduan masyarakat", "hari", 10, 20, "Pengaduan"),
            ("Melayani permohonan surat pengantar", "hari", 5, 15, "Surat"),
            ("Menyusun laporan pelayanan bulanan", "bulan", 120, 240, "Laporan"),
        )),
    "Pengadministrasi Kependudukan": _Jab(
        ("pelayanan_publik", "administrasi"), "SMA .5 D3 .25 S1 .25", "SMA", 6, 1.1, 0.55, "umum", False,
            1.0, (
            ("Melayani permohonan KTP", "hari", 10, 20, "KTP"),
            ("Melayani permohonan kartu keluarga", "hari", 15, 25, "KK"),
            ("Memverifikasi berkas akta kelahiran", "hari", 10, 20, "Berkas"),
            ("Mencatat pindah datang penduduk", "hari", 15, 30, "Berkas"),
        )),
    "Pengelola Pemberdayaan Masyarakat": _Jab(
        ("sosial", "perencanaan"), "SMA .3 D3 .2 S1 .5", "SMA", 6, 0.6, 0.5, "sosial", False, 0.8, (
            ("Memfasilitasi musrenbang kelurahan", "tahun", 960, 1920, "Kegiatan"),
            ("Membina lembaga kemasyarakatan RT dan RW", "bulan", 120, 240, "Lembaga"),
            ("Menyusun laporan kegiatan pemberdayaan", "bulan", 120, 240, "Laporan"),
        )),
    "Pengelola Ketentraman dan Ketertiban": _Jab(
        ("hukum", "pelayanan_publik"), "SMA .5 D3 .2 S1 .3", "SMA", 6, 0.6, 0.2, "hukum", False, 0.8, (
            ("Memantau ketertiban wilayah", "hari", 60, 120, "Laporan"),
            ("Menangani laporan gangguan ketertiban", "minggu", 60, 120, "Kasus"),
            ("Menyusun laporan situasi wilayah", "minggu", 60, 120, "Laporan"),
        )),
    "Polisi Pamong Praja": _Jab(
        ("hukum", "pelayanan_publik"), "SMA .6 D3 .1 S1 .3", "SMA", 6, 1.6, 0.2, "hukum", True, 1.0, (
            ("Melakukan patroli ketertiban umum", "hari", 120, 240, "Patroli"),
            ("Menertibkan pedagang kaki lima", "minggu", 120, 240, "Kegiatan"),
            ("Mengamankan aset dan kegiatan pemerintah", "hari", 60, 120, "Kegiatan"),
            ("Menyusun berita acara penertiban", "minggu", 30, 60, "Berita acara"),
        )),
    # ---- health
    "Perawat": _Jab(
        ("kesehatan",), "SMA .03 D3 .52 D4 .05 S1 .4", "D3", 8, 2.0, 0.75, "keperawatan", True, 2.5, (
            ("Melakukan pengkajian keperawatan", "hari", 15, 30, "Pasien"),
            ("Memberikan asuhan keperawatan", "hari", 20, 40, "Pasien"),
            ("Melakukan kunjungan rumah perawatan kesehatan masyarakat", "minggu", 60, 120, "Kunjungan"),
            ("Mendokumentasikan asuhan keperawatan", "hari", 10, 15, "Dokumen"),
            ("Melakukan tindakan keperawatan", "hari", 15, 30, "Tindakan"),
        )),
    "Bidan": _Jab(
        ("kesehatan",), "D3 .7 D4 .25 S1 .05", "D3", 8, 1.6, 1.0, "kebidanan", True, 2.5, (
            ("Melakukan pemeriksaan kehamilan", "hari", 20, 30, "Pasien"),
            ("Menolong persalinan normal", "minggu", 240, 480, "Persalinan"),
            ("Melayani keluarga berencana", "hari", 15, 25, "Akseptor"),
            ("Melakukan imunisasi bayi dan balita", "minggu", 10, 20, "Anak"),
            ("Melaksanakan posyandu", "bulan", 240, 300, "Kegiatan"),
        )),
    "Dokter": _Jab(
        ("kesehatan",), "S1 .85 S2 .15", "S1", 11, 0.7, 0.6, "kedokteran", True, 1.2, (
            ("Memeriksa pasien rawat jalan", "hari", 10, 15, "Pasien"),
            ("Menangani kasus gawat darurat", "minggu", 60, 120, "Kasus"),
            ("Membuat surat keterangan sehat", "hari", 10, 15, "Surat"),
            ("Melakukan rujukan pasien", "minggu", 15, 30, "Rujukan"),
        )),
    "Dokter Gigi": _Jab(
        ("kesehatan",), "S1 .9 S2 .1", "S1", 11, 0.35, 0.7, "kedokteran_gigi", True, 1.2, (
            ("Memeriksa gigi dan mulut", "hari", 15, 30, "Pasien"),
            ("Melakukan penambalan gigi", "hari", 30, 45, "Tindakan"),
            ("Melakukan pencabutan gigi", "minggu", 30, 45, "Tindakan"),
            ("Melakukan penyuluhan kesehatan gigi di sekolah", "bulan", 120, 240, "Kegiatan"),
        )),
    "Tenaga Teknis Kefarmasian": _Jab(
        ("kesehatan",), "D3 .8 S1 .2", "D3", 7, 0.6, 0.8, "farmasi", True, 2.0, (
            ("Menyiapkan dan menyerahkan obat kepada pasien", "hari", 5, 10, "Resep"),
            ("Mencatat stok obat pada kartu stok", "hari", 10, 15, "Item"),
            ("Menyusun laporan pemakaian dan lembar permintaan obat", "bulan", 240, 480, "Laporan"),
        )),
    "Apoteker": _Jab(
        ("kesehatan",), "S1 .9 S2 .1", "S1", 9, 0.35, 0.75, "farmasi", True, 1.5, (
            ("Mengkaji resep", "hari", 5, 10, "Resep"),
            ("Memberikan konseling obat", "hari", 15, 20, "Pasien"),
            ("Merencanakan kebutuhan obat", "tahun", 960, 1920, "Dokumen"),
            ("Mengawasi penyimpanan obat", "minggu", 60, 120, "Laporan"),
        )),
    "Pranata Laboratorium Kesehatan": _Jab(
        ("kesehatan",), "D3 .7 D4 .2 S1 .1", "D3", 7, 0.55, 0.65, "kesehatan", True, 2.0, (
            ("Mengambil dan menyiapkan spesimen", "hari", 10, 15, "Sampel"),
            ("Melakukan pemeriksaan hematologi", "hari", 15, 30, "Sampel"),
            ("Melakukan pemeriksaan urin dan feses", "hari", 10, 20, "Sampel"),
            ("Memelihara peralatan laboratorium", "minggu", 60, 120, "Alat"),
        )),
    "Sanitarian": _Jab(
        ("kesehatan", "lingkungan"), "D3 .6 S1 .4", "D3", 7, 0.45, 0.55, "kesehatan", True, 1.5, (
            ("Melakukan inspeksi sanitasi tempat umum", "minggu", 60, 120, "Lokasi"),
            ("Memeriksa kualitas air minum", "bulan", 120, 180, "Sampel"),
            ("Memberikan konseling sanitasi", "minggu", 30, 45, "Klien"),
        )),
    "Nutrisionis": _Jab(
        ("kesehatan",), "D3 .6 D4 .2 S1 .2", "D3", 7, 0.45, 0.85, "kesehatan", True, 1.5, (
            ("Memantau status gizi balita", "bulan", 240, 480, "Laporan"),
            ("Memberikan konseling gizi", "hari", 20, 30, "Klien"),
            ("Menyusun laporan gizi bulanan", "bulan", 120, 240, "Laporan"),
        )),
    "Penyuluh Kesehatan Masyarakat": _Jab(
        ("kesehatan", "pelayanan_publik"), "D3 .2 S1 .75 S2 .05", "S1", 8, 0.45, 0.7, "kesehatan", True,
            1.5, (
            ("Melaksanakan penyuluhan kesehatan", "minggu", 120, 180, "Kegiatan"),
            ("Membina posyandu dan UKBM", "bulan", 240, 360, "Kegiatan"),
            ("Menyusun media penyuluhan", "bulan", 240, 480, "Media"),
        )),
    "Epidemiolog Kesehatan": _Jab(
        ("kesehatan", "perencanaan"), "S1 .7 S2 .3", "S1", 9, 0.35, 0.55, "kesehatan", True, 1.0, (
            ("Melakukan penyelidikan epidemiologi", "bulan", 480, 960, "Kasus"),
            ("Menganalisis data surveilans penyakit", "minggu", 120, 240, "Laporan"),
            ("Menyusun laporan kewaspadaan dini", "minggu", 60, 120, "Laporan"),
        )),
    "Administrator Kesehatan": _Jab(
        ("kesehatan", "administrasi"), "S1 .7 S2 .3", "S1", 9, 0.45, 0.55, "kesehatan", True, 0.8, (
            ("Menyusun rencana program kesehatan", "tahun", 1440, 2880, "Dokumen"),
            ("Memantau capaian standar pelayanan minimal", "bulan", 240, 480, "Laporan"),
            ("Mengevaluasi program kesehatan", "tahun", 960, 1920, "Laporan"),
        )),
    "Perekam Medis": _Jab(
        ("kesehatan", "teknologi_informasi"), "D3 .8 S1 .2", "D3", 7, 0.55, 0.7, "kesehatan", True, 2.0, (
            ("Mendaftarkan pasien", "hari", 5, 10, "Pasien"),
            ("Mengkode diagnosis penyakit", "hari", 5, 10, "Berkas"),
            ("Menyusun laporan kunjungan pasien", "bulan", 240, 360, "Laporan"),
        )),
    "Radiografer": _Jab(
        ("kesehatan", "teknik"), "D3 .8 S1 .2", "D3", 7, 0.45, 0.45, "kesehatan", True, 2.0, (
            ("Melakukan pemeriksaan radiografi", "hari", 15, 30, "Pasien"),
            ("Memproses dan mengarsipkan citra radiografi", "hari", 10, 15, "Citra"),
            ("Memelihara peralatan radiologi", "minggu", 60, 120, "Alat"),
        )),
    # ---- education
    "Guru Kelas": _Jab(
        ("pendidikan",), "D4 .03 S1 .92 S2 .05", "S1", 8, 2.6, 0.72, "pendidikan", True, 3.0, (
            ("Melaksanakan pembelajaran tatap muka", "minggu", 35, 35, "Jam pelajaran"),
            ("Menyusun modul ajar", "minggu", 60, 120, "Modul"),
            ("Menilai hasil belajar peserta didik", "minggu", 120, 240, "Kelas"),
            ("Melaksanakan remedial dan pengayaan", "minggu", 60, 90, "Kegiatan"),
        )),
    "Guru Mata Pelajaran": _Jab(
        ("pendidikan",), "S1 .88 S2 .12", "S1", 8, 2.6, 0.62, "pendidikan", True, 3.0, (
            ("Melaksanakan pembelajaran mata pelajaran", "minggu", 40, 40, "Jam pelajaran"),
            ("Menyusun perangkat pembelajaran", "bulan", 240, 480, "Dokumen"),
            ("Mengoreksi tugas dan ulangan", "minggu", 120, 240, "Kelas"),
            ("Membimbing kegiatan ekstrakurikuler", "minggu", 90, 120, "Kegiatan"),
        )),
    "Pengawas Sekolah": _Jab(
        ("pendidikan", "perencanaan"), "S1 .4 S2 .6", "S1", 11, 0.45, 0.5, "pendidikan", True, 0.3, (
            ("Melakukan supervisi akademik", "minggu", 180, 240, "Sekolah"),
            ("Membina kepala sekolah dan guru", "bulan", 240, 480, "Kegiatan"),
            ("Menyusun laporan pengawasan", "bulan", 240, 480, "Laporan"),
        )),
    "Penilik": _Jab(
        ("pendidikan",), "S1 .8 S2 .2", "S1", 9, 0.4, 0.5, "pendidikan", True, 0.5, (
            ("Memantau satuan PAUD dan pendidikan kesetaraan", "minggu", 180, 240, "Lembaga"),
            ("Mendampingi penyelenggaraan program", "bulan", 240, 480, "Kegiatan"),
            ("Menyusun laporan hasil penilikan", "bulan", 240, 360, "Laporan"),
        )),
    "Pustakawan": _Jab(
        ("administrasi", "pendidikan"), "SMA .05 D3 .4 S1 .55", "D3", 7, 0.45, 0.65, "umum", True, 1.0, (
            ("Mengolah bahan pustaka", "hari", 15, 20, "Judul"),
            ("Melayani sirkulasi peminjaman", "hari", 5, 10, "Transaksi"),
            ("Menyusun statistik perpustakaan", "bulan", 120, 240, "Laporan"),
            ("Membina perpustakaan sekolah", "bulan", 240, 360, "Perpustakaan"),
        )),
    "Pengembang Teknologi Pembelajaran": _Jab(
        ("pendidikan", "teknologi_informasi"), "S1 .85 S2 .15", "S1", 9, 0.35, 0.5, "pendidikan", True, 0.8, (
            ("Mengembangkan media pembelajaran digital", "bulan", 960, 1920, "Media"),
            ("Melatih guru memakai platform pembelajaran", "bulan", 240, 480, "Kegiatan"),
            ("Mengelola platform pembelajaran daring", "minggu", 120, 240, "Laporan"),
        )),
    # ---- public works, environment, transport, fire
    "Teknik Jalan dan Jembatan": _Jab(
        ("teknik",), "D3 .2 S1 .7 S2 .1", "D3", 9, 0.8, 0.2, "teknik", True, 0.6, (
            ("Melakukan survei kondisi jalan", "minggu", 240, 480, "Ruas"),
            ("Menyusun rencana anggaran biaya", "bulan", 480, 960, "Dokumen"),
            ("Mengawasi pelaksanaan pekerjaan konstruksi", "hari", 120, 240, "Paket"),
            ("Menyusun laporan kemajuan pekerjaan", "minggu", 60, 120, "Laporan"),
        )),
    "Teknik Pengairan": _Jab(
        ("teknik", "lingkungan"), "D3 .2 S1 .7 S2 .1", "D3", 9, 0.6, 0.2, "teknik", True, 0.6, (
            ("Menginspeksi saluran drainase dan kolam retensi", "minggu", 180, 360, "Lokasi"),
            ("Menyusun desain saluran drainase", "bulan", 960, 1920, "Desain"),
            ("Mengawasi normalisasi sungai", "minggu", 240, 480, "Lokasi"),
        )),
    "Teknik Tata Bangunan dan Perumahan": _Jab(
        ("teknik", "perencanaan"), "D3 .2 S1 .7 S2 .1", "D3", 9, 0.6, 0.3, "teknik", True, 0.6, (
            ("Memeriksa dokumen persetujuan bangunan gedung", "hari", 30, 60, "Berkas"),
            ("Memverifikasi bangunan di lapangan", "minggu", 120, 240, "Bangunan"),
            ("Menyusun gambar rencana bangunan", "bulan", 960, 1440, "Gambar"),
        )),
    "Penata Ruang": _Jab(
        ("perencanaan", "teknik"), "S1 .8 S2 .2", "S1", 9, 0.45, 0.4, "teknik", True, 0.5, (
            ("Menyusun rencana detail tata ruang", "tahun", 4800, 9600, "Dokumen"),
            ("Memberikan informasi kesesuaian tata ruang", "hari", 20, 40, "Berkas"),
            ("Mengendalikan pemanfaatan ruang", "minggu", 120, 240, "Lokasi"),
        )),
    "Pemadam Kebakaran": _Jab(
        ("teknik", "pelayanan_publik"), "SMA .75 D3 .1 S1 .15", "SMA", 6, 1.8, 0.05, "teknik", True, 1.0, (
            ("Memadamkan kebakaran", "minggu", 180, 360, "Kejadian"),
            ("Melaksanakan piket siaga", "hari", 240, 480, "Shift"),
            ("Memeriksa dan merawat peralatan pemadam", "hari", 30, 60, "Alat"),
            ("Menyelamatkan dan mengevakuasi korban", "bulan", 240, 480, "Kejadian"),
        )),
    "Analis Kebakaran": _Jab(
        ("teknik", "perencanaan"), "S1 .9 S2 .1", "S1", 9, 0.35, 0.25, "teknik", True, 0.5, (
            ("Memeriksa sistem proteksi kebakaran gedung", "minggu", 120, 240, "Gedung"),
            ("Menyusun rencana induk sistem proteksi kebakaran", "tahun", 2400, 4800, "Dokumen"),
            ("Menganalisis data kejadian kebakaran", "bulan", 240, 480, "Laporan"),
        )),
    "Pengendali Dampak Lingkungan": _Jab(
        ("lingkungan", "teknik"), "S1 .85 S2 .15", "S1", 9, 0.5, 0.45, "teknik", True, 0.5, (
            ("Menilai dokumen UKL-UPL", "minggu", 240, 480, "Dokumen"),
            ("Memantau kualitas air sungai", "bulan", 240, 480, "Sampel"),
            ("Menyusun laporan status lingkungan hidup daerah", "tahun", 2400, 4800, "Dokumen"),
        )),
    "Pengawas Lingkungan Hidup": _Jab(
        ("lingkungan", "hukum"), "S1 .9 S2 .1", "S1", 9, 0.45, 0.4, "teknik", True, 0.5, (
            ("Mengawasi ketaatan usaha dan kegiatan", "minggu", 240, 480, "Usaha"),
            ("Menindaklanjuti pengaduan pencemaran", "minggu", 120, 240, "Kasus"),
            ("Menyusun berita acara pengawasan", "minggu", 60, 120, "Berita acara"),
        )),
    "Pengelola Persampahan": _Jab(
        ("lingkungan",), "SD .05 SMP .3 SMA .65", "SMP", 4, 1.3, 0.15, "umum", False, 1.5, (
            ("Mengangkut sampah dari TPS ke TPA", "hari", 120, 240, "Ritase"),
            ("Menyapu dan membersihkan jalan protokol", "hari", 120, 240, "Ruas"),
            ("Mendata volume sampah harian", "hari", 10, 20, "Data"),
        )),
    "Penguji Kendaraan Bermotor": _Jab(
        ("transportasi", "teknik"), "SMA .3 D3 .4 S1 .3", "SMA", 7, 0.8, 0.1, "teknik", True, 0.8, (
            ("Melakukan uji berkala kendaraan bermotor", "hari", 20, 30, "Kendaraan"),
            ("Menerbitkan kartu uji dan tanda uji", "hari", 5, 10, "Kartu"),
            ("Memeriksa kelaikan angkutan umum di terminal", "minggu", 120, 240, "Kendaraan"),
        )),
    "Pengelola Lalu Lintas dan Angkutan": _Jab(
        ("transportasi",), "SMA .55 D3 .2 S1 .25", "SMA", 6, 1.4, 0.15, "umum", False, 1.0, (
            ("Mengatur lalu lintas di persimpangan", "hari", 120, 240, "Lokasi"),
            ("Menertibkan parkir di badan jalan", "hari", 60, 120, "Lokasi"),
            ("Melakukan survei lalu lintas harian", "bulan", 240, 480, "Laporan"),
            ("Memelihara rambu dan marka jalan", "minggu", 60, 120, "Rambu"),
        )),
    # ---- population, information, social
    "Administrator Database Kependudukan": _Jab(
        ("teknologi_informasi", "administrasi"), "D3 .3 S1 .7", "D3", 8, 0.7, 0.45, "komputer", True, 0.8, (
            ("Memelihara database SIAK", "hari", 30, 60, "Laporan"),
            ("Menyinkronkan data perekaman KTP elektronik", "hari", 10, 20, "Data"),
            ("Melakukan backup database kependudukan", "minggu", 60, 120, "Backup"),
            ("Menyusun data agregat kependudukan", "bulan", 240, 480, "Laporan"),
        )),
    "Statistisi": _Jab(
        ("perencanaan", "teknologi_informasi"), "S1 .85 S2 .15", "S1", 9, 0.4, 0.55, "statistik", True, 0.6, (
            ("Mengumpulkan data statistik sektoral", "bulan", 480, 960, "Data"),
            ("Mengolah dan menganalisis data statistik", "bulan", 480, 960, "Laporan"),
            ("Menyusun buku data statistik sektoral", "tahun", 2400, 4800, "Buku"),
        )),
    "Pekerja Sosial": _Jab(
        ("sosial", "pelayanan_publik"), "D4 .2 S1 .75 S2 .05", "D4", 8, 0.8, 0.6, "sosial", True, 1.5, (
            ("Melakukan asesmen penerima manfaat", "hari", 30, 60, "Orang"),
            ("Mendampingi penyandang masalah kesejahteraan sosial", "minggu", 120, 240, "Orang"),
            ("Memverifikasi dan memvalidasi DTKS", "hari", 10, 20, "Keluarga"),
            ("Merujuk klien ke panti sosial", "bulan", 120, 240, "Rujukan"),
        )),
    "Penyuluh Sosial": _Jab(
        ("sosial",), "S1 .9 S2 .1", "S1", 8, 0.5, 0.55, "sosial", True, 1.2, (
            ("Melaksanakan penyuluhan sosial", "minggu", 120, 180, "Kegiatan"),
            ("Menyusun materi penyuluhan sosial", "bulan", 240, 480, "Materi"),
            ("Memfasilitasi karang taruna", "bulan", 120, 240, "Kegiatan"),
        )),
    "Penyuluh Keluarga Berencana": _Jab(
        ("kesehatan", "sosial"), "D3 .15 S1 .85", "S1", 8, 0.7, 0.7, "sosial", True, 1.5, (
            ("Melaksanakan penyuluhan KB", "minggu", 120, 180, "Kegiatan"),
            ("Mendata keluarga dan akseptor KB", "bulan", 240, 480, "Data"),
            ("Membina kelompok Bina Keluarga Balita", "bulan", 120, 240, "Kelompok"),
        )),
    # ---- law, secretariats, inspection
    "Perancang Peraturan Perundang-undangan": _Jab(
        ("hukum",), "S1 .7 S2 .3", "S1", 9, 0.5, 0.45, "hukum", True, 0.3, (
            ("Menyusun rancangan peraturan daerah", "tahun", 4800, 9600, "Raperda"),
            ("Menyusun rancangan peraturan wali kota", "bulan", 960, 1920, "Rancangan"),
            ("Mengharmonisasi rancangan produk hukum", "bulan", 480, 960, "Rancangan"),
        )),
    "Analis Hukum": _Jab(
        ("hukum",), "S1 .8 S2 .2", "S1", 9, 0.5, 0.45, "hukum", True, 0.5, (
            ("Memberikan pertimbangan hukum", "minggu", 120, 240, "Telaahan"),
            ("Menangani perkara dan bantuan hukum", "bulan", 480, 960, "Perkara"),
            ("Menyusun telaahan produk hukum", "minggu", 120, 240, "Telaahan"),
        )),
    "Pengelola Protokol": _Jab(
        ("pelayanan_publik", "administrasi"), "SMA .2 D3 .3 S1 .5", "D3", 7, 0.45, 0.5, "umum", False, 0.8, (
            ("Menyiapkan acara dan tata tempat kegiatan pimpinan", "minggu", 120, 240, "Kegiatan"),
            ("Menyusun jadwal kegiatan pimpinan", "hari", 15, 30, "Jadwal"),
            ("Mendampingi tamu kedinasan", "minggu", 60, 120, "Kunjungan"),
        )),
    "Pengelola Risalah Rapat": _Jab(
        ("administrasi",), "D3 .4 S1 .6", "D3", 7, 0.45, 0.6, "umum", False, 0.8, (
            ("Menyusun risalah rapat paripurna", "bulan", 480, 960, "Risalah"),
            ("Mencatat jalannya rapat komisi", "minggu", 120, 240, "Catatan"),
            ("Mendistribusikan risalah rapat", "minggu", 30, 60, "Risalah"),
        )),
    "Analis Sumber Daya Manusia Aparatur": _Jab(
        ("kepegawaian", "hukum"), "S1 .8 S2 .2", "S1", 9, 0.8, 0.55, "umum", True, 0.4, (
            ("Menyusun analisis jabatan dan beban kerja", "tahun", 2400, 4800, "Dokumen"),
            ("Memproses usulan mutasi dan promosi", "minggu", 60, 120, "Berkas"),
            ("Mengelola penilaian kinerja pegawai", "bulan", 480, 960, "Laporan"),
            ("Menyusun formasi kebutuhan ASN", "tahun", 1440, 2880, "Dokumen"),
        )),
    "Peneliti": _Jab(
        ("perencanaan",), "S1 .45 S2 .5 S3 .05", "S1", 9, 0.35, 0.5, "umum", True, 0.3, (
            ("Melaksanakan penelitian daerah", "tahun", 9600, 19200, "Kajian"),
            ("Menyusun karya tulis ilmiah", "tahun", 2400, 4800, "Naskah"),
            ("Mendiseminasikan hasil penelitian", "bulan", 240, 480, "Kegiatan"),
        )),
    "Analis Anggaran": _Jab(
        ("keuangan", "perencanaan"), "S1 .8 S2 .2", "S1", 9, 0.7, 0.55, "ekonomi", True, 0.3, (
            ("Menyusun rancangan APBD", "tahun", 4800, 9600, "Dokumen"),
            ("Memverifikasi RKA perangkat daerah", "minggu", 240, 480, "Dokumen"),
            ("Memproses pergeseran anggaran", "bulan", 240, 480, "Dokumen"),
            ("Menerbitkan SPD", "bulan", 120, 240, "SPD"),
        )),
    "Analis Keuangan Pusat dan Daerah": _Jab(
        ("keuangan",), "S1 .8 S2 .2", "S1", 9, 0.5, 0.5, "ekonomi", True, 0.3, (
            ("Menganalisis realisasi pendapatan dan belanja", "bulan", 480, 960, "Laporan"),
            ("Menyusun kajian kapasitas fiskal", "tahun", 2400, 4800, "Kajian"),
            ("Merekonsiliasi dana transfer", "bulan", 240, 480, "Berita acara"),
        )),
    "Pengelola Pajak dan Retribusi Daerah": _Jab(
        ("keuangan", "pelayanan_publik"), "SMA .35 D3 .25 S1 .4", "SMA", 7, 1.2, 0.5, "ekonomi", False, 0.8, (
            ("Melayani pendaftaran wajib pajak daerah", "hari", 15, 30, "Berkas"),
            ("Menerbitkan SPPT PBB dan SKPD", "hari", 10, 20, "Dokumen"),
            ("Memproses keberatan dan pengurangan pajak", "minggu", 60, 120, "Berkas"),
            ("Menagih tunggakan pajak daerah", "minggu", 120, 240, "Wajib pajak"),
        )),
    "Penilai Pajak Bumi dan Bangunan": _Jab(
        ("keuangan", "teknik"), "S1 .9 S2 .1", "S1", 8, 0.45, 0.4, "ekonomi", True, 0.5, (
            ("Menilai objek PBB", "hari", 30, 60, "Objek"),
            ("Memutakhirkan zona nilai tanah", "tahun", 2400, 4800, "Peta"),
            ("Memverifikasi permohonan mutasi objek PBB", "hari", 20, 40, "Berkas"),
        )),
    "Auditor": _Jab(
        ("keuangan", "hukum"), "S1 .75 S2 .25", "S1", 9, 1.2, 0.5, "ekonomi", True, 0.2, (
            ("Mengaudit kinerja perangkat daerah", "bulan", 2400, 4800, "Audit"),
            ("Mereviu laporan keuangan", "tahun", 4800, 9600, "Laporan"),
            ("Menyusun laporan hasil pemeriksaan", "bulan", 480, 960, "LHP"),
            ("Memantau tindak lanjut hasil pemeriksaan", "bulan", 240, 480, "Laporan"),
        )),
    "Pengawas Penyelenggaraan Urusan Pemerintahan di Daerah": _Jab(
        ("hukum", "perencanaan"), "S1 .7 S2 .3", "S1", 9, 0.8, 0.45, "hukum", True, 0.2, (
            ("Mengawasi penyelenggaraan urusan pemerintahan", "bulan", 1440, 2880, "Laporan"),
            ("Menangani pengaduan masyarakat", "minggu", 120, 240, "Pengaduan"),
            ("Mengevaluasi penyelenggaraan pemerintahan daerah", "tahun", 2400, 4800, "Laporan"),
        )),
    # ---- other dinas and badan
    "Analis Kebencanaan": _Jab(
        ("perencanaan", "pelayanan_publik"), "S1 .9 S2 .1", "S1", 9, 0.45, 0.35, "umum", True, 0.5, (
            ("Menyusun kajian risiko bencana", "tahun", 4800, 9600, "Kajian"),
            ("Melakukan kaji cepat pascabencana", "bulan", 480, 960, "Laporan"),
            ("Memfasilitasi kelurahan tangguh bencana", "bulan", 480, 960, "Kelurahan"),
        )),
    "Penata Perizinan": _Jab(
        ("hukum", "pelayanan_publik"), "D3 .15 S1 .85", "S1", 8, 0.6, 0.5, "hukum", True, 0.5, (
            ("Memverifikasi permohonan izin usaha", "hari", 20, 40, "Berkas"),
            ("Memeriksa lokasi usaha di lapangan", "minggu", 180, 360, "Lokasi"),
            ("Menerbitkan izin melalui OSS", "hari", 10, 20, "Izin"),
        )),
    "Penera": _Jab(
        ("teknik", "ekonomi"), "D3 .4 S1 .6", "D3", 7, 0.35, 0.3, "teknik", True, 0.5, (
            ("Melakukan tera dan tera ulang alat ukur", "hari", 15, 30, "Alat"),
            ("Mengawasi UTTP di pasar", "minggu", 180, 360, "Pasar"),
            ("Menyusun laporan kemetrologian", "bulan", 120, 240, "Laporan"),
        )),
    "Pengawas Perdagangan": _Jab(
        ("ekonomi", "hukum"), "S1 .9 S2 .1", "S1", 8, 0.45, 0.45, "ekonomi", True, 0.5, (
            ("Mengawasi barang beredar", "minggu", 180, 360, "Lokasi"),
            ("Memantau harga bahan pokok di pasar", "hari", 60, 90, "Pasar"),
            ("Menyusun laporan perkembangan harga", "minggu", 60, 120, "Laporan"),
        )),
    "Pengawas Koperasi": _Jab(
        ("ekonomi", "keuangan"), "S1 .9 S2 .1", "S1", 8, 0.45, 0.5, "ekonomi", True, 0.5, (
            ("Memeriksa kesehatan koperasi", "minggu", 240, 480, "Koperasi"),
            ("Membina pengurus koperasi", "bulan", 240, 480, "Kegiatan"),
            ("Memverifikasi laporan RAT koperasi", "bulan", 120, 240, "Laporan"),
        )),
    "Mediator Hubungan Industrial": _Jab(
        ("hukum", "sosial"), "S1 .85 S2 .15", "S1", 9, 0.35, 0.4, "hukum", True, 0.3, (
            ("Memediasi perselisihan hubungan industrial", "minggu", 240, 480, "Kasus"),
            ("Mencatat perjanjian kerja bersama", "bulan", 120, 240, "Dokumen"),
            ("Menyusun anjuran tertulis", "bulan", 240, 480, "Anjuran"),
        )),
    "Pengantar Kerja": _Jab(
        ("pelayanan_publik", "sosial"), "D3 .2 S1 .8", "S1", 8, 0.4, 0.55, "sosial", True, 0.6, (
            ("Melayani pencari kerja", "hari", 10, 20, "Orang"),
            ("Menyelenggarakan bursa kerja", "tahun", 2400, 4800, "Kegiatan"),
            ("Memberikan bimbingan jabatan", "minggu", 60, 120, "Orang"),
        )),
    "Adyatama Kepariwisataan dan Ekonomi Kreatif": _Jab(
        ("ekonomi", "pelayanan_publik"), "D3 .1 S1 .85 S2 .05", "S1", 8, 0.45, 0.55, "umum", True, 0.6, (
            ("Menyusun kalender event pariwisata", "tahun", 1440, 2880, "Dokumen"),
            ("Membina kelompok sadar wisata", "bulan", 240, 480, "Kelompok"),
            ("Mendata kunjungan wisatawan", "bulan", 240, 480, "Laporan"),
        )),
    "Penyuluh Pertanian": _Jab(
        ("pertanian",), "D3 .3 D4 .2 S1 .5", "D3", 8, 0.9, 0.4, "pertanian", True, 2.0, (
            ("Mengunjungi kelompok tani", "minggu", 120, 240, "Kelompok"),
            ("Menyusun rencana definitif kebutuhan kelompok", "tahun", 960, 1920, "Dokumen"),
            ("Melaksanakan demonstrasi plot", "bulan", 480, 960, "Kegiatan"),
        )),
    "Analis Ketahanan Pangan": _Jab(
        ("pertanian", "perencanaan"), "S1 .9 S2 .1", "S1", 9, 0.45, 0.5, "pertanian", True, 0.5, (
            ("Menyusun neraca bahan makanan", "tahun", 2400, 4800, "Dokumen"),
            ("Memantau ketersediaan dan harga pangan", "minggu", 120, 240, "Laporan"),
            ("Menganalisis peta kerawanan pangan", "tahun", 2400, 4800, "Peta"),
        )),
}
# fmt: on

#: Tasks any jabatan may also carry (drawn after its own tasks).
_GENERIC_TASKS: Final[tuple[_Task, ...]] = (
    ("Menyusun laporan kegiatan bulanan", "bulan", 120, 240, "Laporan"),
    ("Mengikuti rapat koordinasi", "minggu", 60, 120, "Rapat"),
    ("Menyusun rencana kerja tahunan", "tahun", 480, 960, "Dokumen"),
    ("Mengarsipkan dokumen kerja", "minggu", 30, 60, "Berkas"),
    ("Menyusun laporan kinerja tahunan", "tahun", 480, 960, "Laporan"),
)
_GENERIC_SHARE: Final[float] = 0.25  # relative workload share of a generic task

#: Jabatan over (< 1) or under (> 1) staffed across the whole agency, as is common:
#: too many general administrators, too few health workers, teachers and auditors.
_JAB_BIAS: Final[dict[str, float]] = {
    "Pengadministrasi Umum": 0.8, "Pengemudi": 0.75, "Pengolah Data": 0.9, "Perawat": 1.1, "Bidan": 1.1,
    "Dokter": 1.15, "Guru Kelas": 1.1, "Guru Mata Pelajaran": 1.1, "Auditor": 1.15,
    "Analis Sumber Daya Manusia Aparatur": 1.1, "Pranata Komputer": 1.15,
}  # fmt: skip


class _Central(NamedTuple):
    """One dinas, badan or other agency-wide unit."""

    name: str
    prefix: str  # unit id prefix
    specific: tuple[str, ...]  # its own jabatan, the first two always present
    size: float  # relative number of positions


# In priority order: a small scenario keeps the first ones.
# fmt: off
_CENTRAL: Final[tuple[_Central, ...]] = (
    _Central("Sekretariat Daerah", "SET", ("Analis Kebijakan", "Perancang Peraturan Perundang-undangan",
             "Analis Hukum", "Pranata Humas", "Pengelola Pengadaan Barang/Jasa", "Pengelola Protokol"), 1.4),
    _Central("Dinas Pendidikan", "DIN", ("Pengawas Sekolah", "Penilik", "Pengembang Teknologi Pembelajaran",
             "Perencana"), 1.2),
    _Central("Dinas Kesehatan", "DIN", ("Administrator Kesehatan", "Epidemiolog Kesehatan", "Sanitarian",
             "Tenaga Teknis Kefarmasian", "Nutrisionis", "Penyuluh Kesehatan Masyarakat"), 1.2),
    _Central("Dinas Pekerjaan Umum dan Penataan Ruang", "DIN", ("Teknik Jalan dan Jembatan",
        "Teknik Pengairan",
             "Penata Ruang", "Teknik Tata Bangunan dan Perumahan"), 1.1),
    _Central("Dinas Sosial", "DIN", ("Pekerja Sosial", "Penyuluh Sosial"), 0.9),
    _Central("Dinas Perhubungan", "DIN", ("Pengelola Lalu Lintas dan Angkutan", "Penguji Kendaraan Bermotor"),
             1.0),
    _Central("Dinas Lingkungan Hidup dan Kebersihan", "DIN", ("Pengelola Persampahan",
             "Pengendali Dampak Lingkungan", "Pengawas Lingkungan Hidup"), 1.0),
    _Central("Dinas Kependudukan dan Pencatatan Sipil", "DIN", ("Pengadministrasi Kependudukan",
             "Administrator Database Kependudukan", "Pengelola Pelayanan Publik"), 1.0),
    _Central("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BDN", (
             "Analis Sumber Daya Manusia Aparatur", "Pengelola Kepegawaian", "Pranata Komputer"), 1.0),
    _Central("Badan Perencanaan Pembangunan Daerah", "BDN", ("Perencana", "Statistisi", "Analis Kebijakan",
             "Peneliti"), 1.0),
    _Central("Badan Pengelola Keuangan dan Aset Daerah", "BDN", ("Analis Anggaran",
        "Penyusun Laporan Keuangan",
             "Pengelola Barang Milik Daerah", "Analis Keuangan Pusat dan Daerah", "Bendahara"), 1.2),
    _Central("Badan Pendapatan Daerah", "BDN", ("Pengelola Pajak dan Retribusi Daerah",
             "Penilai Pajak Bumi dan Bangunan"), 1.0),
    _Central("Inspektorat Daerah", "INS", ("Auditor",
             "Pengawas Penyelenggaraan Urusan Pemerintahan di Daerah"), 0.9),
    _Central("Dinas Komunikasi dan Informatika", "DIN", ("Pranata Komputer", "Pranata Humas",
        "Statistisi"), 0.9),
    _Central("Satuan Polisi Pamong Praja", "SAT", ("Polisi Pamong Praja",), 0.8),
    _Central("Sekretariat DPRD", "SET", ("Pengelola Risalah Rapat", "Analis Kebijakan", "Pengelola Protokol"),
             1.0),
    _Central("Dinas Pemadam Kebakaran dan Penyelamatan", "DIN", ("Pemadam Kebakaran", "Analis Kebakaran"),
        0.8),
    _Central("RSUD Palembang BARI", "RSU", ("Dokter", "Perawat", "Bidan", "Apoteker",
        "Tenaga Teknis Kefarmasian",
             "Pranata Laboratorium Kesehatan", "Radiografer", "Perekam Medis", "Nutrisionis",
                 "Dokter Gigi"), 2.2),
    _Central("Badan Penanggulangan Bencana Daerah", "BDN", ("Analis Kebencanaan",), 0.8),
    _Central("Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DIN", ("Penata Perizinan",
             "Pengelola Pelayanan Publik"), 0.9),
    _Central("Dinas Perdagangan", "DIN", ("Pengawas Perdagangan", "Penera"), 0.8),
    _Central("Dinas Koperasi dan Usaha Mikro", "DIN", ("Pengawas Koperasi",), 0.7),
    _Central("Dinas Tenaga Kerja", "DIN", ("Mediator Hubungan Industrial", "Pengantar Kerja"), 0.8),
    _Central("Dinas Kebudayaan dan Pariwisata", "DIN", ("Adyatama Kepariwisataan dan Ekonomi Kreatif",), 0.8),
    _Central("Dinas Ketahanan Pangan dan Pertanian", "DIN", ("Penyuluh Pertanian", "Analis Ketahanan Pangan"),
             0.9),
    _Central("Dinas Perpustakaan dan Kearsipan", "DIN", ("Pustakawan", "Arsiparis"), 0.8),
    _Central("Dinas Pengendalian Penduduk dan Keluarga Berencana", "DIN", ("Penyuluh Keluarga Berencana",),
        0.8),
    _Central("Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "DIN", ("Pekerja Sosial",
        "Penyuluh Sosial"),
             0.7),
    _Central("Dinas Perumahan Rakyat dan Kawasan Permukiman", "DIN", ("Teknik Tata Bangunan dan Perumahan",
             "Penata Ruang"), 0.8),
    _Central("Dinas Kepemudaan dan Olahraga", "DIN", ("Analis Kebijakan",), 0.6),
    _Central("Badan Kesatuan Bangsa dan Politik", "BDN", ("Analis Kebijakan",), 0.6),
    _Central("Badan Riset dan Inovasi Daerah", "BDN", ("Peneliti", "Analis Kebijakan"), 0.6),
)

#: Secretariat jabatan of a dinas or badan, with their draw weights.
_ADMIN: Final[dict[str, float]] = {
    "Pengelola Keuangan": 1.0, "Bendahara": 0.9, "Penyusun Laporan Keuangan": 0.7,
        "Pengelola Kepegawaian": 0.9,
    "Arsiparis": 0.6, "Pengolah Data": 0.9, "Perencana": 0.6, "Pengemudi": 0.5, "Pranata Komputer": 0.5,
    "Pengelola Barang Milik Daerah": 0.6, "Analis Kebijakan": 0.4,
}

#: Territorial unit kinds: always-present jabatan, optional jabatan with weights, mean positions.
_TERRITORIAL: Final[dict[str, tuple[tuple[str, ...], dict[str, float], float]]] = {
    "kecamatan": (("Pengadministrasi Umum", "Pengelola Pelayanan Publik"), {
        "Pengelola Keuangan": 1.0, "Bendahara": 0.8, "Pengelola Kepegawaian": 0.8, "Pengolah Data": 0.8,
        "Pengadministrasi Kependudukan": 0.8, "Analis Kebijakan": 0.5,
            "Pengelola Pemberdayaan Masyarakat": 0.8,
        "Pengelola Ketentraman dan Ketertiban": 0.8, "Polisi Pamong Praja": 0.6,
            "Penyusun Laporan Keuangan": 0.4,
        "Arsiparis": 0.4, "Pengemudi": 0.4, "Perencana": 0.3}, 6.0),
    "kelurahan": (("Pengelola Pelayanan Publik",), {
        "Pengadministrasi Umum": 1.2, "Pengadministrasi Kependudukan": 1.0, "Pengolah Data": 0.7,
            "Bendahara": 0.5,
        "Pengelola Pemberdayaan Masyarakat": 0.6, "Pengelola Ketentraman dan Ketertiban": 0.5,
        "Pengelola Keuangan": 0.3}, 2.5),
    "puskesmas": (("Perawat", "Bidan", "Dokter"), {
        "Tenaga Teknis Kefarmasian": 1.0, "Pranata Laboratorium Kesehatan": 0.8, "Sanitarian": 0.6,
        "Nutrisionis": 0.6, "Penyuluh Kesehatan Masyarakat": 0.5, "Perekam Medis": 0.6, "Dokter Gigi": 0.5,
        "Apoteker": 0.4, "Pengadministrasi Umum": 0.7, "Bendahara": 0.5, "Pengelola Keuangan": 0.4,
        "Pengolah Data": 0.4, "Pengemudi": 0.3}, 6.0),
    "sd": (("Guru Kelas",), {
        "Guru Mata Pelajaran": 1.5, "Pengadministrasi Umum": 1.0, "Pustakawan": 0.4, "Bendahara": 0.3}, 2.6),
    "smp": (("Guru Mata Pelajaran",), {
        "Pengadministrasi Umum": 1.2, "Pustakawan": 0.6, "Bendahara": 0.5, "Pengolah Data": 0.5}, 3.0),
}
_STAFF_MULT: Final[dict[str, float]] = {"kelurahan": 0.8, "sd": 1.3, "smp": 1.8}
_TERRITORIAL_PREFIX: Final[dict[str, str]] = {
    "kecamatan": "KEC", "kelurahan": "KEL", "puskesmas": "PKM", "sd": "SDN", "smp": "SMP",
}

# ---- places and people (Palembang flavour)
_KECAMATAN: Final[tuple[str, ...]] = (
    "Plaju", "Seberang Ulu I", "Seberang Ulu II", "Kertapati", "Jakabaring", "Ilir Barat I", "Ilir Barat II",
    "Ilir Timur I", "Ilir Timur II", "Ilir Timur III", "Bukit Kecil", "Gandus", "Kemuning", "Kalidoni",
    "Sukarami", "Sako", "Sematang Borang", "Alang-Alang Lebar",
)
_PLAJU_KELURAHAN: Final[tuple[str, ...]] = (
    "Plaju Ulu", "Plaju Ilir", "Plaju Darat", "Bagus Kuning", "Talang Bubuk", "Talang Putri", "Komperta",
)
_PLACE_HEADS: Final[tuple[str, ...]] = (
    "Talang", "Sungai", "Tanjung", "Suka", "Bukit", "Muara", "Air", "Lubuk", "Pulau", "Karya", "Sido",
    "Rantau", "Tebing", "Lorok", "Srijaya", "Kebun", "Lebong", "Pagar", "Tangga", "Ulak",
)
_PLACE_TAILS: Final[tuple[str, ...]] = (
    "Jaya", "Makmur", "Baru", "Mulya", "Indah", "Rejo", "Harapan", "Kuning", "Putri", "Betung", "Kelapa",
    "Batu", "Rambutan", "Kedukan", "Bungaran", "Aur", "Selincah", "Keramasan", "Jambu", "Pinang", "Dalam",
    "Raya", "Sari", "Bendung", "Gedang", "Buntu", "Kemang", "Lebak", "Sentosa", "Permai",
)
_PLACE_SIDES: Final[tuple[str, ...]] = ("", " Ulu", " Ilir", " Darat", " Baru", " Lama", " Timur", " Barat")
# fmt: on

_MALE: Final[tuple[str, ...]] = (
    "Ahmad", "Muhammad", "Rudi", "Dedi", "Hendra", "Agus", "Budi", "Fajar", "Rizky", "Andi", "Irwan", "Joko",
    "Yusuf", "Arif", "Dimas", "Hari", "Indra", "Eko", "Bambang", "Iskandar", "Zulkifli", "Firdaus", "Ridwan",
    "Hasan", "Syahrial", "Herman", "Doni", "Yudi", "Fauzi", "Ilham", "Reza", "Taufik", "Wahyu", "Sofyan",
    "Hadi", "Rahmat", "Nurdin", "Aidil", "Ferry", "Anton",
)  # fmt: skip
_FEMALE: Final[tuple[str, ...]] = (
    "Siti", "Nur", "Dewi", "Sri", "Rina", "Yuliana", "Fitri", "Ratna", "Wulan", "Ayu", "Indah", "Maya",
        "Novi",
    "Yanti", "Desi", "Eka", "Putri", "Anisa", "Mega", "Ria", "Linda", "Evi", "Herlina", "Nurul", "Ika",
        "Dian",
    "Retno", "Winda", "Rosmala", "Yeni", "Merry", "Fatimah", "Aisyah", "Lina", "Septi", "Ema", "Nia",
)  # fmt: skip
_MALE_FAMILY: Final[tuple[str, ...]] = (
    "Saputra", "Pratama", "Syahputra", "Kurniawan", "Setiawan", "Gunawan", "Hidayat", "Rahman", "Wijaya",
    "Firmansyah", "Hakim", "Ramadhan", "Nugroho", "Santoso", "Effendi", "Fadillah", "Harahap", "Nasution",
    "Siregar", "Syarifuddin", "Hamzah", "Zainal", "Darmawan", "Saleh",
)  # fmt: skip
_FEMALE_FAMILY: Final[tuple[str, ...]] = (
    "Lestari", "Susanti", "Rahmawati", "Sari", "Puspita", "Handayani", "Wulandari", "Oktaviani", "Permata",
    "Anggraini", "Safitri", "Maharani", "Novitasari", "Yulianti", "Marlina", "Harahap", "Nasution", "Siregar",
    "Wijaya", "Hidayati", "Aprilia", "Fitriani",
)  # fmt: skip
_MALE_HONORIFIC: Final[tuple[str, ...]] = ("Kgs.", "Mgs.", "Kms.", "R.")  # Palembang priyayi titles
_FEMALE_HONORIFIC: Final[tuple[str, ...]] = ("Nyayu", "Nyimas", "Masayu")
_BIRTHPLACES: Final[tuple[tuple[str, float], ...]] = (
    ("Palembang", 0.55), ("Prabumulih", 0.05), ("Lahat", 0.04), ("Baturaja", 0.04), ("Muara Enim", 0.04),
    ("Lubuklinggau", 0.03), ("Kayuagung", 0.04), ("Sekayu", 0.04), ("Pagar Alam", 0.02),
        ("Pangkalan Balai", 0.02),
    ("Martapura", 0.02), ("Bandar Lampung", 0.02), ("Jambi", 0.02), ("Jakarta", 0.02), ("Bandung", 0.01),
    ("Yogyakarta", 0.01), ("Padang", 0.01), ("Medan", 0.01), ("Bengkulu", 0.01),
)  # fmt: skip
_REMARKS: Final[tuple[str, ...]] = (
    "Usul kenaikan pangkat periode April", "Sudah mengikuti latsar", "Sertifikat kompetensi 2023",
    "Pindahan dari Kabupaten Ogan Ilir", "Data SIASN sudah diverifikasi", "Perlu pembaruan ijazah",
    "Mengikuti diklat teknis 2024", "Usul kenaikan gaji berkala",
)  # fmt: skip

# Academic titles by field of study: D3, D4, S1, S2 (S3 adds "Dr." in front). Medical
# degrees put "dr."/"drg." in front instead.
_TITLES: Final[dict[str, tuple[str, str, str, str]]] = {
    "umum": ("A.Md.", "S.Tr.AP.", "S.Sos.", "M.Si."),
    "ekonomi": ("A.Md.Ak.", "S.Tr.Ak.", "S.E.", "M.M."),
    "hukum": ("A.Md.", "S.Tr.", "S.H.", "M.H."),
    "komputer": ("A.Md.Kom.", "S.Tr.Kom.", "S.Kom.", "M.Kom."),
    "teknik": ("A.Md.T.", "S.Tr.T.", "S.T.", "M.T."),
    "kesehatan": ("A.Md.Kes.", "S.Tr.Kes.", "S.K.M.", "M.Kes."),
    "keperawatan": ("A.Md.Kep.", "S.Tr.Kep.", "S.Kep., Ners", "M.Kep."),
    "kebidanan": ("A.Md.Keb.", "S.Tr.Keb.", "S.Keb., Bd.", "M.Keb."),
    "kedokteran": ("", "", "", "M.Kes."),
    "kedokteran_gigi": ("", "", "", "M.Kes."),
    "farmasi": ("A.Md.Farm.", "S.Tr.Farm.", "S.Farm., Apt.", "M.Farm."),
    "pendidikan": ("A.Md.Pd.", "S.Tr.Pd.", "S.Pd.", "M.Pd."),
    "sosial": ("A.Md.", "S.Tr.Sos.", "S.Sos.", "M.Si."),
    "pertanian": ("A.Md.P.", "S.Tr.P.", "S.P.", "M.Si."),
    "statistik": ("A.Md.Stat.", "S.Tr.Stat.", "S.Stat.", "M.Si."),
}
_MEDICAL_PREFIX: Final[dict[str, str]] = {"kedokteran": "dr. ", "kedokteran_gigi": "drg. "}

# Entry grade rank (index into GRADES) by education rank SD..S3, and the highest grade
# reached by regular promotion: pelaksana stop at III/b (SMA) .. III/d (S1), jabatan
# fungsional go on to III/d (terampil) or IV/c-IV/e (ahli madya, utama).
_ENTRY_GRADE: Final = np.array([0, 2, 4, 4, 5, 6, 8, 8, 9, 10], dtype=np.int64)
_CAP_PELAKSANA: Final = np.array([4, 6, 9, 9, 10, 10, 11, 11, 12, 12], dtype=np.int64)
_CAP_FUNGSIONAL: Final = np.array([5, 7, 11, 11, 11, 11, 14, 14, 15, 16], dtype=np.int64)

# ---- derived lookup arrays (built once at import, no I/O)
_JAB_NAMES: Final[tuple[str, ...]] = tuple(_JABATAN)
_JAB_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(_JAB_NAMES)}
_COMPETENCIES: Final[tuple[str, ...]] = tuple(sorted({c for j in _JABATAN.values() for c in j.comps}))
_COMP_INDEX: Final[dict[str, int]] = {c: i for i, c in enumerate(_COMPETENCIES)}
_FIELDS: Final[tuple[str, ...]] = tuple(_TITLES)


def _edu_table() -> FloatArray:
    """Cumulative education distribution per jabatan (rows) over EDUCATION_LEVELS."""
    out = np.zeros((len(_JAB_NAMES), len(EDUCATION_LEVELS)))
    for i, jab in enumerate(_JABATAN.values()):
        parts = jab.edu.split()
        for level, share in zip(parts[::2], parts[1::2], strict=True):
            out[i, EDUCATION_LEVELS.index(level)] = float(share)
    out /= out.sum(axis=1, keepdims=True)
    return np.cumsum(out, axis=1)


def _title_tables() -> tuple[StrArray, StrArray]:
    """Name prefix and suffix by (field, education rank)."""
    n_edu = len(EDUCATION_LEVELS)
    prefix = np.full((len(_FIELDS), n_edu), "", dtype=object)
    suffix = np.full((len(_FIELDS), n_edu), "", dtype=object)
    d3, d4, s1, s2, s3 = (EDUCATION_LEVELS.index(x) for x in ("D3", "D4", "S1", "S2", "S3"))
    for f, name in enumerate(_FIELDS):
        t_d3, t_d4, t_s1, t_s2 = _TITLES[name]
        med = _MEDICAL_PREFIX.get(name, "")
        suffix[f, d3], suffix[f, d4] = t_d3, t_d4
        suffix[f, s1] = t_s1
        suffix[f, s2] = ", ".join(t for t in (t_s1, t_s2) if t)
        suffix[f, s3] = suffix[f, s2]
        prefix[f, s1] = prefix[f, s2] = med
        prefix[f, s3] = "Dr. " + med
    return prefix.astype(str), suffix.astype(str)


_EDU_CUM: Final[FloatArray] = _edu_table()
_TITLE_PREFIX, _TITLE_SUFFIX = _title_tables()
_J_MIN_EDU: Final[IntArray] = np.array([EDUCATION_LEVELS.index(j.min_edu) for j in _JABATAN.values()])
_J_KELAS: Final[IntArray] = np.array([j.kelas for j in _JABATAN.values()], dtype=np.int64)
_J_WEIGHT: Final[FloatArray] = np.array([j.weight for j in _JABATAN.values()])
_J_FEMALE: Final[FloatArray] = np.array([j.female for j in _JABATAN.values()])
_J_PPPK: Final[FloatArray] = np.array([j.pppk for j in _JABATAN.values()])
_J_FIELD: Final[IntArray] = np.array([_FIELDS.index(j.field) for j in _JABATAN.values()], dtype=np.int64)
_J_FUNGSIONAL: Final[BoolArray] = np.array([j.fungsional for j in _JABATAN.values()])
_J_COMP1: Final[IntArray] = np.array([_COMP_INDEX[j.comps[0]] for j in _JABATAN.values()], dtype=np.int64)
_J_COMP2: Final[IntArray] = np.array(
    [_COMP_INDEX[j.comps[1]] if len(j.comps) > 1 else -1 for j in _JABATAN.values()], dtype=np.int64
)
_J_BIAS: Final[FloatArray] = np.array([_JAB_BIAS.get(name, 1.0) for name in _JAB_NAMES])


def _template_tables() -> tuple[int, StrArray, StrArray, StrArray, IntArray, IntArray, FloatArray, BoolArray]:
    """Task templates flattened to arrays: row ``j * stride + t`` is template ``t`` of jabatan ``j``."""
    stride = max(len(j.tasks) for j in _JABATAN.values()) + len(_GENERIC_TASKS)
    size = stride * len(_JAB_NAMES)
    name, period, unit = (np.full(size, "", dtype=object) for _ in range(3))
    lo, hi = np.ones(size, dtype=np.int64), np.ones(size, dtype=np.int64)
    generic = np.zeros(size, dtype=bool)
    for j, jab in enumerate(_JABATAN.values()):
        for t, (task, per, a, b, sat) in enumerate(jab.tasks + _GENERIC_TASKS):
            i = j * stride + t
            name[i], period[i], unit[i], lo[i], hi[i] = task, per, sat, a, b
            generic[i] = t >= len(jab.tasks)
    period[period == ""] = "tahun"
    factor = np.array([PERIOD_FACTORS[x] for x in period], dtype=float)
    return stride, name.astype(str), period.astype(str), unit.astype(str), lo, hi, factor, generic


_TPL_STRIDE, _TPL_NAME, _TPL_PERIOD, _TPL_UNIT, _TPL_LO, _TPL_HI, _TPL_FACTOR, _TPL_GENERIC = (
    _template_tables()
)

# --------------------------------------------------------------------------- helpers


def _pick(rng: np.random.Generator, options: tuple[str, ...], size: int) -> StrArray:
    """``size`` values drawn uniformly from ``options``."""
    return np.asarray(options, dtype=str)[rng.integers(0, len(options), size)]


def _place_names(rng: np.random.Generator, count: int, avoid: set[str]) -> list[str]:
    """``count`` distinct Palembang-like place names not in ``avoid``."""
    base = [h + " " + t for h in _PLACE_HEADS for t in _PLACE_TAILS]
    pool = [b + s for s in _PLACE_SIDES for b in (base[i] for i in rng.permutation(len(base)))]
    out: list[str] = []
    seen = set(avoid)
    for name in pool:
        if len(out) == count:
            return out
        if name not in seen:
            seen.add(name)
            out.append(name)
    k = 2
    while len(out) < count:  # beyond ~4,800 names: number them
        out.extend(f"{b} {_roman(k)}" for b in base[: count - len(out)])
        k += 1
    return out


def _roman(k: int) -> str:
    """Roman numeral of a small positive integer."""
    vals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for v, s in vals:
        while k >= v:
            out += s
            k -= v
    return out


class _Unit(NamedTuple):
    """One unit of the organisation, with the jabatan it may hold."""

    unit_id: str
    name: str
    kind: str
    mandatory: tuple[str, ...]
    optional: dict[str, float]
    mean: float  # mean number of positions before scaling
    staff_mult: float


def _plan_units(n: int, rng: np.random.Generator) -> tuple[list[_Unit], float]:
    """Lay out the organisation: agency-wide units, then kecamatan blocks; also the position target."""
    target = min(n / 8.0 + 25.0, max(1.0, n / 2.0))
    scale = max(n, 600) / 600.0
    central_mean = 4.3 * (1.0 + 0.5 * math.log10(scale))
    n_central = int(np.clip(round(0.6 * target / 4.0), 1, len(_CENTRAL)))
    centrals = _CENTRAL[:n_central]
    budget = target - central_mean * sum(c.size for c in centrals)
    schools = n >= 2000
    block = 6.0 + 7 * 2.5 + 2 * 6.0 + (3 * 2.6 + 2 * 3.0 if schools else 0.0)
    n_blocks = round(budget / block) if budget >= block else (1 if budget > 3.0 else 0)

    units: list[_Unit] = []
    counters: dict[str, int] = {}

    def add(prefix: str, name: str, kind: str, mandatory: tuple[str, ...], optional: dict[str, float],
            mean: float, staff_mult: float) -> None:  # fmt: skip
        counters[prefix] = counters.get(prefix, 0) + 1
        units.append(
            _Unit(f"{prefix}{counters[prefix]:02d}", name, kind, mandatory, optional, mean, staff_mult)
        )

    for c in centrals:
        mandatory = tuple(dict.fromkeys((*c.specific[:2], "Pengadministrasi Umum")))
        optional = {j: 3.0 * _JABATAN[j].weight for j in c.specific[2:]}
        optional.update({j: w for j, w in _ADMIN.items() if j not in mandatory and j not in optional})
        add(c.prefix, c.name, "central", mandatory, optional, central_mean * c.size, 1.0)

    kec_names = list(_KECAMATAN[:n_blocks])
    if n_blocks > len(kec_names):
        kec_names += _place_names(rng, n_blocks - len(kec_names), set(_KECAMATAN))
    n_kel = np.where(np.arange(n_blocks) == 0, 7, rng.integers(4, 11, n_blocks))
    if n_blocks == 1 and budget < block:  # a partial block for small scenarios
        n_kel[0] = int(np.clip(round((budget - 12.0) / 2.5), 0, 7))
    kel_names = list(_PLAJU_KELURAHAN[: int(n_kel[0])]) if n_blocks else []
    kel_names += _place_names(rng, int(n_kel.sum()) - len(kel_names), set(_PLAJU_KELURAHAN) | set(kec_names))
    n_pkm = np.where(
        np.arange(n_blocks) == 0, 2, 1 + (rng.random(n_blocks) < 0.6) + (rng.random(n_blocks) < 0.2)
    )
    if n_blocks == 1 and budget < block:
        n_pkm[0] = 2 if budget > 30.0 else 1 if budget > 12.0 else 0
    sd_no = smp_no = 0
    k = 0
    for b, kec in enumerate(kec_names):
        m, o, mean = _TERRITORIAL["kecamatan"]
        add("KEC", f"Kecamatan {kec}", "kecamatan", m, o, mean, 1.0)
        own = kel_names[k : k + int(n_kel[b])]
        k += int(n_kel[b])
        m, o, mean = _TERRITORIAL["kelurahan"]
        for kel in own:
            add("KEL", f"Kelurahan {kel}", "kelurahan", m, o, mean, _STAFF_MULT["kelurahan"])
        m, o, mean = _TERRITORIAL["puskesmas"]
        extra = int(n_pkm[b]) - 1  # further puskesmas are named after distinct kelurahan
        picks = rng.permutation(len(own))[: max(extra, 0)]
        named = [own[i] for i in sorted(picks)]
        named += [f"{kec} {_roman(i + 2)}" for i in range(extra - len(named))]
        for where in [kec, *named][: int(n_pkm[b])]:
            add("PKM", f"Puskesmas {where}", "puskesmas", m, o, mean, 1.0)
        if schools:
            for kind, count in (("sd", int(rng.integers(2, 5))), ("smp", int(rng.integers(1, 3)))):
                m, o, mean = _TERRITORIAL[kind]
                for _ in range(count):
                    if kind == "sd":
                        sd_no += 1
                        name = f"SD Negeri {sd_no} Palembang"
                    else:
                        smp_no += 1
                        name = f"SMP Negeri {smp_no} Palembang"
                    add(_TERRITORIAL_PREFIX[kind], name, kind, m, o, mean, _STAFF_MULT[kind])
    # re-number ids with a common width per prefix
    width = {p: max(2, len(str(c))) for p, c in counters.items()}
    units = [
        u._replace(unit_id=f"{u.unit_id[:3]}{int(u.unit_id[3:]):0{width[u.unit_id[:3]]}d}") for u in units
    ]
    return units, target


def _plan_positions(
    units: list[_Unit], target: float, rng: np.random.Generator
) -> tuple[IntArray, IntArray, FloatArray]:
    """Positions as (unit index, jabatan index, staff weight) arrays."""
    means = np.array([u.mean for u in units])
    factor = target / means.sum()
    noise = rng.lognormal(0.0, 0.25, len(units))
    unit_of: list[int] = []
    jab_of: list[int] = []
    mult: list[float] = []
    for i, u in enumerate(units):
        cap = len(u.mandatory) + len(u.optional)
        k = int(np.clip(round(factor * u.mean * noise[i]), 1, cap))
        chosen = list(u.mandatory[:k])
        if k > len(chosen):
            names = list(u.optional)
            w = np.array([u.optional[x] for x in names])
            idx = rng.choice(len(names), size=k - len(chosen), replace=False, p=w / w.sum())
            chosen += [names[j] for j in sorted(idx)]
        unit_of += [i] * len(chosen)
        jab_of += [_JAB_INDEX[j] for j in chosen]
        mult += [u.staff_mult] * len(chosen)
    return np.array(unit_of, dtype=np.int64), np.array(jab_of, dtype=np.int64), np.array(mult)


def _allocate_staff(
    n: int, jab: IntArray, mult: FloatArray, vacancy: float, rng: np.random.Generator
) -> IntArray:
    """Staff count per position: ``n`` in total, each non-vacant position at least one."""
    n_pos = len(jab)
    vacant = rng.random(n_pos) < vacancy
    if n_pos - vacant.sum() > n:  # more positions than people: leave the rest vacant
        keep = rng.permutation(np.flatnonzero(~vacant))[:n]
        vacant[:] = True
        vacant[keep] = False
    if not (~vacant).any():
        vacant[0] = False
    w = _J_WEIGHT[jab] * mult * rng.lognormal(0.0, 0.45, n_pos)
    w[vacant] = 0.0
    staff = (~vacant).astype(np.int64)
    rest = n - int(staff.sum())
    staff += rng.multinomial(rest, w / w.sum()).astype(np.int64)
    return staff


def _strings_join(parts: list[npt.NDArray[np.generic]], sep: str) -> ObjArray:
    """Join string arrays element-wise with ``sep``, skipping empty parts.

    Works on object arrays: numpy then adds the Python strings in C, much faster than
    fixed-width ``np.strings`` arrays that grow at every step.
    """
    out = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        p = np.asarray(part, dtype=object)
        glue = np.where((out != "") & (p != ""), sep, "").astype(object)
        out = out + glue + p
    return out


_COMP_ITEMS: Final[ObjArray] = np.array(
    [["" if lv == 0 else f"{c}:{lv}" for lv in range(6)] for c in _COMPETENCIES], dtype=object
)


def _competency_text(levels: npt.NDArray[np.int8]) -> ObjArray:
    """Canonical ``name:level;...`` text per row of a level matrix (0 = absent)."""
    if not len(levels):
        return np.empty(0, dtype=object)
    return _strings_join([_COMP_ITEMS[k][levels[:, k]] for k in range(len(_COMPETENCIES))], ";")


# --------------------------------------------------------------------------- employees


def _employees(
    pos_ids: StrArray,
    staff: IntArray,
    jab_pos: IntArray,
    rng: np.random.Generator,
    *,
    pppk_share: float,
    cpns_share: float,
    locked_share: float,
    extra_columns: bool,
) -> tuple[pd.DataFrame, IntArray, IntArray, npt.NDArray[np.int8]]:
    """Make the employees table; also return grade ranks, education ranks and competency levels."""
    n = int(staff.sum())
    pos_of = np.repeat(np.arange(len(staff)), staff)
    je = jab_pos[pos_of]
    ref = REFERENCE_YEAR

    # status: PPPK concentrate in teachers and health workers
    u = rng.random(n)
    p_pppk = _J_PPPK[je] / _J_PPPK[je].mean() * pppk_share
    status = np.where(u < cpns_share, "CPNS", np.where(u < cpns_share + p_pppk, "PPPK", "PNS"))
    is_pns, is_cpns, is_pppk = status == "PNS", status == "CPNS", status == "PPPK"

    edu = (rng.random(n)[:, None] > _EDU_CUM[je]).sum(axis=1).astype(np.int64)
    edu = np.minimum(edu, len(EDUCATION_LEVELS) - 1)
    female = rng.random(n) < _J_FEMALE[je]

    # age at the reference date, birth date, TMT CPNS
    age = np.clip(np.round(rng.normal(44.0, 8.5, n)), 23, 57).astype(np.int64)
    age = np.where(is_cpns, rng.integers(22, 36, n), age)
    age = np.where(is_pppk, np.clip(np.round(rng.normal(35.0, 6.0, n)), 23, 44).astype(np.int64), age)
    b_year = ref - 1 - age
    b_month = rng.integers(1, 13, n)
    leap = (b_year % 4 == 0) & ((b_year % 100 != 0) | (b_year % 400 == 0))
    dim = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[b_month - 1] + ((b_month == 2) & leap)
    b_day = 1 + np.floor(rng.random(n) * dim).astype(np.int64)
    entry_age = np.round(rng.normal(25.0, 3.5, n) + np.where(edu >= 7, 1.5, -1.0)).astype(np.int64)
    entry_age = np.clip(entry_age, 18, 40)
    t_year = np.minimum(b_year + entry_age, ref - 2)
    t_year = np.where(is_cpns, ref - 1, t_year)
    t_year = np.where(is_pppk, np.clip(rng.integers(ref - 4, ref, n), b_year + 18, b_year + 40), t_year)
    t_month = rng.integers(1, 13, n)
    service = (ref - t_year) * 12 - (t_month - 1)  # months from TMT to 1 January of REFERENCE_YEAR

    # grade from education and years of service
    years = service / 12.0
    promotions = np.floor(years / rng.uniform(3.8, 5.0, n)).astype(np.int64)
    cap = np.where(_J_FUNGSIONAL[je], _CAP_FUNGSIONAL[edu], _CAP_PELAKSANA[edu])
    grade = np.minimum(_ENTRY_GRADE[edu] + np.where(is_pns, promotions, 0), cap)
    grade = np.maximum(grade, _ENTRY_GRADE[edu])

    # competencies: the jabatan's own, leaning high, plus a few others
    n_comp = len(_COMPETENCIES)
    levels = np.zeros((n, n_comp), dtype=np.int8)
    rows = np.arange(n)
    senior = (years >= 15) & (rng.random(n) < 0.35)
    lv1 = np.clip(np.round(rng.normal(3.2, 0.9, n)) + senior, 1, 5)
    levels[rows, _J_COMP1[je]] = lv1
    has2 = (_J_COMP2[je] >= 0) & (rng.random(n) < 0.85)
    levels[rows[has2], _J_COMP2[je][has2]] = np.clip(np.round(rng.normal(2.6, 1.0, int(has2.sum()))), 1, 5)
    extra_n = rng.choice(3, size=n, p=[0.45, 0.4, 0.15])
    extra_k = rng.integers(0, n_comp, (n, 2))
    extra_lv = np.clip(np.round(rng.normal(2.0, 0.8, (n, 2))), 1, 4).astype(np.int8)
    for slot in range(2):
        m = (extra_n > slot) & (levels[rows, extra_k[:, slot]] == 0)
        levels[rows[m], extra_k[m, slot]] = extra_lv[m, slot]
    levels[rng.random(n) < 0.02] = 0  # competency data not filled in

    # months in the current position: about a quarter under 24
    short = rng.random(n) < 0.13
    months = np.where(
        short, rng.integers(0, 24, n), 24 + np.minimum(rng.exponential(40.0, n), 156).astype(int)
    )
    months = np.minimum(months, service).astype(np.int64)

    # NIP: birth date + TMT + sex + serial, unique
    prefix15 = (
        ((b_year * 10000 + b_month * 100 + b_day) * 1_000_000 + t_year * 100 + t_month) * 10 + 1 + female
    )
    serial = rng.integers(1, 1000, n)
    while True:
        dup = pd.Series(prefix15 * 1000 + serial).duplicated().to_numpy()
        if not dup.any():
            break
        serial[dup] = rng.integers(1, 1000, int(dup.sum()))
    nip = (prefix15 * 1000 + serial).astype(str)

    # names with Palembang honorifics and academic titles
    given = np.where(female, _pick(rng, _FEMALE, n), _pick(rng, _MALE, n))
    family = np.where(female, _pick(rng, _FEMALE_FAMILY, n), _pick(rng, _MALE_FAMILY, n))
    family = np.where(rng.random(n) < 0.08, "", family)
    honor = np.where(female, _pick(rng, _FEMALE_HONORIFIC, n), _pick(rng, _MALE_HONORIFIC, n))
    honor = np.where(rng.random(n) < 0.06, honor, "")
    field = _J_FIELD[je]
    name = _strings_join([honor, given, family], " ")
    name = _TITLE_PREFIX[field, edu].astype(object) + name
    name = _strings_join([name, _TITLE_SUFFIX[field, edu]], ", ")

    frame = pd.DataFrame(
        {
            "employee_id": nip,
            "name": name,
            "position_id": pos_ids[pos_of],
            "status": status,
            "grade": np.asarray(GRADES)[grade],
            "education": np.asarray(EDUCATION_LEVELS)[edu],
            "competencies": _competency_text(levels),
            "months_in_position": months,
            "locked": rng.random(n) < locked_share,
        }
    )
    if extra_columns:
        places = np.array([p for p, _ in _BIRTHPLACES])
        pw = np.array([w for _, w in _BIRTHPLACES])
        frame["tempat_lahir"] = places[rng.choice(len(places), size=n, p=pw / pw.sum())]
        frame["keterangan"] = np.where(rng.random(n) < 0.12, _pick(rng, _REMARKS, n), "")
    return frame, grade, edu, levels


# --------------------------------------------------------------------------- positions


def _requirements(
    jab_pos: IntArray,
    staff: IntArray,
    kinds: StrArray,
    emp_jab: IntArray,
    grade: IntArray,
    rng: np.random.Generator,
) -> tuple[dict[str, Any], npt.NDArray[np.int8]]:
    """min/max grade, min education, competencies, min/max staff per position; required levels."""
    n_pos = len(jab_pos)
    # grade quantiles of each jabatan's holders: a range most, not all, of them meet
    lo_q = np.zeros(len(_JAB_NAMES), dtype=np.int64)
    hi_q = np.full(len(_JAB_NAMES), len(GRADES) - 1, dtype=np.int64)
    if len(grade):
        g = pd.DataFrame({"j": emp_jab, "g": grade}).groupby("j")["g"]
        lo = g.quantile(0.12, interpolation="lower")
        hi = g.quantile(0.7, interpolation="higher")
        lo_q[lo.index.to_numpy()] = lo.to_numpy(dtype=np.int64)
        hi_q[hi.index.to_numpy()] = hi.to_numpy(dtype=np.int64)
    grades = np.asarray(GRADES)
    has_min_g = rng.random(n_pos) < 0.35
    has_max_g = rng.random(n_pos) < 0.2
    min_grade = np.where(has_min_g, grades[lo_q[jab_pos]], "")
    max_grade = np.where(has_max_g, grades[hi_q[jab_pos]], "")

    edu_levels = np.asarray(EDUCATION_LEVELS)
    edu_req = np.minimum(_J_MIN_EDU[jab_pos] + (rng.random(n_pos) < 0.08), len(edu_levels) - 1)
    min_education = np.where(rng.random(n_pos) < 0.5, edu_levels[edu_req], "")

    n_comp = len(_COMPETENCIES)
    req = np.zeros((n_pos, n_comp), dtype=np.int8)
    rows = np.arange(n_pos)
    has1 = rng.random(n_pos) < 0.6
    req[rows[has1], _J_COMP1[jab_pos][has1]] = rng.integers(2, 4, int(has1.sum()))
    has2 = has1 & (_J_COMP2[jab_pos] >= 0) & (rng.random(n_pos) < 0.2)
    req[rows[has2], _J_COMP2[jab_pos][has2]] = 2
    required = _competency_text(req)

    # staffing bounds never make the current staffing infeasible
    essential = (kinds == "puskesmas") & np.isin(
        jab_pos, [_JAB_INDEX[j] for j in ("Dokter", "Bidan", "Perawat")]
    )
    min_staff = np.where(
        essential | (rng.random(n_pos) < 0.08), np.minimum(staff, rng.integers(1, 3, n_pos)), 0
    )
    has_max = rng.random(n_pos) < 0.12
    max_staff = pd.array(np.where(has_max, staff + rng.integers(0, 3, n_pos), 0), dtype="Int64")
    max_staff[~has_max] = pd.NA
    return {
        "min_staff": min_staff.astype(np.int64),
        "max_staff": max_staff,
        "required_competencies": required,
        "min_grade": min_grade,
        "max_grade": max_grade,
        "min_education": min_education,
    }, req


def _needs(staff: IntArray, jab_pos: IntArray, imbalance: float, rng: np.random.Generator) -> FloatArray:
    """Staff need (FTE) per position, off the current staffing by about ``imbalance``."""
    n_pos = len(staff)
    s = staff.astype(float)
    strength = min(1.0, imbalance / 0.35)
    if imbalance <= 0.0:
        return s
    n_jab = len(_JAB_NAMES)
    jab_factor = np.exp(np.log(_J_BIAS) * strength + rng.normal(0.0, 0.1 * strength, n_jab))
    raw = s * jab_factor[jab_pos] * np.exp(rng.normal(0.0, 1.25 * imbalance, n_pos))
    vacant = s == 0
    raw[vacant] = rng.uniform(0.5, 2.5, int(vacant.sum()))
    total = s.sum() * (1.0 + rng.uniform(-0.08, 0.08) * strength)
    need = raw
    for _ in range(4):  # alternate: hit the imbalance, then the agency total
        gap = need - s
        now = np.abs(gap).sum() / s.sum()
        need = np.maximum(s + gap * (imbalance / now), 0.2)
        need *= total / need.sum()
    return need


def _tasks(
    pos_ids: StrArray,
    jab_pos: IntArray,
    hours: FloatArray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """ABK task rows whose workload adds up to about ``hours`` per position."""
    frames: list[pd.DataFrame] = []
    for j in np.unique(jab_pos):
        own = len(_JABATAN[_JAB_NAMES[j]].tasks)
        c = own + len(_GENERIC_TASKS)
        pos = np.flatnonzero(jab_pos == j)
        keys = rng.random((len(pos), c)) + np.r_[np.zeros(own), np.full(len(_GENERIC_TASKS), 0.7)]
        order = np.argsort(keys, axis=1)
        k = np.minimum(rng.integers(2, 9, len(pos)), own + 3)
        r, col = np.nonzero(np.arange(c)[None, :] < k[:, None])
        t = order[r, col]
        frames.append(pd.DataFrame({"p": pos[r], "t": t, "j": j}))
    if not frames:
        empty: pd.DataFrame = pd.DataFrame(columns=[*TASK_COLUMNS, "satuan_hasil"])
        return empty
    rows = pd.concat(frames, ignore_index=True).sort_values(["p", "t"], kind="stable", ignore_index=True)
    p = rows["p"].to_numpy()
    t = rows["j"].to_numpy() * _TPL_STRIDE + rows["t"].to_numpy()  # index into the flat templates
    names, period, unit = _TPL_NAME[t], _TPL_PERIOD[t], _TPL_UNIT[t]
    lo, hi = _TPL_LO[t], _TPL_HI[t]
    norm = lo + np.floor(rng.random(len(t)) * (hi - lo + 1)).astype(np.int64)
    step = np.select([norm >= 960, norm >= 120, norm >= 30], [60, 15, 5], 1)
    norm = np.maximum(np.round(norm / step) * step, 1).astype(np.int64)
    factor = _TPL_FACTOR[t]
    generic = _TPL_GENERIC[t]
    # daily and weekly tasks carry most of the load; yearly outputs stay few per person
    weight = np.where(generic, _GENERIC_SHARE, 1.0) * np.select([factor == 1, factor == 12], [0.35, 0.6], 1.0)
    share = rng.gamma(2.0, 1.0, len(t)) * weight
    share /= np.bincount(p, weights=share, minlength=len(hours))[p]
    minutes = hours * 60.0
    volume = np.maximum(1, np.round(share * minutes[p] / (factor * norm))).astype(np.int64)
    big_yearly = (factor == 1) & (norm >= 480)
    cap = np.ceil(3.0 * hours[p] / _WKE_HOURS).astype(np.int64) + 1
    volume = np.where(big_yearly, np.minimum(volume, cap), volume)
    # rescale the other tasks to the target, then fix the rounding on the finest-grained one
    unit_min = factor * norm
    size = len(hours)
    fixed = np.bincount(p, weights=np.where(big_yearly, volume * unit_min, 0.0), minlength=size)
    flex = np.bincount(p, weights=np.where(big_yearly, 0.0, volume * unit_min), minlength=size)
    ratio = np.where(flex > 0, np.maximum(minutes - fixed, 0.0) / np.where(flex > 0, flex, 1.0), 1.0)
    volume = np.where(big_yearly, volume, np.maximum(1, np.round(volume * ratio[p]))).astype(np.int64)
    got = np.bincount(p, weights=volume * unit_min, minlength=size)
    first = np.lexsort((unit_min, big_yearly, p))
    fine = first[np.r_[True, p[first][1:] != p[first][:-1]]]
    fix = np.round((minutes - got)[p[fine]] / unit_min[fine]).astype(np.int64)
    volume[fine] = np.maximum(1, volume[fine] + fix)
    out: pd.DataFrame = pd.DataFrame(
        {
            "position_id": pos_ids[p],
            "task": names,
            "volume": volume,
            "period": period,
            "norm_minutes": norm,
            "satuan_hasil": unit,
        }
    )
    return out


# --------------------------------------------------------------------------- policy columns

#: Jabatan whose BUP is 60 by law (teachers and school supervisors, UU 14/2005).
_BUP60: Final[tuple[str, ...]] = ("Guru Kelas", "Guru Mata Pelajaran", "Pengawas Sekolah", "Penilik")


def _insert_after(frame: pd.DataFrame, at: int, columns: Mapping[str, Any]) -> pd.DataFrame:
    """``frame`` with ``columns`` inserted at position ``at`` (a new frame)."""
    head, tail = frame.iloc[:, :at], frame.iloc[:, at:]
    added = pd.DataFrame(dict(columns), index=frame.index)
    out: pd.DataFrame = pd.concat([head, added, tail], axis=1)
    return out


def _pick_same_jabatan(
    jab: IntArray, unit: IntArray, jab_pos: IntArray, unit_of: IntArray, rng: np.random.Generator
) -> IntArray:
    """A random position of the same jabatan in another unit per row (-1 when none found)."""
    order = np.argsort(jab_pos, kind="stable")
    count = np.bincount(jab_pos, minlength=len(_JAB_NAMES))
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    out = np.full(len(jab), -1, dtype=np.int64)
    for _ in range(4):  # a few tries: the same unit is drawn now and then
        todo = out < 0
        if not todo.any():
            break
        k = start[jab[todo]] + np.floor(rng.random(int(todo.sum())) * count[jab[todo]]).astype(np.int64)
        cand = order[np.minimum(k, len(order) - 1)]
        ok = unit_of[cand] != unit[todo]
        out[np.flatnonzero(todo)[ok]] = cand[ok]
    return out


def _preferences(
    wish: IntArray,
    n_wished: IntArray,
    emp_pos: IntArray,
    pos_ids: StrArray,
    jab_pos: IntArray,
    unit_of: IntArray,
    unit_ids: StrArray,
    rng: np.random.Generator,
) -> ObjArray:
    """``;``-joined preference lists of the employees ``wish``, ``n_wished`` entries at most."""
    own = emp_pos[wish]
    slots: list[ObjArray] = []
    for slot in range(3):
        pick = _pick_same_jabatan(jab_pos[own], unit_of[own], jab_pos, unit_of, rng)
        as_unit = rng.random(len(wish)) < 0.15
        text = np.where(
            pick < 0,
            "",
            np.where(as_unit, unit_ids[unit_of[pick]], pos_ids[np.maximum(pick, 0)]),
        ).astype(object)
        text[slot >= n_wished] = ""
        for before in slots:
            text[text == before] = ""
        slots.append(text)
    return _strings_join(list(slots), ";")


def _spouses(emp_unit: IntArray, female: BoolArray, nip: StrArray, rng: np.random.Generator) -> ObjArray:
    """``spouse_id`` of pairs of a man and a woman of the same unit, about 2 % of employees."""
    n = len(nip)
    spouse = np.full(n, "", dtype=object)
    frame = pd.DataFrame({"u": emp_unit, "f": female, "k": rng.random(n), "i": np.arange(n)})
    frame = frame.sort_values(["u", "f", "k"], kind="stable")
    frame["r"] = frame.groupby(["u", "f"]).cumcount()
    men, women = frame[~frame["f"]], frame[frame["f"]]
    pairs = men.merge(women, on=["u", "r"], suffixes=("_m", "_w"))
    if pairs.empty:
        return spouse
    want = min(len(pairs), round(0.01 * n))
    chosen = pairs.iloc[np.sort(rng.permutation(len(pairs))[:want])]
    m, w = chosen["i_m"].to_numpy(), chosen["i_w"].to_numpy()
    one_sided = rng.random(len(m)) < 0.2
    spouse[m] = nip[w]
    spouse[w] = np.where(one_sided, "", nip[m])
    return spouse


def _coverage(
    emp_unit: IntArray,
    levels: npt.NDArray[np.int8],
    jab_pos: IntArray,
    unit_of: IntArray,
    n_units: int,
    rng: np.random.Generator,
) -> ObjArray:
    """Coverage text per unit (about a fifth of units) that the current staff already meet."""
    first = np.searchsorted(unit_of, np.arange(n_units))
    n_pos = np.bincount(unit_of, minlength=n_units)
    chosen = (rng.random(n_units) < 0.2) & (n_pos > 0)
    pos = first + np.floor(rng.random(n_units) * np.maximum(n_pos, 1)).astype(np.int64)
    jab = jab_pos[np.minimum(pos, len(jab_pos) - 1)]
    second = rng.random(n_units) < 0.3
    rows = np.arange(len(emp_unit))
    parts: list[tuple[IntArray, ObjArray]] = []
    for comp, use in ((_J_COMP1[jab], chosen), (_J_COMP2[jab], chosen & second & (_J_COMP2[jab] >= 0))):
        level = rng.integers(2, 4, n_units)
        c = np.maximum(comp, 0)
        have = levels[rows, c[emp_unit]] if len(rows) else np.zeros(0, dtype=np.int8)
        count = np.bincount(emp_unit, weights=use[emp_unit] & (have >= level[emp_unit]), minlength=n_units)
        count1 = np.bincount(emp_unit, weights=use[emp_unit] & (have >= 1), minlength=n_units)
        level = np.where(count > 0, level, 1)
        count = np.where(count > 0, count, count1).astype(np.int64)
        need = 1 + np.floor(rng.random(n_units) * np.minimum(count, 3)).astype(np.int64)
        ok = use & (count > 0)
        comps = np.asarray(_COMPETENCIES, dtype=object)[c]
        text = np.where(ok, comps + ":" + level.astype(str) + "x" + need.astype(str), "").astype(object)
        parts.append((np.where(ok, c, -1), text))
    (c1, t1), (c2, t2) = parts
    swap = (c2 >= 0) & (c2 < c1)  # canonical order: by name
    return _strings_join([np.where(swap, t2, t1), np.where(swap, t1, t2)], ";")


def _policy(
    nip: StrArray,
    pos_ids: StrArray,
    staff: IntArray,
    jab_pos: IntArray,
    unit_of: IntArray,
    unit_ids: StrArray,
    unit_names: StrArray,
    levels: npt.NDArray[np.int8],
    req_levels: npt.NDArray[np.int8],
    rng: np.random.Generator,
) -> tuple[dict[str, Any], dict[str, Any], pd.DataFrame]:
    """The policy columns of employees and positions, and the units table."""
    n, n_pos, n_units = len(nip), len(jab_pos), len(unit_ids)
    emp_pos = np.repeat(np.arange(n_pos), staff)
    emp_unit = unit_of[emp_pos]
    born = pd.to_datetime(pd.Series(nip, dtype=object).str.slice(0, 8), format="%Y%m%d", errors="coerce")
    female = pd.Series(nip, dtype=object).str.slice(14, 15).to_numpy(dtype=object) == "2"

    volunteer = rng.random(n) < 0.05
    wishes = volunteer | (rng.random(n) < 0.02)
    wish = np.flatnonzero(wishes)
    n_wished = np.where(volunteer[wish], rng.integers(1, 4, len(wish)), rng.integers(1, 3, len(wish)))
    preferences = np.full(n, "", dtype=object)
    preferences[wish] = _preferences(wish, n_wished, emp_pos, pos_ids, jab_pos, unit_of, unit_ids, rng)
    employees = {
        "birth_date": born.to_numpy(dtype="datetime64[ns]"),
        "discipline": rng.random(n) < 0.01,
        "study_leave": rng.random(n) < 0.01,
        "volunteer": volunteer,
        "preferences": preferences,
        "spouse_id": _spouses(emp_unit, female, nip, rng),
    }

    # BUP: 58; 60 for teachers and ahli madya; 65 for a few ahli utama
    r = rng.random(n_pos)
    senior = _J_FUNGSIONAL[jab_pos] & (_J_KELAS[jab_pos] >= 9)
    top = _J_KELAS[jab_pos] >= 11
    bup60 = np.isin(jab_pos, [_JAB_INDEX[j] for j in _BUP60]) | top | (senior & (r < 0.35))
    bup65 = senior & (r < np.where(top, 0.1, 0.05))
    retirement = np.where(bup65, 65, np.where(bup60, 60, 58)).astype(np.int64)
    # competency standard: the required levels or one above; else the primary competency
    std = req_levels.copy()
    rows = np.arange(n_pos)
    none = (std == 0).all(axis=1)
    std[rows[none], _J_COMP1[jab_pos][none]] = rng.integers(2, 4, int(none.sum()))
    up = (std > 0) & (rng.random(std.shape) < 0.4)
    std = np.minimum(std + up, 5).astype(np.int8)
    standard = np.where(rng.random(n_pos) < 0.85, _competency_text(std), "").astype(object)
    positions = {"retirement_age": retirement, "competency_standard": standard}

    capped = rng.random(n_units) < 1.0 / 3.0
    has_out = capped & (rng.random(n_units) < 0.75)
    has_in = capped & (~has_out | (rng.random(n_units) < 0.75))
    max_out = pd.array(rng.integers(2, 7, n_units), dtype="Int64")
    max_in = pd.array(rng.integers(2, 7, n_units), dtype="Int64")
    max_out[~has_out] = pd.NA
    max_in[~has_in] = pd.NA
    units = pd.DataFrame(
        {
            "unit_id": unit_ids,
            "unit_name": unit_names,
            "max_moves_out": max_out,
            "max_moves_in": max_in,
            "coverage": _coverage(emp_unit, levels, jab_pos, unit_of, n_units, rng),
        }
    )
    return employees, positions, units


# --------------------------------------------------------------------------- public API


def generate(
    n_employees: int = 600,
    *,
    seed: int = 0,
    with_tasks: bool = True,
    extra_columns: bool = True,
    imbalance: float = 0.35,
    pppk_share: float = 0.12,
    cpns_share: float = 0.03,
    locked_share: float = 0.03,
    vacancy_share: float = 0.03,
    tasks_share: float = 0.9,
    policy_columns: bool = False,
) -> dict[str, pd.DataFrame]:
    """Generate a realistic planning scenario of an Indonesian local government.

    The organisation has agency-wide units (Sekretariat Daerah, dinas, badan, Inspektorat,
    Sekretariat DPRD, RSUD; the first ones only in small scenarios) and kecamatan blocks
    (a kecamatan, its kelurahan, one to three puskesmas and, from 2,000 employees up, SD and
    SMP schools). The first kecamatan is Plaju (Palembang) with its seven kelurahan. There
    are about ``n_employees / 8 + 25`` positions (one per unit and jabatan), about four per
    unit: 600 employees give ~100 positions in ~25 units, 10,000 give ~1,300 in ~340.

    Parameters
    ----------
    n_employees : int
        Number of employees (exactly this many rows), at least 1.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same tables.
    with_tasks : bool
        Whether to give the ABK task detail. When true, ``tasks_share`` of the positions
        have tasks and a blank ``workload_hours`` (their workload comes from the tasks),
        the others have ``workload_hours`` and no tasks. When false, every position has
        ``workload_hours`` and the tasks table is empty.
    extra_columns : bool
        Add columns a planner must ignore (see :data:`EXTRA_COLUMNS`).
    imbalance : float
        How far staffing is from the need: the need per position is drawn so that
        ``sum |need - staff| / sum staff`` is about this value (see :func:`imbalance_of`),
        some positions over-, some under-staffed, and the agency total need within 8 %
        of the head count. ``0`` gives a balanced scenario (need = staff, no vacancies).
    pppk_share, cpns_share : float
        Expected shares of PPPK (mostly teachers and health workers) and CPNS; the rest
        are PNS.
    locked_share : float
        Share of employees marked ``locked``.
    vacancy_share : float
        Share of positions with no staff but a workload (scaled down with ``imbalance``).
    tasks_share : float
        Share of positions given as tasks when ``with_tasks`` is true.
    policy_columns : bool
        Add the mutasi-policy columns (:data:`POLICY_COLUMNS`) and a ``units`` table
        (:data:`UNIT_COLUMNS`), see the notes. They are drawn from a random stream of their
        own, so the other columns are the same as without them.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``employees``, ``positions`` and ``tasks`` with the canonical columns
        (:data:`EMPLOYEE_COLUMNS`, :data:`POSITION_COLUMNS`, :data:`TASK_COLUMNS`) in
        that order, then the policy columns when asked for, then the extra columns; with
        ``policy_columns`` also ``units``. Blank text cells are ``""``; blank numbers
        (``workload_hours``, ``max_staff``, ``max_moves_out``, ``max_moves_in``) are
        ``<NA>`` of the nullable ``Int64`` dtype; ``birth_date`` is ``datetime64[ns]``.

    Notes
    -----
    Employees: NIPs are well formed (birth date + TMT CPNS + sex + serial, TMT 18 to 40
    years after birth; PPPK numbers follow the same pattern here, though real NI PPPK
    carry ``21`` in place of the TMT month). Grade follows education (entry grade) and
    years of service; education and competencies follow the jabatan; about a quarter have
    served less than 24 months in their position. Positions: about a third carry a
    minimum grade and a fifth a maximum grade taken from the grade spread of the
    jabatan's holders, half a minimum education, 60 % required competencies at level 2-3;
    ``min_staff`` (puskesmas doctors, midwives and nurses, and a few others) and
    ``max_staff`` never exceed, resp. fall below, the current staffing, so doing nothing
    is always feasible. Workload is ``need x 1,250`` hours (WKE of PermenPAN-RB 1/2020).

    Policy columns: ``birth_date`` is the birth date in the NIP; about 1 % each are under
    ``discipline`` and on ``study_leave``; about 5 % are ``volunteer`` with one to three
    ``preferences`` (positions of the same jabatan in other units, sometimes such a unit),
    and about 2 % of the others have preferences too; about 2 % are in ``spouse_id`` pairs
    of a man and a woman of the same unit (a fifth of the pairs named on one side only).
    ``retirement_age`` is 58, 60 for teachers, school supervisors and about a third of the
    senior fungsional positions (ahli madya) and 65 for a few of these (ahli utama).
    ``competency_standard`` (85 % of positions) asks the required levels or one above, and
    the jabatan's primary competency at level 2-4 where none is required. Units: about a
    third have ``max_moves_out`` and/or ``max_moves_in`` of 2 to 6, about a fifth a
    ``coverage`` of one or two competencies that the current staff already meet.

    Examples
    --------
    >>> t = generate(200, seed=1)
    >>> t["employees"]["position_id"].isin(t["positions"]["position_id"]).all()
    np.True_
    """
    n = int(n_employees)
    if n < 1:
        raise ValueError(f"n_employees must be at least 1, got {n_employees!r}")
    for label, value in (
        ("imbalance", imbalance),
        ("pppk_share", pppk_share),
        ("cpns_share", cpns_share),
        ("locked_share", locked_share),
        ("vacancy_share", vacancy_share),
        ("tasks_share", tasks_share),
    ):
        if not 0.0 <= value <= (3.0 if label == "imbalance" else 1.0):
            raise ValueError(f"{label} is out of range: {value!r}")
    if pppk_share + cpns_share > 0.9:
        raise ValueError("pppk_share + cpns_share must be at most 0.9")
    rng = np.random.default_rng(seed)

    units, target = _plan_units(n, rng)
    unit_of, jab_pos, mult = _plan_positions(units, target, rng)
    n_pos = len(jab_pos)
    vacancy = vacancy_share * min(1.0, imbalance / 0.35)
    staff = _allocate_staff(n, jab_pos, mult, vacancy, rng)

    unit_ids = np.array([u.unit_id for u in units])
    unit_names = np.array([u.name for u in units])
    kinds = np.array([u.kind for u in units])[unit_of]
    seq = np.arange(n_pos) - np.searchsorted(unit_of, unit_of)  # 0.. within each unit
    pos_ids = np.strings.add(
        np.strings.add(unit_ids[unit_of], "-"), np.strings.zfill((seq + 1).astype(str), 2)
    )

    employees, grade, _edu, _levels = _employees(
        pos_ids,
        staff,
        jab_pos,
        rng,
        pppk_share=pppk_share,
        cpns_share=cpns_share,
        locked_share=locked_share,
        extra_columns=extra_columns,
    )
    emp_jab = np.repeat(jab_pos, staff)
    req, req_levels = _requirements(jab_pos, staff, kinds, emp_jab, grade, rng)
    need = _needs(staff, jab_pos, imbalance, rng)
    hours = np.maximum(np.round(need * _WKE_HOURS), 1.0)

    task_cols = [*TASK_COLUMNS, *(EXTRA_COLUMNS["tasks"] if extra_columns else ())]
    workload = pd.array(hours.astype(np.int64), dtype="Int64")
    if with_tasks:
        by_tasks = rng.random(n_pos) < tasks_share
        tasks = _tasks(pos_ids[by_tasks], jab_pos[by_tasks], hours[by_tasks], rng)[task_cols]
        workload[by_tasks] = pd.NA
    else:
        tasks = pd.DataFrame({c: pd.Series(dtype=object) for c in task_cols})
        tasks = tasks.astype({"volume": np.int64, "norm_minutes": np.int64})

    positions = pd.DataFrame(
        {
            "position_id": pos_ids,
            "unit_id": unit_ids[unit_of],
            "unit_name": unit_names[unit_of],
            "jabatan": np.asarray(_JAB_NAMES)[jab_pos],
            "workload_hours": workload,
            **req,
        }
    )
    if policy_columns:
        prng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
        emp_cols, pos_cols, units_frame = _policy(
            employees["employee_id"].to_numpy(dtype=str),
            pos_ids,
            staff,
            jab_pos,
            unit_of,
            unit_ids,
            unit_names,
            _levels,
            req_levels,
            prng,
        )
        employees = _insert_after(employees, len(EMPLOYEE_COLUMNS), emp_cols)
        positions = _insert_after(positions, len(POSITION_COLUMNS), pos_cols)
    if extra_columns:
        positions["kelas_jabatan"] = _J_KELAS[jab_pos]
        positions["jenis_jabatan"] = np.where(_J_FUNGSIONAL[jab_pos], "Fungsional", "Pelaksana")
    out = {"employees": employees, "positions": positions, "tasks": tasks}
    if policy_columns:
        out["units"] = units_frame
    return out


def generate_scale(name: str, seed: int = 0, **kwargs: Any) -> dict[str, pd.DataFrame]:
    """Generate a named scenario size from :data:`SCALES`.

    Parameters
    ----------
    name : str
        ``plaju`` (600 employees), ``city`` (10,000) or ``province`` (90,000).
    seed : int
        Random seed, see :func:`generate`.
    **kwargs
        Further keyword arguments of :func:`generate`.

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables, as :func:`generate` returns them.
    """
    if name not in SCALES:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}")
    return generate(SCALES[name], seed=seed, **kwargs)


def imbalance_of(tables: Mapping[str, pd.DataFrame], effective_hours: float = _WKE_HOURS) -> float:
    """Measure the staffing imbalance ``sum |need - staff| / sum staff`` of tables.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        ``employees``, ``positions`` and (optionally) ``tasks`` as :func:`generate` makes
        them; workload comes from the tasks where a position has some.
    effective_hours : float
        Hours per FTE per year (WKE).

    Returns
    -------
    float
        Zero when every position has exactly its need.
    """
    pos = tables["positions"]
    ids = pos["position_id"].astype(str)
    hours = pd.to_numeric(pos["workload_hours"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    tasks = tables.get("tasks")
    if tasks is not None and len(tasks):
        factor = tasks["period"].map(PERIOD_FACTORS).astype(float)
        minutes = pd.to_numeric(tasks["volume"]) * factor * pd.to_numeric(tasks["norm_minutes"])
        from_tasks = (minutes / 60.0).groupby(tasks["position_id"].astype(str).to_numpy()).sum()
        got = ids.map(from_tasks).to_numpy(dtype=float, na_value=np.nan)
        hours = np.where(np.isnan(got), hours, got)
    staff = ids.map(tables["employees"]["position_id"].astype(str).value_counts()).fillna(0).to_numpy(float)
    need = np.nan_to_num(hours) / effective_hours
    return float(np.abs(need - staff).sum() / max(staff.sum(), 1.0))


def write_csv_folder(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables as ``employees.csv``, ``positions.csv``, ``tasks.csv`` and ``units.csv``.

    Ids and all other cells are written as text: booleans as ``true``/``false``, dates as
    ``YYYY-MM-DD``, blanks as empty cells, whole numbers without ``.0``. An empty or
    missing tasks or units table is not written. The folder is created if needed.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The tables, e.g. from :func:`generate`.
    path : str or pathlib.Path
        The folder.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("employees", "positions", "tasks", "units"):
        frame = tables.get(name)
        if frame is None or (name in ("tasks", "units") and frame.empty):
            continue
        out = pd.DataFrame(index=frame.index)
        for col in frame.columns:
            s = frame[col]
            if pd.api.types.is_bool_dtype(s.dtype):
                out[col] = s.map({True: "true", False: "false"}).fillna("").astype(str)
            elif pd.api.types.is_datetime64_any_dtype(s.dtype):
                out[col] = s.dt.strftime("%Y-%m-%d").fillna("").astype(str)
            elif pd.api.types.is_float_dtype(s.dtype):
                x = s.to_numpy(dtype=float, na_value=np.nan)
                whole = np.isfinite(x) & (x == np.round(x))
                text = s.astype(str).to_numpy(dtype=object)
                text[whole] = x[whole].astype(np.int64).astype(str)
                text[np.isnan(x)] = ""
                out[col] = text
            else:
                out[col] = s.astype("string").fillna("").astype(str)
        out.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
    return folder
