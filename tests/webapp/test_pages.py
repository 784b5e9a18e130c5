import re
import uuid

from django.urls import reverse

from webapp.learning.models import Enrollment, Explanation, Response


def test_signup_logs_the_new_learner_in(client, course):
    reply = client.post(
        reverse("signup"), {"username": "grace", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    )
    assert reply.status_code == 302
    page = client.get(reverse("course_list")).content.decode()
    assert "Signed in as <strong>grace</strong>" in page and "Enroll in Tiny arithmetic" in page


def test_pages_need_a_login(client, course):
    reply = client.get(reverse("learn", args=["tiny"]))
    assert reply.status_code == 302 and reply.url.startswith(reverse("login"))


def test_enroll_starts_placement_and_the_page_shows_the_mastery_bars(logged_in, course, learner):
    assert logged_in.post(reverse("enroll", args=["tiny"])).status_code == 302
    assert Enrollment.objects.filter(learner=learner, course=course, placed_at=None).exists()
    page = logged_in.get(reverse("learn", args=["tiny"])).content.decode()
    assert 'data-testid="placement"' in page and "Placement question 1 of at most 2" in page
    assert page.count('role="progressbar"') == 3 and 'data-testid="mastery-counting">10%' in page


def test_after_skipping_placement_teaching_starts_at_the_first_step(logged_in, enrolled):
    page = logged_in.get(reverse("learn", args=["tiny"])).content.decode()
    assert 'data-item="counting-' in page and "Why this question?" in page  # the first step of the ramp
    assert 'data-testid="placement"' not in page


def submit(client, item, given, key=None):
    return client.post(
        reverse("answer", args=["tiny"]), {"item": item, "answer": given, "idempotency_key": str(key or uuid.uuid4())}
    )


def test_answering_shows_feedback_and_the_mastery_change(logged_in, enrolled):
    reply = submit(logged_in, "counting-apples", "4")
    assert reply.status_code == 302
    page = logged_in.get(reply.url).content.decode()
    assert "Not quite. You answered 4; the answer is 3." in page
    assert "You counted one apple twice." in page
    assert "Mastery of Counting: 10% →" in page
    assert "data-explanation-url" in page


def test_a_double_submitted_form_is_recorded_once(logged_in, enrolled):
    key = uuid.uuid4()
    first, second = submit(logged_in, "counting-letters", "4", key), submit(logged_in, "counting-letters", "4", key)
    assert first.url == second.url
    assert Response.objects.count() == 1


def test_bad_answers_get_a_clear_message_and_change_nothing(logged_in, enrolled):
    reply = submit(logged_in, "counting-letters", "four")
    assert reply.status_code == 400 and "is not a number" in reply.content.decode()
    assert submit(logged_in, "no-such-item", "4").status_code == 400
    bad_key = logged_in.post(
        reverse("answer", args=["tiny"]), {"item": "counting-letters", "answer": "4", "idempotency_key": "x"}
    )
    assert bad_key.status_code == 400
    assert not Response.objects.exists()


def test_learners_cannot_see_each_others_answers_or_explanations(client, enrolled, learner, course, django_user_model):
    client.force_login(learner)
    reply = submit(client, "counting-apples", "4")
    explanation = Explanation.objects.get()
    other = django_user_model.objects.create_user(username="eve", password="another-passphrase-1")
    client.force_login(other)
    from webapp.learning import services

    services.enroll(learner=other, course=course)
    assert client.get(reverse("explanation", args=[explanation.pk])).status_code == 404
    page = client.get(reply.url).content.decode()
    assert "You answered 4" not in page


def test_the_explanation_endpoint_falls_back_to_the_authored_text_when_the_model_fails(
    logged_in, enrolled, monkeypatch, caplog
):
    def model_down(config):
        raise RuntimeError("model server down")

    monkeypatch.setattr("webapp.learning.explanations.load_model", model_down)
    submit(logged_in, "counting-apples", "4")
    explanation = Explanation.objects.get()
    data = logged_in.get(reverse("explanation", args=[explanation.pk])).json()
    assert data["status"] == "done" and data["source"] == "authored"
    assert "You counted one apple twice." in data["html"] and "Counting assigns the numbers" in data["html"]
    assert "model server down" in Explanation.objects.get().error
    assert "the model failed (explain mode)" in caplog.text


class ScriptedModel:
    """Stands in for the LLM to isolate the view; the real model is tested in tests/tutor."""

    name = "scripted"

    def __init__(self):
        self.calls = 0

    def stream(self, messages, *, max_new_tokens, deadline_seconds):
        self.calls += 1
        yield from ["Count each apple once: ", "<script>alert(1)</script> ", "**three** apples."]


def test_an_explanation_is_generated_once_and_rendered_safely(logged_in, enrolled, monkeypatch):
    model = ScriptedModel()
    monkeypatch.setattr("webapp.learning.explanations.load_model", lambda config: model)
    submit(logged_in, "counting-apples", "4")
    url = reverse("explanation", args=[Explanation.objects.get().pk])
    first, second = logged_in.get(url).json(), logged_in.get(url).json()
    assert first == second and model.calls == 1
    assert first["source"] == "model" and first["model_name"] == "scripted"
    assert "<strong>three</strong>" in first["html"] and "<script>" not in first["html"]


def test_the_explain_button_asks_for_an_explanation_of_the_current_item(logged_in, enrolled, monkeypatch):
    model = ScriptedModel()
    monkeypatch.setattr("webapp.learning.explanations.load_model", lambda config: model)
    page = logged_in.get(reverse("learn", args=["tiny"])).content.decode()
    item = re.search(r'data-item="([^"]+)"', page).group(1)
    reply = logged_in.post(reverse("explain", args=["tiny"]), {"item": item})
    explanation = Explanation.objects.get()
    assert explanation.kind == "asked" and explanation.response is None and explanation.item.slug == item
    page = logged_in.get(reply.url).content.decode()
    assert f'data-item="{item}"' in page and reverse("explanation", args=[explanation.pk]) in page
