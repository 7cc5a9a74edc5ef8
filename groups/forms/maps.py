"""The upload of village outlines for an area's map. Reading the file is groups/maps.py's job."""

from django import forms
from django.utils.translation import gettext_lazy as _

from groups.maps import MAX_BYTES


class OutlinesUploadForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file of the village outlines"),
        help_text=_(
            "A .geojson or .json file with Polygons or MultiPolygons in longitude and latitude "
            "(WGS 84), as QGIS saves it; each outline's name from its “name” or “nama” field. "
            "It replaces the outlines loaded before."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB. Simplify the outlines and try again.")
            )
        return upload


class GeoJSONDownloadForm(forms.Form):
    """?download=1: the GeoJSON as a file to save (for QGIS) rather than shown in the browser."""

    download = forms.BooleanField(label=_("Save as a file"), required=False)

    def attachment(self) -> bool:
        return self.is_valid() and self.cleaned_data["download"]
