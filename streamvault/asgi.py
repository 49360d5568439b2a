from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")
# Read by the settings: no persistent database connections here (see CONN_MAX_AGE there);
# removed once read, so the processes this one starts do not inherit it.
os.environ["STREAMVAULT_ASGI"] = "1"
django_application = get_asgi_application()
os.environ.pop("STREAMVAULT_ASGI", None)

# /s/<sha256> (signed streams) skips Django's middleware stack; /ws/live/<id>/ is the live chat
# and /ws/studio/projects/<id>/ a studio project's progress (Django Channels); everything else
# is Django. (These need the apps loaded above.)
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from live.routing import websocket_urlpatterns as live_sockets  # noqa: E402
from studio.routing import websocket_urlpatterns as studio_sockets  # noqa: E402
from vault.stream import with_stream_route  # noqa: E402

http = with_stream_route(django_application)
application = ProtocolTypeRouter(
    {
        "http": http,
        "lifespan": http,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(live_sockets + studio_sockets))
        ),
    }
)
