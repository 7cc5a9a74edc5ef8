from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from groups.scores import downloads, reading, snapshots
from groups.scores.areas import communities, districts_below

from ._scores_args import add_window_arguments, areas_option, window_options


class Command(BaseCommand):
    help = (
        "Write people.csv, groups.csv and area.csv of the latest score snapshot of an area's "
        "community, filtered to the area (computed now when there is none for that window). "
        "Without --area, or for an area above the districts, each community in its own folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", help="Folder to write into (created if missing).")
        add_window_arguments(parser)
        parser.add_argument(
            "--pseudonymise", action="store_true", help="Replace people's names with stable pseudonyms."
        )

    def handle(self, *args, outdir, **options):
        start, end = window_options(options)
        areas = areas_option(options)
        if not options.get("area") or districts_below(areas[0]):
            areas = communities(areas)  # one computation per community, none of everything
        root = Path(outdir)
        if not areas:
            raise CommandError(_("There is no area to export."))
        for area in areas:
            snapshot = reading.latest_snapshot(area, start, end, options["resource"])
            if snapshot is None:
                snapshot = snapshots.compute_snapshot(
                    reading.create_snapshot(area, start, end, options["resource"])
                )
            folder = root if len(areas) == 1 else root / area.ref
            folder.mkdir(parents=True, exist_ok=True)
            tables = downloads.score_tables(snapshot, pseudonymise=options["pseudonymise"], area=area)
            for name, text in tables.items():
                (folder / name).write_text(text, encoding="utf-8")
            self.stdout.write(
                _("%(area)s: scores of %(period_start)s to %(period_end)s written to %(folder)s")
                % {
                    "area": area.ref,
                    "period_start": snapshot.period_start,
                    "period_end": snapshot.period_end,
                    "folder": folder,
                }
            )
