"""A course folder uploaded as a zip: taken whole into the draft, or refused with a reason and nothing kept."""

import io
import random
import stat
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import FIXTURES
from tests.webapp.conftest import folder_files, zip_of
from webapp.authoring.models import Draft
from webapp.authoring.uploads import Limits, UploadRefused, read_course_zip

TINY = folder_files(FIXTURES / "tiny")


@pytest.fixture
def as_faculty(faculty):
    client = Client()
    client.force_login(faculty)
    client.get(reverse("authoring:draft", args=["tiny"]))  # the draft starts from the published course
    return client


def upload(client, data: bytes, name="course.zip"):
    return client.post(
        reverse("authoring:upload", args=["tiny"]),
        {"course_zip": SimpleUploadedFile(name, data, content_type="application/zip")},
    )


def test_a_zip_of_the_course_folder_replaces_the_draft(as_faculty):
    changed = {**TINY, "kcs/adding.md": TINY["kcs/adding.md"].replace("2 + 3", "3 + 4")}
    reply = upload(as_faculty, zip_of(changed, folder="tiny"))
    assert reply.status_code == 302
    assert Draft.objects.get().files == changed
    assert "Uploaded 4 files into the draft: no problems." in as_faculty.get(reply.url).content.decode()


def test_course_toml_may_be_at_the_top_and_macos_litter_is_ignored(as_faculty):
    litter = {"__MACOSX/kcs/._adding.md": b"\x00\x05\x16\x07", ".DS_Store": b"\x00\x00\x00\x01Bud1"}
    assert upload(as_faculty, zip_of({**TINY, **litter})).status_code == 302
    assert Draft.objects.get().files == TINY


def test_a_planted_defect_is_kept_in_the_draft_and_shown_with_its_file_and_line(as_faculty):
    broken = {**TINY, "kcs/adding.md": TINY["kcs/adding.md"].replace('answer = "20"', 'answer = "21"')}
    reply = upload(as_faculty, zip_of(broken, folder="tiny"))
    page = as_faculty.get(reply.url).content.decode()
    assert "Uploaded 4 files into the draft: 2 problems to fix before publishing." in page
    assert "kcs/adding.md:30: item &#x27;adding-choice&#x27;: its answer &#x27;21&#x27;" in page


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in TINY.items():
            archive.writestr(name, text)
        link = zipfile.ZipInfo("kcs/dividing.md")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


REFUSED = [
    ("not a zip", b"this is not a zip at all", "the file is not a zip archive"),
    ("no course.toml", zip_of({"kcs/adding.md": TINY["kcs/adding.md"]}), "no course.toml found"),
    ("climbs out", zip_of({**TINY, "../evil.md": "x"}), "'../evil.md' climbs out of the course folder"),
    ("climbs out inside", zip_of({**TINY, "kcs/../../x.md": "x"}), "'kcs/../../x.md' climbs out"),
    ("absolute path", zip_of({**TINY, "/etc/cron.d/x": "x"}), "'/etc/cron.d/x' is an absolute path"),
    ("symbolic link", symlink_zip(), "'kcs/dividing.md' is a symbolic link"),
    ("an image", zip_of({**TINY, "kcs/figure.png": b"\x89PNG"}), "'kcs/figure.png' is not part of a course folder"),
    ("a nested file", zip_of({**TINY, "kcs/old/a.md": "x"}), "'kcs/old/a.md' is not part of a course folder"),
    ("a stray file", zip_of({**TINY, "notes.txt": "x"}, folder="tiny"), "'tiny/notes.txt' is not part of a course"),
    (
        "not UTF-8",
        zip_of({**TINY, "kcs/adding.md": TINY["kcs/adding.md"].encode("utf-16")}),
        "'kcs/adding.md' is not UTF-8 text",
    ),
    ("two top folders", zip_of({**TINY, "other/course.toml": "x"}), "'other/course.toml' is not part of a course"),
]


@pytest.mark.parametrize(("_", "data", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_refused_zip_says_why_and_changes_nothing(as_faculty, _, data, reason):
    before = Draft.objects.get().files
    reply = upload(as_faculty, data)
    page = reply.content.decode().replace("&#x27;", "'")
    assert reply.status_code == 400 and "The zip was refused, and the draft left as it was" in page
    assert reason in page
    assert Draft.objects.get().files == before


def test_a_zip_over_the_size_limit_is_refused_before_it_is_read(as_faculty, settings):
    settings.AUTHORING_MAX_UPLOAD_BYTES = 2_000
    before = Draft.objects.get().files
    data = zip_of({**TINY, "kcs/big.md": random.Random(0).randbytes(10_000)})  # does not compress
    assert len(data) > 10_000
    reply = upload(as_faculty, data)
    assert reply.status_code == 400 and "the zip is larger than the limit of 2,000 bytes" in reply.content.decode()
    assert Draft.objects.get().files == before


def test_a_zip_that_unpacks_past_the_limit_is_refused(as_faculty, settings):
    settings.AUTHORING_MAX_UNPACKED_BYTES = 50_000
    bomb = zip_of({**TINY, "kcs/adding.md": TINY["kcs/adding.md"] + "\n" * 100_000})
    assert len(bomb) < 5_000
    reply = upload(as_faculty, bomb)
    assert reply.status_code == 400 and "unpacks to more than the limit of 50,000 bytes" in reply.content.decode()


def claiming_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with its central directory claiming that `name` unpacks to `size` bytes."""
    data = bytearray(data)
    at = data.index(b"PK\x01\x02")
    while data[at + 46 : at + 46 + int.from_bytes(data[at + 28 : at + 30], "little")] != name.encode():
        at = data.index(b"PK\x01\x02", at + 4)
    data[at + 24 : at + 28] = size.to_bytes(4, "little")
    return bytes(data)


def test_a_zip_whose_directory_understates_a_size_is_refused():
    data = claiming_size(zip_of({**TINY, "kcs/adding.md": "x" * 10_000}), "kcs/adding.md", 10)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("kcs/adding.md").file_size == 10
    with pytest.raises(UploadRefused, match="'kcs/adding.md' cannot be read from the zip"):
        read_course_zip(_Named(data), Limits(zip_bytes=100_000, unpacked_bytes=5_000, files=10))


class _Named:
    def __init__(self, data):
        self.data, self.size = data, len(data)

    def read(self, n=-1):
        return self.data[:n] if n >= 0 else self.data


def test_too_many_files_and_duplicate_names_are_refused():
    limits = Limits(zip_bytes=10**6, unpacked_bytes=10**6, files=4)
    many = zip_of({**TINY, "kcs/extra.md": "x"})
    with pytest.raises(UploadRefused, match="holds 5 files; a course folder may hold at most 4"):
        read_course_zip(_Named(many), limits)


def test_the_upload_checks_the_csrf_token_itself(faculty):
    """The upload view is exempt from the middleware's check (its size cap must come first) and checks it inside."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(faculty)
    client.get(reverse("authoring:draft", args=["tiny"]))
    before = Draft.objects.get().files
    reply = upload(client, zip_of({**TINY, "kcs/adding.md": "replaced"}))
    assert reply.status_code == 403 and Draft.objects.get().files == before
