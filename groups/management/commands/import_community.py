from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from groups.transfer import csvfiles, importer


def format_problem(problem) -> str:
    """file:row:column: message, the way compilers report, so editors can jump to the row."""
    place = ":".join(str(part) for part in (problem.file, problem.row, problem.column) if part)
    return f"{place}: {problem.message}" if place else problem.message


class Command(BaseCommand):
    help = (
        "Import a community from a folder or .zip of CSV files (groups/examples/FORMAT.md). "
        "All or nothing: if any row has a problem, nothing is written. Runs with every right, "
        "unless --user names the account whose rights apply (as in the browser)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A folder of CSV files, or a .zip of them.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the files and count the changes; write nothing."
        )
        parser.add_argument(
            "--user", help="Import as this user, with exactly their rights (groups/access.py decides)."
        )

    def handle(self, *args, path, dry_run=False, user=None, **options):
        self._shown_tenth = -1
        account = None
        if user is not None:
            account = get_user_model().objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(_("There is no active user “%(name)s”.") % {"name": user})
        source = csvfiles.read_path(path)
        if dry_run:
            plan = importer.plan_import(source, user=account)
        else:
            plan = importer.import_community(source, user=account, progress=self._progress, origin=str(path))
        for item in plan.warnings:
            self.stderr.write(self.style.WARNING(format_problem(item)))
        for item in plan.problems:
            self.stderr.write(format_problem(item))
        if plan.problems:
            raise CommandError(
                ngettext(
                    "%(count)s problem found; nothing was written.",
                    "%(count)s problems found; nothing was written.",
                    len(plan.problems),
                )
                % {"count": len(plan.problems)}
            )
        for name, counts in plan.counts.items():
            values = {
                "file": csvfiles.file_label(name),
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
            }
            if dry_run:
                line = _("%(file)s: %(created)s to create, %(updated)s to update, %(unchanged)s unchanged")
            else:
                line = _("%(file)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged")
            self.stdout.write(line % values)
        if dry_run:
            self.stdout.write(_("Dry run: the files are valid; nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(_("Import finished.")))

    def _progress(self, file, done, total):
        tenth = done * 10 // total
        if tenth != self._shown_tenth:  # at most every tenth of the way
            self._shown_tenth = tenth
            self.stdout.write(
                _("%(done)s of %(total)s records written (%(file)s)")
                % {"file": file, "done": done, "total": total}
            )
