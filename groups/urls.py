"""URLs of the groups app. Each section belongs to one views module; names are noun_action."""

from django.urls import path

from .views import home

app_name = "groups"

urlpatterns = [
    path("", home.home, name="home"),
]

# --- registry: groups, people, memberships, norms, actors, activities (views/registry.py) ---
urlpatterns += []

# --- exchanges: my exchanges, logging, confirming, summary (views/exchanges.py) ---
urlpatterns += []

# --- reports: dashboard, group report, person profile, methodology (views/reports.py) ---
urlpatterns += []

# --- transfer: CSV import and export (views/transfer.py) ---
urlpatterns += []

# --- trust: health check, audit trail, erasure (views/trust.py) ---
urlpatterns += []
