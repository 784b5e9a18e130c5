"""Command line for course folders: `python -m content validate PATH`."""

import argparse
import sys

from content.errors import CourseError
from content.load import load_course


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m content", description="Tools for course folders (ramps).")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a course folder and list every problem found")
    validate.add_argument("path", help="the course folder (holding course.toml and kcs/)")
    args = parser.parse_args(argv)

    try:
        course = load_course(args.path)
    except CourseError as error:
        print(error, file=sys.stderr)
        return 1
    items = sum(len(kc.items) for kc in course.kcs)
    print(f"{course.id}: {len(course.kcs)} KCs, {items} items, no problems found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
