"""Run a sweep from the command line (used by the kill-and-resume test)."""

import sys

from boundlab import bounds
from boundlab import tabular


def instances():
    return {f"dirichlet-{i}": tabular.EpisodicMDP(*tabular.dirichlet_mdp(S=5, A=2, seed=i).to_arrays(), H=6)
            for i in range(3)}


if __name__ == "__main__":
    from concurrent.futures import ThreadPoolExecutor

    # one worker: runs finish one at a time, so a kill lands between (or inside) runs
    with ThreadPoolExecutor(max_workers=1) as pool:
        bounds.sweep(["psrl", "ucb-h"], instances(), range(4), int(sys.argv[2]), store=sys.argv[1], executor=pool,
                     progress=False)
