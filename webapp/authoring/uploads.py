"""A course folder uploaded as a zip, read into `{path: text}` or refused with reasons.

A zip is untrusted input: its names may climb out of the folder (`../`, `/etc/...`),
point elsewhere (symlinks), or its sizes may lie (a small zip that inflates to
gigabytes). Nothing here touches the disk: names are only checked and the contents
read, to a bound, into memory. A course folder holds course.toml and kcs/<id>.md,
so anything else is refused too, except the metadata macOS adds to every zip.
"""

import io
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from webapp.authoring.course_folder import COURSE_FILE, is_course_path, normalize_text

OS_LITTER = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$)")


@dataclass(frozen=True)
class Limits:
    zip_bytes: int  # the uploaded file
    unpacked_bytes: int  # all files, uncompressed
    files: int


class UploadRefused(Exception):
    """The zip cannot be a course folder; `reasons` says why, each as a sentence. Nothing was kept."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def read_course_zip(upload, limits: Limits) -> dict[str, str]:
    """The course folder inside the zip `upload` (a binary file object), or UploadRefused."""
    size = getattr(upload, "size", None)
    if size is not None and size > limits.zip_bytes:
        raise UploadRefused([f"the zip is {megabytes(size)}; the limit is {megabytes(limits.zip_bytes)}"])
    data = upload.read(limits.zip_bytes + 1)
    if len(data) > limits.zip_bytes:
        raise UploadRefused([f"the zip is larger than the limit of {megabytes(limits.zip_bytes)}"])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadRefused(["the file is not a zip archive"]) from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir() and not OS_LITTER.search(info.filename)]
        _check_entries(entries, limits)
        prefix = _folder_prefix([info.filename for info in entries])
        outside = [info.filename for info in entries if not is_course_path(info.filename.removeprefix(prefix))]
        if outside:
            raise UploadRefused(
                [f"'{name}' is not part of a course folder (course.toml and kcs/<id>.md only)" for name in outside]
            )
        return _read_texts(archive, entries, prefix, limits)


def _check_entries(entries: list[zipfile.ZipInfo], limits: Limits) -> None:
    reasons = []
    if len(entries) > limits.files:
        reasons.append(f"the zip holds {len(entries)} files; a course folder may hold at most {limits.files}")
    if sum(info.file_size for info in entries) > limits.unpacked_bytes:
        reasons.append(f"the zip unpacks to more than the limit of {megabytes(limits.unpacked_bytes)}")
    names = [info.filename for info in entries]
    reasons += [f"'{name}' appears twice in the zip" for name in sorted({n for n in names if names.count(n) > 1})]
    for info in entries:
        name = info.filename
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or "\\" in name:
            reasons.append(f"'{name}' is an absolute path; paths in the zip must be inside the course folder")
        elif ".." in parts or any(ord(c) < 32 for c in name):
            reasons.append(f"'{name}' climbs out of the course folder or has control characters in its name")
        elif stat.S_ISLNK(info.external_attr >> 16):
            reasons.append(f"'{name}' is a symbolic link; a course folder holds plain files only")
        elif info.flag_bits & 0x1:
            reasons.append(f"'{name}' is encrypted; upload a zip without a password")
    if reasons:
        raise UploadRefused(reasons)


def _folder_prefix(names: list[str]) -> str:
    """'' when course.toml is at the top of the zip; 'folder/' when it is in the zip's one top-level folder."""
    if COURSE_FILE in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and "/" in names[0] and f"{next(iter(tops))}/{COURSE_FILE}" in names:
        return f"{next(iter(tops))}/"
    raise UploadRefused(
        ["no course.toml found: zip the course folder itself, with course.toml at the top or in one folder"]
    )


def _read_texts(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], prefix: str, limits: Limits):
    files, reasons, budget = {}, [], limits.unpacked_bytes
    for info in entries:
        try:
            with archive.open(info) as member:
                raw = member.read(budget + 1)  # the sizes in the zip's directory may lie
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise UploadRefused([f"'{info.filename}' cannot be read from the zip ({error})"]) from None
        budget -= len(raw)
        if budget < 0:
            raise UploadRefused([f"the zip unpacks to more than the limit of {megabytes(limits.unpacked_bytes)}"])
        try:
            text = raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as error:
            reasons.append(f"'{info.filename}' is not UTF-8 text (byte {error.start} cannot be read); save it as UTF-8")
            continue
        if "\x00" in text:  # PostgreSQL stores no NUL, and no course file holds one
            line = text.count("\n", 0, text.index("\x00")) + 1
            reasons.append(f"'{info.filename}' holds a NUL character at line {line}; a course file is plain text")
            continue
        files[info.filename.removeprefix(prefix)] = normalize_text(text)
    if reasons:
        raise UploadRefused(reasons)
    return files


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size:,} bytes"
