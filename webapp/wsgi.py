import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
application = get_wsgi_application()
# Import every view (and torch, pyro behind them) now, not in the first learner's request:
# with gunicorn --preload, once in the master, and its forked workers start ready.
import_module(settings.ROOT_URLCONF)
