"""The same answer submitted twice at once (a double click, a browser's retry): two concurrent
POSTs through the real view with the same idempotency key store one response, and both get the
same feedback page. (The service-level race is tests/webapp/test_answers.py's
test_the_same_answer_submitted_twice_at_once_is_stored_once.)"""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from webapp.learning.models import Mastery, Response

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_posts_of_one_answer_store_it_once(enrolled, learner, course):
    if connection.vendor != "postgresql":
        pytest.fail("concurrent writers need PostgreSQL: run this through the README's test command")
    clients = [Client(), Client()]  # two requests of one session, as a double click sends
    clients[0].force_login(learner)
    clients[1].cookies = clients[0].cookies
    form = {"item": "counting-letters", "answer": "4", "idempotency_key": str(uuid.uuid4())}
    barrier = threading.Barrier(2)
    replies = []

    def post(client):
        barrier.wait()
        try:
            replies.append(client.post(reverse("answer", args=["tiny"]), form))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [reply.status_code for reply in replies] == [302, 302]
    response = Response.objects.get()  # exactly one
    assert {reply.url for reply in replies} == {f"{reverse('learn', args=['tiny'])}?answered={response.pk}"}
    assert str(response.idempotency_key) == form["idempotency_key"]
    assert Mastery.objects.get(learner=learner, kc=response.kc).responses == 1
