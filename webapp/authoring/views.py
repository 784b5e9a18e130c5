"""Pages for faculty. Thin: check who asks (permissions), call a service or selector, render.

Every view is wrapped in `faculty_required` or `course_faculty_required`, so learners
get 403 everywhere here and faculty of one course get 403 on another course's pages.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from content.graph_svg import course_svg
from tutor.grading import AnswerError, display_order, grade, order_from_positions
from webapp.authoring import selectors, services
from webapp.authoring.course_folder import (
    COURSE_FILE,
    KC_FILE,
    body,
    course_meta,
    draft_items,
    normalize_text,
    parse_kc,
    ramp_order,
    validate,
)
from webapp.authoring.forms import NewCourseForm, NewKCForm, UploadForm
from webapp.authoring.permissions import authored_courses, course_faculty_required, faculty_required
from webapp.authoring.uploads import UploadRefused, megabytes


@faculty_required
@require_GET
def dashboard(request):
    rows = selectors.dashboard(list(authored_courses(request.user)))
    return render(request, "authoring/dashboard.html", {"rows": rows})


@faculty_required
@require_http_methods(["GET", "POST"])
def new_course(request):
    form = NewCourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(
                slug=form.cleaned_data["slug"], title=form.cleaned_data["title"], by=request.user
            )
        except services.AuthoringError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Created {course.title}. Learners see it once you publish a version.")
            return redirect("authoring:draft", slug=course.slug)
    return render(request, "authoring/new_course.html", {"form": form}, status=400 if form.errors else 200)


@course_faculty_required
@require_GET
def draft(request, course):
    return _draft_page(request, course)


def _draft_page(request, course, *, upload_errors=(), status=200):
    draft = services.draft_for(course)
    state = selectors.draft_state(course, draft)
    kc_files = []
    for name in ramp_order(draft.files):
        kc, _ = parse_kc(draft.files, name)
        kc_files.append({"name": name, "kc": kc, "problems": len(state.validation.problems_in(name))})
    context = {
        "course": course,
        "state": state,
        "problems": _linked(course, state.validation.problems, draft.files),
        "course_file_problems": len(state.validation.problems_in(COURSE_FILE)),
        "kc_files": kc_files,
        "versions": selectors.versions(course),
        "upload_form": UploadForm(),
        "upload_errors": upload_errors,
        "upload_limit": megabytes(settings.AUTHORING_MAX_UPLOAD_BYTES),
        "kc_form": NewKCForm(),
    }
    return render(request, "authoring/draft.html", context, status=status)


def _linked(course, problems, files) -> list[tuple[object, str | None]]:
    """Each problem with a link to its file's edit form, at its line."""
    linked = []
    for problem in problems:
        url = None
        if problem.file in files:
            url = reverse("authoring:edit_file", args=[course.slug, problem.file])
            # With a line, the page's script selects it (a #fragment would take the focus away again).
            url += f"?line={problem.line}" if problem.line else "#editor"
        linked.append((problem, url))
    return linked


class CappedUpload(FileUploadHandler):
    """Stops receiving an uploaded file once it passes `limit` bytes, so an oversized upload
    is refused without being stored whole (the rest of the request is read and dropped)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit, self.too_big = limit, False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_big = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt  # the upload handler must be in place before the CSRF check reads the body; _upload checks CSRF
@course_faculty_required
@require_POST
def upload(request, course):
    capped = CappedUpload(settings.AUTHORING_MAX_UPLOAD_BYTES)
    request.upload_handlers.insert(0, capped)
    return _upload(request, course, capped)


@csrf_protect
def _upload(request, course, capped):
    files = request.FILES  # parsed here (if the CSRF check has not already), through `capped`
    if capped.too_big:
        limit = megabytes(settings.AUTHORING_MAX_UPLOAD_BYTES)
        return _draft_page(request, course, upload_errors=[f"the zip is larger than the limit of {limit}"], status=400)
    form = UploadForm(request.POST, files)
    if not form.is_valid():
        return _draft_page(request, course, upload_errors=["choose a zip of the course folder"], status=400)
    try:
        draft = services.replace_from_zip(course=course, upload=form.cleaned_data["course_zip"], by=request.user)
    except UploadRefused as refused:
        return _draft_page(request, course, upload_errors=refused.reasons, status=400)
    problems = len(validate(draft.files, course.slug).problems)
    found = f"{problems} problem{'s' if problems != 1 else ''} to fix before publishing" if problems else "no problems"
    messages.success(request, f"Uploaded {len(draft.files)} files into the draft: {found}.")
    return redirect("authoring:draft", slug=course.slug)


@course_faculty_required
@require_http_methods(["GET", "POST"])
def edit_file(request, course, name):
    """A file of the draft as text. Save stores it; Check (and the page's live check) only validates it."""
    draft = services.draft_for(course)
    if name not in draft.files:
        raise Http404(f"the draft has no file {name}")
    if request.method == "POST" and request.POST.get("action") == "save":
        if "\x00" in request.POST.get("text", ""):  # PostgreSQL stores no NUL, and no course file holds one
            line = request.POST["text"].count("\n", 0, request.POST["text"].index("\x00")) + 1
            return HttpResponseBadRequest(f"{name}:{line}: a NUL character (\\x00) is not text. Nothing was saved.")
        services.save_file(course=course, name=name, text=request.POST.get("text", ""), by=request.user)
        messages.success(request, f"Saved {name}.")
        return redirect(reverse("authoring:edit_file", args=[course.slug, name]) + "#editor")
    text = normalize_text(request.POST["text"]) if "text" in request.POST else draft.files[name]
    context = _edit_context(course, draft.files, name, text)
    if request.POST.get("fragment"):
        return render(request, "authoring/_check.html", context)
    return render(request, "authoring/edit_file.html", context)


def _edit_context(course, saved: dict[str, str], name: str, text: str) -> dict:
    files = {**saved, name: text}
    validation = validate(files, course.slug)
    context = {
        "course": course,
        "name": name,
        "text": text,
        "unsaved": text != saved[name],
        "problems": _linked(course, validation.problems_in(name), files),
        "other_problems": len(validation.problems) - len(validation.problems_in(name)),
        "kc_file": bool(KC_FILE.fullmatch(name)),
    }
    if context["kc_file"]:
        kc, _ = parse_kc(files, name, text)
        context.update(kc=kc, body=body(text) if kc is None else "")
    else:
        meta = course_meta(files)
        context["meta"] = {key: meta.get(key) for key in ("title", "description", "ramp")}
    return context


@course_faculty_required
@require_POST
def add_kc(request, course):
    form = NewKCForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A new KC needs an id and a title.")
        return redirect("authoring:draft", slug=course.slug)
    services.draft_for(course)
    try:
        name = services.add_kc(
            course=course, kc_id=form.cleaned_data["kc_id"], title=form.cleaned_data["title"], by=request.user
        )
    except services.AuthoringError as error:
        messages.error(request, f"The KC was not added: {error}.")
        return redirect("authoring:draft", slug=course.slug)
    messages.success(
        request,
        f"Added {name} at the end of the ramp. Replace its placeholder text and items: publishing waits until you do.",
    )
    return redirect(reverse("authoring:edit_file", args=[course.slug, name]) + "#editor")


@course_faculty_required
@require_POST
def remove_kc(request, course):
    services.draft_for(course)
    name = request.POST.get("name", "")
    try:
        services.remove_kc(course=course, name=name, by=request.user)
    except services.AuthoringError as error:
        messages.error(request, f"Nothing was removed: {error}.")
    else:
        messages.success(request, f"Removed {name} from the draft. Publishing archives the KC; answers are kept.")
    return redirect("authoring:draft", slug=course.slug)


@course_faculty_required
@require_GET
def graph(request, course):
    draft = services.draft_for(course)
    validation = validate(draft.files, course.slug)
    svg = mark_safe(course_svg(validation.course)) if validation.valid else ""  # built escaped by content.graph_svg
    context = {"course": course, "svg": svg, "problems": _linked(course, validation.problems, draft.files)}
    return render(request, "authoring/graph.html", context)


@course_faculty_required
@require_http_methods(["GET", "POST"])
def preview_item(request, course, item_id):
    """The item as a learner's page shows it, from the draft. An answer is graded here and recorded nowhere."""
    draft = services.draft_for(course)
    items = draft_items(draft.files)
    if item_id not in items:
        raise Http404(f"no item '{item_id}' in the draft's KC files that have no problems")
    kc, item = items[item_id]
    shown = display_order(item, str(request.user.pk))
    context = {
        "course": course,
        "kc": kc,
        "spec": item,
        "choices": shown,
        "positions": range(1, len(item.steps) + 1),
        "idempotency_key": uuid.uuid4(),
        "answer_url": reverse("authoring:preview_item", args=[course.slug, item_id]),
        "siblings": [other.id for other in kc.items],
    }
    if request.method == "POST":
        try:
            given = request.POST.get("answer", "")
            if item.kind == "ordering" and "answer" not in request.POST:
                given = order_from_positions(shown, [request.POST.get(f"position-{i}", "") for i in range(len(shown))])
            context["verdict"] = grade(item, given)
        except AnswerError as error:
            context["error"] = str(error)
    return render(request, "authoring/preview.html", context)


@course_faculty_required
@require_http_methods(["GET", "POST"])
def publish(request, course):
    """GET: what publishing would change, and the button. POST: publish the draft that was reviewed."""
    draft = services.draft_for(course)
    error = ""
    if request.method == "POST":
        try:
            version = services.publish(course=course, by=request.user, reviewed_digest=request.POST.get("digest", ""))
        except services.NotPublished as refused:
            error = f"Nothing was published: {refused}."
        else:
            messages.success(request, f"Published version {version.number}. Learners now work on it.")
            return redirect("authoring:draft", slug=course.slug)
    state = selectors.draft_state(course, draft)
    context = {
        "course": course,
        "state": state,
        "problems": _linked(course, state.validation.problems, draft.files),
        "summary": state.changes.summary() if state.changes else [],
        "number": selectors.next_version_number(course),
        "error": error,
    }
    return render(request, "authoring/publish.html", context, status=400 if error else 200)


@course_faculty_required
@require_POST
def discard(request, course):
    services.discard_draft(course=course)
    messages.success(request, "Discarded the draft: it starts again from the published course.")
    return redirect("authoring:draft", slug=course.slug)
