"""The stable pseudonym shown instead of a name. Whose name a user sees is decided per
person by groups/access.py (Scope.names, Scope.name_of); this module only makes the stand-in.

A pseudonym is derived from the person's ref with an HMAC keyed by SECRET_KEY, so it is
the same on every page and every day, cannot be reversed without the key, and carries no
hint of the name. Six hex digits keep collisions rare in the largest scope (20,000 people).
"""

from __future__ import annotations

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
