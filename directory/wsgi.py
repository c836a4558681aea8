"""
WSGI config for directory project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "directory.settings")

application = get_wsgi_application()

# With DEBUG off, stop here (the server does not start) rather than answer 500 on every page when the
# static files were not collected for this release (README, "Production").
from directory.checks import refuse_to_serve_uncollected_static  # noqa: E402 (needs the settings loaded)

refuse_to_serve_uncollected_static()
