"""Export a community as the CSV files of the format, so that an import reads them back.

What an export of an area holds: its groups with their memberships, norms, reviews,
activities and attendance; the people living in it or taking part in those; the exchanges of
those groups or of the people living there; every external actor they name; and every area
these records sit in, with the areas above them (so the files load into an empty database).
A user's export holds only people they may see; rows naming anyone else are left out.
Names are decided per person as on the pages (access.Scope.names); where a person is a
pseudonym, their nickname, phone, gender and birth year are left out too (quasi-identifiers),
and so are the notes of their exchanges. Group descriptions, activity titles and review notes
may name people: left out where the user does not see the group's people by name, and in
every pseudonymised export.
Rows are sorted by ref (or by their matching key), so equal data gives equal files.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q

from groups import access
from groups.models import (
    LEVEL_DEPTH,
    Activity,
    Area,
    AreaLevel,
    Exchange,
    ExternalActor,
    Group,
    Membership,
    Norm,
    NormReview,
    Person,
)
from groups.privacy import pseudonym_code

from . import funds
from .csvfiles import FILE_NAMES, table_text

CHUNK = 2000
PSEUDONYM_WORD = "Warga"  # fixed, not translated: the same data gives the same files


def pseudonym(ref: str) -> str:
    """A stable stand-in name: an HMAC of the ref keyed by SECRET_KEY (as in the reports)."""
    return f"{PSEUDONYM_WORD} {pseudonym_code(ref)}"


def is_pseudonym(name: str, ref: str) -> bool:
    return name == pseudonym(ref)


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _by_pk(model, pks, fields) -> list[dict]:
    rows = []
    pks = sorted(pks)
    for start in range(0, len(pks), CHUNK):
        rows.extend(model.objects.filter(pk__in=pks[start : start + CHUNK]).values("pk", *fields))
    return rows


GROUP_FIELDS = [
    "ref",
    "name",
    "kind",
    "area_id",
    "formed_on",
    "how_formed",
    "meeting_frequency",
    "description",
    "latitude",
    "longitude",
]
PERSON_FIELDS = ["ref", "full_name", "nickname", "gender", "birth_year", "area_id", "phone", "consent_on"]
EXCHANGE_FIELDS = [
    "ref",
    "date",
    "giver_person_id",
    "giver_actor_id",
    "receiver_person_id",
    "receiver_actor_id",
    "resource",
    "amount",
    "unit",
    "group_id",
    "note",
    "status",
]


def export_community(*, area: Area | None = None, pseudonymize: bool = False, user=None) -> dict[str, str]:
    """The text of each file. `user` limits the export to what they may see (None: everything)."""
    scope = access.Scope(user) if user is not None and not user.is_staff else None

    groups, home_people, exchanges = _sources(area, scope)
    rows = _group_rows(groups)
    rows.update(funds.money_rows(groups))
    rows["exchanges"] = list(exchanges.values(*EXCHANGE_FIELDS))
    _add_people(rows, home_people, scope)
    _add_outside_groups(rows, scope)
    _add_actors(rows, area, scope)
    all_areas, wanted = _areas(rows, area, scope)
    tables = _tables(rows, all_areas, wanted, scope=scope, pseudonymize=pseudonymize)
    return {name: table_text(name, ([cell(v) for v in row] for row in tables[name])) for name in FILE_NAMES}


def _sources(area: Area | None, scope):
    """The groups, the people living here, and the exchanges an export starts from."""
    groups = Group.objects.all() if area is None else Group.objects.in_area(area)
    home_people = Person.objects.all() if area is None else Person.objects.in_area(area)
    if area is None:
        exchanges = Exchange.objects.all()
    else:
        exchanges = Exchange.objects.filter(
            Q(group__in=groups) | Q(giver_person__in=home_people) | Q(receiver_person__in=home_people)
        )
    if scope is not None:
        groups = groups.filter(pk__in=scope.groups().values("pk"))
        home_people = home_people.filter(pk__in=scope.people().values("pk"))
        exchanges = exchanges.filter(pk__in=scope.exchanges().values("pk"))
        exchanges = scope.visible_exchanges(exchanges)  # consent first (UU PDP)
    return groups, home_people, exchanges


def _group_rows(groups) -> dict[str, list[dict]]:
    """The groups and what hangs on them: memberships, norms, reviews, activities, attendance."""
    return {
        "groups": list(groups.values("pk", *GROUP_FIELDS)),
        "memberships": list(
            Membership.objects.filter(group__in=groups).values(
                "pk", "person_id", "group_id", "role", "joined_on", "left_on"
            )
        ),
        "norms": list(
            Norm.objects.filter(group__in=groups).values(
                "pk", "ref", "group_id", "statement", "category", "how_agreed", "agreed_on"
            )
        ),
        "reviews": list(
            NormReview.objects.filter(norm__group__in=groups).values(
                "pk", "norm_id", "reviewed_on", "rating", "note", "rated_by", "raters"
            )
        ),
        "activities": list(
            Activity.objects.filter(group__in=groups).values(
                "pk", "ref", "group_id", "kind", "date", "actor_id", "title"
            )
        ),
        "attendance": list(
            Activity.attendees.through.objects.filter(activity__group__in=groups).values(
                "activity_id", "person_id"
            )
        ),
    }


def _add_people(rows: dict[str, list[dict]], home_people, scope) -> None:
    """People: those living here and everyone the rows name, as far as the user may see;
    memberships and attendance of anyone else are left out."""
    person_ids = set(home_people.values_list("pk", flat=True))
    person_ids |= {m["person_id"] for m in rows["memberships"]} | {a["person_id"] for a in rows["attendance"]}
    person_ids |= {
        x[k] for x in rows["exchanges"] for k in ("giver_person_id", "receiver_person_id") if x[k]
    }
    if scope is not None:
        person_ids = _visible(scope.people(), person_ids)
    rows["people"] = _by_pk(Person, person_ids, PERSON_FIELDS)
    rows["memberships"] = [m for m in rows["memberships"] if m["person_id"] in person_ids]
    rows["attendance"] = [a for a in rows["attendance"] if a["person_id"] in person_ids]


def _add_outside_groups(rows: dict[str, list[dict]], scope) -> None:
    """An exchange of someone living here within a group elsewhere: that group's row comes
    too. Exchanges naming anyone or any group left out go as well."""
    person_ids = {p["pk"] for p in rows["people"]}
    group_ids = {g["pk"] for g in rows["groups"]}
    more_groups = {x["group_id"] for x in rows["exchanges"] if x["group_id"]} - group_ids
    if scope is not None:
        more_groups = _visible(scope.groups(), more_groups)
    rows["groups"] += _by_pk(Group, more_groups, GROUP_FIELDS)
    group_ids |= more_groups
    rows["exchanges"] = [
        x
        for x in rows["exchanges"]
        if all(x[k] in person_ids for k in ("giver_person_id", "receiver_person_id") if x[k])
        and (x["group_id"] is None or x["group_id"] in group_ids)
    ]


def _add_actors(rows: dict[str, list[dict]], area: Area | None, scope) -> None:
    """External actors are institutions, not personal data: all that the rows name."""
    actors = ExternalActor.objects.all() if area is None else ExternalActor.objects.in_area(area)
    actor_ids = (
        set(actors.values_list("pk", flat=True))
        if scope is None
        else set(actors.filter(pk__in=scope.actors().values("pk")).values_list("pk", flat=True))
    )
    actor_ids |= {a["actor_id"] for a in rows["activities"] if a["actor_id"]}
    actor_ids |= {e["actor_id"] for e in rows["ledger"] if e["actor_id"]}
    actor_ids |= {x[k] for x in rows["exchanges"] for k in ("giver_actor_id", "receiver_actor_id") if x[k]}
    rows["actors"] = _by_pk(ExternalActor, actor_ids, ["ref", "name", "kind", "area_id", "has_authority"])


def _areas(rows: dict[str, list[dict]], area: Area | None, scope) -> tuple[dict[int, dict], set[int]]:
    """(every area by pk, the ones to export): every area a record sits in, and those above."""
    all_areas = {a["pk"]: a for a in Area.objects.values("pk", "ref", "name", "level", "parent_id")}
    wanted = set(all_areas) if area is None else set(Area.objects.subtree(area).values_list("pk", flat=True))
    if scope is not None and area is not None:
        wanted &= set(scope.areas().values_list("pk", flat=True))
    wanted |= {r["area_id"] for r in rows["groups"] + rows["people"] + rows["actors"]}
    for pk in list(wanted):
        parent = all_areas[pk]["parent_id"]
        while parent is not None and parent not in wanted:
            wanted.add(parent)
            parent = all_areas[parent]["parent_id"]
    return all_areas, wanted


def _tables(
    rows: dict[str, list[dict]], all_areas: dict[int, dict], wanted: set[int], *, scope, pseudonymize: bool
) -> dict[str, list[list]]:
    """The rows of each file, refs in place of ids, sorted so equal data gives equal files."""
    ref = {
        "area": {pk: a["ref"] for pk, a in all_areas.items()},
        "group": {g["pk"]: g["ref"] for g in rows["groups"]},
        "person": {p["pk"]: p["ref"] for p in rows["people"]},
        "actor": {a["pk"]: a["ref"] for a in rows["actors"]},
        "norm": {n["pk"]: n["ref"] for n in rows["norms"]},
        "activity": {a["pk"]: a["ref"] for a in rows["activities"]},
    }
    tables: dict[str, list[list]] = defaultdict(list)
    for a in sorted(
        (all_areas[pk] for pk in wanted), key=lambda a: (LEVEL_DEPTH[AreaLevel(a["level"])], a["ref"])
    ):
        tables["areas"].append([a["ref"], a["name"], a["level"], ref["area"].get(a["parent_id"])])
    free_text_of = _free_text_rule(rows["groups"], scope, pseudonymize)
    for g in sorted(rows["groups"], key=lambda g: g["ref"]):
        tables["groups"].append(
            [
                ref["area"][g["area_id"]]
                if field == "area_id"
                else ("" if field == "description" and not free_text_of(g["pk"]) else g[field])
                for field in GROUP_FIELDS
            ]
        )
    tables["people"], hidden_people = _people_table(
        rows["people"], ref, scope=scope, pseudonymize=pseudonymize
    )
    for a in sorted(rows["actors"], key=lambda a: a["ref"]):
        authority = "" if a["has_authority"] is None else ("yes" if a["has_authority"] else "no")
        tables["actors"].append([a["ref"], a["name"], a["kind"], ref["area"][a["area_id"]], authority])
    _add_group_life_tables(tables, rows, ref, free_text_of)
    funds.money_tables(tables, rows, ref, hidden_people)
    for x in sorted(rows["exchanges"], key=lambda x: x["ref"]):
        tables["exchanges"].append(
            [
                x["ref"],
                x["date"],
                _party(ref, x["giver_person_id"], x["giver_actor_id"]),
                _party(ref, x["receiver_person_id"], x["receiver_actor_id"]),
                x["resource"],
                x["amount"],
                x["unit"],
                ref["group"].get(x["group_id"]),
                "" if {x["giver_person_id"], x["receiver_person_id"]} & hidden_people else x["note"],
                x["status"],
            ]
        )
    return tables


def _party(ref: dict[str, dict], person_id, actor_id) -> str:
    return ref["person"][person_id] if person_id else ref["actor"][actor_id]


def _free_text_rule(group_rows: list[dict], scope, pseudonymize: bool):
    """Whether a group's free text (description, activity titles, review notes) is exported:
    it may name the group's people."""
    text_groups = set()
    if scope is not None and not pseudonymize:
        text_groups = {
            g["pk"] for g in group_rows if scope.reads_free_text_of(Group(pk=g["pk"], area_id=g["area_id"]))
        }

    def free_text_of(group_id) -> bool:
        if pseudonymize:
            return False
        return scope is None or group_id in text_groups

    return free_text_of


def _people_table(
    person_rows: list[dict], ref: dict[str, dict], *, scope, pseudonymize: bool
) -> tuple[list[list], set[int]]:
    """People, by pseudonym (no nickname, phone, gender or birth year) where asked or where
    the user may not see the name; and the pks of those pseudonymised."""
    table, hidden_people = [], set()
    for p in sorted(person_rows, key=lambda p: p["ref"]):
        name, nickname, phone = p["full_name"], p["nickname"], p["phone"]
        gender, birth_year = p["gender"], p["birth_year"]
        hidden = scope is not None and not scope.names_id(
            person_id=p["pk"], area_id=p["area_id"], has_consent=p["consent_on"] is not None
        )
        if pseudonymize or hidden:
            # quasi-identifiers follow the name: gender, birth year and village single people out
            name, nickname, phone, gender, birth_year = pseudonym(p["ref"]), "", "", "", None
            hidden_people.add(p["pk"])
        table.append(
            [
                p["ref"],
                name,
                nickname,
                gender,
                birth_year,
                ref["area"][p["area_id"]],
                phone,
                p["consent_on"],
            ]
        )
    return table, hidden_people


def _add_group_life_tables(
    tables: dict[str, list[list]], rows: dict[str, list[dict]], ref, free_text_of
) -> None:
    """Memberships, norms, reviews, activities and attendance."""
    memberships = [
        [
            ref["person"][m["person_id"]],
            ref["group"][m["group_id"]],
            m["role"],
            m["joined_on"],
            m["left_on"],
            m["pk"],
        ]
        for m in rows["memberships"]
    ]
    # Same key twice (a person who left and rejoined the same day): oldest first, as the import matches.
    for row in sorted(memberships, key=lambda r: (r[0], r[1], cell(r[3]), r[5])):
        tables["memberships"].append(row[:5])
    for n in sorted(rows["norms"], key=lambda n: n["ref"]):
        tables["norms"].append(
            [
                n["ref"],
                ref["group"][n["group_id"]],
                n["statement"],
                n["category"],
                n["how_agreed"],
                n["agreed_on"],
            ]
        )
    norm_group = {n["pk"]: n["group_id"] for n in rows["norms"]}
    reviews = [
        [
            ref["norm"][r["norm_id"]],
            r["reviewed_on"],
            r["rating"],
            r["note"] if free_text_of(norm_group[r["norm_id"]]) else "",
            r["rated_by"],
            r["raters"],
            r["pk"],
        ]
        for r in rows["reviews"]
    ]
    for row in sorted(reviews, key=lambda r: (r[0], r[1], r[-1])):
        tables["norm_reviews"].append(row[:-1])
    for a in sorted(rows["activities"], key=lambda a: a["ref"]):
        tables["activities"].append(
            [
                a["ref"],
                ref["group"][a["group_id"]],
                a["kind"],
                a["date"],
                ref["actor"].get(a["actor_id"]),
                a["title"] if free_text_of(a["group_id"]) else "",
            ]
        )
    tables["attendance"] = sorted(
        [ref["activity"][a["activity_id"]], ref["person"][a["person_id"]]] for a in rows["attendance"]
    )


def _visible(queryset, pks) -> set[int]:
    found, pks = set(), sorted(pks)
    for start in range(0, len(pks), CHUNK):
        found.update(queryset.filter(pk__in=pks[start : start + CHUNK]).values_list("pk", flat=True))
    return found
