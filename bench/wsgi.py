"""The WSGI application gunicorn serves during the HTTP benchmark: the project's, with bench/urls.py.

The environment (database, index, settings) comes from bench/environment.py's ``environment``.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "directory.settings")
application = get_wsgi_application()
settings.ROOT_URLCONF = "bench.urls"  # before the first request: the resolver is built then
