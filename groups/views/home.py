"""The landing page: what each role needs first (a member, a facilitator, a coordinator)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from groups import access
from groups.models import Exchange, user_display_name
from groups.views.exchanges import pending_for, with_pending_count


@require_http_methods(["GET"])
@login_required
def home(request):
    scope = access.scope_for(request)
    context = {
        "is_member": scope.is_member,
        "is_facilitator": scope.review_pending(),
        "display_name": user_display_name(request.user),
    }
    if scope.is_member:
        context["display_name"] = scope.person.nickname or scope.person.full_name
        context["waiting_count"] = Exchange.objects.awaiting(scope.person).count()
        context["member_groups"] = (
            scope.member_groups().select_related("area").order_by("name")
        )
    if scope.review_pending():
        groups = scope.editable_groups().select_related("area").annotate(
            member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True))
        )
        context["facilitated_groups"] = with_pending_count(scope, groups).order_by("name")
        context["pending_total"] = pending_for(scope).count()
    context["coordinated_areas"] = (
        scope.coordinated_areas().select_related("parent").order_by("name")
    )
    return render(request, "groups/home.html", context)
