"""Query-string forms of the score and network downloads (same period filter as the reports)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from groups.forms.reports import ReportFilterForm

GRAPHML, GEXF = "graphml", "gexf"
EXCHANGES, TIES = "exchanges", "ties"


class NetworkDownloadForm(ReportFilterForm):
    """Which network, in which file format, for which period and resource type."""

    format = forms.ChoiceField(
        label=_("File format"),
        choices=[(GRAPHML, _("GraphML")), (GEXF, _("GEXF (for Gephi)"))],
        required=False,
    )
    network = forms.ChoiceField(
        label=_("Network"),
        choices=[
            (EXCHANGES, _("Exchanges (who gave to whom)")),
            (TIES, _("Ties (who exchanged with whom, either way)")),
        ],
        required=False,
    )

    def clean(self):
        data = super().clean()
        data["format"] = data.get("format") or GRAPHML
        data["network"] = data.get("network") or EXCHANGES
        return data
