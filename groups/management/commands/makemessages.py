"""makemessages without fuzzy matching: a new string starts untranslated instead of carrying
a wrong guess from a similar string, so the catalogue check catches it."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
