"""Tuning the policy and reading the frontier

Leadership rarely asks for "the optimum". They ask how much balance 10, 20 or 50 transfers
buy, what changes if the older 1,200-hour effective working time is used, and what a rule
costs. This example answers those questions on the demo data: the frontier of balance
against the number of moves, a move budget, the effective working time, the other policy
options, and `compare` to put two plans side by side.

Run it as a script with `python examples/policy_and_frontier.py`, or open
`examples/policy_and_frontier.ipynb` in Jupyter. Plots need matplotlib:
`pip install 'asn-balance[plot]'`.
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
# ## 1. The default policy and its plan
#
# A `Policy` holds every rule setting and objective weight. The defaults follow the
# regulations: effective working time (WKE) 1,250 hours (PermenPAN-RB 1/2020), at least 24
# months in a position before a transfer (PP 11/2017 Pasal 190), only PNS move, the jabatan
# is kept, and each move costs 0.1 in units of the imbalance `B`.

# %%
problem = ab.Problem.read(ab.datasets.demo_path())
display(pd.Series(problem.policy.model_dump(), name="value"))  # every field of the policy
result = ab.solve(problem, lang="en")
print(result)

# %% [markdown]
# ## 2. The frontier: how much balance do K moves buy?
#
# `frontier` solves, for each budget K, the best `B` with at most K moves under every rule
# (the move price is set aside), each with a proven lower bound. The first moves buy the most;
# past a point each further move buys little. That is the curve to choose a budget from.

# %%
front = ab.frontier(problem, [0, 10, 20, 50], time_limit=10)
display(front.points)
pts = front.points
gain = (pts["balance"].shift() - pts["balance"]) / (pts["moves"] - pts["moves"].shift())
print("B bought per extra move:", [round(g, 2) for g in gain.dropna()])

# %%
fig = None
try:
    fig = front.plot(lang="en")  # ImportError without matplotlib
    fig.savefig("frontier.png", dpi=100)
    print("saved frontier.png")
    # %matplotlib inline
except ImportError as exc:
    print(f"no plot: {exc}")
if fig is not None:
    display(fig)

# %% [markdown]
# ## 3. A move budget
#
# `max_moves` makes the budget a hard rule of the plan itself. The solver searches with
# Lagrangian prices over exact flows (and CP-SAT if a gap remains), so the result still comes
# with a proven bound; `time_limit` caps the search.

# %%
budget = ab.solve(problem.with_policy(max_moves=20), time_limit=10, lang="en")
print(budget)
print("status", budget.status, "| gap", f"{budget.gap:.1e}", "| solver", budget.info["solver"])

# %% [markdown]
# ## 4. Comparing two plans
#
# `compare` lines up the summary figures, lists who moves differently and which positions end
# up differently. With `problem=` both plans are also checked on the same data and policy, so
# they are measured by one yardstick.

# %%
diff = ab.compare(result, budget, labels=("no budget", "20 moves"), problem=problem)
print(diff.text("en"))
display(diff.summary[diff.summary["metric"].isin(["moves", "balance_after", "objective", "check.ok"])])

# %% [markdown]
# ## 5. Effective working time: 1,250 or 1,200 hours?
#
# With 1,200 hours every position needs 4 % more staff. The plan changes too: some people
# move elsewhere, and every position's need changes. Agencies should state which figure they
# use; the plan's summary records it.

# %%
older = ab.solve(problem.with_policy(effective_hours=1200), lang="en")
wke = ab.compare(result, older, labels=("1250 h", "1200 h"))
print(wke.text("en"))
display(wke.moves.head(5))
print(
    "need:",
    round(problem.need.sum(), 1),
    "FTE at 1250 h,",
    round(problem.with_policy(effective_hours=1200).need.sum(), 1),
    "FTE at 1200 h, for",
    problem.n_employees,
    "employees",
)

# %% [markdown]
# ## 6. What each option costs
#
# Each variant below changes one setting of the default policy. A higher `move_cost` asks each
# move to buy more balance; `min_months_in_position` 12 frees people who came recently;
# `allow_pppk` and `allow_jabatan_change` widen who may move and where; `lexicographic` puts
# the best balance first and then the fewest moves within 1 % of it.

# %%
variants = {
    "default": {},
    "move_cost 0.5": {"move_cost": 0.5},
    "min_months 12": {"min_months_in_position": 12},
    "allow_pppk": {"allow_pppk": True},
    "allow_jabatan_change": {"allow_jabatan_change": True},
    "lexicographic, 1 %": {"lexicographic": True, "balance_tolerance": 0.01},
}
rows = []
for label, changes in variants.items():
    r = ab.solve(problem.with_policy(**changes), time_limit=10)
    rows.append(
        {
            "variant": label,
            "status": r.status,
            "moves": r.n_moves,
            "balance_after": round(r.balance_after, 2),
            "objective": round(r.objective, 2),
        }
    )
display(pd.DataFrame(rows))
