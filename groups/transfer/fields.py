"""What each import file maps to: its model, the kind of record a link names, the order of
writing, the fields read from the database to compare a row with, and the fields a column
writes. Tables only, read by the importer (groups/transfer/importer.py)."""

from groups.models import Activity, Area, Exchange, ExternalActor, Group, Norm, Person

MODELS = {
    "area": Area,
    "group": Group,
    "person": Person,
    "actor": ExternalActor,
    "norm": Norm,
    "activity": Activity,
    "exchange": Exchange,
}
KIND_OF_FILE = {
    "areas": "area",
    "groups": "group",
    "people": "person",
    "actors": "actor",
    "norms": "norm",
    "activities": "activity",
    "exchanges": "exchange",
}
WRITE_ORDER = [
    "areas",
    "actors",
    "groups",
    "people",
    "memberships",
    "norms",
    "norm_reviews",
    "activities",
    "attendance",
    "exchanges",
]
# Fields read from the database to compare with a row (besides pk and ref).
DB_FIELDS = {
    "area": ["name", "level", "parent_id"],
    "group": [
        "name",
        "kind",
        "area_id",
        "formed_on",
        "how_formed",
        "meeting_frequency",
        "description",
        "latitude",
        "longitude",
    ],
    "person": [
        "full_name",
        "nickname",
        "gender",
        "birth_year",
        "area_id",
        "phone",
        "consent_on",
        "consent_recorded_by_id",
        "erased_at",
    ],
    "actor": ["name", "kind", "area_id", "has_authority"],
    "norm": ["group_id", "statement", "category", "how_agreed", "agreed_on"],
    "activity": ["group_id", "kind", "date", "actor_id", "title"],
    "exchange": [
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
        "logged_by_id",
        "confirmed_by_id",
    ],
}
# Model fields written when a file has a column (update writes only columns present).
FIELDS_OF_COLUMN = {
    "areas": {"name": ["name"], "level": ["level"], "parent_ref": ["parent_id"]},
    "groups": {
        "name": ["name"],
        "kind": ["kind"],
        "area_ref": ["area_id"],
        "formed_on": ["formed_on"],
        "how_formed": ["how_formed"],
        "meeting_frequency": ["meeting_frequency"],
        "description": ["description"],
        "latitude": ["latitude"],
        "longitude": ["longitude"],
    },
    "people": {
        "name": ["full_name"],
        "nickname": ["nickname"],
        "gender": ["gender"],
        "birth_year": ["birth_year"],
        "area_ref": ["area_id"],
        "phone": ["phone"],
        "consent_on": ["consent_on", "consent_recorded_by_id"],
    },
    "actors": {"name": ["name"], "kind": ["kind"], "area_ref": ["area_id"], "authority": ["has_authority"]},
    "memberships": {"role": ["role"], "left_on": ["left_on"]},
    "norms": {
        "group_ref": ["group_id"],
        "statement": ["statement"],
        "category": ["category"],
        "how_agreed": ["how_agreed"],
        "agreed_on": ["agreed_on"],
    },
    "norm_reviews": {"rating": ["rating"], "note": ["note"], "rated_by": ["rated_by"], "raters": ["raters"]},
    "activities": {
        "group_ref": ["group_id"],
        "kind": ["kind"],
        "date": ["date"],
        "actor_ref": ["actor_id"],
        "title": ["title"],
    },
    "attendance": {},
    "exchanges": {
        "date": ["date"],
        "giver_ref": ["giver_person_id", "giver_actor_id"],
        "receiver_ref": ["receiver_person_id", "receiver_actor_id"],
        "resource": ["resource"],
        "amount": ["amount"],
        "unit": ["unit"],
        "group_ref": ["group_id"],
        "note": ["note"],
        "status": ["status"],
    },
}
COMPARED_ONLY_WHEN_SET = {"consent_recorded_by_id"}  # follows consent_on, never compared
