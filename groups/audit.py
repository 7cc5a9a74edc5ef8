"""The audit trail (django-auditlog): who created, changed or deleted community records.

Each entry is tagged when written (LogEntry.additional_data) with the areas it concerns,
their ancestors included, and the people it names, as "|id|id|" strings:

    {"areas": "|12|4|2|1|", "people": "|45|46|"}

so a coordinator's view filters by area with a plain lookup on every database (also for
records deleted since), and erasure finds every entry that names a person. Phones are
masked when written; foreign keys are stored as ids and shown with today's names, so an
erased person's old name is never read back from the trail (groups/services/safety.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Q
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import (
    Activity,
    Area,
    Exchange,
    ExternalActor,
    Group,
    Membership,
    Norm,
    NormReview,
    Person,
    chain_ids_of,
)

AUDITED = (Group, Person, Membership, Norm, NormReview, Exchange, Activity, ExternalActor)
PERSON_FIELDS = ("full_name", "nickname", "phone", "birth_year", "gender")
#: Free text that may name people: shown only where the viewer sees the names.
FREE_TEXT_FIELDS = {Exchange: ("note",), NormReview: ("note",), Activity: ("title",), Group: ("description",)}
ERASED_FIELDS = (*PERSON_FIELDS, "ref")  # an imported ref may spell the name (P-SRI-HANDAYANI)


def mask_phone(value: str) -> str:
    """Only the last two digits stay readable: enough to tell two numbers apart."""
    if value in ("", "None"):
        return value
    return "•" * max(len(value) - 2, 0) + value[-2:]


for model in AUDITED:
    auditlog.register(
        model,
        # the record's own columns; reverse relations ("exchanges_given") are not its fields
        include_fields=[field.name for field in model._meta.concrete_fields],
        mask_fields=["phone"] if model is Person else [],
        mask_callable="groups.audit.mask_phone",
    )


# --- tags -------------------------------------------------------------------------------------


def _ids(values) -> str:
    ids = sorted({int(v) for v in values if v})
    return "|" + "|".join(str(i) for i in ids) + "|" if ids else ""


def tag(value: int) -> str:
    """The fragment a tag string holds for one id: filter with `__icontains=tag(id)`."""
    return f"|{int(value)}|"


def _involved(instance) -> tuple[dict[type, list[int | None]], list[int | None]]:
    """(which rows hold the areas, person ids) an audited record concerns. The rows as
    {model: ids}: an Area is itself, another row counts by its area or its group's."""
    if isinstance(instance, (Group, ExternalActor, Person)):
        return {Area: [instance.area_id]}, [instance.pk] if isinstance(instance, Person) else []
    if isinstance(instance, Membership):
        return {Person: [instance.person_id], Group: [instance.group_id]}, [instance.person_id]
    if isinstance(instance, (Norm, Activity)):
        return {Group: [instance.group_id]}, []
    if isinstance(instance, NormReview):
        return {Norm: [instance.norm_id]}, []
    if isinstance(instance, Exchange):
        people = [instance.giver_person_id, instance.receiver_person_id]
        actors = [instance.giver_actor_id, instance.receiver_actor_id]
        return {Person: people, ExternalActor: actors, Group: [instance.group_id]}, people
    return {}, []


def _areas_of(model: type, ids_sql: str) -> str:
    """SQL for the area ids of `model`'s rows picked by `ids_sql` (a select of their ids, or
    placeholders). Only quoted names of the models and placeholders go into it: no value."""
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    try:
        area = pk if model is Area else qn(model._meta.get_field("area").column)
    except FieldDoesNotExist:  # a row of a group (a norm)
        group = qn(model._meta.get_field("group").column)
        return _areas_of(Group, f"SELECT {group} FROM {table} WHERE {pk} IN ({ids_sql})")  # noqa: S608
    return f"SELECT {area} FROM {table} WHERE {pk} IN ({ids_sql})"  # noqa: S608


def area_chain_ids(rows: dict[type, list[int | None]]) -> set[int]:
    """The areas of these rows and every area above them, in one query (plain SQL: an entry
    is written for every saved record)."""
    parts, params = [], []
    for model, ids in rows.items():
        ids = sorted({int(i) for i in ids if i})
        if ids:
            parts.append(_areas_of(model, ", ".join(["%s"] * len(ids))))
            params += ids
    return chain_ids_of(" UNION ".join(parts), params) if parts else set()


def tags_for(instance) -> dict:
    rows, person_ids = _involved(instance)
    return {"areas": _ids(area_chain_ids(rows)), "people": _ids(person_ids)}


_pending: ContextVar[object | None] = ContextVar("communitymap_audit_instance", default=None)


@receiver(pre_log, dispatch_uid="communitymap_audit_instance")
def _remember_instance(sender, instance, **kwargs):
    # auditlog writes the entry right after this signal, in the same thread.
    _pending.set(instance)


@receiver(pre_save, sender=LogEntry, dispatch_uid="communitymap_audit_tags")
def _tag_entry(sender, instance: LogEntry, **kwargs):
    if instance.pk is not None or instance.additional_data is not None:
        return
    model = instance.content_type.model_class()
    if model not in AUDITED:
        return
    record = _pending.get()
    _pending.set(None)
    if not isinstance(record, model) or str(record.pk) != str(instance.object_pk):
        record = model.objects.filter(pk=instance.object_id).first()
    if record is not None:
        instance.additional_data = tags_for(record)


def record_update(instance, changes: dict[str, list], *, actor=None) -> LogEntry | None:
    """An entry for a change made with QuerySet.update(), which sends no signals (e.g.
    confirming an exchange): changes as {"field": [old, new]}. Without `actor` the
    request's user is recorded, as for every other entry."""
    changes = {field: [str(old), str(new)] for field, (old, new) in changes.items()}
    extra = {"actor": actor} if actor is not None else {}
    _pending.set(instance)
    return LogEntry.objects.log_create(
        instance, action=LogEntry.Action.UPDATE, changes=changes, **extra
    )


# --- reading ----------------------------------------------------------------------------------


def audited_content_types() -> list[ContentType]:
    return list(ContentType.objects.get_for_models(*AUDITED).values())


def entries_in_areas(area_ids) -> Q:
    """Entries about records in any of these areas or below them (tags hold ancestors)."""
    q = Q(pk__in=[])
    for area_id in area_ids:
        q |= Q(additional_data__areas__icontains=tag(area_id))
    return q


def entries_naming(person_id: int) -> Q:
    return Q(additional_data__people__icontains=tag(person_id)) | Q(
        content_type=ContentType.objects.get_for_model(Person), object_id=person_id
    )


def people_of(entry: LogEntry) -> list[int]:
    data = entry.additional_data or {}
    return [int(p) for p in (data.get("people") or "").split("|") if p]


# --- erasure ----------------------------------------------------------------------------------

MASK = "•••"


def _scrub(value, secrets: list[str], replacement: str):
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, replacement)
        return value
    if isinstance(value, list):
        return [_scrub(v, secrets, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, secrets, replacement) for k, v in value.items()}
    return value


def mask_person(person: Person, *, old_strings: list[str], pseudonym: str, quoted_in=()) -> int:
    """Rewrite every entry that names the person: their own fields' values become MASK and
    any remaining copy of their old name, nickname or phone becomes the pseudonym.
    `quoted_in`: (model, pk) of other records whose free text quoted them. Returns the
    number of entries rewritten."""
    # Longest first, so "Name (Nick)" goes before "Name" and "Name" before "Nick".
    secrets = sorted({s for s in old_strings if s and len(s.strip()) >= 2}, key=len, reverse=True)
    person_type = ContentType.objects.get_for_model(Person)
    rewritten = 0
    found = entries_naming(person.pk)
    for model, pk in quoted_in:
        found |= Q(content_type=ContentType.objects.get_for_model(model), object_id=pk)
    for entry in LogEntry.objects.filter(found).iterator():
        changes = entry.changes
        if isinstance(changes, str):  # older auditlog stored text
            changes = json.loads(changes or "{}")
        changes = dict(changes or {})
        if entry.content_type_id == person_type.pk and entry.object_id == person.pk:
            for field in ERASED_FIELDS:
                if field in changes and isinstance(changes[field], list):
                    changes[field] = [MASK if v not in ("None", "", None) else v for v in changes[field]]
        entry.changes = _scrub(changes, secrets, pseudonym)
        entry.object_repr = _scrub(entry.object_repr, secrets, pseudonym)
        entry.changes_text = _scrub(entry.changes_text, secrets, pseudonym)
        entry.serialized_data = _scrub(entry.serialized_data, secrets, pseudonym)
        entry.save(update_fields=["changes", "object_repr", "changes_text", "serialized_data"])
        rewritten += 1
    return rewritten


# --- display ----------------------------------------------------------------------------------

ACTION_LABELS = {
    LogEntry.Action.CREATE: pgettext_lazy("audit action", "Created"),
    LogEntry.Action.UPDATE: pgettext_lazy("audit action", "Changed"),
    LogEntry.Action.DELETE: pgettext_lazy("audit action", "Deleted"),
    LogEntry.Action.ACCESS: pgettext_lazy("audit action", "Viewed"),
}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Row:
    timestamp: object
    actor: str
    action: str
    action_code: int
    kind: str
    record: str
    changes: tuple[Change, ...]


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def areas_of(entry: LogEntry) -> list[int]:
    data = entry.additional_data or {}
    return [int(a) for a in (data.get("areas") or "").split("|") if a]


def rows_for(entries, namer) -> list[Row]:
    """Entries ready to show to a viewer: choices as labels, foreign keys as today's names
    (one query per related model, whatever the number of entries), people named only as
    the viewer's access.Scope (`namer`) allows — members' login names included — and free
    text about them withheld where they are not."""
    entries = list(entries)
    User = get_user_model()
    wanted: dict[type, set[int]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        if model is Person and entry.object_id:
            wanted[Person].add(entry.object_id)
        wanted[Person].update(people_of(entry))
        if entry.actor_id:
            wanted[User].add(entry.actor_id)
        for name, values in (entry.changes_dict or {}).items():
            field = _field(model, name)
            if field is not None and field.is_relation and field.many_to_one:
                wanted[field.related_model].update(int(v) for v in values if str(v).isdigit())

    people = {
        person.pk: person
        for person in Person.objects.filter(
            Q(pk__in=wanted.pop(Person, set())) | Q(user_id__in=wanted.get(User, set()))
        ).only("ref", "full_name", "nickname", "consent_on", "user_id", "area_id")
    }

    def nameable(person_id) -> bool:
        person = people.get(person_id)
        return person is not None and namer.names(person)

    names: dict[tuple[type, int], str] = {(Person, pk): namer.name_of(p) for pk, p in people.items()}
    for model, ids in wanted.items():
        for obj in model._default_manager.filter(pk__in=ids):
            names[model, obj.pk] = getattr(obj, "username", None) or str(obj)
    for person in people.values():
        if person.user_id and not nameable(person.pk):
            names[User, person.user_id] = names[Person, person.pk]  # a login name may be a name

    rows = []
    for entry in entries:
        model = entry.content_type.model_class()
        involved = people_of(entry) or ([entry.object_id] if model is Person else [])
        free_text = all(nameable(p) for p in involved) and (
            model not in (Activity, NormReview, Group) or namer.reads_free_text_in(areas_of(entry))
        )
        withheld = FREE_TEXT_FIELDS.get(model, ()) if not free_text else ()
        if all(nameable(p) for p in involved) and not (model is Activity and withheld):
            record = entry.object_repr
        else:
            shown = ", ".join(names.get((Person, p), MASK) for p in involved)
            record = f"{model._meta.verbose_name.capitalize()}: {shown}"
        hide_person_fields = model is Person and not nameable(entry.object_id)
        # consent first (access.Scope.visible_exchanges): what was exchanged with someone who has not agreed
        # to be recorded is for their facilitators only
        hide_all = model is Exchange and any(
            p in people and not namer.shows_exchanges_of(people[p]) for p in involved
        )
        changes = []
        for name, values in (entry.changes_dict or {}).items():
            field = _field(model, name)
            if name == "id" or field is None or len(values) < 2:
                continue
            if hide_all or name in withheld:
                changes.append(Change(str(field.verbose_name), MASK, MASK))
                continue
            old, new = (_display(field, v, names, hide_person_fields) for v in values[:2])
            changes.append(Change(str(field.verbose_name), old, new))
        rows.append(
            Row(
                timestamp=entry.timestamp,
                actor=names.get((User, entry.actor_id), "") if entry.actor_id else "",
                action=str(ACTION_LABELS.get(entry.action, entry.action)),
                action_code=entry.action,
                kind=str(model._meta.verbose_name),
                record=record,
                changes=tuple(changes),
            )
        )
    return rows


def _display(field, value, names, hide_person_fields: bool) -> str:
    if value in (None, "None", ""):
        return "–"
    if hide_person_fields and field.name in (*PERSON_FIELDS, "user"):
        return MASK
    if field.is_relation and field.many_to_one:
        if not str(value).isdigit():
            return str(value)
        unknown = MASK if field.related_model is Person else f"#{value}"
        return names.get((field.related_model, int(value)), unknown)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.get_internal_type() == "BooleanField":
        return str(_("yes") if value == "True" else _("no"))
    return str(value)
