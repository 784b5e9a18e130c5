"""Every URL that takes a POST refuses one without a CSRF token (403), and changes nothing.

The POST endpoints are found by walking the URL resolver and reading each view's allowed
methods (require_POST / require_http_methods, or a class view's methods); a view with no
restriction takes a POST too. Django admin's views are its own (csrf_protect'ed by
AdminSite) and are left out. Each refusal is checked against the same POST with a token,
which must not be 403: so the 403 is the CSRF check's, not a permission's.
"""

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import serializers
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from tests.webapp.test_roles import TABLE, project_patterns, world  # noqa: F401 (world is a fixture)
from webapp.learning import placement, services


def allowed_methods(callback) -> set[str] | None:
    """The HTTP methods the view declares, or None when it takes any."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return {name.upper() for name in view_class.http_method_names if hasattr(view_class, name)}
    view = callback
    while view is not None:
        for cell in view.__closure__ or ():
            value = cell.cell_contents
            if isinstance(value, list | tuple) and value and all(isinstance(m, str) and m.isupper() for m in value):
                return set(value)  # require_http_methods' request_method_list
        view = getattr(view, "__wrapped__", None)
    return None


def post_endpoints() -> list[str]:
    names = []
    for name, route, pattern in project_patterns():
        if route.startswith("admin/"):
            continue
        methods = allowed_methods(pattern.callback)
        if methods is None or "POST" in methods:
            names.append(name)
    return sorted(set(names))


def test_the_walk_finds_the_post_endpoints_and_not_the_others():
    found = post_endpoints()
    assert {"answer", "explain", "ask", "enroll", "authoring:upload", "authoring:publish", "signup"} <= set(found)
    assert "logout" in found and "login" in found
    assert not {"learn", "course_list", "explanation", "authoring:graph", "analytics:course_csv"} & set(found)


def snapshot() -> str:
    """Every row of every model (sessions aside: logging the client in makes one)."""
    models = [model for model in apps.get_models() if model is not Session]
    return "".join(serializers.serialize("json", model._default_manager.order_by("pk")) for model in models)


def request_of(name, objects):
    """The URL and form data of the table's row for `name` (its POST row when it has one)."""
    rows = sorted((row for row in TABLE if row.name == name), key=lambda row: row.method != "post")
    row = rows[0]
    kwargs = {key: value(objects) if callable(value) else value for key, value in row.kwargs.items()}
    return reverse(name, kwargs=kwargs), row.data


@pytest.mark.parametrize("name", post_endpoints())
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(world, name):  # noqa: F811
    staff = world.users["staff"]  # staff, and enrolled: let in everywhere but for the token
    placement.skip(enrollment=services.enroll(learner=staff, course=world.course))
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    url, data = request_of(name, world)
    before = snapshot()
    refused = client.post(url, data)
    assert refused.status_code == 403, refused.status_code
    assert "CSRF" in refused.content.decode()
    assert snapshot() == before

    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    assert client.post(url, data, headers={"X-CSRFToken": token}).status_code != 403
