"""{% kept page_key page_html %}...{% endkept %}: a page part's HTML rendered once per page key
and reused (groups/scores/page_cache.py): `page_html` when the view found it kept, else the block
is rendered and kept. Without a key (no snapshot read) it is rendered as usual. The block must
read nothing the key does not cover: no {% csrf_token %}, no request, no user."""

from django import template

from groups.scores import page_cache

register = template.Library()


class KeptNode(template.Node):
    def __init__(self, nodelist, key, html):
        self.nodelist, self.key, self.html = nodelist, key, html

    def render(self, context):
        html = self.html.resolve(context)
        if html:
            return html
        key = self.key.resolve(context)
        rendered = self.nodelist.render(context)
        if key:
            page_cache.keep_html(key, rendered)
        return rendered


@register.tag("kept")
def do_kept(parser, token):
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("{% kept %} takes the page key and the kept HTML.")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2]))
