"""Grouping selection cost against |A| at fixed K (Li, Ju & Shroff, ICLR 2024: the fast method's cost should not
grow with the action space): ``bounds.grouping.select_grouping`` (exact: each candidate's approximation term from the
``(S, A, S)`` model) vs ``select_grouping_fast`` (K-level summaries only), side by side in one process, best of
``--repeat``, on the same candidate sizes ``1, 2, 4, ..., 32, A`` for every A. Also reported: the fast choice's exact
bound over the exact optimum (near-optimality). Run: ``python benchmarks/grouping.py [--quick]``.
"""

from __future__ import annotations

import argparse

from _common import header, table, timed

from boundlab.bounds.grouping import grouping_bound, select_grouping, select_grouping_fast
from boundlab.tabular.grouping import action_grouped_mdp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    S, K, budget = (10, 4, 10_000) if args.quick else (20, 4, 100_000)
    actions = (64, 256) if args.quick else (64, 128, 256, 512, 1000)
    header(f"Grouping selection vs |A| (S = {S}, K = {K}, sample budget {budget}, gamma = 0.5)")
    rows = []
    for A in actions:
        model = action_grouped_mdp(S, A, K, 0.6, 0, gamma=0.5)
        sizes = [1, 2, 4, 8, 16, 32, A]
        t_exact, exact = timed(select_grouping, model, budget, sizes=sizes, repeat=args.repeat)
        t_fast, fast = timed(select_grouping_fast, model, budget, sizes=sizes, repeat=args.repeat)
        chosen = grouping_bound(model, fast.grouping, fast.samples).total
        rows.append({"A": A, "exact ms": 1e3 * t_exact, "fast ms": 1e3 * t_fast, "exact / fast": t_exact / t_fast,
                     "exact m": exact.m, "fast m": fast.m, "bound ratio (fast / exact)": chosen / exact.bound})
    table(rows)


if __name__ == "__main__":
    main()
