"""`make cluster-demo`, smaller: two app servers and two workers on loopback against one
PostgreSQL and one Redis; a worker killed with SIGKILL in the middle of a district, the district
finished by the other, nothing half-written, the same regency page from both app servers.

The demo waits by polling with time limits (never by sleeping a fixed time) and kills a worker
only once it has frozen it (SIGSTOP) and seen its district still running, so the run does not
depend on how fast this machine is."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from .conftest import require_service

ROOT = Path(__file__).resolve().parent.parent


def run_demo(*args: str) -> tuple[int, str]:
    """The demo's exit status and output. Were it to overrun, SIGTERM lets it stop the servers
    and workers it started (they run in sessions of their own)."""
    demo = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "cluster_demo.py"), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out, _ = demo.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        demo.terminate()
        out, _ = demo.communicate(timeout=120)
    return demo.returncode, out


# Four processes of their own beside the test's, PostgreSQL and Redis: `make test-system` (CI's
# own step, once), not `make test`.
pytestmark = [pytest.mark.system, pytest.mark.slow]


@pytest.fixture
def postgres_server(redis_server) -> None:
    """PostgreSQL on 127.0.0.1:5432 (and Redis), as on the CI machine."""
    require_service("127.0.0.1", 5432, "PostgreSQL")


def test_a_district_whose_worker_was_killed_is_finished_by_the_other_worker(postgres_server):
    database = f"cluster_demo_test_{os.getpid()}"  # never another run's
    try:
        code, out = run_demo(
            "--districts", "3", "--people", "600", "--database", database, "--redis-db", "10"
        )
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    assert code == 0, out
    assert "[FAILED]" not in out
    assert out.rstrip().endswith("== all claims hold")
    held = [
        line.strip().removeprefix("[ok] ") for line in out.splitlines() if line.strip().startswith("[ok]")
    ]
    for claim in (
        "the shared queue holds one task per district (3)",
        "was killed while its district was still running, nothing of it written",
        "both workers took districts (worker-a: SYN",
        "said it put the lost task back in the queue",
        "on a second attempt",
        "every district's snapshot is done",
        "no rows of a snapshot that is not done (nothing half-written)",
        "each done snapshot has one row per group of its district, no more, no fewer",
        "both app servers answer the same page (CSRF tokens aside)",
        "the page has a row for every district",
    ):
        assert any(claim in line for line in held), f"not shown to hold: {claim}\n{out}"
