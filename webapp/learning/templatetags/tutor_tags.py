from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from webapp.learning.rendering import markdown_to_html

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    return mark_safe(markdown_to_html(text))  # sanitized by nh3 in markdown_to_html


@register.filter
def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


# One row of the mastery sidebar (learning/_mastery.html). Built here rather than in a template
# loop: the sidebar of a 42-KC course took about half of an item page's rendering as template
# nodes, and every page of a learning round shows it (benchmarks/load.py).
MASTERY_ROW = (
    '<li class="kc {state}" data-kc="{kc}"><span class="kc-title">{title}</span> '
    '<span class="bar" role="progressbar" aria-label="Mastery of {title}" aria-valuemin="0" aria-valuemax="100" '
    'aria-valuenow="{percent}"><span style="width: {percent}%"></span></span> '
    '<span class="value" data-testid="mastery-{kc}">{percent}%</span> <span class="state">{state}</span></li>'
)


@register.simple_tag
def mastery_rows(rows) -> str:
    """The sidebar's list items, one per KC (webapp.learning.selectors.MasteryRow), escaped."""
    return format_html_join(
        "\n",
        MASTERY_ROW,
        ({"state": row.state, "kc": row.kc.id, "title": row.kc.title, "percent": row.percent} for row in rows),
    )
