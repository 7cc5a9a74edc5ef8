"""Every door asks groups/access.py: no view decides access on its own.

Walks the project's URL patterns to the view functions behind them and reads their modules:
a view module may not name a role or an assignment (is_staff, StaffRole, assignments,
facilitators, the Scope's internal id lists ...) nor raise PermissionDenied itself, and every
view asks access (directly, or through a helper of its own module) unless it is one of the
few pages open to every logged-in user. The check is run on a bad example too, so it is
known to catch a new offending view.
"""

import inspect
import io
import sys
import tokenize
from types import FunctionType

from django.urls import URLPattern, URLResolver, get_resolver

#: Names that mean a role or right is being decided here rather than in access.py.
FORBIDDEN = {
    "is_staff",
    "is_superuser",
    "is_facilitator",
    "is_coordinator",
    "StaffRole",
    "Assignment",
    "assignments",
    "facilitators",
    "facilitated_groups",
    "facilitator_area_ids",
    "coordinator_area_ids",
    "facilitated_group_ids",
    "member_group_ids",
    "PermissionDenied",
    "privacy_rules",
    "namer_for",
}
#: Pages open to every logged-in user (or everyone): nothing to decide.
# Views that read no data of anyone: the health probe, the methodology text, and the helpers
# that say what a typed amount or date is read as.
# The service worker, the manifest and the "you are offline" page name nobody either.
OPEN_VIEWS = {
    "healthz", "methodology", "amount_read", "date_read", "service_worker", "manifest", "offline_page",
}


def offences(source: str) -> list[str]:
    """The forbidden names used as code (not in strings or comments) in a module's source."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and token.string in FORBIDDEN:
            found.append(f"line {token.start[0]}: {token.string}")
    return found


def asks_access(view: FunctionType, module) -> bool:
    """The view calls access.* itself or through a function of its own module."""
    view = inspect.unwrap(view)
    if "access" in view.__code__.co_names:
        return True
    for name in view.__code__.co_names:
        helper = getattr(module, name, None)
        if isinstance(helper, FunctionType) and helper.__module__ == module.__name__:
            if "access" in helper.__code__.co_names:
                return True
    return False


def project_views():
    """(url name, view function) of every pattern whose view lives in the groups app."""
    found = []

    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            elif isinstance(p, URLPattern):
                view = inspect.unwrap(p.callback)
                if getattr(view, "__module__", "").startswith("groups."):
                    found.append((p.name, view))

    walk(get_resolver().url_patterns)
    return found


def test_the_walk_finds_the_views_and_downloads():
    modules = {view.__module__ for _name, view in project_views()}
    assert {
        "groups.views.registry",
        "groups.views.reports",
        "groups.views.downloads",
        "groups.views.exchanges",
        "groups.views.transfer",
        "groups.views.safety",
    } <= modules
    assert len(project_views()) > 50


def test_no_view_module_decides_a_role_itself():
    failures = []
    for module_name in sorted({view.__module__ for _name, view in project_views()}):
        source = inspect.getsource(sys.modules[module_name])
        failures += [f"{module_name} {o}" for o in offences(source)]
    assert not failures, "decide these in groups/access.py:\n" + "\n".join(failures)


def test_every_view_asks_access():
    failures = [
        f"{view.__module__}.{view.__name__} ({name})"
        for name, view in project_views()
        if name not in OPEN_VIEWS and not asks_access(view, sys.modules[view.__module__])
    ]
    assert not failures, "views that never ask groups/access.py:\n" + "\n".join(failures)


BAD_VIEW = '''
from django.core.exceptions import PermissionDenied

def report_secret(request):
    """A docstring may say is_staff and facilitators."""
    if not request.user.is_staff:  # a comment may too: StaffRole
        raise PermissionDenied
    groups = request.user.facilitated_groups.all()
    return groups
'''


def test_the_check_catches_an_offending_view():
    assert [o.split(": ")[1] for o in offences(BAD_VIEW)] == [
        "PermissionDenied",
        "is_staff",
        "PermissionDenied",
        "facilitated_groups",
    ]
    namespace: dict = {}
    exec(compile(BAD_VIEW, "bad_view", "exec"), namespace)  # noqa: S102 - our own fixed text
    module = type(sys)("bad_view")
    module.__dict__.update(namespace)
    namespace["report_secret"].__module__ = "bad_view"
    assert not asks_access(namespace["report_secret"], module)


# --- the capabilities the importer asks (groups/transfer/scope.py) --------------------------------


def test_import_capabilities_follow_the_forms(
    world, facilitator, coordinator, mixed, village2_facilitator, staff
):
    from groups import access

    def scope(user):
        return access.Scope(user)

    # a coordinator is a reader: no import at all, nowhere to write (finding 2)
    assert not scope(coordinator).may_import()
    assert not scope(coordinator).import_into(world.village)
    assert not scope(coordinator).write_person(world.member_person)
    # a facilitator imports where the forms let them register: their group's village only (finding 13)
    assert scope(facilitator).may_import()
    assert scope(facilitator).import_into(world.village)
    assert not scope(facilitator).import_into(world.village2)
    assert scope(facilitator).write_person(world.member_person)
    assert scope(facilitator).write_group(world.group) and not scope(facilitator).write_group(world.group2)
    # coordinating D does not widen the mixed user's writes beyond G2's village
    assert scope(mixed).import_into(world.village2) and not scope(mixed).import_into(world.village)
    assert not scope(mixed).write_person(world.member_person)
    assert scope(village2_facilitator).import_into(world.village2)
    assert set(scope(village2_facilitator).editable_areas()) == {world.village2}
    assert scope(staff).import_into(world.other_village)
