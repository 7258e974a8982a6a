"""Make this folder from docs/siasn_sample_pemda (python docs/siasn_sample_codes/make_sample.py).

The same roster, with every golongan given as a number in ``golRuangAkhirId`` as a SIASN
export gives it: SIASN's ids 11..45 for PNS and CPNS, and for PPPK and PPPK Paruh Waktu the
numbers 1..17 of golongan I..XVII. ``grade_codes.csv`` says what the numbers mean, per grade
scale (``status``): the PPPK numbers 11..17 are also PNS ids (11 is I/a), so only the scale
tells them apart. The PPPK numbering is an office's own, for illustration: SIASN's own ids of
the PPPK golongan are not public (docs/siasn.md). ``positions.csv`` is the pemda's.
"""

import csv
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEMDA = HERE.parent / "siasn_sample_pemda"
MAJOR = ("I", "II", "III", "IV")
PNS = [f"{major}/{minor}" for major in MAJOR for minor in "abcd"] + ["IV/e"]
PNS_ID = {g: 10 * (MAJOR.index(g.split("/")[0]) + 1) + "abcde".index(g[-1]) + 1 for g in PNS}
PPPK = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI"]
PPPK.append("XVII")


def write(name, header, rows):
    with open(HERE / name, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


with open(PEMDA / "employees.csv", encoding="utf-8-sig", newline="") as fh:
    rows = list(csv.reader(fh, delimiter=";"))
header, body = rows[0], rows[1:]
g, s = header.index("golongan"), header.index("statusPegawai")
header[g] = "golRuangAkhirId"
for row in body:
    pppk = row[s].upper().startswith("PPPK")
    row[g] = str(PPPK.index(row[g]) + 1) if pppk else str(PNS_ID[row[g]])
write("employees.csv", header, body)
shutil.copyfile(PEMDA / "positions.csv", HERE / "positions.csv")
codes = [[PNS_ID[x], x, "PNS"] for x in PNS] + [[k + 1, x, "PPPK"] for k, x in enumerate(PPPK)]
write("grade_codes.csv", ["id", "nama", "status"], codes)
print(len(body), "employees,", len(codes), "grade codes")
