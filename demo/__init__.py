"""demo: the demo data a newcomer sees after ``scripts/dev.sh`` — the library (``demo.library``)
and the demo sites (``demo.sites``: the main site and tenants on ``*.localhost``), loaded by
``manage.py seed_demo``. Top layer: nothing imports it.

May import: every app below it (through their services).
"""
