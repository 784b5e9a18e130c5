"""The course dashboard for its faculty (and staff). Thin: check who asks, read the rollups, render.

The permission check is authoring's (`course_faculty_required`): a learner, or faculty of
another course, gets 403; anonymous visitors are sent to log in.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from webapp.analytics import charts, exports, rollups, selectors
from webapp.authoring.permissions import course_faculty_required


@course_faculty_required
@require_GET
def course_dashboard(request, course):
    kcs = selectors.kc_rows(course)
    days = selectors.day_rows(course)
    bins = selectors.calibration_rows(course)
    items = selectors.item_groups(course)
    plotted = [
        (row.item.slug, row.discrimination, row.success, row.answers)
        for group in items
        for row in group.items
        if row.discrimination is not None and row.success is not None
    ]
    rated = [(row.day.isoformat(), row.eurekas_per_hour) for row in days if row.eurekas_per_hour is not None]
    context = {
        "course": course,
        "kcs": kcs,
        "most_per_hour": max((row.eurekas_per_hour or 0 for row in kcs), default=0),
        "days": days,
        "bins": bins,
        "item_groups": items,
        "band_share": selectors.band_share(kcs),
        "refreshed_at": selectors.refreshed_at(course),
        "lag_minutes": int(rollups.LAG.total_seconds() // 60),
        "eurekas_chart": mark_safe(
            charts.line_chart(rated, title="Eurekas per hour, by day", x_label="Day (UTC)", y_label="Eurekas per hour")
        ),
        "calibration_chart": mark_safe(
            charts.calibration_chart(
                [(row.mean_predicted, row.observed, row.answers) for row in bins],
                title="Calibration: observed against predicted success",
            )
        ),
        "item_chart": mark_safe(charts.item_chart(plotted, title="Items: success against discrimination")),
    }
    return render(request, "analytics/course_dashboard.html", context)


@course_faculty_required
@require_GET
def course_csv(request, course, table):
    if table not in exports.TABLES:
        raise Http404(f"No table {table!r}.")
    return exports.csv_response(f"{course.slug}-{table}.csv", exports.TABLES[table](course))


@course_faculty_required
@require_POST
def refresh(request, course):
    read = rollups.refresh(course)
    messages.success(request, f"Rollups refreshed: {read} new event{'s' if read != 1 else ''} read.")
    return redirect("analytics:course_dashboard", slug=course.slug)
