"""The community data model: areas, groups, people, memberships, norms, actors, exchanges.

Every rule a record must keep is a database constraint as well as a form check, so bad
data cannot enter through the admin, an import, a shell or a race between two requests.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups import ledger_math

REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
ref_validator = RegexValidator(
    REF_PATTERN,
    _("A code may contain only letters, digits, dots, dashes and underscores."),
)


def generate_ref() -> str:
    """A short random code for records created in the browser (imports bring their own)."""
    return secrets.token_hex(5).upper()


def ref_field() -> models.CharField:
    return models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        default=generate_ref,
        validators=[ref_validator],
        help_text=_("A stable code used by imports, exports and reports."),
    )


def ref_not_blank(model: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=~Q(ref=""), name=f"{model}_ref_not_blank")


# --- Fixed lists: stable codes, translated labels -------------------------------------------


class AreaLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    REGENCY = "regency", _("Regency / city")
    DISTRICT = "district", _("District (kecamatan)")
    VILLAGE = "village", _("Village (desa / kelurahan)")


LEVEL_DEPTH = {AreaLevel.PROVINCE: 0, AreaLevel.REGENCY: 1, AreaLevel.DISTRICT: 2, AreaLevel.VILLAGE: 3}


class GroupKind(models.TextChoices):
    ARISAN = "arisan", _("Arisan (rotating savings)")
    SAVINGS_LOAN = "savings_loan", _("Savings and loan group")
    MUTUAL_HELP = "mutual_help", _("Mutual help (gotong royong, rukun kematian)")
    RELIGIOUS = "religious", _("Religious study (pengajian, majelis taklim)")
    WOMEN = "women", _("Women's group (PKK, dasawisma)")
    YOUTH = "youth", _("Youth group (karang taruna)")
    FARMERS = "farmers", _("Farmers' group (kelompok tani)")
    FISHERS = "fishers", _("Fishers' group (kelompok nelayan)")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood group (RT/RW, ronda)")
    HEALTH_VOLUNTEERS = "health_volunteers", _("Health volunteers (posyandu cadres)")
    ARTS_CULTURE = "arts_culture", _("Arts and culture")
    SPORTS = "sports", _("Sports club")
    PARENTS = "parents", _("Parents' group")
    BUSINESS = "business", _("Business group (KUBE, UMKM)")
    OTHER = "other", _("Other")


class HowFormed(models.TextChoices):
    SPONTANEOUS = "spontaneous", _("Spontaneously among neighbours, friends or family")
    FACILITATED = "facilitated", _("Facilitated by a programme")
    SPLIT = "split", _("Split from another group")
    OTHER = "other", _("Other")


class MeetingFrequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Every three months")
    IRREGULAR = "irregular", _("Irregularly")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", pgettext_lazy("gender", "Other")


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    LEADER = "leader", _("Informal leader")
    TREASURER = "treasurer", _("Treasurer")
    SECRETARY = "secretary", _("Secretary")
    ELDER = "elder", _("Elder / advisor")
    OTHER = "other", pgettext_lazy("role", "Other")


class NormCategory(models.TextChoices):
    RECIPROCITY = "reciprocity", _("Reciprocity")
    MUTUAL_HELP = "mutual_help", _("Mutual help")
    TRUST = "trust", _("Trust and honesty")
    PARTICIPATION = "participation", _("Participation")
    DECISION_MAKING = "decision_making", _("Decision-making")
    SANCTIONS = "sanctions", _("Sanctions")
    KNOWLEDGE_SHARING = "knowledge_sharing", _("Knowledge sharing")
    INCLUSION = "inclusion", _("Inclusion")


class HowAgreed(models.TextChoices):
    CONSENSUS = "consensus", _("Consensus (musyawarah)")
    TRADITION = "tradition", _("Tradition (adat)")
    LEADER = "leader", _("Set by the leader")
    VOTE = "vote", _("Vote")


class ActorKind(models.TextChoices):
    VILLAGE_GOVERNMENT = "village_government", _("Village government")
    GOVERNMENT_AGENCY = "government_agency", _("Government agency")
    NGO = "ngo", _("NGO")
    BANK = "bank", _("Bank or microfinance")
    COOPERATIVE = "cooperative", _("Cooperative")
    BUSINESS = "business", _("Business")
    RELIGIOUS_INSTITUTION = "religious_institution", _("Religious institution")
    SCHOOL = "school", _("School")
    HEALTH_SERVICE = "health_service", _("Health service")
    OTHER = "other", pgettext_lazy("actor kind", "Other")


#: Kinds whose actors hold power or resources over the community by default (linking ties, aid,
#: capacity building). ExternalActor.has_authority says it per actor; blank means this default.
AUTHORITY_KINDS = frozenset({
    ActorKind.VILLAGE_GOVERNMENT, ActorKind.GOVERNMENT_AGENCY, ActorKind.NGO, ActorKind.BANK,
    ActorKind.HEALTH_SERVICE, ActorKind.SCHOOL,
})


def authority_default(kind: str) -> bool:
    """Whether an actor of this kind holds power or resources over the community by default."""
    return kind in AUTHORITY_KINDS


class RatedBy(models.TextChoices):
    """Who rated a norm in a review."""

    GROUP_MEETING = "group_meeting", _("The group, at a meeting")
    LEADER = "leader", _("The group leader")
    FACILITATOR = "facilitator", _("The facilitator")
    MEMBERS = "members", _("Members, each on their own")


#: Who rates a norm alone: one person.
RATED_ALONE = frozenset({RatedBy.LEADER, RatedBy.FACILITATOR})
#: What the review form and the importer say when a number other than 1 is given for them.
RATED_ALONE_ERROR = _("The leader or the facilitator rating alone is one person: write 1.")


def raters_of(rated_by: str, raters: int | None) -> int | None:
    """How many people rated a review, as it is recorded (the review form and norm_reviews.csv
    alike): the leader or the facilitator rating alone is one person, so a blank becomes 1 and
    any other number raises ValueError; for everyone else the number as given."""
    if rated_by in RATED_ALONE:
        if raters not in (None, 1):
            raise ValueError(f"{rated_by} rates alone, not {raters}")
        return 1
    return raters


class Resource(models.TextChoices):
    MONEY = "money", _("Money (gift or contribution)")
    LOAN = "loan", _("Loan")
    GOODS = "goods", _("Goods")
    LABOUR = "labour", _("Labour")
    KNOWLEDGE = "knowledge", _("Knowledge or skills")
    INFORMATION = "information", _("Information")
    EMOTIONAL_SUPPORT = "emotional_support", _("Emotional support")
    CARE = "care", _("Care (children, elderly, sick)")


class ExchangeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")


class ActivityKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    TRAINING = "training", _("Training")
    COLLECTIVE_WORK = "collective_work", _("Collective work day (gotong royong)")
    PLANNING_FORUM = "planning_forum", _("Participatory planning forum (musrenbang)")


class StaffRole(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator (pendamping)")
    COORDINATOR = "coordinator", _("Coordinator")


# --- Areas ------------------------------------------------------------------------------------


#: An area and the areas above it, as lookups from the area: the tree is at most four levels
#: deep (LEVEL_DEPTH), so "below" and "above" are a fixed number of joins, never a recursion.
AREA_CHAIN = ("id", "parent_id", "parent__parent_id", "parent__parent__parent_id")


def in_subtree(area_ids, via: str = "") -> Q:
    """Rows whose area is one of `area_ids` or below it. `via` is the path to the area
    (e.g. "area"); empty when filtering areas themselves."""
    area_ids = list(area_ids)
    if not area_ids:
        return Q(pk__in=[])
    prefix = f"{via}__" if via else ""
    q = Q()
    for step in AREA_CHAIN:
        q |= Q(**{f"{prefix}{step}__in": area_ids})
    return q


def chain_ids_of(area_ids_sql: str, params, *, using: str = DEFAULT_DB_ALIAS) -> set[int]:
    """The areas a SELECT of area ids names, and every area above them: one query, its joins up
    the tree as many as AREA_CHAIN's steps. Plain SQL, for the audit trail that asks on every
    saved record (building the query with the ORM took longer than running it); `area_ids_sql`
    holds placeholders for `params`, never a value."""
    connection = connections[using]
    qn = connection.ops.quote_name
    table, pk = qn(Area._meta.db_table), qn(Area._meta.pk.column)
    parent = qn(Area._meta.get_field("parent").column)
    columns, joins = [f"a0.{pk}", f"a0.{parent}"], []
    for step in range(1, len(AREA_CHAIN) - 1):
        joins.append(f"LEFT JOIN {table} a{step} ON a{step}.{pk} = a{step - 1}.{parent}")
        columns.append(f"a{step}.{parent}")
    sql = f"SELECT {', '.join(columns)} FROM {table} a0 {' '.join(joins)} WHERE a0.{pk} IN ("  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"{sql}{area_ids_sql})", params)
        return {area_id for chain in cursor.fetchall() for area_id in chain if area_id}


class AreaQuerySet(models.QuerySet):
    def subtree(self, area: "Area") -> "AreaQuerySet":
        """The area and every area below it."""
        return self.filter(in_subtree([area.pk]))

    def chain_ids(self) -> set[int]:
        """The ids of these areas and of every area above them (one query)."""
        areas = self if self.query.is_sliced else self.order_by()  # a slice keeps its order
        try:
            sql, params = areas.values("pk").query.get_compiler(self.db).as_sql()
        except EmptyResultSet:
            return set()
        return chain_ids_of(sql, params, using=self.db)

    def chains_below(self, area_ids) -> tuple[tuple[int | None, ...], ...]:
        """Each area in the subtrees of `area_ids`, with those above it (AREA_CHAIN's columns)."""
        return tuple(self.filter(in_subtree(list(area_ids))).values_list(*AREA_CHAIN))

    def with_ancestors(self) -> "AreaQuerySet":
        """These areas and every area above them, as one lazy query."""
        q = Q(pk__in=[])
        for step in AREA_CHAIN:
            q |= Q(pk__in=self.values(step))
        return Area.objects.filter(q)


class Area(models.Model):
    ref = ref_field()
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # an area with sub-areas cannot vanish under them
        related_name="children",
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["name"]
        constraints = [
            ref_not_blank("area"),
            models.CheckConstraint(
                condition=Q(level__in=AreaLevel.values), name="area_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | ~Q(level=AreaLevel.VILLAGE),
                name="area_village_has_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is None:
            return
        parent = self.parent
        if parent.pk == self.pk:
            raise ValidationError({"parent": _("An area cannot be part of itself.")})
        if LEVEL_DEPTH[AreaLevel(self.level)] <= LEVEL_DEPTH[AreaLevel(parent.level)]:
            raise ValidationError(
                {"parent": _("An area must be a smaller level than the area it is part of.")}
            )

    def ancestors(self) -> list["Area"]:
        """The areas above this one, the widest first."""
        ids = Area.objects.filter(pk=self.pk).chain_ids() - {self.pk}
        return sorted(Area.objects.filter(pk__in=ids), key=lambda a: LEVEL_DEPTH[AreaLevel(a.level)])


class AreaBoundary(models.Model):
    """The village outlines loaded for an area from one GeoJSON file (groups/maps.py checks
    and cleans it): a FeatureCollection of Polygons and MultiPolygons, [lon, lat], each
    feature keeping only its name. Loading again replaces it."""

    area = models.OneToOneField(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="boundary"
    )
    features = models.JSONField(_("outlines"), default=dict)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("area outlines")
        verbose_name_plural = _("area outlines")

    def __str__(self) -> str:
        return f"{self.area} ({self.file_name})"


# --- Groups, people, memberships --------------------------------------------------------------


class GroupQuerySet(models.QuerySet):
    def active(self) -> "GroupQuerySet":
        return self.filter(is_active=True)

    def in_area(self, area: Area) -> "GroupQuerySet":
        return self.filter(area__in=Area.objects.subtree(area))


class Group(models.Model):
    ref = ref_field()
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=GroupKind.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="groups"
    )
    formed_on = models.DateField(_("formed on"), null=True, blank=True)
    how_formed = models.CharField(
        _("how it formed"), max_length=16, choices=HowFormed.choices, default=HowFormed.SPONTANEOUS
    )
    meeting_frequency = models.CharField(
        _("meeting frequency"), max_length=16, choices=MeetingFrequency.choices, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitators"),
        blank=True,
        related_name="facilitated_groups",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]
        # the lists page through rows in this order (groups/views/paging.py)
        indexes = [models.Index(fields=["name", "id"], name="group_name_pk_idx")]
        constraints = [
            ref_not_blank("group"),
            models.CheckConstraint(condition=Q(kind__in=GroupKind.values), name="group_kind_valid"),
            models.CheckConstraint(
                condition=Q(how_formed__in=HowFormed.values), name="group_how_formed_valid"
            ),
            models.CheckConstraint(
                condition=Q(meeting_frequency="") | Q(meeting_frequency__in=MeetingFrequency.values),
                name="group_meeting_frequency_valid",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="group_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="group_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="group_position_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_kind_display(self) -> str:
        """The kind's label, as Django's own method gives it, without translating every kind's
        label on each call as Django's does (a tenth of a millisecond for each row of a list)."""
        try:
            return str(GroupKind(self.kind).label)
        except ValueError:
            return self.kind

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(
                _("Give both latitude and longitude for a map position, or neither.")
            )


def display_name(full_name: str, nickname: str = "") -> str:
    """How a person is named where their name may be shown: "Sri Handayani (Bu Sri)"."""
    return f"{full_name} ({nickname})" if nickname else full_name


def user_display_name(user) -> str:
    """A login without a person: its full name, else its username."""
    return user.get_full_name() or user.username


class PersonQuerySet(models.QuerySet):
    def in_area(self, area: Area) -> "PersonQuerySet":
        return self.filter(area__in=Area.objects.subtree(area))

    def search(self, text: str) -> "PersonQuerySet":
        text = text.strip()
        if not text:
            return self.none()
        return self.filter(Q(full_name__icontains=text) | Q(nickname__icontains=text))


class Person(models.Model):
    ref = ref_field()
    full_name = models.CharField(_("full name"), max_length=200)
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="people"
    )
    phone = models.CharField(
        _("phone"),
        max_length=32,
        blank=True,
        validators=[
            RegexValidator(
                r"^\+?[0-9 ()\-]{6,30}$",
                _("Enter a phone number of digits, optionally starting with +."),
            )
        ],
    )
    consent_on = models.DateField(
        _("consent given on"),
        null=True,
        blank=True,
        help_text=_("The date the person agreed to be recorded in CommunityMap."),
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # closing a login keeps the person and their history
        related_name="person",
    )
    must_change_password = models.BooleanField(
        _("must choose a new password"),
        default=False,
        help_text=_("Set when a facilitator gives out a one-time password."),
    )
    password_issued_at = models.DateTimeField(
        _("one-time password given out at"),
        null=True,
        blank=True,
        help_text=_("A one-time password stops working 7 days later, or once the member chose their own."),
    )
    erased_at = models.DateTimeField(
        _("erased at"),
        null=True,
        blank=True,
        help_text=_("Set when the person asked to be removed: their details are anonymised."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name"]
        # the lists page through rows in this order (groups/views/paging.py)
        indexes = [models.Index(fields=["full_name", "id"], name="person_name_pk_idx")]
        constraints = [
            ref_not_blank("person"),
            models.CheckConstraint(
                condition=Q(gender="") | Q(gender__in=Gender.values), name="person_gender_valid"
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="person_birth_year_range",
            ),
            models.CheckConstraint(
                condition=Q(consent_on__isnull=False) | Q(consent_recorded_by__isnull=True),
                name="person_consent_recorder_needs_date",
            ),
        ]

    def __str__(self) -> str:
        return display_name(self.full_name, self.nickname)

    def clean(self) -> None:
        if self.birth_year and self.birth_year > timezone.localdate().year:
            raise ValidationError({"birth_year": _("The birth year cannot be in the future.")})

    @property
    def has_consent(self) -> bool:
        return self.consent_on is not None


class MembershipQuerySet(models.QuerySet):
    def open(self) -> "MembershipQuerySet":
        return self.filter(left_on__isnull=True)

    def open_between(self, start, end) -> "MembershipQuerySet":
        """Memberships open at some time in [start, end]: joined by the end, not left before the start."""
        return self.filter(
            Q(joined_on__isnull=True) | Q(joined_on__lte=end),
            Q(left_on__isnull=True) | Q(left_on__gte=start),
        )


class Membership(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["group__name", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group"],
                condition=Q(left_on__isnull=True),
                name="membership_one_open_per_person_group",
                violation_error_message=_("This person is already a member of this group."),
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gte=F("joined_on")),
                name="membership_left_after_joined",
                violation_error_message=_("A member cannot leave before joining."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.group}"

    @property
    def is_open(self) -> bool:
        return self.left_on is None


# --- Norms ------------------------------------------------------------------------------------


class NormQuerySet(models.QuerySet):
    def active(self) -> "NormQuerySet":
        return self.filter(is_active=True)


class Norm(models.Model):
    ref = ref_field()
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="norms"
    )
    statement = models.TextField(
        _("statement"), help_text=_("The rule or value in the group's own words.")
    )
    category = models.CharField(_("category"), max_length=32, choices=NormCategory.choices)
    how_agreed = models.CharField(
        _("how it was agreed"), max_length=16, choices=HowAgreed.choices, default=HowAgreed.CONSENSUS
    )
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)
    retired_on = models.DateField(_("retired on"), null=True, blank=True)

    objects = NormQuerySet.as_manager()

    class Meta:
        verbose_name = _("norm")
        verbose_name_plural = _("norms")
        ordering = ["group__name", "category", "pk"]
        constraints = [
            ref_not_blank("norm"),
            models.CheckConstraint(condition=~Q(statement=""), name="norm_statement_not_blank"),
            models.CheckConstraint(
                condition=Q(category__in=NormCategory.values), name="norm_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(how_agreed__in=HowAgreed.values), name="norm_how_agreed_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(retired_on__isnull=True),
                name="norm_active_not_retired",
            ),
        ]

    def __str__(self) -> str:
        return self.statement[:80]


class NormReview(models.Model):
    norm = models.ForeignKey(
        Norm, verbose_name=_("norm"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewed_on = models.DateField(_("reviewed on"), default=timezone.localdate)
    rating = models.PositiveSmallIntegerField(
        _("how well it is kept (1–5)"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rated_by = models.CharField(
        _("who rated"), max_length=16, choices=RatedBy.choices, blank=True,
        help_text=_("Blank for reviews recorded before this was asked."),
    )
    raters = models.PositiveSmallIntegerField(
        _("how many people rated"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
    )

    class Meta:
        verbose_name = _("norm review")
        verbose_name_plural = _("norm reviews")
        ordering = ["-reviewed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="norm_review_rating_1_to_5",
                violation_error_message=_("The rating must be from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.norm} – {self.reviewed_on}: {self.rating}"


# --- External actors, exchanges, activities ---------------------------------------------------


class ExternalActorQuerySet(models.QuerySet):
    def in_area(self, area: Area) -> "ExternalActorQuerySet":
        return self.filter(area__in=Area.objects.subtree(area))

    def with_authority(self) -> "ExternalActorQuerySet":
        """Annotate ``authority``: has_authority, or the kind's default when blank."""
        by_kind = models.Case(
            models.When(kind__in=sorted(AUTHORITY_KINDS), then=models.Value(True)),
            default=models.Value(False), output_field=models.BooleanField(),
        )
        return self.annotate(authority=Coalesce("has_authority", by_kind))


class ExternalActor(models.Model):
    ref = ref_field()
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=ActorKind.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="actors"
    )
    # Blank follows the kind (authority_default); set it where one actor differs from its kind.
    has_authority = models.BooleanField(
        _("holds power or resources over the community"), null=True, blank=True,
        help_text=_("Government offices, agencies, NGOs, banks, health services and schools do "
                    "by default; the members' own cooperative, a business or a mosque committee "
                    "do not."),
    )

    objects = ExternalActorQuerySet.as_manager()

    class Meta:
        verbose_name = _("external actor")
        verbose_name_plural = _("external actors")
        ordering = ["name"]
        # the lists page through rows in this order (groups/views/paging.py)
        indexes = [models.Index(fields=["name", "id"], name="actor_name_pk_idx")]
        constraints = [
            ref_not_blank("actor"),
            models.CheckConstraint(condition=Q(kind__in=ActorKind.values), name="actor_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def holds_authority(self) -> bool:
        """has_authority, or the kind's default when it is blank (the one rule; see
        ExternalActorQuerySet.with_authority for the same in a query)."""
        return authority_default(self.kind) if self.has_authority is None else self.has_authority


class ExchangeQuerySet(models.QuerySet):
    def counted(self) -> "ExchangeQuerySet":
        """Exchanges that count in reports: disputed ones are left out."""
        return self.exclude(status=ExchangeStatus.DISPUTED)

    def involving(self, person: Person) -> "ExchangeQuerySet":
        return self.filter(Q(giver_person=person) | Q(receiver_person=person))

    def awaiting(self, person: Person) -> "ExchangeQuerySet":
        """Pending exchanges about this person that someone else logged: theirs to confirm."""
        return (
            self.involving(person)
            .filter(status=ExchangeStatus.PENDING)
            .exclude(logged_by_id=person.user_id)
        )


class Exchange(models.Model):
    ref = ref_field()
    date = models.DateField(_("date"), default=timezone.localdate)
    giver_person = models.ForeignKey(
        Person,
        verbose_name=_("giver (person)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # people are anonymised on erasure, never deleted under their history
        related_name="exchanges_given",
    )
    giver_actor = models.ForeignKey(
        ExternalActor,
        verbose_name=_("giver (external actor)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exchanges_given",
    )
    receiver_person = models.ForeignKey(
        Person,
        verbose_name=_("receiver (person)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exchanges_received",
    )
    receiver_actor = models.ForeignKey(
        ExternalActor,
        verbose_name=_("receiver (external actor)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exchanges_received",
    )
    resource = models.CharField(_("resource"), max_length=32, choices=Resource.choices)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    unit = models.CharField(
        _("unit"), max_length=16, blank=True, help_text=_("For example IDR, hours, kg.")
    )
    group = models.ForeignKey(
        Group,
        verbose_name=_("within group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # the flow between two people outlives the group
        related_name="exchanges",
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ExchangeStatus.choices, default=ExchangeStatus.PENDING
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed or disputed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    objects = ExchangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["date"], name="exchange_date_idx"),
            # a group's latest exchanges (its page) without walking every exchange by date
            models.Index(fields=["group", "date", "id"], name="exchange_group_date_idx"),
        ]
        constraints = [
            ref_not_blank("exchange"),
            models.CheckConstraint(
                condition=Q(giver_person__isnull=False, giver_actor__isnull=True)
                | Q(giver_person__isnull=True, giver_actor__isnull=False),
                name="exchange_one_giver",
                violation_error_message=_("An exchange needs exactly one giver."),
            ),
            models.CheckConstraint(
                condition=Q(receiver_person__isnull=False, receiver_actor__isnull=True)
                | Q(receiver_person__isnull=True, receiver_actor__isnull=False),
                name="exchange_one_receiver",
                violation_error_message=_("An exchange needs exactly one receiver."),
            ),
            models.CheckConstraint(
                condition=Q(giver_person__isnull=True)
                | Q(receiver_person__isnull=True)
                | ~Q(giver_person=F("receiver_person")),
                name="exchange_person_not_self",
                violation_error_message=_("Giver and receiver must be different."),
            ),
            models.CheckConstraint(
                condition=Q(giver_actor__isnull=True)
                | Q(receiver_actor__isnull=True)
                | ~Q(giver_actor=F("receiver_actor")),
                name="exchange_actor_not_self",
                violation_error_message=_("Giver and receiver must be different."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="exchange_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(resource__in=Resource.values), name="exchange_resource_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExchangeStatus.values), name="exchange_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.giver} → {self.receiver}: {self.get_resource_display()} ({self.date})"

    @property
    def giver(self) -> Person | ExternalActor | None:
        return self.giver_person or self.giver_actor

    @property
    def receiver(self) -> Person | ExternalActor | None:
        return self.receiver_person or self.receiver_actor


def exchange_ends(giver, receiver, *, is_person=None, suffix: str = "") -> dict:
    """The four fields that hold an exchange's two ends: a person goes in `<side>_person`,
    an external actor in `<side>_actor`, and the other field of that side stays empty.
    `is_person` tells the two apart (default: a Person instance); `suffix` "_id" names the
    id columns when the ends are ids."""
    if is_person is None:
        is_person = lambda party: isinstance(party, Person)  # noqa: E731
    fields = {}
    for side, party in (("giver", giver), ("receiver", receiver)):
        person = party is not None and is_person(party)
        fields[f"{side}_person{suffix}"] = party if person else None
        fields[f"{side}_actor{suffix}"] = None if person else party
    return fields


class Activity(models.Model):
    ref = ref_field()
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ActivityKind.choices)
    date = models.DateField(_("date"), default=timezone.localdate)
    title = models.CharField(_("title"), max_length=200, blank=True)
    actor = models.ForeignKey(
        ExternalActor,
        verbose_name=_("external actor involved"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    attendees = models.ManyToManyField(
        Person, verbose_name=_("attended"), blank=True, related_name="activities_attended"
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-pk"]
        constraints = [
            ref_not_blank("activity"),
            models.CheckConstraint(
                condition=Q(kind__in=ActivityKind.values), name="activity_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.date}"


# --- Who works where ------------------------------------------------------------------------


class Assignment(models.Model):
    """A facilitator's or coordinator's area of work: that area and everything below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    role = models.CharField(_("role"), max_length=16, choices=StaffRole.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="assignments"
    )
    sees_names = models.BooleanField(
        _("may see names"),
        default=False,
        help_text=_("Coordinators above village level see people pseudonymised unless allowed."),
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["user__username", "area__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "area"], name="assignment_unique_user_role_area"
            ),
            models.CheckConstraint(
                condition=Q(role__in=StaffRole.values), name="assignment_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.area}"


class ImportRecord(models.Model):
    """One CSV import: who, when, which files and how many records of each kind it created
    and updated (the audit trail records every change to an existing person or exchange)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    file_names = models.CharField(_("files"), max_length=500, blank=True)
    counts = models.JSONField(_("created and updated per file"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.imported_at:%Y-%m-%d %H:%M} {self.file_names}"


# --- Score snapshots ---------------------------------------------------------------------------
# Social-capital indicators are computed in the background (groups/scores/)
# and stored here, so report pages read one snapshot instead of recomputing networks per request.
# Field names follow groups/analysis.py; ids there become refs here. Undefined values are NULL.


class SnapshotStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be computed")
    RUNNING = "running", _("Being computed")
    DONE = "done", _("Computed")
    FAILED = "failed", _("Failed")


class ScoreSnapshotQuerySet(models.QuerySet):
    def done(self) -> "ScoreSnapshotQuerySet":
        return self.filter(status=SnapshotStatus.DONE)

    def queued(self) -> "ScoreSnapshotQuerySet":
        """Snapshots waiting for or under computation."""
        return self.filter(status__in=[SnapshotStatus.PENDING, SnapshotStatus.RUNNING])

    def for_window(
        self, area, start, end, resource: str = "", confirmed_only: bool = False
    ) -> "ScoreSnapshotQuerySet":
        """Snapshots of one key; start/end None means the rolling "last 12 months" window."""
        qs = self.filter(area=area, resource=resource or "", confirmed_only=confirmed_only)
        # the latest requested wins: it read the newest data, whichever finished first
        if start is None or end is None:
            return qs.filter(rolling=True).order_by("-period_end", "-requested_at", "-pk")
        return qs.filter(period_start=start, period_end=end).order_by("-requested_at", "-pk")


class ScoreSnapshot(models.Model):
    """One computation of the indicators of an area (and everything below it) for a window."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="score_snapshots"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    rolling = models.BooleanField(
        _("last 12 months"), default=False, help_text=_("Computed for the default window.")
    )
    resource = models.CharField(
        _("resource"), max_length=32, choices=Resource.choices, blank=True,
        help_text=_("Only exchanges of this type; blank for all types."),
    )
    confirmed_only = models.BooleanField(
        _("confirmed exchanges only"), default=False,
        help_text=_("Only exchanges the other side confirmed; otherwise pending ones count too."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SnapshotStatus.choices, default=SnapshotStatus.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    # Who asked for a window of their own choosing (access.Scope.may_request_scores bounds them);
    # empty for the shared preset windows and for recomputations after a change.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    betweenness_estimated = models.BooleanField(_("betweenness estimated"), default=False)
    area_scores = models.JSONField(_("area indicators"), default=dict, blank=True)
    trend = models.JSONField(_("trend per quarter"), default=dict, blank=True)
    group_network = models.JSONField(_("network of groups"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = ScoreSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("score snapshot")
        verbose_name_plural = _("score snapshots")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # The latest done snapshot of a key is one index range scan (reports.latest_snapshot).
            models.Index(
                fields=["area", "resource", "status", "-period_end", "period_start", "-requested_at"],
                name="snapshot_latest_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SnapshotStatus.values), name="snapshot_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(resource="") | Q(resource__in=Resource.values),
                name="snapshot_resource_valid",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="snapshot_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.period_start}–{self.period_end} ({self.get_status_display()})"

    def waited_too_long(self, now=None) -> bool:
        """Still waiting or running QUEUE_STALE_SECONDS after it was asked for: the worker is
        stuck or stopped (report pages then offer to ask again)."""
        if self.status not in (SnapshotStatus.PENDING, SnapshotStatus.RUNNING):
            return False
        limit = datetime.timedelta(seconds=settings.QUEUE_STALE_SECONDS)
        return self.requested_at < (now or timezone.now()) - limit


class PersonScore(models.Model):
    """A person's indicators in one snapshot (see analysis.PersonScores for the formulas)."""

    snapshot = models.ForeignKey(
        ScoreSnapshot, on_delete=models.CASCADE, related_name="person_scores"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="scores")
    partners = models.PositiveIntegerField(default=0)
    given = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    given_by_type = models.JSONField(default=dict)
    received_by_type = models.JSONField(default=dict)
    bonding_ties = models.PositiveIntegerField(default=0)
    bridging_ties = models.PositiveIntegerField(default=0)
    linking_ties = models.PositiveIntegerField(default=0)
    reciprocity = models.FloatField(null=True, blank=True)
    resource_access = models.PositiveSmallIntegerField(default=0)
    betweenness = models.FloatField(default=0.0)
    constraint = models.FloatField(null=True, blank=True)
    effective_size = models.FloatField(null=True, blank=True)
    # people in the person's part of the network who would lose touch without them (0 unless a
    # cut vertex); see analysis.PersonScores
    cut_off = models.PositiveIntegerField(default=0)
    # indicator key -> the number of records its value rests on (evidence.py names the minimums)
    bases = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("person score")
        verbose_name_plural = _("person scores")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "person"], name="person_score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.snapshot_id}"


class GroupScore(models.Model):
    """A group's indicators in one snapshot (see analysis.GroupScores for the formulas), with
    its members' network (laid out) and its trend per quarter for the group report."""

    snapshot = models.ForeignKey(
        ScoreSnapshot, on_delete=models.CASCADE, related_name="group_scores"
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="scores")
    size = models.PositiveIntegerField(default=0)
    ties = models.PositiveIntegerField(default=0)
    exchanges = models.PositiveIntegerField(default=0)
    density = models.FloatField(null=True, blank=True)
    reciprocity = models.FloatField(null=True, blank=True)
    transitivity = models.FloatField(null=True, blank=True)
    ei_index = models.FloatField(null=True, blank=True)
    bonding = models.FloatField(null=True, blank=True)
    bridging = models.FloatField(null=True, blank=True)
    linking = models.FloatField(null=True, blank=True)
    bridging_groups = models.PositiveIntegerField(default=0)
    bridging_group_refs = models.JSONField(default=list)
    linking_actors = models.PositiveIntegerField(default=0)
    linking_actor_refs = models.JSONField(default=list)
    self_reliance = models.FloatField(null=True, blank=True)
    aid_dependence = models.FloatField(null=True, blank=True)
    learning_share = models.FloatField(null=True, blank=True)
    centralization = models.FloatField(null=True, blank=True)
    participation = models.FloatField(null=True, blank=True)
    norms_active = models.PositiveIntegerField(default=0)
    norm_rating = models.FloatField(null=True, blank=True)
    balanced_share = models.FloatField(null=True, blank=True)
    aid_value_share = models.FloatField(null=True, blank=True)
    capacity_building = models.PositiveIntegerField(default=0)
    bridges = models.PositiveIntegerField(default=0)
    # activities saved with nobody ticked ("attendance not recorded"), counted apart
    attendance_unrecorded = models.PositiveIntegerField(default=0)
    # norms in force whose latest review is older than 12 months or missing (not averaged)
    norms_due = models.PositiveIntegerField(default=0)
    # latest activity as of the window's end, and whether the group is quiet then
    last_activity = models.DateField(null=True, blank=True)
    quiet = models.BooleanField(default=False)
    # the group's own money at the window's end (scores/money.py; amounts in rupiah)
    savings_per_member = models.FloatField(null=True, blank=True)
    loans_outstanding = models.FloatField(null=True, blank=True)
    borrowing_share = models.FloatField(null=True, blank=True)
    par30 = models.FloatField(null=True, blank=True)
    return_on_savings = models.FloatField(null=True, blank=True)
    fund_utilisation = models.FloatField(null=True, blank=True)
    social_payouts = models.FloatField(null=True, blank=True)
    ledger_attendance = models.FloatField(null=True, blank=True)
    drop_out = models.FloatField(null=True, blank=True)
    own_capital_share = models.FloatField(null=True, blank=True)
    # indicator key -> the number of records its value rests on (evidence.py names the minimums)
    bases = models.JSONField(default=dict)
    # data quality: exchanges logged, confirmed / pending / disputed, entered on sheets, ...
    quality = models.JSONField(default=dict)
    network = models.JSONField(default=dict)
    # the most members cut off within the group without one member (layouts.held_together),
    # for a group with enough exchanges to say it; stored so no page reads the network for it
    held_together = models.PositiveIntegerField(null=True, blank=True)
    trend = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("group score")
        verbose_name_plural = _("group scores")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "group"], name="group_score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} @ {self.snapshot_id}"


# --- Task workers ---------------------------------------------------------------------------


class WorkerHeartbeat(models.Model):
    """A task worker (`manage.py run_worker`, on any host) saying it is alive. Every worker
    writes its row every few seconds; a task still running under a worker silent for longer
    than WORKER_LOST_SECONDS lost its worker (killed, or its machine gone) and another worker
    gives it back to the queue (groups/worker.py)."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    seen_at = models.DateTimeField(_("last seen at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


# --- Forms sent once ------------------------------------------------------------------------


class FormSubmission(models.Model):
    """A create form's one-time token, once used. A second post of the same form (a double
    click, Back and resend, two tabs, a slow network resending) finds the token here and is
    sent to what the first post saved instead of saving it again; the primary key makes two
    racing posts save one set (groups/services/submissions.py)."""

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return str(self.token)


# --- The group's own money: funds, cycles, ledger entries -----------------------------------
# A fund's money flows between the fund and a member (or an outside lender or donor): never
# between two people, so ledger entries never enter the person network (scores/collect.py reads
# exchanges only). Rules one row can keep are constraints here; rules across rows (a fund cannot
# pay out more than it holds, a loan cannot be over-repaid) live in groups/services/ledger.py,
# the one door every ledger write goes through. The arithmetic is groups/ledger_math.py.


class FundKind(models.TextChoices):
    SAVINGS_LOAN = "savings_loan", _("Savings and loan fund")
    SOCIAL = "social", _("Social fund (dana sosial)")
    ARISAN = "arisan", _("Arisan pot")


class EntryKind(models.TextChoices):
    DEPOSIT = "deposit", _("Savings deposit")
    WITHDRAWAL = "withdrawal", _("Savings withdrawal")
    LOAN = "loan", _("Loan")
    REPAYMENT = "repayment", _("Loan repayment")
    WRITE_OFF = "write_off", _("Loan written off")
    CONTRIBUTION = "contribution", _("Contribution")
    PAYOUT = "payout", _("Social fund payout")
    FINE = "fine", _("Fine")
    DRAW = "draw", _("Arisan draw")
    OUTSIDE_LOAN = "outside_loan", _("Loan from outside")
    OUTSIDE_GRANT = "outside_grant", _("Grant from outside")
    OUTSIDE_REPAYMENT = "outside_repayment", _("Repayment to an outside lender")
    SHARE_OUT = "share_out", _("Share-out")


class InterestMethod(models.TextChoices):
    FLAT = ledger_math.FLAT, _("Flat (on the amount lent)")
    DECLINING = ledger_math.DECLINING, _("Declining (on what is still owed)")


class PayoutReason(models.TextChoices):
    DEATH = "death", _("Death")
    ILLNESS = "illness", _("Illness")
    DISASTER = "disaster", _("Disaster")
    OTHER = "other", pgettext_lazy("payout reason", "Other")


class FundQuerySet(models.QuerySet):
    def open(self) -> "FundQuerySet":
        return self.filter(closed_on__isnull=True)


class Fund(models.Model):
    ref = ref_field()
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.PROTECT, related_name="funds"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FundKind.choices)
    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(
        _("currency"), max_length=3, default="IDR",
        validators=[
            RegexValidator(r"^[A-Z]{3}$", _("Write the currency as three capital letters, like IDR."))
        ],
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = FundQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["group__name", "name", "pk"]
        constraints = [
            ref_not_blank("fund"),
            models.CheckConstraint(condition=Q(kind__in=FundKind.values), name="fund_kind_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="fund_name_not_blank"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="fund_currency_code",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="fund_closed_after_opened",
                violation_error_message=_("A fund cannot close before it opened."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RotationHow(models.TextChoices):
    DRAWN = "drawn", _("Drawn by lot")
    AGREED = "agreed", _("Agreed by the group")


class Cycle(models.Model):
    """A fund's cycle: from its start to its share-out (a savings group's year, an arisan's
    round of draws). Every ledger entry belongs to the cycle it falls in; the opening balance
    is the cash the fund held when the cycle began."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.CASCADE, related_name="cycles"
    )
    start = models.DateField(_("start"))
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    share_out_on = models.DateField(_("share-out date"), null=True, blank=True)
    opening_balance = models.DecimalField(
        _("opening balance"), max_digits=14, decimal_places=2, default=0,
        validators=[MinValueValidator(0)],
    )
    rotation = models.CharField(
        _("arisan order"), max_length=8, choices=RotationHow.choices, blank=True,
        help_text=_("How the order of the draws was set (arisan pots)."),
    )

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["fund", "start"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "start"], name="cycle_unique_fund_start"),
            models.CheckConstraint(
                condition=Q(opening_balance__gte=0), name="cycle_opening_not_negative",
                violation_error_message=_("The opening balance cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True) | Q(planned_end__gte=F("start")),
                name="cycle_end_after_start",
                violation_error_message=_("A cycle cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(share_out_on__isnull=True) | Q(share_out_on__gte=F("start")),
                name="cycle_share_out_after_start",
                violation_error_message=_("The share-out cannot come before the cycle starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund} {self.start}"


class LedgerEntryQuerySet(models.QuerySet):
    def loans(self) -> "LedgerEntryQuerySet":
        return self.filter(kind=EntryKind.LOAN)

    def of_member(self, person: "Person") -> "LedgerEntryQuerySet":
        return self.filter(person=person)


_ON_LOANS = Q(kind=EntryKind.LOAN)
_LOAN_PARTS = Q(kind__in=sorted(ledger_math.LOAN_PART_KINDS))
_WITH_ACTOR = Q(kind__in=sorted(ledger_math.ACTOR_KINDS))
_SPLIT = Q(principal__isnull=False, interest__isnull=False, principal__gte=0, interest__gte=0,
           amount=F("principal") + F("interest"))
_NOT_SPLIT = Q(principal__isnull=True, interest__isnull=True)


class LedgerEntry(models.Model):
    """One movement of a fund's money, dated, between the fund and one member or one external
    actor (outside loans and grants). Amounts are positive; the kind says the direction
    (ledger_math.CASH_SIGN)."""

    ref = ref_field()
    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="entries"
    )
    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="entries"
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    kind = models.CharField(_("entry"), max_length=20, choices=EntryKind.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("member"), null=True, blank=True,
        on_delete=models.PROTECT,  # people are anonymised on erasure, never deleted under their money
        related_name="ledger_entries",
    )
    actor = models.ForeignKey(
        ExternalActor, verbose_name=_("external actor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="ledger_entries",
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    loan = models.ForeignKey(
        "self", verbose_name=_("loan"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="loan_parts", help_text=_("The loan a repayment or write-off belongs to."),
    )
    principal = models.DecimalField(_("principal"), max_digits=14, decimal_places=2, null=True, blank=True)
    interest = models.DecimalField(_("interest"), max_digits=14, decimal_places=2, null=True, blank=True)
    rate_percent_per_month = models.DecimalField(
        _("interest per month (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    method = models.CharField(
        _("interest method"), max_length=16, choices=InterestMethod.choices, blank=True
    )
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    reason = models.CharField(_("reason"), max_length=16, choices=PayoutReason.choices, blank=True)
    covered_for = models.ForeignKey(
        Person, verbose_name=_("paid for"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("A contribution one member paid for another who missed it."),
    )
    meeting = models.ForeignKey(
        "LedgerMeeting", verbose_name=_("meeting"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="entries",
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["fund", "date"], name="ledger_fund_date_idx")]
        constraints = [
            ref_not_blank("ledger"),
            models.CheckConstraint(condition=Q(kind__in=EntryKind.values), name="ledger_kind_valid"),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="ledger_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=(_WITH_ACTOR & Q(actor__isnull=False, person__isnull=True))
                | (~_WITH_ACTOR & Q(actor__isnull=True, person__isnull=False)),
                name="ledger_member_or_actor",
                violation_error_message=_(
                    "Money from or to outside lenders and donors names an external actor; "
                    "every other entry names a member."
                ),
            ),
            models.CheckConstraint(
                condition=(_ON_LOANS & Q(
                    rate_percent_per_month__isnull=False, rate_percent_per_month__gte=0,
                    rate_percent_per_month__lte=100, method__in=InterestMethod.values,
                    term_months__isnull=False, term_months__gte=1,
                ))
                | (~_ON_LOANS & Q(rate_percent_per_month__isnull=True, method="", term_months__isnull=True)),
                name="ledger_loan_terms_on_loans_only",
                violation_error_message=_(
                    "A loan needs its interest rate, method and term; other entries have none."
                ),
            ),
            models.CheckConstraint(
                condition=(_LOAN_PARTS & Q(loan__isnull=False)) | (~_LOAN_PARTS & Q(loan__isnull=True)),
                name="ledger_loan_part_names_loan",
                violation_error_message=_("A repayment or write-off names the loan it belongs to."),
            ),
            # A member's repayment is always split (the service splits it when not given); a
            # repayment to an outside lender may be (blank: all of it is principal).
            models.CheckConstraint(
                condition=(_SPLIT & Q(kind=EntryKind.REPAYMENT))
                | (Q(kind=EntryKind.OUTSIDE_REPAYMENT) & (_SPLIT | _NOT_SPLIT))
                | (~Q(kind__in=[EntryKind.REPAYMENT, EntryKind.OUTSIDE_REPAYMENT]) & _NOT_SPLIT),
                name="ledger_repayment_split",
                violation_error_message=_("A repayment's principal and interest add up to its amount."),
            ),
            models.CheckConstraint(
                condition=(Q(kind=EntryKind.PAYOUT) & Q(reason__in=PayoutReason.values))
                | (~Q(kind=EntryKind.PAYOUT) & Q(reason="")),
                name="ledger_reason_on_payouts",
                violation_error_message=_("A social fund payout gives its reason; other entries have none."),
            ),
            models.CheckConstraint(
                condition=Q(covered_for__isnull=True)
                | (Q(kind=EntryKind.CONTRIBUTION) & ~Q(covered_for=F("person"))),
                name="ledger_cover_on_contributions",
                violation_error_message=_("Only a contribution can be paid for another member."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.date})"

    @property
    def signed_amount(self):
        """What this entry does to the fund's cash."""
        return ledger_math.signed(self.kind, self.amount)


# --- Targets: what a coordinator aims for in their area --------------------------------------


class Target(models.Model):
    """A coordinator's target for one indicator in an area and below (the nearest area's
    target wins: groups/scores/targets.py). Whether it is a floor or a ceiling, and its unit
    (percent, rating, count), come from the indicator (scores/targets.TARGETABLE)."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("indicator"), max_length=32)
    goal = models.DecimalField(_("target"), max_digits=7, decimal_places=2)
    near = models.DecimalField(_("near band"), max_digits=7, decimal_places=2, default=0)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["area__name", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["area", "indicator"], name="target_unique_area_indicator"),
            models.CheckConstraint(condition=Q(near__gte=0) & Q(goal__gte=0), name="target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.area} – {self.indicator}: {self.goal}"
class RotationTurn(models.Model):
    """One place in an arisan cycle's order of draws: who receives the pot at which round.
    Who has drawn, and when, is read from the cycle's draw entries."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="turns")
    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("turn"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("arisan turn")
        verbose_name_plural = _("arisan turns")
        ordering = ["cycle", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "position"], name="turn_unique_position"),
            models.UniqueConstraint(fields=["cycle", "person"], name="turn_unique_person"),
            models.CheckConstraint(condition=Q(position__gte=1), name="turn_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} #{self.position}"


class LedgerMeeting(models.Model):
    """A meeting whose money was entered on the meeting ledger: the cash counted at its end
    against what the books say the funds hold, kept even when they differ (the difference is
    shown, never hidden)."""

    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.PROTECT, related_name="ledger_meetings"
    )
    date = models.DateField(_("date"))
    activity = models.ForeignKey(
        Activity, verbose_name=_("meeting"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    cash_counted = models.DecimalField(
        _("cash counted"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    cash_expected = models.DecimalField(_("cash in the books"), max_digits=14, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger meeting")
        verbose_name_plural = _("ledger meetings")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cash_counted__isnull=True) | Q(cash_counted__gte=0),
                name="ledger_meeting_cash_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.date}"

    @property
    def difference(self):
        """Cash counted minus cash in the books (None when nothing was counted)."""
        return None if self.cash_counted is None else self.cash_counted - self.cash_expected
