"""media: a plain library for media processing at ingest (docs/design.md) — ffprobe, subtitle
extraction to WebVTT, screenshots, release-name parsing, CBZ page indexes and page reads, and
stored-zip packs. No models, no settings of its own: callers pass paths, options and readers.

May import: the standard library and third-party packages only (no app of ours).
"""
