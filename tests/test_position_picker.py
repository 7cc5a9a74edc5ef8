"""The group form's position picker: the latitude and longitude stay plain number fields; the
page carries a hidden map (shown by static/js/position.js) and its settings, looking first at
the middle of the user's own placed groups (tests/test_browser_map.py taps it)."""

import json
import re
from decimal import Decimal
from html import unescape

from django.urls import reverse

from groups.maps import INDONESIA, NEAR_ZOOM

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def picker_config(html: str) -> dict:
    return json.loads(unescape(re.search(r'data-position-config="([^"]*)"', html).group(1)))


def test_the_form_keeps_plain_number_fields_and_a_hidden_map(client, facilitator, world):
    client.force_login(facilitator)
    html = client.get(reverse("groups:group_edit", args=["G1"]), **EN).content.decode()
    assert 'type="number" name="latitude"' in html and 'type="number" name="longitude"' in html
    assert '<div class="position-picker" hidden data-position-picker' in html  # script shows it
    assert 'hx-history="false"' in html  # a live map is never kept in htmx's history
    assert "Or tap the group's meeting place on the map" in html
    config = picker_config(html)  # no group of theirs is placed yet: all of Indonesia
    assert config["tiles"] == ""
    assert (config["centre"], config["zoom"]) == (INDONESIA["centre"], INDONESIA["zoom"])


def test_the_map_looks_first_at_the_middle_of_the_users_placed_groups(client, facilitator, world):
    world.group.latitude, world.group.longitude = Decimal("-7.38"), Decimal("109.96")
    world.group.save()
    world.other_group.latitude, world.other_group.longitude = Decimal("-6.0"), Decimal("106.0")
    world.other_group.save()  # not the facilitator's: not looked at
    client.force_login(facilitator)
    config = picker_config(client.get(reverse("groups:group_create"), **EN).content.decode())
    assert (config["centre"], config["zoom"]) == ([-7.38, 109.96], NEAR_ZOOM)


def test_a_position_typed_without_script_is_saved(client, facilitator, world):
    client.force_login(facilitator)
    data = {
        "name": "Arisan RT 03",
        "kind": world.group.kind,
        "area": world.village.pk,
        "how_formed": world.group.how_formed,
        "latitude": "-7.380123",
        "longitude": "109.961234",
    }
    response = client.post(reverse("groups:group_edit", args=["G1"]), data)
    assert response.status_code == 302
    world.group.refresh_from_db()
    assert (world.group.latitude, world.group.longitude) == (Decimal("-7.380123"), Decimal("109.961234"))
