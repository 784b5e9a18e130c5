"""Request ids and JSON log lines.

Every request gets an id (the proxy's X-Request-ID when it sent a sane one, else a new
one), echoed in the response's X-Request-ID and attached to every log record written while
the request runs, so one learner's trouble can be followed through the logs.
With LOG_FORMAT=json each record is one JSON object per line, for a log collector;
plain text stays the default.
"""

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings

request_id = contextvars.ContextVar("request_id", default="-")
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# The attributes every LogRecord has; anything else on a record came from `extra=` (and the
# request object on django.request's records, which is no JSON material).
STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "request",
}

access_log = logging.getLogger("webapp.requests")


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being served ('-' outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx/5xx (django.request) after the middleware has returned: that
        # record carries the request itself.
        record.request_id = getattr(getattr(record, "request", None), "request_id", None) or request_id.get()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, the `extra=`
    fields, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        line.update({key: value for key, value in vars(record).items() if key not in STANDARD_ATTRIBUTES})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def request_id_middleware(get_response):
    """Give the request its id for its whole life; log one access line when LOG_REQUESTS is on."""

    def middleware(request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if SANE_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(request.request_id)
        started = time.monotonic()
        try:
            response = get_response(request)
            response["X-Request-ID"] = request.request_id
            if settings.LOG_REQUESTS:
                access_log.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "ms": round((time.monotonic() - started) * 1000, 1),
                    },
                )
            return response
        finally:
            request_id.reset(token)

    return middleware
