"""Report pages built once and reused: the one rule for what a page may take from the cache.

A snapshot never changes once computed, so what a page derives from it (tables, SVG pictures,
rankings, sentences, the scorecard, the needs-attention list, the villages table) is kept in
Django's cache (Redis with CACHE_URL, else files: communitymap/settings.py) and reused by every
request with the same key:

- the snapshot's id and when it was computed (a recomputation is a new key at once);
- the area the page shows, the page part and the request's query (sort, filters);
- the language;
- the viewer's naming class: a hash of viewer_facts(scope), everything about the user that
  groups/access.py reads to decide whose name is shown and what is linked, so a key never
  hands one viewer a page built for facts they do not share;
- the release: a hash of the code, templates and static manifest, so a deployment never serves
  a part built by the code before it;
- the records' generation: a token replaced after every committed write to the community's
  records (names, consent, memberships, groups, targets, outlines: whatever a page reads
  besides the snapshot), so a withdrawn consent or a renamed group is seen at once.

Only the score rows themselves (ScoreSnapshot, GroupScore, PersonScore) do not change the
generation: they are written once per snapshot, and the snapshot is in the key.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)

GENERATION_KEY = "page-cache:generation"
#: Written once per snapshot, which is in the key already.
SCORE_MODELS = {"scoresnapshot", "groupscore", "personscore"}


#: Has this process read the generation since it last replaced it? (A write then replaces it
#: at once, not only on commit; thousands of writes with no page read between cost one.)
_read = True
#: A new generation this process could not write (the cache was unreachable): written first
#: when it is reachable again.
_unwritten = False


def _get(name: str):
    """cache.get, or None when the cache cannot be reached: a page is then built as if nothing
    was kept (slower, never wrong), not answered with an error."""
    try:
        return cache.get(name)
    except Exception:  # the backend's own errors (redis.ConnectionError, OSError, ...)
        logger.warning("Page cache unreachable; building the page without it", exc_info=True)
        return None


def _set(name: str, value, timeout=DEFAULT_TIMEOUT) -> bool:
    try:
        cache.set(name, value, timeout=timeout)
    except Exception:
        logger.warning("Page cache unreachable; nothing kept", exc_info=True)
        return False
    return True


def generation() -> str:
    """The records' generation: a new token after every committed write (a random one, so no
    page is reused, while the cache cannot be reached)."""
    global _read
    _read = True
    if _unwritten:
        _NewGeneration()()
    token = _get(GENERATION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        _set(GENERATION_KEY, token, timeout=None)
    return token


class _NewGeneration:
    """A new random token, not a counter: two writers never leave the same value behind."""

    def __call__(self):
        global _unwritten
        _unwritten = not _set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def records_changed() -> None:
    """Every cached page part is stale. Outside a transaction the write is committed: a new
    generation now. Inside one, a new generation once it commits (a page another process built
    in between from the old rows is dropped; one callback per transaction however many rows it
    writes), and at once when this process read pages since its last one (so its own next page
    sees the write, even in a transaction that never commits, as in the tests). Called by the
    signals below and by changes.note_change (bulk writes send none)."""
    global _read
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _NewGeneration()()
        return
    if _read:
        _read = False
        _NewGeneration()()
    if not any(isinstance(func, _NewGeneration) for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(_NewGeneration(), robust=True)


def viewer_facts(scope) -> tuple:
    """Everything about the user that the decisions of their access.Scope read, besides the
    records (only its can_confirm and may_request_scores also read the user's id, for their own
    exchanges and computations, and no page part asks those): two users with the same facts see
    the same names, links and controls. Keep in step with Scope's cached properties."""
    person = scope.person.pk if scope.person is not None else None
    return (
        scope.is_authenticated, scope.is_staff, tuple(sorted(scope._assignments)),
        tuple(sorted(scope.facilitated_group_ids)), person, tuple(sorted(scope.member_group_ids)),
    )


@functools.cache
def release() -> str:
    """A hash of the code and templates that build the pages (and the static files' manifest,
    whose names the HTML holds): the same on every app server of one deployment."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    files = [*sorted((base / "groups").rglob("*.py")), *sorted((base / "templates").rglob("*.html"))]
    files.append(Path(settings.STATIC_ROOT) / "staticfiles.json")
    # settings the kept HTML holds
    digest.update(repr((settings.STATIC_URL, settings.MAP_TILE_URL, settings.MAP_TILE_ATTRIBUTION)).encode())
    for path in files:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key(part: str, scope, *, area_id: int, snapshots=(), query: str = "") -> str:
    """The cache key of a page part (see the module docstring); `snapshots`: the snapshot it
    reads, or the list of them (a regency's districts)."""
    if not isinstance(snapshots, list | tuple):
        snapshots = [snapshots]
    made = ",".join(f"{s.pk}@{s.computed_at.isoformat()}" for s in snapshots) or "-"
    facts = hashlib.sha256(repr(viewer_facts(scope)).encode()).hexdigest()[:32]
    rest = hashlib.sha256(f"{made}|{query}".encode()).hexdigest()[:32]
    language = translation.get_language() or ""
    return f"page:{release()}:{part}:{area_id}:{language}:{facts}:{generation()}:{rest}"


def cached(
    part: str,
    scope,
    build: Callable[[], dict],
    *,
    area_id: int,
    snapshots=(),
    query: str = "",
    html: bool = False,
) -> dict:
    """The page part built by `build()`, from the cache when the same key built it before, with
    its key as "page_key". With `html` (its template wraps everything it shows of the part in
    {% kept page_key page_html %}, templatetags/kept.py), the part's kept HTML alone as
    "page_html" once rendered: nothing else is read."""
    name = key(part, scope, area_id=area_id, snapshots=snapshots, query=query)
    html = _get(f"{name}:html") if html else None
    if html is not None:
        return {"page_key": name, "page_html": mark_safe(html)}  # noqa: S308 (rendered by the engine)
    found = _get(name)
    if found is None:
        found = {**build(), "page_key": name}
        _set(name, found)
    return found


def keep_html(page_key: str, html: str) -> None:
    """Keep a part's rendered HTML ({% kept %}): it may read only what the key covers (the part's
    cached context, its area, snapshot, query and language), never a CSRF token or anything else
    of the request."""
    _set(f"{page_key}:html", str(html))


@receiver([post_save, post_delete, m2m_changed], dispatch_uid="page_cache_records")
def _record_written(sender, **kwargs):
    meta = getattr(sender, "_meta", None)
    if meta is not None and meta.app_label == "groups" and meta.model_name not in SCORE_MODELS:
        records_changed()
