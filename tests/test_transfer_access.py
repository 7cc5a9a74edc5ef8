"""Imports write only what the same user could write in the forms: the importer's preview
and confirm for every role, members' exchanges kept as they logged and confirmed them, no oracle
in the preview, and an audit record of every import."""

import io
import zipfile
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from groups.models import Assignment, Exchange, ExchangeStatus, Group, ImportRecord, Person, StaffRole
from groups.transfer import csvfiles, importer

from . import factories as f

HEADERS = {name: ",".join(columns) for name, columns in csvfiles.COLUMNS.items()}


@pytest.fixture(autouse=True)
def english(settings, tmp_path, client):
    settings.COMMUNITYMAP_IMPORT_DIR = str(tmp_path / "imports")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def files_of(**texts: str) -> dict[str, bytes]:
    """CSV files by name; each gets its header unless the text starts with one."""
    blobs = {}
    for name, text in texts.items():
        text = text.strip("\n")
        if not text.split("\n", 1)[0].startswith(csvfiles.COLUMNS[name][0]):
            text = HEADERS[name] + "\n" + text
        blobs[f"{name}.csv"] = (text + "\n").encode()
    return blobs


def run(user, **texts: str) -> importer.Plan:
    return importer.import_community(csvfiles.read_files(files_of(**texts)), user=user)


def messages(plan) -> str:
    return " | ".join(p.message for p in plan.problems)


def as_zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "komunitas.zip"
    return upload


def coordinator_with_names(world):
    user = f.UserFactory(username="koordinator-nama")
    Assignment.objects.create(user=user, role=StaffRole.COORDINATOR, area=world.district, sees_names=True)
    return user


def area_facilitator(world):
    user = f.UserFactory(username="pendamping-desa")
    Assignment.objects.create(user=user, role=StaffRole.FACILITATOR, area=world.village)
    return user


# --- finding 2: a coordinator (a read-only role) writes nothing through the import ----------------


def test_finding_2_coordinator_cannot_import(client, world, coordinator, tmp_path):
    person = world.member_person
    before = (person.phone, person.consent_on)
    client.force_login(coordinator)
    assert client.get(reverse("groups:import_upload")).status_code == 403
    files = files_of(
        people="P-MEMBER,Sri Handayani,,,,V1,'+6281100000000,2026-01-02",
        exchanges="X-NEW,2026-01-05,P-MEMBER,P-MEMBER2,money,1000,IDR,G1,,confirmed",
    )
    response = client.post(reverse("groups:import_upload"), {"files": as_zip(files)})
    assert response.status_code == 403
    # The command run for the coordinator refuses too, and so does the importer itself.
    folder = tmp_path / "files"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with pytest.raises(CommandError):
        call_command("import_community", str(folder), user=coordinator.username, stderr=StringIO())
    plan = importer.import_community(csvfiles.read_path(folder), user=coordinator)
    assert "Only facilitators and administrators import" in messages(plan)
    person.refresh_from_db()
    assert (person.phone, person.consent_on) == before
    assert not Exchange.objects.filter(ref="X-NEW").exists()


def test_the_command_without_user_keeps_every_right_and_with_a_facilitator_theirs(
    world, facilitator, tmp_path
):
    folder = tmp_path / "files"
    folder.mkdir()
    for name, data in files_of(groups="G-FAR,Arisan Jauh,arisan,W,,,,,,").items():
        (folder / name).write_bytes(data)
    with pytest.raises(CommandError):
        call_command("import_community", str(folder), user=facilitator.username, stderr=StringIO())
    assert not Group.objects.filter(ref="G-FAR").exists()
    call_command("import_community", str(folder), stdout=StringIO())
    assert Group.objects.filter(ref="G-FAR").exists()


# --- finding 3: a member's word is not rewritten; nobody confirms their own word ----------------


@pytest.fixture
def members_exchange(world, member, member2):
    return f.ExchangeFactory(
        ref="X-SRI",
        date="2026-01-05",
        giver_person=world.member_person,
        receiver_person=world.member2_person,
        resource="money",
        amount=1000,
        group=world.group,
        status=ExchangeStatus.CONFIRMED,
        logged_by=member,
        confirmed_by=member2,
    )


def test_finding_3_import_cannot_rewrite_a_members_exchange(world, facilitator, members_exchange):
    before = Exchange.objects.filter(pk=members_exchange.pk).values().get()
    swapped = "X-SRI,2026-01-05,P-MEMBER2,P-MEMBER,money,9000000,IDR,G1,,confirmed"
    plan = run(facilitator, exchanges=swapped)
    assert [(p.file, p.row, p.column) for p in plan.problems] == [("exchanges.csv", 2, "ref")]
    assert "cannot change who gave, who received, what, how much or its status" in messages(plan)
    assert Exchange.objects.filter(pk=members_exchange.pk).values().get() == before


def test_finding_3_nobody_confirms_their_own_word_through_an_import(world, facilitator, staff):
    for user in (facilitator, staff):
        plan = run(user, exchanges="X-NEW,2026-01-05,P-MEMBER,P-MEMBER2,care,,,G1,,confirmed")
        assert "only the other party may confirm or dispute it" in messages(plan)
        assert not Exchange.objects.filter(ref="X-NEW").exists()
    assert run(facilitator, exchanges="X-NEW,2026-01-05,P-MEMBER,P-MEMBER2,care,,,G1,,").problems == []
    assert Exchange.objects.get(ref="X-NEW").status == ExchangeStatus.PENDING
    plan = run(facilitator, exchanges="X-NEW,2026-01-05,P-MEMBER,P-MEMBER2,care,,,G1,,confirmed")
    assert "cannot change" in messages(plan)  # nor later, by changing the status of their own
    assert Exchange.objects.get(ref="X-NEW").status == ExchangeStatus.PENDING


def test_a_facilitator_may_still_correct_a_note_and_their_own_pending_exchange(
    world, facilitator, members_exchange
):
    assert (
        run(
            facilitator, exchanges="X-SRI,2026-01-05,P-MEMBER,P-MEMBER2,money,1000,IDR,G1,Arisan,confirmed"
        ).problems
        == []
    )
    assert Exchange.objects.get(ref="X-SRI").note == "Arisan"
    run(facilitator, exchanges="X-OWN,2026-01-05,P-MEMBER,P-MEMBER2,money,500,IDR,G1,,")
    assert (
        run(facilitator, exchanges="X-OWN,2026-01-05,P-MEMBER,P-MEMBER2,money,5000,IDR,G1,,").problems == []
    )
    assert Exchange.objects.get(ref="X-OWN").amount == 5000


# --- finding 6: the preview tells no guess from the truth -------------------------------------


def test_finding_6_preview_is_no_oracle_for_people_the_user_does_not_look_after(client, world, facilitator):
    """Siti joined G1 first; the facilitator of G2 added her later: membership rights only.
    Whether the uploaded name and phone are right or wrong, the preview says the same."""
    Person.objects.filter(pk=world.member2_person.pk).update(phone="+6281234567890")
    other = f.UserFactory(username="fasilitator-g2")
    world.group2.facilitators.add(other)
    f.MembershipFactory(person=world.member2_person, group=world.group2)
    client.force_login(other)
    pages = []
    for guess in ("Siti Maryati,,,,V1,'+6281234567890", "Siti Salah,,,,V1,'+6280000000000"):
        response = client.post(
            reverse("groups:import_upload"), {"files": as_zip(files_of(people=f"P-MEMBER2,{guess},"))}
        )
        page = client.get(response["Location"]).content.decode()
        pages.append(page.split("<main", 1)[1].replace(response["Location"].rstrip("/").split("/")[-1], "T"))
    assert "outside the areas and groups you work in" in pages[0]
    assert pages[0] == pages[1]


def test_finding_6_a_coordinator_without_names_gets_no_preview_at_all(client, world, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("groups:import_upload"), {"files": as_zip(files_of(people="P-MEMBER,Sri Handayani,,,,V1,,"))}
    )
    assert response.status_code == 403


# --- finding 13: people only in the villages the person form offers ----------------------------


def test_finding_13_import_cannot_create_people_outside_the_users_areas(client, world, facilitator):
    plan = run(
        facilitator,
        people="P-FAR,Orang Jauh,,,,W,,",
        memberships="P-FAR,G1,member,2026-01-02,",
    )
    assert [(p.file, p.column) for p in plan.problems] == [("people.csv", "area_ref")]
    assert not Person.objects.filter(ref="P-FAR").exists()
    client.force_login(facilitator)  # the form refuses the same village
    response = client.post(
        reverse("groups:membership_create", args=["G1"]),
        {"full_name": "Orang Jauh", "area": world.other_village.pk, "role": "member"},
    )
    assert response.status_code == 200 and not Person.objects.filter(full_name="Orang Jauh").exists()


# --- the audit of an import ----------------------------------------------------------------------


def test_each_import_writes_one_record_and_an_entry_per_changed_person_or_exchange(
    world, facilitator, members_exchange
):
    Person.objects.filter(pk=world.member_person.pk).update(phone="+6281234567890")
    plan = run(
        facilitator,
        people="P-MEMBER,Sri Handayani,,,,V1,'+6289999999988,\nP-NEW,Rohani,,,,V1,,",
        exchanges="X-SRI,2026-01-05,P-MEMBER,P-MEMBER2,money,1000,IDR,G1,Arisan,confirmed",
    )
    assert plan.problems == []
    record = ImportRecord.objects.get()
    assert (
        record.user == facilitator
        and "people.csv" in record.file_names
        and "exchanges.csv" in record.file_names
    )
    assert record.counts["people.csv"] == {"created": 1, "updated": 1}
    assert record.counts["exchanges.csv"] == {"created": 0, "updated": 1}
    person_entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Person),
        object_id=world.member_person.pk,
        action=LogEntry.Action.UPDATE,
        actor=facilitator,
    )
    assert person_entry.actor == facilitator
    old, new = person_entry.changes["phone"]
    assert (old[-2:], new[-2:]) == ("90", "88") and "812345678" not in old and "899999999" not in new
    exchange_entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Exchange),
        object_id=members_exchange.pk,
        action=LogEntry.Action.UPDATE,
        actor=facilitator,
    )
    assert exchange_entry.changes["note"][1] == "Arisan" and exchange_entry.actor == facilitator
    again = run(
        facilitator, exchanges="X-SRI,2026-01-05,P-MEMBER,P-MEMBER2,money,1000,IDR,G1,Arisan,confirmed"
    )
    assert again.problems == [] and again.rows_to_write == 0
    assert ImportRecord.objects.count() == 2  # an import that changes nothing is recorded too


# --- the importer's own role matrix: upload, preview, confirm ----------------------------------

ROLES = [
    "staff",
    "area_facilitator",
    "group_facilitator",
    "coordinator",
    "coordinator_names",
    "member",
    "outsider",
]
# What each role gets: the upload page, and whether its import of a new member of G1 is written.
EXPECTED = {
    "staff": (200, True),
    "area_facilitator": (200, True),
    "group_facilitator": (200, True),
    "coordinator": (403, False),
    "coordinator_names": (403, False),
    "member": (403, False),
    "outsider": (200, False),  # a facilitator of another village: G1 is unknown to them
}
MATRIX_FILES = {
    "people.csv": b"ref,name,area_ref\nP-NEW,Rohani,V1\n",
    "memberships.csv": b"person_ref,group_ref,role,joined_on\nP-NEW,G1,member,2026-01-02\n",
}


@pytest.mark.parametrize("role", ROLES)
def test_import_preview_and_confirm_role_matrix(
    client, world, role, staff, facilitator, coordinator, member, other_facilitator
):
    user = {
        "staff": staff,
        "area_facilitator": area_facilitator(world),
        "group_facilitator": facilitator,
        "coordinator": coordinator,
        "coordinator_names": coordinator_with_names(world),
        "member": member,
        "outsider": other_facilitator,
    }[role]
    page_status, written = EXPECTED[role]
    client.force_login(user)
    assert client.get(reverse("groups:import_upload")).status_code == page_status
    response = client.post(reverse("groups:import_upload"), {"files": as_zip(MATRIX_FILES)})
    if page_status == 403:
        assert response.status_code == 403
        token = "A" * 32
        assert client.get(reverse("groups:import_preview", args=[token])).status_code == 403
        assert client.post(reverse("groups:import_confirm", args=[token])).status_code == 403
    else:
        token = response["Location"].rstrip("/").split("/")[-1]
        preview = client.get(reverse("groups:import_preview", args=[token]))
        assert preview.status_code == 200
        assert ("problem" in preview.content.decode()) is not written
        assert client.post(reverse("groups:import_confirm", args=[token])).status_code == 302
    assert Person.objects.filter(ref="P-NEW").exists() is written


def test_coordinator_menu_leads_to_the_export_not_to_a_forbidden_import(client, coordinator, facilitator):
    # A coordinator exports but may not import: "Import / export" in the menu used to open the
    # import page, which answered 403 ("You may not do this"); the export page offered it too.
    client.force_login(coordinator)
    home = client.get(reverse("groups:home")).content.decode()
    assert reverse("groups:import_upload") not in home
    assert f'href="{reverse("groups:export_download")}"' in home
    export = client.get(reverse("groups:export_download"))
    assert export.status_code == 200
    assert reverse("groups:import_upload") not in export.content.decode()
    # a facilitator, who does both, keeps the import behind the same menu entry
    client.force_login(facilitator)
    assert f'href="{reverse("groups:import_upload")}"' in client.get(reverse("groups:home")).content.decode()
    assert reverse("groups:import_upload") in client.get(reverse("groups:export_download")).content.decode()
