"""Workload analysis (ABK) from task tables, built in Python, then a plan.

Shows the canonical tables as DataFrames: workload per position comes from its tasks
(volume x period factor x norm minutes / 60), need = workload / effective hours.

Run: python examples/workload_from_tasks.py
"""

from __future__ import annotations

import pandas as pd

import asn_balance as ab

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
        "task": ["Memverifikasi SPJ", "Menyusun laporan keuangan bulanan", "Mencatat transaksi", "Mengagendakan surat"],
        "volume": [40, 1, 30, 20],
        "period": ["minggu", "bulan", "minggu", "hari"],
        "norm_minutes": [45, 2400, 60, 15],
    }
)
employees = pd.DataFrame(
    {
        "employee_id": ["198503152010011002", "199001012015032004", "198807072012121001", "197901012005011003"],
        "name": ["Andi", "Sari", "Budi", "Wati"],
        "position_id": ["KEU-2", "KEU-2", "KEU-2", "ADM-1"],
        "status": ["PNS", "PNS", "PPPK", "PNS"],
        "grade": ["III/b", "III/a", "", "II/d"],
        "education": ["S1", "D3", "S1", "SMA"],
        "competencies": ["keuangan:4", "keuangan:3", "keuangan:3", "administrasi:3"],
        "months_in_position": [60, 30, 40, 100],
        "locked": [False, False, False, False],
    }
)

problem = ab.Problem.from_frames(employees, positions, tasks)
print(problem.abk().to_string(index=False))
result = ab.solve(problem, lang="en")
print(result)
print(result.moves[["employee_id", "from_position", "to_position", "reason"]].to_string(index=False))
assert ab.check(problem, result).ok
