"""Erasure on request (UU PDP 27/2022, right to erasure).

A person who asks to be removed is anonymised in place rather than deleted: their exchanges,
memberships and attendance stay, so every count and network measure is unchanged, but nothing
identifies them any more — not the person record, not their login, not free text that
quoted their name, not the audit trail.
"""

import re
import secrets

from auditlog.context import disable_auditlog
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from groups import audit
from groups.models import Activity, Exchange, Group, Norm, NormReview, Person

# Free text where someone may have written a person's name: (model, field).
FREE_TEXT = [
    (Exchange, "note"),
    (NormReview, "note"),
    (Activity, "title"),
    (Group, "description"),
    (Norm, "statement"),
]


def _replace_all(text: str, secrets_: list[str], replacement: str) -> str:
    for secret in secrets_:
        # whole words only: erasing "Ani" must not touch "Pertanian"
        text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", replacement, text, flags=re.IGNORECASE)
    return text


def _scrub_free_text(person: Person, names: list[str], nickname: str, replacement: str) -> list:
    """Replace the person's name and phone wherever free text quotes them; their nickname
    ("Bu Sri", shared by many) only in the notes of their own exchanges. Returns the
    (model, pk) of the records changed."""
    changed = []
    for model, field in FREE_TEXT:
        q = Q(pk__in=[])
        for name in names:
            q |= Q(**{f"{field}__icontains": name})
        if model is Exchange and nickname:
            q |= Q(note__icontains=nickname) & (Q(giver_person=person) | Q(receiver_person=person))
        for row in model.objects.filter(q):
            words = list(names)
            if model is Exchange and nickname and person.pk in (row.giver_person_id, row.receiver_person_id):
                words.append(nickname)
            setattr(row, field, _replace_all(getattr(row, field), words, replacement))
            row.save(update_fields=[field])
            changed.append((model, row.pk))
    return changed


def _close_login(person: Person, code: str) -> None:
    user = person.user
    if user is None:
        return
    works_here = user.is_staff or user.assignments.exists() or user.facilitated_groups.exists()
    if works_here:
        return  # a staff account is the organisation's; it is only unlinked from the person
    user.username = f"erased-{code.lower()}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


@transaction.atomic
def erase_person(*, person: Person, by) -> Person:
    """Anonymise `person` in place. Idempotent: erasing an erased person changes nothing."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.erased_at is not None:
        return person
    old_strings = [str(person), person.full_name, person.nickname, person.phone, person.ref]
    code = secrets.token_hex(3).upper()  # random: nothing links it to the old ref or name
    with translation.override(settings.LANGUAGE_CODE):
        label = gettext("Erased %(code)s") % {"code": code}

    with disable_auditlog():  # the entry for this save would hold the old name
        _close_login(person, code)
        person.full_name = label
        person.nickname = ""
        person.phone = ""
        person.birth_year = None
        person.ref = f"ERASED-{code}-{secrets.token_hex(2).upper()}"
        person.user = None
        person.must_change_password = False
        person.erased_at = timezone.now()
        person.save()
        full_name, nickname, phone = old_strings[1:4]
        names = [s for s in (full_name, phone) if len(s.strip()) >= 3]
        quoted_in = _scrub_free_text(person, names, nickname if len(nickname.strip()) >= 3 else "", label)

    audit.mask_person(person, old_strings=old_strings, pseudonym=label, quoted_in=quoted_in)
    audit.record_update(person, {"erased_at": [None, person.erased_at.isoformat()]}, actor=by)
    return person
