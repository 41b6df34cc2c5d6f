"""Grouping selection cost against |A| at fixed K (Li, Ju & Shroff, ICLR 2024: the fast method's cost should not
grow with the action space): ``bounds.grouping.select_grouping`` (exact: each candidate's approximation term from the
``(S, A, S)`` model) vs ``select_grouping_fast`` (K-level summaries only), side by side in one process, best of
``--repeat``, on the same candidate sizes ``1, 2, 4, ..., 32, A`` for every A (a fixed list: with the default family,
whose length grows like ``log2(A / K)``, both costs would also grow by that factor). Both read the true model's
decomposition (oracles). Then near-optimality: the fast choice's exact bound over the exact optimum, its distribution
over model seeds, budgets and ``d`` (the number of decomposition coefficients). Run:
``python benchmarks/grouping.py [--quick]``.
"""

from __future__ import annotations

import argparse

import numpy as np
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
    header(f"Grouping selection vs |A| (S = {S}, K = {K}, sample budget {budget}, delta = 0.6, gamma = 0.5)")
    rows = []
    for d in (1, 3):
        for A in actions:
            model = action_grouped_mdp(S, A, K, 0.6, 0, d=d, gamma=0.5)
            sizes = [1, 2, 4, 8, 16, 32, A]
            t_exact, exact = timed(select_grouping, model, budget, sizes=sizes, repeat=args.repeat)
            t_fast, fast = timed(select_grouping_fast, model, budget, sizes=sizes, repeat=args.repeat)
            chosen = grouping_bound(model, fast.grouping, fast.samples).total
            rows.append({"d": d, "A": A, "exact ms": 1e3 * t_exact, "fast ms": 1e3 * t_fast,
                         "exact / fast": t_exact / t_fast, "exact m": exact.m, "fast m": fast.m,
                         "bound ratio (fast / exact)": chosen / exact.bound})
    table(rows)

    seeds = range(4 if args.quick else 10)
    budgets = (1_000, 10_000, 100_000)
    header(f"Near-optimality: fast choice's exact bound / exact optimum (K = {K}, default family, model seeds "
           f"0..{len(seeds) - 1}, budgets {budgets}, delta = 0.6, gamma = 0.5)")
    rows = []
    for S_, A in ((6, 32), (6, 64), (S, 64 if args.quick else 256)):
        for d in (1, 2, 3):
            ratios = []
            for seed in seeds:
                model = action_grouped_mdp(S_, A, K, 0.6, seed, d=d, gamma=0.5)
                for b in budgets:
                    exact, fast = select_grouping(model, b), select_grouping_fast(model, b)
                    ratios.append(grouping_bound(model, fast.grouping, fast.samples).total / exact.bound)
            r = np.array(ratios)
            rows.append({"S": S_, "A": A, "d": d, "runs": r.size,
                         "at optimum": f"{int((r <= 1 + 1e-12).sum())}/{r.size}", "median": float(np.median(r)),
                         "90%": float(np.quantile(r, 0.9)), "max": float(r.max())})
    table(rows)


if __name__ == "__main__":
    main()
