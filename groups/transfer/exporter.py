"""Export a community as the CSV files of the format, so that an import reads them back.

What an export of an area holds: its groups with their memberships, norms, reviews,
activities and attendance; the people living in it or taking part in those; the exchanges of
those groups or of the people living there; every external actor they name; and every area
these records sit in, with the areas above them (so the files load into an empty database).
A user's export holds only people they may see; rows naming anyone else are left out.
Names are decided per person as on the pages (access.Scope.names); where a person is a
pseudonym, their nickname, phone, gender and birth year are left out too (quasi-identifiers,
issue 9 finding 8), and so are the notes of their exchanges. Group descriptions, activity
titles and review notes may name people: left out where the user does not see the group's
people by name, and in every pseudonymised export (finding 7).
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


def export_community(*, area: Area | None = None, pseudonymize: bool = False, user=None) -> dict[str, str]:
    """The text of each file. `user` limits the export to what they may see (None: everything)."""
    scope = access.Scope(user) if user is not None and not user.is_staff else None

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

    group_fields = [
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
    group_rows = list(groups.values("pk", *group_fields))
    membership_rows = list(
        Membership.objects.filter(group__in=groups).values(
            "pk", "person_id", "group_id", "role", "joined_on", "left_on"
        )
    )
    norm_rows = list(
        Norm.objects.filter(group__in=groups).values(
            "pk", "ref", "group_id", "statement", "category", "how_agreed", "agreed_on"
        )
    )
    review_rows = list(
        NormReview.objects.filter(norm__group__in=groups).values(
            "pk", "norm_id", "reviewed_on", "rating", "note"
        )
    )
    activity_rows = list(
        Activity.objects.filter(group__in=groups).values(
            "pk", "ref", "group_id", "kind", "date", "actor_id", "title"
        )
    )
    attendance_rows = list(
        Activity.attendees.through.objects.filter(activity__group__in=groups).values(
            "activity_id", "person_id"
        )
    )
    exchange_rows = list(
        exchanges.values(
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
        )
    )

    # People: those living here and everyone the rows above name, as far as the user may see.
    person_ids = set(home_people.values_list("pk", flat=True))
    person_ids |= {m["person_id"] for m in membership_rows} | {a["person_id"] for a in attendance_rows}
    person_ids |= {x[k] for x in exchange_rows for k in ("giver_person_id", "receiver_person_id") if x[k]}
    if scope is not None:
        person_ids = _visible(scope.people(), person_ids)
    person_rows = _by_pk(
        Person,
        person_ids,
        ["ref", "full_name", "nickname", "gender", "birth_year", "area_id", "phone", "consent_on"],
    )
    membership_rows = [m for m in membership_rows if m["person_id"] in person_ids]
    attendance_rows = [a for a in attendance_rows if a["person_id"] in person_ids]
    # An exchange of someone living here within a group elsewhere: that group's row comes too.
    group_ids = {g["pk"] for g in group_rows}
    more_groups = {x["group_id"] for x in exchange_rows if x["group_id"]} - group_ids
    if scope is not None:
        more_groups = _visible(scope.groups(), more_groups)
    group_rows += _by_pk(Group, more_groups, group_fields)
    group_ids |= more_groups
    exchange_rows = [
        x
        for x in exchange_rows
        if all(x[k] in person_ids for k in ("giver_person_id", "receiver_person_id") if x[k])
        and (x["group_id"] is None or x["group_id"] in group_ids)
    ]
    # External actors are institutions, not personal data: all that the rows name.
    actors = ExternalActor.objects.all() if area is None else ExternalActor.objects.in_area(area)
    actor_ids = (
        set(actors.values_list("pk", flat=True))
        if scope is None
        else set(actors.filter(pk__in=scope.actors().values("pk")).values_list("pk", flat=True))
    )
    actor_ids |= {a["actor_id"] for a in activity_rows if a["actor_id"]}
    actor_ids |= {x[k] for x in exchange_rows for k in ("giver_actor_id", "receiver_actor_id") if x[k]}
    actor_rows = _by_pk(ExternalActor, actor_ids, ["ref", "name", "kind", "area_id"])

    # Areas: every area a record sits in, and the areas above them.
    all_areas = {a["pk"]: a for a in Area.objects.values("pk", "ref", "name", "level", "parent_id")}
    wanted = set(all_areas) if area is None else set(Area.objects.subtree(area).values_list("pk", flat=True))
    if scope is not None and area is not None:
        wanted &= set(scope.areas().values_list("pk", flat=True))
    wanted |= {r["area_id"] for r in group_rows + person_rows + actor_rows}
    for pk in list(wanted):
        parent = all_areas[pk]["parent_id"]
        while parent is not None and parent not in wanted:
            wanted.add(parent)
            parent = all_areas[parent]["parent_id"]
    area_ref = {pk: a["ref"] for pk, a in all_areas.items()}
    group_ref = {g["pk"]: g["ref"] for g in group_rows}
    person_ref = {p["pk"]: p["ref"] for p in person_rows}
    actor_ref = {a["pk"]: a["ref"] for a in actor_rows}
    norm_ref = {n["pk"]: n["ref"] for n in norm_rows}
    activity_ref = {a["pk"]: a["ref"] for a in activity_rows}

    def party(person_id, actor_id):
        return person_ref[person_id] if person_id else actor_ref[actor_id]

    tables: dict[str, list[list]] = defaultdict(list)
    for a in sorted(
        (all_areas[pk] for pk in wanted), key=lambda a: (LEVEL_DEPTH[AreaLevel(a["level"])], a["ref"])
    ):
        tables["areas"].append([a["ref"], a["name"], a["level"], area_ref.get(a["parent_id"])])
    def free_text_of(group_id) -> bool:
        """Descriptions, activity titles and review notes of a group may name its people."""
        if pseudonymize:
            return False
        return scope is None or group_id in text_groups

    text_groups = set()
    if scope is not None:
        group_areas = {g["pk"]: g["area_id"] for g in group_rows}
        text_groups = {
            pk
            for pk, area_id in group_areas.items()
            if scope.reads_free_text_of(Group(pk=pk, area_id=area_id))
        }
    for g in sorted(group_rows, key=lambda g: g["ref"]):
        tables["groups"].append(
            [
                g["ref"],
                g["name"],
                g["kind"],
                area_ref[g["area_id"]],
                g["formed_on"],
                g["how_formed"],
                g["meeting_frequency"],
                g["description"] if free_text_of(g["pk"]) else "",
                g["latitude"],
                g["longitude"],
            ]
        )
    hidden_people = set()
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
        tables["people"].append(
            [
                p["ref"],
                name,
                nickname,
                gender,
                birth_year,
                area_ref[p["area_id"]],
                phone,
                p["consent_on"],
            ]
        )
    for a in sorted(actor_rows, key=lambda a: a["ref"]):
        tables["actors"].append([a["ref"], a["name"], a["kind"], area_ref[a["area_id"]]])
    memberships = [
        [
            person_ref[m["person_id"]],
            group_ref[m["group_id"]],
            m["role"],
            m["joined_on"],
            m["left_on"],
            m["pk"],
        ]
        for m in membership_rows
    ]
    # Same key twice (a person who left and rejoined the same day): oldest first, as the import matches.
    for row in sorted(memberships, key=lambda r: (r[0], r[1], cell(r[3]), r[5])):
        tables["memberships"].append(row[:5])
    for n in sorted(norm_rows, key=lambda n: n["ref"]):
        tables["norms"].append(
            [
                n["ref"],
                group_ref[n["group_id"]],
                n["statement"],
                n["category"],
                n["how_agreed"],
                n["agreed_on"],
            ]
        )
    norm_group = {n["pk"]: n["group_id"] for n in norm_rows}
    reviews = [
        [
            norm_ref[r["norm_id"]],
            r["reviewed_on"],
            r["rating"],
            r["note"] if free_text_of(norm_group[r["norm_id"]]) else "",
            r["pk"],
        ]
        for r in review_rows
    ]
    for row in sorted(reviews, key=lambda r: (r[0], r[1], r[4])):
        tables["norm_reviews"].append(row[:4])
    for a in sorted(activity_rows, key=lambda a: a["ref"]):
        tables["activities"].append(
            [
                a["ref"],
                group_ref[a["group_id"]],
                a["kind"],
                a["date"],
                actor_ref.get(a["actor_id"]),
                a["title"] if free_text_of(a["group_id"]) else "",
            ]
        )
    tables["attendance"] = sorted(
        [activity_ref[a["activity_id"]], person_ref[a["person_id"]]] for a in attendance_rows
    )
    for x in sorted(exchange_rows, key=lambda x: x["ref"]):
        tables["exchanges"].append(
            [
                x["ref"],
                x["date"],
                party(x["giver_person_id"], x["giver_actor_id"]),
                party(x["receiver_person_id"], x["receiver_actor_id"]),
                x["resource"],
                x["amount"],
                x["unit"],
                group_ref.get(x["group_id"]),
                "" if {x["giver_person_id"], x["receiver_person_id"]} & hidden_people else x["note"],
                x["status"],
            ]
        )
    return {name: table_text(name, ([cell(v) for v in row] for row in tables[name])) for name in FILE_NAMES}


def _visible(queryset, pks) -> set[int]:
    found, pks = set(), sorted(pks)
    for start in range(0, len(pks), CHUNK):
        found.update(queryset.filter(pk__in=pks[start : start + CHUNK]).values_list("pk", flat=True))
    return found
