"""The learner-model page's chart: each KC's guess and slip with their 90% intervals, as inline SVG.

Drawn like the dashboard's charts (webapp/analytics/charts.py: same box, axes and empty
state). KCs run left to right in ramp order, labelled by their place in the ramp; per KC a
circle is its guess and a square its slip, each on a whisker spanning its interval where
one is known. A hollow marker is the current value when a proposal would change it.
Values above the dashed line at 0.5, or a guess and slip summing to 1 or more, are
degenerate (webapp/learning/refit.degenerate): drawn red, larger, and said in the tooltip.
"""

import math
from html import escape

from webapp.analytics.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, _axes, _empty, _scale, _svg
from webapp.analytics.model_table import Estimate, KCRow

COLOURS = {"guess": "#2b6cb0", "slip": "#b7791f"}
DEGENERATE = "#c53030"


def guess_slip_chart(rows: list[KCRow], *, title: str) -> str:
    """Per KC, the proposed guess and slip where a proposal fitted it, else the current ones."""
    if not rows:
        return _empty(title)
    band = (WIDTH - RIGHT - LEFT) / len(rows)
    x = _scale(0, len(rows), LEFT, WIDTH - RIGHT)
    y = _scale(0, 1, HEIGHT - BOTTOM, TOP)
    every = max(1, math.ceil(len(rows) / 12))  # at most about 12 x labels
    x_ticks = [(x(i + 0.5), str(row.kc.position + 1)) for i, row in enumerate(rows) if i % every == 0]
    parts = _axes(
        x_ticks,
        [(y(t / 5), f"{t / 5:g}") for t in range(6)],
        x_label="KC, by place in the ramp",
        y_label="Probability",
    )
    parts.append(
        f'<line class="degenerate-line" x1="{LEFT}" y1="{y(0.5):.1f}" x2="{WIDTH - RIGHT}" y2="{y(0.5):.1f}" '
        f'stroke="{DEGENERATE}" stroke-dasharray="4 4"/>'
    )
    for i, row in enumerate(rows):
        shown = row.proposed or row.current
        swapped = shown["guess"].value + shown["slip"].value >= 1
        for offset, name in ((-band / 6, "guess"), (band / 6, "slip")):
            at = x(i + 0.5) + offset
            if row.proposed and row.changes[name]:
                parts.append(_marker(name, at, y(row.current[name].value), hollow=True, bad=False))
            estimate = shown[name]
            parts.append(_whisker(at, estimate, y))
            bad = estimate.value > 0.5 or swapped
            label = f"{row.kc.title}: {name} {estimate.value:.2f}{_interval(estimate)}"
            if bad:
                label += " (degenerate)"
            parts.append(f"<g><title>{escape(label)}</title>{_marker(name, at, y(estimate.value), False, bad)}</g>")
    parts.append(
        f'<g font-size="11" fill="#5b6472"><text x="{WIDTH - RIGHT}" y="{TOP + 10}" text-anchor="end">'
        f'<tspan fill="{COLOURS["guess"]}">● guess</tspan>  <tspan fill="{COLOURS["slip"]}">■ slip</tspan>'
        f'  ○ current  <tspan fill="{DEGENERATE}">red: degenerate</tspan></text></g>'
    )
    return _svg(title, parts)


def _marker(name: str, at: float, height: float, hollow: bool, bad: bool) -> str:
    colour = DEGENERATE if bad else COLOURS[name]
    fill = "none" if hollow else colour
    size = 5.5 if bad else 4
    cls = "degenerate" if bad else ("current" if hollow else name)
    if name == "guess":
        return f'<circle class="{cls}" cx="{at:.1f}" cy="{height:.1f}" r="{size}" fill="{fill}" stroke="{colour}"/>'
    return (
        f'<rect class="{cls}" x="{at - size:.1f}" y="{height - size:.1f}" width="{2 * size}" height="{2 * size}" '
        f'fill="{fill}" stroke="{colour}"/>'
    )


def _whisker(at: float, estimate: Estimate, y) -> str:
    if estimate.low is None:
        return ""
    return (
        f'<line class="interval" x1="{at:.1f}" y1="{y(estimate.low):.1f}" x2="{at:.1f}" y2="{y(estimate.high):.1f}" '
        'stroke="#5b6472"/>'
    )


def _interval(estimate: Estimate) -> str:
    return "" if estimate.low is None else f" (90% interval {estimate.low:.2f} to {estimate.high:.2f})"
