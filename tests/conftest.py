"""Personas: a facilitator, a member and a coordinator, and an outsider for each.

World: district D holds villages V1 (group G1) and V2 (group G2); district E holds village W
(group H). The facilitator looks after G1; the coordinator reads district D; the member
belongs to G1. Each outsider has the same role somewhere else (group H, district E).
"""

import os
import re
import shutil

os.environ.setdefault("TESTING", "true")
os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from collections.abc import Callable, Mapping  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402

from groups.models import Area, AreaLevel, Assignment, Group, Person, StaffRole  # noqa: E402

from . import factories as f  # noqa: E402


@dataclass
class World:
    district: Area
    village: Area
    village2: Area
    other_district: Area
    other_village: Area
    group: Group
    group2: Group
    other_group: Group
    member_person: Person
    member2_person: Person
    other_member_person: Person


@pytest.fixture
def world(db) -> World:
    district = f.AreaFactory(ref="D", name="Kecamatan Kertek", level=AreaLevel.DISTRICT)
    village = f.VillageFactory(ref="V1", name="Desa Sumberejo", parent=district)
    village2 = f.VillageFactory(ref="V2", name="Desa Candimulyo", parent=district)
    other_district = f.AreaFactory(ref="E", name="Kecamatan Lain", level=AreaLevel.DISTRICT)
    other_village = f.VillageFactory(ref="W", name="Desa Lain", parent=other_district)
    group = f.GroupFactory(ref="G1", name="Arisan RT 03", area=village)
    group2 = f.GroupFactory(ref="G2", name="Karang Taruna", area=village2)
    other_group = f.GroupFactory(ref="H", name="Kelompok Lain", area=other_village)
    member_person = f.PersonFactory(ref="P-MEMBER", full_name="Sri Handayani", area=village)
    member2_person = f.PersonFactory(ref="P-MEMBER2", full_name="Siti Maryati", area=village)
    other_member_person = f.PersonFactory(ref="P-OTHER", full_name="Orang Lain", area=other_village)
    f.MembershipFactory(person=member_person, group=group)
    f.MembershipFactory(person=member2_person, group=group)
    f.MembershipFactory(person=other_member_person, group=other_group)
    return World(
        district, village, village2, other_district, other_village, group, group2, other_group,
        member_person, member2_person, other_member_person,
    )


@pytest.fixture
def facilitator(world):
    user = f.UserFactory(username="fasilitator")
    world.group.facilitators.add(user)
    return user


@pytest.fixture
def other_facilitator(world):
    user = f.UserFactory(username="fasilitator-lain")
    world.other_group.facilitators.add(user)
    return user


@pytest.fixture
def coordinator(world):
    user = f.UserFactory(username="koordinator")
    Assignment.objects.create(user=user, role=StaffRole.COORDINATOR, area=world.district)
    return user


@pytest.fixture
def other_coordinator(world):
    user = f.UserFactory(username="koordinator-lain")
    Assignment.objects.create(user=user, role=StaffRole.COORDINATOR, area=world.other_district)
    return user


@pytest.fixture
def member(world):
    user = f.UserFactory(username="anggota")
    world.member_person.user = user
    world.member_person.save()
    return user


@pytest.fixture
def member2(world):
    user = f.UserFactory(username="anggota2")
    world.member2_person.user = user
    world.member2_person.save()
    return user


@pytest.fixture
def other_member(world):
    user = f.UserFactory(username="anggota-lain")
    world.other_member_person.user = user
    world.other_member_person.save()
    return user


@pytest.fixture
def staff(db):
    return f.UserFactory(username="admin", is_staff=True, is_superuser=True)


# --- mixed and narrower roles (names are decided per person, not per viewer) -------------------


@pytest.fixture
def village2_facilitator(world):
    """A facilitator assigned to village V2: the coordinator's district, not G1's village."""
    user = f.UserFactory(username="fasilitator-desa2")
    Assignment.objects.create(user=user, role=StaffRole.FACILITATOR, area=world.village2)
    return user


@pytest.fixture
def mixed(world):
    """Both roles: coordinator of district D without name rights, and facilitator of G2 (V2)."""
    user = f.UserFactory(username="koordinator-fasilitator")
    Assignment.objects.create(user=user, role=StaffRole.COORDINATOR, area=world.district)
    world.group2.facilitators.add(user)
    return user


@pytest.fixture
def named_coordinator(world):
    """A coordinator of district D whose assignment allows names."""
    user = f.UserFactory(username="koordinator-nama")
    Assignment.objects.create(user=user, role=StaffRole.COORDINATOR, area=world.district, sees_names=True)
    return user


#: A stored timestamp as text ("2026-12-02 17:15:51.123456+00:00"): its microseconds can hold
#: any four digits, so a search for a phone's digits must look outside it.
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?")


def outside_timestamps(text: str) -> str:
    """The text with every stored timestamp cut out."""
    return TIMESTAMP.sub(" ", text)


# --- the browser -------------------------------------------------------------------------------

#: How the browser tests start Chromium (Playwright drives the system's own; never
#: `playwright install`).
BROWSER_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHROMIUM_NAMES = ("chromium", "chromium-browser")
INSTALL_HINT = (
    "Chromium is needed for the browser tests: install it (apt-get install chromium) "
    "or set $CHROMIUM to its path."
)


def find_chromium(
    environ: Mapping[str, str] = os.environ, which: Callable[[str], str | None] = shutil.which
) -> tuple[str | None, str]:
    """(path, "") of the Chromium to drive: $CHROMIUM if set, else the first on PATH; or
    (None, why not) when there is none."""
    wanted = environ.get("CHROMIUM", "").strip()
    if wanted:
        found = which(wanted)
        if found is None:
            return None, f"$CHROMIUM is {wanted!r}, which is not a program. {INSTALL_HINT}"
        return found, ""
    for name in CHROMIUM_NAMES:
        found = which(name)
        if found is not None:
            return found, ""
    return None, f"No Chromium on PATH. {INSTALL_HINT}"


def without_browser(reason: str, environ: Mapping[str, str] = os.environ):
    """No browser: the browser tests are skipped on a laptop, but fail in CI (CI=true)."""
    if environ.get("CI", "").strip().lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path, reason = find_chromium()
    if path is None:
        without_browser(reason)
    return path


@pytest.fixture
def browser(chromium_path):
    """A headless Chromium driven by Playwright, closed after the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=BROWSER_ARGS)
        yield chromium
        chromium.close()
