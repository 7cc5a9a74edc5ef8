"""When two written names are probably the same person's: the one rule used to warn before a
person is registered twice.

name_key() writes a name the way it sounds, so that the spellings Indonesian names come in
meet: old Dutch-era spelling ("Soekarno"/"Sukarno", "Djoko"/"Joko", "Tjipto"/"Cipto"),
"ch"/"kh" ("Chairul"/"Khairul"), a final "y" for "i" ("Sry"/"Sri"), doubled letters
("Muhammad"/"Muhamad"), case, spacing, accents and honorifics ("Bu Sri", "Pak Joko")."""

import difflib
import re
import unicodedata

from django.db.models import Q, QuerySet

HONORIFICS = {"bu", "ibu", "pak", "bapak", "bpk", "mbak", "mas", "bang", "kak", "h", "hj", "haji", "hajjah"}
# Old spelling first (EYD, 1972), then sounds written two ways; applied in this order.
_SPELLINGS = [("oe", "u"), ("dj", "j"), ("tj", "c"), ("ch", "kh"), ("sj", "sy"), ("nj", "ny"), ("j", "y")]
SIMILAR = 0.88  # difflib ratio of two keys above which names are "similar" (hand-checked pairs)
LIMIT = 8


def name_key(name: str) -> str:
    """A name written the way it sounds: "Sry  HANDAYANI" and "Sri Handajani" give the same key."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    words = [w for w in re.split(r"[^a-z]+", text) if w and w not in HONORIFICS]
    keyed = []
    for word in words:
        for old, new in _SPELLINGS:
            word = word.replace(old, new)
        word = re.sub(r"y$", "i", word)
        word = re.sub(r"(.)\1+", r"\1", word)
        keyed.append(word)
    return " ".join(keyed)


def similar(a: str, b: str) -> bool:
    """Two names probably the same person's: the same key, one key's words all in the other's
    ("Sri Handayani" / "Sri"), or keys that differ by a letter or two."""
    key_a, key_b = name_key(a), name_key(b)
    if not key_a or not key_b:
        return False
    if key_a == key_b:
        return True
    words_a, words_b = set(key_a.split()), set(key_b.split())
    if words_a <= words_b or words_b <= words_a:
        return True
    return difflib.SequenceMatcher(None, key_a, key_b).ratio() >= SIMILAR


def possible_duplicates(people: QuerySet, *, full_name: str, area=None, birth_year=None) -> list:
    """People among `people` (already limited to whom the user may see) with a similar name
    in the same area or born the same year."""
    near = Q(pk__in=[])
    if area is not None:
        near |= Q(area=area)
    if birth_year:
        near |= Q(birth_year=birth_year)
    found = [p for p in people.filter(near).select_related("area").order_by("full_name", "pk")
             if similar(full_name, p.full_name) or (p.nickname and similar(full_name, p.nickname))]
    return found[:LIMIT]
