"""Forked worker processes that end with the process that forked them.

The scores wing forks helpers for the parts of a computation that need no database: the
quarters of the trend and the layout of the network of groups (snapshots.py), and blocks of
betweenness sources in a large component (analysis.py). A task worker may be killed in the
middle of a district (groups/worker.py then gives the district to another worker); its forked
helpers must not stay behind waiting for work that will never come.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor


def _end_with_parent(parent: int, initializer: Callable | None, initargs: tuple) -> None:
    """A forked worker's first step: end when `parent` ends (Linux's parent-death signal;
    elsewhere a worker ends with its pool only), then the pool's own initializer."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    else:
        if os.getppid() != parent:  # it ended before the line above
            os._exit(0)
    if initializer is not None:
        initializer(*initargs)


def fork_pool(workers: int, initializer: Callable | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """`workers` forked processes (they inherit this one's memory, nothing is pickled in) that
    end with this process. Raises ValueError where fork is unavailable."""
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_end_with_parent,
        initargs=(os.getpid(), initializer, initargs),
    )
