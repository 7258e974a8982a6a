"""Workload analysis (ABK) from task tables

The workload analysis (Analisis Beban Kerja, ABK) of PermenPAN-RB 1/2020 lists the tasks of
each position with a volume, a period and a time norm. This example follows the method step
by step: tasks -> yearly workload -> staff need (FTE) -> job efficiency (EJ) -> band and
direction, first by hand on three positions, then with the library, under both effective
working times (1,250 and 1,200 hours), and finally on the demo data, per position and per unit.

Run it as a script with `python examples/workload_from_tasks.py`, or open
`examples/workload_from_tasks.ipynb` in Jupyter.
"""

# %%
import pandas as pd

import asn_balance as ab

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)
pd.set_option("display.max_colwidth", 110)

# %% script only: Jupyter shows tables with display(); a script prints them
display = print

# %% [markdown]
# ## 1. Three positions, their tasks and their staff
#
# Two finance positions in two units and one administrative position. `KEU-1` asks movers
# for grade III/a and finance competency level 3. Column names may also be the Indonesian
# ones (`uraian_tugas`, `periode`, `norma_waktu`, `nip`, `golongan`, ...).

# %%
positions = pd.DataFrame(
    {
        "position_id": ["KEU-1", "KEU-2", "ADM-1"],
        "unit_id": ["BPKAD", "DINKES", "BPKAD"],
        "unit_name": ["Badan Pengelola Keuangan", "Dinas Kesehatan", "Badan Pengelola Keuangan"],
        "jabatan": ["Pengelola Keuangan", "Pengelola Keuangan", "Pengadministrasi Umum"],
        "required_competencies": ["keuangan:3", "keuangan:2", ""],
        "min_grade": ["III/a", "II/c", ""],
    }
)
tasks = pd.DataFrame(
    {
        "position_id": ["KEU-1", "KEU-1", "KEU-2", "ADM-1"],
        "task": [
            "Memverifikasi SPJ",
            "Menyusun laporan keuangan bulanan",
            "Mencatat transaksi",
            "Mengagendakan surat",
        ],
        "volume": [40, 1, 30, 20],
        "period": ["minggu", "bulan", "minggu", "hari"],
        "norm_minutes": [45, 2400, 60, 15],
    }
)
employees = pd.DataFrame(
    {
        "employee_id": [
            "198503152010011002",
            "199001012015032004",
            "198807072012121001",
            "197901012005011003",
        ],
        "name": ["Andi", "Sari", "Budi", "Wati"],
        "position_id": ["KEU-2", "KEU-2", "KEU-2", "ADM-1"],
        "status": ["PNS", "PNS", "PPPK", "PNS"],
        "grade": ["III/b", "III/a", "", "II/d"],
        "education": ["S1", "D3", "S1", "SMA"],
        "competencies": ["keuangan:4", "keuangan:3", "keuangan:3", "administrasi:3"],
        "months_in_position": [60, 30, 40, 100],
    }
)

# %% [markdown]
# ## 2. Workload by hand
#
# A task's yearly workload is `volume x period factor x norm (minutes) / 60` hours, with the
# period factors tahun 1, bulan 12, minggu 50 and hari 250 (a year of 50 working weeks and
# 250 working days). A position's workload is the sum over its tasks.

# %%
PERIOD_FACTOR = {"tahun": 1, "bulan": 12, "minggu": 50, "hari": 250}
by_hand = tasks.assign(factor=tasks["period"].map(PERIOD_FACTOR))
by_hand["hours"] = by_hand["volume"] * by_hand["factor"] * by_hand["norm_minutes"] / 60
display(by_hand[["position_id", "task", "volume", "period", "factor", "norm_minutes", "hours"]])
hours = by_hand.groupby("position_id", sort=False)["hours"].sum()
display(hours)

# %% [markdown]
# ## 3. Need, EJ, band and direction
#
# Staff need = workload / effective working time (WKE, 1,250 h per FTE per year by default).
# EJ = workload / (staff x WKE) = need / staff. **EJ above 1 means under-staffed**: KEU-1 has
# work and nobody (EJ infinite, band A, `kurang`), KEU-2 has three people for 1.2 FTE of work
# (EJ 0.40, band E, `lebih`), ADM-1 is just right (EJ 1.00, band B, `pas`).

# %%
problem = ab.Problem.from_frames(employees, positions, tasks)
abk = problem.abk()
assert (abk.set_index("position_id")["workload_hours"] - hours).abs().max() < 1e-9  # same as by hand
display(abk[["position_id", "workload_hours", "need_fte", "staff", "gap_fte", "ej", "band", "direction"]])

# %% [markdown]
# ## 4. WKE 1,250 or 1,200 hours?
#
# The older guideline (Perka BKN 19/2011) counts 1,200 effective hours a year. The same
# workload then needs more staff: ADM-1 turns from B (1.00) to A (1.04). `with_policy`
# re-uses the validated tables.

# %%
older = problem.with_policy(effective_hours=1200).abk()
side_by_side = pd.DataFrame(
    {
        "position_id": abk["position_id"],
        "need_1250": abk["need_fte"],
        "need_1200": older["need_fte"],
        "ej_1250": abk["ej"],
        "ej_1200": older["ej"],
        "band_1250": abk["band"],
        "band_1200": older["band"],
    }
)
display(side_by_side)

# %% [markdown]
# ## 5. The plan that balances it
#
# Budi is PPPK (by default PPPK are not moved) and Wati's jabatan differs, so the movers
# are Andi and Sari, who both meet KEU-1's requirements. Each move says why.

# %%
result = ab.solve(problem, lang="en")
print(result)
display(result.moves[["name", "from_position", "to_position", "reason"]])
display(
    result.positions[["position_id", "need_fte", "staff_before", "staff_after", "band_before", "band_after"]]
)
assert ab.check(problem, result).ok

# %% [markdown]
# ## 6. The demo data: tasks, positions and units
#
# The demo's positions take their workload from their task rows, or from `workload_hours`
# where they have none. Below: the heaviest tasks, the positions per band and direction, and
# the unit totals. The unit efficiency EU is the unit's need over its staff, so a unit can
# look balanced while its positions are not: the units listed last have an EU between 0.9
# and 1.1, yet their positions are several FTE off their need in total (`off_fte`: short in
# some, surplus in others). That is why plans balance positions, not units.

# %%
demo = ab.Problem.read(ab.datasets.demo_path())
t = demo.tasks.assign(factor=demo.tasks["period"].map(PERIOD_FACTOR))
t["hours"] = t["volume"] * t["factor"] * t["norm_minutes"] / 60
print(f"{len(t)} tasks for {t['position_id'].nunique()} of {demo.n_positions} positions")
heaviest = t.sort_values("hours", ascending=False)
display(heaviest[["position_id", "task", "volume", "period", "norm_minutes", "hours"]].head(5))

demo_abk = demo.abk()
display(pd.crosstab(demo_abk["band"], demo_abk["direction"], margins=True))

units = (
    demo_abk.assign(off_fte=demo_abk["gap_fte"].abs())
    .groupby(["unit_id", "unit_name"], as_index=False)
    .agg(
        need_fte=("need_fte", "sum"),
        staff=("staff", "sum"),
        positions=("position_id", "size"),
        off_fte=("off_fte", "sum"),
    )
)
units["eu"] = units["need_fte"] / units["staff"]
looks_balanced = units[units["eu"].between(0.9, 1.1)]
display(looks_balanced.sort_values("off_fte", ascending=False))
