"""The error pages: 400, 403 and 404 in the app's layout (with the menu and the language
switch), the expired-form page of the CSRF check. The 500 and 503 pages, which must work
without the database, are in groups/security.py and templates/base_plain.html."""

from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token  # the layout's language switch posts a token, even on an error page
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
