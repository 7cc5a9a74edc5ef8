"""Arguments shared by the score commands: --area, --since, --until, --resource."""

import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from groups.models import Area, Resource


def add_window_arguments(parser) -> None:
    parser.add_argument("--area", help="Area code (ref); default: every area.")
    parser.add_argument("--since", help="First day, YYYY-MM-DD (default: 12 months before --until).")
    parser.add_argument("--until", help="Last day, YYYY-MM-DD (default: today).")
    parser.add_argument(
        "--resource", default="", choices=["", *Resource.values], help="Only exchanges of this type."
    )


def parse_day(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(_("%(option)s must be a date like 2026-11-28.") % {"option": option}) from error


def window_options(options) -> tuple[dt.date | None, dt.date | None]:
    """(start, end), both None for the rolling "last 12 months" window."""
    from groups.scores.windows import add_months

    since = parse_day(options.get("since"), "--since")
    until = parse_day(options.get("until"), "--until")
    if since is None and until is None:
        return None, None
    if until is None:
        until = dt.date.today()
    if since is None:
        since = add_months(until, -12) + dt.timedelta(days=1)
    if since > until:
        raise CommandError(_("--since must not be after --until."))
    return since, until


def areas_option(options) -> list[Area]:
    ref = options.get("area")
    if ref:
        area = Area.objects.filter(ref=ref).first()
        if area is None:
            raise CommandError(_("There is no area with the code %(ref)s.") % {"ref": ref})
        return [area]
    return list(Area.objects.order_by("ref"))
