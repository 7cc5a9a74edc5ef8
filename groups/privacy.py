"""Who may see whose name in reports, and the stable pseudonym shown instead.

Rules:
- facilitators (and staff) see every name: they recorded the people and their consent;
- coordinators see names only when an assignment allows it (Scope.sees_names);
- people without recorded consent (Person.consent_on empty) are named to nobody but
  facilitators, whoever else is looking;
- a member sees their own name and the names of consenting people (they know their group).

A pseudonym is derived from the person's ref with an HMAC keyed by SECRET_KEY, so it is
the same on every page and every day, cannot be reversed without the key, and carries no
hint of the name. Six hex digits keep collisions rare in the largest scope (20,000 people).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

PSEUDONYM_DIGITS = 6


def pseudonym_code(ref: str) -> str:
    """Six upper-case hex digits from an HMAC of the ref (SECRET_KEY as key)."""
    digest = salted_hmac("communitymap.privacy.pseudonym", str(ref)).hexdigest()
    return digest[:PSEUDONYM_DIGITS].upper()


def pseudonym(ref: str) -> str:
    """A stable stand-in name such as "Warga 3F2A9C" (translated word, fixed code)."""
    return gettext("Resident %(code)s") % {"code": pseudonym_code(ref)}


@dataclass(frozen=True)
class Namer:
    """Decides, for one viewer, how each person is shown in a report.

    ``sees_names``: may see the names of people who gave consent.
    ``sees_unconsented``: may also see the names of people without consent (facilitators).
    ``own_person_id``: the viewer's own Person (always shown to them by name).
    """

    sees_names: bool
    sees_unconsented: bool
    own_person_id: int | None = None

    def shows_name(self, *, person_id: int | None, has_consent: bool) -> bool:
        if person_id is not None and person_id == self.own_person_id:
            return True
        if self.sees_unconsented:
            return True
        return self.sees_names and has_consent

    def name(self, *, person_id: int | None, ref: str, full_name: str, has_consent: bool) -> str:
        if self.shows_name(person_id=person_id, has_consent=has_consent):
            return full_name
        return pseudonym(ref)

    def person(self, person) -> str:
        """The shown name of a Person instance (full name or pseudonym)."""
        return self.name(
            person_id=person.pk,
            ref=person.ref,
            full_name=person.full_name,
            has_consent=person.consent_on is not None,
        )


def namer_for(scope) -> Namer:
    """The Namer of an access.Scope: facilitators and staff see all names, coordinators as
    their assignment allows, members consenting people's names and their own."""
    own = scope.person.pk if scope.person is not None else None
    if scope.is_staff or scope.is_facilitator:
        return Namer(sees_names=True, sees_unconsented=True, own_person_id=own)
    if scope.is_coordinator:
        return Namer(sees_names=scope.sees_names, sees_unconsented=False, own_person_id=own)
    return Namer(sees_names=True, sees_unconsented=False, own_person_id=own)
