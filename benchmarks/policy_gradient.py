"""N-HARPG throughput (trajectories per second), side by side in one process: boundlab's jitted JAX method with
``vmap`` over 64 seeds (``tabular.policy_gradient.over_seeds``) vs the same algorithm as a plain numpy loop, the code
a researcher would write (a Python loop over iterations and trajectory steps, the policy, its score and the
rollout by hand in numpy, the Hessian-vector product by central finite differences of the numpy score on the
fixed trajectory; the schedule is the package's ``schedule``). Same problems, same run (``T`` iterations from the
same start with the same ``gamma_0``):

- CartPole-v1 (``H = 200``, ``gamma = 0.99``) under an MLP softmax policy ``(4, 32, 32, 2)`` (ReLU), the paper's
  CartPole set-up; from the network's random start (episodes of ~10-30 steps) and from a hand-set start that
  balances (episodes run to ``H``). The numpy rollout stops when the episode ends; the JAX rollout
  (``tabular.policy_gradient.rollout``) runs chunks of 16 steps in a ``lax.while_loop`` that stops once every lane's
  episode has ended; under ``vmap`` the loop runs until the longest of the 64 seeds' episodes ends (in this run the
  longest of each iteration's 64 lasts ~100-190 steps while the mean is ~20), and the estimators still sum over all
  ``H`` masked steps (summing over the live chunks only, in a second loop, was tried and was slower), so short
  episodes still favour numpy;
- a learning run on CartPole: from the random start at ``gamma_0 = 0.3`` (notebook 04's tuned value for N-HARPG)
  for ``T = 1000`` iterations, where episodes lengthen as the policy learns (timed once per side: it is long);
- the one-step contextual bandit with a linear Cauchy policy (``H = 1``; score and Hessian exact in numpy).

numpy runs 8 seeds (one after another), JAX 64; each row prints both sides' mean return and mean episode length
(of the gradient trajectories) so that the two rates are seen to be measured on like episodes.

Fatkhullin, Barakat, Kireeva & He, ICML 2023 (arXiv 2302.01734), Algorithm 2. ``tests/test_policy_gradient_numpy.py``
checks the numpy estimators against the JAX ones on the same trajectories. Run: ``python benchmarks/policy_gradient.py``
(``--quick`` for a short run). The JAX rows run pinned to the CPU (``jax.default_device``); a GPU row is added for
each problem only when JAX sees a GPU.
"""

from __future__ import annotations

import argparse
import math

import jax
import numpy as np

from boundlab.tabular import policy_gradient as pg

try:
    from _common import header, table, timed
except ImportError:  # imported from the tests, outside benchmarks/
    pass

SIZES, H_CARTPOLE, GAMMA, SEEDS = (4, 32, 32, 2), 200, 0.99, 64
LEARNING_GAMMA_0 = 0.3  # notebook 04's tuned gamma_0 for N-HARPG on CartPole


# ---------------------------------------------------------------- the plain numpy version --------------------------

class NumpyCartPole:
    """Gymnasium's CartPole-v1 step, written out in Python floats."""

    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_threshold, x_threshold = 12 * 2 * math.pi / 360, 2.4

    def reset(self, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(-0.05, 0.05, size=4)

    def step(self, s: np.ndarray, a: int) -> tuple[np.ndarray, float, bool]:
        x, x_dot, th, th_dot = s
        force = self.force_mag if a == 1 else -self.force_mag
        cos, sin = math.cos(th), math.sin(th)
        total = self.masspole + self.masscart
        temp = (force + self.masspole * self.length * th_dot**2 * sin) / total
        th_acc = (self.gravity * sin - cos * temp) / (self.length * (4.0 / 3.0 - self.masspole * cos**2 / total))
        x_acc = temp - self.masspole * self.length * th_acc * cos / total
        nxt = np.array([x + self.tau * x_dot, x_dot + self.tau * x_acc, th + self.tau * th_dot,
                        th_dot + self.tau * th_acc])
        return nxt, 1.0, abs(nxt[0]) > self.x_threshold or abs(nxt[2]) > self.theta_threshold


class NumpyBandit:
    """The contextual bandit: a uniform context row, reward ``exp(-(a - w_star @ x)^2)``, one step."""

    def __init__(self, contexts, w_star):
        self.contexts, self.w_star = np.asarray(contexts, np.float64), np.asarray(w_star, np.float64)

    def reset(self, rng: np.random.Generator) -> np.ndarray:
        return self.contexts[rng.integers(len(self.contexts))]

    def step(self, s: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, float, bool]:
        return s, math.exp(-(a[0] - s @ self.w_star) ** 2), True


class NumpyMLPSoftmax:
    """``softmax(mlp(theta, s))`` with ``theta`` flat in ``MLPSoftmax``'s layout (each layer ``W`` row-major, then
    ``b``); the score by hand-written backpropagation, its derivative by central finite differences."""

    def __init__(self, sizes):
        self.sizes = sizes

    def layers(self, theta):
        out, i = [], 0
        for m, n in zip(self.sizes[:-1], self.sizes[1:]):
            out.append((theta[i:i + m * n].reshape(m, n), theta[i + m * n:i + m * n + n]))
            i += (m + 1) * n
        return out

    def act(self, theta, s, rng) -> int:
        x = s
        layers = self.layers(theta)
        for W, b in layers[:-1]:
            x = np.maximum(x @ W + b, 0.0)
        z = x @ layers[-1][0] + layers[-1][1]
        p = np.exp(z - z.max())
        return int(rng.random() * p.sum() > p[0])  # two actions

    def score(self, theta, obs, actions, w):
        """``sum_k w_k grad log pi(a_k | s_k)`` (flat, like ``theta``)."""
        layers = self.layers(theta)
        xs, x = [obs], obs
        for W, b in layers[:-1]:
            x = np.maximum(x @ W + b, 0.0)
            xs.append(x)
        z = x @ layers[-1][0] + layers[-1][1]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        delta = -p
        delta[np.arange(len(actions)), actions] += 1.0
        delta *= w[:, None]
        grads = []
        for j in range(len(layers) - 1, -1, -1):
            grads.append(np.concatenate([(xs[j].T @ delta).ravel(), delta.sum(axis=0)]))
            if j:
                delta = (delta @ layers[j][0].T) * (xs[j] > 0)
        return np.concatenate(grads[::-1])

    def score_jvp(self, theta, obs, actions, w, v):
        """The derivative of :meth:`score` along ``v``, by central finite differences."""
        norm = np.linalg.norm(v)
        if norm == 0:
            return np.zeros_like(theta)
        eps = 1e-6 / norm
        return (self.score(theta + eps * v, obs, actions, w) - self.score(theta - eps * v, obs, actions, w)) / (2 * eps)


class NumpyLinearCauchy:
    """``a ~ Cauchy(s @ theta, scale)`` with ``theta[k, 1]``; score ``2u/(scale^2 + u^2) s`` (``u = a - s @ theta``)
    and its derivative ``-2(scale^2 - u^2)/(scale^2 + u^2)^2 s s^T`` exactly."""

    def __init__(self, scale):
        self.scale = scale

    def act(self, theta, s, rng) -> np.ndarray:
        return s @ theta + self.scale * rng.standard_cauchy(1)

    def score(self, theta, obs, actions, w):
        u = actions[:, 0] - obs @ theta[:, 0]
        return ((w * 2 * u / (self.scale**2 + u**2)) @ obs)[:, None]

    def score_jvp(self, theta, obs, actions, w, v):
        u = actions[:, 0] - obs @ theta[:, 0]
        c = -2 * (self.scale**2 - u**2) / (self.scale**2 + u**2) ** 2
        return ((w * c * (obs @ v[:, 0])) @ obs)[:, None]


def numpy_rollout(env, policy, theta, H, rng):
    """One trajectory, a Python loop over steps that stops when the episode ends."""
    s, obs, actions, rewards = env.reset(rng), [], [], []
    for _ in range(H):
        a = policy.act(theta, s, rng)
        obs.append(s)
        actions.append(a)
        s, r, done = env.step(s, a)
        rewards.append(r)
        if done:
            break
    return np.array(obs), np.array(actions), np.array(rewards)


def numpy_gradient(policy, theta, tau, gamma):
    """``(g, discounted return)``: ``g = sum_k grad log pi(a_k|s_k) sum_{h>=k} gamma^h r_h`` (GPOMDP)."""
    obs, actions, rewards = tau
    weighted = gamma ** np.arange(len(rewards)) * rewards
    return policy.score(theta, obs, actions, np.cumsum(weighted[::-1])[::-1]), float(weighted.sum())


def numpy_hvp(policy, theta, v, tau, gamma):
    """``hess Phi v + grad Phi <grad log p(tau), v>`` on the trajectory ``tau``."""
    obs, actions, rewards = tau
    weighted = gamma ** np.arange(len(rewards)) * rewards
    to_go = np.cumsum(weighted[::-1])[::-1]
    g = policy.score(theta, obs, actions, to_go)
    log_p = policy.score(theta, obs, actions, np.ones(len(rewards)))
    return policy.score_jvp(theta, obs, actions, to_go, v) + g * np.sum(log_p * v)


def numpy_n_harpg(env, policy, theta0, T, gamma_0, gamma, H, rng):
    """N-HARPG (Algorithm 2, normalised) for ``T`` iterations; ``(theta_T, returns[T])``."""
    theta = theta_prev = np.array(theta0, np.float64)
    d = np.zeros_like(theta)
    returns = np.empty(T)
    for t in range(T):
        gamma_t, eta = pg.schedule("n-harpg", t, gamma_0)
        delta = theta - theta_prev
        theta_hat = theta_prev + rng.random() * delta
        v = numpy_hvp(policy, theta_hat, delta, numpy_rollout(env, policy, theta_hat, H, rng), gamma)
        g, returns[t] = numpy_gradient(policy, theta, numpy_rollout(env, policy, theta, H, rng), gamma)
        d = (1 - eta) * (d + v) + eta * g
        n = np.linalg.norm(d)
        theta, theta_prev = theta + (gamma_t * d / n if n > 0 else 0.0), theta
    return theta, returns


# ---------------------------------------------------------------- the benchmark ------------------------------------

def bandit_instance():
    rng = np.random.default_rng(0)
    contexts, w_star = rng.normal(size=(8, 3)), rng.normal(size=3)
    return pg.bandit_params(contexts, w_star), NumpyBandit(contexts, w_star)


def balancing_start(policy: pg.MLPSoftmax) -> np.ndarray:
    """A hand-set network that balances: two hidden units carry ``f = +-(0.1 x + 0.5 x_dot + th + th_dot)`` through
    ReLUs, the logit of "push right" minus that of "push left" is ``20 f``; episodes run to ``H = 200``."""
    layers = [(np.zeros((m, n)), np.zeros(n)) for m, n in zip(policy.sizes[:-1], policy.sizes[1:])]
    f = np.array([0.1, 0.5, 1.0, 1.0])
    layers[0][0][:, 0], layers[0][0][:, 1] = f, -f
    for W, _ in layers[1:-1]:
        W[0, 0] = W[1, 1] = 1.0
    layers[-1][0][0, 1], layers[-1][0][1, 1] = 20.0, -20.0
    return np.concatenate([np.concatenate([W.ravel(), b]) for W, b in layers])


def devices() -> list:
    """The CPU, then the GPUs JAX sees (none when it has no GPU backend: ``jax.devices("gpu")`` raises then)."""
    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        gpus = []
    return [jax.devices("cpu")[0], *gpus[:1]]


def unit_reward_lengths(returns, gamma: float) -> np.ndarray:
    """Episode lengths from discounted returns where every step pays 1 (CartPole): ``R = (1 - gamma^L)/(1 - gamma)``."""
    returns = np.asarray(returns, np.float64)
    return np.round(np.log1p(-(1 - gamma) * returns) / math.log(gamma))


def compare(label, problem, env, policy, theta0, T, gamma_0, rows, n_numpy=8, repeat=(2, 3)):
    """The same run (``T`` iterations of N-HARPG from ``theta0`` with ``gamma_0``) on 64 seeds in JAX, one row per
    device of :func:`devices` (each pinned with ``jax.default_device``), and on ``n_numpy`` seeds in numpy (its seeds
    run one after another, so its rate depends on their number only through their episode lengths; timed once,
    shared by the rows; ``repeat`` = (numpy, JAX) repetitions, best taken). Both sides report the mean return and
    the mean episode length of their gradient trajectories (from the return: CartPole pays 1 per step; the bandit's
    episodes last one step), so the two rates are visibly measured on like episodes: two numpy seeds were too few
    (at ``T = 40`` seed 0's episodes ran ~3x the median and halved numpy's rate)."""
    theta0 = np.asarray(theta0, np.float32)

    def numpy_runs():
        return [numpy_n_harpg(env, policy, theta0, T, gamma_0, problem.gamma, problem.H, np.random.default_rng(s))[1]
                for s in range(n_numpy)]

    def lengths(returns):
        return unit_reward_lengths(returns, problem.gamma) if problem.H > 1 else np.ones(np.shape(returns))

    t_np, rets = timed(numpy_runs, repeat=repeat[0])
    np_rate = n_numpy * 2 * T / t_np
    for device in devices():
        with jax.default_device(device):
            keys, start = jax.random.split(jax.random.PRNGKey(0), SEEDS), jax.numpy.asarray(theta0)

            def jax_run(keys=keys, start=start):
                return jax.block_until_ready(pg.over_seeds(pg.n_harpg, keys, problem, start, T=T, gamma_0=gamma_0))

            first, _ = timed(jax_run)
            t_jax, run = timed(jax_run, repeat=repeat[1])
        jax_rate = SEEDS * 2 * T / t_jax
        rows.append({"problem": label, "device": device.platform, "T": T, "JAX, 64 seeds (traj/s)": jax_rate,
                     f"numpy loop, {n_numpy} seeds (traj/s)": np_rate, "ratio": jax_rate / np_rate,
                     "JAX compile (s)": first - t_jax,
                     "mean return JAX / numpy": f"{float(np.mean(run.returns)):.3g} / {float(np.mean(rets)):.3g}",
                     "mean episode length JAX / numpy":
                         f"{np.mean(lengths(run.returns)):.3g} / {np.mean(lengths(rets)):.3g}"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    scale = 5 if args.quick else 1
    header(f"N-HARPG throughput: JAX (jit, vmap over {SEEDS} seeds; devices "
           f"{', '.join(d.platform for d in devices())}) vs a plain numpy loop, same run")
    rows = []
    policy = pg.MLPSoftmax(SIZES)
    problem = pg.cartpole_problem(policy, gamma=GAMMA, H=H_CARTPOLE)
    theta0 = policy.init(jax.random.PRNGKey(0))
    T = 200 // scale
    np_policy, np_env = NumpyMLPSoftmax(SIZES), NumpyCartPole()
    compare(f"CartPole H={H_CARTPOLE}, MLP {SIZES}, random start", problem, np_env, np_policy, theta0, T, 1.0, rows)
    compare(f"CartPole H={H_CARTPOLE}, MLP {SIZES}, balancing start", problem, np_env, np_policy,
            balancing_start(policy), T // 4, 0.01, rows)
    compare(f"CartPole H={H_CARTPOLE}, MLP {SIZES}, learning run (gamma_0 = {LEARNING_GAMMA_0}), random start",
            problem, np_env, np_policy, theta0, 1000 // scale, LEARNING_GAMMA_0, rows, repeat=(1, 1))
    params, np_bandit = bandit_instance()
    bandit = pg.bandit_problem(params, pg.LinearCauchy(0.5))
    compare("Cauchy bandit, k=3, H=1", bandit, np_bandit, NumpyLinearCauchy(0.5), np.zeros((3, 1)), 5000 // scale,
            0.3, rows)
    table(rows)


if __name__ == "__main__":
    main()
