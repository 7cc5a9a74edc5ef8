"""Small template helpers shared by the registry pages and the navigation."""

import uuid

from django import template

from groups import access
from groups.privacy import pseudonym

register = template.Library()


@register.simple_tag(takes_context=True)
def scope(context):
    """The request user's access.Scope (cached per request), e.g. to show links by role."""
    request = context.get("request")
    return access.scope_for(request) if request is not None else None


@register.filter
def shown_name(person, namer):
    """A person as this viewer may see them: "Full Name (Nickname)" or a pseudonym."""
    if person is None:
        return ""
    if namer is None or namer.shows_name(person_id=person.pk, has_consent=person.consent_on is not None):
        return str(person)
    return pseudonym(person.ref)


@register.filter
def party_name(party, namer):
    """The giver or receiver of an exchange: an external actor by name, a person as above."""
    if party is None:
        return ""
    if hasattr(party, "full_name"):
        return shown_name(party, namer)
    return party.name


@register.filter
def shows_name(person, namer):
    return namer is None or namer.shows_name(
        person_id=person.pk, has_consent=person.consent_on is not None
    )


@register.simple_tag
def new_token() -> str:
    """A fresh one-time token for a form written by hand (see services/submissions.py)."""
    return str(uuid.uuid4())
