"""How long the dashboard pages take to render, server-side, against the configured database.

    DATABASE_URL=postgres://... python benchmarks/dashboard.py --course llm101n [--repeat 20] [--json OUT.json]

Every GET page of the `analytics` URL namespace, found by walking the URL resolver (so
pages added later are measured too): `slug` is the course's, `table` each of
webapp.analytics.exports.TABLES; views that refuse GET (require_POST) are skipped. Plus
the learner's progress page (a URL named `progress`) where it exists, as a simulated
learner (manage.py generate_learners). Faculty pages are requested as a faculty member
of the course, `bench-faculty`, made if missing.

Each request goes through Django's test Client in process (middleware, view, template),
timed by the wall clock around the call; the first call of each page warms caches and is
not counted. A streamed export (the xAPI statements) is timed to its first piece of
statements, its time to first byte; the whole download is not a page. Prints median,
95th percentile and max in milliseconds and the response size, with the row counts the
pages summarize.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver, reverse  # noqa: E402

from webapp.analytics import exports  # noqa: E402
from webapp.analytics.models import LearningEvent  # noqa: E402
from webapp.authoring.models import CourseFaculty  # noqa: E402
from webapp.learning.models import Course, Enrollment, Response  # noqa: E402
from webapp.learning.simulated_learners import PREFIX  # noqa: E402

FACULTY = "bench-faculty"


def patterns(resolver=None, namespace: str = "", outer: tuple[str, ...] = ()):
    """(namespaced name, URLPattern, its path's argument names) of every named URL, depth first
    (the arguments include those of the prefixes it is included under)."""
    for entry in (resolver or get_resolver()).url_patterns:
        names = outer + tuple(entry.pattern.converters)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from patterns(entry, inner, names)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}".strip(":"), entry, names


def allowed_methods(view) -> set[str] | None:
    """The methods a view accepts by its require_http_methods decorators (None: any), found by
    following the decorators' __wrapped__ chain to the closure that holds the list."""
    while view is not None:
        code = getattr(view, "__code__", None)
        if code and "request_method_list" in code.co_freevars:
            cell = view.__closure__[code.co_freevars.index("request_method_list")]
            return set(cell.cell_contents)
        view = getattr(view, "__wrapped__", None)
    return None


def kwarg_choices(name: str, course: Course) -> list | None:
    if name == "slug":
        return [course.slug]
    if name == "table":
        return list(exports.TABLES)
    return None


def pages(course: Course) -> list[tuple[str, str, str]]:
    """(page label, path, who) for each GET page of the analytics namespace, and the progress page."""
    found = []
    for name, pattern, names in patterns():
        analytics = name.startswith("analytics:")
        progress = name.split(":")[-1] == "progress"
        if not (analytics or progress):
            continue
        methods = allowed_methods(pattern.callback)
        if methods is not None and "GET" not in methods:
            print(f"skipped {name}: accepts only {', '.join(sorted(methods))}")
            continue
        choices = {each: kwarg_choices(each, course) for each in names}
        missing = [each for each, values in choices.items() if values is None]
        if missing:
            print(f"skipped {name}: no value for {', '.join(missing)}")
            continue
        combos = [{}]
        for each in names:
            combos = [{**combo, each: value} for combo in combos for value in choices[each]]
        for kwargs in combos:
            label = name + "".join(f" {value}" for key, value in kwargs.items() if key != "slug")
            found.append((label, reverse(name, kwargs=kwargs), "learner" if progress else "faculty"))
    return found


def get(client: Client, path: str):
    """The response, and for a streamed one (an export) its first piece: a server's time to first byte."""
    response = client.get(path)
    if response.streaming:
        response.first_piece = next(iter(response.streaming_content), b"")
    return response


def timed(client: Client, path: str, repeat: int) -> dict:
    first = get(client, path)  # warms caches: not counted
    if first.status_code != 200:
        raise SystemExit(f"{path}: status {first.status_code}, expected 200")
    queries = []  # counted by a wrapper: the request's start resets Django's own query log
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        get(client, path)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = get(client, path)
        times.append((time.perf_counter() - started) * 1000)
    # A streamed export is timed to its first piece, and sized by it (the whole is a download).
    size = len(response.first_piece) if response.streaming else len(response.content)
    return {
        "median_ms": float(np.median(times)),
        "p95_ms": float(np.percentile(times, 95)),
        "max_ms": float(max(times)),
        "bytes": size,
        "queries": len(queries),
    }


def faculty_client(course: Course) -> Client:
    user, _ = get_user_model().objects.get_or_create(username=FACULTY)
    if not user.has_usable_password():
        user.set_unusable_password()
        user.save()
    CourseFaculty.objects.get_or_create(user=user, course=course)
    client = Client()
    client.force_login(user)
    return client


def learner_client(course: Course) -> Client | None:
    enrollment = (
        Enrollment.objects.filter(course=course, learner__username__startswith=PREFIX)
        .order_by("learner__username")
        .select_related("learner")
        .first()
    )
    if enrollment is None:
        return None
    client = Client()
    client.force_login(enrollment.learner)
    return client


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        database = cursor.fetchone()[0]
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "database": database,
        "debug": settings.DEBUG,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", default="llm101n")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    course = Course.objects.filter(slug=args.course).first()
    if course is None:
        raise SystemExit(f"no such course: {args.course!r}")
    # The test Client's host; added here as the test runner would add it.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    rows = {
        "responses": Response.objects.filter(kc__course=course).count(),
        "events": LearningEvent.objects.filter(course=course).count(),
        "learners": Enrollment.objects.filter(course=course).count(),
    }
    print(", ".join(f"{count} {name}" for name, count in rows.items()) + f" in {course.slug}")
    clients = {"faculty": faculty_client(course), "learner": learner_client(course)}
    results = {}
    for label, path, who in pages(course):
        if clients[who] is None:
            print(f"skipped {label}: no simulated learner in {course.slug}")
            continue
        results[label] = {"path": path, "as": who, **timed(clients[who], path, args.repeat)}

    print(f"{'page':40} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'bytes':>9} {'queries':>8}")
    for label, result in results.items():
        print(
            f"{label:40} {result['median_ms']:10.1f} {result['p95_ms']:8.1f} {result['max_ms']:8.1f} "
            f"{result['bytes']:9d} {result['queries']:8d}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {"course": course.slug, "repeat": args.repeat, "rows": rows, "machine": machine(), "pages": results}
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
