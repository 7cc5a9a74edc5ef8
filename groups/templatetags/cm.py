"""Small template helpers shared by the registry pages and the navigation."""

import uuid
from decimal import Decimal

from django import template

from groups import access, amounts

register = template.Library()


@register.simple_tag(takes_context=True)
def scope(context):
    """The request user's access.Scope (cached per request), e.g. to show links by role."""
    request = context.get("request")
    return access.scope_for(request) if request is not None else None


@register.filter
def shown_name(person, namer):
    """A person as this viewer (`namer`: their access.Scope) may see them: "Full Name
    (Nickname)" or a pseudonym."""
    if person is None:
        return ""
    return namer.label_of(person)


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
    return namer.names(person)


@register.filter
def activity_name(activity, free_text: bool):
    """An activity's title, or its kind and date where titles are withheld (finding 7)."""
    if free_text and activity.title:
        return activity.title
    return f"{activity.get_kind_display()} {activity.date}"


@register.simple_tag
def new_token() -> str:
    """A fresh one-time token for a form written by hand (see services/submissions.py)."""
    return str(uuid.uuid4())


@register.simple_tag(takes_context=True)
def offline_key(context) -> str:
    """Whose page this is, for the service worker and the outbox (views/offline.py)."""
    from groups.views.offline import offline_key as key_of

    request = context.get("request")
    return key_of(getattr(request, "user", None))


@register.filter
def money(amount) -> str:
    """An amount the Indonesian way (groups/amounts.format_amount): 1.500.000; blank as –."""
    if amount is None or amount == "":
        return "–"
    return amounts.format_amount(Decimal(amount))
