from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")
django_application = get_wsgi_application()

# GET /api/titles/<id>/ (the title document) is answered before Django's middleware stack
# (tenants.door); everything else is Django. (These need the apps loaded above.)
from tenants.door import with_document_route  # noqa: E402

application = with_document_route(django_application)

# What the process loaded to start (modules, settings, URL patterns, templates' code) stays
# for its whole life: out of the collector's way, so a full collection scans only what requests
# made — measured in the admin at size, full collections of the whole heap were every slow
# round (230 to 320 ms; bench/README.md).
gc.freeze()
