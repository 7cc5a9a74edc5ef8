"""Uploaded files kept server-side between the preview and the confirmation, and the status of
each import (state, counts, problems, progress) in a small JSON file beside them.

A file, not the cache or the database: the background worker is another process (the cache
may be per-process), and progress written inside the import's transaction would stay
invisible until the end. Each upload is a directory named by a random token under
settings.COMMUNITYMAP_IMPORT_DIR (IMPORT_DIR, default imports/ in MEDIA_ROOT: a folder every
app server and worker shares, as the upload, its confirmation and the import may each be
handled by another machine). Only atomic file operations are used (an exclusive create, a
rename), which shared file systems (NFS) keep. Uploaded files are deleted once applied;
directories older than MAX_AGE go on the next upload.
"""

import json
import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings

from .csvfiles import COLUMNS, Problem, Source, read_files

MAX_AGE_SECONDS = 24 * 60 * 60
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")

# States of an import
INVALID, READY, QUEUED, RUNNING, DONE, FAILED = "invalid", "ready", "queued", "running", "done", "failed"
IN_PROGRESS = (QUEUED, RUNNING)


def root() -> Path:
    configured = getattr(settings, "COMMUNITYMAP_IMPORT_DIR", "")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "communitymap-imports"


def _directory(token: str) -> Path:
    if not _TOKEN.fullmatch(token or ""):
        raise ValueError("bad import token")
    return root() / token


def _stored_name(filename: str) -> str | None:
    """Only a .zip or the format's own file names are kept, under names we choose."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if base.endswith(".zip"):
        return "upload.zip"
    if base.endswith(".csv") and base[:-4] in COLUMNS:
        return base
    return None


def create(files: dict[str, bytes], *, user_id: int, language: str) -> str:
    """Keep the uploaded files; returns the new import's token."""
    remove_expired()
    token = secrets.token_urlsafe(24)
    directory = _directory(token)
    (directory / "files").mkdir(parents=True, mode=0o700)
    for filename, data in files.items():
        name = _stored_name(filename)
        if name is not None:
            (directory / "files" / name).write_bytes(data)
    write_status(token, {"user_id": user_id, "language": language, "created": time.time()})
    return token


def source(token: str) -> Source:
    """The kept files, read again exactly as at the upload."""
    folder = _directory(token) / "files"
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}
    return read_files(files)


def claim(token: str) -> bool:
    """True for the first caller only (an exclusive file create is atomic): one confirmation."""
    try:
        os.close(os.open(_directory(token) / "claimed", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    return True


def discard_files(token: str) -> None:
    shutil.rmtree(_directory(token) / "files", ignore_errors=True)


def read_status(token: str) -> dict | None:
    try:
        return json.loads((_directory(token) / "status.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None


def write_status(token: str, changes: dict) -> dict:
    """Merge `changes` into the status and replace the file at once (readers never see half)."""
    status = read_status(token) or {}
    status.update(changes)
    directory = _directory(token)
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(status, out)
    os.replace(temporary, directory / "status.json")
    return status


def problems_as_lists(problems: list[Problem]) -> list[list]:
    return [p.as_list() for p in problems]


def remove_expired(now: float | None = None) -> None:
    now = time.time() if now is None else now
    base = root()
    if not base.is_dir():
        return
    for directory in base.iterdir():
        try:
            if _TOKEN.fullmatch(directory.name) and now - directory.stat().st_mtime > MAX_AGE_SECONDS:
                shutil.rmtree(directory, ignore_errors=True)
        except OSError:
            continue
