"""StreamVault's settings, every one read from the environment (docs/configuration.md).

``base`` holds Django, the services and security; ``apps`` one block per app. Nothing else
reads the environment for configuration.
"""

from __future__ import annotations

from streamvault.settings.apps import *  # noqa: F403
from streamvault.settings.base import *  # noqa: F403
