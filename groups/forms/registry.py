"""Forms of the facilitator's registry. They validate and nothing else: views pass
cleaned_data to groups/services/registry.py. Querysets a field may choose from (areas,
people, actors) come in from the view, already limited to the user's scope."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models import (
    RATED_ALONE_ERROR,
    Activity,
    ActorKind,
    ExternalActor,
    Group,
    GroupKind,
    Membership,
    Norm,
    NormReview,
    Person,
    RatedBy,
    Role,
    authority_default,
    raters_of,
    ref_validator,
)

from .fields import DateInput, ModelMultipleChoiceField, SubmitOnce, TextHygieneMixin

PAGE_SIZE = 50


def not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))
    return value


# --- filters (query strings go through forms too) -------------------------------------------


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    page = forms.IntegerField(required=False, min_value=1, max_value=10**6, widget=forms.HiddenInput)
    # the code of the row just before (after) the page asked for (groups/views/paging.py)
    after = forms.CharField(
        required=False, max_length=64, validators=[ref_validator], widget=forms.HiddenInput
    )
    before = forms.CharField(
        required=False, max_length=64, validators=[ref_validator], widget=forms.HiddenInput
    )


class GroupFilterForm(ListFilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *GroupKind.choices]
    )
    area = forms.ModelChoiceField(
        label=_("Area"), required=False, queryset=None, to_field_name="ref", empty_label=_("All areas")
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Group name")
        self.fields["area"].queryset = areas


class PersonFilterForm(ListFilterForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Name or nickname")


class ActorFilterForm(ListFilterForm):
    pass


# --- groups ---------------------------------------------------------------------------------


class GroupForm(TextHygieneMixin, forms.ModelForm):
    class Meta:
        model = Group
        fields = [
            "name", "kind", "area", "how_formed", "formed_on", "meeting_frequency",
            "description", "latitude", "longitude",
        ]
        widgets = {
            "formed_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 3}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        }
        help_texts = {
            "latitude": _("Optional. For example -7.3801 (south of the equator is negative)."),
            "longitude": _("Optional. For example 109.9612."),
        }

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["meeting_frequency"].choices = [
            # One "irregular" choice ("Irregularly"); the empty one only says it is not known.
            ("", _("Not recorded")), *self.fields["meeting_frequency"].choices[1:]
        ]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the group's name."))
        return name

    def clean_formed_on(self):
        return not_in_future(self.cleaned_data["formed_on"])

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if self.has_error("latitude") or self.has_error("longitude"):
            pass
        elif (latitude is None) != (longitude is None):
            self.add_error(
                "longitude" if longitude is None else "latitude",
                _("Give both latitude and longitude for a map position, or neither."),
            )
        else:
            return cleaned
        # Keep a half or wrong position off the instance, so the model's own check of the
        # pair does not repeat the message above.
        cleaned.pop("latitude", None)
        cleaned.pop("longitude", None)
        return cleaned


class GroupCreateForm(SubmitOnce, GroupForm):
    pass


class GroupEditForm(GroupForm):
    class Meta(GroupForm.Meta):
        fields = [*GroupForm.Meta.fields, "is_active"]


# --- people ---------------------------------------------------------------------------------


class PersonForm(TextHygieneMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = ["full_name", "nickname", "gender", "birth_year", "area", "phone", "consent_on"]
        widgets = {
            "consent_on": DateInput,
            "phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["gender"].choices = [("", _("Not recorded")), *self.fields["gender"].choices[1:]]

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the person's full name."))
        return name

    def clean_consent_on(self):
        return not_in_future(self.cleaned_data["consent_on"])


class PersonCreateForm(SubmitOnce, PersonForm):
    """A new person: recorded only with their consent, asked for first."""

    consent_given = forms.BooleanField(
        label=_("The person agreed to be recorded in CommunityMap"),
        help_text=_("Explain what is recorded and who can see it, and ask first."),
        label_suffix="",
    )

    field_order = [*PersonForm.Meta.fields[:-1], "consent_given", "consent_on"]

    class Meta(PersonForm.Meta):
        labels = {"consent_on": _("Consent given on")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_on"].required = True
        self.fields["consent_on"].initial = timezone.localdate
        self.fields["consent_on"].help_text = ""


class DuplicateChoiceForm(forms.Form):
    """After possible duplicates were shown: "a different person" registers anyway."""

    different_person = forms.BooleanField(required=False)


class NewMemberForm(PersonCreateForm):
    """A person not yet known, and their membership of the group, in one step."""

    role = forms.ChoiceField(label=_("Role in the group"), choices=Role.choices, initial=Role.MEMBER)
    joined_on = forms.DateField(label=_("Joined on"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["joined_on"].initial = timezone.localdate


class MembershipAddForm(SubmitOnce, forms.Form):
    """Add someone already known; `candidates` are the people this user may add."""

    person = forms.ModelChoiceField(queryset=None, to_field_name="ref", widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    joined_on = forms.DateField(label=_("Joined on"), required=False, widget=DateInput)

    def __init__(self, *args, group, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["person"].queryset = candidates
        self.fields["person"].error_messages["invalid_choice"] = _(
            "This person cannot be found. Search again."
        )
        self.fields["joined_on"].initial = timezone.localdate

    def clean_person(self):
        person = self.cleaned_data["person"]
        if self.group.memberships.open().filter(person=person).exists():
            raise forms.ValidationError(_("This person is already a member of this group."))
        return person


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or nickname"), required=False, max_length=100)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "joined_on"]
        widgets = {"joined_on": DateInput}

    def clean_joined_on(self):
        joined_on = self.cleaned_data["joined_on"]
        left_on = self.instance.left_on
        if joined_on and left_on and joined_on > left_on:
            raise forms.ValidationError(_("A member cannot leave before joining."))
        return joined_on


class MembershipEndForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        joined_on = self.membership.joined_on
        if joined_on and left_on < joined_on:
            raise forms.ValidationError(_("A member cannot leave before joining."))
        return left_on


# --- norms ----------------------------------------------------------------------------------


class NormForm(TextHygieneMixin, forms.ModelForm):
    class Meta:
        model = Norm
        fields = ["statement", "category", "how_agreed", "agreed_on"]
        widgets = {"statement": forms.Textarea(attrs={"rows": 3}), "agreed_on": DateInput}

    def clean_statement(self):
        statement = self.cleaned_data["statement"].strip()
        if not statement:
            raise forms.ValidationError(_("Write the norm in the group's own words."))
        return statement

    def clean_agreed_on(self):
        return not_in_future(self.cleaned_data["agreed_on"])


class NormCreateForm(SubmitOnce, NormForm):
    pass


class NormRetireForm(forms.Form):
    retired_on = forms.DateField(label=_("Retired on"), widget=DateInput, initial=timezone.localdate)

    def clean_retired_on(self):
        return not_in_future(self.cleaned_data["retired_on"])


class NormReviewForm(SubmitOnce, TextHygieneMixin, forms.ModelForm):
    rating = forms.TypedChoiceField(
        label=_("How well is it kept?"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[
            (1, _("1 – hardly at all")),
            (2, _("2 – seldom")),
            (3, _("3 – about half the time")),
            (4, _("4 – mostly")),
            (5, _("5 – always")),
        ],
    )

    rated_by = forms.ChoiceField(
        label=_("Who rated?"),
        choices=RatedBy.choices,
        initial=RatedBy.GROUP_MEETING,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say who rated the norm.")},
    )
    raters = forms.IntegerField(
        label=_("How many people rated?"),
        required=False,
        min_value=1,
        max_value=10000,
        help_text=_(
            "At a meeting: how many members took part in agreeing the rating. "
            "Members each on their own: how many gave a rating. Leave blank if nobody counted."
        ),
        error_messages={
            "min_value": _("At least one person rates a norm: write 1 or more, or leave it blank."),
            "max_value": _("That is more people than a group has: write at most 10000."),
            "invalid": _("Write the number of people as a whole number, like 12."),
        },
    )

    class Meta:
        model = NormReview
        fields = ["reviewed_on", "rating", "rated_by", "raters", "note"]
        widgets = {"reviewed_on": DateInput, "note": forms.Textarea(attrs={"rows": 3})}

    def clean_reviewed_on(self):
        return not_in_future(self.cleaned_data["reviewed_on"])

    def clean(self):
        data = super().clean()
        if "raters" in data:
            try:
                data["raters"] = raters_of(data.get("rated_by", ""), data["raters"])
            except ValueError:
                self.add_error("raters", RATED_ALONE_ERROR)
        return data


# --- external actors and activities ---------------------------------------------------------


def _authority_kinds() -> str:
    return ", ".join(str(label) for code, label in ActorKind.choices if authority_default(code))


class ActorForm(TextHygieneMixin, forms.ModelForm):
    # Blank follows the kind (models.authority_default); Yes/No set it for this actor only.
    has_authority = forms.TypedChoiceField(
        label=_("Holds power or resources over the community"),
        choices=[("", _("As usual for this kind")), ("True", _("Yes")), ("False", _("No"))],
        coerce=lambda value: value == "True",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ExternalActor
        fields = ["name", "kind", "area", "has_authority"]

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        field = self.fields["has_authority"]
        kind = self.instance.kind if self.instance.pk else None
        if kind:  # editing: say what "as usual" means for this actor's kind
            usual = _("yes") if authority_default(kind) else _("no")
            field.choices = [
                ("", _("As usual for this kind (now: %(usual)s)") % {"usual": usual}),
                *field.choices[1:],
            ]
        field.help_text = _(
            "Its ties count as linking ties, and money, goods or training from it as aid or capacity "
            "building. As usual, these kinds hold it: %(kinds)s; the members' own cooperative, a "
            "business or a mosque committee do not."
        ) % {"kinds": _authority_kinds()}

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the name of the institution."))
        return name


class ActorCreateForm(SubmitOnce, ActorForm):
    pass


class ActivityForm(TextHygieneMixin, forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["kind", "date", "title", "actor", "attendees"]
        widgets = {"date": DateInput, "attendees": forms.CheckboxSelectMultiple}
        field_classes = {"attendees": ModelMultipleChoiceField}
        help_texts = {"attendees": _("Tick everyone who came.")}

    def __init__(self, *args, actors, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = actors
        self.fields["actor"].empty_label = _("None")
        self.fields["attendees"].queryset = members

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = timezone.localdate()
        if day.year < 1900 or day > today + datetime.timedelta(days=366):
            raise forms.ValidationError(
                _("Give a date between 1900 and a year from now.")
            )
        return day

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("date")
        if cleaned.get("attendees") and day is not None and day > timezone.localdate():
            self.add_error(
                "attendees", _("Attendance can be recorded only once the activity has taken place.")
            )
        return cleaned


class ActivityCreateForm(SubmitOnce, ActivityForm):
    pass
