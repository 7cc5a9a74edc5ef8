"""Report pages built once per snapshot, language and naming class (groups/scores/page_cache.py):
never stale after a recomputation or a write, never another viewer's names, and the second
request does less. The same with Redis (CACHE_URL=redis://..., running at 127.0.0.1:6379 here
and in CI)."""

import re
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communitymap.settings import cache_from_url
from groups.models import Assignment, Person, StaffRole
from groups.privacy import pseudonym
from groups.scores import page_cache

from . import factories as f
from .conftest import share
from .test_reports_views import build_scored, compute, dashboard_url, group_url, person_url, scored  # noqa: F401 (computes the scores)

share("scored", build_scored, __name__)  # built and scored once for this module

pytestmark = pytest.mark.usefixtures("scored")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def villages_url(ref):
    return reverse("groups:report_villages", args=[ref])


def detail_url(ref="G1"):
    return reverse("groups:group_detail", args=[ref])


LIST_URL = reverse("groups:group_list")


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url, **EN)
    assert response.status_code == 200
    return response.content.decode()


def warm_then_recompute_shows_the_new_person(client, named_coordinator, world, monkeypatch):
    """A new snapshot is a new key: the page shows its figures at once, even with no write
    noticed in between (the records' generation held still)."""
    assert "Joko Susilo" not in page(client, named_coordinator, dashboard_url("D"))
    monkeypatch.setattr(page_cache, "records_changed", lambda: None)
    f.PersonFactory(ref="P-JOKO", full_name="Joko Susilo", area=world.village)
    assert "Joko Susilo" not in page(client, named_coordinator, dashboard_url("D"))  # not scored yet
    compute(world.district)
    assert "Joko Susilo" in page(client, named_coordinator, dashboard_url("D"))  # no exchange yet


#: Pages and a name on each that the coordinator with name rights sees and the other does not.
NAMED = [
    (dashboard_url("D"), "Budi Santoso", "P-BUDI"),
    (group_url(), "Budi Santoso", "P-BUDI"),
    (person_url("P-BUDI"), "Sri Handayani", "P-MEMBER"),  # an exchange partner of Budi
    (detail_url(), "Budi Santoso", "P-BUDI"),  # a member of the group
]


def viewers_never_get_each_others_page(client, coordinator, named_coordinator):
    """The coordinator without name rights never gets the page built for the one with them,
    and the other way round, on the dashboard, a group report and a person's profile."""
    for url, name, ref in NAMED:
        assert name in page(client, named_coordinator, url)  # the cache is warm with names
        hidden = page(client, coordinator, url)
        assert name not in hidden
        assert pseudonym(ref) in hidden
    page_cache.records_changed()  # start again, the other one first
    for url, name, _ref in NAMED:
        assert name not in page(client, coordinator, url)
        assert name in page(client, named_coordinator, url)


def test_a_recomputed_snapshot_is_shown_at_once(client, named_coordinator, world, monkeypatch):
    warm_then_recompute_shows_the_new_person(client, named_coordinator, world, monkeypatch)


def test_two_naming_classes_never_share_a_page(client, coordinator, named_coordinator):
    viewers_never_get_each_others_page(client, coordinator, named_coordinator)


def test_a_facilitator_and_a_coordinator_never_share_a_page(client, facilitator, coordinator):
    """G1's facilitator names Budi (a member of G1) on the village's page; the coordinator
    without name rights reads the same village's page from a cache warm with it."""
    assert "Budi Santoso" in page(client, facilitator, dashboard_url("V1"))
    hidden = page(client, coordinator, dashboard_url("V1"))
    assert "Budi Santoso" not in hidden
    assert pseudonym("P-BUDI") in hidden


def test_a_withdrawn_consent_hides_the_name_at_once(client, named_coordinator):
    """A write that changes who is named (no recomputation yet) is seen on the next request."""
    assert "Budi Santoso" in page(client, named_coordinator, dashboard_url("D"))
    budi = Person.objects.get(ref="P-BUDI")
    budi.consent_on = None
    budi.save()
    body = page(client, named_coordinator, dashboard_url("D"))
    assert "Budi Santoso" not in body
    assert pseudonym("P-BUDI") in body


def test_a_new_name_right_is_a_new_class(client, coordinator):
    """Granting names (a bulk update: no signal) changes the viewer's facts, so their key."""
    assert "Budi Santoso" not in page(client, coordinator, dashboard_url("D"))
    Assignment.objects.filter(user=coordinator, role=StaffRole.COORDINATOR).update(sees_names=True)
    assert "Budi Santoso" in page(client, coordinator, dashboard_url("D"))


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **EN).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        dashboard_url("D"), dashboard_url("V1"), group_url(), person_url("P-BUDI"), villages_url("D"),
        detail_url(), LIST_URL,
    ],
)
def test_the_second_request_reads_the_cache(client, coordinator, url):
    client.force_login(coordinator)
    first, second = queries(client, url), queries(client, url)
    assert second <= first - 5, (first, second)


def test_the_group_page_shows_a_new_member_at_once(client, named_coordinator, world):
    """A membership is an everyday write of one district (page_cache.DISTRICT_MODELS): the
    group's page, kept for its district, shows the new member on the next request."""
    joko = f.PersonFactory(ref="P-JOKO", full_name="Joko Susilo", area=world.village)
    assert "Joko Susilo" not in page(client, named_coordinator, detail_url())
    f.MembershipFactory(person=joko, group=world.group)
    assert "Joko Susilo" in page(client, named_coordinator, detail_url())


def test_the_group_page_shows_a_renamed_facilitator_at_once(client, coordinator, facilitator):
    """The group's page names who looks after it: a user account is a record its key covers."""
    assert "Bu Wati" not in page(client, coordinator, detail_url())
    facilitator.first_name, facilitator.last_name = "Bu", "Wati"
    facilitator.save()
    assert "Bu Wati" in page(client, coordinator, detail_url())


def test_the_group_list_is_never_another_viewers(client, coordinator, facilitator):
    """G1's facilitator sees G1 only, the coordinator of the district both groups, whoever
    opened the list first."""
    assert "Karang Taruna" in page(client, coordinator, LIST_URL)
    mine = page(client, facilitator, LIST_URL)
    assert "Arisan RT 03" in mine and "Karang Taruna" not in mine


def test_the_people_list_keeps_each_naming_class_apart(client, coordinator, named_coordinator):
    """The first page of the people list is kept: the coordinator without name rights never
    gets the page built for the one with them, nor the other way round."""
    people = reverse("groups:person_list")
    assert "Budi Santoso" in page(client, named_coordinator, people)
    hidden = page(client, coordinator, people)
    assert "Budi Santoso" not in hidden and pseudonym("P-BUDI") in hidden
    page_cache.records_changed()  # start again, the other one first
    assert "Budi Santoso" not in page(client, coordinator, people)
    assert "Budi Santoso" in page(client, named_coordinator, people)


def test_the_group_list_shows_a_new_group_at_once(client, coordinator, world):
    assert "Kelompok Tani Maju" not in page(client, coordinator, LIST_URL)
    f.GroupFactory(ref="G-NEW", name="Kelompok Tani Maju", area=world.village2)
    assert "Kelompok Tani Maju" in page(client, coordinator, LIST_URL)


def test_a_moved_village_leaves_its_coordinators_scope_at_once(client, coordinator, world):
    """Which areas lie below an assignment is kept in the process until the areas change
    (page_cache.tree_fact): moving a village to another district takes it out at once."""
    client.force_login(coordinator)
    assert client.get(detail_url("G2")).status_code == 200
    world.village2.parent = world.other_district
    world.village2.save()
    assert client.get(detail_url("G2")).status_code == 404


def test_a_role_taken_away_counts_at_once_even_without_a_signal(client, coordinator, world):
    """A user's roles are read afresh for every request, never kept: an assignment moved to
    another district by a bulk update (no signal, no change noted) counts on the next request."""
    client.force_login(coordinator)
    assert client.get(detail_url()).status_code == 200
    Assignment.objects.filter(user=coordinator).update(area=world.other_district)
    assert client.get(detail_url()).status_code == 404


def test_the_kept_filter_form_shows_each_query_its_own_choice(client, coordinator):
    """The report filter's fields are kept once per query: the chosen resource type is selected
    only on the page that chose it, whichever was opened first."""
    chosen = '<option value="money" selected>'
    assert chosen in page(client, coordinator, group_url() + "?resource=money")
    assert chosen not in page(client, coordinator, group_url())
    assert chosen in page(client, coordinator, group_url() + "?resource=money")


def test_the_kept_audit_filter_shows_each_query_its_own_choice(client, coordinator):
    audit_url = reverse("groups:audit_list")
    chosen = '<option value="2" selected>'
    assert chosen in page(client, coordinator, audit_url + "?action=2")
    assert chosen not in page(client, coordinator, audit_url)


def test_another_language_is_another_page(client, named_coordinator):
    client.force_login(named_coordinator)
    assert "Network of groups" in client.get(dashboard_url("D"), **EN).content.decode()
    indonesian = client.get(dashboard_url("D"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Network of groups" not in indonesian
    assert "Jaringan kelompok" in indonesian


# ------------------------------------------------------------------------------- Redis


@pytest.fixture
def redis_cache(redis_server):
    """The default cache in Redis (db 15 of the local server) under a prefix of this test's
    own; its keys are deleted afterwards (never the whole database: others may use it)."""
    prefix = f"test-{uuid.uuid4().hex}"
    config = {**cache_from_url("redis://127.0.0.1:6379/15", None), "KEY_PREFIX": prefix}
    with override_settings(CACHES={"default": config}):
        redis = caches["default"]
        assert redis.__class__.__name__ == "RedisCache"
        yield redis
        client = redis._cache.get_client(write=True)
        for name in client.scan_iter(match=f"{prefix}:*"):
            client.delete(name)


def test_redis_pages_are_never_stale(client, named_coordinator, world, monkeypatch, redis_cache):
    warm_then_recompute_shows_the_new_person(client, named_coordinator, world, monkeypatch)
    assert redis_cache.get(page_cache.GENERATION_KEY) is not None  # the pages were kept in Redis


def test_redis_keeps_viewers_apart(client, coordinator, named_coordinator, redis_cache):
    viewers_never_get_each_others_page(client, coordinator, named_coordinator)
    page_cache.records_changed()  # cold again
    client.force_login(coordinator)
    first, second = queries(client, dashboard_url("D")), queries(client, dashboard_url("D"))
    assert second <= first - 5, (first, second)


@pytest.fixture
def every_text_in_process(monkeypatch):
    """Every kept text is held in this process's memory too, not only the large ones."""
    monkeypatch.setattr(page_cache, "LOCAL_MIN_BYTES", 0)
    monkeypatch.setattr(page_cache, "_local", page_cache.OrderedDict())
    monkeypatch.setattr(page_cache, "_local_bytes", 0)


def test_texts_held_in_the_process_keep_viewers_apart(
    client, coordinator, named_coordinator, every_text_in_process
):
    viewers_never_get_each_others_page(client, coordinator, named_coordinator)


def test_texts_held_in_the_process_are_never_stale(client, named_coordinator, every_text_in_process):
    assert "Budi Santoso" in page(client, named_coordinator, detail_url())
    Person.objects.filter(ref="P-BUDI").update(consent_on=None)  # a bulk write, noted by hand
    page_cache.records_changed()
    body = page(client, named_coordinator, detail_url())
    assert "Budi Santoso" not in body and pseudonym("P-BUDI") in body


def test_texts_held_in_the_process_stay_within_their_memory(monkeypatch, every_text_in_process):
    """The least recently used go first once the texts held pass LOCAL_MAX_BYTES."""
    text = "x" * 1000
    monkeypatch.setattr(page_cache, "LOCAL_MAX_BYTES", 3 * sys.getsizeof(text))
    for name in ("a", "b", "c"):
        page_cache._set_text(name, text)
    assert page_cache._get_text("a") == text  # now the most recently used
    page_cache._set_text("d", text)
    assert list(page_cache._local) == ["c", "a", "d"]
    page_cache._set_text("c", text)  # kept again: counted once
    assert list(page_cache._local) == ["a", "d", "c"]
    assert page_cache._local_bytes == 3 * sys.getsizeof(text)


def test_loadtest_refuses_an_address_it_cannot_drive():
    from django.core.management import CommandError, call_command
    from django.utils import translation

    with translation.override("en"), pytest.raises(CommandError, match="plain http address"):
        call_command("loadtest", base_url="https://example.org", seconds=1)


def kept_blocks(text: str) -> list[str]:
    return re.findall(r"{% kept .*?%}(.*?){% endkept %}", text, flags=re.S)


def test_kept_html_reads_nothing_of_the_request():
    """A kept block is served to every viewer of its naming class: no CSRF token, request or
    user may be read inside it, nor in a template it includes."""
    templates = Path(settings.BASE_DIR) / "templates"
    found = 0
    for path in templates.rglob("*.html"):
        for block in kept_blocks(path.read_text()):
            found += 1
            texts = [block] + [
                (templates / name).read_text() for name in re.findall(r'{% include "([^"]+)"', block)
            ]
            for text in texts:
                assert not re.search(r"csrf|request\.|user\b|{% scope|messages", text), path
    assert found >= 2  # the dashboard and the map


def test_an_unreachable_cache_slows_pages_but_never_breaks_them(client, coordinator, named_coordinator):
    """Redis down (nothing listens on port 1): every page is built as if nothing was kept, with
    the right names for each viewer, and no error."""
    config = {**cache_from_url("redis://127.0.0.1:1/0", None), "KEY_PREFIX": "unreachable"}
    with override_settings(CACHES={"default": config}):
        for url, name, ref in NAMED:
            assert name in page(client, named_coordinator, url)
            hidden = page(client, coordinator, url)
            assert name not in hidden and pseudonym(ref) in hidden
