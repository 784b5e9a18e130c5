from django.core.management.base import BaseCommand, CommandError

from content import CourseError
from webapp.learning import services


class Command(BaseCommand):
    help = "Import a course folder (course.toml + kcs/). All or nothing; unchanged files are skipped."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the course folder")
        parser.add_argument("--force", action="store_true", help="re-import even if the files are unchanged")

    def handle(self, *args, path, force, **options):
        try:
            result = services.import_course(path=path, force=force)
        except CourseError as error:
            raise CommandError(f"{error}\nNothing was imported.") from error
        course = result.course
        counts = f"{course.kcs.filter(archived=False).count()} KCs, {course.items.filter(archived=False).count()} items"
        self.stdout.write(f"{course.title}: {result.outcome} ({counts})")
