"""Periods of days: a window (both ends inclusive), its quarters, and the default "last 12
months". No database access."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from groups.months import add_months  # noqa: F401  (re-exported: windows.add_months)


@dataclass(frozen=True)
class Window:
    """A period of days, both ends inclusive."""

    start: dt.date
    end: dt.date
    partial: bool = False  # a quarter cut short by the start of its window

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def quarters(self) -> list[Window]:
        """Consecutive 3-month slices counted back from the end, oldest first; the first one
        is cut at the window's start (and marked partial) when it does not fit."""
        out = []
        k = 0
        while True:
            q_end = add_months(self.end, -3 * k)
            if q_end < self.start:
                break
            q_start = add_months(self.end, -3 * (k + 1)) + dt.timedelta(days=1)
            partial = q_start < self.start
            out.append(Window(max(q_start, self.start), q_end, partial))
            k += 1
        return list(reversed(out))


def default_window(today: dt.date | None = None) -> Window:
    """The last 12 months up to and including today."""
    today = today or timezone.localdate()
    return Window(add_months(today, -12) + dt.timedelta(days=1), today)


def resolve_window(start, end, today=None) -> tuple[Window, bool]:
    """(window, rolling): start/end None means the default window."""
    if start is None or end is None:
        return default_window(today), True
    return Window(start, end), False
