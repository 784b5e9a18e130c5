from django.core.management.base import BaseCommand, CommandError

from learner_model.model import Options
from webapp.learning import refit
from webapp.learning.models import Course

DEFAULT = refit.DEFAULT_OPTIONS


class Command(BaseCommand):
    help = (
        "Fit each KC's BKT parameters to the stored responses and record them as a proposal, with the fit "
        "metrics of the current and the proposed parameters; --apply also writes them into the KCs."
    )

    def add_arguments(self, parser):
        parser.add_argument("course", nargs="*", help="course ids (default: every course with responses)")
        parser.add_argument("--apply", action="store_true", help="write the proposed parameters into the KCs")
        parser.add_argument("--restarts", type=int, default=DEFAULT.restarts, help="random starts of EM per KC")
        parser.add_argument("--seed", type=int, default=DEFAULT.seed)
        parser.add_argument(
            "--min-responses",
            type=int,
            default=DEFAULT.min_responses,
            help=f"KCs with fewer responses keep their parameters (default {DEFAULT.min_responses})",
        )

    def handle(self, *args, course, apply, restarts, seed, min_responses, **options):
        courses = (
            Course.objects.filter(slug__in=course) if course else Course.objects.filter(kcs__responses__isnull=False)
        )
        courses = list(courses.distinct())
        missing = set(course) - {c.slug for c in courses}
        if missing:
            raise CommandError(f"no such course: {', '.join(sorted(missing))}")
        for each in courses:
            try:
                record = refit.propose_refit(
                    course=each, options=Options(restarts=restarts, seed=seed, min_responses=min_responses)
                )
                if apply:
                    refit.apply_refit(fit=record)
            except (ValueError, refit.RefitRefused) as error:
                raise CommandError(str(error)) from error
            self._report(each, record, applied=apply)

    def _report(self, course, record, *, applied):
        fitted = {slug: row for slug, row in record.parameters.items() if row["proposed"] is not None}
        old, new = record.metrics["current"], record.metrics["proposed"]
        self.stdout.write(
            f"{course.slug}: refit {len(fitted)} KCs on {record.responses} responses in {record.seconds:.2f} s "
            f"(AUC {_figure(old['auc'])} -> {_figure(new['auc'])}, RMSE {_figure(old['rmse'])} -> "
            f"{_figure(new['rmse'])}); " + ("applied" if applied else f"proposal {record.pk}, not applied")
        )
        for slug, count in sorted(record.skipped.items()):
            self.stdout.write(f"  {slug}: only {count} responses, parameters kept")
        for slug, row in sorted(fitted.items()):
            for reason in refit.degenerate(row["proposed"]):
                self.stdout.write(f"  {slug}: warning: {reason}")


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
