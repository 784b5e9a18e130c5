import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from webapp.analytics import rollups
from webapp.learning import simulated_learners
from webapp.learning.models import Course, Response


class Command(BaseCommand):
    help = (
        "Write simulated learners (learner_model.simulate) into a course with PostgreSQL COPY: users sim-00001..., "
        "their enrollments, responses, mastery, explanations and learning events; then rebuild the rollups."
    )

    def add_arguments(self, parser):
        parser.add_argument("course", help="the course's id (slug), imported already")
        parser.add_argument("--learners", type=int, default=10_000)
        parser.add_argument("--responses", type=int, default=1_000_000, help="answers in all (default 1,000,000)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--days", type=float, default=30.0, help="the window the answers fall in, ending now")
        parser.add_argument("--batch", type=int, default=200, help="learners written per transaction")
        parser.add_argument("--clear", action="store_true", help="delete earlier sim- learners and all of theirs")
        parser.add_argument("--no-rollups", action="store_true", help="leave the rollups as they are")

    def handle(self, *args, course, learners, responses, seed, days, batch, clear, no_rollups, **options):
        try:
            simulated_learners.check_postgresql()
        except ValueError as error:
            raise CommandError(str(error)) from error
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"no such course: {course!r} (import it first: manage.py import_course PATH)")
        if days <= 0 or batch < 1:
            raise CommandError("--days must be positive and --batch at least 1")
        if clear:
            started = time.perf_counter()
            deleted = simulated_learners.clear()
            summary = ", ".join(f"{count} {name}" for name, count in deleted.items())
            self.stdout.write(f"cleared earlier simulated learners in {time.perf_counter() - started:.1f} s: {summary}")
        elif simulated_learners.existing():
            raise CommandError("simulated learners (sim-...) exist already: pass --clear to replace them")
        # Every event older than the rollups' lag, so a rebuild reads them all.
        end = timezone.now() - rollups.LAG - timedelta(minutes=5)
        started = time.perf_counter()
        totals: dict[str, int] = {}
        written, simulating, writing = 0, 0.0, 0.0
        try:
            for batch_done in simulated_learners.generate(
                found, learners=learners, responses=responses, seed=seed, days=days, end=end, batch=batch
            ):
                written += batch_done.learners
                simulating, writing = simulating + batch_done.simulating, writing + batch_done.writing
                for model, count in batch_done.counts.items():
                    totals[model._meta.label] = totals.get(model._meta.label, 0) + count
                answered = totals[Response._meta.label]
                elapsed = time.perf_counter() - started
                self.stdout.write(
                    f"{written}/{learners} learners, {answered} responses, {elapsed:.0f} s "
                    f"({answered / elapsed:.0f} responses/s; simulating {simulating:.0f} s, writing {writing:.0f} s)"
                )
        except ValueError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(f"wrote in {elapsed:.1f} s: " + ", ".join(f"{n} {name}" for name, n in totals.items()))
        started = time.perf_counter()
        simulated_learners.analyze()
        self.stdout.write(f"analyzed the tables in {time.perf_counter() - started:.1f} s")
        if not no_rollups:
            started = time.perf_counter()
            rollups.rebuild(found)
            self.stdout.write(f"rebuilt the rollups of {found.slug} in {time.perf_counter() - started:.1f} s")
