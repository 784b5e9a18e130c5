"""Checks of the prerequisite graph: dangling prerequisites, cycles, ramp order."""

from dataclasses import dataclass

from content.errors import Problem


@dataclass(frozen=True)
class Node:
    """A KC as the graph checks see it: its id, prerequisites and where they are written."""

    id: str
    prerequisites: tuple[str, ...]
    file: str
    line: int


def graph_problems(ramp: list[Node]) -> list[Problem]:
    """Every problem of the graph whose KCs, in ramp order, are `ramp`."""
    by_id = {node.id: node for node in ramp}
    problems = [
        Problem(node.file, node.line, f"KC '{node.id}' names prerequisite '{prereq}', which is not a KC of this course")
        for node in ramp
        for prereq in node.prerequisites
        if prereq not in by_id
    ]
    problems += [
        Problem(node.file, node.line, f"KC '{node.id}' lists itself as its own prerequisite")
        for node in ramp
        if node.id in node.prerequisites
    ]
    cycles = find_cycles(by_id)
    for cycle in cycles:
        first = by_id[cycle[0]]
        files = ", ".join(by_id[kc].file for kc in cycle[:-1])
        problems.append(
            Problem(first.file, first.line, f"prerequisites form a cycle: {' -> '.join(cycle)} (files: {files})")
        )
    in_cycle = {kc for cycle in cycles for kc in cycle}
    position = {node.id: index for index, node in enumerate(ramp)}
    for node in ramp:
        for prereq in node.prerequisites:
            if prereq in position and position[prereq] > position[node.id] and node.id not in in_cycle:
                problems.append(
                    Problem(
                        node.file, node.line, f"KC '{node.id}' comes before its prerequisite '{prereq}' in the ramp"
                    )
                )
    return problems


def find_cycles(by_id: dict[str, Node]) -> list[list[str]]:
    """Each elementary cycle found by depth-first search, as [a, b, ..., a]; self-loops excluded."""
    state: dict[str, str] = {}  # "open" while on the DFS stack, "done" after
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(kc: str) -> None:
        state[kc] = "open"
        stack.append(kc)
        for prereq in by_id[kc].prerequisites:
            if prereq not in by_id or prereq == kc:
                continue
            if state.get(prereq) == "open":
                cycles.append([*stack[stack.index(prereq) :], prereq])
            elif prereq not in state:
                visit(prereq)
        stack.pop()
        state[kc] = "done"

    for kc in by_id:
        if kc not in state:
            visit(kc)
    return cycles
