from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")
django_application = get_asgi_application()

# /s/<sha256> (signed streams) skips Django's middleware stack; everything else is Django.
from vault.stream import with_stream_route  # noqa: E402  (needs the apps loaded above)

application = with_stream_route(django_application)
