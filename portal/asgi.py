import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_asgi_application()

from portal.startup import refuse_insecure_defaults  # noqa: E402 - needs the settings loaded

refuse_insecure_defaults()
