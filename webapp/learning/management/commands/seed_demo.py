from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from webapp.authoring.models import CourseFaculty
from webapp.learning import selectors, services
from webapp.learning.models import Course

# Demo logins for the embedded mode on 127.0.0.1; production never runs this command.
DEMO_ACCOUNTS = (
    ("faculty", "teach-llm101n", "demo faculty of LLM101N (staff: can open /admin/)"),
    ("learner", "learn-llm101n", "demo learner (enrolled in every course)"),
)


class Command(BaseCommand):
    help = "Create the demo faculty and learner accounts (once) and print their logins."
    faculty_course = "llm101n"  # the demo faculty member teaches it (and, as staff, may author every course)

    def handle(self, *args, **options):
        users = get_user_model()
        courses = list(selectors.offered_courses())
        if not courses:
            raise CommandError("No course is imported yet: run import_course first.")
        for username, password, role in DEMO_ACCOUNTS:
            user, created = users.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.is_staff = username == "faculty"
                user.is_superuser = username == "faculty"
                user.save()
            if username == "faculty":
                for course in Course.objects.filter(slug=self.faculty_course):
                    CourseFaculty.objects.get_or_create(user=user, course=course)
            if username == "learner":
                for course in courses:
                    services.enroll(learner=user, course=course)
            self.stdout.write(f"  {role:45} username: {username:8}  password: {password}")
