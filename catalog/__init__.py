"""catalog: titles, files, subtitles, episodes, chapters, screenshots, intro votes; the read
model (``Title.document``) and search (DESIGN §3, §4). All writes go through
``catalog.services``.

May import: ``core``. Imported by every app above it.
"""
