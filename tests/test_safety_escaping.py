"""Names and notes with markup, quotes or script are shown as text everywhere: pages, SVG
pictures, CSV files, GraphML and GEXF."""

import csv
import datetime as dt
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import ActivityKind, Assignment, EntryKind, ExchangeStatus, FundKind, Resource
from groups.scores import reading, snapshots
from groups.services import ledger
from groups.transfer import exporter

from . import factories as f
from .test_safety_urls import project_patterns

EVIL = "<script>alert(1)</script>\"'&"
EVIL_NOTE = "<img src=x onerror=alert(2)> & \"catatan\""


@pytest.fixture
def hostile(world, member, facilitator, coordinator, staff):
    """Everything a user can name, named to break out of HTML, SVG, CSV and XML."""
    Assignment.objects.filter(user=coordinator).update(sees_names=True)  # names on show
    day = timezone.localdate() - dt.timedelta(days=30)
    person = f.PersonFactory(ref="P-EVIL", full_name=EVIL, nickname=EVIL, area=world.village)
    f.MembershipFactory(person=person, group=world.group)
    group = f.GroupFactory(ref="G-EVIL", name=EVIL, area=world.village, description=EVIL_NOTE)
    group.facilitators.add(facilitator)
    f.MembershipFactory(person=person, group=group)
    f.MembershipFactory(person=world.member_person, group=group)
    actor = f.ActorFactory(ref="A-EVIL", name=EVIL, area=world.village)
    norm = f.NormFactory(ref="N-EVIL", group=group, statement=EVIL)
    norm.reviews.create(rating=2, note=EVIL_NOTE)
    activity = f.ActivityFactory(ref="ACT-EVIL", group=group, kind=ActivityKind.TRAINING, title=EVIL,
                                 actor=actor, date=day - dt.timedelta(days=60))
    activity.attendees.add(person)
    for i, resource in enumerate([Resource.MONEY, Resource.EMOTIONAL_SUPPORT, Resource.KNOWLEDGE]):
        f.ExchangeFactory(ref=f"X-EVIL-{i}", giver_person=person, receiver_person=world.member_person,
                          group=group, resource=resource, note=EVIL_NOTE, date=day, amount=1000,
                          unit=EVIL[:16])
        f.ExchangeFactory(giver_person=world.member_person, receiver_person=person, group=group,
                          resource=resource, date=day - dt.timedelta(days=100), note=EVIL_NOTE)
    f.ExchangeFactory(ref="X-EVIL-A", giver_person=None, giver_actor=actor, receiver_person=person,
                      group=group, date=day, status=ExchangeStatus.PENDING, note=EVIL_NOTE)
    fund = ledger.create_fund(group=group, kind=FundKind.ARISAN, name=EVIL[:200], opened_on=day, ref="F-EVIL")
    ledger.record_entry(fund=fund, entry=ledger.NewEntry(
        kind=EntryKind.CONTRIBUTION, date=day, amount=1000, person=person, note=EVIL_NOTE))
    ledger.set_rotation(cycle=fund.cycles.get(), people=[person, world.member_person], how="agreed")
    for area in (world.district, world.village):
        snapshots.compute_snapshot(reading.create_snapshot(area))
    return {"person": person, "group": group, "actor": actor, "norm": norm, "activity": activity}


def page_urls():
    """Every page about the hostile records (one per pattern; forms and lists included)."""
    values = {
        "ref": None, "norm_ref": "N-EVIL", "activity_ref": "ACT-EVIL", "membership_id": None,
        "indicator": "participation", "fund_ref": "F-EVIL",
    }
    urls = []
    for name, route, params in project_patterns():
        if name is None or route.startswith("admin/") or "token" in params:
            continue
        kwargs = {}
        for param in params:
            if param == "ref":
                kwargs[param] = (
                    "P-EVIL" if "people/" in route else "D" if "areas/" in route
                    else "X-EVIL-0" if "exchanges/" in route else "A-EVIL" if "actors/" in route else "G-EVIL"
                )
            elif param == "membership_id":
                from groups.models import Membership

                kwargs[param] = Membership.objects.filter(group__ref="G-EVIL", person__ref="P-EVIL").get().pk
            else:
                kwargs[param] = values[param]
        urls.append(reverse(name, kwargs=kwargs))
    return urls


def svgs(body: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", body, flags=re.DOTALL)


@pytest.mark.slow
@pytest.mark.parametrize("persona", ["facilitator", "coordinator", "staff", "member"])
def test_pages_show_hostile_names_as_text(client, hostile, persona, request):
    client.force_login(request.getfixturevalue(persona))
    shown, pictures = 0, 0
    for url in page_urls():
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        body = response.content.decode()
        for raw in ("<script>alert(1)", "<img src=x", "\"'&"):
            assert raw not in body, f"{url} shows {raw!r} unescaped"
        shown += "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        for svg in svgs(body):
            root = ElementTree.fromstring(svg)  # well-formed: nothing broke out of an attribute
            texts = [t for t in root.itertext() if "alert(1)" in t]
            pictures += bool(texts)
            assert all("<script>" in t for t in texts)  # the name, as inert text
    assert shown >= 3, "the hostile name should appear, escaped, on several pages"
    if persona in ("facilitator", "coordinator"):
        assert pictures >= 1, "the network picture should carry the hostile name as text"


def test_csv_export_keeps_hostile_names_as_exact_cells(hostile, facilitator):
    texts = exporter.export_community(area=None, pseudonymize=False, user=facilitator)
    cells = [cell for text in texts.values() for row in csv.reader(io.StringIO(text)) for cell in row]
    assert EVIL in cells and EVIL_NOTE in cells


def test_score_tables_keep_hostile_names_as_exact_cells(client, hostile, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("groups:scores_download", args=["D"]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    cells = [
        cell for name in archive.namelist()
        for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))) for cell in row
    ]
    assert EVIL in cells


@pytest.mark.parametrize("file_format", ["graphml", "gexf"])
@pytest.mark.parametrize("url_name, ref", [("groups:network_download", "D"),
                                           ("groups:group_network_download", "G-EVIL")])
def test_network_files_are_valid_xml_with_hostile_names_as_values(client, hostile, coordinator,
                                                                  file_format, url_name, ref):
    client.force_login(coordinator)
    response = client.get(reverse(url_name, args=[ref]), {"format": file_format, "network": "exchanges"})
    assert response.status_code == 200
    assert b"<script>" not in response.content
    root = ElementTree.fromstring(response.content)
    values = [el.text for el in root.iter()] + [v for el in root.iter() for v in el.attrib.values()]
    assert EVIL in values
