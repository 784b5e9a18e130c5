"""The prerequisite graph as DOT and as SVG: every KC and every prerequisite edge drawn once,
titles escaped, the same bytes every time, and the layout doing what its docstring says."""

import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from content import load_course
from content.__main__ import main
from content.graph_dot import course_dot
from content.graph_svg import course_svg, kc_layers, label_lines, layout_course
from content.ramp import KC, BKTParams, Course
from tests.conftest import FIXTURES, LLM101N

SVG = "{http://www.w3.org/2000/svg}"


def edges_of(course) -> set[tuple[str, str]]:
    return {(prereq, kc.id) for kc in course.kcs for prereq in kc.prerequisites}


def tiny_graph(prerequisites: dict[str, list[str]], title="T") -> Course:
    """A course with just enough to draw: KCs in the dict's order, with these prerequisites."""
    kcs = tuple(KC(kc, f"KC {kc}", tuple(pre), "x", (), BKTParams()) for kc, pre in prerequisites.items())
    return Course(id="g", title=title, description="", kcs=kcs)


@pytest.fixture(scope="module")
def llm101n():
    return load_course(LLM101N)


def test_dot_lists_every_kc_and_every_prerequisite_edge(llm101n):
    dot = course_dot(llm101n)
    assert set(re.findall(r'^  "([^"]+)" -> "([^"]+)";$', dot, re.M)) == edges_of(llm101n)
    assert re.findall(r'^  "([^"]+)" \[label=', dot, re.M) == [kc.id for kc in llm101n.kcs]
    assert '"language-model" [label="1. What a language model is"];' in dot


def test_svg_has_one_box_per_kc_and_one_arrow_per_prerequisite(llm101n):
    root = ET.fromstring(course_svg(llm101n))
    boxes = root.findall(f".//{SVG}g[@class='kc']")
    assert [box.get("data-kc") for box in boxes] == [kc.id for kc in llm101n.kcs]
    assert all(box.find(f"{SVG}rect") is not None and box.find(f"{SVG}title") is not None for box in boxes)
    paths = root.findall(f".//{SVG}path[@class='edge']")
    assert len(paths) == len(edges_of(llm101n))
    assert {(path.get("data-from"), path.get("data-to")) for path in paths} == edges_of(llm101n)
    assert root.find(f"{SVG}title").text == "Prerequisite graph of LLM101N: Let's build a Storyteller"


def test_svg_is_the_same_every_time(llm101n):
    assert course_svg(llm101n) == course_svg(load_course(LLM101N))


def test_titles_are_escaped_and_carried_in_title_elements():
    nasty = "Less <than> & \"quoted\" 'it'"
    course = tiny_graph({"a": [], "b": ["a"]}, title=nasty)
    course = replace(course, kcs=(replace(course.kcs[0], title=nasty), course.kcs[1]))
    svg = course_svg(course)
    assert "<than>" not in svg
    root = ET.fromstring(svg)  # would raise on a bare < or &
    assert root.find(f"{SVG}title").text == f"Prerequisite graph of {nasty}"
    box = root.find(f".//{SVG}g[@data-kc='a']")
    assert nasty in box.find(f"{SVG}title").text
    assert "".join(box.find(f"{SVG}text").itertext()).startswith("1. Less <than>")
    assert nasty in root.find(f".//{SVG}path[@class='edge']/{SVG}title").text


def test_a_layer_is_the_longest_prerequisite_path_and_arrows_point_down():
    course = tiny_graph({"a": [], "b": ["a"], "c": ["b"], "d": ["a", "c"]})
    assert kc_layers(course) == {"a": 0, "b": 1, "c": 2, "d": 3}
    layout = layout_course(course)
    assert all(layout.y[prereq] < layout.y[kc] for prereq, kc in edges_of(course))
    # The edge a -> d skips two layers: it runs through two dummy slots beside b and c, not through them.
    (long_edge,) = [chain for chain in layout.chains if chain[0] == "a" and chain[-1] == "d"]
    assert len(long_edge) == 4
    assert all(abs(layout.x[dummy] - layout.x[kc]) >= 100 for dummy, kc in zip(long_edge[1:3], ("b", "c")))


def test_barycenter_ordering_undoes_a_crossing_that_ramp_order_makes():
    # Ramp order puts c left of d, but c's prerequisite b is right of d's prerequisite a.
    layout = layout_course(tiny_graph({"a": [], "b": [], "c": ["b"], "d": ["a"]}))
    assert layout.x["a"] < layout.x["b"] and layout.x["d"] < layout.x["c"]


def test_boxes_of_a_layer_do_not_overlap(llm101n):
    layout = layout_course(llm101n)
    for row in layout.layers:
        xs = [layout.x[slot] for slot in row]
        assert xs == sorted(xs)
        boxes = [layout.x[slot] for slot in row if isinstance(slot, str)]
        assert all(right - left >= 190 for left, right in zip(boxes, boxes[1:]))


def test_long_titles_are_wrapped_then_cut_with_an_ellipsis():
    assert label_lines("12. Layer normalization") == ["12. Layer normalization"]
    lines = label_lines("7. " + "word " * 40)
    assert len(lines) == 3 and lines[-1].endswith("…") and all(len(line) <= 27 for line in lines)


def test_the_graph_command_writes_svg_or_dot(tmp_path, capsys):
    assert main(["graph", str(FIXTURES / "tiny"), "-o", str(tmp_path / "tiny.svg")]) == 0
    assert ET.parse(tmp_path / "tiny.svg").getroot().tag == f"{SVG}svg"
    assert main(["graph", str(FIXTURES / "tiny"), "-o", str(tmp_path / "tiny.gv")]) == 0
    assert (tmp_path / "tiny.gv").read_text().startswith('digraph "tiny"')
    capsys.readouterr()
    assert main(["graph", str(FIXTURES / "tiny"), "--format", "dot"]) == 0
    assert '"counting" -> "adding";' in capsys.readouterr().out


def test_the_graph_command_refuses_a_broken_course(tiny_course_dir, capsys):
    (tiny_course_dir / "kcs" / "adding.md").unlink()
    assert main(["graph", str(tiny_course_dir)]) == 1
    assert "adding.md does not exist" in capsys.readouterr().err
