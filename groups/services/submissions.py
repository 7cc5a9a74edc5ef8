"""Forms that save once. Every create form carries a one-time token (forms.fields.SubmitOnce);
the first post that uses it saves and records the token with the address of what it saved,
in the same transaction. A later post with the same token (double click, Back and resend,
two tabs) saves nothing and is sent there instead. Two posts racing each other meet at the
token's primary key: the second insert waits for the first transaction and then fails, so
one set is saved.

The member's exchange form keeps its own older scheme (the token becomes the exchange's ref,
services/exchanges.record_exchange_once); both give the same answer to the person."""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction

from groups.models import FormSubmission

T = TypeVar("T")


class AlreadySaved(Exception):
    """The form was sent before. `url` shows what it saved; empty when the token is another
    user's (their record is not revealed)."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


def sent_before(*, token: str | None, user) -> AlreadySaved | None:
    """Whether a posted token was used already: checked before the form is validated, since
    what the first post saved can make the second one invalid ("already a member")."""
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    used = FormSubmission.objects.filter(token=token).values_list("user_id", "url").first()
    if used is None:
        return None
    return AlreadySaved(used[1] if used[0] == user.pk else "")


@transaction.atomic
def save_once(*, token: uuid.UUID, user, save: Callable[[], T], url_of: Callable[[T], str]) -> T:
    """Run save() unless this token was used; raise AlreadySaved if it was."""
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token, user=user)
    except IntegrityError:
        earlier = FormSubmission.objects.filter(token=token, user=user).first()
        raise AlreadySaved(earlier.url if earlier is not None else "") from None
    saved = save()
    FormSubmission.objects.filter(token=token).update(url=url_of(saved))
    return saved
