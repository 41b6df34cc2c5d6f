"""Reader for Cassandra's ``.pomdp`` file format (the input of ``pomdp-solve``, also read by SARSOP, APPL and ZMDP).

The format (A. R. Cassandra, "POMDP file format", pomdp.org/code/pomdp-file-spec.html) is a stream of
whitespace-separated tokens; line breaks carry no meaning and ``#`` starts a comment. A preamble declares
``discount:``, ``values: reward|cost`` and ``states:``, ``actions:``, ``observations:`` (each a count or a list of
names, which may not begin with a digit), then an optional ``start:`` (``uniform``, one state, or one probability per
state; ``start include:`` / ``start exclude:`` a list of states, uniform over those included / not excluded). The
entries that follow are

- ``T: a : s : s' p``; ``T: a : s`` and a row of ``|S|`` probabilities or ``uniform``; ``T: a`` and an
  ``|S| x |S|`` matrix, ``uniform`` or ``identity``;
- ``O: a : s' : o p``; ``O: a : s'`` and a row of ``|O|`` probabilities or ``uniform``; ``O: a`` and an
  ``|S| x |O|`` matrix or ``uniform`` (observations are emitted from the state reached, ``s'``);
- ``R: a : s : s' : o r``; ``R: a : s : s'`` and a row of ``|O|`` numbers; ``R: a : s`` and an ``|S| x |O|``
  matrix;

where each of ``a, s, s', o`` is a name, a 0-based index or the wildcard ``*`` (all of them). Later entries overwrite
earlier ones where they overlap; whatever no entry sets is 0. The file's reward ``R(a, s, s', o)`` becomes the
expected immediate reward ``R[s, a] = sum_{s', o} P[s, a, s'] O[a, s', o] R(a, s, s', o)``; with ``values: cost`` it
is negated, so ``R`` is always a reward to maximise.

Every row of ``T`` and ``O`` must sum to 1 within ``ROW_SUM_ATOL`` (1e-5, as the published corpus rounds its
probabilities to a few decimals); accepted rows are divided by their sums so that they sum to 1 in float64.
Malformed files raise ``ValueError`` naming the line and what is wrong.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["ROW_SUM_ATOL", "PomdpSpec", "parse_pomdp", "read_pomdp"]

ROW_SUM_ATOL = 1e-5

_TOKEN = re.compile(r":|[^\s:]+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INDEX = re.compile(r"\d+")
_PREAMBLE = ("discount", "values", "states", "actions", "observations")
_RESERVED = frozenset((*_PREAMBLE, "start", "include", "exclude", "T", "O", "R", "uniform", "identity", "*"))


@dataclass(frozen=True, eq=False)
class PomdpSpec:
    """The arrays of a ``.pomdp`` file (read-only float64).

    ``P[s, a, s']`` transitions, ``O[a, s', o]`` emissions, ``R[s, a]`` expected immediate reward (negated cost for
    ``values == "cost"``), ``discount``, ``initial[s]`` (uniform when the file has no ``start:``), ``values`` as
    written in the file, and the names of states, actions and observations (their indices as strings where the
    file gives a count).
    """

    P: np.ndarray
    O: np.ndarray  # noqa: E741 (the format's and the literature's name)
    R: np.ndarray
    discount: float
    values: str
    initial: np.ndarray
    states: tuple[str, ...]
    actions: tuple[str, ...]
    observations: tuple[str, ...]

    def to_model(self, *, H: int | None = None, name: str = "pomdp"):
        """The file as a :class:`~boundlab.tabular.POMDP`: discounted with the file's ``discount`` (which must then be
        below 1), or with a finite horizon ``H`` (undiscounted, as a finite-horizon ``POMDP`` is)."""
        from .pomdp import POMDP

        if H is None:
            if not self.discount < 1.0:
                raise ValueError(f"the file's discount is {self.discount:g}: a discounted POMDP needs discount < 1; "
                                 "pass H for a finite-horizon model")
            return POMDP(self.P, self.O, self.R, gamma=self.discount, initial=self.initial, name=name)
        return POMDP(self.P, self.O, self.R, H=H, initial=self.initial, name=name)


@dataclass(frozen=True)
class _Tok:
    text: str
    line: int


def _err(tok: _Tok | int, msg: str) -> ValueError:
    return ValueError(f"line {tok if isinstance(tok, int) else tok.line}: {msg}")


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(t, i) for i, raw in enumerate(text.splitlines(), 1) for t in _TOKEN.findall(raw.split("#", 1)[0])]


def _number(tok: _Tok, what: str = "a number") -> float:
    if not _NUMBER.fullmatch(tok.text):
        raise _err(tok, f"expected {what}, found {tok.text!r}")
    return float(tok.text)


def _probability(tok: _Tok) -> float:
    p = _number(tok, "a probability")
    if not 0.0 <= p <= 1.0:
        raise _err(tok, f"probability {tok.text} is not in [0, 1]")
    return p


class _Parser:
    """One pass over the token stream; holds the dimensions and the arrays being filled."""

    def __init__(self, toks: list[_Tok]):
        self.toks = toks
        self.names: dict[str, tuple[str, ...]] = {}
        self.index: dict[str, dict[str, int]] = {}
        self.discount: float | None = None
        self.values: str | None = None
        self.initial: np.ndarray | None = None
        self.T = self.Obs = None
        self.rewards: list[tuple[list, np.ndarray, bool, bool]] = []  # (selectors, values, sets s', sets o)
        self.T_line = self.O_line = None  # last line that wrote each row (0: never)
        self.seen_entry = False

    # -- structure -------------------------------------------------------------------------------------------------
    def _is_start(self, i: int) -> bool:
        t = self.toks[i].text
        nxt = self.toks[i + 1].text if i + 1 < len(self.toks) else None
        if t in ("T", "O", "R", *_PREAMBLE):
            return nxt == ":"
        return t == "start" and nxt in (":", "include", "exclude")

    def run(self) -> None:
        toks = self.toks
        if not toks:
            raise _err(1, "the file is empty")
        starts = [i for i in range(len(toks)) if self._is_start(i)]
        if not starts or starts[0] != 0:
            raise _err(toks[0], f"expected a keyword ({', '.join(_PREAMBLE)}, start, T, O or R) followed by ':', "
                                f"found {toks[0].text!r}")
        for i, j in zip(starts, [*starts[1:], len(toks)]):
            kw = toks[i]
            if kw.text in _PREAMBLE:
                if self.seen_entry:
                    raise _err(kw, f"'{kw.text}:' must come before the T, O and R entries")
                getattr(self, "_" + kw.text)(kw, toks[i + 2:j])
            elif kw.text == "start":
                self._start(kw, toks[i + 1:j])
            else:
                self._entry(kw, toks[i + 2:j])

    def _need_dims(self, kw: _Tok) -> None:
        missing = [k for k in ("states", "actions", "observations") if k not in self.names]
        if missing:
            raise _err(kw, f"'{kw.text}' needs {', '.join(m + ':' for m in missing)} declared before it")
        if self.T is None:
            S, A, Z = (len(self.names[k]) for k in ("states", "actions", "observations"))
            self.T, self.Obs = np.zeros((A, S, S)), np.zeros((A, S, Z))
            self.T_line, self.O_line = np.zeros((A, S), int), np.zeros((A, S), int)

    # -- preamble --------------------------------------------------------------------------------------------------
    def _single(self, kw: _Tok, data: list[_Tok]) -> _Tok:
        if len(data) != 1:
            raise _err(data[1] if data else kw, f"'{kw.text}:' takes exactly one value, found {len(data)}")
        return data[0]

    def _discount(self, kw: _Tok, data: list[_Tok]) -> None:
        if self.discount is not None:
            raise _err(kw, "'discount:' is given twice")
        tok = self._single(kw, data)
        d = _number(tok, "the discount (a number)")
        if not 0.0 <= d <= 1.0:
            raise _err(tok, f"discount {tok.text} is not in [0, 1]")
        self.discount = d

    def _values(self, kw: _Tok, data: list[_Tok]) -> None:
        if self.values is not None:
            raise _err(kw, "'values:' is given twice")
        tok = self._single(kw, data)
        if tok.text not in ("reward", "cost"):
            raise _err(tok, f"'values:' must be 'reward' or 'cost', found {tok.text!r}")
        self.values = tok.text

    def _declare(self, kw: _Tok, data: list[_Tok]) -> None:
        what = kw.text
        if what in self.names:
            raise _err(kw, f"'{what}:' is given twice")
        if not data:
            raise _err(kw, f"'{what}:' needs a count or a list of names")
        if len(data) == 1 and data[0].text[0].isdigit():
            if not _INDEX.fullmatch(data[0].text) or int(data[0].text) == 0:
                raise _err(data[0], f"the number of {what} must be a positive integer, found {data[0].text!r}")
            names = tuple(str(k) for k in range(int(data[0].text)))
        else:
            for tok in data:
                if tok.text[0].isdigit() or tok.text in _RESERVED or tok.text[0] in "+-.":
                    raise _err(tok, f"{tok.text!r} cannot name one of the {what}: names may not begin with a digit, "
                                    "a sign or '.', nor be a keyword or '*'")
            names = tuple(t.text for t in data)
            dup = next((t for k, t in enumerate(data) if t.text in names[:k]), None)
            if dup is not None:
                raise _err(dup, f"{what[:-1]} {dup.text!r} is named twice")
        self.names[what] = names
        self.index[what] = {n: k for k, n in enumerate(names)}

    _states = _actions = _observations = _declare

    # -- references --------------------------------------------------------------------------------------------------
    def _ref(self, tok: _Tok, what: str, wildcard: bool = True) -> int | slice:
        """The index a name, index or ``*`` stands for (``*``: ``slice(None)``)."""
        n = len(self.names[what])
        if tok.text == "*" and wildcard:
            return slice(None)
        if _INDEX.fullmatch(tok.text):
            k = int(tok.text)
            if k >= n:
                raise _err(tok, f"{what[:-1]} index {k} is out of range (there are {n} {what})")
            return k
        if tok.text in self.index[what]:
            return self.index[what][tok.text]
        shown = ", ".join(self.names[what][:10]) + (", ..." if n > 10 else "")
        raise _err(tok, f"unknown {what[:-1]} {tok.text!r} (expected a name, an index below {n}"
                        f"{' or *' if wildcard else ''}; {what}: {shown})")

    def _start(self, kw: _Tok, rest: list[_Tok]) -> None:
        self._need_dims(kw)
        if self.initial is not None:
            raise _err(kw, "'start' is given twice")
        if self.seen_entry:
            raise _err(kw, "'start' must come before the T, O and R entries")
        S = len(self.names["states"])
        mode, data = ("", rest[1:]) if rest[0].text == ":" else (rest[0].text, rest[2:])
        if mode and (len(rest) < 2 or rest[1].text != ":"):
            raise _err(rest[0], f"expected ':' after 'start {mode}'")
        if not data:
            raise _err(kw, "'start' needs a distribution, 'uniform' or a state")
        if mode:
            mask = np.zeros(S, bool)
            for tok in data:
                mask[self._ref(tok, "states", wildcard=False)] = True
            if mode == "exclude":
                mask = ~mask
            if not mask.any():
                raise _err(kw, "'start exclude:' excludes every state")
            self.initial = mask / mask.sum()
        elif len(data) == 1 and data[0].text == "uniform":
            self.initial = np.full(S, 1.0 / S)
        elif len(data) == 1 and S > 1:
            self.initial = np.zeros(S)
            self.initial[self._ref(data[0], "states", wildcard=False)] = 1.0
        else:
            if len(data) != S:
                raise _err(data[S] if len(data) > S else kw,
                           f"'start:' needs {S} probabilities (one per state), found {len(data)}")
            b = np.array([_probability(t) for t in data])
            if abs(b.sum() - 1.0) > ROW_SUM_ATOL:
                raise _err(kw, f"the start distribution sums to {b.sum():.10g}, not 1")
            self.initial = b / b.sum()

    # -- T, O, R entries -------------------------------------------------------------------------------------------
    def _entry(self, kw: _Tok, rest: list[_Tok]) -> None:
        self._need_dims(kw)
        self.seen_entry = True
        fields, k = [], 0
        while True:
            if k >= len(rest) or rest[k].text == ":":
                raise _err(rest[k] if k < len(rest) else kw, f"'{kw.text}:' expects a name, an index or '*' here")
            fields.append(rest[k])
            k += 1
            if k < len(rest) and rest[k].text == ":":
                k += 1
                continue
            break
        data = rest[k:]
        kinds = {"T": ("actions", "states", "states"), "O": ("actions", "states", "observations"),
                 "R": ("actions", "states", "states", "observations")}[kw.text]
        if len(fields) > len(kinds) or (kw.text == "R" and len(fields) < 2):
            forms = "R: a : s, R: a : s : s' or R: a : s : s' : o" if kw.text == "R" else \
                f"{kw.text}: a, {kw.text}: a : s or {kw.text}: a : s : x"
            raise _err(kw, f"'{kw.text}:' with {len(fields)} field{'s' * (len(fields) > 1)}; the forms are {forms}")
        sel = [self._ref(t, w) for t, w in zip(fields, kinds)]
        shape = tuple(len(self.names[w]) for w in kinds[len(fields):])
        if kw.text == "R":
            vals = self._block(kw, data, shape, allow=())
            sets_sp = len(fields) == 2 or not isinstance(sel[2], slice)
            sets_o = len(fields) < 4 or not isinstance(sel[3], slice)
            self.rewards.append((sel, vals, sets_sp, sets_o))
            return
        allow = ("uniform", "identity") if kw.text == "T" and len(fields) == 1 else ("uniform",) * (len(fields) < 3)
        vals = self._block(kw, data, shape, allow=allow, prob=True)
        target, lines = (self.T, self.T_line) if kw.text == "T" else (self.Obs, self.O_line)
        target[tuple(sel)] = vals
        lines[tuple(sel[:2])] = kw.line

    def _block(self, kw: _Tok, data: list[_Tok], shape: tuple, allow: tuple, prob: bool = False) -> np.ndarray:
        """A single number (``shape == ()``), a row or a matrix of numbers, or a keyword in ``allow``."""
        if len(data) == 1 and data[0].text in allow:
            n = shape[-1]
            return np.eye(n) if data[0].text == "identity" else np.full(shape, 1.0 / n)
        if len(data) == 1 and data[0].text in ("uniform", "identity"):
            raise _err(data[0], f"{data[0].text!r} is not allowed in this form of '{kw.text}:'")
        size = int(np.prod(shape))
        if len(data) != size:
            what = f"{size} numbers ({' x '.join(map(str, shape))})" if len(shape) == 2 else \
                f"{size} numbers" if shape else "one number"
            raise _err(data[size] if len(data) > size else (data[-1] if data else kw),
                       f"'{kw.text}:' entry needs {what}, found {len(data)}")
        read = _probability if prob else _number
        return np.array([read(t) for t in data]).reshape(shape)

    # -- result ----------------------------------------------------------------------------------------------------
    def _check_rows(self, name: str, M: np.ndarray, lines: np.ndarray) -> np.ndarray:
        sums = M.sum(-1)
        bad = np.argwhere(np.abs(sums - 1.0) > ROW_SUM_ATOL)
        if len(bad):
            a, s = bad[0]
            where = f"{name} row for action {self.names['actions'][a]!r}, {'' if name == 'T' else 'end '}state " \
                    f"{self.names['states'][s]!r}"
            if lines[a, s] == 0:
                raise ValueError(f"{where} is never set (no {name}: entry covers it)")
            raise _err(int(lines[a, s]), f"{where} sums to {sums[a, s]:.10g}, not 1 (this is the last line that "
                                         "set it)")
        return M / sums[..., None]

    def _expected_reward(self, T: np.ndarray, Obs: np.ndarray) -> np.ndarray:
        """``R[a, s] = sum_{s', o} T[a, s, s'] O[a, s', o] R(a, s, s', o)``, one action at a time; the ``s'`` and
        ``o`` axes of ``R(a, s, s', o)`` are kept only if some entry tells their values apart."""
        A, S, Z = Obs.shape
        full_sp = any(sp for _, _, sp, _ in self.rewards)
        full_o = any(o for _, _, _, o in self.rewards)
        per_action = [[] for _ in range(A)]  # in file order, so later entries still overwrite earlier ones
        for sel, vals, _, _ in self.rewards:
            sel = sel + [slice(None)] * (4 - len(sel))
            key = (sel[1], sel[2] if full_sp else 0, sel[3] if full_o else 0)
            for a in range(A) if isinstance(sel[0], slice) else (sel[0],):
                per_action[a].append((key, vals))
        Ra = np.empty((A, S))
        for a, entries in enumerate(per_action):
            Rq = np.zeros((S, S if full_sp else 1, Z if full_o else 1))  # R(a, s, s', o)
            for key, vals in entries:
                Rq[key] = vals
            Rt = np.einsum("sto,to->st", np.broadcast_to(Rq, (S, S, Z)), Obs[a]) if full_o else Rq[..., 0]
            Ra[a] = Rt[:, 0] if Rt.shape[1] == 1 else np.einsum("st,st->s", T[a], Rt)
        return Ra

    def spec(self) -> PomdpSpec:
        missing = [k for k in _PREAMBLE if k not in self.names and getattr(self, k, None) is None]
        if missing:
            raise _err(self.toks[-1], f"the file ends, but the preamble lacks {', '.join(m + ':' for m in missing)}")
        self._need_dims(self.toks[-1])
        T = self._check_rows("T", self.T, self.T_line)
        Obs = self._check_rows("O", self.Obs, self.O_line)
        A, S, Z = Obs.shape
        Ra = self._expected_reward(T, Obs)
        if self.values == "cost":
            Ra = -Ra
        initial = np.full(S, 1.0 / S) if self.initial is None else self.initial
        arrays = [np.ascontiguousarray(x, dtype=np.float64) for x in (T.transpose(1, 0, 2), Obs, Ra.T, initial)]
        for x in arrays:
            x.flags.writeable = False
        return PomdpSpec(*arrays[:3], discount=self.discount, values=self.values, initial=arrays[3],
                         states=self.names["states"], actions=self.names["actions"],
                         observations=self.names["observations"])


def parse_pomdp(text: str) -> PomdpSpec:
    """Parse the text of a ``.pomdp`` file (Cassandra's format, see the module docstring) into a :class:`PomdpSpec`.

    Raises ``ValueError`` naming the line and what is wrong for any malformed input, ``TypeError`` if ``text`` is
    no ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str (the file's contents), got {type(text).__name__}")
    p = _Parser(_tokens(text))
    p.run()
    return p.spec()


def read_pomdp(path: str | os.PathLike) -> PomdpSpec:
    """Read a ``.pomdp`` file; see :func:`parse_pomdp`. Errors name the file and the line."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return parse_pomdp(text)
    except ValueError as e:
        raise ValueError(f"{os.fspath(path)}: {e}") from None
