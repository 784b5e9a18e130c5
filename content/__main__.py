"""Command line for course folders: `python -m content validate PATH`, `python -m content graph PATH`."""

import argparse
import sys
from pathlib import Path

from content.errors import CourseError
from content.graph_dot import course_dot
from content.graph_svg import course_svg
from content.load import load_course


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        course = load_course(args.path)
    except CourseError as error:
        print(error, file=sys.stderr)
        return 1
    if args.command == "graph":
        return _graph(course, args)
    items = sum(len(kc.items) for kc in course.kcs)
    print(f"{course.id}: {len(course.kcs)} KCs, {items} items, no problems found")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m content",
        description="Tools for course folders (ramps of knowledge components; the format is content/FORMAT.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate",
        help="check a course folder and list every problem found",
        description="Parse a course folder and check it as an import would; list every problem with its file "
        "and line. Exits 1 if there is any.",
    )
    validate.add_argument("path", help="the course folder (holding course.toml and kcs/)")
    graph = commands.add_parser(
        "graph",
        help="draw the course's prerequisite graph (SVG or Graphviz DOT)",
        description="Write the prerequisite graph of a course: one box per KC, labelled with its place in the "
        "ramp and its title, and an arrow from each prerequisite to the KC that needs it. SVG is laid out "
        "here (no Graphviz needed); DOT is for Graphviz. The course is validated first.",
    )
    graph.add_argument("path", help="the course folder (holding course.toml and kcs/)")
    graph.add_argument(
        "--format",
        choices=("svg", "dot"),
        help="svg (default) or dot; without it, an output file ending in .dot or .gv gives dot",
    )
    graph.add_argument("-o", "--output", metavar="FILE", help="write here instead of to standard output")
    return parser


def _graph(course, args) -> int:
    output = Path(args.output) if args.output else None
    fmt = args.format or ("dot" if output and output.suffix in (".dot", ".gv") else "svg")
    text = course_dot(course) if fmt == "dot" else course_svg(course)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"{course.id}: wrote the {fmt.upper()} graph of {len(course.kcs)} KCs to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
