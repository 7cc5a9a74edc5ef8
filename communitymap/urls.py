from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from groups.forms.login import LoginForm
from groups.views import trust

urlpatterns = [
    path("healthz", trust.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("groups.urls")),
]

# A database outage raised outside a view (loading the session) still gets the 503 page.
handler500 = "groups.security.server_error"
