"""Charts for the dashboards as inline SVG, drawn in Python on the server.

No JavaScript library and no build step: a chart is a string of SVG the template puts in
the page, with a <title> and an aria-label so a screen reader says what it shows. Each
chart has a box of `WIDTH` by `HEIGHT` user units and scales to its container.
"""

import math
from html import escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 40, 16, 44  # margins: room for the tick labels and axis names


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round values from 0 up to at least `top`, about `count` of them (steps of 1, 2 or 5 times a power of 10)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def line_chart(points: list[tuple[str, float]], *, title: str, x_label: str, y_label: str) -> str:
    """A line through `points` ((label, value), evenly spaced left to right), from 0 up the y axis."""
    if not points:
        return _empty(title)
    y_ticks = nice_ticks(max(value for _, value in points))
    x = _scale(0, max(len(points) - 1, 1), LEFT, WIDTH - RIGHT)
    y = _scale(0, y_ticks[-1], HEIGHT - BOTTOM, TOP)
    every = max(1, math.ceil(len(points) / 8))  # at most about 8 x labels
    x_ticks = [(x(i), label) for i, (label, _) in enumerate(points) if i % every == 0]
    parts = _axes(x_ticks, [(y(v), _number(v)) for v in y_ticks], x_label=x_label, y_label=y_label)
    line = " ".join(f"{x(i):.1f},{y(value):.1f}" for i, (_, value) in enumerate(points))
    parts.append(f'<polyline class="series" fill="none" stroke="currentColor" stroke-width="2" points="{line}"/>')
    for i, (label, value) in enumerate(points):
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" fill="currentColor">'
            f"<title>{escape(label)}: {_number(value)}</title></circle>"
        )
    return _svg(title, parts)


def calibration_chart(points: list[tuple[float, float, int]], *, title: str) -> str:
    """Observed against predicted success, both 0 to 1: one dot per bin ((predicted, observed, answers)),
    joined in order, over the diagonal a perfectly calibrated tutor would sit on."""
    if not points:
        return _empty(title)
    x = _scale(0, 1, LEFT, WIDTH - RIGHT)
    y = _scale(0, 1, HEIGHT - BOTTOM, TOP)
    ticks = [i / 5 for i in range(6)]
    parts = _axes(
        [(x(t), _number(t)) for t in ticks],
        [(y(t), _number(t)) for t in ticks],
        x_label="Predicted chance of a right answer",
        y_label="Share answered right",
    )
    parts.append(
        f'<line class="diagonal" x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(1):.1f}" y2="{y(1):.1f}" '
        'stroke="#9aa3b2" stroke-dasharray="4 4"/>'
    )
    line = " ".join(f"{x(p):.1f},{y(o):.1f}" for p, o, _ in points)
    parts.append(f'<polyline class="series" fill="none" stroke="currentColor" stroke-width="2" points="{line}"/>')
    for predicted, observed, answers in points:
        parts.append(
            f'<circle cx="{x(predicted):.1f}" cy="{y(observed):.1f}" r="4" fill="currentColor">'
            f"<title>predicted {predicted:.2f}, observed {observed:.2f}, {answers} answers</title></circle>"
        )
    return _svg(title, parts)


def item_chart(points: list[tuple[str, float, float, int]], *, title: str) -> str:
    """Items as dots, observed success (0 to 1) up against discrimination (-1 to 1) across: one dot
    per item ((slug, discrimination, success, answers)), the slug in its <title>. An item low on the
    left (rarely right, and right by the learners who know the KC least) is the first to look at."""
    if not points:
        return _empty(title)
    x = _scale(-1, 1, LEFT, WIDTH - RIGHT)
    y = _scale(0, 1, HEIGHT - BOTTOM, TOP)
    parts = _axes(
        [(x(t), _number(t)) for t in (-1, -0.5, 0, 0.5, 1)],
        [(y(t), _number(t)) for t in (0, 0.2, 0.4, 0.6, 0.8, 1)],
        x_label="Discrimination (item-rest correlation)",
        y_label="Share answered right",
    )
    parts.append(
        f'<line class="zero" x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(0):.1f}" y2="{y(1):.1f}" '
        'stroke="#9aa3b2" stroke-dasharray="4 4"/>'
    )
    for slug, discrimination, success, answers in points:
        parts.append(
            f'<circle class="item" cx="{x(discrimination):.1f}" cy="{y(success):.1f}" r="4" fill="currentColor" '
            f'fill-opacity="0.7"><title>{escape(slug)}: discrimination {discrimination:.2f}, '
            f"success {success:.2f}, {answers} answers</title></circle>"
        )
    return _svg(title, parts)


def _scale(low: float, high: float, start: float, end: float):
    """The map from data [low, high] to drawing [start, end]."""
    return lambda value: start + (value - low) / (high - low) * (end - start)


def _axes(x_ticks, y_ticks, *, x_label: str, y_label: str) -> list[str]:
    """Both axes with their ticks, labels and names; ticks are (position in the drawing, label)."""
    base, left = HEIGHT - BOTTOM, LEFT
    parts = [
        f'<g class="axes" stroke="#9aa3b2" font-size="11" fill="#5b6472">'
        f'<line x1="{left}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>'
        f'<line x1="{left}" y1="{TOP}" x2="{left}" y2="{base}"/>'
    ]
    for at, label in x_ticks:
        parts.append(f'<line x1="{at:.1f}" y1="{base}" x2="{at:.1f}" y2="{base + 4}"/>')
        parts.append(f'<text x="{at:.1f}" y="{base + 16}" text-anchor="middle" stroke="none">{escape(label)}</text>')
    for at, label in y_ticks:
        parts.append(f'<line x1="{left - 4}" y1="{at:.1f}" x2="{left}" y2="{at:.1f}"/>')
        parts.append(f'<text x="{left - 7}" y="{at + 4:.1f}" text-anchor="end" stroke="none">{escape(label)}</text>')
    parts.append(
        f'<text x="{(left + WIDTH - RIGHT) / 2}" y="{HEIGHT - 6}" text-anchor="middle" stroke="none">'
        f"{escape(x_label)}</text>"
        f'<text transform="translate(14 {(TOP + base) / 2}) rotate(-90)" text-anchor="middle" stroke="none">'
        f"{escape(y_label)}</text></g>"
    )
    return parts


def _svg(title: str, parts: list[str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(parts)}</svg>'
    )


def _empty(title: str) -> str:
    return _svg(
        title,
        [f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#5b6472">No data yet</text>'],
    )


def _number(value: float) -> str:
    return f"{value:g}" if value == round(value, 2) else f"{value:.2f}"
