from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from groups import access


@require_http_methods(["GET"])
@login_required
def home(request):
    groups = (
        access.scope_for(request).groups()
        .select_related("area")
        .annotate(member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
        .order_by("name")
    )
    return render(request, "groups/home.html", {"groups": groups})
