import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from groups.scores import reading, snapshots
from groups.scores.areas import communities

from ._scores_args import add_window_arguments, areas_option, window_options


class Command(BaseCommand):
    help = (
        "Compute score snapshots now (synchronously) for the community (district) of one area, "
        "or every community; an area above the districts computes each of its districts. "
        "--enqueue leaves them to the background workers instead."
    )
    # No system checks: they import every URL and view (about 0.6 s) for a command that serves
    # no page; `manage.py check`, the test suite and every server start still run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        add_window_arguments(parser)
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Only areas without a computed snapshot of that window (used by `make run`).",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=(
                "Queue one snapshot task per community (district) and return: the workers "
                "(`manage.py run_worker`, one or more, on any host) compute them in parallel, "
                "each district claimed by one worker."
            ),
        )

    def handle(self, *args, **options):
        start, end = window_options(options)
        failed = 0
        for area in communities(areas_option(options)):
            if options["if_missing"] and reading.latest_snapshot(area, start, end, options["resource"]):
                continue
            if options["enqueue"]:
                self._enqueue(area, start, end, options["resource"])
                continue
            began = time.perf_counter()
            snapshot = reading.create_snapshot(area, start, end, options["resource"])
            try:
                snapshots.compute_snapshot(snapshot)
            except Exception as error:  # recorded on the snapshot; go on with the next area
                failed += 1
                self.stderr.write(_("%(area)s: failed (%(error)s)") % {"area": area.ref, "error": error})
                continue
            self.stdout.write(
                _(
                    "%(area)s: %(people)s people, %(groups)s groups, %(period_start)s to %(period_end)s, "
                    "%(seconds).2f s"
                )
                % {
                    "area": area.ref,
                    "people": snapshot.area_scores.get("people"),
                    "groups": snapshot.area_scores.get("groups"),
                    "period_start": snapshot.period_start,
                    "period_end": snapshot.period_end,
                    "seconds": time.perf_counter() - began,
                }
            )
        if failed:
            raise CommandError(
                ngettext("%(count)s snapshot failed.", "%(count)s snapshots failed.", failed)
                % {"count": failed}
            )

    def _enqueue(self, area, start, end, resource: str) -> None:
        """One task for the area's community; one already waiting for the key is not asked twice
        (reading.request_snapshot), so running this again while the workers are busy is harmless."""
        snapshot = reading.request_snapshot(area, start, end, resource)
        self.stdout.write(
            _("%(area)s: queued, snapshot %(snapshot)s (%(status)s)")
            % {"area": area.ref, "snapshot": snapshot.pk, "status": snapshot.get_status_display()}
        )
