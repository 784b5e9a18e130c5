"""Simulated learners written into the database as the app would have written them: for load tests.

Each learner is a `learner_model.simulate.Learner` (a hidden true state per KC, learning,
guess and slip, forgetting, time per item) working through an imported course. Items are
chosen by a cheap policy, not the tutor's loop (which costs about a millisecond a pick):
KCs in ramp order, each practised (its items in turn) until BKT says P(mastered) reaches
the course's threshold, or given up after `GIVE_UP_AFTER` answers. Every row is what
`services.record_answer` and `explanations` would have written for those answers:

- a `Response` with the prediction and P(mastered) before and after from the KC's BKT
  parameters (the item's own guess and slip, the teaching parameters of tutor.loop),
  never in placement (each learner's enrollment has placement skipped);
- a `Mastery` row per KC answered, the state that replaying the responses gives (belief and
  ability offsets, webapp/learning/replay.py);
- an `Explanation` for every wrong answer, a hint now and then before an answer, a typed
  question now and then after one;
- the `LearningEvent`s of webapp/analytics/events.py: `answered` for each response,
  `mastered` at the learner's first crossing of the threshold on a KC (its rule:
  `_is_eureka`), and `explained`, `hinted` or `asked` for each explanation.

Times: each learner works in sessions (about `SESSION_ANSWERS` answers each, breaks of at
least `MIN_BREAK` between them) spread over the window [end - days, end); within a
session an answer takes the simulator's seconds, plus reading time after a wrong answer
or a hint, and now and then an idle pause of a few minutes.

Rows are written with PostgreSQL COPY, a batch of learners per transaction, with ids
taken from the tables' sequences beforehand so that rows can point at each other.
"""

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from analytics.active import CAP as IDLE_CAP
from learner_model import bkt
from learner_model.proficiency import KCAbility
from learner_model.simulate import Learner, SimCourse, SimItem
from tutor.grading import grade
from tutor.loop import REVIEW_BELOW, item_params, personal_params, teaching_params
from webapp.analytics.events import VERBS
from webapp.analytics.models import LearningEvent
from webapp.learning import selectors
from webapp.learning.models import Course, Enrollment, Explanation, Mastery, Response

PREFIX = "sim-"  # usernames sim-00001, sim-00002, ...
GIVE_UP_AFTER = 25  # answers on one KC without reaching mastery: the policy moves on
SESSION_ANSWERS = 25  # mean answers per session
MIN_BREAK = timedelta(minutes=35)  # longer than analytics' 30-minute session gap
MEAN_BREAK_HOURS = 20.0
HINT_RATE, HARD_HINT_RATE = 0.02, 0.10  # a hint before an item; more often when it looks hard
QUESTION_RATE = 0.01  # a typed question after an answer
PAUSE_RATE = 0.02  # an idle pause (2 to 15 minutes) before an answer
SIMULATED = "simulated learner: no text written"


# The course as the simulator and the policy see it --------------------------------------------------


@dataclass(frozen=True)
class PlannedItem:
    id: int
    kc_id: int
    sim_index: int  # its index in the SimCourse
    params: bkt.Params  # for the prediction (tutor.loop.item_params)
    teaching: bkt.Params  # for the update after the answer (tutor.loop.teaching_params)
    right: str  # a right answer, as grading records it
    wrong: tuple[str, ...]  # wrong answers, as grading records them


@dataclass(frozen=True)
class Plan:
    course: Course
    kc_ids: tuple[int, ...]  # in ramp order
    priors: tuple[float, ...]  # initial belief per KC
    forget: tuple[float, ...]
    items: tuple[tuple[PlannedItem, ...], ...]  # per KC, in the KC's order
    sim: SimCourse


def plan_course(course: Course) -> Plan:
    """The course's current KCs and items, their BKT parameters as the app uses them, and a SimCourse
    over them (items of a KC from easy to hard, as authors order them: benchmarks/policies.py)."""
    ramp = selectors.course_ramp(course)
    kc_rows = {kc.slug: kc for kc in course.kcs.filter(archived=False)}
    item_ids = dict(course.items.filter(archived=False).values_list("slug", "id"))
    index = {kc.id: k for k, kc in enumerate(ramp.kcs)}
    band = ramp.target_band
    planned, sim_items = [], []
    for k, kc in enumerate(ramp.kcs):
        row = []
        for item, difficulty in zip(kc.items, np.linspace(-3.0, 3.0, len(kc.items))):
            params = item_params(kc, item)
            right, wrong = _answers(item)
            row.append(
                PlannedItem(
                    item_ids[item.id],
                    kc_rows[kc.id].id,
                    len(sim_items),
                    params,
                    teaching_params(kc, item, band),
                    right,
                    wrong,
                )
            )
            sim_items.append(SimItem(k, float(difficulty), params.guess, params.slip))
        planned.append(tuple(row))
    if not any(planned):
        raise ValueError(f"course {course.slug!r} has no items to answer")
    sim = SimCourse(
        tuple(kc.id for kc in ramp.kcs),
        tuple(tuple(index[p] for p in kc.prerequisites) for kc in ramp.kcs),
        tuple(sim_items),
        base=tuple([0.85] * len(ramp.kcs)),
    )
    sim = _LinedCourse(**vars(sim), lines=tuple(sim.mastery_line(k) for k in range(len(ramp.kcs))))
    return Plan(
        course=course,
        kc_ids=tuple(kc_rows[kc.id].id for kc in ramp.kcs),
        priors=tuple(
            bkt.initial_belief(bkt.Params(kc.bkt.prior, kc.bkt.learn, kc.bkt.guess, kc.bkt.slip)) for kc in ramp.kcs
        ),
        forget=tuple(kc.bkt.forget for kc in ramp.kcs),
        items=tuple(planned),
        sim=sim,
    )


@dataclass(frozen=True)
class _LinedCourse(SimCourse):
    """A SimCourse that computes its mastery lines once: each new Learner asks for all of them,
    and computing them afresh costs more than the learner's hundred answers."""

    lines: tuple[float, ...] = ()

    def mastery_line(self, kc: int) -> float:
        return self.lines[kc]


def _answers(item) -> tuple[str, tuple[str, ...]]:
    """A right answer and some wrong ones, each as `grade` records it (so checked by grading)."""
    if item.kind == "multiple_choice":
        candidates = [choice for choice in item.choices if choice != item.answer]
    elif item.kind == "ordering":
        candidates = ["\n".join(reversed(item.steps))]
    elif item.kind == "numeric":
        candidates = [str(float(item.answer) * 10 + 1), str(-float(item.answer) - 1)]
    else:
        candidates = ["I do not know"]
    right = grade(item, "\n".join(item.steps) if item.kind == "ordering" else item.answer_text)
    assert right.correct, f"item {item.id}: its own answer grades wrong"
    wrong = tuple(g.answer for g in map(lambda given: grade(item, given), candidates) if not g.correct)
    return right.answer, wrong or ("?",)


# One learner's answers -----------------------------------------------------------------------------


@dataclass
class Step:
    """One answer as simulated, with what surrounds it."""

    item: PlannedItem
    correct: bool
    seconds: float  # think time from the simulator
    before: float  # P(mastered) before, after, and the prediction, as the app computes them
    after: float
    predicted: float
    eureka: bool
    hint: bool = False
    question: bool = False
    pause: float = 0.0  # idle seconds before the item
    new_session: bool = False


@dataclass
class Walk:
    """A learner's answers and the Mastery rows they leave."""

    steps: list[Step] = field(default_factory=list)
    mastery: dict[int, dict] = field(default_factory=dict)  # KC index -> a Mastery row's fields, ability a KCAbility
    finished: bool = False  # every KC mastered or given up before the budget ran out


def walk(plan: Plan, rng: np.random.Generator, budget: int, threshold: float) -> Walk:
    """Up to `budget` answers of one simulated learner under the cheap policy (see the module)."""
    learner = Learner(plan.sim, rng)
    count = len(plan.kc_ids)
    raw = list(plan.priors)
    abilities = [KCAbility()] * count  # as of set_at, like raw
    set_at = [0] * count
    once = [False] * count
    settled = [False] * count  # _is_eureka: an earlier answer started or ended at the threshold
    tries = [0] * count
    given_up = [False] * count
    result = Walk()

    def mastered(k: int, now: int) -> bool:
        p = bkt.p_mastered(bkt.fade(raw[k], now - set_at[k], plan.forget[k]))
        return p >= (REVIEW_BELOW if once[k] else threshold)

    # Whether each KC is done (mastered, or given up); only a KC that forgets changes between its answers.
    done = [not plan.items[k] for k in range(count)]
    fading = [k for k in range(count) if plan.forget[k] > 0]
    for now in range(budget):
        for k in fading:
            done[k] = given_up[k] or mastered(k, now)
        k = next((k for k in range(count) if not done[k]), None)
        if k is None:
            result.finished = True
            break
        item = plan.items[k][tries[k] % len(plan.items[k])]
        if not tries[k]:
            set_at[k] = now  # the Mastery row is made at the first answer: nothing fades before it
        tries[k] += 1
        before = bkt.fade(raw[k], now - set_at[k], plan.forget[k])
        # As tutor.loop.ability_after does, from the offsets drifted over the answers since the KC's last.
        ability = abilities[k].drift(now - set_at[k])
        predicted = bkt.p_correct(before, personal_params(item.params, ability))  # as record_answer predicts
        correct, seconds = learner.answer(item.sim_index)
        p_before = bkt.p_mastered(before)
        abilities[k] = ability.observe(p_before, item.params.guess, 1.0 - item.params.slip, correct)
        raw[k], set_at[k] = bkt.observe(before, correct, item.teaching), now + 1
        p_after = bkt.p_mastered(raw[k])
        eureka = not settled[k] and p_before < threshold <= p_after
        settled[k] |= p_before >= threshold or p_after >= threshold
        once[k] |= p_after >= threshold
        if tries[k] >= GIVE_UP_AFTER and p_after < threshold:
            given_up[k] = True
        done[k] = given_up[k] or mastered(k, now + 1)
        state = result.mastery.setdefault(k, {"responses": 0})
        state.update(belief=raw[k], step=now + 1, once_mastered=once[k], ability=abilities[k])
        state["responses"] += 1
        result.steps.append(
            Step(
                item,
                correct,
                seconds,
                p_before,
                p_after,
                predicted,
                eureka,
                hint=rng.random() < (HARD_HINT_RATE if predicted < 0.5 else HINT_RATE),
                question=rng.random() < QUESTION_RATE,
                pause=float(rng.uniform(120, 900)) if rng.random() < PAUSE_RATE else 0.0,
                new_session=bool(now > 0 and rng.random() < 1 / SESSION_ANSWERS),
            )
        )
    return result


# Rows ------------------------------------------------------------------------------------------------

# Columns written by COPY, per model: every column of the table but those left to defaults.
COLUMNS = {
    get_user_model(): (
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
    ),
    Enrollment: (
        "id",
        "learner",
        "course",
        "enrolled_at",
        "current_item",
        "current_reason",
        "placement_started_at",
        "placed_at",
    ),
    Response: (
        "id",
        "learner",
        "item",
        "kc",
        "idempotency_key",
        "answer",
        "correct",
        "predicted_correct",
        "p_mastered_before",
        "p_mastered_after",
        "answered_at",
        "placement",
        "seconds",
    ),
    Explanation: (
        "id",
        "learner",
        "item",
        "response",
        "kind",
        "question",
        "status",
        "dispatched_at",
        "text",
        "source",
        "model_name",
        "error",
        "created_at",
        "finished_at",
    ),
    LearningEvent: ("id", "learner", "course", "kc", "item", "verb", "timestamp", "response", "explanation", "result"),
    Mastery: ("id", "learner", "kc", "belief", "responses", "step", "once_mastered", "ability", "updated_at"),
}


class Ids:
    """Ids taken from each table's sequence, handed out in increasing order."""

    def __init__(self, cursor, counts: dict):
        self._next = {}
        for model, count in counts.items():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            self._next[model] = iter(sorted(row[0] for row in cursor.fetchall()))

    def __call__(self, model) -> int:
        return next(self._next[model])


def timeline(walked: Walk, rng: np.random.Generator, start: float, end: float) -> list[float]:
    """Seconds since the epoch of each answer: sessions placed in [start, end) with breaks between."""
    steps = walked.steps
    # Time spent within sessions before each answer: pause, hint, thinking; after: reading.
    before = [s.pause + (20.0 if s.hint else 0.0) + s.seconds for s in steps]
    after = [(float(rng.lognormal(3.0, 0.5)) if not s.correct else 0.0) + (40.0 if s.question else 0.0) for s in steps]
    breaks = [float(rng.exponential(MEAN_BREAK_HOURS * 3600)) if s.new_session else 0.0 for s in steps]
    minimum = MIN_BREAK.total_seconds()
    sessions = sum(s.new_session for s in steps)
    room = max(0.0, (end - start) * 0.95 - sum(before) - sum(after))
    excess = sum(breaks) - sessions * minimum
    scale = min(1.0, max(0.0, room - sessions * minimum) / excess) if excess > 0 else 1.0
    breaks = [minimum + (b - minimum) * scale if s.new_session else 0.0 for b, s in zip(breaks, steps)]
    clock = start + float(rng.uniform(0.0, max(0.0, room - sum(breaks))))
    times = []
    for ahead, behind, pause in zip(before, after, breaks):
        clock += pause + ahead
        times.append(clock)
        clock += behind
    return times


def learner_rows(plan: Plan, number: int, walked: Walk, times: list[float], ids: Ids, rng) -> dict:
    """The rows of one learner, per model, in id order."""
    course = plan.course
    user_id = ids(get_user_model())
    # Joined and enrolled (placement skipped) a minute before the first item was shown.
    first = _at(times[0] - walked.steps[0].seconds - walked.steps[0].pause - 80.0 if times else 0.0)
    rows = {model: [] for model in COLUMNS}
    rows[get_user_model()].append(
        (user_id, make_password(None), None, False, f"{PREFIX}{number:05d}", "", "", "", False, True, first)
    )
    rows[Enrollment].append((ids(Enrollment), user_id, course.id, first, None, "", first, first))
    for step, at in zip(walked.steps, times):
        item, answered_at = step.item, _at(at)
        if step.hint:
            hinted_at = _at(at - step.seconds - 15.0)
            explanation = ids(Explanation)
            rows[Explanation].append(
                _explanation(explanation, user_id, item, None, Explanation.Kind.ASKED, "", hinted_at)
            )
            rows[LearningEvent].append(
                (
                    ids(LearningEvent),
                    user_id,
                    course.id,
                    item.kc_id,
                    item.id,
                    VERBS[Explanation.Kind.ASKED],
                    hinted_at,
                    None,
                    explanation,
                    "{}",
                )
            )
        response = ids(Response)
        key = uuid.UUID(bytes=rng.bytes(16), version=4)
        answer = item.right if step.correct else item.wrong[int(rng.integers(len(item.wrong)))]
        rows[Response].append(
            (
                response,
                user_id,
                item.id,
                item.kc_id,
                key,
                answer,
                step.correct,
                step.predicted,
                step.before,
                step.after,
                answered_at,
                False,
                min(step.seconds, IDLE_CAP),
            )
        )
        # What json.dumps writes for events.answered's dict (floats by repr), formatted directly: faster.
        result = (
            f'{{"correct": {"true" if step.correct else "false"}, "predicted": {step.predicted!r}, '
            f'"p_before": {step.before!r}, "p_after": {step.after!r}, "placement": false, '
            f'"seconds": {min(step.seconds, IDLE_CAP)!r}}}'
        )
        verbs = [LearningEvent.Verb.ANSWERED] + ([LearningEvent.Verb.MASTERED] if step.eureka else [])
        for verb in verbs:
            rows[LearningEvent].append(
                (ids(LearningEvent), user_id, course.id, item.kc_id, item.id, verb, answered_at, response, None, result)
            )
        followups = [(Explanation.Kind.WRONG_ANSWER, "", 0.05)] if not step.correct else []
        if step.question:
            followups.append((Explanation.Kind.QUESTION, "Why is that the answer?", 20.0))
        for kind, question, delay in followups:
            explanation, created_at = ids(Explanation), _at(at + delay)
            rows[Explanation].append(_explanation(explanation, user_id, item, response, kind, question, created_at))
            verb = VERBS[kind]  # as events.explanation_created names them
            rows[LearningEvent].append(
                (
                    ids(LearningEvent),
                    user_id,
                    course.id,
                    item.kc_id,
                    item.id,
                    verb,
                    created_at,
                    response,
                    explanation,
                    "{}",
                )
            )
    last = {step.item.kc_id: _at(at) for step, at in zip(walked.steps, times)}
    for k, state in walked.mastery.items():
        kc_id = plan.kc_ids[k]
        rows[Mastery].append(
            (
                ids(Mastery),
                user_id,
                kc_id,
                state["belief"],
                state["responses"],
                state["step"],
                state["once_mastered"],
                json.dumps(state["ability"].to_list()),
                last[kc_id],
            )
        )
    return rows


def _explanation(pk, learner, item, response, kind, question, created_at) -> tuple:
    finished = created_at + timedelta(seconds=2)
    return (
        pk,
        learner,
        item.id,
        response,
        kind,
        question,
        Explanation.Status.DONE,
        created_at,
        "",
        "authored",
        "",
        SIMULATED,
        created_at,
        finished,
    )


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def count_rows(walked: Walk) -> dict:
    """How many ids of each table one learner's rows take."""
    steps = walked.steps
    wrong = sum(not s.correct for s in steps)
    hints, questions, eurekas = (sum(getattr(s, name) for s in steps) for name in ("hint", "question", "eureka"))
    return {
        get_user_model(): 1,
        Enrollment: 1,
        Response: len(steps),
        Explanation: wrong + hints + questions,
        LearningEvent: len(steps) + eurekas + wrong + hints + questions,
        Mastery: len(walked.mastery),
    }


# Writing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    learners: int
    counts: dict  # model -> rows written
    simulating: float  # seconds spent simulating the learners and making their rows
    writing: float  # seconds spent in COPY and commit (the database's share)


def check_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise ValueError(
            f"simulated learners are written with PostgreSQL COPY; the database is {connection.vendor}. "
            "Set DATABASE_URL to a PostgreSQL database."
        )


def budgets(learners: int, responses: int, rng: np.random.Generator) -> list[int]:
    """Answers per learner: spread (log-normal, some answer a few, some hundreds), summing to `responses`."""
    if learners < 1 or responses < learners:
        raise ValueError(f"need at least one learner and one response each, got {learners} and {responses}")
    weights = rng.lognormal(0.0, 0.8, learners)
    shares = np.floor(weights / weights.sum() * (responses - learners)).astype(int) + 1
    shares[np.argsort(-weights)[: responses - int(shares.sum())]] += 1
    return shares.tolist()


def generate(
    course: Course, *, learners: int, responses: int, seed: int, days: float, end: datetime, batch: int = 200
) -> Iterator[Batch]:
    """Write the simulated learners, a batch per transaction; yields each batch's counts as it commits.
    A learner who masters everything before their budget runs out hands the rest to the next learner."""
    check_postgresql()
    plan = plan_course(course)
    shares = budgets(learners, responses, np.random.default_rng(seed))
    start_s, end_s = end.timestamp() - days * 86400, end.timestamp()
    carry = 0
    for first in range(0, learners, batch):
        started = time.perf_counter()
        walked = []
        for number in range(first + 1, min(first + batch, learners) + 1):
            rng = np.random.default_rng([seed, number])
            done = walk(plan, rng, shares[number - 1] + carry, course.mastery_threshold)
            carry = shares[number - 1] + carry - len(done.steps)
            walked.append((number, done, rng))
        counts = {model: sum(count_rows(w)[model] for _, w, _ in walked) for model in COLUMNS}
        with transaction.atomic(), connection.cursor() as cursor:
            ids = Ids(cursor, counts)
            rows = {model: [] for model in COLUMNS}
            for number, done, rng in walked:
                times = timeline(done, rng, start_s, end_s)
                for model, found in learner_rows(plan, number, done, times, ids, rng).items():
                    rows[model].extend(found)
            simulated = time.perf_counter()
            for model, found in rows.items():
                copy_rows(cursor.cursor, model, found)
        yield Batch(len(walked), counts, simulated - started, time.perf_counter() - simulated)


def copy_rows(cursor, model, rows: list[tuple]) -> None:
    """COPY `rows` (tuples in the order of COLUMNS[model]) into the model's table."""
    meta = model._meta
    columns = ", ".join(f'"{meta.get_field(name).column}"' for name in COLUMNS[model])
    with cursor.copy(f'COPY "{meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def clear() -> dict[str, int]:
    """Delete every simulated learner (username sim-...) and everything of theirs; returns counts.
    Plain SQL on the large tables: the ORM's cascade would load a million rows to delete them."""
    users = get_user_model().objects.filter(username__startswith=PREFIX)
    learner_ids = f'SELECT id FROM "{get_user_model()._meta.db_table}" WHERE username LIKE %s'
    deleted = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (LearningEvent, Explanation, Response, Mastery, Enrollment):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE learner_id IN ({learner_ids})', [PREFIX + "%"])
            deleted[model._meta.label] = cursor.rowcount
        deleted["users"] = users.delete()[0]
    return deleted


def existing() -> bool:
    return get_user_model().objects.filter(username__startswith=PREFIX).exists()


def analyze() -> None:
    """Fresh planner statistics for the tables just filled (autovacuum would get there, later)."""
    with connection.cursor() as cursor:
        for model in COLUMNS:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
