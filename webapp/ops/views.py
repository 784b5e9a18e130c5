"""Probes for the load balancer and the process supervisor, and counters for Prometheus.

- /health/live: the process answers (no database, no Redis): restart it if this fails.
- /health/ready: it can serve learners (PostgreSQL, Redis, cache); 503 if not, so the load
  balancer sends traffic elsewhere. The LLM server is reported but never fails it.
- /metrics: Prometheus text; staff only, or `Authorization: Bearer $METRICS_TOKEN`.
"""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from webapp.ops import metrics, probes


@never_cache
@require_GET
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    ok, checks = probes.readiness()
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


@never_cache
@require_GET
def prometheus(request):
    if not _may_read_metrics(request):
        if request.user.is_authenticated:
            return HttpResponse("Metrics are for staff or the metrics token.\n", status=403, content_type="text/plain")
        response = HttpResponse("Sign in as staff or send the metrics token.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")


def _may_read_metrics(request) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode()):
        return True
    return request.user.is_authenticated and request.user.is_staff
