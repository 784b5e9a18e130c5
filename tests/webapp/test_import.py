import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from content import CourseError
from tests.conftest import LLM101N
from tests.content.test_load import set_prerequisites
from tests.webapp.conftest import answer
from webapp.learning import services
from webapp.learning.models import Course, Item, KnowledgeComponent, Mastery, Response


def table_counts():
    return [model.objects.count() for model in (Course, KnowledgeComponent, Item)]


def test_import_writes_the_ramp(course):
    kcs = list(course.kcs.order_by("position"))
    assert [kc.slug for kc in kcs] == ["counting", "adding", "multiplying"]
    assert [p.slug for p in kcs[2].prerequisites.all()] == ["adding"]
    assert course.items.count() == 9
    assert kcs[0].prior == 0.1 and kcs[0].slip == 0.1


def test_reimporting_unchanged_files_changes_nothing(course, tiny_course_dir):
    assert services.import_course(path=tiny_course_dir).outcome == "unchanged"


def test_a_cyclic_course_is_rejected_and_nothing_is_imported(db, tiny_course_dir):
    set_prerequisites(tiny_course_dir, "counting", ["multiplying"])
    with pytest.raises(CommandError) as caught:
        call_command("import_course", str(tiny_course_dir))
    message = str(caught.value)
    assert "prerequisites form a cycle: counting -> multiplying -> adding -> counting" in message
    assert "tiny/kcs/counting.md" in message and "Nothing was imported." in message
    assert table_counts() == [0, 0, 0]


def test_a_broken_update_leaves_the_imported_course_as_it_was(course, tiny_course_dir):
    before = table_counts()
    kc_file = tiny_course_dir / "kcs" / "adding.md"
    kc_file.write_text(kc_file.read_text().replace('title = "Adding"', 'title = "Addition"'))
    set_prerequisites(tiny_course_dir, "multiplying", ["division"])
    with pytest.raises(CourseError, match="prerequisite 'division'"):
        services.import_course(path=tiny_course_dir)
    assert table_counts() == before
    assert course.kcs.get(slug="adding").title == "Adding"


def test_reimport_updates_text_archives_removed_items_and_keeps_learners_work(
    course, enrolled, learner, tiny_course_dir
):
    item = course.items.get(slug="counting-pairs")
    answer(learner, item, "3")
    kc_file = tiny_course_dir / "kcs" / "counting.md"
    text = kc_file.read_text().replace("Counting assigns", "Counting gives")
    kc_file.write_text(text.replace('id = "counting-pairs"', 'id = "counting-words"'))
    assert services.import_course(path=tiny_course_dir).outcome == "updated"
    assert course.kcs.get(slug="counting").explanation.startswith("Counting gives")
    assert course.items.get(slug="counting-pairs").archived
    assert not course.items.get(slug="counting-words").archived
    assert Response.objects.filter(item=item).count() == 1
    assert Mastery.objects.get(learner=learner, kc__slug="counting").responses == 1


def test_llm101n_imports_through_the_command(db, capsys):
    call_command("import_course", str(LLM101N))
    course = Course.objects.get(slug="llm101n")
    assert course.kcs.count() >= 8 and course.items.count() >= 24
    assert "created" in capsys.readouterr().out
