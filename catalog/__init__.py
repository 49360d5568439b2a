"""catalog: titles, files, subtitles, episodes, chapters, screenshots, intro votes; the read
model (``Title.document``) and search (docs/design.md). All writes go through
``catalog.services``.

May import: ``core``. Imported by every app above it.
"""
