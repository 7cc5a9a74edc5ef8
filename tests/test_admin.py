"""The admin shows every model, in Indonesian and in English."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from . import factories as f


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_model_changelist_and_add_page(client, world, staff, language):
    f.ExchangeFactory()
    f.NormFactory()
    f.ActivityFactory()
    client.force_login(staff)
    client.cookies["django_language"] = language
    for model in apps.get_app_config("groups").get_models():
        name = model._meta.model_name
        model_admin = admin.site._registry[model]  # every model is registered
        urls = [
            reverse(f"admin:groups_{name}_changelist"),
            reverse(f"admin:groups_{name}_changelist") + "?q=a",
        ]
        request = RequestFactory().get("/")
        request.user = staff
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"admin:groups_{name}_add"))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.headers["Content-Language"] == language


def test_admin_labels_are_translated(client, staff):
    client.force_login(staff)
    client.cookies["django_language"] = "id"
    body = client.get(reverse("admin:groups_exchange_add")).content.decode()
    assert "Sumber daya" in body  # "resource"
    client.cookies["django_language"] = "en"
    body = client.get(reverse("admin:groups_exchange_add")).content.decode()
    assert "Resource" in body


@pytest.mark.parametrize("url", ["/", "/admin/"])
def test_anonymous_is_sent_to_login(client, url, db):
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]
