import datetime as dt
import time
from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from groups import synthetic

from ._scores_args import parse_day


class Command(BaseCommand):
    help = (
        "Generate a synthetic community of N people (for load tests and the benchmark); with "
        "--districts, a regency of that many districts of N people each."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, required=True, help="How many people (per district).")
        parser.add_argument(
            "--districts",
            type=int,
            help="Build a regency of this many districts, with a small share of ties across them.",
        )
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same community.")
        parser.add_argument("--today", help="Last day of the synthetic year, YYYY-MM-DD (default: today).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete every community record first when the database is not empty.",
        )

    def handle(self, *args, people, seed, today=None, force=False, districts=None, **options):
        if people < 1:
            raise CommandError(_("--people must be at least 1."))
        if districts is not None and districts < 1:
            raise CommandError(_("--districts must be at least 1."))
        day = parse_day(today, "--today") or dt.date.today()
        if not synthetic.is_empty():
            if not force:
                raise CommandError(
                    _("The database is not empty. Use --force to delete every community record first.")
                )
            synthetic.wipe()
        began = time.perf_counter()
        if districts is None:
            summary = synthetic.build(people, seed=seed, today=day)
        else:
            summary = synthetic.build_regency(districts, people, seed=seed, today=day)
        if connection.vendor == "postgresql":
            # fresh planner statistics: until autovacuum runs, PostgreSQL would plan the pages
            # as if the tables held a few hundred rows (seen: 133 estimated for 20,000 people)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        counts = ", ".join(f"{k}: {v}" for k, v in asdict(summary).items())
        self.stdout.write(
            _("Synthetic community created in %(seconds).1f s (%(counts)s).")
            % {"seconds": time.perf_counter() - began, "counts": counts}
        )
