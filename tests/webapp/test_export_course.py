"""`manage.py export_course`: a course imported and exported loads back as the course it came from.

The database does not keep the order in which a KC lists its prerequisites (they come
back in ramp order), nor the course file's [bkt] defaults as such (each KC's parameters
are kept and exported); everything else a course folder holds comes back.
"""

from dataclasses import replace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from content import load_course
from content.export import differences
from tests.conftest import FIXTURES, LLM101N
from webapp.learning import services


def prerequisites_in_ramp_order(course):
    """The course as the database keeps it: each KC's prerequisites listed in ramp order."""
    position = {kc.id: n for n, kc in enumerate(course.kcs)}
    return replace(
        course,
        kcs=tuple(replace(kc, prerequisites=tuple(sorted(kc.prerequisites, key=position.get))) for kc in course.kcs),
    )


@pytest.mark.parametrize("source", [FIXTURES / "tiny", LLM101N], ids=lambda p: p.name)
def test_import_then_export_loads_back_as_the_original(db, source, tmp_path, capsys):
    original = load_course(source)
    services.import_course(path=source)
    call_command("export_course", original.id, str(tmp_path / "out"))
    assert "wrote" in capsys.readouterr().out
    assert differences(prerequisites_in_ramp_order(original), load_course(tmp_path / "out")) == []


def test_the_export_has_refit_parameters_and_leaves_archived_kcs_out(course, tmp_path):
    course.kcs.filter(slug="adding").update(prior=0.3, learn=0.25)  # as a refit would
    course.kcs.filter(slug="multiplying").update(archived=True)
    course.items.filter(kc__slug="multiplying").update(archived=True)
    call_command("export_course", "tiny", str(tmp_path / "out"))
    exported = load_course(tmp_path / "out")
    assert [kc.id for kc in exported.kcs] == ["counting", "adding"]
    assert (exported.kc("adding").bkt.prior, exported.kc("adding").bkt.learn) == (0.3, 0.25)
    assert exported.kc("counting").bkt.prior == 0.1


def test_an_export_that_would_not_load_writes_nothing(course, tmp_path):
    course.items.filter(slug="counting-pairs").update(archived=True)  # leaves 'counting' 2 items
    with pytest.raises(CommandError, match="has 2 items") as caught:
        call_command("export_course", "tiny", str(tmp_path / "out"))
    assert "Nothing was written." in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_course_or_a_folder_with_files_is_refused(course, tmp_path):
    with pytest.raises(CommandError, match="no course 'nope' \\(imported courses: tiny\\)"):
        call_command("export_course", "nope", str(tmp_path / "out"))
    call_command("export_course", "tiny", str(tmp_path / "out"))
    with pytest.raises(CommandError, match="--force replaces it"):
        call_command("export_course", "tiny", str(tmp_path / "out"))
    call_command("export_course", "tiny", str(tmp_path / "out"), "--force")
