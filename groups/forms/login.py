"""The login form: Django's, with a length check before django-axes records the attempt and
the end of a one-time password's life (issue 9, findings 10 and 11)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from groups.services.registry import one_time_password_expired


class LoginForm(AuthenticationForm):
    def clean_username(self):
        # Django's login form sets max_length without a validator: an overlong name would
        # reach django-axes, whose log of attempts holds 255 characters (a 500 on PostgreSQL).
        username = self.cleaned_data["username"]
        limit = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length
        if len(username) > limit:
            raise forms.ValidationError(
                _("A username has at most %(limit)s characters.") % {"limit": limit}, code="max_length"
            )
        return username

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if one_time_password_expired(user):
            raise forms.ValidationError(
                _(
                    "This one-time password has expired (it works for 7 days). Ask your facilitator "
                    "for a new one."
                ),
                code="expired",
            )
