"""Embedding asn_balance in another system through JSON

An HR system (SIMPEG-like application, SIASN export, dashboard) sends its tables as JSON,
gets the plan back as JSON, shows it, lets people edit it, and checks the edited plan before
it is adopted. This example walks through that loop with the demo data: the input document,
bad input reported cell by cell, the plan as JSON, and the independent check of a plan that
was changed by hand.

Run it as a script with `python examples/embedding_json.py`, or open
`examples/embedding_json.ipynb` in Jupyter. It writes `input.json`, `input_bad.json` and
`plan.json` in the current folder.
"""

# %%
import dataclasses
import datetime as dt
import json
from pathlib import Path

import pandas as pd

import asn_balance as ab

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)
pd.set_option("display.max_colwidth", 110)

# %% script only: Jupyter shows tables with display(); a script prints them
display = print

# %% [markdown]
# ## 1. The input document
#
# One JSON object with the keys `employees`, `positions` and optionally `tasks` and `units`.
# Each value is a list of records (`[{"nip": ...}, ...]`) or a mapping of column to values
# (`{"nip": [...]}`). Indonesian column names are accepted. Keep ids such as NIPs as
# strings: as numbers they may lose digits on the way.

# %%
tables = ab.datasets.load_demo()  # the demo tables, every cell as text
document = {name: frame.to_dict(orient="records") for name, frame in tables.items()}
Path("input.json").write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
print({name: len(records) for name, records in document.items()})
print(json.dumps(document["employees"][0], ensure_ascii=False, indent=1))

# %% [markdown]
# ## 2. Read it with a fixed policy
#
# Fix the plan date so that ages and retirement (and thus the plan) are the same whenever the
# request is replayed. `Problem.read` also takes the tables already in memory, as a mapping of
# name to DataFrame.

# %%
policy = ab.Policy(plan_date=dt.date(2025, 1, 1), max_moves=30)
problem = ab.Problem.read("input.json", policy)
print(problem)
same = ab.Problem.read({name: pd.DataFrame(records) for name, records in document.items()}, policy)
assert same.n_employees == problem.n_employees

# %% [markdown]
# ## 3. Bad input, every problem at once
#
# Invalid input raises `InputError`. Its `problems` list every bad cell with table, row
# (spreadsheet numbering: the header is row 1), column, value and the rule it breaks, which
# the calling system can show next to the cells. A solver outcome such as `infeasible` is not
# an exception but a result status.

# %%
bad = json.loads(json.dumps(document))
bad["employees"][0]["position_id"] = "NO-SUCH-POSITION"
bad["employees"][1]["grade"] = "III/z"
bad["positions"][2]["workload_hours"] = "-5"
Path("input_bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
try:
    ab.Problem.read("input_bad.json")
except ab.InputError as error:
    problems = [dataclasses.asdict(p) for p in error.problems]
print(json.dumps(problems, ensure_ascii=False, indent=1))

# %% [markdown]
# ## 4. The plan as JSON
#
# `result.to_json()` gives `{"summary", "moves", "positions", "units"}` as plain JSON
# (`NaN` and infinity become `null`). The summary records the status, the objective with its
# proven bound, the balance before and after, the policy, the solver and the versions: what the
# other system needs to show the plan and to reproduce it. `result.write("plan.json")` writes
# the same text to a file.

# %%
result = ab.solve(problem, time_limit=10)
payload = json.loads(result.to_json())
summary = payload["summary"]
print({k: summary[k] for k in ("status", "objective", "bound", "moves", "balance_before", "balance_after")})
print("policy:", {k: summary["policy"][k] for k in ("plan_date", "effective_hours", "max_moves")})
print(json.dumps(payload["moves"][0], ensure_ascii=False, indent=1))
result.write("plan.json")

# %% [markdown]
# ## 5. Check a plan that was edited by hand
#
# People change plans. Before an edited plan is adopted, `check` verifies it against the data
# and the policy without any solver: every hard rule, the budget, and the objective recomputed
# from scratch. A plan is any table with `employee_id` and `to_position` (or a mapping of one to
# the other). Here someone adds a move of a CPNS, who may not be transferred: the check names
# every rule the added move breaks, and the budget of 30 moves it exceeds.

# %%
stored = json.loads(Path("plan.json").read_text(encoding="utf-8"))
moves = pd.DataFrame(stored["moves"])[["employee_id", "to_position"]]
assert ab.check(problem, moves).ok

cpns = problem.employees.loc[problem.employees["status"] == "CPNS"].iloc[0]
target = moves["to_position"].iloc[0]
edited = pd.concat([moves, pd.DataFrame({"employee_id": [cpns["employee_id"]], "to_position": [target]})])
report = ab.check(problem, edited)
print(report.ok, sorted(report.rules))
print(json.dumps([dataclasses.asdict(v) for v in report.violations], ensure_ascii=False, indent=1))

# %% [markdown]
# ## 6. Answer a question about the stored plan
#
# `why_not` takes the stored JSON plan as it is, and its answer has a JSON form too.

# %%
answer = ab.why_not(problem, stored, cpns["employee_id"], target, lang="en")
print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
