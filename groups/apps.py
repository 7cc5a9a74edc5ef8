from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groups"
    verbose_name = _("Community groups")

    def ready(self):
        # audit: registers the audit trail; signals: score recomputation after data change
        from . import audit  # noqa: F401
        from .scores import signals  # noqa: F401
