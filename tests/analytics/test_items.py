"""Per item figures (success, time, hint and explanation use, discrimination) and times to
eureka, on constructed logs worked out by hand in each test.

Times are seconds after DAY, 2023-11-15 00:00 UTC; defaults: threshold 0.95, cap 300 s,
session gap 1800 s.
"""

import math

import pytest

from analytics import (
    Answer,
    ItemStats,
    Moments,
    PageEvent,
    answer_uses,
    discrimination,
    item_stats,
    times_to_eureka,
)

DAY = 1_700_006_400.0


def ans(at, item="a", correct=True, *, learner="ann", kc="k", before=0.5, after=0.5, **extra):
    return Answer(learner, DAY + at, kc, item, correct, 0.75, before, after, **extra)


def page(at, kind, item="a", *, learner="ann", kc="k"):
    return PageEvent(learner, DAY + at, kind, kc, item)


HELP_LOG = [
    page(0, "hinted", "a"),
    ans(10, "a", False, seconds=8.0),  # hinted (the hint at 0); explained (at 11)
    page(11, "explained", "a"),
    ans(20, "b", seconds=5.0),  # the hint was on a: not hinted; explained at 41
    ans(30, "a", seconds=None),  # the hint was used up by the answer at 10; not explained
    page(40, "asked", "a"),
    page(41, "explained", "b"),  # follows b's last answer (at 20), though a's came between
    ans(50, "a", seconds=12.0),  # hinted (the question at 40)
    ans(60, "b", False, placement=True, seconds=30.0),  # placement: counted apart
    page(70, "hinted", "c"),  # a hint on an item never answered counts nowhere
]


def test_each_answer_knows_the_help_before_and_after_it():
    found = [(u.answer.at - DAY, u.answer.item, u.hinted, u.explained) for u in answer_uses(HELP_LOG)]
    assert found == [
        (10, "a", True, True),
        (20, "b", False, True),
        (30, "a", False, False),
        (50, "a", True, False),
        (60, "b", False, False),
    ]


def test_item_stats_leave_placement_answers_apart_and_add_up():
    stats = item_stats(HELP_LOG)
    assert stats["a"] == ItemStats(
        answers=3, correct=2, placement_answers=0, timed=2, seconds=20.0, hinted=2, explained=1
    )
    assert stats["b"] == ItemStats(
        answers=1, correct=1, placement_answers=1, timed=1, seconds=5.0, hinted=0, explained=1
    )
    a = stats["a"]
    assert (a.success, a.mean_seconds, a.hint_share, a.explanation_share) == (2 / 3, 10.0, 2 / 3, 1 / 3)
    both = stats["a"] + stats["b"]
    assert (both.answers, both.placement_answers, both.seconds, both.explained) == (4, 1, 25.0, 2)
    assert ItemStats().success is None and ItemStats().mean_seconds is None


# Discrimination. One KC, items a, b, c; each learner answers each once (tutor-served):
#   ann: a right, b right, c right    bob: a wrong, b wrong, c wrong    cy: a right, b right, c wrong
# Pairs (x = right on the item, y = share right on the KC's other two):
#   a: ann (1, 1), bob (0, 0), cy (1, 1/2)   b: the same as a   c: ann (1, 1), bob (0, 0), cy (0, 1)
# a: n 3, sx 2, sy 1.5, sxx 2, syy 1.25, sxy 1.5: var x 2 - 4/3 = 2/3, var y 1.25 - 0.75 = 1/2,
#    cov 1.5 - 2 * 1.5 / 3 = 1/2, r = (1/2) / sqrt(1/3) = sqrt(3)/2.
# c: sx 1, sy 2, sxx 1, syy 2, sxy 1: var x 2/3, var y 2/3, cov 1 - 2/3 = 1/3, r = 1/2.
def answers_of(learner, rights, start=0, **extra):
    return [ans(start + 10 * i, item, right, learner=learner, **extra) for i, (item, right) in enumerate(rights)]


DISCRIMINATING = [
    *answers_of("ann", [("a", True), ("b", True), ("c", True)]),
    *answers_of("bob", [("a", False), ("b", False), ("c", False)]),
    *answers_of("cy", [("a", True), ("b", True), ("c", False)]),
    *answers_of("dee", [("a", True)]),  # no other item of the KC: no pair
    ans(100, "b", False, learner="dee", placement=True),  # placement is passed over
    ans(110, "z", False, learner="dee", kc="other"),  # another KC: no rest for a
]


def test_discrimination_is_the_item_rest_correlation():
    found = discrimination(DISCRIMINATING)
    assert set(found) == {"a", "b", "c"}
    assert found["a"] == Moments(3, 2.0, 1.5, 2.0, 1.25, 1.5)
    assert found["a"].correlation == pytest.approx(math.sqrt(3) / 2)
    assert found["b"].correlation == pytest.approx(math.sqrt(3) / 2)
    assert found["c"].correlation == pytest.approx(0.5)


def test_repeated_answers_count_as_the_learners_share():
    # ann answers a twice (right, wrong): x = 1/2; b right: y = 1. bob: a wrong (0), b wrong (0).
    # Pairs for a: (1/2, 1), (0, 0): r = 1 (two points on a rising line). For b: (1, 1/2), (0, 0): r = 1.
    log = [
        *answers_of("ann", [("a", True), ("a", False), ("b", True)]),
        *answers_of("bob", [("a", False), ("b", False)]),
    ]
    found = discrimination(log)
    assert found["a"] == Moments(2, 0.5, 1.0, 0.25, 1.0, 0.5)
    assert found["a"].correlation == pytest.approx(1.0) and found["b"].correlation == pytest.approx(1.0)


def test_discrimination_is_undefined_without_two_learners_or_without_spread():
    assert Moments().add(1, 1).correlation is None  # one learner
    assert Moments().add(1, 0).add(1, 1).correlation is None  # everyone right on the item
    assert Moments().add(0, 0.5).add(1, 0.5).correlation is None  # the rest the same for everyone
    assert Moments().add(0, 1).add(1, 0).correlation == pytest.approx(-1.0)  # right by those who know least


def test_discrimination_checks_the_order():
    with pytest.raises(ValueError, match="not grouped by learner"):
        discrimination([ans(0, learner="ann"), ans(5, learner="bob"), ans(10, learner="ann")])


# Times to eureka.
def test_time_to_eureka_counts_the_active_seconds_from_the_first_taught_answer_to_the_eureka():
    log = [
        ans(0, kc="k1", before=0.3, after=0.5, placement=True, seconds=20.0),  # credited 20, but placement
        ans(100, kc="k1", before=0.5, after=0.6),  # the first taught answer on k1: credited 100
        ans(200, kc="k2", before=0.4, after=0.5),  # a detour to another KC: 100
        page(260, "hinted", kc="k1"),  # 60
        ans(1000, kc="k1", before=0.6, after=0.97),  # the eureka on k1: 740 capped to 300
        ans(5000, kc="k2", before=0.5, after=0.96, seconds=40.0),  # a new session: its own 40; eureka on k2
        ans(0, kc="k1", before=0.9, after=0.96, seconds=15.0, learner="bob"),  # a eureka at the first answer
    ]
    found = [(t.learner, t.kc, t.at - DAY, t.seconds) for t in times_to_eureka(log)]
    assert found == [
        ("ann", "k1", 1000, 100 + 100 + 60 + 300),
        ("ann", "k2", 5000, 100 + 60 + 300 + 40),  # from the first k2 answer at 200
        ("bob", "k1", 0, 15),
    ]
