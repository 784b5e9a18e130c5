"""Eurekas, active seconds, eurekas per second, stuck, bounce and calibration on constructed
logs, each answer worked out by hand in the test.

Times are written as seconds after DAY, 2023-11-15 00:00 UTC. Defaults unless a test says
otherwise: mastery threshold 0.95, cap 300 s, session gap 1800 s, band [0.7, 0.85].
"""

import math
from collections import Counter
from datetime import date, timedelta, timezone

import pytest

from analytics import (
    Answer,
    PageEvent,
    Rate,
    active_seconds,
    active_seconds_by_day,
    active_spans,
    bounces,
    calibration,
    eurekas,
    eurekas_per_second,
    sort_key,
    stuck_episodes,
)

DAY = 1_700_006_400.0  # 2023-11-15 00:00:00 UTC


def ans(at, kc="k1", before=0.5, after=0.5, *, learner="ann", item="i1", predicted=0.75, correct=True, **extra):
    return Answer(learner, DAY + at, kc, item, correct, predicted, before, after, **extra)


def page(at, kind="item_shown", *, learner="ann", kc=None):
    return PageEvent(learner, DAY + at, kind, kc)


def when(records):
    return [record.at - DAY for record in records]


# Eurekas


def test_a_eureka_is_the_answer_that_crosses_the_threshold():
    log = [
        ans(0, "k1", 0.30, 0.60, item="a"),
        ans(60, "k1", 0.60, 0.97, item="b"),  # 0.60 < 0.95 <= 0.97: the crossing
        ans(90, "k1", 0.97, 0.99, item="c"),  # already mastered
    ]
    (eureka,) = eurekas(log)
    assert (eureka.learner, eureka.kc, eureka.item, eureka.at - DAY) == ("ann", "k1", "b", 60)


def test_a_kc_crossed_faded_and_crossed_again_gives_one_eureka_at_the_first_crossing():
    log = [
        ans(0, "k1", 0.60, 0.96),  # first crossing
        ans(100, "k2", 0.50, 0.55),
        ans(200, "k1", 0.90, 0.93),  # faded to 0.90 by forgetting: below the threshold again
        ans(300, "k1", 0.93, 0.97),  # crossed again: no second eureka
    ]
    assert [(e.kc, e.at - DAY) for e in eurekas(log)] == [("k1", 0)]


def test_a_kc_first_seen_at_or_above_the_threshold_gives_no_eureka_even_after_fading():
    log = [
        ans(0, "k1", 0.95, 0.96),  # starts at the threshold: not a crossing
        ans(100, "k1", 0.90, 0.97),  # faded, crossed: a recovery, not a first arrival
        ans(200, "k2", 0.40, 0.96, placement=True),  # mastered in placement: known before
        ans(300, "k2", 0.90, 0.97),
        ans(400, "k3", 0.40, 0.60, placement=True),  # placement below the threshold
        ans(500, "k3", 0.60, 0.95),  # then taught: 0.60 < 0.95 <= 0.95, a eureka
    ]
    assert [(e.kc, e.at - DAY) for e in eurekas(log)] == [("k3", 500)]


def test_eurekas_follow_the_threshold_given():
    log = [ans(0, "k1", 0.70, 0.85), ans(10, "k2", 0.85, 0.90)]
    assert [e.kc for e in eurekas(log, threshold=0.8)] == ["k1"]  # k2 starts above 0.8
    assert eurekas(log) == []  # neither reaches 0.95


def test_eurekas_of_several_learners():
    log = [
        ans(0, "k1", 0.5, 0.96, learner="ann"),
        ans(5, "k2", 0.5, 0.96, learner="ann"),
        ans(0, "k1", 0.5, 0.94, learner="bob"),
        ans(9, "k1", 0.94, 0.96, learner="bob"),
    ]
    assert [(e.learner, e.kc, e.at - DAY) for e in eurekas(log)] == [
        ("ann", "k1", 0),
        ("ann", "k2", 5),
        ("bob", "k1", 9),
    ]


# Active seconds


def test_idle_gaps_are_capped():
    log = [
        ans(0, seconds=30),  # first of the session: its own measured 30 s
        page(40, "hint", kc="k1"),  # gap 40 s
        ans(640),  # gap 600 s, capped to 300 s
        page(660, "explanation"),  # gap 20 s
    ]
    # 30 + 40 + 300 + 20 = 390 s
    assert active_seconds(log) == {"ann": 390}
    assert [(s.start - DAY, s.end - DAY, s.kc) for s in active_spans(log)] == [
        (-30, 0, "k1"),
        (0, 40, "k1"),
        (340, 640, "k1"),  # the capped gap lies just before its event
        (640, 660, None),
    ]


def test_the_first_event_of_a_session_brings_its_measured_seconds_capped_or_nothing():
    assert active_seconds([ans(0, seconds=900), ans(60)]) == {"ann": 300 + 60}  # 900 s capped to 300
    assert active_seconds([page(0), ans(60)]) == {"ann": 0 + 60}  # a page event brings nothing
    assert active_seconds([ans(0), ans(60)]) == {"ann": 0 + 60}  # no measured seconds: nothing
    assert active_seconds([ans(0)]) == {}  # no active time at all: left out


def test_a_gap_longer_than_the_session_timeout_starts_a_new_session():
    log = [
        page(0),  # session 1 starts: 0 s
        ans(100),  # 100 s
        ans(1901, seconds=45),  # 1801 s later: session 2 starts with its measured 45 s (not 300 s)
        ans(1961),  # 60 s
    ]
    assert active_seconds(log) == {"ann": 0 + 100 + 45 + 60}
    # A gap of exactly the timeout stays in the session and is capped: 100 + 300 + 60.
    assert active_seconds([page(0), ans(100), ans(1900, seconds=45), ans(1960)]) == {"ann": 100 + 300 + 60}
    # A shorter timeout cuts the 100 s gap too: 0 + 0 (first, no seconds) + 45 + 60.
    assert active_seconds(log, cap=60, session_gap=90) == {"ann": 45 + 60}


def test_active_seconds_in_a_window_split_the_gaps_that_straddle_its_edges():
    log = [
        page(0),  # 0 s
        ans(600),  # gap 600 s capped: span [300, 600)
        ans(700),  # span [600, 700)
        page(5000, learner="bob"),
        page(5100, learner="bob"),  # span [5000, 5100), outside the window
    ]
    # Window [400, 650): 600 - 400 = 200 s of [300, 600) and 650 - 600 = 50 s of [600, 700).
    assert active_seconds(log, start=DAY + 400, end=DAY + 650) == {"ann": 250}
    assert active_seconds(log) == {"ann": 400, "bob": 100}


def test_active_seconds_by_day_split_at_midnight_and_add_up_to_the_total():
    log = [
        page(-100),  # 23:58:20 on the 14th
        ans(100),  # span [-100, 100): 100 s on the 14th, 100 s on the 15th
        ans(400, learner="bob", seconds=50),  # span [350, 400) on the 15th
    ]
    by_day = active_seconds_by_day(log)
    nov14, nov15 = date(2023, 11, 14), date(2023, 11, 15)
    assert by_day == {("ann", nov14): 100, ("ann", nov15): 100, ("bob", nov15): 50}
    assert sum(by_day.values()) == sum(active_seconds(log).values()) == 250
    # Five hours west of UTC, midnight UTC is 19:00 on the 14th: all of it is the 14th.
    west = timezone(timedelta(hours=-5))
    assert active_seconds_by_day(log, tz=west) == {("ann", nov14): 200, ("bob", nov14): 50}


# Eurekas per second


def one_learner_log(learner="ann"):
    return [
        ans(0, "k1", 0.50, 0.80, learner=learner, seconds=60),  # span [-60, 0) on k1
        ans(120, "k1", 0.80, 0.96, learner=learner),  # eureka on k1; span [0, 120) on k1
        ans(240, "k2", 0.20, 0.50, learner=learner),  # span [120, 240) on k2
        ans(840, "k2", 0.50, 0.97, learner=learner),  # eureka on k2; gap 600 capped: span [540, 840) on k2
        page(900, "mastery_map", learner=learner),  # span [840, 900), on no KC
    ]


def test_eurekas_per_second_per_learner_over_all_time_and_a_window():
    # All time: 2 eurekas in 60 + 120 + 120 + 300 + 60 = 660 s.
    (rate,) = eurekas_per_second(one_learner_log()).values()
    assert rate == Rate(2, 660)
    assert rate.per_second == 2 / 660
    assert rate.per_hour == pytest.approx(2 * 3600 / 660)
    # Window [0, 840): the eureka at 840 is at the end, so outside; seconds: [0, 120) 120 +
    # [120, 240) 120 + [540, 840) 300 = 540 (the first span [-60, 0) lies before the window).
    assert eurekas_per_second(one_learner_log(), start=DAY, end=DAY + 840) == {"ann": Rate(1, 540)}
    # Window [120, 900): the eureka at 120 is at the start, so inside; seconds 120 + 300 + 60 = 480.
    assert eurekas_per_second(one_learner_log(), start=DAY + 120, end=DAY + 900) == {"ann": Rate(2, 480)}


def test_eurekas_per_second_per_kc_leave_out_time_on_no_kc():
    rates = eurekas_per_second(one_learner_log(), by="kc")
    # k1: 60 + 120 = 180 s; k2: 120 + 300 = 420 s; the 60 s before the mastery map is on no KC.
    assert rates == {"k1": Rate(1, 180), "k2": Rate(1, 420)}
    assert rates["k1"].per_hour == 20.0  # 1 * 3600 / 180


def test_a_cohort_rate_is_the_sum_of_its_learners():
    log = one_learner_log("ann") + [ans(0, "k1", 0.5, 0.6, learner="bob", seconds=100), ans(200, learner="bob")]
    rates = eurekas_per_second(log)
    assert rates == {"ann": Rate(2, 660), "bob": Rate(0, 100 + 200)}
    cohort = sum(rates.values(), Rate())
    assert cohort == Rate(2, 960)
    assert cohort.per_hour == 7.5  # 2 * 3600 / 960


def test_a_eureka_without_active_time_has_no_rate():
    rates = eurekas_per_second([ans(0, "k1", 0.5, 0.96)])  # no measured seconds, no gap before it
    assert rates == {"ann": Rate(1, 0.0)}
    assert rates["ann"].per_second is None and rates["ann"].per_hour is None


# Stuck


def test_stuck_on_one_kc_with_other_kcs_interleaved():
    log = [
        ans(0, "k1", 0.30, 0.25),  # baseline 0.30; 0.25 <= 0.31: attempt 1
        ans(10, "k2", 0.50, 0.70),  # another KC: neither breaks the run nor joins it
        ans(20, "k1", 0.24, 0.305),  # 0.305 <= 0.30 + 0.01: attempt 2
        ans(30, "k2", 0.70, 0.80),
        ans(40, "k1", 0.30, 0.20),  # attempt 3
        ans(50, "k1", 0.20, 0.45),  # 0.45 > 0.31: a gain ends the run
    ]
    (episode,) = stuck_episodes(log)
    assert (episode.learner, episode.kc, episode.first_at - DAY, episode.last_at - DAY) == ("ann", "k1", 0, 40)
    assert (episode.attempts, episode.resolved) == (3, True)


def test_a_gain_above_epsilon_breaks_the_run():
    log = [
        ans(0, "k1", 0.50, 0.40),  # baseline 0.50
        ans(10, "k1", 0.40, 0.75),  # 0.75 <= 0.50 + 0.25: still no gain (epsilon 0.25 below)
        ans(20, "k1", 0.75, 0.7500001),  # above 0.75: a gain, the run ends at 2 attempts
        ans(30, "k1", 0.70, 0.60),  # a new run, baseline 0.70: only 2 attempts before the log ends
        ans(40, "k1", 0.60, 0.50),
    ]
    assert stuck_episodes(log, epsilon=0.25) == []
    # With 2 attempts enough, both runs count; the second is still open when the log ends.
    found = stuck_episodes(log, epsilon=0.25, attempts=2)
    assert [(e.first_at - DAY, e.last_at - DAY, e.attempts, e.resolved) for e in found] == [
        (0, 10, 2, True),
        (30, 40, 2, False),
    ]


def test_reaching_mastery_ends_a_run_and_is_not_part_of_it():
    log = [
        ans(0, "k1", 0.945, 0.944),  # baseline 0.945; 0.944 <= 0.955: attempt 1
        ans(10, "k1", 0.944, 0.946),  # 0.946 <= 0.955: attempt 2
        ans(20, "k1", 0.946, 0.950),  # reaches 0.95: not stuck, though within 0.01 of the baseline
    ]
    assert stuck_episodes(log) == []
    longer = [ans(-10, "k1", 0.945, 0.945), *log]  # one more attempt before, with the same baseline
    assert [(e.first_at - DAY, e.last_at - DAY, e.attempts, e.resolved) for e in stuck_episodes(longer)] == [
        (-10, 10, 3, True)
    ]


def test_answers_on_a_mastered_kc_and_placement_answers_are_not_attempts():
    log = [
        ans(0, "k1", 0.97, 0.90),  # mastered before the answer: not an attempt
        ans(10, "k1", 0.90, 0.80),  # attempt 1, baseline 0.90
        ans(20, "k1", 0.80, 0.95, placement=True),  # passed over
        ans(30, "k1", 0.60, 0.40),  # attempt 2
        ans(40, "k1", 0.40, 0.30),  # attempt 3; the log ends inside the run
    ]
    (episode,) = stuck_episodes(log)
    assert (episode.first_at - DAY, episode.last_at - DAY, episode.attempts, episode.resolved) == (10, 40, 3, False)


def test_stuck_episodes_counted_per_learner_and_kc():
    misses = [(0.3, 0.2), (0.2, 0.15), (0.15, 0.1)]
    log = [ans(i, "k1", b, a) for i, (b, a) in enumerate(misses)]
    log += [ans(10, "k1", 0.1, 0.4)]  # gain: the first episode ends
    log += [ans(20 + i, "k1", b + 0.1, a + 0.1) for i, (b, a) in enumerate(misses)]  # a second episode
    log += [ans(30 + i, "k2", b, a) for i, (b, a) in enumerate(misses)]
    log += [ans(i, "k1", b, a, learner="bob") for i, (b, a) in enumerate(misses[:2])]  # 2 attempts: not stuck
    assert Counter((e.learner, e.kc) for e in stuck_episodes(log)) == {("ann", "k1"): 2, ("ann", "k2"): 1}


# Bounce


def test_a_session_ending_after_three_items_too_hard_is_a_bounce():
    log = [
        ans(0, "k1", predicted=0.75),
        ans(60, "k1", predicted=0.50),
        ans(120, "k2", predicted=0.40),
        ans(180, "k2", predicted=0.30),
        page(200, "mastery_map"),  # after the last answer: the session still ends on those three
    ]
    (bounce,) = bounces(log)
    assert (bounce.learner, bounce.at - DAY, bounce.kind, bounce.kc) == ("ann", 200, "too hard", "k2")


def test_bounces_too_easy_mixed_and_none():
    hour = 3600  # more than the session gap: each block below is a session of its own
    log = [
        *(ans(t, predicted=p) for t, p in [(0, 0.90), (10, 0.95), (20, 0.99)]),  # too easy
        *(ans(hour + t, predicted=p) for t, p in [(0, 0.30), (10, 0.90), (20, 0.20)]),  # mixed
        *(ans(2 * hour + t, predicted=p) for t, p in [(0, 0.20), (10, 0.30), (20, 0.80)]),  # last one in band
        *(ans(3 * hour + t, predicted=p) for t, p in [(0, 0.10), (10, 0.20), (20, 0.70)]),  # band's low end: inside
        *(ans(4 * hour + t, predicted=p) for t, p in [(0, 0.90), (10, 0.95), (20, 0.85)]),  # and its high end
        *(ans(5 * hour + t, predicted=p) for t, p in [(0, 0.20), (10, 0.30)]),  # two answers: fewer than 3
        *(ans(6 * hour + t, predicted=p, placement=t == 0) for t, p in [(0, 0.20), (10, 0.30), (20, 0.10)]),
    ]
    assert [(b.at - DAY, b.kind) for b in bounces(log)] == [(20, "too easy"), (hour + 20, "mixed")]
    # With the last two answers enough, the session of two too-hard answers is a bounce, and so is
    # the one whose placement answer came third from last.
    assert [(b.at - DAY, b.kind) for b in bounces(log, answers=2)] == [
        (20, "too easy"),
        (hour + 20, "mixed"),  # 0.90 then 0.20
        (5 * hour + 10, "too hard"),
        (6 * hour + 20, "too hard"),
    ]


def test_a_session_that_may_still_go_on_is_no_bounce_yet():
    log = [ans(t, predicted=0.1) for t in (0, 10, 20)] + [ans(3600 + t, predicted=0.1) for t in (0, 10, 20)]
    assert [b.at - DAY for b in bounces(log)] == [20, 3620]  # a complete log: both sessions ended
    assert [b.at - DAY for b in bounces(log, now=DAY + 3620 + 1800)] == [20]  # 1800 s: it may go on
    assert [b.at - DAY for b in bounces(log, now=DAY + 3620 + 1801)] == [20, 3620]


# Calibration


def test_calibration_bins_and_share_in_band():
    log = [
        ans(0, predicted=0.10, correct=False),  # bin 1, [0.1, 0.2)
        ans(1, predicted=0.72, correct=True),  # bin 7, in band
        ans(2, predicted=0.78, correct=False),  # bin 7, in band
        ans(3, predicted=0.80, correct=True),  # bin 8, in band
        ans(4, predicted=0.85, correct=True),  # bin 8, in band (its top end)
        ans(5, predicted=0.95, correct=True),  # bin 9
        ans(6, predicted=1.00, correct=True),  # bin 9: the last bin includes 1
        ans(7, predicted=0.50, correct=True, placement=True),  # left out
    ]
    result = calibration(log)
    rows = [(b.low, b.high, b.count, b.mean_predicted, b.observed) for b in result.bins if b.count]
    assert rows == [
        (0.1, 0.2, 1, 0.10, 0.0),
        (0.7, 0.8, 2, pytest.approx(0.75), 0.5),  # (0.72 + 0.78) / 2; 1 right of 2
        (0.8, 0.9, 2, pytest.approx(0.825), 1.0),  # (0.80 + 0.85) / 2
        (0.9, 1.0, 2, pytest.approx(0.975), 1.0),  # (0.95 + 1.00) / 2
    ]
    assert [b.count for b in result.bins] == [0, 1, 0, 0, 0, 0, 0, 2, 2, 2]
    assert result.bins[0].mean_predicted is None and result.bins[0].observed is None
    assert (result.answers, result.in_band, result.share_in_band) == (7, 4, 4 / 7)


def test_calibrations_add_up():
    log = [ans(t, predicted=p, correct=c) for t, p, c in [(0, 0.1, False), (1, 0.75, True), (2, 0.78, False)]]
    assert calibration(log[:1]) + calibration(log[1:]) == calibration(log)
    with pytest.raises(ValueError, match="same bins"):
        calibration(log, bins=5) + calibration(log)


# Empty, unsorted and wrong input


def test_empty_input():
    assert eurekas([]) == []
    assert active_seconds([]) == {}
    assert active_seconds_by_day([]) == {}
    assert eurekas_per_second([]) == {}
    assert stuck_episodes([]) == []
    assert bounces([]) == []
    empty = calibration([])
    assert (empty.answers, empty.in_band, empty.share_in_band, len(empty.bins)) == (0, 0, None, 10)


ORDERED = [
    lambda events: eurekas(events),
    lambda events: active_seconds(events),
    lambda events: active_seconds_by_day(events),
    lambda events: eurekas_per_second(events),
    lambda events: stuck_episodes(events),
    lambda events: bounces(events),
]


@pytest.mark.parametrize("metric", ORDERED)
def test_events_out_of_time_order_are_refused_by_name(metric):
    log = [ans(0), ans(20, item="late"), ans(10, item="early")]
    with pytest.raises(ValueError, match=r"not in time order: event 2 \(Answer\(.*item='early'"):
        metric(log)
    metric(sorted(log, key=sort_key))


@pytest.mark.parametrize("metric", ORDERED)
def test_a_learner_whose_events_are_split_is_refused_by_name(metric):
    log = [ans(0, learner="ann"), ans(5, learner="bob"), ans(10, learner="ann")]
    with pytest.raises(ValueError, match=r"not grouped by learner: learner 'ann''s events resume at event 2 \(Answer"):
        metric(log)
    metric(sorted(log, key=sort_key))


def test_sorting_gives_the_same_answers_as_the_log_in_order():
    log = one_learner_log("ann") + one_learner_log("bob")
    shuffled = log[::-1]
    assert eurekas_per_second(sorted(shuffled, key=sort_key)) == eurekas_per_second(log)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: active_seconds([], cap=600, session_gap=300), "cap <= session_gap"),
        (lambda: active_seconds([], cap=0), "cap <= session_gap"),
        (lambda: active_seconds([], start=DAY, end=DAY), "start < end"),
        (lambda: eurekas([], threshold=1.0), "strictly between 0 and 1"),
        (lambda: eurekas_per_second([], by="item"), "by must be one of"),
        (lambda: bounces([], band=(0.85, 0.7)), "low then high"),
        (lambda: calibration([], bins=0), "at least one bin"),
        (lambda: stuck_episodes([], attempts=0), "attempts >= 1"),
        (lambda: ans(0, before=1.2), "p_before must be a probability"),
        (lambda: ans(0, predicted=math.nan), "predicted must be a probability"),
        (lambda: ans(0, seconds=-1), "seconds must be at least 0"),
    ],
)
def test_wrong_parameters_and_records_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
