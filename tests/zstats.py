"""The Monte-Carlo z-test the estimator tests share: is a sample mean consistent with an exact value?"""

import numpy as np
from scipy.stats import norm


def z_max(samples: np.ndarray, truth: np.ndarray, alpha: float, min_se: float = 1e-9) -> tuple[float, float]:
    """Largest |z| of ``samples.mean(axis=0) - truth`` over the entries whose standard error exceeds ``min_se``, and
    the Bonferroni threshold for a family-wise level ``alpha`` over those entries."""
    samples = samples.reshape(samples.shape[0], -1).astype(np.float64)
    truth = np.asarray(truth, np.float64).ravel()
    se = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    live = se > min_se
    z = np.abs(samples.mean(axis=0)[live] - truth[live]) / se[live]
    return float(z.max()), float(norm.ppf(1 - alpha / (2 * live.sum())))
