"""Maximise a ReLU network over binary inputs under linear constraints: a MILP solved by SCIP (pyscipopt).

The network ``f`` is given by its layers ``weights[i]: (n_out, n_in)`` and ``biases[i]: (n_out,)``, applied as
``W @ h + b`` (PyTorch's layout), ReLU between layers, the last layer linear with one output. Each hidden neuron
``y = max(0, a)``, ``a = W h + b``, with pre-activation bounds ``L <= a <= U``, is written in the big-M form of
Fischetti & Jo ("Deep neural networks and mixed integer linear optimization", Constraints 23, 2018), with a binary
``z`` (1: active)::

    y >= a,   y >= 0,   y <= a - L (1 - z),   y <= U z.

At binary ``z`` these say exactly ``y = max(0, a)``; the bounds are the big-M constants, and tighter bounds give a
tighter LP relaxation. ``L, U`` come from interval arithmetic, layer by layer, from the input box (``x`` in [0, 1];
for the first layer over binary inputs they are exact: ``b`` plus the sum of the negative / positive weights). A
neuron that is always active (``L >= 0``) becomes ``y = a`` and one always inactive (``U <= 0``) the constant 0,
neither with a binary: the standard tightening.

SEQUOIA (Xu, Wilder, Khalil, Tambe, "Reinforcement learning with combinatorial actions for coupled restless bandits",
ICLR 2025) picks each action of a coupled restless bandit this way, the network being its Q-network on
(state, action): :func:`add_relu_network` embeds a network in a pyscipopt model the caller builds (a domain with
auxiliary variables such as paths or matchings), :func:`maximize_relu_network` is the whole solve for constraints on
``x`` alone. (The authors' code, via Neur2SP's embedding, uses ``M = 1e5`` for every neuron; bounds from interval
arithmetic avoid the numerical trouble of so large a constant.)

SCIP runs quietly, on one thread and with its default random seed, so a solve is deterministic when it reaches
optimality (a time limit makes the result depend on the machine's speed).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import scipy.sparse as sp

from .validation import check_real, check_real_array

if TYPE_CHECKING:  # pyscipopt loads on first use: ``import boundlab`` stays light
    import pyscipopt

__all__ = ["ParametricReluNetwork", "ReluMilpResult", "add_parametric_relu_network", "add_relu_network",
           "maximize_relu_network", "relu_layers_from_params"]

#: SCIP statuses under which the search stopped early; each is reported under our name.
_LIMITS = {"timelimit": "time_limit", "gaplimit": "gap_limit", "nodelimit": "node_limit",
           "totalnodelimit": "node_limit", "stallnodelimit": "node_limit", "memlimit": "memory_limit",
           "sollimit": "solution_limit", "bestsollimit": "solution_limit", "userinterrupt": "interrupted"}


@dataclass(frozen=True)
class ReluMilpResult:
    """What :func:`maximize_relu_network` found.

    ``x``: the best binary input found (int64, 0/1). ``value``: the exact ``f(x) + c @ x`` at that ``x`` (a
    float64 forward pass, not SCIP's objective, which carries the big-M formulation's feasibility tolerance, about
    1e-6 relative, and can lie above the true optimum). ``status``: ``"optimal"``, or the limit that stopped the search
    (``"time_limit"``, ``"gap_limit"``, ...: ``x`` is then the incumbent). ``bound``: SCIP's dual bound, an upper
    bound on the optimum. ``gap``: SCIP's relative gap ``|bound - value| / min(|bound|, |value|)`` (0 at
    optimality, ``inf`` when the two differ in sign). ``fallback``: true when a limit came before SCIP had any
    solution and ``x`` is the given start ``x0``.
    """

    x: np.ndarray
    value: float
    status: str
    gap: float
    bound: float
    fallback: bool = False


def _finite_array(x, name: str, ndim: int) -> np.ndarray:
    """``x`` as a float64 array of ``ndim`` dimensions with finite real entries, else raise naming ``name``."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, got {type(x).__name__} {x!r}")
    x = check_real_array(x, name)
    x = np.asarray(x.toarray() if sp.issparse(x) else x, dtype=np.float64)
    if x.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension{'s' * (ndim > 1)}, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        idx = [int(i) for i in np.argwhere(~np.isfinite(x))[0]]
        raise ValueError(f"{name}{idx} is not finite ({x[tuple(idx)]})")
    return x


def _check_network(weights, biases, w_name: str = "weights[{}]", b_name: str = "biases[{}]", transposed: bool = False):
    """The layers as float64 arrays, checked to chain ``n_in -> ... -> 1``, else raise naming the layer (``w_name``,
    ``b_name``: how to name layer ``i``'s arrays; ``transposed``: the caller's arrays were ``W.T``, shown so)."""
    for name, layers in (("weights", weights), ("biases", biases)):
        if not isinstance(layers, (list, tuple)) or len(layers) == 0:
            shown = f" {layers!r}" if isinstance(layers, (str, list, tuple)) or layers is None else ""
            raise TypeError(f"{name} must be a non-empty list of arrays (one per layer), got "
                            f"{type(layers).__name__}{shown}")
    if len(weights) != len(biases):
        raise ValueError(f"weights and biases must list the same number of layers, got {len(weights)} and "
                         f"{len(biases)}")
    Ws = [_finite_array(W, w_name.format(i), 2) for i, W in enumerate(weights)]
    shape = (lambda W: W.T.shape) if transposed else (lambda W: W.shape)
    for i, W in enumerate(Ws):
        if min(W.shape) == 0:
            raise ValueError(f"{w_name.format(i)} must have at least one row and column, got shape {shape(W)}")
        if i > 0 and W.shape[1] != Ws[i - 1].shape[0]:
            raise ValueError(f"{w_name.format(i)} must take {Ws[i - 1].shape[0]} inputs (the outputs of layer "
                             f"{i - 1}), got shape {shape(W)}")
    if Ws[-1].shape[0] != 1:
        raise ValueError(f"the last layer must have one output, got {w_name.format(len(Ws) - 1)} of shape "
                         f"{shape(Ws[-1])}")
    bs = [_finite_array(b, b_name.format(i), 1) for i, b in enumerate(biases)]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        if b.shape[0] != W.shape[0]:
            raise ValueError(f"{b_name.format(i)} must have length {W.shape[0]} (the outputs of layer {i}), got "
                             f"{b.shape[0]}")
    return Ws, bs


def interval_bounds(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], lower: np.ndarray,
                    upper: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer, bounds ``(L, U)`` on every neuron's pre-activation ``W h + b`` over inputs in the box
    ``[lower, upper]``, by interval arithmetic (exact for the first layer over the box's vertices)."""
    out = []
    lo, hi = np.asarray(lower, np.float64), np.asarray(upper, np.float64)
    for W, b in zip(weights, biases):
        Wp, Wn = np.maximum(W, 0.0), np.minimum(W, 0.0)
        L, U = Wp @ lo + Wn @ hi + b, Wp @ hi + Wn @ lo + b
        out.append((L, U))
        lo, hi = np.maximum(L, 0.0), np.maximum(U, 0.0)
    return out


def _affine(W_row: np.ndarray, b: float, h: list) -> tuple[Any, float]:
    """``W_row @ h + b`` with ``h`` a mix of pyscipopt variables and numbers: (expression in the variables,
    constant)."""
    import pyscipopt
    const = b + sum(w * v for w, v in zip(W_row, h) if w != 0.0 and not isinstance(v, pyscipopt.Variable))
    expr = pyscipopt.quicksum(w * v for w, v in zip(W_row, h) if w != 0.0 and isinstance(v, pyscipopt.Variable))
    return expr, float(const)


def _input_box(model, x_vars) -> tuple[list, np.ndarray, np.ndarray]:
    """The inputs as a list (variables and floats) with their bounds; an unbounded variable is refused."""
    import pyscipopt
    if isinstance(x_vars, (str, bytes)) or not hasattr(x_vars, "__len__"):
        raise TypeError(f"x_vars must be a sequence of pyscipopt variables or numbers, got {type(x_vars).__name__}")
    h, lo, hi = [], [], []
    for j, v in enumerate(x_vars):
        if isinstance(v, pyscipopt.Variable):
            a, b = v.getLbOriginal(), v.getUbOriginal()
            if model.isInfinity(-a) or model.isInfinity(b):  # SCIP's infinity, 1e20 by default
                raise ValueError(f"x_vars[{j}] ({v.name}) must have finite bounds for the big-M constants, got "
                                 f"[{a}, {b}]")
        else:
            a = b = check_real(v, f"x_vars[{j}]")
            if not math.isfinite(a):
                raise ValueError(f"x_vars[{j}] is not finite ({a})")
        h.append(v)
        lo.append(a)
        hi.append(b)
    return h, np.array(lo, np.float64), np.array(hi, np.float64)


def add_relu_network(model: pyscipopt.Model, x_vars: Sequence, weights: Sequence, biases: Sequence, *,
                     name: str = "relu", max_active: int | None = None) -> pyscipopt.Variable:
    """Embed the ReLU network ``(weights, biases)`` into ``model`` over the inputs ``x_vars`` and return a continuous
    variable equal to its (scalar) output, to use in the model's objective or constraints.

    ``x_vars[j]`` is a pyscipopt variable of ``model`` with finite bounds (binary, integer or continuous) or a number
    (a fixed input, e.g. a Q-network's state). Hidden neurons are written in the big-M form of the module docstring,
    with bounds from interval arithmetic over the inputs' bounds; ``name`` prefixes the variables and constraints.
    ``max_active``: the caller's constraints let at most this many of the binary ``x_vars`` be 1 (a budget); the
    first layer's bounds then add only the ``max_active`` largest positive (negative) weights of those inputs, a
    tighter big-M (the deeper layers follow by interval arithmetic).
    """
    import pyscipopt
    if not isinstance(model, pyscipopt.Model):
        raise TypeError(f"model must be a pyscipopt.Model, got {type(model).__name__}")
    Ws, bs = _check_network(weights, biases)
    h, lo, hi = _input_box(model, x_vars)
    if len(h) != Ws[0].shape[1]:
        raise ValueError(f"x_vars must hold {Ws[0].shape[1]} inputs (the columns of weights[0]), got {len(h)}")
    bounds = interval_bounds(Ws, bs, lo, hi)
    if max_active is not None:
        bounds = _cardinality_bounds(Ws, bs, _binary_mask(h), lo, hi, bounds, int(max_active))
    for k, (W, b, (L, U)) in enumerate(zip(Ws[:-1], bs[:-1], bounds[:-1])):
        nxt = []
        for i in range(W.shape[0]):
            if U[i] <= 0.0:  # never active
                nxt.append(0.0)
                continue
            expr, const = _affine(W[i], b[i], h)
            if not expr.terms:  # the neuron sees only fixed inputs
                nxt.append(max(const, 0.0))
                continue
            y = model.addVar(f"{name}_y{k}_{i}", lb=max(L[i], 0.0), ub=U[i])
            if L[i] >= 0.0:  # always active
                model.addCons(y - expr == const, name=f"{name}_lin{k}_{i}")
            else:
                z = model.addVar(f"{name}_z{k}_{i}", vtype="B")
                model.addCons(y - expr >= const, name=f"{name}_ge{k}_{i}")
                model.addCons(y - expr - L[i] * z <= const - L[i], name=f"{name}_act{k}_{i}")
                model.addCons(y - U[i] * z <= 0.0, name=f"{name}_off{k}_{i}")
            nxt.append(y)
        h = nxt
    (L, U), expr_const = bounds[-1], _affine(Ws[-1][0], bs[-1][0], h)
    out = model.addVar(f"{name}_out", lb=L[0], ub=U[0])
    model.addCons(out - expr_const[0] == expr_const[1], name=f"{name}_output")
    return out


def _cardinality_bounds(Ws, bs, binary: np.ndarray, lo, hi, bounds, k: int):
    """Interval bounds with the first layer tightened by ``sum(binary inputs) <= k`` (see ``add_relu_network``;
    ``binary``: which inputs are binary variables)."""
    W = Ws[0]
    rest_lo = np.where(binary, 0.0, lo)
    rest_hi = np.where(binary, 0.0, hi)
    Wp, Wn = np.maximum(W, 0.0), np.minimum(W, 0.0)
    base_L = Wp @ rest_lo + Wn @ rest_hi + bs[0]
    base_U = Wp @ rest_hi + Wn @ rest_lo + bs[0]
    kk = min(k, int(binary.sum()))
    top = -np.sort(-Wp[:, binary], axis=1)[:, :kk].sum(axis=1) if kk else 0.0
    bottom = np.sort(Wn[:, binary], axis=1)[:, :kk].sum(axis=1) if kk else 0.0
    L, U = np.maximum(bounds[0][0], base_L + bottom), np.minimum(bounds[0][1], base_U + top)
    return [(L, U)] + interval_bounds(Ws[1:], bs[1:], np.maximum(L, 0.0), np.maximum(U, 0.0)) if len(Ws) > 1 \
        else [(L, U)]


def _binary_mask(h: list) -> np.ndarray:
    import pyscipopt
    return np.array([isinstance(v, pyscipopt.Variable) and v.vtype() == "BINARY" for v in h])


class ParametricReluNetwork:
    """A ReLU network embedded once in a pyscipopt model over variables ``x`` and parameters ``p`` (its input is
    ``[x; p]``), re-solved for many ``p`` (SEQUOIA: one model per Q-network, the state as ``p``) by
    :meth:`set_parameters`, which frees the transformed problem and rewrites only what ``p`` changes: each hidden
    neuron's constant ``b + W_p p`` (first layer) and its big-M constants ``L, U`` from interval arithmetic at that
    ``p`` (constraint sides, the coefficients of ``z``, the bounds of ``y``); a neuron stable at ``p`` has its ``z``
    fixed (1 when ``L >= 0``, 0 when ``U <= 0``). The formulation at each ``p`` is then the one
    :func:`add_relu_network` builds with ``p`` as numbers, the stable neurons fixed rather than removed, so the
    optimum is the same, without rebuilding the model. Build it with :func:`add_parametric_relu_network`."""

    def __init__(self, model, Ws, bs, x_vars, n_params: int, name: str, max_active: int | None):
        import pyscipopt
        self.model, self.Ws, self.bs, self.max_active = model, Ws, bs, max_active
        n_x = len(x_vars)
        _, self.x_lo, self.x_hi = _input_box(model, x_vars)
        self.binary = np.concatenate([_binary_mask(list(x_vars)), np.zeros(n_params, bool)])
        self.W_p = Ws[0][:, n_x:]
        self.layers = []  # per hidden layer: (y, z, ge, act, off) lists
        h = list(x_vars)
        for k, W in enumerate(Ws[:-1]):
            Wx = W[:, :n_x] if k == 0 else W
            ys, zs, ges, acts, offs = [], [], [], [], []
            for i in range(W.shape[0]):
                expr = pyscipopt.quicksum(w * v for w, v in zip(Wx[i], h) if w != 0.0)
                y = model.addVar(f"{name}_y{k}_{i}", lb=0.0, ub=None)
                z = model.addVar(f"{name}_z{k}_{i}", vtype="B")
                ges.append(model.addCons(y - expr >= 0.0, name=f"{name}_ge{k}_{i}"))
                acts.append(model.addCons(y - expr + z <= 1.0, name=f"{name}_act{k}_{i}"))  # set per p
                offs.append(model.addCons(y - z <= 0.0, name=f"{name}_off{k}_{i}"))
                ys.append(y)
                zs.append(z)
            self.layers.append((ys, zs, ges, acts, offs))
            h = ys
        self.output = model.addVar(f"{name}_out", lb=None, ub=None)
        model.addCons(self.output - pyscipopt.quicksum(w * v for w, v in zip(Ws[-1][0], h) if w != 0.0)
                      == float(bs[-1][0]), name=f"{name}_output")
        self.solved = False

    def bounds(self, p: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The pre-activation bounds ``(L, U)`` per layer at parameters ``p``."""
        lo, hi = np.concatenate([self.x_lo, p]), np.concatenate([self.x_hi, p])
        out = interval_bounds(self.Ws, self.bs, lo, hi)
        if self.max_active is not None:
            out = _cardinality_bounds(self.Ws, self.bs, self.binary, lo, hi, out, self.max_active)
        return out

    def set_parameters(self, p) -> None:
        """Free the transformed problem (after a solve) and set the parameters to ``p``."""
        p = _finite_array(p, "p", 1)
        if p.shape != (self.W_p.shape[1],):
            raise ValueError(f"p must have shape ({self.W_p.shape[1]},), got {p.shape}")
        m = self.model
        if self.solved:
            m.freeTransform()
        self.solved = True
        bounds = self.bounds(p)
        for k, ((ys, zs, ges, acts, offs), (L, U)) in enumerate(zip(self.layers, bounds)):
            const = self.bs[k] + (self.W_p @ p if k == 0 else 0.0)
            for i, (y, z) in enumerate(zip(ys, zs)):
                lo, hi, c = float(L[i]), float(U[i]), float(const[i])
                m.chgLhs(ges[i], c)
                m.chgCoefLinear(acts[i], z, -lo)
                m.chgRhs(acts[i], c - lo)
                m.chgCoefLinear(offs[i], z, -hi)
                m.chgVarLb(y, 0.0)
                m.chgVarUb(y, max(hi, 0.0))
                m.chgVarLb(y, max(lo, 0.0))
                off, on = hi <= 0.0, lo >= 0.0 and hi > 0.0
                m.chgVarLb(z, 0.0)
                m.chgVarUb(z, 0.0 if off else 1.0)
                m.chgVarLb(z, 1.0 if on else 0.0)


def add_parametric_relu_network(model: pyscipopt.Model, x_vars: Sequence, n_params: int, weights: Sequence,
                                biases: Sequence, *, name: str = "relu",
                                max_active: int | None = None) -> ParametricReluNetwork:
    """Embed the ReLU network ``(weights, biases)`` over the inputs ``[x_vars; p]`` (``p``: ``n_params`` numbers set
    before each solve by ``set_parameters``; its ``output`` variable is the network's value): one model for many
    ``p`` (:class:`ParametricReluNetwork`). ``x_vars``: pyscipopt variables only (a fixed number would become a
    constraint-side constant that the per-``p`` rewrite overwrites: pass it in ``p`` instead); ``name``,
    ``max_active`` as in :func:`add_relu_network`."""
    import pyscipopt
    if not isinstance(model, pyscipopt.Model):
        raise TypeError(f"model must be a pyscipopt.Model, got {type(model).__name__}")
    bad = [i for i, v in enumerate(x_vars) if not isinstance(v, pyscipopt.Variable)]
    if bad:
        raise TypeError(f"x_vars[{bad[0]}] must be a pyscipopt variable (a fixed input belongs in p), got "
                        f"{type(x_vars[bad[0]]).__name__}")
    Ws, bs = _check_network(weights, biases)
    if isinstance(n_params, bool) or not isinstance(n_params, (int, np.integer)) or n_params < 0:
        raise TypeError(f"n_params must be an int >= 0, got {n_params!r}")
    if len(x_vars) + n_params != Ws[0].shape[1]:
        raise ValueError(f"x_vars and n_params must make {Ws[0].shape[1]} inputs (the columns of weights[0]), got "
                         f"{len(x_vars)} + {n_params}")
    return ParametricReluNetwork(model, Ws, bs, x_vars, int(n_params), name,
                                 None if max_active is None else int(max_active))


def _constraint_pair(A, b, J: int, A_name: str, b_name: str):
    """``(A, b)`` checked as ``(m, J)`` and ``(m,)`` finite arrays, or ``None`` when both are None."""
    if (A is None) != (b is None):
        given, missing = (A_name, b_name) if b is None else (b_name, A_name)
        raise ValueError(f"{given} was given without {missing}: pass both or neither")
    if A is None:
        return None
    A, b = _finite_array(A, A_name, 2), _finite_array(b, b_name, 1)
    if A.shape[1] != J:
        raise ValueError(f"{A_name} must have {J} columns (the network's input size), got shape {A.shape}")
    if b.shape[0] != A.shape[0]:
        raise ValueError(f"{b_name} must have length {A.shape[0]} (the rows of {A_name}), got {b.shape[0]}")
    return A, b


def _check_rows(A: np.ndarray, b: np.ndarray, A_name: str, b_name: str, equality: bool) -> None:
    """Refuse a row that no binary ``x`` satisfies on its own, naming it (the cheap part of infeasibility)."""
    lo, hi = np.minimum(A, 0.0).sum(axis=1), np.maximum(A, 0.0).sum(axis=1)
    tol = 1e-9 * (1.0 + np.abs(A).sum(axis=1) + np.abs(b))
    bad = np.flatnonzero((lo > b + tol) | (equality & (hi < b - tol)))
    if bad.size:
        r = int(bad[0])
        sign = "=" if equality else "<="
        raise ValueError(f"row {r} of {A_name} x {sign} {b_name} holds for no binary x: {A_name}[{r}] @ x ranges over "
                         f"[{lo[r]:g}, {hi[r]:g}], {b_name}[{r}] = {b[r]:g}")


def maximize_relu_network(weights: Sequence, biases: Sequence, *, A_ub=None, b_ub=None, A_eq=None, b_eq=None,
                          c=None, time_limit: float | None = None, gap: float = 0.0, x0=None) -> ReluMilpResult:
    """Maximise ``f(x) + c @ x`` over binary ``x`` with ``A_ub @ x <= b_ub`` and ``A_eq @ x == b_eq``, where ``f`` is
    the ReLU network ``(weights, biases)`` (module docstring: big-M with interval bounds, solved by SCIP).

    Args:
        weights, biases: the layers, ``weights[i]: (n_out, n_in)``, ``biases[i]: (n_out,)``; the input size ``J`` is
            the columns of ``weights[0]``, the last layer has one output. From ``solvers.networks`` parameters:
            ``maximize_relu_network(*relu_layers_from_params(params), ...)``.
        A_ub, b_ub: ``(m, J)`` and ``(m,)`` (optional, both or neither); A_eq, b_eq likewise. c: ``(J,)``, a linear
            term (default 0).
        time_limit: seconds of SCIP wall time (``None``: none). Reached with an incumbent, the incumbent is returned
            with its gap and a ``RuntimeWarning``; with none, ``RuntimeError``.
        gap: stop once SCIP's relative gap is at most this (0: solve to optimality; the authors' code uses 0.02).
        x0: a feasible binary ``x`` to start from (e.g. the previous step's action): given to SCIP as a partial
            solution (SCIP completes the network's variables when it gets to it), and returned, with its value
            ``f(x0) + c @ x0`` and SCIP's bound, if the time limit comes before SCIP has any incumbent; so a time
            limit always returns something at least as good as ``x0``.

    Raises ``ValueError`` naming ``A_ub``/``A_eq`` when no binary ``x`` meets the constraints.
    """
    import pyscipopt
    Ws, bs = _check_network(weights, biases)
    J = Ws[0].shape[1]
    ub = _constraint_pair(A_ub, b_ub, J, "A_ub", "b_ub")
    eq = _constraint_pair(A_eq, b_eq, J, "A_eq", "b_eq")
    c = np.zeros(J) if c is None else _finite_array(c, "c", 1)
    if c.shape[0] != J:
        raise ValueError(f"c must have length {J} (the network's input size), got {c.shape[0]}")
    if time_limit is not None:
        time_limit = check_real(time_limit, "time_limit")
        if not 0.0 < time_limit < math.inf:
            raise ValueError(f"time_limit must be a positive finite number of seconds or None, got {time_limit}")
    gap = check_real(gap, "gap")
    if not 0.0 <= gap < math.inf:
        raise ValueError(f"gap must be a finite number >= 0, got {gap}")
    for pair, names, equality in ((ub, ("A_ub", "b_ub"), False), (eq, ("A_eq", "b_eq"), True)):
        if pair is not None:
            _check_rows(pair[0], pair[1], *names, equality)
    if x0 is not None:
        x0 = _check_start(x0, J, ub, eq)

    model = pyscipopt.Model("relu_milp")
    model.hideOutput()
    model.setParam("parallel/maxnthreads", 1)
    model.setParam("lp/threads", 1)
    model.setParam("limits/gap", gap)
    if time_limit is not None:
        model.setParam("limits/time", time_limit)
    x = [model.addVar(f"x{j}", vtype="B") for j in range(J)]
    for pair, kind in ((ub, "ub"), (eq, "eq")):
        for r, (row, rhs) in enumerate(zip(*pair) if pair is not None else ()):
            if not row.any():  # 0 <= rhs or 0 == rhs, already checked to hold
                continue
            lhs = pyscipopt.quicksum(a * x[j] for j, a in enumerate(row) if a != 0.0)
            model.addCons(lhs <= rhs if kind == "ub" else lhs == rhs, name=f"{kind}{r}")
    out = add_relu_network(model, x, Ws, bs)
    model.setObjective(out + pyscipopt.quicksum(cj * xj for cj, xj in zip(c, x) if cj != 0.0), "maximize")
    if x0 is not None:
        start = model.createPartialSol()
        for var, value in zip(x, x0):
            model.setSolVal(start, var, float(value))
        model.addSol(start)
    model.optimize()
    given = " and ".join(name for name, pair in (("A_ub x <= b_ub", ub), ("A_eq x = b_eq", eq)) if pair is not None)
    fallback = None if x0 is None else (x0, float(_forward(Ws, bs, x0) + c @ x0))
    return _result(model, x, given or "(none)", time_limit, fallback,
                   evaluate=lambda xs: _forward(Ws, bs, xs) + c @ xs)


def _forward(Ws: list, bs: list, x: np.ndarray) -> float:
    """The network's output at ``x`` (PyTorch layout, ReLU between layers)."""
    h = x.astype(np.float64)
    for W, b in zip(Ws[:-1], bs[:-1]):
        h = np.maximum(W @ h + b, 0.0)
    return float((Ws[-1] @ h + bs[-1])[0])


def _check_start(x0, J: int, ub, eq) -> np.ndarray:
    """``x0`` as a binary int vector of length ``J`` meeting the constraints (else an error naming ``x0``)."""
    arr = _finite_array(x0, "x0", 1)
    if arr.shape[0] != J or not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"x0 must be a binary vector of length {J} (the network's input size), got {arr.tolist()}")
    for pair, name, equality in ((ub, "A_ub x0 <= b_ub", False), (eq, "A_eq x0 = b_eq", True)):
        if pair is not None:
            lhs = pair[0] @ arr
            bad = ~np.isclose(lhs, pair[1], atol=1e-9) if equality else lhs > pair[1] + 1e-9
            if np.any(bad):
                raise ValueError(f"x0 is not feasible: row {int(np.argmax(bad))} of {name} fails")
    return arr.astype(np.int64)


def _result(model, x: list, given: str, time_limit: float | None, fallback: tuple | None = None,
            evaluate=None) -> ReluMilpResult:
    """Read the solve's outcome from ``model``: the best solution, or the error/warning its status calls for.
    ``fallback = (x0, value)``: what to return when a limit came before SCIP had any solution. ``evaluate(x)``: the
    exact objective of the rounded solution, returned as its value in place of SCIP's (which carries the big-M
    formulation's feasibility tolerance, about 1e-6 relative)."""
    scip_status = model.getStatus()
    if scip_status in ("infeasible", "inforunbd"):
        raise ValueError(f"the constraints {given} admit no binary x (SCIP proved them infeasible)")
    status = "optimal" if scip_status == "optimal" else _LIMITS.get(scip_status)
    if status is None:
        raise RuntimeError(f"SCIP stopped with status {scip_status!r}")
    if model.getNSols() == 0 and fallback is not None:
        bound = float(model.getDualbound())
        if model.isInfinity(abs(bound)):  # no bound yet (SCIP's infinity, 1e20): say so, not a 1e19 "gap"
            bound = math.copysign(math.inf, bound)
        value = fallback[1]
        finite = math.isfinite(bound) and min(abs(bound), abs(value)) > 0
        gap = abs(bound - value) / min(abs(bound), abs(value)) if finite else math.inf
        warnings.warn(f"maximize_relu_network stopped at its {status.replace('_', ' ')} (time_limit={time_limit}) "
                      f"before SCIP had any solution: returning the start x0 (value {value:.6g}, relative gap "
                      f"{gap:.3g} to the bound {bound:.6g})", RuntimeWarning, stacklevel=3)
        return ReluMilpResult(x=fallback[0].copy(), value=value, status=status, gap=gap, bound=bound,
                              fallback=True)
    if model.getNSols() == 0:
        raise RuntimeError(f"SCIP reached its {status.replace('_', ' ')} (time_limit={time_limit}) before finding any "
                           f"feasible x; raise time_limit")
    sol = model.getBestSol()
    xs = np.array([round(model.getSolVal(sol, v)) for v in x], dtype=np.int64)
    value = float(model.getSolObjVal(sol)) if evaluate is None else float(evaluate(xs))
    result = ReluMilpResult(x=xs, value=value, status=status, gap=float(model.getGap()),
                            bound=float(model.getDualbound()))
    if status not in ("optimal", "gap_limit"):
        warnings.warn(f"maximize_relu_network stopped at its {status.replace('_', ' ')} (time_limit={time_limit}): "
                      f"returning the incumbent {result.value:.6g} with relative gap {result.gap:.3g} "
                      f"(bound {result.bound:.6g})", RuntimeWarning, stacklevel=3)
    return result


def relu_layers_from_params(params) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``solvers.networks`` parameters (a list of ``(W, b)``, ``W: [d_in, d_out]``, JAX or numpy arrays) as
    ``(weights, biases)`` in the layout of :func:`maximize_relu_network` (``weights[i] = W.T``), float64 numpy."""
    if not isinstance(params, (list, tuple)) or len(params) == 0:
        raise TypeError(f"params must be a non-empty list of (W, b) layers, got {type(params).__name__}")
    for i, layer in enumerate(params):
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise TypeError(f"params[{i}] must be a pair (W, b), got {type(layer).__name__}")
    weights = [_finite_array(W, f"params[{i}] W", 2).T.copy() for i, (W, _) in enumerate(params)]
    return _check_network(weights, [b for _, b in params], "params[{}] W", "params[{}] b", transposed=True)
