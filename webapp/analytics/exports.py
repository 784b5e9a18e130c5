"""The dashboard's tables as CSV rows: a header, then one row per KC, item, day or calibration bin.

The values are the selectors' rounded figures, the same numbers the page shows; a figure
with nothing to divide by (no answers, no active time) is left empty.
"""

import csv
from collections.abc import Callable

from django.http import HttpResponse

from webapp.analytics import selectors
from webapp.learning.models import Course

Table = tuple[list[str], list[list]]


def kcs(course: Course) -> Table:
    header = [
        "position",
        "kc",
        "title",
        "answers",
        "correct",
        "correct_rate",
        "eurekas",
        "active_minutes",
        "eurekas_per_hour",
        "stuck_episodes",
        "served",
        "in_band",
        "band_share",
        "median_minutes_to_eureka",
        "bounces",
    ]
    rows = [
        [
            row.kc.position,
            row.kc.slug,
            row.kc.title,
            row.answers,
            row.correct,
            row.correct_rate,
            row.eurekas,
            row.active_minutes,
            row.eurekas_per_hour,
            row.stuck_episodes,
            row.served,
            row.in_band,
            row.band_share,
            row.median_minutes_to_eureka,
            row.bounces,
        ]
        for row in selectors.kc_rows(course)
    ]
    return header, rows


def items(course: Course) -> Table:
    header = [
        "kc_position",
        "kc",
        "item_position",
        "item",
        "answers",
        "correct",
        "success",
        "placement_answers",
        "discrimination",
        "discrimination_learners",
        "timed_answers",
        "mean_seconds",
        "hinted",
        "hint_share",
        "explained",
        "explanation_share",
    ]
    rows = [
        [
            group.kc.position,
            group.kc.slug,
            row.item.position,
            row.item.slug,
            row.answers,
            row.correct,
            row.success,
            row.placement_answers,
            row.discrimination_rounded,
            row.discrimination_learners,
            row.timed,
            row.mean_seconds,
            row.hinted,
            row.hint_share,
            row.explained,
            row.explanation_share,
        ]
        for group in selectors.item_groups(course)
        for row in group.items
    ]
    return header, rows


def days(course: Course) -> Table:
    header = ["day", "eurekas", "active_minutes", "eurekas_per_hour"]
    rows = [
        [row.day.isoformat(), row.eurekas, row.active_minutes, row.eurekas_per_hour]
        for row in selectors.day_rows(course)
    ]
    return header, rows


def calibration(course: Course) -> Table:
    header = ["bin", "predicted_from", "predicted_to", "answers", "mean_predicted", "observed"]
    rows = [
        [row.bin, row.low, row.high, row.answers, row.mean_predicted, row.observed]
        for row in selectors.calibration_rows(course)
    ]
    return header, rows


TABLES: dict[str, Callable[[Course], Table]] = {
    "kcs": kcs,
    "items": items,
    "days": days,
    "calibration": calibration,
}


def csv_response(filename: str, table: Table) -> HttpResponse:
    """A table as a CSV download; a figure with nothing to divide by (None) is left empty."""
    header, rows = table
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return response
