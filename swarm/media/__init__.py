"""Media processing at ingest (DESIGN §5): probe, subtitles, screenshots, release names, CBZ
page indexes and packs. Never on the request path, except ``cbz.read_page`` (one zip entry)."""
