import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
LLM101N = Path(__file__).parent.parent / "content" / "courses" / "llm101n"


@pytest.fixture
def tiny_course_dir(tmp_path) -> Path:
    """A writable copy of the three-KC test course, for tests that break it."""
    target = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", target)
    return target


@pytest.fixture(autouse=True)
def fresh_cache():
    """Replies cached by one test (tutor explanations) must not answer for another."""
    yield
    from django.core.cache import cache

    cache.clear()
