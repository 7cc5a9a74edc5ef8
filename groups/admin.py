from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Activity,
    Area,
    AreaBoundary,
    Assignment,
    Cycle,
    Exchange,
    ExternalActor,
    FormSubmission,
    Fund,
    Group,
    GroupScore,
    ImportRecord,
    LedgerEntry,
    LedgerMeeting,
    Membership,
    Norm,
    NormReview,
    Person,
    PersonScore,
    RotationTurn,
    ScoreSnapshot,
    Target,
    WorkerHeartbeat,
)

admin.site.site_header = _("CommunityMap administration")
admin.site.site_title = _("CommunityMap")
admin.site.index_title = _("Records")


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "ref"]
    list_filter = ["level"]
    search_fields = ["name", "ref"]
    autocomplete_fields = ["parent"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]


class NormInline(admin.StackedInline):
    model = Norm
    extra = 0
    fields = ["statement", "category", "how_agreed", "agreed_on", "is_active"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "how_formed", "is_active", "ref"]
    list_filter = ["kind", "how_formed", "is_active", "meeting_frequency", "area"]
    search_fields = ["name", "ref", "description"]
    autocomplete_fields = ["area", "facilitators"]
    inlines = [MembershipInline, NormInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "nickname", "gender", "birth_year", "area", "consent_on", "ref"]
    list_filter = ["gender", "area", ("consent_on", admin.EmptyFieldListFilter)]
    search_fields = ["full_name", "nickname", "ref", "phone"]
    autocomplete_fields = ["area", "user", "consent_recorded_by"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "group", "role", "joined_on", "left_on"]
    list_filter = ["role", ("left_on", admin.EmptyFieldListFilter), "group__kind"]
    search_fields = ["person__full_name", "person__nickname", "group__name"]
    autocomplete_fields = ["person", "group"]


class NormReviewInline(admin.TabularInline):
    model = NormReview
    extra = 0


@admin.register(Norm)
class NormAdmin(admin.ModelAdmin):
    list_display = ["statement", "group", "category", "how_agreed", "agreed_on", "is_active"]
    list_filter = ["category", "how_agreed", "is_active"]
    search_fields = ["statement", "group__name", "ref"]
    autocomplete_fields = ["group"]
    inlines = [NormReviewInline]


@admin.register(NormReview)
class NormReviewAdmin(admin.ModelAdmin):
    list_display = ["norm", "reviewed_on", "rating", "rated_by", "raters"]
    list_filter = ["rating", "rated_by", "reviewed_on"]
    search_fields = ["norm__statement", "note"]
    autocomplete_fields = ["norm"]


@admin.register(ExternalActor)
class ExternalActorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "ref"]
    list_filter = ["kind", "area"]
    search_fields = ["name", "ref"]
    autocomplete_fields = ["area"]


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = ["date", "giver", "receiver", "resource", "amount", "unit", "status", "ref"]
    list_filter = ["resource", "status", "date", "group__kind"]
    search_fields = [
        "ref",
        "note",
        "giver_person__full_name",
        "receiver_person__full_name",
        "giver_actor__name",
        "receiver_actor__name",
    ]
    autocomplete_fields = [
        "giver_person",
        "giver_actor",
        "receiver_person",
        "receiver_actor",
        "group",
        "logged_by",
        "confirmed_by",
    ]
    date_hierarchy = "date"
    list_select_related = ["giver_person", "giver_actor", "receiver_person", "receiver_actor"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["date", "group", "kind", "title", "actor"]
    list_filter = ["kind", "date"]
    search_fields = ["title", "group__name", "ref"]
    autocomplete_fields = ["group", "actor", "attendees"]
    date_hierarchy = "date"


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "area", "sees_names"]
    list_filter = ["role", "sees_names"]
    search_fields = ["user__username", "area__name"]
    autocomplete_fields = ["user", "area"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Scores are computed, never typed in: the admin shows them read-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["area", "period_start", "period_end", "resource", "status", "computed_at"]
    list_filter = ["status", "resource"]
    search_fields = ["area__name", "area__ref"]
    date_hierarchy = "period_end"


@admin.register(PersonScore)
class PersonScoreAdmin(ReadOnlyAdmin):
    list_display = ["person", "snapshot", "partners", "given", "received", "betweenness"]
    search_fields = ["person__full_name", "person__ref"]
    list_select_related = ["person", "snapshot__area"]


@admin.register(GroupScore)
class GroupScoreAdmin(ReadOnlyAdmin):
    list_display = ["group", "snapshot", "size", "self_reliance", "ei_index"]
    search_fields = ["group__name", "group__ref"]
    list_select_related = ["group", "snapshot__area"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    """The task workers (any host) and when each last said it was alive (groups/worker.py)."""

    list_display = ["worker_id", "hostname", "pid", "started_at", "seen_at"]
    search_fields = ["worker_id", "hostname"]
    ordering = ["-seen_at"]


@admin.register(ImportRecord)
class ImportRecordAdmin(ReadOnlyAdmin):
    """The record of each CSV import: written by the importer, never typed in."""

    list_display = ["imported_at", "user", "file_names"]
    readonly_fields = ["imported_at", "user", "file_names", "counts"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AreaBoundary)
class AreaBoundaryAdmin(ReadOnlyAdmin):
    """Village outlines are loaded from a checked file (the map's upload, load_boundaries):
    the admin shows which file each area has, and may delete it."""

    list_display = ["area", "file_name", "loaded_at", "loaded_by"]
    search_fields = ["area__name", "area__ref", "file_name"]
    list_select_related = ["area", "loaded_by"]
    exclude = ["features"]


@admin.register(FormSubmission)
class FormSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["token", "user", "url", "created_at"]
    search_fields = ["url", "user__username"]


class LedgerAdmin(ReadOnlyAdmin):
    """A group's money is written only through groups/services/ledger.py, which checks that no
    fund pays out more than it holds and no loan is over-repaid: the admin only shows it."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fund)
class FundAdmin(LedgerAdmin):
    list_display = ["name", "group", "kind", "currency", "opened_on", "closed_on"]
    list_filter = ["kind"]
    search_fields = ["name", "ref", "group__name"]
    list_select_related = ["group"]


@admin.register(Cycle)
class CycleAdmin(LedgerAdmin):
    list_display = ["fund", "start", "planned_end", "share_out_on", "opening_balance"]
    search_fields = ["fund__name", "fund__ref"]
    list_select_related = ["fund"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(LedgerAdmin):
    list_display = ["date", "fund", "kind", "amount", "ref"]
    list_filter = ["kind"]
    search_fields = ["ref", "fund__name"]
    list_select_related = ["fund"]


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    """Targets are set on the targets page, whose form checks each indicator's range and who
    may set it (access.Scope.set_targets): the admin only shows them."""

    list_display = ["area", "indicator", "goal", "near", "set_by", "updated_at"]
    search_fields = ["area__name", "area__ref", "indicator"]
    list_select_related = ["area", "set_by"]
@admin.register(RotationTurn)
class RotationTurnAdmin(LedgerAdmin):
    list_display = ["cycle", "position"]
    list_select_related = ["cycle__fund"]


@admin.register(LedgerMeeting)
class LedgerMeetingAdmin(LedgerAdmin):
    list_display = ["date", "group", "cash_counted", "cash_expected"]
    search_fields = ["group__name", "group__ref"]
    list_select_related = ["group"]
