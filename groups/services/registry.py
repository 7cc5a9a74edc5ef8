"""Writes of the facilitator's registry: groups, people, memberships, norms, actors,
activities, member logins and the meeting sheet. Every write is atomic; views pass the
cleaned data of a form, keyword by keyword."""

import datetime as dt
import secrets
import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import (
    Activity,
    ActivityKind,
    Exchange,
    ExternalActor,
    Group,
    Membership,
    Norm,
    NormReview,
    Person,
)
from groups.services.exchanges import record_exchange

PERSON_FIELDS = ("full_name", "nickname", "gender", "birth_year", "area", "phone", "consent_on")


# --- groups ---------------------------------------------------------------------------------


@transaction.atomic
def create_group(*, facilitator=None, **fields) -> Group:
    """Register a group; the facilitator who registers it looks after it from then on."""
    group = Group.objects.create(**fields)
    if facilitator is not None:
        group.facilitators.add(facilitator)
    return group


@transaction.atomic
def update_group(*, group: Group, **fields) -> Group:
    for name, value in fields.items():
        setattr(group, name, value)
    group.save()
    return group


# --- people and memberships -----------------------------------------------------------------


def _apply_person_fields(person: Person, fields: dict, recorded_by) -> None:
    had_consent_on = person.consent_on
    for name in PERSON_FIELDS:
        if name in fields:
            setattr(person, name, fields[name])
    if person.consent_on is None:
        person.consent_recorded_by = None
    elif person.consent_on != had_consent_on:
        person.consent_recorded_by = recorded_by


@transaction.atomic
def create_person(*, recorded_by, **fields) -> Person:
    person = Person()
    _apply_person_fields(person, fields, recorded_by)
    person.save()
    return person


@transaction.atomic
def update_person(*, person: Person, recorded_by, **fields) -> Person:
    """Save a person's details; whoever enters or changes the consent date is recorded."""
    _apply_person_fields(person, fields, recorded_by)
    person.save()
    return person


@transaction.atomic
def add_member(*, group: Group, person: Person, role: str, joined_on=None) -> Membership:
    """Open a membership. A second open one for the same person raises IntegrityError (the
    database constraint decides, so two clicks at once cannot both succeed)."""
    return Membership.objects.create(group=group, person=person, role=role, joined_on=joined_on)


@transaction.atomic
def register_member(*, group: Group, recorded_by, role: str, joined_on=None, **person_fields):
    """A new person and their membership of the group: both or neither."""
    person = create_person(recorded_by=recorded_by, **person_fields)
    membership = add_member(group=group, person=person, role=role, joined_on=joined_on)
    return person, membership


@transaction.atomic
def update_membership(*, membership: Membership, role: str, joined_on=None) -> Membership:
    membership.role = role
    membership.joined_on = joined_on
    membership.save(update_fields=["role", "joined_on"])
    return membership


@transaction.atomic
def end_membership(*, membership: Membership, left_on) -> Membership:
    """Close a membership; the row stays as history."""
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    return membership


# --- norms ----------------------------------------------------------------------------------


@transaction.atomic
def create_norm(*, group: Group, **fields) -> Norm:
    return Norm.objects.create(group=group, **fields)


@transaction.atomic
def update_norm(*, norm: Norm, **fields) -> Norm:
    for name, value in fields.items():
        setattr(norm, name, value)
    norm.save()
    return norm


@transaction.atomic
def retire_norm(*, norm: Norm, retired_on) -> Norm:
    norm.is_active = False
    norm.retired_on = retired_on
    norm.save(update_fields=["is_active", "retired_on"])
    return norm


@transaction.atomic
def add_norm_review(
    *, norm: Norm, reviewed_by, rating: int, reviewed_on, note: str = "", rated_by: str = "", raters=None
) -> NormReview:
    return NormReview.objects.create(
        norm=norm,
        rating=rating,
        reviewed_on=reviewed_on,
        note=note,
        reviewed_by=reviewed_by,
        rated_by=rated_by,
        raters=raters,
    )


# --- external actors and activities ---------------------------------------------------------


@transaction.atomic
def create_actor(**fields) -> ExternalActor:
    return ExternalActor.objects.create(**fields)


@transaction.atomic
def update_actor(*, actor: ExternalActor, **fields) -> ExternalActor:
    for name, value in fields.items():
        setattr(actor, name, value)
    actor.save()
    return actor


class FutureAttendance(ValidationError):
    """Who attended can be known only once the activity has taken place."""


def _check_attendance(date, attendees) -> None:
    if attendees and date is not None and date > timezone.localdate():
        raise FutureAttendance(_("Attendance can be recorded only once the activity has taken place."))


@transaction.atomic
def create_activity(*, group: Group, attendees, **fields) -> Activity:
    _check_attendance(fields.get("date"), attendees)
    activity = Activity.objects.create(group=group, **fields)
    activity.attendees.set(attendees)
    return activity


@transaction.atomic
def update_activity(*, activity: Activity, attendees, **fields) -> Activity:
    _check_attendance(fields.get("date", activity.date), attendees)
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.save()
    activity.attendees.set(attendees)
    return activity


# --- member logins --------------------------------------------------------------------------

# Short, common words that are easy to read out and to type on a phone keyboard.
PASSWORD_WORDS = (
    "padi kopi teh jagung sawah kebun sungai gunung bulan bintang pisang mangga salak nanas "
    "kelapa jeruk tomat cabai bawang garam gula madu ikan ayam bebek kambing sapi kerbau kuda "
    "kucing rumah pintu jalan pasar pohon daun bunga mawar melati angin hujan awan pelangi laut "
    "pantai batik wayang gamelan sepeda perahu kapal kereta buku pena meja kursi lampu payung "
    "topi tikar bambu rotan"
).split()


def generate_one_time_password() -> str:
    """Two words and four digits, e.g. "melati-perahu-4821": readable out loud, used once."""
    first, second = secrets.choice(PASSWORD_WORDS), secrets.choice(PASSWORD_WORDS)
    return f"{first}-{second}-{secrets.randbelow(10_000):04d}"


def username_base(full_name: str) -> str:
    """"Sri Handayani" -> "sri.handayani"; accents dropped; "anggota" when nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_name.lower()).split()
    return ".".join(words)[:30].strip(".") or "anggota"


def _free_username(base: str) -> str:
    User = get_user_model()
    taken = set(
        User.objects.filter(username__istartswith=base).values_list("username", flat=True)
    )
    taken = {name.lower() for name in taken}
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


class LoginNotAllowed(Exception):
    """The person cannot be given a login (no consent, already has one, or not a member login)."""


def is_member_login(user) -> bool:
    """A login that belongs to a member only: no staff rights, no assignments, no groups to
    look after. Facilitators may reset only these, so no one can take over a colleague's account."""
    return not (
        user.is_staff
        or user.is_superuser
        or user.assignments.exists()
        or user.facilitated_groups.exists()
    )


ONE_TIME_PASSWORD_LIFE = dt.timedelta(days=7)


def one_time_password_expired(user) -> bool:
    """A one-time password works until the member chooses their own (which replaces it) and
    for 7 days at most."""
    person = Person.objects.filter(user=user, must_change_password=True).first()
    if person is None or person.password_issued_at is None:
        return False
    return timezone.now() - person.password_issued_at > ONE_TIME_PASSWORD_LIFE


@dataclass(frozen=True)
class OneTimeLogin:
    username: str
    password: str


def create_login(*, person: Person) -> OneTimeLogin:
    """A login for a member with a one-time password to read out; it is shown once and kept
    only as a hash. The member must choose their own password at the first login."""
    if person.user_id is not None:
        raise LoginNotAllowed("has login")
    if not person.has_consent:
        raise LoginNotAllowed("no consent")
    base = username_base(person.full_name)
    for _attempt in range(5):
        password = generate_one_time_password()
        try:
            with transaction.atomic():
                user = get_user_model().objects.create_user(
                    username=_free_username(base), password=password
                )
                # Claim the person only if no one else did in the meantime.
                claimed = Person.objects.filter(pk=person.pk, user__isnull=True).update(
                    user=user, must_change_password=True, password_issued_at=timezone.now()
                )
                if not claimed:
                    raise LoginNotAllowed("has login")
        except IntegrityError:
            continue  # someone took the same username a moment ago: try the next one
        person.user, person.must_change_password = user, True
        return OneTimeLogin(user.username, password)
    raise LoginNotAllowed("no free username")


@transaction.atomic
def reset_login(*, person: Person) -> OneTimeLogin:
    """A new one-time password for a member's existing login; old sessions end with it."""
    user = person.user
    if user is None or not is_member_login(user):
        raise LoginNotAllowed("not a member login")
    password = generate_one_time_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    Person.objects.filter(pk=person.pk).update(must_change_password=True, password_issued_at=timezone.now())
    person.must_change_password = True
    return OneTimeLogin(user.username, password)


@transaction.atomic
def choose_password(*, user, password: str) -> None:
    """The user's own password replaces the one-time one."""
    user.set_password(password)
    user.save(update_fields=["password"])
    Person.objects.filter(user=user).update(must_change_password=False, password_issued_at=None)


# --- meeting sheet --------------------------------------------------------------------------


class SheetRowError(Exception):
    """A row of the sheet could not be saved; nothing of the sheet was."""

    def __init__(self, index: int, error: ValidationError):
        super().__init__(index, error)
        self.index = index
        self.error = error


@transaction.atomic
def record_sheet(*, group: Group, date, rows: list[dict], logged_by) -> list[Exchange]:
    """Every exchange noted at a meeting, confirmed as witnessed: all of them or none.
    `rows` holds dicts with giver, receiver, resource, amount, unit and note."""
    exchanges = []
    for index, row in enumerate(rows):
        try:
            exchanges.append(
                record_exchange(
                    giver=row["giver"],
                    receiver=row["receiver"],
                    resource=row["resource"],
                    amount=row.get("amount"),
                    unit=row.get("unit", ""),
                    note=row.get("note", ""),
                    date=date,
                    group=group,
                    logged_by=logged_by,
                    confirmed=True,
                )
            )
        except ValidationError as error:
            raise SheetRowError(index, error) from error
    # The sheet was filled at a meeting: the group met that day (quiet groups count on it).
    # Attendance stays unrecorded (counted apart, never as zero) until someone ticks it.
    if not group.activities.filter(date=date).exists():
        Activity.objects.create(group=group, kind=ActivityKind.MEETING, date=date)
    return exchanges
