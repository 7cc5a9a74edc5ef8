import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import demo


class Command(BaseCommand):
    help = "Build the demo community (three villages of Kecamatan Kertek) in an empty database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            help="Last day of the demo year, YYYY-MM-DD (default: today). Same date, same data.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already holds a community.",
        )

    def handle(self, *args, today=None, if_empty=False, **options):
        if today:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError as error:
                raise CommandError(_("--today must be a date like 2026-11-28.")) from error
        else:
            day = timezone.localdate()
        if demo.is_seeded():
            if if_empty:
                self.stdout.write(_("The database already holds a community; demo not loaded."))
                self._print_logins()
                return
            raise CommandError(_("The database is not empty: the demo loads only into an empty one."))
        counts = demo.build_demo(day)
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        message = _("Demo community loaded (%(summary)s).") % {"summary": summary}
        self.stdout.write(self.style.SUCCESS(message))
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(_("Demo logins (password: %(password)s):") % {"password": demo.DEMO_PASSWORD})
        for role, username in demo.DEMO_LOGINS.items():
            self.stdout.write(f"  {role}: {username}")
