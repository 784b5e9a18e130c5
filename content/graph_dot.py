"""The prerequisite graph of a course in Graphviz's DOT language, for authors who have Graphviz."""

from content.ramp import Course


def course_dot(course: Course) -> str:
    """A `digraph` with one node per KC, labelled with its ramp position and title, and one
    edge per prerequisite, from the prerequisite to the KC that needs it."""
    lines = [
        f"digraph {_quote(course.id)} {{",
        f"  graph [label={_quote(course.title)}, labelloc=t, rankdir=TB];",
        '  node [shape=box, style=rounded, fontname="sans-serif"];',
    ]
    lines += [f"  {_quote(kc.id)} [label={_quote(f'{n}. {kc.title}')}];" for n, kc in enumerate(course.kcs, start=1)]
    lines += [f"  {_quote(prereq)} -> {_quote(kc.id)};" for kc in course.kcs for prereq in kc.prerequisites]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    """A DOT quoted string: backslashes and quotes escaped, newlines as DOT's \\n."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
