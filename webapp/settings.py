"""Settings, read from the environment with defaults that run the embedded mode.

Embedded (no variables set): SQLite in var/, Celery tasks run eagerly in process, the
explanation model runs in process. Production: set DATABASE_URL (PostgreSQL),
REDIS_URL (Celery's broker), DJANGO_SECRET_KEY, DJANGO_DEBUG=0, DJANGO_ALLOWED_HOSTS.
"""

from pathlib import Path

import environ

from tutor.llm import LLMConfig, parse_course_models

ROOT = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env.str("TUTOR_VAR_DIR", default=str(ROOT / "var")))
DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="embedded-mode-only-not-secret" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

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

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "webapp.learning.db_errors.DatabaseUnavailableMiddleware",
]

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
    # psycopg 3's connection pool, shared by the threads of one process.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = env.bool("DATABASE_POOL", default=True)
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
STATIC_ROOT = ROOT / "staticfiles"
STATICFILES_DIRS = [ROOT / "webapp" / "static"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "tutor": {"handlers": ["console"], "level": "INFO"},
        "webapp": {"handlers": ["console"], "level": "INFO"},
    },
}

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

# Authoring: a course folder uploaded as a zip is refused past these sizes.
AUTHORING_MAX_UPLOAD_BYTES = env.int("AUTHORING_MAX_UPLOAD_BYTES", default=5_000_000)
AUTHORING_MAX_UNPACKED_BYTES = env.int("AUTHORING_MAX_UNPACKED_BYTES", default=20_000_000)
AUTHORING_MAX_FILES = env.int("AUTHORING_MAX_FILES", default=1000)

# The course the run command imports and the demo accounts sign up for.
DEFAULT_COURSE_DIR = ROOT / "content" / "courses" / "llm101n"
