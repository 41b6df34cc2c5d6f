"""Slow, obvious reference implementations of the Numba learners: plain Python loops, the same random streams
(SplitMix64, re-implemented with Python integers: one for the environment's transitions and the learner's own
draws, one for the rewards where the model's rewards are random) and the same alias tables, so they must agree step
for step."""

import math

import numpy as np

MASK = (1 << 64) - 1


class Stream:
    """SplitMix64 (Steele, Lea & Flood 2014) with Python integers."""

    def __init__(self, seed: int):
        self.state = seed & MASK

    def uniform(self) -> float:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        return (z >> 11) * 2.0**-53

    def normal(self) -> float:
        u1, u2 = self.uniform(), self.uniform()
        return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)

    def gamma(self, shape: float) -> float:
        boost = 1.0
        if shape < 1.0:
            boost = (1.0 - self.uniform()) ** (1.0 / shape)
            shape += 1.0
        d = shape - 1.0 / 3.0
        c = 1.0 / math.sqrt(9.0 * d)
        while True:
            z = self.normal()
            v = 1.0 + c * z
            if v <= 0.0:
                continue
            v = v * v * v
            u = self.uniform()
            if math.log(1.0 - u) < 0.5 * z * z + d - d * v + d * math.log(v):
                return d * v * boost


class Env:
    """The environment side: alias draws exactly as the kernels do them; rewards drawn from their own stream
    (seeded by ``env.noise``): Bernoulli, ``high if u < p else low``; Gaussian, ``clip(m + sigma z, low, high)``
    with ``z`` from Box-Muller (the kernels' parameters in the learner's unit, :func:`rewards.draw_spec`)."""

    def __init__(self, env, stream):
        self.env, self.stream = env, stream
        self.reward_stream = Stream(env.noise[5])
        smp = env.sampler
        self.indptr, self.succ, self.thr, self.alias = smp.indptr, smp.successors, smp.threshold, smp.alias_successors
        self.homogeneous = len(self.indptr) - 1 == env.S * env.A

    def initial(self) -> int:
        u = self.stream.uniform()
        return int(min(np.searchsorted(self.env.init_cdf, u, side="right"), self.env.S - 1))

    def step(self, h, s, a) -> int:
        S, A = self.env.S, self.env.A
        row = (0 if self.homogeneous else h) * S * A + s * A + a
        lo = self.indptr[row]
        u = self.stream.uniform() * (self.indptr[row + 1] - lo)
        j = int(u)
        return int(self.succ[lo + j] if u - j < self.thr[lo + j] else self.alias[lo + j])

    def reward(self, h, s, a) -> float:
        """The reward of one step (call it once per step: a random reward consumes the reward stream)."""
        kind, table, low, high, sigma, _ = self.env.noise
        if kind == 0:
            R3 = self.env.R3
            return float(R3[h if R3.shape[0] > 1 else 0, s, a])
        mean = float(table[h if table.shape[0] > 1 else 0, s, a])
        if kind == 1:
            return high if self.reward_stream.uniform() < mean else low
        return min(max(mean + sigma * self.reward_stream.normal(), low), high)


def first_argmax(values) -> int:
    best, arg = -math.inf, 0
    for i, v in enumerate(values):
        if v > best:
            best, arg = v, i
    return arg


def ucbvi(env_arrays, K, bonus, delta, layers, epsilon=0.0, bonus_scale=1.0):
    """Azar et al. 2017, Algorithms 1-2, written out."""
    S, A, H = env_arrays.S, env_arrays.A, env_arrays.H
    stream = Stream(env_arrays.seed)
    env = Env(env_arrays, stream)
    L = math.log(5.0 * S * A * K * H / delta)
    N = np.zeros((layers, S, A))
    Nsas = np.zeros((layers, S, A, S))
    N_step = np.zeros((H + 1, S))
    Q = np.full((H, S, A), float(H))
    step_rewards = env_arrays.R3.shape[0] > 1
    seen = {}  # (step if the reward is step-dependent else 0, s, a) -> observed rewards
    policies, qs, starts, returns = [], [], [], []
    for k in range(K):
        V = np.zeros((H + 1, S))
        pol = np.zeros((H, S), dtype=int)
        for h in reversed(range(H)):
            l = h if layers > 1 else 0
            for s in range(S):
                for a in range(A):
                    n = N[l, s, a]
                    observed = seen.get((h if step_rewards else 0, s, a), [])
                    r = sum(observed) / len(observed) if observed else 1.0
                    if n > 0:
                        p = [Nsas[l, s, a, y] / n for y in range(S)]
                        pv = sum(p[y] * V[h + 1, y] for y in range(S) if Nsas[l, s, a, y] > 0)
                        pv2 = sum(p[y] * V[h + 1, y] ** 2 for y in range(S) if Nsas[l, s, a, y] > 0)
                        if bonus == "hoeffding":
                            b = 7.0 * H * L * math.sqrt(1.0 / n)
                        elif bonus == "bernstein":
                            c_var = 100.0**2 * H**3 * S**2 * A * L**2
                            extra = sum(p[y] * (min(c_var / N_step[h + 1, y], H * H) if N_step[h + 1, y] > 0
                                                else H * H) for y in range(S) if Nsas[l, s, a, y] > 0)
                            b = (math.sqrt(8.0 * L * max(pv2 - pv * pv, 0.0) / n) + 14.0 * H * L / (3.0 * n)
                                 + math.sqrt(8.0 * extra / n))
                        else:
                            b = 0.0
                        b *= bonus_scale
                        Q[h, s, a] = min(Q[h, s, a], H, r + pv + b) if bonus != "none" else r + pv + b
                pol[h, s] = first_argmax(Q[h, s])
                V[h, s] = Q[h, s, pol[h, s]]
        policies.append(pol)
        qs.append(Q.copy())
        s = env.initial()
        starts.append(s)
        total = 0.0
        for h in range(H):
            a = pol[h, s]
            if epsilon > 0 and stream.uniform() < epsilon:
                a = min(int(stream.uniform() * A), A - 1)
            r = env.reward(h, s, a)
            total += r
            seen.setdefault((h if step_rewards else 0, s, a), []).append(r)
            s2 = env.step(h, s, a)
            l = h if layers > 1 else 0
            N[l, s, a] += 1
            Nsas[l, s, a, s2] += 1
            N_step[h + 1, s2] += 1
            s = s2
        returns.append(total)
    return np.array(policies), np.array(starts), np.array(returns), np.array(qs)


def q_learning(env_arrays, K, bernstein, delta, bonus_scale=1.0):
    """Jin et al. 2018, Algorithms 1 (UCB-H) and 2 (UCB-B), written out; the absolute constants are
    ``c = c1 = c2 = 2 bonus_scale`` and ``delta`` is the paper's ``p``."""
    S, A, H = env_arrays.S, env_arrays.A, env_arrays.H
    c = c1 = c2 = 2.0 * bonus_scale
    stream = Stream(env_arrays.seed)
    env = Env(env_arrays, stream)
    iota = math.log(S * A * K * H / delta)
    Q = np.full((H, S, A), float(H))
    V = np.zeros((H + 1, S))
    V[:H] = H
    N = np.zeros((H, S, A))
    mu, sigma, beta_prev = np.zeros((H, S, A)), np.zeros((H, S, A)), np.zeros((H, S, A))
    policies, qs, starts, returns = [], [], [], []
    for k in range(K):
        pol = np.array([[first_argmax(Q[h, s]) for s in range(S)] for h in range(H)])
        policies.append(pol)
        qs.append(Q.copy())
        s = env.initial()
        starts.append(s)
        total = 0.0
        for h in range(H):
            a = pol[h, s]
            r = env.reward(h, s, a)
            total += r
            s2 = env.step(h, s, a)
            N[h, s, a] += 1
            t = N[h, s, a]
            alpha = (H + 1.0) / (H + t)
            v = V[h + 1, s2]
            if bernstein:
                mu[h, s, a] += v
                sigma[h, s, a] += v * v
                W = max(sigma[h, s, a] / t - (mu[h, s, a] / t) ** 2, 0.0)
                beta = min(c1 * (math.sqrt(H / t * (W + H) * iota) + math.sqrt(float(H) ** 7 * S * A) * iota / t),
                           c2 * math.sqrt(float(H) ** 3 * iota / t))
                b = (beta - (1 - alpha) * beta_prev[h, s, a]) / (2 * alpha)
                beta_prev[h, s, a] = beta
            else:
                b = c * math.sqrt(float(H) ** 3 * iota / t)
            Q[h, s, a] = (1 - alpha) * Q[h, s, a] + alpha * (r + v + b)
            V[h, s] = min(H, max(Q[h, s]))
            s = s2
        returns.append(total)
    return np.array(policies), np.array(starts), np.array(returns), np.array(qs)


def psrl(env_arrays, K, alpha0, layers):
    """Osband et al. 2013, Algorithm 1, written out (Dirichlet / Beta posteriors)."""
    S, A, H = env_arrays.S, env_arrays.A, env_arrays.H
    stream = Stream(env_arrays.seed)
    env = Env(env_arrays, stream)
    Nsas = np.zeros((layers, S, A, S))
    succ, fail = np.zeros((layers, S, A)), np.zeros((layers, S, A))
    policies, qs, starts, returns = [], [], [], []
    for k in range(K):
        P = np.zeros((layers, S, A, S))
        Rt = np.zeros((layers, S, A))
        for l in range(layers):
            for s in range(S):
                for a in range(A):
                    g = [stream.gamma(alpha0 + Nsas[l, s, a, y]) for y in range(S)]
                    P[l, s, a] = np.array(g) / sum(g)
                    g1, g2 = stream.gamma(1.0 + succ[l, s, a]), stream.gamma(1.0 + fail[l, s, a])
                    Rt[l, s, a] = g1 / (g1 + g2)
        V = np.zeros((H + 1, S))
        Q = np.zeros((H, S, A))
        pol = np.zeros((H, S), dtype=int)
        for h in reversed(range(H)):
            l = h if layers > 1 else 0
            for s in range(S):
                for a in range(A):
                    q = Rt[l, s, a]
                    for y in range(S):
                        q += P[l, s, a, y] * V[h + 1, y]
                    Q[h, s, a] = q
                pol[h, s] = first_argmax(Q[h, s])
                V[h, s] = Q[h, s, pol[h, s]]
        policies.append(pol)
        qs.append(Q)
        s = env.initial()
        starts.append(s)
        total = 0.0
        for h in range(H):
            a = pol[h, s]
            r = env.reward(h, s, a)
            total += r
            s2 = env.step(h, s, a)
            l = h if layers > 1 else 0
            Nsas[l, s, a, s2] += 1
            succ[l, s, a] += r
            fail[l, s, a] += 1 - r
            s = s2
        returns.append(total)
    return np.array(policies), np.array(starts), np.array(returns), np.array(qs)


def mvp(env_arrays, K, delta, layers, bonus_scale=1.0):
    """Zhang, Ji & Du 2021, Algorithm 1 (rewards scaled by 1/H), written out; its constants times ``bonus_scale``."""
    S, A, H = env_arrays.S, env_arrays.A, env_arrays.H
    c1, c2, c3 = (bonus_scale * c for c in (460 / 9, 2 * math.sqrt(2), 544 / 9))
    stream = Stream(env_arrays.seed)
    env = Env(env_arrays, stream)
    iota = math.log(S * A * H * K / delta)
    N, Nsas = np.zeros((layers, S, A)), np.zeros((layers, S, A, S))
    r_sum, r_sq = np.zeros((layers, S, A)), np.zeros((layers, S, A))
    n_f, P_f = np.zeros((layers, S, A)), np.zeros((layers, S, A, S))
    r_f, var_f = np.zeros((layers, S, A)), np.zeros((layers, S, A))
    Q = np.ones((H, S, A))
    pol = np.zeros((H, S), dtype=int)
    policies, qs, starts, returns = [], [], [], []
    for k in range(K):
        policies.append(pol.copy())
        qs.append(Q.copy())
        s = env.initial()
        starts.append(s)
        total, triggered = 0.0, False
        for h in range(H):
            a = pol[h, s]
            r = env.reward(h, s, a)
            total += r
            s2 = env.step(h, s, a)
            x = r / H
            l = h if layers > 1 else 0
            N[l, s, a] += 1
            Nsas[l, s, a, s2] += 1
            r_sum[l, s, a] += x
            r_sq[l, s, a] += x * x
            n = int(N[l, s, a])
            if n & (n - 1) == 0:
                n_f[l, s, a] = n
                P_f[l, s, a] = Nsas[l, s, a] / n
                r_f[l, s, a] = r_sum[l, s, a] / n
                var_f[l, s, a] = max(r_sq[l, s, a] / n - r_f[l, s, a] ** 2, 0.0)
                triggered = True
            s = s2
        returns.append(total)
        if triggered:
            V = np.zeros((H + 1, S))
            for h in reversed(range(H)):
                l = h if layers > 1 else 0
                for s in range(S):
                    for a in range(A):
                        n = n_f[l, s, a]
                        if n > 0:
                            pv = sum(P_f[l, s, a, y] * V[h + 1, y] for y in range(S) if P_f[l, s, a, y] > 0)
                            pv2 = sum(P_f[l, s, a, y] * V[h + 1, y] ** 2 for y in range(S) if P_f[l, s, a, y] > 0)
                            b = (c1 * math.sqrt(max(pv2 - pv * pv, 0.0) * iota / n)
                                 + c2 * math.sqrt(var_f[l, s, a] * iota / n) + c3 * iota / n)
                            Q[h, s, a] = min(r_f[l, s, a] + pv + b, 1.0)
                        else:
                            Q[h, s, a] = 1.0
                    pol[h, s] = first_argmax(Q[h, s])
                    V[h, s] = Q[h, s, pol[h, s]]
    return np.array(policies), np.array(starts), np.array(returns), np.array(qs)


def lsvi_ucb(env_arrays, K, phi, beta, lam=1.0):
    """Jin et al. 2020, Algorithm 1, exactly as written: regressions over the list of past transitions, with an
    explicit matrix inverse."""
    S, A, H = env_arrays.S, env_arrays.A, env_arrays.H
    d = phi.shape[2]
    stream = Stream(env_arrays.seed)
    env = Env(env_arrays, stream)
    data = [[] for _ in range(H)]  # (s, a, r, s')
    policies, qs, starts, returns = [], [], [], []
    for k in range(K):
        Q = np.zeros((H + 1, S, A))
        pol = np.zeros((H, S), dtype=int)
        for h in reversed(range(H)):
            Lam = lam * np.eye(d)
            rhs = np.zeros(d)
            for s, a, r, s2 in data[h]:
                Lam += np.outer(phi[s, a], phi[s, a])
                rhs += phi[s, a] * (r + (Q[h + 1, s2].max() if h + 1 < H else 0.0))
            Lam_inv = np.linalg.inv(Lam)
            w = Lam_inv @ rhs
            for s in range(S):
                for a in range(A):
                    f = phi[s, a]
                    Q[h, s, a] = min(w @ f + beta * math.sqrt(f @ Lam_inv @ f), H)
                pol[h, s] = first_argmax(Q[h, s])
        policies.append(pol)
        qs.append(Q[:H].copy())
        start, total = play_episode(env, pol, data)
        starts.append(start)
        returns.append(total)
    return np.array(policies), np.array(starts), np.array(returns), np.array(qs)


def play_episode(env, pol, data) -> tuple[int, float]:
    """One episode of the deterministic policy ``pol[h, s]``, its transitions appended to ``data[h]`` as
    ``(s, a, r, s')``; returns the start state and the total reward."""
    s = env.initial()
    start, total = s, 0.0
    for h in range(len(data)):
        a = pol[h, s]
        r = env.reward(h, s, a)
        total += r
        s2 = env.step(h, s, a)
        data[h].append((s, a, r, s2))
        s = s2
    return start, total


def actor_critic(env_arrays, K, phi, beta, eta, switch_ratio=2.0, lam=1.0, behaviour=None, N_off=0):
    """Tan, Fan & Wei 2025 as reconstructed in ``tabular/learners/actor_critic.py``, written out: regressions over
    the list of past transitions with an explicit inverse (recomputed only at switches), the switch test on
    ``slogdet`` of the explicit ``Lambda_h``, the actor as a product of exponential weights, its draws by inverse
    CDF. Returns ``(policies, starts, returns, critics, actors, switches)``."""
    S, A, H = env_arrays.S, env_arrays.A, env_arrays.H
    d = phi.shape[2]
    stream = Stream(env_arrays.seed)
    env = Env(env_arrays, stream)
    data = [[] for _ in range(H)]  # (s, a, r, s')

    def draw(probs):
        pol = np.zeros((H, S), dtype=int)
        for h in range(H):
            for s in range(S):
                u, c, pol[h, s] = stream.uniform(), 0.0, A - 1
                for a in range(A):
                    c += probs[h][s][a]
                    if u < c:
                        pol[h, s] = a
                        break
        return pol

    def play(pol):
        return play_episode(env, pol, data)

    def gram(h):
        return lam * np.eye(d) + sum((np.outer(phi[s, a], phi[s, a]) for s, a, _, _ in data[h]), np.zeros((d, d)))

    if behaviour is None:
        behaviour = np.full((H, S, A), 1.0 / A)
    for _ in range(N_off):
        play(draw(behaviour))
    policies, starts, returns, critics, actors, switches = [], [], [], [], [], []
    weights, at_switch, Q = None, [0.0] * H, None
    for k in range(K):
        logdets = [np.linalg.slogdet(gram(h))[1] for h in range(H)]
        if k == 0 or max(logdets[h] - at_switch[h] for h in range(H)) > math.log(switch_ratio) + 1e-9:
            at_switch = logdets
            Q = np.zeros((H + 1, S, A))
            for h in reversed(range(H)):
                Lam_inv = np.linalg.inv(gram(h))
                rhs = sum((phi[s, a] * (r + Q[h + 1, s2].max()) for s, a, r, s2 in data[h]), np.zeros(d))
                w = Lam_inv @ rhs
                for s in range(S):
                    for a in range(A):
                        f = phi[s, a]
                        Q[h, s, a] = min(w @ f + beta * math.sqrt(f @ Lam_inv @ f), H)
            weights = np.ones((H, S, A))  # the reset: uniform
            switches.append(k)
        probs = weights / weights.sum(axis=2, keepdims=True)
        critics.append(Q[:H].copy())
        actors.append(probs)
        pol = draw(probs)
        policies.append(pol)
        start, total = play(pol)
        starts.append(start)
        returns.append(total)
        weights = probs * np.exp(eta * Q[:H])  # pi <- pi exp(eta f), normalised at the next episode
    return (np.array(policies), np.array(starts), np.array(returns), np.array(critics), np.array(actors),
            np.array(switches))
