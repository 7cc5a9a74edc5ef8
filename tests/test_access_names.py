"""One door for every access rule: names decided per person, not per viewer.

A person is named to a user who looks after them (facilitates a group they belong to, or is
assigned as facilitator to their village), or, when they gave consent, to a coordinator whose
assignment covering their area allows names. Everyone else sees a stable pseudonym, the same
in pages, downloads, exports and the audit trail, and neither their phone, gender, birth year
nor the notes written about them.

The village (from conftest): district D holds V1 (group G1: Sri, Siti, Rina) and V2 (group
G2: Candra, Dewi); Budi lives in V1 and Eko in V2 in no group. Rina and Dewi gave no consent.
"""

import datetime as dt
import io
import re
import zipfile
from html import unescape
from urllib.parse import parse_qsl, urlencode

import networkx as nx
import pytest
from django.urls import reverse

from groups.models import ActivityKind, Gender, Person
from groups.scores import reading, snapshots
from groups.transfer import exporter

from . import factories as f
from .conftest import Several, build_world, share

PERIOD = {"period": "dates", "start": "2026-01-01", "end": "2026-12-31"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

# key: (ref, full name, phone)
PEOPLE = {
    "sri": ("P-MEMBER", "Sri Handayani", "0811-2000-0001"),
    "siti": ("P-MEMBER2", "Siti Maryati", "0811-2000-0002"),
    "rina": ("P-RINA", "Rina Wulandari", "0811-2000-0003"),
    "budi": ("P-BUDI", "Budi Santoso", "0811-2000-0004"),
    "candra": ("P-CANDRA", "Candra Wijaya", "0811-2000-0005"),
    "dewi": ("P-DEWI", "Dewi Lestari", "0811-2000-0006"),
    "eko": ("P-EKO", "Eko Prasetyo", "0811-2000-0007"),
}
REF_KEY = {ref: key for key, (ref, _name, _phone) in PEOPLE.items()}

#: Who each role sees by name (the rule in the module docstring, worked out by hand).
NAMED = {
    "facilitator": {"sri", "siti", "rina"},  # looks after G1 only: not Budi, their neighbour
    "coordinator": set(),  # district D without name rights
    "mixed": {"candra", "dewi"},  # the same, and looks after G2: its members only
    "village2_facilitator": {"candra", "dewi", "eko"},  # everyone living in V2
    "named_coordinator": {"sri", "siti", "budi", "candra", "eko"},  # consenting people of D
    "staff": set(PEOPLE),
}
#: The widest area whose downloads each role may open (404 above it).
AREA = {
    "facilitator": "V1",
    "coordinator": "D",
    "mixed": "D",
    "village2_facilitator": "V2",
    "named_coordinator": "D",
    "staff": "D",
}
#: Free text that names people, written where each is about.
G1_DESCRIPTION = "Ketua kelompok: Sri Handayani"
G1_ACTIVITY = "Pelatihan di rumah Siti Maryati"
G1_REVIEW = "Sri Handayani selalu datang tepat waktu"
BUDI_NOTE = "Budi Santoso bayar utang ke Sri, hubungi 0811-2000-0004"


@pytest.fixture
def village(world, _shared):
    return _shared.get("village", lambda: build_village(world))


def build_shared_village() -> Several:
    world = build_village(build_world())
    return Several(world=world, village=world)


share("village", build_shared_village, __name__)  # built and scored once for this module


def build_village(world):
    """The people above, their exchanges and notes, and a snapshot of each area for PERIOD."""
    sri, siti = world.member_person, world.member2_person
    sri.phone, sri.gender, sri.birth_year = PEOPLE["sri"][2], Gender.FEMALE, 1980
    sri.save()
    siti.phone, siti.gender, siti.birth_year = PEOPLE["siti"][2], Gender.FEMALE, 1985
    siti.save()

    def person(key, area, **extra):
        ref, name, phone = PEOPLE[key]
        return f.PersonFactory(
            ref=ref, full_name=name, phone=phone, area=area, gender=Gender.MALE, birth_year=1970, **extra
        )

    rina = person("rina", world.village, consent_on=None)
    budi = person("budi", world.village)
    candra = person("candra", world.village2)
    dewi = person("dewi", world.village2, consent_on=None)
    eko = person("eko", world.village2)
    f.MembershipFactory(person=rina, group=world.group)
    f.MembershipFactory(person=candra, group=world.group2)
    f.MembershipFactory(person=dewi, group=world.group2)
    world.group.description = G1_DESCRIPTION
    world.group.save()
    norm = f.NormFactory(ref="N-G1", group=world.group)
    norm.reviews.create(rating=4, note=G1_REVIEW)
    activity = f.ActivityFactory(
        ref="ACT-G1", group=world.group, kind=ActivityKind.TRAINING, title=G1_ACTIVITY
    )
    activity.attendees.add(sri, siti)
    f.ExchangeFactory(ref="X-SRI-SITI", giver_person=sri, receiver_person=siti, group=world.group)
    f.ExchangeFactory(ref="X-SRI-RINA", giver_person=sri, receiver_person=rina, group=world.group)
    f.ExchangeFactory(ref="X-BUDI-SRI", giver_person=budi, receiver_person=sri, note=BUDI_NOTE)
    f.ExchangeFactory(ref="X-CANDRA-DEWI", giver_person=candra, receiver_person=dewi, group=world.group2)
    f.ExchangeFactory(ref="X-EKO-CANDRA", giver_person=eko, receiver_person=candra)
    f.ExchangeFactory(ref="X-SITI-CANDRA", giver_person=siti, receiver_person=candra)
    for area in (world.district, world.village, world.village2):
        snapshots.compute_snapshot(reading.create_snapshot(area, dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    return world


# --- reading what a download names -----------------------------------------------------------------


def zip_texts(response) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name.rsplit("/", 1)[-1]: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def csv_people(text: str) -> dict[str, dict]:
    import csv

    return {row["ref"]: row for row in csv.DictReader(io.StringIO(text))}


def graph_labels(response, fmt: str) -> dict[str, str]:
    reader = nx.read_gexf if fmt == "gexf" else nx.read_graphml
    graph = reader(io.BytesIO(response.content))
    return {node: data.get("label", "") for node, data in graph.nodes(data=True)}


def door_names(client, role: str) -> dict[str, dict[str, str]]:
    """{door: {ref: shown name}} for every download and export the role may open."""
    area = AREA[role]
    doors = {}
    response = client.get(reverse("groups:scores_download", args=[area]), PERIOD)
    assert response.status_code == 200, f"{role} scores {area}"
    doors["scores zip"] = {ref: r["name"] for ref, r in csv_people(zip_texts(response)["people.csv"]).items()}
    for fmt in ("graphml", "gexf"):
        response = client.get(reverse("groups:network_download", args=[area]), {**PERIOD, "format": fmt})
        assert response.status_code == 200, f"{role} network {fmt}"
        doors[f"network {fmt}"] = graph_labels(response, fmt)
    group = "G2" if role == "village2_facilitator" else "G1"
    url = reverse("groups:group_network_download", args=[group])
    response = client.get(url, {**PERIOD, "format": "graphml"})
    assert response.status_code == 200, f"{role} group network"
    doors["group network"] = graph_labels(response, "graphml")
    response = client.get(reverse("groups:export_download"), {"area": area})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip", f"{role} export"
    doors["export"] = {ref: r["name"] for ref, r in csv_people(zip_texts(response)["people.csv"]).items()}
    return doors


# --- the matrix: each door names exactly whom the pages name ------------------------------------


@pytest.mark.parametrize("role", list(NAMED))
def test_downloads_and_exports_name_each_person_as_the_rule_says(client, village, role, request):
    client.force_login(request.getfixturevalue(role))
    failures = []
    for door, shown in door_names(client, role).items():
        people = {REF_KEY[ref]: name for ref, name in shown.items() if ref in REF_KEY}
        assert people, f"{door}: nobody in the file, the check would prove nothing"
        for key, name in people.items():
            real = PEOPLE[key][1]
            if (name == real) != (key in NAMED[role]):
                failures.append(f"{role} {door}: {key} shown as {name!r}")
            if key not in NAMED[role] and not re.fullmatch(r"(Warga|Resident) [0-9A-F]{6}", name):
                failures.append(f"{role} {door}: {key} is not a pseudonym: {name!r}")
    assert not failures, "\n".join(failures)


# --- one test per finding --------------------------------------------------------------------------


def test_finding_1_facilitator_download_names_only_their_people(client, village, facilitator):
    """The facilitator of G1 downloads village V1: their own members by name, their neighbour
    Budi (in no group of theirs) as a pseudonym, as on the dashboard."""
    client.force_login(facilitator)
    budi_ref, budi, budi_phone = PEOPLE["budi"]
    scores = client.get(reverse("groups:scores_download", args=["V1"]), PERIOD)
    people = csv_people(zip_texts(scores)["people.csv"])
    assert people["P-MEMBER"]["name"] == "Sri Handayani"
    assert people["P-RINA"]["name"] == "Rina Wulandari"  # no consent, but theirs to look after
    assert people[budi_ref]["name"] != budi
    for fmt in ("graphml", "gexf"):
        response = client.get(reverse("groups:network_download", args=["V1"]), {**PERIOD, "format": fmt})
        labels = graph_labels(response, fmt)
        assert labels["P-MEMBER2"] == "Siti Maryati"
        assert budi_ref in labels and labels[budi_ref] != budi
        assert budi.encode() not in response.content
    dashboard = client.get(reverse("groups:report_dashboard", args=["V1"]), PERIOD, **EN)
    assert dashboard.status_code == 200 and budi.encode() not in dashboard.content


def test_finding_5_one_facilitator_role_does_not_lift_a_no_names_assignment(client, village, mixed):
    """A coordinator of D without name rights who also looks after G2 sees G2's people by name
    and nobody else: not in exports, reports, person pages or the audit trail."""
    client.force_login(mixed)
    others = [PEOPLE[k] for k in ("sri", "siti", "rina", "budi", "eko")]
    pages = [
        client.get(reverse("groups:export_download"), {"area": "D"}),
        client.get(reverse("groups:scores_download", args=["D"]), PERIOD),
        client.get(reverse("groups:network_download", args=["D"]), PERIOD),
        client.get(reverse("groups:report_dashboard", args=["D"]), PERIOD, **EN),
        client.get(reverse("groups:report_group", args=["G1"]), PERIOD, **EN),
        client.get(reverse("groups:person_list"), **EN),
        client.get(reverse("groups:person_detail", args=["P-MEMBER"]), **EN),
        client.get(reverse("groups:audit_list"), **EN),
    ]
    export = csv_people(zip_texts(pages[0])["people.csv"])
    assert export["P-CANDRA"]["name"] == "Candra Wijaya"  # theirs: named
    assert export["P-CANDRA"]["phone"] == PEOPLE["candra"][2]
    assert export["P-MEMBER"]["name"] != "Sri Handayani" and export["P-MEMBER"]["phone"] == ""
    for response in pages:
        assert response.status_code == 200
        text = body(response)
        for _ref, name, phone in others:
            assert name not in text and phone not in text, (response.request["PATH_INFO"], name)


def test_finding_7_free_text_follows_the_name(client, village, coordinator, facilitator):
    """Notes, review notes, activity titles and group descriptions that name people are
    withheld from a viewer who sees those people as pseudonyms, in pages, audit and exports."""
    client.force_login(coordinator)
    texts = (G1_DESCRIPTION, G1_ACTIVITY, G1_REVIEW, BUDI_NOTE)
    pages = [
        client.get(reverse("groups:group_detail", args=["G1"]), **EN),
        client.get(reverse("groups:activity_detail", args=["G1", "ACT-G1"]), **EN),
        client.get(reverse("groups:norm_detail", args=["G1", "N-G1"]), **EN),
        client.get(reverse("groups:report_group", args=["G1"]), PERIOD, **EN),
        client.get(reverse("groups:exchange_detail", args=["X-BUDI-SRI"]), **EN),
        client.get(reverse("groups:audit_list"), **EN),
        client.get(reverse("groups:export_download"), {"area": "D"}),
    ]
    for response in pages:
        assert response.status_code == 200
        text = body(response)
        for secret in texts:
            assert secret not in text, (response.request["PATH_INFO"], secret)
    assert "Training" in body(pages[1])  # the activity is still there, by its kind
    # those who look after the group read what they wrote
    client.force_login(facilitator)
    assert G1_DESCRIPTION in body(client.get(reverse("groups:group_detail", args=["G1"]), **EN))
    assert G1_ACTIVITY in body(client.get(reverse("groups:activity_detail", args=["G1", "ACT-G1"]), **EN))
    assert G1_REVIEW in body(client.get(reverse("groups:norm_detail", args=["G1", "N-G1"]), **EN))


def test_finding_8_pseudonymised_exports_withhold_gender_and_birth_year(client, village, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("groups:export_download"), {"area": "D"})
    people = csv_people(zip_texts(response)["people.csv"])
    assert set(REF_KEY) <= set(people)
    for ref in REF_KEY:
        assert (people[ref]["gender"], people[ref]["birth_year"]) == ("", ""), ref
    # the operator's --pseudonymize export too
    texts = exporter.export_community(area=village.district, pseudonymize=True)
    for row in csv_people(texts["people"]).values():
        assert (row["gender"], row["birth_year"], row["phone"]) == ("", "", "")
    # a pseudonymised person's exchange notes go with their name
    assert BUDI_NOTE not in texts["exchanges"]


def test_finding_8_named_people_keep_their_details_in_an_export(client, village, named_coordinator):
    client.force_login(named_coordinator)
    people = csv_people(zip_texts(client.get(reverse("groups:export_download"), {"area": "D"}))["people.csv"])
    assert (people["P-MEMBER"]["gender"], people["P-MEMBER"]["birth_year"]) == ("female", "1980")
    assert (people["P-RINA"]["gender"], people["P-RINA"]["birth_year"]) == ("", "")  # no consent


def body(response) -> str:
    """What a response shows: the page (entities decoded) or every file of a zip."""
    if response.get("Content-Type", "").startswith("application/zip"):
        return "\n".join(zip_texts(response).values())
    return unescape(response.content.decode("utf-8", "replace"))


# --- the crawl: every page, fragment and download a user can reach --------------------------------

SEEDS = (
    ("groups:home", []),
    ("groups:group_list", []),
    ("groups:person_list", []),
    ("groups:actor_list", []),
    ("groups:report_dashboard", []),
    ("groups:report_dashboard", ["D"]),
    ("groups:audit_list", []),
    ("groups:exchange_pending", []),
    ("groups:export_download", []),
)
DOWNLOADS = (  # and report pages of PERIOD, whose snapshots the fixture computed
    ("groups:report_dashboard", ["D"], PERIOD),
    ("groups:report_dashboard", ["V1"], PERIOD),
    ("groups:report_group", ["G1"], PERIOD),
    ("groups:report_group", ["G2"], PERIOD),
    *(("groups:report_person", [ref], PERIOD) for ref in REF_KEY),
    ("groups:scores_download", ["D"], PERIOD),
    ("groups:network_download", ["D"], {**PERIOD, "format": "graphml"}),
    ("groups:network_download", ["D"], {**PERIOD, "format": "gexf", "network": "ties"}),
    ("groups:group_network_download", ["G1"], PERIOD),
    ("groups:group_network_download", ["G2"], PERIOD),
    ("groups:export_download", [], {"area": "D"}),
)
SKIP = ("/admin/", "/logout", "/i18n/", "/static/", "/accounts/")
HREF = re.compile(r'(?:href|hx-get)="(/[^"#]*)"')


#: Query parameters that only reorder what a page shows (the areas-within table's columns):
#: one order of each page is enough to see every name it shows.
ORDER_ONLY = ("sort",)


def same_rows(url: str) -> str:
    """The URL without its ORDER_ONLY parameters: pages equal here show the same rows."""
    path, _, query = url.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in ORDER_ONLY]
    return f"{path}?{urlencode(kept)}" if kept else path


def crawl(client, limit: int = 400) -> dict[str, str]:
    """GET every same-site link reachable from the seeds (pages, and each page again as an
    htmx fragment), plus the downloads; {url: what it showed}. Of pages that differ only in
    their order, one is opened."""
    seen: dict[str, str] = {}
    rows_seen: set[str] = set()
    queue = [reverse(name, args=args) for name, args in SEEDS]
    queue += [f"{reverse(name, args=args)}?{urlencode(query)}" for name, args, query in DOWNLOADS]
    while queue and len(seen) < limit:
        url = unescape(queue.pop(0))
        if url in seen or url.startswith(SKIP) or same_rows(url) in rows_seen:
            continue
        rows_seen.add(same_rows(url))
        response = client.get(url, **EN)
        seen[url] = body(response) if response.status_code == 200 else ""
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        fragment = client.get(url, HTTP_HX_REQUEST="true", **EN)
        seen[url + " (htmx)"] = body(fragment) if fragment.status_code == 200 else ""
        queue += [link for link in HREF.findall(response.content.decode()) if unescape(link) not in seen]
    return seen


@pytest.mark.parametrize("role", ["mixed", "coordinator"])
def test_crawl_finds_no_name_or_phone_the_user_may_not_see(client, village, role, request):
    client.force_login(request.getfixturevalue(role))
    pages = crawl(client)
    assert len(pages) > 60  # the crawl did reach the site
    for part in ("/audit/", "/transfer/export/?area=D", "/download/scores/", "/reports/groups/G1/"):
        assert any(part in url and pages[url] for url in pages), part
    hidden = [PEOPLE[k] for k in PEOPLE if k not in NAMED[role]]
    hidden += [(None, text, None) for text in (G1_DESCRIPTION, G1_ACTIVITY, G1_REVIEW, BUDI_NOTE)]
    leaks = [
        f"{url}: {secret}"
        for url, text in pages.items()
        for _ref, name, phone in hidden
        for secret in (name, phone)
        if secret and secret in text
    ]
    assert not leaks, "\n".join(leaks[:20])
    if role == "mixed":  # and the people they look after are named where they appear
        assert any("Candra Wijaya" in text for text in pages.values())


def test_person_without_area_data_is_never_named_by_accident(village, coordinator):
    """Scope.names decides from the person's own area and consent: a coordinator without
    name rights names nobody, not even a consenting person in their district."""
    from groups import access

    scope = access.Scope(coordinator)
    assert not any(scope.names(p) for p in Person.objects.all())
    assert scope.name_of(village.member_person) != "Sri Handayani"
