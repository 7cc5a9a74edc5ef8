#!/usr/bin/env python3
# ruff: noqa: S603, S607 - a local benchmark: it runs git and this checkout's own Python
"""How much faster the test suite runs than at an earlier commit, measured in one sitting.

The non-browser part of `make test` (the same pytest command and environment, two workers),
at this checkout and at the baseline, one after the other and alternating, so that a busy
or quiet spell of the machine falls on both:

    make bench-suite                                  # the default baseline, one round
    make bench-suite ROUNDS=3 BASELINE=<commit>

The baseline is checked out in a temporary git worktree that borrows this checkout's .venv
(its tests must run on today's packages). Each side is warmed first (a collection, which
writes the rewritten test modules' bytecode), as a second `make test` would find it. Prints
each run's wall time, tests and outcome, then the medians and their ratio; exits non-zero
when a run fails, so a broken side never counts as a fast one.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The build before the suite was made fast: PBKDF2 for every persona, no rows shared by a module.
BASELINE = "e5d7455"


def pytest(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)  # `make test`'s environment: the Makefile runs this with it
    env.pop("DATABASE_URL", None)  # SQLite, as `make test` runs first
    command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)


def counted(output: str) -> str:
    found = re.findall(r"(\d+) (passed|failed|skipped|errors?)", output)
    return ", ".join(f"{n} {what}" for n, what in found) or "no summary"


def markers(checkout: Path) -> str:
    """The tests `make test` runs without a browser: the system tier is left out too where the
    checkout has one (an unknown marker in -m is an error)."""
    declared = pytest(checkout, "--markers").stdout
    return "not browser and not system" if "@pytest.mark.system" in declared else "not browser"


def run_suite(checkout: Path, selected: str) -> tuple[float, str, bool]:
    start = time.monotonic()
    done = pytest(checkout, "-n", "2", "--dist", "loadfile", "-m", selected)
    elapsed = time.monotonic() - start
    for line in (done.stdout + done.stderr).splitlines():
        if line.startswith(("FAILED", "ERROR")):
            print(f"  {line}", flush=True)
    return elapsed, counted(done.stdout + done.stderr), done.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", default=BASELINE, help=f"the commit to compare (default {BASELINE})")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each side, alternating (default 1)")
    options = parser.parse_args()
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")

    with tempfile.TemporaryDirectory(prefix="suite-speed-") as folder:
        base = Path(folder) / "baseline"
        added = subprocess.run(
            ["git", "worktree", "add", "--detach", "--force", str(base), options.baseline],
            cwd=ROOT, capture_output=True, text=True,
        )
        if added.returncode != 0:
            print(f"cannot check out {options.baseline}: {added.stderr.strip()}", file=sys.stderr)
            return 2
        try:
            (base / ".venv").symlink_to(ROOT / ".venv")
            sides = {"baseline": base, "now": ROOT}
            selected = {name: markers(checkout) for name, checkout in sides.items()}
            for name, checkout in sides.items():
                pytest(checkout, "--collect-only", "-m", selected[name])
            times: dict[str, list[float]] = {name: [] for name in sides}
            ok = True
            for round_ in range(1, options.rounds + 1):
                for name, checkout in sides.items():
                    elapsed, tests, passed = run_suite(checkout, selected[name])
                    ok = ok and passed
                    times[name].append(elapsed)
                    outcome = "" if passed else f"  FAILED ({checkout})"
                    print(f"round {round_} {name:>8}: {elapsed:6.1f} s  {tests}{outcome}", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, capture_output=True)
    before, after = statistics.median(times["baseline"]), statistics.median(times["now"])
    print(f"median: baseline {options.baseline} {before:.1f} s, now {after:.1f} s: {before / after:.2f}x")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
