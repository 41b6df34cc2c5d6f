"""The ``boundlab`` command: outputs and one-line errors with exit code 2."""

import subprocess
import sys

import pytest

from boundlab.bounds.cli import main


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
                                  ["check", "--seeds", "1"], ["check", "nope"]])
def test_bad_input_one_line_exit_2(argv):
    proc = subprocess.run([sys.executable, "-m", "boundlab", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "error" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_demo_writes_figure(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--episodes", "200"]) == 0
    assert (tmp_path / "demo.png").stat().st_size > 0
