"""Small rules: no attendance for a future activity, English dates as "2 Dec 2026", date
inputs that say the chosen date in words, one "irregular" meeting frequency."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from groups.models import Activity, MeetingFrequency
from groups.services import registry as services

from . import factories as f
from .factories import once

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.django_db
def test_attendance_cannot_be_recorded_for_a_future_activity(client, world, facilitator):
    client.force_login(facilitator)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = once({"kind": "meeting", "date": tomorrow.isoformat(), "title": "Rapat depan",
                 "attendees": [world.member_person.pk]})
    response = client.post(reverse("groups:activity_create", args=["G1"]), data, **EN)
    assert response.status_code == 200
    assert "Attendance can be recorded only once the activity has taken place." in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_a_future_activity_without_attendance_is_planned(client, world, facilitator):
    client.force_login(facilitator)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = once({"kind": "meeting", "date": tomorrow.isoformat(), "title": "Rapat depan"})
    assert client.post(reverse("groups:activity_create", args=["G1"]), data, **EN).status_code == 302
    assert Activity.objects.get().attendees.count() == 0


@pytest.mark.django_db
def test_the_service_refuses_future_attendance_too(world):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.create_activity(group=world.group, kind="meeting", date=tomorrow, title="x",
                                 attendees=[world.member_person])
    activity = f.ActivityFactory(group=world.group, date=timezone.localdate())
    with pytest.raises(ValidationError):
        services.update_activity(activity=activity, date=tomorrow, attendees=[world.member_person])
    assert not Activity.objects.filter(date=tomorrow).exists()


@pytest.mark.django_db
def test_english_pages_show_dates_day_first(client, world, facilitator):
    f.NormFactory(group=world.group, ref="N-D", agreed_on=dt.date(2026, 12, 2))
    client.force_login(facilitator)
    html = client.get(reverse("groups:norm_detail", args=["G1", "N-D"]), **EN).content.decode()
    assert "2 Dec 2026" in html and "12/02/2026" not in html


@pytest.mark.django_db
def test_the_page_language_is_on_the_html_element(client, facilitator):
    client.force_login(facilitator)
    html = client.get(reverse("groups:group_create"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert '<html lang="id">' in html


@pytest.mark.django_db
def test_date_inputs_say_the_chosen_date_in_words(client, world, facilitator):
    client.force_login(facilitator)
    page = client.get(reverse("groups:norm_create", args=["G1"]), **EN).content.decode()
    assert 'class="date-read"' in page and reverse("groups:date_read") in page
    assert "Day, month and year: the date chosen is written here in words." in page
    words = client.get(reverse("groups:date_read"), {"agreed_on": "2026-12-02"}, **EN)
    assert words.content.decode() == "Wednesday, 2 December 2026"
    client.cookies["django_language"] = "id"
    kata = client.get(reverse("groups:date_read"), {"agreed_on": "2026-12-02"}, HTTP_ACCEPT_LANGUAGE="id")
    assert kata.content.decode() == "Rabu, 2 Desember 2026"


@pytest.mark.django_db
def test_a_bad_date_is_said_plainly(client, facilitator):
    client.force_login(facilitator)
    response = client.get(reverse("groups:date_read"), {"date": "2026-02-30"}, **EN)
    assert response.content.decode() == "Enter a valid date."


@pytest.mark.django_db
def test_one_irregular_frequency(client, world, facilitator):
    client.force_login(facilitator)
    response = client.get(reverse("groups:group_create"), **EN)
    choices = response.context["form"].fields["meeting_frequency"].choices
    with translation.override("en"):
        labels = [str(label) for _value, label in choices]
    assert labels[0] == "Not recorded" and "Not fixed / unknown" not in labels
    assert [label for label in labels if "rregular" in label] == ["Irregularly"]
    assert MeetingFrequency.IRREGULAR in dict(choices)
