"""Markdown (authored or from the model) to sanitized HTML."""

import functools

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


# Every item page renders its prompt and its KC's notes, the same few hundred authored texts
# over and over: rendering and cleaning them was about a tenth of a learning round's time
# (benchmarks/load.py). The output depends on the text alone.
@functools.lru_cache(maxsize=2048)
def markdown_to_html(text: str) -> str:
    """Safe HTML for `text`: rendered as CommonMark, then cleaned of anything not allowed."""
    return nh3.clean(_markdown.render(text or ""), tags=_ALLOWED_TAGS, attributes={"a": {"href"}})
