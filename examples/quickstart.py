"""Quickstart: a balanced, explained plan for the demo data

The embedded demo is a synthetic, Plaju-like local government: 600 civil servants (ASN) in
about 100 positions of 25 units, with a workload analysis (ABK) per position. In a few cells
we read it, see where the workload is out of balance, plan the transfers (mutasi), check the
plan independently, read the reason of every move, plot the result and write it to Excel.

Run it as a script with `python examples/quickstart.py`, or open `examples/quickstart.ipynb`
in Jupyter. Plots need matplotlib: `pip install 'asn-balance[plot]'`.
"""

# %%
import pandas as pd

import asn_balance as ab

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)
pd.set_option("display.max_colwidth", 110)

# %% script only: Jupyter shows tables and figures with display(); a script prints them
display = print

# %% [markdown]
# ## 1. Read the data
#
# `Problem.read` takes a folder of CSV files (`employees.csv`, `positions.csv`, `tasks.csv`),
# an Excel workbook or a JSON document, validates every cell and reports every bad one at
# once. `B`, the sum over positions of (staff - need)^2 / max(need, 1), measures how far
# today's staffing is from the workload: the smaller, the better.

# %%
problem = ab.Problem.read(ab.datasets.demo_path())
display(problem)

# %% [markdown]
# ## 2. Where is the workload out of balance?
#
# The ABK report gives each position its yearly workload, its staff need in FTE
# (workload / 1,250 effective hours), its staff, and its job efficiency
# EJ = need / staff with a band from A to E. **EJ above 1 means too few staff**: the
# `direction` column says it in words (`kurang` = under-staffed, `lebih` = over-staffed,
# `pas` = balanced).

# %%
abk = problem.abk()
display(pd.crosstab(abk["band"], abk["direction"]))
cols = ["position_id", "jabatan", "unit_name", "need_fte", "staff", "ej", "band", "direction"]
display(abk.sort_values("gap_fte")[cols].head(5))  # most under-staffed
display(abk.sort_values("gap_fte")[cols].tail(5))  # most over-staffed

# %% [markdown]
# ## 3. Plan the transfers
#
# `solve` finds the plan with the least `B + 0.1 x moves` under every rule (only PNS move,
# at least 24 months in the position, same jabatan, grade, education and competencies of the
# target...). Without a move budget the solve is an exact min-cost flow: `optimal`, with a
# proven bound. `lang="en"` gives the reasons in English (the default is Indonesian).

# %%
result = ab.solve(problem, lang="en")
display(result)

# %% [markdown]
# ## 4. Check it independently
#
# `check` recomputes workload, need, staff, `B` and the objective from the tables and tests
# every rule, without using the solver. Run it on any plan, including one edited by hand.

# %%
report = ab.check(problem, result)
print(report)
assert report.ok

# %% [markdown]
# ## 5. Read the plan
#
# Every move has a reason: how far the origin and the target are from their need, their EJ
# bands, and the requirements of the target that the mover meets.

# %%
display(result.moves[["name", "from_position", "to_position", "jabatan_to", "reason"]].head(8))

# %% [markdown]
# The positions table shows each position before and after. The summary counts positions per
# band: shortages are *shared* (the objective gives under-staffed positions the same EJ as far
# as the rules allow), so `B` halves while the band counts move less.

# %%
summary = result.summary()
print("balance B:", round(summary["balance_before"], 2), "->", round(summary["balance_after"], 2))
print("positions per band before:", summary["bands_before"])
print("positions per band after: ", summary["bands_after"])
pos = result.positions.assign(change=result.positions["staff_after"] - result.positions["staff_before"])
biggest = pos.reindex(pos["change"].abs().sort_values(ascending=False, kind="stable").index)
cols = [
    "position_id",
    "jabatan",
    "need_fte",
    "staff_before",
    "staff_after",
    "ej_before",
    "ej_after",
    "direction_after",
]
display(biggest[cols].head(10))

# %% [markdown]
# ## 6. Plot it
#
# `result.plot(kind=...)` returns a matplotlib figure: `"ej"` (EJ per position before and
# after, bands shaded), `"gaps"` (staff minus need per position) and `"flows"` (moves between
# units). They are saved as PNG files and, in Jupyter, shown below the cell (that is what
# `%matplotlib inline` is for; a script has it as a comment). Without
# matplotlib the cell says how to install it, and the rest of the notebook runs as usual.

# %%
figures = {}
try:
    for kind in ("ej", "gaps", "flows"):
        figures[kind] = result.plot(kind=kind, lang="en")  # ImportError without matplotlib
        figures[kind].savefig(f"plan_{kind}.png", dpi=100)
    print("saved", ", ".join(f"plan_{kind}.png" for kind in figures))
    # %matplotlib inline
except ImportError as exc:
    print(f"no plots: {exc}")
for fig in figures.values():
    display(fig)

# %% [markdown]
# ## 7. Why not?
#
# The question every forum asks: why does this employee stay, or why not to that position?
# `why_not` names the rule that forbids the move, or re-solves the plan with the move forced
# and says what it would cost. Here: someone who stays in the most over-staffed position after
# the plan, and the most under-staffed position of the same jabatan.

# %%
after = result.positions.sort_values("gap_after")
crowded = after.iloc[-1]
same_jabatan = after[
    (after["jabatan"] == crowded["jabatan"]) & (after["position_id"] != crowded["position_id"])
]
short = same_jabatan.iloc[0]
staying = problem.employees[
    (problem.employees["position_id"] == crowded["position_id"])
    & ~problem.employees["employee_id"].isin(result.moves["employee_id"])
]
for employee_id in staying["employee_id"].head(3):
    answer = ab.why_not(problem, result, employee_id, short["position_id"], lang="en")
    print(f"[{answer.verdict}] {answer.message}")

# %% [markdown]
# ## 8. Write the plan
#
# `write` picks the format from the suffix: `.xlsx` (sheets summary, moves, positions, units),
# `.json`, or a folder of CSV files. The summary records the policy, the solver and the
# versions, so the plan can be reproduced and checked later
# (`asn-balance check DATA plan.xlsx`).

# %%
path = result.write("plan.xlsx")
print("written", path)
