"""One import name: the four folders install as ``boundlab.*`` and nothing generic is installed at the top level."""

import importlib.metadata
import subprocess
import sys

import boundlab


def test_boundlab_exposes_the_four_packages_and_version():
    assert boundlab.__version__ == importlib.metadata.version("boundlab")
    for name in ("solvers", "tabular", "bandits", "bounds"):
        assert getattr(boundlab, name).__name__ == f"boundlab.{name}"
        assert name in dir(boundlab)


def test_no_bare_top_level_module_and_user_files_do_not_shadow(tmp_path):
    """A user's own solvers.py / bandits.py in the working directory does not shadow ours, and no bare ``solvers``
    etc. is importable from outside the repository."""
    for name in ("solvers", "tabular", "bandits", "bounds"):
        (tmp_path / f"{name}.py").write_text("MINE = True\n")
    code = ("import importlib.util, sys\n"
            "sys.path.remove('') if '' in sys.path else None\n"
            "print([importlib.util.find_spec(n) is None for n in ('solvers', 'tabular', 'bandits', 'bounds')])\n"
            "sys.path.insert(0, '.')\n"
            "import boundlab.solvers, boundlab.bounds, solvers\n"
            "print(solvers.MINE, hasattr(boundlab.solvers, 'value_iteration'), callable(boundlab.bounds.sweep))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[True, True, True, True]", "True True True"]
