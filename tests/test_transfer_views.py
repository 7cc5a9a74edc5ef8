"""CSV import and export in the browser: upload -> preview -> confirm -> status, and the export."""

import io
import time
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation

from groups.forms import transfer as transfer_forms
from groups.models import Exchange, Group, Person
from groups.transfer import csvfiles, exporter, storage, tasks

FAKE_TOKEN = "A" * 32
GOOD = {
    "people.csv": b"ref,name,gender,area_ref,phone\nP-NEW,Rohani,female,V1,'+6281907112233\n",
    "memberships.csv": b"person_ref,group_ref,role,joined_on\nP-NEW,G1,member,2026-01-02\n",
    "exchanges.csv": b"ref,date,giver_ref,receiver_ref,resource,amount,unit,group_ref\n"
    b"X-NEW,2026-01-05,P-MEMBER,P-NEW,money,50000,IDR,G1\n",
}


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path, client):
    """Uploads go to a fresh folder; pages are asked for in English (the texts tested below)."""
    settings.COMMUNITYMAP_IMPORT_DIR = str(tmp_path / "imports")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield tmp_path / "imports"


def as_zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"data/{name}", data)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "komunitas.zip"
    return upload


def upload(client, files=GOOD, **extra):
    return client.post(reverse("groups:import_upload"), {"files": as_zip(files)}, **extra)


def token_of(response) -> str:
    return response["Location"].rstrip("/").split("/")[-1]


@pytest.fixture
def fclient(client, facilitator):
    client.force_login(facilitator)
    return client


URLS = [
    ("get", "groups:import_upload", False),
    ("get", "groups:import_preview", True),
    ("post", "groups:import_confirm", True),
    ("get", "groups:import_status", True),
    ("get", "groups:import_problems", True),
    ("get", "groups:export_download", False),
]


def url(name, with_token):
    return reverse(name, args=[FAKE_TOKEN]) if with_token else reverse(name)


@pytest.mark.parametrize(("method", "name", "with_token"), URLS)
def test_anonymous_goes_to_login(client, db, method, name, with_token):
    response = getattr(client, method)(url(name, with_token))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("method", "name", "with_token"), URLS)
def test_a_member_may_not_import_or_export(client, member, method, name, with_token):
    client.force_login(member)
    assert getattr(client, method)(url(name, with_token)).status_code == 403


@pytest.mark.parametrize(
    ("method", "name", "with_token"),
    [
        ("put", "groups:import_upload", False),
        ("post", "groups:import_preview", True),
        ("get", "groups:import_confirm", True),
        ("post", "groups:import_status", True),
        ("post", "groups:import_problems", True),
        ("post", "groups:export_download", False),
    ],
)
def test_wrong_method(fclient, method, name, with_token):
    assert getattr(fclient, method)(url(name, with_token)).status_code == 405


@pytest.mark.parametrize("name", ["groups:import_preview", "groups:import_status", "groups:import_problems"])
def test_an_import_of_another_session_is_not_found(client, facilitator, other_facilitator, name):
    client.force_login(facilitator)
    token = token_of(upload(client))
    assert client.get(reverse(name, args=[token])).status_code in (200, 302)
    other = client.__class__()
    other.force_login(other_facilitator)
    assert other.get(reverse(name, args=[token])).status_code == 404
    again = client.__class__()  # the same user, another session: the token is not theirs either
    again.force_login(facilitator)
    assert again.get(reverse(name, args=[token])).status_code == 404
    assert other.post(reverse("groups:import_confirm", args=[token])).status_code == 404
    assert not Person.objects.filter(ref="P-NEW").exists()


def test_upload_page_and_its_htmx_fragment(fclient):
    page = fclient.get(reverse("groups:import_upload"))
    assert page.status_code == 200 and b"<html" in page.content
    assert b"memberships.csv" in page.content and b'type="file"' in page.content
    fragment = fclient.get(reverse("groups:import_upload"), HTTP_HX_REQUEST="true")
    assert (
        fragment.status_code == 200
        and b"<html" not in fragment.content
        and b'type="file"' in fragment.content
    )


def test_upload_preview_confirm_status_writes_the_records(fclient, facilitator, import_dir):
    response = upload(fclient)
    assert response.status_code == 302
    token = token_of(response)
    assert not Person.objects.filter(ref="P-NEW").exists()  # nothing before the confirmation

    preview = fclient.get(response["Location"])
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "people.csv" in text and "Save 3 records" in text

    confirmed = fclient.post(reverse("groups:import_confirm", args=[token]))
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse(
        "groups:import_status", args=[token]
    )
    status = fclient.get(confirmed["Location"])
    assert status.status_code == 200 and "everything was saved" in status.content.decode()
    assert b"every 2s" not in status.content
    assert Person.objects.get(ref="P-NEW").phone == "+6281907112233"
    assert Exchange.objects.get(ref="X-NEW").logged_by == facilitator
    assert not (import_dir / token / "files").exists()  # uploaded files are gone once applied
    # A second press of the button does nothing more.
    assert fclient.post(reverse("groups:import_confirm", args=[token])).status_code == 302
    assert Exchange.objects.filter(ref="X-NEW").count() == 1
    # After confirming, the preview sends to the status page.
    assert fclient.get(reverse("groups:import_preview", args=[token]))["Location"].endswith("/status/")


def test_the_same_files_again_have_nothing_to_import(fclient):
    token = token_of(upload(fclient))
    fclient.post(reverse("groups:import_confirm", args=[token]))
    again = fclient.get(reverse("groups:import_preview", args=[token_of(upload(fclient))]))
    assert "already saved" in again.content.decode()
    assert b"Save " not in again.content


def test_htmx_upload_and_confirm_redirect_by_header(fclient):
    response = upload(fclient, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"].startswith("/transfer/import/")
    token = response["HX-Redirect"].rstrip("/").split("/")[-1]
    preview = fclient.get(reverse("groups:import_preview", args=[token]), HTTP_HX_REQUEST="true")
    assert b"<html" not in preview.content and b"people.csv" in preview.content
    confirmed = fclient.post(reverse("groups:import_confirm", args=[token]), HTTP_HX_REQUEST="true")
    assert confirmed["HX-Redirect"] == reverse("groups:import_status", args=[token])
    status = fclient.get(reverse("groups:import_status", args=[token]), HTTP_HX_REQUEST="true")
    assert b"<html" not in status.content and b"everything was saved" in status.content


def test_problems_are_listed_and_downloadable_and_nothing_is_written(fclient):
    files = {**GOOD, "groups.csv": b"ref,name,kind,area_ref\nG-FAR,Arisan Jauh,arisan,W\nG-BAD,,club,V1\n"}
    token = token_of(upload(fclient, files))
    preview = fclient.get(reverse("groups:import_preview", args=[token])).content.decode()
    assert "3 problems were found" in preview
    assert "groups.csv" in preview and "area_ref" in preview and "outside the areas and groups" in preview
    assert "Save " not in preview
    problems = fclient.get(reverse("groups:import_problems", args=[token]))
    assert problems["Content-Type"].startswith("text/csv")
    lines = problems.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "file,row,column,message" and lines[1].startswith("groups.csv,2,area_ref,")
    assert len(lines) == 4
    assert fclient.post(reverse("groups:import_confirm", args=[token])).status_code == 302
    assert not Group.objects.filter(ref__in=["G-FAR", "G-BAD"]).exists()
    assert not Person.objects.filter(ref="P-NEW").exists()


def test_broken_uploads_give_a_clear_problem(fclient):
    bad_zip = io.BytesIO(b"PK\x03\x04 not really")
    bad_zip.name = "data.zip"
    token = token_of(fclient.post(reverse("groups:import_upload"), {"files": bad_zip}))
    assert "not a valid .zip" in fclient.get(reverse("groups:import_preview", args=[token])).content.decode()
    latin = io.BytesIO("ref,name,area_ref\nP9,Désa,V1\n".encode("cp1252"))
    latin.name = "people.csv"
    token = token_of(fclient.post(reverse("groups:import_upload"), {"files": latin}))
    assert "not UTF-8" in fclient.get(reverse("groups:import_preview", args=[token])).content.decode()


def test_invalid_uploads_are_shown_at_200_and_keep_nothing(fclient, monkeypatch, import_dir):
    response = fclient.post(reverse("groups:import_upload"), {})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    text_file = io.BytesIO(b"hello")
    text_file.name = "notes.txt"
    response = fclient.post(reverse("groups:import_upload"), {"files": text_file})
    assert response.status_code == 200 and "neither a .zip nor a .csv" in response.content.decode()
    first, second = io.BytesIO(b"a"), io.BytesIO(b"b")
    first.name, second.name = "data.zip", "people.csv"
    response = fclient.post(reverse("groups:import_upload"), {"files": [first, second]})
    assert "not both" in response.content.decode()
    first, second = io.BytesIO(b"a"), io.BytesIO(b"b")
    first.name = second.name = "people.csv"
    response = fclient.post(reverse("groups:import_upload"), {"files": [first, second]})
    assert "is there twice" in response.content.decode()
    monkeypatch.setattr(transfer_forms, "MAX_UPLOAD_MB", 0)
    response = upload(fclient, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"<html" not in response.content
    assert "larger than 0 MB" in response.content.decode()
    assert not import_dir.exists() or not any(import_dir.iterdir())


def test_several_csv_files_may_be_uploaded_without_a_zip(fclient):
    files = []
    for name, data in GOOD.items():
        handle = io.BytesIO(data)
        handle.name = name
        files.append(handle)
    token = token_of(fclient.post(reverse("groups:import_upload"), {"files": files}))
    fclient.post(reverse("groups:import_confirm", args=[token]))
    assert Exchange.objects.filter(ref="X-NEW").exists()


def test_a_long_import_runs_in_the_background(fclient, facilitator, monkeypatch):
    monkeypatch.setattr(tasks, "BACKGROUND_ROWS", 0)
    enqueued = []

    class Recorder:
        """The real task, noting what was enqueued (tests run tasks at once: ImmediateBackend)."""

        def enqueue(self, **kwargs):
            enqueued.append(kwargs)
            return real.enqueue(**kwargs)

    real = tasks.run_import
    monkeypatch.setattr(tasks, "run_import", Recorder())
    token = token_of(upload(fclient))
    fclient.post(reverse("groups:import_confirm", args=[token]))
    assert enqueued == [{"token": token, "user_id": facilitator.pk, "language": "en"}]
    assert Exchange.objects.filter(ref="X-NEW").exists()
    assert storage.read_status(token)["state"] == storage.DONE


def test_the_status_page_polls_while_the_import_runs(fclient):
    token = token_of(upload(fclient))
    storage.write_status(
        token, {"state": storage.RUNNING, "progress": {"file": "exchanges.csv", "done": 3000, "total": 12000}}
    )
    page = fclient.get(reverse("groups:import_status", args=[token]))
    text = page.content.decode()
    assert 'hx-trigger="every 2s"' in text and "<progress" in text and 'value="3000"' in text
    assert "3000 of 12000" in text
    assert f'href="{reverse("groups:import_status", args=[token])}"' in text  # works without JavaScript
    fragment = fclient.get(reverse("groups:import_status", args=[token]), HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and b"every 2s" in fragment.content
    storage.write_status(
        token, {"state": storage.FAILED, "problems": [["", None, "", "The database refused a record"]]}
    )
    failed = fclient.get(reverse("groups:import_status", args=[token]), HTTP_HX_REQUEST="true")
    assert b"every 2s" not in failed.content and b"nothing was saved" in failed.content


def test_a_failing_task_reports_instead_of_hanging(fclient, monkeypatch):
    token = token_of(upload(fclient))

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "import_community", boom)
    fclient.post(reverse("groups:import_confirm", args=[token]))
    status = fclient.get(reverse("groups:import_status", args=[token])).content.decode()
    assert "failed unexpectedly" in status
    assert not Person.objects.filter(ref="P-NEW").exists()


def test_old_uploads_are_removed(fclient, import_dir):
    token = token_of(upload(fclient))
    storage.remove_expired(now=time.time() + storage.MAX_AGE_SECONDS + 10)
    assert not (import_dir / token).exists()
    assert fclient.get(reverse("groups:import_preview", args=[token])).status_code == 404


# --- export -----------------------------------------------------------------------------------------


def zip_texts(response) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name.split("/")[-1]: archive.read(name).decode() for name in archive.namelist()}


def test_export_page_and_fragment(fclient):
    page = fclient.get(reverse("groups:export_download"))
    assert page.status_code == 200 and b"Desa Sumberejo" in page.content
    assert b"Kecamatan Lain" not in page.content  # only areas in scope to choose from
    fragment = fclient.get(reverse("groups:export_download"), HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and b"<select" in fragment.content


def test_export_downloads_a_zip_the_import_reads(fclient, world):
    response = fclient.get(reverse("groups:export_download"), {"area": "V1"})
    assert response["Content-Type"] == "application/zip"
    assert 'filename="communitymap-V1-' in response["Content-Disposition"]
    texts = zip_texts(response)
    assert sorted(texts) == sorted(f"{n}.csv" for n in csvfiles.FILE_NAMES)
    assert "Sri Handayani" in texts["people.csv"] and "Orang Lain" not in texts["people.csv"]


def test_export_on_request_and_for_coordinators_without_names_is_pseudonymised(
    client, facilitator, coordinator
):
    client.force_login(facilitator)
    texts = zip_texts(client.get(reverse("groups:export_download"), {"area": "V1", "pseudonymize": "on"}))
    assert (
        "Sri Handayani" not in texts["people.csv"] and exporter.pseudonym("P-MEMBER") in texts["people.csv"]
    )
    client.force_login(coordinator)
    page = client.get(reverse("groups:export_download"))
    assert b"always uses pseudonyms" in page.content
    texts = zip_texts(client.get(reverse("groups:export_download"), {"area": "D"}))
    assert "Sri Handayani" not in texts["people.csv"] and "P-MEMBER" in texts["people.csv"]


def test_export_of_an_area_outside_the_scope_is_refused_at_200(client, other_facilitator, world):
    client.force_login(other_facilitator)
    response = client.get(reverse("groups:export_download"), {"area": "V1"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Select a valid choice" in response.content.decode()


def test_staff_may_export_everything(client, staff, world):
    client.force_login(staff)
    texts = zip_texts(client.get(reverse("groups:export_download"), {"area": ""}))
    assert "Orang Lain" in texts["people.csv"] and "Sri Handayani" in texts["people.csv"]


def test_nav_links_to_import_for_facilitators_only(client, facilitator, member):
    client.force_login(facilitator)
    assert reverse("groups:import_upload").encode() in client.get(reverse("groups:home")).content
    client.force_login(member)
    assert reverse("groups:import_upload").encode() not in client.get(reverse("groups:home")).content
