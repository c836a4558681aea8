"""
ASGI config for directory project.

It exposes the ASGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "directory.settings")

application = get_asgi_application()

# With DEBUG off, stop here (the server does not start) rather than answer 500 on every page when the
# static files were not collected for this release (README, "Production").
from directory.checks import refuse_to_serve_uncollected_static  # noqa: E402 (needs the settings loaded)

refuse_to_serve_uncollected_static()
