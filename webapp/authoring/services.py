"""Writes: creating a course, changing its draft (a file, an upload, a new KC), publishing it.

Each function writes in one transaction. Publishing goes through the same importer
as `manage.py import_course`, so it is all or nothing, updates KCs and items by id,
archives what the draft leaves out, and never touches learners' answers or mastery.
"""

import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction

from content.export import course_files
from webapp.authoring import changes as changing
from webapp.authoring import selectors
from webapp.authoring.course_folder import (
    COURSE_FILE,
    KC_FILE,
    kc_path,
    normalize_text,
    validate_folder,
    write_folder,
)
from webapp.authoring.models import CourseFaculty, Draft, PublishedVersion
from webapp.authoring.starters import (
    append_to_ramp,
    new_course_files,
    new_kc_text,
    placeholders_left,
    remove_from_ramp,
)
from webapp.authoring.uploads import Limits, read_course_zip
from webapp.learning import services as learning
from webapp.learning.models import Course

ID = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")  # the ids faculty give new courses and KCs


class AuthoringError(ValueError):
    """A change faculty asked for that cannot be made; the message says why. Nothing was written."""


def upload_limits() -> Limits:
    return Limits(
        zip_bytes=settings.AUTHORING_MAX_UPLOAD_BYTES,
        unpacked_bytes=settings.AUTHORING_MAX_UNPACKED_BYTES,
        files=settings.AUTHORING_MAX_FILES,
    )


def create_course(*, slug: str, title: str, by) -> Course:
    """A new course, with `by` as its faculty and a starting draft. Learners see it once it is published."""
    if not ID.fullmatch(slug):
        raise AuthoringError("a course id is lower-case letters, digits and dashes, such as 'llm101n'")
    if not title.strip():
        raise AuthoringError("a course needs a title")
    with transaction.atomic():
        if Course.objects.filter(slug=slug).exists():
            raise AuthoringError(f"there is already a course with id '{slug}'")
        course = Course.objects.create(slug=slug, title=title.strip(), digest="")
        CourseFaculty.objects.create(user=by, course=course)
        Draft.objects.create(course=course, files=new_course_files(slug, title.strip()), updated_by=by)
    return course


def draft_for(course: Course) -> Draft:
    """The course's draft, started from the published course (or a new course's files) if there is none."""
    draft = Draft.objects.filter(course=course).first()
    if draft is not None:
        return draft
    published = selectors.published_ramp(course)
    files = course_files(published) if published else new_course_files(course.slug, course.title)
    draft, _ = Draft.objects.get_or_create(course=course, defaults={"files": files})
    return draft


def save_file(*, course: Course, name: str, text: str, by) -> Draft:
    """Replace one file of the draft. A draft may hold problems; publishing refuses them."""
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(course=course)  # two editors: no lost update
        if name not in draft.files:
            raise AuthoringError(f"the draft has no file {name}")
        draft.files[name] = normalize_text(text)
        draft.updated_by = by
        draft.save()
    return draft


def replace_from_zip(*, course: Course, upload, by) -> Draft:
    """The draft becomes the course folder in the zip, or uploads.UploadRefused and nothing changes."""
    files = read_course_zip(upload, upload_limits())
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(course=course)
        draft.files, draft.updated_by = files, by
        draft.save()
    return draft


def add_kc(*, course: Course, kc_id: str, title: str, by) -> str:
    """A new KC file from a template, appended to the ramp in course.toml; returns its path."""
    if not ID.fullmatch(kc_id):
        raise AuthoringError("a KC id is lower-case letters, digits and dashes, such as 'counting-bigrams'")
    if not title.strip():
        raise AuthoringError("a KC needs a title")
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(course=course)
        name = kc_path(kc_id)
        if name in draft.files:
            raise AuthoringError(f"the draft already has {name}")
        if COURSE_FILE not in draft.files:
            raise AuthoringError("the draft has no course.toml to add the KC to")
        try:
            draft.files[COURSE_FILE] = append_to_ramp(draft.files[COURSE_FILE], kc_id)
        except ValueError as error:
            raise AuthoringError(str(error)) from error
        draft.files[name] = new_kc_text(kc_id, title.strip())
        draft.updated_by = by
        draft.save()
    return name


def remove_kc(*, course: Course, name: str, by) -> None:
    """Delete a KC file from the draft and its id from the ramp. Publishing archives the KC."""
    match = KC_FILE.fullmatch(name)
    if not match:
        raise AuthoringError("only a KC file can be removed")
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(course=course)
        if name not in draft.files:
            raise AuthoringError(f"the draft has no file {name}")
        del draft.files[name]
        if match.group(1) in selectors.draft_ramp(draft.files):
            try:
                draft.files[COURSE_FILE] = remove_from_ramp(draft.files[COURSE_FILE], match.group(1))
            except ValueError as error:
                raise AuthoringError(str(error)) from error
        draft.updated_by = by
        draft.save()


def discard_draft(*, course: Course) -> None:
    """Throw the draft away; the next visit starts again from the published course."""
    Draft.objects.filter(course=course).delete()


class NotPublished(AuthoringError):
    """The draft was not published; the message says why."""


def publish(*, course: Course, by, reviewed_digest: str) -> PublishedVersion:
    """Import the draft for learners and record the version, all or nothing.

    `reviewed_digest` is the digest of the draft that the faculty member reviewed on the
    publish page: if the draft changed since, nothing is published.
    """
    draft = Draft.objects.get(course=course)
    files = dict(draft.files)
    with tempfile.TemporaryDirectory(prefix="publish-") as tmp:
        root = write_folder(files, Path(tmp))
        validation = validate_folder(root, course.slug, files)
        if not validation.valid:
            raise NotPublished(f"the draft has {len(validation.problems)} problem(s); fix them first")
        if left := placeholders_left(files):
            raise NotPublished(f"write the starter's placeholder questions first ({', '.join(left)})")
        if validation.course.digest != reviewed_digest:
            raise NotPublished("the draft changed since you reviewed it: review the changes again")
        changes = changing.between(selectors.published_ramp(course), validation.course)
        if not changes:
            raise NotPublished("the draft is the same as the published course: there is nothing to publish")
        with transaction.atomic():
            Course.objects.select_for_update().get(pk=course.pk)  # one publish of a course at a time
            learning.import_course(path=root, force=True)
            return PublishedVersion.objects.create(
                course=course,
                number=selectors.next_version_number(course),
                published_by=by,
                digest=validation.course.digest,
                changes=changes.summary(),
            )
