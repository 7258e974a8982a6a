"""The five-year plan: transfers and formasi together, at a glance

Every year people retire, workload grows and a formasi (new CPNS) can be requested; PP 11/2017
asks for the staffing need over five years, year by year. Moving someone and asking for a new
hire is one decision. This example plans five yearly rounds of the demo data as one problem,
with a proven lower bound, and shows a leader the five years at a glance: the imbalance `B`
per year, moves, hires and retirements per round, EU per unit per year, the formasi request
shaped like e-Formasi, and what planning year by year would have cost instead.

Run it as a script with `python examples/five_year_plan.py`, or open
`examples/five_year_plan.ipynb` in Jupyter. Plots need matplotlib:
`pip install 'asn-balance[plot]'`.
"""

# %%
import datetime as dt

import pandas as pd

import asn_balance as ab
from asn_balance.analysis.horizon import plan_year_by_year

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)

# %% script only: Jupyter shows tables and figures with display(); a script prints them
display = print

# %% [markdown]
# ## 1. The data: birth dates and workload growth
#
# Retirement needs birth dates (`birth_date`); the demo leaves the column empty, but an ASN's
# NIP starts with the birth date (`YYYYMMDD`), so we take it from there. The positions get an
# annual `workload_growth` of 3 %. Optional position columns `hire_allowed` and `max_hires`
# say where a formasi may go.

# %%
demo = ab.Problem.read(ab.datasets.demo_path())
emp = demo.employees.drop(columns=["source_row"])
emp["birth_date"] = pd.to_datetime(emp["employee_id"].astype(str).str[:8], format="%Y%m%d").dt.date
pos = demo.positions.drop(columns=["source_row"]).assign(workload_growth=0.03)
tasks = demo.tasks.drop(columns=["source_row"]) if demo.tasks is not None else None
problem = ab.Problem.from_frames(emp, pos, tasks, ab.Policy(plan_date=dt.date(2025, 1, 1)))
print(problem)

# %% [markdown]
# ## 2. Five rounds as one plan
#
# Round 0 is today's plan; a formasi takes a year, so hires start in round 1 (20 a year here).
# Every rule holds at every round's date, with months in position carried across the rounds
# (24 months: nobody moves two years running). The objective is the sum of the yearly `B` plus
# 0.1 per move and 0.5 per hire; `bound` is a proven lower bound on the best possible plan.

# %%
plan = ab.plan_horizon(problem, years=5, hires=[0, 20, 20, 20, 20], time_limit=60)
print(plan)
print(f"gap to the proven bound: {plan.gap:.2%}")

# %% [markdown]
# ## 3. The five years at a glance

# %%
glance = pd.DataFrame(
    {
        "date": [r.date for r in plan.rounds],
        "moves": [len(r.moves) for r in plan.rounds],
        "hires": [int(r.hires["count"].sum()) for r in plan.rounds],
        "retirements": [int(r.retirements["count"].sum()) for r in plan.rounds],
        "B": [round(r.balance, 2) for r in plan.rounds],
    }
)
display(glance)

# %% [markdown]
# ## 4. Against the plan made year by year
#
# What a leader does without this library: each year, the year's retirements, the year's
# hires placed one by one where the shortage is largest, then today's `solve` on that year's
# data. It never looks ahead, so it spends moves and hires it later regrets.

# %%
yearly = plan_year_by_year(problem, years=5, hires=[0, 20, 20, 20, 20])
compare = pd.DataFrame(
    {
        "five-year plan": [
            plan.objective,
            sum(plan.summary["balance"]),
            plan.summary["moves"],
            plan.summary["hires"],
        ],
        "year by year": [
            yearly.objective,
            sum(yearly.summary["balance"]),
            yearly.summary["moves"],
            yearly.summary["hires"],
        ],
    },
    index=["objective", "sum of B", "moves", "hires"],
).round(2)
display(compare)
print(f"the five-year plan saves {yearly.objective - plan.objective:.2f} of the objective")

# %% [markdown]
# ## 5. Plots: B per year, EU per unit per year

# %%
figs = []
try:
    figs.append(plan.plot("balance", compare=yearly, lang="en"))  # ImportError without matplotlib
    figs.append(plan.plot("ej_units", lang="en", top=12))
    figs[0].savefig("horizon_balance.png", dpi=100)
    figs[1].savefig("horizon_units.png", dpi=100)
    print("saved horizon_balance.png, horizon_units.png")
    # %matplotlib inline
except ImportError as exc:
    print(f"no plot: {exc}")
for fig in figs:
    display(fig)

# %% [markdown]
# ## 6. The formasi request and the independent check
#
# The hires as e-Formasi asks for them: round, unit, jabatan, count, minimum education and
# entry grade. `check_horizon` follows every employee through the rounds with its own code
# (no solver) and checks every rule at every round, the retirements and the objective.

# %%
display(plan.formasi.head(10))
report = ab.check_horizon(problem, plan)
print("check:", "OK" if report.ok else report.messages()[:5])
plan.write("five_year_plan.xlsx")
print("written five_year_plan.xlsx")
