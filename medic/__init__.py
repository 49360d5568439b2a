"""Reports, link health, repair loop, takedowns and the audit log (DESIGN §8)."""
