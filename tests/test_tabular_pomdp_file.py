"""The ``.pomdp`` reader (Cassandra's format): Tiger, every syntactic form on tiny files, random round trips, and
malformed files that must raise ``ValueError`` naming the line."""

import re

import numpy as np
import pytest

from boundlab.tabular.pomdp_file import PomdpSpec, parse_pomdp, read_pomdp
from conftest import TIGER_POMDP

TIGER = TIGER_POMDP

# Tiger again, by indices, with cost values, everything on few lines and comments in between.
TIGER_COST_INDICES = """\
discount: 0.95 values: cost states: 2 actions: 3 observations: 2   # the whole preamble on one line
T:0 identity T:1:0 0.5 0.5 T:1:1 uniform
T: 2 : * : * 0.5  # a wildcard single entry
O:0:0:0 0.85 O:0:0:1 0.15 O:0:1
0.15 # a comment between two numbers
0.85
O: * : * uniform      # all actions ...
O: 0                  # ... then listening is overwritten
0.85 0.15 0.15 0.85
R: * : * : * : * 1
R: 1 : 0 : * : * 100 R: 1 : 1 : * : * -10
R: 2 : 0 : * : * -10 R: 2 : 1 : * : * 100
"""


def tiger_expected():
    P = np.zeros((2, 3, 2))
    P[:, 0] = np.eye(2)
    P[:, 1:] = 0.5
    O = np.full((3, 2, 2), 0.5)
    O[0] = [[0.85, 0.15], [0.15, 0.85]]
    R = np.array([[-1.0, -100.0, 10.0], [-1.0, 10.0, -100.0]])
    return P, O, R


def test_tiger_parses_to_its_standard_arrays():
    spec = parse_pomdp(TIGER)
    P, O, R = tiger_expected()
    assert isinstance(spec, PomdpSpec)
    np.testing.assert_array_equal(spec.P, P)
    np.testing.assert_array_equal(spec.O, O)
    np.testing.assert_array_equal(spec.R, R)
    assert spec.discount == 0.95 and spec.values == "reward"
    np.testing.assert_array_equal(spec.initial, [0.5, 0.5])
    assert spec.states == ("tiger-left", "tiger-right")
    assert spec.actions == ("listen", "open-left", "open-right")
    assert spec.observations == ("tiger-left", "tiger-right")
    for x in (spec.P, spec.O, spec.R, spec.initial):
        assert x.dtype == np.float64 and not x.flags.writeable


def test_tiger_by_indices_with_cost_values_and_free_layout():
    spec = parse_pomdp(TIGER_COST_INDICES)
    P, O, R = tiger_expected()
    np.testing.assert_array_equal(spec.P, P)
    np.testing.assert_array_equal(spec.O, O)
    np.testing.assert_array_equal(spec.R, R)  # costs negated: the same rewards as TIGER
    assert spec.values == "cost"
    assert spec.states == ("0", "1") and spec.actions == ("0", "1", "2")


def test_read_pomdp_reads_a_file(tmp_path):
    path = tmp_path / "tiger.pomdp"
    path.write_text(TIGER)
    np.testing.assert_array_equal(read_pomdp(path).R, parse_pomdp(TIGER).R)
    np.testing.assert_array_equal(read_pomdp(str(path)).P, parse_pomdp(TIGER).P)
    path.write_text(TIGER.replace("0.85 0.15\n", "0.85 0.25\n"))
    with pytest.raises(ValueError, match=r"tiger\.pomdp: line 15: O row for action 'listen', end state "
                                         r"'tiger-left' sums to 1\.1"):
        read_pomdp(path)


PRE = "discount: 0.5\nvalues: reward\nstates: a b c\nactions: x y\nobservations: u v\n"


def pre(body: str, uniform_o: bool = True) -> PomdpSpec:
    return parse_pomdp(PRE + ("O: * uniform\n" if uniform_o else "") + body)


def test_wildcards_fill_every_index():
    spec = pre("T: * : * : * 0.0\nT: * : * : b 1.0\nR: * : c : * : * 3\n")
    expected = np.zeros((3, 2, 3))
    expected[:, :, 1] = 1.0
    np.testing.assert_array_equal(spec.P, expected)
    np.testing.assert_array_equal(spec.R, [[0, 0], [0, 0], [3, 3]])
    np.testing.assert_array_equal(spec.O, np.full((2, 3, 2), 0.5))


def test_identity_and_uniform_matrices_and_rows():
    spec = pre("T: x identity\nT: y uniform\nT: y : b\nuniform\nT: y : c 0.0 0.0 1.0\n")
    np.testing.assert_array_equal(spec.P[:, 0], np.eye(3))
    np.testing.assert_array_equal(spec.P[:, 1], [[1 / 3] * 3, [1 / 3] * 3, [0, 0, 1]])


def test_matrix_and_row_forms():
    body = """
T: x
0.1 0.2 0.7
0.0 1.0 0.0
0.3 0.3 0.4
T: y : a 1.0 0.0 0.0
T: y : b 0.0 0.0 1.0
T: y : c 0.5 0.0 0.5
O: x
1.0 0.0
0.25 0.75
0.0 1.0
O: y : a 0.6 0.4
O: y : b 0.4 0.6
O: y : c 0.0 1.0
"""
    spec = pre(body, uniform_o=False)
    np.testing.assert_array_equal(spec.P[:, 0], [[0.1, 0.2, 0.7], [0, 1, 0], [0.3, 0.3, 0.4]])
    np.testing.assert_array_equal(spec.P[:, 1], [[1, 0, 0], [0, 0, 1], [0.5, 0, 0.5]])
    np.testing.assert_array_equal(spec.O[0], [[1, 0], [0.25, 0.75], [0, 1]])
    np.testing.assert_array_equal(spec.O[1], [[0.6, 0.4], [0.4, 0.6], [0, 1]])


def test_names_and_indices_are_interchangeable():
    by_name = pre("T: x : a : b 1.0\nT: * : b : c 1.0\nT: y : a : a 1.0\nT: * : c : c 1.0\nR: y : b : c : v 2\n")
    by_index = pre("T: 0 : 0 : 1 1.0\nT: * : 1 : 2 1.0\nT: 1 : 0 : 0 1.0\nT: * : 2 : 2 1.0\nR: 1 : 1 : 2 : 1 2\n")
    for field in ("P", "O", "R"):
        np.testing.assert_array_equal(getattr(by_name, field), getattr(by_index, field))
    assert by_name.R[1, 1] == 2 * 0.5  # reached c surely, observed v with probability 1/2


def test_later_entries_override_earlier_ones():
    spec = pre("T: * : * uniform\nT: y : b : c 0.0\nT: y : b : a 0.5\nT: y : b : b 0.5\nT: x : c\n1.0 0.0 0.0\n"
               "R: * : * : * : * 5\nR: x : * : * : * 1\nR: x : a : * : * 7\n")
    third = 1 / 3
    np.testing.assert_array_equal(spec.P[:, 0], [[third] * 3, [third] * 3, [1, 0, 0]])
    np.testing.assert_array_equal(spec.P[:, 1], [[third] * 3, [0.5, 0.5, 0], [third] * 3])
    np.testing.assert_array_equal(spec.R, [[7, 5], [1, 5], [1, 5]])


def test_reward_depending_on_next_state_and_observation_is_averaged():
    body = """
T: * : * : * 0.0
T: * : a 0.25 0.75 0.0
T: * : b : c 1.0
T: * : c : c 1.0
O: * : * 0.5 0.5
O: * : b 0.9 0.1
R: x : a : b : u 4
R: x : a : b : v 8
R: x : a : a : * 2
R: y : a : b
1 3
R: y : b
0 0
10 20
30 50
"""
    spec = pre(body, uniform_o=False)
    # x, a: 0.25 * 2 + 0.75 * (0.9 * 4 + 0.1 * 8); y, a: 0.75 * (0.9 * 1 + 0.1 * 3); y, b: reaches c, 0.5 * (30 + 50)
    np.testing.assert_allclose(spec.R, [[0.5 + 0.75 * 4.4, 0.75 * 1.2], [0, 40], [0, 0]], rtol=1e-14)


@pytest.mark.parametrize(("rewards", "expected"), [
    # only s' told apart: x from a reaches b with 3/4
    ("R: x : a : b : * 4\nR: * : c : * : * 1\n", [[3.0, 0.0], [0.0, 0.0], [1.0, 1.0]]),
    # only o told apart: v is seen with 0.1 from b, 0.5 from a and c
    ("R: * : a : * : v 8\nR: y : * : * : u 2\n",
     [[0.75 * 0.8 + 0.25 * 4, 0.75 * 2.6 + 0.25 * 5], [0, 0.9 * 2], [0, 0.5 * 2]]),
])
def test_reward_depending_on_one_of_next_state_or_observation(rewards, expected):
    spec = pre("T: * : * : * 0.0\nT: * : a 0.25 0.75 0.0\nT: * : b : b 1.0\nT: * : c : c 1.0\n"
               "O: * : * 0.5 0.5\nO: * : b 0.9 0.1\n" + rewards, uniform_o=False)
    np.testing.assert_allclose(spec.R, expected, rtol=1e-14)


def test_cost_values_negate_rewards():
    body = "T: * identity\nR: x : * : * : * 2\nR: y : b : * : * -3\n"
    reward = pre(body)
    cost = parse_pomdp(PRE.replace("values: reward", "values: cost") + "O: * uniform\n" + body)
    np.testing.assert_array_equal(cost.R, -reward.R)
    np.testing.assert_array_equal(reward.R, [[2, 0], [2, -3], [2, 0]])


@pytest.mark.parametrize(("start", "expected"), [
    ("", [1 / 3] * 3),
    ("start: uniform", [1 / 3] * 3),
    ("start: 0.2 0.3 0.5", [0.2, 0.3, 0.5]),
    ("start: c", [0, 0, 1]),
    ("start: 1", [0, 1, 0]),
    ("start include: a c", [0.5, 0, 0.5]),
    ("start exclude: a", [0, 0.5, 0.5]),
    ("start exclude:\n 0 2", [0, 1, 0]),
])
def test_start_forms(start, expected):
    spec = parse_pomdp(PRE + start + "\nT: * identity\nO: * uniform\n")
    np.testing.assert_allclose(spec.initial, expected, rtol=0, atol=1e-15)
    assert spec.initial.sum() == pytest.approx(1.0, abs=1e-15)


def test_rows_within_the_tolerance_are_renormalised():
    spec = pre("T: * identity\nT: x : a 0.333333 0.333333 0.333333\n")
    assert abs(spec.P[0, 0].sum() - 1.0) < 1e-15
    np.testing.assert_allclose(spec.P[0, 0], [1 / 3] * 3, rtol=1e-15)


def random_file(seed: int) -> tuple[str, tuple]:
    """A random POMDP written in a random mix of the format's forms (names or indices), with its arrays."""
    rng = np.random.default_rng(seed)
    S, A, Z = rng.integers(1, 5, size=3)
    P = rng.dirichlet(np.ones(S), size=(A, S))  # P[a, s, s']
    O = rng.dirichlet(np.ones(Z), size=(A, S))  # O[a, s', o]
    R4 = rng.integers(-9, 10, size=(A, S, S, Z)).astype(float)
    names = {k: [f"{k}{i}" for i in range(n)] for k, n in (("s", S), ("a", A), ("o", Z))}
    use_names = rng.random() < 0.5

    def ref(kind, i):
        return names[kind][i] if use_names and rng.random() < 0.7 else str(i)

    def nums(x):
        return " ".join(repr(float(v)) for v in np.ravel(x))

    preamble = [f"discount: {rng.random():.3f}", "values: reward"]
    for key, kind, n in (("states", "s", S), ("actions", "a", A), ("observations", "o", Z)):
        preamble.append(f"{key}: " + (" ".join(names[kind]) if use_names else str(n)))
    lines = [preamble[i] for i in rng.permutation(5)]  # the preamble's order is free
    for a in range(A):
        form = rng.integers(3)
        if form == 0:
            lines += [f"T: {ref('a', a)}", nums(P[a])]
        for s in range(S):
            if form == 1:
                lines.append(f"T: {ref('a', a)} : {ref('s', s)} {nums(P[a, s])}")
            elif form == 2:
                lines += [f"T: {ref('a', a)} : {ref('s', s)} : {ref('s', t)} {float(P[a, s, t])!r}" for t in range(S)]
            if rng.random() < 0.5:
                lines.append(f"O: {ref('a', a)} : {ref('s', s)}\n{nums(O[a, s])}")
            else:
                lines += [f"O: {ref('a', a)} : {ref('s', s)} : {ref('o', o)} {float(O[a, s, o])!r}" for o in range(Z)]
            form_r = rng.integers(3)
            if form_r == 0:
                lines += [f"R: {ref('a', a)} : {ref('s', s)}", nums(R4[a, s])]
            for t in range(S):
                if form_r == 1:
                    lines.append(f"R: {ref('a', a)} : {ref('s', s)} : {ref('s', t)} {nums(R4[a, s, t])}")
                elif form_r == 2:
                    lines += [f"R: {ref('a', a)} : {ref('s', s)} : {ref('s', t)} : {ref('o', o)} "
                              f"{float(R4[a, s, t, o])!r}" for o in range(Z)]
    return "\n".join(lines) + "\n", (P, O, R4)


def expected_reward(P, O, R4):
    """Slow reference: R[s, a] = sum over s', o of P(s' | s, a) O(o | a, s') R(a, s, s', o)."""
    A, S, _, Z = R4.shape
    R = np.zeros((S, A))
    for a in range(A):
        for s in range(S):
            for t in range(S):
                for o in range(Z):
                    R[s, a] += P[a, s, t] * O[a, t, o] * R4[a, s, t, o]
    return R


@pytest.mark.parametrize("seed", range(25))
def test_random_files_round_trip(seed):
    text, (P, O, R4) = random_file(seed)
    spec = parse_pomdp(text)
    np.testing.assert_allclose(spec.P, P.transpose(1, 0, 2), rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(spec.O, O, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(spec.R, expected_reward(P, O, R4), rtol=1e-12, atol=1e-12)


# -- malformed files: each line marked "<-" is the one the error must name ------------------------------------------
GOOD_T = "T: * identity\nO: * uniform\n"
BAD = {
    "unknown state": (PRE + "T: * identity\nT: x : d : a 1.0  # <-\n", r"unknown state 'd'"),
    "unknown action": (PRE + GOOD_T + "R: jump : * : * : * 1  # <-\n", r"unknown action 'jump'"),
    "unknown observation": (PRE + GOOD_T + "O: x : a : w 1.0  # <-\n", r"unknown observation 'w'"),
    "index out of range": (PRE + "T: * identity\nT: 2 : a : a 1.0  # <-\n", r"action index 2 is out of range"),
    "malformed number": (PRE + "T: * identity\nT: x : a\n0.5 0.5x 0.0  # <-\n", r"expected a probability, "
                         r"found '0\.5x'"),
    "word for a number": (PRE + "T: * identity\nO: * uniform\nR: x : a : a : u high  # <-\n",
                          r"expected a number, found 'high'"),
    "nan": (PRE + GOOD_T + "R: x : a : a : u nan  # <-\n", r"found 'nan'"),
    "T row sum": (PRE + "O: * uniform\nT: * identity\nT: y : b 0.5 0.4 0.0  # <-\n",
                  r"T row for action 'y', state 'b' sums to 0\.9, not 1"),
    "T row sum by a later single entry": (PRE + "O: * uniform\nT: * identity\nT: x : c : a 0.5  # <-\n",
                                          r"T row for action 'x', state 'c' sums to 1\.5"),
    "O row sum": (PRE + "T: * identity\nO: * uniform\nO: x\n0.5 0.5\n1.0 0.0\n0.7 0.7\n".replace(
        "O: x", "O: x  # <-"), r"O row for action 'x', end state 'c' sums to 1\.4"),
    "row too short": (PRE + "T: * identity\nT: x : a 0.5 0.5  # <-\nO: * uniform\n",
                      r"entry needs 3 numbers, found 2"),
    "row too long": (PRE + "T: * identity\nT: x : a 0.5 0.5 0.0\n  0.0  # <-\nO: * uniform\n",
                     r"entry needs 3 numbers, found 4"),
    "matrix too short": (PRE + "T: * identity\nO: * uniform\nT: x\n1.0 0.0 0.0\n0.0 1.0 0.0  # <-\n",
                         r"needs 9 numbers \(3 x 3\), found 6"),
    "probability above 1": (PRE + "T: * identity\nT: x : a : a 1.5  # <-\n", r"probability 1\.5 is not in \[0, 1\]"),
    "negative probability": (PRE + "O: * uniform\nT: * identity\nO: x : a -0.5 1.5  # <-\n",
                             r"probability -0\.5 is not in \[0, 1\]"),
    "identity in O": (PRE + "T: * identity\nO: x\n identity  # <-\n", r"'identity' is not allowed"),
    "uniform in a single T entry": (PRE + "T: x : a : b uniform  # <-\n", r"'uniform' is not allowed"),
    "uniform in R": (PRE + GOOD_T + "R: x : a uniform  # <-\n", r"'uniform' is not allowed"),
    "R with one field": (PRE + GOOD_T + "R: x  # <-\n 1 2\n", r"'R:' with 1 field;"),
    "T with four fields": (PRE + GOOD_T + "T: x : a : a : a 1.0  # <-\n", r"'T:' with 4 fields"),
    "empty field": (PRE + GOOD_T + "T: x : : a  # <-\n", r"expects a name, an index or '\*'"),
    "discount out of range": ("discount: 1.5  # <-\n" + PRE[14:] + GOOD_T, r"discount 1\.5 is not in \[0, 1\]"),
    "discount not a number": ("discount: high  # <-\n" + PRE[14:] + GOOD_T, r"found 'high'"),
    "values unknown": (PRE.replace("values: reward", "values: profit  # <-") + GOOD_T,
                       r"'values:' must be 'reward' or 'cost'"),
    "name with a digit": (PRE.replace("states: a b c", "states: a 2b c  # <-") + GOOD_T,
                          r"'2b' cannot name one of the states"),
    "reserved name": (PRE.replace("actions: x y", "actions: x uniform  # <-") + GOOD_T,
                      r"'uniform' cannot name one of the actions"),
    "duplicate name": (PRE.replace("observations: u v", "observations: u v u  # <-") + GOOD_T,
                       r"observation 'u' is named twice"),
    "zero states": (PRE.replace("states: a b c", "states: 0  # <-") + GOOD_T, r"must be a positive integer"),
    "fractional count": (PRE.replace("states: a b c", "states: 2.5  # <-") + GOOD_T, r"must be a positive integer"),
    "preamble twice": (PRE + "discount: 0.9  # <-\n" + GOOD_T, r"'discount:' is given twice"),
    "preamble after entries": (PRE + GOOD_T + "discount: 0.9  # <-\n", r"must come before the T, O and R"),
    "entry before declarations": ("discount: 0.5\nstates: 2\nT: * identity  # <-\n", r"needs actions:, "
                                  r"observations: declared before it"),
    "garbage first": ("hello world  # <-\n" + PRE + GOOD_T, r"expected a keyword .* found 'hello'"),
    "start count": (PRE + "start: 0.5 0.5 0.0 0.0  # <-\n" + GOOD_T, r"needs 3 probabilities \(one per state\), "
                    r"found 4"),
    "start sum": (PRE + "start: 0.5 0.4 0.0  # <-\n" + GOOD_T, r"start distribution sums to 0\.9"),
    "start unknown state": (PRE + "start: d  # <-\n" + GOOD_T, r"unknown state 'd'"),
    "start exclude all": (PRE + "start exclude: a b c  # <-\n" + GOOD_T, r"excludes every state"),
    "start twice": (PRE + "start: uniform\nstart: a  # <-\n" + GOOD_T, r"'start' is given twice"),
    "missing values": (PRE.replace("values: reward\n", "") + "T: * identity\nO: * uniform  # <-\n",
                       r"the file ends, but the preamble lacks values:"),
}


@pytest.mark.parametrize("case", BAD)
def test_malformed_files_name_the_line(case):
    text, message = BAD[case]
    line = next(i for i, raw in enumerate(text.splitlines(), 1) if "<-" in raw)
    with pytest.raises(ValueError, match=rf"^line {line}: .*{message}"):
        parse_pomdp(text)


def test_a_row_no_entry_sets_is_named():
    with pytest.raises(ValueError, match=r"T row for action 'y', state 'a' is never set"):
        pre("T: x identity\nT: y : b uniform\nT: y : c uniform\n")
    with pytest.raises(ValueError, match=r"O row for action 'x', end state 'a' is never set"):
        parse_pomdp(PRE + "T: * identity\nO: y uniform\n")


def test_empty_text_and_wrong_types():
    with pytest.raises(ValueError, match=r"^line 1: the file is empty"):
        parse_pomdp("# only a comment\n")
    with pytest.raises(TypeError, match=r"text must be a str"):
        parse_pomdp(TIGER.encode())
    with pytest.raises(TypeError, match=r"path must be a str or os\.PathLike"):
        read_pomdp(3)



def test_spec_to_model():
    """A parsed file becomes a validated POMDP: discounted with the file's discount, or finite-horizon with H; a
    discount of 1 needs H."""
    spec = parse_pomdp(TIGER)
    model = spec.to_model()
    assert model.gamma == spec.discount and np.array_equal(model.P, spec.P) and np.array_equal(model.O, spec.O)
    assert np.array_equal(model.R, spec.R) and np.array_equal(model.initial, spec.initial)
    assert spec.to_model(H=4).H == 4 and spec.to_model(H=4).gamma is None
    undiscounted = parse_pomdp(re.sub(r"discount:\s*[0-9.]+", "discount: 1.0", TIGER))
    with pytest.raises(ValueError, match="pass H"):
        undiscounted.to_model()
