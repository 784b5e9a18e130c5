"""Markdown (authored or from the model) to sanitized HTML."""

import nh3
from markdown_it import MarkdownIt

# html=False: raw HTML in the source is shown as text, never passed through.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "hr",
}


def markdown_to_html(text: str) -> str:
    """Safe HTML for `text`: rendered as CommonMark, then cleaned of anything not allowed."""
    return nh3.clean(_markdown.render(text or ""), tags=_ALLOWED_TAGS, attributes={"a": {"href"}})
