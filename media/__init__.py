"""media: a plain library for media processing at ingest (docs/design.md) — ffprobe, subtitle
extraction to WebVTT, screenshots, release-name parsing, CBZ page indexes and page reads, and
stored-zip packs; and for the studio, speech (Piper, espeak-ng), scene assembly and offline
sentence embeddings (``minilm``). No Django models, no settings of its own: callers pass
paths, options and readers.

May import: the standard library and third-party packages only (no app of ours).
"""
