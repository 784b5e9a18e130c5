import functools

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from webapp.learning.rendering import markdown_to_html

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    return mark_safe(markdown_to_html(text))  # sanitized by nh3 in markdown_to_html


@register.filter
def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


# The mastery sidebar's rows (learning/_mastery.html), built here rather than in a template
# loop: every page of a learning round shows the sidebar, and for a 42-KC course its template
# nodes were half of an item page's rendering (benchmarks/load.py). A KC's id and title are
# escaped once per process; a row's state is one of three words and its percent a number.
@register.simple_tag
def mastery_rows(rows) -> str:
    """The sidebar's list items, one per KC (webapp.learning.selectors.MasteryRow)."""
    html = []
    for row in rows:
        kc, title, state, percent = _escaped(row.kc.id), _escaped(row.kc.title), row.state, int(row.percent)
        html.append(
            f'<li class="kc {state}" data-kc="{kc}"><span class="kc-title">{title}</span> '
            f'<span class="bar" role="progressbar" aria-label="Mastery of {title}" aria-valuemin="0" '
            f'aria-valuemax="100" aria-valuenow="{percent}"><span style="width: {percent}%"></span></span> '
            f'<span class="value" data-testid="mastery-{kc}">{percent}%</span> <span class="state">{state}</span></li>'
        )
    return mark_safe("\n".join(html))


@functools.lru_cache(maxsize=8192)
def _escaped(text: str) -> str:
    return str(escape(text))
