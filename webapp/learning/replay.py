"""Mastery rebuilt from the response log: the check that the stored Mastery rows are derived data.

`record_answer` updates a learner's Mastery of a KC in the answer's transaction. Replaying
the learner's responses in order through the same update (fading by the answers given
elsewhere since, then Bayes' rule and learning; the ability offsets drifted likewise, then
moved by the answer) must give the same rows. The load benchmark audits a database with
this after hammering it (benchmarks/load.py).

Placement overwrites every KC's belief with the probe's graph marginals, which no response
records, so only learners who skipped placement (no placement answers) can be replayed.
"""

from dataclasses import dataclass

from learner_model import bkt
from learner_model.proficiency import KCAbility
from tutor.loop import ability_after, after_answer, item_params
from webapp.learning import selectors
from webapp.learning.models import Course, Mastery, Response


@dataclass(frozen=True)
class Replayed:
    belief: float
    step: int
    responses: int
    once_mastered: bool
    ability: KCAbility


def replay(learner, course: Course) -> dict[int, Replayed]:
    """Per KC id, the Mastery that the learner's responses in `course` imply."""
    band = (course.band_low, course.band_high)
    kcs = {kc.id: kc for kc in course.kcs.all()}
    kc_data = {kc_id: selectors.kc_content(kc, (), ()) for kc_id, kc in kcs.items()}
    state: dict[int, Replayed] = {}
    log = Response.objects.filter(learner=learner, item__course=course).order_by("answered_at", "id")
    for now, response in enumerate(log.select_related("item")):
        if response.placement:
            raise ValueError(f"learner {learner.pk} answered placement questions: their mastery cannot be replayed")
        kc, item = kc_data[response.kc_id], response.item.content
        earlier = state.get(response.kc_id)
        start = earlier.belief if earlier else bkt.initial_belief(item_params(kc, item))
        elsewhere = now - (earlier.step if earlier else now)  # answers on other KCs since this KC's last
        before = bkt.fade(start, elsewhere, kcs[response.kc_id].forget)
        belief = after_answer(kc, item, before, response.correct, band)
        drifted = (earlier.ability if earlier else KCAbility()).drift(elsewhere)
        ability = ability_after(kc, item, before, drifted, response.correct)
        state[response.kc_id] = Replayed(
            belief=belief,
            step=now + 1,
            responses=(earlier.responses if earlier else 0) + 1,
            once_mastered=(earlier is not None and earlier.once_mastered)
            or bkt.p_mastered(belief) >= course.mastery_threshold,
            ability=ability,
        )
    return state


def mismatches(learner, course: Course, tolerance: float = 1e-9) -> list[str]:
    """How the stored Mastery rows differ from the replay; empty when they agree."""
    replayed = replay(learner, course)
    stored = {m.kc_id: m for m in Mastery.objects.filter(learner=learner, kc__course=course)}
    problems = [f"KC {kc_id}: replayed but no Mastery row" for kc_id in replayed.keys() - stored.keys()]
    problems += [f"KC {kc_id}: a Mastery row with no responses" for kc_id in stored.keys() - replayed.keys()]
    for kc_id in replayed.keys() & stored.keys():
        want, got = replayed[kc_id], stored[kc_id]
        same_counts = (want.step, want.responses, want.once_mastered) == (got.step, got.responses, got.once_mastered)
        numbers = zip([want.belief, *want.ability.to_list()], [got.belief, *got.kc_ability.to_list()])
        if any(abs(a - b) > tolerance for a, b in numbers) or not same_counts:
            stored_as = (got.belief, got.step, got.responses, got.once_mastered, got.ability)
            problems.append(f"KC {kc_id}: stored {stored_as}, replayed {want}")
    return problems
