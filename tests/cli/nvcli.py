"""Shared helpers for the CLI tests: run the binary from outside, read its outputs.

Each tests/cli/test_*.py is run by ctest as `python3 test_x.py PATH_TO_NARVARO` with
LC_ALL=C, PROJ_NETWORK=OFF and NARVARO_DATA pointing at ../shared."""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

NARVARO = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/narvaro"
SHARED = os.environ.get("NARVARO_DATA") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")
SHARED = os.path.abspath(SHARED)
PLANS = os.path.join(SHARED, "data", "plans")
PLAN_2020 = os.path.join(PLANS, "af-2020-illustrative.csv")
KOMMUNER_SHP = os.path.join(SHARED, "shapefiles", "kommuner.shp")
KOMMUNER_GEOJSON = os.path.join(SHARED, "data", "kommuner_wgs84.geojson")
HERE = os.path.dirname(os.path.abspath(__file__))
TEST_DATA = os.path.join(HERE, "..", "data")

_checks = [0]
_failures = []


def run(*args, cwd=None, timeout=None):
    """Runs narvaro; returns (exit status, stdout, stderr). With a timeout (s), a run
    that takes longer is killed and fails the test (subprocess.TimeoutExpired)."""
    p = subprocess.run([NARVARO, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


_tmpdirs = []


def tmpdir():
    """A fresh folder for one test's files: removed by finish() when every check passed,
    kept (and named) for inspection when one failed. NV_KEEP=1 keeps them always."""
    d = tempfile.mkdtemp(prefix="nvtest-")
    _tmpdirs.append(d)
    return d


def _remove_tree(path):
    def writable(func, p, _exc):  # tests make folders read-only: make them writable again
        try:
            os.chmod(os.path.dirname(p), 0o755)
            os.chmod(p, 0o755)
            func(p)
        except OSError:
            pass
    shutil.rmtree(path, onerror=writable)


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check(cond, what):
    _checks[0] += 1
    if not cond:
        _failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def check_eq(got, want, what):
    check(got == want, f"{what}: got {got!r}, expected {want!r}")


def case(fn):
    """Decorator: runs the test function, turning an exception into a failure."""
    try:
        fn()
    except Exception:
        _failures.append(fn.__name__ + " raised")
        traceback.print_exc()
    return fn


def finish(name):
    print(f"{name}: {_checks[0]} checks, {len(_failures)} failed")
    if _failures or os.environ.get("NV_KEEP") == "1":
        for d in _tmpdirs:
            print(f"{name}: files kept in {d}")
    else:
        for d in _tmpdirs:
            _remove_tree(d)
    sys.exit(1 if _failures else 0)
