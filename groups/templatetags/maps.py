"""The map of groups on an area's page: {% area_map %} draws templates/groups/partials/area_map.html
for the page's `area` and the request's viewer (the page has asked access for the area)."""

import json

from django import template

from groups import access
from groups.scores import page_cache
from groups.scores.pages.map import map_context

register = template.Library()


@register.inclusion_tag("groups/partials/area_map.html", takes_context=True)
def area_map(context):
    scope = access.scope_for(context["request"])
    area = context["area"]
    built = page_cache.cached("map", scope, lambda: map_context(scope, area), area_id=area.pk, html=True)
    return {"area": area, "may_load_outlines": scope.load_outlines(), **built}


@register.filter
def settings_json(value: dict) -> str:
    """A script's settings as JSON for a data- attribute (escaped there like any text). Not a
    <script> element: htmx drops every script element, JSON ones too, when it restores a page
    from its history (allowScriptTags is off), and the map would restart without its settings."""
    return json.dumps(value)
