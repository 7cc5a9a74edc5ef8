"""Forms of CSV import and export. They check the upload's size and names and the export's
choices; reading the files is the importer's job (groups/transfer/)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

MAX_UPLOAD_MB = 50
MAX_UPLOAD_FILES = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files; cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".zip,.csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return [super().clean(None, initial)]  # raises "required"
        if not isinstance(data, list | tuple):
            data = [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in data]


class ImportUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Files to import"),
        help_text=_("A .zip of the CSV files, or the CSV files themselves (you may choose several)."),
    )

    def clean_files(self):
        files = [f for f in self.cleaned_data["files"] if f]
        if len(files) > MAX_UPLOAD_FILES:
            raise forms.ValidationError(
                ngettext(
                    "Choose at most %(count)s file.", "Choose at most %(count)s files.", MAX_UPLOAD_FILES
                )
                % {"count": MAX_UPLOAD_FILES}
            )
        if sum(f.size for f in files) > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The upload is larger than %(size)s MB. Put the files in a .zip, or import them in parts.")
                % {"size": MAX_UPLOAD_MB}
            )
        names = [upload.name.lower() for upload in files]
        for upload in files:
            if not upload.name.lower().endswith((".zip", ".csv")):
                raise forms.ValidationError(
                    _("“%(name)s” is neither a .zip nor a .csv file.") % {"name": upload.name[:100]}
                )
            if names.count(upload.name.lower()) > 1:
                raise forms.ValidationError(
                    _("The file “%(name)s” is there twice.") % {"name": upload.name[:100]}
                )
        if len(files) > 1 and any(name.endswith(".zip") for name in names):
            raise forms.ValidationError(_("Upload either one .zip file or CSV files, not both."))
        return files


class ExportForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Area"), queryset=None, to_field_name="ref")
    pseudonymize = forms.BooleanField(
        label=_("Replace names with pseudonyms"),
        required=False,
        help_text=_(
            "Names become codes such as “Warga 7F3A2C” (the same each time); nicknames, "
            "phone numbers, gender, birth years and notes are left out. Codes (refs) are kept."
        ),
    )

    def __init__(self, *args, areas, whole_allowed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["area"].empty_label = _("Choose an area")
        if whole_allowed:
            self.fields["area"].required = False
            self.fields["area"].empty_label = _("Everything (all areas)")
