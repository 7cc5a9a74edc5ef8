import csv
import io

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from groups.models import Area
from groups.transfer import csvfiles, exporter


class Command(BaseCommand):
    help = (
        "Export the community (or one area of it) as CSV files that import_community reads back. "
        "OUTDIR ending in .zip writes a .zip file instead of a folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", help="The folder to write the CSV files into (or a .zip file).")
        parser.add_argument("--area", help="The ref of an area: export only that area and what it touches.")
        parser.add_argument(
            "--pseudonymize",
            action="store_true",
            help="Replace people's names with stable pseudonyms and leave out nicknames and phones.",
        )

    def handle(self, *args, outdir, area=None, pseudonymize=False, **options):
        chosen = None
        if area:
            chosen = Area.objects.filter(ref=area).first()
            if chosen is None:
                raise CommandError(_("There is no area with the code “%(ref)s”.") % {"ref": area})
        texts = exporter.export_community(area=chosen, pseudonymize=pseudonymize)
        if outdir.lower().endswith(".zip"):
            with open(outdir, "wb") as handle:
                handle.write(csvfiles.zip_bytes(texts))
        else:
            csvfiles.write_folder(outdir, texts)
        rows = sum(len(list(csv.reader(io.StringIO(text, newline="")))) - 1 for text in texts.values())
        self.stdout.write(
            self.style.SUCCESS(
                _("Exported %(rows)s rows in %(files)s files to %(path)s.")
                % {"rows": rows, "files": len(texts), "path": outdir}
            )
        )
