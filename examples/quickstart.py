"""Quickstart: plan the embedded Plaju demo, check it, and write the plan.

Run: python examples/quickstart.py [OUT.xlsx]
"""

from __future__ import annotations

import sys

import asn_balance as ab


def main(out: str | None = None) -> None:
    problem = ab.Problem.read(ab.datasets.demo_path())
    print(problem)

    result = ab.solve(problem)
    print(result)
    report = ab.check(problem, result)  # independent verifier
    print(f"check: {'OK' if report.ok else report}")

    print(result.moves[["employee_id", "from_position", "to_position", "reason"]].head(5).to_string(index=False))
    worst = result.positions.reindex(result.positions["gap_before"].abs().sort_values(ascending=False).index)
    cols = ["position_id", "jabatan", "need_fte", "staff_before", "staff_after", "band_before", "band_after"]
    print(worst[cols].head(8).to_string(index=False))

    # the same data under another policy: a budget of 20 moves and the older 1,200-hour WKE
    budget = ab.solve(problem.with_policy(max_moves=20, effective_hours=1200), time_limit=10)
    print("with max_moves=20, WKE 1200:", budget)
    if out:
        result.write(out)
        print(f"written {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
