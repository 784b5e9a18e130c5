"""The database unreachable (PostgreSQL restarting, failing over): a 503 asking to try again.

A request that meets a dropped or refused connection gets a short page with a Retry-After
header instead of a traceback. Nothing is half written: every write of a request is in one
transaction (services.record_answer), which PostgreSQL rolls back when the connection goes.
The connection pool replaces the broken connections by itself, so the next request works
once the database is back.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = (
    "<!doctype html><title>Try again in a moment</title>"
    "<h1>Try again in a moment</h1>"
    "<p>The tutor cannot reach its database just now. Nothing was saved from this request: "
    "please try again in a few seconds.</p>"
)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable during %s %s: %s", request.method, request.path, exception)
        response = HttpResponse(MESSAGE, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
