"""URLs of the groups app. Each section belongs to one views module; names are noun_action."""

from django.urls import path, register_converter

from .views import home


class RefConverter:
    """A record's code (models.REF_PATTERN, at most 64 characters). Anything else in a URL
    answers 404 before any query (a NUL byte makes PostgreSQL raise)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RefConverter, "ref")

app_name = "groups"

urlpatterns = [
    path("", home.home, name="home"),
]

# --- registry: groups, people, memberships, norms, actors, activities (views/registry.py) ---
from .views import registry, sheet  # noqa: E402

urlpatterns += [
    path("groups/", registry.group_list, name="group_list"),
    path("groups/new/", registry.group_create, name="group_create"),
    path("groups/<ref:ref>/", registry.group_detail, name="group_detail"),
    path("groups/<ref:ref>/edit/", registry.group_edit, name="group_edit"),
    path("groups/<ref:ref>/members/add/", registry.membership_add, name="membership_add"),
    path("groups/<ref:ref>/members/search/", registry.membership_search, name="membership_search"),
    path("groups/<ref:ref>/members/new/", registry.membership_create, name="membership_create"),
    path(
        "groups/<ref:ref>/members/<int:membership_id>/edit/",
        registry.membership_edit,
        name="membership_edit",
    ),
    path(
        "groups/<ref:ref>/members/<int:membership_id>/end/",
        registry.membership_end,
        name="membership_end",
    ),
    path("groups/<ref:ref>/norms/new/", registry.norm_create, name="norm_create"),
    path("groups/<ref:ref>/norms/<ref:norm_ref>/", registry.norm_detail, name="norm_detail"),
    path("groups/<ref:ref>/norms/<ref:norm_ref>/edit/", registry.norm_edit, name="norm_edit"),
    path("groups/<ref:ref>/norms/<ref:norm_ref>/retire/", registry.norm_retire, name="norm_retire"),
    path(
        "groups/<ref:ref>/norms/<ref:norm_ref>/reviews/new/",
        registry.normreview_create,
        name="normreview_create",
    ),
    path("groups/<ref:ref>/activities/new/", registry.activity_create, name="activity_create"),
    path(
        "groups/<ref:ref>/activities/<ref:activity_ref>/",
        registry.activity_detail,
        name="activity_detail",
    ),
    path(
        "groups/<ref:ref>/activities/<ref:activity_ref>/edit/",
        registry.activity_edit,
        name="activity_edit",
    ),
    path("groups/<ref:ref>/sheet/", sheet.exchange_sheet, name="exchange_sheet"),
    path("groups/<ref:ref>/sheet/row/", sheet.exchange_sheet_row, name="exchange_sheet_row"),
    path("groups/<ref:ref>/sheet/print/", sheet.exchange_sheet_print, name="exchange_sheet_print"),
    path("groups/<ref:ref>/sheet/print.pdf", sheet.exchange_sheet_pdf, name="exchange_sheet_pdf"),
    path("people/", registry.person_list, name="person_list"),
    path("people/new/", registry.person_create, name="person_create"),
    path("people/<ref:ref>/", registry.person_detail, name="person_detail"),
    path("people/<ref:ref>/edit/", registry.person_edit, name="person_edit"),
    path("people/<ref:ref>/login/", registry.account_create, name="account_create"),
    path("people/<ref:ref>/login/reset/", registry.account_reset, name="account_reset"),
    path("actors/", registry.actor_list, name="actor_list"),
    path("actors/new/", registry.actor_create, name="actor_create"),
    path("actors/<ref:ref>/edit/", registry.actor_edit, name="actor_edit"),
    path("account/password/", registry.account_password, name="account_password"),
]

# --- exchanges: my exchanges, logging, confirming, summary (views/exchanges.py) ---
from .views import exchanges  # noqa: E402

urlpatterns += [
    path("exchanges/", exchanges.my_exchanges, name="my_exchanges"),
    path("exchanges/new/", exchanges.exchange_create, name="exchange_create"),
    path("exchanges/new/parties/", exchanges.exchange_party_search, name="exchange_party_search"),
    path("amounts/read/", exchanges.amount_read, name="amount_read"),
    path("dates/read/", exchanges.date_read, name="date_read"),
    path("exchanges/pending/", exchanges.exchange_pending, name="exchange_pending"),
    path("exchanges/summary/", exchanges.my_summary, name="my_summary"),
    path("exchanges/<ref:ref>/", exchanges.exchange_detail, name="exchange_detail"),
    path("exchanges/<ref:ref>/confirm/", exchanges.exchange_confirm, name="exchange_confirm"),
    path("exchanges/<ref:ref>/dispute/", exchanges.exchange_dispute, name="exchange_dispute"),
]

# --- a group's own money: funds, the meeting ledger, the arisan order (views/funds.py) ---
from .views import cycles, funds  # noqa: E402

urlpatterns += [
    path("groups/<ref:ref>/funds/", funds.fund_list, name="fund_list"),
    path("groups/<ref:ref>/funds/new/", funds.fund_create, name="fund_create"),
    path("groups/<ref:ref>/funds/meeting/", funds.fund_meeting, name="fund_meeting"),
    path("groups/<ref:ref>/funds/meeting/cash/", funds.fund_meeting_cash, name="fund_meeting_cash"),
    path("groups/<ref:ref>/funds/meeting/row/", funds.fund_meeting_row, name="fund_meeting_row"),
    path("groups/<ref:ref>/funds/<ref:fund_ref>/", funds.fund_detail, name="fund_detail"),
    path("groups/<ref:ref>/funds/<ref:fund_ref>/order/", funds.fund_rotation, name="fund_rotation"),
    path("groups/<ref:ref>/funds/<ref:fund_ref>/share-out/", cycles.fund_share_out, name="fund_share_out"),
    path("groups/<ref:ref>/funds/<ref:fund_ref>/cycle/", cycles.fund_cycle_dates, name="fund_cycle_dates"),
]

# --- reports: dashboard, group report, person profile, methodology (views/reports.py) ---
from .views import reports as report_views  # noqa: E402

urlpatterns += [
    path("reports/", report_views.report_dashboard, name="report_dashboard"),
    path("reports/areas/<ref:ref>/", report_views.report_dashboard, name="report_dashboard"),
    path("reports/groups/<ref:ref>/", report_views.report_group, name="report_group"),
    path(
        "reports/groups/<ref:ref>/change/<ref:activity_ref>/",
        report_views.report_group_change,
        name="report_group_change",
    ),
    path("reports/people/<ref:ref>/", report_views.report_person, name="report_person"),
    path(
        "reports/areas/<ref:ref>/retry/", report_views.report_dashboard_retry, name="report_dashboard_retry"
    ),
    path("reports/groups/<ref:ref>/retry/", report_views.report_group_retry, name="report_group_retry"),
    path("reports/people/<ref:ref>/retry/", report_views.report_person_retry, name="report_person_retry"),
    path("methodology/", report_views.methodology, name="methodology"),
]

# score and network downloads (views/downloads.py; engineer `scores`)
from .views import downloads  # noqa: E402

urlpatterns += [
    path("reports/areas/<ref:ref>/download/scores/", downloads.scores_download, name="scores_download"),
    path("reports/areas/<ref:ref>/download/network/", downloads.network_download, name="network_download"),
    path(
        "reports/groups/<ref:ref>/download/network/",
        downloads.group_network_download,
        name="group_network_download",
    ),
]

# --- the map of groups: its GeoJSON and the village outlines (views/maps.py) ---
from .views import maps  # noqa: E402

urlpatterns += [
    path("reports/areas/<ref:ref>/groups.geojson", maps.area_groups_geojson, name="area_groups_geojson"),
    path(
        "reports/areas/<ref:ref>/outlines.geojson", maps.area_outlines_geojson, name="area_outlines_geojson"
    ),
    path("reports/areas/<ref:ref>/outlines/upload/", maps.area_outlines_upload, name="area_outlines_upload"),
]

# --- transfer: CSV import and export (views/transfer.py) ---
from .views import transfer  # noqa: E402

urlpatterns += [
    path("transfer/import/", transfer.import_upload, name="import_upload"),
    path("transfer/import/<str:token>/", transfer.import_preview, name="import_preview"),
    path("transfer/import/<str:token>/confirm/", transfer.import_confirm, name="import_confirm"),
    path("transfer/import/<str:token>/status/", transfer.import_status, name="import_status"),
    path("transfer/import/<str:token>/problems.csv", transfer.import_problems, name="import_problems"),
    path("transfer/export/", transfer.export_download, name="export_download"),
]

# --- safety: health check, audit trail, erasure (views/safety.py) ---
from .views import safety  # noqa: E402

urlpatterns += [
    path("audit/", safety.audit_list, name="audit_list"),
    path("people/<ref:ref>/erase/", safety.person_erase, name="person_erase"),
]

# --- working offline: service worker, manifest, offline page (views/offline.py) ---
from .views import offline  # noqa: E402

urlpatterns += [
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("offline/", offline.offline_page, name="offline_page"),
    path("offline/pages/", offline.offline_pages, name="offline_pages"),
]

# --- the outbox: what a phone kept with no signal, sent when it returns (views/outbox.py) ---
from .views import outbox  # noqa: E402

urlpatterns += [
    path("outbox/exchanges/", outbox.outbox_exchange, name="outbox_exchange"),
    path("outbox/groups/<ref:ref>/sheet/", outbox.outbox_sheet, name="outbox_sheet"),
    path("outbox/groups/<ref:ref>/funds/meeting/", outbox.outbox_ledger, name="outbox_ledger"),
]

# --- a group's report card: the A4 page, its PDF and share image (views/card.py) ---
from .views import card  # noqa: E402

urlpatterns += [
    path("reports/groups/<ref:ref>/card/", card.group_card, name="group_card"),
    path("reports/groups/<ref:ref>/card.pdf", card.group_card_pdf, name="group_card_pdf"),
    path("reports/groups/<ref:ref>/card.png", card.group_card_png, name="group_card_png"),
]

# --- villages side by side (views/villages.py) ---
from .views import villages as village_views  # noqa: E402

urlpatterns += [
    path("reports/areas/<ref:ref>/villages/", village_views.report_villages, name="report_villages"),
    path("reports/areas/<ref:ref>/villages.csv", village_views.villages_download, name="villages_download"),
]

# --- targets and the scorecard (views/targets.py) ---
from .views import targets as target_views  # noqa: E402

urlpatterns += [
    path("reports/areas/<ref:ref>/targets/", target_views.target_list, name="target_list"),
    path("reports/areas/<ref:ref>/targets/set/", target_views.target_set, name="target_set"),
    path(
        "reports/areas/<ref:ref>/targets/<slug:indicator>/remove/",
        target_views.target_delete,
        name="target_delete",
    ),
    path("reports/areas/<ref:ref>/scorecard.csv", target_views.scorecard_download, name="scorecard_download"),
    path("reports/areas/<ref:ref>/scorecard.pdf", target_views.scorecard_print, name="scorecard_print"),
]
