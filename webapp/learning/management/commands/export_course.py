"""Write a course as it is in the database back to the folder format, for faculty to edit."""

from django.core.management.base import BaseCommand, CommandError

from content.export import ExportError, write_course
from webapp.learning import selectors
from webapp.learning.models import Course


class Command(BaseCommand):
    help = (
        "Write a course from the database as a course folder (course.toml + kcs/): its current, not archived "
        "KCs and items, with their BKT parameters (refit ones included) and prerequisites. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the course's id (its slug)")
        parser.add_argument("path", help="the folder to write; it must not exist or be empty, unless --force")
        parser.add_argument("--force", action="store_true", help="replace the folder if it holds files")

    def handle(self, *args, slug, path, force, **options):
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            known = ", ".join(Course.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"no course '{slug}' (imported courses: {known})")
        data = selectors.course_ramp(course)
        try:
            folder = write_course(data, path, overwrite=force)
        except FileExistsError as error:
            raise CommandError(f"{error}; --force replaces it. Nothing was written.") from error
        except NotADirectoryError as error:
            raise CommandError(f"{error}. Nothing was written.") from error
        except ExportError as error:
            raise CommandError(f"{error}\nNothing was written.") from error
        items = sum(len(kc.items) for kc in data.kcs)
        self.stdout.write(f"{course.title}: wrote {len(data.kcs)} KCs, {items} items to {folder}")
