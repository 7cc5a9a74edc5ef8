"""The map of groups on an area's page: {% area_map %} draws templates/groups/partials/area_map.html
for the page's `area` and the request's viewer (the page has asked access for the area)."""

from django import template

from groups import access
from groups.scores.pages.map import map_context

register = template.Library()


@register.inclusion_tag("groups/partials/area_map.html", takes_context=True)
def area_map(context):
    scope = access.scope_for(context["request"])
    area = context["area"]
    return {"area": area, "may_load_outlines": scope.load_outlines(), **map_context(scope, area)}
