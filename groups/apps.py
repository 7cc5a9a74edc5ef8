from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groups"
    verbose_name = _("Community groups")

    def ready(self):
        # audit: registers the audit trail; signals: score recomputation after data change
        # ledger_triggers: the ledger's balance rules in the database, made again after every
        # migrate (test databases built without migrations too)
        from . import audit  # noqa: F401
        from .ledger_triggers import on_post_migrate
        from .scores import signals  # noqa: F401

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="groups.ledger_triggers")
