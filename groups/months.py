"""Calendar months, no Django: the one add_months (score windows and loan schedules)."""

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (negative: earlier), clamped to the month's last day and
    to the calendar's ends (dates near year 1 or 9999 never raise)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    if year < dt.MINYEAR:
        return dt.date.min
    if year > dt.MAXYEAR:
        return dt.date.max
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
