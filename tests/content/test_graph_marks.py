"""Marks on the prerequisite graph (a learner's mastery map): a KC's own fill, badge and title
sentence, drawn on the authoring layout, which they leave as it was."""

import xml.etree.ElementTree as ET

from content import load_course
from content.graph_svg import FILL, Mark, course_svg
from tests.conftest import LLM101N

SVG = "{http://www.w3.org/2000/svg}"


def boxes(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("data-kc"): g for g in root.iter(f"{SVG}g") if g.get("class") == "kc"}


def test_marked_kcs_get_their_fill_badge_and_title_and_the_rest_stay_plain():
    course = load_course(LLM101N)
    first, second = course.kcs[0].id, course.kcs[1].id
    marks = {first: Mark(fill="#74c476", badge="97%", note="Your P(mastered): 97% & mastered", stroke="#000000")}
    svg = course_svg(course, marks, note="Colours <are> mastery.")
    drawn = boxes(svg)
    rect = drawn[first].find(f"{SVG}rect")
    assert (rect.get("fill"), rect.get("stroke")) == ("#74c476", "#000000")
    assert drawn[first].find(f"{SVG}title").text.endswith(". Your P(mastered): 97% & mastered")
    badge = drawn[first].find(f"{SVG}g")
    assert badge.get("class") == "badge" and badge.find(f"{SVG}text").text == "97%"
    plain = drawn[second]
    assert plain.find(f"{SVG}rect").get("fill") == FILL and plain.find(f"{SVG}g") is None
    assert ET.fromstring(svg).find(f"{SVG}desc").text.endswith(" Colours <are> mastery.")


def test_marks_move_nothing_and_no_marks_draw_the_authoring_graph():
    course = load_course(LLM101N)
    plain = course_svg(course)
    assert course_svg(course, {}) == plain
    marked = course_svg(course, {kc.id: Mark(fill="#9ecae1", badge="50%") for kc in course.kcs})
    where = {kc: g.find(f"{SVG}rect").attrib for kc, g in boxes(marked).items()}
    assert {kc: (a["x"], a["y"]) for kc, a in where.items()} == {
        kc: (g.find(f"{SVG}rect").get("x"), g.find(f"{SVG}rect").get("y")) for kc, g in boxes(plain).items()
    }
