"""Draw a course's prerequisite graph as SVG, in pure Python (no Graphviz), deterministically.

A small Sugiyama-style layout, top to bottom:

1. Layers: a KC's layer is the length of its longest prerequisite path (no prerequisite: 0).
2. An edge that skips layers is routed through a thin invisible "dummy" slot in every
   layer between, so it runs beside the boxes instead of through them.
3. Order within layers: start from ramp order, then sweep down and up sorting each layer
   by the mean position of its neighbours in the layer before (the barycenter); keep the
   order with the fewest edge crossings.
4. Horizontal positions: each slot is pulled towards the mean x of its neighbours, then
   the layer is spread out again, keeping its order and minimum gaps, by a least-squares
   fit (pool adjacent violators).

Nothing depends on dict or set order beyond the course's own order, so a course always
draws the same bytes.

The same drawing serves authoring (plain boxes) and a learner's mastery map: `marks` give
chosen KCs their own fill, a small badge (such as "83%") and a sentence for the box's
<title>, and `note` adds to the drawing's <desc> what the fills mean.
"""

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from content.ramp import Course

BOX_WIDTH, BOX_HEIGHT = 190, 58
LABEL_CHARS, LABEL_LINES = 27, 3  # a title is wrapped to lines of this many characters, at most this many lines
LINE_HEIGHT, FONT_SIZE = 15, 12
DUMMY_WIDTH = 10
GAP, DUMMY_GAP = 22, 8  # least horizontal space between boxes, and beside a dummy slot
LAYER_GAP = 72  # vertical space between layers, where edges bend
MARGIN = 24
SWEEPS = 24
FILL, STROKE = "#f3f6fc", "#4d5f86"  # a box without a mark
BADGE_WIDTH, BADGE_HEIGHT = 44, 17
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"


@dataclass(frozen=True)
class Dummy:
    """Where the edge `source -> target` crosses a layer between theirs."""

    source: str
    target: str
    layer: int


@dataclass(frozen=True)
class Mark:
    """How to draw one KC's box instead of the plain way: its fill, a badge on its top right
    corner (short text, such as "83%"; none if empty), and a sentence added to its <title>
    (for screen readers and on hover) so that the colour is never the only cue."""

    fill: str = FILL
    badge: str = ""
    note: str = ""
    stroke: str = STROKE
    stroke_width: float = 1.2


@dataclass
class Layout:
    """Slot centers (KC ids and dummies), the layers in order, and the size of the drawing."""

    layers: list[list]
    x: dict
    y: dict
    chains: list[list]  # per prerequisite edge: [prerequisite, dummies..., KC]
    width: float
    height: float


def course_svg(course: Course, marks: Mapping[str, Mark] | None = None, *, note: str = "") -> str:
    """The course's prerequisite graph as a standalone SVG document (the web app can inline it).

    `marks` (KC id -> Mark) draw those KCs' boxes their own way; `note` is added to the <desc>."""
    layout = layout_course(course)
    return _render(course, layout, marks or {}, note)


def kc_layers(course: Course) -> dict[str, int]:
    """Each KC's layer: the number of KCs on its longest chain of prerequisites."""
    layer: dict[str, int] = {}
    for kc in course.kcs:  # ramp order: prerequisites come first
        layer[kc.id] = 1 + max((layer[p] for p in kc.prerequisites), default=-1)
    return layer


def layout_course(course: Course) -> Layout:
    layer = kc_layers(course)
    rows: list[list] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for kc in course.kcs:
        rows[layer[kc.id]].append(kc.id)
    chains = []
    for kc in course.kcs:
        for prereq in dict.fromkeys(kc.prerequisites):  # a prerequisite named twice is one edge
            dummies = [Dummy(prereq, kc.id, n) for n in range(layer[prereq] + 1, layer[kc.id])]
            for dummy in dummies:
                rows[dummy.layer].append(dummy)
            chains.append([prereq, *dummies, kc.id])
    up: dict = {slot: [] for row in rows for slot in row}
    down: dict = {slot: [] for row in rows for slot in row}
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
    rows = _order(rows, up, down)
    x = _place(rows, up, down)
    y = {slot: MARGIN + n * (BOX_HEIGHT + LAYER_GAP) + BOX_HEIGHT / 2 for n, row in enumerate(rows) for slot in row}
    width = max((x[s] + _width(s) / 2 for s in x), default=0) + MARGIN
    height = MARGIN * 2 + len(rows) * BOX_HEIGHT + max(len(rows) - 1, 0) * LAYER_GAP
    return Layout(rows, x, y, chains, width, height)


# Ordering: barycenter sweeps ------------------------------------------------------------------------


def _order(rows: list[list], up: dict, down: dict) -> list[list]:
    best, best_crossings = [list(row) for row in rows], _crossings(rows, down)
    current = [list(row) for row in rows]
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, len(current)) if downward else range(len(current) - 2, -1, -1)
        for n in indices:
            reference = current[n - 1] if downward else current[n + 1]
            position = {slot: i for i, slot in enumerate(reference)}
            neighbours = up if downward else down
            current[n] = _by_barycenter(current[n], neighbours, position)
        crossings = _crossings(current, down)
        if crossings < best_crossings:
            best, best_crossings = [list(row) for row in current], crossings
    return best


def _by_barycenter(row: list, neighbours: dict, position: dict) -> list:
    """The row sorted by the mean position of each slot's neighbours; a slot without any keeps its place."""

    def key(index_slot):
        index, slot = index_slot
        places = [position[n] for n in neighbours[slot]]
        return (sum(places) / len(places) if places else index, index)

    return [slot for _, slot in sorted(enumerate(row), key=key)]


def _crossings(rows: list[list], down: dict) -> int:
    """How many pairs of edges cross, counted between each pair of neighbouring layers."""
    total = 0
    for upper, lower in zip(rows, rows[1:]):
        position = {slot: i for i, slot in enumerate(lower)}
        edges = [(i, position[b]) for i, a in enumerate(upper) for b in down[a]]
        total += sum(1 for n, (a1, b1) in enumerate(edges) for a2, b2 in edges[n + 1 :] if (a1 - a2) * (b1 - b2) < 0)
    return total


# Placement: pull towards neighbours, then spread with the order kept ----------------------------------


def _place(rows: list[list], up: dict, down: dict) -> dict:
    x = {}
    for row in rows:
        left = 0.0
        for i, slot in enumerate(row):
            left += _separation(row[i - 1], slot) if i else 0.0
            x[slot] = left
    for sweep in range(8):
        neighbours = (up, down, None)[sweep % 3]
        for row in rows:
            wanted = []
            for slot in row:
                near = [*up[slot], *down[slot]] if neighbours is None else neighbours[slot]
                wanted.append(sum(x[n] for n in near) / len(near) if near else x[slot])
            for slot, value in zip(row, _spread(row, wanted)):
                x[slot] = value
    left = min((x[s] - _width(s) / 2 for s in x), default=0.0)
    return {slot: value - left + MARGIN for slot, value in x.items()}


def _spread(row: list, wanted: list[float]) -> list[float]:
    """Positions closest (least squares) to `wanted` that keep the row's order and minimum gaps.

    With offsets o_i = the sum of the gaps before slot i, the problem is to fit a
    non-decreasing sequence y_i = x_i - o_i to wanted_i - o_i: pool adjacent violators.
    """
    offsets, total = [], 0.0
    for i, slot in enumerate(row):
        total += _separation(row[i - 1], slot) if i else 0.0
        offsets.append(total)
    blocks: list[list[float]] = []  # [mean, count]
    for target in (w - o for w, o in zip(wanted, offsets)):
        blocks.append([target, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            blocks[-1] = [
                (blocks[-1][0] * blocks[-1][1] + mean * count) / (blocks[-1][1] + count),
                blocks[-1][1] + count,
            ]
    fitted = [mean for mean, count in blocks for _ in range(count)]
    return [y + o for y, o in zip(fitted, offsets)]


def _width(slot) -> float:
    return DUMMY_WIDTH if isinstance(slot, Dummy) else BOX_WIDTH


def _separation(a, b) -> float:
    gap = DUMMY_GAP if isinstance(a, Dummy) or isinstance(b, Dummy) else GAP
    return (_width(a) + _width(b)) / 2 + gap


# Drawing ---------------------------------------------------------------------------------------------


def _render(course: Course, layout: Layout, marks: Mapping[str, Mark], note: str) -> str:
    position = {kc.id: n for n, kc in enumerate(course.kcs, start=1)}
    marker = "arrow-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in course.id)
    width, height = round(layout.width), round(layout.height)
    edge_count = sum(len(kc.prerequisites) for kc in course.kcs)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="{FONT}" font-size="{FONT_SIZE}">',
        f"<title>{escape(f'Prerequisite graph of {course.title}')}</title>",
        f"<desc>{len(course.kcs)} knowledge components in {len(layout.layers)} layers and {edge_count} "
        "prerequisites, each drawn as an arrow from the prerequisite to the KC that needs it. "
        f"Numbers are places in the ramp (teaching order).{escape(' ' + note) if note else ''}</desc>",
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><polygon points="0,0 10,5 0,10" fill="#6b7a99"/></marker></defs>',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        '<g class="edges" fill="none" stroke="#8a97b1" stroke-width="1.3">',
    ]
    ports = _ports(layout)
    for index, chain in enumerate(layout.chains):
        title = escape(f"{course.kc(chain[0]).title} → {course.kc(chain[-1]).title}")
        out.append(
            f'<path class="edge" data-from={quoteattr(chain[0])} data-to={quoteattr(chain[-1])} '
            f'd="{_path(index, layout, ports)}" marker-end="url(#{marker})"><title>{title}</title></path>'
        )
    out.append("</g>")
    out.append('<g class="kcs">')
    for kc in course.kcs:
        out.append(_node(kc, position, layout, marks.get(kc.id, Mark())))
    out += ["</g>", "</svg>"]
    return "\n".join(out) + "\n"


def _node(kc, position: dict, layout: Layout, mark: Mark) -> str:
    cx, cy = layout.x[kc.id], layout.y[kc.id]
    left, top = cx - BOX_WIDTH / 2, cy - BOX_HEIGHT / 2
    number = f"{position[kc.id]}."
    lines = label_lines(f"{number} {kc.title}")
    first_y = cy - (len(lines) - 1) * LINE_HEIGHT / 2 + FONT_SIZE * 0.35
    spans = []
    for n, line in enumerate(lines):
        text = escape(line)
        if n == 0:  # the ramp position, in bold, then the start of the title
            text = f'<tspan font-weight="bold" fill="#2d4a8a">{escape(number)}</tspan>{escape(line[len(number) :])}'
        spans.append(f'<tspan x="{cx:.1f}" y="{first_y + n * LINE_HEIGHT:.1f}">{text}</tspan>')
    prerequisites = ", ".join(kc.prerequisites) or "none"
    title = f"{position[kc.id]}. {kc.title} ({kc.id}); prerequisites: {prerequisites}"
    title = escape(f"{title}. {mark.note}" if mark.note else title)
    # font-size on the <text> itself: a page's CSS for its own `.kc` class (the learning pages'
    # mastery list) would otherwise reach the labels through the <g class="kc"> and overflow the boxes.
    return (
        f'<g class="kc" data-kc={quoteattr(kc.id)}><title>{title}</title>'
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="9" '
        f'fill={quoteattr(mark.fill)} stroke={quoteattr(mark.stroke)} stroke-width="{mark.stroke_width:g}"/>'
        f'<text text-anchor="middle" font-size="{FONT_SIZE}" fill="#1c2333">{"".join(spans)}</text>'
        f"{_badge(mark.badge, left, top)}</g>"
    )


def _badge(text: str, left: float, top: float) -> str:
    """A small label astride the box's top edge at its right end, where no edge enters (edges
    enter within 75 px of the middle, see _ports)."""
    if not text:
        return ""
    x, y = left + BOX_WIDTH - BADGE_WIDTH - 6, top - BADGE_HEIGHT / 2
    return (
        f'<g class="badge"><rect x="{x:.1f}" y="{y:.1f}" width="{BADGE_WIDTH}" height="{BADGE_HEIGHT}" rx="8" '
        f'fill="#ffffff" stroke="{STROKE}" stroke-width="1"/>'
        f'<text x="{x + BADGE_WIDTH / 2:.1f}" y="{y + BADGE_HEIGHT / 2 + FONT_SIZE * 0.35:.1f}" text-anchor="middle" '
        f'font-size="11" fill="#1c2333">{escape(text)}</text></g>'
    )


def label_lines(text: str) -> list[str]:
    """`text` wrapped to LABEL_CHARS a line; past LABEL_LINES lines it is cut, ending in an ellipsis."""
    lines = textwrap.wrap(text, LABEL_CHARS, break_on_hyphens=False) or [""]
    if len(lines) > LABEL_LINES:
        last = " ".join(lines[LABEL_LINES - 1 :])
        lines = [*lines[: LABEL_LINES - 1], last[: LABEL_CHARS - 1].rstrip() + "…"]
    return lines


def _ports(layout: Layout) -> dict:
    """Where each segment leaves or enters a box: spread along the box's edge, in the order of
    the other ends, so that edges of one box do not cross at the box."""
    ports = {}
    for row in layout.layers:
        for slot in row:
            if isinstance(slot, Dummy):
                continue
            for side, ends in (("out", _ends(layout, slot, down=True)), ("in", _ends(layout, slot, down=False))):
                ends = sorted(ends, key=lambda end: (layout.x[end[1]], end[0]))
                step = min(14.0, (BOX_WIDTH - 40) / max(len(ends) - 1, 1))
                for k, (chain_index, _) in enumerate(ends):
                    ports[(side, chain_index)] = layout.x[slot] + (k - (len(ends) - 1) / 2) * step
    return ports


def _ends(layout: Layout, slot: str, *, down: bool) -> list[tuple[int, object]]:
    """(chain index, the next slot along it) for each chain leaving (down) or entering `slot`."""
    if down:
        return [(i, chain[1]) for i, chain in enumerate(layout.chains) if chain[0] == slot]
    return [(i, chain[-2]) for i, chain in enumerate(layout.chains) if chain[-1] == slot]


def _path(index: int, layout: Layout, ports: dict) -> str:
    """A smooth path: down from the prerequisite's box, straight through each dummy's layer,
    curving between layers, into the top of the KC's box."""
    chain = layout.chains[index]
    half = BOX_HEIGHT / 2
    points = [(ports[("out", index)], layout.y[chain[0]] + half)]
    for dummy in chain[1:-1]:
        points += [(layout.x[dummy], layout.y[dummy] - half), (layout.x[dummy], layout.y[dummy] + half)]
    points.append((ports[("in", index)], layout.y[chain[-1]] - half))
    d = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    for n in range(1, len(points)):
        (x0, y0), (x1, y1) = points[n - 1], points[n]
        if n % 2:  # across the gap between two layers
            middle = (y0 + y1) / 2
            d.append(f"C{x0:.1f},{middle:.1f} {x1:.1f},{middle:.1f} {x1:.1f},{y1:.1f}")
        else:  # straight down through a dummy's layer
            d.append(f"L{x1:.1f},{y1:.1f}")
    return " ".join(d)
