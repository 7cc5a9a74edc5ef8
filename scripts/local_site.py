"""What the scripts that serve CommunityMap on loopback share (page_weight.py, cluster_demo.py,
walk_sqlite.py): the virtualenv's Python, a free port, the settings of a production install
served over plain http, `manage.py` in a child process, and waiting for /healthz."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")

#: The environment's own switches a served copy must not inherit from a test run.
NOT_INHERITED = ("TESTING", "DEBUG", "TASKS_IMMEDIATE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**settings: str) -> dict:
    """This process's environment as a production install would run (DEBUG off), but over
    plain http on loopback (no HTTPS redirect, cookies not marked secure, no HSTS), quiet
    logs; `settings` on top (DATABASE_URL, SECRET_KEY, ...)."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def manage(env: dict, *args: str, root: Path = ROOT, timeout: float | None = 900) -> str:
    """`manage.py args` in a child process; its output, or SystemExit with it on failure."""
    result = subprocess.run(  # noqa: S603 - this checkout's own manage.py
        [PYTHON, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_up(base: str, seconds: float = 60) -> None:
    """Until the server at `base` answers /healthz; SystemExit after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {base} did not answer within {seconds:.0f} s")
