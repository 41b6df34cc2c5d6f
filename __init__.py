"""boundlab: fast RL-theory algorithms on shared simulators, each checked against the bound its paper states.

One import name, four subpackages (imported on first use, so ``import boundlab`` stays cheap)::

    import boundlab
    boundlab.solvers      # planners on plain arrays
    boundlab.tabular      # models, instances, simulators, learners
    boundlab.bandits      # bandit and restless-bandit models (later issues)
    boundlab.bounds       # bounds as code, regret measurement, sweeps, the store, the ``boundlab`` command

This file is the package ``boundlab``: ``pyproject.toml`` maps the repository root to it, so the folders
``solvers/``, ``tabular/``, ``bandits/``, ``bounds/`` install as ``boundlab.solvers`` and so on.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("boundlab")
except PackageNotFoundError:  # pragma: no cover - only when the files are used without installing
    __version__ = "0+unknown"

_SUBPACKAGES = ("solvers", "tabular", "bandits", "bounds")
__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        module = import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'boundlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBPACKAGES))
