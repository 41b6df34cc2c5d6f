"""The ``boundlab`` command: outputs and one-line errors with exit code 2."""

import argparse
import subprocess
import sys

import numpy as np
import pytest

import boundlab
from boundlab import solvers
from boundlab.bounds.cli import build_parser, main
from conftest import TIGER_POMDP


def test_envs_lists_builtins(capsys):
    assert main(["envs"]) == 0
    out = capsys.readouterr().out
    assert "riverswim" in out and "minimax-hard" in out


def test_solve_prints_value(capsys):
    assert main(["solve", "chain", "--gamma", "0.9", "--method", "pi"]) == 0
    out = capsys.readouterr().out
    assert "V*(initial)" in out and "iterations" in out


def test_solve_finite_horizon(capsys):
    assert main(["solve", "riverswim", "--horizon", "5"]) == 0
    assert "H=5" in capsys.readouterr().out


def test_simulate_prints_ci(capsys):
    assert main(["simulate", "riverswim", "--policy", "uniform", "--episodes", "200", "--seed", "3"]) == 0
    assert "95% CI" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["solve", "nope"], ["solve", "chain", "--method", "xx"], ["frobnicate"],
                                  ["solve", "chain", "--gamma", "1.5"], ["simulate", "chain", "--episodes", "0"],
                                  ["solve", "minimax-hard", "--gamma", "0.9"], ["check", "--episodes", "5"],
                                  ["check", "--seeds", "1"], ["check", "nope"], ["demo", "--episodes", "0"],
                                  ["solve", "no/such/file.npz"], ["check", "--bonus-scale", "-1"]])
def test_bad_input_one_line_exit_2(argv):
    proc = subprocess.run([sys.executable, "-m", "boundlab", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "error" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_demo_writes_figure(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--episodes", "200"]) == 0
    assert (tmp_path / "demo.png").stat().st_size > 0


def test_version():
    proc = subprocess.run([sys.executable, "-m", "boundlab", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == f"boundlab {boundlab.__version__}"


def test_every_option_has_help():
    def walk(parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from ((f"{name} {a}", h) for a, h in walk(sub))
                yield "COMMAND", "".join(c.help or "" for c in action._choices_actions)
            else:
                yield "/".join(action.option_strings) or action.dest, action.help

    missing = [name for name, help_ in walk(build_parser()) if not help_]
    assert not missing


def _random_model(S=6, A=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(S), size=(S, A)), rng.random((S, A)) * 4 - 2  # rewards outside [0, 1] too


@pytest.mark.parametrize("episodic", [False, True])
def test_solve_a_users_npz_file(tmp_path, capsys, episodic):
    P, R = _random_model()
    path = tmp_path / "mine.npz"
    np.savez(path, P=P, R=R, **({"H": 7} if episodic else {"gamma": 0.8}))
    assert main(["solve", str(path)]) == 0
    expected = solvers.backward_induction(P, R, 7).V[0, 0] if episodic else solvers.policy_evaluation(
        P, R, 0.8, solvers.linear_programming(P, R, 0.8).policy).V[0]
    assert f"V*(initial) = {expected:.6f}" in capsys.readouterr().out


@pytest.mark.parametrize("arrays, message", [({"R": np.zeros((2, 2)), "gamma": 0.5}, "no array P"),
                                             ({"P": np.full((2, 2, 2), 0.5), "R": np.zeros((2, 2))}, "exactly one"),
                                             ({"P": np.full((2, 2, 2), 0.6), "R": np.zeros((2, 2)), "gamma": 0.5},
                                              "P"),
                                             ])
def test_bad_npz_files_one_line_error(tmp_path, capsys, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1




def _interval(out: str) -> tuple[float, float]:
    lo, hi = out.split("V*(initial belief) in [")[1].split("]")[0].split(", ")
    return float(lo), float(hi)


def test_solve_a_pomdp_without_horizon_prints_a_certified_interval(tmp_path, capsys):
    """Without --horizon: HSVI's interval, which holds Tiger's known V* = 19.3714 (gamma 0.95) and is at most --gap
    wide, for the built-in and its .pomdp file alike; a budget too small says so instead of claiming the gap."""
    path = tmp_path / "tiger.pomdp"
    path.write_text(TIGER_POMDP)
    for env in ("tiger", str(path)):
        assert main(["solve", env, "--gap", "0.001"]) == 0
        out = capsys.readouterr().out
        lo, hi = _interval(out)
        assert lo - 5e-7 <= 19.371368 <= hi + 5e-7 and hi - lo <= 1e-3 and "converged to gap <= 0.001" in out
    assert main(["solve", "rocksample-4-4", "--gap", "1e-6", "--time-limit", "0.5"]) == 0
    out = capsys.readouterr().out
    lo, hi = _interval(out)
    assert lo < hi and "time limit 0.5 s reached before gap 1e-06" in out
    assert main(["solve", "tiger", "--method", "vi"]) == 2 and "--method is for MDPs" in capsys.readouterr().err


def test_solve_a_pomdp_instance_and_its_pomdp_file_alike(tmp_path, capsys):
    """`boundlab solve` on Tiger and on Tiger written in Cassandra's format: the exact H = 5 value at the uniform
    belief, as the solver gives it, and the same for both."""
    from boundlab import tabular

    path = tmp_path / "tiger.pomdp"
    path.write_text(TIGER_POMDP)
    expected = solvers.pomdp_value_iteration(*tabular.tiger().to_arrays(), H=5, gamma=0.95).value([0.5, 0.5])
    for env in ("tiger", str(path)):
        assert main(["solve", env, "--horizon", "5"]) == 0
        assert f"V*(initial belief) = {expected:.6f}" in capsys.readouterr().out
    assert main(["solve", str(path.with_name("undiscounted.pomdp"))]) == 2  # not written yet
    capsys.readouterr()
    path.with_name("undiscounted.pomdp").write_text(TIGER_POMDP.replace("discount: 0.95", "discount: 1.0"))
    assert main(["solve", str(path.with_name("undiscounted.pomdp"))]) == 2
    assert "give --horizon H" in capsys.readouterr().err
    assert main(["solve", str(tmp_path / "missing.pomdp"), "--horizon", "2"]) == 2
    assert "no such .pomdp file" in capsys.readouterr().err
