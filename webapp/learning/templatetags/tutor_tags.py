from django import template
from django.utils.safestring import mark_safe

from webapp.learning.rendering import markdown_to_html

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    return mark_safe(markdown_to_html(text))  # sanitized by nh3 in markdown_to_html


@register.filter
def percent(value: float) -> str:
    return f"{100 * value:.0f}%"
