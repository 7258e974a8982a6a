"""Make this folder's SIASN-style export of a small pemda (python docs/siasn_sample_pemda/make_sample.py)."""

import csv
import datetime as dt
import random
from pathlib import Path

rng = random.Random(2026)
OUT = Path(__file__).resolve().parent
UNITS = [
    ("8ae48286763f6ed10176404e3b7b0a11", "Sekretariat Daerah"),
    ("8ae48286763f6ed10176404e3b7b0a12", "Badan Kepegawaian dan Pengembangan SDM"),
    ("8ae48286763f6ed10176404e3b7b0a13", "Dinas Pendidikan"),
    ("8ae48286763f6ed10176404e3b7b0a14", "Dinas Kesehatan"),
    ("8ae48286763f6ed10176404e3b7b0a15", "Badan Pengelolaan Keuangan Daerah"),
    ("8ae48286763f6ed10176404e3b7b0a16", "Kecamatan Plaju"),
]
# jabatan: name (as in the ABK), SIASN id, type, level, min education, PNS grade range, PPPK range
JAB = [
    (
        "Analis Sumber Daya Manusia Aparatur Ahli Pertama",
        "J101",
        "Jabatan Fungsional",
        "Ahli Pertama",
        "S-1",
        ("III/a", "III/b"),
        ("IX", "IX"),
    ),
    (
        "Analis Sumber Daya Manusia Aparatur Ahli Muda",
        "J102",
        "Jabatan Fungsional",
        "Ahli Muda",
        "S-1",
        ("III/c", "III/d"),
        ("X", "XI"),
    ),
    (
        "Analis Keuangan Pusat dan Daerah Ahli Madya",
        "J103",
        "Jabatan Fungsional",
        "Ahli Madya",
        "S-2",
        ("IV/a", "IV/c"),
        ("XII", "XIII"),
    ),
    (
        "Pranata Komputer Terampil",
        "J104",
        "Jabatan Fungsional",
        "Terampil",
        "D-III",
        ("II/c", "II/d"),
        ("VII", "VII"),
    ),
    ("Pengadministrasi Perkantoran", "J105", "Jabatan Pelaksana", "", "SMA", ("II/a", "III/b"), ("V", "VII")),
    ("Penata Layanan Operasional", "J106", "Jabatan Pelaksana", "", "S-1", ("III/a", "III/d"), ("IX", "IX")),
    ("Kepala Subbagian Umum", "J107", "Jabatan Administrasi", "Pengawas", "S-1", ("III/c", "IV/a"), ("", "")),
    (
        "Kepala Bagian Organisasi",
        "J108",
        "Jabatan Administrasi",
        "Administrator",
        "S-1",
        ("III/d", "IV/b"),
        ("", ""),
    ),
    (
        "Perawat Ahli Utama",
        "J109",
        "Jabatan Fungsional",
        "Ahli Utama",
        "S-2",
        ("IV/d", "IV/e"),
        ("XV", "XVII"),
    ),
]
PNS_IDS = {
    g: 10 * {"I": 1, "II": 2, "III": 3, "IV": 4}[g.split("/")[0]] + "abcde".index(g[-1]) + 1
    for g in [
        "I/a",
        "I/b",
        "I/c",
        "I/d",
        "II/a",
        "II/b",
        "II/c",
        "II/d",
        "III/a",
        "III/b",
        "III/c",
        "III/d",
        "IV/a",
        "IV/b",
        "IV/c",
        "IV/d",
        "IV/e",
    ]
}
PNS = list(PNS_IDS)
PPPK = [
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
]
EDU_CODE = {"SMA": 15, "D-III": 30, "D-IV": 35, "S-1": 40, "S-2": 45}
NAMES = [
    "Ahmad",
    "Siti",
    "Rizky",
    "Dewi",
    "Budi",
    "Nurul",
    "Fajar",
    "Putri",
    "Hendra",
    "Ayu",
    "Yusuf",
    "Rina",
    "Agus",
    "Maya",
    "Dimas",
    "Lestari",
    "Eko",
    "Indah",
    "Bayu",
    "Wulan",
]
FAM = [
    "Saputra",
    "Wijaya",
    "Lestari",
    "Pratama",
    "Rahmawati",
    "Hidayat",
    "Kurniawan",
    "Sari",
    "Nugroho",
    "Putra",
]


def spell(name):  # offices spell jabatan otherwise: case and spaces
    r = rng.random()
    return (
        name.upper()
        if r < 0.15
        else name.replace(" ", "  ", 1)
        if r < 0.25
        else name.lower()
        if r < 0.3
        else name
    )


positions = []
pos_of = []
for u, (uid, uname) in enumerate(UNITS):
    for j, (name, kode, typ, lvl, edu, pns, pppk) in enumerate(JAB):
        if (u + j) % 3 == 2 and j not in (4, 6):
            continue
        hours = rng.choice([1250, 1875, 2500, 3125, 3750, 5000, 6250, 600])
        positions.append(
            {
                "unorId": uid,
                "unorNama": uname,
                "jabatanNama": name,
                "jabatanId": kode,
                "jenisJabatan": typ,
                "jenjang": lvl,
                "Beban Kerja (jam/tahun)": str(hours).replace(".", ","),
                "pendidikan_min": edu,
                "golongan_min": pns[0],
                "golongan_max": pns[1],
                "golongan_min_pppk": pppk[0],
                "golongan_max_pppk": pppk[1],
            }
        )
        pos_of.append((uid, uname, j))
employees = []
serial = 0
for uid, uname, j in pos_of:
    name, kode, typ, lvl, edu, pns, pppk = JAB[j]
    n = rng.randint(1, 5)
    for _ in range(n):
        serial += 1
        status = rng.choices(["PNS", "CPNS", "PPPK", "PPPK Paruh Waktu"], [0.7, 0.05, 0.17, 0.08])[0]
        birth = dt.date(rng.randint(1966, 1998), rng.randint(1, 12), rng.randint(1, 28))
        if j == 8:
            birth = dt.date(
                rng.randint(1960, 1963), rng.randint(1, 12), rng.randint(1, 28)
            )  # ahli utama: BUP 65
        tmt_year = min(max(birth.year + 23, 1990), 2024)
        sex = rng.choice([1, 2])
        if status.startswith("PPPK"):
            nip = f"{birth:%Y%m%d}{2023 + rng.randint(0, 1)}21{sex}{serial:03d}"
            grade = pppk[0] or rng.choice(["V", "VII", "IX"])
            if rng.random() < 0.5 and pppk[0]:
                grade = PPPK[min(PPPK.index(pppk[0]) + rng.randint(0, 1), PPPK.index(pppk[1]))]
        else:
            nip = f"{birth:%Y%m%d}{tmt_year}{rng.randint(1, 12):02d}{sex}{serial:03d}"
            lo, hi = PNS.index(pns[0]), PNS.index(pns[1])
            grade = PNS[rng.randint(lo, hi)]
        grade_text = grade
        ed = edu
        if edu == "S-1" and rng.random() < 0.3:
            ed = "D-IV"  # "S-1/D-IV" positions
        tmt = dt.date(rng.randint(2015, 2024), rng.randint(1, 12), 1)
        gdr = "Perempuan" if sex == 2 else "Laki-laki"
        nama = f"{rng.choice(NAMES)} {rng.choice(FAM)}"
        employees.append(
            {
                "id": f"e{serial:04d}",
                "nipBaru": nip,
                "nama": nama,
                "tglLahir": f"{birth:%d-%m-%Y}",
                "jenisKelamin": gdr,
                "statusPegawai": status.upper() if rng.random() < 0.3 else status,
                "golongan": grade_text,
                "tkPendidikanTerakhirId": str(EDU_CODE[ed]),
                "jabatanNama": spell(name),
                "jabatanId": kode,
                "tmtJabatan": f"{tmt:%d-%m-%Y}",
                "unorId": uid,
                "unorNama": uname,
            }
        )
for fname, rows in (("positions.csv", positions), ("employees.csv", employees)):
    with open(OUT / fname, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
print(len(positions), "positions", len(employees), "employees")
