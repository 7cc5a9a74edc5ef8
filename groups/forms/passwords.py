"""Logging in and choosing a password, in the app's own words.

Django's forms and validators carry their own Indonesian ("Sandi", lower-case "anda", and a
login error that reads "nama pengguna nama pengguna"); these subclasses only swap the words,
so the pages say "kata sandi" and "Anda" like the rest of the app. The validators are the
ones named in settings.AUTH_PASSWORD_VALIDATORS."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from groups.services.registry import one_time_password_expired


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The username or the password is wrong. Check both: capital and small letters count."
        ),
        "inactive": _("This login is switched off. Ask your facilitator (pendamping)."),
    }

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


def _choose_password_fields(form):
    form.fields["new_password1"].label = _("New password")
    form.fields["new_password1"].help_text = password_validation.password_validators_help_text_html()
    form.fields["new_password2"].label = _("New password again")
    form.fields["new_password2"].help_text = _("Type the same password once more, to be sure.")


class ChoosePasswordForm(SetPasswordForm):
    """After a one-time password: the new password twice."""

    error_messages = {"password_mismatch": _("The two passwords are not the same.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _choose_password_fields(self)


class ChangePasswordForm(PasswordChangeForm):
    """Later changes: the current password, then the new one twice."""

    error_messages = {
        "password_mismatch": _("The two passwords are not the same."),
        "password_incorrect": _("Your current password is wrong. Type it again."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        _choose_password_fields(self)


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return _("The password is too much like your %(verbose_name)s.")

    def get_help_text(self):
        return _("Your password must not look like your name or username.")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "This password is too short: use at least %(count)d character.",
            "This password is too short: use at least %(count)d characters.",
            self.min_length,
        ) % {"count": self.min_length}

    def get_help_text(self):
        return ngettext(
            "Your password needs at least %(count)d character.",
            "Your password needs at least %(count)d characters.",
            self.min_length,
        ) % {"count": self.min_length}


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self):
        return _("This password is too common: many people use it. Choose another.")

    def get_help_text(self):
        return _("Your password must not be a common one.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self):
        return _("This password is only digits: add some letters.")

    def get_help_text(self):
        return _("Your password must not be only digits.")
