"""The report card's query string: which language the card is printed in."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CardLanguageForm(forms.Form):
    """No language is stored per group: a card is in the site's language (the groups' own,
    settings.LANGUAGE_CODE) unless another is chosen."""

    lang = forms.ChoiceField(label=_("Language of the card"), choices=settings.LANGUAGES, required=False)

    def language(self) -> str:
        """The chosen language; the site's for none or an unknown one."""
        if self.is_valid() and self.cleaned_data["lang"]:
            return self.cleaned_data["lang"]
        return settings.LANGUAGE_CODE
