"""Settings, read from the environment with defaults that run the embedded mode.

Embedded (no variables set): SQLite in var/, Celery tasks run eagerly in process, the
explanation model runs in process. Production: DJANGO_DEBUG=0 and the variables listed in
docs/PRODUCTION.md (DATABASE_URL, REDIS_URL, CACHE_URL, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS...);
`manage.py check --deploy` is clean with them.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

from tutor.llm import LLMConfig, parse_course_models

ROOT = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env.str("TUTOR_VAR_DIR", default=str(ROOT / "var")))
DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="embedded-mode-only-not-secret" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Production is HTTPS only. The TLS-terminating proxy in front (nginx, a load balancer) says
# so in X-Forwarded-Proto; Django trusts that header only when told (the proxy must set it
# and strip a client's own). Probes and scrapes on loopback may stay plain HTTP.
if not DEBUG:
    # Off only to serve plain HTTP on loopback (the fault tests do); check --deploy then warns.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "webapp.accounts",
    "webapp.learning",
    "webapp.authoring",
    "webapp.analytics",
]

SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
MIDDLEWARE = [
    "webapp.ops.logs.request_id_middleware",
    SECURITY_MIDDLEWARE,
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "webapp.learning.db_errors.DatabaseUnavailableMiddleware",
]
if not DEBUG:
    # Static files from gunicorn itself, compressed and with hashed names cached for ever.
    MIDDLEWARE.insert(MIDDLEWARE.index(SECURITY_MIDDLEWARE) + 1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [ROOT / "webapp" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "webapp.authoring.context_processors.authoring",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tutor.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3's connection pool, shared by the threads of one process (a gunicorn worker's
    # threads, a Celery worker): max size at least the threads. Pooled connections are kept,
    # so CONN_MAX_AGE stays 0; without the pool, connections live CONN_MAX_AGE seconds.
    if env.bool("DATABASE_POOL", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=8),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    # Each connection is checked before use (a round trip; with the pool, psycopg_pool's
    # check): after PostgreSQL restarts, dead connections are replaced, not a request failed each.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # Wait for the write lock instead of failing at once when two requests write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "course_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(ROOT / "staticfiles")))  # collectstatic writes here
STATICFILES_DIRS = [ROOT / "webapp" / "static"]
if not DEBUG:
    # `collectstatic` (scripts/production.sh) writes gzipped copies under hashed names.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Logs: plain text, or one JSON object a line with LOG_FORMAT=json (webapp/ops/logs.py); every
# line carries the request's id. LOG_REQUESTS adds one access line per request.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=not DEBUG)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "webapp.ops.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "webapp.ops.logs.JSONFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "loggers": {
        "tutor": {"handlers": ["console"], "level": LOG_LEVEL},
        "webapp": {"handlers": ["console"], "level": LOG_LEVEL},
    },
}
if LOG_FORMAT == "json":
    # Every line as JSON, ours, Django's and Celery's: one handler on the root logger (Celery
    # told to leave it alone), which our loggers reach by propagation.
    LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}
    LOGGING["loggers"] = {name: {"level": LOG_LEVEL} for name in ("tutor", "webapp", "django", "celery")}
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The cache holds the LLM's replies to identical prompts (webapp/learning/explanations.py).
# Embedded: this process's memory. Production: CACHE_URL=redis://HOST:6379/1, shared by every
# web and worker process (a database of its own, apart from Celery's broker).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Celery: with no broker configured, tasks run eagerly in the calling process.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="tutor")
# Delivery is at least once: a task whose worker dies is run again (tasks are idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery beat's periodic tasks. Times are UTC whatever the server's zone, so 03:00 means the same everywhere.
ROLLUP_REFRESH_SECONDS = env.float("ROLLUP_REFRESH_SECONDS", default=300)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # The dashboards promise figures at most minutes behind the log (webapp/analytics/rollups.py LAG).
    "refresh-rollups": {"task": "tutor.refresh_all_rollups", "schedule": ROLLUP_REFRESH_SECONDS},
    # At night the response log is quiet and a fit's CPU hurts nobody; faculty find proposals in the morning.
    "nightly-refit": {"task": "tutor.nightly_refit", "schedule": crontab(hour=3, minute=0)},
}

# The explanation model.
LLM_BACKEND = env.str("LLM_BACKEND", default="local")
LLM_MODEL_DIR = Path(env.str("LLM_MODEL_DIR", default=str(LLMConfig.model_dir)))
LLM_MAX_NEW_TOKENS = env.int("LLM_MAX_NEW_TOKENS", default=96)
LLM_DEADLINE_SECONDS = env.float("LLM_DEADLINE_SECONDS", default=30.0)
# LLM_BACKEND=openai: an OpenAI-compatible server (vLLM; docs/SERVING.md). Each course in
# LLM_COURSE_MODELS ("llm101n=llm101n,other=other-lora") asks it for its own model name,
# a LoRA adapter of the base; the others ask for LLM_MODEL.
LLM_BASE_URL = env.str("LLM_BASE_URL", default=LLMConfig.base_url)
LLM_MODEL = env.str("LLM_MODEL", default=LLMConfig.model)
LLM_COURSE_MODELS = parse_course_models(env.str("LLM_COURSE_MODELS", default=""))
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_CONNECT_TIMEOUT = env.float("LLM_CONNECT_TIMEOUT", default=LLMConfig.connect_timeout)
LLM_RETRIES = env.int("LLM_RETRIES", default=LLMConfig.retries)
# Hint and question requests per learner: "N/s", "N/m" or "N/h"; "" for no limit (webapp/learning/ratelimit.py).
LLM_RATE_LIMIT = env.str("LLM_RATE_LIMIT", default="20/m")

# /metrics (webapp/ops): staff, or `Authorization: Bearer METRICS_TOKEN` (for Prometheus).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Authoring: a course folder uploaded as a zip is refused past these sizes.
AUTHORING_MAX_UPLOAD_BYTES = env.int("AUTHORING_MAX_UPLOAD_BYTES", default=5_000_000)
AUTHORING_MAX_UNPACKED_BYTES = env.int("AUTHORING_MAX_UNPACKED_BYTES", default=20_000_000)
AUTHORING_MAX_FILES = env.int("AUTHORING_MAX_FILES", default=1000)

# The course the run command imports and the demo accounts sign up for.
DEFAULT_COURSE_DIR = ROOT / "content" / "courses" / "llm101n"
