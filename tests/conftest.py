"""Personas: a facilitator, a member and a coordinator, and an outsider for each.

World: district D holds villages V1 (group G1) and V2 (group G2); district E holds village W
(group H). The facilitator looks after G1; the coordinator reads district D; the member
belongs to G1. Each outsider has the same role somewhere else (group H, district E).
"""

import copy
import gc
import os
import re
import shutil
import sys

os.environ.setdefault("TESTING", "true")
os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# As `make test` does (PYTHONDONTWRITEBYTECODE= in the Makefile): pytest keeps the test modules
# it rewrites, so the next run's processes (each collects every file) start seconds sooner
# even where the environment says not to write bytecode.
sys.dont_write_bytecode = False

import datetime as dt  # noqa: E402
from collections.abc import Callable, Mapping  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from decimal import Decimal as D  # noqa: E402

import pytest  # noqa: E402

from groups.models import Area, AreaLevel, Assignment, EntryKind, FundKind, Group, Person, StaffRole  # noqa: E402
from groups.services import ledger  # noqa: E402
from groups.services.ledger import NewEntry  # noqa: E402

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


def build_world() -> World:
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


#: Fixtures whose tests commit for real: they build their own data.
COMMITTING = {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}

#: (test module or None for every module, fixture name) -> the function that builds its rows,
#: once per test module (see Shared). A test module adds its own with
#: `share("fixture_name", builder, __name__)`.
SHARED_BUILDERS: dict[tuple[str | None, str], Callable[[], object]] = {}


def share(name: str, builder: Callable[[], object], module: str | None = None) -> None:
    SHARED_BUILDERS[(module, name)] = builder


class Several(dict):
    """What a shared builder returns to give several fixtures from the same rows (e.g. the
    world and the scores computed on it: `Several(world=..., scored=...)`); a test gets one
    copy of them all, so they keep pointing at each other."""


class Shared:
    """Rows built once per test module inside an outer transaction, as Django's
    TestCase.setUpTestData does: each test runs in a savepoint inside it (pytest-django's `db`)
    and gets its own deep copy of the returned instances, so a test's changes, in the database
    and in Python, end with the test. The outer transaction is rolled back when the module ends
    or a test without these rows (or one that commits) comes, so such a test finds an empty
    database."""

    def __init__(self, blocker):
        self.blocker = blocker
        self.atomic = None
        self.name: str | None = None
        self.value: object = None
        self.copied: Several | None = None  # this test's copy of a Several

    def open(self, key: tuple[str | None, str]) -> None:
        from django.db import connection, transaction

        name = key[1]
        if self.name == name:
            return
        self.close()
        with self.blocker.unblock():
            if connection.in_atomic_block:
                return
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.value, self.name = SHARED_BUILDERS[key](), name
            # Their on-commit callbacks would never run (the block is rolled back); a test
            # starts with none, as it would with the rows built inside it.
            connection.run_on_commit = []

    def close(self) -> None:
        from django.db import transaction

        if self.atomic is not None:
            with self.blocker.unblock():
                transaction.set_rollback(True)
                self.atomic.__exit__(None, None, None)
        self.atomic, self.name, self.value, self.copied = None, None, None, None

    def get(self, name: str, build: Callable[[], object]):
        """A copy of the shared rows' instances, or (a committing test) rows of its own."""
        from django.db import connection

        if not connection.in_atomic_block:
            return build()
        if isinstance(self.value, Several) and name in self.value:
            if self.copied is None:
                self.copied = copy.deepcopy(self.value)
            return self.copied[name]
        if self.name == name:
            return copy.deepcopy(self.value)
        return build()


def _commits(item) -> bool:
    marker = item.get_closest_marker("django_db")
    options = ("transaction", "reset_sequences", "serialized_rollback")
    return bool(set(getattr(item, "fixturenames", ())) & COMMITTING) or bool(
        marker and any(marker.kwargs.get(option) for option in options)
    )


def _shared_key(item) -> tuple[str | None, str] | None:
    """The shared rows a test uses (None for none, or when it commits)."""
    if _commits(item):
        return None
    names = getattr(item, "fixturenames", ())
    module = getattr(getattr(item, "module", None), "__name__", None)
    # a module's own shared rows first: they may hold the world too (see Several)
    for owner, name in sorted(SHARED_BUILDERS, key=lambda key: key[0] is None):
        if name in names and owner in (module, None):
            return (owner, name)
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Within each module, the tests using the same shared rows run together (in their written
    order otherwise), so the rows are built once per module. Modules with a slow test come
    first: with `--dist loadfile` each module goes whole to one worker, and a long module
    handed out last keeps one worker busy while the other has nothing left to do."""
    position = {}
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    for index, item in enumerate(items):
        module = item.nodeid.split("::")[0]
        position.setdefault(module, index)
        item.stash[_ORDER] = (module not in slow, position[module], str(_shared_key(item) or ""), index)
    items.sort(key=lambda item: item.stash[_ORDER])


def pytest_configure(config):
    # Tests make and drop many short-lived objects (requests, querysets, template contexts):
    # at its default threshold (700 more allocations than frees) the cyclic collector runs
    # many times per request. A larger first generation collects the same garbage in fewer
    # passes; each test process stays near 300 MB.
    gc.set_threshold(50_000, 20, 100)
    # xdist would otherwise hand modules out by their number of tests, the modules of one
    # long test (the migrations) last; this keeps the order above.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


_ORDER = pytest.StashKey[tuple]()


def _in_a_roomy_frame(call):
    return call()


# CPython before 3.13 keeps each thread's frames in 16 KB chunks and gives a chunk back to the
# system (munmap) as soon as the last frame in it returns (python/cpython#142183). A request
# through Django's middleware, views and templates crosses such a boundary back and forth, so a
# test spent about a tenth of its time in the kernel mapping and zeroing pages. Each test runs
# inside one frame declared much larger than it is: the interpreter gives that frame a chunk of
# 512 KB, and the test's own frames fit in the rest of it.
_in_a_roomy_frame = type(_in_a_roomy_frame)(
    _in_a_roomy_frame.__code__.replace(co_stacksize=40_000), {}, "_in_a_roomy_frame"
)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    from _pytest import runner

    return _in_a_roomy_frame(lambda: runner.pytest_runtest_protocol(item, nextitem))


@pytest.fixture(scope="module")
def _shared(django_db_blocker):
    shared = Shared(django_db_blocker)
    yield shared
    shared.close()


@pytest.fixture(autouse=True)
def _shared_gate(request, _shared):
    """Opens or closes the shared rows before `db` opens the test's own transaction."""
    key = _shared_key(request.node)
    _shared.copied = None
    if key:
        request.getfixturevalue("django_db_setup")
        _shared.open(key)
    else:
        _shared.close()


@pytest.fixture(autouse=True)
def _django_db_marker(request, _shared_gate) -> None:
    """pytest-django's own (the django_db marker opens the test's transaction), after the gate,
    so that a marked test's transaction also opens inside the shared rows' one."""
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("_django_db_helper")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: no test sees pages another one built
    (groups/scores/page_cache.py)."""
    from django.core.cache import cache

    from groups.scores import page_cache

    cache.clear()
    page_cache.forget_reads()


share("world", build_world)


@pytest.fixture
def world(db, _shared) -> World:
    return _shared.get("world", build_world)


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


def missing_here(reason: str, environ: Mapping[str, str] = os.environ):
    """No browser (or no Redis or PostgreSQL for the tests that need one): the tests that need
    it are skipped on a laptop, but fail in CI (CI=true)."""
    if environ.get("CI", "").strip().lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path, reason = find_chromium()
    if path is None:
        missing_here(reason)
    return path


@pytest.fixture
def browser(chromium_path):
    """A headless Chromium driven by Playwright, closed after the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


# --- a savings group with a ledger (the money figures, import and export) -----------------------


JAN6 = dt.date(2025, 1, 6)


def day(month, d):
    return dt.date(2025, month, d)


def pay(person, lent, on, principal, interest):
    return NewEntry(
        kind=EntryKind.REPAYMENT,
        date=on,
        amount=D(principal + interest),
        person=person,
        loan=lent,
        principal=D(principal),
        interest=D(interest),
    )


def lend(person, amount, on, term=3):
    return NewEntry(
        kind=EntryKind.LOAN,
        date=on,
        amount=D(amount),
        person=person,
        rate_percent_per_month=D(2),
        term_months=term,
        method="flat",
    )


@pytest.fixture
def savings_group(world):
    """Five members (Sri, Siti, Ani, Budi, Citra; Citra leaves on 15 June).
    Savings fund: opening 100.000; five deposits of 200.000 on 6 Jan (savings 1.000.000).
    Loans on 1 Feb at 2% flat over 3 months: Sri 300.000 (100.000 + 6.000 a month, all paid on
    time), Siti 300.000 (only March paid), Ani 150.000 (50.000 + 3.000: March and April paid);
    Budi 100.000 on 10 June over 2 months (first due 10 July). Citra's fine 10.000 on 1 April.
    Social fund: five contributions of 20.000; a grant of 60.000 from the district office on
    1 Feb; a payout of 50.000 to Citra (illness) on 5 May.
    Meetings: 1 Mar (4 of 5 there), 1 Apr (3), 1 May (1) fall on ledger days; 20 Jun does not."""
    group = world.group
    sri, siti = world.member_person, world.member2_person
    ani, budi, citra = (
        f.PersonFactory(ref=f"P-{n}", full_name=n, area=world.village) for n in ("Ani", "Budi", "Citra")
    )
    f.MembershipFactory(person=ani, group=group)
    f.MembershipFactory(person=budi, group=group)
    f.MembershipFactory(person=citra, group=group, left_on=day(6, 15))
    everyone = (sri, siti, ani, budi, citra)
    fund = ledger.create_fund(
        group=group,
        kind=FundKind.SAVINGS_LOAN,
        name="Simpan pinjam",
        opened_on=JAN6,
        opening_balance=D(100000),
    )
    ledger.record_entries(
        fund=fund,
        entries=[NewEntry(kind=EntryKind.DEPOSIT, date=JAN6, amount=D(200000), person=p) for p in everyone],
    )
    loans = ledger.record_entries(
        fund=fund,
        entries=[
            lend(sri, 300000, day(2, 1)),
            lend(siti, 300000, day(2, 1)),
            lend(ani, 150000, day(2, 1)),
        ],
    )
    a, b, c = loans
    ledger.record_entries(
        fund=fund,
        entries=[
            pay(sri, a, day(3, 1), 100000, 6000),
            pay(sri, a, day(4, 1), 100000, 6000),
            pay(sri, a, day(5, 1), 100000, 6000),
            pay(siti, b, day(3, 1), 100000, 6000),
            pay(ani, c, day(3, 1), 50000, 3000),
            pay(ani, c, day(4, 1), 50000, 3000),
            NewEntry(kind=EntryKind.FINE, date=day(4, 1), amount=D(10000), person=citra),
            lend(budi, 100000, day(6, 10), term=2),
        ],
    )
    social = ledger.create_fund(group=group, kind=FundKind.SOCIAL, name="Dana sosial", opened_on=JAN6)
    office = f.ActorFactory(ref="A-DINSOS", name="Dinas Sosial", area=world.district)
    ledger.record_entries(
        fund=social,
        entries=[
            *(NewEntry(kind=EntryKind.CONTRIBUTION, date=JAN6, amount=D(20000), person=p) for p in everyone),
            NewEntry(kind=EntryKind.OUTSIDE_GRANT, date=day(2, 1), amount=D(60000), actor=office),
            NewEntry(kind=EntryKind.PAYOUT, date=day(5, 5), amount=D(50000), person=citra, reason="illness"),
        ],
    )
    for when, present in (
        (day(3, 1), (sri, siti, ani, citra)),
        (day(4, 1), (sri, ani, citra)),
        (day(5, 1), (sri,)),
        (day(6, 20), everyone),
    ):
        f.ActivityFactory(group=group, date=when).attendees.set(present)
    return group


def service_missing(host: str, port: int, what: str) -> str:
    """An empty string when something answers on host:port, else why the tests that need
    `what` cannot run."""
    import socket

    try:
        with socket.create_connection((host, port), timeout=2):
            return ""
    except OSError as error:
        return f"No {what} at {host}:{port} ({error.strerror or error}). Start it to run these tests."


def require_service(host: str, port: int, what: str) -> None:
    """The test goes on when `what` answers on host:port; else see missing_here."""
    reason = service_missing(host, port, what)
    if reason:
        missing_here(reason)


@pytest.fixture(scope="session")
def redis_server() -> None:
    """Redis on 127.0.0.1:6379, as on the CI machine."""
    require_service("127.0.0.1", 6379, "Redis")
