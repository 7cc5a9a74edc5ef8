"""Report pages built once and reused: the one rule for what a page may take from the cache.

A snapshot never changes once computed, so what a page derives from it (tables, SVG pictures,
rankings, sentences, the scorecard, the needs-attention list, the villages table) is kept in
Django's cache (Redis with CACHE_URL, else files: communitymap/settings.py) and reused by every
request with the same key; so are the pages that read records only and are the same for every
viewer of one naming class until a write (a group's page, the first page of a list,
views/paging.py):

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
  besides the snapshot), so a withdrawn consent or a renamed group is seen at once. It is
  two parts: one token for every page, and one per district (community, areas.py) the page
  reads, so that the everyday writes of one district (DISTRICT_MODELS: an exchange, a
  meeting, a membership, a norm, a ledger entry) start a new generation for that district's
  pages and the roll-ups above it only, never for its neighbours' (changes.note_change
  resolves the districts a write touches). Any other write (a name, a consent, a group, an
  area, a role) starts a new one for every page.

Only the score rows themselves (ScoreSnapshot, GroupScore, PersonScore) do not change the
generation: they are written once per snapshot, and the snapshot is in the key. A user account
is a record too (a group's page names its facilitators), except for the time of its last login,
which every login writes and no page shows.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sys
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.safestring import mark_safe

from .areas import community_ids, page_communities

logger = logging.getLogger(__name__)

GENERATION_KEY = "page-cache:generation"
#: Written once per snapshot, which is in the key already.
SCORE_MODELS = {"scoresnapshot", "groupscore", "personscore"}
#: Read by no kept page: the task workers' heartbeats (groups/worker.py, every few seconds), the
#: tokens of forms sent once (every create form and meeting sheet writes one), import jobs, and
#: the money sheet's own records (a ledger meeting's cash count, an arisan's order of turns: the
#: fund pages read them live; the entries written with them are DISTRICT_MODELS). Were they
#: watched, every meeting sheet would throw away the kept pages of every district.
UNREAD_MODELS = {"workerheartbeat", "formsubmission", "importrecord", "ledgermeeting", "rotationturn"}
#: Written with a note to the change tracking (scores/signals.py, services), which starts a new
#: generation for the districts the row touches (districts_changed), not for every page.
DISTRICT_MODELS = {
    "exchange", "membership", "activity", "activity_attendees", "norm", "normreview", "fund", "cycle",
    "ledgerentry",
}


#: Has this process read the generation since it last replaced it? (A write then replaces it
#: at once, not only on commit; thousands of writes with no page read between cost one.)
_read = True
#: A new generation this process could not write (the cache was unreachable): written first
#: when it is reachable again.
_unwritten = False
#: The same per district: those whose token this process read since it last replaced it, and
#: those whose new token it could not write.
_read_districts: set[int] = set()
_unwritten_districts: set[int] = set()


def forget_reads() -> None:
    """This process's memory of the generations, as a new process starts with it: for a cache
    emptied under a running process (the tests empty it before each one, so no test's writes
    look up the districts of pages an earlier test read)."""
    global _read, _unwritten
    _read, _unwritten = True, False
    _read_districts.clear()
    _unwritten_districts.clear()


def _district_key(community_id: int) -> str:
    return f"{GENERATION_KEY}:{community_id}"


def _get(name: str):
    """cache.get, or None when the cache cannot be reached: a page is then built as if nothing
    was kept (slower, never wrong), not answered with an error."""
    try:
        return cache.get(name)
    except Exception:  # the backend's own errors (redis.ConnectionError, OSError, ...)
        logger.warning("Page cache unreachable; building the page without it", exc_info=True)
        return None


def _set(name: str, value, timeout=DEFAULT_TIMEOUT) -> bool:
    return _set_many({name: value}, timeout)


def _set_many(values: dict, timeout=DEFAULT_TIMEOUT) -> bool:
    try:
        cache.set_many(values, timeout=timeout)
    except Exception:
        logger.warning("Page cache unreachable; nothing kept", exc_info=True)
        return False
    return True


def generation(districts: Iterable[int] = ()) -> str:
    """The records' generation of a page reading these districts (communities): the token of
    every page and each district's, one cache read. A new token after every committed write
    (random ones, so no page is reused, while the cache cannot be reached)."""
    global _read
    districts = sorted(set(districts))
    _read = True
    _read_districts.update(districts)
    if _unwritten:
        _NewGeneration()()
    if _unwritten_districts:
        _NewGeneration(set(_unwritten_districts))()
    names = [GENERATION_KEY, *(_district_key(d) for d in districts)]
    try:
        found = cache.get_many(names)
    except Exception:
        logger.warning("Page cache unreachable; building the page without it", exc_info=True)
        found = {}
    missing = {name: uuid.uuid4().hex for name in names if found.get(name) is None}
    if missing:
        _set_many(missing, timeout=None)
    tokens = [found.get(name) or missing[name] for name in names]
    if not districts:
        return tokens[0]
    return hashlib.sha256("|".join(tokens).encode()).hexdigest()[:32]


class _NewGeneration:
    """A new random token, not a counter: two writers never leave the same value behind. Of
    every page, or of these districts' pages."""

    def __init__(self, districts: set[int] | None = None):
        self.districts = districts

    def __call__(self):
        global _unwritten
        if self.districts is None:
            _unwritten = not _set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            return
        written = _set_many({_district_key(d): uuid.uuid4().hex for d in self.districts}, timeout=None)
        if written:
            _unwritten_districts.difference_update(self.districts)
        else:
            _unwritten_districts.update(self.districts)


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


def districts_read() -> set[int]:
    """The districts whose pages this process read since their last new generation."""
    return set(_read_districts)


def districts_changed(districts: Iterable[int]) -> None:
    """A new generation for these districts' pages (and the roll-ups above them), now: called
    once the write is committed, or inside its transaction for the districts this process read
    pages of since (so its own next page sees the write, as records_changed does)."""
    districts = set(districts)
    if districts:
        _read_districts.difference_update(districts)
        _NewGeneration(districts)()


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


def key(part: str, scope, *, area_id: int, snapshots=(), query: str = "", districts=None) -> str:
    """The cache key of a page part (see the module docstring); `snapshots`: the snapshot it
    reads, or the list of them (a regency's districts); `districts`: the communities whose
    records it reads, when not those of its snapshots or area."""
    if not isinstance(snapshots, list | tuple):
        snapshots = [snapshots]
    made = ",".join(f"{s.pk}@{s.computed_at.isoformat()}" for s in snapshots) or "-"
    facts = hashlib.sha256(repr(viewer_facts(scope)).encode()).hexdigest()[:32]
    rest = hashlib.sha256(f"{made}|{query}".encode()).hexdigest()[:32]
    language = translation.get_language() or ""
    # the districts read: the snapshots' communities, else those the area's page covers
    if districts is None:
        districts = {s.area_id for s in snapshots} or kept_page_communities(area_id)
    return f"page:{release()}:{part}:{area_id}:{language}:{facts}:{generation(districts)}:{rest}"


def cached(
    part: str,
    scope,
    build: Callable[[], dict],
    *,
    area_id: int,
    snapshots=(),
    query: str = "",
    districts=None,
    html: bool = False,
) -> dict:
    """The page part built by `build()`, from the cache when the same key built it before, with
    its key as "page_key" (`districts`: as for key()). With `html` (its template wraps everything
    it shows of the part in {% kept page_key page_html %}, templatetags/kept.py), the part's kept
    HTML alone as "page_html" once rendered: nothing else is read."""
    name = key(part, scope, area_id=area_id, snapshots=snapshots, query=query, districts=districts)
    html = _get_text(f"{name}:html") if html else None
    if html is not None:
        return {"page_key": name, "page_html": mark_safe(html)}  # noqa: S308 (rendered by the engine)
    found = _get(name)
    if found is None:
        _complete(snapshots if isinstance(snapshots, list | tuple) else [snapshots])
        found = {**build(), "page_key": name}
        _set(name, found)
    return found


def _complete(snapshots) -> None:
    """Read the columns the snapshots left for first use (reading.LAZY_FIELDS), in one query.
    One replaced meanwhile (its row deleted) builds empty parts under its own key, which no
    request reads again, rather than failing."""
    lazy = [s for s in snapshots if s.get_deferred_fields()]
    if not lazy:
        return
    fields = sorted(set().union(*(s.get_deferred_fields() for s in lazy)))
    stored = type(lazy[0]).objects.filter(pk__in=[s.pk for s in lazy]).values("pk", *fields)
    rows = {row["pk"]: row for row in stored}
    for snapshot in lazy:
        for field in snapshot.get_deferred_fields():
            default = snapshot._meta.get_field(field).get_default()
            setattr(snapshot, field, rows.get(snapshot.pk, {}).get(field, default))


def counted(part: str, scope, count: Callable[[], int], *, query: str) -> int:
    """The row count of a list (groups/views/paging.py), kept like a page part. A list may hold
    rows of any community (a facilitator's people follow memberships, a district's write): every
    community's generation is in its key, so a write that could change it is seen at once."""
    name = key(part, scope, area_id=0, query=query, districts=set(kept_community_ids(None).values()))
    found = _get(name)
    if found is None:
        found = count()
        _set(name, found)
    return found


def cached_text(part: str, scope, build: Callable[[], bytes], *, area_id: int, snapshots=()) -> bytes:
    """A whole response body built by `build()` (the map's GeoJSON), kept like a page part."""
    name = key(part, scope, area_id=area_id, snapshots=snapshots)
    found = _get_text(name)
    if found is None:
        found = build()
        _set_text(name, found)
    return found


def keep_html(page_key: str, html: str) -> None:
    """Keep a part's rendered HTML ({% kept %}): it may read only what the key covers (the part's
    cached context, its area, snapshot, query and language), never a CSRF token or anything else
    of the request."""
    _set_text(f"{page_key}:html", str(html))


# --- the biggest texts, in this process's memory too ----------------------------------------
# Reading a kept text back from the shared cache costs about a millisecond per 300 KB (the map
# of a district is megabytes). The large ones this process read or built lately are kept in its
# own memory as well, under the same key: as fresh as the shared cache (the key changes with
# every write and snapshot), never another viewer's (the key holds the naming class).

#: Texts smaller than this (bytes of memory) are read from the shared cache each time.
LOCAL_MIN_BYTES = 32 * 1024
#: At most this many bytes of texts kept in one process (the least recently used go first).
LOCAL_MAX_BYTES = 32 * 1024 * 1024
_local: OrderedDict[str, str | bytes] = OrderedDict()
_local_bytes = 0  # the memory of the texts in _local, kept as they come and go
_local_lock = threading.Lock()


def _get_text(name: str) -> str | bytes | None:
    with _local_lock:
        found = _local.get(name)
        if found is not None:
            _local.move_to_end(name)
            return found
    found = _get(name)
    if found is not None:
        _keep_local(name, found)
    return found


def _set_text(name: str, text: str | bytes) -> None:
    _set(name, text)
    _keep_local(name, text)


def _keep_local(name: str, text: str | bytes) -> None:
    global _local_bytes
    size = sys.getsizeof(text)
    if not LOCAL_MIN_BYTES <= size <= LOCAL_MAX_BYTES:
        return
    with _local_lock:
        replaced = _local.pop(name, None)
        if replaced is not None:
            _local_bytes -= sys.getsizeof(replaced)
        _local[name] = text
        _local_bytes += size
        while _local_bytes > LOCAL_MAX_BYTES:
            _name, dropped = _local.popitem(last=False)
            _local_bytes -= sys.getsizeof(dropped)


# --- what the area tree decides, in this process's memory ------------------------------------
# Which areas lie below an assignment and which community an area belongs to are asked by
# nearly every page (a query each) and change only with a write to the areas. They are kept in
# this process under the generation of every page (read from the shared cache, a fraction of a
# query's cost), so the first request after any such write works them out again.

#: At most this many tree facts kept in one process (the least recently used go first).
TREE_FACTS_MAX = 1024
_tree_facts: OrderedDict[tuple, object] = OrderedDict()


def tree_fact(name: tuple, build: Callable[[], object]):
    """The value `build()` gives for `name` (hashable, holding everything it depends on but the
    records), kept in this process until the next write that renews every page's generation.
    The value is shared: callers never change it (tuples and frozensets, or a copy)."""
    name = (*name, generation())
    with _local_lock:
        if name in _tree_facts:
            _tree_facts.move_to_end(name)
            return _tree_facts[name]
    value = build()
    with _local_lock:
        _tree_facts[name] = value
        while len(_tree_facts) > TREE_FACTS_MAX:
            _tree_facts.popitem(last=False)
    return value


def kept_community_ids(area_ids: Iterable[int] | None) -> dict[int, int]:
    """areas.community_ids, kept while the areas are unchanged."""
    wanted = None if area_ids is None else frozenset(area_ids)
    return dict(tree_fact(("community_ids", wanted), lambda: community_ids(wanted)))


def kept_community_id(area) -> int:
    """areas.community_id, kept while the areas are unchanged."""
    pk = area if isinstance(area, int) else area.pk
    return kept_community_ids([pk]).get(pk, pk)


def kept_page_communities(area_id: int) -> set[int]:
    """areas.page_communities, kept while the areas are unchanged."""
    return set(tree_fact(("page_communities", area_id), lambda: frozenset(page_communities(area_id))))


@receiver([post_save, post_delete, m2m_changed], dispatch_uid="page_cache_records")
def _record_written(sender, **kwargs):
    meta = getattr(sender, "_meta", None)
    unwatched = SCORE_MODELS | DISTRICT_MODELS | UNREAD_MODELS
    if meta is None or meta.app_label != "groups" or meta.model_name in unwatched:
        return
    records_changed()


@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL, dispatch_uid="page_cache_users")
def _user_written(sender, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    records_changed()
