"""Code fences in Markdown, tracked the CommonMark way."""


def next_fence(fence: str, line: str) -> str:
    """Track code fences as CommonMark does: a fence closes on a bare run of at least as many backticks."""
    stripped = line.strip()
    if not fence:
        run = len(stripped) - len(stripped.lstrip("`"))
        return stripped[:run] if run >= 3 else ""
    closes = stripped and set(stripped) == {"`"} and len(stripped) >= len(fence)
    return "" if closes else fence
