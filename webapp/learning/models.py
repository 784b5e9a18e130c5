"""What is stored: courses as imported, and each learner's answers and mastery.

The response log is the source of truth: mastery is derived from it and could be
rebuilt by replaying it. An answer is written once, keyed by its idempotency key,
in the same transaction that updates mastery.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from content.ramp import BKTParams
from content.ramp import Item as ContentItem
from learner_model import bkt
from learner_model.proficiency import KCAbility


class Course(models.Model):
    slug = models.SlugField(unique=True, help_text="The course's stable id from its course.toml.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    band_low = models.FloatField(default=0.7, help_text="The target band of predicted success: low end.")
    band_high = models.FloatField(default=0.85, help_text="The target band of predicted success: high end.")
    mastery_threshold = models.FloatField(default=0.95)
    digest = models.CharField(
        max_length=64, help_text="Hash of the imported files: unchanged files are not re-imported."
    )
    imported_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.title


class KnowledgeComponent(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="kcs")
    slug = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(help_text="Place in the ramp.")
    prerequisites = models.ManyToManyField("self", symmetrical=False, related_name="dependents", blank=True)
    motivation = models.TextField(blank=True)
    explanation = models.TextField()
    worked_example = models.TextField(blank=True)
    minutes = models.PositiveIntegerField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True, help_text="The KC's tags as authored (kept for export).")
    # BKT parameters: authored defaults at import; a refit of the learner model may change them.
    prior = models.FloatField()
    learn = models.FloatField()
    guess = models.FloatField()
    slip = models.FloatField()
    forget = models.FloatField(default=0.0, help_text="P(mastered -> unmastered) per answer given elsewhere.")
    archived = models.BooleanField(default=False, help_text="Removed from the course file; kept for its responses.")

    class Meta:
        ordering = ["course", "position"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_kc_per_course")]
        verbose_name = "knowledge component"

    def __str__(self):
        return self.title

    @property
    def bkt_params(self) -> BKTParams:
        return BKTParams(prior=self.prior, learn=self.learn, guess=self.guess, slip=self.slip, forget=self.forget)


class Item(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="items")
    kc = models.ForeignKey(KnowledgeComponent, on_delete=models.CASCADE, related_name="items")
    slug = models.CharField(max_length=150)
    position = models.PositiveIntegerField(help_text="Place among the KC's items.")
    spec = models.JSONField(help_text="The item as authored (content.Item.spec()).")
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["kc__position", "position"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_item_per_course")]

    def __str__(self):
        return self.slug

    @property
    def content(self) -> ContentItem:
        return ContentItem.from_spec(self.spec)


class Enrollment(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField(auto_now_add=True)
    current_item = models.ForeignKey(
        Item,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The item served and not yet answered: a reload shows it again.",
    )
    current_reason = models.CharField(max_length=300, blank=True)
    served_at = models.DateTimeField(
        null=True, blank=True, help_text="When `current_item` was served: its answer's time is measured from here."
    )
    placement_started_at = models.DateTimeField(default=timezone.now)
    placed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the placement probe ended; until then the learner is being placed."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "course"], name="unique_enrollment")]


class Mastery(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="masteries")
    kc = models.ForeignKey(KnowledgeComponent, on_delete=models.CASCADE, related_name="masteries")
    belief = models.FloatField(help_text="Log-odds of mastery (see learner_model.bkt).")
    responses = models.PositiveIntegerField(default=0)
    # The learner's count of answers in the course when `belief` was set: the answers given
    # since then fade it (learner_model.bkt.fade).
    step = models.PositiveIntegerField(default=0)
    once_mastered = models.BooleanField(default=False, help_text="Reached the mastery threshold at least once.")
    # The learner's ability offsets within each state of the KC (KCAbility.to_list), drifting from
    # `step` on as `belief` fades: they steer which item the tutor serves (tutor.loop.next_item).
    # Empty until the first practice answer on the KC (placement answers leave them): the prior.
    ability = models.JSONField(
        default=list, blank=True, help_text="Ability offsets per state (learner_model.proficiency); empty: the prior."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "kc"], name="unique_mastery")]
        verbose_name_plural = "masteries"

    @property
    def p_mastered(self) -> float:
        return bkt.p_mastered(self.belief)

    @property
    def kc_ability(self) -> KCAbility:
        return ability_of(self.ability)


def ability_of(stored: list[float]) -> KCAbility:
    """The ability a Mastery row's `ability` holds: the prior while it is empty."""
    return KCAbility.from_list(stored) if stored else KCAbility()


class Response(models.Model):
    """One answer, exactly as given. Never updated or deleted by the app."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="responses")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="responses")
    kc = models.ForeignKey(KnowledgeComponent, on_delete=models.PROTECT, related_name="responses")
    idempotency_key = models.UUIDField(help_text="Sent with the answer: a resubmission is recorded once.")
    answer = models.TextField()
    correct = models.BooleanField()
    predicted_correct = models.FloatField(
        help_text="The model's P(correct) for this learner when the item was answered (in practice, with their "
        "ability offsets on the KC: learner_model.proficiency)."
    )
    p_mastered_before = models.FloatField()
    p_mastered_after = models.FloatField()
    answered_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    placement = models.BooleanField(default=False, help_text="Answered during the placement probe.")
    seconds = models.FloatField(
        null=True,
        blank=True,
        help_text="From the item served to this answer, at most the analytics idle cap (5 minutes); "
        "empty where unknown (the item answered was not the one served).",
    )

    class Meta:
        ordering = ["answered_at", "id"]
        constraints = [models.UniqueConstraint(fields=["learner", "idempotency_key"], name="answer_recorded_once")]
        # A learner's last answer on each KC is read for every item served (webapp.learning.state).
        indexes = [models.Index(fields=["learner", "kc", "answered_at", "id"], name="response_learner_kc_last")]


class Explanation(models.Model):
    """What the tutor's model writes for a learner, by a task (webapp/learning/explanations.py):
    an explanation after a wrong answer, a hint asked for before answering, or the answer to a
    question the learner typed."""

    class Kind(models.TextChoices):
        WRONG_ANSWER = "wrong_answer", "explanation after a wrong answer"
        ASKED = "asked", "hint asked for before answering"
        QUESTION = "question", "answer to the learner's question"

    class Status(models.TextChoices):
        PENDING = "pending"
        WRITING = "writing"  # text holds what the model has written so far
        DONE = "done"

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="explanations")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="explanations")
    # The answer it is about: the wrong answer it explains, or the answer given before a
    # question was asked on the feedback page (then the item's answer may be named).
    response = models.ForeignKey(Response, null=True, blank=True, on_delete=models.CASCADE, related_name="explanations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    question = models.TextField(
        blank=True, help_text="What the learner typed: their question, or what a hint should help with."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="When the task was sent (once).")
    text = models.TextField(blank=True)
    source = models.CharField(max_length=20, blank=True, help_text="'model' or 'authored' (the fallback).")
    model_name = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True, help_text="Why the model's explanation is missing, if it is.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)


class LearnerModelFit(models.Model):
    """One refit of a course's BKT parameters from its response log: a proposal until faculty apply it.

    It keeps, per KC, the parameters current when it was made and the fitted ones, so that
    applying it can refuse when the KCs changed since (webapp/learning/refit.py), and the fit
    metrics of both on the same log, so that faculty compare like with like.
    """

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="learner_model_fits")
    fitted_at = models.DateTimeField(auto_now_add=True)
    responses = models.PositiveIntegerField()
    seconds = models.FloatField(help_text="Time the fit took.")
    metrics = models.JSONField(
        help_text="AUC, RMSE, log loss and log-likelihood on the response log of the parameters current "
        "when the fit was made ('current') and of the proposed ones ('proposed')."
    )
    parameters = models.JSONField(
        help_text="Per KC with responses: the current parameters, the proposed ones (null when it has too "
        "few responses to fit), and its response count."
    )
    skipped = models.JSONField(default=dict, help_text="KCs with too few responses to fit: their counts.")
    intervals = models.JSONField(
        default=dict, help_text="Per KC, the Bayesian fit's posterior mean and 90% interval of each parameter."
    )
    applied_at = models.DateTimeField(null=True, blank=True, help_text="When the proposal was written into the KCs.")
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who applied it; empty when applied from the command line.",
    )

    class Meta:
        ordering = ["-fitted_at", "-id"]

    def __str__(self):
        return f"{self.course.slug} refit of {self.fitted_at:%Y-%m-%d %H:%M}"
