"""Each paper's bounds as code, regret measurement, sweeps, plots and the ``boundlab`` command."""
