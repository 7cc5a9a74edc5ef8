"""The facilitator's registry: groups, people, memberships, norms, external actors,
activities and member logins.

Every view gets its objects through groups/access.py (outside scope 404, no right 403) and
child objects through their parent. htmx requests get the page's named partial; successful
posts redirect (an HX-Redirect for htmx)."""

import copy

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from groups import access, maps, names
from groups.forms import registry as forms
from groups.forms.passwords import ChangePasswordForm, ChoosePasswordForm
from groups.models import Area, ExternalActor, Group, Membership, Norm, NormReview, Person, Role
from groups.scores import page_cache
from groups.services import registry as services
from groups.services import submissions

from . import paging
from .offline import keeps_offline_copy
from .render import done, render_page

# --- helpers shared by the registry views ---------------------------------------------------


def already_saved(request, saved: submissions.AlreadySaved):
    """A form sent a second time (double click, Back and resend): nothing is saved again;
    the person is shown what the first post saved."""
    if saved.url:
        messages.info(request, _("This was already saved, so nothing was saved twice. Here it is."))
        return done(request, saved.url)
    messages.error(request, _("This form has already been used. Here is a new one."))
    return done(request, request.get_full_path())


def sent_before(request):
    """The answer to a create form posted again (its token already used), else None."""
    if request.method != "POST":
        return None
    saved = submissions.sent_before(token=request.POST.get("token"), user=request.user)
    return already_saved(request, saved) if saved is not None else None


def duplicates_of(request, form, people: QuerySet[Person]) -> list[Person]:
    """People already known who may be the one being registered (similar name, same area or
    birth year), unless the facilitator said it is a different person. Adds the form error."""
    choice = forms.DuplicateChoiceForm(request.POST)
    if choice.is_valid() and choice.cleaned_data["different_person"]:
        return []
    data = form.cleaned_data
    found = names.possible_duplicates(
        people, full_name=data["full_name"], area=data.get("area"), birth_year=data.get("birth_year")
    )
    if found:
        form.add_error(None, _("Someone with a similar name is already known. Is it one of them?"))
    return found


def posted(request):
    return request.POST if request.method == "POST" else None


def with_area(areas: QuerySet[Area], area_id: int | None) -> QuerySet[Area]:
    """`areas` plus the one an object is already in (editing must not fail on it)."""
    return Area.objects.filter(Q(pk__in=areas.values("pk")) | Q(pk=area_id))


def with_actor(actors: QuerySet[ExternalActor], actor_id: int | None) -> QuerySet[ExternalActor]:
    """`actors` plus the one an activity already names."""
    return ExternalActor.objects.filter(Q(pk__in=actors.values("pk")) | Q(pk=actor_id)).order_by("name")


def open_members(group: Group) -> QuerySet[Person]:
    return Person.objects.filter(
        memberships__group=group, memberships__left_on__isnull=True
    ).order_by("full_name")


# --- groups ---------------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
@keeps_offline_copy
def group_list(request):
    scope = access.scope_for(request)
    access.require(scope.read_registry())
    visible = scope.groups()
    areas = Area.objects.filter(
        Q(pk__in=scope.areas().values("pk")) | Q(pk__in=visible.values("area_id"))
    )
    form = forms.GroupFilterForm(request.GET, areas=areas)
    filters = paging.filters_of(request, form)
    context = {"form": form, "can_create": scope.register()}
    context.update(
        paging.kept_first_page(
            request, scope, form, lambda: _group_rows(request, scope, visible, filters), name="groups"
        )
    )
    return render_page(request, "groups/group_list.html", context, "results")


def _group_rows(request, scope, visible, filters) -> dict:
    groups = visible.select_related("area")
    if filters.get("q"):
        groups = groups.filter(name__icontains=filters["q"])
    if filters.get("kind"):
        groups = groups.filter(kind=filters["kind"])
    if filters.get("area"):
        groups = groups.in_area(filters["area"])
    page = paging.page_of(request, scope, groups, filters, order=("name", "pk"), name="groups")
    # counted for the page's rows only, never over the whole list
    shown = [g.pk for g in page.object_list]
    members = Membership.objects.open().filter(group_id__in=shown).order_by().values("group_id")
    norms = Norm.objects.filter(group_id__in=shown, is_active=True).order_by().values("group_id")
    members, norms = (
        dict(rows.annotate(n=Count("pk")).values_list("group_id", "n")) for rows in (members, norms)
    )
    for group in page.object_list:
        group.member_count, group.norm_count = members.get(group.pk, 0), norms.get(group.pk, 0)
    return {"page": page}


@require_http_methods(["GET", "POST"])
@login_required
def group_create(request):
    scope = access.scope_for(request)
    access.require(scope.register())
    if (again := sent_before(request)) is not None:
        return again
    form = forms.GroupCreateForm(posted(request), areas=scope.editable_areas())
    if form.is_valid():
        try:
            group = submissions.save_once(
                token=form.token,
                user=request.user,
                save=lambda: services.create_group(
                    facilitator=request.user if scope.looks_after_new_groups() else None, **form.cleaned_data
                ),
                url_of=lambda group: reverse("groups:group_detail", args=[group.ref]),
            )
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        messages.success(request, _("The group is registered. Now add its members."))
        return done(request, reverse("groups:group_detail", args=[group.ref]))
    context = {"form": form, "position_config": maps.position_picker(scope.editable_groups())}
    return render_page(request, "groups/group_form.html", context, "form")


@require_http_methods(["GET"])
@login_required
def group_detail(request, ref):
    group = access.get_group(request, ref)
    scope = access.scope_for(request)
    context = {"group": group, "namer": scope}
    # the same for every viewer of one naming class until a write: built once (page_cache)
    context.update(
        page_cache.cached(
            f"group-detail-{group.pk}", scope, lambda: _group_detail_parts(scope, group),
            area_id=group.area_id, districts={page_cache.kept_community_id(group.area_id)}, html=True,
        )
    )
    return render_page(request, "groups/group_detail.html", context, "main")


def _group_detail_parts(scope, group) -> dict:
    """What the group's page shows below its title, for this viewer's naming class."""
    memberships = list(
        group.memberships.select_related("person").order_by("person__full_name", "pk")
    )
    latest = NormReview.objects.filter(norm=OuterRef("pk")).order_by("-reviewed_on", "-pk")
    norms = group.norms.annotate(
        latest_rating=Subquery(latest.values("rating")[:1]),
        latest_reviewed_on=Subquery(latest.values("reviewed_on")[:1]),
    ).order_by("-is_active", "category", "pk")
    activities = (
        group.activities.select_related("actor")
        .annotate(attendee_count=Count("attendees"))
        .order_by("-date", "-pk")[:10]
    )
    exchanges = (
        scope.visible_exchanges(scope.exchanges())  # consent first (UU PDP)
        .filter(group=group)
        .select_related("giver_person", "giver_actor", "receiver_person", "receiver_actor")
        .order_by("-date", "-pk")[:10]
    )
    return {
        "members": [m for m in memberships if m.is_open],
        "former_members": [m for m in memberships if not m.is_open],
        "norms": list(norms),
        "activities": list(activities),
        "exchanges": list(exchanges),
        "facilitators": list(scope.looked_after_by(group)),
        "can_edit": scope.can_edit_group(group),
        "reads_funds": scope.reads_funds(group),
        "can_open_people": scope.read_registry(),
        "free_text": scope.reads_free_text_of(group),
    }


@require_http_methods(["GET", "POST"])
@login_required
def group_edit(request, ref):
    group = access.get_group(request, ref, edit=True)
    scope = access.scope_for(request)
    areas = with_area(scope.editable_areas(), group.area_id)
    form = forms.GroupEditForm(posted(request), instance=copy.copy(group), areas=areas)
    if form.is_valid():
        services.update_group(group=group, **form.cleaned_data)
        messages.success(request, _("The group's details are saved."))
        return done(request, reverse("groups:group_detail", args=[group.ref]))
    context = {"form": form, "group": group, "position_config": maps.position_picker(scope.editable_groups())}
    return render_page(request, "groups/group_form.html", context, "form")


# --- people ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def person_list(request):
    """The search as you type comes by POST: names stay out of addresses and logs (finding 16)."""
    scope = access.scope_for(request)
    access.require(scope.read_registry())
    form = forms.PersonFilterForm(request.POST if request.method == "POST" else request.GET)
    filters = paging.filters_of(request, form)
    context = {"form": form, "namer": scope, "can_create": scope.register()}
    context.update(
        paging.kept_first_page(
            request, scope, form, lambda: _person_rows(request, scope, filters), name="people"
        )
    )
    return render_page(request, "groups/person_list.html", context, "results")


def _person_rows(request, scope, filters) -> dict:
    people = scope.people().select_related("area")
    if filters.get("q"):
        # A name search must not reveal people whose names this user may not see.
        people = scope.named_people(people.search(filters["q"]))
    # sorted by name only for those who see names: the order would betray them otherwise
    order = ("full_name", "pk") if scope.sorts_people_by_name() else ("ref",)
    page = paging.page_of(request, scope, people, filters, order=order, name="people")
    in_groups = dict(
        Membership.objects.open()
        .filter(person_id__in=[p.pk for p in page.object_list])
        .order_by().values("person_id").annotate(n=Count("pk")).values_list("person_id", "n")
    )
    for person in page.object_list:
        person.group_count = in_groups.get(person.pk, 0)
    return {"page": page}


@require_http_methods(["GET", "POST"])
@login_required
def person_create(request):
    scope = access.scope_for(request)
    access.require(scope.register())
    if (again := sent_before(request)) is not None:
        return again
    form = forms.PersonCreateForm(posted(request), areas=scope.editable_areas())
    duplicates = duplicates_of(request, form, scope.people()) if form.is_valid() else []
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "consent_given"}
        try:
            person = submissions.save_once(
                token=form.token,
                user=request.user,
                save=lambda: services.create_person(recorded_by=request.user, **fields),
                url_of=lambda person: reverse("groups:person_detail", args=[person.ref]),
            )
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        messages.success(request, _("The person is registered."))
        return done(request, reverse("groups:person_detail", args=[person.ref]))
    context = {"form": form, "duplicates": duplicates, "namer": scope}
    return render_page(request, "groups/person_form.html", context, "form")


@require_http_methods(["GET"])
@login_required
def person_detail(request, ref):
    person = access.get_person(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_registry())
    can_edit = scope.write_person(person)
    # Only the groups this user may see: a person's other groups are not theirs to know.
    memberships = (
        person.memberships.filter(group__in=scope.groups())
        .select_related("group__area")
        .order_by("left_on", "group__name")
    )
    context = {
        "person": person,
        "memberships": memberships,
        "can_edit": can_edit,
        "can_create_login": can_edit and person.user_id is None and person.has_consent,
        "can_reset_login": person.user_id is not None and scope.manage_login(person),
        "namer": scope,
    }
    return render_page(request, "groups/person_detail.html", context, "main")


@require_http_methods(["GET", "POST"])
@login_required
def person_edit(request, ref):
    person = access.get_person(request, ref, edit=True)
    scope = access.scope_for(request)
    areas = with_area(scope.editable_areas(), person.area_id)
    form = forms.PersonForm(posted(request), instance=copy.copy(person), areas=areas)
    if form.is_valid():
        services.update_person(person=person, recorded_by=request.user, **form.cleaned_data)
        messages.success(request, _("The person's details are saved."))
        return done(request, reverse("groups:person_detail", args=[person.ref]))
    return render_page(request, "groups/person_form.html", {"form": form, "person": person}, "form")


# --- memberships ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def membership_add(request, ref):
    """Find someone already known (as you type, or with the search button) and add them."""
    group = access.get_group(request, ref, edit=True)
    if (again := sent_before(request)) is not None:
        return again
    scope = access.scope_for(request)
    candidates = scope.member_candidates(group)
    search = forms.MemberSearchForm(request.POST if request.method == "POST" else request.GET)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    form = forms.MembershipAddForm(posted(request), group=group, candidates=candidates)
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            submissions.save_once(
                token=form.token,
                user=request.user,
                save=lambda: services.add_member(
                    group=group,
                    person=person,
                    role=form.cleaned_data["role"],
                    joined_on=form.cleaned_data["joined_on"],
                ),
                url_of=lambda _membership: reverse("groups:group_detail", args=[group.ref]),
            )
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        except IntegrityError:
            form.add_error("person", _("This person is already a member of this group."))
        else:
            messages.success(
                request, _("%(name)s is now a member of the group.") % {"name": person.full_name}
            )
            return done(request, reverse("groups:group_detail", args=[group.ref]))
    context = member_search_context(group, candidates, query, form)
    return render_page(request, "groups/membership_add.html", {**context, "search": search}, "results")


@require_http_methods(["POST"])
@login_required
def membership_search(request, ref):
    """The search as you type of "Add members", by POST: the names typed stay out of
    addresses, proxy logs and history."""
    group = access.get_group(request, ref, edit=True)
    candidates = access.scope_for(request).member_candidates(group)
    search = forms.MemberSearchForm(request.POST)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    form = forms.MembershipAddForm(group=group, candidates=candidates)
    context = member_search_context(group, candidates, query, form)
    return render_page(request, "groups/membership_add.html", {**context, "search": search}, "results")


def member_search_context(group, candidates, query: str, form) -> dict:
    results = []
    if query:
        is_member = Membership.objects.open().filter(group=group, person=OuterRef("pk"))
        results = (
            candidates.search(query)
            .select_related("area")
            .annotate(is_member=Exists(is_member))
            .order_by("full_name", "pk")[:20]
        )
    return {
        "group": group,
        "query": query,
        "results": results,
        "form": form,
        "roles": Role.choices,
        "today": timezone.localdate(),
    }


@require_http_methods(["GET", "POST"])
@login_required
def membership_create(request, ref):
    """Someone not yet known: register the person and their membership in one step."""
    group = access.get_group(request, ref, edit=True)
    if (again := sent_before(request)) is not None:
        return again
    scope = access.scope_for(request)
    areas = with_area(scope.editable_areas(), group.area_id)
    search = forms.MemberSearchForm(request.GET)
    initial = {"area": group.area_id}
    if search.is_valid():
        initial["full_name"] = search.cleaned_data["q"].strip()
    form = forms.NewMemberForm(posted(request), areas=areas, initial=initial)
    duplicates = duplicates_of(request, form, scope.member_candidates(group)) if form.is_valid() else []
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "consent_given"}
        try:
            person, _membership = submissions.save_once(
                token=form.token,
                user=request.user,
                save=lambda: services.register_member(
                    group=group, recorded_by=request.user, **fields
                ),
                url_of=lambda _saved: reverse("groups:group_detail", args=[group.ref]),
            )
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        except IntegrityError:
            form.add_error(None, _("The person could not be saved. Please try again."))
        else:
            messages.success(
                request, _("%(name)s is registered and added to the group.") % {"name": person.full_name}
            )
            return done(request, reverse("groups:group_detail", args=[group.ref]))
    context = {"group": group, "form": form, "duplicates": duplicates, "namer": scope}
    return render_page(request, "groups/membership_create.html", context, "form")


@require_http_methods(["GET", "POST"])
@login_required
def membership_edit(request, ref, membership_id):
    group = access.get_group(request, ref, edit=True)
    membership = get_object_or_404(group.memberships.select_related("person"), pk=membership_id)
    form = forms.MembershipForm(posted(request), instance=copy.copy(membership))
    if form.is_valid():
        try:
            services.update_membership(membership=membership, **form.cleaned_data)
        except IntegrityError:
            form.add_error("joined_on", _("A member cannot leave before joining."))
        else:
            messages.success(request, _("The membership is saved."))
            return done(request, reverse("groups:group_detail", args=[group.ref]))
    context = {"group": group, "membership": membership, "form": form}
    return render_page(request, "groups/membership_edit.html", context, "form")


@require_http_methods(["GET", "POST"])
@login_required
def membership_end(request, ref, membership_id):
    """A member leaves: the membership is closed with a date and kept as history."""
    group = access.get_group(request, ref, edit=True)
    membership = get_object_or_404(group.memberships.select_related("person"), pk=membership_id)
    form = forms.MembershipEndForm(posted(request), membership=membership)
    if form.is_valid():
        if not membership.is_open:
            form.add_error(None, _("This membership has already ended."))
        else:
            try:
                services.end_membership(membership=membership, **form.cleaned_data)
            except IntegrityError:
                form.add_error("left_on", _("A member cannot leave before joining."))
            else:
                messages.success(
                    request,
                    _("%(name)s is no longer a member.") % {"name": membership.person.full_name},
                )
                return done(request, reverse("groups:group_detail", args=[group.ref]))
    context = {"group": group, "membership": membership, "form": form}
    return render_page(request, "groups/membership_end.html", context, "form")


# --- norms ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def norm_create(request, ref):
    group = access.get_group(request, ref, edit=True)
    if (again := sent_before(request)) is not None:
        return again
    form = forms.NormCreateForm(posted(request))
    if form.is_valid():
        try:
            norm = submissions.save_once(
                token=form.token,
                user=request.user,
                save=lambda: services.create_norm(group=group, **form.cleaned_data),
                url_of=lambda norm: reverse("groups:norm_detail", args=[group.ref, norm.ref]),
            )
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        messages.success(request, _("The norm is added."))
        return done(request, reverse("groups:norm_detail", args=[group.ref, norm.ref]))
    return render_page(request, "groups/norm_form.html", {"group": group, "form": form}, "form")


@require_http_methods(["GET"])
@login_required
def norm_detail(request, ref, norm_ref):
    group = access.get_group(request, ref)
    norm = get_object_or_404(group.norms, ref=norm_ref)
    scope = access.scope_for(request)
    can_edit = scope.can_edit_group(group)
    context = {
        "group": group,
        "norm": norm,
        "free_text": scope.reads_free_text_of(group),
        "reviews": norm.reviews.select_related("reviewed_by"),
        "can_edit": can_edit,
        "review_form": forms.NormReviewForm() if can_edit and norm.is_active else None,
    }
    return render_page(request, "groups/norm_detail.html", context, "main")


@require_http_methods(["GET", "POST"])
@login_required
def norm_edit(request, ref, norm_ref):
    group = access.get_group(request, ref, edit=True)
    norm = get_object_or_404(group.norms, ref=norm_ref)
    form = forms.NormForm(posted(request), instance=copy.copy(norm))
    if form.is_valid():
        services.update_norm(norm=norm, **form.cleaned_data)
        messages.success(request, _("The norm is saved."))
        return done(request, reverse("groups:norm_detail", args=[group.ref, norm.ref]))
    context = {"group": group, "norm": norm, "form": form}
    return render_page(request, "groups/norm_form.html", context, "form")


@require_http_methods(["GET", "POST"])
@login_required
def norm_retire(request, ref, norm_ref):
    """The group no longer keeps this norm: it stays, with its reviews, as history."""
    group = access.get_group(request, ref, edit=True)
    norm = get_object_or_404(group.norms, ref=norm_ref)
    form = forms.NormRetireForm(posted(request))
    if form.is_valid():
        if not norm.is_active:
            form.add_error(None, _("This norm is already retired."))
        else:
            services.retire_norm(norm=norm, **form.cleaned_data)
            messages.success(request, _("The norm is retired."))
            return done(request, reverse("groups:norm_detail", args=[group.ref, norm.ref]))
    context = {"group": group, "norm": norm, "form": form}
    return render_page(request, "groups/norm_retire.html", context, "form")


@require_http_methods(["GET", "POST"])
@login_required
def normreview_create(request, ref, norm_ref):
    group = access.get_group(request, ref, edit=True)
    norm = get_object_or_404(group.norms, ref=norm_ref)
    if (again := sent_before(request)) is not None:
        return again
    form = forms.NormReviewForm(posted(request))
    if form.is_valid():
        if not norm.is_active:
            form.add_error(None, _("A retired norm is no longer reviewed."))
        else:
            try:
                submissions.save_once(
                    token=form.token,
                    user=request.user,
                    save=lambda: services.add_norm_review(
                        norm=norm, reviewed_by=request.user, **form.cleaned_data
                    ),
                    url_of=lambda _review: reverse("groups:norm_detail", args=[group.ref, norm.ref]),
                )
            except submissions.AlreadySaved as saved:
                return already_saved(request, saved)
            messages.success(request, _("The review is saved."))
            return done(request, reverse("groups:norm_detail", args=[group.ref, norm.ref]))
    context = {"group": group, "norm": norm, "form": form}
    return render_page(request, "groups/normreview_form.html", context, "form")


# --- external actors ------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def actor_list(request):
    scope = access.scope_for(request)
    access.require(scope.read_registry())
    form = forms.ActorFilterForm(request.GET)
    filters = paging.filters_of(request, form)
    context = {"form": form, "can_edit": scope.register()}
    context.update(
        paging.kept_first_page(
            request, scope, form, lambda: _actor_rows(request, scope, filters), name="actors"
        )
    )
    return render_page(request, "groups/actor_list.html", context, "results")


def _actor_rows(request, scope, filters) -> dict:
    actors = scope.actors().select_related("area")
    if filters.get("q"):
        actors = actors.filter(name__icontains=filters["q"])
    return {
        "page": paging.page_of(request, scope, actors, filters, order=("name", "pk"), name="actors"),
        "editable_area_ids": set(scope.actor_areas().values_list("pk", flat=True)),
    }


@require_http_methods(["GET", "POST"])
@login_required
def actor_create(request):
    scope = access.scope_for(request)
    access.require(scope.register())
    if (again := sent_before(request)) is not None:
        return again
    form = forms.ActorCreateForm(posted(request), areas=scope.actor_areas())
    if form.is_valid():
        try:
            submissions.save_once(
                token=form.token,
                user=request.user,
                save=lambda: services.create_actor(**form.cleaned_data),
                url_of=lambda _actor: reverse("groups:actor_list"),
            )
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        messages.success(request, _("The external actor is added."))
        return done(request, reverse("groups:actor_list"))
    return render_page(request, "groups/actor_form.html", {"form": form}, "form")


@require_http_methods(["GET", "POST"])
@login_required
def actor_edit(request, ref):
    actor = access.get_actor(request, ref, edit=True)  # 403 above the user's own areas
    scope = access.scope_for(request)
    areas = with_area(scope.actor_areas(), actor.area_id)
    form = forms.ActorForm(posted(request), instance=copy.copy(actor), areas=areas)
    if form.is_valid():
        services.update_actor(actor=actor, **form.cleaned_data)
        messages.success(request, _("The external actor is saved."))
        return done(request, reverse("groups:actor_list"))
    return render_page(request, "groups/actor_form.html", {"form": form, "actor": actor}, "form")


# --- activities -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def activity_create(request, ref):
    group = access.get_group(request, ref, edit=True)
    if (again := sent_before(request)) is not None:
        return again
    scope = access.scope_for(request)
    form = forms.ActivityCreateForm(
        posted(request), actors=scope.actors().order_by("name"), members=open_members(group)
    )
    if form.is_valid():
        try:
            activity = submissions.save_once(
                token=form.token,
                user=request.user,
                save=lambda: services.create_activity(group=group, **form.cleaned_data),
                url_of=lambda activity: reverse(
                    "groups:activity_detail", args=[group.ref, activity.ref]
                ),
            )
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        messages.success(request, _("The activity is recorded."))
        return done(request, reverse("groups:activity_detail", args=[group.ref, activity.ref]))
    return render_page(request, "groups/activity_form.html", {"group": group, "form": form}, "form")


@require_http_methods(["GET"])
@login_required
def activity_detail(request, ref, activity_ref):
    group = access.get_group(request, ref)
    scope = access.scope_for(request)
    activity = get_object_or_404(group.activities.select_related("actor"), ref=activity_ref)
    context = {
        "group": group,
        "activity": activity,
        "attendees": activity.attendees.order_by("full_name"),
        "can_edit": scope.can_edit_group(group),
        "namer": scope,
        "free_text": scope.reads_free_text_of(group),
    }
    return render_page(request, "groups/activity_detail.html", context, "main")


@require_http_methods(["GET", "POST"])
@login_required
def activity_edit(request, ref, activity_ref):
    group = access.get_group(request, ref, edit=True)
    scope = access.scope_for(request)
    activity = get_object_or_404(group.activities, ref=activity_ref)
    # Former members who attended stay tickable: history is not rewritten.
    members = Person.objects.filter(
        Q(pk__in=open_members(group).values("pk")) | Q(pk__in=activity.attendees.values("pk"))
    ).order_by("full_name")
    form = forms.ActivityForm(
        posted(request),
        instance=copy.copy(activity),
        actors=with_actor(scope.actors(), activity.actor_id),
        members=members,
    )
    if form.is_valid():
        services.update_activity(activity=activity, **form.cleaned_data)
        messages.success(request, _("The activity is saved."))
        return done(request, reverse("groups:activity_detail", args=[group.ref, activity.ref]))
    context = {"group": group, "activity": activity, "form": form}
    return render_page(request, "groups/activity_form.html", context, "form")


# --- member logins --------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_create(request, ref):
    """A login for a member without email: a one-time password to read out, shown once."""
    person = access.get_person(request, ref, edit=True)
    context = {"person": person, "login": None, "error": None}
    if person.user_id is not None:
        context["error"] = _("This person already has a login.")
    elif not person.has_consent:
        context["error"] = _("Record the person's consent before giving them a login.")
    elif request.method == "POST":
        try:
            # Rendered, not redirected: the password exists only in this one response.
            context["login"] = services.create_login(person=person)
        except services.LoginNotAllowed:
            context["error"] = _("A login could not be created. Please try again.")
    return render_page(request, "groups/account_create.html", context, "main")


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_reset(request, ref):
    """A new one-time password for a member who forgot theirs."""
    person = access.get_person(request, ref, edit=True)
    access.require(access.scope_for(request).manage_login(person))  # never a colleague's account
    context = {"person": person, "login": None, "error": None}
    if person.user_id is None:
        context["error"] = _("This person has no login yet.")
    elif request.method == "POST":
        context["login"] = services.reset_login(person=person)
    return render_page(request, "groups/account_reset.html", context, "main")


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_password(request):
    """Choose your own password: required after a one-time password, open to all later."""
    person = access.scope_for(request).person
    must_change = person is not None and person.must_change_password
    form_class = ChoosePasswordForm if must_change else ChangePasswordForm
    form = form_class(request.user, posted(request))
    if form.is_valid():
        services.choose_password(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your new password is saved."))
        return done(request, reverse("groups:home"))
    context = {"form": form, "must_change": must_change}
    return render_page(request, "groups/account_password.html", context, "form")
