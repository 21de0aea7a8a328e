import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from portal.startup import refuse_insecure_defaults  # noqa: E402 - needs the settings loaded

refuse_insecure_defaults()
