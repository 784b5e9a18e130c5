"""The simulator keeps the promises of its docstring."""

import numpy as np

from learner_model.simulate import BAND, Learner, SimCourse, SimItem, random_course

CHAIN = SimCourse(
    names=("a", "b"),
    parents=((), (0,)),
    items=tuple(SimItem(kc, d, 0.2, 0.1) for kc in (0, 1) for d in (-3.0, 0.0, 3.0)),
    base=(0.0, 0.0),
    learn=0.5,
    forget=0.0,
    leak=0.0,
)


def learners(n, course=CHAIN, seed=0):
    return [Learner(course, np.random.default_rng([seed, i])) for i in range(n)]


def test_nobody_starts_with_a_kc_of_base_rate_zero_and_no_leak():
    assert not any(learner.mastered().any() for learner in learners(50))


def test_items_near_the_band_teach_more_than_items_far_too_hard():
    def share_mastered(item):
        group = learners(300)
        for learner in group:
            for _ in range(3):
                learner.answer(item)
        return np.mean([learner.mastered()[0] for learner in group])

    p_easy = np.mean([learner.p_right(0) for learner in learners(50)])
    assert 0.45 < p_easy < BAND[1]  # the easy item sits near the band for a beginner
    assert share_mastered(0) > 2 * share_mastered(2)  # the hardest item is far too hard


def test_unmastered_prerequisites_hold_learning_back():
    blocked = learners(300)
    for learner in blocked:
        for _ in range(4):
            learner.answer(3)  # the easiest item of b, with a still unmastered
    ready = learners(300, seed=1)
    for learner in ready:
        learner.theta[0] = learner.lines[0] + 1  # a mastered
        for _ in range(4):
            learner.answer(3)
    assert np.mean([lr.mastered()[1] for lr in ready]) > 3 * np.mean([lr.mastered()[1] for lr in blocked])


def test_eurekas_count_first_crossings_and_wrong_answers_take_longer():
    learner = learners(1)[0]
    times = {True: [], False: []}
    for _ in range(200):
        right, seconds = learner.answer(0)
        times[right].append(seconds)
    assert learner.eurekas == [0]
    assert np.median(times[False]) > np.median(times[True])


def test_random_courses_are_ramps():
    course = random_course(50, seed=2)
    assert all(all(p < k for p in parents) for k, parents in enumerate(course.parents))
    assert len(course.items) == 500 and all(course.items_of(k) for k in range(50))
