"""Learning events (an append-only log, shaped like xAPI statements) and the rollups made from it.

A `LearningEvent` is one statement: an actor (the learner) did a verb to an object (an
item, in a KC, in a course) at a time, with a result. The rollups are derived data:
`webapp.analytics.rollups.rebuild` recomputes them from the events at any time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from webapp.learning.models import Course, Explanation, Item, KnowledgeComponent, Response


class LearningEvent(models.Model):
    """One thing a learner did. Written in the transaction that did it; never updated."""

    class Verb(models.TextChoices):
        ANSWERED = "answered"
        HINTED = "hinted"  # asked for a hint before answering
        ASKED = "asked"  # typed a question
        EXPLAINED = "explained"  # was given an explanation of a wrong answer
        MASTERED = "mastered"  # first crossed the mastery threshold of the KC (a eureka)

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="learning_events")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="learning_events")
    kc = models.ForeignKey(KnowledgeComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verb = models.CharField(max_length=20, choices=Verb.choices)
    timestamp = models.DateTimeField(default=timezone.now)
    # Where it came from: the answer (answered, mastered, explained) or the explanation row.
    response = models.ForeignKey(Response, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    explanation = models.ForeignKey(Explanation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    result = models.JSONField(
        default=dict,
        blank=True,
        help_text="correct, predicted, p_before, p_after, placement (and seconds where measured), for answers.",
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["course", "learner", "timestamp"], name="event_learner_time"),
            # A course's events in the order recorded, a page at a time (the xAPI export).
            models.Index(fields=["course", "id"], name="event_course_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "verb"],
                condition=Q(verb__in=["answered", "mastered"]),
                name="answer_event_recorded_once",
            )
        ]


class DailyKCRollup(models.Model):
    """Totals of one KC on one day (UTC), over all learners of the course."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    kc = models.ForeignKey(KnowledgeComponent, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    answers = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    eurekas = models.PositiveIntegerField(default=0)
    active_seconds = models.FloatField(default=0.0)
    stuck_episodes = models.PositiveIntegerField(default=0, help_text="Counted on the day each episode began.")
    served = models.PositiveIntegerField(default=0, help_text="Answers to items the tutor chose (not placement).")
    in_band = models.PositiveIntegerField(default=0, help_text="Of those, predicted inside the target band.")
    bounces = models.PositiveIntegerField(
        default=0, help_text="Sessions that bounced (analytics.bounces) after an answer on this KC, by their end."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "kc", "day"], name="one_rollup_per_kc_day")]


class DailyItemRollup(models.Model):
    """Totals of one item's answers on one day (UTC), over all learners (analytics.ItemStats):
    the tutor's answers, and the placement answers counted apart."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    answers = models.PositiveIntegerField(default=0, help_text="Answers to the item served by the tutor.")
    correct = models.PositiveIntegerField(default=0)
    placement_answers = models.PositiveIntegerField(default=0)
    timed = models.PositiveIntegerField(default=0, help_text="Of the tutor's answers, those with measured seconds.")
    seconds = models.FloatField(default=0.0, help_text="Their seconds, summed: over `timed`, the mean.")
    hinted = models.PositiveIntegerField(default=0, help_text="Answers after a hint or question on the item.")
    explained = models.PositiveIntegerField(default=0, help_text="Answers followed by an explanation.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "item", "day"], name="one_rollup_per_item_day")]


class EurekaTime(models.Model):
    """One learner's eureka on a KC and the active seconds it took (analytics.times_to_eureka): a
    median is not a sum, so the rows are kept and the dashboard takes the median per KC."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kc = models.ForeignKey(KnowledgeComponent, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="The UTC day of the eureka.")
    seconds = models.FloatField(help_text="Active seconds from the first answer on the KC to the eureka.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "learner", "kc"], name="one_eureka_per_learner_kc")]
        indexes = [models.Index(fields=["course", "kc", "seconds"], name="eureka_time_by_kc")]


class ItemDiscrimination(models.Model):
    """An item's discrimination (analytics.items: the item-rest correlation) over the whole course log,
    recomputed by every refresh: a correlation does not add up over days."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    learners = models.PositiveIntegerField(help_text="Learners with answers to the item and to other items of its KC.")
    discrimination = models.FloatField(null=True, blank=True, help_text="Empty with under 2 learners or no spread.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "item"], name="one_discrimination_per_item")]


class DailyCalibrationRollup(models.Model):
    """One bin of a day's calibration (analytics.calibration): the tutor's answers (not placement)
    predicted to succeed with a chance in [bin/10, (bin+1)/10), the last bin including 1."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    bin = models.PositiveSmallIntegerField()
    answers = models.PositiveIntegerField(default=0)
    predicted_sum = models.FloatField(default=0.0, help_text="Sum of the predictions: over answers, their mean.")
    correct = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "day", "bin"], name="one_rollup_per_day_bin")]


class RollupWatermark(models.Model):
    """How far into a course's events the rollups have read: events with ids up to `last_event_id`."""

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="+")
    last_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(auto_now=True)
