"""Load the village outlines of an area's map from a GeoJSON file (groups/maps.py checks it).

    python manage.py load_boundaries KEC-KERTEK kertek-desa.geojson

The file replaces the outlines loaded for that area before; a bad file changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from groups import maps
from groups.models import Area


class Command(BaseCommand):
    help = "Load the village outlines of an area's map from a GeoJSON file (replacing those before)."

    def add_arguments(self, parser):
        parser.add_argument("area_ref", help="The area's code (ref), e.g. a district.")
        parser.add_argument("file", type=Path, help="A GeoJSON file of Polygons or MultiPolygons (WGS 84).")

    def handle(self, *args, area_ref, file, **options):
        area = Area.objects.filter(ref=area_ref).first()
        if area is None:
            raise CommandError(_("There is no area with the code %(ref)s.") % {"ref": area_ref})
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise CommandError(_("The file %(name)s cannot be read.") % {"name": file}) from error
        try:
            boundary = maps.load_outlines(area=area, raw=raw, file_name=file.name)
        except maps.OutlineError as error:
            raise CommandError(str(error)) from error
        count = len(boundary.features["features"])
        self.stdout.write(_("%(count)d outlines loaded for %(area)s.") % {"count": count, "area": area.name})
