"""The studio's offline generators (the embedded default: no provider key, nothing fetched):
each is a ``studio.generators.Generator`` named in ``STUDIO_GENERATORS``."""
