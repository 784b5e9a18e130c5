"""Names in a course zip that point outside the course folder, beyond the cases in
test_authoring_upload.py: Windows separators and drives, dot segments, directory symlinks."""

import io
import stat
import zipfile

import pytest

from tests.conftest import FIXTURES
from tests.webapp.conftest import folder_files, zip_of
from webapp.authoring.uploads import Limits, UploadRefused, read_course_zip

TINY = folder_files(FIXTURES / "tiny")
LIMITS = Limits(zip_bytes=1_000_000, unpacked_bytes=1_000_000, files=100)


class Upload(io.BytesIO):
    @property
    def size(self):
        return len(self.getvalue())


def with_link(name: str, target: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file, text in TINY.items():
            archive.writestr(file, text)
        link = zipfile.ZipInfo(name)
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, target)
    return buffer.getvalue()


REFUSED = [
    ("backslashes", zip_of({**TINY, "kcs\\..\\..\\evil.md": "x"}), "is an absolute path"),
    ("a drive letter", zip_of({**TINY, "C:/Windows/evil.md": "x"}), "is an absolute path"),
    ("a UNC path", zip_of({**TINY, "\\\\server\\share\\x.md": "x"}), "is an absolute path"),
    ("dot segments", zip_of({**TINY, "kcs/./../../evil.md": "x"}), "climbs out of the course folder"),
    ("a control character", zip_of({**TINY, "kcs/ev\x01il.md": "x"}), "control characters"),
    ("a link to a file outside", with_link("kcs/dividing.md", "../../../etc/passwd"), "is a symbolic link"),
    ("a link named like course.toml", with_link("tiny/course.toml", "/etc/passwd"), "is a symbolic link"),
]


@pytest.mark.parametrize(("_", "data", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_name_outside_the_course_folder_is_refused(_, data, reason):
    with pytest.raises(UploadRefused) as refused:
        read_course_zip(Upload(data), LIMITS)
    assert any(reason in why for why in refused.value.reasons), refused.value.reasons


def test_the_refusal_happens_before_any_content_is_read(monkeypatch):
    """Names are checked first: a traversal is refused without a member being opened."""
    data, opened = zip_of({**TINY, "../evil.md": "x"}), []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a) or None)
    with pytest.raises(UploadRefused):
        read_course_zip(Upload(data), LIMITS)
    assert not opened


def test_an_oversized_upload_is_refused_from_its_declared_size_before_reading():
    class Huge(Upload):
        size = 10**12

        def read(self, *args):
            raise AssertionError("read although its size is over the limit")

    with pytest.raises(UploadRefused, match="the limit is 1.0 MB"):
        read_course_zip(Huge(), LIMITS)
