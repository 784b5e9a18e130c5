"""Problems found in a course folder, each naming its file and line."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class CourseError(Exception):
    """A course folder that cannot be used as it is; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.message))
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the course:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


def display_path(path: Path, root: Path) -> str:
    """The path as a person would name it: relative to the course folder's parent."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)
