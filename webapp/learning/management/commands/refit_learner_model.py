from django.core.management.base import BaseCommand, CommandError

from learner_model.model import Options
from webapp.learning import services
from webapp.learning.models import Course


class Command(BaseCommand):
    help = "Fit each KC's BKT parameters to the stored responses and record the fit's metrics."

    def add_arguments(self, parser):
        parser.add_argument("course", nargs="*", help="course ids (default: every course with responses)")
        parser.add_argument("--restarts", type=int, default=5, help="random starts of EM per KC (default 5)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--min-responses", type=int, default=50, help="KCs with fewer responses keep their parameters (default 50)"
        )

    def handle(self, *args, course, restarts, seed, min_responses, **options):
        courses = (
            Course.objects.filter(slug__in=course) if course else Course.objects.filter(kcs__responses__isnull=False)
        )
        courses = list(courses.distinct())
        missing = set(course) - {c.slug for c in courses}
        if missing:
            raise CommandError(f"no such course: {', '.join(sorted(missing))}")
        for each in courses:
            try:
                record = services.refit_learner_model(
                    course=each, options=Options(restarts=restarts, seed=seed, min_responses=min_responses)
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
            metrics = record.metrics
            self.stdout.write(
                f"{each.slug}: refit {len(record.parameters)} KCs on {record.responses} responses in "
                f"{record.seconds:.2f} s (AUC {metrics['auc']:.3f}, RMSE {metrics['rmse']:.3f})"
            )
            for slug, count in sorted(record.skipped.items()):
                self.stdout.write(f"  {slug}: only {count} responses, parameters kept")
