"""analytics/, content/, learner_model/ and tutor/ are plain libraries: they import no Django, no Celery, no web app."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("django", "celery", "webapp", "workers")


@pytest.mark.parametrize("package", ["analytics", "content", "learner_model", "tutor"])
def test_library_imports_nothing_of_the_web_app(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                for name in names
                if name.split(".")[0] in FORBIDDEN
            ]
    assert offenders == []


def test_importing_the_libraries_loads_no_django():
    import subprocess
    import sys

    code = (
        "import sys, analytics, content, learner_model, "
        "tutor.loop, tutor.explain, tutor.grading, tutor.llm, tutor.local_model; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'celery')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
