"""Pages of the long lists (groups, people, actors): as cheap on page 300 as on page 1.

A page is found from the row just before it (?after=REF) or just after it (?before=REF) and
read with one indexed query of PAGE_SIZE + 1 rows, never by skipping an offset. The cursor is a
row's code, which its link shows already, and it is looked up in the viewer's own filtered
list: a code outside it (another area's, a deleted row's) starts again at the first page, so a
cursor never tells where a hidden row would sort. The total is counted once per viewer, filter
and records generation (groups/scores/page_cache.py), so it is never stale and a list costs the
same at 20,000 rows as at 200. The page number travels with the cursor, for "Page 3 of 40".
A plain ?page=N (an old link) is still answered, by offset. The first page, the one everybody
opens, is kept whole like a report part (kept_first_page).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from groups.forms.registry import PAGE_SIZE
from groups.scores import page_cache


@dataclass
class Page:
    """What the pager shows (templates/groups/group_list_pages.html)."""

    object_list: list
    number: int
    count: int
    first_ref: str
    last_ref: str
    has_previous: bool
    has_next: bool

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / PAGE_SIZE))

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return max(1, self.number - 1)

    @property
    def next_page_number(self) -> int:
        return min(self.num_pages, self.number + 1)


def _after(order: tuple[str, ...], values: tuple, *, reverse: bool = False) -> Q:
    """Rows sorted after the row whose `order` fields hold `values` (before it with reverse).
    The leading >= (<=) lets the database walk the (name, pk) index from the cursor."""
    more = "lt" if reverse else "gt"
    q = Q(**{f"{order[-1]}__{more}": values[-1]})
    for field, value in zip(reversed(order[:-1]), reversed(values[:-1]), strict=True):
        q = Q(**{f"{field}__{more}": value}) | (Q(**{field: value}) & q)
    if len(order) > 1:
        q &= Q(**{f"{order[0]}__{more}e": values[0]})
    return q


def _descending(order: tuple[str, ...]) -> list[str]:
    return [f"-{field}" for field in order]


#: The query-string fields that choose a page (the rest are the list's filters).
CURSOR_KEYS = ("page", "after", "before")


def filters_of(request, form) -> dict:
    """The list's filters from its form (none when any is invalid: the form shows why; a bad
    page or cursor says so, and the first page is shown)."""
    if form.is_valid():
        return form.cleaned_data
    if any(key in form.errors for key in CURSOR_KEYS):
        messages.info(request, _("That page could not be found; here is the first page."))
    return {}


def page_of(request, scope, rows: QuerySet, filters: dict, *, order: tuple[str, ...], name: str) -> Page:
    """The page of `rows` (already limited to what `scope` may see, and filtered) that the
    request asks for, sorted by `order` (unique: its last field is the pk or the code)."""
    rows = rows.order_by(*order)
    listed = repr(sorted((k, str(v)) for k, v in filters.items() if k not in CURSOR_KEYS and v))
    count = page_cache.counted(f"count-{name}", scope, rows.count, query=listed)
    number = filters.get("page") or 1
    if filters.get("after") or filters.get("before"):
        found = _from_cursor(rows, filters, order)
        if found:
            return _page(*found, number=number, count=count)
        messages.info(request, _("That page has changed; here is the first page."))
    elif number > 1:  # a plain ?page=N (an old link): by offset
        start = (min(number, math.ceil(count / PAGE_SIZE) or 1) - 1) * PAGE_SIZE
        found = list(rows[start : start + PAGE_SIZE + 1])
        more = len(found) > PAGE_SIZE
        return _page(found[:PAGE_SIZE], start > 0, more, number=start // PAGE_SIZE + 1, count=count)
    found = list(rows[: PAGE_SIZE + 1])
    return _page(found[:PAGE_SIZE], False, len(found) > PAGE_SIZE, number=1, count=count)


def kept_first_page(request, scope, form, build, *, name: str) -> dict:
    """The context of a list's results, `build()`: its first page with valid filters (nothing
    to tell about the page asked for) kept with its HTML (page_cache, {% kept %} in the
    template) once per viewer class, query and records. A list may hold rows of any community,
    so every community's generation is in the key, as for the count. Any other page is built."""
    if request.method != "GET" or not form.is_valid() or any(form.cleaned_data.get(k) for k in CURSOR_KEYS):
        return build()
    return page_cache.cached(
        f"list-{name}", scope, build, area_id=0, query=request.GET.urlencode(),
        districts=set(page_cache.kept_community_ids(None).values()), html=True,
    )


def _from_cursor(rows: QuerySet, filters: dict, order: tuple[str, ...]) -> tuple | None:
    """(rows, has previous, has next) of the page after or before the cursor row, or None when
    the cursor is not in the viewer's list (or nothing is left beyond it)."""
    forward = bool(filters.get("after"))
    cursor = rows.filter(ref=filters["after"] if forward else filters["before"]).values_list(*order).first()
    if cursor is None:
        return None
    if forward:
        found = list(rows.filter(_after(order, cursor))[: PAGE_SIZE + 1])
        return (found[:PAGE_SIZE], True, len(found) > PAGE_SIZE) if found else None
    backward = rows.filter(_after(order, cursor, reverse=True)).order_by(*_descending(order))
    found = list(backward[: PAGE_SIZE + 1])
    return (found[:PAGE_SIZE][::-1], len(found) > PAGE_SIZE, True) if found else None


def _page(found: list, previous: bool, more: bool, *, number: int, count: int) -> Page:
    """The page's number as the link said, kept consistent with what is around it."""
    pages = max(1, math.ceil(count / PAGE_SIZE))
    number = 1 if not previous else min(max(number, 2), pages)
    return Page(
        object_list=found, number=number, count=count,
        first_ref=found[0].ref if found else "", last_ref=found[-1].ref if found else "",
        has_previous=previous and bool(found), has_next=more and bool(found),
    )
