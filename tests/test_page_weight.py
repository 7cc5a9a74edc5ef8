"""The page-weight budgets of offline field work, measured by scripts/page_weight.py through gunicorn
with compression on and Chromium counting the bytes (about a minute: slow and browser)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def test_the_budgets_hold(chromium_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "page_weight.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    for name in (
        "log page, first visit", "log page, later visit", "log one exchange (post and answer)",
        "meeting sheet of 30 members, first visit",
    ):
        line = next(line for line in lines if line.strip().startswith(name))
        assert line.rstrip().endswith("ok"), line
    assert any("Slow 3G" in line for line in lines)
